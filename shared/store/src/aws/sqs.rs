//! [`WorkQueue`] on SQS: a standard queue whose redrive policy moves a message to its
//! dead-letter queue after `max_receives` receives.
//!
//! SQS counts visibility in whole seconds; durations are rounded up.

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};

use crate::aws::describe;
use crate::error::{StoreError, StoreResult};
use crate::ports::queue::{DeadLetter, Received, WorkQueue};

/// The longest long poll SQS allows.
const MAX_WAIT: Duration = Duration::from_secs(20);

fn backend<E, R>(op: &str, e: aws_sdk_sqs::error::SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    StoreError::backend_from(format!("SQS {op}: {}", describe(&e)), e)
}

fn whole_seconds(d: Duration) -> i32 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    i32::try_from(secs).unwrap_or(i32::MAX)
}

#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: Client,
    queue_url: String,
    dead_letter_url: String,
}

impl SqsQueue {
    pub fn new(
        client: Client,
        queue_url: impl Into<String>,
        dead_letter_url: impl Into<String>,
    ) -> Self {
        SqsQueue {
            client,
            queue_url: queue_url.into(),
            dead_letter_url: dead_letter_url.into(),
        }
    }

    /// Creates `name` and `name-dlq` with the redrive policy (used by tests; the
    /// deployment template declares the same pair).
    pub async fn create(client: Client, name: &str, max_receives: u32) -> StoreResult<SqsQueue> {
        let dlq = client
            .create_queue()
            .queue_name(format!("{name}-dlq"))
            .send()
            .await
            .map_err(|e| backend("CreateQueue", e))?;
        let dlq_url = dlq
            .queue_url
            .ok_or_else(|| StoreError::backend("CreateQueue returned no URL"))?;
        let attrs = client
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| backend("GetQueueAttributes", e))?;
        let dlq_arn = attrs
            .attributes
            .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
            .ok_or_else(|| StoreError::backend("dead-letter queue has no ARN"))?;
        let policy = serde_json::json!({
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": max_receives,
        });
        let queue = client
            .create_queue()
            .queue_name(name)
            .attributes(QueueAttributeName::RedrivePolicy, policy.to_string())
            .send()
            .await
            .map_err(|e| backend("CreateQueue", e))?;
        let url = queue
            .queue_url
            .ok_or_else(|| StoreError::backend("CreateQueue returned no URL"))?;
        Ok(SqsQueue::new(client, url, dlq_url))
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    async fn receive_from(
        &self,
        url: &str,
        max: usize,
        visibility: Duration,
        wait: Duration,
    ) -> StoreResult<Vec<aws_sdk_sqs::types::Message>> {
        let out = self
            .client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .visibility_timeout(whole_seconds(visibility))
            .wait_time_seconds(whole_seconds(wait.min(MAX_WAIT)))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| backend("ReceiveMessage", e))?;
        Ok(out.messages.unwrap_or_default())
    }
}

impl WorkQueue for SqsQueue {
    async fn send(&self, body: &str) -> StoreResult<String> {
        let out = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| backend("SendMessage", e))?;
        out.message_id
            .ok_or_else(|| StoreError::backend("SendMessage returned no id"))
    }

    async fn receive(
        &self,
        max: usize,
        visibility: Duration,
        wait: Duration,
    ) -> StoreResult<Vec<Received>> {
        self.receive_from(&self.queue_url, max, visibility, wait)
            .await?
            .into_iter()
            .map(|m| {
                let receive_count = m
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                Ok(Received {
                    id: m.message_id.unwrap_or_default(),
                    receipt: m
                        .receipt_handle
                        .ok_or_else(|| StoreError::backend("message without receipt handle"))?,
                    body: m.body.unwrap_or_default(),
                    receive_count,
                })
            })
            .collect()
    }

    async fn delete(&self, receipt: &str) -> StoreResult<()> {
        self.client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(|e| backend("DeleteMessage", e))?;
        Ok(())
    }

    async fn change_visibility(&self, receipt: &str, visibility: Duration) -> StoreResult<()> {
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .visibility_timeout(whole_seconds(visibility))
            .send()
            .await
            .map_err(|e| backend("ChangeMessageVisibility", e))?;
        Ok(())
    }

    async fn dead_letters(&self, max: usize) -> StoreResult<Vec<DeadLetter>> {
        // SQS cannot list without receiving: receive with a zero visibility timeout so the
        // messages stay available, until a round brings nothing new.
        let mut seen = Vec::new();
        for _ in 0..(max / 10 + 3) {
            let batch = self
                .receive_from(&self.dead_letter_url, 10, Duration::ZERO, Duration::ZERO)
                .await?;
            let before = seen.len();
            for m in batch {
                let id = m.message_id.unwrap_or_default();
                if seen.len() < max && !seen.iter().any(|d: &DeadLetter| d.id == id) {
                    seen.push(DeadLetter {
                        id,
                        body: m.body.unwrap_or_default(),
                    });
                }
            }
            if seen.len() == before || seen.len() >= max {
                break;
            }
        }
        Ok(seen)
    }

    async fn redrive(&self, max: usize) -> StoreResult<usize> {
        // Move by hand (receive, send, delete): it works on every SQS implementation and
        // gives each message a fresh receive count.
        let mut moved = 0;
        while moved < max {
            let batch = self
                .receive_from(
                    &self.dead_letter_url,
                    (max - moved).min(10),
                    Duration::from_secs(30),
                    Duration::ZERO,
                )
                .await?;
            if batch.is_empty() {
                break;
            }
            for m in batch {
                self.send(m.body.as_deref().unwrap_or_default()).await?;
                if let Some(receipt) = m.receipt_handle {
                    self.client
                        .delete_message()
                        .queue_url(&self.dead_letter_url)
                        .receipt_handle(receipt)
                        .send()
                        .await
                        .map_err(|e| backend("DeleteMessage", e))?;
                }
                moved += 1;
            }
        }
        Ok(moved)
    }
}

/// A queue this process only sends to (one `SendMessage` each): the routing queue of the
/// sweep's re-drive, the notify queue of rep actions and the sweep.
#[derive(Debug, Clone)]
pub struct SqsOutbox {
    client: Client,
    queue_url: String,
}

impl SqsOutbox {
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        SqsOutbox {
            client,
            queue_url: queue_url.into(),
        }
    }
}

impl crate::ports::queue::Outbox for SqsOutbox {
    async fn send(&self, body: &str) -> StoreResult<()> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| backend("SendMessage", e))
    }
}
