//! The JSON Schemas of the admin routes' bodies, for the OpenAPI document: [`bodies`] names
//! the Rust type each route's handler reads from the request body and the one it answers
//! with, and [`Schemas`] writes their schemas (JSON Schema 2020-12, as OpenAPI 3.1 takes
//! it) from those types, so the document describes what the handlers (de)serialize.
//!
//! A request body is described as it is read (fields with a default may be left out) and
//! an answer as it is written (fields skipped when empty may be absent, every other field
//! is there), by one schemars generator each. Named schemas land in the document's
//! `components/schemas` and are referred to as `#/components/schemas/<name>`; a type
//! whose two descriptions differ keeps its name for answers and gets `<name>Request` for
//! requests.

use std::collections::BTreeMap;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value};
use switchboard_routing::Account;
use switchboard_routing::report::HealthReport;
use switchboard_store::{ActivePolicy, ImportSummary, PolicyVersion};

use crate::route_table::RouteId;
use crate::routes::{ApplyRequest, AwayRequest, RedriveRequest, RollbackRequest, ValidateRequest};
use crate::{
    AssignOrder, AssignedByHand, AuditList, DeadLetterView, LeadReport, LeadSummary, Page,
    PolicyApplied, PolicyChecked, PolicyDiff, PolicyHistory, Redriven, RepView, RerouteFilter,
    Rerouted, TriageItem,
};

/// Where named schemas live in the document.
pub const COMPONENTS: &str = "#/components/schemas/";

/// Where request schemas are put while the document is written; [`Schemas::finish`] moves
/// them to [`COMPONENTS`] and rewrites every reference to them.
const PENDING_REQUESTS: &str = "/x-pending-request-schemas";

/// Writes a body's schema into a [`Schemas`], answering the schema to put in the
/// operation (a `$ref` for a named type).
pub type SchemaFn = fn(&mut Schemas) -> Value;

/// A route's request body.
#[derive(Clone, Copy)]
pub struct RequestBody {
    pub schema: SchemaFn,
    /// False when an empty body is taken as well (it reads as the type's default).
    pub required: bool,
}

/// A route's bodies: the request's (`None` for a route that reads none) and the answer
/// of a success.
#[derive(Clone, Copy)]
pub struct Bodies {
    pub request: Option<RequestBody>,
    pub response: SchemaFn,
}

const fn takes(schema: SchemaFn, response: SchemaFn) -> Bodies {
    Bodies {
        request: Some(RequestBody {
            schema,
            required: true,
        }),
        response,
    }
}

const fn may_take(schema: SchemaFn, response: SchemaFn) -> Bodies {
    Bodies {
        request: Some(RequestBody {
            schema,
            required: false,
        }),
        response,
    }
}

const fn answers(response: SchemaFn) -> Bodies {
    Bodies {
        request: None,
        response,
    }
}

/// The bodies of `id`'s route, as its handler in `routes.rs` reads and answers them.
pub fn bodies(id: RouteId) -> Bodies {
    use Schemas as S;
    match id {
        RouteId::ApplyPolicy => takes(S::request::<ApplyRequest>, S::response::<PolicyApplied>),
        RouteId::ValidatePolicy => {
            takes(S::request::<ValidateRequest>, S::response::<PolicyChecked>)
        }
        RouteId::ActivePolicy | RouteId::PolicyVersion => answers(S::response::<PolicyVersion>),
        RouteId::PolicyHistory => answers(S::response::<PolicyHistory>),
        RouteId::PolicyDiff => answers(S::response::<PolicyDiff>),
        RouteId::Rollback => takes(S::request::<RollbackRequest>, S::response::<ActivePolicy>),
        RouteId::ImportAccounts => takes(S::request::<Vec<Account>>, S::response::<ImportSummary>),
        RouteId::ImportLeads => takes(
            S::request::<crate::ImportRequest>,
            S::response::<crate::Imported>,
        ),
        RouteId::Leads => answers(S::response::<Page<LeadSummary>>),
        RouteId::Lead => answers(S::response::<LeadReport>),
        RouteId::Triage => answers(S::response::<Page<TriageItem>>),
        RouteId::RerouteMatching => may_take(S::request::<RerouteFilter>, S::response::<Rerouted>),
        RouteId::RerouteOne => answers(S::response::<Rerouted>),
        RouteId::Assign => takes(S::request::<AssignOrder>, S::response::<AssignedByHand>),
        RouteId::Health => answers(S::response::<HealthReport>),
        RouteId::Reps => answers(S::response::<Vec<RepView>>),
        RouteId::Rep | RouteId::RepBack => answers(S::response::<RepView>),
        RouteId::RepAway => may_take(S::request::<AwayRequest>, S::response::<RepView>),
        RouteId::Audit => answers(S::response::<AuditList>),
        RouteId::DeadLetters => answers(S::response::<Vec<DeadLetterView>>),
        RouteId::Redrive => takes(S::request::<RedriveRequest>, S::response::<Redriven>),
        RouteId::Me => answers(S::response::<crate::Caller>),
        RouteId::Shadow | RouteId::StopShadow => answers(S::response::<crate::shadow::ShadowView>),
        RouteId::StartShadow => takes(
            S::request::<crate::shadow::ShadowRequest>,
            S::response::<crate::shadow::ShadowView>,
        ),
        RouteId::ShadowReport => answers(S::response::<crate::shadow::ShadowReport>),
        RouteId::Outcomes => answers(S::response::<crate::outcomes::OutcomesView>),
        RouteId::RebuildOutcomes => answers(S::response::<switchboard_store::Recounted>),
        RouteId::ImportOutcomes => takes(
            S::request::<crate::outcomes::OutcomesImport>,
            S::response::<crate::outcomes::OutcomesImported>,
        ),
        RouteId::WhatIf => takes(
            S::request::<crate::WhatIfRequest>,
            S::response::<crate::WhatIf>,
        ),
        RouteId::Coverage => takes(
            S::request::<crate::coverage::CoverageRequest>,
            S::response::<switchboard_routing::coverage::CoverageReport>,
        ),
    }
}

