//! What each channel sends: Block Kit, the Adaptive Card, the signed webhook.

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use serde_json::{Value, json};
use sha2::Sha256;
use switchboard_notifier::Notified;
use switchboard_store::action_link::{LinkAction, verify};
use switchboard_store::{NotifyKind, NotifyMessage};

use crate::common::*;

#[tokio::test]
async fn slack_webhook_gets_block_kit_with_accept_and_reject_buttons() {
    let r = Receiver::start().await;
    let store = store();
    let a = routed(&store, "L-slack").await;
    let n = notifier(store, &config_yaml(&r, "default: [slack]")).await;
    let done = n.notify(&message(&a)).await.unwrap();
    assert_eq!(
        done,
        Notified::Delivered {
            sent: vec!["slack".into()],
            already: vec![]
        }
    );
    let got = r.got("/slack");
    assert_eq!(got.len(), 1);
    assert!(
        got[0]
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body = got[0].json();
    assert_eq!(
        body["text"],
        "New lead: Ada Lovelace (Analytical <Engines> & Co)"
    );
    let blocks = body["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["type"], "plain_text");
    // Lead data is escaped in mrkdwn, so a form value cannot inject a mention or link.
    let section = blocks[1]["text"]["text"].as_str().unwrap();
    assert!(
        section.contains("Analytical &lt;Engines&gt; &amp; Co"),
        "{section}"
    );
    assert!(section.contains("is assigned to Ana Alves"), "{section}");
    // The deadline on Ana's clock (Berlin, CEST) and in UTC.
    assert!(
        section.contains("2026-06-01 12:15 CEST (2026-06-01 10:15 UTC)"),
        "{section}"
    );
    let fields: Vec<&str> = blocks[2]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    for expected in [
        "*Name*\nAda Lovelace",
        "*Email*\nada@analytical.example",
        "*Phone*\n+441234567890",
        "*Country*\nGB",
        "*Source*\ntypeform-demo",
    ] {
        assert!(fields.contains(&expected), "{expected:?} not in {fields:?}");
    }
    // Why this rep: the decision record's summary.
    let why = blocks[3]["elements"][0]["text"].as_str().unwrap();
    assert!(why.starts_with("*Why Ana Alves:*"), "{why}");
    let actions = blocks
        .iter()
        .find(|b| b["type"] == "actions")
        .expect("an actions block");
    let elements = actions["elements"].as_array().unwrap();
    assert_eq!(elements.len(), 3);
    assert_eq!(elements[0]["action_id"], "switchboard.accept");
    assert_eq!(elements[1]["action_id"], "switchboard.reject");
    for b in &elements[..2] {
        assert_eq!(b["type"], "button");
        assert_eq!(b["value"], format!("L-slack:{}", a.attempt));
    }
    // The recycle menu: every reason but `other` (which needs a note), each option naming
    // the assignment and the reason.
    let menu = &elements[2];
    assert_eq!(
        (&menu["type"], &menu["action_id"]),
        (&json!("static_select"), &json!("switchboard.recycle"))
    );
    let values: Vec<&str> = menu["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["value"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = [
        "bad_data",
        "no_budget",
        "student",
        "competitor",
        "job_seeker",
        "not_decision_maker",
    ]
    .iter()
    .map(|r| format!("L-slack:{}:{r}", a.attempt))
    .collect();
    assert_eq!(values, expected);
}

#[tokio::test]
async fn messages_without_an_action_have_no_buttons() {
    let r = Receiver::start().await;
    let store = store();
    let a = routed(&store, "L-away").await;
    let n = notifier(store, &config_yaml(&r, "default: [slack]")).await;
    let away = NotifyMessage::reassigned_away(&a, "sla_expired", Some("bo"));
    n.notify(&away).await.unwrap();
    let body = r.got("/slack")[0].json();
    assert_eq!(
        body["text"],
        "Lead reassigned: Ada Lovelace (Analytical <Engines> & Co)"
    );
    let blocks = body["blocks"].as_array().unwrap();
    assert!(blocks.iter().all(|b| b["type"] != "actions"));
    let text = blocks[1]["text"]["text"].as_str().unwrap();
    assert!(
        text.contains("no longer assigned to Ana Alves (sla_expired); Bo Berg has it now"),
        "{text}"
    );
}

#[tokio::test]
async fn slack_bot_sends_a_direct_message_to_the_reps_member_id() {
    let r = Receiver::start().await;
    r.answer("/api/chat.postMessage", 200, r#"{"ok":true,"ts":"1.2"}"#);
    let store = store();
    let a = routed(&store, "L-dm").await;
    let routes = "reps: { ana: { channels: [slack-dm], slack_user: U0ANA }, bo: { channels: [slack-dm], slack_user: U0BO } }";
    let n = notifier(store, &config_yaml(&r, routes)).await;
    n.notify(&message(&a)).await.unwrap();
    let got = r.got("/api/chat.postMessage");
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].header("authorization"),
        Some("Bearer xoxb-test-token")
    );
    let body = got[0].json();
    let expected = if a.rep == "ana" { "U0ANA" } else { "U0BO" };
    assert_eq!(body["channel"], expected);
    assert!(
        body["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["type"] == "actions")
    );
}

#[tokio::test]
async fn slack_bot_errors_fail_the_message_and_say_why() {
    let r = Receiver::start().await;
    r.answer(
        "/api/chat.postMessage",
        200,
        r#"{"ok":false,"error":"channel_not_found"}"#,
    );
    let store = store();
    let a = routed(&store, "L-bot-err").await;
    let n = notifier(store, &config_yaml(&r, "default: [slack-room]")).await;
    let err = n.notify(&message(&a)).await.unwrap_err();
    assert!(err.to_string().contains("channel_not_found"), "{err}");
    assert!(err.is_permanent());
    assert_eq!(
        r.got("/api/chat.postMessage")[0].json()["channel"],
        "C0SALES"
    );
}

#[tokio::test]
async fn slack_bot_without_a_member_id_cannot_send() {
    let r = Receiver::start().await;
    let store = store();
    let a = routed(&store, "L-nouser").await;
    let n = notifier(store, &config_yaml(&r, "default: [slack-dm]")).await;
    let err = n.notify(&message(&a)).await.unwrap_err();
    assert!(err.to_string().contains("has no slack_user"), "{err}");
    assert!(r.got("/api/chat.postMessage").is_empty());
}

#[tokio::test]
async fn teams_gets_an_adaptive_card_with_signed_links() {
    let r = Receiver::start().await;
    r.answer("/teams", 202, "");
    let store = store();
    let a = routed(&store, "L-teams").await;
    let n = notifier(store, &config_yaml(&r, "default: [teams]")).await;
    n.notify(&message(&a)).await.unwrap();
    let body = r.got("/teams")[0].json();
    assert_eq!(body["type"], "message");
    let attachment = &body["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    assert_eq!(card["body"][0]["type"], "TextBlock");
    let facts = card["body"][2]["facts"].as_array().unwrap();
    assert!(facts.contains(&json!({"title": "Company", "value": "Analytical <Engines> & Co"})));
    let actions = card["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 3);
    for (action, expected) in
        actions
            .iter()
            .zip([LinkAction::Accept, LinkAction::Reject, LinkAction::Recycle])
    {
        assert_eq!(action["type"], "Action.OpenUrl");
        let url = action["url"].as_str().unwrap();
        let token = url
            .strip_prefix("https://leads.example.com/v1/actions/")
            .unwrap_or_else(|| panic!("link {url}"));
        let claim = verify(ACTION_SECRET.as_bytes(), token, monday()).expect("a valid link");
        assert_eq!(claim.action, expected);
        assert_eq!(
            (claim.lead_id.as_str(), claim.attempt),
            ("L-teams", a.attempt)
        );
        assert_eq!(claim.rep, a.rep);
        assert_eq!(
            claim.expires_at,
            monday() + jiff::SignedDuration::from_hours(72)
        );
        assert!(verify(b"another secret", token, monday()).is_err());
    }
}

/// A receiver's check, as docs/NOTIFICATIONS.md describes it.
fn verify_signature(secret: &[u8], header: &str, body: &[u8], now: Timestamp) -> bool {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now.as_second() - t).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    v1.iter()
        .any(|sig| hex::decode(sig).is_ok_and(|sig| mac.clone().verify_slice(&sig).is_ok()))
}

#[tokio::test]
async fn webhook_is_signed_and_a_tampered_body_fails_verification() {
    let r = Receiver::start().await;
    let store = store();
    let a = routed(&store, "L-hook").await;
    let n = notifier(store, &config_yaml(&r, "default: [audit]\nalways: [crm]")).await;
    n.notify(&message(&a)).await.unwrap();
    let got = r.got("/crm");
    assert_eq!(got.len(), 1);
    let sig = got[0]
        .header("x-switchboard-signature")
        .expect("signature header");
    assert!(
        sig.starts_with(&format!("t={},v1=", monday().as_second())),
        "{sig}"
    );
    assert!(verify_signature(
        WEBHOOK_SECRET.as_bytes(),
        sig,
        &got[0].body,
        monday()
    ));
    // Any change to the body, the time or the key fails.
    let mut tampered = got[0].body.to_vec();
    let at = tampered.iter().position(|b| *b == b'A').unwrap();
    tampered[at] = b'B';
    assert!(!verify_signature(
        WEBHOOK_SECRET.as_bytes(),
        sig,
        &tampered,
        monday()
    ));
    let later = sig.replace(
        &format!("t={}", monday().as_second()),
        &format!("t={}", monday().as_second() + 1),
    );
    assert!(!verify_signature(
        WEBHOOK_SECRET.as_bytes(),
        &later,
        &got[0].body,
        monday()
    ));
    assert!(!verify_signature(b"wrong", sig, &got[0].body, monday()));
    // A replay long after is refused by the timestamp window.
    assert!(!verify_signature(
        WEBHOOK_SECRET.as_bytes(),
        sig,
        &got[0].body,
        monday() + jiff::SignedDuration::from_hours(1)
    ));

    assert_eq!(
        got[0].header("x-switchboard-delivery"),
        Some(format!("L-hook:{}:assigned", a.attempt).as_str())
    );
    let body: Value = got[0].json();
    assert_eq!(body["type"], "switchboard.notification");
    assert_eq!(body["kind"], "assigned");
    assert_eq!(body["lead"]["company"], "Analytical <Engines> & Co");
    assert_eq!(body["rep"]["id"], a.rep.as_str());
    assert_eq!(
        body["message"]["assignment_id"],
        format!("L-hook:{}", a.attempt)
    );
    assert_eq!(body["sla"]["due"], "2026-06-01T10:15:00Z");
    assert!(
        body["links"]["accept"]
            .as_str()
            .unwrap()
            .starts_with("https://leads.example.com/v1/actions/")
    );
    assert!(body["why"].as_str().is_some_and(|w| !w.is_empty()));
}

#[tokio::test]
async fn escalation_goes_to_the_managers_channels_on_the_managers_clock() {
    let r = Receiver::start().await;
    let store = store();
    let a = routed(&store, "L-esc").await;
    let routes = "default: [audit]\nreps: { mia: { channels: [crm] } }";
    let n = notifier(store, &config_yaml(&r, routes)).await;
    let m = NotifyMessage::escalated(&a, Some("mia"), "bounced 3 times");
    assert_eq!(m.kind, NotifyKind::Escalated);
    n.notify(&m).await.unwrap();
    let body = r.got("/crm")[0].json();
    assert_eq!(body["kind"], "escalated");
    assert_eq!(body["addressee"]["id"], "mia");
    assert_eq!(body["addressee"]["email"], "mia@example.com");
    // London is on BST in June.
    assert_eq!(body["sla"]["local"], "2026-06-01 11:15 BST");
    assert_eq!(
        body["links"],
        Value::Null,
        "an escalation asks no accept/reject"
    );
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .contains("needs attention (bounced 3 times)")
    );
}
