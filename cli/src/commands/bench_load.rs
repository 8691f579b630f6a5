//! `switchboard bench-load`: drive a running `switchboard serve` at a fixed rate.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use switchboard_cli::bench::{self, LoadOptions, LoadReport, Percentiles};

#[derive(Args)]
pub struct BenchLoadArgs {
    /// The server, as printed by `switchboard serve`.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// A generic source's API key (the `Bearer` key in the banner's curl line).
    #[arg(long)]
    api_key: String,
    /// Leads per second, offered at a fixed rate (open loop).
    #[arg(long, default_value_t = 1000.0)]
    rate: f64,
    /// How long to offer load.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration)]
    duration: Duration,
    /// Keep-alive connections.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Measure POST-to-stored-decision for every n-th lead (0: none; 1: all).
    #[arg(long, default_value_t = 1)]
    follow_every: u64,
    /// Send `GET /healthz` instead of leads (the server's floor cost per request).
    #[arg(long)]
    healthz: bool,
    /// Post each lead as a browser form to this hook path (`/v1/hooks/SOURCE/TOKEN`) and
    /// measure POST to its 303 (a booking source's redirect); `--api-key` is then unused.
    #[arg(long, value_name = "PATH", conflicts_with = "healthz")]
    form: Option<String>,
    /// A token that reads the server's stats (`viewer_token` in DIR/serve.json): also
    /// report the lag from the last 202 until the routing queue was empty, i.e. until the
    /// last decision was stored, whichever lead it was.
    #[arg(long, value_name = "TOKEN")]
    stats_token: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

fn duration(s: &str) -> Result<Duration, String> {
    super::parse_positive_duration(s).map(|d| d.unsigned_abs())
}

pub fn run(args: BenchLoadArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.rate > 0.0, "--rate must be positive");
    let run_id = format!("{:x}", jiff::Timestamp::now().as_millisecond());
    let options = LoadOptions {
        url: args.url,
        api_key: args.api_key,
        rate: args.rate,
        duration: args.duration,
        concurrency: args.concurrency,
        follow_every: args.follow_every,
        run_id,
        healthz: args.healthz,
        form: args.form.clone(),
        stats_token: args.stats_token,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(bench::run(options))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", text(&report, !args.healthz && args.form.is_none()));
    }
    Ok(if report.failed == 0 && report.not_routed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The report for a terminal; `leads` false for a `--healthz` run, which has no routing
/// to report.
fn text(r: &LoadReport, leads: bool) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    // Form runs post leads but follow none of them.
    let unit = if leads || !r.redirects.is_empty() {
        "leads"
    } else {
        "requests"
    };
    let _ = writeln!(
        out,
        "offered {} {unit}, accepted {} ({:.0}/s over {:.2} s), failed {}, sent late {}",
        r.offered, r.accepted, r.accepted_per_s, r.elapsed_s, r.failed, r.sent_late
    );
    let row = |name: &str, p: &Percentiles| {
        format!(
            "{name:<9} n={:<7} p50 {:>8.2}  p90 {:>8.2}  p99 {:>8.2}  p99.9 {:>8.2}  max {:>8.2}  (ms)\n",
            p.count, p.p50, p.p90, p.p99, p.p999, p.max
        )
    };
    out.push_str(&row("accepted", &r.accepted_ms));
    if leads {
        out.push_str(&row("routed", &r.routed_ms));
        if r.not_routed > 0 {
            let _ = writeln!(out, "not routed within the wait: {}", r.not_routed);
        }
        match r.drain_ms {
            Some(ms) => {
                let _ = writeln!(out, "last lead routed {ms:.1} ms after the last 202");
            }
            None => {
                let _ = writeln!(out, "last lead not routed within the wait");
            }
        }
        if let Some(ms) = r.lag_ms {
            let _ = writeln!(out, "last decision stored {ms:.1} ms after the last 202");
        }
    }
    for (to, n) in &r.redirects {
        let _ = writeln!(out, "redirected to {to}: {n}");
    }
    if let Some(e) = &r.first_error {
        let _ = writeln!(out, "first error: {e}");
    }
    out
}
