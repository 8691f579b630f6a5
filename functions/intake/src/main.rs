//! The intake Lambda function: logging, configuration from the environment, SDK clients
//! built once, then the shared router served by `lambda_http` (API Gateway HTTP API and
//! function URLs). Leads are stored in DynamoDB and handed to the routing queue on SQS.
//! The admin API (`/v1/admin/...`) is served here too, over the same table, and the admin
//! console (`/console`), the page that calls it.

use anyhow::Context as _;
use switchboard_http::secrets::Resolver;
use switchboard_intake::actions::aws::{aws_actions, aws_desk};
use switchboard_intake::admin::{JwtRoles, aws_admin};
use switchboard_intake::aws::{AwsSettings, aws_bookings, aws_state};
use switchboard_intake::import::ImportIntake;
use switchboard_intake::{IntakeConfig, lambda_app, normalize};
use switchboard_lambda::secrets::AwsSecrets;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    switchboard_lambda::init_tracing();
    let settings = AwsSettings::from_env().context("loading the intake's AWS settings")?;
    let sdk = switchboard_lambda::sdk_config().context("loading the AWS configuration")?;
    // The touch webhooks' `ssm:` and `secretsmanager:` secrets are read here, once.
    let mut secrets = Resolver::new(AwsSecrets::from_config(&sdk));
    let config = IntakeConfig::from_env_resolving(&mut secrets)
        .await
        .context("loading the intake configuration")?;
    // Built during initialization, not on the first request: init time is not billed
    // against the first lead's latency budget.
    normalize::country::warm_up();
    normalize::phone::warm_up();
    let mut state = aws_state(config, &sdk, &settings);
    // Rep actions and Slack interactivity, when any of their credentials is configured.
    if let Some(actions) = aws_actions(&sdk, &settings.table, switchboard_lambda::env::var)
        .context("configuring rep actions")?
    {
        state = state.with_actions(actions);
    }
    // The CRM touch webhooks, when the intake configuration has any.
    if !state.config.touches.is_empty() {
        let desk = aws_desk(&sdk, &settings.table, switchboard_lambda::env::var)
            .context("configuring the CRM touch webhooks")?;
        state = state.with_touches(std::sync::Arc::new(desk));
    }
    // Sources answering with the assigned rep's booking link read routing's answer.
    if state.config.sources.iter().any(|s| s.booking.is_some()) {
        state = state.with_bookings(aws_bookings(&sdk, &settings));
    }
    let admin = aws_admin(
        &sdk,
        &settings,
        // The admin API's lead import goes through this intake, its sources and queue.
        ImportIntake::from_state(&state),
        JwtRoles::from_lookup(switchboard_lambda::env::var),
    );
    // The console's user pool sign-in, when the template configured one.
    let sign_in = switchboard_intake::console::sign_in_from_lookup(switchboard_lambda::env::var)
        .context("configuring the console's sign-in")?;
    lambda_http::run(lambda_app(state, admin, sign_in))
        .await
        .map_err(|e| anyhow::anyhow!(e))
        .context("lambda runtime stopped")
}
