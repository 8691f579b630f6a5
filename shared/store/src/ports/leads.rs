//! Lead storage: insert once per idempotency key, read, and move the status along.

use std::future::Future;
use switchboard_routing::{LeadId, RepId};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_routing::Lead;
use switchboard_routing::recycle::Recycle;

use crate::error::StoreResult;

/// Where a lead is in the pipeline.
///
/// `received`/`queued` leads are waiting to be routed; routing moves them to `assigned` or
/// `parked`; a `scheduled` lead (an import spread over a period) waits for its `route_at`,
/// when the sweep moves it to `queued`; closing moves `assigned` to `closed`; a rejected or expired assignment moves
/// the lead back to `received` so it is routed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    Received,
    Queued,
    /// Linked to an earlier lead; never routed.
    Duplicate,
    Assigned,
    Parked,
    Closed,
    /// Stored to be routed later, at its `route_at` (an import spread over a period).
    Scheduled,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 7] = [
        LeadStatus::Received,
        LeadStatus::Queued,
        LeadStatus::Duplicate,
        LeadStatus::Assigned,
        LeadStatus::Parked,
        LeadStatus::Closed,
        LeadStatus::Scheduled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::Received => "received",
            LeadStatus::Queued => "queued",
            LeadStatus::Duplicate => "duplicate",
            LeadStatus::Assigned => "assigned",
            LeadStatus::Parked => "parked",
            LeadStatus::Closed => "closed",
            LeadStatus::Scheduled => "scheduled",
        }
    }

    pub fn parse(s: &str) -> Option<LeadStatus> {
        LeadStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// True while the lead waits for a routing decision.
    pub fn awaits_routing(self) -> bool {
        matches!(self, LeadStatus::Received | LeadStatus::Queued)
    }
}

/// A problem with one field of a submission: reported back to the sender (errors) or kept
/// on the stored lead (warnings: values kept although they could not be normalized).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FieldIssue {
    /// The lead field (`email`, `phone`, `country`, ...) or the provider's field name.
    pub field: String,
    pub message: String,
}

