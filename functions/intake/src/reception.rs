//! Where an accepted lead goes: stored through the shared [`LeadStore`] port (idempotency
//! and same-email dedupe in its one atomic insert), then handed to routing through an
//! [`Outbox`] (the routing queue).
//!
//! [`Reception`] is object-safe so the router state does not carry the store's type, as
//! [`RepDesk`](crate::actions::RepDesk) does for rep actions; [`PortReception`] is its one
//! implementation, over the embedded store locally and DynamoDB/SQS on AWS.
//!
//! A stored lead is announced as `lead.received` on the event bus, after the hand-off so
//! routing never waits for the bus. Publishing is best effort here: a bus failure is
//! logged as an error and the sender still gets its 202, because the lead is stored and
//! routed; refusing it would only make the sender submit it again.
//!
//! The insert is visible before it is on disk (`LeadStore::insert_visible`): the hand-off
//! goes out at once, and the 202 and the announcement wait until the lead is durable. A
//! crash in between loses a lead nobody was told about (the sender retries, as for any
//! answer it did not get); on the embedded store its routing, reading the lead from the
//! same process, commits its decision durably and so puts both on disk with one fsync.
//!
//! Intake stores first and enqueues second. The insert stores the lead `queued` already,
//! so a lead costs one write before its 202, not two. If enqueueing fails, the lead is set
//! back to `received`, the sender still gets its 202, and the sweep re-drives leads still
//! awaiting routing (`received` or `queued`: a crash between the insert and the hand-off
//! leaves a `queued` lead that was never sent). Redeliveries of a stored submission never
//! enqueue again.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use switchboard_store::{
    EventPublisher, Insert, LeadStatus, LeadStore, NewLead, NoEvents, Outbox, RouteRequest,
    StoreError, StoredLead, lead_received,
};

use crate::clock::Clock;

/// Stores and hands on leads, and reads them back.
pub trait Reception: Send + Sync {
    /// Stores `new` (or finds the lead its key maps to), then hands a new, primary lead on
    /// for routing. `Existing` for a redelivery of a known submission.
    fn receive(&self, new: NewLead) -> BoxFuture<'_, Result<Insert, StoreError>>;

    fn lead<'a>(
        &'a self,
        lead_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredLead>, StoreError>>;
}

/// [`Reception`] over a lead store, the routing queue and the event bus.
pub struct PortReception<S, Q, E = NoEvents> {
    store: S,
    routing: Q,
    events: E,
    clock: Arc<dyn Clock>,
}

impl<S, Q> PortReception<S, Q> {
    /// Without a bus: nothing is announced.
    pub fn new(store: S, routing: Q, clock: Arc<dyn Clock>) -> Self {
        PortReception {
            store,
            routing,
            events: NoEvents,
            clock,
        }
    }
}

impl<S, Q, E> PortReception<S, Q, E> {
    /// Announces each stored lead on `events` (`lead.received`).
    pub fn with_events<E2>(self, events: E2) -> PortReception<S, Q, E2> {
        PortReception {
            store: self.store,
            routing: self.routing,
            events,
            clock: self.clock,
        }
    }
}

impl<S: LeadStore, Q: Outbox, E: EventPublisher> PortReception<S, Q, E> {
    async fn announce(&self, record: &StoredLead) {
        if let Err(e) = self.events.publish(&lead_received(record)).await {
            tracing::error!(lead_id = %record.lead.id, error = %e, "lead.received not published");
        }
    }
}

impl<S: LeadStore, Q: Outbox, E: EventPublisher> Reception for PortReception<S, Q, E> {
    fn receive(&self, mut new: NewLead) -> BoxFuture<'_, Result<Insert, StoreError>> {
        Box::pin(async move {
            let now = new.lead.received_at;
            // Stored `queued` in the insert itself: the hand-off follows at once.
            new.queued = true;
            // Visible at once, so routing can read it; on disk before anyone hears of it
            // (the sender's 202, the announcement). On the embedded store the lead's
            // decision, a moment later, is usually the commit that puts it there.
            let pending = self.store.insert_visible(&new, now).await?;
            // Only the delivery that created the lead hands it on: concurrent redeliveries
            // would otherwise send duplicates. A duplicate or scheduled lead is not routed
            // now.
            let Insert::Created(created) = pending.insert() else {
                return pending.durable().await;
            };
            if created.status != LeadStatus::Queued {
                let inserted = pending.durable().await?;
                self.announce(inserted.lead()).await;
                return Ok(inserted);
            }
            let request = RouteRequest {
                lead_id: created.lead.id.clone(),
            };
            let mut record = created.clone();
            let handed_on = self.routing.send(&request.to_body()).await;
            pending.durable().await?;
            if let Err(e) = handed_on {
                tracing::warn!(lead_id = %record.lead.id, error = %e, "hand-off for routing failed; lead kept as received");
                // Say what happened: the lead was stored `queued` on the hand-off's behalf.
                match self
                    .store
                    .set_status(
                        &record.lead.id,
                        LeadStatus::Queued,
                        LeadStatus::Received,
                        self.clock.now(),
                    )
                    .await
                {
                    Ok(updated) => record = updated,
                    Err(e) => {
                        // Still awaiting routing, so the sweep re-drives it all the same.
                        tracing::warn!(lead_id = %record.lead.id, error = %e, "lead not marked received after the failed hand-off");
                        record.status = LeadStatus::Received;
                    }
                }
            }
            self.announce(&record).await;
            Ok(Insert::Created(record))
        })
    }

    fn lead<'a>(
        &'a self,
        lead_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredLead>, StoreError>> {
        Box::pin(self.store.get(lead_id))
    }
}
