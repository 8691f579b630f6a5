//! The policy's `enrichment` section: which lead fields may be filled from the matched
//! account or an enrichment provider, and the provider's settings; validated here into
//! [`crate::enrichment::EnrichmentSpec`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::condition::FieldRef;
use crate::enrichment::{EnrichmentSpec, FieldSpec, ProviderAuth, ProviderSpec, Target};

/// `enrichment:` in the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrichmentDoc {
    /// Lead field → where a value may come from, e.g. `employees: { from: [account,
    /// provider] }`. The lead's attributes, `country` and `company` can be filled.
    pub fields: BTreeMap<String, EnrichFieldDoc>,
    /// The enrichment HTTP API asked for the fields that list `provider`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderDoc>,
}

/// Where one field may come from, and whether enrichment overrides the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrichFieldDoc {
    /// Sources in order of preference: `account` (the matched account's attribute of the
    /// same name) and `provider`.
    pub from: Vec<EnrichSource>,
    /// `form` (default): a value the form sent is kept; `enrichment`: an enriched value
    /// replaces it.
    #[serde(default, skip_serializing_if = "EnrichPrefer::is_form")]
    pub prefer: EnrichPrefer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrichSource {
    Account,
    Provider,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrichPrefer {
    #[default]
    Form,
    Enrichment,
}

impl EnrichPrefer {
    fn is_form(&self) -> bool {
        *self == EnrichPrefer::Form
    }
}

/// A generic enrichment HTTP API: one GET per company domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderDoc {
    /// `http(s)://` URL with `{domain}` (the email's registrable domain) or `{email}`.
    pub url: String,
    /// A header carrying a secret, e.g. `{ header: Authorization, secret:
    /// "env:ENRICH_TOKEN", prefix: "Bearer " }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<ProviderAuthDoc>,
    /// Field → JSON pointer into the answer, e.g. `employees: /company/metrics/employees`.
    pub map: BTreeMap<String, String>,
    /// Longest wait for an answer, in milliseconds (default 800, at most 10000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// How long an answer (a "no such company" too) is reused for its domain (default
    /// `30d`; `12h`, `2w`, ...).
    #[serde(default = "default_cache_ttl")]
    pub cache_ttl: String,
    /// Most provider calls per calendar month (UTC); past it leads route without asking.
    pub monthly_budget: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderAuthDoc {
    pub header: String,
    /// `env:NAME`, `ssm:/name` or `secretsmanager:NAME` (never the secret itself: the
    /// policy is readable by viewers).
    pub secret: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prefix: String,
}

fn default_timeout_ms() -> u64 {
    800
}

fn default_cache_ttl() -> String {
    "30d".into()
}

/// Most milliseconds a provider may take: the lead waits for it.
const MAX_TIMEOUT_MS: u64 = 10_000;

/// Compiles `doc`; problems come back as (path, message).
pub(super) fn compile(doc: &EnrichmentDoc) -> Result<EnrichmentSpec, Vec<(String, String)>> {
    let mut problems = Vec::new();
    let mut err = |path: String, message: String| problems.push((path, message));
    let mut fields = Vec::with_capacity(doc.fields.len());
    for (name, f) in &doc.fields {
        let path = format!("enrichment.fields.{name}");
        let target = match FieldRef::parse(name) {
            Some(FieldRef::Attr(k)) => Some(Target::Attr(k)),
            Some(FieldRef::Country) => Some(Target::Country),
            Some(FieldRef::Company) => Some(Target::Company),
            _ => {
                err(
                    path.clone(),
                    format!(
                        "`{name}` cannot be enriched (the lead's attributes, `country` and \
                         `company` can)"
                    ),
                );
                None
            }
        };
        if f.from.is_empty() {
            err(
                format!("{path}.from"),
                "name at least one source: account, provider".into(),
            );
        }
        for (i, s) in f.from.iter().enumerate() {
            if f.from[..i].contains(s) {
                err(format!("{path}.from[{i}]"), "source listed twice".into());
            }
        }
        if f.from.contains(&EnrichSource::Provider) {
            match &doc.provider {
                None => err(
                    format!("{path}.from"),
                    "lists `provider` but the policy has no `enrichment.provider`".into(),
                ),
                Some(p) if !p.map.contains_key(name) => err(
                    format!("{path}.from"),
                    format!("lists `provider` but `enrichment.provider.map` has no `{name}`"),
                ),
                Some(_) => {}
            }
        }
        if let Some(target) = target {
            fields.push(FieldSpec {
                name: name.trim().to_owned(),
                target,
                from: f.from.clone(),
                prefer_enrichment: f.prefer == EnrichPrefer::Enrichment,
            });
        }
    }
    let provider = doc.provider.as_ref().and_then(|p| {
        let before = problems.len();
        let mut err = |path: &str, message: String| {
            problems.push((format!("enrichment.provider.{path}"), message))
        };
        if let Err(m) = check_url_template(&p.url) {
            err("url", m);
        }
        for (field, pointer) in &p.map {
            let listed = doc
                .fields
                .get(field)
                .is_some_and(|f| f.from.contains(&EnrichSource::Provider));
            if !listed {
                err(
                    &format!("map.{field}"),
                    format!("`{field}` is not an enrichment field with `provider` in its `from`"),
                );
            }
            if let Err(m) = check_pointer(pointer) {
                err(&format!("map.{field}"), m);
            }
        }
        if !(1..=MAX_TIMEOUT_MS).contains(&p.timeout_ms) {
            err(
                "timeout_ms",
                format!(
                    "must be from 1 to {MAX_TIMEOUT_MS} milliseconds, got {}",
                    p.timeout_ms
                ),
            );
        }
        let cache_ttl = super::recycle::delay(&p.cache_ttl)
            .map_err(|m| err("cache_ttl", m))
            .ok();
        if let Some(a) = &p.auth {
            if a.header.is_empty() || !a.header.bytes().all(is_token_byte) {
                err(
                    "auth.header",
                    format!("`{}` is not an HTTP header name", a.header),
                );
            }
            let secret = a.secret.trim();
            let named = ["env:", "ssm:", "secretsmanager:"].iter().any(|s| {
                secret
                    .strip_prefix(s)
                    .is_some_and(|rest| !rest.trim().is_empty())
            });
            if !named {
                err(
                    "auth.secret",
                    "must be a reference (`env:NAME`, `ssm:/name` or `secretsmanager:NAME`), \
                     not the secret itself"
                        .into(),
                );
            }
        }
        if problems.len() > before {
            return None;
        }
        Some(ProviderSpec {
            url: p.url.trim().to_owned(),
            auth: p.auth.as_ref().map(|a| ProviderAuth {
                header: a.header.clone(),
                secret: a.secret.trim().to_owned(),
                prefix: a.prefix.clone(),
            }),
            map: p
                .map
                .iter()
                .map(|(f, ptr)| (f.trim().to_owned(), ptr.clone()))
                .collect(),
            timeout: std::time::Duration::from_millis(p.timeout_ms),
            cache_ttl: cache_ttl?,
            monthly_budget: p.monthly_budget,
        })
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(EnrichmentSpec { fields, provider })
}

/// RFC 9110 token characters (header names).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// An `http(s)://` URL whose only placeholders are `{domain}` and `{email}`, at least one.
fn check_url_template(url: &str) -> Result<(), String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` is not an http:// or https:// URL"))?;
    if rest.is_empty() || rest.starts_with('/') || rest.contains(char::is_whitespace) {
        return Err(format!("`{url}` has no host or contains whitespace"));
    }
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    if rest[..host_end].contains(['{', '}']) {
        return Err("the host cannot hold a placeholder".into());
    }
    let mut placeholders = 0;
    let mut s = rest;
    while let Some(open) = s.find(['{', '}']) {
        if s[open..].starts_with('}') {
            return Err(format!("`{url}` has a `}}` without its `{{`"));
        }
        let close = s[open..]
            .find('}')
            .ok_or_else(|| format!("`{url}` has a `{{` without its `}}`"))?;
        let name = &s[open + 1..open + close];
        if name != "domain" && name != "email" {
            return Err(format!(
                "`{{{name}}}` is not a placeholder (use `{{domain}}` or `{{email}}`)"
            ));
        }
        placeholders += 1;
        s = &s[open + close + 1..];
    }
    if placeholders == 0 {
        return Err(format!(
            "`{url}` has no `{{domain}}` or `{{email}}` placeholder"
        ));
    }
    Ok(())
}

/// An RFC 6901 JSON pointer: empty (the whole answer) or `/`-separated, `~` only as `~0`
/// or `~1`.
fn check_pointer(pointer: &str) -> Result<(), String> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(format!(
            "`{pointer}` is not a JSON pointer (it starts with `/`, e.g. `/company/employees`)"
        ));
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(format!(
                "`{pointer}`: `~` in a JSON pointer is `~0` (a `~`) or `~1` (a `/`)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::CompiledPolicy;

    const BASE: &str = "triage_pool: triage\nreps: [{ id: a, name: A }]\npools: [{ id: p, members: [a] }]\nrules: [{ id: all, pool: p }]\n";

    fn with(enrichment: &str) -> Result<CompiledPolicy, Vec<String>> {
        CompiledPolicy::from_yaml(&format!("{BASE}enrichment:\n{enrichment}"), 1)
            .map_err(|e| e.issues().iter().map(ToString::to_string).collect())
    }

    #[test]
    fn a_full_section_compiles() {
        let p = with(
            r#"
  fields:
    employees: { from: [account, provider] }
    industry: { from: [provider], prefer: enrichment }
    country: { from: [account] }
  provider:
    url: "https://enrich.example.com/v1/companies?domain={domain}"
    auth: { header: Authorization, secret: "env:ENRICH_TOKEN", prefix: "Bearer " }
    map: { employees: /company/metrics/employees, industry: /company/category/industry }
    cache_ttl: 7d
    monthly_budget: 1000
"#,
        )
        .unwrap();
        let e = p.enrichment().unwrap();
        assert_eq!(e.fields.len(), 3);
        let provider = e.provider.as_ref().unwrap();
        assert_eq!(provider.timeout, std::time::Duration::from_millis(800));
        assert_eq!(provider.cache_ttl, jiff::SignedDuration::from_hours(7 * 24));
    }

    #[test]
    fn mistakes_are_refused_with_their_paths() {
        // (section, the one problem it has)
        let cases = [
            (
                "  fields: { email: { from: [account] } }\n",
                "enrichment.fields.email: `email` cannot be enriched",
            ),
            (
                "  fields: { employees: { from: [] } }\n",
                "enrichment.fields.employees.from: name at least one source",
            ),
            (
                "  fields: { employees: { from: [provider] } }\n",
                "enrichment.fields.employees.from: lists `provider` but the policy has no",
            ),
            (
                "  fields: { employees: { from: [bogus] } }\n",
                "enrichment.fields.employees.from[0]: unknown variant `bogus`",
            ),
            (
                "  fields: { employees: { from: [provider] } }\n  provider: { url: \"https://x.test/{domain}\", map: { employees: company/size }, monthly_budget: 5 }\n",
                "enrichment.provider.map.employees: `company/size` is not a JSON pointer",
            ),
            (
                "  fields: { employees: { from: [provider] } }\n  provider: { url: \"https://x.test/{domian}\", map: { employees: /size }, monthly_budget: 5 }\n",
                "enrichment.provider.url: `{domian}` is not a placeholder",
            ),
            (
                "  fields: { employees: { from: [provider] } }\n  provider: { url: \"ftp://x.test/{domain}\", map: { employees: /size }, monthly_budget: 5 }\n",
                "enrichment.provider.url: `ftp://x.test/{domain}` is not an http",
            ),
            (
                "  fields: { employees: { from: [provider] } }\n  provider: { url: \"https://x.test/companies\", map: { employees: /size }, monthly_budget: 5 }\n",
                "enrichment.provider.url: `https://x.test/companies` has no `{domain}`",
            ),
            (
                "  fields: { employees: { from: [provider] } }\n  provider: { url: \"https://x.test/{domain}\", map: { employees: /size, revenue: /rev }, monthly_budget: 5 }\n",
                "enrichment.provider.map.revenue: `revenue` is not an enrichment field",
            ),
            (
                "  fields: { employees: { from: [provider] } }\n  provider: { url: \"https://x.test/{domain}\", map: { employees: /size }, monthly_budget: 5, auth: { header: Authorization, secret: tok123 } }\n",
                "enrichment.provider.auth.secret: must be a reference",
            ),
            (
                "  fields: { employees: { from: [provider] } }\n  provider: { url: \"https://x.test/{domain}\", map: { employees: /size }, monthly_budget: 5, timeout_ms: 60000 }\n",
                "enrichment.provider.timeout_ms: must be from 1 to 10000",
            ),
            (
                "  fields: { employees: { from: [provider] } }\n  provider: { url: \"https://x.test/{domain}\", map: { employees: /size }, monthly_budget: 5, cache_ttl: forever }\n",
                "enrichment.provider.cache_ttl: `forever` is not a duration",
            ),
            (
                "  fields: { employees: { from: [provider] } }\n  provider: { url: \"https://x.test/{domain}\", map: { employees: /size }, monthly_budget: 5, retries: 3 }\n",
                "unknown field `retries`",
            ),
        ];
        for (section, expected) in cases {
            let problems = with(section).expect_err(section);
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{section}: expected `{expected}` in {problems:?}"
            );
        }
    }
}