impl FieldIssue {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldIssue {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A lead to store with [`LeadStore::insert_if_absent`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewLead {
    pub lead: Lead,
    /// `{source_id}:{provider|header|hash}:{value}` at intake; any string elsewhere.
    pub idempotency_key: String,
    /// When the key stops mapping to this lead (`None`: never). After that instant the same
    /// key stores a new lead.
    pub key_expires_at: Option<Timestamp>,
    /// Same-email dedupe: a lead whose (normalized) email was stored as a primary lead
    /// received at or after this instant is stored as that lead's duplicate and never
    /// routed. `None` (or a lead without email) turns the dedupe off for this insert.
    pub dedupe_since: Option<Timestamp>,
    /// Values that were kept but could not be normalized.
    pub warnings: Vec<FieldIssue>,
    /// The original request body, when the source keeps it for audit.
    pub raw: Option<RawPayload>,
    /// Route the lead at this time instead of at once: it is stored `scheduled` (unless
    /// the email dedupe makes it a duplicate) and the sweep hands it to routing when due.
    pub route_at: Option<Timestamp>,
    /// The caller hands the lead to routing as soon as it is stored, so a lead that would
    /// be stored `received` is stored `queued`: one write where marking it afterwards took
    /// two. A caller whose hand-off fails sets it back to `received`; a crash between the
    /// insert and the hand-off loses nothing, because the sweep re-drives leads in either
    /// status.
    pub queued: bool,
    /// The key is derived from the delivery's content (a hash of its body), so any
    /// delivery under it carries the same email. A store may then find the key through
    /// the email's dedupe entry instead of an entry of its own; with `false` (a provider's
    /// or a sender's key, which may come with another body) it always keeps one.
    pub key_from_content: bool,
}

impl NewLead {
    /// A lead under a key that never expires, without email dedupe.
    pub fn new(lead: Lead, idempotency_key: impl Into<String>) -> Self {
        NewLead {
            lead,
            idempotency_key: idempotency_key.into(),
            key_expires_at: None,
            dedupe_since: None,
            warnings: Vec::new(),
            raw: None,
            route_at: None,
            queued: false,
            key_from_content: false,
        }
    }

    /// Stores the lead `scheduled`, to be routed at `at`.
    pub fn route_at(mut self, at: Timestamp) -> Self {
        self.route_at = Some(at);
        self
    }

    /// Turns on same-email dedupe over leads received at or after `since`.
    pub fn dedupe_since(mut self, since: Timestamp) -> Self {
        self.dedupe_since = Some(since);
        self
    }

    pub fn key_expires_at(mut self, at: Timestamp) -> Self {
        self.key_expires_at = Some(at);
        self
    }

    /// Marks the key as derived from the delivery's content ([`NewLead::key_from_content`]).
    pub fn key_from_content(mut self) -> Self {
        self.key_from_content = true;
        self
    }

    /// The email the dedupe indexes and the start of its window, when the dedupe applies
    /// to this insert (it is on and the lead has an email).
    pub fn dedupe(&self) -> Option<(&str, Timestamp)> {
        Some((self.lead.email.as_deref()?, self.dedupe_since?))
    }

    /// True when an idempotency key written with `expires_at` no longer maps at `now`.
    pub fn key_expired(expires_at: Option<Timestamp>, now: Timestamp) -> bool {
        expires_at.is_some_and(|at| at <= now)
    }
}

/// How [`RawPayload::body`] is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RawEncoding {
    Utf8,
    Base64,
}

/// The original request body, kept for audit, capped in size. Stored as data only: it is
/// never rendered, evaluated or re-parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RawPayload {
    pub content_type: Option<String>,
    pub encoding: RawEncoding,
    pub body: String,
    /// True when only the first `cap` bytes were kept.
    pub truncated: bool,
    pub original_len: usize,
}

impl RawPayload {
    /// Keeps at most `cap` bytes: as text when they are UTF-8 (cut at a character
    /// boundary), else base64.
    pub fn capture(content_type: Option<&str>, bytes: &[u8], cap: usize) -> Self {
        use base64::Engine as _;
        let kept = &bytes[..bytes.len().min(cap)];
        let (encoding, body, kept_len) = match std::str::from_utf8(kept) {
            Ok(text) => (RawEncoding::Utf8, text.to_owned(), kept.len()),
            // Only the cut split a character: keep the valid prefix as text.
            Err(e) if e.error_len().is_none() => {
                let valid = &kept[..e.valid_up_to()];
                (
                    RawEncoding::Utf8,
                    String::from_utf8_lossy(valid).into_owned(),
                    valid.len(),
                )
            }
            Err(_) => (
                RawEncoding::Base64,
                base64::engine::general_purpose::STANDARD.encode(kept),
                kept.len(),
            ),
        };
        RawPayload {
            content_type: content_type.map(|c| c.chars().take(200).collect()),
            encoding,
            body,
            truncated: kept_len < bytes.len(),
            original_len: bytes.len(),
        }
    }
}

/// A lead as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StoredLead {
    pub lead: Lead,
    pub idempotency_key: String,
    pub status: LeadStatus,
    /// The earlier lead with the same email this one is a duplicate of (status
    /// `duplicate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<LeadId>,
    /// Values that were kept but could not be normalized.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<FieldIssue>,
    /// The original request body, when the source keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<RawPayload>,
    /// Reps this lead bounced from (rejected or let the SLA expire), oldest first. Routing
    /// passes them to the engine so the lead does not go straight back.
    #[serde(default)]
    pub bounced: Vec<RepId>,
    /// Every time a rep recycled the lead, oldest first. Kept here rather than on the
    /// assignment, which a re-route replaces, so reports count every recycle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recycles: Vec<Recycle>,
    /// How many decisions were applied to the lead. Applying a decision requires the count
    /// it was decided under, so two deciders of one lead cannot both win.
    #[serde(default)]
    pub decisions: u32,
    /// When the lead was planned to go to routing (status `scheduled` until then). Kept
    /// after it went, so the lead's view still shows its plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "Option<switchboard_routing::schema::Timestamp>")
    )]
    pub route_at: Option<Timestamp>,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub updated_at: Timestamp,
}

/// What [`LeadStore::insert_if_absent`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Insert {
    /// Stored now with status `received`, or `duplicate` when the email dedupe found an
    /// earlier lead (named in `duplicate_of`).
    Created(StoredLead),
    /// The idempotency key already maps to this lead; nothing was written.
    Existing(StoredLead),
}

