//! The touch webhooks' settings: one entry per webhook under `touches:` in the intake
//! configuration, beside the sources, with its secret given the same way (inline, or
//! `{ env: NAME }`) or as a reference (`env:`, `ssm:`, `secretsmanager:`; see
//! `touches::secrets`).
//!
//! ```yaml
//! touches:
//!   - id: hubspot                     # POST /v1/touches/hubspot
//!     crm: hubspot
//!     secret: { env: HUBSPOT_APP_SECRET }   # the app's client secret (v3 signatures)
//!     public_url: https://leads.example.com/v1/touches/hubspot
//!     # properties: [hs_lead_status, notes_last_contacted]
//!     # ignore_sources: [INTEGRATION]
//!     outcomes:                       # a property's new value that closes the lead
//!       lifecyclestage: { customer: won }
//!       hs_lead_status: { UNQUALIFIED: unqualified }
//!   - id: salesforce                  # POST /v1/touches/salesforce/{token}
//!     crm: salesforce
//!     secret: { env: SALESFORCE_TOUCH_TOKEN }
//!     # integration_user: 0055e000001AbCdAAK
//! ```

use std::collections::BTreeMap;

use jiff::SignedDuration;
use serde::Deserialize;
use switchboard_store::CloseOutcome;

use crate::config::{ConfigError, GenericAuth, ProviderKind, Secret, SourceConfig};

/// The contact properties whose change counts as a touch when none are configured.
pub const DEFAULT_HUBSPOT_PROPERTIES: [&str; 2] = ["hs_lead_status", "notes_last_contacted"];

/// The CRM a touch webhook comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TouchCrm {
    Hubspot,
    Salesforce,
}

impl TouchCrm {
    /// The name CRM record links are kept under (`switchboard_store::ports::crm_links`).
    pub fn key(self) -> &'static str {
        match self {
            TouchCrm::Hubspot => switchboard_store::ports::crm_links::HUBSPOT,
            TouchCrm::Salesforce => switchboard_store::ports::crm_links::SALESFORCE,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TouchCrm::Hubspot => "HubSpot",
            TouchCrm::Salesforce => "Salesforce",
        }
    }
}

/// One touch webhook.
#[derive(Debug, Clone)]
pub struct TouchConfig {
    /// The last segment of `/v1/touches/{id}`.
    pub id: String,
    pub crm: TouchCrm,
    /// HubSpot: the app's client secret, which signs each request (v3). Salesforce: the
    /// token in the URL's last segment or the `X-Switchboard-Token` header.
    pub secret: Secret,
    /// HubSpot: the target URL exactly as configured in the app, which is what HubSpot
    /// signs (without it the URL is rebuilt from the request).
    pub public_url: Option<String>,
    /// HubSpot: the contact properties whose change is a touch.
    pub properties: Vec<String>,
    /// HubSpot: changes whose `changeSource` or `sourceId` is one of these are not
    /// touches (Switchboard's own write-back, another integration).
    pub ignore_sources: Vec<String>,
    /// Salesforce: changes last made by this user (the write-back's run-as user) are not
    /// touches.
    pub integration_user: Option<String>,
    /// HubSpot: the accepted age of a signed timestamp (5 minutes).
    pub tolerance: SignedDuration,
    /// HubSpot: contact property → its value → the close outcome that value means. A
    /// change of the property to that value closes the lead's open assignment with the
    /// outcome, which outcome-aware routing counts for the rep.
    pub outcomes: BTreeMap<String, BTreeMap<String, CloseOutcome>>,
}

impl TouchConfig {
    /// The outcome a change of `property` to `value` means, if any. Values match without
    /// regard to case and surrounding spaces (HubSpot's internal values are `customer`,
    /// `UNQUALIFIED`).
    pub fn outcome_of(&self, property: &str, value: &str) -> Option<CloseOutcome> {
        self.outcomes
            .get(property)?
            .iter()
            .find(|(v, _)| v.eq_ignore_ascii_case(value.trim()))
            .map(|(_, outcome)| *outcome)
    }

