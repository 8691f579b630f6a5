//! The intake Lambda function: logging, configuration from the environment, SDK clients
//! built once, then the shared router served by `lambda_http` (API Gateway HTTP API and
//! function URLs). Leads are stored in DynamoDB and handed to the routing queue on SQS.

use anyhow::Context as _;
use switchboard_intake::actions::aws::aws_actions;
use switchboard_intake::aws::{AwsSettings, aws_state};
use switchboard_intake::{IntakeConfig, normalize, router};
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
    let settings = AwsSettings::from_env().context("loading the intake's AWS settings")?;
    // Region, credentials and AWS_ENDPOINT_URL come from the environment.
    let sdk = switchboard_store::aws::sdk_config().await;
    // Built during initialization, not on the first request: init time is not billed
    // against the first lead's latency budget.
    normalize::country::warm_up();
    normalize::phone::warm_up();
    let mut state = aws_state(config, &sdk, &settings);
    // Rep actions and Slack interactivity, when any of their credentials is configured.
    if let Some(actions) = aws_actions(&sdk, &settings.table, |name| std::env::var(name).ok())
        .context("configuring rep actions")?
    {
        state = state.with_actions(actions);
    }
    let app = router(state);
    lambda_http::run(app)
        .await
        .map_err(|e| anyhow::anyhow!(e))
        .context("lambda runtime stopped")
}
