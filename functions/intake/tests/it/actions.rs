//! Rep actions over HTTP against a real embedded store: API keys, action links and Slack
//! interactivity, each conditional on the current assignment.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use http::{Request, StatusCode};
use jiff::{SignedDuration, Timestamp};
use switchboard_intake::actions::config::SlackConfig;
use switchboard_intake::actions::{ActionsConfig, ActionsState, StoreDesk, slack};
use switchboard_intake::{Clock, FixedClock, IntakeState, Secret, router};
use switchboard_routing::recycle::RecycleReason;
use switchboard_routing::{Lead, PolicyDocument};
use switchboard_store::action_link::{self, ActionClaim, LinkAction, slack_ids};
use switchboard_store::embedded::{EmbeddedStore, MemoryEvents, MemoryQueue, QueueConfig};
use switchboard_store::{LeadStore, NewLead, PolicyStore, Routed, RoutingState};

use crate::common::{Answer, HandedOn, config, embedded_store, now, send};

const POLICY: &str = "
name: desk
triage_pool: triage
default_sla: 5m
recycle:
  default: { then: close }
  reasons: { no_budget: { then: nurture, pool: nurture } }
reps: [ { id: ana }, { id: bo } ]
pools: [ { id: main, strategy: round_robin, members: [ana, bo] } ]
rules: [ { id: all, pool: main } ]
";
const LINK_SECRET: &str = "link-secret";
const SLACK_SECRET: &str = "slack-signing-secret";

type Store = switchboard_store::Router<EmbeddedStore, MemoryEvents>;

struct Desk {
    app: Router,
    router: Arc<Store>,
    clock: Arc<FixedClock>,
}

async fn desk() -> Desk {
    let store = embedded_store();
    let v = store
        .put_version(&PolicyDocument::from_yaml(POLICY).unwrap(), None, now())
        .await
        .unwrap();
    store.set_active(v.version, None, now()).await.unwrap();
    let router = Arc::new(switchboard_store::Router::new(store, MemoryEvents::new()));
    let notify = Arc::new(MemoryQueue::new(QueueConfig { max_receives: 5 }));
    let actions = ActionsConfig {
        admin_keys: vec![Secret::new("admin-key")],
        rep_keys: vec![
            ("ana".into(), Secret::new("ana-key")),
            ("bo".into(), Secret::new("bo-key")),
        ],
        link_secret: Some(Secret::new(LINK_SECRET)),
        slack: Some(SlackConfig {
            signing_secret: Secret::new(SLACK_SECRET),
            users: [
                ("U0ANA".to_owned(), "ana".to_owned()),
                ("U0BO".to_owned(), "bo".to_owned()),
            ]
            .into_iter()
            .collect(),
        }),
    };
    let clock = Arc::new(FixedClock::new(now()));
    let intake_store = router.store.clone();
    let state = IntakeState::with_clock(config(), intake_store, HandedOn::default(), clock.clone())
        .with_actions(ActionsState::new(
            actions,
            Arc::new(StoreDesk::new(router.clone(), notify)),
        ));
    Desk {
        app: router_app(state),
        router,
        clock,
    }
}

fn router_app(state: IntakeState) -> Router {
    router(state)
}

impl Desk {
    /// Stores and routes a lead; returns its rep.
    async fn assigned(&self, id: &str) -> String {
        let s = &self.router.store;
        s.insert_if_absent(
            &NewLead::new(Lead::new(id, now()).with_email("x@example.org"), id),
            now(),
        )
        .await
        .unwrap();
        match self.router.route_lead(id, now()).await.unwrap() {
            Routed::Decided {
                assignment: Some(a),
                ..
            } => a.rep.into_string(),
            other => panic!("{other:?}"),
        }
    }

    async fn post(&self, path: &str, key: Option<&str>, body: &str) -> Answer {
        let mut b = Request::post(path).header("content-type", "application/json");
        if let Some(k) = key {
            b = b.header("authorization", format!("Bearer {k}"));
        }
        send(&self.app, b.body(Body::from(body.to_owned())).unwrap()).await
    }
}

