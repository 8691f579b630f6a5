//! RFC 9457 problem details: the one place where an error becomes an HTTP status and body.
//!
//! Every problem type the HTTP surfaces answer with (intake's, the local server's admin
//! and decision routes', and the framework's and HTTP parser's own refusals) is a
//! [`ProblemType`], and [`ProblemType::status`] is the only table of statuses. Error types
//! choose a problem type; they never choose a status.
//!
//! Status choices that matter to providers: an unknown source is 401, never 404, 410 or a
//! redirect, because Typeform disables a webhook that answers 404/410 and Webflow and
//! Calendly count redirects as failures; a payload problem is 400/413/415/422 so it is not
//! retried forever; a storage failure is 503 so it is.

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use serde::Serialize;

use switchboard_store::FieldIssue;

/// The problem document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub errors: Vec<FieldIssue>,
}

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every kind of problem answered, with its status, slug (the `type` URN's last part) and
/// title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    Unauthorized,
    Forbidden,
    PayloadTooLarge,
    UnsupportedMediaType,
    InvalidPayload,
    /// An admin document (a policy, accounts) that is not valid.
    InvalidDocument,
    /// A JSON request body that does not have the request's shape (an unknown or a missing
    /// field, a wrong type).
    InvalidBody,
    /// A query parameter with a value the route cannot take (a filter, a window, a page
    /// size, a cursor).
    InvalidParameter,
    MissingContact,
    LeadNotFound,
    RepNotFound,
    /// Any other named thing that does not exist (a policy version, a lead in the admin
    /// routes).
    NotFound,
    RouteNotFound,
    MethodNotAllowed,
    Conflict,
    ActionRefused,
    StoreUnavailable,
    ActionUnavailable,
    Unavailable,
    /// A request the framework could not take apart (a path segment that is not UTF-8, an
    /// unparseable request line or header).
    BadRequest,
    /// The request's head or body did not arrive in time.
    RequestTimeout,
    UriTooLong,
    HeadersTooLarge,
    /// Too many connections at once; retry shortly.
    Overloaded,
    Internal,
}

impl ProblemType {
    pub fn status(self) -> StatusCode {
        match self {
            ProblemType::Unauthorized => StatusCode::UNAUTHORIZED,
            ProblemType::Forbidden => StatusCode::FORBIDDEN,
            ProblemType::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProblemType::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ProblemType::InvalidPayload
            | ProblemType::InvalidDocument
            | ProblemType::BadRequest => StatusCode::BAD_REQUEST,
            ProblemType::MissingContact
            | ProblemType::InvalidBody
            | ProblemType::InvalidParameter => StatusCode::UNPROCESSABLE_ENTITY,
            ProblemType::LeadNotFound
            | ProblemType::RepNotFound
            | ProblemType::NotFound
            | ProblemType::RouteNotFound => StatusCode::NOT_FOUND,
            ProblemType::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ProblemType::Conflict | ProblemType::ActionRefused => StatusCode::CONFLICT,
            ProblemType::StoreUnavailable
            | ProblemType::ActionUnavailable
            | ProblemType::Unavailable
            | ProblemType::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            ProblemType::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ProblemType::UriTooLong => StatusCode::URI_TOO_LONG,
            ProblemType::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ProblemType::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            ProblemType::Unauthorized => "unauthorized",
            ProblemType::Forbidden => "forbidden",
            ProblemType::PayloadTooLarge => "payload-too-large",
            ProblemType::UnsupportedMediaType => "unsupported-media-type",
            ProblemType::InvalidPayload => "invalid-payload",
            ProblemType::InvalidDocument => "invalid-document",
            ProblemType::InvalidBody => "invalid-body",
            ProblemType::InvalidParameter => "invalid-parameter",
            ProblemType::MissingContact => "missing-contact",
            ProblemType::LeadNotFound => "lead-not-found",
            ProblemType::RepNotFound => "rep-not-found",
            ProblemType::NotFound => "not-found",
            ProblemType::RouteNotFound => "route-not-found",
            ProblemType::MethodNotAllowed => "method-not-allowed",
            ProblemType::Conflict => "conflict",
            ProblemType::ActionRefused => "action-refused",
            ProblemType::StoreUnavailable => "store-unavailable",
            ProblemType::ActionUnavailable => "action-unavailable",
            ProblemType::Unavailable => "unavailable",
            ProblemType::BadRequest => "bad-request",
            ProblemType::RequestTimeout => "request-timeout",
            ProblemType::UriTooLong => "uri-too-long",
            ProblemType::HeadersTooLarge => "headers-too-large",
            ProblemType::Overloaded => "overloaded",
            ProblemType::Internal => "internal",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ProblemType::Unauthorized => "Missing or invalid credentials",
            ProblemType::Forbidden => "Not allowed",
            ProblemType::PayloadTooLarge => "Payload too large",
            ProblemType::UnsupportedMediaType => "Unsupported media type",
            ProblemType::InvalidPayload => "Invalid payload",
            ProblemType::InvalidDocument => "Invalid document",
            ProblemType::InvalidBody => "Invalid request body",
            ProblemType::InvalidParameter => "Invalid query parameter",
            ProblemType::MissingContact => "No way to contact the lead",
            ProblemType::LeadNotFound => "Lead not found",
            ProblemType::RepNotFound => "Rep not found",
            ProblemType::NotFound => "Not found",
            ProblemType::RouteNotFound => "Route not found",
            ProblemType::MethodNotAllowed => "Method not allowed",
            ProblemType::Conflict => "Conflict",
            ProblemType::ActionRefused => "The lead is not in the state this action needs",
            ProblemType::StoreUnavailable
            | ProblemType::ActionUnavailable
            | ProblemType::Unavailable => "Temporarily unavailable",
            ProblemType::BadRequest => "Bad request",
            ProblemType::RequestTimeout => "Request timeout",
            ProblemType::UriTooLong => "URI too long",
            ProblemType::HeadersTooLarge => "Request header fields too large",
            ProblemType::Overloaded => "Too many connections",
            ProblemType::Internal => "Internal error",
        }
    }

