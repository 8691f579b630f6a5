//! The filters of the lead list (`GET /leads`): which leads of the window a page keeps.
//!
//! Two kinds, by what they cost. The lead's own fields (`status`, `email`, `domain`,
//! `company`) are on the record the window's index read already returned: free. Its
//! routing (`pool`, `rep`, `reason`, `overdue`) is not on that record: it takes one more
//! read per lead, [`switchboard_store::RoutingState::lead_routing`] (on DynamoDB one query
//! of the lead's own partition), made only when such a filter is given and only for the
//! leads the free filters kept.

use jiff::Timestamp;
use switchboard_routing::record::OutcomeRecord;
use switchboard_routing::{ParkReason, PoolId, RepId, normalize_company_name};
use switchboard_store::{LeadRouting, LeadStatus, StoredLead};

use crate::error::AdminError;

/// Each filter's query parameter and what it selects, for the OpenAPI document and the
/// CLI's help; [`LeadFilter::from_query`] reads these names.
pub const LEAD_FILTERS: [(&str, &str); 8] = [
    (
        "status",
        "only leads of this status: received, queued, scheduled, duplicate, assigned, parked, closed",
    ),
    (
        "pool",
        "only leads assigned through this pool or, while parked, waiting in it",
    ),
    (
        "rep",
        "only leads whose current or last assignment is this rep's",
    ),
    (
        "reason",
        "only leads whose latest parking was for this reason (all_at_cap, kill_switch, ...)",
    ),
    (
        "overdue",
        "true: only leads with an open assignment past its SLA, not accepted; false: only the others",
    ),
    (
        "email",
        "only leads from this address (trimmed and lower-cased, as the dedupe compares them)",
    ),
    (
        "domain",
        "only leads whose email or `website` attribute is at this domain or a subdomain of it",
    ),
    (
        "company",
        "only leads whose normalized company name contains this text (case-insensitive)",
    ),
];

/// Which leads a list keeps; every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadFilter {
    pub status: Option<LeadStatus>,
    pub pool: Option<PoolId>,
    pub rep: Option<RepId>,
    pub reason: Option<ParkReason>,
    pub overdue: Option<bool>,
    /// Normalized: see [`email`].
    pub email: Option<String>,
    /// Normalized: see [`domain`].
    pub domain: Option<String>,
    /// Normalized as account matching normalizes names.
    pub company: Option<String>,
}

impl LeadFilter {
    /// The filters from query parameters; a value a filter cannot take is `Invalid`
    /// naming the parameter (a misspelt reason must not list every lead).
    pub fn from_query<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, AdminError> {
        let mut filter = LeadFilter::default();
        if let Some(s) = get("status") {
            filter.status = Some(LeadStatus::parse(s).ok_or_else(|| {
                AdminError::invalid_param("status", format!("`{s}` is not a lead status"))
            })?);
        }
        filter.pool = get("pool").map(|p| id("pool", p)).transpose()?;
        filter.rep = get("rep").map(|r| id("rep", r)).transpose()?;
        if let Some(r) = get("reason") {
            filter.reason = Some(ParkReason::parse(r.trim()).ok_or_else(|| {
                AdminError::invalid_param("reason", format!("`{r}` is not a park reason"))
            })?);
        }
        filter.overdue = match get("overdue") {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(o) => {
                return Err(AdminError::invalid_param(
                    "overdue",
                    format!("`{o}` is neither `true` nor `false`"),
                ));
            }
        };
        filter.email = get("email").map(email).transpose()?;
        filter.domain = get("domain").map(domain).transpose()?;
        if let Some(c) = get("company") {
            let key = normalize_company_name(c);
            if key.is_empty() {
                return Err(AdminError::invalid_param(
                    "company",
                    format!("`{c}` has no letters or digits to search for"),
                ));
            }
            filter.company = Some(key);
        }
        Ok(filter)
    }

