//! The generic JSON API (`POST /v1/leads`), and Zapier and Make, which send whatever JSON
//! the zap or scenario builds (Make often wraps it in a one-element array).
//!
//! Known names (`email`, `first_name`, `company`, ...) fill the lead's fields, everything
//! else becomes attributes; nested objects are flattened (`deal.amount` becomes the
//! attribute `deal_amount`). Two keys are
//! reserved: `submission_id` (or `external_id`), the sender's own id used for idempotency,
//! and `attributes`, an object whose entries are always attributes, whatever their names.

use serde_json::Value;

use super::{Hint, Parsed, RawField, Submission, flatten_into, json_id, json_scalar};
use crate::body::Decoded;
use crate::error::{FieldIssue, IntakeError};

pub fn parse(body: &Decoded) -> Result<Parsed, IntakeError> {
    let root = match body {
        Decoded::Json(Value::Object(map)) => map,
        Decoded::Json(Value::Array(items)) => match items.as_slice() {
            [Value::Object(map)] => map,
            [] => return Err(IntakeError::invalid("body", "the array is empty")),
            [_] => return Err(IntakeError::invalid("body", "expected a JSON object")),
            _ => {
                return Err(IntakeError::invalid(
                    "body",
                    "send one lead per request (the array has more than one element)",
                ));
            }
        },
        _ => return Err(IntakeError::invalid("body", "expected a JSON object")),
    };

    let mut sub = Submission {
        submission_id: json_id(root.get("submission_id"))
            .or_else(|| json_id(root.get("external_id"))),
        ..Submission::default()
    };
    for (key, value) in root {
        match (key.as_str(), value) {
            ("submission_id" | "external_id", _) => {}
            ("attributes", Value::Object(attrs)) => {
                for (name, v) in attrs {
                    match json_scalar(v) {
                        Some(s) => sub
                            .fields
                            .push(RawField::new(name.clone(), s).hint(Hint::Attribute)),
                        None if !v.is_null() => sub.warnings.push(FieldIssue::new(
                            format!("attributes.{name}"),
                            "is not a string, number, boolean or list of them; not kept",
                        )),
                        None => {}
                    }
                }
            }
            (_, Value::Object(inner)) => flatten_into(&mut sub, key, inner, 1),
            (_, v) => {
                if let Some(s) = json_scalar(v) {
                    sub.fields.push(RawField::new(key.clone(), s));
                }
            }
        }
    }
    Ok(Parsed::Lead(sub))
}