    /// The problem type of an error answer made without one (by the framework or the HTTP
    /// parser), so it can be answered as a problem document with the same status.
    pub fn for_status(status: StatusCode) -> Option<ProblemType> {
        Some(match status {
            StatusCode::BAD_REQUEST => ProblemType::BadRequest,
            StatusCode::UNAUTHORIZED => ProblemType::Unauthorized,
            StatusCode::FORBIDDEN => ProblemType::Forbidden,
            StatusCode::NOT_FOUND => ProblemType::RouteNotFound,
            StatusCode::METHOD_NOT_ALLOWED => ProblemType::MethodNotAllowed,
            StatusCode::REQUEST_TIMEOUT => ProblemType::RequestTimeout,
            StatusCode::CONFLICT => ProblemType::Conflict,
            StatusCode::PAYLOAD_TOO_LARGE => ProblemType::PayloadTooLarge,
            StatusCode::URI_TOO_LONG => ProblemType::UriTooLong,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ProblemType::UnsupportedMediaType,
            StatusCode::UNPROCESSABLE_ENTITY => ProblemType::InvalidBody,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => ProblemType::HeadersTooLarge,
            StatusCode::INTERNAL_SERVER_ERROR => ProblemType::Internal,
            StatusCode::SERVICE_UNAVAILABLE => ProblemType::Unavailable,
            _ => return None,
        })
    }

    /// What the framework's or parser's refusal means, when it said nothing itself.
    fn default_detail(self) -> &'static str {
        match self {
            ProblemType::RouteNotFound => "no such route",
            ProblemType::MethodNotAllowed => "this method is not allowed on this route",
            ProblemType::RequestTimeout => "the request did not arrive in time",
            ProblemType::UriTooLong => "the request target is longer than this server reads",
            ProblemType::HeadersTooLarge => {
                "the request's header section is larger than this server reads"
            }
            ProblemType::Overloaded => "too many connections are open; retry shortly",
            ProblemType::BadRequest => "the request could not be parsed",
            _ => "the request could not be served",
        }
    }
}

impl Problem {
    pub fn new(kind: ProblemType, detail: impl Into<String>, errors: Vec<FieldIssue>) -> Self {
        Problem {
            kind: format!("urn:switchboard:problem:{}", kind.slug()),
            title: kind.title().to_owned(),
            status: kind.status().as_u16(),
            detail: detail.into(),
            errors,
        }
    }

