//! HubSpot companies for the account sync: `POST /crm/v3/objects/companies/search`,
//! filtered on `hs_lastmodifieddate GTE <mark>` (epoch milliseconds) and sorted on it
//! ascending, 100 a page, paged with `paging.next.after`.
//!
//! The search API answers at most 10,000 results per request: a cursor that would go
//! past them ends the request with [`Next::Restart`], and the sync asks again from the
//! newest modified time read.

use http::Method;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{CrmAccount, Next, Page};
use crate::channels::ChannelError;
use crate::channels::crm::hubspot::{Call, Hubspot, check};
use crate::channels::crm::{json, send_json};
use crate::http::HttpClient;

pub const PAGE_SIZE: usize = 100;
/// The most results one search request pages through.
pub const SEARCH_LIMIT: usize = 10_000;

/// A CRM v3 search's answer: a page of records and the cursor of the next.
#[derive(Deserialize)]
pub(crate) struct SearchAnswer<T> {
    pub results: Vec<T>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Deserialize)]
pub(crate) struct Paging {
    #[serde(default)]
    next: Option<NextPage>,
}

#[derive(Deserialize)]
struct NextPage {
    after: String,
}

/// What follows a search page: the next cursor, or [`Next::Restart`] where the search
/// would page past [`SEARCH_LIMIT`].
pub(crate) fn next_of(paging: Option<Paging>, search: &str) -> Result<Next, ChannelError> {
    Ok(match paging.and_then(|p| p.next) {
        None => Next::Done,
        Some(n) if n.after.trim().is_empty() => {
            return Err(ChannelError::Transport(format!(
                "HubSpot gave an empty paging cursor for {search}"
            )));
        }
        // The cursor is the offset of the next result; past the limit the search refuses.
        Some(n) if n.after.parse::<usize>().is_ok_and(|o| o >= SEARCH_LIMIT) => Next::Restart,
        Some(n) => Next::Cursor(n.after),
    })
}

#[derive(Deserialize)]
struct Company {
    id: String,
    #[serde(default)]
    properties: serde_json::Map<String, Value>,
    #[serde(default, rename = "updatedAt")]
    updated_at: Option<Timestamp>,
}

pub(super) async fn page(
    hubspot: &Hubspot,
    http: &HttpClient,
    since: Option<Timestamp>,
    after: Option<&str>,
    now: Timestamp,
) -> Result<Page, ChannelError> {
    let mut body = json!({
        "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["name", "domain", "hs_additional_domains", "hubspot_owner_id", "hs_lastmodifieddate"],
        "limit": PAGE_SIZE,
    });
    if let Some(since) = since {
        body["filterGroups"] = json!([{"filters": [{
            "propertyName": "hs_lastmodifieddate",
            "operator": "GTE",
            "value": since.as_millisecond().to_string(),
        }]}]);
    }
    if let Some(after) = after {
        body["after"] = json!(after);
    }
    let url = hubspot.url("/crm/v3/objects/companies/search");
    let response = send_json(http, Method::POST, &url, &hubspot.token, Some(&body), &[]).await?;
    check(&response, Call::Companies, now)?;
    let answer: SearchAnswer<Company> = json("HubSpot", Call::Companies.what(), &response)?;
    let accounts = answer
        .results
        .into_iter()
        .map(company)
        .collect::<Result<Vec<_>, _>>()?;
    let next = next_of(answer.paging, Call::Companies.what())?;
    Ok(Page { accounts, next })
}

fn company(c: Company) -> Result<CrmAccount, ChannelError> {
    let text = |name: &str| {
        c.properties
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let modified = text("hs_lastmodifieddate")
        .and_then(|t| parse_time(&t))
        .or(c.updated_at)
        .ok_or_else(|| {
            ChannelError::Transport(format!(
                "HubSpot's company {} has no readable hs_lastmodifieddate",
                c.id
            ))
        })?;
    let mut websites: Vec<String> = text("domain").into_iter().collect();
    // Further domains are one property, separated by semicolons.
    if let Some(more) = text("hs_additional_domains") {
        websites.extend(
            more.split(';')
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty()),
        );
    }
    Ok(CrmAccount {
        name: text("name").unwrap_or_default(),
        websites,
        owner: text("hubspot_owner_id"),
        other_owners: Vec::new(),
        modified,
        id: c.id,
    })
}

/// HubSpot gives datetimes as ISO 8601 (`2026-06-01T10:00:00.123Z`) or, in older
/// portals' properties, as epoch milliseconds.
pub(crate) fn parse_time(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>().ok().or_else(|| {
        text.parse::<i64>()
            .ok()
            .and_then(|ms| Timestamp::from_millisecond(ms).ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_come_as_iso_or_epoch_milliseconds() {
        let t: Timestamp = "2026-06-01T10:00:00.123Z".parse().unwrap();
        assert_eq!(parse_time("2026-06-01T10:00:00.123Z"), Some(t));
        assert_eq!(parse_time(&t.as_millisecond().to_string()), Some(t));
        assert_eq!(parse_time("yesterday"), None);
    }
}
