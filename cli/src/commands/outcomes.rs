//! `switchboard outcomes show|rebuild|import`: the reps' close outcomes that `best_fit`
//! pools route on (docs/OUTCOMES.md, "Recording outcomes"), on a data directory, through
//! a running server, or on a deployment (`--api`, `--table`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{Map, Value};
use switchboard_admin::outcomes::{Closes, MAX_OUTCOME_ROWS, OutcomesImport, OutcomesView};
use switchboard_cli::formats::read_text;
use switchboard_cli::formats::rows::parse_rows;

use crate::commands::OutputFormat;
use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Subcommand)]
pub enum OutcomesCommand {
    /// Each rep's closes, wins and win rate, overall and per segment (recorded closes and
    /// imported history together, as routing reads them)
    Show(ShowArgs),
    /// Recount every rep's recorded outcomes from the stored leads' decisions and close
    /// outcomes (safe to repeat; imported history is kept)
    Rebuild(RebuildArgs),
    /// Import a team's earlier closes as the reps' imported history, replacing any imported
    /// before
    ///
    /// The file is CSV (or JSON lines) with a `rep` column, an `outcome` column (`won`,
    /// `lost` or `unqualified`) and the lead fields the active policy's `outcomes.segment`
    /// names (`industry`, `country`, `product`, ...). Rows naming a rep the policy does not
    /// have, or another outcome, are listed and not counted. Importing the same file again
    /// gives the same records.
    ///
    /// With --crm instead of a file, the closed deals are read from the CRM: HubSpot deals
    /// or Salesforce Opportunities, won or lost, the owner as the rep (by the reps' crm ids)
    /// and each segment field from the deal property --field names (Salesforce reads
    /// industry and country from the Account unless told otherwise). Deals whose owner is
    /// not a rep are counted and left out.
    ///
    /// Examples:
    ///   switchboard outcomes import history.csv
    ///   switchboard outcomes import --crm salesforce --since 2026-01-01 --field product=Product_Line__c
    #[command(verbatim_doc_comment)]
    Import(ImportArgs),
}

#[derive(Args)]
pub struct ShowArgs {
    /// One rep only (it need not be in the active policy).
    #[arg(long, value_name = "ID")]
    rep: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
    #[command(flatten)]
    dir: DataDir,
}

#[derive(Args)]
pub struct RebuildArgs {
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
    #[command(flatten)]
    dir: DataDir,
}

#[derive(Args)]
pub struct ImportArgs {
    /// The file (`-` reads standard input).
    #[arg(
        value_name = "FILE",
        required_unless_present = "crm",
        conflicts_with = "crm"
    )]
    file: Option<PathBuf>,
    #[command(flatten)]
    crm: super::outcomes_crm::CrmCloses,
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(cmd: OutcomesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        OutcomesCommand::Show(a) => show(a),
        OutcomesCommand::Rebuild(a) => rebuild(a),
        OutcomesCommand::Import(a) => import(a),
    }
}

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let admin = connect(&args.dir, false).await?;
        let view = admin.outcomes(args.rep.as_deref()).await.map_err(message)?;
        match args.format {
            OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&view)?),
            OutputFormat::Text => print!("{}", render(&view)),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn rate(c: &Closes) -> String {
    c.win_rate
        .map_or_else(|| "-".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

/// The text form of `outcomes show`: a line per rep, then its segments indented.
pub fn render(view: &OutcomesView) -> String {
    let mut out = format!(
        "policy v{}; segments by {}\n",
        view.policy_version,
        if view.segment_fields.is_empty() {
            "nothing (outcomes.segment is not set): overall only".to_owned()
        } else {
            view.segment_fields.join(", ")
        }
    );
    let width = view
        .reps
        .iter()
        .flat_map(|r| {
            std::iter::once(r.rep.len()).chain(r.segments.iter().map(|s| s.segment.len() + 2))
        })
        .max()
        .unwrap_or(3)
        .max(3);
    out.push_str(&format!(
        "{:<width$}  {:>7}  {:>5}  {:>8}  {:>8}  {:>8}\n",
        "rep", "closes", "won", "win rate", "recorded", "imported"
    ));
    for r in &view.reps {
        out.push_str(&format!(
            "{:<width$}  {:>7}  {:>5}  {:>8}  {:>8}  {:>8}\n",
            r.rep.as_str(),
            r.overall.closes,
            r.overall.won,
            rate(&r.overall),
            r.recorded.closes,
            r.imported.closes,
        ));
        for s in &r.segments {
            out.push_str(&format!(
                "{:<width$}  {:>7}  {:>5}  {:>8}\n",
                format!("  {}", s.segment),
                s.closes.closes,
                s.closes.won,
                rate(&s.closes),
            ));
        }
    }
    out
}

fn rebuild(args: RebuildArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let admin = connect(&args.dir, false).await?;
        let done = admin.rebuild_outcomes().await.map_err(message)?;
        match args.format {
            OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&done)?),
            OutputFormat::Text => println!(
                "{} assigned leads read: {} won or lost closes counted ({} unqualified not \
                 counted); {} reps' recorded outcomes written",
                done.leads, done.closes, done.unqualified, done.reps
            ),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let Some(file) = &args.file else {
        return super::outcomes_crm::import(&args.crm, &args.dir, args.format);
    };
    let rows = parse_rows(&read_text(file)?)
        .with_context(|| format!("reading outcome rows from {}", file.display()))?;
    if rows.len() > MAX_OUTCOME_ROWS {
        anyhow::bail!(
            "{} has {} rows; one import takes at most {MAX_OUTCOME_ROWS}",
            file.display(),
            rows.len()
        );
    }
    import_rows(rows, &args.dir, args.format)
}

/// Imports `rows` through the admin target and says what came of them; exit status 2 when
/// rows were refused.
pub(super) fn import_rows(
    rows: Vec<Map<String, Value>>,
    dir: &DataDir,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    block_on(async {
        let admin = connect(dir, false).await?;
        let done = admin
            .import_outcomes(&OutcomesImport { rows })
            .await
            .map_err(message)?;
        match format {
            OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&done)?),
            OutputFormat::Text => {
                println!(
                    "{} rows: {} won or lost closes imported for {} reps, {} unqualified not \
                     counted, {} refused",
                    done.rows,
                    done.closes,
                    done.reps,
                    done.unqualified,
                    done.refused.len()
                );
                for r in &done.refused {
                    println!("  row {}: {}", r.row, r.problem);
                }
            }
        }
        // Refused rows are the file's to fix: say so in the exit status too.
        Ok(if done.refused.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        })
    })
}
