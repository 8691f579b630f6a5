//! `switchboard triage list`: the parked leads, oldest parked first, with why each is
//! parked and where it waits.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use switchboard_admin::{AssignOrder, RerouteFilter};

use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Subcommand)]
pub enum TriageCommand {
    /// The parked leads with their park reason, pool and the reps they bounced from
    List(ListArgs),
    /// Route parked leads again through the active policy: one by id, or every one
    /// matching --reason and --pool (at most --max). Needs the running server (or
    /// --table with the routing queue URLs): the lead goes back on the routing queue.
    Reroute(RerouteArgs),
    /// Give a parked lead to a named rep, recorded as a decision with who and why. The
    /// rep's caps and availability are checked unless --override-caps.
    Assign(AssignArgs),
}

#[derive(Args)]
pub struct AssignArgs {
    /// The parked lead.
    #[arg(value_name = "ID")]
    id: String,
    /// The rep who takes it.
    #[arg(long)]
    rep: String,
    /// Why, for the record.
    #[arg(long)]
    reason: String,
    /// Assign whatever the rep's caps, hours and away status say.
    #[arg(long)]
    override_caps: bool,
    #[command(flatten)]
    dir: DataDir,
}

#[derive(Args)]
pub struct RerouteArgs {
    /// The parked lead; without it, every parked lead the filters select.
    #[arg(value_name = "ID", conflicts_with_all = ["reason", "pool", "max"])]
    id: Option<String>,
    /// Only leads parked for this reason (`all_at_cap`, `kill_switch`, ...).
    #[arg(long)]
    reason: Option<String>,
    /// Only leads waiting in this pool.
    #[arg(long)]
    pool: Option<String>,
    /// At most this many (1 to 1000, default 100).
    #[arg(long)]
    max: Option<usize>,
    #[command(flatten)]
    dir: DataDir,
}

#[derive(Args)]
pub struct ListArgs {
    /// Most leads to show (1 to 500).
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Continue after this cursor (printed after a full page).
    #[arg(long, value_name = "CURSOR")]
    after: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    dir: DataDir,
}

pub fn run(cmd: TriageCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TriageCommand::List(args) => list(args),
        TriageCommand::Reroute(args) => reroute(args),
        TriageCommand::Assign(args) => assign(args),
    }
}

fn assign(args: AssignArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let admin = connect(&args.dir, false).await?;
        let order = AssignOrder {
            rep: args.rep.into(),
            reason: args.reason,
            override_caps: args.override_caps,
        };
        // Where the command writes the store itself, it names the local user.
        let actor = format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".into())
        );
        let done = admin
            .assign(&args.id, &order, &actor)
            .await
            .map_err(message)?;
        println!("{}", done.summary);
        Ok(ExitCode::SUCCESS)
    })
}

fn reroute(args: RerouteArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let admin = connect(&args.dir, false).await?;
        let filter = RerouteFilter {
            reason: args.reason,
            pool: args.pool.map(Into::into),
            max: args.max,
        };
        let done = admin
            .reroute(args.id.as_deref(), &filter)
            .await
            .map_err(message)?;
        println!("{} lead(s) handed back to routing", done.rerouted);
        for id in &done.lead_ids {
            println!("  {id}");
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let admin = connect(&args.dir, false).await?;
        let page = admin
            .triage(args.after.as_deref(), args.limit)
            .await
            .map_err(message)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&page)?);
            return Ok(ExitCode::SUCCESS);
        }
        if page.items.is_empty() {
            println!("No parked leads.");
        }
        for item in &page.items {
            let bounced = if item.bounced.is_empty() {
                String::new()
            } else {
                let reps: Vec<&str> = item.bounced.iter().map(|r| r.as_str()).collect();
                format!(", bounced from {}", reps.join(", "))
            };
            println!(
                "{}  parked {}  in {}  reason {}{}",
                item.lead.lead_id,
                item.parked_at,
                item.pool.as_deref().unwrap_or("-"),
                item.reason.as_deref().unwrap_or("-"),
                bounced
            );
        }
        if let Some(next) = &page.next {
            println!("more: --after {next}");
        }
        Ok(ExitCode::SUCCESS)
    })
}