    /// The document for an error answer of `status` made without one; `detail` is what the
    /// framework said, if anything.
    pub fn for_status(status: StatusCode, detail: Option<String>) -> Self {
        let detail = detail.filter(|d| !d.trim().is_empty());
        match ProblemType::for_status(status) {
            Some(kind) => {
                let detail = detail.unwrap_or_else(|| kind.default_detail().to_owned());
                Problem::new(kind, detail, Vec::new())
            }
            None => {
                let reason = status.canonical_reason().unwrap_or("Error");
                Problem {
                    kind: format!("urn:switchboard:problem:http-{}", status.as_u16()),
                    title: reason.to_owned(),
                    status: status.as_u16(),
                    detail: detail.unwrap_or_else(|| reason.to_ascii_lowercase()),
                    errors: Vec::new(),
                }
            }
        }
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The whole HTTP/1.1 answer as bytes, for the few answers written outside the router
    /// (refused connections, requests the HTTP parser refused). It closes the connection.
    pub fn to_http1_bytes(&self) -> Vec<u8> {
        let status = self.status_code();
        let body = serde_json::to_vec(self).unwrap_or_default();
        let mut out = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: {PROBLEM_JSON}\r\ncache-control: no-store\r\n\
             x-content-type-options: nosniff\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error"),
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(&body);
        out
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let mut response = (status, Json(self)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

fn is_problem(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(PROBLEM_JSON.as_bytes()))
}

/// Longest framework message kept as a problem's detail.
const MAX_FRAMEWORK_DETAIL: usize = 1024;

/// Middleware (`axum::middleware::map_response`) that makes every error answer a problem
/// document: the framework's own refusals (a path segment that is not UTF-8, a method a
/// route does not have, a body an extractor refused) come as plain text or with an empty
/// body. The status and the other headers (`Allow` on a 405) are kept; answers that are
/// already problem documents pass untouched, so applying it twice is harmless.
pub async fn problem_edge(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_problem(response.headers()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let plain = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let detail = if plain {
        Limited::new(body, MAX_FRAMEWORK_DETAIL)
            .collect()
            .await
            .ok()
            .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
    } else {
        None
    };
    let problem = Problem::for_status(status, detail);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [ProblemType; 25] = [
        ProblemType::Unauthorized,
        ProblemType::Forbidden,
        ProblemType::PayloadTooLarge,
        ProblemType::UnsupportedMediaType,
        ProblemType::InvalidPayload,
        ProblemType::InvalidDocument,
        ProblemType::InvalidBody,
        ProblemType::InvalidParameter,
        ProblemType::MissingContact,
        ProblemType::LeadNotFound,
        ProblemType::RepNotFound,
        ProblemType::NotFound,
        ProblemType::RouteNotFound,
        ProblemType::MethodNotAllowed,
        ProblemType::Conflict,
        ProblemType::ActionRefused,
        ProblemType::StoreUnavailable,
        ProblemType::ActionUnavailable,
        ProblemType::Unavailable,
        ProblemType::BadRequest,
        ProblemType::RequestTimeout,
        ProblemType::UriTooLong,
        ProblemType::HeadersTooLarge,
        ProblemType::Overloaded,
        ProblemType::Internal,
    ];

    #[test]
    fn every_problem_type_has_its_own_slug_and_an_error_status() {
        let mut slugs: Vec<&str> = ALL.iter().map(|t| t.slug()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), ALL.len(), "slugs repeat");
        for t in ALL {
            let status = t.status();
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{t:?}"
            );
            // A framework refusal of that status reads as a type of the same status.
            if let Some(back) = ProblemType::for_status(status) {
                assert_eq!(back.status(), status, "{t:?}");
            }
        }
    }

    fn plain(status: StatusCode, text: &'static str) -> Response {
        let mut r = (status, text).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        r
    }

    async fn problem_of(response: Response) -> (StatusCode, HeaderMap, Problem) {
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        let problem = serde_json::from_slice(&bytes).unwrap();
        (parts.status, parts.headers, problem)
    }

    #[tokio::test]
    async fn framework_refusals_become_problem_documents_with_their_status() {
        let mut not_allowed = StatusCode::METHOD_NOT_ALLOWED.into_response();
        not_allowed
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        let cases = [
            (
                plain(
                    StatusCode::BAD_REQUEST,
                    "Invalid URL: Invalid UTF-8 in `id`",
                ),
                "bad-request",
                "Invalid URL: Invalid UTF-8 in `id`",
            ),
            (
                not_allowed,
                "method-not-allowed",
                "this method is not allowed on this route",
            ),
            (
                StatusCode::NOT_FOUND.into_response(),
                "route-not-found",
                "no such route",
            ),
            (
                plain(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Failed to buffer the request body",
                ),
                "payload-too-large",
                "Failed to buffer the request body",
            ),
            (
                StatusCode::IM_A_TEAPOT.into_response(),
                "http-418",
                "i'm a teapot",
            ),
        ];
        for (response, slug, detail) in cases {
            let status = response.status();
            let allow = response.headers().get(header::ALLOW).cloned();
            let (got, headers, problem) = problem_of(problem_edge(response).await).await;
            assert_eq!(got, status, "{slug}");
            assert_eq!(headers[header::CONTENT_TYPE], PROBLEM_JSON, "{slug}");
            assert_eq!(headers.get(header::ALLOW), allow.as_ref(), "{slug}");
            assert_eq!(problem.kind, format!("urn:switchboard:problem:{slug}"));
            assert_eq!(problem.status, status.as_u16());
            assert_eq!(problem.detail, detail);
        }
    }

    #[tokio::test]
    async fn answers_that_need_no_change_pass_untouched() {
        let ok = Json(serde_json::json!({ "status": "ok" })).into_response();
        let (parts, _) = problem_edge(ok).await.into_parts();
        assert_eq!(parts.headers[header::CONTENT_TYPE], "application/json");

        let refused = Problem::new(ProblemType::NotFound, "no such thing", Vec::new());
        let (status, _, problem) =
            problem_of(problem_edge(refused.clone().into_response()).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(problem, refused);
    }
}
