//! A parked lead: its pool's channels (else the default) are told once per parking, on
//! every channel type, with the reason in words and how to act.

use serde_json::Value;
use switchboard_notifier::Notified;
use switchboard_notifier::channels::email;
use switchboard_routing::{ParkReason, PolicyDocument};
use switchboard_store::{LeadStore, NewLead, NotifyMessage, PolicyStore};

use crate::common::*;

const TITLE: &str = "Parked in triage: every rep was at a cap";

/// Stores the policy and the lead (not routed) and returns the notification of its
/// first decision having parked it in triage because every rep was at a cap.
async fn parked(store: &switchboard_store::embedded::EmbeddedStore, id: &str) -> NotifyMessage {
    let doc = PolicyDocument::from_yaml(POLICY).unwrap();
    let v = store.put_version(&doc, None, monday()).await.unwrap();
    store.set_active(v.version, None, monday()).await.unwrap();
    store
        .insert_if_absent(&NewLead::new(lead(id), format!("key:{id}")), monday())
        .await
        .unwrap();
    NotifyMessage::parked(id, "triage", ParkReason::AllAtCap, 1, v.version, monday())
}

/// `(title, text)` of what a channel got.
type Render = fn(&Value) -> (String, String);

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn every_channel_says_where_why_and_how_to_act() {
    let r = Receiver::start().await;
    r.answer("/teams", 202, "");
    let store = store();
    let m = parked(&store, "L-park").await;
    let routes = "default: [slack-room]\npools: { triage: [slack, teams, crm, audit] }";
    let n = notifier(store, &config_yaml(&r, routes)).await;
    let done = n.notify(&m).await.unwrap();
    assert_eq!(
        done,
        Notified::Delivered {
            sent: vec!["slack".into(), "teams".into(), "crm".into(), "audit".into()],
            already: vec![]
        }
    );
    let table: [(&str, Render); 3] = [
        ("/slack", |b| {
            (text(&b["text"]), text(&b["blocks"][1]["text"]["text"]))
        }),
        ("/teams", |b| {
            let card = &b["attachments"][0]["content"]["body"];
            (text(&card[0]["text"]), text(&card[1]["text"]))
        }),
        ("/crm", |b| (text(&b["title"]), text(&b["text"]))),
    ];
    for (path, render) in table {
        let got = r.got(path);
        assert_eq!(got.len(), 1, "{path}");
        let body = got[0].json();
        let (title, headline) = render(&body);
        assert_eq!(title, TITLE, "{path}");
        for expected in [
            "Ada Lovelace (Analytical",
            "waits in triage and nobody has it",
            "switchboard triage reroute L-park",
            "POST /v1/admin/triage/L-park/reroute",
            "POST /v1/admin/triage/L-park/assign",
        ] {
            assert!(
                headline.contains(expected),
                "{path}: {expected:?} in {headline}"
            );
        }
        // No secret of the configuration, no accept / reject buttons or links.
        let raw = String::from_utf8_lossy(&got[0].body).to_string();
        for secret in [ACTION_SECRET, WEBHOOK_SECRET, "xoxb-test-token"] {
            assert!(!raw.contains(secret), "{path} carries a secret");
        }
        assert!(!raw.contains("switchboard.accept"), "{path}");
        assert!(!raw.contains("Action.OpenUrl"), "{path}");
    }
    let slack = r.got("/slack")[0].json();
    let footer = text(&slack["blocks"].as_array().unwrap().last().unwrap()["elements"][0]["text"]);
    assert_eq!(footer, "Lead `L-park` · parked in triage");
    let teams = r.got("/teams")[0].json();
    let facts = &teams["attachments"][0]["content"]["body"][2]["facts"];
    assert!(facts.as_array().unwrap().iter().any(|f| f["value"] == "GB"));
    let hook = r.got("/crm")[0].json();
    assert_eq!(hook["kind"], "parked");
    assert_eq!(hook["rep"], Value::Null);
    assert_eq!(hook["addressee"], Value::Null);
    assert_eq!(hook["links"], Value::Null);
    assert_eq!(hook["message"]["reason"], "all_at_cap");
    assert_eq!(hook["lead"]["company"], "Analytical <Engines> & Co");
    assert_eq!(
        r.got("/crm")[0].header("x-switchboard-delivery"),
        Some("L-park:parked:1:parked")
    );

    // Email (SES is not called here: its text and HTML parts are what it would send).
    let note = n.note(&m, monday()).await.unwrap();
    let html = email::html(&note);
    assert!(html.contains(&format!("<h2>{TITLE}</h2>")), "{html}");
    assert!(
        html.contains("Analytical &lt;Engines&gt; &amp; Co"),
        "{html}"
    );
    assert!(
        html.contains("POST /v1/admin/triage/L-park/assign"),
        "{html}"
    );
    assert!(html.contains("Lead L-park · parked in triage"), "{html}");
    let plain = note.plain_text();
    assert!(plain.starts_with(TITLE), "{plain}");
    assert!(plain.contains("Country: GB"), "{plain}");
    assert!(
        !plain.contains("Why"),
        "a parking has no rep to explain: {plain}"
    );
    let channel = email::EmailChannel {
        from: "switchboard@example.com".into(),
        configuration_set: None,
        to: None,
    };
    assert!(
        channel.recipient(&note).is_err(),
        "no addressee: the channel's `to` only"
    );
}

#[tokio::test]
async fn a_redelivered_parking_is_sent_once_and_a_new_parking_again() {
    let r = Receiver::start().await;
    let store = store();
    let m = parked(&store, "L-twice").await;
    // No channel for the triage pool: the default takes it.
    let n = notifier(
        store,
        &config_yaml(&r, "default: [slack]\npools: { main: [crm] }"),
    )
    .await;
    n.notify(&m).await.unwrap();
    let again = n.notify(&m).await.unwrap();
    assert_eq!(
        again,
        Notified::Delivered {
            sent: vec![],
            already: vec!["slack".into()]
        }
    );
    assert_eq!(r.got("/slack").len(), 1);
    assert!(r.got("/crm").is_empty());
    // Parked again after a re-route: the third decision, a notification of its own.
    let later = NotifyMessage {
        assignment_id: NotifyMessage::parking_id("L-twice", 3),
        ..m
    };
    n.notify(&later).await.unwrap();
    assert_eq!(r.got("/slack").len(), 2);
}
