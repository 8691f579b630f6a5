//! The CRM's accounts into the account store, for sticky ownership: HubSpot companies and
//! Salesforce Accounts (name, website domain, owner), page by page and incremental by
//! last-modified time (docs/CRM.md, "Accounts").
//!
//! Each page is read in last-modified order and stored before the sync's high-water mark
//! moves to the newest time on it, so a run cut short (an error, the Lambda's deadline)
//! resumes where it stopped. The next run asks for records modified at or after the mark:
//! the records at the mark itself are read twice, which an upsert by id makes harmless,
//! rather than missed when several share one time.
//!
//! The owner becomes the rep whose `crm` id in the active policy is the record's owner;
//! a record owned by someone who is not a rep is stored without an owner (it still
//! matches leads, which then route by the rules). Records deleted in the CRM are not
//! removed: the search and the query return live records only.

pub mod hubspot;
pub mod salesforce;

use std::collections::HashMap;
use std::future::Future;

use jiff::Timestamp;
use serde::Serialize;
use switchboard_routing::{Account, PolicyDocument};
use switchboard_store::{AccountDirectory, ImportSummary, StoreError, SyncMarks};

use super::Crm;
use crate::channels::ChannelError;
use crate::http::HttpClient;

/// One CRM account as read, before its owner is mapped to a rep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrmAccount {
    /// The record's id in the CRM.
    pub id: String,
    pub name: String,
    /// The domain or website as the CRM holds it.
    pub websites: Vec<String>,
    /// The CRM user who owns it.
    pub owner: Option<String>,
    /// Who else may own it, in order, when `owner` is not a rep (Salesforce: the owners
    /// of its open Opportunities, most recently changed first).
    pub other_owners: Vec<String>,
    pub modified: Timestamp,
}

/// One page of records and what comes after it.
#[derive(Debug)]
pub struct Page {
    pub accounts: Vec<CrmAccount>,
    pub next: Next,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// The next page of the same request.
    Cursor(String),
    /// The request can page no further (HubSpot's search stops at 10,000 results): ask
    /// again from the newest time read.
    Restart,
    Done,
}

/// Where accounts are stored: the store itself, or the CLI's admin target.
pub trait AccountSink {
    type Error: std::error::Error + Send + Sync + 'static;
    fn import(
        &self,
        accounts: &[Account],
    ) -> impl Future<Output = Result<ImportSummary, Self::Error>> + Send;
}

/// The store's own account directory.
pub struct Directory<'a, S>(pub &'a S);

