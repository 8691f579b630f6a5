//! One contract test suite for every backend. A backend implements [`Harness`] and
//! instantiates the suite with [`contract_tests!`]; each test body is a generic async
//! function here, so both backends run exactly the same checks.
#![allow(dead_code)]

pub mod actions;
pub mod audit;
pub mod concurrency;
pub mod crm_links;
pub mod dedupe;
pub mod deliveries;
pub mod enrichment;
pub mod fixtures;
pub mod listing;
pub mod outcomes;
pub mod queue;
pub mod recycle;
pub mod runs;
pub mod scheduled;
pub mod shadow;
pub mod store;
pub mod sync_marks;

use std::future::Future;

use switchboard_store::{
    AccountDirectory, AuditLog, CrmLinks, DeliveryLog, DomainEvent, EnrichmentCache,
    EventPublisher, LeadIndex, LeadStore, OutcomeStore, PolicyStore, RoutingState, ScheduledLeads,
    SyncMarks, WorkQueue,
};

/// Makes fresh, empty instances of one backend's adapters.
pub trait Harness: Send + Sync + Sized + 'static {
    type Store: LeadStore
        + LeadIndex
        + RoutingState
        + PolicyStore
        + AccountDirectory
        + DeliveryLog
        + AuditLog
        + CrmLinks
        + OutcomeStore
        + SyncMarks
        + EnrichmentCache
        + ScheduledLeads
        + 'static;
    type Events: EventPublisher + 'static;
    type Queue: WorkQueue + 'static;

    /// Leads routed by the concurrency test (smaller where each call is a network round trip).
    const CONCURRENT_LEADS: usize;
    /// Leads routed by the weighted-share test.
    const SHARE_LEADS: usize;
    /// Whether the store applies a run's writes in the order they are submitted (the
    /// embedded store's single writer does; DynamoDB receives them as concurrent
    /// transactions, so a later lead's write can arrive before the one it builds on, lose,
    /// and be decided again).
    const RUN_WRITES_IN_ORDER: bool;

    fn store(&self) -> impl Future<Output = Self::Store> + Send;
    fn events(&self) -> impl Future<Output = Self::Events> + Send;
    /// The events that reached the bus's consumers, in order.
    fn recorded(&self, events: &Self::Events) -> impl Future<Output = Vec<DomainEvent>> + Send;
    fn queue(&self, max_receives: u32) -> impl Future<Output = Self::Queue> + Send;
}

/// Instantiates every contract test for a backend. `$harness` is an async expression
/// giving `Option<impl Harness>`; `None` skips the test (the harness has said why).
#[macro_export]
macro_rules! contract_tests {
    ($harness:expr) => {
        $crate::contract_tests!(@tests $harness;
            store::lead_insert_is_idempotent,
            store::concurrent_inserts_create_one_lead,
            store::a_visible_insert_is_read_at_once_and_durable_after,
            dedupe::same_email_in_the_window_is_a_duplicate,
            dedupe::concurrent_same_address_inserts_have_one_primary,
            dedupe::a_failed_insert_writes_nothing,
            dedupe::expired_keys_store_a_new_lead,
            dedupe::content_keys_map_through_every_change_of_primary,
            store::apply_commits_once_and_redelivery_is_idempotent,
            store::stale_preconditions_conflict_and_write_nothing,
            store::day_window_rolls_over,
            store::caps_are_never_exceeded,
            store::release_frees_capacity_exactly_once,
            store::rejected_lead_is_routed_to_someone_else,
            store::accept_and_expiry_have_one_winner,
            store::policy_versions_and_rollback,
            store::accounts_import_and_match,
            store::events_are_published,
            queue::visibility_redelivery_and_delete,
            queue::dead_letters_and_redrive,
            concurrency::concurrent_routing_keeps_every_invariant,
            concurrency::concurrent_weighted_shares_stay_exact,
            runs::a_run_decides_as_one_lead_after_another,
            runs::racing_runs_never_exceed_a_cap,
            deliveries::deliveries_are_recorded_once_per_channel,
            deliveries::concurrent_records_have_one_winner,
            deliveries::delivery_failures_are_kept_until_the_delivery_succeeds,
            crm_links::crm_records_link_to_their_newest_lead,
            sync_marks::sync_marks_start_empty_and_are_replaced_per_sync,
            enrichment::enrichment_answers_are_cached_per_domain_until_they_expire,
            enrichment::the_monthly_budget_is_never_exceeded,
            outcomes::outcomes_count_once_per_close_and_reach_the_snapshot,
            outcomes::outcomes_make_best_fit_depart_for_a_credibly_better_rep,
            outcomes::outcomes_of_concurrent_closes_all_count,
            actions::actions_are_conditional_on_the_assignment,
            actions::away_status_is_persisted_and_routing_skips_it,
            actions::sweep_reassigns_then_escalates,
            actions::sweep_reminds_the_rep_before_the_sla,
            actions::accept_racing_the_sweep_has_one_winner,
            actions::sweep_redrives_leads_never_enqueued,
            actions::sweep_retries_parked_leads_once_they_can_be_routed,
            recycle::recycling_frees_capacity_once_and_follows_the_policy,
            scheduled::scheduled_leads_wait_for_their_time_then_route_once,
            scheduled::a_duplicate_is_never_scheduled,
            listing::received_windows_list_every_lead_in_order,
            listing::received_windows_page_through_many_leads,
            listing::listings_refuse_bad_requests,
            listing::the_parked_queue_follows_each_lead,
            listing::an_escalated_lead_enters_the_parked_queue,
            audit::audit_windows_list_newest_first,
            audit::audit_pages_through_many_entries_across_days,
            audit::audit_entries_round_trip_and_are_never_overwritten,
            audit::audit_refuses_bad_requests,
            shadow::shadow_setting_state_and_decisions_round_trip,
            shadow::a_shadow_decides_beside_the_active_policy_and_changes_nothing,
        );
    };
    (@tests $harness:expr; $($module:ident :: $name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let Some(harness) = $harness.await else {
                    return;
                };
                contract::$module::$name(&harness).await;
            }
        )+
    };
}
