//! Running an SQS batch with partial batch failures.
//!
//! Each message is finished or reported on its own in `batchItemFailures`, so SQS deletes
//! the finished ones and delivers only the others again; after the queue's
//! `maxReceiveCount` receives it moves a message to its dead-letter queue. A poison message
//! (one no delivery can finish) is reported the same way, and logged as an error, so that
//! it reaches the dead-letter queue where an operator can read it, instead of being
//! dropped.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};

/// One message of a batch, handed to the per-message function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Absent or empty only in hand-made events; Lambda always sets it.
    pub id: Option<String>,
    pub body: String,
    /// 1 on the first delivery (0 when SQS did not say).
    pub receives: u32,
}

impl Message {
    /// The id for logs.
    pub fn log_id(&self) -> &str {
        self.id.as_deref().unwrap_or("<none>")
    }
}

/// Why a message did not finish.
pub trait MessageFailure: std::fmt::Display {
    /// True when no redelivery can finish it (a body that does not parse, a channel that
    /// refuses it as configured): logged as an error. Otherwise it is logged as a warning
    /// and left for redelivery.
    fn is_poison(&self) -> bool;
}

/// The invocation as a whole failed, so SQS delivers every message of the batch again.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BatchError {
    /// A failed message had no message id, so it cannot be reported on its own. Lambda's
    /// SQS integration always sets one; failing the batch is the only answer that cannot
    /// acknowledge an unfinished message.
    #[error("{0} failed message(s) without a message id")]
    Unidentified(usize),
}

/// Where a batch stops starting messages.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    /// The invocation's deadline; `None` runs every message.
    pub at: Option<Instant>,
    /// Time left before `at` under which a message is not started: at least the longest
    /// a message takes, so one that starts finishes before the function's timeout.
    pub margin: Duration,
}

impl Deadline {
    fn near(&self) -> bool {
        self.at.is_some_and(|d| Instant::now() + self.margin >= d)
    }
}

/// Runs `handle` on each message of `event`, one after another, and reports every message
/// that did not finish (failed, or not started because the deadline was near).
///
/// `handle` parses the body and calls the service; it logs what a finished message did.
/// Messages run in order, not at once: a batch's messages usually touch the same state
/// (one pool, one assignment), so running them together would mostly add conflicts;
/// parallelism comes from concurrent invocations.
pub async fn run_batch<F, Fut, T, E>(
    event: SqsEvent,
    deadline: Deadline,
    mut handle: F,
) -> Result<SqsBatchResponse, BatchError>
where
    F: FnMut(Message) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: MessageFailure,
{
    let mut response = SqsBatchResponse::default();
    let mut unidentified = 0;
    for record in event.records {
        let message = Message {
            id: record.message_id.filter(|id| !id.is_empty()),
            receives: record
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0),
            body: record.body.unwrap_or_default(),
        };
        let id = message.id.clone();
        let receives = message.receives;
        let log_id = id.as_deref().unwrap_or("<none>");
        if deadline.near() {
            tracing::warn!(
                message_id = log_id,
                receives,
                "not attempted: the invocation's deadline is near; reported as failed for redelivery"
            );
        } else {
            match handle(message).await {
                Ok(_) => continue,
                Err(e) if e.is_poison() => tracing::error!(
                    message_id = log_id,
                    receives,
                    error = %e,
                    "message cannot succeed; reported as failed, it moves to the dead-letter queue after maxReceiveCount receives"
                ),
                Err(e) => tracing::warn!(
                    message_id = log_id,
                    receives,
                    error = %e,
                    "message not finished; reported as failed for redelivery"
                ),
            }
        }
        match id {
            Some(id) => {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
            None => unidentified += 1,
        }
    }
    if unidentified > 0 {
        return Err(BatchError::Unidentified(unidentified));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::sqs::SqsMessage;
    use std::cell::RefCell;

    #[derive(Debug)]
    enum Fail {
        Poison,
        Retry,
    }

    impl std::fmt::Display for Fail {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{self:?}")
        }
    }

    impl MessageFailure for Fail {
        fn is_poison(&self) -> bool {
            matches!(self, Fail::Poison)
        }
    }

    fn record(id: Option<&str>, body: &str, receives: Option<&str>) -> SqsMessage {
        let mut m = SqsMessage::default();
        m.message_id = id.map(str::to_owned);
        m.body = Some(body.to_owned());
        if let Some(r) = receives {
            m.attributes
                .insert("ApproximateReceiveCount".into(), r.to_owned());
        }
        m
    }

    fn event(records: Vec<SqsMessage>) -> SqsEvent {
        let mut e = SqsEvent::default();
        e.records = records;
        e
    }

    const NO_DEADLINE: Deadline = Deadline {
        at: None,
        margin: Duration::ZERO,
    };

    /// "ok", "poison" and "retry" bodies finish, fail for good and fail for now.
    async fn by_body(m: Message) -> Result<(), Fail> {
        match m.body.as_str() {
            "ok" => Ok(()),
            "poison" => Err(Fail::Poison),
            _ => Err(Fail::Retry),
        }
    }

    fn failed(response: &SqsBatchResponse) -> Vec<&str> {
        response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect()
    }

    #[tokio::test]
    async fn reports_exactly_the_unfinished_messages_in_order() {
        let seen = RefCell::new(Vec::new());
        let response = run_batch(
            event(vec![
                record(Some("m1"), "ok", Some("1")),
                record(Some("m2"), "poison", Some("3")),
                record(Some("m3"), "retry", None),
                record(Some("m4"), "ok", Some("2")),
            ]),
            NO_DEADLINE,
            |m| {
                seen.borrow_mut().push((m.id.clone(), m.receives));
                by_body(m)
            },
        )
        .await
        .unwrap();
        assert_eq!(failed(&response), ["m2", "m3"]);
        assert_eq!(
            seen.into_inner(),
            [
                (Some("m1".to_owned()), 1),
                (Some("m2".to_owned()), 3),
                (Some("m3".to_owned()), 0),
                (Some("m4".to_owned()), 2),
            ]
        );
    }

    #[tokio::test]
    async fn a_failure_without_message_id_fails_the_batch() {
        let ok = run_batch(
            event(vec![record(None, "ok", None), record(Some(""), "ok", None)]),
            NO_DEADLINE,
            by_body,
        )
        .await;
        assert_eq!(ok.map(|r| r.batch_item_failures.len()), Ok(0));
        let err = run_batch(
            event(vec![
                record(Some("m1"), "retry", None),
                record(Some(""), "poison", None),
            ]),
            NO_DEADLINE,
            by_body,
        )
        .await;
        assert_eq!(err, Err(BatchError::Unidentified(1)));
    }

    #[tokio::test]
    async fn nothing_starts_near_the_deadline() {
        let started = RefCell::new(0);
        let near = Deadline {
            at: Some(Instant::now() + Duration::from_secs(1)),
            margin: Duration::from_secs(5),
        };
        let response = run_batch(
            event(vec![
                record(Some("m1"), "ok", None),
                record(Some("m2"), "ok", None),
            ]),
            near,
            |m| {
                *started.borrow_mut() += 1;
                by_body(m)
            },
        )
        .await
        .unwrap();
        assert_eq!(failed(&response), ["m1", "m2"]);
        assert_eq!(started.into_inner(), 0);

        let far = Deadline {
            at: Some(Instant::now() + Duration::from_secs(60)),
            margin: Duration::from_secs(5),
        };
        let response = run_batch(event(vec![record(Some("m1"), "ok", None)]), far, by_body)
            .await
            .unwrap();
        assert!(response.batch_item_failures.is_empty());
    }
}
