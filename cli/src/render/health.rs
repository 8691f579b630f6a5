//! The health and fairness report (`switchboard_routing::report`) as text tables and CSV.
//! The figures and their definitions: docs/HEALTH.md. Percentages are rounded to 0.1 here
//! and nowhere else; the report keeps them exact.

use std::fmt::Write as _;

use switchboard_routing::ParkReason;
use switchboard_routing::report::{
    AssignmentFigures, HealthReport, LeadFigures, Percentiles, PoolFigures,
};

use crate::render::table::{Align, Table};

/// The report as aligned text: leads per pool, parks by reason, assignments per pool and
/// rep, fairness per pool.
pub fn render_health(r: &HealthReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Health of the leads received {} .. {} (as of {})",
        r.window.from(),
        r.window.to(),
        r.generated_at
    );
    if r.duplicates > 0 {
        let _ = writeln!(out, "  {} duplicates left out", r.duplicates);
    }
    leads(&mut out, r);
    parks(&mut out, r);
    assignments(&mut out, r);
    recycles(&mut out, r);
    fairness(&mut out, r);
    out
}

/// A percentage to one decimal, `-` without a basis.
fn pct(p: Option<f64>) -> String {
    p.map_or_else(|| "-".into(), |p| format!("{p:.1}%"))
}

