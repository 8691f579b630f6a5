//! `switchboard lead show ID`: a stored lead, its assignment and every decision; `lead
//! list` (`lead_list.rs`): the leads of a window, filtered.

use std::collections::HashMap;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use switchboard_cli::render::lead::render_lead;
use switchboard_routing::CompiledPolicy;

use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Subcommand)]
pub enum LeadCommand {
    /// Show a lead as stored, its assignment and each decision with every candidate and
    /// the reason it was passed over
    Show(ShowArgs),
    /// List the leads received in a window, oldest first, filtered by status, pool, rep,
    /// park reason, overdue SLA, email, domain or company
    List(Box<super::lead_list::ListArgs>),
}

#[derive(Args)]
pub struct ShowArgs {
    /// The lead id (`lead_id` in intake's answer).
    #[arg(value_name = "ID")]
    id: String,
    /// Print JSON (lead, assignment, decision records) instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(cmd: LeadCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LeadCommand::Show(args) => show(args),
        LeadCommand::List(args) => super::lead_list::list(*args),
    }
}

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let admin = connect(&args.dir, false).await?;
        let report = admin.lead(&args.id).await.map_err(message)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
            return Ok(ExitCode::SUCCESS);
        }
        // The policy versions the decisions were made under, for the reps' names.
        let mut policies = HashMap::new();
        for record in &report.decisions {
            let v = record.policy_version;
            if policies.contains_key(&v) {
                continue;
            }
            let stored = admin.policy_version(Some(v)).await.map_err(message)?;
            if let Ok(compiled) = CompiledPolicy::compile(stored.document, v) {
                policies.insert(v, compiled);
            }
        }
        print!("{}", render_lead(&report, &policies));
        Ok(ExitCode::SUCCESS)
    })
}
