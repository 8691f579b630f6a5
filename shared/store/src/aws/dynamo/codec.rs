//! Attribute value helpers: building items and reading typed fields back.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use jiff::civil::Date;

use super::keys::Key;
use crate::error::{StoreError, StoreResult};

pub type Item = HashMap<String, AttributeValue>;

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn n(v: impl std::fmt::Display) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub fn key(Key { pk, sk }: Key) -> Item {
    HashMap::from([
        (super::keys::PK.to_owned(), s(pk)),
        (super::keys::SK.to_owned(), s(sk)),
    ])
}

/// An item with its key and `attrs`.
pub fn item(k: Key, attrs: impl IntoIterator<Item = (&'static str, AttributeValue)>) -> Item {
    let mut it = key(k);
    it.extend(attrs.into_iter().map(|(k, v)| (k.to_owned(), v)));
    it
}

fn missing(name: &str) -> StoreError {
    StoreError::Invalid(format!("stored item lacks attribute {name}"))
}

pub fn get_s<'a>(item: &'a Item, name: &str) -> StoreResult<&'a str> {
    opt_s(item, name)?.ok_or_else(|| missing(name))
}

pub fn opt_s<'a>(item: &'a Item, name: &str) -> StoreResult<Option<&'a str>> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::S(v)) => Ok(Some(v)),
        Some(_) => Err(StoreError::Invalid(format!(
            "attribute {name} is not a string"
        ))),
    }
}

pub fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> StoreResult<T> {
    opt_n(item, name)?.ok_or_else(|| missing(name))
}

pub fn opt_n<T: std::str::FromStr>(item: &Item, name: &str) -> StoreResult<Option<T>> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::N(v)) => v
            .parse()
            .map(Some)
            .map_err(|_| StoreError::Invalid(format!("attribute {name} is not a valid number"))),
        Some(_) => Err(StoreError::Invalid(format!(
            "attribute {name} is not a number"
        ))),
    }
}

pub fn opt_ts(item: &Item, name: &str) -> StoreResult<Option<Timestamp>> {
    opt_s(item, name)?
        .map(|v| {
            v.parse()
                .map_err(|e| StoreError::Invalid(format!("attribute {name}: {e}")))
        })
        .transpose()
}

pub fn get_ts(item: &Item, name: &str) -> StoreResult<Timestamp> {
    opt_ts(item, name)?.ok_or_else(|| missing(name))
}

pub fn opt_date(item: &Item, name: &str) -> StoreResult<Option<Date>> {
    opt_s(item, name)?
        .map(|v| {
            v.parse()
                .map_err(|e| StoreError::Invalid(format!("attribute {name}: {e}")))
        })
        .transpose()
}

pub fn get_json<T: serde::de::DeserializeOwned>(item: &Item, name: &str) -> StoreResult<T> {
    Ok(serde_json::from_str(get_s(item, name)?)?)
}

pub fn json<T: serde::Serialize>(value: &T) -> StoreResult<AttributeValue> {
    serde_json::to_string(value)
        .map(AttributeValue::S)
        .map_err(|e| StoreError::backend_from("cannot encode a stored value", e))
}

/// Largest JSON a packed attribute may inflate to: DynamoDB's item limit, so a corrupt
/// attribute cannot make a reader allocate without bound.
const MAX_PACKED_JSON: usize = 400 * 1024;

/// A value as deflated JSON in a binary attribute. Decision records are about 1 KB of JSON
/// with the same field names over and over; deflated they are a third of that, so their
/// item stays under the 1 KB a write unit buys (docs/DEPLOY.md, "Cost"). A lead's free text
/// deflates to about half. (The embedded store packs with LZ4 against dictionaries instead,
/// `crate::packed`: cheaper in CPU, which is what a local server spends; here the bytes are
/// what costs.)
pub fn packed_json<T: serde::Serialize>(value: &T) -> StoreResult<AttributeValue> {
    let json = serde_json::to_vec(value)
        .map_err(|e| StoreError::backend_from("cannot encode a stored value", e))?;
    let packed = miniz_oxide::deflate::compress_to_vec(&json, 6);
    Ok(AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(
        packed,
    )))
}

/// A value stored by [`packed_json`] under `packed`, or as plain JSON under `plain` (items
/// written before records were packed).
pub fn get_packed_json<T: serde::de::DeserializeOwned>(
    item: &Item,
    packed: &str,
    plain: &str,
) -> StoreResult<T> {
    match item.get(packed) {
        Some(AttributeValue::B(blob)) => {
            let json =
                miniz_oxide::inflate::decompress_to_vec_with_limit(blob.as_ref(), MAX_PACKED_JSON)
                    .map_err(|e| StoreError::Invalid(format!("attribute {packed}: {e}")))?;
            Ok(serde_json::from_slice(&json)?)
        }
        Some(_) => Err(StoreError::Invalid(format!(
            "attribute {packed} is not binary"
        ))),
        None => get_json(item, plain),
    }
}

pub fn string_list(item: &Item, name: &str) -> StoreResult<Vec<String>> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(Vec::new()),
        Some(AttributeValue::L(values)) => values
            .iter()
            .map(|v| match v {
                AttributeValue::S(s) => Ok(s.clone()),
                _ => Err(StoreError::Invalid(format!("{name} holds a non-string"))),
            })
            .collect(),
        Some(_) => Err(StoreError::Invalid(format!(
            "attribute {name} is not a list"
        ))),
    }
}

/// Expression attribute names and values, added as they are used (DynamoDB rejects
/// unused ones). Every attribute goes through a `#name`, so reserved words never bite.
#[derive(Debug, Default)]
pub struct Expr {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    pub fn new() -> Self {
        Expr::default()
    }

    /// `#attr` for the attribute `attr`.
    pub fn name(&mut self, attr: &str) -> String {
        let placeholder = format!("#{attr}");
        self.names.insert(placeholder.clone(), attr.to_owned());
        placeholder
    }

    /// `#label` for the attribute `attr`, for names that are not word characters (a
    /// placeholder must be).
    pub fn name_as(&mut self, label: &str, attr: &str) -> String {
        let placeholder = format!("#{label}");
        self.names.insert(placeholder.clone(), attr.to_owned());
        placeholder
    }

    /// `:label` bound to `value`.
    pub fn value(&mut self, label: &str, value: AttributeValue) -> String {
        let placeholder = format!(":{label}");
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    pub fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    pub fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json as j};

    #[test]
    fn packed_values_round_trip_and_plain_ones_still_read() {
        let steps = vec![j!({"pool": "main", "verdict": "eligible"}); 20];
        let record = j!({"summary": "to ana by round_robin", "steps": steps});
        let packed = packed_json(&record).unwrap();
        let AttributeValue::B(blob) = &packed else {
            panic!("binary")
        };
        assert!(blob.as_ref().len() * 4 < record.to_string().len());
        let item: Item = [("recz".to_owned(), packed)].into();
        assert_eq!(
            get_packed_json::<Value>(&item, "recz", "record").unwrap(),
            record
        );
        // An item written before records were packed.
        let old: Item = [("record".to_owned(), json(&record).unwrap())].into();
        assert_eq!(
            get_packed_json::<Value>(&old, "recz", "record").unwrap(),
            record
        );
        // Not deflate data, or not binary: refused, not misread.
        for bad in [
            AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(
                b"not deflate".to_vec(),
            )),
            AttributeValue::S("x".into()),
        ] {
            let item: Item = [("recz".to_owned(), bad)].into();
            assert!(get_packed_json::<Value>(&item, "recz", "record").is_err());
        }
    }
}
