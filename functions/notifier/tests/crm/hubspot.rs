//! The HubSpot connector against a fake of CRM v3's contact search, create and update.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post, put};
use serde_json::{Value, json};
use switchboard_notifier::Notified;
use switchboard_store::RoutingState;

use crate::common::*;

const TOKEN: &str = "pat-na1-test-token";

#[derive(Default)]
struct Crm {
    journal: Journal,
    /// Contacts by id, their properties.
    contacts: Mutex<BTreeMap<u64, BTreeMap<String, Value>>>,
    /// Ids the search does not find yet (HubSpot's search index lags its writes).
    unindexed: Mutex<Vec<u64>>,
    /// Company ids, and the contact-to-company associations made.
    companies: Mutex<Vec<u64>>,
    associations: Mutex<Vec<(u64, u64)>>,
}

#[derive(Clone)]
struct Fake(Arc<Crm>);

impl Fake {
    async fn start() -> (Fake, String) {
        let fake = Fake(Arc::new(Crm::default()));
        let app = axum::Router::new()
            .route("/crm/v3/objects/contacts/search", post(search))
            .route("/crm/v3/objects/contacts", post(create))
            .route("/crm/v3/objects/contacts/{id}", patch(update))
            .route(
                "/crm/v4/objects/contacts/{id}/associations/default/companies/{company}",
                put(associate),
            )
            .with_state(fake.clone());
        let addr = serve(app).await;
        (fake, format!("http://{addr}"))
    }

    fn contact(&self, email: &str, owner: Option<&str>) -> u64 {
        let mut contacts = self.0.contacts.lock().unwrap();
        let id = 500 + contacts.len() as u64;
        let mut p = BTreeMap::new();
        p.insert("email".to_owned(), json!(email));
        if let Some(o) = owner {
            p.insert("hubspot_owner_id".to_owned(), json!(o));
        }
        contacts.insert(id, p);
        id
    }

    fn property(&self, id: u64, name: &str) -> Option<Value> {
        self.0.contacts.lock().unwrap()[&id].get(name).cloned()
    }

    fn ids(&self) -> Vec<u64> {
        self.0.contacts.lock().unwrap().keys().copied().collect()
    }

    fn journal(&self) -> &Journal {
        &self.0.journal
    }
}

fn error(status: u16, category: &str, message: &str) -> Response {
    let body = json!({"status": "error", "message": message, "correlationId": "b6f0c6d3-0000-4000-8000-000000000000", "category": category});
    (StatusCode::from_u16(status).unwrap(), Json(body)).into_response()
}

fn object(id: u64, properties: &BTreeMap<String, Value>) -> Value {
    json!({"id": id.to_string(), "properties": properties, "createdAt": "2026-06-01T10:00:00Z",
           "updatedAt": "2026-06-01T10:00:00Z", "archived": false})
}

/// Logs the request and answers a forced answer or an authentication failure, if due.
fn intercept(
    crm: &Crm,
    endpoint: &'static str,
    method: &str,
    path: String,
    headers: &HeaderMap,
    body: &str,
) -> Option<Response> {
    crm.journal.log(
        endpoint,
        Request {
            method: method.into(),
            path,
            query: None,
            headers: headers.clone(),
            body: body.into(),
        },
    );
    if let Some(f) = crm.journal.forced(endpoint) {
        return Some(f.into_response());
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TOKEN}")) {
        return Some(error(
            401,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found.",
        ));
    }
    None
}

async fn search(State(f): State<Fake>, headers: HeaderMap, body: String) -> Response {
    if let Some(r) = intercept(
        &f.0,
        "search",
        "POST",
        "/crm/v3/objects/contacts/search".into(),
        &headers,
        &body,
    ) {
        return r;
    }
    let Ok(q) = serde_json::from_str::<Value>(&body) else {
        return error(400, "VALIDATION_ERROR", "Invalid input JSON");
    };
    let filter = &q["filterGroups"][0]["filters"][0];
    if filter["propertyName"] != "email" || filter["operator"] != "EQ" {
        return error(400, "VALIDATION_ERROR", "unexpected filter");
    }
    let contacts = f.0.contacts.lock().unwrap();
    let unindexed = f.0.unindexed.lock().unwrap();
    let results: Vec<Value> = contacts
        .iter()
        .filter(|(id, p)| p.get("email") == Some(&filter["value"]) && !unindexed.contains(id))
        .map(|(id, p)| object(*id, p))
        .collect();
    Json(json!({"total": results.len(), "results": results})).into_response()
}

