//! `switchboard convert ...`: other tools' exports turned into Switchboard's input files.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use switchboard_cli::formats::history::convert_crm;

#[derive(Subcommand)]
pub enum ConvertCommand {
    /// A CRM opportunity export to backtest inputs: `leads.csv` (one lead per engaged
    /// opportunity, its agent in the `rep` column, `product` and the account's `sector`),
    /// `outcomes.csv` (won and lost deals with their close dates) and two policies over
    /// the export's agents: `policy-round-robin.yaml` and `policy-best-fit.yaml`
    /// (segments: sector × product).
    ///
    /// Reads the layout of the public "CRM sales opportunities" data set: DIR holds
    /// `sales_pipeline.csv` and `accounts.csv`, optionally `sales_teams.csv` and
    /// `products.csv`. Then:
    ///   switchboard backtest --policy OUT/policy-round-robin.yaml \
    ///     --against OUT/policy-best-fit.yaml --leads OUT/leads.csv \
    ///     --outcomes OUT/outcomes.csv --learn-until 2017-07-01
    #[command(verbatim_doc_comment, name = "crm-opportunities")]
    CrmOpportunities(CrmArgs),
}

#[derive(Args)]
pub struct CrmArgs {
    /// Directory with the export's CSV files.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// Directory to write the backtest inputs to (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub fn run(cmd: ConvertCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ConvertCommand::CrmOpportunities(a) => crm(a),
    }
}

fn crm(args: CrmArgs) -> anyhow::Result<ExitCode> {
    let read = |name: &str| {
        let p = args.dir.join(name);
        std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))
    };
    let optional = |name: &str| std::fs::read_to_string(args.dir.join(name)).ok();
    let h = convert_crm(
        &read("sales_pipeline.csv")?,
        &read("accounts.csv")?,
        optional("sales_teams.csv").as_deref(),
        optional("products.csv").as_deref(),
    )?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    for (name, text) in [
        ("leads.csv", &h.leads_csv),
        ("outcomes.csv", &h.outcomes_csv),
        ("policy-round-robin.yaml", &h.round_robin_policy),
        ("policy-best-fit.yaml", &h.best_fit_policy),
    ] {
        let p = args.out.join(name);
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
    }
    println!(
        "{} leads ({} won or lost) from {} agents written to {}; {} opportunities without an engage date left out",
        h.leads,
        h.closes,
        h.agents,
        args.out.display(),
        h.skipped
    );
    Ok(ExitCode::SUCCESS)
}
