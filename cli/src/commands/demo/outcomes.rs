//! `switchboard demo outcomes`: the planted-truth simulator (docs/OUTCOMES.md).

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use switchboard_cli::simulation::planted::{PlantedConfig, PlantedReport, run_planted};
use switchboard_cli::simulation::stats::Interval;

use crate::commands::OutputFormat;

/// Arguments of `demo outcomes`; the defaults are `PlantedConfig::default()`'s.
#[derive(Args)]
pub struct OutcomesArgs {
    /// Planted signal: rep-by-segment win rates spread uniformly over base ± this. Several
    /// values (comma-separated) give one row each.
    #[arg(long, value_name = "S", value_delimiter = ',', default_value = "0.1")]
    signal: Vec<f64>,
    /// Reps in the pool.
    #[arg(long, value_name = "N", default_value_t = PlantedConfig::default().reps)]
    reps: usize,
    /// Industries (up to 8) and products (up to 4): segments are their combinations.
    #[arg(long, value_name = "N", default_value_t = PlantedConfig::default().industries)]
    industries: usize,
    #[arg(long, value_name = "N", default_value_t = PlantedConfig::default().products)]
    products: usize,
    /// Weeks routed by each strategy.
    #[arg(long, value_name = "N", default_value_t = PlantedConfig::default().weeks)]
    weeks: u32,
    #[arg(long, value_name = "N", default_value_t = PlantedConfig::default().leads_per_week)]
    leads_per_week: u32,
    /// Weeks of round-robin history whose closes every strategy starts with.
    #[arg(long, value_name = "N", default_value_t = PlantedConfig::default().history_weeks)]
    history_weeks: u32,
    /// Mean win rate.
    #[arg(long, value_name = "P", default_value_t = PlantedConfig::default().base_rate)]
    base_rate: f64,
    /// `outcomes.prior_strength` of the best_fit policy under test.
    #[arg(long, value_name = "K", default_value_t = PlantedConfig::default().prior_strength)]
    prior_strength: f64,
    /// `best_fit.credibility` under test.
    #[arg(long, value_name = "P", default_value_t = PlantedConfig::default().credibility)]
    credibility: f64,
    /// `best_fit.fairness_band` (the oracle keeps the same band).
    #[arg(long, value_name = "F", default_value_t = PlantedConfig::default().fairness_band)]
    fairness_band: f64,
    #[arg(long, value_name = "S", default_value_t = PlantedConfig::default().seed)]
    seed: u64,
    /// Also run seeds S+1 .. S+N-1 and add a row per signal and seed (how much the
    /// figures move with the drawn truth and leads).
    #[arg(long, value_name = "N", default_value_t = 1)]
    seeds: u64,
    /// Bootstrap resamples for the uplift intervals.
    #[arg(long, value_name = "N", default_value_t = PlantedConfig::default().resamples)]
    resamples: u32,
    /// A `text` table or `json` (one report per signal).
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

pub fn run(args: OutcomesArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.reps >= 2, "--reps must be at least 2");
    anyhow::ensure!(
        (1..=8).contains(&args.industries) && (1..=4).contains(&args.products),
        "--industries must be 1 to 8 and --products 1 to 4"
    );
    let config = |signal: f64, seed: u64| PlantedConfig {
        reps: args.reps,
        industries: args.industries,
        products: args.products,
        weeks: args.weeks,
        leads_per_week: args.leads_per_week,
        history_weeks: args.history_weeks,
        base_rate: args.base_rate,
        signal,
        prior_strength: args.prior_strength,
        credibility: args.credibility,
        fairness_band: args.fairness_band,
        seed,
        resamples: args.resamples,
        ..PlantedConfig::default()
    };
    let reports: Vec<PlantedReport> = (0..args.seeds.max(1))
        .flat_map(|k| args.signal.iter().map(move |&s| (s, args.seed + k)))
        .map(|(signal, seed)| run_planted(&config(signal, seed)))
        .collect::<Result<_, _>>()
        .context("the settings make an invalid best_fit policy")?;
    let text = match args.format {
        OutputFormat::Text => render(&reports),
        OutputFormat::Json => serde_json::to_string_pretty(&reports)? + "\n",
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn rate(i: &Interval) -> String {
    format!(
        "{:.1}% [{:.1}, {:.1}]",
        i.value * 100.0,
        i.low * 100.0,
        i.high * 100.0
    )
}

fn diff(i: &Interval) -> String {
    format!(
        "{:+.1} pp [{:+.1}, {:+.1}]",
        i.value * 100.0,
        i.low * 100.0,
        i.high * 100.0
    )
}

/// A share as a whole percentage, or `n/a`.
fn percent(share: Option<f64>) -> String {
    share.map_or("n/a".to_owned(), |x| format!("{:.0}%", x * 100.0))
}

/// One table row per signal, then each report's per-strategy detail.
pub fn render(reports: &[PlantedReport]) -> String {
    let mut s = String::new();
    if let Some(r) = reports.first() {
        let c = &r.config;
        let _ = writeln!(
            s,
            "Planted truth: {} reps, {} segments, {} leads over {} weeks ({} history weeks), base rate {:.0}%, seed {}",
            c.reps,
            c.industries * c.products,
            r.leads,
            c.weeks,
            c.history_weeks,
            c.base_rate * 100.0,
            c.seed
        );
        let _ = writeln!(
            s,
            "best_fit: prior strength {}, credibility {}, fairness band ±{:.0}%\n",
            c.prior_strength,
            c.credibility,
            c.fairness_band * 100.0
        );
    }
    let _ = writeln!(
        s,
        "| signal | round robin | best_fit | oracle | best_fit uplift | oracle uplift | recovered | evidence ceiling | departures | worst rep share dev. (week) |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|");
    let first_seed = reports.first().map_or(0, |r| r.config.seed);
    let (first, more): (Vec<&PlantedReport>, Vec<&PlantedReport>) =
        reports.iter().partition(|r| r.config.seed == first_seed);
    for r in &first {
        let [rr, bf, or] = [&r.strategies[0], &r.strategies[1], &r.strategies[2]];
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1}% | {:.1}% ({:.1}%) |",
            r.config.signal,
            rate(&rr.win_rate),
            rate(&bf.win_rate),
            rate(&or.win_rate),
            diff(&bf.uplift),
            diff(&or.uplift),
            percent(r.recovered),
            percent(r.evidence_ceiling),
            bf.departure_rate * 100.0,
            bf.worst_share_deviation * 100.0,
            bf.worst_weekly_deviation * 100.0,
        );
    }
    if !more.is_empty() {
        let _ = writeln!(
            s,
            "\n| signal | seed | best_fit uplift | oracle uplift | recovered | evidence ceiling | departures | worst rep share dev. (week) |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
        let mut all: Vec<&PlantedReport> = reports.iter().collect();
        all.sort_by(|a, b| {
            a.config
                .signal
                .total_cmp(&b.config.signal)
                .then(a.config.seed.cmp(&b.config.seed))
        });
        for r in all {
            let bf = &r.strategies[1];
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {:.1}% | {:.1}% ({:.1}%) |",
                r.config.signal,
                r.config.seed,
                diff(&bf.uplift),
                diff(&r.strategies[2].uplift),
                percent(r.recovered),
                percent(r.evidence_ceiling),
                bf.departure_rate * 100.0,
                bf.worst_share_deviation * 100.0,
                bf.worst_weekly_deviation * 100.0,
            );
        }
    }
    for r in &first {
        let _ = writeln!(
            s,
            "\nsignal {} (best rep's edge per segment: {:+.1} pp)",
            r.config.signal,
            r.best_rep_edge * 100.0
        );
        for st in &r.strategies {
            let _ = writeln!(
                s,
                "  {:<12} expected {:.2}%  uplift {:+.2} pp  departures {:.1}%  worst share dev. {:.1}% (weekly {:.1}%, within band: {})  parked {}",
                st.strategy,
                st.expected_win_rate * 100.0,
                st.expected_uplift * 100.0,
                st.departure_rate * 100.0,
                st.worst_share_deviation * 100.0,
                st.worst_weekly_deviation * 100.0,
                st.within_band,
                st.parked
            );
        }
    }
    s
}
