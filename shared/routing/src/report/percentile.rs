//! Durations kept until the end of a report, and their percentiles by nearest rank.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The nearest-rank percentile of `sorted` (ascending): the value at rank
/// `ceil(p · n / 100)` (1-based, at least 1), i.e. the smallest value such that at least
/// `p` % of the values are less than or equal to it. It is always one of the observed
/// values (no interpolation), so a report's figures can be checked by hand. `None` for no
/// values. `p` is a whole percentage in `1..=100`.
pub fn nearest_rank(sorted: &[u64], p: u32) -> Option<u64> {
    debug_assert!((1..=100).contains(&p), "percentile {p} outside 1..=100");
    debug_assert!(sorted.is_sorted(), "nearest_rank needs sorted values");
    let n = sorted.len() as u64;
    if n == 0 {
        return None;
    }
    // Integer ceiling: exact for every n, where a float rank could land one off.
    let rank = (u64::from(p) * n).div_ceil(100).max(1);
    Some(sorted[(rank - 1) as usize])
}

/// Milliseconds from `from` to `to`; zero when `to` is earlier (clocks of two writers can
/// disagree by a moment, and a negative wait is no wait).
pub fn millis_between(from: Timestamp, to: Timestamp) -> u64 {
    let ms = to.duration_since(from).as_millis();
    u64::try_from(ms.max(0)).unwrap_or(u64::MAX)
}

/// How many durations were measured and their 50th, 95th and 99th percentiles by nearest
/// rank, in milliseconds (`None` when none were measured).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Percentiles {
    pub count: u64,
    pub p50_ms: Option<u64>,
    pub p95_ms: Option<u64>,
    pub p99_ms: Option<u64>,
}

/// The durations of one figure, in milliseconds. Exact percentiles need every value, so
/// this keeps all of them: 8 bytes per measured duration, for the length of one report.
#[derive(Debug, Clone, Default)]
pub(crate) struct Durations(Vec<u64>);

impl Durations {
    pub(crate) fn push(&mut self, ms: u64) {
        self.0.push(ms);
    }

    pub(crate) fn finish(mut self) -> Percentiles {
        self.0.sort_unstable();
        Percentiles {
            count: self.0.len() as u64,
            p50_ms: nearest_rank(&self.0, 50),
            p95_ms: nearest_rank(&self.0, 95),
            p99_ms: nearest_rank(&self.0, 99),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_on_one_to_twenty() {
        let v: Vec<u64> = (1..=20).collect();
        // ceil(0.50 · 20) = 10, ceil(0.95 · 20) = 19, ceil(0.99 · 20) = 20.
        assert_eq!(nearest_rank(&v, 50), Some(10));
        assert_eq!(nearest_rank(&v, 95), Some(19));
        assert_eq!(nearest_rank(&v, 99), Some(20));
        assert_eq!(nearest_rank(&v, 100), Some(20));
        assert_eq!(nearest_rank(&v, 1), Some(1));
    }

    #[test]
    fn nearest_rank_of_few_values() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 1), Some(7));
        assert_eq!(nearest_rank(&[7], 99), Some(7));
        // n = 3: ranks ceil(1.5) = 2, ceil(2.85) = 3.
        assert_eq!(nearest_rank(&[1, 2, 3], 50), Some(2));
        assert_eq!(nearest_rank(&[1, 2, 3], 95), Some(3));
        // n = 4: rank ceil(2.0) = 2, not 3: an exact product is not rounded up.
        assert_eq!(nearest_rank(&[10, 20, 30, 40], 50), Some(20));
    }

    #[test]
    fn nearest_rank_on_two_hundred_values() {
        let v: Vec<u64> = (1..=200).map(|x| x * 10).collect();
        assert_eq!(nearest_rank(&v, 50), Some(1000));
        assert_eq!(nearest_rank(&v, 95), Some(1900));
        assert_eq!(nearest_rank(&v, 99), Some(1980));
    }

    #[test]
    fn durations_sort_before_ranking() {
        let mut d = Durations::default();
        for ms in [300, 100, 200] {
            d.push(ms);
        }
        assert_eq!(
            d.finish(),
            Percentiles {
                count: 3,
                p50_ms: Some(200),
                p95_ms: Some(300),
                p99_ms: Some(300)
            }
        );
    }

    #[test]
    fn negative_waits_are_zero() {
        let a: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
        let b: Timestamp = "2026-06-01T10:00:01.5Z".parse().unwrap();
        assert_eq!(millis_between(a, b), 1500);
        assert_eq!(millis_between(b, a), 0);
    }
}
