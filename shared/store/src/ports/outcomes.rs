//! Reps' close outcomes, the statistics `best_fit` pools route on: one record per rep.
//!
//! A record has two parts. `recorded` counts the closes Switchboard recorded: each `won`
//! or `lost` close of an assignment adds one, in the same atomic write as the close
//! ([`crate::RoutingState::end_attempt`]), under the segment of the decision that made
//! the assignment. `imported` is history a team brought along (`switchboard outcomes
//! import`), replaced as a whole by each import, so importing the same file again changes
//! nothing and a rebuild of the recorded part keeps it. Routing reads their sum.

use std::future::Future;

use serde::{Deserialize, Serialize};
use switchboard_routing::RepId;
use switchboard_routing::fit::RepOutcomes;

use crate::error::StoreResult;
use crate::ports::routing::CloseOutcome;

/// One rep's stored outcomes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OutcomeRecord {
    /// Closes recorded by Switchboard.
    #[serde(default)]
    pub recorded: RepOutcomes,
    /// History imported from a file.
    #[serde(default)]
    pub imported: RepOutcomes,
}

impl OutcomeRecord {
    /// What routing reads: recorded and imported together.
    pub fn total(&self) -> RepOutcomes {
        let mut t = self.recorded.clone();
        t.overall.add(self.imported.overall);
        for (seg, tally) in &self.imported.segments {
            t.segments.entry(seg.clone()).or_default().add(*tally);
        }
        t
    }
}

/// Whether a close counts toward the rep's outcomes, and as what: `Some(true)` for won,
/// `Some(false)` for lost, `None` for unqualified (not a close of the rep's).
pub fn counts_as_won(outcome: CloseOutcome) -> Option<bool> {
    match outcome {
        CloseOutcome::Won => Some(true),
        CloseOutcome::Lost => Some(false),
        CloseOutcome::Unqualified => None,
    }
}

/// What [`OutcomeStore::recount_outcomes`] found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Recounted {
    /// Leads with an assignment read.
    pub leads: u64,
    /// Won and lost closes counted.
    pub closes: u64,
    /// Unqualified closes, which are not counted.
    pub unqualified: u64,
    /// Reps whose recorded outcomes were written.
    pub reps: u64,
}

/// Reps' outcome records.
///
/// Contract:
/// - A `won` or `lost` close made through [`crate::RoutingState::end_attempt`] adds one
///   close to the closing rep's `recorded` part, overall and under the segment of the
///   assignment's decision record, in the same atomic unit as the close: a close that is
///   retried or delivered twice ends nothing the second time and counts once.
/// - [`crate::RoutingState::load`] puts each rep's total into the snapshot when the policy
///   has a `best_fit` pool (only then: no extra reads otherwise).
/// - [`rep_outcomes`](OutcomeStore::rep_outcomes) reads records strongly consistently; a
///   rep without one has an empty record.
/// - [`set_imported_outcomes`](OutcomeStore::set_imported_outcomes) replaces the imported
///   part and leaves the recorded one alone.
/// - [`recount_outcomes`](OutcomeStore::recount_outcomes) recomputes every rep's recorded
///   part from the stored closed assignments and their decision records, leaving imported
///   parts alone; running it again changes nothing. On the embedded store it is one write
///   transaction; on DynamoDB each rep's write is conditioned on the record read, and a
///   close recorded while the table was read makes it fail with `Conflict` (run it again).
pub trait OutcomeStore: Send + Sync {
    /// The records of `reps`, in the order given.
    fn rep_outcomes(
        &self,
        reps: &[RepId],
    ) -> impl Future<Output = StoreResult<Vec<OutcomeRecord>>> + Send;

    fn set_imported_outcomes(
        &self,
        rep: &str,
        imported: &RepOutcomes,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn recount_outcomes(&self) -> impl Future<Output = StoreResult<Recounted>> + Send;
}

/// The reps whose outcomes a decision under `policy` reads: the members of its `best_fit`
/// pools, each once, in policy order. Empty when it has no `best_fit` pool.
pub fn best_fit_reps(policy: &switchboard_routing::CompiledPolicy) -> Vec<RepId> {
    let mut wanted = vec![false; policy.reps().len()];
    for pool in policy.pools().iter().filter(|p| p.best_fit.is_some()) {
        for m in &pool.members {
            wanted[m.rep as usize] = true;
        }
    }
    policy
        .reps()
        .iter()
        .zip(wanted)
        .filter(|(_, w)| *w)
        .map(|(r, _)| r.id.clone())
        .collect()
}
