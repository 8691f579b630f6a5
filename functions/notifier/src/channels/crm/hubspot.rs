//! HubSpot (CRM v3, a private app's token as the bearer): find the contact by email,
//! create it when absent, and make the assigned rep its owner (`hubspot_owner_id`).
//!
//! - `POST /crm/v3/objects/contacts/search` with one filter `email EQ <email>`: `total`
//!   and `results[].id`;
//! - `POST /crm/v3/objects/contacts` with the mapped properties and the owner (one
//!   request instead of create-then-update, which halves the calls under rate limits);
//!   a 409 `Contact already exists. Existing ID: <id>` (the search index lags a create by
//!   seconds) continues with that contact;
//! - `PATCH /crm/v3/objects/contacts/{id}` with `hubspot_owner_id` and, when configured,
//!   `hs_lead_status` / `lifecyclestage`;
//! - when the lead matched an account the account sync read from HubSpot
//!   (`hubspot:<company id>`), `PUT /crm/v4/objects/contacts/{id}/associations/default/
//!   companies/{company id}`: the default (unlabeled) contact-to-company association,
//!   which is idempotent. A company gone since the sync (404) leaves the contact
//!   unassociated, said in the log; the owner is written all the same.
//!
//! Errors come as `{"status": "error", "message", "category", "correlationId"}`.

use http::Method;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::fields::{Mapping, mapped};
use super::{Crm, json, lead_email, retry_after, send_json};
use crate::channels::ChannelError;
use crate::http::{HttpClient, Response};
use crate::note::Note;

pub const API_URL: &str = "https://api.hubapi.com";

/// A HubSpot connector, its token resolved.
#[derive(Clone)]
pub struct Hubspot {
    pub token: String,
    /// `https://api.hubapi.com` unless a test or a proxy says otherwise.
    pub api_url: String,
    pub properties: Mapping,
    pub lead_status: Option<String>,
    pub lifecycle_stage: Option<String>,
    /// The scheduled sync reads this portal's companies into the account store.
    pub sync_accounts: bool,
}

impl std::fmt::Debug for Hubspot {
    /// Without the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hubspot")
            .field("api_url", &self.api_url)
            .field("properties", &self.properties)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct SearchAnswer {
    total: u64,
    results: Vec<Object>,
}

#[derive(Deserialize)]
struct Object {
    id: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorAnswer {
    message: String,
    category: String,
}

/// Which call an answer belongs to: a 404 means something else for each.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Call {
    Search,
    Create,
    Update,
    Owners,
    Companies,
    Associate,
    Deals,
}

impl Call {
    pub(super) fn what(self) -> &'static str {
        match self {
            Call::Search => "the contact search",
            Call::Create => "the contact create",
            Call::Update => "the owner update",
            Call::Owners => "the owners list",
            Call::Companies => "the company search",
            Call::Associate => "the company association",
            Call::Deals => "the deal search",
        }
    }
}

impl Hubspot {
    /// Makes the note's rep the owner of the lead's record and returns the contact's id
    /// (errors unredacted: the channel's dispatch redacts them, `channels::crm_write`).
    pub async fn write(
        &self,
        http: &HttpClient,
        note: &Note,
        now: Timestamp,
    ) -> Result<String, ChannelError> {
        let owner = Crm::Hubspot.owner(note)?;
        let email = lead_email(note, "HubSpot contact")?;
        let id = match self.search(http, email, now).await? {
            Some(id) => id,
            None => match self.create(http, note, owner, now).await? {
                Created::New(id) => {
                    self.associate(http, note, &id, now).await?;
                    return Ok(id);
                }
                Created::Existing(id) => id,
            },
        };
        self.update(http, &id, owner, now).await?;
        self.associate(http, note, &id, now).await?;
        Ok(id)
    }

