//! `switchboard policy diff`: what changed between two stored policy versions, or between
//! the active version and a policy file about to be applied, as a person reads a policy
//! (settings, then reps, pools and rules by id; `switchboard_admin::diff`).

use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::Value;
use switchboard_admin::{Changes, FieldChange, PolicyDiff, diff};

use crate::commands::admin::{DataDir, block_on, connect, message};
use switchboard_cli::policy_file;

#[derive(Args)]
pub struct DiffArgs {
    /// The version compared from [default: the one before TO].
    #[arg(long, value_name = "VERSION")]
    from: Option<u64>,
    /// The version compared to [default: the active one].
    #[arg(long, value_name = "VERSION", conflicts_with = "file")]
    to: Option<u64>,
    /// Compare to this policy file instead of a stored version: what applying it would
    /// change.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Print the difference as JSON (as `GET /v1/admin/policy/diff` answers).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(args: DiffArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let admin = connect(&args.dir, false).await?;
        let changes = match &args.file {
            Some(path) => {
                let draft = policy_file::load(path)?;
                let from = admin.policy_version(args.from).await.map_err(message)?;
                // The draft has no version yet: it would be stored as the next one.
                let next = admin
                    .policy_history()
                    .await
                    .map_err(message)?
                    .versions
                    .iter()
                    .map(|v| v.version)
                    .max()
                    .unwrap_or(0)
                    + 1;
                diff(from.version, &from.document, next, draft.document())
            }
            None => {
                let to = admin.policy_version(args.to).await.map_err(message)?;
                let from_version = match args.from {
                    Some(v) => v,
                    None if to.version > 1 => to.version - 1,
                    None => anyhow::bail!(
                        "version {} is the first one; name another with --from",
                        to.version
                    ),
                };
                let from = admin
                    .policy_version(Some(from_version))
                    .await
                    .map_err(message)?;
                diff(from.version, &from.document, to.version, &to.document)
            }
        };
        if args.json {
            println!("{}", serde_json::to_string_pretty(&changes)?);
        } else {
            print!("{}", text(&changes));
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The difference for a terminal: one line per added, removed or changed item, each
/// changed field as `field: before → after`.
pub fn text(d: &PolicyDiff) -> String {
    let mut out = format!("policy {} → {}\n", d.from, d.to);
    if d.is_empty() {
        out.push_str("no changes\n");
        return out;
    }
    if !d.settings.is_empty() {
        out.push_str("settings\n");
        fields(&mut out, &d.settings);
    }
    for (name, changes) in [("reps", &d.reps), ("pools", &d.pools), ("rules", &d.rules)] {
        if *changes == Changes::default() {
            continue;
        }
        let _ = writeln!(out, "{name}");
        for id in &changes.added {
            let _ = writeln!(out, "  + {id}");
        }
        for id in &changes.removed {
            let _ = writeln!(out, "  - {id}");
        }
        for item in &changes.changed {
            let _ = writeln!(out, "  ~ {}", item.id);
            fields(&mut out, &item.fields);
        }
        for m in &changes.moved {
            let _ = writeln!(
                out,
                "  ↕ {} moved from position {} to {}",
                m.id,
                m.from + 1,
                m.to + 1
            );
        }
    }
    out
}

fn fields(out: &mut String, changes: &[FieldChange]) {
    for c in changes {
        let _ = writeln!(
            out,
            "      {}: {} → {}",
            c.field,
            value(&c.before),
            value(&c.after)
        );
    }
}

fn value(v: &Value) -> String {
    match v {
        Value::Null => "(none)".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
