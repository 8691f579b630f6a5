//! Salesforce: an Outbound Message (SOAP) or a Flow's HTTP callout (JSON) about Leads or
//! Contacts, both reading as records with these fields:
//!
//! | field | what |
//! | --- | --- |
//! | `Id` | the record (required) |
//! | `OwnerId` | its owner now: someone other than the assigned rep hands the lead over |
//! | `LastModifiedById` | who changed it: the `integration_user` (the write-back) is ignored |
//! | `LastModifiedDate` | when: a change from before the assignment is ignored |
//! | `touched` | Flow only: what was worked (`Status`, `Task`), named in the reason |
//! | `outcome` | Flow only: `won`, `lost` or `unqualified`: the lead was finished with it, and its assignment is closed so |
//!
//! An Outbound Message is sent by a flow or workflow rule whose criteria are the touch
//! (the status changed, an activity was logged) or the owner change, so every message
//! is one or the other; it says nothing of which fields changed. It is
//!
//! ```xml
//! <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
//!  <soapenv:Body>
//!   <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
//!    <OrganizationId>00D…</OrganizationId><ActionId>04k…</ActionId>
//!    <Notification>
//!     <Id>04l…</Id>
//!     <sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
//!      <sf:Id>00Q…</sf:Id><sf:OwnerId>005…</sf:OwnerId>
//!     </sObject>
//!    </Notification>
//!   </notifications>
//!  </soapenv:Body>
//! </soapenv:Envelope>
//! ```
//!
//! answered with [`ACK`] (anything else and Salesforce sends the message again, for up to
//! 24 hours). The Flow callout's body is `{"records": [{"Id": …, "OwnerId": …, "touched":
//! "Status"}]}`, a single record object, or an array of them.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde::Deserialize;

use switchboard_store::CloseOutcome;

use super::Touch;
use super::config::TouchConfig;
use crate::error::IntakeError;

/// The acknowledgement of an Outbound Message: Salesforce counts the message delivered
/// only on this answer.
pub const ACK: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">"#,
    r#"<soapenv:Body>"#,
    r#"<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">"#,
    r#"<Ack>true</Ack>"#,
    r#"</notificationsResponse>"#,
    r#"</soapenv:Body>"#,
    r#"</soapenv:Envelope>"#
);

/// What an Outbound Message touch is named in the reason (it does not say which field).
pub const OUTBOUND_MESSAGE: &str = "outbound message";

/// One record as Salesforce sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Record {
    #[serde(rename = "Id", default)]
    pub id: Option<String>,
    #[serde(rename = "OwnerId", default)]
    pub owner_id: Option<String>,
    #[serde(rename = "LastModifiedById", default)]
    pub last_modified_by_id: Option<String>,
    #[serde(rename = "LastModifiedDate", default)]
    pub last_modified_date: Option<String>,
    #[serde(default)]
    pub touched: Option<String>,
    /// Flow only: the lead was finished with this outcome (`won`, `lost`, `unqualified`).
    #[serde(default)]
    pub outcome: Option<String>,
}

/// The records of an Outbound Message.
pub fn parse_soap(body: &[u8]) -> Result<Vec<Record>, IntakeError> {
    let bad = |why: String| IntakeError::invalid("body", why);
    let mut reader = Reader::from_reader(body);
    reader.config_mut().trim_text(true);
    // Local names of the open elements, outermost first.
    let mut path: Vec<String> = Vec::new();
    let mut records = Vec::new();
    let mut current: Option<Record> = None;
    let mut text = String::new();
    let mut seen_notifications = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| bad(format!("not an Outbound Message (XML): {e}")))?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "notifications" {
                    seen_notifications = true;
                }
                if name == "sObject" && path.last().is_some_and(|p| p == "Notification") {
                    current = Some(Record::default());
                }
                path.push(name);
                text.clear();
            }
            Event::Text(t) => {
                text.push_str(&t.decode().map_err(|e| bad(e.to_string()))?);
            }
            Event::CData(t) => {
                text.push_str(&t.decode().map_err(|e| bad(e.to_string()))?);
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match r.as_ref() {
                        b"amp" => Some('&'),
                        b"lt" => Some('<'),
                        b"gt" => Some('>'),
                        b"quot" => Some('"'),
                        b"apos" => Some('\''),
                        _ => None,
                    },
                };
                text.extend(resolved);
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let in_sobject = path.last().is_some_and(|p| p == "sObject");
                if let (true, Some(record)) = (in_sobject, current.as_mut()) {
                    let value = Some(text.trim().to_owned()).filter(|v| !v.is_empty());
                    match name.as_str() {
                        "Id" => record.id = value,
                        "OwnerId" => record.owner_id = value,
                        "LastModifiedById" => record.last_modified_by_id = value,
                        "LastModifiedDate" => record.last_modified_date = value,
                        _ => {}
                    }
                }
                if name == "sObject" && path.last().is_some_and(|p| p == "Notification") {
                    records.extend(current.take());
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_notifications {
        return Err(bad(
            "not an Outbound Message: no `notifications` element".into()
        ));
    }
    Ok(records)
}

/// The records of a Flow callout.
pub fn parse_json(body: &[u8]) -> Result<Vec<Record>, IntakeError> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Body {
        Wrapped { records: Vec<Record> },
        Many(Vec<Record>),
        One(Record),
    }
    match serde_json::from_slice(body) {
        Ok(Body::Wrapped { records } | Body::Many(records)) => Ok(records),
        Ok(Body::One(record)) => Ok(vec![record]),
        Err(_) => Err(IntakeError::invalid(
            "body",
            "expected {\"records\": [{\"Id\": …, \"OwnerId\": …, \"touched\": …}]}",
        )),
    }
}

