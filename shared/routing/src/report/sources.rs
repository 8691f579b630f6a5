//! Recycling by source: how many of each source's leads reps recycled as unworkable, and
//! why. A source whose leads are often recycled is sending the wrong people.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::recycle::RecycleReason;
use crate::report::figures::percent;
use crate::report::input::{LeadFacts, LeadState};

/// Recycles of one reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RecycleCount {
    pub reason: RecycleReason,
    pub recycles: u64,
}

/// One source's leads and their recycles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SourceFigures {
    /// The configured source; `None` for leads that came without one.
    pub source: Option<String>,
    /// Leads received from the source (duplicates excluded).
    pub leads: u64,
    /// Leads recycled at least once.
    pub recycled_leads: u64,
    /// `recycled_leads` of `leads`: the source's recycle rate.
    pub recycle_percent: Option<f64>,
    /// Every recycle (a lead recycled twice counts twice) by reason, in the order of
    /// [`RecycleReason::ALL`]; reasons without any are left out.
    pub by_reason: Vec<RecycleCount>,
}

#[derive(Debug, Clone, Default)]
struct Tally {
    leads: u64,
    recycled_leads: u64,
    by_reason: BTreeMap<RecycleReason, u64>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SourceTally {
    sources: BTreeMap<Option<String>, Tally>,
}

impl SourceTally {
    pub(crate) fn add(&mut self, lead: &LeadFacts) {
        if lead.state == LeadState::Duplicate {
            return;
        }
        let t = self.sources.entry(lead.source.clone()).or_default();
        t.leads += 1;
        if !lead.recycles.is_empty() {
            t.recycled_leads += 1;
        }
        for reason in &lead.recycles {
            *t.by_reason.entry(*reason).or_default() += 1;
        }
    }

    /// By source, sources in name order (no source first).
    pub(crate) fn finish(self) -> Vec<SourceFigures> {
        self.sources
            .into_iter()
            .map(|(source, t)| SourceFigures {
                source,
                leads: t.leads,
                recycled_leads: t.recycled_leads,
                recycle_percent: percent(t.recycled_leads, t.leads),
                by_reason: t
                    .by_reason
                    .into_iter()
                    .map(|(reason, recycles)| RecycleCount { reason, recycles })
                    .collect(),
            })
            .collect()
    }
}
