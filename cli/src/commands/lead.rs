//! `switchboard lead show ID`: a stored lead, its assignment and every decision; `lead
//! list` (`lead_list.rs`): the leads of a window, filtered; `lead import`
//! (`lead_import.rs`): an event's leads from a file.

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
    /// Import an event's leads (a trade show's or webinar's list) from CSV or JSON lines:
    /// each row normalized as intake normalizes a lead, stored once (importing the same
    /// file again creates nothing) and routed at once
    ///
    /// Prints progress per chunk and, at the end, every refused row with its problems;
    /// exits non-zero when a row was refused.
    ///
    /// Example:
    ///   switchboard lead import webinar.csv --source webinar-2026-12 --data-dir .data
    #[command(verbatim_doc_comment)]
    Import(super::lead_import::ImportArgs),
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
        LeadCommand::Import(args) => super::lead_import::import(args),
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
