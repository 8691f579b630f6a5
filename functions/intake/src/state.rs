//! Everything a request handler needs, shared by all requests.

use std::sync::Arc;

use crate::actions::ActionsState;
use crate::clock::{Clock, SystemClock};
use crate::config::IntakeConfig;
use crate::reception::{PortReception, Reception};

/// The router's state: configuration, where leads go, and the clock.
#[derive(Clone)]
pub struct IntakeState {
    pub config: Arc<IntakeConfig>,
    pub reception: Arc<dyn Reception>,
    pub clock: Arc<dyn Clock>,
    /// Rep actions and Slack interactivity; `None` turns their routes off (404).
    pub actions: Option<ActionsState>,
    /// CRM touch webhooks; `None` turns their routes off (404).
    pub touches: Option<crate::touches::TouchState>,
    /// Routing's answers for booking sources; without it they fall back to their
    /// thank-you URL.
    pub bookings: Option<Arc<dyn crate::booking::Bookings>>,
}

impl IntakeState {
    /// Leads stored in `store` and handed on through `routing`, on the system clock.
    pub fn new<S, Q>(config: IntakeConfig, store: S, routing: Q) -> Self
    where
        S: switchboard_store::LeadStore + 'static,
        Q: switchboard_store::Outbox + 'static,
    {
        Self::with_clock(config, store, routing, Arc::new(SystemClock))
    }

    /// As [`IntakeState::new`], on `clock` (tests pin and move time).
    pub fn with_clock<S, Q>(
        config: IntakeConfig,
        store: S,
        routing: Q,
        clock: Arc<dyn Clock>,
    ) -> Self
    where
        S: switchboard_store::LeadStore + 'static,
        Q: switchboard_store::Outbox + 'static,
    {
        let reception = Arc::new(PortReception::new(store, routing, clock.clone()));
        Self::from_reception(config, reception, clock)
    }

    /// Leads handed to `reception` (the local process wraps [`PortReception`] to note
    /// each lead's lane for its routers).
    pub fn from_reception(
        config: IntakeConfig,
        reception: Arc<dyn Reception>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        IntakeState {
            config: Arc::new(config),
            reception,
            clock,
            actions: None,
            touches: None,
            bookings: None,
        }
    }

    pub fn with_actions(mut self, actions: ActionsState) -> Self {
        self.actions = Some(actions);
        self
    }

    /// Reads routing's answers for the sources with a `booking` setting from `bookings`.
    pub fn with_bookings(mut self, bookings: Arc<dyn crate::booking::Bookings>) -> Self {
        self.bookings = Some(bookings);
        self
    }

    /// Serves the touch webhooks of the configuration's `touches` with `desk`.
    pub fn with_touches(mut self, desk: crate::touches::TouchState) -> Self {
        self.touches = Some(desk);
        self
    }
}
