//! The function's configuration, from its environment.

use switchboard_lambda::Vars;

pub const TABLE: &str = "SWITCHBOARD_TABLE";
pub const NOTIFY_QUEUE_URL: &str = "SWITCHBOARD_NOTIFY_QUEUE_URL";
pub const EVENT_BUS: &str = "SWITCHBOARD_EVENT_BUS";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The DynamoDB table of the store.
    pub table: String,
    pub notify_queue_url: String,
    /// The EventBridge bus domain events go to.
    pub event_bus: String,
}

/// A setting is missing.
pub use switchboard_lambda::EnvError as ConfigError;

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(switchboard_lambda::env::var)
    }

    /// Reads the settings through `lookup` (the environment in production).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let vars = Vars::new(lookup);
        Ok(Config {
            table: vars.required(TABLE)?,
            notify_queue_url: vars.required(NOTIFY_QUEUE_URL)?,
            event_bus: vars.required(EVENT_BUS)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_lambda::lookup_in as lookup;

    #[test]
    fn reads_every_setting() {
        let config = Config::from_lookup(lookup(&[
            (TABLE, "switchboard"),
            (NOTIFY_QUEUE_URL, " https://sqs.example/notify "),
            (EVENT_BUS, "switchboard-bus"),
        ]))
        .unwrap();
        assert_eq!(
            config,
            Config {
                table: "switchboard".into(),
                notify_queue_url: "https://sqs.example/notify".into(),
                event_bus: "switchboard-bus".into(),
            }
        );
    }

    #[test]
    fn names_the_missing_setting() {
        let missing = Config::from_lookup(lookup(&[(TABLE, "t"), (EVENT_BUS, "b")]));
        assert_eq!(missing, Err(ConfigError::Missing(NOTIFY_QUEUE_URL)));
        let empty = Config::from_lookup(lookup(&[
            (TABLE, " "),
            (NOTIFY_QUEUE_URL, "q"),
            (EVENT_BUS, "b"),
        ]));
        assert_eq!(empty, Err(ConfigError::Missing(TABLE)));
    }
}
