//! Fault injection at the handler's write steps, without a fake: `Faulty<T>` wraps a real
//! adapter (store, event publisher, notify queue) and, on the Nth call of its step, fails
//! or "crashes" just before or just after the real call.
//!
//! - `How::Error`: the step returns an error, so the handler reports that message failed.
//! - `How::Crash`: the step never returns and the test drops the invocation, as when the
//!   process dies: no message of the batch is acknowledged, SQS delivers them all again.
//! - `When::Before`: the real call is not made. `When::After`: it is made (and committed),
//!   then the caller never learns it succeeded.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use switchboard_routing::{Account, CompiledPolicy, DecisionRecord, PolicyDocument, RepState};
use switchboard_store::ports::shadow::{ShadowDecision, ShadowPools, ShadowSetting};
use switchboard_store::{
    AccountDirectory, ActivePolicy, Applied, Apply, Assignment, DomainEvent, EventPublisher,
    ImportSummary, Insert, LeadRouting, LeadStatus, LeadStore, NewLead, Outbox, PolicyStore,
    PolicySummary, PolicyVersion, ReleaseOutcome, RoutingState, RoutingView, StoreError,
    StoreResult, StoredLead,
};
use tokio::sync::Notify;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Before,
    After,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    Error,
    Crash,
}

/// A fault armed for the Nth call of one step (calls count from 1).
#[derive(Debug)]
pub struct Fault {
    nth: u64,
    when: When,
    how: How,
    calls: AtomicU64,
    fired: AtomicU64,
    crashed: Notify,
}

impl Fault {
    pub fn never() -> Arc<Fault> {
        Fault::nth(0, When::Before, How::Error)
    }

    pub fn nth(nth: u64, when: When, how: How) -> Arc<Fault> {
        Arc::new(Fault {
            nth,
            when,
            how,
            calls: AtomicU64::new(0),
            fired: AtomicU64::new(0),
            crashed: Notify::new(),
        })
    }

    /// How many times the fault fired (a test asserts 1, so it cannot pass vacuously).
    pub fn fired(&self) -> u64 {
        self.fired.load(Ordering::SeqCst)
    }

    /// Resolves once a `Crash` fault fired (the permit is kept if nobody waits yet).
    pub async fn crashed(&self) {
        self.crashed.notified().await;
    }

    async fn around<T>(&self, step: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if call != self.nth {
            return step.await;
        }
        self.fired.fetch_add(1, Ordering::SeqCst);
        if self.when == When::After {
            step.await?;
        }
        match self.how {
            How::Error => Err(StoreError::backend(format!(
                "injected fault at call {call} ({:?})",
                self.when
            ))),
            How::Crash => {
                self.crashed.notify_one();
                std::future::pending().await
            }
        }
    }
}

/// A real adapter with a fault on its write step.
pub struct Faulty<T> {
    pub inner: T,
    pub fault: Arc<Fault>,
    /// Policy documents read (`PolicyStore::get_version`), to show the compiled-policy
    /// cache at work.
    version_reads: AtomicU64,
}

impl<T> Faulty<T> {
    pub fn new(inner: T, fault: Arc<Fault>) -> Self {
        Faulty {
            inner,
            fault,
            version_reads: AtomicU64::new(0),
        }
    }

    pub fn version_reads(&self) -> u64 {
        self.version_reads.load(Ordering::SeqCst)
    }
}

impl<E: EventPublisher> EventPublisher for Faulty<E> {
    async fn publish(&self, event: &DomainEvent) -> StoreResult<()> {
        self.fault.around(self.inner.publish(event)).await
    }
}

impl<N: Outbox> Outbox for Faulty<N> {
    async fn send(&self, body: &str) -> StoreResult<()> {
        self.fault.around(self.inner.send(body)).await
    }
}

/// The store's one write step in routing is `apply`; every other call passes through.
impl<S: RoutingState> RoutingState for Faulty<S> {
    async fn apply(&self, apply: &Apply) -> StoreResult<Applied> {
        self.fault.around(self.inner.apply(apply)).await
    }

    fn load(
        &self,
        policy: &CompiledPolicy,
        lead_id: &str,
    ) -> impl Future<Output = StoreResult<RoutingView>> + Send {
        self.inner.load(policy, lead_id)
    }