/// The schemas of a document's bodies, collected while its operations are written.
pub struct Schemas {
    requests: SchemaGenerator,
    responses: SchemaGenerator,
    /// Schemas written by hand (of bodies no Rust type describes), by name.
    extra: Map<String, Value>,
}

impl Default for Schemas {
    fn default() -> Self {
        Schemas::new()
    }
}

impl Schemas {
    pub fn new() -> Schemas {
        let settings = |path: &str| {
            SchemaSettings::draft2020_12().with(|s| {
                s.definitions_path = path.to_owned().into();
                s.meta_schema = None;
            })
        };
        Schemas {
            requests: settings(PENDING_REQUESTS)
                .for_deserialize()
                .into_generator(),
            responses: settings("/components/schemas")
                .for_serialize()
                .into_generator(),
            extra: Map::new(),
        }
    }

    /// The schema of a request body of type `T`, as serde reads it.
    pub fn request<T: JsonSchema>(&mut self) -> Value {
        self.requests.subschema_for::<T>().to_value()
    }

    /// The schema of an answer of type `T`, as serde writes it.
    pub fn response<T: JsonSchema>(&mut self) -> Value {
        self.responses.subschema_for::<T>().to_value()
    }

    /// Adds a schema written by hand under `name`; answers its `$ref`.
    pub fn named(&mut self, name: &str, schema: Value) -> Value {
        self.extra.insert(name.to_owned(), schema);
        serde_json::json!({ "$ref": format!("{COMPONENTS}{name}") })
    }

    /// Every named schema, for `components/schemas`. The request schemas' references in
    /// `paths` (the operations written meanwhile) and in the schemas written by hand are
    /// rewritten to where they end up.
    pub fn finish(mut self, paths: &mut Value) -> Map<String, Value> {
        let mut out = self.responses.take_definitions(true);
        let requests = self.requests.take_definitions(true);
        let names = request_names(&requests, &out);
        let pending = format!("#{PENDING_REQUESTS}/");
        let rewrite = |v: &mut Value| rewrite_refs(v, &pending, &names);
        for (name, mut schema) in requests {
            rewrite(&mut schema);
            let target = &names[&name];
            if !out.contains_key(target) {
                out.insert(target.clone(), schema);
            }
        }
        rewrite(paths);
        for schema in out.values_mut() {
            plain_links(schema);
        }
        for (name, mut schema) in self.extra {
            rewrite(&mut schema);
            assert!(
                out.insert(name.clone(), schema).is_none(),
                "the schema {name} is written twice"
            );
        }
        out
    }
}

/// The name each request schema gets: its own, unless an answer schema of that name
/// differs from it (or refers to one that was renamed), then `<name>Request`.
fn request_names(
    requests: &Map<String, Value>,
    responses: &Map<String, Value>,
) -> BTreeMap<String, String> {
    let mut names: BTreeMap<String, String> =
        requests.keys().map(|n| (n.clone(), n.clone())).collect();
    let pending = format!("#{PENDING_REQUESTS}/");
    loop {
        let mut renamed = false;
        for (name, schema) in requests {
            if names[name] != *name {
                continue;
            }
            let Some(answer) = responses.get(name) else {
                continue;
            };
            let mut as_placed = schema.clone();
            rewrite_refs(&mut as_placed, &pending, &names);
            if as_placed != *answer {
                let mut new = format!("{name}Request");
                while responses.contains_key(&new) || requests.contains_key(&new) {
                    new.push('_');
                }
                names.insert(name.clone(), new);
                renamed = true;
            }
        }
        if !renamed {
            return names;
        }
    }
}

/// The descriptions come from the types' documentation: its links to Rust items
/// (``[`LeadFilter`]``, ``[`f`](Self::f)``) read as the plain code span.
fn plain_links(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(text) if key == "description" => *text = unlink(text),
                    _ => plain_links(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(plain_links),
        _ => {}
    }
}

