//! The headers every console answer carries: a content security policy that lets the page
//! load and call nothing but its own origin, and the usual refusals of framing and
//! sniffing.

use axum::response::Response;
use http::{HeaderValue, header};

/// Scripts, styles and requests from this origin only; no inline script or style, no
/// plugins, no framing, no form posts elsewhere. Charts are SVG elements the script
/// builds, so no image source is needed beyond the origin itself.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Middleware (`axum::middleware::map_response`) over every console answer, its problem
/// documents included.
pub async fn console_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
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
