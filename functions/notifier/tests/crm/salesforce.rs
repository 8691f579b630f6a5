//! The Salesforce connector against a fake org: the OAuth 2.0 token endpoint (client
//! credentials), SOQL queries, Lead creation and owner updates.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use jiff::SignedDuration;
use serde_json::{Map, Value, json};
use switchboard_notifier::Notified;

use crate::common::*;

const CLIENT_ID: &str = "3MVG9-test-consumer-key";
const CLIENT_SECRET: &str = "test-consumer-secret";
const V: &str = "/services/data/v62.0";
const ANA: &str = "005000000000001AAA";
const BO: &str = "005000000000002AAA";

#[derive(Default)]
struct Org {
    journal: Journal,
    base: Mutex<String>,
    /// Records by object (`Lead`, `Contact`) and id.
    records: Mutex<BTreeMap<(String, String), Map<String, Value>>>,
    /// Tokens the API takes.
    valid: Mutex<Vec<String>>,
    issued: Mutex<u32>,
    /// Every API call is refused, new tokens too (a run-as user without API access).
    refuse_all: Mutex<bool>,
}

#[derive(Clone)]
struct Fake(Arc<Org>);

impl Fake {
    async fn start() -> (Fake, String) {
        let fake = Fake(Arc::new(Org::default()));
        let app = axum::Router::new()
            .route("/services/oauth2/token", post(token))
            .route(&format!("{V}/query"), get(query))
            .route(&format!("{V}/sobjects/Lead"), post(create))
            .route(&format!("{V}/sobjects/{{object}}/{{id}}"), patch(update))
            .with_state(fake.clone());
        let base = format!("http://{}", serve(app).await);
        *fake.0.base.lock().unwrap() = base.clone();
        (fake, base)
    }

    fn record(&self, object: &str, email: &str) -> String {
        let mut records = self.0.records.lock().unwrap();
        let prefix = if object == "Lead" { "00Q" } else { "003" };
        let id = format!("{prefix}{:015}", records.len() + 1);
        let mut fields = Map::new();
        fields.insert("Email".into(), json!(email));
        fields.insert("IsConverted".into(), json!(false));
        records.insert((object.into(), id.clone()), fields);
        id
    }

    fn field(&self, object: &str, id: &str, name: &str) -> Option<Value> {
        self.0.records.lock().unwrap()[&(object.to_owned(), id.to_owned())]
            .get(name)
            .cloned()
    }

    fn only(&self, object: &str) -> (String, Map<String, Value>) {
        let records = self.0.records.lock().unwrap();
        let mut of: Vec<_> = records.iter().filter(|((o, _), _)| o == object).collect();
        assert_eq!(of.len(), 1, "{records:?}");
        let ((_, id), fields) = of.pop().unwrap();
        (id.clone(), fields.clone())
    }

    fn journal(&self) -> &Journal {
        &self.0.journal
    }

    fn tokens_issued(&self) -> u32 {
        *self.0.issued.lock().unwrap()
    }

    fn revoke_tokens(&self) {
        self.0.valid.lock().unwrap().clear();
    }
}

fn errors(status: u16, code: &str, message: &str, fields: &[&str]) -> Response {
    let body = json!([{"message": message, "errorCode": code, "fields": fields}]);
    (StatusCode::from_u16(status).unwrap(), Json(body)).into_response()
}

fn log(
    org: &Org,
    endpoint: &'static str,
    method: &str,
    path: String,
    query: Option<String>,
    headers: &HeaderMap,
    body: &str,
) {
    org.journal.log(
        endpoint,
        Request {
            method: method.into(),
            path,
            query,
            headers: headers.clone(),
            body: body.into(),
        },
    );
}

/// A forced answer or a refused session, if due.
fn intercept(org: &Org, endpoint: &'static str, headers: &HeaderMap) -> Option<Response> {
    if let Some(f) = org.journal.forced(endpoint) {
        return Some(f.into_response());
    }
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let valid = token.is_some_and(|t| org.valid.lock().unwrap().iter().any(|v| v == t));
    if !valid || *org.refuse_all.lock().unwrap() {
        return Some(errors(
            401,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
            &[],
        ));
    }
    None
}

