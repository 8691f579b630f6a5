//! The CRM touch webhooks through the HTTP router, on any store: the same checks run on
//! the embedded store (`tests/it`) and on DynamoDB against moto (`tests/moto.rs`).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use jiff::{SignedDuration, Timestamp};
use switchboard_intake::actions::StoreDesk;
use switchboard_intake::signature::{encode_base64, hmac_sha256};
use switchboard_intake::touches::salesforce::ACK;
use switchboard_intake::{FixedClock, IntakeConfig, IntakeState, router};
use switchboard_routing::Lead;
use switchboard_store::embedded::{MemoryEvents, MemoryQueue, QueueConfig};
use switchboard_store::{
    AccountDirectory, Assignment, AssignmentStatus, AuditLog, CloseOutcome, CrmLinks, LeadStatus,
    LeadStore, NewLead, OutcomeStore, PolicyStore, ReleaseOutcome, Routed, RoutingState,
};
use tower::ServiceExt;

pub const HUBSPOT_SECRET: &str = "hs-app-client-secret";
pub const HUBSPOT_URL: &str = "https://leads.example.com/v1/touches/hubspot";
pub const SF_TOKEN: &str = "sf-touch-token-4c1d";
/// Switchboard's own Salesforce user (the write-back's run-as user).
pub const SF_INTEGRATION_USER: &str = "0055e000000IntAAAA";

const CONFIG: &str = r#"
touches:
  - { id: hubspot, crm: hubspot, secret: hs-app-client-secret, public_url: "https://leads.example.com/v1/touches/hubspot",
      outcomes: { lifecyclestage: { customer: won }, hs_lead_status: { UNQUALIFIED: unqualified } } }
  - { id: salesforce, crm: salesforce, secret: sf-touch-token-4c1d, integration_user: 0055e000000IntAAAA }
"#;

const POLICY: &str = "
name: touches
triage_pool: triage
default_sla: 5m
reps:
  - { id: ana, crm: { hubspot_owner_id: '111', salesforce_user_id: 0055e000000AnaAAAA } }
  - { id: bo, crm: { hubspot_owner_id: '222', salesforce_user_id: 0055e000000BoBAAAA } }
pools: [ { id: main, strategy: round_robin, members: [ana, bo] } ]
rules: [ { id: all, pool: main } ]
";

/// What every store the suite runs on provides.
pub trait TouchStore:
    LeadStore + RoutingState + PolicyStore + AccountDirectory + CrmLinks + AuditLog + Clone + 'static
{
}
impl<S> TouchStore for S where
    S: LeadStore
        + RoutingState
        + PolicyStore
        + AccountDirectory
        + CrmLinks
        + AuditLog
        + Clone
        + 'static
{
}

pub struct Touches<S: TouchStore> {
    pub app: Router,
    pub router: Arc<switchboard_store::Router<S, Arc<MemoryEvents>>>,
    pub events: Arc<MemoryEvents>,
    pub now: Timestamp,
}

/// An answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub async fn touches<S: TouchStore>(store: S) -> Touches<S> {
    switchboard_testkit::activate(&store, POLICY).await;
    let now = switchboard_testkit::monday() + SignedDuration::from_mins(1);
    let events = Arc::new(MemoryEvents::new());
    let router = Arc::new(switchboard_store::Router::new(
        store.clone(),
        events.clone(),
    ));
    let notify = Arc::new(MemoryQueue::new(QueueConfig { max_receives: 5 }));
    let clock = Arc::new(FixedClock::new(now));
    let config = IntakeConfig::from_yaml_str_with_env(CONFIG, |_| None).expect("valid config");
    let routing = MemoryQueue::new(QueueConfig { max_receives: 5 });
    let state = IntakeState::with_clock(config, store, routing, clock)
        .with_touches(Arc::new(StoreDesk::new(router.clone(), notify)));
    Touches {
        app: router_app(state),
        router,
        events,
        now,
    }
}

fn router_app(state: IntakeState) -> Router {
    router(state)
}

impl<S: TouchStore> Touches<S> {
    fn store(&self) -> &S {
        &self.router.store
    }

