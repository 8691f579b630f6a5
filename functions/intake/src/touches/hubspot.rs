//! HubSpot's Webhooks API: a JSON array of events (up to 100 per request), each
//!
//! ```json
//! {"eventId": 1, "subscriptionId": 2, "portalId": 3, "appId": 4, "occurredAt": 1717236000000,
//!  "subscriptionType": "contact.propertyChange", "attemptNumber": 0, "objectId": 101,
//!  "propertyName": "hs_lead_status", "propertyValue": "IN_PROGRESS",
//!  "changeSource": "CRM_UI", "sourceId": "userId:45678"}
//! ```
//!
//! signed with the v3 signature (`X-HubSpot-Signature-v3`, `X-HubSpot-Request-Timestamp`),
//! checked before this parses anything. The generic `object.propertyChange` with
//! `objectTypeId` `0-1` (contacts) reads the same. Only contact property changes matter:
//! `hubspot_owner_id` is an owner change, a property changed to a value the webhook's
//! `outcomes` maps is a close with that outcome, the configured properties are touches, and
//! everything else (other subscriptions, other properties, changes from an ignored source)
//! is ignored. A malformed event is ignored, not refused: refusing the batch would have
//! HubSpot send its good events again and again.

use jiff::Timestamp;
use serde_json::Value;

use super::Touch;
use super::config::TouchConfig;
use crate::error::IntakeError;

/// The property that holds a contact's owner.
pub const OWNER_PROPERTY: &str = "hubspot_owner_id";

/// Each event of the batch: a touch, or why it is ignored.
pub fn parse(
    body: &[u8],
    config: &TouchConfig,
) -> Result<Vec<Result<Touch, &'static str>>, IntakeError> {
    let events: Vec<Value> = match serde_json::from_slice(body) {
        Ok(Value::Array(events)) => events,
        Ok(_) => {
            return Err(IntakeError::invalid(
                "body",
                "expected the Webhooks API's JSON array of events",
            ));
        }
        Err(e) => return Err(IntakeError::invalid("body", e.to_string())),
    };
    Ok(events.iter().map(|e| event(e, config)).collect())
}

