//! Salesforce Accounts for the account sync: one SOQL query, `SELECT Id, Name, Website,
//! OwnerId, SystemModstamp FROM Account WHERE SystemModstamp >= <mark> ORDER BY
//! SystemModstamp`, followed through `nextRecordsUrl` while `done` is false.
//!
//! `SystemModstamp` moves on every change to the record, the system's own included (an
//! owner changed by a transfer), where `LastModifiedDate` may not. The mark is compared
//! at whole seconds (a SOQL datetime literal has none smaller), rounded down, so nothing
//! at the mark is missed.
//!
//! With `opportunity_owners`, each page's Accounts also get the owners of their open
//! Opportunities (`SELECT AccountId, OwnerId FROM Opportunity WHERE IsClosed = false AND
//! AccountId IN (…) ORDER BY LastModifiedDate DESC`, [`IN_BATCH`] ids a query so the
//! request stays within the URL length Salesforce takes), the fallback owners of an
//! Account whose own owner is not a rep. An Opportunity's change does not move its
//! Account's `SystemModstamp`, so such owners are read again only with the Account or by a
//! full sync.

use http::Method;
use jiff::Timestamp;
use serde::Deserialize;

use super::{CrmAccount, Next, Page};
use crate::channels::ChannelError;
use crate::channels::crm::json;
use crate::channels::crm::salesforce::{Call, QueryPage, Salesforce, check, next_path, record_id};
use crate::http::HttpClient;

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "Name", default)]
    name: Option<String>,
    #[serde(rename = "Website", default)]
    website: Option<String>,
    #[serde(rename = "OwnerId", default)]
    owner: Option<String>,
    #[serde(rename = "SystemModstamp")]
    modified: String,
}

pub(super) async fn page(
    salesforce: &Salesforce,
    http: &HttpClient,
    since: Option<Timestamp>,
    next: Option<&str>,
    now: Timestamp,
) -> Result<Page, ChannelError> {
    let path = match next {
        Some(next) => next_path(salesforce, next)?,
        None => salesforce.query_path(&query(since)),
    };
    let response = salesforce.call(http, Method::GET, &path, None, now).await?;
    check(&response, Call::Query, now)?;
    let answer: QueryPage<Record> = json("Salesforce", "the Account query", &response)?;
    let (records, next) = answer.split("Account")?;
    let mut accounts = records
        .into_iter()
        .map(account)
        .collect::<Result<Vec<_>, _>>()?;
    if salesforce.opportunity_owners {
        for chunk in accounts.chunks_mut(IN_BATCH) {
            opportunity_owners(salesforce, http, chunk, now).await?;
        }
    }
    Ok(Page {
        accounts,
        next: next.map_or(Next::Done, Next::Cursor),
    })
}

/// Account ids per Opportunity query: 200 quoted ids keep the GET request's URL well under
/// the 16,384 characters Salesforce accepts.
pub const IN_BATCH: usize = 200;

#[derive(Deserialize)]
struct Opportunity {
    #[serde(rename = "AccountId")]
    account: String,
    #[serde(rename = "OwnerId")]
    owner: String,
}

/// Adds the owners of the accounts' open Opportunities, most recently changed first.
async fn opportunity_owners(
    salesforce: &Salesforce,
    http: &HttpClient,
    accounts: &mut [CrmAccount],
    now: Timestamp,
) -> Result<(), ChannelError> {
    let ids: Vec<String> = accounts.iter().map(|a| format!("'{}'", a.id)).collect();
    let soql = format!(
        "SELECT AccountId, OwnerId FROM Opportunity WHERE IsClosed = false AND AccountId IN ({}) ORDER BY LastModifiedDate DESC",
        ids.join(", ")
    );
    let mut path = salesforce.query_path(&soql);
    loop {
        let response = salesforce.call(http, Method::GET, &path, None, now).await?;
        check(&response, Call::Query, now)?;
        let page: QueryPage<Opportunity> = json("Salesforce", "the Opportunity query", &response)?;
        let (records, next) = page.split("Opportunity")?;
        for o in records {
            // Ids came from Salesforce, in either form: compare the case-sensitive 15.
            let same = |a: &str| a.get(..15).is_some() && a.get(..15) == o.account.get(..15);
            if let Some(a) = accounts.iter_mut().find(|a| same(&a.id))
                && !a.other_owners.contains(&o.owner)
            {
                a.other_owners.push(o.owner);
            }
        }
        match next {
            Some(next) => path = next_path(salesforce, &next)?,
            None => return Ok(()),
        }
    }
}

/// The query from `since` (all Accounts without one).
pub fn query(since: Option<Timestamp>) -> String {
    let filter = since.map_or_else(String::new, |t| {
        let seconds = Timestamp::from_second(t.as_second()).unwrap_or(t);
        format!(
            " WHERE SystemModstamp >= {}",
            seconds.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
    });
    format!(
        "SELECT Id, Name, Website, OwnerId, SystemModstamp FROM Account{filter} ORDER BY SystemModstamp ASC"
    )
}

fn account(r: Record) -> Result<CrmAccount, ChannelError> {
    let modified = parse_time(&r.modified).ok_or_else(|| {
        ChannelError::Transport(format!(
            "Salesforce's Account {} has a SystemModstamp that is not a time: {:?}",
            r.id, r.modified
        ))
    })?;
    Ok(CrmAccount {
        id: record_id(&r.id)?.to_owned(),
        name: r.name.unwrap_or_default(),
        websites: r.website.into_iter().collect(),
        owner: r.owner.filter(|o| !o.trim().is_empty()),
        other_owners: Vec::new(),
        modified,
    })
}

/// Salesforce writes datetimes as `2026-06-01T10:00:00.000+0000`: an offset without a
/// colon, which RFC 3339 parsers refuse.
pub(crate) fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    let (head, offset) = text.split_at(text.len().checked_sub(5)?);
    let (sign, digits) = offset.split_at(1);
    if !matches!(sign, "+" | "-") || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    format!("{head}{sign}{}:{}", &digits[..2], &digits[2..])
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_times_are_read_with_or_without_the_offsets_colon() {
        let t: Timestamp = "2026-06-01T10:00:00.123Z".parse().unwrap();
        assert_eq!(parse_time("2026-06-01T10:00:00.123+0000"), Some(t));
        assert_eq!(parse_time("2026-06-01T12:00:00.123+0200"), Some(t));
        assert_eq!(parse_time("2026-06-01T10:00:00.123Z"), Some(t));
        assert_eq!(parse_time("2026-06-01"), None);
    }

    #[test]
    fn the_query_starts_at_the_marks_whole_second() {
        assert_eq!(
            query(None),
            "SELECT Id, Name, Website, OwnerId, SystemModstamp FROM Account ORDER BY SystemModstamp ASC"
        );
        let q = query(Some("2026-06-01T10:00:00.999Z".parse().unwrap()));
        assert!(
            q.contains(" WHERE SystemModstamp >= 2026-06-01T10:00:00Z ORDER BY"),
            "{q}"
        );
    }
}
