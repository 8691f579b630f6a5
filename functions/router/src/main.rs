//! The router Lambda function: logging, configuration and SDK clients once per process,
//! then one handler call per SQS batch.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use anyhow::Context as _;
use lambda_runtime::{LambdaEvent, service_fn};
use switchboard_router::aws::{AwsClients, aws_handler};
use switchboard_router::{Config, SqsBatchResponse, SqsEvent};
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
    let config = Config::from_env().context("loading the router configuration")?;
    // Region, credentials and AWS_ENDPOINT_URL come from the environment.
    let sdk = switchboard_store::aws::sdk_config().await;
    // One handler for the life of the process: its compiled-policy cache and the clients'
    // connection pools outlive each invocation.
    let handler = Arc::new(aws_handler(AwsClients::new(&sdk), &config));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let handler = handler.clone();
        // Boxed to erase the deeply nested future type of the SDK calls inside, which
        // otherwise exceeds the compiler's query depth when laid out in `main`.
        let invocation: Invocation = Box::pin(async move {
            let deadline = deadline_instant(event.context.deadline());
            handler
                .handle(event.payload, Some(deadline))
                .await
                .map_err(lambda_runtime::Error::from)
        });
        invocation
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
    .context("lambda runtime stopped")
}

type Invocation =
    Pin<Box<dyn Future<Output = Result<SqsBatchResponse, lambda_runtime::Error>> + Send>>;

/// The invocation's deadline on the monotonic clock.
fn deadline_instant(deadline: SystemTime) -> Instant {
    let left = deadline
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    Instant::now() + left
}
