//! Lead enrichment, the pure part: which fields a policy fills from where, whether a lead
//! needs the provider at all, reading a provider's answer, and merging form, account and
//! provider values into the lead the rules see, with each value's source for the record.
//!
//! The provider call, its cache and its budget are I/O and live with the router
//! (`switchboard_store::enrichment`); the engine only ever sees the merged lead.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::account::Account;
use crate::lead::{Lead, Scalar};
use crate::policy::EnrichSource;
use crate::record::DecisionRecord;

/// The lead field an enrichment value goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Attr(String),
    Country,
    Company,
}

/// One enrichable field, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    /// As the policy names it (and the rules test it).
    pub name: String,
    pub target: Target,
    /// Enrichment sources, the preferred first.
    pub from: Vec<EnrichSource>,
    /// An enriched value replaces the form's.
    pub prefer_enrichment: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAuth {
    pub header: String,
    /// A secret reference (`env:`, `ssm:`, `secretsmanager:`), resolved by the caller.
    pub secret: String,
    pub prefix: String,
}

/// The enrichment provider, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderSpec {
    /// With `{domain}` and/or `{email}` placeholders.
    pub url: String,
    pub auth: Option<ProviderAuth>,
    /// Field → JSON pointer into the answer.
    pub map: Vec<(String, String)>,
    pub timeout: Duration,
    pub cache_ttl: SignedDuration,
    pub monthly_budget: u64,
}

/// The policy's `enrichment` section, compiled.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EnrichmentSpec {
    pub fields: Vec<FieldSpec>,
    pub provider: Option<ProviderSpec>,
}

/// Where a field's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldSource {
    Form,
    Account,
    Provider,
}

/// What became of the provider lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProviderOutcome {
    /// The provider answered (this lead paid for a call).
    Ok,
    /// An earlier answer for the domain was reused.
    Cached,
    /// The provider knows no such company (cached like an answer).
    NotFound,
    Timeout,
    RateLimited,
    /// The month's call budget is spent.
    BudgetExhausted,
    /// Free-mail domains are never looked up.
    FreeMailSkipped,
    /// The lead has no email domain to look up.
    NoDomain,
    /// The form and account already gave every field the provider could.
    NotNeeded,
    /// A server error, an unreadable answer, a secret or store that failed.
    Error,
    /// The policy has no provider.
    NotConfigured,
}

impl ProviderOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderOutcome::Ok => "ok",
            ProviderOutcome::Cached => "cached",
            ProviderOutcome::NotFound => "not_found",
            ProviderOutcome::Timeout => "timeout",
            ProviderOutcome::RateLimited => "rate_limited",
            ProviderOutcome::BudgetExhausted => "budget_exhausted",
            ProviderOutcome::FreeMailSkipped => "free_mail_skipped",
            ProviderOutcome::NoDomain => "no_domain",
            ProviderOutcome::NotNeeded => "not_needed",
            ProviderOutcome::Error => "error",
            ProviderOutcome::NotConfigured => "not_configured",
        }
    }

    /// The lookup was wanted and failed: the lead is routed without the provider's values.
    pub fn failed(self) -> bool {
        matches!(
            self,
            ProviderOutcome::Timeout
                | ProviderOutcome::RateLimited
                | ProviderOutcome::BudgetExhausted
                | ProviderOutcome::Error
        )
    }
}

/// One filled field of the lead the rules saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct EnrichedField {
    pub field: String,
    pub source: FieldSource,
    pub value: Scalar,
    /// The form's value an enriched one replaced (`prefer: enrichment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<Scalar>,
}

/// Enrichment's part in a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct EnrichmentRecord {
    pub provider: ProviderOutcome,
    /// Why a lookup failed (`HTTP 503`, `no answer within 800 ms`); never lead data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Each enrichable field that has a value, in policy order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<EnrichedField>,
    /// Enrichable fields nothing gave a value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

impl EnrichmentRecord {
    /// Puts this into `record`; a failed lookup is also said in the summary.
    pub fn attach(self, record: &mut DecisionRecord) {
        if self.provider.failed() {
            let why = self
                .detail
                .as_deref()
                .map_or(String::new(), |d| format!(" ({d})"));
            record.summary.push_str(&format!(
                " Enrichment provider: {}{why}; routed on the form and account values.",
                self.provider.as_str()
            ));
        }
        record.enrichment = Some(self);
    }
}

/// A provider call to make: the domain it is cached and counted under, and its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderCall {
    pub domain: String,
    pub url: String,
}