/// A record as a touch, or why it is ignored. `default_touch` names the touch when the
/// record does not (an Outbound Message's).
pub fn touch(
    record: Record,
    config: &TouchConfig,
    default_touch: &str,
) -> Result<Touch, &'static str> {
    let clean = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let record_id = clean(record.id).ok_or("malformed_event")?;
    let by_us = match (&config.integration_user, clean(record.last_modified_by_id)) {
        (Some(ours), Some(by)) => super::same_user(super::TouchCrm::Salesforce, ours, &by),
        _ => false,
    };
    if by_us {
        return Err("changed_by_the_integration_user");
    }
    let occurred_at = clean(record.last_modified_date).and_then(|d| d.parse().ok());
    let outcome = match clean(record.outcome) {
        Some(o) => Some(CloseOutcome::parse(&o.to_ascii_lowercase()).ok_or("unknown_outcome")?),
        None => None,
    };
    Ok(Touch {
        record_id,
        owner: clean(record.owner_id),
        touched: Some(clean(record.touched).unwrap_or_else(|| default_touch.to_owned())),
        occurred_at,
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use crate::touches::config::TouchCrm;

    pub(crate) const MESSAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>00D5e000000AbCdEAK</OrganizationId>
   <ActionId>04k5e000000AbCdAAK</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/62.0/00D5e000000AbCd</EnterpriseUrl>
   <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/62.0/00D5e000000AbCd</PartnerUrl>
   <Notification>
    <Id>04l5e000000AbCdAAK</Id>
    <sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>00Q5e000001AbCdEAK</sf:Id>
     <sf:LastModifiedById>0055e000001AbCdAAK</sf:LastModifiedById>
     <sf:LastModifiedDate>2026-06-01T10:05:00.000Z</sf:LastModifiedDate>
     <sf:OwnerId>0055e000009ZzZzAAK</sf:OwnerId>
     <sf:Status>Working &amp; Contacted</sf:Status>
    </sObject>
   </Notification>
   <Notification>
    <Id>04l5e000000AbCeAAK</Id>
    <sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>00Q5e000001AbCeEAK</sf:Id>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>"#;

    fn config() -> TouchConfig {
        TouchConfig {
            id: "salesforce".into(),
            crm: TouchCrm::Salesforce,
            secret: Secret::new("t"),
            public_url: None,
            properties: Vec::new(),
            ignore_sources: Vec::new(),
            integration_user: Some("0055e000000IntE".into()),
            tolerance: jiff::SignedDuration::from_mins(5),
            outcomes: Default::default(),
        }
    }

    #[test]
    fn an_outbound_message_reads_as_its_records() {
        let records = parse_soap(MESSAGE.as_bytes()).unwrap();
        assert_eq!(
            records,
            vec![
                Record {
                    id: Some("00Q5e000001AbCdEAK".into()),
                    owner_id: Some("0055e000009ZzZzAAK".into()),
                    last_modified_by_id: Some("0055e000001AbCdAAK".into()),
                    last_modified_date: Some("2026-06-01T10:05:00.000Z".into()),
                    touched: None,
                    outcome: None,
                },
                Record {
                    id: Some("00Q5e000001AbCeEAK".into()),
                    ..Record::default()
                },
            ]
        );
        for body in ["<a/>", "not xml <", "{}"] {
            assert!(parse_soap(body.as_bytes()).is_err(), "{body}");
        }
    }

    #[test]
    fn a_flow_callout_is_one_record_or_many() {
        let one = r#"{"Id": "00Q1", "touched": "Status"}"#;
        let many = r#"[{"Id": "00Q1", "touched": "Status"}]"#;
        let wrapped = r#"{"records": [{"Id": "00Q1", "touched": "Status", "Extra": 1}]}"#;
        for body in [one, many, wrapped] {
            let records = parse_json(body.as_bytes()).unwrap();
            assert_eq!(records.len(), 1, "{body}");
            assert_eq!(records[0].touched.as_deref(), Some("Status"));
        }
        assert!(parse_json(b"<xml/>").is_err());
    }

    #[test]
    fn changes_by_the_integration_user_are_not_touches() {
        let record = |by: Option<&str>, owner: Option<&str>| Record {
            id: Some("00Q1".into()),
            owner_id: owner.map(Into::into),
            last_modified_by_id: by.map(Into::into),
            ..Record::default()
        };
        // The integration user in its 18-character form is the configured 15.
        assert_eq!(
            touch(record(Some("0055e000000IntEAAA"), None), &config(), "x"),
            Err("changed_by_the_integration_user")
        );
        let t = touch(record(Some("005OTHER"), Some("005NEW")), &config(), "x").unwrap();
        assert_eq!(
            (t.owner.as_deref(), t.touched.as_deref()),
            (Some("005NEW"), Some("x"))
        );
        assert_eq!(
            touch(Record::default(), &config(), "x"),
            Err("malformed_event")
        );
    }

    #[test]
    fn a_flow_record_may_carry_the_outcome() {
        let record = |outcome: &str| Record {
            id: Some("00Q1".into()),
            touched: Some("Status".into()),
            outcome: Some(outcome.into()),
            ..Record::default()
        };
        // (the flow's outcome, what the touch carries)
        let cases = [
            ("won", Ok(Some(CloseOutcome::Won))),
            (" Lost ", Ok(Some(CloseOutcome::Lost))),
            ("UNQUALIFIED", Ok(Some(CloseOutcome::Unqualified))),
            ("", Ok(None)),
            ("closed won", Err("unknown_outcome")),
        ];
        for (outcome, want) in cases {
            let got = touch(record(outcome), &config(), "x").map(|t| t.outcome);
            assert_eq!(got, want, "{outcome:?}");
        }
    }
}
