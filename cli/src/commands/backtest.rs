//! `switchboard backtest`: history replayed through one or two policies, the routing
//! compared, and with outcomes an off-policy estimate of each policy's win rate
//! (docs/OUTCOMES.md).

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use jiff::{SignedDuration, Timestamp};
use switchboard_cli::formats::history::{history_leads, parse_instant, parse_outcomes};
use switchboard_cli::formats::{accounts::parse_accounts, leads::parse_leads, read_text};
use switchboard_cli::simulation::backtest::{Backtest, BacktestReport};
use switchboard_cli::simulation::stats::Interval;
use switchboard_cli::simulation::{DEFAULT_WORK_TIME, normalize_leads};
use switchboard_routing::AccountIndex;

use crate::commands::{OutputFormat, parse_positive_duration};

/// Arguments of `backtest` (its help text lives on the command in `main.rs`).
#[derive(Args)]
pub struct BacktestArgs {
    /// Policy A (YAML or JSON).
    #[arg(long, value_name = "A.yaml")]
    policy: PathBuf,
    /// Policy B, compared with A.
    #[arg(long, value_name = "B.yaml")]
    against: Option<PathBuf>,
    /// History: leads (CSV or JSON lines) with `received_at` and, in the --rep-column,
    /// the rep who worked each lead where known.
    #[arg(long, value_name = "FILE")]
    leads: PathBuf,
    /// Closes: CSV `lead_id,outcome[,rep][,closed_at]` (outcome `won` or `lost`).
    #[arg(long, value_name = "FILE")]
    outcomes: Option<PathBuf>,
    /// The leads' column naming the rep who worked the lead.
    #[arg(long, value_name = "NAME", default_value = "rep")]
    rep_column: String,
    /// Learn from closes before this instant or date (UTC), and estimate win rates on the
    /// leads received from then on. Without it, closes are learned as they happen and
    /// every lead is evaluated.
    #[arg(long, value_name = "DATE", value_parser = parse_learn_until)]
    learn_until: Option<Timestamp>,
    /// Accounts for lead-to-account matching: CSV (id,name,domains,owner) or JSON lines.
    #[arg(long, value_name = "FILE")]
    accounts: Option<PathBuf>,
    /// Simulated time a rep works a lead before it frees capacity.
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_WORK_TIME, value_parser = parse_positive_duration)]
    work_time: SignedDuration,
    /// Bootstrap resamples for the 95% intervals.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    resamples: u32,
    /// Seed of the bootstrap.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Report as `text` or one `json` object.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

fn parse_learn_until(s: &str) -> Result<Timestamp, String> {
    parse_instant(s).map_err(|e| format!("{e:#}"))
}

pub fn run(args: BacktestArgs) -> anyhow::Result<ExitCode> {
    let a = switchboard_cli::policy_file::load(&args.policy)?;
    let b = args
        .against
        .as_deref()
        .map(switchboard_cli::policy_file::load)
        .transpose()?;
    let accounts = match &args.accounts {
        Some(path) => parse_accounts(&read_text(path)?)
            .with_context(|| format!("reading accounts from {}", path.display()))?,
        None => Vec::new(),
    };
    let mut leads = parse_leads(&read_text(&args.leads)?)
        .with_context(|| format!("reading leads from {}", args.leads.display()))?;
    let refused = normalize_leads(leads.iter_mut());
    if refused > 0 {
        eprintln!("note: {refused} leads have an email intake would refuse; kept as given");
    }
    let history = history_leads(leads, &args.rep_column);
    let outcomes = match &args.outcomes {
        Some(path) => parse_outcomes(&read_text(path)?)
            .with_context(|| format!("reading outcomes from {}", path.display()))?,
        None => Default::default(),
    };
    let index = AccountIndex::new(accounts);
    let mut policies = vec![&a];
    policies.extend(b.as_ref());
    let bt = Backtest {
        policies,
        accounts: &index,
        work_time: args.work_time,
        learn_until: args.learn_until,
        resamples: args.resamples,
        seed: args.seed,
    };
    let report = bt.run(history, &outcomes.closes);
    let text = match args.format {
        OutputFormat::Text => render(&report),
        OutputFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", x * 100.0)
    } else {
        "n/a".to_owned()
    }
}

