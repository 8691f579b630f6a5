//! Counters of the local pipeline, served at `GET /v1/admin/stats` and, with the routing
//! metrics, at `GET /metrics` (`super::metrics`).

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

#[derive(Debug, Default)]
pub struct Stats {
    routed: AtomicU64,
    route_failures: AtomicU64,
    redriven: AtomicU64,
    notified: AtomicU64,
}

/// A reading of the counters and queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsView {
    /// Route requests finished (decided now, or found decided by an earlier delivery).
    pub routed: u64,
    /// Deliveries that failed and were left for redelivery.
    pub route_failures: u64,
    /// Leads the sweep handed on again.
    pub redriven: u64,
    pub notified: u64,
    /// Routing queue: messages waiting or in flight, and dead letters.
    pub routing_queue: usize,
    pub dead_letters: usize,
}

impl Stats {
    pub fn routed(&self) {
        self.routed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn route_failed(&self) {
        self.route_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub fn redriven(&self) {
        self.redriven.fetch_add(1, Ordering::Relaxed);
    }

    pub fn notified(&self) {
        self.notified.fetch_add(1, Ordering::Relaxed);
    }

    pub fn view(&self, routing_queue: usize, dead_letters: usize) -> StatsView {
        StatsView {
            routed: self.routed.load(Ordering::Relaxed),
            route_failures: self.route_failures.load(Ordering::Relaxed),
            redriven: self.redriven.load(Ordering::Relaxed),
            notified: self.notified.load(Ordering::Relaxed),
            routing_queue,
            dead_letters,
        }
    }
}
