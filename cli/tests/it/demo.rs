//! `demo leads` and `demo accounts`.

use switchboard_routing::{Account, Lead};

use crate::common::ok;

#[test]
fn leads_csv_has_the_documented_columns_and_count() {
    let out = ok(&["demo", "leads", "--count", "250", "--seed", "9"]);
    let mut lines = out.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with(
            "id,received_at,email,country,company,phone,first_name,last_name,source,free_mail,"
        ),
        "{header}"
    );
    for attr in ["employees", "industry", "language"] {
        assert!(header.split(',').any(|c| c == attr), "{header}");
    }
    assert_eq!(lines.count(), 250);
}

#[test]
fn leads_are_seeded() {
    let a = ok(&[
        "demo", "leads", "--count", "100", "--seed", "9", "--format", "jsonl",
    ]);
    assert_eq!(
        a,
        ok(&[
            "demo", "leads", "--count", "100", "--seed", "9", "--format", "jsonl"
        ])
    );
    assert_ne!(
        a,
        ok(&[
            "demo", "leads", "--count", "100", "--seed", "10", "--format", "jsonl"
        ])
    );
    let leads: Vec<Lead> = a
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(leads.len(), 100);
    assert_eq!(leads[0].id, "L-00001");
    assert!(
        leads
            .windows(2)
            .all(|w| w[0].received_at <= w[1].received_at)
    );
}

#[test]
fn start_moves_the_week() {
    let out = ok(&[
        "demo",
        "leads",
        "--count",
        "50",
        "--format",
        "jsonl",
        "--start",
        "2027-03-01T00:00:00Z",
    ]);
    let start: jiff::Timestamp = "2027-03-01T00:00:00Z".parse().unwrap();
    for l in out.lines() {
        let lead: Lead = serde_json::from_str(l).unwrap();
        assert!(lead.received_at >= start, "{}", lead.received_at);
    }
}

#[test]
fn accounts_are_prefix_stable_and_some_are_owned() {
    let all = ok(&["demo", "accounts", "--format", "jsonl"]);
    let accounts: Vec<Account> = all
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(accounts.len(), 200);
    assert!(accounts.iter().filter(|a| a.owner.is_some()).count() > 50);
    let few = ok(&["demo", "accounts", "--count", "10", "--format", "jsonl"]);
    assert_eq!(
        few.lines().collect::<Vec<_>>(),
        all.lines().take(10).collect::<Vec<_>>()
    );
    let csv = ok(&["demo", "accounts", "--count", "3"]);
    assert!(csv.starts_with("id,name,domains,owner,"), "{csv}");
}