    /// A HubSpot touch webhook's signature is checked as a HubSpot source's is: the same
    /// v3 scheme over method, URL, body and timestamp.
    pub(crate) fn as_signed_source(&self) -> SourceConfig {
        SourceConfig {
            id: self.id.clone(),
            kind: ProviderKind::Hubspot,
            secret: self.secret.clone(),
            fields: Default::default(),
            public_url: self.public_url.clone(),
            thank_you_url: None,
            default_country: None,
            tolerance: self.tolerance,
            auth: GenericAuth::default(),
            booking: None,
        }
    }
}

/// A `touches:` entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTouch<S> {
    id: String,
    crm: TouchCrm,
    secret: S,
    #[serde(default)]
    public_url: Option<String>,
    #[serde(default)]
    properties: Option<Vec<String>>,
    #[serde(default)]
    ignore_sources: Vec<String>,
    #[serde(default)]
    integration_user: Option<String>,
    #[serde(default)]
    tolerance: Option<SignedDuration>,
    #[serde(default)]
    outcomes: Option<BTreeMap<String, BTreeMap<String, CloseOutcome>>>,
}

impl<S> RawTouch<S> {
    /// The entry checked, its secret resolved by `secret`.
    pub(crate) fn resolve(
        self,
        secret: impl FnOnce(S) -> Result<Secret, ConfigError>,
    ) -> Result<TouchConfig, ConfigError> {
        let secret = secret(self.secret)?;
        let bad =
            |message: &str| ConfigError::Invalid(format!("touch webhook `{}`: {message}", self.id));
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 64
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(bad("id must be 1-64 characters of A-Z, a-z, 0-9, - and _"));
        }
        if secret.expose().is_empty() {
            return Err(bad("secret is empty"));
        }
        let hubspot = self.crm == TouchCrm::Hubspot;
        if !hubspot
            && (self.public_url.is_some()
                || self.properties.is_some()
                || !self.ignore_sources.is_empty()
                || self.tolerance.is_some()
                || self.outcomes.is_some())
        {
            return Err(bad(
                "public_url, properties, ignore_sources, tolerance and outcomes only apply to crm: hubspot (a Salesforce flow sends `outcome` with the record)",
            ));
        }
        if hubspot && self.integration_user.is_some() {
            return Err(bad("integration_user only applies to crm: salesforce"));
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(bad("public_url must be an absolute http(s) URL"));
        }
        let properties = match self.properties {
            Some(p) if p.iter().any(|p| p.trim().is_empty()) => {
                return Err(bad("properties holds an empty name"));
            }
            Some(p) if p.is_empty() => return Err(bad("properties is empty")),
            Some(p) => p.into_iter().map(|p| p.trim().to_owned()).collect(),
            None if hubspot => DEFAULT_HUBSPOT_PROPERTIES.map(str::to_owned).to_vec(),
            None => Vec::new(),
        };
        let mut outcomes = BTreeMap::new();
        for (property, values) in self.outcomes.unwrap_or_default() {
            let property = property.trim().to_owned();
            if property.is_empty() || values.is_empty() {
                return Err(bad("outcomes needs a property name and at least one value"));
            }
            if property == super::hubspot::OWNER_PROPERTY {
                return Err(bad("outcomes cannot read the owner property"));
            }
            let mut read = BTreeMap::new();
            for (value, outcome) in values {
                let value = value.trim().to_owned();
                if value.is_empty() {
                    return Err(bad(&format!("outcomes.{property} holds an empty value")));
                }
                if read.keys().any(|v: &String| v.eq_ignore_ascii_case(&value)) {
                    return Err(bad(&format!(
                        "outcomes.{property} names `{value}` twice (values match without regard to case)"
                    )));
                }
                read.insert(value, outcome);
            }
            outcomes.insert(property, read);
        }
        Ok(TouchConfig {
            id: self.id,
            crm: self.crm,
            secret,
            public_url: self.public_url,
            properties,
            ignore_sources: self.ignore_sources,
            integration_user: self
                .integration_user
                .map(|u| u.trim().to_owned())
                .filter(|u| !u.is_empty()),
            tolerance: self.tolerance.unwrap_or(SignedDuration::from_mins(5)),
            outcomes,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{ConfigError, IntakeConfig};

    fn load(touches: &str) -> Result<IntakeConfig, ConfigError> {
        IntakeConfig::from_yaml_str_with_env(&format!("touches:\n{touches}"), |name| {
            (name == "HS").then(|| "from-env".to_owned())
        })
    }

    #[test]
    fn touch_webhooks_are_read_with_their_defaults() {
        let config = load(
            "  - { id: hubspot, crm: hubspot, secret: { env: HS } }\n  - { id: sf, crm: salesforce, secret: tok, integration_user: ' 005X ' }\n",
        )
        .unwrap();
        let [hubspot, sf] = &config.touches[..] else {
            panic!("{:?}", config.touches)
        };
        assert_eq!(hubspot.secret.expose(), b"from-env");
        assert_eq!(
            hubspot.properties,
            ["hs_lead_status", "notes_last_contacted"]
        );
        assert_eq!(hubspot.tolerance, jiff::SignedDuration::from_mins(5));
        assert_eq!(sf.integration_user.as_deref(), Some("005X"));
        assert!(sf.properties.is_empty());
        assert!(hubspot.outcomes.is_empty());
    }

    #[test]
    fn outcome_values_match_without_regard_to_case() {
        let config = load(
            "  - id: hubspot\n    crm: hubspot\n    secret: s\n    outcomes:\n      lifecyclestage: { customer: won, ' Other ': lost }\n      hs_lead_status: { UNQUALIFIED: unqualified }\n",
        )
        .unwrap();
        let hubspot = &config.touches[0];
        use switchboard_store::CloseOutcome::{Lost, Unqualified, Won};
        // (property, value, outcome)
        let cases = [
            ("lifecyclestage", "customer", Some(Won)),
            ("lifecyclestage", " Customer", Some(Won)),
            ("lifecyclestage", "other", Some(Lost)),
            ("lifecyclestage", "lead", None),
            ("hs_lead_status", "unqualified", Some(Unqualified)),
            ("hs_lead_status", "IN_PROGRESS", None),
            ("firstname", "customer", None),
        ];
        for (property, value, outcome) in cases {
            assert_eq!(
                hubspot.outcome_of(property, value),
                outcome,
                "{property} {value}"
            );
        }
    }

    #[test]
    fn settings_that_do_not_fit_are_refused() {
        // (entry, words of the refusal)
        let cases = [
            ("{ id: 'a b', crm: hubspot, secret: s }", "id must be"),
            ("{ id: a, crm: hubspot, secret: '' }", "secret is empty"),
            (
                "{ id: a, crm: salesforce, secret: s, properties: [x] }",
                "only apply to crm: hubspot",
            ),
            (
                "{ id: a, crm: hubspot, secret: s, integration_user: u }",
                "only applies to crm: salesforce",
            ),
            (
                "{ id: a, crm: hubspot, secret: s, properties: [] }",
                "properties is empty",
            ),
            (
                "{ id: a, crm: hubspot, secret: s, public_url: leads.example.com }",
                "absolute",
            ),
            ("{ id: a, crm: zoho, secret: s }", "zoho"),
            (
                "{ id: a, crm: salesforce, secret: s, outcomes: { Status: { Won: won } } }",
                "only apply to crm: hubspot",
            ),
            (
                "{ id: a, crm: hubspot, secret: s, outcomes: { lifecyclestage: { customer: win } } }",
                "unknown variant",
            ),
            (
                "{ id: a, crm: hubspot, secret: s, outcomes: { lifecyclestage: {} } }",
                "at least one value",
            ),
            (
                "{ id: a, crm: hubspot, secret: s, outcomes: { lifecyclestage: { ' ': won } } }",
                "empty value",
            ),
            (
                "{ id: a, crm: hubspot, secret: s, outcomes: { x: { A: won, a: lost } } }",
                "twice",
            ),
            (
                "{ id: a, crm: hubspot, secret: s, outcomes: { hubspot_owner_id: { '1': won } } }",
                "owner property",
            ),
            ("{ id: a, crm: hubspot, secret: { env: NOPE } }", "NOPE"),
        ];
        for (entry, words) in cases {
            let e = load(&format!("  - {entry}\n")).unwrap_err().to_string();
            assert!(e.contains(words), "{entry}: {e}");
        }
        let twice = load(
            "  - { id: a, crm: hubspot, secret: s }\n  - { id: a, crm: salesforce, secret: t }\n",
        )
        .unwrap_err();
        assert!(twice.to_string().contains("more than one"), "{twice}");
    }
}
