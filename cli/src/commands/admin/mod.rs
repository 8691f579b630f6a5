//! Shared plumbing of the commands that work on a data directory: the `--data-dir`
//! argument, the async runtime, and turning admin errors into messages.

use std::future::Future;
use std::path::PathBuf;

use clap::Args;
use switchboard_cli::admin::{Admin, AdminError, AwsTarget};

/// Where the data lives: a local data directory, or a deployment in AWS (its admin API,
/// or its table directly).
#[derive(Args, Debug, Clone)]
pub struct DataDir {
    /// Data directory, as given to `switchboard serve`. While a server runs on it, the
    /// command goes through that server (found via DIR/serve.json); otherwise it opens the
    /// store file itself.
    #[arg(long, value_name = "DIR", default_value = ".data")]
    pub data_dir: PathBuf,
    /// Work on a deployment through its admin API: the stack's `AdminIamUrl` output
    /// (requests signed with the environment's AWS credentials, as an IAM principal with
    /// `execute-api:Invoke` on it), or its `AdminUrl` with --token.
    #[arg(
        long,
        value_name = "URL",
        env = "SWITCHBOARD_ADMIN_URL",
        conflicts_with_all = ["data_dir", "table"]
    )]
    pub api: Option<String>,
    /// With --api: a person's JWT from the admin issuer (the stack's user pool), sent as a
    /// bearer token instead of signing with AWS credentials.
    #[arg(
        long,
        value_name = "JWT",
        env = "SWITCHBOARD_ADMIN_TOKEN",
        hide_env_values = true,
        requires = "api"
    )]
    pub token: Option<String>,
    /// Work on a deployment in AWS directly instead: its DynamoDB table (the stack's `TableName`
    /// output), with the credentials and region of the environment.
    #[arg(
        long,
        value_name = "NAME",
        env = "SWITCHBOARD_TABLE",
        conflicts_with = "data_dir"
    )]
    pub table: Option<String>,
    /// With --table: the routing queue (stack output `RoutingQueueUrl`), for `dlq`.
    #[arg(
        long,
        value_name = "URL",
        env = "SWITCHBOARD_ROUTING_QUEUE_URL",
        requires = "table"
    )]
    pub routing_queue_url: Option<String>,
    /// With --table: the routing dead-letter queue (`RoutingDeadLetterQueueUrl`), for `dlq`.
    #[arg(
        long,
        value_name = "URL",
        env = "SWITCHBOARD_ROUTING_DLQ_URL",
        requires = "table"
    )]
    pub routing_dlq_url: Option<String>,
}

/// Runs an async command body on a small runtime.
pub fn block_on<T>(f: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(f)
}

/// A deployment's admin API with `--api`, its table with `--table`; else the server of
/// the data directory, or its store file (created when `create`).
pub async fn connect(dir: &DataDir, create: bool) -> anyhow::Result<Admin> {
    if let Some(url) = &dir.api {
        return Admin::connect_api(url, dir.token.clone())
            .await
            .map_err(message);
    }
    if let Some(table) = &dir.table {
        let routing_queue = match (&dir.routing_queue_url, &dir.routing_dlq_url) {
            (Some(queue), Some(dlq)) => Some((queue.clone(), dlq.clone())),
            (None, None) => None,
            _ => anyhow::bail!("give both --routing-queue-url and --routing-dlq-url, or neither"),
        };
        return Ok(Admin::connect_aws(&AwsTarget {
            table: table.clone(),
            routing_queue,
        })
        .await);
    }
    Admin::connect(&dir.data_dir, create).await.map_err(message)
}

/// An admin error as a command-line error, with the document's issues listed.
pub fn message(e: AdminError) -> anyhow::Error {
    match e {
        AdminError::Invalid { message, issues } if !issues.is_empty() => {
            let lines: Vec<String> = issues
                .iter()
                .map(|i| format!("  {}: {}", i.path, i.message))
                .collect();
            anyhow::anyhow!("{message}\n{}", lines.join("\n"))
        }
        other => anyhow::Error::new(other),
    }
}

/// The window of received leads a listing or report covers.
#[derive(Args)]
pub struct WindowArgs {
    /// The window: leads received this long before now (`30m`, `24h`, `7d`; default 7d).
    #[arg(long, value_name = "DURATION", conflicts_with = "from")]
    since: Option<String>,
    /// The window's start (RFC 3339); with --to, a fixed window.
    #[arg(long, value_name = "INSTANT")]
    from: Option<String>,
    /// The window's end (RFC 3339, exclusive); default now.
    #[arg(long, value_name = "INSTANT")]
    to: Option<String>,
}

impl WindowArgs {
    /// `[from, to)`, resolved at the current time as the admin API resolves it.
    pub fn resolve(&self) -> anyhow::Result<(jiff::Timestamp, jiff::Timestamp)> {
        switchboard_admin::window(
            self.since.as_deref(),
            self.from.as_deref(),
            self.to.as_deref(),
            jiff::Timestamp::now(),
        )
        .map_err(message)
    }
}
