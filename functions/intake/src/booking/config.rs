//! A source's `booking` setting: how long intake waits for the decision, and where the
//! sender goes when there is no rep link to offer.

use jiff::SignedDuration;
use serde::Deserialize;

/// Longest wait a source may configure: a person waits on the answer, and the wait plus
/// storing the lead must stay well inside the intake Lambda's 10 s timeout.
pub const MAX_WAIT: SignedDuration = SignedDuration::from_secs(5);

/// The wait when the setting names none.
pub const DEFAULT_WAIT: SignedDuration = SignedDuration::from_millis(1500);

/// A source's booking setting, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceBooking {
    /// How long intake waits for the stored decision after storing the lead.
    pub wait: SignedDuration,
    /// Where the sender goes when no rep link can be offered; the source's own
    /// `thank_you_url` when absent.
    pub thank_you_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBooking {
    #[serde(default)]
    wait: Option<SignedDuration>,
    #[serde(default)]
    thank_you_url: Option<String>,
}

impl RawBooking {
    /// The setting, or why it is refused.
    pub(crate) fn check(
        self,
        is_url: impl Fn(&str) -> bool,
    ) -> Result<SourceBooking, &'static str> {
        let wait = self.wait.unwrap_or(DEFAULT_WAIT);
        if wait <= SignedDuration::ZERO || wait > MAX_WAIT {
            return Err("booking.wait must be more than 0 and at most 5s");
        }
        if let Some(url) = &self.thank_you_url
            && !is_url(url)
        {
            return Err("booking.thank_you_url must be an absolute http(s) URL");
        }
        Ok(SourceBooking {
            wait,
            thank_you_url: self.thank_you_url,
        })
    }
}
