//! Lead enrichment's I/O: the provider behind a narrow trait ([`Enricher`], one HTTP GET;
//! the HTTP implementation is `switchboard_http::enricher`), and [`CachedProvider`],
//! which puts the per-domain cache and the monthly budget in front of it. The router
//! asks it for a lead's provider values before deciding (`router/enrich.rs`); what to ask
//! and how values merge is pure and lives in `switchboard_routing::enrichment`.
//!
//! Nothing here can hold a lead up or lose it: every failure becomes an outcome the
//! decision record shows, and the lead is routed on what it has.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use switchboard_routing::Scalar;
use switchboard_routing::enrichment::{ProviderAuth, ProviderCall, ProviderOutcome, ProviderSpec};

use crate::ports::enrichment::{CachedAnswer, EnrichmentCache, month_of};

/// A boxed future, so the traits here can be held as trait objects by the router.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One provider request: the filled-in URL, the auth header's settings and the wait.
#[derive(Debug, Clone, Copy)]
pub struct ProviderRequest<'a> {
    pub url: &'a str,
    pub auth: Option<&'a ProviderAuth>,
    pub timeout: Duration,
}

/// What the provider said.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderAnswer {
    /// A 2xx with a JSON body.
    Found(serde_json::Value),
    /// A 404: the provider knows no such company.
    NotFound,
    /// A 429.
    RateLimited,
    /// No answer within the request's timeout.
    Timeout,
    /// Anything else (5xx, a body that is not JSON, a connection or secret failure), with
    /// a reason that carries no lead data.
    Failed(String),
}

/// Makes one provider request; one attempt, never retried (the lead is waiting).
pub trait Enricher: Send + Sync {
    fn lookup<'a>(&'a self, request: ProviderRequest<'a>) -> BoxFuture<'a, ProviderAnswer>;
}

/// The provider's values for one lead and what became of the lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct Looked {
    pub outcome: ProviderOutcome,
    pub detail: Option<String>,
    pub values: BTreeMap<String, Scalar>,
}

impl Looked {
    fn without(outcome: ProviderOutcome, detail: impl Into<Option<String>>) -> Looked {
        Looked {
            outcome,
            detail: detail.into(),
            values: BTreeMap::new(),
        }
    }
}

/// A provider lookup as the router makes it (a trait object, so the router's type does
/// not change with the cache's).
pub trait ProviderLookup: Send + Sync {
    fn look_up<'a>(
        &'a self,
        lead_id: &'a str,
        provider: &'a ProviderSpec,
        call: &'a ProviderCall,
        now: Timestamp,
    ) -> BoxFuture<'a, Looked>;
}

/// [`Enricher`] behind the per-domain cache and the monthly budget.
pub struct CachedProvider<C> {
    cache: C,
    enricher: Arc<dyn Enricher>,
}

impl<C: EnrichmentCache> CachedProvider<C> {
    pub fn new(cache: C, enricher: Arc<dyn Enricher>) -> Self {
        CachedProvider { cache, enricher }
    }

    async fn look_up_cached(
        &self,
        lead_id: &str,
        provider: &ProviderSpec,
        call: &ProviderCall,
        now: Timestamp,
    ) -> Looked {
        let store_failed = |e: crate::StoreError| {
            tracing::warn!(lead_id, error = %e, "enrichment store unavailable; routing without the provider");
            Looked::without(ProviderOutcome::Error, format!("enrichment store: {e}"))
        };
        match self.cache.cached_answer(&call.domain, now).await {
            Ok(Some(hit)) if hit.map == provider.map => {
                return Looked {
                    outcome: ProviderOutcome::Cached,
                    detail: None,
                    values: hit.values,
                };
            }
            Ok(_) => {}
            Err(e) => return store_failed(e),
        }
        match self
            .cache
            .take_provider_call(&month_of(now), provider.monthly_budget)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                return Looked::without(
                    ProviderOutcome::BudgetExhausted,
                    format!("{} calls this month", provider.monthly_budget),
                );
            }
            Err(e) => return store_failed(e),
        }
        let request = ProviderRequest {
            url: &call.url,
            auth: provider.auth.as_ref(),
            timeout: provider.timeout,
        };
        let (found, values) = match self.enricher.lookup(request).await {
            ProviderAnswer::Found(body) => (true, provider.read_answer(&body)),
            ProviderAnswer::NotFound => (false, BTreeMap::new()),
            ProviderAnswer::RateLimited => {
                return Looked::without(ProviderOutcome::RateLimited, "HTTP 429".to_owned());
            }
            ProviderAnswer::Timeout => {
                return Looked::without(
                    ProviderOutcome::Timeout,
                    format!("no answer within {} ms", provider.timeout.as_millis()),
                );
            }
            ProviderAnswer::Failed(why) => {
                tracing::warn!(lead_id, error = %why, "enrichment provider failed");
                return Looked::without(ProviderOutcome::Error, why);
            }
        };
        let answer = CachedAnswer {
            found,
            values,
            map: provider.map.clone(),
            fetched_at: now,
            expires_at: now.saturating_add(provider.cache_ttl).unwrap_or(now),
        };
        // A lost cache write costs one more call for the domain later, nothing now.
        if let Err(e) = self.cache.cache_answer(&call.domain, &answer).await {
            tracing::warn!(lead_id, error = %e, "enrichment answer not cached");
        }
        Looked {
            outcome: if found {
                ProviderOutcome::Ok
            } else {
                ProviderOutcome::NotFound
            },
            detail: None,
            values: answer.values,
        }
    }
}

impl<C: EnrichmentCache> ProviderLookup for CachedProvider<C> {
    fn look_up<'a>(
        &'a self,
        lead_id: &'a str,
        provider: &'a ProviderSpec,
        call: &'a ProviderCall,
        now: Timestamp,
    ) -> BoxFuture<'a, Looked> {
        Box::pin(self.look_up_cached(lead_id, provider, call, now))
    }
}
