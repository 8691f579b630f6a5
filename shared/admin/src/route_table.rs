//! The admin routes as data: one row per route (method, path, role, summary, query
//! parameters). The router is built from these rows ([`crate::router_at`] asks
//! `routes::handler` for each row's handler), and the OpenAPI document
//! ([`crate::openapi`]) is written from them, so no route can exist that the document
//! lacks, nor the other way round.

use crate::caller::Role;
use crate::lead_filter::LEAD_FILTERS;

/// Which route a row is; `routes::handler` maps each to its handler, and
/// `openapi::bodies` to its request and response schemas, both by exhaustive matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteId {
    ApplyPolicy,
    ValidatePolicy,
    ActivePolicy,
    PolicyVersion,
    PolicyHistory,
    PolicyDiff,
    Rollback,
    ImportAccounts,
    ImportLeads,
    Leads,
    Lead,
    Triage,
    RerouteMatching,
    RerouteOne,
    Assign,
    Health,
    Reps,
    Rep,
    RepAway,
    RepBack,
    Audit,
    DeadLetters,
    Redrive,
    Me,
    WhatIf,
    Coverage,
    Shadow,
    StartShadow,
    StopShadow,
    ShadowReport,
    Outcomes,
    RebuildOutcomes,
    ImportOutcomes,
}

/// `GET` or `POST`: the only methods the admin API has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
        }
    }
}

/// One admin route, relative to the prefix it is nested at.
#[derive(Debug, Clone, Copy)]
pub struct AdminRoute {
    pub id: RouteId,
    pub verb: Verb,
    /// In axum's syntax, which is OpenAPI's: `/reps/{id}`.
    pub path: &'static str,
    /// The least role that may call it (`caller::authorize` decides; a test keeps the two
    /// in agreement).
    pub role: Role,
    pub summary: &'static str,
    /// Query parameters: name and meaning.
    pub query: &'static [(&'static str, &'static str)],
}

const WINDOW: [(&str, &str); 3] = [
    (
        "since",
        "the window: this long before `to` (`30m`, `24h`, `7d`; default 7d)",
    ),
    ("from", "the window's start, RFC 3339 (instead of `since`)"),
    ("to", "the window's end, RFC 3339, exclusive (default now)"),
];

const PAGE: [(&str, &str); 2] = [
    ("limit", "most items on a page, 1 to 500 (default 100)"),
    ("after", "the `next` cursor of the previous page"),
];

/// `GET /leads`: the window, the page and every filter.
const LEADS_QUERY: [(&str, &str); 13] = [
    WINDOW[0],
    WINDOW[1],
    WINDOW[2],
    PAGE[0],
    PAGE[1],
    LEAD_FILTERS[0],
    LEAD_FILTERS[1],
    LEAD_FILTERS[2],
    LEAD_FILTERS[3],
    LEAD_FILTERS[4],
    LEAD_FILTERS[5],
    LEAD_FILTERS[6],
    LEAD_FILTERS[7],
];

const AUDIT_QUERY: [(&str, &str); 5] = [WINDOW[0], WINDOW[1], WINDOW[2], PAGE[0], PAGE[1]];

const fn route(
    id: RouteId,
    verb: Verb,
    path: &'static str,
    role: Role,
    summary: &'static str,
) -> AdminRoute {
    AdminRoute {
        id,
        verb,
        path,
        role,
        summary,
        query: &[],
    }
}

const fn with_query(
    mut r: AdminRoute,
    query: &'static [(&'static str, &'static str)],
) -> AdminRoute {
    r.query = query;
    r
}

use Role::{Admin, Viewer};
use RouteId as R;
use Verb::{Get, Post};

