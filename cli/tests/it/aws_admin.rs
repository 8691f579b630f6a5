//! The admin commands on a deployment's DynamoDB table and SQS queues (`--table`, ...), at
//! `AWS_ENDPOINT_URL`, normally moto started by `infra/with-moto.sh`. Without that
//! variable every test here prints why it skipped.

use switchboard_testkit::moto::{Moto, block_on, moto_blocking};

use crate::common::{demo_policy, ok, run};

/// The emulator and a fresh table on it, or `None` (skipped) without an emulator.
fn table() -> Option<(Moto, String)> {
    let aws = moto_blocking()?;
    let table = block_on(aws.table("cli-admin"));
    Some((aws, table))
}

#[test]
fn policy_versions_live_in_the_deployments_table() {
    let Some((_, table)) = table() else { return };
    let policy = demo_policy();
    let policy = policy.to_str().unwrap();
    let first = ok(&[
        "policy", "apply", policy, "--note", "first", "--table", &table,
    ]);
    assert!(
        first.contains("policy version 1 stored and active"),
        "{first}"
    );
    let second = ok(&["policy", "apply", policy, "--table", &table]);
    assert!(
        second.contains("policy version 2 stored and active"),
        "{second}"
    );

    let shown = ok(&["policy", "show", "--table", &table]);
    assert!(shown.starts_with("# policy version 2 (active)"), "{shown}");
    let back = ok(&["policy", "rollback", "1", "--table", &table]);
    assert!(back.contains('1'), "{back}");
    let shown = ok(&["policy", "show", "--table", &table]);
    assert!(shown.starts_with("# policy version 1 (active)"), "{shown}");
    let history = ok(&["policy", "history", "--table", &table]);
    assert!(history.contains("first"), "{history}");

    // A broken document is refused and nothing is stored.
    let broken = run(&["policy", "apply", "/dev/null", "--table", &table]);
    assert!(!broken.status.success());
    let history_after = ok(&["policy", "history", "--table", &table]);
    assert_eq!(history, history_after);
}

#[test]
fn dead_letters_are_listed_and_redriven_from_sqs() {
    let Some((aws, table)) = table() else { return };
    let (queue, dlq) = block_on(async {
        let queue = aws.queue("routing").await;
        let dlq = aws.queue("routing-dlq").await;
        aws.sqs()
            .send_message()
            .queue_url(&dlq)
            .message_body(r#"{"lead_id":"lead-poison-1"}"#)
            .send()
            .await
            .expect("send");
        (queue, dlq)
    });
    let target = [
        "--table",
        &table,
        "--routing-queue-url",
        &queue,
        "--routing-dlq-url",
        &dlq,
    ];
    let listed = ok(&[&["dlq", "list"][..], &target[..]].concat());
    assert!(listed.contains("lead-poison-1"), "{listed}");
    let moved = ok(&[&["dlq", "redrive"][..], &target[..]].concat());
    assert!(moved.contains("moved 1 dead letter"), "{moved}");
    let listed = ok(&[&["dlq", "list"][..], &target[..]].concat());
    assert!(listed.contains("no dead letters"), "{listed}");

    // Exactly the dead letter, once, is back on the routing queue.
    assert_eq!(
        block_on(aws.drain(&queue)),
        [r#"{"lead_id":"lead-poison-1"}"#]
    );

    // Without the queues, `dlq` says which flags it needs.
    let missing = run(&["dlq", "list", "--table", &table]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("--routing-queue-url"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

/// A lead stored without its listing keys (as before the lists existed) is listed in the
/// health report only after `switchboard backfill`, and a second run writes nothing.
#[test]
fn backfill_makes_old_leads_visible_to_the_report() {
    let Some((aws, table)) = table() else { return };
    block_on(async {
        use switchboard_store::{LeadStore, NewLead};
        let store = switchboard_store::aws::DynamoStore::new(aws.dynamodb(), &table);
        let at = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(5);
        let lead = switchboard_routing::Lead::new("old-1", at).with_country("DE");
        store
            .insert_if_absent(&NewLead::new(lead, "key:old-1"), at)
            .await
            .expect("insert");
        // Strip the keys the lists read, as an item written before them would be.
        aws.dynamodb()
            .update_item()
            .table_name(&table)
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S("LEAD#old-1".into()),
            )
            .key(
                "sk",
                aws_sdk_dynamodb::types::AttributeValue::S("LEAD".into()),
            )
            .update_expression("REMOVE gsi3pk, gsi3sk")
            .send()
            .await
            .expect("strip the index keys");
    });
    let received = |out: &str| -> u64 {
        let report: serde_json::Value = serde_json::from_str(out).unwrap();
        report["overall"]["leads"]["received"].as_u64().unwrap()
    };
    let report = &[
        "report", "health", "--since", "1h", "--format", "json", "--table", &table,
    ];
    assert_eq!(received(&ok(report)), 0, "not listed before the backfill");
    let first = ok(&["backfill", "--table", &table]);
    assert!(
        first.contains("1 given their received-time keys"),
        "{first}"
    );
    assert_eq!(received(&ok(report)), 1, "listed after it");
    let again = ok(&["backfill", "--table", &table]);
    assert!(
        again.contains("0 given their received-time keys"),
        "{again}"
    );
}
