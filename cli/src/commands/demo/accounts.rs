//! `switchboard demo accounts`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use switchboard_cli::demo::{DEFAULT_ACCOUNT_COUNT, demo_accounts};
use switchboard_cli::formats::accounts::{write_accounts_csv, write_accounts_jsonl};

use crate::commands::{RecordFormatArg, create_output};

/// Arguments of `demo accounts`.
#[derive(Args)]
pub struct AccountsArgs {
    /// How many accounts.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ACCOUNT_COUNT)]
    count: usize,
    /// `csv` (id,name,domains,owner, then attributes) or `jsonl` (one account per line).
    #[arg(long, value_enum, default_value_t)]
    format: RecordFormatArg,
    /// Output file (`-`: standard output).
    #[arg(long, short, value_name = "FILE", default_value = "-")]
    out: PathBuf,
}

pub fn run(args: AccountsArgs) -> anyhow::Result<ExitCode> {
    let accounts = demo_accounts(args.count);
    let mut out = create_output(&args.out)?;
    match args.format {
        RecordFormatArg::Csv => write_accounts_csv(&mut out, &accounts)?,
        RecordFormatArg::Jsonl => write_accounts_jsonl(&mut out, &accounts)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
