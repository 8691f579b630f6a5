//! `switchboard demo ...`: deterministic fictitious data for trying things out.

mod accounts;
mod leads;

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
}

pub fn run(cmd: DemoCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DemoCommand::Leads(a) => leads::run(a),
        DemoCommand::Accounts(a) => accounts::run(a),
    }
}
