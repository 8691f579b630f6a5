//! The notifier Lambda function: logging, the SDK clients, the configuration and its
//! secrets once per process, then one handler call per SQS batch.

use std::sync::Arc;

use anyhow::Context as _;
use switchboard_notifier::aws::{AwsClients, aws_handler};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    switchboard_lambda::init_tracing();
    let sdk = switchboard_lambda::sdk_config().context("loading the AWS configuration")?;
    let handler = aws_handler(AwsClients::new(&sdk), switchboard_lambda::env::var)
        .await
        .context("starting the notifier")?;
    let handler = Arc::new(handler);
    switchboard_lambda::run(move |batch, deadline| {
        let handler = handler.clone();
        async move { handler.handle(batch, Some(deadline)).await }
    })
    .await?;
    Ok(())
}
