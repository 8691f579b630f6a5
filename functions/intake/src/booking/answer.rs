//! The booking source's answer. A browser form is sent on with `303 See Other`: to the
//! rep's link, or on a fallback to the thank-you URL (the plain 202 when the source has
//! none). An API source gets the 202 JSON answer with `booking_url`, or with
//! `thank_you_url` and `booking_fallback`. Only the policy's booking URL and the
//! configuration's thank-you URL are ever sent as a location.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use switchboard_store::StoredLead;

use super::config::SourceBooking;
use super::wait::{Fallback, Offer, offer};
use crate::config::SourceConfig;
use crate::routes::{Accepted, accepted_json};
use crate::state::IntakeState;

/// Waits for the decision on the stored `record`, then answers.
pub async fn booked(
    state: &IntakeState,
    source: &SourceConfig,
    booking: &SourceBooking,
    record: &StoredLead,
    created: bool,
) -> Response {
    let started = tokio::time::Instant::now();
    let offered = match &state.bookings {
        Some(bookings) => {
            let wait = booking.wait.unsigned_abs();
            offer(bookings.as_ref(), record, created, wait).await
        }
        None => Offer::Fallback(Fallback::Unavailable),
    };
    // The URL itself stays out of the log: its query carries the lead's name and email.
    let outcome = match &offered {
        Offer::Link(_) => "link",
        Offer::Fallback(f) => f.as_str(),
    };
    tracing::info!(
        source = %source.id,
        lead_id = %record.lead.id,
        outcome,
        waited_ms = started.elapsed().as_millis() as u64,
        "booking answered"
    );
    let thank_you = booking
        .thank_you_url
        .as_deref()
        .or(source.thank_you_url.as_deref());
    let mut answer = Accepted::of(state, record);
    match offered {
        Offer::Link(url) => {
            answer.status = "assigned".to_owned();
            if source.kind.is_browser_form() {
                return see_other(&url).unwrap_or_else(|| accepted_json(state, answer));
            }
            answer.booking_url = Some(url);
        }
        Offer::Fallback(why) => {
            if why == Fallback::Parked {
                answer.status = "parked".to_owned();
            }
            if source.kind.is_browser_form()
                && let Some(response) = thank_you.and_then(see_other)
            {
                return response;
            }
            answer.thank_you_url = thank_you.map(str::to_owned);
            answer.booking_fallback = Some(why.as_str().to_owned());
        }
    }
    accepted_json(state, answer)
}

fn see_other(url: &str) -> Option<Response> {
    let location = HeaderValue::from_str(url).ok()?;
    Some((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}
