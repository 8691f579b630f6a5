//! `switchboard openapi`: the OpenAPI 3.1 document of the intake, rep-action and admin
//! routes, as `docs/openapi.json` holds it and `GET /v1/openapi.json` serves it.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

/// `openapi` takes no arguments.
#[derive(Args)]
pub struct OpenapiArgs {}

pub fn run(_: OpenapiArgs) -> anyhow::Result<ExitCode> {
    let document = switchboard_intake::openapi::document();
    let mut out = std::io::stdout().lock();
    out.write_all((serde_json::to_string_pretty(&document)? + "\n").as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
