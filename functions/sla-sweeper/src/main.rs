//! The SLA sweeper Lambda function: logging, configuration and SDK clients once per
//! process, then one sweep per scheduled invocation.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use anyhow::Context as _;
use jiff::Timestamp;
use lambda_runtime::{LambdaEvent, service_fn};
use switchboard_sla_sweeper::aws::aws_handler;
use switchboard_sla_sweeper::{Config, ScheduleEvent};
use switchboard_store::sweeper::SweepReport;
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
    let config = Config::from_env().context("loading the sweeper configuration")?;
    // Region, credentials and AWS_ENDPOINT_URL come from the environment.
    let sdk = switchboard_store::aws::sdk_config().await;
    let handler = Arc::new(aws_handler(&sdk, &config));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ScheduleEvent>| {
        let handler = handler.clone();
        // Boxed to erase the deeply nested future type of the SDK calls inside.
        let invocation: Invocation = Box::pin(async move {
            handler
                .handle(&event.payload, Timestamp::now())
                .await
                .map_err(lambda_runtime::Error::from)
        });
        invocation
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
    .context("lambda runtime stopped")
}

type Invocation = Pin<Box<dyn Future<Output = Result<SweepReport, lambda_runtime::Error>> + Send>>;
