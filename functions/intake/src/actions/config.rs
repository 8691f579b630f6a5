//! Who may act: API keys with the admin scope (acting for any rep they name), per-rep keys
//! (acting only as their rep), the action-link secret and the Slack app's signing secret
//! with the Slack member id of each rep.

use std::collections::BTreeMap;
use switchboard_lambda::Vars;

use http::HeaderMap;
use serde::Deserialize;

use crate::auth::presented_api_key;
use crate::config::Secret;

pub const ADMIN_KEYS: &str = "SWITCHBOARD_ACTIONS_ADMIN_KEYS";
pub const REP_KEYS: &str = "SWITCHBOARD_ACTIONS_REP_KEYS";
pub const LINK_SECRET: &str = "SWITCHBOARD_ACTION_LINK_SECRET";
pub const SLACK_SIGNING_SECRET: &str = "SWITCHBOARD_SLACK_SIGNING_SECRET";
pub const SLACK_USERS: &str = "SWITCHBOARD_SLACK_USERS";

/// Who a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An admin-scope key: may act for any rep it names.
    Admin,
    /// A rep's own key: acts as this rep only.
    Rep(String),
}

impl Actor {
    /// The rep this request acts for: a rep key's own rep (naming another is refused), or
    /// the rep an admin key names.
    pub fn acting_for(&self, named: Option<&str>) -> Result<String, String> {
        match (self, named) {
            (Actor::Rep(me), None) => Ok(me.clone()),
            (Actor::Rep(me), Some(n)) if n == me => Ok(me.clone()),
            (Actor::Rep(me), Some(n)) => Err(format!("the key of {me} cannot act for {n}")),
            (Actor::Admin, Some(n)) if !n.trim().is_empty() => Ok(n.to_owned()),
            (Actor::Admin, _) => Err("an admin key must name the rep it acts for (`rep`)".into()),
        }
    }
}