    fn release(
        &self,
        lead_id: &str,
        outcome: ReleaseOutcome,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<Assignment>>> + Send {
        self.inner.release(lead_id, outcome, now)
    }

    fn accept(
        &self,
        lead_id: &str,
        rep: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Assignment>> + Send {
        self.inner.accept(lead_id, rep, now)
    }

    fn end_attempt(
        &self,
        lead_id: &str,
        attempt: u32,
        outcome: ReleaseOutcome,
        close: Option<switchboard_store::CloseOutcome>,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<Assignment>>> + Send {
        self.inner
            .end_attempt(lead_id, attempt, outcome, close, now)
    }

    fn recycle_attempt(
        &self,
        lead_id: &str,
        recycle: &switchboard_routing::recycle::Recycle,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<Assignment>>> + Send {
        self.inner.recycle_attempt(lead_id, recycle, now)
    }

    fn accept_attempt(
        &self,
        lead_id: &str,
        rep: &str,
        attempt: u32,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Assignment>> + Send {
        self.inner.accept_attempt(lead_id, rep, attempt, now)
    }

    fn set_away(
        &self,
        rep: &str,
        away: Option<switchboard_routing::AwayStatus>,
    ) -> impl Future<Output = StoreResult<RepState>> + Send {
        self.inner.set_away(rep, away)
    }

    fn assignment(
        &self,
        lead_id: &str,
    ) -> impl Future<Output = StoreResult<Option<Assignment>>> + Send {
        self.inner.assignment(lead_id)
    }

    fn decisions(
        &self,
        lead_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<DecisionRecord>>> + Send {
        self.inner.decisions(lead_id)
    }

    fn lead_routing(
        &self,
        lead_id: &str,
    ) -> impl Future<Output = StoreResult<Option<LeadRouting>>> + Send {
        self.inner.lead_routing(lead_id)
    }

    fn rep_state(&self, rep: &str) -> impl Future<Output = StoreResult<RepState>> + Send {
        self.inner.rep_state(rep)
    }

    fn open_assignments(
        &self,
        rep: &str,
    ) -> impl Future<Output = StoreResult<Vec<Assignment>>> + Send {
        self.inner.open_assignments(rep)
    }

    fn due(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<Assignment>>> + Send {
        self.inner.due(from, to, limit)
    }
}

impl<S: LeadStore> LeadStore for Faulty<S> {
    fn insert_if_absent(
        &self,
        new: &NewLead,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Insert>> + Send {
        self.inner.insert_if_absent(new, now)
    }

    fn latest_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = StoreResult<Option<StoredLead>>> + Send {
        self.inner.latest_by_email(email)
    }

    fn get(&self, lead_id: &str) -> impl Future<Output = StoreResult<Option<StoredLead>>> + Send {
        self.inner.get(lead_id)
    }

    fn awaiting_routing(
        &self,
        updated_before: Timestamp,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<StoredLead>>> + Send {
        self.inner.awaiting_routing(updated_before, limit)
    }

    fn set_status(
        &self,
        lead_id: &str,
        from: LeadStatus,
        to: LeadStatus,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<StoredLead>> + Send {
        self.inner.set_status(lead_id, from, to, now)
    }
}

impl<S: PolicyStore> PolicyStore for Faulty<S> {
    fn put_version(
        &self,
        document: &PolicyDocument,
        note: Option<&str>,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<PolicyVersion>> + Send {
        self.inner.put_version(document, note, now)
    }

    fn get_version(
        &self,
        version: u64,
    ) -> impl Future<Output = StoreResult<Option<PolicyVersion>>> + Send {
        self.version_reads.fetch_add(1, Ordering::SeqCst);
        self.inner.get_version(version)
    }

    fn get_active(&self) -> impl Future<Output = StoreResult<Option<ActivePolicy>>> + Send {
        self.inner.get_active()
    }

    fn set_active(
        &self,
        version: u64,
        expected: Option<u64>,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<ActivePolicy>> + Send {
        self.inner.set_active(version, expected, now)
    }

    fn history(&self) -> impl Future<Output = StoreResult<Vec<PolicySummary>>> + Send {
        self.inner.history()
    }

    fn get_shadow(&self) -> impl Future<Output = StoreResult<Option<ShadowSetting>>> + Send {
        self.inner.get_shadow()
    }

    fn set_shadow(
        &self,
        setting: Option<&ShadowSetting>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner.set_shadow(setting)
    }

    fn get_shadow_pools(&self) -> impl Future<Output = StoreResult<ShadowPools>> + Send {
        self.inner.get_shadow_pools()
    }

    fn put_shadow_pools(
        &self,
        pools: &ShadowPools,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner.put_shadow_pools(pools)
    }

    fn put_shadow_decision(
        &self,
        decision: &ShadowDecision,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner.put_shadow_decision(decision)
    }

    fn shadow_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<ShadowDecision>>> + Send {
        self.inner.shadow_between(from, to, limit)
    }
}

impl<S: AccountDirectory> AccountDirectory for Faulty<S> {
    fn by_domain(&self, domain: &str) -> impl Future<Output = StoreResult<Option<Account>>> + Send {
        self.inner.by_domain(domain)
    }

    fn by_normalized_name(
        &self,
        name: &str,
    ) -> impl Future<Output = StoreResult<Option<Account>>> + Send {
        self.inner.by_normalized_name(name)
    }

    fn import(
        &self,
        accounts: &[Account],
    ) -> impl Future<Output = StoreResult<ImportSummary>> + Send {
        self.inner.import(accounts)
    }
}
