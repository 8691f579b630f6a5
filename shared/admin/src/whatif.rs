//! `POST /policy/whatif`: the stored leads of a window replayed through the active policy
//! and through a draft (`switchboard_simulation`, as `switchboard simulate` replays), side
//! by side, so a person sees per pool and per rep what the draft would change before
//! applying it. Nothing is stored and no live state is read: both runs start from empty
//! counters and close each assignment after the same simulated work time, so the two
//! differ only by the policy.
//!
//! Each lead meets the account the store matches it to now; the index the replay uses holds
//! exactly those answers (each account with only the domains and name the store resolved
//! to it), so the replay matches as the store does, whoever else claims a key.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use switchboard_http::json_body;
use switchboard_routing::{
    Account, AccountIndex, CompiledPolicy, Lead, PolicyDocument, normalize_company_name,
};
use switchboard_simulation::{DEFAULT_WORK_TIME, Report, Simulation};
use switchboard_store::{AccountDirectory, EventPublisher, LeadIndex, LeadStatus, PolicyStore};

use crate::error::AdminError;
use crate::ops::invalid_policy;
use crate::routes::{AdminState, AdminStore};
use crate::window;

/// Most leads one what-if replays: a larger window is refused rather than cut short, so a
/// comparison is never of part of the window without saying so.
pub const MAX_WHATIF_LEADS: usize = 20_000;

/// The `POST /policy/whatif` body.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WhatIfRequest {
    /// The draft policy, YAML or JSON.
    pub document: String,
    /// The window of received leads replayed, back from now: `24h`, `7d` (default), `30d`.
    #[serde(default)]
    pub since: Option<String>,
    /// Simulated time from assignment to close (default `4h`).
    #[serde(default)]
    pub work_time: Option<String>,
}

/// The answer: the same leads through each policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct WhatIf {
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub from: Timestamp,
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "switchboard_routing::schema::Timestamp")
    )]
    pub to: Timestamp,
    /// Leads replayed (duplicates, which are never routed, left out).
    pub leads: u64,
    /// The replay through the active policy.
    pub active: Report,
    /// The replay through the draft.
    pub draft: Report,
}

/// The what-if of `req` over the store's leads received in the window ending `now`.
pub async fn what_if<S: PolicyStore + LeadIndex + AccountDirectory>(
    store: &S,
    req: &WhatIfRequest,
    now: Timestamp,
) -> Result<WhatIf, AdminError> {
    let since = match req.since.as_deref() {
        Some(s) => window::duration("since", s)
            .map_err(|_| AdminError::invalid_field("since", "a duration like 24h or 7d"))?,
        None => window::DEFAULT_SINCE,
    };
    let work_time: SignedDuration = req
        .work_time
        .as_deref()
        .unwrap_or(DEFAULT_WORK_TIME)
        .parse()
        .map_err(|_| AdminError::invalid_field("work_time", "a duration like 30m or 4h"))?;
    if work_time <= SignedDuration::ZERO {
        return Err(AdminError::invalid_field(
            "work_time",
            "must be longer than zero",
        ));
    }
    let active = store
        .get_active()
        .await?
        .ok_or_else(|| AdminError::NotFound("no policy is active to compare with".into()))?;
    let stored = store
        .get_version(active.version)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("no policy version {}", active.version)))?;
    let active = CompiledPolicy::compile(stored.document, stored.version)
        .map_err(|e| AdminError::Remote(format!("the active policy no longer compiles: {e}")))?;
    let draft = PolicyDocument::from_yaml(&req.document).map_err(invalid_policy)?;
    let draft = CompiledPolicy::compile(draft, 0).map_err(invalid_policy)?;

    let (from, to) = (now - since, now);
    let leads = leads_between(store, from, to).await?;
    let accounts = matched_accounts(store, &leads).await?;
    let replay = |policy: &CompiledPolicy| {
        Simulation {
            policy,
            accounts: &accounts,
            work_time,
        }
        .run(leads.clone(), |_, _| Ok::<(), std::convert::Infallible>(()))
        .map(|run| run.report)
    };
    let (Ok(active), Ok(draft)) = (replay(&active), replay(&draft));
    Ok(WhatIf {
        from,
        to,
        leads: leads.len() as u64,
        active,
        draft,
    })
}

/// Every routed lead received in `[from, to)`, oldest first.
async fn leads_between<S: LeadIndex>(
    store: &S,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<Lead>, AdminError> {
    let mut leads = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .received_between(from, to, after.as_ref(), 500)
            .await
            .map_err(AdminError::from_store)?;
        leads.extend(
            page.leads
                .into_iter()
                .filter(|l| l.status != LeadStatus::Duplicate)
                .map(|l| l.lead),
        );
        if leads.len() > MAX_WHATIF_LEADS {
            return Err(AdminError::invalid_field(
                "since",
                format!(
                    "the window holds more than {MAX_WHATIF_LEADS} leads; choose a shorter one"
                ),
            ));
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(leads),
        }
    }
}

