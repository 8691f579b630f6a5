//! DynamoDB write units of the writes a client made, from the requests themselves: what a
//! lead costs on AWS, measured rather than assumed (docs/DEPLOY.md, "Cost").
//!
//! DynamoDB bills a write by the size of the item it leaves (or, for an update, the larger of
//! before and after), rounded up to 1 KB; a write inside a transaction costs twice that, a
//! transaction's condition check too; and every index the item is in costs one more write of
//! its projected size (all of this table's indexes project every attribute). Item sizes
//! follow DynamoDB's rules: attribute names and string values by their UTF-8 bytes, numbers
//! by about one byte per two significant digits plus one, binary by its bytes, maps and lists
//! 3 bytes plus a byte per element. A put's size is in its request; an update's is read
//! from the item it left, so an update that shrank an item is counted at its smaller size
//! (a lower bound), and an update that moved an item between index keys is counted as one
//! index write, not two.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::Value;

use crate::error::StoreResult;

/// The index key attributes of the single table: an item is in an index when it has the
/// index's partition key (`infra`'s template and `dynamo/table.rs`).
pub const INDEX_KEYS: [&str; 3] = ["gsi1pk", "gsi2pk", "gsi3pk"];

/// One item written by a call, as the request describes it.
#[derive(Debug, Clone)]
pub(crate) struct ItemWrite {
    pub operation: String,
    pub table: String,
    pub key: BTreeMap<String, Value>,
    pub kind: WriteKind,
    pub transactional: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum WriteKind {
    /// A put carries its item.
    Put(BTreeMap<String, Value>),
    /// An update: the item it leaves is read afterwards. `removed` names the index key
    /// attributes its expression removes (the item leaves those indexes).
    Update {
        removed: Vec<String>,
    },
    ConditionCheck,
    Delete,
}

/// The items a DynamoDB request writes (none for reads and for other services).
pub(crate) fn parse_request(target: &str, body: &[u8]) -> Vec<ItemWrite> {
    let Some(operation) = target.strip_prefix("DynamoDB_20120810.") else {
        return Vec::new();
    };
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |request: &Value, kind: &str, transactional: bool| {
        let table = request["TableName"].as_str().unwrap_or_default().to_owned();
        let map = |v: &Value| -> BTreeMap<String, Value> {
            v.as_object()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default()
        };
        let (key, kind) = match kind {
            "Put" => {
                let item = map(&request["Item"]);
                let key = item
                    .iter()
                    .filter(|(k, _)| *k == "pk" || *k == "sk")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                (key, WriteKind::Put(item))
            }
            "Update" => {
                let expression = request["UpdateExpression"].as_str().unwrap_or_default();
                (
                    map(&request["Key"]),
                    WriteKind::Update {
                        removed: removed_index_keys(expression),
                    },
                )
            }
            "ConditionCheck" => (map(&request["Key"]), WriteKind::ConditionCheck),
            _ => (map(&request["Key"]), WriteKind::Delete),
        };
        out.push(ItemWrite {
            operation: operation.to_owned(),
            table,
            key,
            kind,
            transactional,
        });
    };
    match operation {
        "PutItem" => push(&body, "Put", false),
        "UpdateItem" => push(&body, "Update", false),
        "DeleteItem" => push(&body, "Delete", false),
        "TransactWriteItems" => {
            for item in body["TransactItems"].as_array().into_iter().flatten() {
                for kind in ["Put", "Update", "ConditionCheck", "Delete"] {
                    if !item[kind].is_null() {
                        push(&item[kind], kind, true);
                    }
                }
            }
        }
        "BatchWriteItem" => {
            for (table, requests) in body["RequestItems"].as_object().into_iter().flatten() {
                for r in requests.as_array().into_iter().flatten() {
                    let mut request = if !r["PutRequest"].is_null() {
                        r["PutRequest"].clone()
                    } else {
                        r["DeleteRequest"].clone()
                    };
                    request["TableName"] = Value::String(table.clone());
                    let kind = if r["PutRequest"].is_null() {
                        "Delete"
                    } else {
                        "Put"
                    };
                    push(&request, kind, false);
                }
            }
        }
        _ => {}
    }
    out
}

/// The index key attributes an update expression's `REMOVE` clause names.
fn removed_index_keys(expression: &str) -> Vec<String> {
    let upper = expression.to_ascii_uppercase();
    let Some(at) = upper.find("REMOVE ") else {
        return Vec::new();
    };
    let clause = &expression[at + 7..];
    let end = ["SET ", "ADD ", "DELETE "]
        .iter()
        .filter_map(|k| clause.to_ascii_uppercase().find(k))
        .min()
        .unwrap_or(clause.len());
    clause[..end]
        .split(',')
        .map(str::trim)
        .filter(|a| INDEX_KEYS.contains(a))
        .map(str::to_owned)
        .collect()
}

/// An attribute value's size in the wire format (`{"S": "..."}`, `{"N": "12"}`, ...).
pub(crate) fn value_size(v: &Value) -> u64 {
    let Some((kind, inner)) = v.as_object().and_then(|o| o.iter().next()) else {
        return 0;
    };
    match kind.as_str() {
        "S" => inner.as_str().map_or(0, |s| s.len() as u64),
        "N" => inner.as_str().map_or(0, number_size),
        "B" => inner
            .as_str()
            .and_then(|b| STANDARD.decode(b).ok())
            .map_or(0, |b| b.len() as u64),
        "BOOL" | "NULL" => 1,
        "SS" => inner
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| s.as_str().map_or(0, |s| s.len() as u64))
            .sum(),
        "NS" => inner
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| s.as_str().map_or(0, number_size))
            .sum(),
        "L" => {
            3 + inner
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| 1 + value_size(e))
                .sum::<u64>()
        }
        "M" => {
            3 + inner
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, e)| 1 + k.len() as u64 + value_size(e))
                .sum::<u64>()
        }
        _ => 0,
    }
}