/// Every admin route.
pub const ADMIN_ROUTES: [AdminRoute; 33] = [
    route(
        R::ApplyPolicy,
        Post,
        "/policy",
        Admin,
        "Validate, store and activate a policy",
    ),
    route(
        R::ValidatePolicy,
        Post,
        "/policy/validate",
        Viewer,
        "Check a draft policy; nothing is stored",
    ),
    route(
        R::ActivePolicy,
        Get,
        "/policy/active",
        Viewer,
        "The active policy version",
    ),
    route(
        R::PolicyVersion,
        Get,
        "/policy/versions/{version}",
        Viewer,
        "A stored policy version",
    ),
    route(
        R::PolicyHistory,
        Get,
        "/policy/history",
        Viewer,
        "Every policy version and the active one",
    ),
    with_query(
        route(
            R::PolicyDiff,
            Get,
            "/policy/diff",
            Viewer,
            "What changed between two policy versions",
        ),
        &[
            ("from", "the version to compare from (required)"),
            ("to", "the version to compare to (default the active one)"),
        ],
    ),
    route(
        R::WhatIf,
        Post,
        "/policy/whatif",
        Viewer,
        "Replay a window's stored leads through the active policy and a draft; nothing is stored",
    ),
    route(
        R::Coverage,
        Post,
        "/policy/coverage",
        Viewer,
        "Forecast, hour by hour, who can take the expected leads of each pool (the active policy or a draft); nothing is stored",
    ),
    route(
        R::Shadow,
        Get,
        "/policy/shadow",
        Viewer,
        "The policy version shadowing the active one, if any",
    ),
    route(
        R::StartShadow,
        Post,
        "/policy/shadow",
        Admin,
        "Let a stored version decide every lead beside the active one, changing nothing",
    ),
    route(
        R::StopShadow,
        Post,
        "/policy/shadow/stop",
        Admin,
        "Stop the shadow",
    ),
    with_query(
        route(
            R::ShadowReport,
            Get,
            "/policy/shadow/report",
            Viewer,
            "Where the shadow and the active policy agreed and differed over a window, and the outcomes under the active choice",
        ),
        &WINDOW,
    ),
    route(
        R::Rollback,
        Post,
        "/policy/rollback",
        Admin,
        "Activate a stored policy version",
    ),
    route(
        R::ImportAccounts,
        Post,
        "/accounts",
        Admin,
        "Import accounts",
    ),
    route(
        R::ImportLeads,
        Post,
        "/leads/import",
        Admin,
        "Import a batch of leads (an event's list): each row normalized, stored once and routed",
    ),
    with_query(
        route(
            R::Leads,
            Get,
            "/leads",
            Viewer,
            "The leads received in a window, oldest first, filtered and paged",
        ),
        &LEADS_QUERY,
    ),
    route(
        R::Lead,
        Get,
        "/leads/{id}",
        Viewer,
        "A lead with its assignment and every decision",
    ),
    with_query(
        route(
            R::Triage,
            Get,
            "/triage",
            Viewer,
            "The parked leads, oldest parked first, with their reasons",
        ),
        &PAGE,
    ),
    route(
        R::RerouteMatching,
        Post,
        "/triage/reroute",
        Admin,
        "Route every parked lead matching a reason and pool again",
    ),
    route(
        R::RerouteOne,
        Post,
        "/triage/{id}/reroute",
        Admin,
        "Route a parked lead again through the active policy",
    ),
    route(
        R::Assign,
        Post,
        "/triage/{id}/assign",
        Admin,
        "Give a parked lead to a named rep",
    ),
    with_query(
        route(
            R::Health,
            Get,
            "/reports/health",
            Viewer,
            "The health and fairness report over a window",
        ),
        &[WINDOW[0], WINDOW[1], WINDOW[2]],
    ),
    route(
        R::Reps,
        Get,
        "/reps",
        Viewer,
        "Every rep of the active policy, live",
    ),
    route(R::Rep, Get, "/reps/{id}", Viewer, "One rep, live"),
    route(
        R::RepAway,
        Post,
        "/reps/{id}/away",
        Admin,
        "Take a rep out of routing",
    ),
    route(
        R::RepBack,
        Post,
        "/reps/{id}/back",
        Admin,
        "Put a rep back into routing",
    ),
    with_query(
        route(
            R::Audit,
            Get,
            "/audit",
            Viewer,
            "Every change made through this API, newest first",
        ),
        &AUDIT_QUERY,
    ),
    with_query(
        route(
            R::DeadLetters,
            Get,
            "/dlq",
            Viewer,
            "Dead letters of the routing queue",
        ),
        &[("max", "most dead letters shown (default 100)")],
    ),
    route(
        R::Redrive,
        Post,
        "/dlq/redrive",
        Admin,
        "Move dead letters back to the routing queue",
    ),
    with_query(
        route(
            R::Outcomes,
            Get,
            "/outcomes",
            Viewer,
            "Each rep's closes, wins and win rate, overall and by segment, which best_fit pools route on",
        ),
        &[(
            "rep",
            "one rep only (default every rep of the active policy)",
        )],
    ),
    route(
        R::RebuildOutcomes,
        Post,
        "/outcomes/rebuild",
        Admin,
        "Recount every rep's recorded outcomes from the stored closes",
    ),
    route(
        R::ImportOutcomes,
        Post,
        "/outcomes/import",
        Admin,
        "Replace the reps' imported outcome history with a file's rows",
    ),
    route(
        R::Me,
        Get,
        "/me",
        Viewer,
        "Who the credential names and its role",
    ),
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn each_route_is_one_row_with_the_role_authorization_asks() {
        let mut seen = HashSet::new();
        for r in ADMIN_ROUTES {
            assert!(seen.insert(r.id), "{:?} twice", r.id);
            assert!(
                seen_path(&ADMIN_ROUTES, r).count() == 1,
                "{} {} twice",
                r.verb.as_str(),
                r.path
            );
            let method = http::Method::from_bytes(r.verb.as_str().as_bytes()).unwrap();
            let path = format!("{}{}", crate::PREFIX, r.path);
            assert_eq!(
                crate::caller::needed(&method, &path),
                r.role,
                "{} {}",
                r.verb.as_str(),
                r.path
            );
        }
    }

    fn seen_path(all: &[AdminRoute], r: AdminRoute) -> impl Iterator<Item = &AdminRoute> {
        all.iter()
            .filter(move |o| o.verb == r.verb && o.path == r.path)
    }
}
