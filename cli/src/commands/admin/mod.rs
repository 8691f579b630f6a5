//! Shared plumbing of the commands that work on a data directory: the `--data-dir`
//! argument, the async runtime, and turning admin errors into messages.

use std::future::Future;
use std::path::PathBuf;

use clap::Args;
use switchboard_cli::admin::{Admin, AdminError};

/// Where the data lives.
#[derive(Args, Debug, Clone)]
pub struct DataDir {
    /// Data directory, as given to `switchboard serve`. While a server runs on it, the
    /// command goes through that server (found via DIR/serve.json); otherwise it opens the
    /// store file itself.
    #[arg(long, value_name = "DIR", default_value = ".data")]
    pub data_dir: PathBuf,
}

/// Runs an async command body on a small runtime.
pub fn block_on<T>(f: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(f)
}

/// The server of the data directory, or its store file (created when `create`).
pub async fn connect(dir: &DataDir, create: bool) -> anyhow::Result<Admin> {
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
