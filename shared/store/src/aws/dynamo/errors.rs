//! Mapping SDK errors to [`StoreError`]: failed conditions become `Conflict`.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::CancellationReason;

use crate::aws::describe;
use crate::error::StoreError;

/// Any SDK failure as a backend error naming the operation.
pub fn backend<E, R>(op: &str, e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let message = format!("DynamoDB {op}: {}", describe(&e));
    StoreError::backend_from(message, e)
}

/// Whether a single-item write (`PutItem`, `UpdateItem`, `DeleteItem`) was refused because its
/// condition did not hold: the one service error every conditional write tells apart.
pub fn write_condition_failed<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.as_service_error().and_then(ProvideErrorMetadata::code)
        == Some("ConditionalCheckFailedException")
}

/// A building error of a request (a bug in this adapter).
pub fn build(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Invalid(format!("DynamoDB request: {e}"))
}

/// How a `TransactWriteItems` call failed.
pub enum TransactFailure {
    /// Cancelled because conditions failed or another transaction touched an item. The
    /// reasons are per item, in request order (`None` for an item that was fine).
    Cancelled(Vec<Option<String>>),
    Other(StoreError),
}

impl TransactFailure {
    /// `Conflict` for a cancellation, the error otherwise.
    pub fn into_error(self, what: &str) -> StoreError {
        match self {
            TransactFailure::Cancelled(reasons) => StoreError::Conflict(format!(
                "{what}: transaction cancelled ({})",
                reasons
                    .iter()
                    .map(|r| r.as_deref().unwrap_or("None"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            TransactFailure::Other(e) => e,
        }
    }
}

pub fn transact<R>(e: SdkError<TransactWriteItemsError, R>) -> TransactFailure
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let SdkError::ServiceError(se) = &e
        && let TransactWriteItemsError::TransactionCanceledException(tc) = se.err()
    {
        let reasons: Vec<Option<String>> = tc
            .cancellation_reasons()
            .iter()
            .map(|r: &CancellationReason| r.code().filter(|c| *c != "None").map(str::to_owned))
            .collect();
        // Only failed conditions and write conflicts are a matter of retrying with fresh
        // state; anything else (validation, throttling, capacity) is a backend failure.
        let retryable = reasons.iter().all(|r| {
            matches!(
                r.as_deref(),
                None | Some("ConditionalCheckFailed") | Some("TransactionConflict")
            )
        });
        if retryable {
            return TransactFailure::Cancelled(reasons);
        }
    }
    TransactFailure::Other(backend("TransactWriteItems", e))
}

/// True when the reason at `index` is a failed condition.
pub fn condition_failed(reasons: &[Option<String>], index: usize) -> bool {
    reasons.get(index).and_then(|r| r.as_deref()) == Some("ConditionalCheckFailed")
}
