//! Everything a request handler needs, shared by all requests.

use std::sync::Arc;

use crate::actions::ActionsState;
use crate::clock::{Clock, SystemClock};
use crate::config::IntakeConfig;
use crate::queue::{Enqueue, MemoryQueue};
use crate::store::{LeadStore, MemoryStore};

/// The router's state: configuration, storage, the routing hand-off and the clock.
#[derive(Clone)]
pub struct IntakeState {
    pub config: Arc<IntakeConfig>,
    pub store: Arc<dyn LeadStore>,
    pub queue: Arc<dyn Enqueue>,
    pub clock: Arc<dyn Clock>,
    /// Rep actions and Slack interactivity; `None` turns their routes off (404).
    pub actions: Option<ActionsState>,
}

impl IntakeState {
    pub fn new(config: IntakeConfig, store: Arc<dyn LeadStore>, queue: Arc<dyn Enqueue>) -> Self {
        IntakeState {
            config: Arc::new(config),
            store,
            queue,
            clock: Arc::new(SystemClock),
            actions: None,
        }
    }

    /// In-memory store and queue (tests, benchmarks, trying it out).
    pub fn in_memory(config: IntakeConfig) -> Self {
        Self::new(
            config,
            Arc::new(MemoryStore::new()),
            Arc::new(MemoryQueue::new()),
        )
    }

    pub fn with_actions(mut self, actions: ActionsState) -> Self {
        self.actions = Some(actions);
        self
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}
