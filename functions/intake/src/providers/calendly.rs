//! Calendly `invitee.created` webhooks. The invitee is in `payload`: `email`, `name` (or
//! `first_name`/`last_name`), `text_reminder_number`, `questions_and_answers` and UTM
//! `tracking`. The invitee's `uri` identifies the booking.

use serde_json::Value;

use super::{Hint, Parsed, RawField, Submission, json_id, json_object, missing};
use crate::body::Decoded;
use crate::error::IntakeError;

pub fn parse(body: &Decoded) -> Result<Parsed, IntakeError> {
    let root = json_object(body, "a Calendly webhook")?;
    match root.get("event").and_then(Value::as_str) {
        Some("invitee.created") => {}
        Some(other) => {
            return Ok(Parsed::Ignored(format!(
                "Calendly event `{}` carries no lead",
                other.chars().take(40).collect::<String>()
            )));
        }
        None => return Err(missing("event", "missing; expected `invitee.created`")),
    }
    let payload = root
        .get("payload")
        .and_then(Value::as_object)
        .ok_or_else(|| missing("payload", "missing or not an object"))?;

    let mut sub = Submission {
        submission_id: json_id(payload.get("uri")),
        ..Submission::default()
    };
    let contact = [
        ("email", Hint::Email),
        ("first_name", Hint::FirstName),
        ("last_name", Hint::LastName),
        ("name", Hint::FullName),
        ("text_reminder_number", Hint::Phone),
        ("timezone", Hint::None),
    ];
    for (name, hint) in contact {
        if let Some(v) = payload.get(name) {
            sub.push_json(|s| RawField::new(name, s).hint(hint), v);
        }
    }
    if let Some(qas) = payload
        .get("questions_and_answers")
        .and_then(Value::as_array)
    {
        for qa in qas {
            let Some(question) = qa.get("question").and_then(Value::as_str) else {
                continue;
            };
            let position = json_id(qa.get("position")).map(|p| format!("q{p}"));
            if let Some(answer) = qa.get("answer") {
                sub.push_json(
                    |s| {
                        let f = RawField::new(question, s);
                        match &position {
                            Some(p) => f.alias(p.clone()),
                            None => f,
                        }
                    },
                    answer,
                );
            }
        }
    }
    if let Some(tracking) = payload.get("tracking").and_then(Value::as_object) {
        for (name, v) in tracking {
            sub.push_json(|s| RawField::new(name.clone(), s), v);
        }
    }
    if let Some(event) = payload.get("scheduled_event").and_then(Value::as_object) {
        if let Some(v) = event.get("name") {
            sub.push_json(|s| RawField::new("event_name", s), v);
        }
        if let Some(v) = event.get("start_time") {
            sub.push_json(|s| RawField::new("event_start_time", s), v);
        }
    }
    Ok(Parsed::Lead(sub))
}
