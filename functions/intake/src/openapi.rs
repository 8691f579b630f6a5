//! The OpenAPI 3.1 document of the API both runtimes serve: intake, rep actions and the
//! admin routes. Written from route tables ([`INTAKE_ROUTES`] here, the admin router's own
//! `switchboard_admin::ADMIN_ROUTES`) by [`document`]; `switchboard openapi` prints it,
//! and the copy checked in as `docs/openapi.json` is what `GET /v1/openapi.json` serves
//! (compiled in, so the Lambda neither builds it at start-up nor carries the generator's
//! work per request). A test fails when the copy is stale, and another sends a request for
//! every operation to the real routers.

use axum::response::{IntoResponse, Response};
use http::header;
#[cfg(feature = "openapi")]
use serde_json::{Map, Value, json};
use switchboard_admin::Verb;
#[cfg(feature = "openapi")]
use switchboard_admin::openapi::{COMPONENTS, Schemas};
#[cfg(feature = "openapi")]
use switchboard_admin::{ADMIN_ROUTES, Role};

/// Where the document is served.
pub const PATH: &str = "/v1/openapi.json";

/// The checked-in document (`docs/openapi.json`).
pub const CHECKED_IN: &str = include_str!("../../../docs/openapi.json");

/// `GET /v1/openapi.json`: no credential needed; it describes routes, not data.
pub async fn serve() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], CHECKED_IN).into_response()
}

/// Who may call an intake route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// An API key (`Authorization: Bearer`), a read key for reads.
    ApiKey,
    /// The source's signature or token (header or path), as its provider sends it.
    SourceSecret,
    /// An action key (`Authorization: Bearer`), admin or rep.
    ActionKey,
    /// The signed token in the path.
    LinkToken,
    /// Slack's request signature.
    SlackSignature,
}

/// One intake route.
#[derive(Debug, Clone, Copy)]
pub struct IntakeRoute {
    pub verb: Verb,
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    /// The status of a success.
    pub success: u16,
}

const fn route(
    verb: Verb,
    path: &'static str,
    access: Access,
    summary: &'static str,
    success: u16,
) -> IntakeRoute {
    IntakeRoute {
        verb,
        path,
        access,
        summary,
        success,
    }
}

/// Every route of `crate::router` (with rep actions), in the order the module lists them.
pub const INTAKE_ROUTES: [IntakeRoute; 13] = [
    route(Verb::Get, "/healthz", Access::Public, "Liveness", 200),
    route(Verb::Get, PATH, Access::Public, "This document", 200),
    route(
        Verb::Post,
        "/v1/leads",
        Access::ApiKey,
        "Submit a lead to the generic JSON API",
        202,
    ),
    route(
        Verb::Get,
        "/v1/leads/{id}",
        Access::ApiKey,
        "A stored lead and its status",
        200,
    ),
    route(
        Verb::Post,
        "/v1/hooks/{source_id}",
        Access::SourceSecret,
        "A provider's webhook",
        202,
    ),
    route(
        Verb::Post,
        "/v1/hooks/{source_id}/{token}",
        Access::SourceSecret,
        "A provider's webhook, the token in the path",
        202,
    ),
    route(
        Verb::Post,
        "/v1/touches/{id}",
        Access::SourceSecret,
        "A CRM touch webhook: HubSpot's signed events, a Salesforce Flow callout",
        200,
    ),
    route(
        Verb::Post,
        "/v1/touches/{id}/{token}",
        Access::SourceSecret,
        "A CRM touch webhook, the token in the path: a Salesforce Outbound Message or Flow callout",
        200,
    ),
    route(
        Verb::Post,
        "/v1/leads/{id}/{action}",
        Access::ActionKey,
        "A rep's action on a lead: accept, reject, release, close or recycle",
        200,
    ),
    route(
        Verb::Post,
        "/v1/reps/{rep}/{action}",
        Access::ActionKey,
        "A rep away or back: away, back",
        200,
    ),
    route(
        Verb::Get,
        "/v1/actions/{token}",
        Access::LinkToken,
        "The confirmation page of a signed action link",
        200,
    ),
    route(
        Verb::Post,
        "/v1/actions/{token}",
        Access::LinkToken,
        "Perform a signed action link",
        200,
    ),
    route(
        Verb::Post,
        "/v1/slack/interactivity",
        Access::SlackSignature,
        "Slack's interactivity callback (Accept and Reject buttons)",
        200,
    ),
];

