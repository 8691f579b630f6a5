//! One fixture per provider, written from its documented format: accepted with a valid
//! signature or token and normalized as expected; refused (and nothing stored) otherwise.

use http::StatusCode;
use serde_json::Value;
use switchboard_routing::{Lead, Scalar};
use switchboard_store::StoredLead;

use crate::common::*;

async fn only_lead(h: &Harness) -> StoredLead {
    let all = h.store.all().await;
    assert_eq!(all.len(), 1, "expected exactly one stored lead");
    all.into_iter().next().unwrap()
}

fn text(s: &str) -> Scalar {
    Scalar::Text(s.to_owned())
}

/// The normalized standard fields of a lead, as a table of (field, expected value); a
/// field the table leaves out is not checked.
#[track_caller]
fn assert_fields(l: &Lead, want: &[(&str, &str)]) {
    for &(field, value) in want {
        let got = match field {
            "email" => l.email.as_deref(),
            "email_domain" => l.email_domain.as_deref(),
            "first_name" => l.first_name.as_deref(),
            "last_name" => l.last_name.as_deref(),
            "company" => l.company.as_deref(),
            "country" => l.country.as_deref(),
            "phone" => l.phone.as_deref(),
            "source" => l.source.as_deref(),
            other => panic!("no lead field `{other}` in this table"),
        };
        assert_eq!(got, Some(value), "lead field `{field}`");
    }
}

/// The lead's attributes, as a table of (key, expected value).
#[track_caller]
fn assert_attributes(l: &Lead, want: &[(&str, Scalar)]) {
    for (key, value) in want {
        assert_eq!(l.attributes[*key], *value, "attribute `{key}`");
    }
}

/// Sends `request`, requires it to be accepted and returns the one lead it stored.
async fn accepted(h: &Harness, request: http::Request<axum::body::Body>) -> StoredLead {
    let a = h.send(request).await;
    assert_accepted(&a);
    only_lead(h).await
}

