//! The invocation payload. EventBridge Scheduler sends the target's `Input`; the template
//! sets it to `{"time": "<aws.scheduler.scheduled-time>"}` for the sweep each minute and
//! adds `"check": "coverage"` for the daily coverage check. A classic EventBridge
//! scheduled rule sends an event whose `time` field is the same thing. Any other field is
//! ignored, and a payload without `time` runs at the current time.

use jiff::Timestamp;
use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ScheduleEvent {
    /// When the sweep was scheduled; the sweep's clock.
    #[serde(default)]
    pub time: Option<Timestamp>,
    /// What to run instead of the sweep.
    #[serde(default)]
    pub check: Option<Check>,
}

/// A scheduled check other than the sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The coverage forecast of the next day (docs/POLICY.md, "Coverage forecast").
    Coverage,
}

impl ScheduleEvent {
    /// The clock of this sweep: the scheduled time, or `now` without one. A scheduled time
    /// in the future (a skewed scheduler) is capped at `now`, so nothing expires early.
    pub fn clock(&self, now: Timestamp) -> Timestamp {
        self.time.map_or(now, |t| t.min(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn scheduler_input_and_classic_events_carry_the_time() {
        let e: ScheduleEvent = serde_json::from_str(r#"{"time":"2026-06-01T10:05:00Z"}"#).unwrap();
        assert_eq!(
            e.clock(ts("2026-06-01T10:05:02Z")),
            ts("2026-06-01T10:05:00Z")
        );
        let classic = r#"{"version":"0","id":"x","detail-type":"Scheduled Event","source":"aws.events","time":"2026-06-01T10:05:00Z","region":"eu-west-1","resources":[],"detail":{}}"#;
        let e: ScheduleEvent = serde_json::from_str(classic).unwrap();
        assert_eq!(e.time, Some(ts("2026-06-01T10:05:00Z")));
    }

    #[test]
    fn without_a_time_the_clock_is_now_and_never_ahead_of_it() {
        let now = ts("2026-06-01T10:05:00Z");
        let e: ScheduleEvent = serde_json::from_str("{}").unwrap();
        assert_eq!(e.clock(now), now);
        let ahead = ScheduleEvent {
            time: Some(ts("2026-06-01T11:00:00Z")),
            check: None,
        };
        assert_eq!(ahead.clock(now), now);
        assert!(serde_json::from_str::<ScheduleEvent>(r#"{"time":"yesterday"}"#).is_err());
        let daily: ScheduleEvent =
            serde_json::from_str(r#"{"time":"2026-06-01T06:00:00Z","check":"coverage"}"#).unwrap();
        assert_eq!(daily.check, Some(Check::Coverage));
        assert!(serde_json::from_str::<ScheduleEvent>(r#"{"check":"lunch"}"#).is_err());
    }
}
