//! `switchboard policy validate FILE`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;
use switchboard_routing::policy::Issue;
use switchboard_routing::policy::lint::Finding;

use crate::commands::OutputFormat;

#[derive(Args)]
pub struct ValidateArgs {
    /// Policy file, YAML or JSON (`-` reads standard input).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// `text`: OK/INVALID and one `path: message` line per issue; `json`: one JSON object.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

/// The `--format json` output.
#[derive(Serialize)]
struct Validation {
    file: String,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<Summary>,
    errors: Vec<Issue>,
    warnings: Vec<Issue>,
    /// The static checks' findings of a valid policy (docs/POLICY.md, "Findings").
    findings: Vec<Finding>,
}

#[derive(Serialize)]
struct Summary {
    name: String,
    reps: usize,
    pools: usize,
    rules: usize,
    triage_pool: String,
    kill_switch: bool,
}

pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let compiled = switchboard_cli::policy_file::compile_file(&args.file)?;
    let v = match compiled {
        Ok(p) => Validation {
            file: args.file.display().to_string(),
            valid: true,
            summary: Some(Summary {
                name: p.name().to_owned(),
                reps: p.reps().len(),
                pools: p.pools().len(),
                rules: p.rules().len(),
                triage_pool: p.triage_pool().to_owned(),
                kill_switch: p.kill_switch(),
            }),
            errors: Vec::new(),
            warnings: p.warnings().to_vec(),
            findings: p.findings(),
        },
        Err(e) => Validation {
            file: args.file.display().to_string(),
            valid: false,
            summary: None,
            errors: e.issues(),
            warnings: Vec::new(),
            findings: Vec::new(),
        },
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        OutputFormat::Text => write_text(&mut out, &v)?,
    }
    out.flush()?;
    Ok(if v.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn write_text(out: &mut dyn Write, v: &Validation) -> std::io::Result<()> {
    match &v.summary {
        Some(s) => {
            let name = if s.name.is_empty() {
                String::new()
            } else {
                format!("\"{}\" ", s.name)
            };
            writeln!(
                out,
                "OK {}: policy {name}with {} reps, {} pools, {} rules, {} warning(s), {} finding(s); triage pool `{}`",
                v.file,
                s.reps,
                s.pools,
                s.rules,
                v.warnings.len(),
                v.findings.len(),
                s.triage_pool
            )?;
            if s.kill_switch {
                writeln!(
                    out,
                    "note: the kill switch is on: every lead parks in `{}`",
                    s.triage_pool
                )?;
            }
            for w in &v.warnings {
                writeln!(out, "warning: {w}")?;
            }
            switchboard_cli::render::findings::write(out, &v.findings)?;
        }
        None => {
            writeln!(out, "INVALID {}: {} issue(s)", v.file, v.errors.len())?;
            for e in &v.errors {
                writeln!(out, "{e}")?;
            }
        }
    }
    Ok(())
}