fn event(e: &Value, config: &TouchConfig) -> Result<Touch, &'static str> {
    let text = |name: &str| match e.get(name) {
        Some(Value::String(s)) => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let contact_change = match text("subscriptionType").as_deref() {
        Some("contact.propertyChange") => true,
        Some("object.propertyChange") => text("objectTypeId").as_deref() == Some("0-1"),
        _ => false,
    };
    if !contact_change {
        return Err("not_a_contact_property_change");
    }
    let record_id = text("objectId")
        .filter(|id| !id.is_empty())
        .ok_or("malformed_event")?;
    let property = text("propertyName").ok_or("malformed_event")?;
    let ignored_source = ["changeSource", "sourceId"]
        .iter()
        .filter_map(|name| text(name))
        .any(|source| config.ignore_sources.contains(&source));
    if ignored_source {
        return Err("ignored_source");
    }
    let occurred_at = e
        .get("occurredAt")
        .and_then(Value::as_i64)
        .and_then(|ms| Timestamp::from_millisecond(ms).ok());
    let value = text("propertyValue");
    let outcome = value
        .as_deref()
        .and_then(|value| config.outcome_of(&property, value));
    let (owner, touched) = if property == OWNER_PROPERTY {
        match value.filter(|v| !v.is_empty()) {
            Some(owner) => (Some(owner), None),
            None => return Err("owner_cleared"),
        }
    } else if outcome.is_some() {
        let value = value.unwrap_or_default();
        (None, Some(format!("{property} = {value}")))
    } else if config.properties.contains(&property) {
        (None, Some(property))
    } else {
        return Err("not_a_touch_property");
    };
    Ok(Touch {
        record_id,
        owner,
        touched,
        occurred_at,
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use crate::touches::config::{DEFAULT_HUBSPOT_PROPERTIES, TouchCrm};

    fn config() -> TouchConfig {
        TouchConfig {
            id: "hubspot".into(),
            crm: TouchCrm::Hubspot,
            secret: Secret::new("s"),
            public_url: None,
            properties: DEFAULT_HUBSPOT_PROPERTIES.map(str::to_owned).to_vec(),
            ignore_sources: vec!["INTEGRATION".into()],
            integration_user: None,
            tolerance: jiff::SignedDuration::from_mins(5),
            outcomes: [(
                "lifecyclestage".to_owned(),
                [("customer".to_owned(), switchboard_store::CloseOutcome::Won)].into(),
            )]
            .into(),
        }
    }

    #[test]
    fn each_event_is_a_touch_an_owner_change_or_ignored() {
        let at = Timestamp::from_millisecond(1_717_236_000_000).unwrap();
        let touched = |what: &str| {
            Ok(Touch {
                record_id: "101".into(),
                owner: None,
                touched: Some(what.into()),
                occurred_at: Some(at),
                outcome: None,
            })
        };
        // (event, what it reads as)
        let cases: Vec<(Value, Result<Touch, &str>)> = vec![
            (
                serde_json::json!({"subscriptionType": "contact.propertyChange", "objectId": 101,
                    "propertyName": "hs_lead_status", "propertyValue": "IN_PROGRESS",
                    "occurredAt": 1_717_236_000_000_i64, "changeSource": "CRM_UI"}),
                touched("hs_lead_status"),
            ),
            (
                serde_json::json!({"subscriptionType": "object.propertyChange", "objectTypeId": "0-1",
                    "objectId": "101", "propertyName": "notes_last_contacted",
                    "propertyValue": "1717236000000", "occurredAt": 1_717_236_000_000_i64}),
                touched("notes_last_contacted"),
            ),
            (
                serde_json::json!({"subscriptionType": "contact.propertyChange", "objectId": 101,
                    "propertyName": "hubspot_owner_id", "propertyValue": "777"}),
                Ok(Touch {
                    record_id: "101".into(),
                    owner: Some("777".into()),
                    touched: None,
                    occurred_at: None,
                    outcome: None,
                }),
            ),
            (
                serde_json::json!({"subscriptionType": "contact.propertyChange", "objectId": 101,
                    "propertyName": "hubspot_owner_id", "propertyValue": ""}),
                Err("owner_cleared"),
            ),
            (
                serde_json::json!({"subscriptionType": "contact.propertyChange", "objectId": 101,
                    "propertyName": "lifecyclestage", "propertyValue": "customer"}),
                Ok(Touch {
                    record_id: "101".into(),
                    owner: None,
                    touched: Some("lifecyclestage = customer".into()),
                    occurred_at: None,
                    outcome: Some(switchboard_store::CloseOutcome::Won),
                }),
            ),
            (
                serde_json::json!({"subscriptionType": "contact.propertyChange", "objectId": 101,
                    "propertyName": "lifecyclestage", "propertyValue": "opportunity"}),
                Err("not_a_touch_property"),
            ),
            (
                serde_json::json!({"subscriptionType": "contact.propertyChange", "objectId": 101,
                    "propertyName": "firstname", "propertyValue": "Ada"}),
                Err("not_a_touch_property"),
            ),
            (
                serde_json::json!({"subscriptionType": "contact.propertyChange", "objectId": 101,
                    "propertyName": "hs_lead_status", "changeSource": "INTEGRATION"}),
                Err("ignored_source"),
            ),
            (
                serde_json::json!({"subscriptionType": "contact.creation", "objectId": 101}),
                Err("not_a_contact_property_change"),
            ),
            (
                serde_json::json!({"subscriptionType": "object.propertyChange", "objectTypeId": "0-2",
                    "objectId": 101, "propertyName": "hs_lead_status"}),
                Err("not_a_contact_property_change"),
            ),
            (
                serde_json::json!({"subscriptionType": "contact.propertyChange",
                    "propertyName": "hs_lead_status"}),
                Err("malformed_event"),
            ),
        ];
        for (e, want) in cases {
            assert_eq!(event(&e, &config()), want, "{e}");
        }
    }

    #[test]
    fn only_an_array_is_a_batch() {
        assert_eq!(parse(b"[]", &config()).unwrap(), Vec::new());
        for body in [&b"{}"[..], b"not json", b"\"x\""] {
            assert!(matches!(
                parse(body, &config()),
                Err(IntakeError::Invalid(_))
            ));
        }
    }
}
