//! One explained decision as text: the summary, then every step with every candidate.

use std::fmt::Write;

use switchboard_routing::record::OutcomeRecord;
use switchboard_routing::{CompiledPolicy, DecisionRecord, Lead, ParkReason};

use crate::render::table::{Align, Table};

pub fn render_decision(policy: &CompiledPolicy, lead: &Lead, rec: &DecisionRecord) -> String {
    let mut out = String::new();
    let name = |id: &str| {
        policy
            .rep_index(id)
            .map(|i| policy.reps()[i as usize].name.clone())
            .unwrap_or_default()
    };

    let _ = writeln!(out, "{}", rec.summary);
    out.push('\n');
    let _ = writeln!(
        out,
        "  lead        {} (received {})",
        rec.lead_id, lead.received_at
    );
    let _ = writeln!(out, "  decided at  {}", rec.decided_at);
    let facts: Vec<String> = [
        ("country", lead.country.as_deref()),
        ("email", lead.email.as_deref()),
        ("company", lead.company.as_deref()),
    ]
    .iter()
    .filter_map(|(k, v)| v.map(|v| format!("{k} {v}")))
    .chain(lead.free_mail.then(|| "free mail".to_owned()))
    .chain(
        lead.attributes
            .iter()
            .map(|(k, v)| format!("{k} {}", crate::formats::cells::format_scalar(v))),
    )
    .collect();
    if !facts.is_empty() {
        let _ = writeln!(out, "  fields      {}", facts.join(", "));
    }
    if let Some(s) = &rec.score {
        let grade = s
            .grade
            .as_deref()
            .map(|g| format!(" (grade {g})"))
            .unwrap_or_default();
        let parts: Vec<String> = s
            .parts
            .iter()
            .map(|p| format!("{} {:+}", p.rule, p.points))
            .collect();
        let bounded: Vec<String> = s
            .groups
            .iter()
            .filter(|g| g.points != g.counted)
            .map(|g| format!("{} {} counted as {}", g.group, g.points, g.counted))
            .collect();
        let _ = writeln!(
            out,
            "  score       {}{grade}: {}{}",
            s.points,
            if parts.is_empty() {
                "no rule scored".to_owned()
            } else {
                parts.join(", ")
            },
            if bounded.is_empty() {
                String::new()
            } else {
                format!("; {}", bounded.join(", "))
            }
        );
    }
    if let Some(e) = &rec.enrichment {
        let _ = writeln!(out, "  enriched    {}", enrichment_line(e));
    }
    match &rec.account {
        Some(a) => {
            let by = match a.matched_by {
                switchboard_routing::MatchedBy::Domain => "e-mail domain",
                switchboard_routing::MatchedBy::CompanyName => "company name",
            };
            let owner = a
                .owner
                .as_deref()
                .map(|o| format!(", owner {o}"))
                .unwrap_or_default();
            let _ = writeln!(out, "  account     {} (matched by {by}{owner})", a.id);
        }
        None => {
            let _ = writeln!(out, "  account     none matched");
        }
    }
    let _ = writeln!(out, "  rule        {}", rule_line(rec));
    let outcome = match &rec.outcome {
        OutcomeRecord::Assigned { rep, pool, via } => match pool {
            Some(p) => format!("assigned to {rep} in pool {p} by {via}"),
            None if via == "by_hand" => match &rec.by_hand {
                Some(h) => format!(
                    "assigned to {rep} by hand by {}{}: {}",
                    h.actor,
                    if h.overrode { " (caps overridden)" } else { "" },
                    h.reason
                ),
                None => format!("assigned to {rep} by hand"),
            },
            None => format!("assigned to {rep} as account owner"),
        },
        OutcomeRecord::Parked { pool, reason } => {
            format!(
                "parked in {pool} ({})",
                crate::render::names::park_reason_name(*reason)
            )
        }
    };
    let _ = writeln!(out, "  outcome     {outcome}");
    if let Some(due) = rec.sla_due {
        let _ = writeln!(out, "  SLA due     {due}");
    }

    for (i, step) in rec.steps.iter().enumerate() {
        out.push('\n');
        let what = match (&step.pool, step.strategy) {
            (Some(p), Some(s)) => format!("pool {p} ({})", crate::render::names::strategy_name(s)),
            (Some(p), None) => format!("pool {p}"),
            _ => "account owner".to_owned(),
        };
        let again = if step.rebounce {
            ", second pass offering bounced reps again"
        } else {
            ""
        };
        let picked = step
            .picked
            .as_deref()
            .map(|p| format!("picked {p}"))
            .unwrap_or_else(|| "nobody could take it".into());
        let _ = writeln!(out, "Step {}: {what}{again}: {picked}", i + 1);
        let mut t = Table::new(&[
            ("rep", Align::Left),
            ("name", Align::Left),
            ("status", Align::Left),
            ("reason", Align::Left),
            ("detail", Align::Left),
        ]);
        for c in &step.candidates {
            t.row(vec![
                c.rep.to_string(),
                name(&c.rep),
                c.status.clone(),
                c.reason.clone().unwrap_or_default(),
                c.detail.clone(),
            ]);
        }
        out.push_str(&t.render(2));
    }

    if let Some(f) = &rec.fit {
        let _ = writeln!(
            out,
            "\nLearned fit in pool {} (segment {}): {}{}",
            f.pool,
            rec.segment.as_deref().unwrap_or("all leads"),
            f.verdict.as_str().replace('_', " "),
            f.probability
                .map(|p| format!(
                    ", P(better than {}) = {p:.2}, needs {:.2}",
                    f.base_pick, f.credibility
                ))
                .unwrap_or_default()
        );
        let mut t = Table::new(&[
            ("rep", Align::Left),
            ("win rate", Align::Right),
            ("95% interval", Align::Left),
            ("closes in segment", Align::Right),
            ("closes", Align::Right),
            ("", Align::Left),
        ]);
        for e in &f.estimates {
            t.row(vec![
                e.rep.to_string(),
                format!("{:.1}%", e.win_rate * 100.0),
                format!("{:.1}–{:.1}%", e.low * 100.0, e.high * 100.0),
                e.closes.to_string(),
                e.closes_overall.to_string(),
                if e.rep == f.base_pick {
                    format!("{} pick", crate::render::names::strategy_name(f.base))
                } else {
                    String::new()
                },
            ]);
        }
        out.push_str(&t.render(2));
    }

    let ch = &rec.change;
    if ch.rep.is_some() || ch.pool.is_some() {
        out.push_str("\nState change\n");
    }
    if let Some(rc) = &ch.rep {
        let cap = |max: Option<u32>| max.map(|m| format!(" of {m}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {}: open {} -> {}{}, day {} {} -> {}{}, week of {} {} -> {}{}",
            rc.rep,
            rc.open_before,
            rc.open_after,
            cap(rc.max_open),
            rc.day.start,
            rc.day.before,
            rc.day.after,
            cap(rc.day.max),
            rc.week.start,
            rc.week.before,
            rc.week.after,
            cap(rc.week.max),
        );
    }
    if let Some(pc) = &ch.pool {
        let _ = writeln!(
            out,
            "  pool {}: version {} -> {}",
            pc.pool, pc.version_before, pc.after.version
        );
    }
    out
}

/// The rule a decision matched, or why it has none: an escalated lead or the kill switch
/// parks before any rule is looked at, which "none" would misstate.
/// `provider ok; employees 5000 (provider), industry Software (provider, over the form's
/// Retail); missing technologies`.
fn enrichment_line(e: &switchboard_routing::enrichment::EnrichmentRecord) -> String {
    use switchboard_routing::enrichment::FieldSource;
    let cell = crate::formats::cells::format_scalar;
    let mut line = format!("provider {}", e.provider.as_str());
    if let Some(d) = &e.detail {
        let _ = write!(line, " ({d})");
    }
    let fields: Vec<String> = e
        .fields
        .iter()
        .map(|f| {
            let source = match f.source {
                FieldSource::Form => "form",
                FieldSource::Account => "account",
                FieldSource::Provider => "provider",
            };
            let over = f
                .replaced
                .as_ref()
                .map(|r| format!(", over the form's {}", cell(r)))
                .unwrap_or_default();
            format!("{} {} ({source}{over})", f.field, cell(&f.value))
        })
        .collect();
    if !fields.is_empty() {
        let _ = write!(line, "; {}", fields.join(", "));
    }
    if !e.missing.is_empty() {
        let _ = write!(line, "; missing {}", e.missing.join(", "));
    }
    line
}

fn rule_line(rec: &DecisionRecord) -> String {
    if let Some(rule) = &rec.rule {
        return rule.clone();
    }
    match &rec.outcome {
        OutcomeRecord::Parked {
            reason: ParkReason::Escalated,
            ..
        } => "not applied: the lead bounced too often and was escalated".into(),
        OutcomeRecord::Parked {
            reason: ParkReason::KillSwitch,
            ..
        } => "not applied: the kill switch is on".into(),
        _ => "none matched".into(),
    }
}

#[cfg(test)]
mod tests {
    use switchboard_routing::enrichment::{
        EnrichedField, EnrichmentRecord, FieldSource, ProviderOutcome,
    };

    use super::enrichment_line;

    #[test]
    fn enrichment_is_one_line_of_sources() {
        let field =
            |field: &str, source, value: switchboard_routing::Scalar, replaced| EnrichedField {
                field: field.into(),
                source,
                value,
                replaced,
            };
        let e = EnrichmentRecord {
            provider: ProviderOutcome::Ok,
            detail: None,
            fields: vec![
                field("employees", FieldSource::Account, 450.0.into(), None),
                field(
                    "industry",
                    FieldSource::Provider,
                    "Software".into(),
                    Some("Retail".into()),
                ),
            ],
            missing: vec!["technologies".into()],
        };
        assert_eq!(
            enrichment_line(&e),
            "provider ok; employees 450 (account), industry Software (provider, over the \
             form's Retail); missing technologies"
        );
        let failed = EnrichmentRecord {
            provider: ProviderOutcome::Timeout,
            detail: Some("no answer within 800 ms".into()),
            fields: Vec::new(),
            missing: vec!["employees".into()],
        };
        assert_eq!(
            enrichment_line(&failed),
            "provider timeout (no answer within 800 ms); missing employees"
        );
    }
}
