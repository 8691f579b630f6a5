//! The local process end to end: a lead nobody accepts moves to the next rep after its
//! SLA (the sweep runs on a timer) and the first rep loses it; a signed Slack click
//! accepts and stops the clock; a forged click is refused.

use std::time::Duration;

use bytes::Bytes;
use http::Method;
use jiff::Timestamp;
use serde_json::Value;
use switchboard_cli::http_client;
use switchboard_cli::serve::{self, ServeOptions};
use switchboard_intake::actions::slack;
use switchboard_routing::PolicyDocument;
use switchboard_store::action_link::slack_ids;
use switchboard_store::{Assignment, PolicyStore, RoutingState};

use crate::common::scratch;
use crate::server::{API_KEY, intake_config, lead};

const SLACK_SECRET: &str = "e2e-slack-signing-secret";

/// Two reps in turn, a short SLA.
const POLICY: &str = "
name: sla-e2e
triage_pool: triage
default_sla: 3s
reps: [ { id: ana }, { id: bo } ]
pools: [ { id: main, strategy: round_robin, members: [ana, bo] } ]
rules: [ { id: all, pool: main } ]
";

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A Slack button click by `member` on assignment `lead_id:attempt`, signed with `secret`.
async fn click(url: &str, secret: &str, member: &str, lead_id: &str, attempt: u32) -> (u16, Value) {
    let payload = serde_json::json!({
        "type": "block_actions",
        "user": { "id": member },
        "actions": [ { "action_id": slack_ids::ACCEPT, "value": format!("{lead_id}:{attempt}") } ],
    });
    let body = format!("payload={}", urlencode(&payload.to_string()));
    let at = Timestamp::now().as_second();
    let signature = slack::sign(secret.as_bytes(), at, body.as_bytes());
    let at = at.to_string();
    let answer = http_client::request(
        Method::POST,
        &format!("{url}/v1/slack/interactivity"),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            (slack::TIMESTAMP_HEADER, at.as_str()),
            (slack::SIGNATURE_HEADER, signature.as_str()),
        ],
        Bytes::from(body),
    )
    .await
    .unwrap();
    let json = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    (answer.status.as_u16(), json)
}

async fn wait_for<F, Fut>(what: &str, mut check: F) -> Assignment
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<Assignment>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(a) = check().await {
            return a;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unaccepted_lead_moves_on_and_a_signed_slack_click_stops_the_clock() {
    let dir = scratch("serve-sla");
    let options = ServeOptions {
        port: 0,
        demo: false,
        intake_config: Some(intake_config(&dir)),
        sweep_interval: Duration::from_millis(200),
        slack_signing_secret: Some(SLACK_SECRET.to_owned()),
        ..ServeOptions::new(dir.join("data"))
    };
    let running = serve::start(options).await.unwrap();
    let store = running.pipeline().store.clone();
    let now = Timestamp::now();
    let v = store
        .put_version(&PolicyDocument::from_yaml(POLICY).unwrap(), None, now)
        .await
        .unwrap();
    store.set_active(v.version, None, now).await.unwrap();
    let url = running.info.url.clone();

    let auth = format!("Bearer {API_KEY}");
    let answer = http_client::request(
        Method::POST,
        &format!("{url}/v1/leads"),
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ],
        Bytes::from(lead("buyer@sla-e2e.com", "DE").to_string()),
    )
    .await
    .unwrap();
    assert_eq!(answer.status.as_u16(), 202);
    let lead_id = serde_json::from_slice::<Value>(&answer.body).unwrap()["lead_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let first = wait_for("the first assignment", || async {
        store.assignment(&lead_id).await.unwrap()
    })
    .await;
    assert_eq!(first.attempt, 1);
    assert!(first.sla_due.is_some());

    // Nobody accepts: after the SLA the sweep hands it to the other rep.
    let second = wait_for("the reassignment", || async {
        store
            .assignment(&lead_id)
            .await
            .unwrap()
            .filter(|a| a.attempt >= 2)
    })
    .await;
    assert_ne!(second.rep, first.rep, "the next rep has it");
    assert_eq!(
        store.rep_state(&first.rep).await.unwrap().open,
        0,
        "the first rep lost it"
    );
    let decisions = store.decisions(&lead_id).await.unwrap();
    assert!(decisions.len() >= 2);

    // The first rep's late click changes nothing (Slack member ids default to rep ids).
    let (status, late) = click(&url, SLACK_SECRET, &first.rep, &lead_id, 1).await;
    assert_eq!(status, 200);
    assert!(
        late["text"].as_str().unwrap().contains("moved on"),
        "{late}"
    );

    // The current rep clicks Accept. A forged click (another secret) is refused first.
    // The SLA keeps running meanwhile, so the lead may move on again before the click
    // lands: then the click is answered "moved on" and is made for the new assignment.
    let accepted = loop {
        let current = store.assignment(&lead_id).await.unwrap().unwrap();
        let (status, forged) = click(
            &url,
            "not-the-secret",
            &current.rep,
            &lead_id,
            current.attempt,
        )
        .await;
        assert_eq!(status, 401, "{forged}");
        let after = store.assignment(&lead_id).await.unwrap().unwrap();
        assert!(
            after.accepted_at.is_none(),
            "a forged click changes nothing"
        );
        let (status, answer) =
            click(&url, SLACK_SECRET, &current.rep, &lead_id, current.attempt).await;
        assert_eq!(status, 200);
        let text = answer["text"].as_str().unwrap().to_owned();
        if text.contains("Accepted") {
            break current;
        }
        assert!(text.contains("moved on"), "{text}");
    };

    // The clock stopped: nothing of this lead is due any more, and once its deadline and
    // a few sweeps have passed it is still with the rep who accepted it.
    let a = store.assignment(&lead_id).await.unwrap().unwrap();
    assert_eq!(
        (a.rep.as_str(), a.attempt),
        (accepted.rep.as_str(), accepted.attempt)
    );
    assert!(a.accepted_at.is_some());
    let due = a.sla_due.unwrap();
    let listed = store
        .due(
            due - jiff::SignedDuration::from_mins(1),
            due + jiff::SignedDuration::from_mins(1),
            10,
        )
        .await
        .unwrap();
    assert!(listed.iter().all(|d| d.lead_id != lead_id), "{listed:?}");
    let wait = due.duration_since(Timestamp::now()) + jiff::SignedDuration::from_millis(800);
    if wait.is_positive() {
        tokio::time::sleep(wait.unsigned_abs()).await;
    }
    let later = store.assignment(&lead_id).await.unwrap().unwrap();
    assert_eq!(later, a, "accepted leads are not swept");
    running.shutdown().await.unwrap();
}
