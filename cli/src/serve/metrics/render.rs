//! The exposition of [`Metrics`]: every family in a fixed order, each with its help text,
//! the series of a family sorted by their labels.

use std::collections::BTreeMap;

use super::text::{self, Exposition, Kind};
use super::{Conflicts, Histogram, Metrics, TIME_TO_ASSIGN_BUCKETS};
use crate::serve::stats::StatsView;

impl Metrics {
    /// The exposition: these counters, the pipeline's (`stats`) and its queue depths.
    pub fn render(&self, stats: &StatsView) -> String {
        let c = self.counts().clone();
        let mut e = Exposition::default();
        by_label(
            &mut e,
            "switchboard_leads_received_total",
            "Leads intake stored, by source (a repeated submission stores nothing).",
            "source",
            &c.received,
        );
        by_label(
            &mut e,
            "switchboard_leads_duplicate_total",
            "Stored leads that were same-address duplicates of an earlier lead, by source.",
            "source",
            &c.duplicate,
        );
        by_label(
            &mut e,
            "switchboard_leads_assigned_total",
            "First assignments of leads, by pool (account_owner for sticky owners).",
            "pool",
            &c.assigned,
        );
        time_to_assign(&mut e, &c.time_to_assign);
        by_label(
            &mut e,
            "switchboard_leads_reassigned_total",
            "Later assignments decided by the routers (a re-driven re-route), by pool.",
            "pool",
            &c.reassigned,
        );
        parked(&mut e, &c.parked);
        conflicts(&mut e, &c.conflicts);
        let unlabelled = [
            (
                "switchboard_sla_expired_total",
                "Assignments ended by their SLA.",
                c.sla.expired,
            ),
            (
                "switchboard_sla_reassigned_total",
                "Leads of expired assignments routed to another rep.",
                c.sla.reassigned,
            ),
            (
                "switchboard_sla_escalated_total",
                "Leads of expired assignments escalated.",
                c.sla.escalated,
            ),
            (
                "switchboard_sla_warnings_total",
                "SLA reminders sent to assigned reps.",
                c.sla.warnings,
            ),
            (
                "switchboard_sla_sweep_failures_total",
                "Items an SLA pass could not handle (tried again on the next pass).",
                c.sla.failures,
            ),
            (
                "switchboard_routed_total",
                "Route requests finished (decided, or found decided by an earlier delivery).",
                stats.routed,
            ),
            (
                "switchboard_route_failures_total",
                "Route request deliveries that failed and were left for redelivery.",
                stats.route_failures,
            ),
            (
                "switchboard_redriven_total",
                "Leads the sweep handed to the routing queue again.",
                stats.redriven,
            ),
            (
                "switchboard_notified_total",
                "Notify messages the notifier delivered.",
                stats.notified,
            ),
        ];
        for (name, help, value) in unlabelled {
            e.family(name, Kind::Counter, help);
            e.sample(name, &[], value);
        }
        let gauges = [
            (
                "switchboard_routing_queue_messages",
                "Route requests waiting or in flight.",
                stats.routing_queue,
            ),
            (
                "switchboard_routing_dead_letters",
                "Route requests in the dead letters.",
                stats.dead_letters,
            ),
        ];
        for (name, help, value) in gauges {
            e.family(name, Kind::Gauge, help);
            e.sample(name, &[], value as u64);
        }
        e.finish()
    }
}

fn by_label(e: &mut Exposition, name: &str, help: &str, label: &str, map: &BTreeMap<String, u64>) {
    e.family(name, Kind::Counter, help);
    for (value, n) in map {
        e.sample(name, &[(label, value)], *n);
    }
}

fn parked(e: &mut Exposition, map: &BTreeMap<(String, String), u64>) {
    let name = "switchboard_leads_parked_total";
    e.family(
        name,
        Kind::Counter,
        "Parked leads, by pool and park reason.",
    );
    for ((pool, reason), n) in map {
        e.sample(name, &[("pool", pool), ("reason", reason)], *n);
    }
}

fn conflicts(e: &mut Exposition, c: &Conflicts) {
    let lost = "switchboard_route_conflicts_total";
    e.family(
        lost,
        Kind::Counter,
        "Routing attempts that lost a race for a rep or pool and were decided again on fresh state.",
    );
    e.sample(lost, &[], c.lost);
    let name = "switchboard_conflicted_time_to_decide_seconds";
    e.family(
        name,
        Kind::Histogram,
        "Time from intake's receipt to the decision, of leads decided after a lost race.",
    );
    histogram(e, name, &[], &c.time_to_decide);
}

