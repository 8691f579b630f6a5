//! Booking: a source that asks for it (`booking` in its configuration) answers a new lead
//! with the assigned rep's booking page instead of a plain acknowledgement. Intake stores
//! and hands on the lead exactly as for any source, then waits up to the source's `wait`
//! for routing's stored decision ([`wait::offer`]); a browser form is redirected (303)
//! to the link, an API source gets it in its JSON answer. Whenever no link can be offered
//! (routing slower than the wait, the lead parked, a rep without a link, a duplicate), the
//! answer falls back to the source's thank-you URL; the lead is stored and routed either
//! way. docs/PROVIDERS.md ("Booking") and docs/ROUTER.md ("Booking answers") describe it.

pub mod answer;
pub mod config;
pub mod link;
pub mod lookup;
pub mod wait;

pub use config::SourceBooking;
pub use lookup::{Backoff, Bookings, Routed, StoreBookings};
pub use wait::{Fallback, Offer};