    /// Stores and routes a lead, and links `record` of `crm` to it as the write-back does.
    pub async fn assigned(&self, lead_id: &str, crm: &str, record: &str) -> Assignment {
        let lead = Lead::new(lead_id, self.now).with_email(&format!("{lead_id}@example.org"));
        self.store()
            .insert_if_absent(&NewLead::new(lead, lead_id), self.now)
            .await
            .unwrap();
        let a = match self.router.route_lead(lead_id, self.now).await.unwrap() {
            Routed::Decided {
                assignment: Some(a),
                ..
            } => a,
            other => panic!("{other:?}"),
        };
        self.store()
            .link_crm_record(crm, record, lead_id, self.now)
            .await
            .unwrap();
        a
    }

    pub async fn assignment(&self, lead_id: &str) -> Assignment {
        self.store().assignment(lead_id).await.unwrap().unwrap()
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        Answer {
            status: parts.status,
            content_type: parts
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned(),
            body: body.collect().await.unwrap().to_bytes().to_vec(),
        }
    }

    /// Notes the audit log has about `lead_id`, oldest first.
    pub async fn audit_notes(&self, lead_id: &str) -> Vec<(String, String)> {
        let hour = SignedDuration::from_hours(1);
        let page = self
            .store()
            .audit_between(self.now - hour, self.now + hour, None, 100)
            .await
            .unwrap();
        let mut notes: Vec<(String, String)> = page
            .entries
            .into_iter()
            .filter(|e| e.target == format!("lead:{lead_id}"))
            .map(|e| (e.action, e.note.unwrap_or_default()))
            .collect();
        notes.reverse();
        notes
    }
}