    /// The query parameters that select the same leads again (the CLI's client sends
    /// them to a server).
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        let mut push = |name, value: Option<String>| {
            if let Some(v) = value {
                pairs.push((name, v));
            }
        };
        push("status", self.status.map(|s| s.as_str().to_owned()));
        push("pool", self.pool.as_ref().map(|p| p.to_string()));
        push("rep", self.rep.as_ref().map(|r| r.to_string()));
        push("reason", self.reason.map(|r| r.as_str().to_owned()));
        push("overdue", self.overdue.map(|o| o.to_string()));
        push("email", self.email.clone());
        push("domain", self.domain.clone());
        push("company", self.company.clone());
        pairs
    }

    /// True when a filter needs the lead's routing (one more read per lead).
    pub fn needs_routing(&self) -> bool {
        self.pool.is_some() || self.rep.is_some() || self.reason.is_some() || self.overdue.is_some()
    }

    /// The filters the lead's own record decides.
    pub fn keeps_lead(&self, lead: &StoredLead) -> bool {
        let l = &lead.lead;
        self.status.is_none_or(|s| lead.status == s)
            && self
                .email
                .as_deref()
                .is_none_or(|e| l.email.as_deref() == Some(e))
            && self.domain.as_deref().is_none_or(|d| {
                let email_host = l.email.as_deref().and_then(|e| e.rsplit_once('@'));
                let website = l.attributes.get("website").and_then(|w| w.as_text());
                email_host.is_some_and(|(_, h)| under(h, d))
                    || l.email_domain.as_deref().is_some_and(|h| under(h, d))
                    || website.map(host_of).is_some_and(|h| under(&h, d))
            })
            && self.company.as_deref().is_none_or(|c| {
                l.company
                    .as_deref()
                    .is_some_and(|name| normalize_company_name(name).contains(c))
            })
    }

    /// The filters the lead's routing decides, at `now` (for `overdue`).
    pub fn keeps_routing(&self, routing: &LeadRouting, now: Timestamp) -> bool {
        let assignment = routing.assignment.as_ref();
        let last_parking = routing
            .decisions
            .iter()
            .rev()
            .find_map(|d| match &d.outcome {
                OutcomeRecord::Parked { pool, reason } => Some((pool, *reason)),
                OutcomeRecord::Assigned { .. } => None,
            });
        // A parked lead waits in the pool it parked in; any other is in its assignment's.
        let pool = match (routing.lead.status, &last_parking) {
            (LeadStatus::Parked, Some((pool, _))) => Some(*pool),
            _ => assignment.and_then(|a| a.pool.as_ref()),
        };
        let overdue = assignment
            .is_some_and(|a| a.awaits_acceptance() && a.sla_due.is_some_and(|due| due <= now));
        self.pool.as_ref().is_none_or(|p| pool == Some(p))
            && self
                .rep
                .as_ref()
                .is_none_or(|r| assignment.is_some_and(|a| &a.rep == r))
            && self
                .reason
                .is_none_or(|r| last_parking.is_some_and(|(_, why)| why == r))
            && self.overdue.is_none_or(|o| o == overdue)
    }
}

/// A pool or rep id as given: trimmed, not empty.
fn id<T: From<String>>(field: &str, text: &str) -> Result<T, AdminError> {
    let t = text.trim();
    if t.is_empty() || t.chars().any(char::is_control) {
        return Err(AdminError::invalid_param(
            field,
            format!("`{text}` is not an id"),
        ));
    }
    Ok(T::from(t.to_owned()))
}

/// An address as intake stores it (and the dedupe keys it): without `mailto:`, trimmed,
/// lower-cased. It must have a local part and a dotted domain.
pub fn email(text: &str) -> Result<String, AdminError> {
    let t = text.trim();
    let address = t.strip_prefix("mailto:").unwrap_or(t).to_lowercase();
    match address.rsplit_once('@') {
        Some((local, host)) if !local.is_empty() && is_host(host) => Ok(address),
        _ => Err(AdminError::invalid_param(
            "email",
            format!("`{text}` is not an email address"),
        )),
    }
}

/// A domain as given or as a URL (`https://www.acme.com/about`): its lower-case host,
/// without `www.`.
pub fn domain(text: &str) -> Result<String, AdminError> {
    let host = host_of(text);
    if text.contains('@') || !is_host(&host) {
        return Err(AdminError::invalid_param(
            "domain",
            format!("`{text}` is not a domain like acme.com"),
        ));
    }
    Ok(host)
}

