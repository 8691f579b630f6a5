//! What changed between two policy versions, as a person reads a policy: the top-level
//! settings, and each rep, pool and rule by id (added, removed, or which of its fields
//! changed from what to what), plus rules that moved (order decides which rule takes a
//! lead). Not a text diff: reordering keys or reformatting YAML changes nothing here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchboard_routing::PolicyDocument;

/// One field that changed, with its values as JSON (`null` when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// One rep, pool or rule present in both versions whose fields differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ItemChange {
    pub id: String,
    pub fields: Vec<FieldChange>,
}

/// A rule whose position changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Moved {
    pub id: String,
    pub from: usize,
    pub to: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Changes {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<ItemChange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved: Vec<Moved>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PolicyDiff {
    pub from: u64,
    pub to: u64,
    /// Top-level settings (`kill_switch`, `default_sla`, `parked`, ...).
    pub settings: Vec<FieldChange>,
    pub reps: Changes,
    pub pools: Changes,
    pub rules: Changes,
}

impl PolicyDiff {
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty()
            && [&self.reps, &self.pools, &self.rules]
                .iter()
                .all(|c| **c == Changes::default())
    }
}

/// The difference from `before` (version `from`) to `after` (version `to`).
pub fn diff(from: u64, before: &PolicyDocument, to: u64, after: &PolicyDocument) -> PolicyDiff {
    let (b, a) = (as_object(before), as_object(after));
    let lists = ["reps", "pools", "rules"];
    let settings = fields(&b, &a, |k| !lists.contains(&k));
    let mut rules = items(&b["rules"], &a["rules"]);
    rules.moved = moved(&b["rules"], &a["rules"]);
    PolicyDiff {
        from,
        to,
        settings,
        reps: items(&b["reps"], &a["reps"]),
        pools: items(&b["pools"], &a["pools"]),
        rules,
    }
}

fn as_object(doc: &PolicyDocument) -> BTreeMap<String, Value> {
    match serde_json::to_value(doc) {
        Ok(Value::Object(map)) => map.into_iter().collect(),
        _ => BTreeMap::new(),
    }
}

/// The fields of two objects (those `keep` selects) whose values differ.
fn fields(
    before: &BTreeMap<String, Value>,
    after: &BTreeMap<String, Value>,
    keep: impl Fn(&str) -> bool,
) -> Vec<FieldChange> {
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| keep(k))
        .filter_map(|k| {
            let (b, a) = (before.get(k), after.get(k));
            (b != a).then(|| FieldChange {
                field: k.clone(),
                before: b.cloned().unwrap_or(Value::Null),
                after: a.cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// A list of objects with `id`, by id.
fn by_id(list: &Value) -> Vec<(String, BTreeMap<String, Value>)> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    let obj = item.as_object()?;
                    let id = obj.get("id")?.as_str()?.to_owned();
                    Some((id, obj.clone().into_iter().collect()))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn items(before: &Value, after: &Value) -> Changes {
    let (b, a) = (by_id(before), by_id(after));
    let find = |list: &[(String, BTreeMap<String, Value>)], id: &str| {
        list.iter().find(|(i, _)| i == id).map(|(_, o)| o.clone())
    };
    let mut changes = Changes::default();
    for (id, obj) in &a {
        match find(&b, id) {
            None => changes.added.push(id.clone()),
            Some(old) => {
                let fields = fields(&old, obj, |_| true);
                if !fields.is_empty() {
                    changes.changed.push(ItemChange {
                        id: id.clone(),
                        fields,
                    });
                }
            }
        }
    }
    for (id, _) in &b {
        if find(&a, id).is_none() {
            changes.removed.push(id.clone());
        }
    }
    changes
}

/// Rules kept in both versions whose order among the kept rules changed.
fn moved(before: &Value, after: &Value) -> Vec<Moved> {
    let (b, a) = (by_id(before), by_id(after));
    let kept = |list: &[(String, BTreeMap<String, Value>)],
                other: &[(String, BTreeMap<String, Value>)]|
     -> Vec<String> {
        list.iter()
            .map(|(id, _)| id.clone())
            .filter(|id| other.iter().any(|(o, _)| o == id))
            .collect()
    };
    let (kb, ka) = (kept(&b, &a), kept(&a, &b));
    ka.iter()
        .enumerate()
        .filter_map(|(to, id)| {
            let from = kb.iter().position(|x| x == id)?;
            (from != to).then(|| Moved {
                id: id.clone(),
                from,
                to,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "
name: p
triage_pool: triage
default_sla: 15m
reps:
  - { id: ana, caps: { max_open: 5 } }
  - { id: bo }
pools:
  - { id: main, strategy: round_robin, members: [ana, bo] }
rules:
  - { id: de, when: { field: country, eq: DE }, pool: main }
  - { id: all, pool: main }
";

    fn doc(yaml: &str) -> PolicyDocument {
        PolicyDocument::from_yaml(yaml).unwrap()
    }

    #[test]
    fn the_same_policy_written_differently_has_no_changes() {
        let reformatted = BASE.replace("{ id: bo }", "{id: bo}");
        assert!(diff(1, &doc(BASE), 2, &doc(&reformatted)).is_empty());
    }

    #[test]
    fn changes_are_named_by_id_and_field() {
        let after = BASE
            .replace("default_sla: 15m", "default_sla: 10m\nkill_switch: true")
            .replace("max_open: 5", "max_open: 8")
            .replace("  - { id: bo }\n", "  - { id: cy }\n")
            .replace("members: [ana, bo]", "members: [ana, cy]")
            .replace(
                "  - { id: de, when: { field: country, eq: DE }, pool: main }\n  - { id: all, pool: main }\n",
                "  - { id: all, pool: main }\n  - { id: de, when: { field: country, eq: DE }, pool: main }\n",
            );
        let d = diff(3, &doc(BASE), 4, &doc(&after));
        let settings: Vec<&str> = d.settings.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(settings, ["default_sla", "kill_switch"]);
        assert_eq!(d.settings[0].before, "15m");
        assert_eq!(d.settings[0].after, "10m");
        assert_eq!(d.reps.added, ["cy"]);
        assert_eq!(d.reps.removed, ["bo"]);
        assert_eq!(d.reps.changed.len(), 1);
        assert_eq!(d.reps.changed[0].id, "ana");
        assert_eq!(d.reps.changed[0].fields[0].field, "caps");
        assert_eq!(d.reps.changed[0].fields[0].after["max_open"], 8);
        assert_eq!(d.pools.changed[0].id, "main");
        assert_eq!(d.pools.changed[0].fields[0].field, "members");
        assert_eq!(
            d.rules.moved,
            [
                Moved {
                    id: "all".into(),
                    from: 1,
                    to: 0
                },
                Moved {
                    id: "de".into(),
                    from: 0,
                    to: 1
                }
            ]
        );
        assert!(d.rules.changed.is_empty() && d.rules.added.is_empty());
    }
}
