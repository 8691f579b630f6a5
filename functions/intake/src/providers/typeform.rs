//! Typeform `form_response` webhooks.
//!
//! Answers carry the field's `id`, `ref` and `type`; the question titles are in
//! `form_response.definition.fields`. Hidden fields arrive in `form_response.hidden`.
//! The response `token` identifies the submission across redeliveries.

use std::collections::HashMap;

use serde_json::Value;
use switchboard_routing::Scalar;

use super::{Hint, Parsed, RawField, Submission, json_id, json_object, json_scalar, missing};
use crate::body::Decoded;
use crate::error::IntakeError;

pub fn parse(body: &Decoded) -> Result<Parsed, IntakeError> {
    let root = json_object(body, "a Typeform webhook")?;
    match root.get("event_type").and_then(Value::as_str) {
        Some("form_response") => {}
        Some(other) => {
            return Ok(Parsed::Ignored(format!(
                "Typeform event `{}` carries no lead",
                other.chars().take(40).collect::<String>()
            )));
        }
        None => return Err(missing("event_type", "missing; expected `form_response`")),
    }
    let response = root
        .get("form_response")
        .and_then(Value::as_object)
        .ok_or_else(|| missing("form_response", "missing or not an object"))?;
    let answers = response
        .get("answers")
        .and_then(Value::as_array)
        .ok_or_else(|| missing("form_response.answers", "missing or not an array"))?;

    let titles: HashMap<&str, &str> = response
        .get("definition")
        .and_then(|d| d.get("fields"))
        .and_then(Value::as_array)
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| Some((f.get("id")?.as_str()?, f.get("title")?.as_str()?)))
                .collect()
        })
        .unwrap_or_default();

    let mut sub = Submission {
        submission_id: json_id(response.get("token")).or_else(|| json_id(root.get("event_id"))),
        ..Submission::default()
    };

    for (i, answer) in answers.iter().enumerate() {
        let Some(answer) = answer.as_object() else {
            return Err(missing(
                &format!("form_response.answers[{i}]"),
                "not an object",
            ));
        };
        let field = answer.get("field").and_then(Value::as_object);
        let id = field
            .and_then(|f| f.get("id"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let reference = field
            .and_then(|f| f.get("ref"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let field_type = field
            .and_then(|f| f.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let answer_type = answer.get("type").and_then(Value::as_str).unwrap_or("");
        let Some(value) = answer_value(answer_type, answer) else {
            continue;
        };
        let hint = match (answer_type, field_type) {
            ("email", _) | (_, "email") => Hint::Email,
            ("phone_number", _) | (_, "phone_number") => Hint::Phone,
            _ => Hint::None,
        };
        let key = if reference.is_empty() { id } else { reference };
        if key.is_empty() {
            continue;
        }
        let mut raw = RawField::new(key, value).hint(hint).alias(id);
        if let Some(title) = titles.get(id) {
            raw = raw.alias(*title);
        }
        sub.fields.push(raw);
    }

    if let Some(hidden) = response.get("hidden").and_then(Value::as_object) {
        for (name, v) in hidden {
            sub.push_json(|s| RawField::new(name.clone(), s), v);
        }
    }
    if let Some(vars) = response.get("variables").and_then(Value::as_array) {
        for var in vars {
            let (Some(key), Some(kind)) = (
                var.get("key").and_then(Value::as_str),
                var.get("type").and_then(Value::as_str),
            ) else {
                continue;
            };
            if let Some(v) = var.get(kind) {
                sub.push_json(|s| RawField::new(key, s), v);
            }
        }
    }
    if let Some(score) = response.get("calculated").and_then(|c| c.get("score")) {
        sub.push_json(|s| RawField::new("score", s), score);
    }
    Ok(Parsed::Lead(sub))
}

/// The value of an answer, read from the property named by its type.
fn answer_value(answer_type: &str, answer: &serde_json::Map<String, Value>) -> Option<Scalar> {
    match answer_type {
        "choice" => {
            let choice = answer.get("choice")?;
            json_scalar(choice.get("label").or_else(|| choice.get("other"))?)
        }
        "choices" => {
            let choices = answer.get("choices")?;
            let mut labels: Vec<Value> = choices
                .get("labels")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if let Some(other) = choices.get("other") {
                labels.push(other.clone());
            }
            json_scalar(&Value::Array(labels))
        }
        "payment" => json_scalar(answer.get("payment")?.get("amount")?),
        "" => None,
        other => json_scalar(answer.get(other)?),
    }
}
