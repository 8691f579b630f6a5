//! One notify message: find its channels, skip those that already took it, build the
//! note from the store and send it on the rest, recording each success.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use switchboard_routing::record::OutcomeRecord;
use switchboard_routing::{LeadId, PolicyDocument};
use switchboard_store::{
    CrmLinks, DeliveryKey, DeliveryLog, LeadStore, NotifyKind, NotifyMessage, PolicyStore,
    RoutingState, StoreError,
};

use crate::channels::{ChannelError, Senders};
use crate::note::{self, LeadSummary, Note};
use crate::setup::Setup;

/// The clock links and signatures are made at (injectable so tests are deterministic).
pub type Clock = fn() -> Timestamp;

/// What handling one message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notified {
    /// Sent on `sent`; `already` had taken it on an earlier delivery.
    Delivered {
        sent: Vec<String>,
        already: Vec<String>,
    },
    /// Nothing to say any more: the assignment the message asks the rep to act on has
    /// ended or moved on (a late message after a reassignment, say).
    Stale(String),
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("lead {0} does not exist")]
    LeadMissing(LeadId),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Some channels failed; the others (`sent`) took the message and are recorded.
    #[error("{}", describe_failures(.failed, .sent))]
    Channels {
        failed: Vec<(String, ChannelError)>,
        sent: Vec<String>,
    },
}

impl NotifyError {
    /// True when no retry can succeed without a change of configuration or data.
    pub fn is_permanent(&self) -> bool {
        match self {
            NotifyError::LeadMissing(_) => true,
            NotifyError::Store(_) => false,
            NotifyError::Channels { failed, .. } => failed.iter().all(|(_, e)| e.is_permanent()),
        }
    }
}

fn describe_failures(failed: &[(String, ChannelError)], sent: &[String]) -> String {
    let parts: Vec<String> = failed
        .iter()
        .map(|(name, e)| {
            let class = if e.is_permanent() {
                "permanent"
            } else {
                "transient"
            };
            format!("channel {name} failed ({class}): {e}")
        })
        .collect();
    let mut out = parts.join("; ");
    if !sent.is_empty() {
        out.push_str(&format!(" (sent on {})", sent.join(", ")));
    }
    out
}

/// A message that no longer asks the rep to act.
struct Stale {
    why: String,
    /// The assignment is still this rep's (they closed the lead already): its owner is
    /// still news to a CRM.
    held: bool,
}

pub struct Notifier<S> {
    store: S,
    setup: Arc<Setup>,
    senders: Senders,
    /// Policy documents by version: versions never change, so one read each per process.
    policies: Mutex<HashMap<u64, Option<Arc<PolicyDocument>>>>,
    clock: Clock,
}

