//! `switchboard backfill --table NAME`: gives the leads a deployment stored before the lead
//! listings existed their index keys, so the admin API's lists, the triage queue and the
//! health report see them. Safe to run again: it writes only what is missing.

use std::process::ExitCode;

use clap::Args;
use switchboard_store::aws::{DynamoStore, sdk_config};

use crate::commands::admin::block_on;

#[derive(Args)]
pub struct BackfillArgs {
    /// The deployment's DynamoDB table (the stack's `TableName` output), with the
    /// credentials and region of the environment.
    #[arg(long, value_name = "NAME", env = "SWITCHBOARD_TABLE")]
    table: String,
}

pub fn run(args: BackfillArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let sdk = sdk_config().await;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &args.table);
        let done = store.backfill_lead_indexes().await?;
        println!(
            "{} lead items read: {} given their received-time keys, {} parked ones their triage keys",
            done.leads, done.received, done.parked
        );
        Ok(ExitCode::SUCCESS)
    })
}
