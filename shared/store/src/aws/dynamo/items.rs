//! Item shapes: how leads, assignments, rep counters and pool states are stored.

use aws_sdk_dynamodb::types::AttributeValue;
use switchboard_routing::{AwayStatus, PoolRecord, RepState, WindowCount};
use switchboard_routing::{LeadId, PoolId, RepId};

use super::codec::{
    self, Item, get_json, get_n, get_s, get_ts, json, n, opt_date, opt_n, opt_s, opt_ts, s,
};
use super::keys;
use crate::error::{StoreError, StoreResult};
use crate::ports::leads::{EmailEntry, LeadStatus, StoredLead};
use crate::ports::routing::{Assignment, AssignmentStatus, CloseOutcome, ReleaseOutcome};

pub fn lead_item(l: &StoredLead) -> StoreResult<Item> {
    let mut attrs = vec![
        (keys::LEAD_PACKED, codec::packed_json(&l.lead)?),
        ("idem", s(&l.idempotency_key)),
        ("status", s(l.status.as_str())),
        (
            "bounced",
            AttributeValue::L(l.bounced.iter().map(s).collect()),
        ),
        ("decisions", n(l.decisions)),
        ("updated_at", s(l.updated_at.to_string())),
    ];
    // Absent rather than empty: most leads have none of these, and every byte of an item
    // counts against its write units.
    if let Some(primary) = &l.duplicate_of {
        attrs.push(("duplicate_of", s(primary)));
    }
    if !l.warnings.is_empty() {
        attrs.push(("warnings", json(&l.warnings)?));
    }
    if let Some(raw) = &l.raw {
        attrs.push(("raw", json(raw)?));
    }
    if let Some(at) = l.route_at {
        attrs.push(("route_at", s(at.to_string())));
    }
    // A list of JSON documents, so a recycle appends to it (`list_append`) in place.
    if !l.recycles.is_empty() {
        let each = l
            .recycles
            .iter()
            .map(json)
            .collect::<StoreResult<Vec<_>>>()?;
        attrs.push(("recycles", AttributeValue::L(each)));
    }
    if l.status.awaits_routing() {
        attrs.push((keys::GSI1PK, s(keys::awaiting_pk(&l.lead.id))));
        attrs.push((keys::GSI1SK, s(keys::by_rep_sk(l.updated_at, &l.lead.id))));
    } else if l.status == LeadStatus::Parked {
        attrs.push((keys::GSI1PK, s(keys::PARKED_PK)));
        attrs.push((keys::GSI1SK, s(keys::parked_sk(l.updated_at, &l.lead.id))));
    } else if l.status == LeadStatus::Scheduled
        && let Some(at) = l.route_at
    {
        attrs.push((keys::GSI1PK, s(keys::SCHEDULED_PK)));
        attrs.push((keys::GSI1SK, s(keys::scheduled_sk(at, &l.lead.id))));
    }
    // Never changed after the insert: `received_at` is part of the lead as received.
    let received = l.lead.received_at;
    attrs.push((keys::GSI3PK, s(keys::received_pk(keys::day_of(received)))));
    attrs.push((keys::GSI3SK, s(keys::received_sk(received, &l.lead.id))));
    Ok(codec::item(keys::lead(&l.lead.id), attrs))
}

pub fn stored_lead(item: &Item) -> StoreResult<StoredLead> {
    let status = get_s(item, "status")?;
    Ok(StoredLead {
        lead: codec::get_packed_json(item, keys::LEAD_PACKED, keys::LEAD_JSON)?,
        idempotency_key: get_s(item, "idem")?.to_owned(),
        status: LeadStatus::parse(status)
            .ok_or_else(|| StoreError::Invalid(format!("unknown lead status {status}")))?,
        duplicate_of: opt_s(item, "duplicate_of")?.map(LeadId::from),
        warnings: match opt_s(item, "warnings")? {
            Some(text) => serde_json::from_str(text)?,
            None => Vec::new(),
        },
        raw: opt_s(item, "raw")?.map(serde_json::from_str).transpose()?,
        bounced: codec::string_list(item, "bounced")?
            .into_iter()
            .map(RepId::from)
            .collect(),
        recycles: codec::string_list(item, "recycles")?
            .iter()
            .map(|r| serde_json::from_str(r))
            .collect::<Result<_, _>>()?,
        decisions: get_n(item, "decisions")?,
        route_at: opt_ts(item, "route_at")?,
        updated_at: get_ts(item, "updated_at")?,
    })
}

/// An idempotency key item: the lead it maps to, and when it stops mapping (epoch ms, a
/// number so a condition can compare it).
pub fn key_item(new: &crate::NewLead) -> Item {
    let mut attrs = vec![("lead_id", s(&new.lead.id))];
    if let Some(at) = new.key_expires_at {
        attrs.push(("expires_ms", n(at.as_millisecond())));
    }
    codec::item(keys::idempotency(&new.idempotency_key), attrs)
}

