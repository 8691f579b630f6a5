//! Salesforce (REST API, a token of the client credentials flow): find the lead's record
//! by email, an open Lead first and then a Contact, create a Lead when there is neither,
//! and make the assigned rep its owner (`OwnerId`).
//!
//! - `GET /services/data/vXX.X/query?q=SELECT Id FROM Lead WHERE Email = '…' AND
//!   IsConverted = false …`, then the same on Contact: `totalSize`, `done`,
//!   `records[].Id`;
//! - `POST /services/data/vXX.X/sobjects/Lead` with the mapped fields and `OwnerId`:
//!   `{"id", "success", "errors"}`;
//! - `PATCH /services/data/vXX.X/sobjects/{Lead|Contact}/{id}` with `OwnerId`: 204.
//!
//! Both writes send `Sforce-Auto-Assign: FALSE`: without it the REST API runs the org's
//! active assignment rules, which would overwrite the owner just written.
//!
//! Errors come as `[{"message", "errorCode", "fields"}]`. A 401 is answered with a new
//! token and one more try; a 401 with a token just issued is a configuration error.

pub mod token;

use http::Method;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use super::fields::{Mapping, mapped};
use super::{Crm, json, lead_email, retry_after, send_json};
use crate::channels::ChannelError;
use crate::http::{HttpClient, Response};
use crate::note::Note;
use token::{Credentials, Token};

pub const API_VERSION: &str = "v62.0";
/// Salesforce's default session timeout.
pub const SESSION_MINUTES: u32 = 120;

const NO_ASSIGNMENT_RULES: &[(&str, &str)] = &[("sforce-auto-assign", "FALSE")];

/// A Salesforce connector, its credentials resolved; holds the current token.
pub struct Salesforce {
    pub my_domain: String,
    pub client_id: String,
    pub client_secret: String,
    pub api_version: String,
    pub fields: Mapping,
    /// The session timeout of the connected app (or the org): how long a token lives.
    pub session: SignedDuration,
    /// The scheduled sync reads this org's accounts into the account store.
    pub sync_accounts: bool,
    /// The account sync falls back to open Opportunities' owners.
    pub opportunity_owners: bool,
    token: Mutex<Option<Token>>,
}

impl std::fmt::Debug for Salesforce {
    /// Without the credentials or the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Salesforce")
            .field("my_domain", &self.my_domain)
            .field("api_version", &self.api_version)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct QueryAnswer {
    #[serde(rename = "totalSize")]
    total_size: u64,
    records: Vec<Record>,
}

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "Id")]
    id: String,
}

/// One page of a paged SOQL query's answer (the account sync, its open-Opportunity owners,
/// the closed deals and the user listing); follow its locator with [`next_path`].
#[derive(Deserialize)]
pub(crate) struct QueryPage<R> {
    records: Vec<R>,
    done: bool,
    #[serde(default, rename = "nextRecordsUrl")]
    next: Option<String>,
}

impl<R> QueryPage<R> {
    /// The page's records, and the `nextRecordsUrl` to follow while the query of
    /// `object` is not done (`None` once it is).
    pub(crate) fn split(self, object: &str) -> Result<(Vec<R>, Option<String>), ChannelError> {
        match (self.done, self.next) {
            (true, _) => Ok((self.records, None)),
            (false, Some(next)) => Ok((self.records, Some(next))),
            (false, None) => Err(ChannelError::Transport(format!(
                "Salesforce's {object} query is not done but gave no nextRecordsUrl"
            ))),
        }
    }
}

/// `nextRecordsUrl` is a path on the instance (`/services/data/v62.0/query/01g…-2000`);
/// anything else would send the token elsewhere.
pub(crate) fn next_path(salesforce: &Salesforce, next: &str) -> Result<String, ChannelError> {
    let prefix = format!("/services/data/{}/query/", salesforce.api_version);
    let rest = next.strip_prefix(&prefix).ok_or_else(|| {
        ChannelError::Transport(format!(
            "Salesforce's nextRecordsUrl is not a query locator of this API: {next:?}"
        ))
    })?;
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(ChannelError::Transport(format!(
            "Salesforce's nextRecordsUrl is not a query locator: {next:?}"
        )));
    }
    Ok(next.to_owned())
}