/// The document.
#[cfg(feature = "openapi")]
pub fn document() -> Value {
    let mut schemas = Schemas::new();
    let mut paths = Map::new();
    for r in INTAKE_ROUTES {
        let bodies = intake_bodies(r.verb, r.path);
        let mut op = operation(r.summary, r.path, &[], r.success, bodies, &mut schemas);
        if let Some(scheme) = scheme(r.access) {
            op["security"] = json!([{ scheme: [] }]);
        }
        insert(&mut paths, r.path, r.verb, op);
    }
    for r in ADMIN_ROUTES {
        let path = format!("{}{}", switchboard_admin::PREFIX, r.path);
        let role = match r.role {
            Role::Viewer => "viewer",
            Role::Admin => "admin",
        };
        let bodies = Bodies::admin(switchboard_admin::openapi::bodies(r.id));
        let mut op = operation(r.summary, &path, r.query, 200, bodies, &mut schemas);
        op["description"] = json!(format!("Role: {role}."));
        op["security"] = json!([{ "admin": [role] }]);
        op["tags"] = json!(["admin"]);
        insert(&mut paths, &path, r.verb, op);
    }
    schemas.named("Problem", problem_schema());
    let mut paths = Value::Object(paths);
    let components = schemas.finish(&mut paths);
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Switchboard",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Lead intake, rep actions and the admin API (docs/ADMIN.md). \
                On a deployment the admin routes are also served under /v1/iam/admin for \
                IAM (SigV4) callers. Every answer that is not a success is an \
                application/problem+json document.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "apiKey": { "type": "http", "scheme": "bearer", "description": "A source's API key, or a read key for reads" },
                "actionKey": { "type": "http", "scheme": "bearer", "description": "An action key, admin or rep" },
                "sourceSecret": { "type": "apiKey", "in": "header", "name": "Authorization", "description": "The source's signature or token, as its provider sends it (docs/PROVIDERS.md)" },
                "slackSignature": { "type": "apiKey", "in": "header", "name": "X-Slack-Signature" },
                "admin": { "type": "http", "scheme": "bearer", "description": "serve: the admin or viewer token; a deployment: a JWT whose groups give the role" },
            },
            "schemas": components,
        },
    })
}

#[cfg(feature = "openapi")]
fn scheme(access: Access) -> Option<&'static str> {
    match access {
        Access::Public | Access::LinkToken => None,
        Access::ApiKey => Some("apiKey"),
        Access::SourceSecret => Some("sourceSecret"),
        Access::ActionKey => Some("actionKey"),
        Access::SlackSignature => Some("slackSignature"),
    }
}

/// A body of an operation: its media type and the schema written for it.
#[cfg(feature = "openapi")]
struct Content {
    media: &'static str,
    schema: fn(&mut Schemas) -> Value,
}

#[cfg(feature = "openapi")]
const fn json_body(schema: fn(&mut Schemas) -> Value) -> Content {
    Content {
        media: "application/json",
        schema,
    }
}

/// An operation's bodies: the request's (each media type it is taken in; `required`
/// false when an empty body is taken too) and the success answer's.
#[cfg(feature = "openapi")]
struct Bodies {
    request: Vec<Content>,
    required: bool,
    response: Content,
}

#[cfg(feature = "openapi")]
impl Bodies {
    fn admin(b: switchboard_admin::openapi::Bodies) -> Bodies {
        Bodies {
            required: b.request.is_some_and(|r| r.required),
            request: b.request.map(|r| json_body(r.schema)).into_iter().collect(),
            response: json_body(b.response),
        }
    }
}

