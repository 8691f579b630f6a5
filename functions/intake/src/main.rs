//! The intake Lambda function: logging, configuration from the environment, then the
//! shared router served by `lambda_http` (API Gateway HTTP API and function URLs).
//!
//! Storage and the routing hand-off are in memory until the DynamoDB and SQS
//! implementations of `LeadStore` and `Enqueue` are wired in here.

use anyhow::Context as _;
use switchboard_intake::{IntakeConfig, IntakeState, router};
use tracing_subscriber::EnvFilter;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .without_time() // CloudWatch stamps each line.
        .with_ansi(false)
        .init();
    let config = IntakeConfig::from_env().context("loading the intake configuration")?;
    tracing::warn!(
        "lead store and routing queue are in memory; leads do not outlive this instance"
    );
    let app = router(IntakeState::in_memory(config));
    lambda_http::run(app)
        .await
        .map_err(|e| anyhow::anyhow!(e))
        .context("lambda runtime stopped")
}
