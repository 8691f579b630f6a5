//! Enrichment before deciding: the lead the rules see, with the fields the policy's
//! `enrichment` section fills, and the record of where each value came from. A policy
//! without the section costs nothing here (no store call, no clone of the lead).

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use switchboard_routing::enrichment::{EnrichmentRecord, ProviderOutcome};
use switchboard_routing::{Account, CompiledPolicy, Lead};

use super::Router;
use crate::enrichment::ProviderLookup;

impl<S, E> Router<S, E> {
    /// Asks `lookup` for provider values when the active policy configures a provider;
    /// without it such leads are routed on the form and account values, and their
    /// records say the provider was unavailable.
    pub fn with_enrichment(mut self, lookup: impl ProviderLookup + 'static) -> Self {
        self.enrichment = Some(Arc::new(lookup));
        self
    }

    /// `lead` enriched under `policy`, with the record, or `None` when the policy
    /// enriches nothing.
    pub(super) async fn enrich(
        &self,
        policy: &CompiledPolicy,
        lead: &Lead,
        account: Option<&Account>,
        now: Timestamp,
    ) -> Option<(Lead, EnrichmentRecord)> {
        let spec = policy.enrichment()?;
        let (values, outcome, detail) = match spec.provider_call(lead, account) {
            Err(outcome) => (BTreeMap::new(), outcome, None),
            Ok(call) => match (&self.enrichment, &spec.provider) {
                (Some(lookup), Some(provider)) => {
                    let l = lookup.look_up(&lead.id, provider, &call, now).await;
                    (l.values, l.outcome, l.detail)
                }
                _ => (
                    BTreeMap::new(),
                    ProviderOutcome::Error,
                    Some("this process has no enrichment client".to_owned()),
                ),
            },
        };
        Some(spec.apply(lead, account, &values, outcome, detail))
    }
}
