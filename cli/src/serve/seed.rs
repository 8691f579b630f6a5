//! First start: the demo policy, demo accounts and a demo intake configuration, so a fresh
//! `switchboard serve` routes leads without any setup.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use switchboard_intake::{GenericAuth, IntakeConfig, ProviderKind};
use switchboard_store::PolicyStore;
use switchboard_store::embedded::EmbeddedStore;

use super::files::{random_token, write_private};
use crate::admin::{AdminError, ops};
use crate::demo::demo_accounts;

/// The demo policy, as shipped in `cli/demo/policy.yaml`.
pub const DEMO_POLICY: &str = include_str!("../../demo/policy.yaml");
/// How many demo accounts a fresh store gets (the first of `switchboard demo accounts`).
pub const DEMO_ACCOUNTS: usize = 50;
/// The demo intake configuration's file in the data directory.
pub const INTAKE_FILE: &str = "intake.yaml";

/// What the first start loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    pub policy_version: u64,
    pub accounts: usize,
}

/// Loads the demo policy as version 1 and the demo accounts into a store that has never
/// had a policy; does nothing to any other store.
pub async fn seed_store(
    store: &EmbeddedStore,
    now: Timestamp,
) -> Result<Option<Seeded>, AdminError> {
    if !store.history().await?.is_empty() {
        return Ok(None);
    }
    let applied = ops::apply_policy(
        store,
        DEMO_POLICY,
        Some("demo policy, loaded on first start"),
        now,
    )
    .await?;
    let imported = ops::import_accounts(store, &demo_accounts(DEMO_ACCOUNTS)).await?;
    Ok(Some(Seeded {
        policy_version: applied.version,
        accounts: imported.accounts,
    }))
}

/// The intake configuration and where it came from.
pub struct IntakeSetup {
    pub config: IntakeConfig,
    pub file: PathBuf,
    /// True when the file is the generated demo configuration (its keys may be printed).
    pub demo: bool,
    /// True when this start created it.
    pub created: bool,
}

/// Keys of the demo configuration, for the start-up banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoKeys {
    pub api_source: String,
    pub api_key: String,
    pub read_key: Option<String>,
    pub form_source: Option<String>,
    pub form_token: Option<String>,
}

/// Loads `--intake-config FILE`, or the data directory's demo configuration (created with
/// fresh random keys when missing).
pub fn intake_config(data_dir: &Path, explicit: Option<&Path>) -> anyhow::Result<IntakeSetup> {
    use anyhow::Context;
    let (file, demo, created) = match explicit {
        Some(path) => (path.to_owned(), false, false),
        None => {
            let path = data_dir.join(INTAKE_FILE);
            let created = !path.exists();
            if created {
                write_private(&path, demo_intake_yaml()?.as_bytes())
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            (path, true, created)
        }
    };
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let config = IntakeConfig::from_yaml_str(&text)
        .with_context(|| format!("loading the intake configuration {}", file.display()))?;
    Ok(IntakeSetup {
        config,
        file,
        demo,
        created,
    })
}

fn demo_intake_yaml() -> std::io::Result<String> {
    let api_key = random_token("sk_local_")?;
    let read_key = random_token("rk_local_")?;
    let form_token = random_token("ft_local_")?;
    Ok(format!(
        "# Intake sources of this local Switchboard, created on its first start.\n\
         # Reference: docs/PROVIDERS.md. Edit freely; restart to apply.\n\
         read_keys: [{read_key}]\n\
         sources:\n\
         \x20 # POST /v1/leads with `Authorization: Bearer <secret>`.\n\
         \x20 - {{ id: api, kind: generic, secret: {api_key} }}\n\
         \x20 # A plain HTML form: <form method=post action=\".../v1/hooks/website/<secret>\">\n\
         \x20 # The browser goes on to the assigned rep's booking page (the policy's\n\
         \x20 # `booking`), or to the thank-you page when there is none within 1.5 s.\n\
         \x20 - id: website\n\
         \x20   kind: html_form\n\
         \x20   secret: {form_token}\n\
         \x20   thank_you_url: https://example.com/thanks\n\
         \x20   booking: {{ wait: 1500ms }}\n"
    ))
}

/// The keys to show in the banner: the first generic API-key source, the first read key
/// and the first HTML form source.
pub fn demo_keys(config: &IntakeConfig) -> Option<DemoKeys> {
    let text = |s: &switchboard_intake::Secret| String::from_utf8_lossy(s.expose()).into_owned();
    let api = config
        .sources
        .iter()
        .find(|s| s.kind == ProviderKind::Generic && s.auth == GenericAuth::ApiKey)?;
    let form = config
        .sources
        .iter()
        .find(|s| s.kind == ProviderKind::HtmlForm);
    Some(DemoKeys {
        api_source: api.id.clone(),
        api_key: text(&api.secret),
        read_key: config.read_keys.first().map(text),
        form_source: form.map(|f| f.id.clone()),
        form_token: form.map(|f| text(&f.secret)),
    })
}
