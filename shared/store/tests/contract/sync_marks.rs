//! The incremental syncs' high-water marks: none before a sync ran, replaced by each run,
//! kept apart per sync.

use jiff::Timestamp;
use switchboard_store::SyncMarks;

use super::Harness;

pub async fn sync_marks_start_empty_and_are_replaced_per_sync<H: Harness>(h: &H) {
    let store = h.store().await;
    let (hubspot, salesforce) = ("hubspot:companies", "salesforce:accounts");
    assert_eq!(store.sync_mark(hubspot).await.unwrap(), None);

    let first: Timestamp = "2026-06-01T10:00:00.123Z".parse().unwrap();
    store.set_sync_mark(hubspot, first).await.unwrap();
    assert_eq!(store.sync_mark(hubspot).await.unwrap(), Some(first));
    assert_eq!(store.sync_mark(salesforce).await.unwrap(), None);

    // A later run replaces the mark, to the nanosecond the CRM gave.
    let second: Timestamp = "2026-06-02T08:30:00.000456789Z".parse().unwrap();
    store.set_sync_mark(hubspot, second).await.unwrap();
    assert_eq!(store.sync_mark(hubspot).await.unwrap(), Some(second));

    store.set_sync_mark(salesforce, first).await.unwrap();
    assert_eq!(store.sync_mark(salesforce).await.unwrap(), Some(first));
    assert_eq!(store.sync_mark(hubspot).await.unwrap(), Some(second));
}
