//! The simulation report as text (see docs/SIMULATE.md for what each column means).

use std::fmt::Write;

use crate::render::table::{Align, Table};
use crate::simulation::Report;

/// Skip reasons always shown (cap pressure is what a simulation is usually run to see).
const CAP_REASONS: [&str; 3] = ["at_cap", "daily_cap", "weekly_cap"];
/// Other skip reasons, shown when any rep has them.
const OTHER_REASONS: [&str; 6] = [
    "outside_hours",
    "holiday",
    "out_of_office",
    "away",
    "lacks_skill",
    "bounced_before",
];

pub fn render_report(r: &Report) -> String {
    let mut out = String::new();
    header(&mut out, r);
    outcome(&mut out, r);
    rules(&mut out, r);
    parks(&mut out, r);
    scores(&mut out, r);
    pools(&mut out, r);
    reps(&mut out, r);
    out
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

fn signed(x: f64) -> String {
    // Avoid printing "-0.0".
    let x = if x.abs() < 0.05 { 0.0 } else { x };
    format!("{x:+.1}")
}

fn header(out: &mut String, r: &Report) {
    let _ = writeln!(
        out,
        "Simulation of policy \"{}\" (version {})",
        r.policy, r.policy_version
    );
    match (r.first_lead_at, r.last_lead_at) {
        (Some(a), Some(b)) => {
            let _ = writeln!(
                out,
                "  {} leads received {a} .. {b}, replayed in time order",
                r.leads
            );
        }
        _ => {
            let _ = writeln!(out, "  no leads");
        }
    }
    let _ = writeln!(
        out,
        "  work time {}: each assignment is closed {} after it was made",
        r.work_time, r.work_time
    );
    let a = &r.accounts;
    let _ = writeln!(
        out,
        "  accounts: {} loaded, {} with an owner; {} leads matched by e-mail domain, {} by company name",
        a.loaded, a.owned, a.matched_by_domain, a.matched_by_company_name
    );
    out.push('\n');
}

fn outcome(out: &mut String, r: &Report) {
    let o = &r.outcome;
    let mut t = Table::new(&[
        ("", Align::Left),
        ("leads", Align::Right),
        ("share", Align::Right),
    ]);
    let mut line = |label: &str, n: u64| t.row(vec![label.into(), n.to_string(), pct(n, r.leads)]);
    line("assigned", o.assigned);
    line("  by account owner", o.by_account_owner);
    line("  by pool strategy", o.by_pool_strategy);
    line("    in a fallback pool", o.in_fallback_pool);
    line("parked", o.parked);
    line("total", r.leads);
    out.push_str("Outcome\n");
    out.push_str(&t.render(2));
    out.push('\n');
}

fn rules(out: &mut String, r: &Report) {
    let mut t = Table::new(&[
        ("rule", Align::Left),
        ("leads", Align::Right),
        ("owner", Align::Right),
        ("target pool", Align::Right),
        ("fallback", Align::Right),
        ("parked", Align::Right),
    ]);
    for row in &r.rules {
        t.row(vec![
            row.rule.clone(),
            row.leads.to_string(),
            row.by_account_owner.to_string(),
            row.in_target_pool.to_string(),
            row.in_fallback_pool.to_string(),
            row.parked.to_string(),
        ]);
    }
    out.push_str("Rules (first match wins)\n");
    out.push_str(&t.render(2));
    out.push('\n');
}

fn parks(out: &mut String, r: &Report) {
    out.push_str("Parked leads\n");
    if r.parks.is_empty() {
        out.push_str("  none\n\n");
        return;
    }
    let mut t = Table::new(&[
        ("reason", Align::Left),
        ("pool", Align::Left),
        ("leads", Align::Right),
    ]);
    for p in &r.parks {
        t.row(vec![
            p.reason.clone(),
            p.pool.to_string(),
            p.leads.to_string(),
        ]);
    }
    out.push_str(&t.render(2));
    out.push('\n');
}

/// The score distribution and where each grade went (only with a scoring model).
fn scores(out: &mut String, r: &Report) {
    let Some(s) = &r.scores else { return };
    let _ = writeln!(
        out,
        "Scores: min {}, p25 {}, median {}, p75 {}, max {}, mean {:.1}",
        s.min, s.p25, s.median, s.p75, s.max, s.mean
    );
    let mut t = Table::new(&[
        ("grade", Align::Left),
        ("leads", Align::Right),
        ("owner", Align::Right),
        ("target pool", Align::Right),
        ("fallback", Align::Right),
        ("parked", Align::Right),
        ("rules", Align::Left),
    ]);
    for g in &s.grades {
        let rules: Vec<String> = g.rules.iter().map(|(r, n)| format!("{r} {n}")).collect();
        t.row(vec![
            g.grade.clone(),
            g.leads.to_string(),
            g.by_account_owner.to_string(),
            g.in_target_pool.to_string(),
            g.in_fallback_pool.to_string(),
            g.parked.to_string(),
            rules.join(", "),
        ]);
    }
    out.push_str(&t.render(2));
    out.push('\n');
}

fn pools(out: &mut String, r: &Report) {
    out.push_str("Pools (expected = share x leads the pool's strategy assigned; elig. = given who was eligible for each lead)\n");
    for p in &r.pools {
        let _ = writeln!(
            out,
            "  {} ({}): {} assigned by the strategy, {} of them as a fallback",
            p.pool, p.strategy, p.assigned, p.as_fallback
        );
        let mut t = Table::new(&[
            ("rep", Align::Left),
            ("weight", Align::Right),
            ("share", Align::Right),
            ("assigned", Align::Right),
            ("expected", Align::Right),
            ("deviation", Align::Right),
            ("elig. expected", Align::Right),
            ("elig. deviation", Align::Right),
        ]);
        for m in &p.reps {
            t.row(vec![
                m.rep.to_string(),
                m.weight.to_string(),
                format!("{:.1}%", m.share * 100.0),
                m.assigned.to_string(),
                format!("{:.1}", m.expected),
                signed(m.deviation),
                format!("{:.1}", m.expected_when_eligible),
                signed(m.deviation_when_eligible),
            ]);
        }
        out.push_str(&t.render(4));
    }
    out.push('\n');
}

fn reps(out: &mut String, r: &Report) {
    let reasons: Vec<&str> = CAP_REASONS
        .iter()
        .copied()
        .chain(
            OTHER_REASONS
                .iter()
                .copied()
                .filter(|k| r.reps.iter().any(|rep| rep.skipped.contains_key(*k))),
        )
        .collect();
    let mut columns = vec![
        ("rep", Align::Left),
        ("assigned", Align::Right),
        ("owner", Align::Right),
        ("peak open", Align::Right),
    ];
    columns.extend(reasons.iter().map(|k| (*k, Align::Right)));
    let mut t = Table::new(&columns);
    for rep in &r.reps {
        let peak = match rep.max_open {
            Some(max) => format!("{}/{max}", rep.peak_open),
            None => rep.peak_open.to_string(),
        };
        let mut row = vec![
            rep.rep.to_string(),
            rep.assigned.to_string(),
            rep.by_account_owner.to_string(),
            peak,
        ];
        row.extend(
            reasons
                .iter()
                .map(|k| rep.skipped.get(*k).copied().unwrap_or(0).to_string()),
        );
        t.row(row);
    }
    out.push_str("Reps (skip columns: leads for which the rep was passed over, by reason)\n");
    out.push_str(&t.render(2));
}
