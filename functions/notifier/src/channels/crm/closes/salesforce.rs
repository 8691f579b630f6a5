//! Salesforce's closed Opportunities: one SOQL query, `SELECT Id, OwnerId, IsWon,
//! CloseDate, <mapped fields> FROM Opportunity WHERE IsClosed = true AND CloseDate >=
//! <since> ORDER BY CloseDate ASC, Id ASC`, followed through `nextRecordsUrl` while `done`
//! is false. A mapped field may go through a relationship (`Account.Industry`): the answer
//! nests it (`"Account": {"Industry": "Retail"}`), and an Opportunity without an Account
//! has `"Account": null`.

use http::Method;
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::{ClosesPage, CrmClose};
use crate::channels::ChannelError;
use crate::channels::crm::accounts::Next;
use crate::channels::crm::accounts::salesforce::parse_time;
use crate::channels::crm::json;
use crate::channels::crm::salesforce::{Call, QueryPage, Salesforce, check, next_path, record_id};
use crate::http::HttpClient;

/// The fields every close needs, before those the user maps.
const READ: [&str; 4] = ["Id", "OwnerId", "IsWon", "CloseDate"];

/// The query for closed Opportunities from `since`'s day (UTC).
pub fn query(properties: &[String], since: Option<Timestamp>) -> String {
    let mut fields: Vec<&str> = READ.to_vec();
    for p in properties {
        // SOQL refuses a field named twice; names are case-insensitive.
        if !fields.iter().any(|f| f.eq_ignore_ascii_case(p)) {
            fields.push(p);
        }
    }
    let filter = since.map_or_else(String::new, |t| {
        format!(
            " AND CloseDate >= {}",
            jiff::tz::Offset::UTC.to_datetime(t).date()
        )
    });
    format!(
        "SELECT {} FROM Opportunity WHERE IsClosed = true{filter} ORDER BY CloseDate ASC, Id ASC",
        fields.join(", ")
    )
}

pub(super) async fn page(
    salesforce: &Salesforce,
    http: &HttpClient,
    properties: &[String],
    since: Option<Timestamp>,
    next: Option<&str>,
    now: Timestamp,
) -> Result<ClosesPage, ChannelError> {
    let path = match next {
        Some(next) => next_path(salesforce, next)?,
        None => salesforce.query_path(&query(properties, since)),
    };
    let response = salesforce.call(http, Method::GET, &path, None, now).await?;
    check(&response, Call::Query, now)?;
    let answer: QueryPage<Map<String, Value>> =
        json("Salesforce", "the Opportunity query", &response)?;
    let (records, next) = answer.split("Opportunity")?;
    let closes = records
        .iter()
        .map(|r| close(r, properties))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ClosesPage {
        closes,
        next: next.map_or(Next::Done, Next::Cursor),
    })
}

fn close(record: &Map<String, Value>, properties: &[String]) -> Result<CrmClose, ChannelError> {
    let id = record
        .get("Id")
        .and_then(Value::as_str)
        .ok_or_else(|| ChannelError::Transport("an Opportunity without an Id".into()))?;
    let text = |name: &str| {
        record
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    Ok(CrmClose {
        id: record_id(id)?.to_owned(),
        owner: text("OwnerId").map(str::to_owned),
        won: record.get("IsWon").and_then(Value::as_bool) == Some(true),
        closed: text("CloseDate").and_then(close_time),
        values: properties.iter().map(|p| field(record, p)).collect(),
    })
}

/// A close date (`2026-06-01`) as its midnight, UTC; a datetime as itself.
fn close_time(text: &str) -> Option<Timestamp> {
    match text.parse::<jiff::civil::Date>() {
        Ok(d) => jiff::tz::Offset::UTC.to_timestamp(d.at(0, 0, 0, 0)).ok(),
        Err(_) => parse_time(text),
    }
}

/// The value at a field path, through nested relationship objects; text trimmed, empty
/// text as none.
fn field(record: &Map<String, Value>, path: &str) -> Option<Value> {
    let mut parts = path.split('.');
    let mut value = get_ignoring_case(record, parts.next()?)?;
    for part in parts {
        value = get_ignoring_case(value.as_object()?, part)?;
    }
    match value {
        Value::Null => None,
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty()).then(|| Value::String(s.to_owned()))
        }
        Value::Array(_) | Value::Object(_) => None,
        other => Some(other.clone()),
    }
}

/// The answer spells a field as the org defines it, which may differ in case from the
/// query (`account.industry` asks for `Account.Industry`).
fn get_ignoring_case<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_query_reads_closed_opportunities_from_the_day_on() {
        assert_eq!(
            query(&["Account.Industry".into(), "closedate".into()], None),
            "SELECT Id, OwnerId, IsWon, CloseDate, Account.Industry FROM Opportunity WHERE IsClosed = true ORDER BY CloseDate ASC, Id ASC"
        );
        let q = query(&[], Some("2026-03-01T00:00:00Z".parse().unwrap()));
        assert!(
            q.contains("WHERE IsClosed = true AND CloseDate >= 2026-03-01 ORDER BY"),
            "{q}"
        );
    }

    #[test]
    fn fields_are_read_through_relationships() {
        let record = json!({
            "attributes": {"type": "Opportunity"},
            "Id": "006000000000001AAA",
            "OwnerId": "005000000000001AAA",
            "IsWon": true,
            "CloseDate": "2026-06-01",
            "Amount": 1200.5,
            "Account": {"attributes": {"type": "Account"}, "Industry": " Retail ", "BillingCountry": ""},
        });
        let r = record.as_object().unwrap();
        let c = close(
            r,
            &[
                "account.industry".into(),
                "Account.BillingCountry".into(),
                "Amount".into(),
                "Account.Missing".into(),
            ],
        )
        .unwrap();
        assert!(c.won);
        assert_eq!(c.owner.as_deref(), Some("005000000000001AAA"));
        assert_eq!(c.closed, Some("2026-06-01T00:00:00Z".parse().unwrap()));
        assert_eq!(
            c.values,
            [Some(json!("Retail")), None, Some(json!(1200.5)), None]
        );
        // No Account: the field through it has no value.
        let lone = json!({"Id": "006000000000002AAA", "IsWon": false, "Account": null});
        let c = close(lone.as_object().unwrap(), &["Account.Industry".into()]).unwrap();
        assert!(!c.won);
        assert_eq!(c.values, [None]);
        let bad = json!({"Id": "x; DROP", "IsWon": false});
        assert!(close(bad.as_object().unwrap(), &[]).is_err());
    }
}
