//! `switchboard explain`: decide one lead and show why.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use jiff::Timestamp;
use switchboard_cli::formats::state::StateFile;
use switchboard_cli::formats::{accounts::parse_accounts, read_text};
use switchboard_cli::render::decision::render_decision;
use switchboard_routing::{
    AccountIndex, DecideInput, DecisionRecord, Lead, RepId, Snapshot, decide, match_account,
};

/// Arguments of `explain` (its help text lives on the command in `main.rs`).
#[derive(Args)]
pub struct ExplainArgs {
    /// Policy file (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// The lead as a JSON object (the lead format of JSON-lines files); `id` and
    /// `received_at` may be left out (`-` reads standard input).
    #[arg(long, value_name = "LEAD.json")]
    lead: PathBuf,
    /// Accounts for lead-to-account matching: CSV (id,name,domains,owner) or JSON lines.
    #[arg(long, value_name = "FILE")]
    accounts: Option<PathBuf>,
    /// Decision time [default: the lead's received_at, else now].
    #[arg(long, value_name = "TIMESTAMP")]
    at: Option<Timestamp>,
    /// Routing state to decide against (e.g. from `simulate --state-out`) [default: empty].
    #[arg(long, value_name = "STATE.json")]
    state: Option<PathBuf>,
    /// A rep the lead already bounced from (rejected or SLA expired); repeatable.
    #[arg(long = "bounced", value_name = "REP")]
    bounced: Vec<String>,
    /// Print the decision record as JSON instead of the tables.
    #[arg(long)]
    json: bool,
}

pub fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let policy = switchboard_cli::policy_file::load(&args.policy)?;
    let (lead, now) = read_lead(&args)?;
    let accounts = match &args.accounts {
        Some(path) => parse_accounts(&read_text(path)?)
            .with_context(|| format!("reading accounts from {}", path.display()))?,
        None => Vec::new(),
    };
    let index = AccountIndex::new(accounts);
    let state = match &args.state {
        Some(path) => {
            let file: StateFile = serde_json::from_str(&read_text(path)?)
                .with_context(|| format!("parsing the state file {}", path.display()))?;
            file.to_snapshot(&policy)?
        }
        None => Snapshot::empty(&policy),
    };
    for rep in &args.bounced {
        if policy.rep_index(rep).is_none() {
            bail!("--bounced {rep}: no such rep in the policy");
        }
    }

    let bounced: Vec<RepId> = args.bounced.iter().map(RepId::from).collect();
    let decision = decide(
        &policy,
        &state,
        &DecideInput {
            lead: &lead,
            account: match_account(&index, &lead),
            bounced: &bounced,
            now,
        },
    );
    let record = DecisionRecord::new(&policy, &lead, &decision);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &record)?;
        writeln!(out)?;
    } else {
        out.write_all(render_decision(&policy, &lead, &record).as_bytes())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The lead and the decision time, its fields normalized as intake does. A hand-written
/// lead may omit `id` (it becomes `lead`) and `received_at` (it becomes the decision time).
fn read_lead(args: &ExplainArgs) -> anyhow::Result<(Lead, Timestamp)> {
    let text = read_text(&args.lead)?;
    let mut value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", args.lead.display()))?;
    let Some(obj) = value.as_object_mut() else {
        bail!("{}: the lead must be a JSON object", args.lead.display());
    };
    obj.entry("id").or_insert_with(|| "lead".into());
    let received = obj
        .get("received_at")
        .map(|v| serde_json::from_value::<Timestamp>(v.clone()))
        .transpose()
        .context("received_at is not an RFC 3339 instant")?;
    let now = args.at.or(received).unwrap_or_else(Timestamp::now);
    obj.entry("received_at")
        .or_insert_with(|| now.to_string().into());
    let mut lead: Lead = serde_json::from_value(value)
        .with_context(|| format!("{} is not a valid lead", args.lead.display()))?;
    // Decided as intake would store it: "Deutschland" is DE, `mail.` subdomains fold.
    if switchboard_cli::simulation::normalize_leads(std::iter::once(&mut lead)) > 0 {
        eprintln!(
            "warning: {}: the email address is malformed; intake would refuse this lead",
            args.lead.display()
        );
    }
    Ok((lead, now))
}
