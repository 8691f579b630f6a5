//! Everything the stages of the local pipeline share.

use std::sync::Arc;

use switchboard_http::enricher::HttpEnricher;
use switchboard_http::secrets::NoRemote;
use switchboard_store::Router;
use switchboard_store::embedded::EmbeddedStore;
use switchboard_store::enrichment::CachedProvider;

use super::completions::Completions;
use super::events::LoggedEvents;
use super::lanes::Lanes;
use super::metrics::Metrics;
use super::queues::{SharedQueue, shared_queue};
use super::stats::Stats;
use super::sweep::RedriveList;

pub struct Pipeline {
    pub store: EmbeddedStore,
    /// Intake → routers: one route request per lead.
    pub routing: SharedQueue,
    /// Routers, rep actions and the sweep → notifier: notify messages.
    pub notify: SharedQueue,
    /// Shared with the rep actions of the HTTP routes.
    pub router: Arc<Router<EmbeddedStore, LoggedEvents>>,
    pub completions: Completions,
    pub lanes: Lanes,
    pub redrive: Arc<RedriveList>,
    pub stats: Stats,
    /// Served at `GET /metrics`.
    pub metrics: Metrics,
}

impl Pipeline {
    pub fn new(store: EmbeddedStore, max_receives: u32) -> Self {
        let routing = shared_queue(max_receives);
        let notify = shared_queue(max_receives);
        Pipeline {
            router: Arc::new(with_enrichment(
                Router::new(store.clone(), LoggedEvents),
                &store,
            )),
            store,
            routing,
            notify,
            completions: Completions::default(),
            lanes: Lanes::default(),
            redrive: Arc::default(),
            stats: Stats::default(),
            metrics: Metrics::default(),
        }
    }
}

/// The router asks the enrichment provider a policy configures (through the store's
/// cache and budget); `env:` secret references only, as everywhere in the local process.
fn with_enrichment(
    router: Router<EmbeddedStore, LoggedEvents>,
    store: &EmbeddedStore,
) -> Router<EmbeddedStore, LoggedEvents> {
    match HttpEnricher::new(NoRemote) {
        Ok(enricher) => {
            router.with_enrichment(CachedProvider::new(store.clone(), Arc::new(enricher)))
        }
        Err(e) => {
            tracing::warn!(error = %e, "no HTTP client for lead enrichment; leads route without the provider");
            router
        }
    }
}