/// The request was accepted; otherwise the problem document says why.
#[track_caller]
fn assert_accepted(a: &Answer) {
    assert_eq!(
        a.status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
}

async fn assert_refused(h: &Harness, request: http::Request<axum::body::Body>, detail: &str) {
    let a = h.send(request).await;
    assert_eq!(
        a.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    assert_eq!(a.content_type(), "application/problem+json");
    let p = a.json();
    assert_eq!(p["status"], 401);
    assert!(p["detail"].as_str().unwrap().contains(detail), "{p}");
    assert!(
        h.store.is_empty().await,
        "a refused request must write nothing"
    );
    assert!(h.queue.lead_ids().is_empty());
}

#[tokio::test]
async fn typeform_form_response_is_accepted_and_normalized() {
    let h = Harness::new();
    let body = fixture("typeform.json");
    let a = h.send(typeform_request(&body)).await;
    assert_accepted(&a);
    let answer = a.json();
    let id = answer["lead_id"].as_str().unwrap();
    assert_eq!(answer["status"], "queued");
    assert_eq!(
        answer["status_url"],
        format!("https://leads.example.com/v1/leads/{id}")
    );
    assert!(answer.get("duplicate_of").is_none());
    assert_eq!(
        a.headers["location"],
        format!("https://leads.example.com/v1/leads/{id}").as_str()
    );

    let r = only_lead(&h).await;
    let l = &r.lead;
    assert_eq!(l.id, id);
    assert_eq!(l.received_at, now());
    assert_fields(
        l,
        &[
            ("source", "typeform"),
            ("email", "laura.mueller@example-industries.de"),
            ("email_domain", "example-industries.de"),
            ("phone", "+4930901820"),
            ("country", "DE"),
            ("company", "Example Industries"),
            ("first_name", "Laura"),
            ("last_name", "Müller"),
        ],
    );
    assert!(!l.free_mail);
    assert_attributes(
        l,
        &[
            ("employees", Scalar::Number(250.0)),
            ("products", text("Routing, Analytics")),
            ("has_crm", Scalar::Bool(true)),
            ("utm_source", text("newsletter")),
            ("lead_score", Scalar::Number(42.0)),
            ("score", Scalar::Number(9.0)),
        ],
    );
    assert_eq!(
        r.idempotency_key,
        "typeform:provider:a3a12ec67a1365927098a606107fac15"
    );
    assert_eq!(
        r.raw.as_ref().expect("raw payload kept").body.as_bytes(),
        body.as_slice(),
        "original payload kept verbatim"
    );
    assert_eq!(h.queue.lead_ids(), vec![id.to_owned()]);
}

#[tokio::test]
async fn typeform_signature_rejections() {
    let body = fixture("typeform.json");
    let sig = typeform_signature(TYPEFORM_SECRET, &body);
    let with = |sig: String, body: &[u8]| {
        post(
            "/v1/hooks/typeform",
            "application/json",
            &[("typeform-signature", sig)],
            body.to_vec(),
        )
    };
    let mut tampered = body.clone();
    let at = tampered.windows(5).position(|w| w == b"Laura").unwrap();
    tampered[at] = b'M';
    let mac = switchboard_intake::signature::hmac_sha256(TYPEFORM_SECRET.as_bytes(), &[&body]);
    // Re-serializing the JSON (same data, different bytes) must not verify either.
    let reserialized =
        serde_json::to_vec(&serde_json::from_slice::<Value>(&body).unwrap()).unwrap();
    let cases = [
        (with(sig.clone(), &tampered), "does not match"),
        (with(sig.clone(), &reserialized), "does not match"),
        (
            with(typeform_signature("wrong-secret", &body), &body),
            "does not match",
        ),
        (
            with(format!("sha256={}", hex::encode(mac)), &body),
            "does not match",
        ),
        (
            with(sig.trim_start_matches("sha256=").to_owned(), &body),
            "malformed",
        ),
        (with("sha256=%%%".into(), &body), "malformed"),
        (
            post("/v1/hooks/typeform", "application/json", &[], body.clone()),
            "missing signature",
        ),
    ];
    for (request, detail) in cases {
        assert_refused(&Harness::new(), request, detail).await;
    }
}

#[tokio::test]
async fn hubspot_contact_is_accepted_with_the_configured_public_url() {
    let h = Harness::new();
    let body = fixture("hubspot.json");
    let r = accepted(&h, hubspot_request(&body, NOW_SECS - 30)).await;
    let l = &r.lead;
    assert_fields(
        l,
        &[
            ("email", "tom.baker@northwind.co.uk"),
            ("email_domain", "northwind.co.uk"),
            ("first_name", "Tom"),
            ("last_name", "Baker"),
            ("company", "Northwind Traders"),
            ("country", "GB"),
            ("phone", "+442079460958"),
        ],
    );
    assert_attributes(
        l,
        &[
            ("jobtitle", text("Head of Sales Operations")),
            ("hubspot_contact_id", text("3151")),
        ],
    );
    // The newest form submission's conversion id is the idempotency key.
    assert_eq!(
        r.idempotency_key,
        "hubspot:provider:9f8e7d6c-5b4a-3c2d-1e0f-a1b2c3d4e5f6"
    );
}

#[tokio::test]
async fn hubspot_without_public_url_signs_the_request_uri() {
    let h = Harness::new();
    let body = fixture("hubspot.json");
    let ts = ms(NOW_SECS);
    // HubSpot signs the URI with these escapes decoded; the request carries them encoded.
    let signed_uri = "https://leads.example.com/v1/hooks/hubspot-direct?portal=62515&from=a:b";
    let sig = hubspot_signature(HUBSPOT_SECRET, "POST", signed_uri, &body, &ts);
    let request = post(
        "/v1/hooks/hubspot-direct?portal=62515&from=a%3Ab",
        "application/json",
        &[
            ("x-hubspot-request-timestamp", ts),
            ("x-hubspot-signature-v3", sig),
        ],
        body,
    );
    let a = h.send(request).await;
    assert_accepted(&a);
}

#[tokio::test]
async fn hubspot_signature_and_timestamp_rejections() {
    let body = fixture("hubspot.json");
    let signed = |secret: &str, uri: &str, method: &str, at: i64, body: &[u8]| {
        let ts = ms(at);
        post(
            "/v1/hooks/hubspot",
            "application/json",
            &[
                ("x-hubspot-request-timestamp", ts.clone()),
                (
                    "x-hubspot-signature-v3",
                    hubspot_signature(secret, method, uri, body, &ts),
                ),
            ],
            body.to_vec(),
        )
    };
    let mut tampered = body.clone();
    tampered.push(b' ');
    let cases = [
        (
            signed(HUBSPOT_SECRET, HUBSPOT_URL, "POST", NOW_SECS - 301, &body),
            "too old",
        ),
        (
            signed(HUBSPOT_SECRET, HUBSPOT_URL, "POST", NOW_SECS + 301, &body),
            "future",
        ),
        (
            signed("nope", HUBSPOT_URL, "POST", NOW_SECS, &body),
            "does not match",
        ),
        // The stage-prefixed API Gateway URL is not what HubSpot called.
        (
            signed(
                HUBSPOT_SECRET,
                "https://abc.execute-api.eu-central-1.amazonaws.com/prod/v1/hooks/hubspot",
                "POST",
                NOW_SECS,
                &body,
            ),
            "does not match",
        ),
        (
            signed(HUBSPOT_SECRET, HUBSPOT_URL, "PUT", NOW_SECS, &body),
            "does not match",
        ),
        (
            {
                let ts = ms(NOW_SECS);
                let sig = hubspot_signature(HUBSPOT_SECRET, "POST", HUBSPOT_URL, &body, &ts);
                post(
                    "/v1/hooks/hubspot",
                    "application/json",
                    &[
                        ("x-hubspot-request-timestamp", ts),
                        ("x-hubspot-signature-v3", sig),
                    ],
                    tampered.clone(),
                )
            },
            "does not match",
        ),
        (
            post(
                "/v1/hooks/hubspot",
                "application/json",
                &[(
                    "x-hubspot-signature-v3",
                    hubspot_signature(HUBSPOT_SECRET, "POST", HUBSPOT_URL, &body, "x"),
                )],
                body.clone(),
            ),
            "timestamp",
        ),
        (
            // A hex digest where HubSpot sends base64.
            {
                let ts = ms(NOW_SECS);
                let mac = switchboard_intake::signature::hmac_sha256(
                    HUBSPOT_SECRET.as_bytes(),
                    &[b"POST", HUBSPOT_URL.as_bytes(), &body, ts.as_bytes()],
                );
                post(
                    "/v1/hooks/hubspot",
                    "application/json",
                    &[
                        ("x-hubspot-request-timestamp", ts),
                        ("x-hubspot-signature-v3", hex::encode(mac)),
                    ],
                    body.clone(),
                )
            },
            "does not match",
        ),
    ];
    for (request, detail) in cases {
        assert_refused(&Harness::new(), request, detail).await;
    }
}

#[tokio::test]
async fn webflow_form_submission_is_accepted_with_numbers() {
    let h = Harness::new();
    let body = fixture("webflow.json");
    let r = accepted(&h, webflow_request(&body, NOW_SECS - 299)).await;
    let l = &r.lead;
    assert_fields(
        l,
        &[
            ("first_name", "Sofía"),
            ("last_name", "García López"),
            ("email", "sofia.garcia@acme-iberia.es"),
            ("country", "ES"),
            ("company", "Acme Iberia"),
            // Sent as a JSON number, read as a phone number.
            ("phone", "+34911234567"),
        ],
    );
    assert_attributes(
        l,
        &[
            ("employees", Scalar::Number(35.0)),
            ("newsletter", Scalar::Bool(false)),
            ("form_name", text("Contact Sales")),
        ],
    );
    assert_eq!(
        r.idempotency_key,
        "webflow:provider:6321ca84df3949bfc6752327"
    );
}

#[tokio::test]
async fn webflow_rejections() {
    let body = fixture("webflow.json");
    let ts = ms(NOW_SECS);
    let b64 =
        switchboard_intake::signature::encode_base64(&switchboard_intake::signature::hmac_sha256(
            WEBFLOW_SECRET.as_bytes(),
            &[ts.as_bytes(), b":", &body],
        ));
    let cases = [
        (webflow_request(&body, NOW_SECS - 301), "too old"),
        (webflow_request(&body, NOW_SECS + 400), "future"),
        (
            // Signed in seconds where Webflow uses milliseconds: far in the past.
            {
                let secs = NOW_SECS.to_string();
                post(
                    "/v1/hooks/webflow",
                    "application/json",
                    &[
                        ("x-webflow-timestamp", secs.clone()),
                        (
                            "x-webflow-signature",
                            webflow_signature(WEBFLOW_SECRET, &secs, &body),
                        ),
                    ],
                    body.clone(),
                )
            },
            "too old",
        ),
        (
            post(
                "/v1/hooks/webflow",
                "application/json",
                &[
                    ("x-webflow-timestamp", ts.clone()),
                    ("x-webflow-signature", b64),
                ],
                body.clone(),
            ),
            "malformed",
        ),
        (
            post(
                "/v1/hooks/webflow",
                "application/json",
                &[
                    ("x-webflow-timestamp", ms(NOW_SECS - 1)),
                    (
                        "x-webflow-signature",
                        webflow_signature(WEBFLOW_SECRET, &ts, &body),
                    ),
                ],
                body.clone(),
            ),
            "does not match",
        ),
        (
            post(
                "/v1/hooks/webflow",
                "application/json",
                &[(
                    "x-webflow-signature",
                    webflow_signature(WEBFLOW_SECRET, &ts, &body),
                )],
                body.clone(),
            ),
            "timestamp",
        ),
    ];
    for (request, detail) in cases {
        assert_refused(&Harness::new(), request, detail).await;
    }
}

#[tokio::test]
async fn tally_choice_ids_are_mapped_through_options() {
    let h = Harness::new();
    let body = fixture("tally.json");
    let r = accepted(&h, tally_request(&body)).await;
    let l = &r.lead;
    assert_fields(
        l,
        &[
            ("email", "yuki.tanaka@example.co.jp"),
            ("email_domain", "example.co.jp"),
            ("phone", "+81312345678"),
            ("country", "JP"),
            ("company", "Tanaka Shoji"),
        ],
    );
    assert_attributes(
        l,
        &[
            ("interested_in", text("Routing, SLA alerts")),
            ("seats", Scalar::Number(12.0)),
            ("utm_source", text("linkedin")),
        ],
    );
    assert!(!l.attributes.contains_key("attachment"));
    assert!(r.warnings.iter().any(|w| w.field == "Attachment"));
    assert_eq!(r.idempotency_key, "tally:provider:2wgx4n");
}

#[tokio::test]
async fn tally_rejections() {
    let body = fixture("tally.json");
    let hex_sig = hex::encode(switchboard_intake::signature::hmac_sha256(
        TALLY_SECRET.as_bytes(),
        &[&body],
    ));
    let cases = [
        (
            post(
                "/v1/hooks/tally",
                "application/json",
                &[("tally-signature", hex_sig)],
                body.clone(),
            ),
            "does not match",
        ),
        (
            post(
                "/v1/hooks/tally",
                "application/json",
                &[("tally-signature", tally_signature("x", &body))],
                body.clone(),
            ),
            "does not match",
        ),
        (
            post("/v1/hooks/tally", "application/json", &[], body.clone()),
            "missing signature",
        ),
        // Tally's signature in Typeform's header format is still a missing Tally signature.
        (
            post(
                "/v1/hooks/tally",
                "application/json",
                &[(
                    "typeform-signature",
                    typeform_signature(TALLY_SECRET, &body),
                )],
                body.clone(),
            ),
            "missing signature",
        ),
    ];
    for (request, detail) in cases {
        assert_refused(&Harness::new(), request, detail).await;
    }
}

#[tokio::test]
async fn calendly_invitee_created_is_accepted() {
    let h = Harness::new();
    let body = fixture("calendly.json");
    let r = accepted(&h, calendly_request(&body, NOW_SECS - 60)).await;
    let l = &r.lead;
    assert_fields(
        l,
        &[
            ("email", "amara.okafor@lagos-logistics.com.ng"),
            ("email_domain", "lagos-logistics.com.ng"),
            ("first_name", "Amara"),
            ("last_name", "Okafor"),
            ("company", "Lagos Logistics"),
            ("country", "NG"),
            ("phone", "+2348031234567"),
        ],
    );
    assert_attributes(
        l,
        &[
            ("utm_campaign", text("emea-q3")),
            ("event_name", text("30 Minute Demo")),
            ("timezone", text("Africa/Lagos")),
            (
                "what_would_you_like_to_discuss",
                text("We route 300 inbound leads a week."),
            ),
        ],
    );
    assert!(
        r.idempotency_key
            .starts_with("calendly:provider:https://api.calendly.com/scheduled_events/")
    );
}

#[tokio::test]
async fn calendly_rejections() {
    let body = fixture("calendly.json");
    let with = |value: String| {
        post(
            "/v1/hooks/calendly",
            "application/json",
            &[("calendly-webhook-signature", value)],
            body.clone(),
        )
    };
    let good = t_v1_signature(CALENDLY_SECRET, NOW_SECS, &body);
    let v1 = good.split("v1=").nth(1).unwrap().to_owned();
    let b64 = switchboard_intake::signature::encode_base64(&hex::decode(&v1).unwrap());
    let cases = [
        (calendly_request(&body, NOW_SECS - 181), "too old"),
        (calendly_request(&body, NOW_SECS + 181), "future"),
        (
            with(t_v1_signature("other-key", NOW_SECS, &body)),
            "does not match",
        ),
        // The signature of another timestamp, with this one claimed.
        (
            with(format!("t={},v1={v1}", NOW_SECS - 1)),
            "does not match",
        ),
        (with(format!("t={NOW_SECS},v1={b64}")), "malformed"),
        (with(format!("v1={v1}")), "malformed"),
        (with(format!("t={}000,v1={v1}", NOW_SECS)), "timestamp"),
    ];
    for (request, detail) in cases {
        assert_refused(&Harness::new(), request, detail).await;
    }
}

#[tokio::test]
async fn jotform_multipart_raw_request_is_accepted_with_path_token() {
    let h = Harness::new();
    let body = fixture("jotform.multipart");
    let ct = "multipart/form-data; boundary=------JotformBoundary7MA4YWxkTrZu0gW";
    let r = accepted(
        &h,
        post(&format!("/v1/hooks/jotform/{TOKEN}"), ct, &[], body),
    )
    .await;
    let l = &r.lead;
    assert_fields(
        l,
        &[
            ("first_name", "Priya"),
            ("last_name", "Raman"),
            ("email", "priya.raman@chennai-soft.in"),
            ("phone", "+919876543210"),
            ("company", "Chennai Soft"),
            ("country", "IN"),
        ],
    );
    assert_attributes(
        l,
        &[
            ("address_city", text("Chennai")),
            ("teamsize", text("11-50")),
            ("form_title", text("Request a demo")),
        ],
    );
    assert_eq!(r.idempotency_key, "jotform:provider:5934217890123456789");
}

#[tokio::test]
async fn token_sources_refuse_wrong_or_missing_tokens() {
    let body = fixture("jotform.multipart");
    let ct = "multipart/form-data; boundary=------JotformBoundary7MA4YWxkTrZu0gW";
    let cases = [
        post("/v1/hooks/jotform/wrong-token", ct, &[], body.clone()),
        post("/v1/hooks/jotform", ct, &[], body.clone()),
        post(
            "/v1/hooks/jotform",
            ct,
            &[("x-switchboard-token", "tok".into())],
            body.clone(),
        ),
        // A token source does not take an API key instead.
        post(
            "/v1/hooks/jotform",
            ct,
            &[("authorization", format!("Bearer {TOKEN}"))],
            body.clone(),
        ),
        // A signed provider does not take a path token.
        post(
            &format!("/v1/hooks/typeform/{TOKEN}"),
            "application/json",
            &[],
            fixture("typeform.json"),
        ),
    ];
    for request in cases {
        assert_refused(&Harness::new(), request, "credentials").await;
    }
}

#[tokio::test]
async fn gravity_forms_entry_with_field_id_mapping() {
    let h = Harness::new();
    let body = fixture("gravity_forms.json");
    let r = accepted(
        &h,
        post(
            "/v1/hooks/gravity",
            "application/json",
            &[("x-switchboard-token", TOKEN.into())],
            body,
        ),
    )
    .await;
    let l = &r.lead;
    assert_fields(
        l,
        &[
            ("email", "olivia.chen@maplesoft.ca"),
            ("first_name", "Olivia"),
            ("last_name", "Chen"),
            ("company", "Maplesoft"),
            ("country", "CA"),
        ],
    );
    assert_attributes(
        l,
        &[
            ("plan", text("Enterprise")),
            ("page_url", text("https://example.com/contact/")),
        ],
    );
    assert!(
        !l.attributes.contains_key("ip"),
        "entry metadata is not lead data"
    );
    assert_eq!(r.idempotency_key, "gravity:provider:1187");
}

#[tokio::test]
async fn zapier_and_make_json_including_a_wrapping_array() {
    let h = Harness::new();
    let tok = [("x-switchboard-token", TOKEN.to_owned())];
    let a = h
        .send(post(
            "/v1/hooks/zapier",
            "application/json",
            &tok,
            fixture("zapier.json"),
        ))
        .await;
    let zap_id = a.lead_id();
    let a = h
        .send(post(
            "/v1/hooks/make",
            "application/json",
            &tok,
            fixture("make.json"),
        ))
        .await;
    let make_id = a.lead_id();

    let zap = h
        .store
        .all()
        .await
        .into_iter()
        .find(|r| r.lead.id == zap_id)
        .unwrap();
    assert_eq!(zap.lead.country.as_deref(), Some("CZ"));
    assert_eq!(zap.lead.company.as_deref(), Some("BrnoTech"));
    assert_eq!(zap.lead.last_name.as_deref(), Some("Novák"));
    assert_eq!(zap.lead.attributes["deal_amount"], Scalar::Number(12000.0));
    assert_eq!(zap.lead.attributes["tags"], text("inbound, webinar"));
    assert_eq!(zap.idempotency_key, "zapier:provider:zap-run-7781");

    let make = h
        .store
        .all()
        .await
        .into_iter()
        .find(|r| r.lead.id == make_id)
        .unwrap();
    assert_eq!(
        make.lead.email.as_deref(),
        Some("ines.silva@lisboa-digital.pt")
    );
    assert_eq!(make.lead.first_name.as_deref(), Some("Inês"));
    assert_eq!(make.lead.last_name.as_deref(), Some("Silva"));
    assert_eq!(make.lead.company.as_deref(), Some("Lisboa Digital"));
    assert_eq!(make.lead.country.as_deref(), Some("PT"));
    assert!(make.idempotency_key.starts_with("make:hash:"));

    let two = br#"[{"email":"a@acme.com"},{"email":"b@acme.com"}]"#.to_vec();
    let a = h
        .send(post("/v1/hooks/make", "application/json", &tok, two))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(h.store.len().await, 2);
}

#[tokio::test]
async fn html_form_post_with_repeated_fields() {
    let h = Harness::new();
    let l = &accepted(
        &h,
        post(
            &format!("/v1/hooks/website/{TOKEN}"),
            "application/x-www-form-urlencoded",
            &[],
            fixture("html_form.txt"),
        ),
    )
    .await
    .lead;
    assert_fields(
        l,
        &[
            ("email", "ahmed@gulf-trading.ae"),
            ("country", "AE"),
            ("company", "Gulf Trading"),
            ("phone", "+97143123456"),
        ],
    );
    assert_attributes(l, &[("interest", text("routing, sla"))]);
    assert!(!l.attributes.contains_key("submit"));
}

#[tokio::test]
async fn browser_form_with_thank_you_url_gets_a_303() {
    let h = Harness::new();
    let a = h
        .send(post(
            &format!("/v1/hooks/website-thanks/{TOKEN}"),
            "application/x-www-form-urlencoded",
            &[],
            fixture("html_form.txt"),
        ))
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.headers["location"], "https://example.com/thanks");
    assert_eq!(h.store.len().await, 1);
}

#[tokio::test]
async fn web_to_lead_post_ignores_ret_url_and_maps_custom_fields() {
    let h = Harness::new();
    let a = h
        .send(post(
            &format!("/v1/hooks/w2l/{TOKEN}"),
            "application/x-www-form-urlencoded",
            &[],
            fixture("web_to_lead.txt"),
        ))
        .await;
    assert_accepted(&a);
    assert!(
        a.headers
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("/v1/leads/")
    );
    let l = &only_lead(&h).await.lead;
    assert_fields(
        l,
        &[
            ("email", "marie.dubois@lyon-conseil.fr"),
            ("country", "FR"),
            ("company", "Lyon Conseil"),
            ("phone", "+33472000000"),
        ],
    );
    assert_attributes(
        l,
        &[
            ("employees", text("250")),
            ("title", text("Directrice commerciale")),
        ],
    );
    assert!(!l.attributes.keys().any(|k| k.contains("ret") || k == "oid"));
}

#[tokio::test]
async fn generic_api_with_api_key_and_explicit_attributes() {
    let h = Harness::new();
    let body = fixture("generic.json");
    for headers in [
        vec![("authorization", format!("Bearer {API_KEY}"))],
        vec![("x-api-key", API_KEY.to_owned())],
    ] {
        let a = h
            .send(post(
                "/v1/leads",
                "application/json",
                &headers,
                body.clone(),
            ))
            .await;
        assert_accepted(&a);
    }
    // Same bytes twice: one lead (content hash).
    let r = only_lead(&h).await;
    let l = &r.lead;
    assert_fields(
        l,
        &[
            ("source", "api"),
            ("country", "GH"),
            ("phone", "+233201234567"),
            ("company", "Accra Fintech"),
        ],
    );
    assert_attributes(
        l,
        &[
            // `attributes.phone` stays an attribute: explicit attributes are never matched by name.
            ("phone", text("not the contact phone")),
            ("employees", Scalar::Number(80.0)),
            ("trial", Scalar::Bool(true)),
        ],
    );
}

#[tokio::test]
async fn generic_api_with_hmac() {
    let h = Harness::new();
    let body = lead_json("hmac@acme.io");
    let request = |sig: String| {
        post(
            "/v1/leads",
            "application/json",
            &[
                ("x-switchboard-source", "api-hmac".into()),
                ("x-switchboard-signature", sig),
            ],
            body.clone(),
        )
    };
    let a = h
        .send(request(t_v1_signature(HMAC_SECRET, NOW_SECS, &body)))
        .await;
    assert_accepted(&a);
    for bad in [
        t_v1_signature("wrong", NOW_SECS, &body),
        t_v1_signature(HMAC_SECRET, NOW_SECS - 600, &body),
    ] {
        assert_eq!(h.send(request(bad)).await.status, StatusCode::UNAUTHORIZED);
    }
    // The HMAC source's secret is not an API key.
    let a = h
        .send(post(
            "/v1/leads",
            "application/json",
            &[("x-api-key", HMAC_SECRET.into())],
            body.clone(),
        ))
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(h.store.len().await, 1);
}

#[tokio::test]
async fn events_without_a_lead_are_acknowledged_not_stored() {
    let h = Harness::new();
    let mut cancel: Value = serde_json::from_slice(&fixture("calendly.json")).unwrap();
    cancel["event"] = "invitee.canceled".into();
    let body = serde_json::to_vec(&cancel).unwrap();
    let a = h.send(calendly_request(&body, NOW_SECS)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["status"], "ignored");
    assert!(h.store.is_empty().await);
}