async fn token(State(f): State<Fake>, headers: HeaderMap, body: String) -> Response {
    log(
        &f.0,
        "token",
        "POST",
        "/services/oauth2/token".into(),
        None,
        &headers,
        &body,
    );
    if let Some(forced) = f.0.journal.forced("token") {
        return forced.into_response();
    }
    let form: HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        let body = json!({"error": "unsupported_grant_type", "error_description": "grant type not supported"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || form.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        let body =
            json!({"error": "invalid_client", "error_description": "invalid client credentials"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let n = {
        let mut issued = f.0.issued.lock().unwrap();
        *issued += 1;
        *issued
    };
    let access = format!("00D000000000001!token-{n}");
    f.0.valid.lock().unwrap().push(access.clone());
    let base = f.0.base.lock().unwrap().clone();
    // Issued now by the test's clock (the requests carry no time, so the test sets it).
    let issued_at = ISSUED_AT.with(|t| *t.lock().unwrap());
    Json(json!({
        "access_token": access,
        "signature": "c2lnbmF0dXJl",
        "scope": "api",
        "instance_url": base,
        "id": format!("{base}/id/00D000000000001AAA/005000000000009AAA"),
        "token_type": "Bearer",
        "issued_at": issued_at.to_string(),
    }))
    .into_response()
}

thread_local! {
    static ISSUED_AT: Mutex<i64> = Mutex::new(monday().as_millisecond());
}

/// Moves both clocks: the notifier's and the one the fake org issues tokens at.
fn at(by: SignedDuration) {
    set_clock(by);
    ISSUED_AT.with(|t| *t.lock().unwrap() = monday().checked_add(by).unwrap().as_millisecond());
}

/// `SELECT Id FROM <object> WHERE Email = '<literal>'<rest>` with the literal unescaped;
/// `None` for anything else, or a literal ended early by an unescaped quote.
fn parse_soql(q: &str) -> Option<(String, String, String)> {
    let rest = q.strip_prefix("SELECT Id FROM ")?;
    let (object, rest) = rest.split_once(' ')?;
    let mut chars = rest.strip_prefix("WHERE Email = '")?.chars();
    let mut literal = String::new();
    loop {
        match chars.next()? {
            '\\' => literal.push(match chars.next()? {
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'b' => '\u{8}',
                'f' => '\u{c}',
                c @ ('\\' | '\'' | '"') => c,
                _ => return None,
            }),
            '\'' => break,
            c => literal.push(c),
        }
    }
    Some((object.to_owned(), literal, chars.collect()))
}

async fn query(State(f): State<Fake>, uri: Uri, headers: HeaderMap) -> Response {
    let params: HashMap<String, String> =
        form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let q = params.get("q").cloned().unwrap_or_default();
    log(
        &f.0,
        "query",
        "GET",
        format!("{V}/query"),
        Some(q.clone()),
        &headers,
        "",
    );
    if let Some(r) = intercept(&f.0, "query", &headers) {
        return r;
    }
    let Some((object, email, rest)) = parse_soql(&q) else {
        return errors(
            400,
            "MALFORMED_QUERY",
            &format!("unexpected token in: {q}"),
            &[],
        );
    };
    let open_only = match (object.as_str(), rest.as_str()) {
        ("Lead", " AND IsConverted = false ORDER BY CreatedDate DESC LIMIT 1") => true,
        ("Contact", " ORDER BY CreatedDate DESC LIMIT 1") => false,
        _ => {
            return errors(
                400,
                "MALFORMED_QUERY",
                &format!("unexpected query: {q}"),
                &[],
            );
        }
    };
    let records = f.0.records.lock().unwrap();
    let found: Vec<Value> = records
        .iter()
        .filter(|((o, _), r)| *o == object && r.get("Email") == Some(&json!(email)))
        .filter(|(_, r)| !open_only || r.get("IsConverted") == Some(&json!(false)))
        .map(|((o, id), _)| json!({"attributes": {"type": o, "url": format!("{V}/sobjects/{o}/{id}")}, "Id": id}))
        .take(1)
        .collect();
    Json(json!({"totalSize": found.len(), "done": true, "records": found})).into_response()
}

async fn create(State(f): State<Fake>, headers: HeaderMap, body: String) -> Response {
    log(
        &f.0,
        "create",
        "POST",
        format!("{V}/sobjects/Lead"),
        None,
        &headers,
        &body,
    );
    if let Some(r) = intercept(&f.0, "create", &headers) {
        return r;
    }
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(&body) else {
        return errors(400, "JSON_PARSER_ERROR", "Unexpected character", &[]);
    };
    let missing: Vec<&str> = ["LastName", "Company"]
        .into_iter()
        .filter(|f| {
            fields
                .get(*f)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        })
        .collect();
    if !missing.is_empty() {
        let message = format!("Required fields are missing: [{}]", missing.join(", "));
        return errors(400, "REQUIRED_FIELD_MISSING", &message, &missing);
    }
    if fields.get("Company") == Some(&json!("Blocked Inc")) {
        return errors(
            400,
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "Company may not be Blocked Inc",
            &[],
        );
    }
    let mut records = f.0.records.lock().unwrap();
    let id = format!("00Q{:015}", records.len() + 1);
    let mut fields = fields;
    fields.insert("IsConverted".into(), json!(false));
    records.insert(("Lead".into(), id.clone()), fields);
    (
        StatusCode::CREATED,
        Json(json!({"id": id, "success": true, "errors": []})),
    )
        .into_response()
}

async fn update(
    State(f): State<Fake>,
    Path((object, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: String,
) -> Response {
    log(
        &f.0,
        "update",
        "PATCH",
        format!("{V}/sobjects/{object}/{id}"),
        None,
        &headers,
        &body,
    );
    if let Some(r) = intercept(&f.0, "update", &headers) {
        return r;
    }
    let mut records = f.0.records.lock().unwrap();
    let Some(record) = records.get_mut(&(object, id)) else {
        return errors(
            404,
            "NOT_FOUND",
            "The requested resource does not exist",
            &[],
        );
    };
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(&body) else {
        return errors(400, "JSON_PARSER_ERROR", "Unexpected character", &[]);
    };
    record.extend(fields);
    StatusCode::NO_CONTENT.into_response()
}

fn config(base: &str, extra: &str) -> String {
    format!(
        "channels:\n  sf: {{ type: salesforce, my_domain: '{base}', client_id: {CLIENT_ID}, client_secret: {CLIENT_SECRET}, session_minutes: 60{extra} }}\nalways: [sf]\n"
    )
}

const EMAIL: &str = "ada@analytical.example";

#[tokio::test]
async fn an_open_lead_gets_the_owner_without_assignment_rules() {
    let (fake, base) = Fake::start().await;
    let id = fake.record("Lead", EMAIL);
    fake.record("Contact", EMAIL);
    let store = store();
    let a = routed(&store, lead("L-sf-lead", EMAIL)).await;
    let n = notifier(store, &config(&base, "")).await;
    let done = n.notify(&message(&a)).await.unwrap();
    assert_eq!(
        done,
        Notified::Delivered {
            sent: vec!["sf".into()],
            already: vec![]
        }
    );
    assert_eq!(fake.journal().endpoints(), ["token", "query", "update"]);
    let q = fake.journal().calls("query")[0].query.clone().unwrap();
    assert_eq!(
        q,
        format!(
            "SELECT Id FROM Lead WHERE Email = '{EMAIL}' AND IsConverted = false ORDER BY CreatedDate DESC LIMIT 1"
        )
    );
    let update = &fake.journal().calls("update")[0];
    assert_eq!(update.method, "PATCH");
    assert_eq!(update.path, format!("{V}/sobjects/Lead/{id}"));
    assert_eq!(update.json(), json!({"OwnerId": ANA}));
    assert_eq!(update.header("sforce-auto-assign"), Some("FALSE"));
    assert_eq!(
        update.header("authorization"),
        Some("Bearer 00D000000000001!token-1")
    );
    assert_eq!(fake.field("Lead", &id, "OwnerId"), Some(json!(ANA)));
    let form = fake.journal().calls("token")[0].body.clone();
    assert!(form.contains("grant_type=client_credentials"), "{form}");
}

#[tokio::test]
async fn a_contact_gets_the_owner_when_there_is_no_open_lead() {
    let (fake, base) = Fake::start().await;
    let id = fake.record("Contact", EMAIL);
    let store = store();
    let a = routed(&store, lead("L-sf-contact", EMAIL)).await;
    let n = notifier(store, &config(&base, "")).await;
    n.notify(&message(&a)).await.unwrap();
    assert_eq!(
        fake.journal().endpoints(),
        ["token", "query", "query", "update"]
    );
    assert_eq!(
        fake.journal().calls("update")[0].path,
        format!("{V}/sobjects/Contact/{id}")
    );
    assert_eq!(fake.field("Contact", &id, "OwnerId"), Some(json!(ANA)));
    assert_eq!(
        linked(n.store(), "salesforce", &id).await.as_deref(),
        Some("L-sf-contact")
    );
}

#[tokio::test]
async fn a_new_lead_is_created_with_the_mapped_fields_and_the_owner() {
    let (fake, base) = Fake::start().await;
    let store = store();
    let a = routed(&store, lead("L-sf-new", EMAIL)).await;
    let n = notifier(store, &config(&base, ", fields: { Email: email, LastName: last_name, Company: company, Phone: phone, Switchboard_Id__c: lead_id, LeadSource: 'value:Web', RecordTypeId: 'value:012000000000001AAA' }")).await;
    n.notify(&message(&a)).await.unwrap();
    assert_eq!(
        fake.journal().endpoints(),
        ["token", "query", "query", "create"]
    );
    let create = &fake.journal().calls("create")[0];
    assert_eq!(create.header("sforce-auto-assign"), Some("FALSE"));
    assert_eq!(
        create.json(),
        json!({"Email": EMAIL, "LastName": "Lovelace", "Company": "Analytical Engines", "Phone": "+441234567890",
               "Switchboard_Id__c": "L-sf-new", "LeadSource": "Web", "RecordTypeId": "012000000000001AAA", "OwnerId": ANA})
    );
    let (id, fields) = fake.only("Lead");
    assert_eq!(fields["OwnerId"], json!(ANA));
    assert_eq!(
        linked(n.store(), "salesforce", &id).await.as_deref(),
        Some("L-sf-new")
    );
}

#[tokio::test]
async fn a_lead_without_name_or_company_gets_the_documented_stand_ins() {
    let (fake, base) = Fake::start().await;
    let store = store();
    let mut l = lead("L-sf-bare", "grace@navy.example");
    l.first_name = None;
    l.last_name = None;
    l.company = None;
    let a = routed(&store, l).await;
    let n = notifier(store, &config(&base, "")).await;
    n.notify(&message(&a)).await.unwrap();
    let body = fake.journal().calls("create")[0].json();
    assert_eq!(body["LastName"], "grace");
    assert_eq!(body["Company"], "navy.example");
    assert_eq!(body["Country"], "GB");
    assert!(body.get("FirstName").is_none(), "{body}");
}

#[tokio::test]
async fn a_quote_in_the_email_stays_inside_the_soql_literal() {
    let (fake, base) = Fake::start().await;
    let email = "o'brien@analytical.example";
    let id = fake.record("Lead", email);
    // Another lead the quote would reach if it ended the literal.
    fake.record("Lead", "x@analytical.example");
    let store = store();
    let a = routed(&store, lead("L-sf-quote", email)).await;
    let n = notifier(store, &config(&base, "")).await;
    n.notify(&message(&a)).await.unwrap();
    let q = fake.journal().calls("query")[0].query.clone().unwrap();
    assert!(q.contains(r"Email = 'o\'brien@analytical.example'"), "{q}");
    assert_eq!(fake.field("Lead", &id, "OwnerId"), Some(json!(ANA)));
}

#[tokio::test]
async fn the_same_assignment_twice_writes_once_and_a_reassignment_moves_the_owner() {
    let (fake, base) = Fake::start().await;
    let id = fake.record("Lead", EMAIL);
    let store = store();
    let a = routed(&store, lead("L-sf-twice", EMAIL)).await;
    let n = notifier(store.clone(), &config(&base, "")).await;
    n.notify(&message(&a)).await.unwrap();
    n.notify(&message(&a)).await.unwrap();
    assert_eq!(fake.journal().calls("update").len(), 1);
    let b = reassigned(&store, &a).await;
    n.notify(&message(&b)).await.unwrap();
    assert_eq!(fake.journal().calls("update").len(), 2);
    assert_eq!(fake.field("Lead", &id, "OwnerId"), Some(json!(BO)));
    // One token for all of it.
    assert_eq!(fake.tokens_issued(), 1);
}

#[tokio::test]
async fn the_token_is_kept_until_shortly_before_the_session_ends() {
    let (fake, base) = Fake::start().await;
    fake.record("Lead", EMAIL);
    let store = store();
    let a = routed(&store, lead("L-sf-token-1", EMAIL)).await;
    let b = routed(&store, lead("L-sf-token-2", EMAIL)).await;
    let c = routed(&store, lead("L-sf-token-3", EMAIL)).await;
    let n = notifier(store.clone(), &config(&base, "")).await;
    at(SignedDuration::ZERO);
    n.notify(&message(&a)).await.unwrap();
    // 60-minute sessions: still good at 54 minutes...
    at(SignedDuration::from_mins(54));
    n.notify(&message(&b)).await.unwrap();
    assert_eq!(fake.tokens_issued(), 1);
    // ...replaced within the last five.
    at(SignedDuration::from_mins(56));
    n.notify(&message(&c)).await.unwrap();
    assert_eq!(fake.tokens_issued(), 2);
    let last = fake.journal().calls("update").pop().unwrap();
    assert_eq!(
        last.header("authorization"),
        Some("Bearer 00D000000000001!token-2")
    );
}

#[tokio::test]
async fn a_session_ended_early_is_renewed_once() {
    let (fake, base) = Fake::start().await;
    let id = fake.record("Lead", EMAIL);
    let store = store();
    let a = routed(&store, lead("L-sf-revoked-1", EMAIL)).await;
    let b = routed(&store, lead("L-sf-revoked-2", EMAIL)).await;
    let n = notifier(store, &config(&base, "")).await;
    n.notify(&message(&a)).await.unwrap();
    fake.revoke_tokens();
    n.notify(&message(&b)).await.unwrap();
    assert_eq!(fake.tokens_issued(), 2);
    assert_eq!(
        fake.journal().endpoints(),
        [
            "token", "query", "update", "query", "token", "query", "update"
        ]
    );
    // Round robin: the second lead is Bo's.
    assert_eq!(fake.field("Lead", &id, "OwnerId"), Some(json!(BO)));
}

#[tokio::test]
async fn a_401_with_a_new_token_is_a_configuration_error() {
    let (fake, base) = Fake::start().await;
    fake.record("Lead", EMAIL);
    let store = store();
    let a = routed(&store, lead("L-sf-401", EMAIL)).await;
    let b = routed(&store, lead("L-sf-401-b", EMAIL)).await;
    let n = notifier(store, &config(&base, "")).await;
    *fake.0.refuse_all.lock().unwrap() = true;
    // A first token refused at once.
    let (error, permanent) = failure(n.notify(&message(&a)).await);
    assert!(permanent);
    assert!(
        error.contains(
            "misconfigured: Salesforce refused a token it had just issued (401 INVALID_SESSION_ID"
        ),
        "{error}"
    );
    // A cached token refused, renewed, and the new one refused too.
    let (error, permanent) = failure(n.notify(&message(&b)).await);
    assert!(permanent);
    assert!(
        error.contains("refused a token it had just issued"),
        "{error}"
    );
    assert_eq!(fake.tokens_issued(), 2);
}

#[tokio::test]
async fn refused_client_credentials_are_a_configuration_error() {
    let (fake, base) = Fake::start().await;
    let store = store();
    let a = routed(&store, lead("L-sf-creds", EMAIL)).await;
    let yaml = config(&base, "").replace(CLIENT_SECRET, "wrong-secret");
    let n = notifier(store, &yaml).await;
    let (error, permanent) = failure(n.notify(&message(&a)).await);
    assert!(permanent);
    assert!(error.contains("Salesforce refused the client credentials (400 invalid_client: invalid client credentials)"), "{error}");
    assert_eq!(fake.journal().endpoints(), ["token"]);
}

/// The failure one forced answer on `endpoint` makes; the retry then succeeds.
async fn failing(existing: bool, endpoint: &'static str, answer: Forced) -> (String, bool) {
    let (fake, base) = Fake::start().await;
    if existing {
        fake.record("Lead", EMAIL);
    }
    fake.journal().force(endpoint, answer);
    let store = store();
    let a = routed(&store, lead("L-sf-fail", EMAIL)).await;
    let n = notifier(store, &config(&base, "")).await;
    let (error, permanent) = failure(n.notify(&message(&a)).await);
    let retry = n.notify(&message(&a)).await.unwrap();
    assert_eq!(
        retry,
        Notified::Delivered {
            sent: vec!["sf".into()],
            already: vec![]
        }
    );
    (error, permanent)
}

#[tokio::test]
async fn request_limits_and_server_errors_are_transient() {
    let limit =
        r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
    let (error, permanent) = failing(true, "query", Forced::new(403, limit)).await;
    assert!(!permanent);
    assert!(
        error.contains(
            "rate limited: Salesforce: REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded."
        ),
        "{error}"
    );
    let (error, permanent) = failing(true, "update", Forced::new(503, "Service Unavailable")).await;
    assert!(!permanent, "{error}");
    let (error, permanent) = failing(
        true,
        "token",
        Forced::new(429, "{}").with_header("retry-after", "30"),
    )
    .await;
    assert!(!permanent);
    assert!(error.contains("retry after 30 s"), "{error}");
    let lock = r#"[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW","fields":[]}]"#;
    let (_, permanent) = failing(true, "update", Forced::new(400, lock)).await;
    assert!(!permanent);
}

#[tokio::test]
async fn malformed_answers_are_transient() {
    let (error, permanent) = failing(true, "query", Forced::new(200, r#"{"done": true}"#)).await;
    assert!(!permanent);
    assert!(error.contains("not the documented shape"), "{error}");
    let (error, permanent) =
        failing(true, "token", Forced::new(200, "<html>maintenance</html>")).await;
    assert!(!permanent);
    assert!(error.contains("the token request"), "{error}");
    let (_, permanent) = failing(
        true,
        "query",
        Forced::new(
            200,
            r#"{"totalSize":1,"done":true,"records":[{"Id":"../../x"}]}"#,
        ),
    )
    .await;
    assert!(!permanent);
}

#[tokio::test]
async fn a_record_gone_since_the_query_is_queried_again() {
    let gone = r#"[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]"#;
    let (error, permanent) = failing(true, "update", Forced::new(404, gone)).await;
    assert!(!permanent);
    assert!(
        error.contains("the record is gone since the query"),
        "{error}"
    );
}

#[tokio::test]
async fn validation_errors_are_permanent_with_salesforces_text() {
    let (fake, base) = Fake::start().await;
    let store = store();
    let mut l = lead("L-sf-rule", EMAIL);
    l.company = Some("Blocked Inc".into());
    let a = routed(&store, l).await;
    let n = notifier(store, &config(&base, "")).await;
    let (error, permanent) = failure(n.notify(&message(&a)).await);
    assert!(permanent);
    assert!(
        error.contains(
            "answered 400: FIELD_CUSTOM_VALIDATION_EXCEPTION: Company may not be Blocked Inc"
        ),
        "{error}"
    );
    // A mapping that leaves out a required field the fallbacks do not cover.
    let missing = r#"[{"message":"Required fields are missing: [Industry]","errorCode":"REQUIRED_FIELD_MISSING","fields":["Industry"]}]"#;
    let (error, permanent) = failing(false, "create", Forced::new(400, missing)).await;
    assert!(permanent);
    assert!(
        error.contains(
            "REQUIRED_FIELD_MISSING: Required fields are missing: [Industry] (fields: Industry)"
        ),
        "{error}"
    );
    let invalid = r#"[{"message":"No such column 'Foo__c' on sobject of type Lead","errorCode":"INVALID_FIELD"}]"#;
    let (error, permanent) = failing(false, "create", Forced::new(400, invalid)).await;
    assert!(permanent);
    assert!(error.contains("INVALID_FIELD"), "{error}");
    let conflict = r#"[{"message":"conflict","errorCode":"CONFLICT"}]"#;
    let (_, permanent) = failing(true, "update", Forced::new(409, conflict)).await;
    assert!(permanent);
    drop(fake);
}

/// A record Salesforce refuses ends stored on the lead's delivery with Salesforce's
/// reason, where an admin sees it, without the lead's email or name that the rule's
/// message quotes; the write that succeeds after the fix leaves nothing to show.
#[tokio::test]
async fn a_validation_rule_error_is_stored_on_the_delivery_without_the_leads_data() {
    use switchboard_store::DeliveryLog;
    let (fake, base) = Fake::start().await;
    let store = store();
    let a = routed(&store, lead("L-sf-kept", EMAIL)).await;
    let n = notifier(store.clone(), &config(&base, "")).await;
    let m = message(&a);
    let rule = format!(
        r#"[{{"message":"Ada Lovelace ({EMAIL}) is on the do-not-contact list","errorCode":"FIELD_CUSTOM_VALIDATION_EXCEPTION","fields":["Email"]}}]"#
    );
    fake.journal().force("create", Forced::new(400, &rule));
    let (error, permanent) = failure(n.notify(&m).await);
    assert!(permanent, "{error}");

    let failures = store.delivery_failures("L-sf-kept").await.unwrap();
    assert_eq!(failures.len(), 1, "{failures:?}");
    let kept = &failures[0];
    assert_eq!(
        (
            kept.assignment_id.as_str(),
            kept.kind.as_str(),
            kept.channel.as_str()
        ),
        (m.assignment_id.as_str(), "assigned", "sf")
    );
    assert!(kept.permanent);
    assert_eq!(kept.failed_at, monday());
    assert_eq!(
        kept.error,
        "answered 400: FIELD_CUSTOM_VALIDATION_EXCEPTION: [redacted] [redacted] ([redacted]) \
         is on the do-not-contact list (fields: Email)"
    );
    assert!(
        store
            .delivered_channels("L-sf-kept", &m.assignment_id, "assigned")
            .await
            .unwrap()
            .is_empty()
    );

    // The rule is changed in Salesforce and the dead letter redriven.
    let retry = n.notify(&m).await.unwrap();
    assert_eq!(
        retry,
        Notified::Delivered {
            sent: vec!["sf".into()],
            already: vec![]
        }
    );
    assert!(
        store
            .delivery_failures("L-sf-kept")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_forbidden_call_is_a_configuration_error() {
    let denied = r#"[{"message":"The REST API is not enabled for this Organization.","errorCode":"API_DISABLED_FOR_ORG"}]"#;
    let (error, permanent) = failing(true, "query", Forced::new(403, denied)).await;
    assert!(permanent);
    assert!(
        error.contains("misconfigured: Salesforce refused the query (403 API_DISABLED_FOR_ORG"),
        "{error}"
    );
}

#[tokio::test]
async fn a_rep_without_a_salesforce_id_is_a_stated_permanent_skip() {
    let (fake, base) = Fake::start().await;
    let store = store();
    let mut l = lead("L-sf-cy", EMAIL);
    l.company = Some("Unmapped".into());
    let a = routed(&store, l).await;
    let n = notifier(store, &config(&base, "")).await;
    let (error, permanent) = failure(n.notify(&message(&a)).await);
    assert!(permanent);
    assert!(
        error.contains("skipped: rep `cy` has no crm.salesforce_user_id"),
        "{error}"
    );
    assert!(fake.journal().endpoints().is_empty());
}

/// The user listing (`switchboard crm sync reps`) pages as the other queries do: only a
/// query locator of this API is followed with the token, and a page must say whether the
/// query is done.
#[tokio::test]
async fn the_user_listing_follows_only_query_locators_and_needs_done() {
    let http = switchboard_notifier::http::HttpClient::new().unwrap();
    for (page, expected) in [
        (
            r#"{"totalSize": 2, "done": false, "records": [], "nextRecordsUrl": "https://elsewhere.example/services/data/v62.0/query/01g-2000"}"#,
            "not a query locator of this API",
        ),
        (
            r#"{"totalSize": 2, "done": false, "records": [], "nextRecordsUrl": "/services/data/v62.0/query/../sobjects/User"}"#,
            "not a query locator",
        ),
        (
            r#"{"totalSize": 2, "done": false, "records": []}"#,
            "no nextRecordsUrl",
        ),
        (
            r#"{"totalSize": 2, "records": [], "nextRecordsUrl": "/services/data/v62.0/query/01g-2000"}"#,
            "not the documented shape",
        ),
    ] {
        let (fake, base) = Fake::start().await;
        fake.journal().force("query", Forced::new(200, page));
        let sf = salesforce_as(base, CLIENT_ID, CLIENT_SECRET);
        let err = sf.people(&http, jiff::Timestamp::now()).await.unwrap_err();
        assert!(err.to_string().contains(expected), "{page}: {err}");
        assert_eq!(fake.journal().calls("query").len(), 1, "{page}");
    }
}