async fn create(State(f): State<Fake>, headers: HeaderMap, body: String) -> Response {
    if let Some(r) = intercept(
        &f.0,
        "create",
        "POST",
        "/crm/v3/objects/contacts".into(),
        &headers,
        &body,
    ) {
        return r;
    }
    let Ok(Value::Object(properties)) =
        serde_json::from_str::<Value>(&body).map(|b| b["properties"].clone())
    else {
        return error(
            400,
            "VALIDATION_ERROR",
            "Invalid input JSON: properties is required",
        );
    };
    let mut contacts = f.0.contacts.lock().unwrap();
    if let Some((id, _)) = contacts
        .iter()
        .find(|(_, p)| p.get("email") == properties.get("email"))
    {
        // The documented conflict: the top-level message names the existing id.
        let email = properties["email"].as_str().unwrap_or_default();
        let body = json!({
            "status": "error",
            "message": format!("Contact already exists. Existing ID: {id}"),
            "category": "OBJECT_ALREADY_EXISTS",
            "error": "CONTACT_EXISTS",
            "correlationId": "b6881283-0000-4000-8000-000000000000",
            "errors": [{"message": format!("A contact with email {email} already exists. Existing ID: {id}"), "in": "email"}]
        });
        return (StatusCode::CONFLICT, Json(body)).into_response();
    }
    let id = 900 + contacts.len() as u64;
    let properties: BTreeMap<String, Value> = properties.into_iter().collect();
    let answer = object(id, &properties);
    contacts.insert(id, properties);
    (StatusCode::CREATED, Json(answer)).into_response()
}

async fn update(
    State(f): State<Fake>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let path = format!("/crm/v3/objects/contacts/{id}");
    if let Some(r) = intercept(&f.0, "update", "PATCH", path, &headers, &body) {
        return r;
    }
    let mut contacts = f.0.contacts.lock().unwrap();
    let Some(contact) = id.parse().ok().and_then(|id: u64| contacts.get_mut(&id)) else {
        return error(404, "OBJECT_NOT_FOUND", "resource not found");
    };
    let Ok(Value::Object(properties)) =
        serde_json::from_str::<Value>(&body).map(|b| b["properties"].clone())
    else {
        return error(400, "VALIDATION_ERROR", "Invalid input JSON");
    };
    if properties.get("hs_lead_status") == Some(&json!("BOGUS")) {
        return error(
            400,
            "VALIDATION_ERROR",
            "Property values were not valid: BOGUS was not one of the allowed options for hs_lead_status",
        );
    }
    contact.extend(properties);
    let answer = object(id.parse().unwrap(), contact);
    Json(answer).into_response()
}

