//! The headers every console answer carries: a content security policy that lets the page
//! load and call nothing but its own origin (and, with a user pool sign-in, call the pool's
//! token endpoint), and the usual refusals of framing and sniffing.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use http::{HeaderValue, header};

/// Scripts, styles and requests from this origin only; no inline script or style, no
/// plugins, no framing, no form posts elsewhere. Charts are SVG elements the script
/// builds, so no image source is needed beyond the origin itself.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The policy, with `connect_to` (an origin checked by `SignIn::new`) added to
/// `connect-src`: the page exchanges the sign-in code for tokens there. Going to the
/// sign-in page is a navigation, which the policy does not restrict.
pub fn content_security_policy(connect_to: Option<&str>) -> HeaderValue {
    let policy = match connect_to {
        Some(origin) => CONTENT_SECURITY_POLICY.replace(
            "connect-src 'self'",
            &format!("connect-src 'self' {origin}"),
        ),
        None => CONTENT_SECURITY_POLICY.to_owned(),
    };
    HeaderValue::from_str(&policy).expect("the policy and a checked origin are visible ASCII")
}

/// Middleware (`axum::middleware::map_response_with_state`) over every console answer,
/// its problem documents included; the state is the policy to send.
pub async fn console_headers(
    State(policy): State<Arc<HeaderValue>>,
    mut response: Response,
) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, (*policy).clone());
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // Problem documents are answers, not files: never kept.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
