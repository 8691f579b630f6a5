//! Delivery records of the notifier: which channels already took a notification, so a
//! redelivered notify message does not reach them twice, and why a channel did not take
//! one (the CRM's refusal of a record), so an admin sees it on the lead.

use std::future::Future;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

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

/// The last failure of one delivery: the channel's error text as the notifier stored it,
/// already cleared of the lead's name, email and phone (a CRM quotes the values it
/// refuses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DeliveryFailure {
    /// The assignment the write was for (`<lead id>:<attempt>`).
    pub assignment_id: String,
    /// The notification (`assigned` for a CRM write).
    pub kind: String,
    /// The channel's name in the notification configuration.
    pub channel: String,
    /// The channel's error, the CRM's own text included, without the lead's name, email
    /// or phone.
    pub error: String,
    /// No retry can succeed as things stand (a validation rule, a required field): the
    /// message goes to the dead letters. Otherwise the queue was still retrying it.
    pub permanent: bool,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub failed_at: Timestamp,
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
/// - [`record_failure`](DeliveryLog::record_failure) replaces the failure kept for that
///   delivery (the latest attempt's error is the one to act on); it records no delivery.
/// - [`delivery_failures`](DeliveryLog::delivery_failures) lists the lead's failures, by
///   assignment, kind and channel, leaving out each one whose delivery has been recorded
///   (a redrive after the fix succeeded), and no other lead's. Strongly consistent.
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

    fn record_failure(
        &self,
        key: DeliveryKey<'_>,
        error: &str,
        permanent: bool,
        at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn delivery_failures(
        &self,
        lead_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<DeliveryFailure>>> + Send;
}
