//! Jotform webhooks: a `multipart/form-data` post whose `rawRequest` part is a JSON string
//! of the answers, keyed `q<number>_<fieldName>`. Compound widgets arrive as objects: names
//! (`first`, `last`), phones (`full`, or `area` + `phone`) and addresses (`addr_line1`,
//! `city`, `state`, `postal`, `country`). `submissionID` identifies the submission.

use serde_json::{Map, Value};
use switchboard_routing::Scalar;

use super::{Hint, Parsed, RawField, Submission, json_scalar, missing};
use crate::body::Decoded;
use crate::error::IntakeError;

pub fn parse(body: &Decoded) -> Result<Parsed, IntakeError> {
    let Decoded::Form {
        pairs,
        skipped_files,
    } = body
    else {
        return Err(IntakeError::invalid("body", "expected a Jotform form post"));
    };
    let part = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let raw = part("rawRequest").ok_or_else(|| missing("rawRequest", "missing"))?;
    let answers: Map<String, Value> = match serde_json::from_str(raw) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(missing("rawRequest", "expected a JSON object")),
        Err(e) => return Err(missing("rawRequest", &format!("is not valid JSON ({e})"))),
    };

    let mut sub = Submission {
        submission_id: part("submissionID")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        ..Submission::default()
    };
    for name in skipped_files {
        sub.warnings.push(crate::error::FieldIssue::new(
            name,
            "file uploads are not stored",
        ));
    }

    for (key, value) in &answers {
        // Only question answers (`q3_email`); the rest is Jotform bookkeeping.
        let Some(name) = question_name(key) else {
            continue;
        };
        match value {
            Value::Object(parts) => compound(&mut sub, key, name, parts),
            v => {
                if let Some(s) = json_scalar(v) {
                    sub.fields.push(RawField::new(name, s).alias(key.as_str()));
                }
            }
        }
    }
    if let Some(title) = part("formTitle").filter(|t| !t.trim().is_empty()) {
        sub.fields
            .push(RawField::new("form_title", Scalar::Text(title.to_owned())));
    }
    Ok(Parsed::Lead(sub))
}

/// `q12_workEmail` → `workEmail`.
fn question_name(key: &str) -> Option<&str> {
    let rest = key.strip_prefix('q')?;
    let (number, name) = rest.split_once('_')?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty())
        .then_some(name)
}

fn compound(sub: &mut Submission, key: &str, name: &str, parts: &Map<String, Value>) {
    let text = |k: &str| parts.get(k).and_then(json_scalar);
    // A phone widget: the full number, or area code and number.
    if parts.contains_key("full") || (parts.contains_key("area") && parts.contains_key("phone")) {
        let number = text("full").or_else(|| {
            let joined = format!(
                "{} {}",
                parts.get("area").and_then(Value::as_str).unwrap_or(""),
                parts.get("phone").and_then(Value::as_str).unwrap_or("")
            );
            json_scalar(&Value::String(joined))
        });
        if let Some(n) = number {
            sub.fields
                .push(RawField::new(name, n).hint(Hint::Phone).alias(key));
        }
        return;
    }
    for (sub_key, value) in parts {
        let hint = match sub_key.as_str() {
            "first" => Hint::FirstName,
            "last" => Hint::LastName,
            "country" => Hint::Country,
            _ => Hint::None,
        };
        if let Some(s) = json_scalar(value) {
            sub.fields.push(
                RawField::new(format!("{name}_{sub_key}"), s)
                    .hint(hint)
                    .alias(format!("{key}.{sub_key}")),
            );
        }
    }
}
