//! `lead show`: a stored lead, its assignment, its failed CRM writes and each decision with
//! its explanation.

use std::collections::HashMap;
use std::fmt::Write;

use switchboard_routing::CompiledPolicy;
use switchboard_routing::record::OutcomeRecord;
use switchboard_routing::recycle::{Recycle, RecycleThen};
use switchboard_store::{
    Assignment, AssignmentStatus, DeliveryFailure, LeadStatus, ReleaseOutcome,
};

use crate::admin::LeadReport;
use crate::render::decision::render_decision;

/// `policies` holds the compiled versions the decisions were made under (for rep names);
/// a decision whose version is missing is shown by its summary only.
pub fn render_lead(report: &LeadReport, policies: &HashMap<u64, CompiledPolicy>) -> String {
    let mut out = String::new();
    let stored = &report.lead;
    let lead = &stored.lead;
    let _ = writeln!(out, "lead {}: {}", lead.id, stored.status.as_str());
    let _ = writeln!(out, "  received    {}", lead.received_at);
    if let Some(source) = &lead.source {
        let _ = writeln!(out, "  source      {source}");
    }
    // A spread import's lead: when it goes (or went) to routing.
    if let Some(at) = stored.route_at {
        let label = if stored.status == LeadStatus::Scheduled {
            "route at"
        } else {
            "planned"
        };
        let _ = writeln!(out, "  {label:<11} {at}");
    }
    let contact: Vec<&str> = [lead.email.as_deref(), lead.phone.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !contact.is_empty() {
        let _ = writeln!(out, "  contact     {}", contact.join(", "));
    }
    let name: Vec<&str> = [lead.first_name.as_deref(), lead.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !name.is_empty() {
        let _ = writeln!(out, "  name        {}", name.join(" "));
    }
    if !stored.bounced.is_empty() {
        let _ = writeln!(out, "  bounced     {}", stored.bounced.join(", "));
    }
    match &report.assignment {
        Some(a) => {
            // The decision that made the assignment says how it was made without a pool.
            let by_hand = report.decisions.last().is_some_and(|d| {
                d.by_hand.is_some() && d.change.rep.as_ref().is_some_and(|c| c.rep == a.rep)
            });
            let pool = match (a.pool.as_deref(), by_hand) {
                (Some(p), _) => format!("pool {p}"),
                (None, true) => "by hand".into(),
                (None, false) => "as account owner".into(),
            };
            let _ = writeln!(
                out,
                "  assignment  {} ({pool}), {}, attempt {}, policy version {}, assigned {}",
                a.rep,
                assignment_status(a),
                a.attempt,
                a.policy_version,
                a.assigned_at
            );
            if let Some(due) = a.sla_due {
                let accepted = a
                    .accepted_at
                    .map(|t| format!(", accepted {t}"))
                    .unwrap_or_default();
                let _ = writeln!(out, "  SLA due     {due}{accepted}");
            }
        }
        None => {
            let _ = writeln!(out, "  assignment  none");
        }
    }
    for f in &report.delivery_failures {
        let _ = writeln!(out, "  {}", delivery_failure(f));
    }
    if report.decisions.is_empty() {
        let _ = writeln!(out, "\nno decision yet");
    }
    for (i, record) in report.decisions.iter().enumerate() {
        let _ = writeln!(
            out,
            "\nDecision {} (policy version {})",
            i + 1,
            record.policy_version
        );
        let policy = policies.get(&record.policy_version);
        match policy {
            Some(policy) => out.push_str(&render_decision(policy, lead, record)),
            None => {
                let _ = writeln!(out, "{}", record.summary);
            }
        }
        // A decision that parked a lead taken from a rep escalated it (see the store's
        // re-route): say who was told, as the notification did.
        let previous = i.checked_sub(1).map(|p| &report.decisions[p].outcome);
        if let (
            OutcomeRecord::Parked { pool, .. },
            Some(OutcomeRecord::Assigned { rep: last_rep, .. }),
        ) = (&record.outcome, previous)
        {
            let _ = writeln!(out, "  told        {}", told(policy, last_rep, pool));
        }
        // The assignment this decision made, recycled by its rep.
        for r in stored
            .recycles
            .iter()
            .filter(|r| r.attempt as usize == i + 1)
        {
            let _ = writeln!(out, "  recycled    {}", recycled(r));
        }
    }
    out
}

/// A recycle as the timeline shows it: who, when, why and what the policy made of it.
fn recycled(r: &Recycle) -> String {
    let then = match &r.then {
        RecycleThen::Close => "closed".to_owned(),
        RecycleThen::Nurture { pool } => format!("parked in {pool} for nurturing"),
        RecycleThen::Reroute { reroute_at } => format!("to be routed again after {reroute_at}"),
    };
    let note = r
        .note
        .as_deref()
        .map(|n| format!(" (\"{n}\")"))
        .unwrap_or_default();
    format!(
        "by {} at {}: {}{note}; {then}",
        r.rep,
        r.at,
        r.reason.as_str()
    )
}

/// The assignment's state as the rep lived it: how it ended, as the store recorded it.
/// Assignments ended before the store recorded that say only that they went back to
/// routing.
pub fn assignment_status(a: &Assignment) -> String {
    match (a.status, a.ended_as) {
        (AssignmentStatus::Open, _) => "open".into(),
        (AssignmentStatus::Closed, Some(ReleaseOutcome::Recycled)) => {
            "recycled by the rep and closed".into()
        }
        (AssignmentStatus::Released, Some(ReleaseOutcome::Recycled)) => {
            "recycled by the rep".into()
        }
        (AssignmentStatus::Closed, _) => match a.outcome {
            Some(o) => format!("closed ({})", o.as_str()),
            None => "closed".into(),
        },
        (AssignmentStatus::Released, Some(ReleaseOutcome::Expired)) => {
            "expired (not accepted by its SLA deadline)".into()
        }
        (AssignmentStatus::Released, Some(ReleaseOutcome::Rejected)) => {
            "rejected by the rep".into()
        }
        (AssignmentStatus::Released, Some(ReleaseOutcome::Released)) => {
            "given back by the rep".into()
        }
        (AssignmentStatus::Released, _) => "released back to routing".into(),
    }
}

/// A CRM write that failed: the channel, the assignment, whether the queue still retries it
/// and the CRM's reason (stored without the lead's name, email and phone).
fn delivery_failure(f: &DeliveryFailure) -> String {
    let state = if f.permanent {
        "refused, not retried: fix the record, the CRM's rule or the mapping, then redrive"
    } else {
        "failing, retried"
    };
    format!(
        "CRM write   {} of {} {state} (last {}): {}",
        f.channel, f.assignment_id, f.failed_at, f.error
    )
}

/// Who the escalation of a lead taken from `last_rep` and parked in `pool` reached: the
/// rep's manager when the policy notifies managers and the rep has one, else the pool's
/// channels.
fn told(policy: Option<&CompiledPolicy>, last_rep: &str, pool: &str) -> String {
    let Some(policy) = policy else {
        return format!(
            "{last_rep}'s manager or pool {pool}'s channels (policy version not found)"
        );
    };
    let notify_manager = policy.escalation().is_none_or(|e| e.notify_manager);
    let manager = notify_manager
        .then(|| policy.manager_of(last_rep))
        .flatten();
    match manager {
        Some(m) => {
            let name = policy
                .rep_index(m)
                .map(|i| policy.reps()[i as usize].name.trim())
                .filter(|n| !n.is_empty())
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            format!(
                "manager {m}{name}, who manages {last_rep}; {last_rep} was told the lead moved on"
            )
        }
        None if notify_manager => format!(
            "the channels of pool {pool} ({last_rep} has no manager); {last_rep} was told the lead moved on"
        ),
        None => format!(
            "the channels of pool {pool} (this policy does not notify managers); {last_rep} was told the lead moved on"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::{SignedDuration, Timestamp};
    use switchboard_routing::{Lead, PolicyDocument};
    use switchboard_store::embedded::MemoryEvents;
    use switchboard_store::{
        DeliveryKey, DeliveryLog, LeadStore, NewLead, PolicyStore, ReleaseOutcome, Router,
        RoutingState,
    };

    /// One bounce escalates; ana's manager is mia.
    const POLICY: &str = "
name: lead-show
triage_pool: triage
default_sla: 10m
escalation: { after_bounces: 1 }
reps:
  - { id: ana, name: Ana Rep, manager: mia }
  - { id: mia, name: Mia Boss }
pools: [ { id: main, strategy: round_robin, members: [ana] } ]
rules: [ { id: all, pool: main } ]
";

    fn at(minutes: i64) -> Timestamp {
        "2026-06-01T10:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_mins(minutes)
    }

    /// A store with `POLICY` active and lead `id` routed to ana at `at(0)`, its router,
    /// and the compiled policy by version.
    async fn routed(
        id: &str,
    ) -> (
        switchboard_store::embedded::EmbeddedStore,
        Router<switchboard_store::embedded::EmbeddedStore, MemoryEvents>,
        HashMap<u64, CompiledPolicy>,
    ) {
        let store = switchboard_testkit::embedded_store();
        let doc = PolicyDocument::from_yaml(POLICY).unwrap();
        let v = store.put_version(&doc, None, at(0)).await.unwrap();
        store.set_active(v.version, None, at(0)).await.unwrap();
        let lead = Lead::new(id, at(0)).with_email(&format!("{}@example.org", id.to_lowercase()));
        store
            .insert_if_absent(&NewLead::new(lead, id), at(0))
            .await
            .unwrap();
        let router = Router::new(store.clone(), MemoryEvents::new());
        router.route_lead(id, at(0)).await.unwrap();
        let policies =
            HashMap::from([(v.version, CompiledPolicy::compile(doc, v.version).unwrap())]);
        (store, router, policies)
    }

    /// `lead show` of `id`, read as the admin API reads it.
    async fn show(
        store: &switchboard_store::embedded::EmbeddedStore,
        id: &str,
        policies: &HashMap<u64, CompiledPolicy>,
    ) -> (LeadReport, String) {
        let report = switchboard_admin::ops::lead_report(store, id)
            .await
            .unwrap();
        let text = render_lead(&report, policies);
        (report, text)
    }

    /// Routes one lead to ana, ends her assignment with `outcome` after `minutes` and
    /// routes it again (it escalates), then renders `lead show`.
    async fn shown(outcome: ReleaseOutcome, minutes: i64, accept: bool) -> String {
        let (store, router, policies) = routed("L-1").await;
        if accept {
            store.accept("L-1", "ana", at(1)).await.unwrap();
        }
        store
            .end_attempt("L-1", 1, outcome, None, at(minutes))
            .await
            .unwrap()
            .expect("ended");
        router.route_lead("L-1", at(minutes)).await.unwrap();
        show(&store, "L-1", &policies).await.1
    }

    #[tokio::test]
    async fn a_failed_crm_write_shows_the_crms_reason_until_it_succeeds() {
        let (store, _router, _) = routed("L-1").await;
        let key = |channel| DeliveryKey {
            lead_id: "L-1",
            assignment_id: "L-1:1",
            kind: "assigned",
            channel,
        };
        let refused = "answered 400: FIELD_CUSTOM_VALIDATION_EXCEPTION: Region is required";
        store
            .record_failure(key("sf"), refused, true, at(1))
            .await
            .unwrap();
        store
            .record_failure(key("hub"), "rate limited: too many", false, at(2))
            .await
            .unwrap();
        let no_policies = HashMap::new();
        let (_, text) = show(&store, "L-1", &no_policies).await;
        assert!(
            text.contains(&format!(
                "  CRM write   sf of L-1:1 refused, not retried: fix the record, the CRM's rule \
                 or the mapping, then redrive (last {}): {refused}\n",
                at(1)
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "  CRM write   hub of L-1:1 failing, retried (last {}): rate limited: too many\n",
                at(2)
            )),
            "{text}"
        );
        store.record_delivered(key("sf"), at(3)).await.unwrap();
        let (_, text) = show(&store, "L-1", &no_policies).await;
        assert!(!text.contains("CRM write   sf"), "{text}");
        assert!(text.contains("CRM write   hub"), "{text}");
    }

    #[tokio::test]
    async fn an_ended_assignment_shows_how_it_ended_and_an_escalation_who_was_told() {
        // (how ana's assignment ended, minutes after assignment, accepted first, shown as)
        let cases = [
            (
                ReleaseOutcome::Expired,
                10,
                false,
                "expired (not accepted by its SLA deadline)",
            ),
            (ReleaseOutcome::Rejected, 3, false, "rejected by the rep"),
            (ReleaseOutcome::Released, 30, true, "given back by the rep"),
        ];
        for (outcome, minutes, accept, status) in cases {
            let text = shown(outcome, minutes, accept).await;
            assert!(
                text.contains(&format!(
                    "  assignment  ana (pool main), {status}, attempt 1"
                )),
                "{outcome:?}:\n{text}"
            );
            assert!(
                text.contains(
                    "  rule        not applied: the lead bounced too often and was escalated"
                ),
                "{text}"
            );
            assert!(
                text.contains("  told        manager mia (Mia Boss), who manages ana"),
                "{text}"
            );
            assert!(!text.contains("rule        none"), "{text}");
        }
    }

    #[test]
    fn a_closed_assignment_shows_its_outcome() {
        let a = Assignment {
            lead_id: "L-2".into(),
            rep: "ana".into(),
            pool: None,
            attempt: 1,
            policy_version: 1,
            assigned_at: at(0),
            sla_due: Some(at(10)),
            accepted_at: Some(at(1)),
            status: AssignmentStatus::Closed,
            ended_at: Some(at(20)),
            outcome: Some(switchboard_store::CloseOutcome::Won),
            ended_as: Some(ReleaseOutcome::Closed),
        };
        assert_eq!(assignment_status(&a), "closed (won)");
        let open = Assignment {
            status: AssignmentStatus::Open,
            ended_at: None,
            outcome: None,
            ..a
        };
        assert_eq!(assignment_status(&open), "open");
    }

    #[tokio::test]
    async fn a_recycle_shows_in_the_timeline_under_the_decision_it_ended() {
        use switchboard_routing::recycle::{Recycle, RecycleReason, RecycleThen};

        let (store, _router, _) = routed("L-3").await;
        let recycle = Recycle {
            rep: "ana".into(),
            attempt: 1,
            reason: RecycleReason::Other,
            note: Some("wants a job".into()),
            at: at(5),
            then: RecycleThen::Nurture {
                pool: "nurture".into(),
            },
        };
        store
            .recycle_attempt("L-3", &recycle, at(5))
            .await
            .unwrap()
            .expect("recycled");
        let (report, text) = show(&store, "L-3", &HashMap::new()).await;
        assert!(text.starts_with("lead L-3: parked\n"), "{text}");
        assert!(
            text.contains("  assignment  ana (pool main), recycled by the rep, attempt 1"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "Decision 1 (policy version 1)\n{}  recycled    by ana at {}: other (\"wants a job\"); parked in nurture for nurturing\n",
                report.decisions[0].summary.clone() + "\n",
                at(5)
            )),
            "{text}"
        );
    }
}
