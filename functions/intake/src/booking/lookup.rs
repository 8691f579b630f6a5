//! What booking reads from the store: where routing is with a lead, and the assigned
//! rep's booking link in the policy version that made the assignment.
//!
//! [`Bookings`] is object-safe so intake's state does not carry the store's type;
//! [`StoreBookings`] is its one implementation, over the embedded store locally and
//! DynamoDB on AWS. Policy versions never change once stored, so each version's links are
//! read once and kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use switchboard_routing::RepId;
use switchboard_routing::policy::BookingDoc;
use switchboard_store::{LeadStatus, PolicyStore, RoutingState, StoreError};

/// Where routing is with a lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routed {
    /// No decision stored yet.
    Pending,
    /// Assigned to `rep` by a decision under `policy_version`.
    Assigned { rep: RepId, policy_version: u64 },
    /// Decided without a rep to meet: parked, a duplicate, closed, or an unknown lead.
    Settled(Option<LeadStatus>),
}

/// How often to read again while waiting: from `first`, doubling, at most `max` apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The embedded store: reads cost microseconds, so read often.
    pub const LOCAL: Backoff = Backoff {
        first: Duration::from_millis(2),
        max: Duration::from_millis(20),
    };
    /// DynamoDB: each read costs a request and a few milliseconds; 25 ms doubling to
    /// 100 ms keeps a 1.5 s wait at about 20 reads.
    pub const DYNAMO: Backoff = Backoff {
        first: Duration::from_millis(25),
        max: Duration::from_millis(100),
    };
}

/// Reads routing's answer for booking.
pub trait Bookings: Send + Sync {
    fn routed<'a>(&'a self, lead_id: &'a str) -> BoxFuture<'a, Result<Routed, StoreError>>;

    /// The rep's booking link in policy `version` (`None`: the rep has none).
    fn link<'a>(
        &'a self,
        rep: &'a RepId,
        version: u64,
    ) -> BoxFuture<'a, Result<Option<BookingDoc>, StoreError>>;

    fn backoff(&self) -> Backoff;
}

type Links = Arc<HashMap<RepId, BookingDoc>>;

/// [`Bookings`] over a store's routing and policy ports.
pub struct StoreBookings<S> {
    store: S,
    backoff: Backoff,
    by_version: Mutex<HashMap<u64, Links>>,
}

impl<S> StoreBookings<S> {
    pub fn new(store: S, backoff: Backoff) -> Self {
        StoreBookings {
            store,
            backoff,
            by_version: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, version: u64) -> Option<Links> {
        // A panic while holding the lock cannot leave the map half-updated.
        let map = self.by_version.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&version).cloned()
    }
}

impl<S: RoutingState + PolicyStore> Bookings for StoreBookings<S> {
    fn routed<'a>(&'a self, lead_id: &'a str) -> BoxFuture<'a, Result<Routed, StoreError>> {
        Box::pin(async move {
            // One consistent read: never a `queued` status beside a stored assignment.
            let Some(routing) = self.store.lead_routing(lead_id).await? else {
                return Ok(Routed::Settled(None));
            };
            let status = routing.lead.status;
            Ok(match (status, routing.assignment) {
                (LeadStatus::Assigned, Some(a)) => Routed::Assigned {
                    rep: a.rep,
                    policy_version: a.policy_version,
                },
                (s, _) if s.awaits_routing() => Routed::Pending,
                (s, _) => Routed::Settled(Some(s)),
            })
        })
    }

    fn link<'a>(
        &'a self,
        rep: &'a RepId,
        version: u64,
    ) -> BoxFuture<'a, Result<Option<BookingDoc>, StoreError>> {
        Box::pin(async move {
            let links = match self.cached(version) {
                Some(links) => links,
                None => {
                    let stored =
                        self.store.get_version(version).await?.ok_or_else(|| {
                            StoreError::NotFound(format!("policy version {version}"))
                        })?;
                    let links: Links = Arc::new(
                        stored
                            .document
                            .reps
                            .into_iter()
                            .filter_map(|r| Some((RepId::from(r.id.as_str()), r.booking?)))
                            .collect(),
                    );
                    let mut map = self.by_version.lock().unwrap_or_else(|p| p.into_inner());
                    map.insert(version, links.clone());
                    links
                }
            };
            Ok(links.get(rep).cloned())
        })
    }

    fn backoff(&self) -> Backoff {
        self.backoff
    }
}
