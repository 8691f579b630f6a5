//! Item keys and attribute names of the single table (see docs/DATA-MODEL.md).

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::ports::lead_index::time_key;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// GSI `by_rep`: open assignments by rep. Present only while the assignment is open.
pub const GSI_BY_REP: &str = "by_rep";
pub const GSI1PK: &str = "gsi1pk";
pub const GSI1SK: &str = "gsi1sk";
/// GSI `by_due`: unaccepted open assignments by SLA due minute. Present only while the SLA
/// clock runs, so the sweeper reads only what is due.
pub const GSI_BY_DUE: &str = "by_due";
pub const GSI2PK: &str = "gsi2pk";
pub const GSI2SK: &str = "gsi2sk";
/// GSI `by_received`: every lead by the UTC day and time it was received (on every lead
/// item, not sparse), so a window of received times reads only the days in it.
pub const GSI_BY_RECEIVED: &str = "by_received";
pub const GSI3PK: &str = "gsi3pk";
pub const GSI3SK: &str = "gsi3sk";

/// Due-index partitions per minute. The leads due in one minute are spread over this many
/// partition keys so one busy minute is not one hot index partition; the sweeper reads
/// `DUE_SHARDS` keys per minute swept.
pub const DUE_SHARDS: u32 = 4;

/// The primary key of one item of the single table. Every key is built here, from the
/// item's kind and ids, and every partition key read back is parsed by [`Partition`]: the
/// `LEAD#`/`REP#`/... prefixes are written in this module only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    fn new(pk: String, sk: &str) -> Key {
        Key {
            pk,
            sk: sk.to_owned(),
        }
    }
}