/// The bodies of an intake route, as its handler in `routes.rs` or `actions` reads and
/// answers them.
#[cfg(feature = "openapi")]
fn intake_bodies(verb: Verb, path: &str) -> Bodies {
    use crate::actions::http_routes::{AwayBody, LeadActionBody};
    use crate::routes::{Accepted, LeadView};

    let answers = |response| Bodies {
        request: Vec::new(),
        required: false,
        response,
    };
    match (verb, path) {
        (Verb::Get, "/healthz") => answers(json_body(|_| {
            json!({
                "type": "object",
                "required": ["status"],
                "properties": { "status": { "const": "ok" } },
            })
        })),
        (Verb::Get, PATH) => answers(json_body(
            |_| json!({ "type": "object", "description": "An OpenAPI 3.1 document" }),
        )),
        (Verb::Post, "/v1/leads") => Bodies {
            request: vec![json_body(|s| {
                let schema = lead_submission_schema(s);
                let one = s.named("LeadSubmission", schema);
                json!({
                    "description": "One lead; Make's one-element array around it is taken too",
                    "anyOf": [one.clone(), { "type": "array", "items": one, "minItems": 1, "maxItems": 1 }],
                })
            })],
            required: true,
            response: json_body(Schemas::response::<Accepted>),
        },
        (Verb::Get, "/v1/leads/{id}") => answers(json_body(Schemas::response::<LeadView>)),
        (Verb::Post, "/v1/hooks/{source_id}" | "/v1/hooks/{source_id}/{token}") => Bodies {
            request: [
                "application/json",
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ]
            .into_iter()
            .map(|media| Content {
                media,
                schema: |_| {
                    json!({
                        "description": "The provider's own payload, as it sends it \
                            (docs/PROVIDERS.md); its fields are mapped to the lead's by \
                            the source's configuration and common field names",
                    })
                },
            })
            .collect(),
            required: true,
            response: json_body(Schemas::response::<Accepted>),
        },
        (Verb::Post, "/v1/touches/{id}" | "/v1/touches/{id}/{token}") => Bodies {
            request: vec![
                json_body(|_| {
                    json!({
                        "description": "HubSpot: the Webhooks API's array of events; \
                            Salesforce: a Flow callout's {\"records\": [{\"Id\", \"OwnerId\", \
                            \"LastModifiedById\", \"touched\"}]} (docs/CRM.md)",
                    })
                }),
                Content {
                    media: "text/xml",
                    schema: |_| {
                        json!({
                            "type": "string",
                            "description": "A Salesforce Outbound Message (SOAP `notifications`)",
                        })
                    },
                },
            ],
            required: true,
            response: json_body(|s| {
                let mut counts = s.response::<crate::touches::TouchCounts>();
                counts["description"] = json!(
                    "What the events did. An Outbound Message is answered instead with \
                     Salesforce's SOAP acknowledgement (text/xml, `<Ack>true</Ack>`)."
                );
                counts
            }),
        },
        (Verb::Post, "/v1/leads/{id}/{action}") => Bodies {
            request: vec![json_body(Schemas::request::<LeadActionBody>)],
            required: false,
            response: json_body(|s| {
                with_message(s.response::<switchboard_store::actions::Answer>())
            }),
        },
        (Verb::Post, "/v1/reps/{rep}/{action}") => Bodies {
            request: vec![json_body(Schemas::request::<AwayBody>)],
            required: false,
            response: json_body(|s| {
                with_message(s.response::<switchboard_store::actions::AwayAnswer>())
            }),
        },
        (_, "/v1/actions/{token}") => answers(Content {
            media: "text/html",
            schema: |_| json!({ "type": "string", "description": "A page for the rep: what the link does, or what it did" }),
        }),
        (Verb::Post, "/v1/slack/interactivity") => Bodies {
            request: vec![Content {
                media: "application/x-www-form-urlencoded",
                schema: |_| {
                    json!({
                        "type": "object",
                        "required": ["payload"],
                        "properties": {
                            "payload": {
                                "type": "string",
                                "description": "Slack's block_actions payload, as JSON",
                                "contentMediaType": "application/json",
                            },
                        },
                    })
                },
            }],
            required: true,
            response: json_body(|_| {
                json!({
                    "type": "object",
                    "description": "An ephemeral message to the clicking user",
                    "required": ["response_type", "replace_original", "text"],
                    "properties": {
                        "response_type": { "const": "ephemeral" },
                        "replace_original": { "const": false },
                        "text": { "type": "string" },
                    },
                })
            }),
        },
        (verb, path) => unreachable!("{} {path} has no bodies", verb.as_str()),
    }
}

/// An action's answer as the action routes send it: the store's answer with `message`, the
/// answer in words, added.
#[cfg(feature = "openapi")]
fn with_message(answer: Value) -> Value {
    json!({
        "allOf": [
            answer,
            {
                "type": "object",
                "required": ["message"],
                "properties": { "message": { "type": "string", "description": "The answer in words" } },
            },
        ],
    })
}

