//! Webflow `form_submission` webhooks: `payload.data` is keyed by the form's field names,
//! and values may be strings, numbers or booleans. `payload.id` is the submission id.

use serde_json::Value;

use super::{Parsed, RawField, Submission, json_id, json_object, missing};
use crate::body::Decoded;
use crate::error::IntakeError;

pub fn parse(body: &Decoded) -> Result<Parsed, IntakeError> {
    let root = json_object(body, "a Webflow webhook")?;
    match root.get("triggerType").and_then(Value::as_str) {
        Some("form_submission") => {}
        Some(other) => {
            return Ok(Parsed::Ignored(format!(
                "Webflow trigger `{}` carries no lead",
                other.chars().take(40).collect::<String>()
            )));
        }
        None => {
            return Err(missing(
                "triggerType",
                "missing; expected `form_submission`",
            ));
        }
    }
    let payload = root
        .get("payload")
        .and_then(Value::as_object)
        .ok_or_else(|| missing("payload", "missing or not an object"))?;
    let data = payload
        .get("data")
        .and_then(Value::as_object)
        .ok_or_else(|| missing("payload.data", "missing or not an object"))?;
    let mut sub = Submission {
        submission_id: json_id(payload.get("id")),
        ..Submission::default()
    };
    for (name, v) in data {
        sub.push_json(|s| RawField::new(name.clone(), s), v);
    }
    if let Some(form) = payload.get("name") {
        sub.push_json(|s| RawField::new("form_name", s), form);
    }
    Ok(Parsed::Lead(sub))
}
