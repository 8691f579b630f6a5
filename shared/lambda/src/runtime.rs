//! The runtime loop: one call of the function's handler per invocation, with the
//! invocation's deadline on the monotonic clock.

use std::future::Future;
use std::pin::Pin;
use std::time::{Instant, SystemTime};

use lambda_runtime::{LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The runtime stopped: it could not reach the runtime API, or the API refused it.
#[derive(Debug, thiserror::Error)]
#[error("lambda runtime stopped: {0}")]
pub struct RuntimeError(#[source] lambda_runtime::Error);

/// One invocation's future, boxed: it erases the deeply nested future types of the SDK
/// calls inside, which otherwise exceed the compiler's query depth when laid out in the
/// runtime's future.
type Invocation<R> = Pin<Box<dyn Future<Output = Result<R, lambda_runtime::Error>> + Send>>;

/// Polls the runtime API for invocations until it fails, calling `handler` with each
/// payload and the invocation's deadline. An `Err` from `handler` fails the invocation
/// (Lambda retries or, for SQS, delivers the whole batch again).
pub async fn run<P, R, E, F, Fut>(handler: F) -> Result<(), RuntimeError>
where
    P: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
    F: Fn(P, Instant) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send + 'static,
{
    let service = service_fn(move |event: LambdaEvent<P>| -> Invocation<R> {
        let deadline = deadline_instant(event.context.deadline());
        let invocation = handler(event.payload, deadline);
        Box::pin(async move { invocation.await.map_err(lambda_runtime::Error::from) })
    });
    lambda_runtime::run(service).await.map_err(RuntimeError)
}

/// The invocation's deadline (wall clock, from the runtime API) on the monotonic clock.
/// A deadline already past is now.
pub fn deadline_instant(deadline: SystemTime) -> Instant {
    let left = deadline
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    Instant::now() + left
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn deadline_keeps_the_time_left() {
        let before = Instant::now();
        let at = deadline_instant(SystemTime::now() + Duration::from_secs(30));
        assert!(at >= before + Duration::from_secs(29));
        assert!(at <= Instant::now() + Duration::from_secs(30));
    }

    #[test]
    fn a_past_deadline_is_now() {
        let before = Instant::now();
        let at = deadline_instant(SystemTime::UNIX_EPOCH);
        assert!(at >= before && at <= Instant::now());
    }
}