pub fn email_item(index_key: &str, entry: &EmailEntry) -> Item {
    codec::item(
        keys::email(index_key),
        [
            ("lead_id", s(&entry.lead_id)),
            ("received_at", s(entry.received_at.to_string())),
        ],
    )
}

pub fn email_entry(item: &Item) -> StoreResult<EmailEntry> {
    Ok(EmailEntry {
        lead_id: LeadId::from(get_s(item, "lead_id")?),
        received_at: get_ts(item, "received_at")?,
    })
}

/// An assignment with the index attributes its state calls for: `by_rep` while open,
/// `by_due` while open, unaccepted and under an SLA.
pub fn assignment_item(a: &Assignment) -> Item {
    let mut attrs = vec![
        ("rep", s(&a.rep)),
        ("attempt", n(a.attempt)),
        ("policy_version", n(a.policy_version)),
        ("assigned_at", s(a.assigned_at.to_string())),
        ("status", s(a.status.as_str())),
    ];
    if let Some(p) = &a.pool {
        attrs.push(("pool", s(p)));
    }
    if let Some(d) = a.sla_due {
        attrs.push(("sla_due", s(d.to_string())));
    }
    if let Some(t) = a.accepted_at {
        attrs.push(("accepted_at", s(t.to_string())));
    }
    if let Some(t) = a.ended_at {
        attrs.push(("ended_at", s(t.to_string())));
    }
    if let Some(o) = a.outcome {
        attrs.push(("outcome", s(o.as_str())));
    }
    if let Some(o) = a.ended_as {
        attrs.push(("ended_as", s(o.as_str())));
    }
    if a.status == AssignmentStatus::Open {
        attrs.push((keys::GSI1PK, s(keys::rep_partition(&a.rep))));
        attrs.push((keys::GSI1SK, s(keys::by_rep_sk(a.assigned_at, &a.lead_id))));
        if let (Some(due), None) = (a.sla_due, a.accepted_at) {
            attrs.push((
                keys::GSI2PK,
                s(keys::by_due_pk(keys::minute_of(due), &a.lead_id)),
            ));
            attrs.push((keys::GSI2SK, s(keys::by_due_sk(due, &a.lead_id))));
        }
    }
    codec::item(keys::assignment(&a.lead_id), attrs)
}

pub fn assignment(item: &Item) -> StoreResult<Assignment> {
    let pk = get_s(item, keys::PK)?;
    let keys::Partition::Lead(lead_id) = keys::Partition::parse(pk) else {
        return Err(StoreError::Invalid(format!("assignment under key {pk}")));
    };
    let status = get_s(item, "status")?;
    Ok(Assignment {
        lead_id: LeadId::from(lead_id),
        rep: RepId::from(get_s(item, "rep")?),
        pool: opt_s(item, "pool")?.map(PoolId::from),
        attempt: get_n(item, "attempt")?,
        policy_version: get_n(item, "policy_version")?,
        assigned_at: get_ts(item, "assigned_at")?,
        sla_due: opt_ts(item, "sla_due")?,
        accepted_at: opt_ts(item, "accepted_at")?,
        status: AssignmentStatus::parse(status)
            .ok_or_else(|| StoreError::Invalid(format!("unknown assignment status {status}")))?,
        ended_at: opt_ts(item, "ended_at")?,
        outcome: opt_s(item, "outcome")?
            .map(|o| {
                CloseOutcome::parse(o)
                    .ok_or_else(|| StoreError::Invalid(format!("unknown close outcome {o}")))
            })
            .transpose()?,
        ended_as: opt_s(item, "ended_as")?
            .map(|o| {
                ReleaseOutcome::parse(o)
                    .ok_or_else(|| StoreError::Invalid(format!("unknown end {o}")))
            })
            .transpose()?,
    })
}

/// Rep counters are plain attributes so condition expressions can compare them.
pub fn rep_state(item: &Item) -> StoreResult<RepState> {
    Ok(RepState {
        open: opt_n(item, "open")?.unwrap_or(0),
        day: WindowCount {
            start: opt_date(item, "day_start")?,
            count: opt_n(item, "day_count")?.unwrap_or(0),
        },
        week: WindowCount {
            start: opt_date(item, "week_start")?,
            count: opt_n(item, "week_count")?.unwrap_or(0),
        },
        last_assigned_at: opt_ts(item, "last_assigned_at")?,
        away: opt_s(item, "away")?
            .map(serde_json::from_str::<AwayStatus>)
            .transpose()?,
    })
}

/// The pool's strategy state is one JSON attribute next to the `version` it is
/// conditioned on.
pub fn pool_record(item: &Item) -> StoreResult<PoolRecord> {
    let mut rec: PoolRecord = get_json(item, "state")?;
    rec.version = get_n(item, "version")?;
    Ok(rec)
}
