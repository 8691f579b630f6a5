//! `switchboard crm sync reps`: the CRM's people against the policy's reps (docs/CRM.md,
//! "Sync the reps' ids"): ids filled in and corrected by email, new people and leavers
//! listed, the change shown as a policy diff and applied only with `--apply`. What the
//! sync commands share: the notification config with the CRM's credentials. `crm sync
//! accounts` is in `crm_accounts`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use switchboard_notifier::channels::Channel;
use switchboard_notifier::channels::crm::Crm;
use switchboard_notifier::channels::crm::accounts::Source;
use switchboard_notifier::channels::crm::people::{CrmPerson, propose};
use switchboard_notifier::http::HttpClient;
use switchboard_notifier::secrets::{NoRemote, Resolver};
use switchboard_notifier::{NotifyConfig, Origin, Setup};

use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Subcommand)]
pub enum CrmCommand {
    #[command(subcommand)]
    Sync(SyncCommand),
}

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Give each rep their CRM id: HubSpot owners or Salesforce active users matched to
    /// the reps by email; new people and leavers are listed for you to decide
    Reps(SyncRepsArgs),
    /// Read HubSpot companies or Salesforce Accounts (name, website domain, owner as a
    /// rep) into the account store for sticky ownership; only those changed since the
    /// last run unless --full
    Accounts(super::crm_accounts::SyncAccountsArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CrmKind {
    Hubspot,
    Salesforce,
}

#[derive(Args)]
pub struct SyncRepsArgs {
    /// Which CRM.
    #[arg(long, value_enum)]
    crm: CrmKind,
    /// The notification config with the CRM's channel and credentials (default:
    /// DIR/notify.yaml of --data-dir); secret references must be inline or `env:`.
    #[arg(long, value_name = "FILE")]
    notify_config: Option<PathBuf>,
    /// Store the proposed policy as the next version and activate it.
    #[arg(long)]
    apply: bool,
    /// The note stored with the applied version.
    #[arg(long, default_value = "CRM ids synced")]
    note: String,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(cmd: CrmCommand) -> anyhow::Result<ExitCode> {
    let args = match cmd {
        CrmCommand::Sync(SyncCommand::Reps(args)) => args,
        CrmCommand::Sync(SyncCommand::Accounts(args)) => return super::crm_accounts::run(args),
    };
    block_on(async move {
        let (setup, file) = load_setup(args.notify_config.as_deref(), &args.dir).await?;
        let http = HttpClient::new()?;
        let now = jiff::Timestamp::now();
        let (crm, people): (Crm, Vec<CrmPerson>) = match crm_source(&setup, &file, args.crm)? {
            Source::Hubspot(h) => (Crm::Hubspot, h.people(&http, now).await?),
            Source::Salesforce(s) => (Crm::Salesforce, s.people(&http, now).await?),
        };
        let admin = connect(&args.dir, false).await?;
        let active = admin.policy_version(None).await.map_err(message)?;
        let proposal = propose(&active.document, crm, &people);
        println!(
            "{}: {} people; policy version {} has {} reps",
            crm.name(),
            people.len(),
            active.version,
            active.document.reps.len()
        );
        for (rep, id) in &proposal.filled {
            println!("  + {rep}: {} {id}", crm.id_field());
        }
        for (rep, old, new) in &proposal.changed {
            println!("  ~ {rep}: {} {old} → {new}", crm.id_field());
        }
        for (rep, id) in &proposal.leavers {
            println!(
                "  ! {rep}: {} {id} is no longer an active {} user; remove or replace the rep",
                crm.id_field(),
                crm.name()
            );
        }
        for p in &proposal.new_people {
            let email = p.email.as_deref().unwrap_or("no email");
            println!(
                "  ? {} ({email}, id {}) is in {} but not a rep",
                p.name,
                p.id,
                crm.name()
            );
        }
        for rep in &proposal.unmatched_reps {
            println!("  - {rep} has no email in the policy, so cannot be matched");
        }
        if !proposal.changes_policy() {
            println!("The policy's ids are up to date.");
            return Ok(ExitCode::SUCCESS);
        }
        if !args.apply {
            println!("Run again with --apply to store this as the next policy version.");
            return Ok(ExitCode::SUCCESS);
        }
        let yaml = serde_yaml_ng::to_string(&proposal.document)?;
        let applied = admin
            .apply_policy(&yaml, Some(&args.note))
            .await
            .map_err(message)?;
        println!("policy version {} stored and active", applied.version);
        Ok(ExitCode::SUCCESS)
    })
}

/// The CRM channel of `kind` in `setup` (read from `file`), as the source the account
/// sync and the closes import read.
pub(super) fn crm_source<'a>(
    setup: &'a Setup,
    file: &Path,
    kind: CrmKind,
) -> anyhow::Result<Source<'a>> {
    Ok(match kind {
        CrmKind::Hubspot => match find(setup, |c| matches!(c, Channel::Hubspot(_))) {
            Some(Channel::Hubspot(h)) => Source::Hubspot(h),
            _ => anyhow::bail!("{} has no hubspot channel", file.display()),
        },
        CrmKind::Salesforce => match find(setup, |c| matches!(c, Channel::Salesforce(_))) {
            Some(Channel::Salesforce(s)) => Source::Salesforce(s),
            _ => anyhow::bail!("{} has no salesforce channel", file.display()),
        },
    })
}

pub(super) fn find(setup: &Setup, wanted: impl Fn(&Channel) -> bool) -> Option<&Channel> {
    setup.channels.values().find(|c| wanted(c))
}

/// The notification config with the CRM channels (`--notify-config`, or the data
/// directory's `notify.yaml`), its secrets resolved; and the file it came from.
pub(super) async fn load_setup(
    notify_config: Option<&Path>,
    dir: &DataDir,
) -> anyhow::Result<(Setup, PathBuf)> {
    let file = notify_config.map_or_else(|| dir.data_dir.join("notify.yaml"), Path::to_path_buf);
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let config = NotifyConfig::parse(&text, Origin::Local)
        .with_context(|| format!("reading {}", file.display()))?;
    let setup = Setup::resolve(config, &mut Resolver::new(NoRemote))
        .await
        .with_context(|| format!("resolving the secrets of {}", file.display()))?;
    Ok((setup, file))
}
