//! Domain events of rep actions and the sweep. Ids are stable per fact (lead, attempt),
//! so consumers drop the duplicates at-least-once publishing makes.

use jiff::Timestamp;
use serde_json::Value;

use crate::ports::events::DomainEvent;
use crate::ports::routing::Assignment;

/// `kind` about assignment `a`, with `extra` merged into the detail.
pub(crate) fn event(kind: &str, a: &Assignment, now: Timestamp, extra: Value) -> DomainEvent {
    let mut detail = serde_json::json!({
        "lead_id": a.lead_id,
        "rep": a.rep,
        "attempt": a.attempt,
        "pool": a.pool,
    });
    if let (Some(d), Value::Object(extra)) = (detail.as_object_mut(), extra) {
        d.extend(extra);
    }
    DomainEvent {
        id: format!("{kind}:{}:{}", a.lead_id, a.attempt),
        kind: kind.to_owned(),
        time: now,
        detail,
    }
}

/// `detail` with `name: why` added when there is a why (events of a rep's own action keep
/// their shape).
pub(crate) fn with_why(mut detail: Value, name: &str, why: Option<&str>) -> Value {
    if let (Some(d), Some(why)) = (detail.as_object_mut(), why) {
        d.insert(name.to_owned(), Value::String(why.to_owned()));
    }
    detail
}
