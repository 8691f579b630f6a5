//! `switchboard policy show [VERSION]`: a stored policy version as YAML.

use std::process::ExitCode;

use clap::Args;

use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Args)]
pub struct ShowArgs {
    /// Version to show [default: the active one].
    #[arg(value_name = "VERSION")]
    version: Option<u64>,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(args: ShowArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let admin = connect(&args.dir, false).await?;
        let stored = admin.policy_version(args.version).await.map_err(message)?;
        let active = admin.policy_history().await.map_err(message)?.active;
        let state = if active.map(|a| a.version) == Some(stored.version) {
            "active"
        } else {
            "inactive"
        };
        let note = stored
            .note
            .as_deref()
            .map(|n| format!(", {n}"))
            .unwrap_or_default();
        println!(
            "# policy version {} ({state}), stored {}{note}",
            stored.version, stored.created_at
        );
        print!("{}", stored.document.to_yaml());
        Ok(ExitCode::SUCCESS)
    })
}