/// A HubSpot Webhooks API request, signed (v3) at `signed_at` with `secret`.
pub fn hubspot_request(body: &str, signed_at: Timestamp, secret: &str) -> Request<Body> {
    let ts = signed_at.as_millisecond().to_string();
    let mac = hmac_sha256(
        secret.as_bytes(),
        &[
            b"POST",
            HUBSPOT_URL.as_bytes(),
            body.as_bytes(),
            ts.as_bytes(),
        ],
    );
    Request::post("/v1/touches/hubspot")
        .header("content-type", "application/json")
        .header("x-hubspot-signature-v3", encode_base64(&mac))
        .header("x-hubspot-request-timestamp", ts)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// One `contact.propertyChange` event.
pub fn property_change(
    event_id: u64,
    object_id: &str,
    property: &str,
    value: &str,
    at: Timestamp,
) -> serde_json::Value {
    serde_json::json!({
        "eventId": event_id,
        "subscriptionId": 2_105_010,
        "portalId": 62_515,
        "appId": 1_160_452,
        "occurredAt": at.as_millisecond(),
        "subscriptionType": "contact.propertyChange",
        "attemptNumber": 0,
        "objectId": object_id.parse::<u64>().unwrap(),
        "propertyName": property,
        "propertyValue": value,
        "changeSource": "CRM_UI",
        "sourceId": "userId:4567"
    })
}

/// An Outbound Message about Leads (`(Id, OwnerId, LastModifiedById)` each).
pub fn outbound_message(records: &[(&str, &str, &str)]) -> String {
    let notifications: String = records
        .iter()
        .enumerate()
        .map(|(i, (id, owner, by))| {
            format!(
                r#"<Notification><Id>04l5e00000{i:08}</Id><sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>{id}</sf:Id><sf:LastModifiedById>{by}</sf:LastModifiedById><sf:OwnerId>{owner}</sf:OwnerId><sf:Status>Working - Contacted</sf:Status></sObject></Notification>"#
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>00D5e000000AbCdEAK</OrganizationId><ActionId>04k5e000000AbCdAAK</ActionId><SessionId xsi:nil="true"/><EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/62.0/00D5e000000AbCd</EnterpriseUrl><PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/62.0/00D5e000000AbCd</PartnerUrl>{notifications}</notifications></soapenv:Body></soapenv:Envelope>"#
    )
}

fn soap_request(path: &str, body: String) -> Request<Body> {
    Request::post(path)
        .header("content-type", "text/xml; charset=utf-8")
        .header("soapaction", "\"\"")
        .body(Body::from(body))
        .unwrap()
}

/// `[events, accepted, already_accepted, handed_over, ignored]`.
fn counts(a: &Answer) -> [u64; 5] {
    let j = a.json();
    [
        "events",
        "accepted",
        "already_accepted",
        "handed_over",
        "ignored",
    ]
    .map(|k| j[k].as_u64().unwrap_or_else(|| panic!("no {k} in {j}")))
}

fn closed_count(a: &Answer) -> u64 {
    let j = a.json();
    j["closed"]
        .as_u64()
        .unwrap_or_else(|| panic!("no closed in {j}"))
}

fn the_rep(a: &Assignment) -> (&str, &str) {
    match a.rep.as_str() {
        "ana" => ("111", "0055e000000AnaAAAA"),
        _ => ("222", "0055e000000BoBAAAA"),
    }
}

/// A signed batch accepts the open assignment of the contact touched, and says why; the
/// same batch again changes nothing; unknown contacts and other properties are ignored.
pub async fn a_hubspot_touch_accepts_and_a_duplicate_changes_nothing<S: TouchStore>(
    t: &Touches<S>,
) {
    let a = t.assigned("L-hs-1", "hubspot", "101").await;
    assert!(a.awaits_acceptance());
    let before = a.assigned_at - SignedDuration::from_secs(5);
    let batch = serde_json::json!([
        property_change(1, "101", "hs_lead_status", "IN_PROGRESS", t.now),
        property_change(2, "999999", "hs_lead_status", "IN_PROGRESS", t.now),
        property_change(3, "101", "firstname", "Ada", t.now),
        // A change from before the assignment is not about it.
        property_change(4, "101", "notes_last_contacted", "1", before),
    ])
    .to_string();

    let first = t.send(hubspot_request(&batch, t.now, HUBSPOT_SECRET)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(counts(&first), [4, 1, 0, 0, 3]);
    let accepted = t.assignment("L-hs-1").await;
    assert_eq!(accepted.accepted_at, Some(t.now));
    assert_eq!(accepted.status, AssignmentStatus::Open);
    assert_eq!(
        t.audit_notes("L-hs-1").await,
        vec![(
            "lead.accepted".to_owned(),
            "touched in HubSpot: hs_lead_status".to_owned()
        )]
    );
    let event = t
        .events
        .events()
        .into_iter()
        .find(|e| e.kind == "lead.accepted" && e.detail["lead_id"] == "L-hs-1")
        .expect("lead.accepted published");
    assert_eq!(event.detail["via"], "touched in HubSpot: hs_lead_status");

    // HubSpot delivers the batch again (a retry after a lost answer).
    let again = t.send(hubspot_request(&batch, t.now, HUBSPOT_SECRET)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(counts(&again), [4, 0, 1, 0, 3]);
    assert_eq!(t.assignment("L-hs-1").await, accepted);
    assert_eq!(t.audit_notes("L-hs-1").await.len(), 1);
}

/// A property changed in the CRM to a value the webhook maps to an outcome closes the
/// open assignment with it, as the rep's own close would: the capacity freed, the close
/// counted for the rep (won and lost; unqualified not), the event and audit saying why.
/// A repeated delivery finds nothing open and counts nothing again. A Salesforce flow
/// record says its outcome itself.
pub async fn a_crm_outcome_closes_the_assignment_and_counts_for_the_rep<
    S: TouchStore + OutcomeStore,
>(
    t: &Touches<S>,
) {
    let won = t.assigned("L-won", "hubspot", "201").await;
    let unqualified = t.assigned("L-unq", "hubspot", "202").await;
    let lost = t
        .assigned("L-lost", "salesforce", "00Q5e000001LosAAAA")
        .await;
    let reps: Vec<switchboard_routing::RepId> = ["ana", "bo"].map(Into::into).to_vec();
    let closes = |records: &[switchboard_store::OutcomeRecord]| -> Vec<(u32, u32)> {
        records
            .iter()
            .map(|r| (r.recorded.overall.won, r.recorded.overall.lost))
            .collect()
    };
    let before = closes(&t.store().rep_outcomes(&reps).await.unwrap());
    let batch = serde_json::json!([
        property_change(11, "201", "lifecyclestage", "customer", t.now),
        property_change(12, "202", "hs_lead_status", "UNQUALIFIED", t.now),
        // Not a mapped value: neither a touch (not a touch property) nor a close.
        property_change(13, "201", "lifecyclestage", "opportunity", t.now),
    ])
    .to_string();
    let first = t.send(hubspot_request(&batch, t.now, HUBSPOT_SECRET)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!((counts(&first), closed_count(&first)), ([3, 0, 0, 0, 1], 2));

    let sf = serde_json::json!({"records": [
        {"Id": "00Q5e000001LosAAAA", "touched": "Status", "outcome": "lost"}
    ]})
    .to_string();
    let sf_request = || {
        Request::post("/v1/touches/salesforce")
            .header("content-type", "application/json")
            .header("x-switchboard-token", SF_TOKEN)
            .body(Body::from(sf.clone()))
            .unwrap()
    };
    let answer = t.send(sf_request()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(
        (counts(&answer), closed_count(&answer)),
        ([1, 0, 0, 0, 0], 1)
    );

    // (lead, its assignment before, the outcome, the audit note)
    let cases = [
        (
            "L-won",
            &won,
            CloseOutcome::Won,
            "closed won in HubSpot: lifecyclestage = customer",
        ),
        (
            "L-unq",
            &unqualified,
            CloseOutcome::Unqualified,
            "closed unqualified in HubSpot: hs_lead_status = UNQUALIFIED",
        ),
        (
            "L-lost",
            &lost,
            CloseOutcome::Lost,
            "closed lost in Salesforce: Status",
        ),
    ];
    let mut want = before.clone();
    for (lead, before, outcome, note) in cases {
        let a = t.assignment(lead).await;
        assert_eq!(
            (a.status, a.outcome, a.rep.as_str()),
            (AssignmentStatus::Closed, Some(outcome), before.rep.as_str()),
            "{lead}"
        );
        assert_eq!(
            t.audit_notes(lead).await,
            vec![("lead.closed".to_owned(), note.to_owned())],
            "{lead}"
        );
        let event = t
            .events
            .events()
            .into_iter()
            .find(|e| e.kind == "lead.closed" && e.detail["lead_id"] == lead)
            .expect("lead.closed published");
        assert_eq!(event.detail["outcome"], outcome.as_str(), "{lead}");
        assert_eq!(event.detail["reason"], note, "{lead}");
        let i = reps.iter().position(|r| *r == before.rep).unwrap();
        match outcome {
            CloseOutcome::Won => want[i].0 += 1,
            CloseOutcome::Lost => want[i].1 += 1,
            CloseOutcome::Unqualified => {}
        }
    }
    assert_eq!(closes(&t.store().rep_outcomes(&reps).await.unwrap()), want);

    // Both CRMs deliver again: nothing is open, nothing counts twice.
    let again = t.send(hubspot_request(&batch, t.now, HUBSPOT_SECRET)).await;
    assert_eq!((counts(&again), closed_count(&again)), ([3, 0, 0, 0, 3], 0));
    let again = t.send(sf_request()).await;
    assert_eq!((counts(&again), closed_count(&again)), ([1, 0, 0, 0, 1], 0));
    assert_eq!(closes(&t.store().rep_outcomes(&reps).await.unwrap()), want);
}

/// Requests that are not HubSpot's, signed now, are refused with a 401 problem.
pub async fn hubspot_requests_must_be_signed_and_fresh<S: TouchStore>(t: &Touches<S>) {
    t.assigned("L-hs-2", "hubspot", "102").await;
    let batch =
        serde_json::json!([property_change(7, "102", "hs_lead_status", "OPEN", t.now)]).to_string();
    let six_minutes = SignedDuration::from_mins(6);
    // (what, request)
    let cases = [
        (
            "another secret",
            hubspot_request(&batch, t.now, "not-the-secret"),
        ),
        (
            "a stale timestamp",
            hubspot_request(&batch, t.now - six_minutes, HUBSPOT_SECRET),
        ),
        (
            "a timestamp from the future",
            hubspot_request(&batch, t.now + six_minutes, HUBSPOT_SECRET),
        ),
        ("no signature", {
            let mut r = hubspot_request(&batch, t.now, HUBSPOT_SECRET);
            r.headers_mut().remove("x-hubspot-signature-v3");
            r
        }),
        ("a changed body", {
            let signed = hubspot_request(&batch, t.now, HUBSPOT_SECRET);
            let (parts, _) = signed.into_parts();
            Request::from_parts(parts, Body::from(batch.replace("OPEN", "LOST")))
        }),
        ("an unknown webhook", {
            let signed = hubspot_request(&batch, t.now, HUBSPOT_SECRET);
            let (mut parts, body) = signed.into_parts();
            parts.uri = "/v1/touches/nope".parse().unwrap();
            Request::from_parts(parts, body)
        }),
    ];
    for (what, request) in cases {
        let answer = t.send(request).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{what}: {}",
            answer.text()
        );
        assert_eq!(answer.content_type, "application/problem+json", "{what}");
    }
    assert!(t.assignment("L-hs-2").await.awaits_acceptance());

    // Signed, but not the Webhooks API's array: a 400 problem.
    let answer = t
        .send(hubspot_request(
            r#"{"objectId": 102}"#,
            t.now,
            HUBSPOT_SECRET,
        ))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text());
    assert_eq!(answer.content_type, "application/problem+json");
}

/// An owner changed by hand in HubSpot to someone who is not the assigned rep ends the
/// assignment without routing the lead again; the rep's own owner id is no change.
pub async fn a_hubspot_owner_change_hands_the_lead_over<S: TouchStore>(t: &Touches<S>) {
    let a = t.assigned("L-hs-3", "hubspot", "103").await;
    let (own_id, _) = the_rep(&a);
    let open_before = t.store().rep_state(&a.rep).await.unwrap().open;

    let ours = serde_json::json!([property_change(
        10,
        "103",
        "hubspot_owner_id",
        own_id,
        t.now
    )])
    .to_string();
    let answer = t.send(hubspot_request(&ours, t.now, HUBSPOT_SECRET)).await;
    assert_eq!(counts(&answer), [1, 0, 0, 0, 1], "{}", answer.text());
    assert_eq!(t.assignment("L-hs-3").await.status, AssignmentStatus::Open);

    let theirs = serde_json::json!([property_change(11, "103", "hubspot_owner_id", "999", t.now)])
        .to_string();
    let answer = t
        .send(hubspot_request(&theirs, t.now, HUBSPOT_SECRET))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(counts(&answer), [1, 0, 0, 1, 0]);
    let ended = t.assignment("L-hs-3").await;
    assert_eq!(ended.status, AssignmentStatus::Closed);
    assert_eq!(ended.ended_as, Some(ReleaseOutcome::Closed));
    assert_eq!(ended.outcome, None);
    assert_eq!(ended.attempt, a.attempt, "not routed again");
    let lead = t.store().get("L-hs-3").await.unwrap().unwrap();
    assert_eq!(lead.status, LeadStatus::Closed);
    assert_eq!(
        t.store().rep_state(&a.rep).await.unwrap().open,
        open_before - 1,
        "the rep's capacity is freed"
    );
    assert_eq!(
        t.audit_notes("L-hs-3").await,
        vec![(
            "lead.handed_over".to_owned(),
            format!("owner changed in HubSpot to 999, who is not {}", a.rep)
        )]
    );

    // Delivered again: nothing open any more, acknowledged and ignored.
    let answer = t
        .send(hubspot_request(&theirs, t.now, HUBSPOT_SECRET))
        .await;
    assert_eq!(counts(&answer), [1, 0, 0, 0, 1]);
    assert_eq!(t.assignment("L-hs-3").await, ended);
}

/// An Outbound Message is acknowledged with the SOAP `notificationsResponse`; a touch
/// accepts, an owner change to someone else hands over, a change by Switchboard's own
/// user and an unknown record are ignored.
pub async fn a_salesforce_outbound_message_is_acknowledged<S: TouchStore>(t: &Touches<S>) {
    let touched = t
        .assigned("L-sf-1", "salesforce", "00Q5e000001TchAAAA")
        .await;
    let moved = t
        .assigned("L-sf-2", "salesforce", "00Q5e000001MovAAAA")
        .await;
    let ours = t
        .assigned("L-sf-3", "salesforce", "00Q5e000001OurAAAA")
        .await;
    let (_, touched_owner) = the_rep(&touched);
    let (_, ours_owner) = the_rep(&ours);
    let someone = "0055e000000SomAAAA";
    let message = outbound_message(&[
        // Status worked by the owner: a touch.
        ("00Q5e000001TchAAAA", touched_owner, touched_owner),
        // Given to someone else by a person.
        ("00Q5e000001MovAAAA", someone, someone),
        // Switchboard's own write-back (the integration user, 15-character form).
        ("00Q5e000001OurAAAA", ours_owner, &SF_INTEGRATION_USER[..15]),
        ("00Q5e000001UnkAAAA", someone, someone),
    ]);
    let path = format!("/v1/touches/salesforce/{SF_TOKEN}");

    let answer = t.send(soap_request(&path, message.clone())).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert!(
        answer.content_type.starts_with("text/xml"),
        "{}",
        answer.content_type
    );
    assert_eq!(answer.text(), ACK);
    assert!(answer.text().contains(
        r#"<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>"#
    ));
    let touched_now = t.assignment("L-sf-1").await;
    assert_eq!(touched_now.accepted_at, Some(t.now));
    assert_eq!(
        t.audit_notes("L-sf-1").await,
        vec![(
            "lead.accepted".to_owned(),
            "touched in Salesforce: outbound message".to_owned()
        )]
    );
    assert_eq!(
        t.assignment("L-sf-2").await.status,
        AssignmentStatus::Closed
    );
    assert_eq!(
        t.audit_notes("L-sf-2").await,
        vec![(
            "lead.handed_over".to_owned(),
            format!(
                "owner changed in Salesforce to {someone}, who is not {}",
                moved.rep
            )
        )]
    );
    assert!(t.assignment("L-sf-3").await.awaits_acceptance());

    // Salesforce sends it again: acknowledged the same, nothing changes.
    let again = t.send(soap_request(&path, message)).await;
    assert_eq!(
        (again.status, again.text()),
        (StatusCode::OK, ACK.to_owned())
    );
    assert_eq!(t.assignment("L-sf-1").await, touched_now);
    assert_eq!(t.audit_notes("L-sf-1").await.len(), 1);

    // A wrong token: a 401 problem, not an acknowledgement.
    let refused = t
        .send(soap_request(
            "/v1/touches/salesforce/not-the-token",
            outbound_message(&[("00Q5e000001OurAAAA", someone, someone)]),
        ))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        refused.text()
    );
    assert_eq!(refused.content_type, "application/problem+json");
    assert!(t.assignment("L-sf-3").await.awaits_acceptance());
}

/// A Flow's HTTP callout (JSON, the token in a header) has the same effects.
pub async fn a_salesforce_flow_callout_touches<S: TouchStore>(t: &Touches<S>) {
    let a = t
        .assigned("L-sf-4", "salesforce", "00Q5e000001FloAAAA")
        .await;
    let (_, owner) = the_rep(&a);
    let body = serde_json::json!({"records": [
        {"Id": "00Q5e000001FloAAAA", "OwnerId": owner, "touched": "Status"},
        {"Id": "00Q5e000001NopAAAA", "OwnerId": owner, "touched": "Status"}
    ]})
    .to_string();
    let request = |token: &str| {
        Request::post("/v1/touches/salesforce")
            .header("content-type", "application/json")
            .header("x-switchboard-token", token)
            .body(Body::from(body.clone()))
            .unwrap()
    };
    let refused = t.send(request("wrong")).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.content_type, "application/problem+json");

    let answer = t.send(request(SF_TOKEN)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(counts(&answer), [2, 1, 0, 0, 1]);
    assert_eq!(
        t.audit_notes("L-sf-4").await,
        vec![(
            "lead.accepted".to_owned(),
            "touched in Salesforce: Status".to_owned()
        )]
    );
}

/// Whose id the CRM reports can only be compared with a rep the active policy gives an id
/// in that CRM: without one, an owner change takes nothing from the rep, and a touch still
/// counts.
pub async fn without_the_reps_crm_id_an_owner_change_is_ignored<S: TouchStore>(t: &Touches<S>) {
    let a = t.assigned("L-noid", "hubspot", "104").await;
    t.assigned("L-noid-sf", "salesforce", "00Q5e000001NidAAAA")
        .await;
    // The same reps, without their CRM ids.
    let without_ids = POLICY
        .replace(
            ", crm: { hubspot_owner_id: '111', salesforce_user_id: 0055e000000AnaAAAA }",
            "",
        )
        .replace(
            ", crm: { hubspot_owner_id: '222', salesforce_user_id: 0055e000000BoBAAAA }",
            "",
        );
    assert!(!without_ids.contains("crm"), "{without_ids}");
    switchboard_testkit::activate(t.store(), &without_ids).await;
    let owner_change =
        serde_json::json!([property_change(20, "104", "hubspot_owner_id", "999", t.now)])
            .to_string();
    let answer = t
        .send(hubspot_request(&owner_change, t.now, HUBSPOT_SECRET))
        .await;
    assert_eq!(counts(&answer), [1, 0, 0, 0, 1], "{}", answer.text());
    assert!(t.assignment("L-noid").await.awaits_acceptance());
    assert_eq!(t.assignment("L-noid").await.rep, a.rep);

    // An Outbound Message naming another owner is still a touch.
    let message = outbound_message(&[(
        "00Q5e000001NidAAAA",
        "0055e000000SomAAAA",
        "0055e000000SomAAAA",
    )]);
    let answer = t
        .send(soap_request(
            &format!("/v1/touches/salesforce/{SF_TOKEN}"),
            message,
        ))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(t.assignment("L-noid-sf").await.accepted_at, Some(t.now));
}
