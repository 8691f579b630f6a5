//! A rep's booking page: the document form, its checks, and which query parameters carry
//! the lead's name and email. Building the final URL (percent-encoding) is the caller's:
//! this crate stays free of I/O and URL handling.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::lead::Lead;

/// A rep's meeting booking page (Calendly, HubSpot meetings, a Google appointment page, or
/// any page that takes a plain link). Sources that ask for it answer a new lead with the
/// assigned rep's link (docs/PROVIDERS.md, "Booking").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingDoc {
    /// Absolute http(s) URL of the rep's booking page, without a `#fragment`; it may carry
    /// its own query.
    pub url: String,
    /// Which query parameters carry the lead's name and email: a preset (`calendly`,
    /// `hubspot_meetings`, `none`) or the parameter names. Absent: nothing is prefilled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<PrefillDoc>,
}

/// How a booking page takes the lead's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PrefillDoc {
    Preset(PrefillPreset),
    Params(PrefillParams),
}

/// Booking tools whose prefill parameters are documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrefillPreset {
    /// Calendly: `name` (full name) and `email`.
    Calendly,
    /// HubSpot meetings: `firstName`, `lastName` and `email`.
    HubspotMeetings,
    /// Nothing prefilled (Google appointment pages take no parameters).
    None,
}

/// Parameter names of a booking page; each absent one is not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefillParams {
    /// Carries the full name (first and last, space-separated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl PrefillDoc {
    /// The parameter names this prefill uses.
    pub fn params(&self) -> PrefillParams {
        let name = |s: &str| Some(s.to_owned());
        match self {
            PrefillDoc::Preset(PrefillPreset::Calendly) => PrefillParams {
                name: name("name"),
                email: name("email"),
                ..PrefillParams::default()
            },
            PrefillDoc::Preset(PrefillPreset::HubspotMeetings) => PrefillParams {
                first_name: name("firstName"),
                last_name: name("lastName"),
                email: name("email"),
                ..PrefillParams::default()
            },
            PrefillDoc::Preset(PrefillPreset::None) => PrefillParams::default(),
            PrefillDoc::Params(p) => p.clone(),
        }
    }
}

impl BookingDoc {
    /// The query parameters (name, value) to add to `url` for `lead`, in a fixed order;
    /// values the lead does not have are left out.
    pub fn prefill_for(&self, lead: &Lead) -> Vec<(String, String)> {
        let Some(prefill) = &self.prefill else {
            return Vec::new();
        };
        let p = prefill.params();
        let first = lead.first_name.as_deref().filter(|s| !s.is_empty());
        let last = lead.last_name.as_deref().filter(|s| !s.is_empty());
        let full = match (first, last) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
            (None, None) => None,
        };
        let email = lead.email.as_ref().map(|e| e.as_str().to_owned());
        [
            (p.name, full),
            (p.first_name, first.map(str::to_owned)),
            (p.last_name, last.map(str::to_owned)),
            (p.email, email),
        ]
        .into_iter()
        .filter_map(|(param, value)| Some((param?, value?)))
        .collect()
    }

    /// What is wrong with this link, as (sub-path, message) pairs.
    pub(super) fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let rest = self
            .url
            .strip_prefix("https://")
            .or_else(|| self.url.strip_prefix("http://"));
        let host_ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with(['/', '?']));
        if !host_ok
            || self
                .url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            out.push((
                "url",
                format!("`{}` is not an absolute http(s) URL", self.url),
            ));
        }
        if self.url.contains('#') {
            out.push((
                "url",
                "a booking URL must not carry a `#fragment` (prefilled values go in its query)"
                    .to_owned(),
            ));
        }
        if let Some(PrefillDoc::Params(p)) = &self.prefill {
            let names = [&p.name, &p.first_name, &p.last_name, &p.email];
            if names.iter().all(|n| n.is_none()) {
                out.push(("prefill", "name at least one parameter".to_owned()));
            }
            let given: Vec<&str> = names.iter().filter_map(|n| n.as_deref()).collect();
            if given.iter().any(|n| n.trim().is_empty()) {
                out.push(("prefill", "a parameter name must not be empty".to_owned()));
            }
            let mut sorted = given.clone();
            sorted.sort_unstable();
            sorted.dedup();
            if sorted.len() != given.len() {
                out.push(("prefill", "each parameter name may be used once".to_owned()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(yaml: &str) -> BookingDoc {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    fn lead() -> Lead {
        let mut lead: Lead = serde_json::from_value(serde_json::json!({
            "id": "l1", "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"
        }))
        .unwrap();
        lead.attributes.clear();
        lead
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn presets_name_their_tools_parameters() {
        let calendly = doc("{url: 'https://calendly.com/ada', prefill: calendly}");
        assert_eq!(
            calendly.prefill_for(&lead()),
            pairs(&[("name", "Ada Lovelace"), ("email", "ada@example.com")])
        );
        let hubspot = doc("{url: 'https://meetings.hubspot.com/ada', prefill: hubspot_meetings}");
        assert_eq!(
            hubspot.prefill_for(&lead()),
            pairs(&[
                ("firstName", "Ada"),
                ("lastName", "Lovelace"),
                ("email", "ada@example.com")
            ])
        );
        let google = doc("{url: 'https://calendar.app.google/x', prefill: none}");
        assert!(google.prefill_for(&lead()).is_empty());
        let bare = doc("{url: 'https://calendar.app.google/x'}");
        assert!(bare.prefill_for(&lead()).is_empty());
    }

    #[test]
    fn explicit_parameters_and_missing_values() {
        let custom = doc("{url: 'https://book.example.com/a', prefill: {email: em, name: who}}");
        let mut no_last = lead();
        no_last.last_name = None;
        assert_eq!(
            custom.prefill_for(&no_last),
            pairs(&[("who", "Ada"), ("em", "ada@example.com")])
        );
        no_last.email = None;
        no_last.first_name = None;
        assert!(custom.prefill_for(&no_last).is_empty());
    }

    #[test]
    fn refuses_links_that_are_not_absolute_or_carry_a_fragment() {
        for bad in [
            "{url: '/book'}",
            "{url: 'javascript:alert(1)'}",
            "{url: 'https://'}",
            "{url: 'https://x.example/a b'}",
            "{url: 'https://x.example/#slot'}",
            "{url: 'https://x.example/', prefill: {}}",
            "{url: 'https://x.example/', prefill: {name: a, email: a}}",
            "{url: 'https://x.example/', prefill: {email: ' '}}",
        ] {
            assert!(!doc(bad).problems().is_empty(), "accepted {bad}");
        }
        assert!(
            doc("{url: 'https://x.example/p?src=web', prefill: calendly}")
                .problems()
                .is_empty()
        );
    }
}
