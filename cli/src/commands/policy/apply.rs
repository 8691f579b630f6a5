//! `switchboard policy apply FILE`: store a policy as the next version and activate it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use switchboard_cli::formats::read_text;

use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Args)]
pub struct ApplyArgs {
    /// Policy file, YAML or JSON (`-` reads standard input).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// A note stored with the version (shown by `policy history`).
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(args: ApplyArgs) -> anyhow::Result<ExitCode> {
    let text = read_text(&args.file)?;
    block_on(async {
        let admin = connect(&args.dir, true).await?;
        let applied = admin
            .apply_policy(&text, args.note.as_deref())
            .await
            .map_err(message)?;
        let was = applied
            .previous
            .map(|p| format!(" (replacing version {p})"))
            .unwrap_or_default();
        println!("policy version {} stored and active{was}", applied.version);
        for w in &applied.warnings {
            println!("warning: {}: {}", w.path, w.message);
        }
        switchboard_cli::render::findings::write(&mut std::io::stdout().lock(), &applied.findings)?;
        Ok(ExitCode::SUCCESS)
    })
}
