//! Small statistics shared by the backtest and the planted-truth simulator: a seeded
//! generator, percentile bootstrap intervals and the Wilson interval of a proportion.

use serde::{Deserialize, Serialize};

/// SplitMix64: a tiny seeded generator, so every run is the same on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// A number with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Interval {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Interval {
    pub fn contains_zero(&self) -> bool {
        self.low <= 0.0 && self.high >= 0.0
    }

    /// Rounded to 4 decimals, for reports.
    pub fn rounded(self) -> Interval {
        Interval {
            value: round4(self.value),
            low: round4(self.low),
            high: round4(self.high),
        }
    }
}

pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Wilson score interval (95%) of `wins` out of `n`.
pub fn wilson(wins: u64, n: u64) -> Interval {
    if n == 0 {
        return Interval {
            value: f64::NAN,
            low: 0.0,
            high: 1.0,
        };
    }
    let z = 1.96f64;
    let n_f = n as f64;
    let p = wins as f64 / n_f;
    let denom = 1.0 + z * z / n_f;
    let centre = (p + z * z / (2.0 * n_f)) / denom;
    let half = z * (p * (1.0 - p) / n_f + z * z / (4.0 * n_f * n_f)).sqrt() / denom;
    Interval {
        value: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    }
}

/// The 2.5% and 97.5% percentiles of `samples` (NaNs dropped), around `value`.
pub fn percentile_interval(value: f64, mut samples: Vec<f64>) -> Interval {
    samples.retain(|x| x.is_finite());
    if samples.is_empty() {
        return Interval {
            value,
            low: f64::NAN,
            high: f64::NAN,
        };
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((q * (samples.len() - 1) as f64).round() as usize).min(samples.len() - 1);
        samples[i]
    };
    Interval {
        value,
        low: at(0.025),
        high: at(0.975),
    }
}

/// Indices of one bootstrap resample of `n` items.
pub fn resample(rng: &mut Rng, n: usize, out: &mut Vec<usize>) {
    out.clear();
    out.extend((0..n).map(|_| rng.below(n as u64) as usize));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_the_textbook_value() {
        // 10 of 100: Wilson 95% is [0.0552, 0.1744].
        let i = wilson(10, 100);
        assert!(
            (i.low - 0.0552).abs() < 1e-3 && (i.high - 0.1744).abs() < 1e-3,
            "{i:?}"
        );
    }

    #[test]
    fn percentiles_cover_the_middle_95() {
        let samples: Vec<f64> = (0..=1000).map(|i| i as f64).collect();
        let i = percentile_interval(500.0, samples);
        assert_eq!((i.low, i.high), (25.0, 975.0));
    }
}