fn pp(x: f64) -> String {
    if x.is_finite() {
        format!("{:+.1} pp", x * 100.0)
    } else {
        "n/a".to_owned()
    }
}

fn rate(i: &Interval) -> String {
    format!("{} [{}, {}]", pct(i.value), pct(i.low), pct(i.high))
}

fn diff(i: &Interval) -> String {
    format!("{} [{}, {}]", pp(i.value), pp(i.low), pp(i.high))
}

/// The text report.
pub fn render(r: &BacktestReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Backtest: {} leads, {} closed", r.leads, r.closed);
    if let Some(t) = r.learn_until {
        let _ = writeln!(
            s,
            "Learning from closes before {t}; evaluating leads received from then on."
        );
    }
    let names = ["A", "B"];
    for (i, p) in r.policies.iter().enumerate() {
        let o = &p.routing.outcome;
        let _ = writeln!(s, "\nPolicy {}: {}", names[i], p.policy);
        let _ = writeln!(
            s,
            "  assigned {}  (by account owner {}, in a fallback pool {})  parked {}",
            o.assigned, o.by_account_owner, o.in_fallback_pool, o.parked
        );
        if p.best_fit_decisions > 0 {
            let _ = writeln!(
                s,
                "  best_fit: {} decisions, {} departed from the base pick ({}); learned {} closes",
                p.best_fit_decisions,
                p.departures,
                pct(p.departures as f64 / p.best_fit_decisions as f64),
                p.learned_closes
            );
        }
        if p.unknown_rep_closes > 0 {
            let _ = writeln!(
                s,
                "  {} closes not learned: their rep is not in this policy",
                p.unknown_rep_closes
            );
        }
        for park in &p.routing.parks {
            let _ = writeln!(
                s,
                "  parked {} in {}: {}",
                park.leads, park.pool, park.reason
            );
        }
        for pool in &p.routing.pools {
            let _ = writeln!(
                s,
                "  pool {} ({}): {} leads, {} as fallback",
                pool.pool, pool.strategy, pool.assigned, pool.as_fallback
            );
            for rep in &pool.reps {
                let _ = writeln!(
                    s,
                    "    {:<24} {:>6}  target {:>8.1}  ({:+.1})",
                    rep.rep.as_str(),
                    rep.assigned,
                    rep.expected,
                    rep.deviation
                );
            }
        }
    }
    if !r.differences.is_empty() {
        let _ = writeln!(
            s,
            "\nPer rep, B − A (agreement: {} of leads got the same rep):",
            pct(r.agreement.unwrap_or(f64::NAN))
        );
        let _ = writeln!(
            s,
            "  {:<12} {:<24} {:>6} {:>6} {:>7}",
            "pool", "rep", "A", "B", "B − A"
        );
        for d in &r.differences {
            let _ = writeln!(
                s,
                "  {:<12} {:<24} {:>6} {:>6} {:>+7}",
                d.pool, d.rep, d.a, d.b, d.difference
            );
        }
    }
    if let Some(h) = &r.historical_win_rate {
        let _ = writeln!(
            s,
            "\nWin rates on {} evaluated leads (closed, historical rep known):",
            r.evaluated
        );
        let _ = writeln!(s, "  history as it happened   {}", rate(h));
        for (i, p) in r.policies.iter().enumerate() {
            if let Some(e) = &p.estimate {
                let _ = writeln!(
                    s,
                    "  {} replay                 {}  ({} matched leads, {} won)",
                    names[i],
                    rate(&e.replay),
                    e.matched,
                    e.matched_won
                );
                let _ = writeln!(s, "  {} inverse propensity     {}", names[i], rate(&e.ipw));
            }
        }
        if let Some(u) = &r.uplift {
            let _ = writeln!(s, "  uplift B − A, replay     {}", diff(&u.replay));
            let _ = writeln!(s, "  uplift B − A, IPW        {}", diff(&u.ipw));
            let _ = writeln!(s, "  verdict: {}", u.verdict);
        }
        let _ = writeln!(
            s,
            "\n{} (bootstrap: {} resamples, seed {})",
            r.method, r.resamples, r.seed
        );
    }
    s
}
