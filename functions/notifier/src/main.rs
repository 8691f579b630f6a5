//! The notifier Lambda function: logging, the SDK clients, the configuration and its
//! secrets once per process, then one handler call per SQS batch or scheduled account sync.

use std::sync::Arc;

use anyhow::Context as _;
use switchboard_notifier::aws::{AwsClients, aws_handler};
use switchboard_notifier::scheduled::Invocation;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    switchboard_lambda::init_tracing();
    let sdk = switchboard_lambda::sdk_config().context("loading the AWS configuration")?;
    let handler = aws_handler(AwsClients::new(&sdk), switchboard_lambda::env::var)
        .await
        .context("starting the notifier")?;
    let handler = Arc::new(handler);
    // One function, two invocations: the notify queue's batches and the daily account
    // sync's schedule.
    switchboard_lambda::run(move |payload: serde_json::Value, deadline| {
        let handler = handler.clone();
        async move {
            let invocation = Invocation::parse(payload)?;
            handler.invoke(invocation, Some(deadline)).await
        }
    })
    .await?;
    Ok(())
}
