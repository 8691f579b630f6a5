//! `GET /me`: who the API takes the caller for and their role, so a page can show a viewer
//! the controls it may use before any change is refused.

use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use crate::caller::Caller;

/// Answers the [`Caller`] the runtime recognized (`authorize` has already refused a request
/// without one).
pub(crate) async fn me(Extension(caller): Extension<Caller>) -> Response {
    Json(caller).into_response()
}
