//! The router Lambda function: logging, configuration and SDK clients once per process,
//! then one handler call per SQS batch.

use std::sync::Arc;

use anyhow::Context as _;
use switchboard_router::Config;
use switchboard_router::aws::{AwsClients, aws_handler, enrichment};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    switchboard_lambda::init_tracing();
    let config = Config::from_env().context("loading the router configuration")?;
    let sdk = switchboard_lambda::sdk_config().context("loading the AWS configuration")?;
    // One handler for the life of the process: its compiled-policy cache and the clients'
    // connection pools outlive each invocation.
    let clients = AwsClients::new(&sdk);
    let enrichment = enrichment(clients.dynamodb.clone(), &config, &sdk)
        .context("building the enrichment client")?;
    let handler = Arc::new(aws_handler(clients, &config).with_enrichment(enrichment));
    switchboard_lambda::run(move |batch, deadline| {
        let handler = handler.clone();
        async move { handler.handle(batch, Some(deadline)).await }
    })
    .await?;
    Ok(())
}