    /// Associates the contact with the company of the lead's matched account, when that
    /// account came from this HubSpot portal (`hubspot:<company id>`).
    async fn associate(
        &self,
        http: &HttpClient,
        note: &Note,
        contact: &str,
        now: Timestamp,
    ) -> Result<(), ChannelError> {
        let Some(company) = note
            .account
            .as_deref()
            .and_then(|a| a.strip_prefix("hubspot:"))
            .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
        else {
            return Ok(());
        };
        let url = self.url(&format!(
            "/crm/v4/objects/contacts/{}/associations/default/companies/{company}",
            path_segment(contact)?
        ));
        let response = send_json(http, Method::PUT, &url, &self.token, None, &[]).await?;
        if response.status.as_u16() == 404 {
            // Deleted or merged in HubSpot since the sync read it: nothing to link to
            // until the next sync, and no retry changes that.
            tracing::warn!(
                lead_id = %note.lead.id,
                contact,
                company,
                "HubSpot has no such company any more; the contact is not associated"
            );
            return Ok(());
        }
        check(&response, Call::Associate, now)
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_url.trim_end_matches('/'))
    }

    /// Every active owner (`GET /crm/v3/owners`, page by page).
    pub async fn people(
        &self,
        http: &HttpClient,
        now: Timestamp,
    ) -> Result<Vec<super::people::CrmPerson>, ChannelError> {
        #[derive(Deserialize)]
        struct Owner {
            id: String,
            #[serde(default)]
            email: Option<String>,
            #[serde(default, rename = "firstName")]
            first_name: Option<String>,
            #[serde(default, rename = "lastName")]
            last_name: Option<String>,
        }
        #[derive(Deserialize)]
        struct Next {
            after: String,
        }
        #[derive(Deserialize, Default)]
        struct Paging {
            next: Option<Next>,
        }
        #[derive(Deserialize)]
        struct Owners {
            results: Vec<Owner>,
            #[serde(default)]
            paging: Option<Paging>,
        }
        let mut people = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut url = self.url("/crm/v3/owners?limit=100&archived=false");
            if let Some(a) = &after {
                let a: String = form_urlencoded::byte_serialize(a.as_bytes()).collect();
                url.push_str(&format!("&after={a}"));
            }
            let response = send_json(http, Method::GET, &url, &self.token, None, &[]).await?;
            check(&response, Call::Owners, now)?;
            let page: Owners = json("HubSpot", Call::Owners.what(), &response)?;
            people.extend(page.results.into_iter().map(|o| {
                super::people::CrmPerson {
                    name: [o.first_name, o.last_name]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" "),
                    id: o.id,
                    email: o.email,
                }
            }));
            match page.paging.and_then(|p| p.next) {
                Some(next) => after = Some(next.after),
                None => return Ok(people),
            }
        }
    }

    async fn search(
        &self,
        http: &HttpClient,
        email: &str,
        now: Timestamp,
    ) -> Result<Option<String>, ChannelError> {
        let body = json!({
            "filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": email}]}],
            "properties": ["email", "hubspot_owner_id"],
            "limit": 1
        });
        let url = self.url("/crm/v3/objects/contacts/search");
        let response = send_json(http, Method::POST, &url, &self.token, Some(&body), &[]).await?;
        check(&response, Call::Search, now)?;
        let answer: SearchAnswer = json("HubSpot", Call::Search.what(), &response)?;
        if answer.total > 0 && answer.results.is_empty() {
            return Err(ChannelError::Transport(
                "HubSpot's contact search counted a match but returned none".into(),
            ));
        }
        Ok(answer.results.into_iter().next().map(|o| o.id))
    }

    async fn create(
        &self,
        http: &HttpClient,
        note: &Note,
        owner: &str,
        now: Timestamp,
    ) -> Result<Created, ChannelError> {
        let mut properties: Map<String, Value> = mapped(&self.properties, &note.record)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        // Found by email next time, whatever the mapping says.
        if let Some(email) = note.record.email.as_deref() {
            properties.insert("email".into(), Value::String(email.to_owned()));
        }
        properties.extend(self.owner_properties(owner));
        let url = self.url("/crm/v3/objects/contacts");
        let body = json!({ "properties": properties });
        let response = send_json(http, Method::POST, &url, &self.token, Some(&body), &[]).await?;
        if response.status.as_u16() == 409
            && let Some(id) = existing_id(&response)
        {
            return Ok(Created::Existing(id));
        }
        check(&response, Call::Create, now)?;
        // The answer is read so an unexpected one fails (and is retried) like elsewhere.
        let created: Object = json("HubSpot", Call::Create.what(), &response)?;
        Ok(Created::New(created.id))
    }

    async fn update(
        &self,
        http: &HttpClient,
        id: &str,
        owner: &str,
        now: Timestamp,
    ) -> Result<(), ChannelError> {
        let url = self.url(&format!("/crm/v3/objects/contacts/{}", path_segment(id)?));
        let body = json!({ "properties": self.owner_properties(owner) });
        let response = send_json(http, Method::PATCH, &url, &self.token, Some(&body), &[]).await?;
        check(&response, Call::Update, now)
    }

    fn owner_properties(&self, owner: &str) -> Map<String, Value> {
        let mut p = Map::new();
        p.insert("hubspot_owner_id".into(), Value::String(owner.to_owned()));
        if let Some(status) = &self.lead_status {
            p.insert("hs_lead_status".into(), Value::String(status.clone()));
        }
        if let Some(stage) = &self.lifecycle_stage {
            p.insert("lifecyclestage".into(), Value::String(stage.clone()));
        }
        p
    }
}

