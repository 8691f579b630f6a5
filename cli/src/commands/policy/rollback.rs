//! `switchboard policy rollback [VERSION]`: activate an earlier version.

use std::process::ExitCode;

use clap::Args;

use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Args)]
pub struct RollbackArgs {
    /// Version to activate [default: the one the active version replaced].
    #[arg(value_name = "VERSION")]
    version: Option<u64>,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(args: RollbackArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let admin = connect(&args.dir, false).await?;
        let active = admin.rollback(args.version).await.map_err(message)?;
        let was = active
            .previous
            .map(|p| format!(" (was {p})"))
            .unwrap_or_default();
        println!("policy version {} is active{was}", active.version);
        Ok(ExitCode::SUCCESS)
    })
}
