//! Tally `FORM_RESPONSE` webhooks: `data.fields[]` with `key`, `label`, `type` and `value`.
//! Choice fields send option ids as their value; the readable text is looked up in the
//! field's `options`.

use std::collections::HashMap;

use serde_json::Value;

use super::{Hint, Parsed, RawField, Submission, json_id, json_object, json_scalar, missing};
use crate::body::Decoded;
use crate::error::{FieldIssue, IntakeError};

pub fn parse(body: &Decoded) -> Result<Parsed, IntakeError> {
    let root = json_object(body, "a Tally webhook")?;
    match root.get("eventType").and_then(Value::as_str) {
        Some("FORM_RESPONSE") => {}
        Some(other) => {
            return Ok(Parsed::Ignored(format!(
                "Tally event `{}` carries no lead",
                other.chars().take(40).collect::<String>()
            )));
        }
        None => return Err(missing("eventType", "missing; expected `FORM_RESPONSE`")),
    }
    let data = root
        .get("data")
        .and_then(Value::as_object)
        .ok_or_else(|| missing("data", "missing or not an object"))?;
    let fields = data
        .get("fields")
        .and_then(Value::as_array)
        .ok_or_else(|| missing("data.fields", "missing or not an array"))?;

    let mut sub = Submission {
        submission_id: json_id(data.get("submissionId"))
            .or_else(|| json_id(data.get("responseId")))
            .or_else(|| json_id(root.get("eventId"))),
        ..Submission::default()
    };

    for (i, field) in fields.iter().enumerate() {
        let Some(field) = field.as_object() else {
            return Err(missing(&format!("data.fields[{i}]"), "not an object"));
        };
        let key = field.get("key").and_then(Value::as_str).unwrap_or("");
        let label = field
            .get("label")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim();
        let kind = field.get("type").and_then(Value::as_str).unwrap_or("");
        let name = if label.is_empty() { key } else { label };
        if name.is_empty() {
            continue;
        }
        let value = field.get("value").unwrap_or(&Value::Null);
        let value = match field.get("options").and_then(Value::as_array) {
            Some(options) => option_texts(value, options),
            None if kind == "FILE_UPLOAD" => {
                sub.warnings
                    .push(FieldIssue::new(name, "file uploads are not stored"));
                continue;
            }
            None => value.clone(),
        };
        let hint = match kind {
            "INPUT_EMAIL" => Hint::Email,
            "INPUT_PHONE_NUMBER" => Hint::Phone,
            _ => Hint::None,
        };
        if let Some(s) = json_scalar(&value) {
            sub.fields
                .push(RawField::new(name, s).hint(hint).alias(key));
        }
    }
    Ok(Parsed::Lead(sub))
}

/// Maps option ids (a single id or a list) to their texts; unknown ids are kept as given.
fn option_texts(value: &Value, options: &[Value]) -> Value {
    let texts: HashMap<&str, &str> = options
        .iter()
        .filter_map(|o| Some((o.get("id")?.as_str()?, o.get("text")?.as_str()?)))
        .collect();
    let map = |v: &Value| match v {
        Value::String(id) => Value::String(
            texts
                .get(id.as_str())
                .map_or(id.clone(), |t| (*t).to_owned()),
        ),
        other => other.clone(),
    };
    match value {
        Value::Array(ids) => Value::Array(ids.iter().map(map).collect()),
        other => map(other),
    }
}
