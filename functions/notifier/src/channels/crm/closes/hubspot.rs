//! HubSpot's closed deals: `POST /crm/v3/objects/deals/search` filtered on
//! `hs_is_closed EQ true` (and `closedate GTE <since>`, epoch milliseconds), sorted on
//! `closedate` ascending, 100 a page, paged with `paging.next.after`; `hs_is_closed_won`
//! tells won from lost. Past the search's 10,000 results the read searches again from the
//! newest close date read ([`Next::Restart`]).

use http::Method;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ClosesPage, CrmClose};
use crate::channels::ChannelError;
use crate::channels::crm::accounts::hubspot::{PAGE_SIZE, SearchAnswer, next_of, parse_time};
use crate::channels::crm::hubspot::{Call, Hubspot, check};
use crate::channels::crm::{json, send_json};
use crate::http::HttpClient;

/// The properties every close needs, before those the user maps.
const READ: [&str; 3] = ["hubspot_owner_id", "hs_is_closed_won", "closedate"];

#[derive(Deserialize)]
struct Deal {
    id: String,
    #[serde(default)]
    properties: serde_json::Map<String, Value>,
}

/// The search's body: closed deals from `since`, oldest first.
pub fn search_body(properties: &[String], since: Option<Timestamp>, after: Option<&str>) -> Value {
    let mut filters = vec![json!({
        "propertyName": "hs_is_closed", "operator": "EQ", "value": "true",
    })];
    if let Some(since) = since {
        filters.push(json!({
            "propertyName": "closedate",
            "operator": "GTE",
            "value": since.as_millisecond().to_string(),
        }));
    }
    let mut asked: Vec<&str> = READ.to_vec();
    for p in properties {
        if !asked.contains(&p.as_str()) {
            asked.push(p);
        }
    }
    let mut body = json!({
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": "closedate", "direction": "ASCENDING"}],
        "properties": asked,
        "limit": PAGE_SIZE,
    });
    if let Some(after) = after {
        body["after"] = json!(after);
    }
    body
}

pub(super) async fn page(
    hubspot: &Hubspot,
    http: &HttpClient,
    properties: &[String],
    since: Option<Timestamp>,
    after: Option<&str>,
    now: Timestamp,
) -> Result<ClosesPage, ChannelError> {
    let body = search_body(properties, since, after);
    let url = hubspot.url("/crm/v3/objects/deals/search");
    let response = send_json(http, Method::POST, &url, &hubspot.token, Some(&body), &[]).await?;
    check(&response, Call::Deals, now)?;
    let answer: SearchAnswer<Deal> = json("HubSpot", Call::Deals.what(), &response)?;
    let closes = answer
        .results
        .into_iter()
        .map(|d| close(d, properties))
        .collect();
    let next = next_of(answer.paging, Call::Deals.what())?;
    Ok(ClosesPage { closes, next })
}

fn close(d: Deal, properties: &[String]) -> CrmClose {
    // Every property value comes as text ("true", "2026-06-01T10:00:00Z"); empty is unset.
    let text = |name: &str| {
        d.properties
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    CrmClose {
        owner: text("hubspot_owner_id").map(str::to_owned),
        won: text("hs_is_closed_won") == Some("true"),
        closed: text("closedate").and_then(parse_time),
        values: properties
            .iter()
            .map(|p| text(p).map(|t| Value::String(t.to_owned())))
            .collect(),
        id: d.id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_asks_for_closed_deals_oldest_first_with_the_mapped_properties() {
        let since: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let body = search_body(
            &["industry".into(), "closedate".into()],
            Some(since),
            Some("200"),
        );
        assert_eq!(
            body,
            json!({
                "filterGroups": [{"filters": [
                    {"propertyName": "hs_is_closed", "operator": "EQ", "value": "true"},
                    {"propertyName": "closedate", "operator": "GTE", "value": "1767225600000"},
                ]}],
                "sorts": [{"propertyName": "closedate", "direction": "ASCENDING"}],
                "properties": ["hubspot_owner_id", "hs_is_closed_won", "closedate", "industry"],
                "limit": 100,
                "after": "200",
            })
        );
    }

    #[test]
    fn a_deal_reads_as_won_only_when_hubspot_says_so() {
        let deal = |won: &str| Deal {
            id: "7".into(),
            properties: json!({"hs_is_closed_won": won, "closedate": "", "industry": " Retail "})
                .as_object()
                .unwrap()
                .clone(),
        };
        let c = close(deal("true"), &["industry".into(), "region".into()]);
        assert!(c.won);
        assert_eq!((c.owner, c.closed), (None, None));
        assert_eq!(c.values, [Some(Value::String("Retail".into())), None]);
        assert!(!close(deal("false"), &[]).won);
        assert!(!close(deal(""), &[]).won);
    }
}
