//! One scenario suite for every backend. A backend implements [`Backend`] and instantiates
//! the suite with [`router_scenarios!`]; each scenario is a generic async function, so the
//! embedded adapters and the AWS adapters on moto run exactly the same checks.
#![allow(dead_code)]

pub mod concurrency;
pub mod delivery;
pub mod failpoints;
pub mod faults;
pub mod fixtures;
pub mod lifecycle;
pub mod scenarios;
pub mod state;

use std::future::Future;

use switchboard_router::{Handler, Notification};
use switchboard_store::{
    AccountDirectory, DomainEvent, EventPublisher, LeadStore, Outbox, PolicyStore, Router,
    RoutingState, WorkQueue,
};
use switchboard_testkit::fault_proxy::FaultCounts;

/// Fresh, empty instances of one backend's adapters.
pub trait Backend: Send + Sync + Sized + 'static {
    type Store: LeadStore + RoutingState + PolicyStore + AccountDirectory + Clone + 'static;
    type Events: EventPublisher + 'static;
    type Notify: Outbox + 'static;
    /// The routing queue the scenarios deliver from.
    type Queue: WorkQueue + 'static;

    /// Leads routed by the concurrency scenario (smaller where each call is a round trip).
    const CONCURRENT_LEADS: usize;

    fn store(&self) -> impl Future<Output = Self::Store> + Send;
    fn events(&self) -> impl Future<Output = Self::Events> + Send;
    /// Every event that reached the bus's consumers so far, in order.
    fn recorded(&self, events: &Self::Events) -> impl Future<Output = Vec<DomainEvent>> + Send;
    fn notify(&self) -> impl Future<Output = Self::Notify> + Send;
    /// Every notification that reached the notify queue so far, in order.
    fn notified(&self, notify: &Self::Notify) -> impl Future<Output = Vec<Notification>> + Send;
    /// A routing queue whose messages go to its dead-letter queue after `max_receives`.
    fn queue(&self, max_receives: u32) -> impl Future<Output = Self::Queue> + Send;

    /// Starts injecting faults into the adapters' calls, when this backend has a fault
    /// proxy in front of its service (scenarios arm it once their data is set up).
    fn arm_faults(&self) {}

    /// Stops injecting faults; returns what was injected, `None` without a proxy.
    fn disarm_faults(&self) -> Option<FaultCounts> {
        None
    }
}

pub type PlainHandler<H> =
    Handler<<H as Backend>::Store, <H as Backend>::Events, <H as Backend>::Notify>;

/// A handler over fresh adapters of `h` and `store`, deciding at the fixtures' clock.
pub async fn handler<H: Backend>(h: &H, store: H::Store) -> PlainHandler<H> {
    Handler::new(Router::new(store, h.events().await), h.notify().await)
        .with_clock(fixtures::monday)
}

/// Instantiates every scenario for a backend. `$backend` is an async expression giving
/// `Option<impl Backend>`; `None` skips the test (the backend has said why).
#[macro_export]
macro_rules! router_scenarios {
    ($backend:expr) => {
        $crate::router_scenarios!(@tests $backend;
            scenarios::good_batch_routes_every_lead,
            scenarios::mixed_batch_reports_exactly_the_bad_messages,
            scenarios::redelivered_messages_change_nothing,
            scenarios::poison_message_ends_in_the_dead_letter_queue,
            scenarios::near_deadline_leaves_messages_for_redelivery,
            scenarios::failure_without_message_id_fails_the_batch,
            scenarios::policy_is_compiled_once_across_invocations,
            lifecycle::released_lead_is_routed_again_as_a_new_assignment,
            lifecycle::finished_leads_need_no_routing,
            failpoints::crash_around_apply,
            failpoints::crash_around_publish,
            failpoints::crash_around_notify,
            failpoints::crash_around_parked_publish,
            failpoints::crash_around_parked_notify,
            concurrency::concurrent_handlers_keep_every_invariant,
        );
    };
    (@tests $backend:expr; $($module:ident :: $name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let Some(backend) = $backend.await else {
                    return;
                };
                common::$module::$name(&backend).await;
            }
        )+
    };
}
