//! The SLA sweeper Lambda function: logging, configuration and SDK clients once per
//! process, then one sweep per scheduled invocation.

use std::sync::Arc;

use anyhow::Context as _;
use jiff::Timestamp;
use switchboard_sla_sweeper::aws::aws_handler;
use switchboard_sla_sweeper::{Config, ScheduleEvent};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    switchboard_lambda::init_tracing();
    let config = Config::from_env().context("loading the sweeper configuration")?;
    let sdk = switchboard_lambda::sdk_config().context("loading the AWS configuration")?;
    let handler = Arc::new(aws_handler(&sdk, &config));
    switchboard_lambda::run(move |event: ScheduleEvent, _deadline| {
        let handler = handler.clone();
        async move { handler.invoke(&event, Timestamp::now()).await }
    })
    .await?;
    Ok(())
}
