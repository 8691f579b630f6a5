//! `switchboard policy ...`: work with policy documents.

mod schema;
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
}

pub fn run(cmd: PolicyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PolicyCommand::Validate(a) => validate::run(a),
        PolicyCommand::Schema(a) => schema::run(a),
    }
}
