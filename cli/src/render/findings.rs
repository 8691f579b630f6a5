//! The policy checks' findings as text: one line each, with the fix and the example lead
//! indented under it.

use std::io::Write;

use switchboard_routing::Scalar;
use switchboard_routing::policy::lint::{Finding, Severity};

pub fn write(out: &mut dyn Write, findings: &[Finding]) -> std::io::Result<()> {
    for f in findings {
        let severity = match f.severity {
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        writeln!(out, "{severity} [{}] {}: {}", f.code, f.path, f.message)?;
        writeln!(out, "    fix: {}", f.hint)?;
        if let Some(example) = &f.example {
            let fields: Vec<String> = example
                .iter()
                .map(|(k, v)| match v {
                    Scalar::Text(t) => format!("{k}={t}"),
                    Scalar::Number(n) => format!("{k}={n}"),
                    Scalar::Bool(b) => format!("{k}={b}"),
                })
                .collect();
            writeln!(out, "    e.g. a lead with {}", fields.join(", "))?;
        }
    }
    Ok(())
}
