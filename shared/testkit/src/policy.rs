use switchboard_routing::PolicyDocument;
use switchboard_store::PolicyStore;

use crate::monday;

/// Parses a policy the test expects to be valid, showing every issue otherwise.
pub fn policy_doc(yaml: &str) -> PolicyDocument {
    PolicyDocument::from_yaml(yaml).unwrap_or_else(|e| panic!("test policy is invalid: {e}"))
}

/// Stores `yaml` as a new version (noted `test`, at [`monday`]) and activates it from
/// whatever is active; returns its version.
pub async fn activate<P: PolicyStore>(store: &P, yaml: &str) -> u64 {
    let stored = store
        .put_version(&policy_doc(yaml), Some("test"), monday())
        .await
        .expect("put policy");
    let current = store
        .get_active()
        .await
        .expect("read active")
        .map(|a| a.version);
    store
        .set_active(stored.version, current, monday())
        .await
        .expect("activate policy");
    stored.version
}