#[derive(Deserialize)]
struct CreateAnswer {
    id: String,
    success: bool,
    #[serde(default)]
    errors: Vec<ApiError>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ApiError {
    message: String,
    #[serde(rename = "errorCode")]
    error_code: String,
    fields: Vec<String>,
}

impl ApiError {
    fn describe(&self) -> String {
        let mut out = format!("{}: {}", self.error_code, self.message);
        if !self.fields.is_empty() {
            out.push_str(&format!(" (fields: {})", self.fields.join(", ")));
        }
        out
    }
}

/// Which call an answer belongs to: a 404 means something else for each.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    Query,
    Create,
    Update,
}

impl Call {
    pub(crate) fn what(self) -> &'static str {
        match self {
            Call::Query => "the query",
            Call::Create => "the Lead create",
            Call::Update => "the owner update",
        }
    }
}

impl Salesforce {
    /// The path that runs `soql` on this API version.
    pub(crate) fn query_path(&self, soql: &str) -> String {
        let q: String = form_urlencoded::byte_serialize(soql.as_bytes()).collect();
        format!("/services/data/{}/query?q={q}", self.api_version)
    }

    pub fn new(
        my_domain: String,
        client_id: String,
        client_secret: String,
        api_version: String,
        fields: Mapping,
        session_minutes: u32,
    ) -> Salesforce {
        Salesforce {
            my_domain,
            client_id,
            client_secret,
            api_version,
            fields,
            session: SignedDuration::from_mins(i64::from(session_minutes)),
            sync_accounts: false,
            opportunity_owners: false,
            token: Mutex::new(None),
        }
    }

    /// Whether the scheduled sync reads this org's accounts, and whether it falls back
    /// to open Opportunities' owners.
    pub fn with_account_sync(mut self, on: bool, opportunity_owners: bool) -> Salesforce {
        self.sync_accounts = on;
        self.opportunity_owners = opportunity_owners;
        self
    }

    /// Makes the note's rep the owner of the lead's record and returns the Lead's or
    /// Contact's id (errors unredacted: the channel's dispatch redacts them,
    /// `channels::crm_write`).
    pub async fn write(
        &self,
        http: &HttpClient,
        note: &Note,
        now: Timestamp,
    ) -> Result<String, ChannelError> {
        let owner = Crm::Salesforce.owner(note)?;
        let email = lead_email(note, "Salesforce Lead")?;
        for object in ["Lead", "Contact"] {
            if let Some(id) = self.find(http, object, email, now).await? {
                self.update(http, object, &id, owner, now).await?;
                return Ok(id);
            }
        }
        self.create(http, note, email, owner, now).await
    }

    /// Every active standard user (SOQL on `User`, following `nextRecordsUrl`).
    pub async fn people(
        &self,
        http: &HttpClient,
        now: Timestamp,
    ) -> Result<Vec<crate::channels::crm::people::CrmPerson>, ChannelError> {
        #[derive(Deserialize)]
        struct User {
            #[serde(rename = "Id")]
            id: String,
            #[serde(rename = "Email", default)]
            email: Option<String>,
            #[serde(rename = "Name", default)]
            name: Option<String>,
        }
        let soql = "SELECT Id, Email, Name FROM User WHERE IsActive = true AND UserType = 'Standard' ORDER BY Id";
        let mut path = self.query_path(soql);
        let mut people = Vec::new();
        loop {
            let response = self.call(http, Method::GET, &path, None, now).await?;
            check(&response, Call::Query, now)?;
            let page: QueryPage<User> = json("Salesforce", Call::Query.what(), &response)?;
            let (users, next) = page.split("User")?;
            for u in users {
                people.push(crate::channels::crm::people::CrmPerson {
                    id: record_id(&u.id)?.to_owned(),
                    email: u.email,
                    name: u.name.unwrap_or_default(),
                });
            }
            match next {
                Some(next) => path = next_path(self, &next)?,
                None => return Ok(people),
            }
        }
    }

