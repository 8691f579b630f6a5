//! Booking sources on the local process: a new lead is answered with the assigned rep's
//! booking link (JSON for the API, a 303 for a browser form, name and email prefilled),
//! and every case without a link falls back to the thank-you URL while the lead is stored
//! and routed all the same.

use std::time::Duration;

use bytes::Bytes;
use http::Method;
use jiff::Timestamp;
use serde_json::Value;
use switchboard_cli::http_client;
use switchboard_cli::serve::{self, Running, ServeOptions};
use switchboard_routing::PolicyDocument;
use switchboard_store::{LeadStatus, LeadStore, PolicyStore};

use crate::common::scratch;
use crate::server::post_lead_to;

const API_KEY: &str = "booking-api-key";
const FORM_TOKEN: &str = "booking-form-token";
const API_THANKS: &str = "https://example.com/api-thanks";
const FORM_THANKS: &str = "https://example.com/form-thanks";

const INTAKE: &str = "
sources:
  - id: api
    kind: generic
    secret: booking-api-key
    booking: { wait: 3s, thank_you_url: https://example.com/api-thanks }
  - id: web
    kind: html_form
    secret: booking-form-token
    thank_you_url: https://example.com/form-thanks
    booking: { wait: 3s }
";

/// US leads go to ada (Calendly), GB to bob (HubSpot meetings), DE to cy (no link); FR
/// parks (its only rep is away).
const POLICY: &str = "
name: booking-e2e
triage_pool: triage
reps:
  - { id: ada, booking: { url: 'https://calendly.com/ada/intro?utm_source=sb', prefill: calendly } }
  - { id: bob, booking: { url: 'https://meetings.hubspot.com/bob', prefill: hubspot_meetings } }
  - { id: cy }
  - { id: dee, away: [ { from: '2000-01-01T00:00:00Z', until: '2100-01-01T00:00:00Z' } ] }
pools:
  - { id: us, strategy: round_robin, members: [ada] }
  - { id: gb, strategy: round_robin, members: [bob] }
  - { id: de, strategy: round_robin, members: [cy] }
  - { id: fr, strategy: round_robin, members: [dee] }
rules:
  - { id: us, when: { field: country, eq: US }, pool: us }
  - { id: gb, when: { field: country, eq: GB }, pool: gb }
  - { id: de, when: { field: country, eq: DE }, pool: de }
  - { id: fr, when: { field: country, eq: FR }, pool: fr }
";

async fn start(name: &str) -> Running {
    let dir = scratch(name);
    let intake = dir.join("intake-booking.yaml");
    std::fs::write(&intake, INTAKE).unwrap();
    let options = ServeOptions {
        port: 0,
        demo: false,
        intake_config: Some(intake),
        // A lead routed before the policy existed comes back quickly once it does.
        visibility_timeout: Duration::from_millis(200),
        max_receives: 1000,
        ..ServeOptions::new(dir.join("data"))
    };
    serve::start(options).await.unwrap()
}

async fn activate(running: &Running) {
    let store = &running.pipeline().store;
    let now = Timestamp::now();
    let doc = PolicyDocument::from_yaml(POLICY).unwrap();
    let v = store.put_version(&doc, None, now).await.unwrap();
    store.set_active(v.version, None, now).await.unwrap();
}

fn person(email: &str, country: &str) -> Value {
    serde_json::json!({
        "email": email, "first_name": "Ada", "last_name": "O'Hara", "country": country
    })
}

async fn post_api(running: &Running, body: &Value) -> (u16, Value) {
    post_lead_to(running, API_KEY, body).await
}

/// A browser's form post; the status and the `Location` it is sent to.
async fn post_form(running: &Running, form: &str) -> (u16, Option<String>) {
    let answer = http_client::request(
        Method::POST,
        &format!("{}/v1/hooks/web/{FORM_TOKEN}", running.info.url),
        &[("content-type", "application/x-www-form-urlencoded")],
        Bytes::from(form.to_owned()),
    )
    .await
    .unwrap();
    let location = answer
        .headers
        .get(http::header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    (answer.status.as_u16(), location)
}

async fn status_of(running: &Running, lead_id: &str) -> LeadStatus {
    let store = &running.pipeline().store;
    store.get(lead_id).await.unwrap().expect("stored").status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_and_form_answers_carry_the_assigned_reps_prefilled_link() {
    let running = start("serve-booking-link").await;
    activate(&running).await;

    let (status, answer) = post_api(&running, &person("ada.buyer@booking-e2e.com", "US")).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["status"], "assigned");
    assert_eq!(
        answer["booking_url"],
        "https://calendly.com/ada/intro?utm_source=sb&name=Ada+O%27Hara&email=ada.buyer%40booking-e2e.com"
    );
    assert!(answer.get("booking_fallback").is_none(), "{answer}");
    let lead_id = answer["lead_id"].as_str().unwrap();
    assert_eq!(status_of(&running, lead_id).await, LeadStatus::Assigned);

    let (status, location) = post_form(
        &running,
        "first_name=Grace&last_name=Hopper&email=grace%40booking-e2e.co.uk&country=GB",
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(
            "https://meetings.hubspot.com/bob?firstName=Grace&lastName=Hopper&email=grace%40booking-e2e.co.uk"
        )
    );
    running.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_link_the_answer_is_the_thank_you_url_and_the_lead_is_kept() {
    let running = start("serve-booking-fallbacks").await;

    // Routing slower than the wait: no policy yet, so no decision within 3 s.
    let (status, slow) = post_api(&running, &person("late@booking-e2e.com", "US")).await;
    assert_eq!(status, 202, "{slow}");
    assert_eq!(slow["booking_fallback"], "timeout");
    assert_eq!(slow["thank_you_url"], API_THANKS);
    assert!(slow.get("booking_url").is_none());
    let late_id = slow["lead_id"].as_str().unwrap().to_owned();
    assert!(status_of(&running, &late_id).await.awaits_routing());

    activate(&running).await;
    // The timed-out lead was never held: routing assigns it once it can.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while status_of(&running, &late_id).await != LeadStatus::Assigned {
        assert!(tokio::time::Instant::now() < deadline, "never routed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Parked: nobody to meet.
    let (_, parked) = post_api(&running, &person("parked@booking-e2e.com", "FR")).await;
    assert_eq!(parked["booking_fallback"], "parked");
    assert_eq!(parked["status"], "parked");
    assert_eq!(parked["thank_you_url"], API_THANKS);
    let parked_id = parked["lead_id"].as_str().unwrap();
    assert_eq!(status_of(&running, parked_id).await, LeadStatus::Parked);

    // Assigned to a rep without a link.
    let (_, plain) = post_api(&running, &person("plain@booking-e2e.com", "DE")).await;
    assert_eq!(plain["booking_fallback"], "no_link");
    assert_eq!(plain["thank_you_url"], API_THANKS);
    assert_eq!(
        status_of(&running, plain["lead_id"].as_str().unwrap()).await,
        LeadStatus::Assigned
    );

    // A second lead from an address already routed is a duplicate: never routed, no wait.
    let started = std::time::Instant::now();
    let (_, dup) = post_api(&running, &person("plain@booking-e2e.com", "US")).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(dup["booking_fallback"], "duplicate");
    assert_eq!(dup["thank_you_url"], API_THANKS);
    assert_eq!(
        status_of(&running, dup["lead_id"].as_str().unwrap()).await,
        LeadStatus::Duplicate
    );

    // The browser form sends the person to the form's thank-you page in each case.
    for form in [
        "email=parked%40booking-e2e.fr&first_name=P&country=FR",
        "email=plain2%40booking-e2e.de&first_name=P&country=DE",
        "email=plain2%40booking-e2e.de&first_name=P&country=US",
    ] {
        let (status, location) = post_form(&running, form).await;
        assert_eq!(status, 303, "{form}");
        assert_eq!(location.as_deref(), Some(FORM_THANKS), "{form}");
    }
    running.shutdown().await.unwrap();
}
