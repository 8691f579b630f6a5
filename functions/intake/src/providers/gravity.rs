//! Gravity Forms (Webhooks Add-On). The feed sends the entry as JSON or as a form post.
//! With "all fields" the keys are field ids (`1`, `2.3` for a name's first part, `2.6` for
//! the last part) next to entry metadata; with selected fields the keys are the names the
//! site owner chose. Map field ids in the source's `fields` configuration. The entry `id`
//! identifies the submission.

use serde_json::Value;
use switchboard_routing::Scalar;

use super::{Parsed, RawField, Submission, json_id, json_scalar, merge_pairs};
use crate::body::Decoded;
use crate::error::{FieldIssue, IntakeError};

/// Entry metadata that is not something the lead filled in.
const META: &[&str] = &[
    "form_id",
    "post_id",
    "date_created",
    "date_updated",
    "is_starred",
    "is_read",
    "ip",
    "user_agent",
    "currency",
    "payment_status",
    "payment_date",
    "payment_amount",
    "payment_method",
    "transaction_id",
    "is_fulfilled",
    "created_by",
    "transaction_type",
    "status",
    "source_id",
];

pub fn parse(body: &Decoded) -> Result<Parsed, IntakeError> {
    let mut sub = Submission::default();
    match body {
        Decoded::Json(Value::Object(entry)) => {
            sub.submission_id = json_id(entry.get("id"));
            for (k, v) in entry {
                if let Some(s) = json_scalar(v) {
                    push(&mut sub, k, s);
                }
            }
        }
        Decoded::Json(Value::Array(items)) if items.len() == 1 && items[0].is_object() => {
            return parse(&Decoded::Json(items[0].clone()));
        }
        Decoded::Json(_) => {
            return Err(IntakeError::invalid(
                "body",
                "expected a Gravity Forms entry object",
            ));
        }
        Decoded::Form {
            pairs,
            skipped_files,
        } => {
            for (k, v) in merge_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
                if k == "id" {
                    sub.submission_id = Some(v.trim().to_owned());
                } else {
                    push(&mut sub, &k, Scalar::Text(v));
                }
            }
            for name in skipped_files {
                sub.warnings.push(FieldIssue::new(
                    name.as_str(),
                    "file uploads are not stored",
                ));
            }
        }
    }
    Ok(Parsed::Lead(sub))
}

fn push(sub: &mut Submission, key: &str, value: Scalar) {
    match key {
        "id" => {}
        "source_url" => sub.fields.push(RawField::new("page_url", value)),
        k if META.contains(&k) => {}
        k => sub.fields.push(RawField::new(k, value)),
    }
}
