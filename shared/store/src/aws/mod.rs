//! AWS adapters: DynamoDB for the store ports, SQS for the work queue, EventBridge for
//! events. The SDK is built without default features and given one rustls (ring) HTTP
//! client explicitly, which keeps a second TLS stack and a C crypto build out of the binary.

mod calls;
pub mod dynamo;
mod eventbridge;
mod sqs;

pub use calls::CallCounter;
pub use dynamo::DynamoStore;
pub use eventbridge::EventBridgePublisher;
pub use sqs::{SqsOutbox, SqsQueue};

use aws_smithy_http_client::tls;

/// The SDK configuration from the environment (region, credentials, and
/// `AWS_ENDPOINT_URL` for a local emulator), with the rustls HTTP client.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .load()
        .await
}

/// Formats an SDK error with its whole cause chain (the SDK's `Display` shows only the top).
pub(crate) fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
