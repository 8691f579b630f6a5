//! What lead enrichment keeps between leads: the provider's answer per company domain, for
//! the policy's `cache_ttl`, and the provider calls made per calendar month, so the
//! `monthly_budget` holds across every router.

use std::collections::BTreeMap;
use std::future::Future;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::Scalar;

use crate::error::StoreResult;

/// A provider's answer for one domain, as the policy's `map` read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedAnswer {
    /// False for "no such company" (a 404): cached too, so the domain is not paid for
    /// again.
    pub found: bool,
    /// Field → value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, Scalar>,
    /// The `map` (field, JSON pointer) the values were read with: an answer read with
    /// another map does not serve a changed policy.
    #[serde(default)]
    pub map: Vec<(String, String)>,
    pub fetched_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Contract:
/// - [`cached_answer`](EnrichmentCache::cached_answer) returns the last answer stored for
///   the domain unless it expired at `now` (`expires_at <= now`); reads are strongly
///   consistent.
/// - [`cache_answer`](EnrichmentCache::cache_answer) replaces the domain's answer.
/// - [`take_provider_call`](EnrichmentCache::take_provider_call) adds one to the month's
///   count and answers true only if the count was below `budget`, atomically: concurrent
///   takers never push the count past the budget, and a refused take changes nothing.
/// - [`provider_calls`](EnrichmentCache::provider_calls) is the month's count (0 for a
///   month without calls).
pub trait EnrichmentCache: Send + Sync {
    fn cached_answer(
        &self,
        domain: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<CachedAnswer>>> + Send;

    fn cache_answer(
        &self,
        domain: &str,
        answer: &CachedAnswer,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// `month` is `YYYY-MM` in UTC ([`month_of`]).
    fn take_provider_call(
        &self,
        month: &str,
        budget: u64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    fn provider_calls(&self, month: &str) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// The budget's calendar month of `at`, in UTC: `2026-12`.
pub fn month_of(at: Timestamp) -> String {
    at.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m")
        .to_string()
}
