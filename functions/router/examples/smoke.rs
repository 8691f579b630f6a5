//! The AWS side of `infra/smoke-lambdas.sh`: sets up the resources the deployed functions
//! expect, hands the routing queue's message to the router as Lambda would, and reads the
//! outcome back, all at `AWS_ENDPOINT_URL` (moto, started by `infra/with-moto.sh`).
//!
//!   smoke setup POLICY.yaml      create the table (the store's definition, which the
//!                                template checks compare template.yaml with), the routing
//!                                and notify queues with their dead-letter queues, the bus;
//!                                store and activate the policy; print the functions'
//!                                environment as KEY=VALUE lines
//!   smoke sqs-event QUEUE_URL    receive one message and print the SQS event the event
//!                                source mapping would invoke the router with
//!   smoke assignment LEAD_ID     print the lead's assignment as JSON (exit 1 without one)
//!
//! The table name, queue URLs and bus come from the environment printed by `setup`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use aws_sdk_sqs::types::QueueAttributeName;
use jiff::Timestamp;
use switchboard_routing::PolicyDocument;
use switchboard_store::aws::{DynamoStore, dynamo, sdk_config};
use switchboard_store::{PolicyStore, RoutingState};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sdk = sdk_config().await;
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["setup", policy] => setup(&sdk, policy).await,
        ["sqs-event", queue_url] => sqs_event(&sdk, queue_url).await,
        ["assignment", lead_id] => assignment(&sdk, lead_id).await,
        _ => bail!("usage: smoke setup POLICY.yaml | sqs-event QUEUE_URL | assignment LEAD_ID"),
    }
}

/// A suffix no earlier run against the same emulator used.
fn suffix() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        Timestamp::now().as_millisecond()
    )
}

async fn setup(sdk: &aws_config::SdkConfig, policy: &str) -> anyhow::Result<ExitCode> {
    let suffix = suffix();
    let table = format!("switchboard-smoke-{suffix}");
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    dynamo::create_table(&dynamodb, &table)
        .await
        .context("creating the table")?;

    let sqs = aws_sdk_sqs::Client::new(sdk);
    // As in template.yaml: each queue redrives to its dead-letter queue.
    let mut urls = Vec::new();
    for (name, max_receives) in [("routing", 10), ("notify", 5)] {
        let dlq_url = create_queue(&sqs, &format!("{name}-dlq-{suffix}"), None).await?;
        let dlq_arn = queue_arn(&sqs, &dlq_url).await?;
        let redrive =
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"{max_receives}"}}"#);
        let url = create_queue(&sqs, &format!("{name}-{suffix}"), Some(redrive)).await?;
        urls.push((url, dlq_url));
    }

    let bus = format!("switchboard-smoke-{suffix}");
    aws_sdk_eventbridge::Client::new(sdk)
        .create_event_bus()
        .name(&bus)
        .send()
        .await
        .context("creating the event bus")?;

    let text = std::fs::read_to_string(policy).with_context(|| format!("reading {policy}"))?;
    let document = PolicyDocument::from_yaml(&text).context("parsing the policy")?;
    let store = DynamoStore::new(dynamodb, &table);
    let now = Timestamp::now();
    let stored = store
        .put_version(&document, Some("smoke test"), now)
        .await
        .context("storing the policy")?;
    store
        .set_active(stored.version, None, now)
        .await
        .context("activating the policy")?;

    println!("SWITCHBOARD_TABLE={table}");
    println!("SWITCHBOARD_EVENT_BUS={bus}");
    println!("SWITCHBOARD_ROUTING_QUEUE_URL={}", urls[0].0);
    println!("SWITCHBOARD_ROUTING_DLQ_URL={}", urls[0].1);
    println!("SWITCHBOARD_NOTIFY_QUEUE_URL={}", urls[1].0);
    Ok(ExitCode::SUCCESS)
}

async fn create_queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    redrive: Option<String>,
) -> anyhow::Result<String> {
    let mut request = sqs.create_queue().queue_name(name);
    if let Some(redrive) = redrive {
        request = request.attributes(QueueAttributeName::RedrivePolicy, redrive);
    }
    request
        .send()
        .await
        .with_context(|| format!("creating queue {name}"))?
        .queue_url
        .context("CreateQueue returned no URL")
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> anyhow::Result<String> {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .context("reading the queue ARN")?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .context("GetQueueAttributes returned no ARN")
}

/// One message, as the event source mapping hands it to the function: the SQS event's
/// record fields (camelCase, attributes as strings).
async fn sqs_event(sdk: &aws_config::SdkConfig, queue_url: &str) -> anyhow::Result<ExitCode> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let arn = queue_arn(&sqs, queue_url).await?;
    let received = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(1)
        .wait_time_seconds(5)
        .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
        // Long enough for the router's invocation; the smoke test never returns it.
        .visibility_timeout(i32::try_from(Duration::from_secs(180).as_secs())?)
        .send()
        .await
        .context("receiving from the routing queue")?;
    let Some(message) = received.messages.unwrap_or_default().into_iter().next() else {
        eprintln!("smoke: no message on {queue_url}");
        return Ok(ExitCode::FAILURE);
    };
    let attributes: serde_json::Map<String, serde_json::Value> = message
        .attributes
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.as_str().to_owned(), serde_json::Value::String(v)))
        .collect();
    let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
    let event = serde_json::json!({
        "Records": [{
            "messageId": message.message_id,
            "receiptHandle": message.receipt_handle,
            "body": message.body,
            "attributes": attributes,
            "messageAttributes": {},
            "md5OfBody": message.md5_of_body,
            "eventSource": "aws:sqs",
            "eventSourceARN": arn,
            "awsRegion": region,
        }]
    });
    println!("{event}");
    Ok(ExitCode::SUCCESS)
}

async fn assignment(sdk: &aws_config::SdkConfig, lead_id: &str) -> anyhow::Result<ExitCode> {
    let table = std::env::var("SWITCHBOARD_TABLE").context("SWITCHBOARD_TABLE is not set")?;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), table);
    match store
        .assignment(lead_id)
        .await
        .context("reading the assignment")?
    {
        Some(a) => {
            println!("{}", serde_json::to_string(&a)?);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("smoke: lead {lead_id} has no assignment");
            Ok(ExitCode::FAILURE)
        }
    }
}
