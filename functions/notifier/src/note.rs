//! What a notification says, independent of the channel: the lead in brief, why this rep,
//! the SLA deadline (absolute and in the reader's time zone) and the actions. Each channel
//! renders a [`Note`] in its own format.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use switchboard_routing::PolicyDocument;
use switchboard_routing::{Email, Lead, LeadId, RepId};
use switchboard_store::action_link::{ActionClaim, LinkAction, sign};
use switchboard_store::{NotifyKind, NotifyMessage, StoredLead};

use crate::config::NotifyConfig;

/// A rep as the message shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    pub id: RepId,
    /// The policy's name, else the id.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// IANA name; `UTC` when the policy does not know the rep.
    pub time_zone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slack_user: Option<String>,
    /// The policy's `crm.hubspot_owner_id` (CRM connectors only; not in payloads).
    #[serde(skip)]
    pub hubspot_owner_id: Option<String>,
    /// The policy's `crm.salesforce_user_id` (CRM connectors only; not in payloads).
    #[serde(skip)]
    pub salesforce_user_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadSummary {
    pub id: LeadId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl LeadSummary {
    pub fn from_stored(stored: &StoredLead) -> LeadSummary {
        let l = &stored.lead;
        let name = [l.first_name.as_deref(), l.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        LeadSummary {
            id: l.id.clone(),
            name: (!name.is_empty()).then_some(name),
            company: l.company.clone(),
            email: l.email.clone(),
            phone: l.phone.clone(),
            country: l.country.clone(),
            source: l.source.clone(),
        }
    }

    /// `Ada Lovelace (Analytical Engines)`, or whatever of it is known.
    pub fn display(&self) -> String {
        match (&self.name, &self.company) {
            (Some(n), Some(c)) => format!("{n} ({c})"),
            (Some(n), None) => n.clone(),
            (None, Some(c)) => c.clone(),
            (None, None) => self.email.as_deref().unwrap_or(&self.id).to_owned(),
        }
    }

    /// `(label, value)` of each known field, in display order.
    pub fn fields(&self) -> Vec<(&'static str, &str)> {
        [
            ("Name", self.name.as_deref()),
            ("Company", self.company.as_deref()),
            ("Email", self.email.as_deref()),
            ("Phone", self.phone.as_deref()),
            ("Country", self.country.as_deref()),
            ("Source", self.source.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sla {
    pub due: Timestamp,
    /// The deadline on the reader's clock, e.g. `2026-06-01 12:05 CEST`.
    pub local: String,
    pub time_zone: String,
}

impl Sla {
    /// `12:05 CEST on 2026-06-01 (10:05 UTC)`.
    pub fn describe(&self) -> String {
        let utc = self.due.strftime("%Y-%m-%d %H:%M UTC").to_string();
        if self.time_zone == "UTC" {
            utc
        } else {
            format!("{} ({utc})", self.local)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Links {
    pub accept: String,
    pub reject: String,
    /// Opens a page where the rep picks a recycle reason.
    pub recycle: String,
}

/// Everything a channel needs to render one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub message: NotifyMessage,
    pub lead: LeadSummary,
    /// The stored lead, whose fields the CRM connectors map onto a new record.
    pub record: Lead,
    /// The last decision record's one-line "why this rep".
    pub why: Option<String>,
    /// The id of the account that decision matched the lead to (`hubspot:<company id>`
    /// for one the account sync read from HubSpot).
    pub account: Option<String>,
    /// The rep of the assignment.
    pub rep: Person,
    /// Who is told (the rep, or the manager of an escalation); none: a pool or default
    /// channel.
    pub addressee: Option<Person>,
    pub next_rep: Option<Person>,
    pub sla: Option<Sla>,
    /// Signed accept / reject / recycle links, when configured and the message asks for an
    /// action.
    pub links: Option<Links>,
}

impl Note {
    pub fn kind(&self) -> NotifyKind {
        self.message.kind
    }

    /// True for messages the rep answers with accept or reject.
    pub fn actionable(&self) -> bool {
        matches!(self.kind(), NotifyKind::Assigned | NotifyKind::SlaWarning)
    }

    /// What the message refers to, for a footer: `attempt 2`, or `parked in triage`
    /// (a parking has no attempt).
    pub fn reference(&self) -> String {
        match self.kind() {
            NotifyKind::Parked => format!("parked in {}", self.pool()),
            _ => format!("attempt {}", self.message.attempt),
        }
    }

    /// The value of Slack's action buttons: `<lead id>:<attempt>`.
    pub fn action_value(&self) -> String {
        format!("{}:{}", self.message.lead_id, self.message.attempt)
    }

    pub fn title(&self) -> String {
        let who = self.lead.display();
        match self.kind() {
            NotifyKind::Assigned => format!("New lead: {who}"),
            NotifyKind::SlaWarning => format!("Waiting for you: {who}"),
            NotifyKind::ReassignedAway => format!("Lead reassigned: {who}"),
            NotifyKind::Escalated => format!("Escalation: {who}"),
            NotifyKind::Parked => format!("Parked in {}: {}", self.pool(), self.park_reason()),
        }
    }

    /// The pool the message is about (`-` when it names none).
    fn pool(&self) -> &str {
        self.message.pool.as_deref().unwrap_or("-")
    }

    /// A parking's reason in words; the code as sent when this notifier does not know it.
    fn park_reason(&self) -> String {
        match self.message.park_reason() {
            Some(r) => r.describe().to_owned(),
            None => self.message.reason.clone().unwrap_or_default(),
        }
    }

    /// What an admin can do with a parked lead: route it again, or give it to a rep.
    /// Commands and routes only; the token they need is the reader's own.
    pub fn triage_steps(&self) -> String {
        let id = &self.message.lead_id;
        format!(
            "Route it again once someone can take it: `switchboard triage reroute {id}` \
             (POST /v1/admin/triage/{id}/reroute). Give it to a rep: \
             `switchboard triage assign {id} --rep <rep> --reason <why>` \
             (POST /v1/admin/triage/{id}/assign)."
        )
    }

    /// One or two sentences saying what happened and what to do.
    pub fn headline(&self) -> String {
        let m = &self.message;
        let reason = m
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let sla = self
            .sla
            .as_ref()
            .map(|s| format!(" Accept by {}.", s.describe()))
            .unwrap_or_default();
        match self.kind() {
            NotifyKind::Assigned => format!(
                "{} is assigned to {}.{sla}",
                self.lead.display(),
                self.rep.name
            ),
            NotifyKind::SlaWarning => format!(
                "{} is still waiting for {} to accept.{sla}",
                self.lead.display(),
                self.rep.name
            ),
            NotifyKind::ReassignedAway => match &self.next_rep {
                Some(next) => format!(
                    "{} is no longer assigned to {}{reason}; {} has it now.",
                    self.lead.display(),
                    self.rep.name,
                    next.name
                ),
                None => format!(
                    "{} is no longer assigned to {}{reason}.",
                    self.lead.display(),
                    self.rep.name
                ),
            },
            NotifyKind::Escalated => format!(
                "{} needs attention{reason}. Last assigned to {}.",
                self.lead.display(),
                self.rep.name
            ),
            NotifyKind::Parked => format!(
                "{} waits in {} and nobody has it. {}",
                self.lead.display(),
                self.pool(),
                self.triage_steps()
            ),
        }
    }

    /// Plain text of the whole message (email, log).
    pub fn plain_text(&self) -> String {
        let mut out = format!("{}\n\n{}\n", self.title(), self.headline());
        if let Some(why) = &self.why {
            out.push_str(&format!("\nWhy {}: {why}\n", self.rep.name));
        }
        out.push('\n');
        for (k, v) in self.lead.fields() {
            out.push_str(&format!("{k}: {v}\n"));
        }
        out.push_str(&format!("Lead id: {}\n", self.lead.id));
        if let Some(links) = &self.links {
            out.push_str(&format!(
                "\nAccept: {}\nReject: {}\nRecycle: {}\n",
                links.accept, links.reject, links.recycle
            ));
        }
        out
    }
}

/// Reads a rep of the policy, with the configuration's identity overrides.
pub fn person(policy: Option<&PolicyDocument>, config: &NotifyConfig, id: &str) -> Person {
    let doc = policy.and_then(|p| p.reps.iter().find(|r| r.id == id));
    let identity = config.reps.get(id);
    let crm = doc.and_then(|r| r.crm.as_ref());
    let name = doc
        .map(|r| r.name.trim())
        .filter(|n| !n.is_empty())
        .unwrap_or(id)
        .to_owned();
    Person {
        id: RepId::from(id),
        name,
        email: identity
            .and_then(|i| i.email.clone())
            .or_else(|| doc.and_then(|r| r.email.clone())),
        time_zone: doc
            .map(|r| r.time_zone.clone())
            .filter(|tz| TimeZone::get(tz).is_ok())
            .unwrap_or_else(|| "UTC".to_owned()),
        slack_user: identity.and_then(|i| i.slack_user.clone()),
        hubspot_owner_id: crm.and_then(|c| c.hubspot_owner_id.clone()),
        salesforce_user_id: crm.and_then(|c| c.salesforce_user_id.clone()),
    }
}

/// The deadline on `reader`'s clock.
pub fn sla(due: Timestamp, reader: &Person) -> Sla {
    let tz = TimeZone::get(&reader.time_zone).unwrap_or(TimeZone::UTC);
    Sla {
        due,
        local: due
            .to_zoned_datetime(tz)
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string(),
        time_zone: reader.time_zone.clone(),
    }
}

/// Accept, reject and recycle links for the assignment of `message`, valid until `now + ttl`.
pub fn links(
    config: &NotifyConfig,
    secret: &[u8],
    message: &NotifyMessage,
    now: Timestamp,
) -> Option<Links> {
    let spec = config.action_links.as_ref()?;
    let base = config.public_url.as_deref()?.trim_end_matches('/');
    let expires_at = now
        .checked_add(jiff::SignedDuration::from_hours(i64::from(spec.ttl_hours)))
        .ok()?;
    let link = |action| {
        let token = sign(
            secret,
            &ActionClaim {
                lead_id: message.lead_id.clone(),
                attempt: message.attempt,
                rep: message.rep.clone(),
                action,
                expires_at,
            },
        );
        format!("{base}{}", spec.path.replace("{token}", &token))
    };
    Some(Links {
        accept: link(LinkAction::Accept),
        reject: link(LinkAction::Reject),
        recycle: link(LinkAction::Recycle),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rep_the_policy_does_not_know_is_shown_by_id_in_utc() {
        let config = NotifyConfig::parse(
            "reps: { zed: { email: zed@example.com, slack_user: U0ZED } }",
            crate::config::Origin::Local,
        )
        .unwrap();
        let p = person(None, &config, "zed");
        assert_eq!(p.name, "zed");
        assert_eq!(p.time_zone, "UTC");
        assert_eq!(p.email.as_deref(), Some("zed@example.com"));
        assert_eq!(p.slack_user.as_deref(), Some("U0ZED"));
        let due: Timestamp = "2026-01-15T09:30:00Z".parse().unwrap();
        assert_eq!(sla(due, &p).describe(), "2026-01-15 09:30 UTC");
    }

    #[test]
    fn the_deadline_follows_the_readers_zone_across_dst() {
        let reader = Person {
            id: "bo".into(),
            name: "Bo".into(),
            email: None,
            time_zone: "America/New_York".into(),
            slack_user: None,
            hubspot_owner_id: None,
            salesforce_user_id: None,
        };
        let winter: Timestamp = "2026-01-15T15:00:00Z".parse().unwrap();
        let summer: Timestamp = "2026-07-15T15:00:00Z".parse().unwrap();
        assert_eq!(sla(winter, &reader).local, "2026-01-15 10:00 EST");
        assert_eq!(sla(summer, &reader).local, "2026-07-15 11:00 EDT");
        assert_eq!(
            sla(summer, &reader).describe(),
            "2026-07-15 11:00 EDT (2026-07-15 15:00 UTC)"
        );
    }

    #[test]
    fn a_lead_is_shown_by_what_is_known_of_it() {
        let mut lead = LeadSummary {
            id: "L-1".into(),
            name: None,
            company: None,
            email: Some("x@y.example".into()),
            phone: None,
            country: None,
            source: None,
        };
        assert_eq!(lead.display(), "x@y.example");
        lead.company = Some("Acme".into());
        assert_eq!(lead.display(), "Acme");
        lead.name = Some("Ada".into());
        assert_eq!(lead.display(), "Ada (Acme)");
        assert_eq!(
            lead.fields(),
            [
                ("Name", "Ada"),
                ("Company", "Acme"),
                ("Email", "x@y.example")
            ]
        );
    }
}
