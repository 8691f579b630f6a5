//! Delivery records of the notifier: which channels already took a notification, so a
//! redelivered notify message does not reach them twice.

use std::future::Future;

use jiff::Timestamp;

use crate::error::StoreResult;

/// One notification on one channel: the `kind` of message about assignment
/// `assignment_id` (`<lead id>:<attempt>`) of lead `lead_id`, sent to channel `channel`.
///
/// The parts are ids the notifier controls (channel names are checked when the
/// configuration loads), never free text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryKey<'a> {
    pub lead_id: &'a str,
    pub assignment_id: &'a str,
    pub kind: &'a str,
    pub channel: &'a str,
}

/// Delivery records.
///
/// Contract:
/// - [`record_delivered`](DeliveryLog::record_delivered) is a conditional insert: `true`
///   when it recorded the delivery now, `false` when it was already recorded (the first
///   record and its time are kept).
/// - [`delivered_channels`](DeliveryLog::delivered_channels) lists, by name, the channels
///   recorded for one `(lead, assignment, kind)` and no other (a prefix of another
///   assignment id, such as `L:1` of `L:10`, never matches). Reads are strongly consistent.
///
/// The notifier records a delivery after the channel accepted it, so a crash in between
/// sends once more on redelivery: at least once, never lost.
pub trait DeliveryLog: Send + Sync {
    fn delivered_channels(
        &self,
        lead_id: &str,
        assignment_id: &str,
        kind: &str,
    ) -> impl Future<Output = StoreResult<Vec<String>>> + Send;

    fn record_delivered(
        &self,
        key: DeliveryKey<'_>,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
}
