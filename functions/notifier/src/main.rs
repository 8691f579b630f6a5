//! The notifier Lambda function: logging, the SDK clients, the configuration and its
//! secrets once per process, then one handler call per SQS batch.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use anyhow::Context as _;
use lambda_runtime::{LambdaEvent, service_fn};
use switchboard_notifier::aws::{AwsClients, aws_handler};
use switchboard_notifier::{SqsBatchResponse, SqsEvent};
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
    // Region, credentials and AWS_ENDPOINT_URL come from the environment.
    let sdk = switchboard_store::aws::sdk_config().await;
    let handler = aws_handler(AwsClients::new(&sdk), |name| std::env::var(name).ok())
        .await
        .context("starting the notifier")?;
    let handler = Arc::new(handler);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let handler = handler.clone();
        // Boxed to erase the deeply nested future type of the SDK calls inside.
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
