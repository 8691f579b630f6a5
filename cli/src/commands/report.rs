//! `switchboard report health`: the health and fairness report over a window
//! (docs/HEALTH.md), locally, through a running server, or on a deployment's table.

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use switchboard_cli::render::health::{render_health, write_fairness_csv, write_health_csv};

use crate::commands::admin::{DataDir, WindowArgs, block_on, connect, message};

#[derive(Subcommand)]
pub enum ReportCommand {
    /// Leads received, assigned and parked (by reason), time to assign and to accept, SLA
    /// compliance, reassignments, rejects, escalations and fairness against the target
    /// shares, per pool and per rep, over the leads received in a window
    Health(HealthArgs),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    #[default]
    Table,
    Json,
    /// One row per scope (overall, pool, rep); `--fairness-csv` for the fairness rows.
    Csv,
}

#[derive(Args)]
pub struct HealthArgs {
    #[command(flatten)]
    window: WindowArgs,
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    /// With --format csv: the fairness rows (pool, rep, target, deviation) instead.
    #[arg(long)]
    fairness_csv: bool,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(cmd: ReportCommand) -> anyhow::Result<ExitCode> {
    let ReportCommand::Health(args) = cmd;
    block_on(async {
        let window = args.window.resolve()?;
        let admin = connect(&args.dir, false).await?;
        let report = admin.health(window).await.map_err(message)?;
        let stdout = std::io::stdout().lock();
        match (args.format, args.fairness_csv) {
            (ReportFormat::Json, _) => println!("{}", serde_json::to_string_pretty(&report)?),
            (ReportFormat::Csv, false) => write_health_csv(stdout, &report)?,
            (ReportFormat::Csv, true) => write_fairness_csv(stdout, &report)?,
            (ReportFormat::Table, _) => print!("{}", render_health(&report)),
        }
        Ok(ExitCode::SUCCESS)
    })
}