/// The accounts the store matches `leads` to, as an index that answers each key as the
/// store did. Each key is looked up once.
async fn matched_accounts<S: AccountDirectory>(
    store: &S,
    leads: &[Lead],
) -> Result<AccountIndex, AdminError> {
    let mut domains: HashMap<String, Option<Account>> = HashMap::new();
    let mut names: HashMap<String, Option<Account>> = HashMap::new();
    for lead in leads {
        // As `AccountDirectory::match_lead`: the domain first (never for free mail), then
        // the normalized company name.
        if !lead.free_mail
            && let Some(domain) = lead.email_domain.as_deref()
        {
            let key = domain.trim().to_ascii_lowercase();
            if !domains.contains_key(&key) {
                let found = store.by_domain(&key).await?;
                domains.insert(key.clone(), found);
            }
            if domains[&key].is_some() {
                continue;
            }
        }
        let Some(company) = lead.company.as_deref() else {
            continue;
        };
        let key = normalize_company_name(company);
        if !key.is_empty() && !names.contains_key(&key) {
            let found = store.by_normalized_name(&key).await?;
            names.insert(key, found);
        }
    }
    // One entry per account, holding only the keys resolved to it.
    let mut claimed: BTreeMap<String, Account> = BTreeMap::new();
    for (key, account) in domains {
        if let Some(a) = account {
            let entry = claimed.entry(a.id.clone()).or_insert_with(|| Account {
                name: String::new(),
                domains: Vec::new(),
                ..a.clone()
            });
            entry.domains.push(key);
        }
    }
    for (_, account) in names {
        if let Some(a) = account {
            let name = a.name.clone();
            claimed
                .entry(a.id.clone())
                .or_insert_with(|| Account {
                    domains: Vec::new(),
                    ..a
                })
                .name = name;
        }
    }
    Ok(AccountIndex::new(claimed.into_values().collect()))
}

/// The route's handler.
pub(crate) async fn route<S: AdminStore, Q, E: EventPublisher + 'static>(
    State(state): State<Arc<AdminState<S, Q, E>>>,
    body: Bytes,
) -> Response {
    let req: WhatIfRequest = match json_body(&body) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    match what_if(&state.store, &req, Timestamp::now()).await {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use switchboard_routing::match_account;
    use switchboard_store::{ImportSummary, StoreResult};

    use super::*;

    /// Accounts as a store holds them: the latest import wins a key another account still
    /// lists (as `AccountDirectory` says), unlike `AccountIndex`, where the first wins.
    struct Directory(Vec<Account>);

    impl AccountDirectory for Directory {
        async fn by_domain(&self, domain: &str) -> StoreResult<Option<Account>> {
            Ok(self
                .0
                .iter()
                .rev()
                .find(|a| a.domains.iter().any(|d| d == domain))
                .cloned())
        }

        async fn by_normalized_name(&self, name: &str) -> StoreResult<Option<Account>> {
            Ok(self
                .0
                .iter()
                .rev()
                .find(|a| normalize_company_name(&a.name) == name)
                .cloned())
        }

        async fn import(&self, _: &[Account]) -> StoreResult<ImportSummary> {
            panic!("the what-if never imports accounts")
        }
    }

    fn account(id: &str, name: &str, domains: &[&str]) -> Account {
        Account {
            id: id.into(),
            name: name.into(),
            domains: domains.iter().map(|d| (*d).to_owned()).collect(),
            owner: None,
            attributes: Default::default(),
        }
    }

    fn lead(id: &str, domain: Option<&str>, free_mail: bool, company: Option<&str>) -> Lead {
        let mut l = Lead::new(id, "2026-12-01T09:00:00Z".parse().unwrap());
        l.email_domain = domain.map(str::to_owned);
        l.free_mail = free_mail;
        l.company = company.map(str::to_owned);
        l
    }

    #[tokio::test]
    async fn the_replay_matches_each_lead_to_the_account_the_store_does() {
        // Beta, imported later, took shared.com, which Acme still lists.
        let store = Directory(vec![
            account("acme", "Acme", &["acme.com", "shared.com"]),
            account("beta", "Beta Labs", &["shared.com"]),
        ]);
        let leads = [
            // Acme is met first, so an index of the matched accounts in the order they
            // were met would give it shared.com too.
            lead("by-domain", Some("acme.com"), false, Some("Beta Labs")),
            lead("by-taken-domain", Some("shared.com"), false, None),
            lead("by-name", None, false, Some("ACME Inc.")),
            lead("free-mail", Some("shared.com"), true, Some("Beta Labs")),
            lead("nobody", Some("other.com"), false, Some("Other")),
        ];
        let index = matched_accounts(&store, &leads).await.unwrap();
        for l in &leads {
            let stored = store.match_lead(l).await.unwrap().map(|(a, by)| (a.id, by));
            let replayed = match_account(&index, l).map(|(a, by)| (a.id.clone(), by));
            assert_eq!(replayed, stored, "{}", l.id);
        }
        // As whole accounts, first met first, Acme would have kept shared.com.
        let naive = AccountIndex::new(store.0.clone());
        assert_eq!(
            match_account(&naive, &leads[1]).map(|(a, _)| a.id.as_str()),
            Some("acme")
        );
    }
}
