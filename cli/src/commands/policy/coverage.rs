//! `switchboard policy coverage`: the coverage forecast of the active policy or a draft
//! (docs/POLICY.md, "Coverage forecast"), through the admin API or on a store.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use switchboard_admin::coverage::{CoverageRequest, DEFAULT_DAYS, DEFAULT_WEEKS, ProfileRow};
use switchboard_cli::render::coverage::{render_coverage, write_coverage_csv};

use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum CoverageFormat {
    /// A week grid per pool, then the gaps and the days over the caps.
    #[default]
    Table,
    Json,
    /// One row per pool and hour.
    Csv,
}

#[derive(Args)]
pub struct CoverageArgs {
    /// A draft policy file (YAML or JSON) to forecast instead of the active version.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// Weeks of received leads the expected arrivals are averaged over.
    #[arg(long, default_value_t = DEFAULT_WEEKS)]
    weeks: u32,
    /// Days to forecast.
    #[arg(long, default_value_t = DEFAULT_DAYS)]
    days: u32,
    /// The first hour (RFC 3339; default now).
    #[arg(long, value_name = "INSTANT")]
    from: Option<jiff::Timestamp>,
    /// Expected arrivals instead of the stored leads': a CSV file with the columns
    /// `pool,days,hours,leads` (`emea,mon-fri,08-18,3` is three leads an hour, UTC).
    #[arg(long, value_name = "CSV")]
    profile: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    format: CoverageFormat,
    /// Show the grid and the gaps in this time zone (an IANA name such as a rep's
    /// `Europe/Berlin`) instead of UTC; JSON and CSV stay in UTC.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    time_zone: String,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(args: CoverageArgs) -> anyhow::Result<ExitCode> {
    let tz = jiff::tz::TimeZone::get(&args.time_zone)
        .map_err(|e| anyhow::anyhow!("--time-zone {}: {e}", args.time_zone))?;
    let document = match &args.file {
        Some(path) => Some(switchboard_cli::formats::read_text(path)?),
        None => None,
    };
    let profile = match &args.profile {
        Some(path) => Some(read_profile(path)?),
        None => None,
    };
    let request = CoverageRequest {
        document,
        weeks: Some(args.weeks),
        days: Some(args.days),
        from: args.from,
        profile,
    };
    block_on(async {
        let admin = connect(&args.dir, false).await?;
        let report = admin.coverage(&request).await.map_err(message)?;
        match args.format {
            CoverageFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
            CoverageFormat::Csv => write_coverage_csv(std::io::stdout().lock(), &report)?,
            CoverageFormat::Table => print!("{}", render_coverage(&report, &tz)),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn read_profile(path: &PathBuf) -> anyhow::Result<Vec<ProfileRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for (i, row) in reader.deserialize().enumerate() {
        rows.push(row.map_err(|e| anyhow::anyhow!("{} row {}: {e}", path.display(), i + 2))?);
    }
    Ok(rows)
}