impl<S> Notifier<S>
where
    S: LeadStore + RoutingState + PolicyStore + DeliveryLog + CrmLinks,
{
    pub fn new(store: S, setup: Arc<Setup>, senders: Senders) -> Self {
        Notifier {
            store,
            setup,
            senders,
            policies: Mutex::new(HashMap::new()),
            clock: Timestamp::now,
        }
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn setup(&self) -> &Setup {
        &self.setup
    }

    pub fn senders(&self) -> &Senders {
        &self.senders
    }

    /// The reps of the active policy a CRM channel has no id for (see
    /// [`Setup::crm_gaps`]); empty without CRM channels or an active policy. Start-up
    /// reports them: the policy is versioned apart from this configuration, so neither
    /// can check the other when it is saved.
    pub async fn crm_gaps(&self) -> Result<Vec<String>, StoreError> {
        if !self.setup.channels.values().any(|c| c.writes_owner()) {
            return Ok(Vec::new());
        }
        let Some(active) = self.store.get_active().await? else {
            return Ok(Vec::new());
        };
        Ok(match self.policy(active.version).await? {
            Some(doc) => self.setup.crm_gaps(&doc),
            None => Vec::new(),
        })
    }

    /// Logs [`Notifier::crm_gaps`] as warnings (a failed read too: it is only a check).
    pub async fn warn_crm_gaps(&self) {
        match self.crm_gaps().await {
            Ok(gaps) => {
                for gap in gaps {
                    tracing::warn!("{gap}");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not check the reps' CRM ids"),
        }
    }

    /// Delivers `message` on each of its channels that has not taken it yet. Safe to
    /// repeat: a channel is recorded once it accepted the message and skipped after.
    pub async fn notify(&self, message: &NotifyMessage) -> Result<Notified, NotifyError> {
        let stale = self.stale(message).await?;
        let kind = message.kind.as_str();
        let mut route =
            self.setup
                .route(message.addressee(), message.pool.as_deref(), message.kind);
        if let Some(stale) = &stale {
            // The rep is no longer asked to act, but while the assignment is still theirs
            // (they closed the lead before this got through) the CRM must still learn who
            // owns it.
            route.retain(|(_, channel)| stale.held && channel.writes_owner());
            if route.is_empty() {
                return Ok(Notified::Stale(stale.why.clone()));
            }
        }
        let already = self
            .store
            .delivered_channels(&message.lead_id, &message.assignment_id, kind)
            .await?;
        let pending: Vec<_> = route
            .into_iter()
            .filter(|(name, _)| !already.iter().any(|a| a == name))
            .collect();
        if pending.is_empty() {
            return Ok(Notified::Delivered {
                sent: Vec::new(),
                already,
            });
        }
        let now = (self.clock)();
        let note = self.note(message, now).await?;
        let mut sent = Vec::new();
        let mut failed = Vec::new();
        // One channel after another: a message has a handful, and a failure of one must
        // not keep the others from being tried.
        for (name, channel) in pending {
            match channel.send(name, &self.senders, &note, now).await {
                Ok(record) => {
                    // The CRM record written is linked to the lead before the delivery is
                    // recorded: a failed link fails the message, and the retry writes the
                    // owner (idempotently) and links again.
                    if let Some(r) = record {
                        self.store
                            .link_crm_record(r.crm, &r.id, &message.lead_id, now)
                            .await?;
                    }
                    // Every channel, the log too: messages are sent at least once (a
                    // redelivered route request notifies again), and this record is what
                    // makes the same notification reach a channel once.
                    let key = DeliveryKey {
                        lead_id: &message.lead_id,
                        assignment_id: &message.assignment_id,
                        kind,
                        channel: name,
                    };
                    // Unrecorded, the channel gets the message again on the retry: at
                    // least once rather than possibly never.
                    self.store.record_delivered(key, now).await?;
                    sent.push(name.to_owned());
                }
                Err(e) => {
                    if channel.writes_owner() {
                        self.keep_failure(message, name, &e, now).await;
                    }
                    failed.push((name.to_owned(), e));
                }
            }
        }
        if failed.is_empty() {
            Ok(Notified::Delivered { sent, already })
        } else {
            Err(NotifyError::Channels { failed, sent })
        }
    }

    /// Stores a CRM write's failure on its delivery, where the lead's admin view shows it:
    /// a record the CRM refuses waits in the dead letters for someone to fix the CRM's
    /// rule or the mapping, and they need the CRM's reason without the logs. Every
    /// failure is kept (the last one replaces the one before), so a write that ends in the
    /// dead letters after its retries shows why. The text is already cleared of the lead's
    /// name, email and phone (`channels::crm_write`). Other channels' errors stay in the
    /// log: they say what is wrong with a configuration, not with a lead.
    ///
    /// Failing to store it fails nothing: the message is retried (or dead-lettered) as it
    /// would be, and its error is logged.
    async fn keep_failure(
        &self,
        m: &NotifyMessage,
        channel: &str,
        e: &ChannelError,
        now: Timestamp,
    ) {
        let key = DeliveryKey {
            lead_id: &m.lead_id,
            assignment_id: &m.assignment_id,
            kind: m.kind.as_str(),
            channel,
        };
        let stored = self
            .store
            .record_failure(key, &e.to_string(), e.is_permanent(), now)
            .await;
        if let Err(store) = stored {
            tracing::warn!(
                lead_id = %m.lead_id,
                assignment_id = %m.assignment_id,
                channel,
                error = %store,
                "could not store the CRM write's failure on the delivery"
            );
        }
    }

    /// Why a message that asks the rep to act no longer applies, if it does not.
    async fn stale(&self, m: &NotifyMessage) -> Result<Option<Stale>, NotifyError> {
        if !matches!(m.kind, NotifyKind::Assigned | NotifyKind::SlaWarning) {
            return Ok(None);
        }
        let current = self.store.assignment(&m.lead_id).await?;
        let stale = |why: String, held: bool| Some(Stale { why, held });
        let found = match current {
            None => stale("the lead has no assignment".to_owned(), false),
            Some(a) if a.attempt != m.attempt => stale(
                format!(
                    "the lead is on attempt {} now, not {}",
                    a.attempt, m.attempt
                ),
                false,
            ),
            Some(a) if a.status != switchboard_store::AssignmentStatus::Open => stale(
                format!("the assignment is {}", a.status.as_str()),
                a.status == switchboard_store::AssignmentStatus::Closed,
            ),
            Some(a) if m.kind == NotifyKind::SlaWarning && a.accepted_at.is_some() => {
                stale("the rep accepted already".to_owned(), true)
            }
            Some(_) => None,
        };
        Ok(found)
    }

    /// Builds the note: the lead, the decision's summary, the people from the policy the
    /// decision was made under, the deadline and the links.
    pub async fn note(&self, m: &NotifyMessage, now: Timestamp) -> Result<Note, NotifyError> {
        let stored = self
            .store
            .get(&m.lead_id)
            .await?
            .ok_or_else(|| NotifyError::LeadMissing(m.lead_id.clone()))?;
        let decisions = self.store.decisions(&m.lead_id).await?;
        // The decision that made this assignment: the last one that gave the lead to
        // `rep` (later ones may have moved it on).
        // A parking has no rep to explain; its reason is in the title.
        let decision = decisions
            .iter()
            .rev()
            .find(|d| matches!(&d.outcome, OutcomeRecord::Assigned { rep, .. } if *rep == m.rep))
            .or(decisions.last())
            .filter(|_| m.kind != NotifyKind::Parked);
        let why = decision.map(|d| d.summary.clone());
        let account = decision
            .and_then(|d| d.account.as_ref())
            .map(|a| a.id.clone());
        let policy = self.policy(m.policy_version).await?;
        let config = &self.setup.config;
        let person = |id: &str| note::person(policy.as_deref(), config, id);
        let rep = person(&m.rep);
        let addressee = m.addressee().map(person);
        let reader = addressee.as_ref().unwrap_or(&rep);
        let sla = m.sla_due.map(|due| note::sla(due, reader));
        let actionable = matches!(m.kind, NotifyKind::Assigned | NotifyKind::SlaWarning);
        let links = match (&self.setup.action_secret, actionable) {
            (Some(secret), true) => note::links(config, secret, m, now),
            _ => None,
        };
        Ok(Note {
            message: m.clone(),
            lead: LeadSummary::from_stored(&stored),
            record: stored.lead.clone(),
            why,
            account,
            next_rep: m.next_rep.as_deref().map(person),
            rep,
            addressee,
            sla,
            links,
        })
    }

    async fn policy(&self, version: u64) -> Result<Option<Arc<PolicyDocument>>, StoreError> {
        if let Some(p) = self.lock().get(&version) {
            return Ok(p.clone());
        }
        let doc = self
            .store
            .get_version(version)
            .await?
            .map(|v| Arc::new(v.document));
        if doc.is_none() {
            tracing::warn!(version, "policy version not found; reps are shown by id");
        }
        self.lock().insert(version, doc.clone());
        Ok(doc)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Option<Arc<PolicyDocument>>>> {
        // A panic while holding the lock cannot leave the map half-updated.
        self.policies.lock().unwrap_or_else(|p| p.into_inner())
    }
}
