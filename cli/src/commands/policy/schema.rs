//! `switchboard policy schema`: the policy document's JSON Schema.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

/// `policy schema` takes no arguments.
#[derive(Args)]
pub struct SchemaArgs {}

pub fn run(_: SchemaArgs) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    out.write_all(switchboard_cli::policy_file::schema_text().as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
