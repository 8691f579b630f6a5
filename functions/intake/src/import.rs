//! Intake for the admin API's lead import (`switchboard_admin::import`): each imported row
//! is read as the generic lead API reads a body, normalized with the source's settings and
//! received as intake receives a lead (stored, then handed to routing), so an imported lead
//! is the lead the same fields posted to `POST /v1/leads` would have been.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value};
use switchboard_admin::{Received, RowIntake, RowLead};
use switchboard_store::{FieldIssue, NewLead};

use crate::body::Decoded;
use crate::config::{GenericAuth, IntakeConfig, ProviderKind, Secret, SourceConfig};
use crate::error::IntakeError;
use crate::intake::new_lead_id;
use crate::normalize;
use crate::providers::{Parsed, generic};
use crate::reception::Reception;
use crate::state::IntakeState;

/// [`RowIntake`] over the intake configuration and the reception the runtime serves.
#[derive(Clone)]
pub struct ImportIntake {
    config: Arc<IntakeConfig>,
    reception: Arc<dyn Reception>,
}

impl ImportIntake {
    pub fn new(config: Arc<IntakeConfig>, reception: Arc<dyn Reception>) -> Self {
        ImportIntake { config, reception }
    }

    /// The sources and reception of a running intake.
    pub fn from_state(state: &IntakeState) -> Self {
        ImportIntake::new(state.config.clone(), state.reception.clone())
    }
}

impl RowIntake for ImportIntake {
    fn normalize(
        &self,
        source: &str,
        row: &Map<String, Value>,
        now: Timestamp,
    ) -> Result<RowLead, Vec<FieldIssue>> {
        let label;
        let source = match self.config.source(source) {
            Some(configured) => configured,
            None => {
                label = free_label(source);
                &label
            }
        };
        let submission = match generic::parse(&Decoded::Json(Value::Object(row.clone()))) {
            Ok(Parsed::Lead(submission)) => submission,
            Ok(Parsed::Ignored(reason)) => return Err(vec![FieldIssue::new("row", reason)]),
            Err(e) => return Err(problems(e)),
        };
        normalize::normalize(&submission, source, new_lead_id(now), now)
            .map(|n| RowLead {
                lead: n.lead,
                warnings: n.warnings,
            })
            .map_err(problems)
    }

    fn dedupe_window(&self) -> SignedDuration {
        self.config.dedupe_window
    }

    fn receive(&self, new: NewLead) -> Received<'_> {
        self.reception.receive(new)
    }
}

/// A source nobody configured (an event's name): the generic API's field names, no
/// default country. Its secret is never asked for: the admin API authorized the caller.
fn free_label(id: &str) -> SourceConfig {
    SourceConfig {
        id: id.to_owned(),
        kind: ProviderKind::Generic,
        secret: Secret::new(String::new()),
        fields: Default::default(),
        public_url: None,
        thank_you_url: None,
        default_country: None,
        tolerance: ProviderKind::Generic.default_tolerance(),
        auth: GenericAuth::default(),
        booking: None,
    }
}

fn problems(e: IntakeError) -> Vec<FieldIssue> {
    match e {
        IntakeError::Invalid(issues) | IntakeError::MissingContact(issues) => issues,
        other => vec![FieldIssue::new("row", other.to_string())],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use switchboard_store::{Insert, StoreError, StoredLead};

    use super::*;

    /// Normalization only: these tests store nothing.
    struct Nowhere;

    impl Reception for Nowhere {
        fn receive(&self, _: NewLead) -> Received<'_> {
            Box::pin(async { Err::<Insert, _>(StoreError::Invalid("not here".into())) })
        }

        fn lead<'a>(
            &'a self,
            _: &'a str,
        ) -> futures_util::future::BoxFuture<'a, Result<Option<StoredLead>, StoreError>> {
            Box::pin(async { Ok(None) })
        }
    }

    fn intake() -> ImportIntake {
        ImportIntake::new(Arc::new(IntakeConfig::default()), Arc::new(Nowhere))
    }

    fn row(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("an object"),
        }
    }

    #[test]
    fn a_row_is_normalized_as_the_lead_api_would() {
        let intake = intake();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let got = intake
            .normalize(
                "webinar-12",
                &row(json!({
                    "email": " Ana@Example.COM ", "first_name": "Ana", "country": "Germany",
                    "company": "Acme GmbH", "booth": "B12",
                })),
                now,
            )
            .expect("a good row");
        assert_eq!(got.lead.email.as_deref(), Some("ana@example.com"));
        assert_eq!(got.lead.country.as_deref(), Some("DE"));
        assert_eq!(got.lead.source.as_deref(), Some("webinar-12"));
        assert_eq!(got.lead.received_at, now);
        assert!(got.lead.attributes.contains_key("booth"));
    }

    #[test]
    fn a_bad_row_names_its_fields() {
        let intake = intake();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let bad = intake
            .normalize("fair", &row(json!({ "email": "not-an-address" })), now)
            .unwrap_err();
        assert_eq!(bad[0].field, "email");
        let none = intake
            .normalize("fair", &row(json!({ "company": "Acme" })), now)
            .unwrap_err();
        let fields: Vec<_> = none.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["email", "phone"]);
    }
}