/// About one byte per two significant digits, plus one.
fn number_size(n: &str) -> u64 {
    let digits = n
        .trim_start_matches('-')
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    let significant = digits
        .trim_start_matches('0')
        .trim_end_matches('0')
        .len()
        .max(1);
    significant.div_ceil(2) as u64 + 1
}

/// An item's size: each attribute's name and value.
pub fn item_size<'a>(attributes: impl IntoIterator<Item = (&'a String, &'a Value)>) -> u64 {
    attributes
        .into_iter()
        .map(|(k, v)| k.len() as u64 + value_size(v))
        .sum()
}

/// The SDK's attribute value in the wire format, to size an item read back.
pub fn wire(v: &AttributeValue) -> Value {
    use serde_json::json;
    match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": STANDARD.encode(b.as_ref()) }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::Ss(s) => json!({ "SS": s }),
        AttributeValue::Ns(n) => json!({ "NS": n }),
        AttributeValue::Bs(b) => json!({
            "BS": b.iter().map(|b| STANDARD.encode(b.as_ref())).collect::<Vec<_>>()
        }),
        AttributeValue::L(l) => json!({ "L": l.iter().map(wire).collect::<Vec<_>>() }),
        AttributeValue::M(m) => json!({
            "M": m.iter().map(|(k, v)| (k.clone(), wire(v))).collect::<serde_json::Map<_, _>>()
        }),
        _ => Value::Null,
    }
}

fn units(size: u64) -> u64 {
    size.div_ceil(1024).max(1)
}

/// Write units by operation, and the largest item written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WriteUnits {
    /// `operation` → units (table and index writes).
    pub by_operation: BTreeMap<String, u64>,
    /// Units of index writes, included in `by_operation`.
    pub index: u64,
    pub total: u64,
    /// Every item written, with its size in bytes: `operation pk sk` → size.
    pub item_sizes: BTreeMap<String, u64>,
}

