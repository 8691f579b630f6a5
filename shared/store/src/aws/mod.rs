//! AWS adapters: DynamoDB for the store ports, SQS for the work queue, EventBridge for
//! events. The SDK is built without default features and given one rustls (ring) HTTP
//! client explicitly, which keeps a second TLS stack and a C crypto build out of the binary.

mod calls;
pub mod dynamo;
mod eventbridge;
mod sqs;
pub mod write_units;

pub use calls::CallCounter;
pub use dynamo::{Backfilled, DynamoStore};
pub use eventbridge::EventBridgePublisher;
pub use sqs::{SqsOutbox, SqsQueue};
pub use write_units::WriteUnits;

use aws_smithy_http_client::tls;

/// The SDK configuration through `aws-config`'s loader: region and credentials from the
/// environment, profiles, SSO or instance metadata, and `AWS_ENDPOINT_URL` for a local
/// emulator, with the rustls HTTP client. For tools and tests on a developer's machine;
/// the Lambda functions build theirs from the variables Lambda sets
/// (`switchboard_lambda::sdk_config`), without the loader's credential chain.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(https_client())
        .load()
        .await
}

/// The HTTPS client every SDK client uses: rustls with ring, so no second TLS stack and no
/// C crypto build.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

pub use crate::error::describe;
