//! The admin commands on a deployment's DynamoDB table and SQS queues (`--table`, ...), at
//! `AWS_ENDPOINT_URL`, normally moto started by `infra/with-moto.sh`. Without that
//! variable every test here prints why it skipped.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::common::{demo_policy, ok, run};

const SKIP_REASON: &str = "AWS_ENDPOINT_URL not set (run through infra/with-moto.sh)";

fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A fresh table, or `None` (skipped) without an emulator.
fn table() -> Option<String> {
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        eprintln!("skipped: {SKIP_REASON}");
        return None;
    }
    let name = unique("cli-admin");
    runtime().block_on(async {
        let sdk = switchboard_store::aws::sdk_config().await;
        switchboard_store::aws::dynamo::create_table(&aws_sdk_dynamodb::Client::new(&sdk), &name)
            .await
            .expect("create table");
    });
    Some(name)
}

#[test]
fn policy_versions_live_in_the_deployments_table() {
    let Some(table) = table() else { return };
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
    let Some(table) = table() else { return };
    let (queue, dlq) = runtime().block_on(async {
        let sdk = switchboard_store::aws::sdk_config().await;
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let mut urls = Vec::new();
        for name in [unique("routing"), unique("routing-dlq")] {
            let url = sqs
                .create_queue()
                .queue_name(name)
                .send()
                .await
                .expect("create queue")
                .queue_url
                .expect("queue url");
            urls.push(url);
        }
        let dlq = urls.pop().unwrap();
        let queue = urls.pop().unwrap();
        sqs.send_message()
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

    let on_queue = runtime().block_on(async {
        let sdk = switchboard_store::aws::sdk_config().await;
        aws_sdk_sqs::Client::new(&sdk)
            .receive_message()
            .queue_url(&queue)
            .send()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default()
    });
    assert_eq!(on_queue.len(), 1);
    assert_eq!(
        on_queue[0].body.as_deref(),
        Some(r#"{"lead_id":"lead-poison-1"}"#)
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
