//! Loading a policy file for the commands. Local files compile as version 1: versions are
//! assigned by the policy store when a policy is applied, not by the file.

use std::path::Path;

use anyhow::Context;
use switchboard_routing::{CompiledPolicy, PolicyError};

/// The version local policy files compile as.
pub const LOCAL_VERSION: u64 = 1;

/// Reads and compiles a policy, keeping every issue for reporting.
pub fn compile_file(path: &Path) -> anyhow::Result<Result<CompiledPolicy, PolicyError>> {
    let text = crate::formats::read_text(path)?;
    Ok(CompiledPolicy::from_yaml(&text, LOCAL_VERSION))
}

/// Reads a policy that must be valid; the error lists every issue as `path: message`.
pub fn load(path: &Path) -> anyhow::Result<CompiledPolicy> {
    compile_file(path)?.with_context(|| {
        format!(
            "{} is not a valid policy (run `switchboard policy validate {}`)",
            path.display(),
            path.display()
        )
    })
}

/// The policy document's JSON Schema as `policy schema` prints it (and as shipped in
/// `cli/demo/policy.schema.json`): pretty-printed, with a final newline.
pub fn schema_text() -> String {
    let schema = switchboard_routing::PolicyDocument::json_schema();
    let mut text = serde_json::to_string_pretty(&schema).expect("a JSON value serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    /// The shipped schema is what editors validate the demo against; it must not go stale.
    /// Regenerate with `switchboard policy schema > cli/demo/policy.schema.json`.
    #[test]
    fn shipped_schema_is_current() {
        let shipped = include_str!("../demo/policy.schema.json");
        assert!(
            shipped == super::schema_text(),
            "cli/demo/policy.schema.json is stale: run `switchboard policy schema > cli/demo/policy.schema.json`"
        );
    }
}
