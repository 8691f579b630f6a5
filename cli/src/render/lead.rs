//! `lead show`: a stored lead, its assignment and each decision with its explanation.

use std::collections::HashMap;
use std::fmt::Write;

use switchboard_routing::CompiledPolicy;

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
            let pool = a
                .pool
                .as_deref()
                .map(|p| format!("pool {p}"))
                .unwrap_or_else(|| "as account owner".into());
            let _ = writeln!(
                out,
                "  assignment  {} ({pool}), {}, attempt {}, policy version {}, assigned {}",
                a.rep,
                a.status.as_str(),
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
        match policies.get(&record.policy_version) {
            Some(policy) => out.push_str(&render_decision(policy, lead, record)),
            None => {
                let _ = writeln!(out, "{}", record.summary);
            }
        }
    }
    out
}
