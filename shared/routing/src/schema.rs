//! JSON Schemas of the jiff values records carry, for the `openapi` feature: schemars
//! knows no jiff 1 types, so a field of one names its schema here with
//! `#[schemars(with = "...")]` (`Option<...>` around it for an optional field). Each is a
//! string in the form jiff writes it, with the JSON Schema format that names that form.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

/// A `jiff::Timestamp`: RFC 3339, always in UTC (`2026-12-04T09:30:00Z`).
pub struct Timestamp;

impl JsonSchema for Timestamp {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date-time" })
    }
}

/// A `jiff::civil::Date`: `2026-12-04`.
pub struct Date;

impl JsonSchema for Date {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date" })
    }
}