/// The v4 default association: both records must exist; making it twice is no error.
async fn associate(
    State(f): State<Fake>,
    Path((id, company)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/crm/v4/objects/contacts/{id}/associations/default/companies/{company}");
    if let Some(r) = intercept(&f.0, "associate", "PUT", path, &headers, "") {
        return r;
    }
    let (Ok(id), Ok(company)) = (id.parse::<u64>(), company.parse::<u64>()) else {
        return error(400, "VALIDATION_ERROR", "ids must be numbers");
    };
    if !f.0.contacts.lock().unwrap().contains_key(&id)
        || !f.0.companies.lock().unwrap().contains(&company)
    {
        return error(404, "OBJECT_NOT_FOUND", "resource not found");
    }
    let mut made = f.0.associations.lock().unwrap();
    if !made.contains(&(id, company)) {
        made.push((id, company));
    }
    Json(json!({"status": "COMPLETE", "results": [{"from": {"id": id.to_string()}, "to": {"id": company.to_string()},
        "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}}],
        "startedAt": "2026-06-01T10:00:00Z", "completedAt": "2026-06-01T10:00:00Z"}))
    .into_response()
}

fn config(base: &str, extra: &str) -> String {
    format!(
        "channels:\n  hubspot: {{ type: hubspot, token: {TOKEN}, api_url: '{base}'{extra} }}\nalways: [hubspot]\n"
    )
}

const EMAIL: &str = "ada@analytical.example";

#[tokio::test]
async fn an_existing_contact_gets_the_owner() {
    let (fake, base) = Fake::start().await;
    let id = fake.contact(EMAIL, Some("999"));
    let store = store();
    let a = routed(&store, lead("L-hs-found", EMAIL)).await;
    assert_eq!(a.rep, "ana");
    let n = notifier(
        store,
        &config(&base, ", lead_status: NEW, lifecycle_stage: lead"),
    )
    .await;
    let done = n.notify(&message(&a)).await.unwrap();
    assert_eq!(
        done,
        Notified::Delivered {
            sent: vec!["hubspot".into()],
            already: vec![]
        }
    );
    assert_eq!(fake.journal().endpoints(), ["search", "update"]);
    let search = &fake.journal().calls("search")[0];
    assert_eq!(
        search.header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_eq!(
        search.json()["filterGroups"][0]["filters"][0]["value"],
        EMAIL
    );
    assert_eq!(
        fake.journal().calls("update")[0].path,
        format!("/crm/v3/objects/contacts/{id}")
    );
    assert_eq!(fake.property(id, "hubspot_owner_id"), Some(json!("111")));
    assert_eq!(fake.property(id, "hs_lead_status"), Some(json!("NEW")));
    assert_eq!(fake.property(id, "lifecyclestage"), Some(json!("lead")));
    // Nothing else of the contact is overwritten.
    assert_eq!(fake.ids(), [id]);
    // The contact is linked to the lead, for HubSpot's touch webhooks.
    assert_eq!(
        linked(n.store(), "hubspot", &id.to_string())
            .await
            .as_deref(),
        Some("L-hs-found")
    );
}

#[tokio::test]
async fn a_missing_contact_is_created_with_the_mapped_properties_and_the_owner() {
    let (fake, base) = Fake::start().await;
    let store = store();
    let a = routed(&store, lead("L-hs-new", EMAIL)).await;
    let mapping = ", properties: { email: email, firstname: first_name, lastname: last_name, company: company, switchboard_id: lead_id }";
    let n = notifier(store, &config(&base, mapping)).await;
    n.notify(&message(&a)).await.unwrap();
    assert_eq!(fake.journal().endpoints(), ["search", "create"]);
    let body = fake.journal().calls("create")[0].json();
    assert_eq!(
        body["properties"],
        json!({"email": EMAIL, "firstname": "Ada", "lastname": "Lovelace", "company": "Analytical Engines",
               "switchboard_id": "L-hs-new", "hubspot_owner_id": "111"})
    );
    let id = fake.ids()[0];
    assert_eq!(fake.property(id, "hubspot_owner_id"), Some(json!("111")));
    assert_eq!(
        linked(n.store(), "hubspot", &id.to_string())
            .await
            .as_deref(),
        Some("L-hs-new")
    );
}

#[tokio::test]
async fn the_default_mapping_sends_country_and_phone() {
    let (fake, base) = Fake::start().await;
    let store = store();
    let a = routed(&store, lead("L-hs-default", EMAIL)).await;
    let n = notifier(store, &config(&base, "")).await;
    n.notify(&message(&a)).await.unwrap();
    let p = &fake.journal().calls("create")[0].json()["properties"];
    assert_eq!(p["country"], "GB");
    assert_eq!(p["phone"], "+441234567890");
    assert_eq!(p["firstname"], "Ada");
}

#[tokio::test]
async fn the_same_assignment_twice_writes_once_and_a_reassignment_moves_the_owner() {
    let (fake, base) = Fake::start().await;
    let id = fake.contact(EMAIL, None);
    let store = store();
    let a = routed(&store, lead("L-hs-twice", EMAIL)).await;
    let n = notifier(store.clone(), &config(&base, "")).await;
    n.notify(&message(&a)).await.unwrap();
    let again = n.notify(&message(&a)).await.unwrap();
    assert_eq!(
        again,
        Notified::Delivered {
            sent: vec![],
            already: vec!["hubspot".into()]
        }
    );
    assert_eq!(fake.journal().calls("update").len(), 1);
    assert_eq!(fake.property(id, "hubspot_owner_id"), Some(json!("111")));

    let b = reassigned(&store, &a).await;
    assert_eq!(b.rep, "bo");
    n.notify(&message(&b)).await.unwrap();
    assert_eq!(fake.journal().calls("update").len(), 2);
    assert_eq!(fake.property(id, "hubspot_owner_id"), Some(json!("222")));
    // A late retry of the first assignment's message writes nothing.
    let late = n.notify(&message(&a)).await.unwrap();
    assert!(matches!(late, Notified::Stale(_)), "{late:?}");
    assert_eq!(fake.journal().calls("update").len(), 2);
}

#[tokio::test]
async fn only_assignments_are_written_and_an_accepted_lead_still_is() {
    let (fake, base) = Fake::start().await;
    let id = fake.contact(EMAIL, None);
    let store = store();
    let a = routed(&store, lead("L-hs-kinds", EMAIL)).await;
    let n = notifier(store.clone(), &config(&base, "")).await;
    // A warning is not an assignment: the connector does not take it (the log does).
    let warning = switchboard_store::NotifyMessage::sla_warning(&a);
    let done = n.notify(&warning).await.unwrap();
    assert_eq!(
        done,
        Notified::Delivered {
            sent: vec!["_log".into()],
            already: vec![]
        }
    );
    assert!(fake.journal().endpoints().is_empty());
    // The rep accepted before the CRM took the write: it is still written.
    store.accept(&a.lead_id, &a.rep, monday()).await.unwrap();
    n.notify(&message(&a)).await.unwrap();
    assert_eq!(fake.property(id, "hubspot_owner_id"), Some(json!("111")));
}

#[tokio::test]
async fn a_conflict_on_create_continues_with_the_existing_contact() {
    let (fake, base) = Fake::start().await;
    let id = fake.contact(EMAIL, None);
    fake.0.unindexed.lock().unwrap().push(id);
    let store = store();
    let a = routed(&store, lead("L-hs-409", EMAIL)).await;
    let n = notifier(store, &config(&base, "")).await;
    n.notify(&message(&a)).await.unwrap();
    assert_eq!(fake.journal().endpoints(), ["search", "create", "update"]);
    assert_eq!(fake.property(id, "hubspot_owner_id"), Some(json!("111")));
    assert_eq!(fake.ids(), [id]);
}

#[tokio::test]
async fn a_rep_without_a_hubspot_id_is_a_stated_permanent_skip() {
    let (fake, base) = Fake::start().await;
    let store = store();
    let mut l = lead("L-hs-cy", EMAIL);
    l.company = Some("Unmapped".into());
    let a = routed(&store, l).await;
    assert_eq!(a.rep, "cy");
    let n = notifier(store, &config(&base, "")).await;
    let (error, permanent) = failure(n.notify(&message(&a)).await);
    assert!(permanent);
    assert!(
        error.contains("skipped: rep `cy` has no crm.hubspot_owner_id in policy version 1"),
        "{error}"
    );
    assert!(fake.journal().endpoints().is_empty());
    // The start-up check names the rep too.
    let gaps = n.crm_gaps().await.unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(
        gaps[0].contains("rep `cy` has no crm.hubspot_owner_id"),
        "{gaps:?}"
    );
}

/// The failure the one forced answer on `endpoint` makes, after a clean first attempt
/// would have searched (and found) the contact.
async fn failing(endpoint: &'static str, answer: Forced) -> (String, bool, Fake) {
    failing_with(true, endpoint, answer).await
}

async fn failing_with(
    existing: bool,
    endpoint: &'static str,
    answer: Forced,
) -> (String, bool, Fake) {
    let (fake, base) = Fake::start().await;
    if existing {
        fake.contact(EMAIL, None);
    }
    fake.journal().force(endpoint, answer);
    let store = store();
    let a = routed(&store, lead("L-hs-fail", EMAIL)).await;
    let n = notifier(store, &config(&base, "")).await;
    let (error, permanent) = failure(n.notify(&message(&a)).await);
    // Nothing recorded: the retry sends again.
    let retry = n.notify(&message(&a)).await.unwrap();
    assert_eq!(
        retry,
        Notified::Delivered {
            sent: vec!["hubspot".into()],
            already: vec![]
        }
    );
    (error, permanent, fake)
}

#[tokio::test]
async fn refused_tokens_and_missing_scopes_are_configuration_errors() {
    let body = r#"{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}"#;
    let (error, permanent, _) = failing("search", Forced::new(401, body)).await;
    assert!(permanent);
    assert!(
        error.contains(
            "misconfigured: HubSpot refused the private app token (401 INVALID_AUTHENTICATION"
        ),
        "{error}"
    );
    let body = r#"{"status":"error","message":"This app hasn't been granted all required scopes","category":"MISSING_SCOPES"}"#;
    let (error, permanent, _) = failing("update", Forced::new(403, body)).await;
    assert!(permanent);
    assert!(error.contains("403 MISSING_SCOPES"), "{error}");
    assert!(error.contains("crm.objects.contacts.write"), "{error}");
}

#[tokio::test]
async fn rate_limits_are_transient_and_say_when_to_retry() {
    let body = r#"{"status":"error","message":"You have reached your secondly limit.","category":"RATE_LIMITS"}"#;
    let (error, permanent, fake) = failing(
        "search",
        Forced::new(429, body).with_header("retry-after", "10"),
    )
    .await;
    assert!(!permanent);
    assert!(
        error.contains("rate limited (retry after 10 s): HubSpot: RATE_LIMITS"),
        "{error}"
    );
    // The limit stops this attempt: no further call after the 429.
    assert_eq!(fake.journal().endpoints()[..2], ["search", "search"]);
}

#[tokio::test]
async fn server_errors_and_malformed_answers_are_transient() {
    let (error, permanent, _) =
        failing("update", Forced::new(502, "<html>Bad gateway</html>")).await;
    assert!(!permanent);
    assert!(error.contains("answered 502"), "{error}");
    let (error, permanent, _) = failing("search", Forced::new(200, r#"{"results": "soon"}"#)).await;
    assert!(!permanent);
    assert!(error.contains("not the documented shape"), "{error}");
}

#[tokio::test]
async fn a_contact_gone_since_the_search_is_searched_again() {
    let body = r#"{"status":"error","message":"resource not found","category":"OBJECT_NOT_FOUND"}"#;
    let (error, permanent, _) = failing("update", Forced::new(404, body)).await;
    assert!(!permanent);
    assert!(
        error.contains("the contact is gone since the search"),
        "{error}"
    );
}

#[tokio::test]
async fn validation_errors_are_permanent_with_hubspots_text() {
    let (fake, base) = Fake::start().await;
    fake.contact(EMAIL, None);
    let store = store();
    let a = routed(&store, lead("L-hs-invalid", EMAIL)).await;
    let n = notifier(store, &config(&base, ", lead_status: BOGUS")).await;
    let (error, permanent) = failure(n.notify(&message(&a)).await);
    assert!(permanent);
    assert!(
        error.contains("answered 400: VALIDATION_ERROR: Property values were not valid"),
        "{error}"
    );
}

#[tokio::test]
async fn a_conflict_without_an_existing_id_is_a_refusal() {
    let body = r#"{"status":"error","message":"conflict","category":"CONFLICT"}"#;
    let (error, permanent, _) = failing_with(false, "create", Forced::new(409, body)).await;
    assert!(permanent);
    assert!(
        error.contains("answered 409: CONFLICT: conflict"),
        "{error}"
    );
}

#[tokio::test]
async fn error_texts_do_not_carry_the_leads_details_into_the_log() {
    let body = format!(
        r#"{{"status":"error","message":"Property values were not valid: {EMAIL} (Ada Lovelace, +441234567890) is blocked","category":"VALIDATION_ERROR"}}"#
    );
    let (error, permanent, _) = failing("update", Forced::new(400, &body)).await;
    assert!(permanent);
    assert!(
        error.contains("Property values were not valid: [redacted] ([redacted] [redacted], [redacted]) is blocked"),
        "{error}"
    );
}

#[tokio::test]
async fn a_closed_lead_is_still_written_and_a_released_one_is_not() {
    let (fake, base) = Fake::start().await;
    let id = fake.contact(EMAIL, None);
    let store = store();
    let n = notifier(store.clone(), &config(&base, "")).await;
    let closed = routed(&store, lead("L-hs-closed", EMAIL)).await;
    store
        .release(
            &closed.lead_id,
            switchboard_store::ReleaseOutcome::Closed,
            monday(),
        )
        .await
        .unwrap();
    let done = n.notify(&message(&closed)).await.unwrap();
    assert_eq!(
        done,
        Notified::Delivered {
            sent: vec!["hubspot".into()],
            already: vec![]
        }
    );
    assert_eq!(fake.property(id, "hubspot_owner_id"), Some(json!("111")));

    let released = routed(&store, lead("L-hs-released", "other@analytical.example")).await;
    store
        .release(
            &released.lead_id,
            switchboard_store::ReleaseOutcome::Released,
            monday(),
        )
        .await
        .unwrap();
    let done = n.notify(&message(&released)).await.unwrap();
    assert!(
        matches!(done, Notified::Stale(ref why) if why.contains("released")),
        "{done:?}"
    );
    assert_eq!(fake.journal().calls("search").len(), 1);
}

/// The lead's email domain is the account the sync read from HubSpot's company 4711.
async fn matched_to_company(
    store: &switchboard_store::embedded::EmbeddedStore,
    lead_id: &str,
) -> switchboard_store::Assignment {
    use switchboard_store::AccountDirectory;
    let account = switchboard_routing::Account {
        id: "hubspot:4711".into(),
        name: "Analytical Engines".into(),
        domains: vec!["analytical.example".into()],
        owner: None,
        attributes: Default::default(),
    };
    store.import(&[account]).await.unwrap();
    routed(store, lead(lead_id, EMAIL)).await
}

#[tokio::test]
async fn a_contact_is_associated_with_the_company_of_its_synced_account() {
    let (fake, base) = Fake::start().await;
    fake.0.companies.lock().unwrap().push(4711);
    let store = store();
    let a = matched_to_company(&store, "L-hs-company").await;
    let n = notifier(store, &config(&base, "")).await;
    n.notify(&message(&a)).await.unwrap();
    assert_eq!(
        fake.journal().endpoints(),
        ["search", "create", "associate"]
    );
    let id = fake.ids()[0];
    assert_eq!(*fake.0.associations.lock().unwrap(), [(id, 4711)]);
    // An existing contact (the next assignment) is associated again, which changes nothing.
    let next = reassigned(n.store(), &a).await;
    n.notify(&message(&next)).await.unwrap();
    assert_eq!(
        fake.journal().endpoints(),
        [
            "search",
            "create",
            "associate",
            "search",
            "update",
            "associate"
        ]
    );
    assert_eq!(fake.0.associations.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_company_gone_since_the_sync_leaves_the_owner_written() {
    let (fake, base) = Fake::start().await;
    let store = store();
    let a = matched_to_company(&store, "L-hs-gone").await;
    let n = notifier(store, &config(&base, "")).await;
    n.notify(&message(&a)).await.unwrap();
    assert_eq!(
        fake.journal().endpoints(),
        ["search", "create", "associate"]
    );
    assert!(fake.0.associations.lock().unwrap().is_empty());
    assert_eq!(
        fake.property(fake.ids()[0], "hubspot_owner_id"),
        Some(json!("111"))
    );
}

#[tokio::test]
async fn a_refused_association_fails_the_write_as_hubspot_says() {
    let (fake, base) = Fake::start().await;
    fake.0.companies.lock().unwrap().push(4711);
    fake.journal().force(
        "associate",
        Forced::new(403, r#"{"status":"error","message":"This app hasn't been granted all required scopes to make this call.","category":"MISSING_SCOPES"}"#),
    );
    fake.journal().force(
        "associate",
        Forced::new(429, r#"{"status":"error","message":"You have reached your secondly limit.","category":"RATE_LIMITS"}"#),
    );
    let store = store();
    let a = matched_to_company(&store, "L-hs-scope").await;
    let n = notifier(store, &config(&base, "")).await;
    let (text, permanent) = failure(n.notify(&message(&a)).await);
    assert!(permanent, "{text}");
    assert!(text.contains("crm.objects.companies.read"), "{text}");
    let (text, permanent) = failure(n.notify(&message(&a)).await);
    assert!(!permanent, "{text}");
    // The third try goes through: the contact found again, the association made.
    n.notify(&message(&a)).await.unwrap();
    assert_eq!(fake.0.associations.lock().unwrap().len(), 1);
}
