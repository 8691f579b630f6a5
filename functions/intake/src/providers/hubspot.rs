//! HubSpot workflow "Send a webhook" payloads.
//!
//! The classic payload is the contact record: `properties` maps each internal property name
//! (`email`, `firstname`, `company`, ...) to `{ "value": ... }`, and `form-submissions` lists
//! the contact's form conversions, whose newest `conversion-id` identifies the submission.
//! Workflows set to send chosen properties send them as a flat object instead; both work.

use serde_json::Value;
use switchboard_routing::Scalar;

use super::{Parsed, RawField, Submission, json_id, json_object, json_scalar};
use crate::body::Decoded;
use crate::error::IntakeError;

pub fn parse(body: &Decoded) -> Result<Parsed, IntakeError> {
    let root = json_object(body, "a HubSpot contact")?;
    let mut sub = Submission::default();

    match root.get("properties") {
        Some(Value::Object(props)) => {
            for (name, v) in props {
                // {"value": "...", "versions": [...]} in the contact record, plain otherwise.
                let value = match v {
                    Value::Object(o) => o.get("value").unwrap_or(&Value::Null),
                    v => v,
                };
                sub.push_json(|s| RawField::new(name.clone(), s), value);
            }
            if let Some(vid) = json_id(root.get("canonical-vid").or_else(|| root.get("vid"))) {
                sub.fields
                    .push(RawField::new("hubspot_contact_id", Scalar::Text(vid)));
            }
            sub.submission_id = newest_conversion(root.get("form-submissions"));
        }
        Some(_) => {
            return Err(IntakeError::invalid("properties", "expected an object"));
        }
        None => {
            for (name, v) in root {
                if let Some(s) = json_scalar(v) {
                    sub.fields.push(RawField::new(name.clone(), s));
                }
            }
            sub.submission_id = json_id(root.get("conversion-id"));
        }
    }
    Ok(Parsed::Lead(sub))
}

/// The `conversion-id` of the most recent form submission, if any.
fn newest_conversion(submissions: Option<&Value>) -> Option<String> {
    submissions?
        .as_array()?
        .iter()
        .filter_map(|s| {
            let id = json_id(s.get("conversion-id"))?;
            let at = s
                .get("timestamp")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MIN);
            Some((at, id))
        })
        .max()
        .map(|(_, id)| id)
}
