//! `switchboard`: routing policy tools, simulation and explanations.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Switchboard routes inbound B2B leads to sales reps and explains every decision.
///
/// Check a policy, replay leads through it with simulated rep state, and ask why a lead
/// went where it did. Start with the demo, which needs no other files:
///
///   switchboard policy validate cli/demo/policy.yaml
///   switchboard simulate --policy cli/demo/policy.yaml --demo 2000 --seed 7
#[derive(Parser)]
#[command(name = "switchboard", version, verbatim_doc_comment)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a policy file, print the policy JSON Schema, or apply, show, list and roll
    /// back the policy versions of a data directory.
    #[command(subcommand)]
    Policy(commands::policy::PolicyCommand),
    /// Replay leads through a policy with simulated state and report how they were routed
    ///
    /// Leads (a CSV or JSON-lines file, or N generated demo leads) are decided in time
    /// order against simulated rep state: each decision's state change is applied, and
    /// each assignment is closed again after --work-time of simulated time, so caps fill
    /// and free up as they would live. The report shows, per pool, each rep's count against
    /// its weighted share; per rep, cap hits and other reasons for being passed over; per
    /// rule, owner assignments, fallbacks and parked leads. Same inputs, same output.
    ///
    /// Examples:
    ///   switchboard simulate --policy cli/demo/policy.yaml --demo 2000 --seed 7
    ///   switchboard simulate --policy policy.yaml --leads leads.csv \
    ///       --accounts accounts.csv --decisions decisions.jsonl
    #[command(verbatim_doc_comment)]
    Simulate(commands::simulate::SimulateArgs),
    /// Replay history through one or two policies and compare them, with off-policy win
    /// rates when outcomes are known
    ///
    /// History leads (CSV or JSON lines with `received_at`, and the rep who worked each in
    /// the `rep` column) are replayed as `simulate` replays leads, normalized as intake
    /// normalizes them. The report shows per pool and rep the counts, parks and
    /// fallbacks, and B − A per rep. With --outcomes, closes before --learn-until train
    /// the outcome statistics best_fit pools read, and each policy's win rate on the later
    /// leads is estimated off-policy (replay method and inverse propensity weighting, 95%
    /// bootstrap intervals), with the uplift of B over A; "no credible difference" when
    /// its interval contains zero. Method and assumptions: docs/OUTCOMES.md.
    ///
    /// Example:
    ///   switchboard backtest --policy a.yaml --against b.yaml --leads history.csv \
    ///       --outcomes outcomes.csv --learn-until 2026-06-01
    #[command(verbatim_doc_comment)]
    Backtest(commands::backtest::BacktestArgs),
    /// Decide one lead and show every step and candidate with the reason
    ///
    /// The lead is a JSON object in the lead format of JSON-lines files; `id` and
    /// `received_at` may be left out. It is decided against an empty state, or the state
    /// in --state, at --at (default: its received_at, else now).
    ///
    /// Example:
    ///   echo '{"email": "max@beispiel.de", "country": "DE"}' |
    ///     switchboard explain --policy cli/demo/policy.yaml --lead - --at 2026-11-23T09:00:00Z
    #[command(verbatim_doc_comment)]
    Explain(commands::explain::ExplainArgs),
    /// Generate deterministic, fictitious demo leads and accounts.
    #[command(subcommand)]
    Demo(commands::demo::DemoCommand),
    /// Run the whole pipeline locally: intake, routing, notifications, on a durable store
    ///
    /// Serves the intake HTTP API on 127.0.0.1, routes every accepted lead with the
    /// active policy and stores the decision, and logs a notification per assignment.
    /// Data lives in --data-dir and survives restarts. A fresh data directory gets the
    /// demo policy, demo accounts and demo intake sources with keys printed at start.
    ///
    /// Example:
    ///   switchboard serve --data-dir .data
    ///   switchboard serve --port 0 --intake-config intake.yaml
    #[command(verbatim_doc_comment)]
    Serve(commands::serve::ServeArgs),
    /// Accounts for lead-to-account matching in a data directory.
    #[command(subcommand)]
    Accounts(commands::accounts::AccountsCommand),
    /// Stored leads of a data directory, and importing an event's leads.
    #[command(subcommand, alias = "leads")]
    Lead(commands::lead::LeadCommand),
    /// Print the OpenAPI 3.1 document of the intake, rep-action and admin routes
    ///
    /// The copy in docs/openapi.json is what `GET /v1/openapi.json` serves; regenerate it
    /// with `switchboard openapi > docs/openapi.json`.
    Openapi(commands::openapi::OpenapiArgs),
    /// Give a deployment's leads stored before an upgrade the index keys the lead lists,
    /// the triage queue and the health report read (once after upgrading; safe to repeat)
    Backfill(commands::backfill::BackfillArgs),
    /// Reports over stored leads: health and fairness.
    #[command(subcommand)]
    Report(commands::report::ReportCommand),
    /// The reps' close outcomes best_fit pools route on: show, rebuild from the stored
    /// closes, import earlier history.
    #[command(subcommand)]
    Outcomes(commands::outcomes::OutcomesCommand),
    /// The triage queue: parked leads and why.
    #[command(subcommand)]
    Triage(commands::triage::TriageCommand),
    /// The dead letters of a running server's routing queue.
    #[command(subcommand)]
    Dlq(commands::dlq::DlqCommand),
    /// Convert other tools' exports into Switchboard's input files.
    #[command(subcommand)]
    Convert(commands::convert::ConvertCommand),
    /// The CRM connectors: give each rep their CRM id from the CRM's people.
    #[command(subcommand)]
    Crm(commands::crm::CrmCommand),
    /// Offer leads to a running `switchboard serve` at a fixed rate and report latencies
    ///
    /// Open loop: lead i is due at start + i/rate and measured from then. Reports, per
    /// lead, the time to intake's 202 (stored) and to the stored decision.
    ///
    /// Example:
    ///   switchboard bench-load --url http://127.0.0.1:8080 --api-key KEY --rate 1000 --duration 20s
    #[command(verbatim_doc_comment, name = "bench-load")]
    BenchLoad(commands::bench_load::BenchLoadArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Policy(c) => commands::policy::run(c),
        Command::Simulate(a) => commands::simulate::run(a),
        Command::Backtest(a) => commands::backtest::run(a),
        Command::Explain(a) => commands::explain::run(a),
        Command::Demo(c) => commands::demo::run(c),
        Command::Serve(a) => commands::serve::run(a),
        Command::Accounts(c) => commands::accounts::run(c),
        Command::Lead(c) => commands::lead::run(c),
        Command::Openapi(a) => commands::openapi::run(a),
        Command::Dlq(c) => commands::dlq::run(c),
        Command::Convert(c) => commands::convert::run(c),
        Command::Crm(c) => commands::crm::run(c),
        Command::Report(c) => commands::report::run(c),
        Command::Outcomes(c) => commands::outcomes::run(c),
        Command::Backfill(a) => commands::backfill::run(a),
        Command::Triage(c) => commands::triage::run(c),
        Command::BenchLoad(a) => commands::bench_load::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) if commands::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
