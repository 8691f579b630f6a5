//! Same-email dedupe over a store port that has no email index: one *claim* record per
//! primary lead.
//!
//! A claim is stored through the port's atomic `insert_if_absent` with the id and key
//! `email-claim:<sha256 of the email>:<n>`, n = 0, 1, 2, ...; claim `n + 1` is only
//! written once claim `n` is older than the dedupe window, so the claims of one address
//! form a gap-free sequence whose last element names the address's latest primary lead
//! (and carries its `received_at`). Claiming the next number is the atomic step: of two
//! concurrent leads from one address, exactly one creates the claim and the other finds it.
//!
//! A claim is stored as a lead (the port's only keyed record) with no contact fields and
//! status `duplicate`, so nothing ever routes it; ids with [`CLAIM_ID_PREFIX`] are never
//! handed out as leads.

use jiff::Timestamp;
use sha2::{Digest, Sha256};
use switchboard_routing::{Lead, Scalar};
use switchboard_store as port;

use super::store_error;
use crate::store::StoreError;

/// Every claim's id (and key) starts with this.
pub const CLAIM_ID_PREFIX: &str = "email-claim:";

/// The attribute of a claim naming the primary lead.
const PRIMARY: &str = "primary_lead_id";

/// Claims a race can make us re-read before giving up (each loss means another lead of
/// the same address won, which settles the question; more than a few is a bug).
const MAX_ROUNDS: usize = 8;

struct Claim {
    number: u64,
    primary: String,
    received_at: Timestamp,
}

pub(super) fn claim_id(email: &str, number: u64) -> String {
    format!(
        "{CLAIM_ID_PREFIX}{}:{number}",
        hex::encode(Sha256::digest(email.as_bytes()))
    )
}

fn decode(number: u64, stored: &port::StoredLead) -> Result<Claim, StoreError> {
    match stored.lead.attributes.get(PRIMARY) {
        Some(Scalar::Text(primary)) => Ok(Claim {
            number,
            primary: primary.clone(),
            received_at: stored.lead.received_at,
        }),
        _ => Err(StoreError::new(format!(
            "claim {} names no primary lead",
            stored.lead.id
        ))),
    }
}

async fn read<S: port::LeadStore>(
    store: &S,
    email: &str,
    number: u64,
) -> Result<Option<Claim>, StoreError> {
    let stored = store
        .get(&claim_id(email, number))
        .await
        .map_err(store_error)?;
    stored.map(|s| decode(number, &s)).transpose()
}

/// The address's last claim: claims exist for a prefix `0..=m` of the numbers, so an
/// exponential probe and a binary search find `m` in O(log m) reads.
async fn last<S: port::LeadStore>(store: &S, email: &str) -> Result<Option<Claim>, StoreError> {
    let Some(mut found) = read(store, email, 0).await? else {
        return Ok(None);
    };
    let mut missing = 1;
    while let Some(c) = read(store, email, missing).await? {
        found = c;
        missing = missing.saturating_mul(2);
    }
    while missing - found.number > 1 {
        let mid = found.number + (missing - found.number) / 2;
        match read(store, email, mid).await? {
            Some(c) => found = c,
            None => missing = mid,
        }
    }
    Ok(Some(found))
}

/// The address's latest primary lead, if any lead with it was ever stored as primary.
pub(super) async fn primary<S: port::LeadStore>(
    store: &S,
    email: &str,
) -> Result<Option<String>, StoreError> {
    Ok(last(store, email).await?.map(|c| c.primary))
}

/// Decides whether `lead` (already stored) is the primary lead for `email`: `Ok(None)`
/// when it is (it now holds the claim), `Ok(Some(primary))` when a lead received at or
/// after `since` holds it.
pub(super) async fn claim<S: port::LeadStore>(
    store: &S,
    email: &str,
    lead: &Lead,
    since: Timestamp,
) -> Result<Option<String>, StoreError> {
    let mut current = last(store, email).await?;
    for _ in 0..MAX_ROUNDS {
        let next = match &current {
            // A claim of this very lead: an earlier attempt got this far.
            Some(c) if c.primary == lead.id => return Ok(None),
            Some(c) if c.received_at >= since => return Ok(Some(c.primary.clone())),
            Some(c) => c.number + 1,
            None => 0,
        };
        let id = claim_id(email, next);
        let record = Lead {
            id: id.clone(),
            received_at: lead.received_at,
            attributes: [(PRIMARY.to_owned(), Scalar::Text(lead.id.clone()))].into(),
            ..Lead::default()
        };
        match store
            .insert_if_absent(&record, &id, lead.received_at)
            .await
            .map_err(store_error)?
        {
            port::Insert::Created(_) => {
                // Never routable, whatever re-drives `received` leads.
                store
                    .set_status(
                        &id,
                        port::LeadStatus::Received,
                        port::LeadStatus::Duplicate,
                        lead.received_at,
                    )
                    .await
                    .map_err(store_error)?;
                return Ok(None);
            }
            // Another lead of this address claimed the number first: judge by its claim.
            port::Insert::Existing(winner) => current = Some(decode(next, &winner)?),
        }
    }
    Err(StoreError::new(format!(
        "no decision on the email claim after {MAX_ROUNDS} rounds"
    )))
}
