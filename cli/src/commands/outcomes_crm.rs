//! `switchboard outcomes import --crm hubspot|salesforce`: the CRM's closed deals as the
//! reps' imported outcome history (docs/OUTCOMES.md, "Importing from the CRM"). The deals
//! are read with the CRM channel's credentials from the notification config, owners mapped
//! through the active policy, and imported through the same admin call as a file's rows.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use switchboard_admin::outcomes::MAX_OUTCOME_ROWS;
use switchboard_notifier::channels::crm::closes::{self, CloseQuery, Closes, FieldSource};
use switchboard_notifier::http::HttpClient;

use super::crm::{CrmKind, crm_source, load_setup};
use crate::commands::OutputFormat;
use crate::commands::admin::{DataDir, block_on, connect, message};

#[derive(Args)]
pub struct CrmCloses {
    /// Read the closed deals from this CRM instead of a file.
    #[arg(long, value_enum)]
    crm: Option<CrmKind>,
    /// With --crm: only deals closed on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE", requires = "crm")]
    since: Option<jiff::civil::Date>,
    /// With --crm: a lead field and the deal property it is read from, as
    /// FIELD=PROPERTY (`industry=industry_vertical`, `product=Product_Line__c`,
    /// `country=Account.ShippingCountry`); repeat for each field the policy segments by.
    #[arg(long = "field", value_name = "FIELD=PROPERTY", requires = "crm")]
    fields: Vec<FieldSource>,
    /// With --crm: the notification config with the CRM's channel and credentials
    /// (default: DIR/notify.yaml of --data-dir).
    #[arg(long, value_name = "FILE", requires = "crm")]
    notify_config: Option<PathBuf>,
}

pub fn import(args: &CrmCloses, dir: &DataDir, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let Some(kind) = args.crm else {
        anyhow::bail!("give a FILE or --crm");
    };
    let closes = block_on(async {
        let (setup, file) = load_setup(args.notify_config.as_deref(), dir).await?;
        let source = crm_source(&setup, &file, kind)?;
        let admin = connect(dir, false).await?;
        let active = admin.policy_version(None).await.map_err(message)?;
        let query = CloseQuery {
            since: args.since,
            fields: closes::sources(source.crm(), &active.document, &args.fields)
                .map_err(anyhow::Error::msg)?,
        };
        let http = HttpClient::new()?;
        let read = closes::read(
            source,
            &http,
            &active.document,
            &query,
            jiff::Timestamp::now(),
        )
        .await?;
        // Said on standard error, so `--format json` keeps one document on standard out.
        eprintln!("{}", summary(source.crm().name(), &query, &read));
        anyhow::Ok(read)
    })?;
    let mut rows = closes.rows;
    if rows.len() > MAX_OUTCOME_ROWS {
        let left_out = rows.len() - MAX_OUTCOME_ROWS;
        eprintln!(
            "  one import takes at most {MAX_OUTCOME_ROWS} closes: the {left_out} oldest are left out (--since chooses the start)"
        );
        rows.drain(..left_out);
    }
    super::outcomes::import_rows(rows, dir, format)
}

/// What was read, in a few lines.
fn summary(crm: &str, query: &CloseQuery, read: &Closes) -> String {
    let r = &read.report;
    let day = |t: Option<jiff::Timestamp>| {
        t.map_or_else(
            || "-".to_owned(),
            |t| jiff::tz::Offset::UTC.to_datetime(t).date().to_string(),
        )
    };
    let mut out = format!(
        "{crm}: read {} closed deal(s){}, closed {} to {}",
        r.read,
        query
            .since
            .map_or_else(String::new, |d| format!(" closed since {d}")),
        day(r.first_close),
        day(r.last_close),
    );
    out.push_str(&format!(
        "\n  {} won and {} lost by reps; {} owned by someone who is not a rep (left out)",
        r.won, r.lost, r.owner_not_a_rep
    ));
    if !query.fields.is_empty() {
        let fields: Vec<String> = query
            .fields
            .iter()
            .map(|f| format!("{} from {}", f.field, f.property))
            .collect();
        out.push_str(&format!("\n  fields: {}", fields.join(", ")));
    }
    out
}
