//! The machine names the decision record uses for engine enums, for reports and tables.
//! (Thin wrappers over the engine's own names, so reports and records always agree.)

use switchboard_routing::{ParkReason, Skip, StrategyKind};

pub fn strategy_name(s: StrategyKind) -> &'static str {
    s.as_str()
}

/// Same codes as `CandidateRecord::reason`.
pub fn skip_code(s: &Skip) -> &'static str {
    s.code()
}

pub fn park_reason_name(r: ParkReason) -> &'static str {
    r.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The names must match the engine's serde names, which the decision record uses.
    #[test]
    fn names_match_serde() {
        for s in [
            StrategyKind::RoundRobin,
            StrategyKind::WeightedRoundRobin,
            StrategyKind::LeastLoaded,
            StrategyKind::BestFit,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), strategy_name(s));
        }
        for r in ParkReason::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), park_reason_name(r));
        }
    }
}
