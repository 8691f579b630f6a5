//! The function's configuration, from its environment.

use switchboard_lambda::Vars;
use switchboard_store::sweeper::SweepConfig;

pub const TABLE: &str = "SWITCHBOARD_TABLE";
pub const EVENT_BUS: &str = "SWITCHBOARD_EVENT_BUS";
pub const ROUTING_QUEUE_URL: &str = "SWITCHBOARD_ROUTING_QUEUE_URL";
pub const NOTIFY_QUEUE_URL: &str = "SWITCHBOARD_NOTIFY_QUEUE_URL";
/// Optional: how far back due deadlines are read (default 15m).
pub const LOOKBACK: &str = "SWITCHBOARD_SWEEP_LOOKBACK";
/// Optional: how old a lead awaiting routing must be to be re-driven (default 2m).
pub const REDRIVE_AFTER: &str = "SWITCHBOARD_REDRIVE_AFTER";

#[derive(Debug, Clone)]
pub struct Config {
    pub table: String,
    pub event_bus: String,
    pub routing_queue_url: String,
    pub notify_queue_url: String,
    pub sweep: SweepConfig,
}

/// A setting is missing or not valid.
pub use switchboard_lambda::EnvError as ConfigError;

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(switchboard_lambda::env::var)
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let vars = Vars::new(lookup);
        let defaults = SweepConfig::default();
        Ok(Config {
            table: vars.required(TABLE)?,
            event_bus: vars.required(EVENT_BUS)?,
            routing_queue_url: vars.required(ROUTING_QUEUE_URL)?,
            notify_queue_url: vars.required(NOTIFY_QUEUE_URL)?,
            sweep: SweepConfig {
                lookback: vars.duration(LOOKBACK, defaults.lookback)?,
                redrive_after: vars.duration(REDRIVE_AFTER, defaults.redrive_after)?,
                ..defaults
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;
    use switchboard_lambda::lookup_in as lookup;

    const BASE: [(&str, &str); 4] = [
        (TABLE, "t"),
        (EVENT_BUS, "b"),
        (ROUTING_QUEUE_URL, "https://sqs/routing"),
        (NOTIFY_QUEUE_URL, "https://sqs/notify"),
    ];

    #[test]
    fn reads_settings_with_defaults() {
        let c = Config::from_lookup(lookup(&BASE)).unwrap();
        assert_eq!(c.routing_queue_url, "https://sqs/routing");
        assert_eq!(c.sweep.lookback, SignedDuration::from_mins(15));
        let mut vars = BASE.to_vec();
        vars.push((LOOKBACK, "30m"));
        vars.push((REDRIVE_AFTER, "90s"));
        let c = Config::from_lookup(lookup(&vars)).unwrap();
        assert_eq!(c.sweep.lookback, SignedDuration::from_mins(30));
        assert_eq!(c.sweep.redrive_after, SignedDuration::from_secs(90));
    }

    #[test]
    fn names_what_is_wrong() {
        let e = Config::from_lookup(lookup(&BASE[..3])).unwrap_err();
        assert_eq!(e, ConfigError::Missing(NOTIFY_QUEUE_URL));
        let mut vars = BASE.to_vec();
        vars.push((LOOKBACK, "-5m"));
        assert!(matches!(
            Config::from_lookup(lookup(&vars)),
            Err(ConfigError::Invalid { name: LOOKBACK, .. })
        ));
    }
}
