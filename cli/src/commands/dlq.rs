//! `switchboard dlq list|redrive`: the routing queue's dead letters, in the running server.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use switchboard_cli::render::table::{Align, Table};

use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Subcommand)]
pub enum DlqCommand {
    /// List the route requests that failed `--max-receives` times
    ///
    /// A lead lands here when routing it kept failing (no active policy, a store error, a
    /// message naming no stored lead). The lead itself stays stored, awaiting routing.
    List(ListArgs),
    /// Move dead letters back to the routing queue, to be routed again
    Redrive(RedriveArgs),
}

#[derive(Args)]
pub struct ListArgs {
    /// At most this many.
    #[arg(long, default_value_t = 100)]
    max: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    dir: DataDir,
}

#[derive(Args)]
pub struct RedriveArgs {
    /// At most this many.
    #[arg(long, default_value_t = 1000)]
    max: usize,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(cmd: DlqCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DlqCommand::List(args) => block_on(async {
            let admin = connect(&args.dir, false).await?;
            let dead = admin.dead_letters(args.max).await.map_err(message)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&dead)?);
                return Ok(ExitCode::SUCCESS);
            }
            if dead.is_empty() {
                println!("no dead letters");
                return Ok(ExitCode::SUCCESS);
            }
            let mut table = Table::new(&[
                ("message", Align::Left),
                ("lead", Align::Left),
                ("body", Align::Left),
            ]);
            for d in &dead {
                table.row(vec![
                    d.id.clone(),
                    d.lead_id.as_deref().unwrap_or("-").to_owned(),
                    d.body.clone(),
                ]);
            }
            print!("{}", table.render(0));
            Ok(ExitCode::SUCCESS)
        }),
        DlqCommand::Redrive(args) => block_on(async {
            let admin = connect(&args.dir, false).await?;
            let moved = admin.redrive(args.max).await.map_err(message)?.moved;
            println!("moved {moved} dead letter(s) back to the routing queue");
            Ok(ExitCode::SUCCESS)
        }),
    }
}
