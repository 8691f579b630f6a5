//! Property tests: no input makes a parser, a normalizer or the router panic, and every
//! answer is one of the documented statuses.

use std::collections::BTreeMap;

use http::StatusCode;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{Value, json};
use switchboard_intake::ProviderKind;
use switchboard_intake::body::Decoded;
use switchboard_intake::normalize::{company, country, email, names, phone, text};
use switchboard_intake::providers;

use crate::common::*;

/// Words that steer random JSON into the providers' code paths.
const VOCAB: &[&str] = &[
    "email",
    "phone",
    "phone_number",
    "country",
    "company",
    "first_name",
    "last_name",
    "name",
    "text",
    "number",
    "boolean",
    "choice",
    "choices",
    "labels",
    "label",
    "other",
    "field",
    "ref",
    "id",
    "type",
    "key",
    "value",
    "options",
    "answers",
    "hidden",
    "variables",
    "definition",
    "fields",
    "title",
    "properties",
    "form-submissions",
    "conversion-id",
    "timestamp",
    "data",
    "payload",
    "questions_and_answers",
    "question",
    "answer",
    "tracking",
    "uri",
    "first",
    "last",
    "full",
    "area",
    "attributes",
    "submission_id",
    "INPUT_EMAIL",
    "DROPDOWN",
    "FILE_UPLOAD",
    "Deutschland",
    "+4930901820",
    "a@b.co",
    "=1+1",
    "\u{202E}",
    "",
    " ",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(VOCAB).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(word(), inner, 0..6)
                .prop_map(|m: BTreeMap<String, Value>| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Random insides in each provider's envelope, so the deep parsing paths run.
fn shaped(kind: ProviderKind, inner: Value, list: Vec<Value>) -> Value {
    match kind {
        ProviderKind::Typeform => json!({"event_type": "form_response", "form_response": {
            "token": inner.clone(), "answers": list, "hidden": inner.clone(), "definition": {"fields": inner}}}),
        ProviderKind::Tally => {
            json!({"eventType": "FORM_RESPONSE", "data": {"fields": list, "submissionId": inner}})
        }
        ProviderKind::Webflow => {
            json!({"triggerType": "form_submission", "payload": {"data": inner, "id": list}})
        }
        ProviderKind::Calendly => json!({"event": "invitee.created", "payload": {
            "email": inner.clone(), "questions_and_answers": list, "tracking": inner, "name": "A B"}}),
        ProviderKind::Hubspot => json!({"properties": inner, "form-submissions": list}),
        _ => {
            json!({"email": inner, "attributes": list.first().cloned().unwrap_or(Value::Null), "x": list})
        }
    }
}

const JSON_KINDS: &[ProviderKind] = &[
    ProviderKind::Typeform,
    ProviderKind::Tally,
    ProviderKind::Webflow,
    ProviderKind::Calendly,
    ProviderKind::Hubspot,
    ProviderKind::Zapier,
    ProviderKind::GravityForms,
    ProviderKind::HtmlForm,
    ProviderKind::Generic,
];

const ALLOWED: &[StatusCode] = &[
    StatusCode::OK,
    StatusCode::ACCEPTED,
    StatusCode::SEE_OTHER,
    StatusCode::BAD_REQUEST,
    StatusCode::UNAUTHORIZED,
    StatusCode::PAYLOAD_TOO_LARGE,
    StatusCode::UNSUPPORTED_MEDIA_TYPE,
    StatusCode::UNPROCESSABLE_ENTITY,
];

/// A correctly signed (or tokened) request for each route, so the body reaches the parser.
fn signed_requests(body: &[u8], content_type: &str) -> Vec<http::Request<axum::body::Body>> {
    let ct = content_type;
    let tok = || vec![("x-switchboard-token", TOKEN.to_owned())];
    let ts = ms(NOW_SECS);
    vec![
        post(
            "/v1/hooks/typeform",
            ct,
            &[(
                "typeform-signature",
                typeform_signature(TYPEFORM_SECRET, body),
            )],
            body.to_vec(),
        ),
        post(
            "/v1/hooks/tally",
            ct,
            &[("tally-signature", tally_signature(TALLY_SECRET, body))],
            body.to_vec(),
        ),
        post(
            "/v1/hooks/webflow",
            ct,
            &[
                ("x-webflow-timestamp", ts.clone()),
                (
                    "x-webflow-signature",
                    webflow_signature(WEBFLOW_SECRET, &ts, body),
                ),
            ],
            body.to_vec(),
        ),
        post(
            "/v1/hooks/hubspot",
            ct,
            &[
                ("x-hubspot-request-timestamp", ts.clone()),
                (
                    "x-hubspot-signature-v3",
                    hubspot_signature(HUBSPOT_SECRET, "POST", HUBSPOT_URL, body, &ts),
                ),
            ],
            body.to_vec(),
        ),
        post(
            "/v1/hooks/calendly",
            ct,
            &[(
                "calendly-webhook-signature",
                t_v1_signature(CALENDLY_SECRET, NOW_SECS, body),
            )],
            body.to_vec(),
        ),
        post("/v1/hooks/jotform", ct, &tok(), body.to_vec()),
        post("/v1/hooks/gravity", ct, &tok(), body.to_vec()),
        post("/v1/hooks/make", ct, &tok(), body.to_vec()),
        post("/v1/hooks/website", ct, &tok(), body.to_vec()),
        post("/v1/hooks/w2l", ct, &tok(), body.to_vec()),
        post(
            "/v1/leads",
            ct,
            &[("x-api-key", API_KEY.to_owned())],
            body.to_vec(),
        ),
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Sends every request; checks statuses and that only accepted requests store anything.
fn check_all(
    h: &Harness,
    rt: &tokio::runtime::Runtime,
    requests: Vec<http::Request<axum::body::Body>>,
) -> Result<(), TestCaseError> {
    for request in requests {
        let before = rt.block_on(h.store.len());
        let a = rt.block_on(h.send(request));
        prop_assert!(
            ALLOWED.contains(&a.status),
            "status {} body {}",
            a.status,
            String::from_utf8_lossy(&a.body)
        );
        if !matches!(a.status, StatusCode::ACCEPTED | StatusCode::SEE_OTHER) {
            prop_assert_eq!(
                rt.block_on(h.store.len()),
                before,
                "a refused request wrote"
            );
        }
        if a.status != StatusCode::OK
            && a.status != StatusCode::ACCEPTED
            && a.status != StatusCode::SEE_OTHER
        {
            prop_assert_eq!(a.content_type(), "application/problem+json");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_any_route(
        body in vec(any::<u8>(), 0..600),
        ct in proptest::sample::select(&[
            "application/json", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=b", "text/plain", "application/json; charset=latin1",
        ][..]),
    ) {
        let h = Harness::new();
        let rt = runtime();
        check_all(&h, &rt, signed_requests(&body, ct))?;
    }

    #[test]
    fn random_json_never_panics_any_route(value in json_value()) {
        let h = Harness::new();
        let rt = runtime();
        let body = serde_json::to_vec(&value).unwrap();
        check_all(&h, &rt, signed_requests(&body, "application/json"))?;
    }

    #[test]
    fn provider_shaped_json_never_panics(inner in json_value(), list in vec(json_value(), 0..5)) {
        let h = Harness::new();
        let rt = runtime();
        for kind in JSON_KINDS {
            let decoded = Decoded::Json(shaped(*kind, inner.clone(), list.clone()));
            // The parser alone, then the whole router.
            let _ = providers::parse(*kind, &decoded);
        }
        for kind in [ProviderKind::Typeform, ProviderKind::Tally, ProviderKind::Webflow, ProviderKind::Calendly, ProviderKind::Hubspot, ProviderKind::Generic] {
            let body = serde_json::to_vec(&shaped(kind, inner.clone(), list.clone())).unwrap();
            check_all(&h, &rt, signed_requests(&body, "application/json"))?;
        }
    }

    #[test]
    fn random_form_pairs_never_panic(pairs in vec((word(), word()), 0..12), raw in json_value()) {
        let mut pairs = pairs;
        pairs.push(("rawRequest".into(), raw.to_string()));
        let decoded = Decoded::Form { pairs: pairs.clone(), skipped_files: vec!["f".into()] };
        for kind in [ProviderKind::Jotform, ProviderKind::GravityForms, ProviderKind::HtmlForm, ProviderKind::WebToLead] {
            let _ = providers::parse(kind, &decoded);
        }
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        let h = Harness::new();
        check_all(&h, &runtime(), signed_requests(body.as_bytes(), "application/x-www-form-urlencoded"))?;
    }

    #[test]
    fn normalizers_never_panic(s in any::<String>(), region in proptest::option::of("[A-Z]{2}")) {
        let _ = country::resolve(&s);
        let _ = phone::normalize(&s, region.as_deref());
        let _ = email::normalize(&s);
        let _ = company::clean(&s);
        let _ = names::split_full_name(&s);
        let line = text::clean_line(&s);
        prop_assert_eq!(text::clean_line(&line), line.clone(), "cleaning is idempotent");
        prop_assert!(!line.starts_with(' ') && !line.ends_with(' '));
        let _ = text::slug(&s);
    }

    #[test]
    fn random_paths_and_headers_never_panic(
        source in "[a-z0-9%._~-]{0,20}",
        token in "[A-Za-z0-9%._~-]{0,20}",
        header in "[ -~]{0,80}",
    ) {
        let h = Harness::new();
        let rt = runtime();
        let requests = vec![
            post(&format!("/v1/hooks/{source}"), "application/json", &[("typeform-signature", header.clone())], b"{}".to_vec()),
            post(&format!("/v1/hooks/{source}/{token}"), "application/json", &[("calendly-webhook-signature", header.clone())], b"{}".to_vec()),
            post("/v1/leads", "application/json", &[("authorization", header.clone()), ("x-switchboard-source", source.clone())], b"{}".to_vec()),
            post("/v1/hooks/calendly", "application/json", &[("calendly-webhook-signature", header.clone())], b"{}".to_vec()),
            post("/v1/hooks/webflow", "application/json", &[("x-webflow-timestamp", header.clone()), ("x-webflow-signature", header.clone())], b"{}".to_vec()),
        ];
        for request in requests {
            let a = rt.block_on(h.send(request));
            prop_assert!(
                matches!(a.status, StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST),
                "status {}", a.status
            );
        }
        prop_assert!(rt.block_on(h.store.is_empty()));
    }
}