/// The Slack app: its signing secret and the rep of each Slack member id.
#[derive(Debug, Clone)]
pub struct SlackConfig {
    pub signing_secret: Secret,
    /// Slack member id (`U…`) → rep id.
    pub users: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct ActionsConfig {
    pub admin_keys: Vec<Secret>,
    /// (rep id, key).
    pub rep_keys: Vec<(String, Secret)>,
    /// Verifies `/v1/actions/{token}` links (the notifier's `action_links.secret`).
    pub link_secret: Option<Secret>,
    pub slack: Option<SlackConfig>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ActionsConfigError {
    #[error("{name}: `{entry}` is not `id=value`")]
    Pair { name: &'static str, entry: String },
    #[error("the notification configuration does not parse: {0}")]
    NotifyConfig(String),
}

impl ActionsConfig {
    /// Who the request's API key (`Authorization: Bearer` or `X-Api-Key`) acts as. Every
    /// key is compared (in constant time each), so timing does not tell which kind matched.
    pub fn actor(&self, headers: &HeaderMap) -> Option<Actor> {
        let presented = presented_api_key(headers)?.as_bytes();
        let mut found = None;
        for k in &self.admin_keys {
            if k.matches(presented) && found.is_none() {
                found = Some(Actor::Admin);
            }
        }
        for (rep, k) in &self.rep_keys {
            if k.matches(presented) && found.is_none() {
                found = Some(Actor::Rep(rep.clone()));
            }
        }
        found
    }

    /// From the environment: comma-separated admin keys, `rep=key` pairs, the link and
    /// Slack secrets, and `member=rep` pairs for Slack (see `docs/ACTIONS.md`).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ActionsConfig, ActionsConfigError> {
        let vars = Vars::new(lookup);
        let get = |name: &str| vars.optional(name);
        let admin_keys = get(ADMIN_KEYS)
            .map(|v| list(&v).map(Secret::new).collect())
            .unwrap_or_default();
        let rep_keys = pairs(REP_KEYS, get(REP_KEYS))?
            .into_iter()
            .map(|(rep, key)| (rep, Secret::new(key)))
            .collect();
        let slack = match get(SLACK_SIGNING_SECRET) {
            None => None,
            Some(secret) => Some(SlackConfig {
                signing_secret: Secret::new(secret),
                users: pairs(SLACK_USERS, get(SLACK_USERS))?.into_iter().collect(),
            }),
        };
        Ok(ActionsConfig {
            admin_keys,
            rep_keys,
            link_secret: get(LINK_SECRET).map(Secret::new),
            slack,
        })
    }

    /// Slack member id → rep id from the notification configuration document (its
    /// `reps.<rep>.slack_user`), so one file says who a rep is on Slack. Other fields of
    /// the document are not read here.
    pub fn slack_users_from_notify_config(
        text: &str,
    ) -> Result<BTreeMap<String, String>, ActionsConfigError> {
        #[derive(Deserialize, Default)]
        struct Doc {
            #[serde(default)]
            reps: BTreeMap<String, RepIdentity>,
        }
        #[derive(Deserialize, Default)]
        struct RepIdentity {
            #[serde(default)]
            slack_user: Option<String>,
        }
        let doc: Doc = serde_yaml_ng::from_str(text)
            .map_err(|e| ActionsConfigError::NotifyConfig(e.to_string()))?;
        Ok(doc
            .reps
            .into_iter()
            .filter_map(|(rep, id)| Some((id.slack_user?.trim().to_owned(), rep)))
            .filter(|(user, _)| !user.is_empty())
            .collect())
    }
}

fn list(v: &str) -> impl Iterator<Item = String> + '_ {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn pairs(
    name: &'static str,
    value: Option<String>,
) -> Result<Vec<(String, String)>, ActionsConfigError> {
    let Some(v) = value else {
        return Ok(Vec::new());
    };
    list(&v)
        .map(|entry| match entry.split_once('=') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
                Ok((a.trim().to_owned(), b.trim().to_owned()))
            }
            _ => Err(ActionsConfigError::Pair { name, entry }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn config() -> ActionsConfig {
        let vars = [
            (ADMIN_KEYS, "adm-1, adm-2"),
            (REP_KEYS, "ana=k-ana,bo=k-bo"),
            (LINK_SECRET, "links"),
            (SLACK_SIGNING_SECRET, "slack"),
            (SLACK_USERS, "U0ANA=ana"),
        ];
        ActionsConfig::from_lookup(|n| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| (*v).to_owned())
        })
        .unwrap()
    }

    fn headers(key: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-api-key", HeaderValue::from_str(key).unwrap());
        h
    }

    #[test]
    fn keys_map_to_actors() {
        let c = config();
        assert_eq!(c.actor(&headers("adm-2")), Some(Actor::Admin));
        assert_eq!(c.actor(&headers("k-bo")), Some(Actor::Rep("bo".into())));
        assert_eq!(c.actor(&headers("nope")), None);
        assert_eq!(c.actor(&HeaderMap::new()), None);
        assert_eq!(
            c.slack.unwrap().users.get("U0ANA").map(String::as_str),
            Some("ana")
        );
    }

    #[test]
    fn a_rep_key_acts_only_for_its_rep() {
        let ana = Actor::Rep("ana".into());
        assert_eq!(ana.acting_for(None), Ok("ana".into()));
        assert_eq!(ana.acting_for(Some("ana")), Ok("ana".into()));
        assert!(ana.acting_for(Some("bo")).is_err());
        assert_eq!(Actor::Admin.acting_for(Some("bo")), Ok("bo".into()));
        assert!(Actor::Admin.acting_for(None).is_err());
    }

    #[test]
    fn bad_pairs_are_named() {
        let e = ActionsConfig::from_lookup(|n| (n == REP_KEYS).then(|| "ana".to_owned()));
        assert!(matches!(
            e,
            Err(ActionsConfigError::Pair { name: REP_KEYS, .. })
        ));
    }

    #[test]
    fn slack_users_come_from_the_notification_config() {
        let users = ActionsConfig::slack_users_from_notify_config(
            "channels: {}\nreps:\n  ana: { channels: [dm], slack_user: U0ANA }\n  bo: { channels: [dm] }\n",
        )
        .unwrap();
        assert_eq!(users.len(), 1);
        assert_eq!(users["U0ANA"], "ana");
    }
}
