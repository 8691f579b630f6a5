//! Shadow mode: the setting, the shadow's own strategy state and its decisions are stored
//! as the `PolicyStore` contract says, and a router with a shadow set decides every lead
//! twice while only the active decision changes anything.

use jiff::{SignedDuration, Timestamp};
use switchboard_store::embedded::MemoryEvents;
use switchboard_store::ports::shadow::{Pick, ShadowDecision, ShadowPools, ShadowSetting};
use switchboard_store::{PolicyStore, Routed, Router, RoutingState, StoreError};

use super::Harness;
use super::fixtures::{activate, doc, insert, monday};
use switchboard_testkit::{assigned, decision_record};

fn decision(lead: &str, at: Timestamp, rep: &str) -> ShadowDecision {
    let record = decision_record(lead, 2, at, assigned(rep, "main", "round_robin"));
    ShadowDecision {
        lead_id: lead.into(),
        decided_at: at,
        active_version: 1,
        active: Pick::of(&record),
        shadow: record,
    }
}

pub async fn shadow_setting_state_and_decisions_round_trip<H: Harness>(h: &H) {
    let store = h.store().await;
    assert_eq!(store.get_shadow().await.unwrap(), None);
    let setting = ShadowSetting {
        version: 2,
        since: monday(),
        note: Some("trial".into()),
    };
    // A shadow decides beside an active policy: none yet, nothing to shadow.
    assert!(matches!(
        store.set_shadow(Some(&setting)).await,
        Err(StoreError::Invalid(_))
    ));
    let first = activate(&store, ACTIVE).await;
    store.set_shadow(Some(&setting)).await.unwrap();
    assert_eq!(store.get_shadow().await.unwrap(), Some(setting.clone()));
    // The setting rides on the active pointer, and stays when the pointer moves.
    let active = store.get_active().await.unwrap().unwrap();
    assert_eq!(active.shadow, Some(setting.clone()));
    let second = activate(&store, ACTIVE).await;
    let moved = store.get_active().await.unwrap().unwrap();
    assert_eq!((moved.version, moved.previous), (second, Some(first)));
    assert_eq!(moved.shadow, Some(setting.clone()));

    let mut pools = ShadowPools::new();
    pools.insert(
        "main".into(),
        switchboard_routing::PoolRecord {
            version: 3,
            last_rep: Some("bo".into()),
            ..Default::default()
        },
    );
    store.put_shadow_pools(&pools).await.unwrap();
    assert_eq!(store.get_shadow_pools().await.unwrap(), pools);
    // A new setting starts the shadow's strategy state afresh.
    store.set_shadow(Some(&setting)).await.unwrap();
    assert_eq!(store.get_shadow_pools().await.unwrap(), ShadowPools::new());

    // Decisions over two UTC days: listed oldest first within [from, to), at most `limit`.
    let t0 = monday();
    let hours = |h: i64| t0 + SignedDuration::from_hours(h);
    let stored: Vec<ShadowDecision> = (0..6)
        .map(|i| {
            decision(
                &format!("l{i}"),
                hours(i * 8),
                if i % 2 == 0 { "ana" } else { "bo" },
            )
        })
        .collect();
    for d in stored.iter().rev() {
        store.put_shadow_decision(d).await.unwrap();
    }
    // A repeat is a no-op; other content under the same lead and time is refused.
    store.put_shadow_decision(&stored[0]).await.unwrap();
    let other = decision("l0", t0, "zed");
    assert!(matches!(
        store.put_shadow_decision(&other).await,
        Err(StoreError::Conflict(_))
    ));
    let all = store.shadow_between(t0, hours(48), 100).await.unwrap();
    assert_eq!(all, stored);
    let window = store
        .shadow_between(hours(8), hours(32), 100)
        .await
        .unwrap();
    assert_eq!(window, stored[1..4]);
    let limited = store.shadow_between(t0, hours(48), 2).await.unwrap();
    assert_eq!(limited, stored[..2]);
    assert!(
        store
            .shadow_between(hours(9), hours(9), 10)
            .await
            .unwrap()
            .is_empty()
    );

    store.set_shadow(None).await.unwrap();
    assert_eq!(store.get_shadow().await.unwrap(), None);
    // Its decisions stay for reports.
    assert_eq!(
        store
            .shadow_between(t0, hours(48), 100)
            .await
            .unwrap()
            .len(),
        6
    );
}

