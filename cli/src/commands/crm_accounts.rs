//! `switchboard crm sync accounts`: the CRM's accounts (HubSpot companies, Salesforce
//! Accounts) into the account store, owners mapped to reps through the active policy
//! (docs/CRM.md, "Accounts"). Incremental: the high-water mark lives with the data, in
//! the data directory's store or, with `--table`, in the deployment's table. Through an
//! admin API (`--api`, or a `serve` holding the store file) no mark can be kept, so every
//! run reads everything.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use switchboard_cli::admin::{Admin, AdminError};
use switchboard_notifier::channels::crm::accounts::{self, AccountSink, Run, Source, SyncReport};
use switchboard_notifier::http::HttpClient;
use switchboard_routing::Account;
use switchboard_store::embedded::EmbeddedStore;
use switchboard_store::{ImportSummary, SyncMarks};

use super::crm::{CrmKind, crm_source, load_setup};
use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Args)]
pub struct SyncAccountsArgs {
    /// Which CRM.
    #[arg(long, value_enum)]
    crm: CrmKind,
    /// The notification config with the CRM's channel and credentials (default:
    /// DIR/notify.yaml of --data-dir); secret references must be inline or `env:`.
    #[arg(long, value_name = "FILE")]
    notify_config: Option<PathBuf>,
    /// Read every account, not only those changed since the last run (after the reps'
    /// CRM ids changed, to map every owner again).
    #[arg(long)]
    full: bool,
    #[command(flatten)]
    dir: DataDir,
}

/// Accounts go through the admin target like `accounts import`.
struct AdminSink<'a>(&'a Admin);

impl AccountSink for AdminSink<'_> {
    type Error = AdminError;
    async fn import(&self, accounts: &[Account]) -> Result<ImportSummary, AdminError> {
        self.0.import_accounts(accounts).await
    }
}

pub fn run(args: SyncAccountsArgs) -> anyhow::Result<ExitCode> {
    block_on(async move {
        let (setup, file) = load_setup(args.notify_config.as_deref(), &args.dir).await?;
        let source = crm_source(&setup, &file, args.crm)?;
        let http = HttpClient::new()?;
        let admin = connect(&args.dir, false).await?;
        let active = admin.policy_version(None).await.map_err(message)?;
        let sink = AdminSink(&admin);
        let now = jiff::Timestamp::now();
        let report = match &admin {
            Admin::Aws(a) => {
                let run = run_with(Some(a.store()), args.full);
                accounts::sync(source, &http, &active.document, &sink, run, now).await
            }
            Admin::Local(a) => {
                let run = run_with(Some(a.store()), args.full);
                accounts::sync(source, &http, &active.document, &sink, run, now).await
            }
            Admin::Remote(_) => {
                // The mark is in the store, which the server holds; the admin API has no
                // route for it.
                let through = if args.dir.api.is_some() {
                    "--api"
                } else {
                    "the running server"
                };
                println!("Through {through} no sync mark is kept: every account is read.");
                let run = run_with(None::<&EmbeddedStore>, true);
                accounts::sync(source, &http, &active.document, &sink, run, now).await
            }
        }?;
        print_report(source, active.version, &report);
        Ok(ExitCode::SUCCESS)
    })
}

fn run_with<M: SyncMarks>(marks: Option<&M>, full: bool) -> Run<'_, M> {
    Run {
        marks,
        full,
        stop_at: None,
    }
}

fn print_report(source: Source<'_>, version: u64, r: &SyncReport) {
    let since = r
        .since
        .map_or_else(|| "everything".to_owned(), |t| format!("changed since {t}"));
    println!(
        "{}: read {} account(s), {since}; policy version {version}",
        source.crm().name(),
        r.read
    );
    println!(
        "  stored {}: {} owned by a rep, {} with an owner who is not a rep (or none)",
        r.stored, r.owned, r.owner_not_a_rep
    );
    if r.skipped > 0 {
        println!("  skipped {}: neither a name nor a domain", r.skipped);
    }
    if let Some(mark) = r.mark {
        println!("  next run reads from {mark}");
    }
}
