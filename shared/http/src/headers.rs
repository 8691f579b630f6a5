//! Headers every answer carries.

use axum::response::Response;
use http::{HeaderValue, header};

/// Middleware (`axum::middleware::map_response`): answers are data for machines, never
/// cached by a proxy or sniffed as another content type by a browser.
pub async fn common_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