impl<S: AccountDirectory> AccountSink for Directory<'_, S> {
    type Error = StoreError;
    async fn import(&self, accounts: &[Account]) -> Result<ImportSummary, StoreError> {
        self.0.import(accounts).await
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{crm}: {source}")]
    Crm {
        crm: &'static str,
        #[source]
        source: ChannelError,
    },
    #[error("storing the accounts: {0}")]
    Sink(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the sync mark: {0}")]
    Mark(#[source] StoreError),
    /// HubSpot's search cannot page past 10,000 results with one modified time.
    #[error("{0}")]
    Stuck(String),
}

impl SyncError {
    /// True when running again cannot help until something is changed (credentials,
    /// scopes).
    pub fn is_permanent(&self) -> bool {
        match self {
            SyncError::Crm { source, .. } => source.is_permanent(),
            SyncError::Sink(_) | SyncError::Mark(_) => false,
            SyncError::Stuck(_) => true,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Records read from the CRM (a record read on two pages counts twice).
    pub read: usize,
    /// Accounts stored (upserted by id).
    pub stored: usize,
    /// Of those, with a rep as owner.
    pub owned: usize,
    /// Stored without an owner: the CRM owner is nobody, or nobody the policy has the id of.
    pub owner_not_a_rep: usize,
    /// Read but not stored: neither a name nor a domain to match leads by.
    pub skipped: usize,
    /// Asked for records modified at or after this (none: everything).
    pub since: Option<Timestamp>,
    /// The high-water mark after the run.
    pub mark: Option<Timestamp>,
    /// False when the run stopped at its deadline; the next run continues from `mark`.
    pub complete: bool,
}

/// The name a CRM's account sync keeps its mark under.
pub fn mark_name(crm: Crm) -> &'static str {
    match crm {
        Crm::Hubspot => "hubspot:companies",
        Crm::Salesforce => "salesforce:accounts",
    }
}

/// Which CRM to read, with its connector's credentials.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    Hubspot(&'a super::hubspot::Hubspot),
    Salesforce(&'a super::salesforce::Salesforce),
}

impl Source<'_> {
    pub fn crm(&self) -> Crm {
        match self {
            Source::Hubspot(_) => Crm::Hubspot,
            Source::Salesforce(_) => Crm::Salesforce,
        }
    }

    async fn page(
        &self,
        http: &HttpClient,
        since: Option<Timestamp>,
        cursor: Option<&str>,
        now: Timestamp,
    ) -> Result<Page, ChannelError> {
        match self {
            Source::Hubspot(h) => hubspot::page(h, http, since, cursor, now).await,
            Source::Salesforce(s) => salesforce::page(s, http, since, cursor, now).await,
        }
    }
}

/// Most bytes of one page's answer, for every read of a CRM's records. A Salesforce batch
/// holds up to 2,000 records (a few hundred KB of Accounts, megabytes of Opportunities
/// with their fields), and 100 HubSpot records with their properties come near the HTTP
/// client's default limit, which is sized for the channels' short answers: a longer
/// answer would fail the page.
pub(crate) const MAX_PAGE_BYTES: usize = 32 * 1024 * 1024;

/// How a run is bounded and where its mark is kept.
pub struct Run<'a, M> {
    /// `None`: no mark is kept (every run reads everything).
    pub marks: Option<&'a M>,
    /// Read everything, whatever the mark says (the mark is still moved).
    pub full: bool,
    /// No page is started after this (the Lambda's deadline less a margin).
    pub stop_at: Option<std::time::Instant>,
}

/// Reads the CRM's accounts changed since the mark into `sink`, owners mapped through
/// `policy`'s reps.
pub async fn sync<K: AccountSink, M: SyncMarks>(
    source: Source<'_>,
    http: &HttpClient,
    policy: &PolicyDocument,
    sink: &K,
    run: Run<'_, M>,
    now: Timestamp,
) -> Result<SyncReport, SyncError> {
    let crm = source.crm();
    let http = &http.clone().with_max_body(MAX_PAGE_BYTES);
    let name = mark_name(crm);
    let stored_mark = match run.marks {
        Some(m) => m.sync_mark(name).await.map_err(SyncError::Mark)?,
        None => None,
    };
    let mut since = if run.full { None } else { stored_mark };
    let owners = owners(policy, crm);
    let mut report = SyncReport {
        since,
        mark: stored_mark,
        ..SyncReport::default()
    };
    let mut cursor: Option<String> = None;
    loop {
        if run.stop_at.is_some_and(|t| std::time::Instant::now() >= t) {
            return Ok(report);
        }
        let page = page_with_waits(source, http, since, cursor.as_deref(), now)
            .await
            .map_err(|source| SyncError::Crm {
                crm: crm.name(),
                source,
            })?;
        report.read += page.accounts.len();
        let newest = page.accounts.iter().map(|a| a.modified).max();
        let accounts: Vec<Account> = page
            .accounts
            .iter()
            .filter_map(|a| to_account(crm, a, &owners))
            .collect();
        report.skipped += page.accounts.len() - accounts.len();
        for a in &accounts {
            if a.owner.is_some() {
                report.owned += 1;
            } else {
                report.owner_not_a_rep += 1;
            }
        }
        if !accounts.is_empty() {
            sink.import(&accounts)
                .await
                .map_err(|e| SyncError::Sink(Box::new(e)))?;
            report.stored += accounts.len();
        }
        // Never backwards: a full run over older records keeps a newer mark's meaning.
        if let Some(newest) = newest
            && report.mark.is_none_or(|m| newest > m)
        {
            report.mark = Some(newest);
            if let Some(m) = run.marks {
                m.set_sync_mark(name, newest)
                    .await
                    .map_err(SyncError::Mark)?;
            }
        }
        match page.next {
            Next::Cursor(c) => cursor = Some(c),
            Next::Restart => {
                // Asking again from the newest time read must get further than this
                // request did, or the same 10,000 records come back forever.
                if newest.is_none() || newest == since {
                    return Err(SyncError::Stuck(format!(
                        "{}: more than one search's worth of records share the modified time {}; run a full sync with a narrower search",
                        crm.name(),
                        since.map_or_else(|| "-".to_owned(), |t| t.to_string())
                    )));
                }
                since = newest;
                cursor = None;
            }
            Next::Done => {
                report.complete = true;
                return Ok(report);
            }
        }
    }
}

/// How often a page refused by a rate limit is asked for again, and the longest wait
/// before each time. HubSpot's search allows a few requests a second, which a sync paging
/// quickly through a large portal reaches: its refusals are waited out (a second when it
/// names no time). Salesforce's limits are a daily quota and concurrent requests: only a
/// refusal naming a short `Retry-After` is waited for. Anything longer ends the run, and
/// the next continues from the mark.
pub const RATE_LIMIT_WAITS: u32 = 3;
pub const RATE_LIMIT_MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// One page, waiting out short rate limits.
async fn page_with_waits(
    source: Source<'_>,
    http: &HttpClient,
    since: Option<Timestamp>,
    cursor: Option<&str>,
    now: Timestamp,
) -> Result<Page, ChannelError> {
    with_rate_limit_waits(source.crm(), || source.page(http, since, cursor, now)).await
}

/// `call`'s answer, asked for again while a rate limit refuses it with a short wait
/// ([`RATE_LIMIT_WAITS`] times at most): every read of a CRM's records pages this way.
pub(crate) async fn with_rate_limit_waits<T, F, Fut>(
    crm: Crm,
    mut call: F,
) -> Result<T, ChannelError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ChannelError>>,
{
    let unnamed = match crm {
        Crm::Hubspot => Some(std::time::Duration::from_secs(1)),
        Crm::Salesforce => None,
    };
    let mut waits = 0;
    loop {
        let result = call().await;
        let wait = match &result {
            Err(ChannelError::RateLimited { retry_after, .. }) if waits < RATE_LIMIT_WAITS => {
                retry_after
                    .map(std::time::Duration::from_secs)
                    .or(unnamed)
                    .filter(|w| *w <= RATE_LIMIT_MAX_WAIT)
            }
            _ => None,
        };
        match wait {
            Some(wait) => {
                waits += 1;
                tokio::time::sleep(wait).await;
            }
            None => return result,
        }
    }
}

/// CRM user id → rep id, from the reps' `crm` ids in the policy.
pub(crate) fn owners(policy: &PolicyDocument, crm: Crm) -> HashMap<String, String> {
    policy
        .reps
        .iter()
        .filter_map(|r| crm.rep_id(r).map(|id| (owner_key(crm, id), r.id.clone())))
        .collect()
}

/// Salesforce user ids come in a 15-character form and an 18-character one that adds a
/// checksum: the first 15 decide, case-sensitively.
pub(crate) fn owner_key(crm: Crm, id: &str) -> String {
    let id = id.trim();
    match crm {
        Crm::Salesforce if id.len() == 18 && id.is_ascii() => id[..15].to_owned(),
        _ => id.to_owned(),
    }
}

/// The account a CRM record becomes: `<crm>:<record id>`, so it never collides with an
/// imported file's ids and the next sync replaces it. `None` when nothing in it can match
/// a lead.
fn to_account(crm: Crm, a: &CrmAccount, owners: &HashMap<String, String>) -> Option<Account> {
    let mut domains: Vec<String> = Vec::new();
    for w in &a.websites {
        if let Some(d) = switchboard_normalize::website::registrable_domain(w)
            && !domains.contains(&d)
        {
            domains.push(d);
        }
    }
    let name = a.name.trim().to_owned();
    if domains.is_empty() && switchboard_routing::normalize_company_name(&name).is_empty() {
        return None;
    }
    let owner = a
        .owner
        .iter()
        .chain(&a.other_owners)
        .find_map(|o| owners.get(&owner_key(crm, o)))
        .cloned();
    let prefix = match crm {
        Crm::Hubspot => "hubspot",
        Crm::Salesforce => "salesforce",
    };
    Some(Account {
        id: format!("{prefix}:{}", a.id),
        name,
        domains,
        owner,
        attributes: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> PolicyDocument {
        PolicyDocument::from_yaml(
            "triage_pool: t
reps:
  - { id: ana, crm: { hubspot_owner_id: '111', salesforce_user_id: 005000000000001 } }
  - { id: bo, crm: { salesforce_user_id: 005000000000002AAA } }
pools: [ { id: p, members: [ana, bo] } ]
rules: [ { id: r, pool: p } ]
",
        )
        .unwrap()
    }

    const BO: &str = "005000000000002AAA";

    fn record(owner: Option<&str>, websites: &[&str], name: &str) -> CrmAccount {
        CrmAccount {
            id: "42".into(),
            name: name.into(),
            websites: websites.iter().map(|w| (*w).to_owned()).collect(),
            owner: owner.map(str::to_owned),
            other_owners: Vec::new(),
            modified: "2026-06-01T10:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn owners_map_to_reps_in_either_salesforce_id_form() {
        let sf = owners(&policy(), Crm::Salesforce);
        let a = to_account(
            Crm::Salesforce,
            &record(
                Some("005000000000001AAA"),
                &["https://www.acme.com/"],
                "Acme",
            ),
            &sf,
        )
        .unwrap();
        assert_eq!(a.id, "salesforce:42");
        assert_eq!(a.owner.as_deref(), Some("ana"));
        assert_eq!(a.domains, ["acme.com"]);
        let b = to_account(
            Crm::Salesforce,
            &record(Some("005000000000002"), &[], "Beta"),
            &sf,
        )
        .unwrap();
        assert_eq!(b.owner.as_deref(), Some("bo"));
        assert!(b.domains.is_empty());
        // An owner who is not a rep gives way to the first other owner who is.
        let mut opp = record(Some("005000000000099AAA"), &[], "Opp");
        opp.other_owners = vec!["005000000000098AAA".into(), BO.into()];
        let o = to_account(Crm::Salesforce, &opp, &sf).unwrap();
        assert_eq!(o.owner.as_deref(), Some("bo"));
        let hs = owners(&policy(), Crm::Hubspot);
        let c = to_account(Crm::Hubspot, &record(Some("999"), &["acme.com"], ""), &hs).unwrap();
        assert_eq!((c.id.as_str(), c.owner), ("hubspot:42", None));
    }

    #[test]
    fn a_record_with_nothing_to_match_by_is_not_stored() {
        let hs = owners(&policy(), Crm::Hubspot);
        assert!(to_account(Crm::Hubspot, &record(Some("111"), &["co.uk"], "  "), &hs).is_none());
    }
}