impl EnrichmentSpec {
    /// The provider call `lead` needs, or why none is made. Free-mail domains are never
    /// asked about; nor is a lead whose form and account already give every field the
    /// provider could (calls are paid for).
    pub fn provider_call(
        &self,
        lead: &Lead,
        account: Option<&Account>,
    ) -> Result<ProviderCall, ProviderOutcome> {
        let provider = self
            .provider
            .as_ref()
            .ok_or(ProviderOutcome::NotConfigured)?;
        let wanted = self.fields.iter().any(|f| {
            let Some(at) = f.from.iter().position(|s| *s == EnrichSource::Provider) else {
                return false;
            };
            let earlier = f.from[..at]
                .iter()
                .any(|s| *s == EnrichSource::Account && account_value(f, account).is_some());
            let form_stands = !f.prefer_enrichment && form_value(f, lead).is_some();
            !earlier && !form_stands
        });
        if !wanted {
            return Err(ProviderOutcome::NotNeeded);
        }
        if lead.free_mail {
            return Err(ProviderOutcome::FreeMailSkipped);
        }
        let domain = lead
            .email_domain
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .ok_or(ProviderOutcome::NoDomain)?;
        let email = lead.email.as_deref().unwrap_or_default();
        if provider.url.contains("{email}") && email.is_empty() {
            return Err(ProviderOutcome::NoDomain);
        }
        let url = provider
            .url
            .replace("{domain}", &percent_encode(domain))
            .replace("{email}", &percent_encode(email));
        Ok(ProviderCall {
            domain: domain.to_ascii_lowercase(),
            url,
        })
    }

    /// `lead` with its enrichable fields filled: per field, the first source in `from`
    /// with a value; the form's value stands unless the field prefers enrichment.
    /// `provided` is the provider's answer as read by [`ProviderSpec::read_answer`].
    pub fn apply(
        &self,
        lead: &Lead,
        account: Option<&Account>,
        provided: &BTreeMap<String, Scalar>,
        provider: ProviderOutcome,
        detail: Option<String>,
    ) -> (Lead, EnrichmentRecord) {
        let mut out = lead.clone();
        let mut fields = Vec::new();
        let mut missing = Vec::new();
        for f in &self.fields {
            let form = form_value(f, lead);
            let enriched = f.from.iter().find_map(|s| match s {
                EnrichSource::Account => {
                    account_value(f, account).map(|v| (FieldSource::Account, v))
                }
                EnrichSource::Provider => provided
                    .get(&f.name)
                    .and_then(|v| fit(&f.target, v.clone()))
                    .map(|v| (FieldSource::Provider, v)),
            });
            let (source, value, replaced) = match (form, enriched) {
                (Some(form), Some((source, value))) if f.prefer_enrichment => {
                    let replaced = (form != value).then_some(form);
                    (source, value, replaced)
                }
                (Some(form), _) => (FieldSource::Form, form, None),
                (None, Some((source, value))) => (source, value, None),
                (None, None) => {
                    missing.push(f.name.clone());
                    continue;
                }
            };
            if source != FieldSource::Form {
                set(&mut out, &f.target, value.clone());
            }
            fields.push(EnrichedField {
                field: f.name.clone(),
                source,
                value,
                replaced,
            });
        }
        let record = EnrichmentRecord {
            provider,
            detail,
            fields,
            missing,
        };
        (out, record)
    }
}

impl ProviderSpec {
    /// The mapped fields of a provider's JSON answer. Arrays of plain values (a company's
    /// technologies) become one comma-separated text, which `contains` can test; objects
    /// and nulls count as no value.
    pub fn read_answer(&self, answer: &serde_json::Value) -> BTreeMap<String, Scalar> {
        self.map
            .iter()
            .filter_map(|(field, pointer)| {
                let value = answer.pointer(pointer)?;
                scalar(value).map(|v| (field.clone(), v))
            })
            .collect()
    }
}

fn scalar(value: &serde_json::Value) -> Option<Scalar> {
    use serde_json::Value as J;
    match value {
        J::String(s) if !s.trim().is_empty() => Some(Scalar::Text(s.trim().to_owned())),
        J::Number(n) => n.as_f64().map(Scalar::Number),
        J::Bool(b) => Some(Scalar::Bool(*b)),
        J::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|i| match scalar(i)? {
                    Scalar::Text(t) => Some(t),
                    Scalar::Number(n) => Some(n.to_string()),
                    Scalar::Bool(b) => Some(b.to_string()),
                })
                .collect();
            (!parts.is_empty()).then(|| Scalar::Text(parts.join(", ")))
        }
        _ => None,
    }
}

fn form_value(f: &FieldSpec, lead: &Lead) -> Option<Scalar> {
    let text = |o: &Option<String>| o.as_deref().filter(|t| !t.is_empty()).map(Scalar::from);
    match &f.target {
        Target::Attr(k) => lead.attributes.get(k).cloned(),
        Target::Country => text(&lead.country),
        Target::Company => text(&lead.company),
    }
}

/// The matched account's attribute of the field's name (`company` falls back to the
/// account's name).
fn account_value(f: &FieldSpec, account: Option<&Account>) -> Option<Scalar> {
    let account = account?;
    let key = match &f.target {
        Target::Attr(k) => k.as_str(),
        Target::Country => "country",
        Target::Company => "company",
    };
    let value = account.attributes.get(key).cloned().or_else(|| {
        (f.target == Target::Company && !account.name.is_empty())
            .then(|| Scalar::from(account.name.as_str()))
    })?;
    fit(&f.target, value)
}

