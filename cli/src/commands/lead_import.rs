//! `switchboard lead import FILE --source NAME`: an event's leads (a trade show's or a
//! webinar's list) through the admin API's import, in chunks so progress shows, with the
//! refused rows and their problems at the end. With `--spread`, the plan's summary per
//! target pool too.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use jiff::Timestamp;
use switchboard_admin::{ImportRequest, MAX_IMPORT_ROWS, RowResult, SpreadSummary};
use switchboard_cli::formats::read_text;
use switchboard_cli::formats::rows::parse_rows;

use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Args)]
pub struct ImportArgs {
    /// CSV with a header row naming the fields (`email`, `first_name`, `last_name`,
    /// `company`, `country`, `phone`; other columns become attributes) or JSON lines of
    /// objects (`-` reads standard input).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// A configured intake source's id (its field mapping and default country apply), or
    /// a free label for the event (`webinar-2026-12`), stored as the leads' source.
    #[arg(long, value_name = "NAME")]
    source: String,
    /// Rows per request; each answer is a line of progress (default 200, or with
    /// `--spread` the most a request takes, 1000, since each request is planned on its
    /// own).
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=MAX_IMPORT_ROWS as i64))]
    chunk: Option<u16>,
    /// Instead of routing the new leads at once, spread their routing over this period
    /// from now (`90m`, `36h`, `2d`; at most `30d`), within the working hours of the reps
    /// the policy would send each to. Caps are still checked when each lead is routed.
    #[arg(long, value_name = "DURATION")]
    spread: Option<String>,
    /// Print each chunk's answer as one JSON line instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    dir: DataDir,
}

pub fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let rows = parse_rows(&read_text(&args.file)?)
        .with_context(|| format!("reading lead rows from {}", args.file.display()))?;
    block_on(async {
        let admin = connect(&args.dir, false).await?;
        let total = rows.len();
        let (mut created, mut duplicates, mut refused) = (0, 0, 0);
        let mut problems = Vec::new();
        let mut sent = 0;
        // One period for every chunk of the file.
        let spread_from = args.spread.as_ref().map(|_| Timestamp::now());
        let mut plan: Option<SpreadSummary> = None;
        let chunk_rows = match (args.chunk, &args.spread) {
            (Some(n), _) => usize::from(n),
            (None, Some(_)) => MAX_IMPORT_ROWS,
            (None, None) => 200,
        };
        for chunk in rows.chunks(chunk_rows) {
            let request = ImportRequest {
                source: args.source.clone(),
                rows: chunk.to_vec(),
                first_row: sent + 1,
                spread: args.spread.clone(),
                spread_from,
            };
            // A failed chunk stops the import; the chunks before it stay imported, and
            // running the command again finds them.
            let done = admin
                .import_leads(&request)
                .await
                .map_err(message)
                .with_context(|| {
                    format!("importing rows {} to {}", sent + 1, sent + chunk.len())
                })?;
            sent += chunk.len();
            created += done.created;
            duplicates += done.duplicates;
            refused += done.refused;
            if let Some(summary) = &done.spread {
                match &mut plan {
                    Some(all) => all.merge(summary),
                    None => plan = Some(summary.clone()),
                }
            }
            if args.json {
                println!("{}", serde_json::to_string(&done)?);
            } else {
                println!(
                    "{sent}/{total} rows sent: {created} created, {duplicates} duplicate(s), \
                     {refused} refused"
                );
            }
            problems.extend(done.results.into_iter().filter_map(|r| match r {
                RowResult::Refused { row, problems } => Some((row, problems)),
                _ => None,
            }));
        }
        if !args.json {
            if let Some(plan) = &plan {
                print_plan(plan);
            }
            for (row, issues) in &problems {
                let listed: Vec<String> = issues
                    .iter()
                    .map(|i| format!("{}: {}", i.field, i.message))
                    .collect();
                println!("row {row} refused: {}", listed.join("; "));
            }
        }
        Ok(if refused == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

/// The spread's plan: per target pool, its new leads and their first and last times.
fn print_plan(plan: &SpreadSummary) {
    if plan.targets.is_empty() && plan.at_once == 0 {
        println!(
            "routing spread from {} to {}: no new leads",
            plan.from, plan.to
        );
        return;
    }
    println!("routing spread from {} to {}:", plan.from, plan.to);
    for t in &plan.targets {
        println!(
            "  {}: {} lead(s), first at {}, last at {}",
            t.target, t.leads, t.first, t.last
        );
    }
    if plan.at_once > 0 {
        println!("  routed at once: {} lead(s)", plan.at_once);
    }
}