/// The samples of one histogram series with `labels`.
fn histogram(e: &mut Exposition, name: &str, labels: &[(&str, &str)], h: &Histogram) {
    let bucket = format!("{name}_bucket");
    let mut cumulative = 0;
    let bounds = TIME_TO_ASSIGN_BUCKETS.iter().chain([&f64::INFINITY]);
    for (bound, n) in bounds.zip(h.buckets) {
        cumulative += n;
        let le = text::le(*bound);
        let mut with_le = labels.to_vec();
        with_le.push(("le", &le));
        e.sample(&bucket, &with_le, cumulative);
    }
    e.sample(&format!("{name}_sum"), labels, h.sum);
    e.sample(&format!("{name}_count"), labels, h.count);
}

fn time_to_assign(e: &mut Exposition, map: &BTreeMap<String, Histogram>) {
    let name = "switchboard_time_to_assign_seconds";
    e.family(
        name,
        Kind::Histogram,
        "Time from intake's receipt of a lead to its first assignment, by pool.",
    );
    for (pool, h) in map {
        histogram(e, name, &[("pool", pool)], h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use switchboard_lambda::DecisionCount;

    /// Stats of a pipeline with nothing counted and nothing queued.
    fn quiet() -> StatsView {
        StatsView {
            routed: 0,
            route_failures: 0,
            redriven: 0,
            notified: 0,
            routing_queue: 0,
            dead_letters: 0,
        }
    }

    #[test]
    fn a_histogram_is_cumulative_and_ends_at_inf() {
        let m = Metrics::default();
        for ms in [3, 200, 200, 400_000] {
            m.decided(DecisionCount::Assigned {
                pool: "dach",
                time_to_assign: Duration::from_millis(ms),
            });
        }
        let view = quiet();
        let out = m.render(&view);
        let line = |s: &str| out.lines().any(|l| l == s);
        assert!(
            line(r#"switchboard_time_to_assign_seconds_bucket{pool="dach",le="0.005"} 1"#),
            "{out}"
        );
        assert!(line(
            r#"switchboard_time_to_assign_seconds_bucket{pool="dach",le="0.1"} 1"#
        ));
        assert!(line(
            r#"switchboard_time_to_assign_seconds_bucket{pool="dach",le="0.25"} 3"#
        ));
        assert!(line(
            r#"switchboard_time_to_assign_seconds_bucket{pool="dach",le="300"} 3"#
        ));
        assert!(line(
            r#"switchboard_time_to_assign_seconds_bucket{pool="dach",le="+Inf"} 4"#
        ));
        assert!(line(
            r#"switchboard_time_to_assign_seconds_count{pool="dach"} 4"#
        ));
        assert!(line(r#"switchboard_leads_assigned_total{pool="dach"} 4"#));
    }

    #[test]
    fn lost_races_are_counted_with_the_time_their_leads_waited() {
        let m = Metrics::default();
        let view = quiet();
        // Present at zero before any race is lost.
        let out = m.render(&view);
        assert!(
            out.contains("\nswitchboard_route_conflicts_total 0\n"),
            "{out}"
        );
        assert!(out.contains("\nswitchboard_conflicted_time_to_decide_seconds_count 0\n"));
        m.conflicted(1, Duration::from_millis(4));
        m.conflicted(3, Duration::from_millis(70));
        let out = m.render(&view);
        for expected in [
            "switchboard_route_conflicts_total 4",
            r#"switchboard_conflicted_time_to_decide_seconds_bucket{le="0.005"} 1"#,
            r#"switchboard_conflicted_time_to_decide_seconds_bucket{le="0.05"} 1"#,
            r#"switchboard_conflicted_time_to_decide_seconds_bucket{le="0.1"} 2"#,
            "switchboard_conflicted_time_to_decide_seconds_count 2",
        ] {
            assert!(out.lines().any(|l| l == expected), "{expected}\n{out}");
        }
    }

    #[test]
    fn a_source_has_a_duplicate_count_from_its_first_lead() {
        let m = Metrics::default();
        m.received("web", false);
        let out = m.render(&StatsView {
            routed: 0,
            route_failures: 0,
            redriven: 0,
            notified: 0,
            routing_queue: 2,
            dead_letters: 1,
        });
        assert!(out.contains("switchboard_leads_received_total{source=\"web\"} 1\n"));
        assert!(out.contains("switchboard_leads_duplicate_total{source=\"web\"} 0\n"));
        assert!(out.contains("switchboard_routing_queue_messages 2\n"));
        assert!(out.contains("switchboard_routing_dead_letters 1\n"));
    }
}