/// Prices the writes: puts from their requests, the rest from the items as they are now.
pub(crate) async fn price(
    writes: &[ItemWrite],
    dynamodb: &aws_sdk_dynamodb::Client,
) -> StoreResult<WriteUnits> {
    let mut out = WriteUnits::default();
    for w in writes {
        let item: BTreeMap<String, Value> = match &w.kind {
            WriteKind::Put(item) => item.clone(),
            _ => current(dynamodb, &w.table, &w.key).await?,
        };
        let size = item_size(&item);
        let table_units = match w.kind {
            WriteKind::Delete if item.is_empty() => 1,
            _ => units(size) * if w.transactional { 2 } else { 1 },
        };
        let in_indexes = match &w.kind {
            WriteKind::ConditionCheck => 0,
            WriteKind::Delete => 0,
            _ => INDEX_KEYS.iter().filter(|k| item.contains_key(**k)).count() as u64,
        };
        let left = match &w.kind {
            WriteKind::Update { removed } => removed.len() as u64,
            _ => 0,
        };
        let index_units = in_indexes * units(size) + left;
        *out.by_operation.entry(w.operation.clone()).or_default() += table_units + index_units;
        out.index += index_units;
        out.total += table_units + index_units;
        let key = |k: &str| {
            w.key
                .get(k)
                .and_then(|v| v["S"].as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let kind = match w.kind {
            WriteKind::Put(_) => "put",
            WriteKind::Update { .. } => "update",
            WriteKind::ConditionCheck => "check",
            WriteKind::Delete => "delete",
        };
        out.item_sizes
            .insert(format!("{kind} {} {}", key("pk"), key("sk")), size);
    }
    Ok(out)
}

async fn current(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    key: &BTreeMap<String, Value>,
) -> StoreResult<BTreeMap<String, Value>> {
    let mut get = dynamodb.get_item().table_name(table).consistent_read(true);
    for (name, value) in key {
        if let Some(s) = value["S"].as_str() {
            get = get.key(name, AttributeValue::S(s.to_owned()));
        }
    }
    let item = get
        .send()
        .await
        .map_err(|e| {
            let text = format!(
                "reading back a written item: {}",
                crate::error::describe(&e)
            );
            crate::error::StoreError::backend_from(text, e)
        })?
        .item
        .unwrap_or_default();
    Ok(item.iter().map(|(k, v)| (k.clone(), wire(v))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sizes_follow_dynamodbs_rules() {
        // Name bytes plus value bytes; numbers by significant digits.
        let item = json!({
            "pk": {"S": "LEAD#a"},
            "n": {"N": "12345"},
            "ok": {"BOOL": true},
            "m": {"M": {"k": {"S": "vv"}}},
            "l": {"L": [{"S": "x"}, {"N": "0"}]},
        });
        let item: BTreeMap<String, Value> = item
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // pk 2+6, n 1+(3+1), ok 2+1, m 1+(3+1+1+2), l 1+(3+1+1+1+2)
        assert_eq!(item_size(&item), 8 + 5 + 3 + 8 + 9);
        assert_eq!(units(0), 1);
        assert_eq!(units(1024), 1);
        assert_eq!(units(1025), 2);
    }

    #[test]
    fn a_transaction_names_each_item_it_writes() {
        let body = json!({"TransactItems": [
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "LEAD#1"}, "sk": {"S": "LEAD"}, "gsi1pk": {"S": "x"}}}},
            {"Update": {"TableName": "t", "Key": {"pk": {"S": "REP#a"}, "sk": {"S": "REP"}},
                        "UpdateExpression": "SET #o = :o REMOVE gsi2pk, gsi2sk"}},
            {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "EMAIL#h"}, "sk": {"S": "EMAIL"}}}},
        ]});
        let writes = parse_request(
            "DynamoDB_20120810.TransactWriteItems",
            body.to_string().as_bytes(),
        );
        assert_eq!(writes.len(), 3);
        assert!(writes.iter().all(|w| w.transactional));
        assert!(matches!(&writes[1].kind, WriteKind::Update { removed } if removed == &["gsi2pk"]));
        assert!(matches!(writes[2].kind, WriteKind::ConditionCheck));
        assert!(parse_request("DynamoDB_20120810.GetItem", b"{}").is_empty());
        assert!(parse_request("AmazonSQS.SendMessage", b"{}").is_empty());
    }
}