/// The host of a URL or bare domain, lower-case, without `www.`, port or trailing dot.
fn host_of(text: &str) -> String {
    let t = text.trim().to_lowercase();
    let t = t.split_once("://").map_or(t.as_str(), |(_, rest)| rest);
    let host = t.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let host = host.trim_end_matches('.');
    host.strip_prefix("www.").unwrap_or(host).to_owned()
}

/// Dotted labels of letters, digits and hyphens.
fn is_host(host: &str) -> bool {
    host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// `host` is `domain` or one of its subdomains.
fn under(host: &str, domain: &str) -> bool {
    let host = host.trim_end_matches('.');
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_routing::Lead;

    fn stored(lead: Lead) -> StoredLead {
        StoredLead {
            updated_at: lead.received_at,
            lead,
            idempotency_key: "k".into(),
            status: LeadStatus::Assigned,
            duplicate_of: None,
            warnings: Vec::new(),
            raw: None,
            bounced: Vec::new(),
            recycles: Vec::new(),
            decisions: 1,
            route_at: None,
        }
    }

    fn filter(query: &[(&str, &str)]) -> Result<LeadFilter, AdminError> {
        LeadFilter::from_query(|name| query.iter().find(|(n, _)| *n == name).map(|(_, v)| *v))
    }

    #[test]
    fn the_lead_s_own_fields_are_matched_as_normalized() {
        let at = Timestamp::UNIX_EPOCH;
        let lead = stored(
            Lead::new("l", at)
                .with_email("Ana@Sales.Northwind.co.uk")
                .with_company("Northwind Robotics GmbH")
                .with_attr("website", "https://www.northwind-robotics.com/de"),
        );
        // (query, keeps the lead)
        let cases: [(&[(&str, &str)], bool); 13] = [
            (&[("email", " ANA@sales.northwind.co.uk ")], true),
            (&[("email", "mailto:ana@sales.northwind.co.uk")], true),
            (&[("email", "bo@sales.northwind.co.uk")], false),
            (&[("domain", "northwind.co.uk")], true),
            (&[("domain", "sales.northwind.co.uk")], true),
            (&[("domain", "https://northwind-robotics.com/x")], true),
            (&[("domain", "robotics.com")], false),
            (&[("domain", "wind.co.uk")], false),
            (&[("company", "ROBOTICS")], true),
            (&[("company", "northwind robotics gmbh")], true),
            (&[("company", "southwind")], false),
            (&[("status", "assigned"), ("company", "north")], true),
            (&[("status", "parked"), ("company", "north")], false),
        ];
        for (query, keeps) in cases {
            let f = filter(query).unwrap();
            assert_eq!(f.keeps_lead(&lead), keeps, "{query:?}");
            assert!(!f.needs_routing(), "{query:?}");
        }
    }

    #[test]
    fn values_a_filter_cannot_take_name_the_parameter() {
        let cases = [
            ("status", "lost"),
            ("pool", " "),
            ("rep", ""),
            ("reason", "tired"),
            ("overdue", "yes"),
            ("email", "ana"),
            ("email", "ana@localhost"),
            ("domain", "ana@acme.com"),
            ("domain", "acme"),
            ("domain", "acme..com"),
            ("company", " ,. "),
        ];
        for (name, value) in cases {
            match filter(&[(name, value)]) {
                Err(AdminError::InvalidParameter { field, .. }) => {
                    assert_eq!(field, name, "{name}={value}")
                }
                other => panic!("{name}={value}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_filter_round_trips_through_its_query() {
        let f = filter(&[
            ("status", "parked"),
            ("pool", "triage"),
            ("rep", "ana"),
            ("reason", "no_rule_matched"),
            ("overdue", "false"),
            ("email", "A@B.io"),
            ("domain", "www.b.io"),
            ("company", "B Inc."),
        ])
        .unwrap();
        let pairs = f.query_pairs();
        assert_eq!(pairs.len(), LEAD_FILTERS.len());
        let again = LeadFilter::from_query(|n| {
            pairs.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str())
        })
        .unwrap();
        assert_eq!(again, f);
        assert_eq!(f.reason, Some(ParkReason::NoRuleMatched));
        assert_eq!(f.domain.as_deref(), Some("b.io"));
        assert_eq!(f.company.as_deref(), Some("b"));
    }
}
