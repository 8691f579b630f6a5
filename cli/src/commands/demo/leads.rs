//! `switchboard demo leads`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use jiff::Timestamp;
use switchboard_cli::demo::{DEFAULT_ACCOUNT_COUNT, DEFAULT_START, demo_accounts, demo_leads};
use switchboard_cli::formats::leads::{write_leads_csv, write_leads_jsonl};

use crate::commands::{RecordFormatArg, create_output};

/// Arguments of `demo leads`.
#[derive(Args)]
pub struct LeadsArgs {
    /// How many leads.
    #[arg(long, value_name = "N")]
    count: usize,
    /// Generator seed.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Start of the week the leads arrive in.
    #[arg(long, value_name = "TIMESTAMP", default_value = DEFAULT_START)]
    start: Timestamp,
    /// `csv` (header row, attributes as extra columns) or `jsonl` (one lead per line).
    #[arg(long, value_enum, default_value_t)]
    format: RecordFormatArg,
    /// Draw account leads from the first N demo accounts (0: no account leads).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ACCOUNT_COUNT)]
    account_count: usize,
    /// Output file (`-`: standard output).
    #[arg(long, short, value_name = "FILE", default_value = "-")]
    out: PathBuf,
}

pub fn run(args: LeadsArgs) -> anyhow::Result<ExitCode> {
    let accounts = demo_accounts(args.account_count);
    let leads = demo_leads(args.count, args.seed, args.start, &accounts);
    let mut out = create_output(&args.out)?;
    match args.format {
        RecordFormatArg::Csv => write_leads_csv(&mut out, &leads)?,
        RecordFormatArg::Jsonl => write_leads_jsonl(&mut out, &leads)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