fn other(rep: &str) -> &'static str {
    if rep == "ana" { "bo" } else { "ana" }
}

fn key(rep: &str) -> String {
    format!("{rep}-key")
}

fn result(a: &Answer) -> String {
    a.json()["result"].as_str().unwrap_or_default().to_owned()
}

fn refused(a: &Answer) -> String {
    assert_eq!(
        a.status,
        StatusCode::CONFLICT,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    assert_eq!(a.content_type(), "application/problem+json");
    a.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn api_actions_are_authenticated_and_conditional() {
    let d = desk().await;
    let rep = d.assigned("L1").await;

    let none = d.post("/v1/leads/L1/accept", None, "").await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.content_type(), "application/problem+json");
    let admin_unnamed = d.post("/v1/leads/L1/accept", Some("admin-key"), "").await;
    assert_eq!(admin_unnamed.status, StatusCode::FORBIDDEN);
    let impersonation = d
        .post(
            "/v1/leads/L1/accept",
            Some(&key(other(&rep))),
            &format!(r#"{{"rep":"{rep}"}}"#),
        )
        .await;
    assert_eq!(impersonation.status, StatusCode::FORBIDDEN);

    let wrong = d
        .post("/v1/leads/L1/accept", Some(&key(other(&rep))), "")
        .await;
    assert_eq!(refused(&wrong), "not_yours");
    let json = wrong.json();
    assert!(
        json["detail"].as_str().unwrap().contains("not yours"),
        "{json}"
    );

    let ok = d.post("/v1/leads/L1/accept", Some(&key(&rep)), "{}").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(result(&ok), "accepted");
    let twice = d.post("/v1/leads/L1/accept", Some(&key(&rep)), "").await;
    assert_eq!(
        (twice.status, result(&twice)),
        (StatusCode::OK, "already_accepted".into())
    );
    let stored = d.router.store.assignment("L1").await.unwrap().unwrap();
    assert!(stored.accepted_at.is_some(), "accept stops the clock");
    assert!(
        d.router
            .store
            .due(now(), now() + SignedDuration::from_mins(10), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Reject needs a reason; then the lead moves on and the old rep's clicks are refused.
    let rep2 = d.assigned("L2").await;
    let no_reason = d.post("/v1/leads/L2/reject", Some(&key(&rep2)), "{}").await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    let rejected = d
        .post(
            "/v1/leads/L2/reject",
            Some(&key(&rep2)),
            r#"{"reason":"not my territory","attempt":1}"#,
        )
        .await;
    assert_eq!(result(&rejected), "rejected");
    assert_eq!(rejected.json()["next"]["rep"], other(&rep2));
    let late = d
        .post(
            "/v1/leads/L2/reject",
            Some(&key(&rep2)),
            r#"{"reason":"again","attempt":1}"#,
        )
        .await;
    assert_eq!(refused(&late), "moved_on");

    // Close: an admin acting for the owner; a bad outcome is a 400.
    let bad = d
        .post(
            "/v1/leads/L1/close",
            Some("admin-key"),
            &format!(r#"{{"rep":"{rep}","outcome":"meh"}}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let open_before = d.router.store.rep_state(&rep).await.unwrap().open;
    let closed = d
        .post(
            "/v1/leads/L1/close",
            Some("admin-key"),
            &format!(r#"{{"rep":"{rep}","outcome":"won"}}"#),
        )
        .await;
    assert_eq!(
        (closed.status, result(&closed)),
        (StatusCode::OK, "closed".into())
    );
    assert_eq!(closed.json()["assignment"]["outcome"], "won");
    assert_eq!(
        d.router.store.rep_state(&rep).await.unwrap().open,
        open_before - 1,
        "close frees capacity"
    );

    // Away and back.
    let away = d
        .post(
            "/v1/reps/ana/away",
            Some("ana-key"),
            r#"{"until":"2026-12-01T00:00:00Z"}"#,
        )
        .await;
    assert_eq!(
        away.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&away.body)
    );
    assert_eq!(away.json()["away"], true);
    assert!(
        d.router
            .store
            .rep_state("ana")
            .await
            .unwrap()
            .away
            .is_some()
    );
    let not_mine = d.post("/v1/reps/ana/back", Some("bo-key"), "").await;
    assert_eq!(not_mine.status, StatusCode::FORBIDDEN);
    let back = d.post("/v1/reps/ana/back", Some("admin-key"), "").await;
    assert_eq!(back.json()["away"], false);
    assert!(
        d.router
            .store
            .rep_state("ana")
            .await
            .unwrap()
            .away
            .is_none()
    );

    let unknown = d.post("/v1/leads/nope/accept", Some("ana-key"), "").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn recycle_needs_a_listed_reason_and_frees_the_rep() {
    let d = desk().await;
    let rep = d.assigned("R1").await;
    let open = || async { d.router.store.rep_state(&rep).await.unwrap().open };
    let before = open().await;

    for (body, field) in [
        ("{}", "reason"),
        (r#"{"reason":"too busy"}"#, "reason"),
        (r#"{"reason":"other"}"#, "note"),
        (r#"{"reason":"other","note":"   "}"#, "note"),
    ] {
        let bad = d.post("/v1/leads/R1/recycle", Some(&key(&rep)), body).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(bad.content_type(), "application/problem+json");
        assert_eq!(bad.json()["errors"][0]["field"], field, "{body}");
    }
    let not_yours = d
        .post(
            "/v1/leads/R1/recycle",
            Some(&key(other(&rep))),
            r#"{"reason":"student"}"#,
        )
        .await;
    assert_eq!(refused(&not_yours), "not_yours");
    assert_eq!(open().await, before, "refusals change nothing");

    // The policy's override for `no_budget`: parked in the nurture pool.
    let recycled = d
        .post(
            "/v1/leads/R1/recycle",
            Some(&key(&rep)),
            r#"{"reason":"no_budget","attempt":1}"#,
        )
        .await;
    assert_eq!(
        (recycled.status, result(&recycled)),
        (StatusCode::OK, "recycled".into()),
        "{}",
        String::from_utf8_lossy(&recycled.body)
    );
    let json = recycled.json();
    assert_eq!(json["recycle"]["reason"], "no_budget");
    assert_eq!(json["recycle"]["then"], "nurture");
    assert_eq!(json["recycle"]["pool"], "nurture");
    assert_eq!(json["assignment"]["ended_as"], "recycled");
    assert!(
        json["message"].as_str().unwrap().contains("nurture"),
        "{json}"
    );
    assert_eq!(open().await, before - 1, "recycling frees capacity");
    let again = d
        .post(
            "/v1/leads/R1/recycle",
            Some(&key(&rep)),
            r#"{"reason":"no_budget"}"#,
        )
        .await;
    assert_eq!(refused(&again), "moved_on");
    assert_eq!(open().await, before - 1);

    // An admin acting for the rep, reason `other` with its note: the default, closed.
    let rep2 = d.assigned("R2").await;
    let closed = d
        .post(
            "/v1/leads/R2/recycle",
            Some("admin-key"),
            &format!(r#"{{"rep":"{rep2}","reason":"other","note":"wants a job"}}"#),
        )
        .await;
    assert_eq!(result(&closed), "recycled");
    assert_eq!(closed.json()["recycle"]["then"], "close");
    assert_eq!(closed.json()["recycle"]["note"], "wants a job");
    let lead = d.router.store.get("R2").await.unwrap().unwrap();
    assert_eq!(lead.status, switchboard_store::LeadStatus::Closed);
    assert_eq!(lead.recycles.len(), 1);
}

fn link(rep: &str, lead: &str, action: LinkAction, expires_at: Timestamp) -> String {
    let token = action_link::sign(
        LINK_SECRET.as_bytes(),
        &ActionClaim {
            lead_id: lead.into(),
            attempt: 1,
            rep: rep.into(),
            action,
            expires_at,
        },
    );
    format!("/v1/actions/{token}")
}

#[tokio::test]
async fn action_links_confirm_then_act() {
    let d = desk().await;
    let rep = d.assigned("L1").await;
    let url = link(
        &rep,
        "L1",
        LinkAction::Accept,
        now() + SignedDuration::from_hours(1),
    );

    // GET only shows the confirmation (link scanners must not accept leads).
    let page = send(&d.app, Request::get(&url).body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type().starts_with("text/html"));
    assert!(String::from_utf8_lossy(&page.body).contains("<form method=\"post\">"));
    assert!(
        d.router
            .store
            .assignment("L1")
            .await
            .unwrap()
            .unwrap()
            .accepted_at
            .is_none()
    );

    let done = send(&d.app, Request::post(&url).body(Body::empty()).unwrap()).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&done.body).contains("Accepted"));
    assert!(
        d.router
            .store
            .assignment("L1")
            .await
            .unwrap()
            .unwrap()
            .accepted_at
            .is_some()
    );

    // A forged link for the other rep, a tampered one and an expired one.
    let forged = action_link::sign(
        b"guessed",
        &ActionClaim {
            lead_id: "L1".into(),
            attempt: 1,
            rep: other(&rep).into(),
            action: LinkAction::Reject,
            expires_at: now() + SignedDuration::from_hours(1),
        },
    );
    let answer = send(
        &d.app,
        Request::post(format!("/v1/actions/{forged}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let tampered = url.replacen("/v1/actions/e", "/v1/actions/f", 1);
    if tampered != url {
        let answer = send(
            &d.app,
            Request::post(&tampered).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
    }
    let expired = link(
        &rep,
        "L1",
        LinkAction::Reject,
        now() - SignedDuration::from_secs(1),
    );
    let answer = send(&d.app, Request::post(&expired).body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::GONE);
    assert_eq!(
        d.router.store.assignment("L1").await.unwrap().unwrap().rep,
        rep,
        "refused links change nothing"
    );
    // A late reject link after the accept: nothing changes, and the page says why.
    let reject = link(
        &rep,
        "L1",
        LinkAction::Reject,
        now() + SignedDuration::from_hours(1),
    );
    let answer = send(&d.app, Request::post(&reject).body(Body::empty()).unwrap()).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "the owner may still reject an accepted lead"
    );
}

#[tokio::test]
async fn recycle_links_ask_for_a_reason_then_recycle() {
    let d = desk().await;
    let rep = d.assigned("L1").await;
    let open = || async { d.router.store.rep_state(&rep).await.unwrap().open };
    let before = open().await;
    let url = link(
        &rep,
        "L1",
        LinkAction::Recycle,
        now() + SignedDuration::from_hours(1),
    );
    let page = send(&d.app, Request::get(&url).body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = String::from_utf8_lossy(&page.body).into_owned();
    for reason in RecycleReason::ALL {
        assert!(
            html.contains(&format!("<option value=\"{}\">", reason.as_str())),
            "{reason:?} in {html}"
        );
    }
    let post = |form: &'static str| {
        Request::post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap()
    };
    // A form without a reason, an unknown one, and `other` without its note: shown again
    // with the problem, nothing changed.
    for (form, problem) in [
        ("reason=&note=", "needs a reason"),
        ("reason=homework", "not a recycle reason"),
        ("reason=other&note=+", "needs a note"),
    ] {
        let refused = send(&d.app, post(form)).await;
        assert_eq!(refused.status, StatusCode::OK, "{form}");
        let html = String::from_utf8_lossy(&refused.body);
        assert!(
            html.contains(problem) && html.contains("<select name=\"reason\""),
            "{html}"
        );
    }
    assert_eq!(open().await, before, "refused forms change nothing");

    let done = send(&d.app, post("reason=student&note=a+class+project")).await;
    assert_eq!(
        done.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&done.body)
    );
    assert_eq!(open().await, before - 1, "recycling frees capacity");
    let lead = d.router.store.get("L1").await.unwrap().unwrap();
    assert_eq!(lead.recycles.len(), 1);
    assert_eq!(lead.recycles[0].reason, RecycleReason::Student);
    assert_eq!(lead.recycles[0].note.as_deref(), Some("a class project"));
    // The same link again: the assignment has ended.
    let again = send(&d.app, post("reason=student")).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

fn slack_click(member: &str, action: &str, value: &str) -> Vec<u8> {
    let payload = serde_json::json!({
        "type": "block_actions",
        "user": { "id": member },
        "actions": [ { "action_id": action, "value": value, "type": "button" } ],
    });
    form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
        .into_bytes()
}

fn slack_request(secret: &str, at: Timestamp, body: Vec<u8>) -> Request<Body> {
    Request::post("/v1/slack/interactivity")
        .header("content-type", "application/x-www-form-urlencoded")
        .header(slack::TIMESTAMP_HEADER, at.as_second().to_string())
        .header(
            slack::SIGNATURE_HEADER,
            slack::sign(secret.as_bytes(), at.as_second(), &body),
        )
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn slack_clicks_are_verified_before_anything_happens() {
    let d = desk().await;
    let rep = d.assigned("L1").await;
    let member = if rep == "ana" { "U0ANA" } else { "U0BO" };
    let body = slack_click(member, slack_ids::ACCEPT, "L1:1");

    // Forged (wrong secret), stale and from the future: refused, nothing changes.
    for request in [
        slack_request("not-the-secret", now(), body.clone()),
        slack_request(
            SLACK_SECRET,
            now() - SignedDuration::from_mins(6),
            body.clone(),
        ),
        slack_request(
            SLACK_SECRET,
            now() + SignedDuration::from_mins(6),
            body.clone(),
        ),
    ] {
        let answer = send(&d.app, request).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.content_type(), "application/problem+json");
    }
    // A valid signature over a different body than the one sent.
    let mut tampered = slack_request(SLACK_SECRET, now(), body.clone());
    *tampered.body_mut() = Body::from(slack_click(member, slack_ids::ACCEPT, "L2:1"));
    assert_eq!(
        send(&d.app, tampered).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        d.router
            .store
            .assignment("L1")
            .await
            .unwrap()
            .unwrap()
            .accepted_at
            .is_none()
    );

    // The other rep's member clicking this rep's button: not theirs.
    let other_member = if member == "U0ANA" { "U0BO" } else { "U0ANA" };
    let stranger = send(
        &d.app,
        slack_request(
            SLACK_SECRET,
            now(),
            slack_click(other_member, slack_ids::ACCEPT, "L1:1"),
        ),
    )
    .await;
    assert_eq!(
        stranger.status,
        StatusCode::OK,
        "Slack always gets its acknowledgment"
    );
    assert!(
        stranger.json()["text"]
            .as_str()
            .unwrap()
            .contains("not yours")
    );

    // The signed click accepts and stops the clock.
    d.clock.advance(SignedDuration::from_secs(30));
    let answer = send(&d.app, slack_request(SLACK_SECRET, d.clock.now(), body)).await;
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json();
    assert_eq!(json["response_type"], "ephemeral");
    assert!(
        json["text"].as_str().unwrap().contains("Accepted"),
        "{json}"
    );
    let a = d.router.store.assignment("L1").await.unwrap().unwrap();
    assert_eq!(a.accepted_at, Some(d.clock.now()));

    // The recycle menu: the chosen reason recycles the accepted lead.
    let payload = serde_json::json!({
        "type": "block_actions",
        "user": { "id": member },
        "actions": [ { "action_id": slack_ids::RECYCLE, "type": "static_select",
                       "selected_option": { "value": "L1:1:competitor" } } ],
    });
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
        .into_bytes();
    let answer = send(&d.app, slack_request(SLACK_SECRET, d.clock.now(), body)).await;
    assert!(
        answer.json()["text"]
            .as_str()
            .unwrap()
            .starts_with(":white_check_mark:"),
        "{}",
        answer.json()
    );
    let lead = d.router.store.get("L1").await.unwrap().unwrap();
    assert_eq!(lead.recycles[0].reason, RecycleReason::Competitor);
}
