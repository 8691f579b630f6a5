//! CRM record → lead links: set, replaced by a newer lead, read back exactly.

use jiff::Timestamp;
use switchboard_store::CrmLinks;

use super::Harness;

pub async fn crm_records_link_to_their_newest_lead<H: Harness>(h: &H) {
    let store = h.store().await;
    let at: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
    assert_eq!(
        store.lead_of_crm_record("hubspot", "101").await.unwrap(),
        None
    );
    store
        .link_crm_record("hubspot", "101", "L-1", at)
        .await
        .unwrap();
    // Linking again (a redelivered write-back) changes nothing read back.
    store
        .link_crm_record("hubspot", "101", "L-1", at)
        .await
        .unwrap();
    store
        .link_crm_record("salesforce", "00Q5e000001AbCdEAK", "L-2", at)
        .await
        .unwrap();
    // (crm, record, the lead read back)
    let cases = [
        ("hubspot", "101", Some("L-1")),
        ("salesforce", "00Q5e000001AbCdEAK", Some("L-2")),
        // Another CRM, another case, a prefix: other records.
        ("salesforce", "101", None),
        ("salesforce", "00q5e000001abcdeak", None),
        ("hubspot", "10", None),
    ];
    for (crm, record, want) in cases {
        let got = store.lead_of_crm_record(crm, record).await.unwrap();
        assert_eq!(got.as_deref(), want, "{crm} {record}");
    }
    // The same person's next lead is written to the same record: the link follows it.
    store
        .link_crm_record("hubspot", "101", "L-3", at)
        .await
        .unwrap();
    assert_eq!(
        store
            .lead_of_crm_record("hubspot", "101")
            .await
            .unwrap()
            .as_deref(),
        Some("L-3")
    );
}