/// `POST /v1/leads`: no Rust type reads it (`providers::generic` walks the JSON), so the
/// schema is written here.
#[cfg(feature = "openapi")]
fn lead_submission_schema(s: &mut Schemas) -> Value {
    let scalar = s.request::<switchboard_routing::Scalar>();
    let text = |description: &str| json!({ "type": "string", "description": description });
    let id = json!({
        "type": ["string", "number"],
        "description": "The sender's own id of the lead, for idempotency",
    });
    json!({
        "type": "object",
        "description": "A lead. Known names fill the lead's fields (common spellings in \
            several languages count too: `E-Mail Address`, `telefon`); every other top-level \
            value becomes an attribute, nested objects are flattened (`deal.amount` becomes \
            the attribute `deal_amount`) and the entries of `attributes` are always \
            attributes. A value that is no string, number, boolean, list of them or object \
            is not kept.",
        "properties": {
            "submission_id": id,
            "external_id": id,
            "email": text("Checked and lower-cased"),
            "phone": text("Normalized to E.164 when it can be"),
            "country": text("A name or code in several languages, kept as ISO 3166-1 alpha-2"),
            "company": text("Legal suffixes and extra whitespace removed"),
            "first_name": text("First name"),
            "last_name": text("Last name"),
            "name": text("A full name, split when first and last are not given"),
            "attributes": {
                "type": "object",
                "description": "Always attributes, whatever their names",
                "additionalProperties": { "anyOf": [scalar, { "type": "array" }] },
            },
        },
    })
}

/// An operation with its path and query parameters, its bodies and the problem answer.
#[cfg(feature = "openapi")]
fn operation(
    summary: &str,
    path: &str,
    query: &[(&str, &str)],
    success: u16,
    bodies: Bodies,
    schemas: &mut Schemas,
) -> Value {
    let mut parameters: Vec<Value> = path_params(path)
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    parameters.extend(query.iter().map(|(name, description)| {
        json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": "string" } })
    }));
    let mut responses = Map::new();
    let answer = (bodies.response.schema)(schemas);
    responses.insert(
        success.to_string(),
        json!({ "description": "Success", "content": { bodies.response.media: { "schema": answer } } }),
    );
    responses.insert(
        "default".into(),
        json!({
            "description": "A refusal or an error",
            "content": { "application/problem+json": { "schema": { "$ref": format!("{COMPONENTS}Problem") } } },
        }),
    );
    let mut op = json!({ "summary": summary, "responses": responses });
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    if !bodies.request.is_empty() {
        let content: Map<String, Value> = bodies
            .request
            .iter()
            .map(|c| (c.media.to_owned(), json!({ "schema": (c.schema)(schemas) })))
            .collect();
        op["requestBody"] = json!({ "required": bodies.required, "content": content });
    }
    op
}

/// The `{name}` segments of a path.
pub fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

#[cfg(feature = "openapi")]
fn insert(paths: &mut Map<String, Value>, path: &str, verb: Verb, op: Value) {
    let item = paths
        .entry(path.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    item[verb.as_str().to_ascii_lowercase()] = op;
}

/// RFC 9457, as `switchboard_http::Problem` writes it.
#[cfg(feature = "openapi")]
fn problem_schema() -> Value {
    json!({
        "type": "object",
        "required": ["type", "title", "status", "detail", "errors"],
        "properties": {
            "type": { "type": "string", "description": "urn naming the problem type, e.g. ...:invalid-parameter" },
            "title": { "type": "string" },
            "status": { "type": "integer" },
            "detail": { "type": "string" },
            "errors": {
                "type": "array",
                "description": "The fields at fault, each named",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": { "field": { "type": "string" }, "message": { "type": "string" } },
                },
            },
        },
    })
}

#[cfg(all(test, feature = "openapi"))]
mod tests {
    use super::*;

    #[test]
    fn the_checked_in_document_is_the_generated_one() {
        let generated = serde_json::to_string_pretty(&document()).unwrap() + "\n";
        assert!(
            generated == CHECKED_IN,
            "docs/openapi.json is stale: run `switchboard openapi > docs/openapi.json`"
        );
    }
}
