//! `switchboard demo ...`: deterministic fictitious data for trying things out.

mod accounts;
mod leads;
mod outcomes;

use std::process::ExitCode;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum DemoCommand {
    /// Generate leads over one week: weighted countries, daytime bias in each lead's time
    /// zone, free-mail sign-ups, company sizes, and leads from the demo accounts' domains.
    ///
    /// Same arguments, same leads, on every machine.
    Leads(leads::LeadsArgs),
    /// Generate the demo accounts (domains, size, industry, many owned by demo reps).
    ///
    /// These are the accounts `demo leads` and `simulate --demo` draw on. The list is
    /// prefix-stable: `--count 50` gives the first 50 of the default 200.
    Accounts(accounts::AccountsArgs),
    /// Planted truth: reps with known win rates per segment, leads over weeks routed
    /// online by round robin, by best_fit learning from outcomes as they close, and by an
    /// oracle that knows the rates; each strategy's win rate, uplift, departures and
    /// fairness (docs/OUTCOMES.md).
    ///
    /// Example:
    ///   switchboard demo outcomes --signal 0,0.05,0.1,0.2
    #[command(verbatim_doc_comment)]
    Outcomes(outcomes::OutcomesArgs),
}

pub fn run(cmd: DemoCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DemoCommand::Leads(a) => leads::run(a),
        DemoCommand::Accounts(a) => accounts::run(a),
        DemoCommand::Outcomes(a) => outcomes::run(a),
    }
}
