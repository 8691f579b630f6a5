//! API Gateway HTTP API (v2) and Lambda function URL events, converted by lambda_http
//! exactly as the Lambda runtime does, then served by the same router. Bodies arrive
//! base64-encoded when API Gateway says so; signatures are checked over the decoded bytes.

use http::StatusCode;
use serde_json::Value;
use switchboard_intake::signature::encode_base64;

use crate::common::*;

/// Fills an event template with a body (base64 or not) and extra headers, and converts it
/// with lambda_http's own request conversion.
fn lambda_request(
    template: &str,
    path: &str,
    body: &[u8],
    base64: bool,
    headers: &[(&str, String)],
) -> http::Request<axum::body::Body> {
    let mut event: Value = serde_json::from_slice(&fixture(template)).unwrap();
    event["rawPath"] = path.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["isBase64Encoded"] = base64.into();
    event["body"] = if base64 {
        encode_base64(body).into()
    } else {
        String::from_utf8(body.to_vec()).unwrap().into()
    };
    for (k, v) in headers {
        event["headers"][*k] = v.as_str().into();
    }
    let request =
        lambda_http::request::from_str(&event.to_string()).expect("lambda_http accepts the event");
    // lambda_http::run hands the router this request and body as they are; axum wraps any
    // HTTP body the same way.
    request.map(axum::body::Body::new)
}

#[tokio::test]
async fn api_gateway_v2_base64_body_is_verified_over_decoded_bytes() {
    let h = Harness::new();
    let body = fixture("typeform.json");
    let sig = typeform_signature(TYPEFORM_SECRET, &body);
    let request = lambda_request(
        "apigw_v2_event.json",
        "/v1/hooks/typeform",
        &body,
        true,
        &[("typeform-signature", sig.clone())],
    );
    let a = h.send(request).await;
    assert_eq!(
        a.status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    let stored = h.store.all().await;
    assert_eq!(
        stored[0].lead.email.as_deref(),
        Some("laura.mueller@example-industries.de")
    );
    assert_eq!(
        stored[0]
            .raw
            .as_ref()
            .expect("raw payload kept")
            .body
            .as_bytes(),
        body.as_slice(),
        "stored decoded, not base64"
    );

    // Plain (not base64) bodies work the same, and are the same submission.
    let plain = lambda_request(
        "apigw_v2_event.json",
        "/v1/hooks/typeform",
        &body,
        false,
        &[("typeform-signature", sig.clone())],
    );
    assert_eq!(h.send(plain).await.status, StatusCode::ACCEPTED);
    assert_eq!(h.store.len().await, 1);

    // A signature over the base64 text instead of the bytes does not verify.
    let b64_text = encode_base64(&body);
    let wrong = typeform_signature(TYPEFORM_SECRET, b64_text.as_bytes());
    let request = lambda_request(
        "apigw_v2_event.json",
        "/v1/hooks/typeform",
        &body,
        true,
        &[("typeform-signature", wrong)],
    );
    assert_eq!(h.send(request).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn function_url_event_with_calendly_signature() {
    let h = Harness::new();
    let body = fixture("calendly.json");
    let sig = t_v1_signature(CALENDLY_SECRET, NOW_SECS, &body);
    let request = lambda_request(
        "function_url_event.json",
        "/v1/hooks/calendly",
        &body,
        true,
        &[("calendly-webhook-signature", sig)],
    );
    let a = h.send(request).await;
    assert_eq!(
        a.status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    assert_eq!(h.store.all().await[0].lead.country.as_deref(), Some("NG"));

    // Stale through the same path.
    let stale = t_v1_signature(CALENDLY_SECRET, NOW_SECS - 3600, &body);
    let request = lambda_request(
        "function_url_event.json",
        "/v1/hooks/calendly",
        &body,
        true,
        &[("calendly-webhook-signature", stale)],
    );
    assert_eq!(h.send(request).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(h.store.len().await, 1);
}

#[tokio::test]
async fn hubspot_through_api_gateway_uses_the_rebuilt_absolute_uri() {
    // Without `public_url`, the URI lambda_http rebuilds from the Host header and the raw
    // path (scheme from x-forwarded-proto) is what gets verified.
    let h = Harness::new();
    let body = fixture("hubspot.json");
    let ts = ms(NOW_SECS);
    let uri = "https://abc123def4.execute-api.eu-central-1.amazonaws.com/v1/hooks/hubspot-direct";
    let sig = hubspot_signature(HUBSPOT_SECRET, "POST", uri, &body, &ts);
    let request = lambda_request(
        "apigw_v2_event.json",
        "/v1/hooks/hubspot-direct",
        &body,
        true,
        &[
            ("x-hubspot-request-timestamp", ts.clone()),
            ("x-hubspot-signature-v3", sig),
        ],
    );
    let a = h.send(request).await;
    assert_eq!(
        a.status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&a.body)
    );

    // With `public_url` (custom domain), the configured URL is what counts.
    let sig = hubspot_signature(HUBSPOT_SECRET, "POST", HUBSPOT_URL, &body, &ts);
    let request = lambda_request(
        "apigw_v2_event.json",
        "/v1/hooks/hubspot",
        &body,
        true,
        &[
            ("x-hubspot-request-timestamp", ts),
            ("x-hubspot-signature-v3", sig),
        ],
    );
    assert_eq!(h.send(request).await.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn form_post_and_errors_through_lambda() {
    let h = Harness::new();
    let body = fixture("html_form.txt");
    let path = format!("/v1/hooks/website/{TOKEN}");
    let mut event_headers = vec![(
        "content-type",
        "application/x-www-form-urlencoded".to_owned(),
    )];
    let a = h
        .send(lambda_request(
            "function_url_event.json",
            &path,
            &body,
            true,
            &event_headers,
        ))
        .await;
    assert_eq!(
        a.status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&a.body)
    );

    event_headers[0].1 = "text/csv".into();
    let a = h
        .send(lambda_request(
            "function_url_event.json",
            &path,
            &body,
            false,
            &event_headers,
        ))
        .await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(a.content_type(), "application/problem+json");
    assert_eq!(h.store.len().await, 1);
}
