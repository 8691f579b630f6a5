//! Tracing for CloudWatch: one line per event, no timestamps (CloudWatch stamps each
//! line), no colour codes, JSON when the function's log format is JSON.
//!
//! The level comes from `RUST_LOG`, else from `AWS_LAMBDA_LOG_LEVEL` (the application log
//! level of Lambda's logging controls), else `info`. It is parsed as
//! [`Targets`](tracing_subscriber::filter::Targets) directives (`info`,
//! `switchboard_store=debug,warn`): per-target levels without the regular-expression engine
//! `EnvFilter` links in.

use std::str::FromStr;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

pub const RUST_LOG: &str = "RUST_LOG";
/// Set by Lambda when the function's application log level is configured.
pub const LOG_LEVEL: &str = "AWS_LAMBDA_LOG_LEVEL";
/// `JSON` or `Text`, set by Lambda from the function's logging configuration.
pub const LOG_FORMAT: &str = "AWS_LAMBDA_LOG_FORMAT";

/// How the function logs.
#[derive(Debug, Clone)]
pub struct LogSettings {
    pub json: bool,
    pub filter: Targets,
    /// The directives that did not parse, to report once logging is up.
    pub rejected: Option<(&'static str, String)>,
}

impl LogSettings {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> LogSettings {
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let json = set(LOG_FORMAT).is_some_and(|f| f.trim().eq_ignore_ascii_case("json"));
        let default = Targets::new().with_default(LevelFilter::INFO);
        let (filter, rejected) = match set(RUST_LOG)
            .map(|v| (RUST_LOG, v))
            .or_else(|| set(LOG_LEVEL).map(|v| (LOG_LEVEL, lambda_level(&v))))
        {
            Some((name, directives)) => match Targets::from_str(directives.trim()) {
                Ok(filter) => (filter, None),
                Err(_) => (default, Some((name, directives))),
            },
            None => (default, None),
        };
        LogSettings {
            json,
            filter,
            rejected,
        }
    }
}

/// Lambda's level names (`TRACE` … `ERROR`, and `FATAL`, which tracing does not have).
fn lambda_level(level: &str) -> String {
    let level = level.trim().to_ascii_lowercase();
    if level == "fatal" {
        "error".to_owned()
    } else {
        level
    }
}

/// Installs the global subscriber from the process environment. Call once, first in
/// `main`; a second call changes nothing.
pub fn init_tracing() {
    init_with(LogSettings::from_lookup(crate::env::var));
}

pub fn init_with(settings: LogSettings) {
    let fmt = tracing_subscriber::fmt::layer()
        .without_time()
        .with_ansi(false);
    let registry = tracing_subscriber::registry().with(settings.filter);
    // Either installs, or another subscriber was installed first and keeps the process.
    let _ = if settings.json {
        registry.with(fmt.json()).try_init()
    } else {
        registry.with(fmt).try_init()
    };
    if let Some((name, directives)) = settings.rejected {
        tracing::warn!(
            variable = name,
            directives = %directives,
            "log directives not understood; logging at info"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    fn settings(pairs: &[(&str, &str)]) -> LogSettings {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        LogSettings::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn text_at_info_by_default() {
        let s = settings(&[]);
        assert!(!s.json);
        assert!(s.filter.would_enable("switchboard_router", &Level::INFO));
        assert!(!s.filter.would_enable("switchboard_router", &Level::DEBUG));
        assert!(s.rejected.is_none());
    }

    #[test]
    fn json_when_lambda_says_so() {
        assert!(settings(&[(LOG_FORMAT, "JSON")]).json);
        assert!(!settings(&[(LOG_FORMAT, "Text")]).json);
    }

    #[test]
    fn rust_log_takes_per_target_levels_and_wins() {
        let s = settings(&[
            (RUST_LOG, "switchboard_store=debug,warn"),
            (LOG_LEVEL, "TRACE"),
        ]);
        assert!(
            s.filter
                .would_enable("switchboard_store::router", &Level::DEBUG)
        );
        assert!(!s.filter.would_enable("hyper", &Level::INFO));
        assert!(s.filter.would_enable("hyper", &Level::WARN));
    }

    #[test]
    fn lambda_log_level_applies_without_rust_log() {
        let s = settings(&[(LOG_LEVEL, "DEBUG")]);
        assert!(s.filter.would_enable("any", &Level::DEBUG));
        assert!(!s.filter.would_enable("any", &Level::TRACE));
        let fatal = settings(&[(LOG_LEVEL, "FATAL")]);
        assert!(fatal.filter.would_enable("any", &Level::ERROR));
        assert!(!fatal.filter.would_enable("any", &Level::WARN));
    }

    #[test]
    fn unreadable_directives_fall_back_to_info_and_are_reported() {
        let s = settings(&[(RUST_LOG, "switchboard=[not a level]")]);
        assert!(s.filter.would_enable("any", &Level::INFO));
        assert!(!s.filter.would_enable("any", &Level::DEBUG));
        assert_eq!(
            s.rejected,
            Some((RUST_LOG, "switchboard=[not a level]".to_owned()))
        );
    }
}
