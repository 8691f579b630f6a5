//! What routing takes up again by itself from the triage queue: the policy's `parked`
//! settings, with a pool's own `parked_retry` over them for leads whose waterfall started
//! at that pool.

use switchboard_routing::{CompiledPolicy, ParkReason};

fn policy(parked: &str, enterprise: &str) -> CompiledPolicy {
    let yaml = format!(
        "triage_pool: triage
{parked}
reps: [ {{ id: ann }}, {{ id: bob }} ]
pools:
  - {{ id: smb, members: [ann] }}
  - {{ id: enterprise, members: [bob]{enterprise} }}
rules: [ {{ id: all, pool: smb }} ]
"
    );
    CompiledPolicy::from_yaml(&yaml, 1).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

#[test]
fn a_pools_parked_retry_overrides_the_policy_for_its_own_leads() {
    use ParkReason::*;
    let hold = ", parked_retry: hold";
    let retry = ", parked_retry: when_available";
    let policy_hold = "parked: { retry: hold }";
    let switch_held = "parked: { after_kill_switch: hold }";
    // (policy settings, enterprise's own, reason, first pool, taken up again)
    let cases = [
        ("", "", AllAtCap, Some("enterprise"), true),
        ("", hold, AllAtCap, Some("enterprise"), false),
        ("", hold, AllOutsideHours, Some("enterprise"), false),
        ("", hold, AllAtCap, Some("smb"), true),
        ("", hold, AllAtCap, None, true),
        (policy_hold, "", AllAway, Some("enterprise"), false),
        (policy_hold, retry, AllAway, Some("enterprise"), true),
        (policy_hold, retry, NoneAvailable, Some("smb"), false),
        // A pool that is gone from the policy has no say.
        (policy_hold, retry, AllAtCap, Some("retired"), false),
        // A pool's setting is about its reps being unavailable, not about other reasons.
        ("", retry, NoRuleMatched, Some("enterprise"), false),
        ("", hold, KillSwitch, Some("enterprise"), true),
        (switch_held, retry, KillSwitch, Some("enterprise"), false),
        ("", retry, Escalated, Some("enterprise"), false),
    ];
    for (parked, enterprise, reason, first_pool, retried) in cases {
        let p = policy(parked, enterprise);
        assert_eq!(
            p.retries_parked(reason, first_pool),
            retried,
            "policy `{parked}`, enterprise `{enterprise}`, {reason:?} from {first_pool:?}"
        );
    }
}

#[test]
fn parked_retry_takes_only_its_two_values() {
    let yaml = "triage_pool: triage
reps: [ { id: ann } ]
pools: [ { id: smb, members: [ann], parked_retry: later } ]
rules: [ { id: all, pool: smb } ]
";
    let error = CompiledPolicy::from_yaml(yaml, 1).expect_err("refused");
    assert!(error.to_string().contains("parked_retry"), "{error}");
}
