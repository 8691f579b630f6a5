//! `switchboard simulate`: replay leads through a policy and report the routing.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{ArgGroup, Args};
use jiff::{SignedDuration, Timestamp};
use switchboard_cli::demo::{DEFAULT_ACCOUNT_COUNT, DEFAULT_START, demo_accounts, demo_leads};
use switchboard_cli::formats::state::StateFile;
use switchboard_cli::formats::{accounts::parse_accounts, leads::parse_leads, read_text};
use switchboard_cli::render::report::render_report;
use switchboard_cli::simulation::{DEFAULT_WORK_TIME, Simulation, normalize_leads};
use switchboard_routing::{AccountIndex, DecisionRecord};

use crate::commands::{OutputFormat, create_output, parse_positive_duration};

/// Arguments of `simulate` (its help text lives on the command in `main.rs`).
#[derive(Args)]
#[command(group(ArgGroup::new("input").required(true).args(["leads", "demo"])))]
pub struct SimulateArgs {
    /// Policy file (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// Leads to replay: CSV with a header row, or JSON lines of leads (`-` reads stdin).
    #[arg(long, value_name = "FILE")]
    leads: Option<PathBuf>,
    /// Replay N generated demo leads instead of a file (with the demo accounts, unless
    /// --accounts is given).
    #[arg(long, value_name = "N")]
    demo: Option<usize>,
    /// Seed of the demo generator [default: 1].
    #[arg(long, value_name = "S", requires = "demo")]
    seed: Option<u64>,
    /// Start of the demo week [default: 2026-11-23T00:00:00Z, a Monday].
    #[arg(long, value_name = "TIMESTAMP", requires = "demo")]
    start: Option<Timestamp>,
    /// Accounts for lead-to-account matching: CSV (id,name,domains,owner) or JSON lines.
    #[arg(long, value_name = "FILE")]
    accounts: Option<PathBuf>,
    /// Simulated time a rep works a lead before it is closed and frees capacity.
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_WORK_TIME, value_parser = parse_positive_duration)]
    work_time: SignedDuration,
    /// Write one decision record per lead as JSON lines (`-`: standard output, and the
    /// report goes to standard error).
    #[arg(long, value_name = "OUT.jsonl")]
    decisions: Option<PathBuf>,
    /// Write the routing state after the last lead (the format `explain --state` reads).
    #[arg(long, value_name = "OUT.json")]
    state_out: Option<PathBuf>,
    /// Report as `text` tables or one `json` object.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

pub fn run(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    let policy = switchboard_cli::policy_file::load(&args.policy)?;
    let accounts = match (&args.accounts, args.demo) {
        (Some(path), _) => parse_accounts(&read_text(path)?)
            .with_context(|| format!("reading accounts from {}", path.display()))?,
        (None, Some(_)) => demo_accounts(DEFAULT_ACCOUNT_COUNT),
        (None, None) => Vec::new(),
    };
    let mut leads = match (&args.leads, args.demo) {
        (Some(path), _) => parse_leads(&read_text(path)?)
            .with_context(|| format!("reading leads from {}", path.display()))?,
        (None, Some(n)) => {
            let start = match args.start {
                Some(s) => s,
                None => DEFAULT_START.parse()?,
            };
            // The demo leads always draw on the demo accounts, even when --accounts
            // replaces what they are matched against.
            let source = demo_accounts(DEFAULT_ACCOUNT_COUNT);
            demo_leads(n, args.seed.unwrap_or(1), start, &source)
        }
        (None, None) => unreachable!("clap requires --leads or --demo"),
    };
    // As intake would have stored them: `Deutschland` is `DE`, `jane@mail.acme.de` is at
    // `acme.de`, `Acme GmbH` is `Acme`.
    let refused = normalize_leads(leads.iter_mut());
    if refused > 0 {
        eprintln!("note: {refused} leads have an email intake would refuse; kept as given");
    }
    let index = AccountIndex::new(accounts);

    let decisions_to_stdout = args
        .decisions
        .as_deref()
        .is_some_and(|p| p.as_os_str() == "-");
    let mut decisions = args.decisions.as_deref().map(create_output).transpose()?;
    let sim = Simulation {
        policy: &policy,
        accounts: &index,
        work_time: args.work_time,
    };
    let run = sim.run(leads, |lead, decision| {
        if let Some(out) = decisions.as_mut() {
            let rec = DecisionRecord::new(&policy, lead, decision);
            serde_json::to_writer(&mut *out, &rec)?;
            out.write_all(b"\n")?;
        }
        Ok::<(), anyhow::Error>(())
    })?;
    if let Some(mut out) = decisions {
        out.flush().context("writing decision records")?;
    }
    if let Some(path) = &args.state_out {
        let mut out = create_output(path)?;
        serde_json::to_writer_pretty(
            &mut out,
            &StateFile::from_snapshot(&policy, &run.final_state),
        )?;
        writeln!(out)?;
        out.flush()?;
    }

    let report = match args.format {
        OutputFormat::Text => render_report(&run.report),
        OutputFormat::Json => serde_json::to_string_pretty(&run.report)? + "\n",
    };
    if decisions_to_stdout {
        std::io::stderr().lock().write_all(report.as_bytes())?;
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(report.as_bytes())?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}