/// Milliseconds in the largest units that keep them readable, `-` when not measured.
fn duration(ms: Option<u64>) -> String {
    let Some(ms) = ms else {
        return "-".into();
    };
    let s = ms / 1000;
    match s {
        0 => format!("{ms}ms"),
        1..60 => format!("{}.{}s", s, (ms % 1000) / 100),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

fn deviation(d: Option<f64>) -> String {
    // Printing "-0.0%" for a tiny negative deviation would read as a shortfall.
    d.map_or_else(
        || "-".into(),
        |d| {
            let d = if (d * 100.0).abs() < 0.05 { 0.0 } else { d };
            format!("{:+.1}%", d * 100.0)
        },
    )
}

fn leads(out: &mut String, r: &HealthReport) {
    let mut t = Table::new(&[
        ("pool", Align::Left),
        ("received", Align::Right),
        ("assigned", Align::Right),
        ("parked", Align::Right),
        ("awaiting", Align::Right),
        ("reassigned", Align::Right),
        ("escalated", Align::Right),
        ("assign p50", Align::Right),
        ("p95", Align::Right),
        ("p99", Align::Right),
    ]);
    let mut row = |name: String, l: &LeadFigures| {
        t.row(vec![
            name,
            l.received.to_string(),
            pct(l.assigned_percent),
            pct(l.parked_percent),
            pct(l.awaiting_routing_percent),
            pct(l.reassignment_percent),
            l.escalations.to_string(),
            duration(l.time_to_assign.p50_ms),
            duration(l.time_to_assign.p95_ms),
            duration(l.time_to_assign.p99_ms),
        ]);
    };
    row("(all)".into(), &r.overall.leads);
    for p in r.pools.iter().filter(|p| p.leads.received > 0) {
        row(p.pool.to_string(), &p.leads);
    }
    let _ = writeln!(out, "\nLeads");
    out.push_str(&t.render(2));
}

fn parks(out: &mut String, r: &HealthReport) {
    let mut t = Table::new(&[
        ("pool", Align::Left),
        ("reason", Align::Left),
        ("leads", Align::Right),
        ("of received", Align::Right),
    ]);
    for p in &r.pools {
        for c in &p.leads.parked_by_reason {
            t.row(vec![
                p.pool.to_string(),
                c.reason.as_str().into(),
                c.leads.to_string(),
                pct(c.percent),
            ]);
        }
    }
    if !t.is_empty() {
        let _ = writeln!(out, "\nParked by reason");
        out.push_str(&t.render(2));
    }
}

fn assignments(out: &mut String, r: &HealthReport) {
    let mut t = Table::new(&[
        ("pool / rep", Align::Left),
        ("assignments", Align::Right),
        ("accepted", Align::Right),
        ("accept p50", Align::Right),
        ("p95", Align::Right),
        ("SLA met", Align::Right),
        ("of known", Align::Right),
        ("rejected", Align::Right),
        ("expired", Align::Right),
    ]);
    let mut row = |name: String, a: &AssignmentFigures| {
        t.row(vec![
            name,
            a.assignments.to_string(),
            a.accepted.to_string(),
            duration(a.time_to_accept.p50_ms),
            duration(a.time_to_accept.p95_ms),
            pct(a.sla.compliance_percent),
            a.sla.known.to_string(),
            pct(a.reject_percent),
            a.expired.to_string(),
        ]);
    };
    row("(all)".into(), &r.overall.assignments);
    for p in r.pools.iter().filter(|p| p.assignments.assignments > 0) {
        row(format!("pool {}", p.pool), &p.assignments);
    }
    for rep in &r.reps {
        row(format!("rep {}", rep.rep), &rep.assignments);
    }
    let _ = writeln!(out, "\nAssignments");
    out.push_str(&t.render(2));
    if r.overall.assignments.unrecorded > 0 {
        let _ = writeln!(
            out,
            "  {} earlier assignments of re-routed leads ended without a record of how: \
             not in accepted, SLA or rejected",
            r.overall.assignments.unrecorded
        );
    }
}

/// Recycle rates per rep and per source; nothing when no lead of the window was recycled.
fn recycles(out: &mut String, r: &HealthReport) {
    if r.overall.assignments.recycled == 0 {
        return;
    }
    let mut t = Table::new(&[
        ("rep", Align::Left),
        ("assignments", Align::Right),
        ("recycled", Align::Right),
        ("rate", Align::Right),
    ]);
    for rep in r.reps.iter().filter(|f| f.assignments.recycled > 0) {
        t.row(vec![
            rep.rep.to_string(),
            rep.assignments.assignments.to_string(),
            rep.assignments.recycled.to_string(),
            pct(rep.assignments.recycle_percent),
        ]);
    }
    let _ = writeln!(out, "\nRecycled by rep");
    out.push_str(&t.render(2));
    let mut t = Table::new(&[
        ("source", Align::Left),
        ("leads", Align::Right),
        ("recycled", Align::Right),
        ("rate", Align::Right),
        ("reasons", Align::Left),
    ]);
    for s in &r.sources {
        let reasons: Vec<String> = s
            .by_reason
            .iter()
            .map(|c| format!("{} {}", c.reason.as_str(), c.recycles))
            .collect();
        t.row(vec![
            s.source.clone().unwrap_or_else(|| "(none)".into()),
            s.leads.to_string(),
            s.recycled_leads.to_string(),
            pct(s.recycle_percent),
            reasons.join(", "),
        ]);
    }
    let _ = writeln!(out, "\nRecycled by source");
    out.push_str(&t.render(2));
}

fn fairness(out: &mut String, r: &HealthReport) {
    let mut t = Table::new(&[
        ("pool", Align::Left),
        ("rep", Align::Left),
        ("weight", Align::Right),
        ("eligible in", Align::Right),
        ("assigned", Align::Right),
        ("target", Align::Right),
        ("deviation", Align::Right),
    ]);
    for p in &r.pools {
        let Some(f) = &p.fairness else { continue };
        for row in &f.reps {
            t.row(vec![
                p.pool.to_string(),
                row.rep.to_string(),
                row.weight.to_string(),
                row.eligible_in.to_string(),
                row.assignments.to_string(),
                format!("{:.1}", row.target),
                deviation(row.deviation),
            ]);
        }
    }
    if !t.is_empty() {
        let _ = writeln!(
            out,
            "\nFairness (target: the rep's weighted share of each decision it was eligible in)"
        );
        out.push_str(&t.render(2));
    }
}

/// The columns of [`write_health_csv`], in order.
pub fn health_csv_header() -> Vec<String> {
    let mut h: Vec<String> = [
        "scope",
        "pool",
        "rep",
        "received",
        "assigned",
        "assigned_pct",
        "parked",
        "parked_pct",
        "awaiting_routing",
        "ever_assigned",
        "reassigned",
        "reassignment_pct",
        "escalations",
        "time_to_assign_count",
        "time_to_assign_p50_ms",
        "time_to_assign_p95_ms",
        "time_to_assign_p99_ms",
    ]
    .map(String::from)
    .into();
    h.extend(ParkReason::ALL.map(|r| format!("parked_{}", r.as_str())));
    h.extend(
        [
            "assignments",
            "accepted",
            "rejected",
            "reject_pct",
            "expired",
            "unrecorded",
            "time_to_accept_count",
            "time_to_accept_p50_ms",
            "time_to_accept_p95_ms",
            "time_to_accept_p99_ms",
            "sla_known",
            "sla_met",
            "sla_missed",
            "sla_compliance_pct",
        ]
        .map(String::from),
    );
    h
}

fn csv_pct(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.1}")).unwrap_or_default()
}

fn csv_opt(v: Option<u64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn percentile_cells(p: &Percentiles) -> [String; 4] {
    [
        p.count.to_string(),
        csv_opt(p.p50_ms),
        csv_opt(p.p95_ms),
        csv_opt(p.p99_ms),
    ]
}

fn lead_cells(l: Option<&LeadFigures>) -> Vec<String> {
    let Some(l) = l else {
        // A rep has no leads of its own: empty, not zero.
        return vec![String::new(); 14 + ParkReason::ALL.len()];
    };
    let mut cells = vec![
        l.received.to_string(),
        l.assigned.to_string(),
        csv_pct(l.assigned_percent),
        l.parked.to_string(),
        csv_pct(l.parked_percent),
        l.awaiting_routing.to_string(),
        l.ever_assigned.to_string(),
        l.reassigned.to_string(),
        csv_pct(l.reassignment_percent),
        l.escalations.to_string(),
    ];
    cells.extend(percentile_cells(&l.time_to_assign));
    cells.extend(ParkReason::ALL.map(|reason| {
        l.parked_by_reason
            .iter()
            .find(|c| c.reason == reason)
            .map_or(0, |c| c.leads)
            .to_string()
    }));
    cells
}

fn assignment_cells(a: &AssignmentFigures) -> Vec<String> {
    let mut cells = vec![
        a.assignments.to_string(),
        a.accepted.to_string(),
        a.rejected.to_string(),
        csv_pct(a.reject_percent),
        a.expired.to_string(),
        a.unrecorded.to_string(),
    ];
    cells.extend(percentile_cells(&a.time_to_accept));
    cells.extend([
        a.sla.known.to_string(),
        a.sla.met.to_string(),
        a.sla.missed.to_string(),
        csv_pct(a.sla.compliance_percent),
    ]);
    cells
}

/// One row for the whole window (`scope` = `overall`), one per pool and one per rep, with
/// the columns of [`health_csv_header`]: durations in milliseconds, percentages rounded to
/// 0.1, empty cells for figures without a basis.
pub fn write_health_csv(out: impl std::io::Write, r: &HealthReport) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(health_csv_header())?;
    let mut row = |scope: &str, pool: String, rep: String, l: Option<&LeadFigures>, a| {
        let mut cells = vec![scope.to_owned(), pool, rep];
        cells.extend(lead_cells(l));
        cells.extend(assignment_cells(a));
        w.write_record(cells)
    };
    row(
        "overall",
        String::new(),
        String::new(),
        Some(&r.overall.leads),
        &r.overall.assignments,
    )?;
    for PoolFigures {
        pool,
        leads,
        assignments,
        ..
    } in &r.pools
    {
        row(
            "pool",
            pool.to_string(),
            String::new(),
            Some(leads),
            assignments,
        )?;
    }
    for rep in &r.reps {
        row(
            "rep",
            String::new(),
            rep.rep.to_string(),
            None,
            &rep.assignments,
        )?;
    }
    w.flush()?;
    Ok(())
}

/// One row per pool and rep of the fairness tables: `pool,rep,weight,eligible_in,
/// assignments,target,deviation_pct` (target to 0.01 leads, deviation in percent to 0.1).
pub fn write_fairness_csv(out: impl std::io::Write, r: &HealthReport) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "pool",
        "rep",
        "weight",
        "eligible_in",
        "assignments",
        "target",
        "deviation_pct",
    ])?;
    for p in &r.pools {
        let Some(f) = &p.fairness else { continue };
        for row in &f.reps {
            w.write_record([
                p.pool.to_string(),
                row.rep.to_string(),
                row.weight.to_string(),
                row.eligible_in.to_string(),
                row.assignments.to_string(),
                format!("{:.2}", row.target),
                csv_pct(row.deviation.map(|d| d * 100.0)),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use jiff::{SignedDuration, Timestamp};
    use switchboard_routing::report::{
        AssignmentFacts, EndedAs, HealthAccumulator, LeadFacts, LeadState, PoolKey, PoolPick,
        PoolWeights, Window,
    };

    use super::*;

    fn at(minutes: i64) -> Timestamp {
        "2026-06-01T09:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_mins(minutes)
    }

    /// Three leads in pool `p` (weights a = 1, b = 3): L1 assigned to a after 1 minute and
    /// accepted 2 minutes later; L2 assigned to b after 3 minutes and rejected; L3 parked
    /// all_at_cap.
    fn report() -> HealthReport {
        let assignment = |rep: &str, assigned: i64| AssignmentFacts {
            rep: rep.into(),
            pool: Some("p".into()),
            assigned_at: at(assigned),
            due_at: Some(at(assigned + 10)),
            accepted_at: None,
            ended_at: None,
            ended_as: None,
        };
        let lead = |id: &str, received: i64, state| LeadFacts {
            lead_id: id.into(),
            received_at: at(received),
            state,
            pool: PoolKey::Pool("p".into()),
            assignments: Vec::new(),
            picks: Vec::new(),
            source: None,
            recycles: Vec::new(),
        };
        let pick = |rep: &str| PoolPick {
            pool: "p".into(),
            picked: rep.into(),
            eligible: vec!["a".into(), "b".into()],
        };
        let mut l1 = lead("L1", 0, LeadState::Assigned);
        let mut a1 = assignment("a", 1);
        a1.accepted_at = Some(at(3));
        l1.assignments.push(a1);
        l1.picks.push(pick("a"));
        let mut l2 = lead("L2", 0, LeadState::AwaitingRouting);
        let mut a2 = assignment("b", 3);
        a2.ended_at = Some(at(4));
        a2.ended_as = Some(EndedAs::Rejected);
        l2.assignments.push(a2);
        l2.picks.push(pick("b"));
        let l3 = lead(
            "L3",
            5,
            LeadState::Parked {
                reason: ParkReason::AllAtCap,
            },
        );

        let mut acc = HealthAccumulator::new(Window::new(at(0), at(60)).unwrap(), at(60));
        for l in [&l1, &l2, &l3] {
            acc.add(l);
        }
        let mut w = PoolWeights::new();
        w.set("p".into(), "a".into(), 1);
        w.set("p".into(), "b".into(), 3);
        acc.finish(&w)
    }

    #[test]
    fn text_tables_round_percentages_and_name_durations() {
        let text = render_health(&report());
        let expected = "\
Health of the leads received 2026-06-01T09:00:00Z .. 2026-06-01T10:00:00Z (as of 2026-06-01T10:00:00Z)

Leads
  pool   received  assigned  parked  awaiting  reassigned  escalated  assign p50     p95     p99
  (all)         3     33.3%   33.3%     33.3%        0.0%          0      1m 00s  3m 00s  3m 00s
  p             3     33.3%   33.3%     33.3%        0.0%          0      1m 00s  3m 00s  3m 00s

Parked by reason
  pool  reason      leads  of received
  p     all_at_cap      1        33.3%

Assignments
  pool / rep  assignments  accepted  accept p50     p95  SLA met  of known  rejected  expired
  (all)                 2         1      2m 00s  2m 00s   100.0%         1     50.0%        0
  pool p                2         1      2m 00s  2m 00s   100.0%         1     50.0%        0
  rep a                 1         1      2m 00s  2m 00s   100.0%         1      0.0%        0
  rep b                 1         0           -       -        -         0    100.0%        0

Fairness (target: the rep's weighted share of each decision it was eligible in)
  pool  rep  weight  eligible in  assigned  target  deviation
  p     a         1            2         1     0.5    +100.0%
  p     b         3            2         1     1.5     -33.3%
";
        assert_eq!(text, expected, "\n{text}");
    }

    #[test]
    fn recycles_are_shown_per_rep_and_source_only_when_there_are_some() {
        use switchboard_routing::recycle::RecycleReason;

        assert!(!render_health(&report()).contains("Recycled"));
        let l1 = LeadFacts {
            lead_id: "R1".into(),
            received_at: at(0),
            state: LeadState::Closed,
            pool: PoolKey::Pool("p".into()),
            assignments: vec![AssignmentFacts {
                rep: "a".into(),
                pool: Some("p".into()),
                assigned_at: at(1),
                due_at: None,
                accepted_at: None,
                ended_at: Some(at(2)),
                ended_as: Some(EndedAs::Recycled),
            }],
            picks: Vec::new(),
            source: Some("webinar".into()),
            recycles: vec![RecycleReason::Student],
        };
        let mut l2 = l1.clone();
        l2.lead_id = "R2".into();
        l2.state = LeadState::Assigned;
        l2.assignments[0].ended_as = None;
        l2.recycles.clear();
        let mut acc = HealthAccumulator::new(Window::new(at(0), at(60)).unwrap(), at(60));
        acc.add(&l1);
        acc.add(&l2);
        let text = render_health(&acc.finish(&PoolWeights::new()));
        assert!(
            text.contains(
                "
Recycled by rep
  rep  assignments  recycled   rate
  a              2         1  50.0%

Recycled by source
  source   leads  recycled   rate  reasons
  webinar      2         1  50.0%  student 1
"
            ),
            "{text}"
        );
    }

    #[test]
    fn csv_has_one_row_per_scope_with_fixed_columns() {
        let mut buf = Vec::new();
        write_health_csv(&mut buf, &report()).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header, health_csv_header());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let cell = |row: usize, column: &str| {
            let i = header.iter().position(|h| h == column).unwrap();
            rows[row][i].to_owned()
        };
        assert_eq!(rows.len(), 4, "overall, pool p, rep a, rep b:\n{text}");
        assert_eq!(
            (
                cell(0, "scope"),
                cell(0, "received"),
                cell(0, "assigned_pct")
            ),
            ("overall".into(), "3".into(), "33.3".into())
        );
        assert_eq!(cell(0, "parked_all_at_cap"), "1");
        assert_eq!(cell(0, "parked_escalated"), "0");
        assert_eq!(cell(0, "time_to_assign_p95_ms"), "180000");
        assert_eq!(
            (cell(1, "scope"), cell(1, "pool")),
            ("pool".into(), "p".into())
        );
        assert_eq!(
            (cell(3, "scope"), cell(3, "rep")),
            ("rep".into(), "b".into())
        );
        assert_eq!(cell(3, "received"), "", "a rep has no leads of its own");
        assert_eq!(cell(3, "reject_pct"), "100.0");
        assert_eq!(cell(3, "sla_compliance_pct"), "", "no known SLA outcome");
        assert_eq!(cell(2, "time_to_accept_p50_ms"), "120000");

        let mut buf = Vec::new();
        write_fairness_csv(&mut buf, &report()).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "pool,rep,weight,eligible_in,assignments,target,deviation_pct\n\
             p,a,1,2,1,0.50,100.0\n\
             p,b,3,2,1,1.50,-33.3\n"
        );
    }

    #[test]
    fn durations_read_in_their_largest_units() {
        assert_eq!(duration(None), "-");
        assert_eq!(duration(Some(850)), "850ms");
        assert_eq!(duration(Some(12_345)), "12.3s");
        assert_eq!(duration(Some(485_000)), "8m 05s");
        assert_eq!(duration(Some(7_380_000)), "2h 03m");
    }

    #[test]
    fn an_empty_report_renders_dashes() {
        let acc = HealthAccumulator::new(Window::new(at(0), at(0)).unwrap(), at(0));
        let text = render_health(&acc.finish(&PoolWeights::new()));
        assert!(text.contains("  (all)         0         -"), "{text}");
        assert!(!text.contains("Fairness"), "{text}");
    }
}