fn unlink(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("[`") {
        let Some(len) = rest[start + 2..].find("`]") else {
            break;
        };
        let code = &rest[start + 1..start + 2 + len + 1];
        out.push_str(&rest[..start]);
        out.push_str(code);
        rest = &rest[start + 2 + len + 2..];
        // A link with its target written out: the target goes too.
        if rest.starts_with('(')
            && let Some(end) = rest.find(')')
        {
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// Points every `$ref` to `<from><name>` at `#/components/schemas/<names[name]>`.
fn rewrite_refs(value: &mut Value, from: &str, names: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "$ref"
                    && let Value::String(r) = v
                    && let Some(name) = r.strip_prefix(from)
                {
                    let target = names.get(name).map_or(name, String::as_str);
                    *r = format!("{COMPONENTS}{target}");
                } else {
                    rewrite_refs(v, from, names);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, from, names)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ADMIN_ROUTES;

    /// Every body of the admin routes, written into one `paths` value.
    fn all_bodies() -> (Value, Map<String, Value>) {
        let mut schemas = Schemas::new();
        let mut paths = Map::new();
        for r in ADMIN_ROUTES {
            let b = bodies(r.id);
            let request = b.request.map(|rq| (rq.schema)(&mut schemas));
            let response = (b.response)(&mut schemas);
            paths.insert(
                r.path.to_owned(),
                json!({ "request": request, "response": response }),
            );
        }
        let mut paths = Value::Object(paths);
        let components = schemas.finish(&mut paths);
        (paths, components)
    }

    /// The required fields of an object schema, sorted.
    fn required(schema: &Value) -> Vec<&str> {
        let mut fields: Vec<&str> = schema["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        fields.sort_unstable();
        fields
    }

    fn resolve<'a>(components: &'a Map<String, Value>, r: &str) -> &'a Value {
        let name = r.strip_prefix(COMPONENTS).expect("a component reference");
        components
            .get(name)
            .unwrap_or_else(|| panic!("{r} is not a schema"))
    }

    #[test]
    fn a_body_is_described_as_serde_reads_or_writes_it() {
        let (paths, components) = all_bodies();
        let schema = |path: &str, side: &str| {
            resolve(&components, paths[path][side]["$ref"].as_str().unwrap())
        };

        // Read: a field with a default may be left out; an unknown one is refused.
        let assign = schema("/triage/{id}/assign", "request");
        assert_eq!(required(assign), ["reason", "rep"]);
        assert_eq!(assign["additionalProperties"], json!(false));

        // Written: a field skipped when empty may be absent; every other one is there.
        let lead = schema("/leads/{id}", "response");
        assert_eq!(
            required(lead),
            ["assignment", "decisions", "delivery_failures", "lead"]
        );
        let stored = resolve(
            &components,
            lead["properties"]["lead"]["$ref"].as_str().unwrap(),
        );
        let fields = required(stored);
        assert!(fields.contains(&"bounced") && fields.contains(&"updated_at"));
        assert!(!fields.contains(&"duplicate_of") && !fields.contains(&"raw"));
        assert_eq!(
            stored["properties"]["updated_at"],
            json!({ "type": "string", "format": "date-time" })
        );

        // A flattened summary's fields are the triage item's own.
        let page = schema("/triage", "response");
        let item = resolve(
            &components,
            page["properties"]["items"]["items"]["$ref"]
                .as_str()
                .unwrap(),
        );
        for field in ["lead_id", "status", "reason", "parked_at", "bounced"] {
            assert!(item["properties"].get(field).is_some(), "{field}: {item}");
        }
    }

    #[test]
    fn a_type_read_and_written_differently_has_two_schemas() {
        let mut schemas = Schemas::new();
        let mut paths = json!({
            "in": schemas.request::<Vec<Account>>(),
            "out": schemas.response::<Account>(),
        });
        let components = schemas.finish(&mut paths);
        // Written, an account always has its name and domains; read, they default.
        assert_eq!(paths["out"]["$ref"], json!(format!("{COMPONENTS}Account")));
        assert_eq!(
            paths["in"]["items"]["$ref"],
            json!(format!("{COMPONENTS}AccountRequest"))
        );
        assert_eq!(required(&components["Account"]), ["domains", "id", "name"]);
        assert_eq!(required(&components["AccountRequest"]), ["id"]);
        // The scalar of an attribute is the same either way: one schema.
        assert!(components.contains_key("Scalar") && !components.contains_key("ScalarRequest"));
    }

    #[test]
    fn links_to_rust_items_read_as_code() {
        assert_eq!(
            unlink("[`AuditEntry::new`] makes one; see [`f`](Self::f) and [x]."),
            "`AuditEntry::new` makes one; see `f` and [x]."
        );
        let (_, components) = all_bodies();
        let text = serde_json::to_string(&components).unwrap();
        assert!(!text.contains("[`"), "a link is left");
    }

    #[test]
    fn every_reference_points_at_a_component() {
        let (paths, components) = all_bodies();
        let mut refs = Vec::new();
        collect_refs(&paths, &mut refs);
        for schema in components.values() {
            collect_refs(schema, &mut refs);
        }
        assert!(refs.len() > 40, "{refs:?}");
        for r in refs {
            resolve(&components, &r);
        }
    }

    fn collect_refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => out.push(r.clone()),
                        _ => collect_refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
            _ => {}
        }
    }
}
