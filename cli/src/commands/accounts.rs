//! `switchboard accounts import FILE`: load accounts for lead-to-account matching.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use switchboard_cli::formats::accounts::parse_accounts;
use switchboard_cli::formats::read_text;

use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Subcommand)]
pub enum AccountsCommand {
    /// Import (upsert by id) accounts from a CSV (id,name,domains,owner, then attribute
    /// columns; domains separated by `;`) or JSON-lines file
    ///
    /// Leads match an account by e-mail domain, then by normalized company name; a
    /// matched account's owner gets its leads when the rule is sticky. Re-importing an
    /// account replaces it, index entries included.
    ///
    /// Example:
    ///   switchboard demo accounts --count 200 --out accounts.csv
    ///   switchboard accounts import accounts.csv --data-dir .data
    #[command(verbatim_doc_comment)]
    Import(ImportArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// Accounts file (`-` reads standard input).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(cmd: AccountsCommand) -> anyhow::Result<ExitCode> {
    let AccountsCommand::Import(args) = cmd;
    let accounts = parse_accounts(&read_text(&args.file)?)
        .with_context(|| format!("reading accounts from {}", args.file.display()))?;
    block_on(async {
        let admin = connect(&args.dir, true).await?;
        let summary = admin.import_accounts(&accounts).await.map_err(message)?;
        println!(
            "imported {} account(s): {} domain and {} company name index entries",
            summary.accounts, summary.domains, summary.names
        );
        Ok(ExitCode::SUCCESS)
    })
}
