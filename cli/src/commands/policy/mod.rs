//! `switchboard policy ...`: work with policy documents, and with the versions stored in
//! a data directory.

mod apply;
mod coverage;
mod diff;
mod history;
mod rollback;
mod schema;
mod shadow;
mod show;
mod validate;

use std::process::ExitCode;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Check a policy file: OK with a summary, or every issue as `path: message`.
    ///
    /// Exit code 0 when the policy is valid (warnings are printed but do not fail),
    /// 1 when it is not.
    Validate(validate::ValidateArgs),
    /// Print the JSON Schema of policy documents (for editors and CI checks)
    ///
    /// Save it next to a policy and reference it from the policy's first line so editors
    /// with the YAML language server validate and complete it:
    ///   switchboard policy schema > policy.schema.json
    ///   # yaml-language-server: $schema=./policy.schema.json
    #[command(verbatim_doc_comment)]
    Schema(schema::SchemaArgs),
    /// Validate a policy, store it as the next version and make it the active one
    ///
    /// Routing uses the new version from the next lead on. An invalid policy is refused
    /// with every issue and nothing is stored. Works on the data directory's store, or
    /// through the server running on it.
    Apply(apply::ApplyArgs),
    /// Print a stored policy version (default: the active one) as YAML.
    Show(show::ShowArgs),
    /// List the stored policy versions and which one is active.
    History(history::HistoryArgs),
    /// Activate an earlier version: the one the active version replaced, or VERSION.
    Rollback(rollback::RollbackArgs),
    /// What changed between two stored versions (default: the active one and the one
    /// before it), or what applying a policy file would change (--file): settings, reps,
    /// pools and rules by id, field by field, and rules that moved.
    Diff(diff::DiffArgs),
    /// Forecast, hour by hour for the coming days, who in each pool can take the leads
    /// expected then (from the last weeks' leads, or --profile): the hours where leads
    /// are expected and nobody is in working hours (holidays, absences and daylight saving
    /// included), and the days where they exceed the reps' daily caps.
    Coverage(coverage::CoverageArgs),
    /// Let a stored version decide every lead beside the active one, changing nothing
    /// (no state, no notification), and compare the two.
    #[command(subcommand)]
    Shadow(shadow::ShadowCommand),
}

pub fn run(cmd: PolicyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PolicyCommand::Validate(a) => validate::run(a),
        PolicyCommand::Schema(a) => schema::run(a),
        PolicyCommand::Apply(a) => apply::run(a),
        PolicyCommand::Show(a) => show::run(a),
        PolicyCommand::History(a) => history::run(a),
        PolicyCommand::Rollback(a) => rollback::run(a),
        PolicyCommand::Diff(a) => diff::run(a),
        PolicyCommand::Coverage(a) => coverage::run(a),
        PolicyCommand::Shadow(c) => shadow::run(c),
    }
}
