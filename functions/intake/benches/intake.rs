//! Per-request cost of intake before storage: signature check, body decode, provider parse
//! and normalization (`intake::prepare`), for three providers, plus one full router round
//! trip with the in-memory store and the individual normalizers for context.

use std::hint::black_box;
use std::sync::Arc;

use axum::body::Body;
use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};
use jiff::Timestamp;
use switchboard_intake::intake::{self, Delivery, Prepared};
use switchboard_intake::signature::{encode_base64, hmac_sha256};
use switchboard_intake::{FixedClock, IntakeConfig, IntakeState, router};
use switchboard_store::embedded::{MemoryQueue, QueueConfig};
use tower::ServiceExt;

const NOW_SECS: i64 = 1_750_000_000;

const CONFIG: &str = r#"
sources:
  - { id: typeform, kind: typeform, secret: tf-secret }
  - { id: hubspot, kind: hubspot, secret: hs-secret, public_url: "https://leads.example.com/v1/hooks/hubspot" }
  - { id: jotform, kind: jotform, secret: tok_9dJ2kQ7xLmP4 }
"#;

fn fixture(name: &str) -> Bytes {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    Bytes::from(std::fs::read(path).expect("fixture"))
}

fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).unwrap());
    }
    h
}

struct Case {
    name: &'static str,
    source: &'static str,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    token: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    let tf = fixture("typeform.json");
    let hs = fixture("hubspot.json");
    let jf = fixture("jotform.multipart");
    let ts = (NOW_SECS * 1000).to_string();
    let hs_sig = encode_base64(&hmac_sha256(
        b"hs-secret",
        &[
            b"POST",
            b"https://leads.example.com/v1/hooks/hubspot",
            &hs,
            ts.as_bytes(),
        ],
    ));
    vec![
        Case {
            name: "typeform",
            source: "typeform",
            uri: Uri::from_static("/v1/hooks/typeform"),
            headers: headers(&[
                ("content-type", "application/json".into()),
                (
                    "typeform-signature",
                    format!(
                        "sha256={}",
                        encode_base64(&hmac_sha256(b"tf-secret", &[&tf]))
                    ),
                ),
            ]),
            body: tf,
            token: None,
        },
        Case {
            name: "hubspot",
            source: "hubspot",
            uri: Uri::from_static("/v1/hooks/hubspot"),
            headers: headers(&[
                ("content-type", "application/json".into()),
                ("x-hubspot-request-timestamp", ts),
                ("x-hubspot-signature-v3", hs_sig),
            ]),
            body: hs,
            token: None,
        },
        Case {
            name: "jotform_multipart",
            source: "jotform",
            uri: Uri::from_static("/v1/hooks/jotform/tok_9dJ2kQ7xLmP4"),
            headers: headers(&[(
                "content-type",
                "multipart/form-data; boundary=------JotformBoundary7MA4YWxkTrZu0gW".into(),
            )]),
            body: jf,
            token: Some("tok_9dJ2kQ7xLmP4"),
        },
    ]
}

fn prepare(c: &mut Criterion) {
    let config = IntakeConfig::from_yaml_str_with_env(CONFIG, |_| None).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let now = Timestamp::from_second(NOW_SECS).unwrap();
    let method = Method::POST;
    let mut group = c.benchmark_group("prepare");
    for case in cases() {
        let source = config.source(case.source).unwrap();
        let delivery = Delivery {
            source,
            method: &method,
            uri: &case.uri,
            headers: &case.headers,
            body: &case.body,
            path_token: case.token,
        };
        // A case that does not verify and normalize would measure the wrong thing.
        let check = rt
            .block_on(intake::prepare(&config, delivery, now))
            .unwrap();
        assert!(matches!(check, Prepared::Lead(_)), "{}", case.name);
        group.bench_function(case.name, |b| {
            b.iter(|| {
                rt.block_on(intake::prepare(&config, black_box(delivery), now))
                    .unwrap()
            })
        });
    }
    group.finish();
}

fn router_round_trip(c: &mut Criterion) {
    let config = IntakeConfig::from_yaml_str_with_env(CONFIG, |_| None).unwrap();
    let clock = Arc::new(FixedClock::new(Timestamp::from_second(NOW_SECS).unwrap()));
    // The embedded store of the local process, in a temporary file.
    let store = switchboard_testkit::embedded_store();
    let queue = MemoryQueue::new(QueueConfig { max_receives: 5 });
    let app = router(IntakeState::with_clock(config, store, queue, clock));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let case = cases().remove(0);
    c.bench_function("router/typeform_redelivery", |b| {
        b.iter(|| {
            let mut request = Request::post(case.uri.clone())
                .body(Body::from(case.body.clone()))
                .unwrap();
            *request.headers_mut() = case.headers.clone();
            let response = rt.block_on(app.clone().oneshot(request)).unwrap();
            assert_eq!(response.status(), http::StatusCode::ACCEPTED);
            response
        })
    });
}

/// The normalizers on their own, to see where `prepare` spends its time.
fn normalizers(c: &mut Criterion) {
    use switchboard_intake::normalize::{company, country, email, phone};
    let mut group = c.benchmark_group("normalize");
    group.bench_function("phone_e164", |b| {
        b.iter(|| phone::normalize(black_box("030 901820"), Some("DE")))
    });
    group.bench_function("country_name", |b| {
        b.iter(|| country::resolve(black_box("Deutschland")))
    });
    group.bench_function("country_code", |b| {
        b.iter(|| country::resolve(black_box("DE")))
    });
    group.bench_function("email", |b| {
        b.iter(|| email::normalize(black_box("Laura.Mueller@Example-Industries.de")))
    });
    group.bench_function("company", |b| {
        b.iter(|| company::clean(black_box("Example Industries GmbH")))
    });
    group.finish();
}

criterion_group!(benches, prepare, router_round_trip, normalizers);
criterion_main!(benches);