/// An insert whose outcome is visible to readers and that may not be on disk yet
/// ([`LeadStore::insert_visible`]): nothing that promises the lead is kept (the sender's
/// answer, an announcement) may happen before [`PendingInsert::durable`] returns.
pub struct PendingInsert {
    insert: Insert,
    on_disk: Option<futures_util::future::BoxFuture<'static, StoreResult<()>>>,
}

impl PendingInsert {
    /// An insert that is on disk already.
    pub fn synced(insert: Insert) -> PendingInsert {
        PendingInsert {
            insert,
            on_disk: None,
        }
    }

    /// An insert that is on disk once `on_disk` completes.
    pub fn pending(
        insert: Insert,
        on_disk: futures_util::future::BoxFuture<'static, StoreResult<()>>,
    ) -> PendingInsert {
        PendingInsert {
            insert,
            on_disk: Some(on_disk),
        }
    }

    /// What the insert did (readable before it is on disk).
    pub fn insert(&self) -> &Insert {
        &self.insert
    }

    /// Waits until the insert, and everything it read, is on disk.
    pub async fn durable(self) -> StoreResult<Insert> {
        if let Some(on_disk) = self.on_disk {
            on_disk.await?;
        }
        Ok(self.insert)
    }
}

impl std::fmt::Debug for PendingInsert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingInsert")
            .field("insert", &self.insert)
            .field("synced", &self.on_disk.is_none())
            .finish()
    }
}

impl Insert {
    pub fn lead(&self) -> &StoredLead {
        match self {
            Insert::Created(l) | Insert::Existing(l) => l,
        }
    }

    pub fn into_lead(self) -> StoredLead {
        match self {
            Insert::Created(l) | Insert::Existing(l) => l,
        }
    }
}

impl StoredLead {
    /// The record a successful insert of `new` at `now` writes, before the email dedupe
    /// has had its say (status `received`, or `scheduled` with a `route_at`).
    pub fn from_new(new: &NewLead, now: Timestamp) -> StoredLead {
        StoredLead {
            lead: new.lead.clone(),
            idempotency_key: new.idempotency_key.clone(),
            status: if new.route_at.is_some() {
                LeadStatus::Scheduled
            } else if new.queued {
                LeadStatus::Queued
            } else {
                LeadStatus::Received
            },
            route_at: new.route_at,
            duplicate_of: None,
            warnings: new.warnings.clone(),
            raw: new.raw.clone(),
            bounced: Vec::new(),
            recycles: Vec::new(),
            decisions: 0,
            updated_at: now,
        }
    }

    /// Marks the record as a duplicate of `primary` (never routed, so never scheduled).
    pub fn into_duplicate(mut self, primary: &str) -> StoredLead {
        self.status = LeadStatus::Duplicate;
        self.route_at = None;
        self.duplicate_of = Some(LeadId::from(primary));
        self
    }
}

/// The email index's entry for one address: its latest primary lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailEntry {
    pub lead_id: LeadId,
    pub received_at: Timestamp,
}

impl EmailEntry {
    /// The entry naming `lead` as its address's primary.
    pub fn of(lead: &Lead) -> EmailEntry {
        EmailEntry {
            lead_id: lead.id.clone(),
            received_at: lead.received_at,
        }
    }

    /// What the insert of a lead does about an address with this entry (or none): the lead
    /// is a duplicate of the entry's lead when that was received inside the window.
    pub fn primary_within(entry: Option<&EmailEntry>, since: Timestamp) -> Option<&str> {
        entry
            .filter(|e| e.received_at >= since)
            .map(|e| e.lead_id.as_str())
    }
}

/// The email index's key for an address: a SHA-256 of it, so the address itself is not a
/// key (keys show up in places values do not, such as metrics and access logs).
pub fn email_key(email: &str) -> String {
    use sha2::Digest as _;
    hex_lower(&sha2::Sha256::digest(email.as_bytes()))
}

fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Lead storage.
///
/// Contract:
/// - **Atomic, idempotent insert.** [`insert_if_absent`](LeadStore::insert_if_absent)
///   writes the lead, its idempotency key and (for a primary lead under dedupe) its email
///   index entry together or not at all: one `TransactWriteItems` on DynamoDB, one
///   transaction on the embedded store. Any number of concurrent inserts with one live
///   key create one lead and all return it. A key past its `key_expires_at` maps to
///   nothing: the next insert under it stores a new lead. A different key with an already
///   used lead id is a [`Conflict`](crate::StoreError::Conflict).
/// - **Same-email dedupe in the same step.** With `dedupe_since`, whether the lead
///   duplicates the address's latest primary lead is decided inside that atomic write
///   (conditioned on the email entry it read), so two concurrent submissions from one
///   address never both become primary, and a crash never leaves a lead half-deduped.
/// - **Conditional status changes.** [`set_status`](LeadStore::set_status) changes the
///   status only if it still is `from`; otherwise `Conflict` and nothing changes. It is for
///   transitions outside routing (`received → queued`, `parked → received`, `scheduled →
///   queued`); `assigned`, `parked` and `closed` are set by
///   [`RoutingState::apply`](crate::RoutingState::apply) and
///   [`RoutingState::release`](crate::RoutingState::release), which `set_status` refuses.
/// - **Read-your-writes.** `get` after a successful write sees it.
pub trait LeadStore: Send + Sync {
    fn insert_if_absent(
        &self,
        new: &NewLead,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Insert>> + Send;

    /// [`insert_if_absent`](LeadStore::insert_if_absent) that may return once its outcome
    /// is visible to readers, before it is on disk: what it returns says when it is. A
    /// store whose writes are on disk when they return (DynamoDB) gives an insert that is
    /// durable already. The embedded store commits it without an fsync, and the next
    /// durable commit (a lead's decision, a moment later) makes it durable: one fsync for
    /// both instead of one each.
    fn insert_visible(
        &self,
        new: &NewLead,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<PendingInsert>> + Send {
        async move {
            self.insert_if_absent(new, now)
                .await
                .map(PendingInsert::synced)
        }
    }

    fn get(&self, lead_id: &str) -> impl Future<Output = StoreResult<Option<StoredLead>>> + Send;

    /// The latest primary (not duplicate) lead stored under email dedupe with this
    /// normalized address.
    fn latest_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = StoreResult<Option<StoredLead>>> + Send;

    /// Leads awaiting routing (`received` or `queued`) last updated before `updated_before`,
    /// oldest first, at most `limit`: the ones whose hand-off to routing was lost. Reads an
    /// index holding only leads awaiting routing, so the cost grows with those leads, not
    /// with every lead stored (on DynamoDB the index may lag writes by a moment).
    fn awaiting_routing(
        &self,
        updated_before: Timestamp,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<StoredLead>>> + Send;

    /// `NotFound` when the lead does not exist; `Conflict` when its status is not `from`.
    fn set_status(
        &self,
        lead_id: &str,
        from: LeadStatus,
        to: LeadStatus,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<StoredLead>> + Send;
}

/// Statuses [`LeadStore::set_status`] may set (the others belong to routing).
pub fn settable_status(to: LeadStatus) -> bool {
    matches!(
        to,
        LeadStatus::Received | LeadStatus::Queued | LeadStatus::Duplicate
    )
}

/// `Invalid` for a status [`LeadStore::set_status`] must refuse: every store checks it
/// before touching anything.
pub fn check_settable(to: LeadStatus) -> StoreResult<()> {
    if settable_status(to) {
        Ok(())
    } else {
        Err(crate::StoreError::Invalid(format!(
            "status {} is set by routing, not set_status",
            to.as_str()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_payload_is_capped_at_a_character_boundary() {
        let whole = RawPayload::capture(Some("application/json"), "{\"a\":1}".as_bytes(), 1024);
        assert_eq!(
            (whole.body.as_str(), whole.truncated, whole.original_len),
            ("{\"a\":1}", false, 7)
        );

        // "é" is two bytes; a cap of 2 would split it, so only "a" is kept.
        let cut = RawPayload::capture(None, "aé".as_bytes(), 2);
        assert_eq!(
            (cut.encoding, cut.body.as_str(), cut.truncated),
            (RawEncoding::Utf8, "a", true)
        );

        let binary = RawPayload::capture(None, &[0xff, 0xfe, 0x00], 1024);
        assert_eq!(
            (binary.encoding, binary.body.as_str()),
            (RawEncoding::Base64, "//4A")
        );
    }

    #[test]
    fn the_email_index_key_is_a_hash_not_the_address() {
        let key = email_key("ana@example.org");
        assert_eq!(key.len(), 64);
        assert!(!key.contains("example"));
        assert_eq!(key, email_key("ana@example.org"));
        assert_ne!(key, email_key("bo@example.org"));
    }
}
