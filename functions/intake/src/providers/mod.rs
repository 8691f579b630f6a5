//! Provider parsers: each turns a decoded body in its provider's documented format into a
//! provider-neutral [`Submission`] (fields with names, hints and values, plus the provider's
//! own submission id for idempotency). Normalization happens afterwards, once, for all.

pub mod calendly;
pub mod form;
pub mod generic;
pub mod gravity;
pub mod hubspot;
pub mod jotform;
pub mod tally;
pub mod typeform;
pub mod webflow;

use serde_json::{Map, Value};
use switchboard_routing::Scalar;

use crate::body::Decoded;
use crate::config::ProviderKind;
use crate::error::{FieldIssue, IntakeError};

/// What the provider says a field is, independent of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    None,
    Email,
    Phone,
    Country,
    Company,
    FirstName,
    LastName,
    FullName,
    /// Explicitly an attribute (the generic API's `attributes` object): never matched by name.
    Attribute,
}

/// One field of a submission.
#[derive(Debug, Clone, PartialEq)]
pub struct RawField {
    /// The field's main name; an unmapped field becomes the attribute `slug(key)`.
    pub key: String,
    /// Other names a source mapping may use for it (provider ids, refs, question titles).
    pub aliases: Vec<String>,
    pub hint: Hint,
    pub value: Scalar,
}

impl RawField {
    pub fn new(key: impl Into<String>, value: Scalar) -> Self {
        RawField {
            key: key.into(),
            aliases: Vec::new(),
            hint: Hint::None,
            value,
        }
    }

    pub fn hint(mut self, hint: Hint) -> Self {
        self.hint = hint;
        self
    }

    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        let alias = alias.into();
        if !alias.is_empty() && alias != self.key {
            self.aliases.push(alias);
        }
        self
    }
}

/// A provider-neutral submission.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Submission {
    /// The provider's id for this submission (Typeform response token, Webflow submission
    /// id, Calendly invitee URI, ...), the strongest idempotency key there is.
    pub submission_id: Option<String>,
    pub fields: Vec<RawField>,
    /// Things dropped while parsing (file uploads, unreadable values).
    pub warnings: Vec<FieldIssue>,
}

impl Submission {
    /// Adds a field when the JSON value is a usable scalar.
    fn push_json(&mut self, field: impl FnOnce(Scalar) -> RawField, value: &Value) {
        if let Some(s) = json_scalar(value) {
            self.fields.push(field(s));
        }
    }
}

/// The outcome of parsing.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Lead(Submission),
    /// A well-formed event that carries no new lead (Calendly `invitee.canceled`, a Tally
    /// test ping of another type). Answered 200 so the provider does not retry it.
    Ignored(String),
}

/// Parses a body with the parser for `kind`.
pub fn parse(kind: ProviderKind, body: &Decoded) -> Result<Parsed, IntakeError> {
    match kind {
        ProviderKind::Typeform => typeform::parse(body),
        ProviderKind::Hubspot => hubspot::parse(body),
        ProviderKind::Webflow => webflow::parse(body),
        ProviderKind::Tally => tally::parse(body),
        ProviderKind::Calendly => calendly::parse(body),
        ProviderKind::Jotform => jotform::parse(body),
        ProviderKind::GravityForms => gravity::parse(body),
        ProviderKind::Zapier | ProviderKind::Make | ProviderKind::Generic => generic::parse(body),
        ProviderKind::HtmlForm | ProviderKind::WebToLead => form::parse(body),
    }
}

/// The body as a JSON object, or a 400 naming what was expected.
pub(crate) fn json_object<'a>(
    body: &'a Decoded,
    what: &str,
) -> Result<&'a Map<String, Value>, IntakeError> {
    match body {
        Decoded::Json(Value::Object(map)) => Ok(map),
        _ => Err(IntakeError::invalid(
            "body",
            format!("expected {what} as a JSON object"),
        )),
    }
}

pub(crate) fn missing(field: &str, message: &str) -> IntakeError {
    IntakeError::invalid(field, message)
}

/// A JSON value as a lead scalar: strings, numbers and booleans as themselves, arrays of
/// scalars joined with ", "; `null`, empty strings and objects give `None`.
pub(crate) fn json_scalar(value: &Value) -> Option<Scalar> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(Scalar::Text(s.clone())),
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()).map(Scalar::Number),
        Value::Bool(b) => Some(Scalar::Bool(*b)),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    _ => None,
                })
                .collect();
            (!parts.is_empty()).then(|| Scalar::Text(parts.join(", ")))
        }
        _ => None,
    }
}

/// A JSON string or number as an id string.
pub(crate) fn json_id(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Flattens nested objects into dotted keys (`address.city`), up to a small depth, and adds
/// each scalar as a field.
pub(crate) fn flatten_into(
    sub: &mut Submission,
    prefix: &str,
    map: &Map<String, Value>,
    depth: usize,
) {
    for (k, v) in map {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(inner) if depth < 4 => flatten_into(sub, &key, inner, depth + 1),
            Value::Object(_) => sub
                .warnings
                .push(FieldIssue::new(key, "nested too deeply; not kept")),
            v => sub.push_json(|s| RawField::new(key.clone(), s), v),
        }
    }
}

/// Form pairs with repeated names joined (checkbox groups), first-seen order kept.
pub(crate) fn merge_pairs<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<(String, String)> {
    let mut merged: Vec<(String, String)> = Vec::new();
    for (k, v) in pairs {
        if v.trim().is_empty() {
            continue;
        }
        match merged.iter_mut().find(|(mk, _)| mk == k) {
            Some((_, existing)) => {
                existing.push_str(", ");
                existing.push_str(v);
            }
            None => merged.push((k.to_owned(), v.to_owned())),
        }
    }
    merged
}