/// What a partition key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition<'a> {
    /// A lead's item, assignment, decision records and delivery records.
    Lead(&'a str),
    Rep(&'a str),
    Pool(&'a str),
    Other,
}

impl<'a> Partition<'a> {
    pub fn parse(pk: &'a str) -> Partition<'a> {
        if let Some(id) = pk.strip_prefix(LEAD) {
            Partition::Lead(id)
        } else if let Some(id) = pk.strip_prefix(REP) {
            Partition::Rep(id)
        } else if let Some(id) = pk.strip_prefix(POOL) {
            Partition::Pool(id)
        } else {
            Partition::Other
        }
    }
}

const LEAD: &str = "LEAD#";
const REP: &str = "REP#";
const POOL: &str = "POOL#";

/// The partition of everything about one lead.
pub fn lead_partition(lead_id: &str) -> String {
    format!("{LEAD}{lead_id}")
}

/// The partition of a rep's counters, which is also the `by_rep` index partition of its
/// open assignments.
pub fn rep_partition(rep: &str) -> String {
    format!("{REP}{rep}")
}

/// Sort key of a lead's own item in its partition.
pub const LEAD_SK: &str = "LEAD";

pub fn lead(id: &str) -> Key {
    Key::new(lead_partition(id), LEAD_SK)
}
pub fn idempotency(key: &str) -> Key {
    Key::new(format!("IDEM#{key}"), "IDEM")
}
/// The email index entry of an address, keyed by [`crate::email_key`] (a hash).
pub fn email(index_key: &str) -> Key {
    Key::new(format!("EMAIL#{index_key}"), "EMAIL")
}
/// Sort key of a lead's assignment in its partition.
pub const ASSIGNMENT_SK: &str = "ASSIGNMENT";
pub fn assignment(lead_id: &str) -> Key {
    Key::new(lead_partition(lead_id), ASSIGNMENT_SK)
}
pub const DECISION_PREFIX: &str = "DECISION#";
/// The table's time-to-live attribute (`TimeToLiveSpecification` in template.yaml): epoch
/// seconds after which DynamoDB may delete the item. Readers still check expiry themselves,
/// since deletion can lag by days.
pub const TTL_ATTRIBUTE: &str = "expires";
/// A decision item's record: deflated JSON (`codec::packed_json`).
pub const RECORD: &str = "recz";
/// The record as plain JSON, in items written before records were packed.
pub const RECORD_JSON: &str = "record";
/// A lead item's lead: deflated JSON (`codec::packed_json`). Forms send free text (a
/// message, a page address, consent wording) that deflate halves; a lead item is written
/// twice per lead in transactions and copied into two indexes, so each KB it sheds saves
/// about 8 write units (docs/DEPLOY.md, "Cost").
pub const LEAD_PACKED: &str = "leadz";
/// The lead as plain JSON, in items written before leads were packed.
pub const LEAD_JSON: &str = "lead";
pub fn decision(lead_id: &str, number: u32) -> Key {
    Key {
        pk: lead_partition(lead_id),
        sk: format!("{DECISION_PREFIX}{number:010}"),
    }
}
/// Sort key prefix of the delivery records of one `(assignment, kind)`. Assignment ids are
/// `<lead>:<attempt>` and kinds snake_case words, so the `#` after each part ends it:
/// `L:1#` never matches `L:10#`.
pub fn delivery_prefix(assignment_id: &str, kind: &str) -> String {
    format!("{DELIVERED_PREFIX}{assignment_id}#{kind}#")
}
/// Sort key prefix of every delivery record of a lead.
pub const DELIVERED_PREFIX: &str = "NOTIFIED#";
pub fn delivery(assignment_id: &str, kind: &str, channel: &str, lead_id: &str) -> Key {
    Key {
        pk: lead_partition(lead_id),
        sk: format!("{}{channel}", delivery_prefix(assignment_id, kind)),
    }
}
/// Sort key prefix of a lead's delivery failures (kept apart from its delivery records,
/// so listing the channels that took a message never sees them).
pub const DELIVERY_FAILED_PREFIX: &str = "DELIVERY_FAILED#";
pub fn delivery_failure(assignment_id: &str, kind: &str, channel: &str, lead_id: &str) -> Key {
    Key {
        pk: lead_partition(lead_id),
        sk: format!("{DELIVERY_FAILED_PREFIX}{assignment_id}#{kind}#{channel}"),
    }
}
pub fn rep(id: &str) -> Key {
    Key::new(rep_partition(id), "STATE")
}
/// Sort key of a rep's outcomes item, beside its counters (`STATE`).
pub const OUTCOMES_SK: &str = "OUTCOMES";
pub fn rep_outcomes(id: &str) -> Key {
    Key::new(rep_partition(id), OUTCOMES_SK)
}
pub fn pool(id: &str) -> Key {
    Key::new(format!("{POOL}{id}"), "STATE")
}
pub const POLICY_PK: &str = "POLICY";
pub const POLICY_VERSION_PREFIX: &str = "V#";
pub fn policy_version(v: u64) -> Key {
    Key {
        pk: POLICY_PK.to_owned(),
        sk: format!("{POLICY_VERSION_PREFIX}{v:010}"),
    }
}
pub fn policy_head() -> Key {
    Key::new(POLICY_PK.to_owned(), "HEAD")
}
pub fn shadow_pools() -> Key {
    Key::new(POLICY_PK.to_owned(), "SHADOW-POOLS")
}
/// Partition of the shadow decisions of one UTC day.
pub fn shadow_pk(day: Date) -> String {
    format!("SHADOW#{day}")
}
/// A shadow decision's item: in its day's partition, by time and then lead.
pub fn shadow_decision(at: Timestamp, lead_id: &str) -> Key {
    Key {
        pk: shadow_pk(day_of(at)),
        sk: audit_sk(at, lead_id),
    }
}
pub fn policy_active() -> Key {
    Key::new(POLICY_PK.to_owned(), "ACTIVE")
}
/// The lead a CRM record belongs to (`crm` is `hubspot` or `salesforce`).
pub fn crm_record(crm: &str, record_id: &str) -> Key {
    Key::new(format!("CRM#{crm}#{record_id}"), "CRM")
}
/// The high-water mark of an incremental sync (`crm accounts` syncs).
pub fn sync_mark(sync: &str) -> Key {
    Key::new(format!("SYNC#{sync}"), "SYNC")
}
/// A provider's enrichment answer for a company domain.
pub fn enrichment_answer(domain: &str) -> Key {
    Key::new(format!("ENRICH#{domain}"), "ENRICH")
}
/// The enrichment provider calls of a calendar month (`YYYY-MM`).
pub fn enrichment_budget(month: &str) -> Key {
    Key::new(format!("ENRICHBUDGET#{month}"), "BUDGET")
}
pub fn account(id: &str) -> Key {
    Key::new(format!("ACCOUNT#{id}"), "ACCOUNT")
}
pub fn account_domain(domain: &str) -> Key {
    Key::new(format!("DOMAIN#{domain}"), "DOMAIN")
}
pub fn account_name(name: &str) -> Key {
    Key::new(format!("NAME#{name}"), "NAME")
}

/// Sort key of the `by_rep` index: assignment time, then lead.
pub fn by_rep_sk(assigned_at: Timestamp, lead_id: &str) -> String {
    format!("{:020}#{lead_id}", assigned_at.as_millisecond().max(0))
}

/// `by_rep` partition of leads awaiting routing (`received`, `queued`), sharded like
/// `by_due`. A lead item carries it only while it awaits routing, so the sweep's query for
/// lost hand-offs reads only such leads (see docs/DATA-MODEL.md).
pub fn awaiting_pk(lead_id: &str) -> String {
    awaiting_pk_shard(shard(lead_id))
}

pub fn awaiting_pk_shard(shard: u32) -> String {
    format!("AWAITING#{shard}")
}

/// `by_rep` partition of the leads parked now. A lead item carries it only while parked
/// (awaiting routing and parked exclude each other, so the two never compete for the
/// lead's `by_rep` attributes).
pub const PARKED_PK: &str = "PARKED";

/// Sort key of the parked partition: the time the lead was parked, then lead.
pub fn parked_sk(parked_at: Timestamp, lead_id: &str) -> String {
    format!("{}#{lead_id}", time_key(parked_at))
}

/// `by_rep` partition of the leads scheduled to be routed later (an import spread over a
/// period). A lead item carries it only while `scheduled`, which excludes awaiting routing
/// and parked.
pub const SCHEDULED_PK: &str = "SCHEDULED";

/// Sort key of the scheduled partition: the time the lead is to be routed, then lead.
pub fn scheduled_sk(route_at: Timestamp, lead_id: &str) -> String {
    format!("{}#{lead_id}", time_key(route_at))
}

/// Partition key of the `by_received` index: the UTC day the lead was received.
pub fn received_pk(day: Date) -> String {
    format!("RECV#{day}")
}

/// The UTC day containing `t`.
pub fn day_of(t: Timestamp) -> Date {
    t.to_zoned_datetime(TimeZone::UTC).date()
}

/// Sort key of the `by_received` index: the time received, then lead.
pub fn received_sk(received_at: Timestamp, lead_id: &str) -> String {
    format!("{}#{lead_id}", time_key(received_at))
}

/// Partition of the audit entries of one UTC day: a window reads the days in it.
pub fn audit_pk(day: Date) -> String {
    format!("AUDIT#{day}")
}

/// Sort key of an audit entry in its day: the time, then the entry id, so a day reads in
/// time order and entries at one instant in id order.
pub fn audit_sk(at: Timestamp, id: &str) -> String {
    format!("{}#{id}", time_key(at))
}

/// An audit entry's item: in the partition of its UTC day.
pub fn audit(at: Timestamp, id: &str) -> Key {
    Key {
        pk: audit_pk(day_of(at)),
        sk: audit_sk(at, id),
    }
}

/// Partition key of the `by_due` index: the due minute and a shard from the lead id.
pub fn by_due_pk(minute: i64, lead_id: &str) -> String {
    by_due_pk_shard(minute, shard(lead_id))
}

pub fn by_due_pk_shard(minute: i64, shard: u32) -> String {
    format!("DUE#{minute}#{shard}")
}

/// Sort key of the `by_due` index: due time in epoch milliseconds, then lead.
pub fn by_due_sk(due: Timestamp, lead_id: &str) -> String {
    format!("{:020}#{lead_id}", due.as_millisecond().max(0))
}

/// The epoch minute containing `t`.
pub fn minute_of(t: Timestamp) -> i64 {
    t.as_millisecond().div_euclid(60_000)
}

/// A stable shard in `0..DUE_SHARDS` (FNV-1a, so every process agrees).
pub fn shard(lead_id: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in lead_id.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h % DUE_SHARDS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_parse_back_to_what_built_them() {
        assert_eq!(Partition::parse(&lead("L:1").pk), Partition::Lead("L:1"));
        assert_eq!(
            Partition::parse(&assignment("L2").pk),
            Partition::Lead("L2")
        );
        assert_eq!(Partition::parse(&rep("ana").pk), Partition::Rep("ana"));
        assert_eq!(Partition::parse(&rep_partition("bo")), Partition::Rep("bo"));
        assert_eq!(Partition::parse(&pool("main").pk), Partition::Pool("main"));
        assert_eq!(Partition::parse(&policy_head().pk), Partition::Other);
        assert_eq!(Partition::parse(&email("ab12").pk), Partition::Other);
    }

    #[test]
    fn received_keys_name_the_utc_day_and_sort_by_time() {
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        // (received at, its partition)
        let cases = [
            ("2026-06-01T00:00:00Z", "RECV#2026-06-01"),
            ("2026-06-01T23:59:59.999999999Z", "RECV#2026-06-01"),
            ("2026-06-02T00:00:00Z", "RECV#2026-06-02"),
            ("2026-06-01T23:30:00-02:00", "RECV#2026-06-02"),
        ];
        for (t, pk) in cases {
            assert_eq!(received_pk(day_of(at(t))), pk, "{t}");
        }
        assert!(
            received_sk(at("2026-06-01T09:00:00Z"), "b")
                < received_sk(at("2026-06-01T10:00:00Z"), "a")
        );
        assert!(
            parked_sk(at("2026-06-01T10:00:00Z"), "a") < parked_sk(at("2026-06-01T10:00:00Z"), "b")
        );
    }

    #[test]
    fn audit_keys_name_the_utc_day_and_sort_by_time_then_id() {
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        // (time, id, partition)
        let cases = [
            ("2026-06-01T00:00:00Z", "a", "AUDIT#2026-06-01"),
            ("2026-06-01T23:59:59.999999999Z", "a", "AUDIT#2026-06-01"),
            ("2026-06-01T23:30:00-02:00", "a", "AUDIT#2026-06-02"),
        ];
        for (t, id, pk) in cases {
            assert_eq!(audit(at(t), id).pk, pk, "{t}");
            assert_eq!(Partition::parse(pk), Partition::Other);
        }
        let noon = at("2026-06-01T12:00:00Z");
        assert!(audit_sk(noon, "z") < audit_sk(noon + jiff::SignedDuration::from_nanos(1), "a"));
        assert!(audit_sk(noon, "a") < audit_sk(noon, "b"));
    }

    #[test]
    fn decision_and_delivery_sort_keys_order_and_prefix_correctly() {
        assert!(decision("L", 9).sk < decision("L", 10).sk);
        let one = delivery("L:1", "assigned", "slack", "L");
        assert!(one.sk.starts_with(&delivery_prefix("L:1", "assigned")));
        assert!(!one.sk.starts_with(&delivery_prefix("L:10", "assigned")));
        assert!(
            !delivery("L:10", "assigned", "slack", "L")
                .sk
                .starts_with(&delivery_prefix("L:1", "assigned"))
        );
    }
}
