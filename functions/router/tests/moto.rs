//! The scenario suite on the AWS adapters (DynamoDB store, SQS routing and notify queues,
//! EventBridge bus) at `AWS_ENDPOINT_URL`, normally moto started by `infra/with-moto.sh`,
//! plus the count of AWS calls per lead. Without that variable every test here prints why
//! it skipped.

mod common;

use std::sync::Mutex;

use common::Backend;
use switchboard_router::aws::{AwsClients, aws_handler};
use switchboard_router::{Config, Notification, RouteRequest};
use switchboard_store::aws::{CallCounter, DynamoStore, SqsOutbox, SqsQueue};
use switchboard_store::{DomainEvent, Outbox, ReleaseOutcome, RoutingState, StoreResult};
use switchboard_testkit::fault_proxy::{FaultCounts, FaultPlan, FaultProxy};
use switchboard_testkit::moto::{BusProbe, Moto, drain, moto};
use switchboard_testkit::unique;

/// The AWS adapters on the emulator; with `faults`, every call of the adapters under test
/// goes through a proxy that injects throttling, 500s, lost and late replies once armed.
/// The routing queue the scenarios deliver from is always reached directly: the test plays
/// SQS's event source there, not an adapter under test.
struct Aws(Moto, Option<Faults>);

struct Faults {
    proxy: FaultProxy,
    direct: Moto,
}

async fn backend() -> Option<Aws> {
    moto().await.map(|m| Aws(m, None))
}

async fn faulty_backend() -> Option<Aws> {
    let direct = moto().await?;
    let plan = FaultPlan::mixed(FaultPlan::seed_from_env(20261204));
    println!(
        "fault proxy seed {} (SWITCHBOARD_FAULT_SEED replays it)",
        plan.seed
    );
    let proxy = FaultProxy::start(&direct.endpoint(), plan).await;
    Some(Aws(direct.through(&proxy), Some(Faults { proxy, direct })))
}

/// The production notify sender, and a reader of the queue it sends to.
struct NotifyProbe {
    sender: SqsOutbox,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    seen: Mutex<Vec<Notification>>,
}

impl Outbox for NotifyProbe {
    async fn send(&self, body: &str) -> StoreResult<()> {
        self.sender.send(body).await
    }
}

impl Backend for Aws {
    type Store = DynamoStore;
    type Events = BusProbe;
    type Notify = NotifyProbe;
    type Queue = SqsQueue;
    // Every call is an HTTP round trip to an emulator that serializes table requests and
    // copies the table for each item of a transaction, so its cost per lead grows with
    // the table: 1,000 leads would take many minutes.
    const CONCURRENT_LEADS: usize = 120;

    async fn store(&self) -> DynamoStore {
        self.0.store().await
    }

    async fn events(&self) -> BusProbe {
        self.0.bus_probe().await
    }

    async fn recorded(&self, probe: &BusProbe) -> Vec<DomainEvent> {
        probe.events().await
    }

    async fn notify(&self) -> NotifyProbe {
        let sqs = self.0.sqs();
        let queue_url = self.0.queue("notify").await;
        NotifyProbe {
            sender: SqsOutbox::new(sqs.clone(), &queue_url),
            sqs,
            queue_url,
            seen: Mutex::new(Vec::new()),
        }
    }

    async fn notified(&self, probe: &NotifyProbe) -> Vec<Notification> {
        for body in drain(&probe.sqs, &probe.queue_url).await {
            let n = Notification::parse(&body).expect("notification body");
            probe.seen.lock().expect("lock").push(n);
        }
        probe.seen.lock().expect("lock").clone()
    }

    async fn queue(&self, max_receives: u32) -> SqsQueue {
        let moto = self.1.as_ref().map_or(&self.0, |f| &f.direct);
        SqsQueue::create(moto.sqs(), &unique("routing"), max_receives)
            .await
            .expect("create routing queue")
    }

    fn arm_faults(&self) {
        if let Some(f) = &self.1 {
            f.proxy.arm();
        }
    }

    fn disarm_faults(&self) -> Option<FaultCounts> {
        let f = self.1.as_ref()?;
        f.proxy.disarm();
        Some(f.proxy.counts())
    }
}

router_scenarios!(backend());

/// The concurrency scenario (8 concurrent invocations, every message delivered twice,
/// capacity for two thirds of the leads) with about one AWS call in nine failing the way
/// AWS fails: throttled, 500, applied but the reply lost, applied but the reply too late.
/// The same invariants hold: no cap overrun, no double assignment, one decision per lead,
/// one notification and one event per decision.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn aws_faults_keep_every_invariant() {
    let Some(backend) = faulty_backend().await else {
        return;
    };
    common::concurrency::concurrent_handlers_keep_every_invariant(&backend).await;
}

/// Write units of one assigned lead's decision, measured by the test below from the items
/// it writes (docs/DEPLOY.md, "Cost"): a change here is a change in what a lead costs.
const DECISION_WRU: u64 = 13;

