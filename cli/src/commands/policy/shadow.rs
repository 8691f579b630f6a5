//! `switchboard policy shadow ...`: let a stored version decide every lead beside the
//! active one without changing anything, and compare the two (docs/OUTCOMES.md, "Shadow
//! mode").

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use switchboard_admin::shadow::{ShadowReport, ShadowRequest, ShadowView};

use crate::commands::admin::{DataDir, WindowArgs, block_on, connect, message};

#[derive(Subcommand)]
pub enum ShadowCommand {
    /// Which version shadows the active one, if any.
    Show(ShowArgs),
    /// Start shadowing with a stored VERSION (replacing any shadow running).
    Start(StartArgs),
    /// Stop the shadow; its decisions stay for reports.
    Stop(ShowArgs),
    /// Agreement with the active policy over a window: per pool and per rep, the leads
    /// the shadow would have placed differently, and the outcomes under the active choice.
    Report(ReportArgs),
}

#[derive(Args)]
pub struct ShowArgs {
    #[command(flatten)]
    dir: DataDir,
}

#[derive(Args)]
pub struct StartArgs {
    /// The stored version to shadow with (see `switchboard policy history`).
    #[arg(value_name = "VERSION")]
    version: u64,
    /// Why, for the audit log.
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    dir: DataDir,
}

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    window: WindowArgs,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(cmd: ShadowCommand) -> anyhow::Result<ExitCode> {
    block_on(async {
        match cmd {
            ShadowCommand::Show(a) => {
                let admin = connect(&a.dir, false).await?;
                print!("{}", render_view(&admin.shadow().await.map_err(message)?));
            }
            ShadowCommand::Start(a) => {
                let admin = connect(&a.dir, false).await?;
                let request = ShadowRequest {
                    version: a.version,
                    note: a.note,
                };
                let view = admin.start_shadow(&request).await.map_err(message)?;
                print!("{}", render_view(&view));
            }
            ShadowCommand::Stop(a) => {
                let admin = connect(&a.dir, false).await?;
                print!(
                    "{}",
                    render_view(&admin.stop_shadow().await.map_err(message)?)
                );
            }
            ShadowCommand::Report(a) => {
                let window = a.window.resolve()?;
                let admin = connect(&a.dir, false).await?;
                let report = admin.shadow_report(window).await.map_err(message)?;
                if a.json {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                } else {
                    print!("{}", render_report(&report));
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn render_view(v: &ShadowView) -> String {
    let active = v.active_version.map_or_else(
        || "no active policy".to_owned(),
        |a| format!("active version {a}"),
    );
    match &v.shadow {
        Some(s) => format!(
            "version {} shadows the {active}, since {}{}\n",
            s.version,
            s.since,
            s.note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        ),
        None => format!("no shadow runs beside the {active}\n"),
    }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

fn render_report(r: &ShadowReport) -> String {
    let mut out = String::new();
    let versions: Vec<String> = r.shadow_versions.iter().map(u64::to_string).collect();
    let _ = writeln!(
        out,
        "Shadow {} from {} to {}: {} leads, agreed on {} ({}); parked {} by the active policy, {} by the shadow; best_fit departed on {}{}",
        if versions.is_empty() {
            "-".into()
        } else {
            format!("version {}", versions.join(", "))
        },
        r.from,
        r.to,
        r.leads,
        r.agreed,
        percent(r.agreed, r.leads),
        r.parked_active,
        r.parked_shadow,
        r.shadow_departures,
        if r.truncated {
            " (window cut short: narrow it)"
        } else {
            ""
        },
    );
    let _ = writeln!(out, "\n  pool                      leads  agreed");
    for p in &r.pools {
        let _ = writeln!(
            out,
            "  {:<24} {:>6}  {:>6}",
            p.pool,
            p.leads,
            percent(p.agreed, p.leads)
        );
    }
    let _ = writeln!(
        out,
        "\n  rep                      active  shadow  difference"
    );
    for rep in &r.reps {
        let _ = writeln!(
            out,
            "  {:<24} {:>6}  {:>6}  {:>+10}",
            rep.rep, rep.active, rep.shadow, rep.difference
        );
    }
    let closes = |c: &switchboard_admin::outcomes::Closes| match c.win_rate {
        Some(rate) => format!(
            "{} won of {} closed ({:.1}%)",
            c.won,
            c.closes,
            rate * 100.0
        ),
        None => "none closed yet".to_owned(),
    };
    let _ = writeln!(
        out,
        "\nOutcomes under the active choice: where the shadow agreed, {}; where it differed, {}.",
        closes(&r.outcomes_agreed),
        closes(&r.outcomes_differed)
    );
    out
}