const ACTIVE: &str = "
triage_pool: triage
reps: [ { id: ana }, { id: bo } ]
pools: [ { id: main, strategy: round_robin, members: [ana, bo] } ]
rules: [ { id: all, pool: main } ]
";

/// Same reps; every lead to bo.
const CANDIDATE: &str = "
triage_pool: triage
reps: [ { id: ana }, { id: bo } ]
pools:
  - { id: main, strategy: round_robin, members: [ana, bo] }
  - { id: bo-only, strategy: round_robin, members: [bo] }
rules: [ { id: all, pool: bo-only } ]
";

pub async fn a_shadow_decides_beside_the_active_policy_and_changes_nothing<H: Harness>(h: &H) {
    let router = Router::new(h.store().await, MemoryEvents::new());
    let store = &router.store;
    activate(store, ACTIVE).await;
    let candidate = store
        .put_version(&doc(CANDIDATE), Some("candidate"), monday())
        .await
        .unwrap();
    store
        .set_shadow(Some(&ShadowSetting {
            version: candidate.version,
            since: monday(),
            note: None,
        }))
        .await
        .unwrap();
    let ids: Vec<String> = (0..8).map(|i| format!("sh-{i}")).collect();
    for id in &ids {
        insert(store, id).await;
    }
    let now = monday();
    // Half one by one, half as a run: both paths shadow. Every attempt, including one that
    // lost a race and was decided again, is a shadow decision.
    let mut attempts = 0;
    let mut count = |routed: Routed| match routed {
        Routed::Decided { attempts: a, .. } => attempts += a,
        other => panic!("not decided: {other:?}"),
    };
    for id in &ids[..4] {
        count(router.route_lead(id, now).await.unwrap());
    }
    let run: Vec<&str> = ids[4..].iter().map(String::as_str).collect();
    for routed in router.route_run(&run, now).await {
        count(routed.unwrap());
    }

    let decisions = store
        .shadow_between(now, now + SignedDuration::from_secs(1), 100)
        .await
        .unwrap();
    assert_eq!(decisions.len(), 8, "{decisions:#?}");
    let mut active_reps = Vec::new();
    for d in &decisions {
        let assignment = store
            .assignment(&d.lead_id)
            .await
            .unwrap()
            .expect("assigned");
        assert_eq!(d.active.rep.as_deref(), Some(assignment.rep.as_str()));
        assert_eq!(Pick::of(&d.shadow).rep.as_deref(), Some("bo"));
        assert_eq!(d.shadow.policy_version, candidate.version);
        active_reps.push(assignment.rep.to_string());
    }
    // The active policy alternates; the shadow agreed exactly where it picked bo.
    assert_eq!(active_reps.iter().filter(|r| *r == "ana").count(), 4);
    let agreed = decisions.iter().filter(|d| d.agrees()).count();
    assert_eq!(agreed, 4);
    // Only the active decisions took capacity and were announced.
    let policy = router.policy(1).await.unwrap();
    let view = store.load(&policy, &ids[0]).await.unwrap();
    let open: Vec<u32> = view.snapshot.reps.iter().map(|r| r.open).collect();
    assert_eq!(open, [4, 4]);
    let assigned = router
        .events
        .events()
        .iter()
        .filter(|e| e.kind == "lead.assigned")
        .count();
    assert_eq!(assigned, 8);
    // The shadow kept its own strategy state: a step per lead, and one more each time a
    // lead's write lost a race and it was decided again (see `router::shadow`: a trial's
    // figures, not a ledger; on DynamoDB a run's writes can arrive out of order and lose).
    let pools = store.get_shadow_pools().await.unwrap();
    let steps = pools.get("bo-only").map_or(0, |p| p.version);
    assert!(
        (8..=u64::from(attempts)).contains(&steps),
        "{steps} steps for {attempts} attempts"
    );
}