/// Counts every AWS call the production handler (`aws_handler`, as `main` builds it) makes
/// per lead, by operation, with a warm policy cache: the numbers docs/ROUTER.md quotes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_calls_per_lead() {
    use common::delivery::sqs_event;
    use common::fixtures::{POLICY, activate, ids, insert, monday};
    use switchboard_store::Received;

    let Some(aws) = moto().await else {
        return;
    };
    let counter = CallCounter::new();
    let counted = AwsClients {
        dynamodb: aws.counted_dynamodb(&counter),
        sqs: aws.counted_sqs(&counter),
        eventbridge: aws.counted_eventbridge(&counter),
    };
    // Setup and checks go through uncounted clients.
    let sqs = aws.sqs();
    let table = aws.table("switchboard").await;
    let store = DynamoStore::new(aws.dynamodb(), &table);
    let notify_url = aws.queue("notify").await;
    let probe = aws.bus_probe().await;
    let config = Config {
        table,
        notify_queue_url: notify_url.clone(),
        event_bus: probe.bus.clone(),
    };
    let handler = aws_handler(counted, &config).with_clock(monday);
    activate(&store, POLICY).await;
    const LEADS: usize = 10;
    let german = ids("A", LEADS);
    let french = ids("F", LEADS);
    for id in german.iter().chain(&french) {
        insert(&store, id, if id.starts_with('A') { "DE" } else { "FR" }).await;
    }
    insert(&store, "WARM", "DE").await;
    let batch = |leads: &[String]| {
        let received: Vec<Received> = leads
            .iter()
            .enumerate()
            .map(|(i, id)| Received {
                id: format!("m-{id}-{i}"),
                receipt: format!("r-{id}-{i}"),
                body: RouteRequest::new(id).to_body(),
                receive_count: 1,
            })
            .collect();
        sqs_event(&received)
    };
    let run = async |leads: &[String]| {
        counter.reset();
        let response = handler.handle(batch(leads), None).await.expect("batch");
        assert!(response.batch_item_failures.is_empty());
        let calls = counter.snapshot();
        println!(
            "calls for {} leads {:?}: {calls:?}",
            leads.len(),
            &leads[..1]
        );
        calls
    };
    let per = |calls: &std::collections::BTreeMap<String, u64>, op: &str| {
        calls.get(op).copied().unwrap_or(0) as f64 / LEADS as f64
    };

    // The first lead of the process also loads the policy version (one more GetItem).
    let cold = run(&["WARM".to_owned()]).await;
    assert_eq!(cold.get("DynamoDB.GetItem"), Some(&3));
    assert_eq!(cold.values().sum::<u64>(), 7);
    store
        .release("WARM", ReleaseOutcome::Closed, monday())
        .await
        .expect("release");

    // Assigned: active pointer + account by domain (2 GetItem), snapshot (1 BatchGetItem),
    // decision (1 TransactWriteItems), lead.assigned (1 PutEvents), notification (1
    // SendMessage).
    let assigned = run(&german).await;
    // What those writes cost: the decision's transaction (rep, pool, assignment, lead and
    // decision record, each doubled) and the index entries it moves. docs/DEPLOY.md.
    let units = counter
        .write_units(&aws.dynamodb())
        .await
        .expect("write units");
    println!("write units for {LEADS} assigned leads: {units:#?}");
    assert_eq!(units.total % LEADS as u64, 0, "every lead costs the same");
    let decision = units.by_operation["TransactWriteItems"] / LEADS as u64;
    assert_eq!(decision, DECISION_WRU, "{units:#?}");
    assert_eq!(per(&assigned, "DynamoDB.GetItem"), 2.0);
    assert_eq!(per(&assigned, "DynamoDB.BatchGetItem"), 1.0);
    assert_eq!(per(&assigned, "DynamoDB.TransactWriteItems"), 1.0);
    assert_eq!(per(&assigned, "EventBridge.PutEvents"), 1.0);
    assert_eq!(per(&assigned, "SQS.SendMessage"), 1.0);
    assert_eq!(assigned.values().sum::<u64>() as usize, 6 * LEADS);

    // Parked: the same, plus the lead's decisions (1 Query) to number the parking for
    // its pool's notification.
    let parked = run(&french).await;
    assert_eq!(per(&parked, "DynamoDB.Query"), 1.0);
    assert_eq!(per(&parked, "SQS.SendMessage"), 1.0);
    assert_eq!(parked.values().sum::<u64>() as usize, 7 * LEADS);

    // A redelivery of an assigned lead: active pointer, snapshot, event, notification.
    let again = run(&german).await;
    assert_eq!(per(&again, "DynamoDB.GetItem"), 1.0);
    assert_eq!(per(&again, "DynamoDB.BatchGetItem"), 1.0);
    assert_eq!(per(&again, "EventBridge.PutEvents"), 1.0);
    assert_eq!(per(&again, "SQS.SendMessage"), 1.0);
    assert_eq!(again.values().sum::<u64>() as usize, 4 * LEADS);

    // A redelivery of a parked lead also reads its decisions to rebuild the event and
    // the notification.
    let parked_again = run(&french).await;
    assert_eq!(per(&parked_again, "DynamoDB.Query"), 1.0);
    assert_eq!(per(&parked_again, "SQS.SendMessage"), 1.0);
    assert_eq!(parked_again.values().sum::<u64>() as usize, 5 * LEADS);

    // Everything reached its queue through the counted clients.
    let notes: Vec<Notification> = drain(&sqs, &notify_url)
        .await
        .iter()
        .map(|b| Notification::parse(b).expect("notification"))
        .collect();
    assert_eq!(notes.len(), 1 + 4 * LEADS);
    let events = drain(&probe.sqs, &probe.queue_url).await;
    assert_eq!(events.len(), 1 + 4 * LEADS);
}