enum Created {
    /// Created with the owner set: its id.
    New(String),
    /// Already there (the search had not caught up): the owner is still to be set.
    Existing(String),
}

/// HubSpot object ids are numeric; anything else would change the request's path.
fn path_segment(id: &str) -> Result<&str, ChannelError> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(ChannelError::Transport(format!(
            "HubSpot returned a contact id that is not a number: {id:?}"
        )))
    }
}

/// The id in a 409's `Contact already exists. Existing ID: 12345`.
fn existing_id(response: &Response) -> Option<String> {
    let answer: ErrorAnswer = serde_json::from_slice(&response.body).ok()?;
    let (_, rest) = answer.message.split_once("Existing ID:")?;
    let id: String = rest
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!id.is_empty()).then_some(id)
}

/// Success for 2xx; otherwise the classification of the module docs of `crm`.
pub(super) fn check(response: &Response, call: Call, now: Timestamp) -> Result<(), ChannelError> {
    let status = response.status.as_u16();
    if response.status.is_success() {
        return Ok(());
    }
    let answer: ErrorAnswer = serde_json::from_slice(&response.body).unwrap_or_default();
    let detail = if answer.message.is_empty() {
        response.text()
    } else if answer.category.is_empty() {
        answer.message.clone()
    } else {
        format!("{}: {}", answer.category, answer.message)
    };
    let err = match status {
        401 => ChannelError::Config(format!(
            "HubSpot refused the private app token (401 {detail}); check the channel's token"
        )),
        403 if call == Call::Companies => ChannelError::Config(format!(
            "HubSpot refused {} (403 {detail}); the account sync needs the private app's scope crm.objects.companies.read",
            call.what()
        )),
        403 if call == Call::Deals => ChannelError::Config(format!(
            "HubSpot refused {} (403 {detail}); importing closed deals needs the private app's scope crm.objects.deals.read",
            call.what()
        )),
        403 if call == Call::Associate => ChannelError::Config(format!(
            "HubSpot refused {} (403 {detail}); associating contacts with companies needs the private app's scopes crm.objects.contacts.write and crm.objects.companies.read",
            call.what()
        )),
        403 => ChannelError::Config(format!(
            "HubSpot refused {} (403 {detail}); the private app needs the scopes crm.objects.contacts.read, crm.objects.contacts.write and crm.objects.owners.read",
            call.what()
        )),
        429 => ChannelError::RateLimited {
            retry_after: retry_after(response, now),
            detail: format!("HubSpot: {detail}"),
        },
        // The contact was merged or deleted since the search: the retry searches again.
        404 if call == Call::Update => ChannelError::Rejected {
            status,
            body: format!("the contact is gone since the search ({detail})"),
            permanent: false,
        },
        _ => ChannelError::Rejected {
            status,
            body: detail,
            permanent: !(response.status.is_server_error() || status == 408),
        },
    };
    Err(err)
}
