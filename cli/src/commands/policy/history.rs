//! `switchboard policy history`: every stored version, and which one is active.

use std::process::ExitCode;

use clap::Args;
use switchboard_cli::render::table::{Align, Table};

use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Args)]
pub struct HistoryArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let admin = connect(&args.dir, false).await?;
        let history = admin.policy_history().await.map_err(message)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&history)?);
            return Ok(ExitCode::SUCCESS);
        }
        let active = history.active.map(|a| a.version);
        let mut table = Table::new(&[
            ("version", Align::Right),
            ("", Align::Left),
            ("stored", Align::Left),
            ("note", Align::Left),
        ]);
        for v in &history.versions {
            table.row(vec![
                v.version.to_string(),
                if Some(v.version) == active {
                    "active".into()
                } else {
                    String::new()
                },
                v.created_at.to_string(),
                v.note.clone().unwrap_or_default(),
            ]);
        }
        if table.is_empty() {
            println!("no policy stored yet");
        } else {
            print!("{}", table.render(0));
        }
        Ok(ExitCode::SUCCESS)
    })
}