    /// The newest open Lead (or Contact) with this email.
    async fn find(
        &self,
        http: &HttpClient,
        object: &str,
        email: &str,
        now: Timestamp,
    ) -> Result<Option<String>, ChannelError> {
        let converted = if object == "Lead" {
            " AND IsConverted = false"
        } else {
            ""
        };
        let soql = format!(
            "SELECT Id FROM {object} WHERE Email = '{}'{converted} ORDER BY CreatedDate DESC LIMIT 1",
            soql_string(email)
        );
        let path = self.query_path(&soql);
        let response = self.call(http, Method::GET, &path, None, now).await?;
        check(&response, Call::Query, now)?;
        let answer: QueryAnswer = json("Salesforce", Call::Query.what(), &response)?;
        if answer.total_size > 0 && answer.records.is_empty() {
            return Err(ChannelError::Transport(
                "Salesforce's query counted a match but returned no record".into(),
            ));
        }
        answer
            .records
            .into_iter()
            .next()
            .map(|r| record_id(&r.id).map(str::to_owned))
            .transpose()
    }

    async fn create(
        &self,
        http: &HttpClient,
        note: &Note,
        email: &str,
        owner: &str,
        now: Timestamp,
    ) -> Result<String, ChannelError> {
        let mut fields: Map<String, Value> = mapped(&self.fields, &note.record)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        // A Lead needs both; forms often lack one, and a Lead with a stand-in name the rep
        // can correct beats no Lead.
        let (local, domain) = email.split_once('@').unwrap_or((email, ""));
        fields
            .entry("LastName")
            .or_insert_with(|| Value::String(local.to_owned()));
        let company = if domain.is_empty() { "Unknown" } else { domain };
        fields
            .entry("Company")
            .or_insert_with(|| Value::String(company.to_owned()));
        fields.insert("Email".into(), Value::String(email.to_owned()));
        fields.insert("OwnerId".into(), Value::String(owner.to_owned()));
        let path = format!("/services/data/{}/sobjects/Lead", self.api_version);
        let body = Value::Object(fields);
        let response = self
            .call(http, Method::POST, &path, Some(&body), now)
            .await?;
        check(&response, Call::Create, now)?;
        let answer: CreateAnswer = json("Salesforce", Call::Create.what(), &response)?;
        if !answer.success || answer.id.is_empty() {
            let errors: Vec<String> = answer.errors.iter().map(ApiError::describe).collect();
            return Err(ChannelError::Rejected {
                status: response.status.as_u16(),
                body: format!("the Lead was not created: {}", errors.join("; ")),
                permanent: true,
            });
        }
        Ok(answer.id)
    }

    async fn update(
        &self,
        http: &HttpClient,
        object: &str,
        id: &str,
        owner: &str,
        now: Timestamp,
    ) -> Result<(), ChannelError> {
        let path = format!("/services/data/{}/sobjects/{object}/{id}", self.api_version);
        let mut body = Map::new();
        body.insert("OwnerId".into(), Value::String(owner.to_owned()));
        let response = self
            .call(http, Method::PATCH, &path, Some(&Value::Object(body)), now)
            .await?;
        check(&response, Call::Update, now)
    }

    /// One API request with the current token; on a 401 one more with a new token.
    pub(crate) async fn call(
        &self,
        http: &HttpClient,
        method: Method,
        path: &str,
        body: Option<&Value>,
        now: Timestamp,
    ) -> Result<Response, ChannelError> {
        let extra = if method == Method::GET {
            &[][..]
        } else {
            NO_ASSIGNMENT_RULES
        };
        let (token, fresh) = self.token(http, now, false).await?;
        let url = format!("{}{path}", token.instance_url);
        let response =
            send_json(http, method.clone(), &url, &token.access_token, body, extra).await?;
        if response.status.as_u16() != 401 {
            return Ok(response);
        }
        if !fresh {
            // The session ended before its expected time (revoked, a shorter timeout).
            let (token, _) = self.token(http, now, true).await?;
            let url = format!("{}{path}", token.instance_url);
            let response = send_json(http, method, &url, &token.access_token, body, extra).await?;
            if response.status.as_u16() != 401 {
                return Ok(response);
            }
            return Err(unauthorized(&response));
        }
        Err(unauthorized(&response))
    }