/// A value as the target field holds it: countries are ISO 3166 codes, upper-case (rules
/// compare them so); a value that is not one is dropped rather than never matching.
fn fit(target: &Target, value: Scalar) -> Option<Scalar> {
    match (target, value) {
        (Target::Country, Scalar::Text(t)) => {
            let t = t.trim();
            (t.len() == 2 && t.bytes().all(|b| b.is_ascii_alphabetic()))
                .then(|| Scalar::Text(t.to_ascii_uppercase()))
        }
        (Target::Country, _) => None,
        (Target::Company, Scalar::Text(t)) => Some(Scalar::Text(t)),
        (Target::Company, _) => None,
        (Target::Attr(_), v) => Some(v),
    }
}

fn set(lead: &mut Lead, target: &Target, value: Scalar) {
    match (target, value) {
        (Target::Attr(k), v) => {
            lead.attributes.insert(k.clone(), v);
        }
        (Target::Country, Scalar::Text(t)) => lead.country = Some(t),
        (Target::Company, Scalar::Text(t)) => lead.company = Some(t),
        _ => {}
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CompiledPolicy;

    const POLICY: &str = r#"
triage_pool: triage
reps: [{ id: a, name: A }]
pools: [{ id: p, members: [a] }]
rules: [{ id: all, pool: p }]
enrichment:
  fields:
    employees: { from: [account, provider] }
    industry: { from: [provider, account], prefer: enrichment }
    country: { from: [provider] }
    technologies: { from: [provider] }
  provider:
    url: "https://enrich.test/v1?domain={domain}&who={email}"
    map:
      employees: /company/employees
      industry: /company/industry
      country: /company/hq/country
      technologies: /company/tech
    monthly_budget: 10
"#;

    fn spec() -> EnrichmentSpec {
        CompiledPolicy::from_yaml(POLICY, 1)
            .unwrap()
            .enrichment()
            .unwrap()
            .clone()
    }

    fn lead() -> Lead {
        Lead::new("l1", jiff::Timestamp::UNIX_EPOCH).with_email("Ann+x@Acme.com")
    }

    #[test]
    fn the_call_is_made_only_when_the_provider_could_add_something() {
        let spec = spec();
        let call = spec.provider_call(&lead(), None).unwrap();
        assert_eq!(call.domain, "acme.com");
        assert_eq!(
            call.url,
            "https://enrich.test/v1?domain=acme.com&who=ann%2Bx%40acme.com"
        );
        let mut free = lead();
        free.free_mail = true;
        assert_eq!(
            spec.provider_call(&free, None),
            Err(ProviderOutcome::FreeMailSkipped)
        );
        let nobody = Lead::new("l2", jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(
            spec.provider_call(&nobody, None),
            Err(ProviderOutcome::NoDomain)
        );
        // Everything the provider could give is there (industry prefers enrichment, but
        // its first source is the provider, so the form's value does not settle it).
        let full = lead()
            .with_attr("employees", 10.0)
            .with_attr("technologies", "rust")
            .with_country("DE");
        assert!(spec.provider_call(&full, None).is_ok());
        let no_industry = EnrichmentSpec {
            fields: spec
                .fields
                .iter()
                .filter(|f| f.name != "industry")
                .cloned()
                .collect(),
            ..spec.clone()
        };
        assert_eq!(
            no_industry.provider_call(&full, None),
            Err(ProviderOutcome::NotNeeded)
        );
    }

    #[test]
    fn values_merge_by_source_order_and_preference() {
        let spec = spec();
        let answer = serde_json::json!({
            "company": {
                "employees": 5000,
                "industry": "Software",
                "hq": { "country": "de" },
                "tech": ["rust", "postgres"]
            }
        });
        let provided = spec.provider.as_ref().unwrap().read_answer(&answer);
        let account = Account {
            id: "A1".into(),
            attributes: [("employees".to_owned(), Scalar::Number(450.0))].into(),
            ..Account::default()
        };
        let form = lead().with_attr("industry", "Retail");
        let (out, record) = spec.apply(&form, Some(&account), &provided, ProviderOutcome::Ok, None);
        let got: Vec<(&str, FieldSource, Scalar, Option<Scalar>)> = record
            .fields
            .iter()
            .map(|f| {
                (
                    f.field.as_str(),
                    f.source,
                    f.value.clone(),
                    f.replaced.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("country", FieldSource::Provider, "DE".into(), None),
                ("employees", FieldSource::Account, 450.0.into(), None),
                (
                    "industry",
                    FieldSource::Provider,
                    "Software".into(),
                    Some("Retail".into())
                ),
                (
                    "technologies",
                    FieldSource::Provider,
                    "rust, postgres".into(),
                    None
                ),
            ]
        );
        assert_eq!(out.country.as_deref(), Some("DE"));
        assert_eq!(out.attributes["employees"], Scalar::Number(450.0));
        assert_eq!(out.attributes["industry"], Scalar::from("Software"));
        // Nothing from anywhere: listed as missing, the lead unchanged.
        let (out, record) = spec.apply(
            &lead(),
            None,
            &BTreeMap::new(),
            ProviderOutcome::Timeout,
            None,
        );
        assert_eq!(out, lead());
        assert_eq!(
            record.missing,
            ["country", "employees", "industry", "technologies"]
        );
    }
}
