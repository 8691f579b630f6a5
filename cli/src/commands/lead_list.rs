//! `switchboard lead list`: the leads received in a window, oldest first, with the admin
//! API's filters (`GET /v1/admin/leads`), locally, through a running server, or on a
//! deployment's table.

use std::process::ExitCode;

use clap::Args;
use switchboard_admin::LeadFilter;

use crate::commands::admin::{DataDir, WindowArgs, block_on, connect, message};

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    window: WindowArgs,
    /// Only leads of this status (received, queued, scheduled, duplicate, assigned, parked,
    /// closed).
    #[arg(long)]
    status: Option<String>,
    /// Only leads assigned through this pool or, while parked, waiting in it.
    #[arg(long)]
    pool: Option<String>,
    /// Only leads whose current or last assignment is this rep's.
    #[arg(long)]
    rep: Option<String>,
    /// Only leads whose latest parking was for this reason (all_at_cap, kill_switch, ...).
    #[arg(long)]
    reason: Option<String>,
    /// Only leads with an open assignment past its SLA, not accepted.
    #[arg(long)]
    overdue: bool,
    /// Only leads from this address (compared trimmed and lower-cased).
    #[arg(long)]
    email: Option<String>,
    /// Only leads whose email or `website` attribute is at this domain or a subdomain.
    #[arg(long)]
    domain: Option<String>,
    /// Only leads whose company name contains this text (case-insensitive).
    #[arg(long)]
    company: Option<String>,
    /// Most leads read for one page (1 to 500); a filtered page can show fewer.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Continue after this cursor (printed when more follow).
    #[arg(long, value_name = "CURSOR")]
    after: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    dir: DataDir,
}

impl ListArgs {
    /// The flags as the query parameters the API reads, so both check values alike.
    fn filter(&self) -> Result<LeadFilter, switchboard_admin::AdminError> {
        let overdue = self.overdue.then_some("true");
        LeadFilter::from_query(|name| match name {
            "status" => self.status.as_deref(),
            "pool" => self.pool.as_deref(),
            "rep" => self.rep.as_deref(),
            "reason" => self.reason.as_deref(),
            "overdue" => overdue,
            "email" => self.email.as_deref(),
            "domain" => self.domain.as_deref(),
            "company" => self.company.as_deref(),
            _ => None,
        })
    }
}

pub fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let window = args.window.resolve()?;
        let filter = args.filter().map_err(message)?;
        let admin = connect(&args.dir, false).await?;
        let page = admin
            .leads(window, &filter, args.after.as_deref(), args.limit)
            .await
            .map_err(message)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&page)?);
            return Ok(ExitCode::SUCCESS);
        }
        if page.items.is_empty() {
            println!("No leads on this page.");
        }
        for lead in &page.items {
            println!(
                "{}  received {}  {}  {}  {}",
                lead.lead_id,
                lead.received_at,
                lead.status.as_str(),
                lead.company.as_deref().unwrap_or("-"),
                lead.country.as_deref().unwrap_or("-"),
            );
        }
        if let Some(next) = &page.next {
            println!("more: --after {next}");
        }
        Ok(ExitCode::SUCCESS)
    })
}