    /// The current token, or a new one when there is none, it is due, or `renew`. The
    /// lock is held while fetching so concurrent sends wait for one new token.
    async fn token(
        &self,
        http: &HttpClient,
        now: Timestamp,
        renew: bool,
    ) -> Result<(Token, bool), ChannelError> {
        let mut slot = self.token.lock().await;
        if !renew
            && let Some(t) = slot.as_ref()
            && now < t.refresh_at
        {
            return Ok((t.clone(), false));
        }
        *slot = None;
        let creds = Credentials {
            my_domain: &self.my_domain,
            client_id: &self.client_id,
            client_secret: &self.client_secret,
            session: self.session,
        };
        let t = token::fetch(http, &creds, now).await?;
        *slot = Some(t.clone());
        Ok((t, true))
    }
}

fn unauthorized(response: &Response) -> ChannelError {
    ChannelError::Config(format!(
        "Salesforce refused a token it had just issued (401 {}); the run-as user of the connected app needs the API Enabled permission and access to Leads and Contacts",
        errors_text(response)
    ))
}

/// A SOQL string literal's content: the escapes of the SOQL reference, so an address with
/// a quote (legal in the local part) cannot end the literal.
pub fn soql_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c => out.push(c),
        }
    }
    out
}

/// Salesforce ids are 15 or 18 letters and digits; anything else would change the path.
pub(crate) fn record_id(id: &str) -> Result<&str, ChannelError> {
    if matches!(id.len(), 15 | 18) && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(ChannelError::Transport(format!(
            "Salesforce returned a record id that is not one: {id:?}"
        )))
    }
}

fn parse_errors(response: &Response) -> Vec<ApiError> {
    serde_json::from_slice(&response.body).unwrap_or_default()
}

fn errors_text(response: &Response) -> String {
    let errors = parse_errors(response);
    if errors.is_empty() {
        response.text()
    } else {
        errors
            .iter()
            .map(ApiError::describe)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Success for 2xx; otherwise the classification of the module docs of `crm`.
pub(crate) fn check(response: &Response, call: Call, now: Timestamp) -> Result<(), ChannelError> {
    if response.status.is_success() {
        return Ok(());
    }
    let status = response.status.as_u16();
    let errors = parse_errors(response);
    let detail = errors_text(response);
    let has = |code: &str| errors.iter().any(|e| e.error_code == code);
    let err = if has("REQUEST_LIMIT_EXCEEDED") || status == 429 {
        ChannelError::RateLimited {
            retry_after: retry_after(response, now),
            detail: format!("Salesforce: {detail}"),
        }
    } else if has("UNABLE_TO_LOCK_ROW") || response.status.is_server_error() || status == 408 {
        ChannelError::Rejected {
            status,
            body: detail,
            permanent: false,
        }
    } else if status == 403 {
        ChannelError::Config(format!(
            "Salesforce refused {} (403 {detail}); the run-as user needs the API Enabled permission and access to Leads and Contacts",
            call.what()
        ))
    } else if status == 404 && call == Call::Update {
        // Deleted or merged since the query: the retry queries again.
        ChannelError::Rejected {
            status,
            body: format!("the record is gone since the query ({detail})"),
            permanent: false,
        }
    } else {
        // Validation rules, required fields, unknown fields, duplicates: the CRM's text
        // says what to change, and no retry changes it.
        ChannelError::Rejected {
            status,
            body: detail,
            permanent: true,
        }
    };
    Err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soql_literals_cannot_be_ended_by_the_value() {
        assert_eq!(soql_string("o'brien@x.example"), "o\\'brien@x.example");
        assert_eq!(soql_string("a\\b"), "a\\\\b");
        assert_eq!(soql_string("plain@x.example"), "plain@x.example");
    }

    #[test]
    fn ids_are_checked_before_they_go_into_a_path() {
        assert!(record_id("00Q5e00000AbCdE").is_ok());
        assert!(record_id("00Q5e00000AbCdEFGH").is_ok());
        assert!(record_id("../../x").is_err());
        assert!(record_id("00Q").is_err());
    }
}
