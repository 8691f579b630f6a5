//! Rep actions in the local process: intake's action routes over the pipeline's router
//! and notify queue (the same store operations the Lambda runs on DynamoDB).
//!
//! Who may act: the server's admin token (`serve.json`) is an admin-scope key; rep keys,
//! admin keys and Slack member ids may also come from the environment (see
//! `docs/ACTIONS.md`). Action links are verified with the notifier's `action_links`
//! secret from `notify.yaml`, so links the local notifier sends work here; Slack members
//! map to reps through `notify.yaml`'s `reps.<rep>.slack_user`.

use std::sync::Arc;

use switchboard_intake::Secret;
use switchboard_intake::actions::config::{
    ActionsConfig, ActionsConfigError, SLACK_SIGNING_SECRET, SlackConfig,
};
use switchboard_intake::actions::{ActionsState, StoreDesk};

use super::notifier::LocalNotifier;
use super::pipeline::Pipeline;

/// The actions state of the local process.
pub fn state(
    pipeline: &Arc<Pipeline>,
    notifier: &LocalNotifier,
    admin_token: &str,
    slack_signing_secret: Option<&str>,
) -> Result<ActionsState, ActionsConfigError> {
    let mut config = ActionsConfig::from_lookup(|name| std::env::var(name).ok())?;
    config.admin_keys.push(Secret::new(admin_token));
    let setup = notifier.setup();
    if let Some(secret) = &setup.action_secret {
        config.link_secret = Some(Secret::new(String::from_utf8_lossy(secret).into_owned()));
    }
    let signing = slack_signing_secret
        .map(str::to_owned)
        .or_else(|| std::env::var(SLACK_SIGNING_SECRET).ok())
        .filter(|s| !s.trim().is_empty());
    if let Some(signing) = signing {
        let mut users = config.slack.take().map(|s| s.users).unwrap_or_default();
        for (rep, spec) in &setup.config.reps {
            if let Some(member) = spec.slack_user.as_deref().map(str::trim)
                && !member.is_empty()
            {
                users.insert(member.to_owned(), rep.clone());
            }
        }
        config.slack = Some(SlackConfig {
            signing_secret: Secret::new(signing),
            users,
        });
    }
    let desk = StoreDesk::new(pipeline.router.clone(), Arc::new(pipeline.notify.clone()));
    Ok(ActionsState::new(config, Arc::new(desk)))
}
