//! The contract suite against the AWS adapters (DynamoDB store, SQS queue, EventBridge
//! publisher) on the endpoint in `AWS_ENDPOINT_URL`, normally moto started by
//! `infra/with-moto.sh`. Without that variable every test here prints why it skipped.
#![cfg(feature = "aws")]

mod contract;

use aws_sdk_dynamodb::types::AttributeValue;
use contract::Harness;
use switchboard_store::DomainEvent;
use switchboard_store::aws::{CallCounter, DynamoStore, EventBridgePublisher, SqsQueue};
use switchboard_testkit::moto::{BusProbe, Moto, moto};
use switchboard_testkit::unique;

struct Aws(Moto);

async fn harness() -> Option<Aws> {
    moto().await.map(Aws)
}

impl Harness for Aws {
    type Store = DynamoStore;
    type Events = BusProbe;
    type Queue = SqsQueue;
    // Every call is an HTTP round trip to an emulator that serializes table requests.
    const CONCURRENT_LEADS: usize = 200;
    const SHARE_LEADS: usize = 100;
    const RUN_WRITES_IN_ORDER: bool = false;

    async fn store(&self) -> DynamoStore {
        self.0.store().await
    }

    async fn events(&self) -> BusProbe {
        self.0.bus_probe().await
    }

    async fn recorded(&self, probe: &BusProbe) -> Vec<DomainEvent> {
        probe.events().await
    }

    async fn queue(&self, max_receives: u32) -> SqsQueue {
        SqsQueue::create(self.0.sqs(), &unique("work"), max_receives)
            .await
            .expect("create queue")
    }
}

contract_tests!(harness());

/// A store on a fresh table whose every DynamoDB call `counter` counts.
async fn counted_store(aws: &Moto) -> (CallCounter, DynamoStore) {
    let counter = CallCounter::new();
    let table = aws.table("switchboard").await;
    let store = DynamoStore::new(aws.counted_dynamodb(&counter), &table);
    (counter, store)
}

/// DynamoDB calls per stored lead under same-email dedupe, which docs/DATA-MODEL.md
/// ("Inserting a lead") quotes: one read of the address's email entry and one transaction,
/// for a new address and for a duplicate alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_calls_per_stored_lead() {
    use contract::fixtures::monday;
    use jiff::SignedDuration;
    use switchboard_routing::Lead;
    use switchboard_store::{LeadStatus, LeadStore, NewLead};
    let Some(aws) = moto().await else {
        return;
    };
    let (counter, store) = counted_store(&aws).await;
    const LEADS: usize = 10;
    let since = monday() - SignedDuration::from_hours(24);
    for i in 0..LEADS {
        for (id, status) in [
            (format!("P{i}"), LeadStatus::Received),
            (format!("D{i}"), LeadStatus::Duplicate),
        ] {
            let lead = Lead::new(&id, monday()).with_email(&format!("p{i}@example.org"));
            let new = NewLead::new(lead, format!("key:{id}")).dedupe_since(since);
            let stored = store
                .insert_if_absent(&new, monday())
                .await
                .expect("insert");
            assert_eq!(stored.lead().status, status, "{id}");
        }
    }
    let calls = counter.snapshot();
    println!("calls for {LEADS} primary and {LEADS} duplicate leads: {calls:?}");
    let units = counter
        .write_units(&aws.dynamodb())
        .await
        .expect("write units");
    println!("write units for {LEADS} primary and {LEADS} duplicate leads: {units:#?}");
    // A new address: lead, key and email entry, each doubled in the transaction, and the
    // lead into the awaiting and `by_received` indexes (8). A duplicate: lead and key, the
    // check of the entry, and `by_received` only (7). docs/DEPLOY.md, "Cost".
    assert_eq!(units.total, (8 + 7) * LEADS as u64, "{units:#?}");
    assert_eq!(
        calls.get("DynamoDB.GetItem").copied(),
        Some(2 * LEADS as u64)
    );
    assert_eq!(
        calls.get("DynamoDB.TransactWriteItems").copied(),
        Some(2 * LEADS as u64)
    );
    assert_eq!(counter.total() as usize, 4 * LEADS);
}

/// What a typical web-form lead costs to store: about 2 KB of JSON (a message, UTM
/// fields, the page, consent), the lead docs/DEPLOY.md ("Cost") prices. Its item holds the
/// lead deflated, so it takes 2 write units where the JSON alone would take 3, and so does
/// each index the item is in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_kilobyte_form_lead_is_stored_in_two_write_units() {
    use contract::fixtures::monday;
    use switchboard_store::{LeadStore, NewLead};
    let Some(aws) = moto().await else {
        return;
    };
    let (counter, store) = counted_store(&aws).await;
    let lead = form_lead("0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b");
    let json = serde_json::to_vec(&lead).unwrap().len();
    let new = NewLead::new(lead, "api:header:form-1".to_owned());
    store
        .insert_if_absent(&new, monday())
        .await
        .expect("insert");
    let units = counter
        .write_units(&aws.dynamodb())
        .await
        .expect("write units");
    let item = units
        .item_sizes
        .iter()
        .find(|(k, _)| k.starts_with("put LEAD#"))
        .map(|(_, size)| *size)
        .expect("the lead item");
    println!("a {json}-byte lead: a {item}-byte item, {units:#?}");
    assert!(json > 2048, "{json}");
    assert!(item <= 2048, "{item} bytes");
    // The lead (2 units) and its key (1), each doubled in the transaction, and the lead
    // into the awaiting and `by_received` indexes (2 each). Its JSON alone would take 3.
    assert_eq!(units.total, 2 * (2 + 1) + 2 * 2, "{units:#?}");
}

/// A lead as a marketing site's form sends it: contact fields, a message, where it came
/// from and what the visitor agreed to.
fn form_lead(id: &str) -> switchboard_routing::Lead {
    use contract::fixtures::monday;
    switchboard_routing::Lead::new(id, monday())
        .with_email("margarethe.vandenberg@northwind-robotics.example")
        .with_country("NL")
        .with_company("Northwind Robotics B.V.")
        .with_attr("first_name", "Margarethe")
        .with_attr("last_name", "van den Berg")
        .with_attr("phone", "+31 20 794 1180")
        .with_attr("job_title", "Head of Operations, Warehouse Automation")
        .with_attr("employees", 420.0)
        .with_attr("industry", "manufacturing")
        .with_attr(
            "message",
            "Hello, we run three distribution centres in the Benelux and are evaluating \
             how to route inbound requests from our partner portal and web forms to the \
             right account manager by region and product line. Today this is a shared \
             inbox and leads wait up to two days. We would like to see how capacity caps \
             and working hours are handled, whether leads from existing customers can go \
             to their owner automatically, and what the reporting looks like. Could we \
             schedule a call next week, ideally Tuesday or Wednesday afternoon CET? \
             Some background: about 1,200 inbound requests a month, 14 account managers \
             in two teams (new business and existing accounts), Salesforce as our CRM, and \
             a works council that asks us to show how work is shared fairly. We also \
             operate in Germany from next spring, so German-speaking leads will need to \
             reach the two colleagues who speak it. If it helps, I can share an export of \
             last quarter's requests beforehand so you can show us how they would have \
             been routed. Thank you, Margarethe",
        )
        .with_attr("utm_source", "linkedin")
        .with_attr("utm_medium", "paid-social")
        .with_attr("utm_campaign", "2026-q4-warehouse-automation-benelux")
        .with_attr("utm_content", "carousel-routing-explained-v3")
        .with_attr("utm_term", "lead routing software")
        .with_attr(
            "page_url",
            "https://www.example.com/en/solutions/lead-routing/demo?utm_source=linkedin&utm_medium=paid-social&utm_campaign=2026-q4-warehouse-automation-benelux",
        )
        .with_attr("referrer", "https://www.linkedin.com/")
        .with_attr("language", "en-GB")
        .with_attr(
            "consent",
            "I agree to receive communications and to the processing of my data as described in the privacy policy.",
        )
        .with_attr("newsletter", true)
        .with_attr("gclid", "Cj0KCQiA4L67BhDUARIsADWrl7G8Qp1x9zN0vY3kT2mJwS5bHc4dFe6gRh7iJk")
}

/// Counts the AWS calls of routing leads with a warm policy cache, the number
/// docs/DATA-MODEL.md quotes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_calls_per_routed_lead() {
    use contract::fixtures::{CAPPED, activate, insert, monday};
    use switchboard_store::{ReleaseOutcome, Routed, Router, RoutingState};
    let Some(aws) = moto().await else {
        return;
    };
    let (counter, store) = counted_store(&aws).await;
    let bus = aws.bus().await;
    let uncounted = DynamoStore::new(aws.dynamodb(), store.table());
    let router = Router::new(
        store,
        EventBridgePublisher::new(aws.counted_eventbridge(&counter), bus),
    );
    activate(&router.store, CAPPED).await;
    const LEADS: usize = 20;
    for i in 0..=LEADS {
        insert(&router.store, &format!("L{i}")).await;
    }
    // The first lead warms the compiled-policy cache.
    router.route_lead("L0", monday()).await.expect("route");
    router
        .release("L0", ReleaseOutcome::Closed, monday())
        .await
        .expect("release");
    counter.reset();
    let mut assigned = 0;
    for i in 1..=LEADS {
        let id = format!("L{i}");
        if let Routed::Decided {
            assignment: Some(_),
            ..
        } = router.route_lead(&id, monday()).await.expect("route")
        {
            assigned += 1;
            // Keep capacity free so every lead is assigned, as in steady state, through
            // a client the counter does not see.
            uncounted
                .release(&id, ReleaseOutcome::Closed, monday())
                .await
                .expect("release");
        }
    }
    assert_eq!(assigned, LEADS);
    let calls = counter.snapshot();
    println!("calls for {LEADS} routed leads: {calls:?}");
    let per = |op: &str| calls.get(op).copied().unwrap_or(0) as f64 / LEADS as f64;
    // Per lead: active pointer (GetItem), account by domain (GetItem), lead + assignment +
    // reps + pools (one BatchGetItem), the decision (TransactWriteItems), the event.
    assert_eq!(per("DynamoDB.GetItem"), 2.0);
    assert_eq!(per("DynamoDB.BatchGetItem"), 1.0);
    assert_eq!(per("DynamoDB.TransactWriteItems"), 1.0);
    assert_eq!(per("EventBridge.PutEvents"), 1.0);
    assert_eq!(counter.total() as usize, 5 * LEADS);
}

/// Intake's insert through AWS's failures: about one DynamoDB call in nine is throttled,
/// fails with a 500, takes effect with its reply lost, or answers after the client gave up.
/// Each submission is retried by its caller until it gets an answer (a form retrying on
/// 503), each try with a new lead id and the submission's one idempotency key, three
/// submissions per address, six at a time. After: one stored lead per key, the one every
/// answer named; no lead of a try that was not answered; exactly one primary per address
/// and every other submission a duplicate of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn aws_faults_on_insert_keep_one_lead_per_key_and_one_primary_per_address() {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use contract::fixtures::monday;
    use jiff::SignedDuration;
    use switchboard_routing::Lead;
    use switchboard_store::{LeadStatus, LeadStore, NewLead};
    use switchboard_testkit::fault_proxy::{FaultPlan, FaultProxy};

    let Some(direct) = moto().await else {
        return;
    };
    let plan = FaultPlan::mixed(FaultPlan::seed_from_env(41_226));
    println!(
        "fault proxy seed {} (SWITCHBOARD_FAULT_SEED replays it)",
        plan.seed
    );
    let proxy = FaultProxy::start(&direct.endpoint(), plan).await;
    let table = direct.table("switchboard").await;
    let store = Arc::new(DynamoStore::new(direct.through(&proxy).dynamodb(), &table));
    const ADDRESSES: usize = 20;
    const PER_ADDRESS: usize = 3;
    const TRIES: usize = 20;
    let since = monday() - SignedDuration::from_hours(24);
    proxy.arm();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(6));
    let mut submissions = Vec::new();
    for s in 0..ADDRESSES * PER_ADDRESS {
        let (store, semaphore) = (store.clone(), semaphore.clone());
        submissions.push(tokio::spawn(async move {
            let _permit = semaphore.acquire().await.expect("permit");
            let email = format!("p{}@example.org", s % ADDRESSES);
            let mut tried = Vec::new();
            for t in 0..TRIES {
                let id = format!("S{s}-try{t}");
                tried.push(id.clone());
                let lead = Lead::new(&id, monday()).with_email(&email);
                let new = NewLead::new(lead, format!("key:S{s}")).dedupe_since(since);
                if let Ok(answer) = store.insert_if_absent(&new, monday()).await {
                    return (s, email, answer.into_lead(), tried);
                }
            }
            panic!("submission S{s}: no answer in {TRIES} tries");
        }));
    }
    let mut answers = Vec::new();
    for s in submissions {
        answers.push(s.await.expect("submission"));
    }
    let faults = proxy.counts();
    proxy.disarm();
    println!("faults injected: {faults:?}");
    assert!(faults.lost_reply > 0 && faults.slow_reply > 0, "{faults:?}");

    let mut primaries: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (s, email, answered, tried) in &answers {
        let stored = store
            .get(&answered.lead.id)
            .await
            .expect("get")
            .expect("the answered lead is stored");
        assert_eq!(&stored, answered, "S{s}");
        for id in tried.iter().filter(|id| **id != answered.lead.id) {
            assert_eq!(store.get(id).await.expect("get"), None, "S{s}: {id} stored");
        }
        if stored.status == LeadStatus::Received {
            primaries
                .entry(email.clone())
                .or_default()
                .push(stored.lead.id.to_string());
        }
    }
    assert_eq!(primaries.len(), ADDRESSES, "{primaries:?}");
    for (_, email, answered, _) in &answers {
        let [primary] = primaries[email].as_slice() else {
            panic!("{email}: primaries {:?}", primaries[email]);
        };
        match answered.status {
            LeadStatus::Received => assert_eq!(answered.lead.id, *primary),
            LeadStatus::Duplicate => assert_eq!(
                answered.duplicate_of.as_deref(),
                Some(primary.as_str()),
                "{email}"
            ),
            other => panic!("{email}: {other:?}"),
        }
        let latest = store.latest_by_email(email).await.expect("latest");
        assert_eq!(
            latest.map(|l| l.lead.id.into_string()).as_ref(),
            Some(primary)
        );
    }
}

/// Lead items written before the listings existed carry neither index's keys, so they are
/// listed only after the backfill, which then has nothing left to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backfill_lists_lead_items_written_before_the_listings() {
    use contract::fixtures::{CAPPED, activate, insert, monday};
    use jiff::SignedDuration;
    use switchboard_store::aws::dynamo::{Backfilled, keys};
    use switchboard_store::{LeadIndex, Router};
    let Some(aws) = moto().await else {
        return;
    };
    let router = Router::new(aws.store().await, aws.bus_probe().await);
    let store = &router.store;
    activate(store, CAPPED).await;
    let ids: Vec<String> = (1..=6).map(|i| format!("L{i}")).collect();
    for id in &ids {
        insert(store, id).await;
        router.route_lead(id, monday()).await.expect("route");
    }
    // The caps take five; L6 is parked. Now make every item look like an older one.
    for id in &ids {
        store
            .client()
            .update_item()
            .table_name(store.table())
            .key(keys::PK, AttributeValue::S(format!("LEAD#{id}")))
            .key(keys::SK, AttributeValue::S(keys::LEAD_SK.to_owned()))
            .update_expression("REMOVE gsi1pk, gsi1sk, gsi3pk, gsi3sk")
            .send()
            .await
            .expect("strip index keys");
    }
    let (from, to) = (monday(), monday() + SignedDuration::from_hours(1));
    let listed = |page: switchboard_store::LeadPage| -> Vec<String> {
        page.leads
            .into_iter()
            .map(|l| l.lead.id.into_string())
            .collect()
    };
    let window = store
        .received_between(from, to, None, 10)
        .await
        .expect("list");
    let parked = store.parked(None, 10).await.expect("parked");
    assert_eq!((listed(window), listed(parked)), (vec![], vec![]));

    let done = store.backfill_lead_indexes().await.expect("backfill");
    assert_eq!(
        done,
        Backfilled {
            leads: 6,
            received: 6,
            parked: 1
        }
    );
    let window = store
        .received_between(from, to, None, 10)
        .await
        .expect("list");
    assert_eq!(listed(window), ids);
    let parked = store.parked(None, 10).await.expect("parked");
    assert_eq!(listed(parked), ["L6"]);
    let again = store.backfill_lead_indexes().await.expect("backfill");
    assert_eq!(again, Backfilled::default());
}

/// A cached enrichment answer carries its expiry in the table's TTL attribute (epoch
/// seconds), so DynamoDB deletes stale answers (`infra/check-template.sh` checks that the
/// template enables TTL on that name).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_enrichment_answers_carry_the_ttl_attribute() {
    use contract::fixtures::monday;
    use jiff::SignedDuration;
    use switchboard_store::aws::dynamo::keys;
    use switchboard_store::ports::enrichment::{CachedAnswer, EnrichmentCache};
    let Some(aws) = moto().await else {
        return;
    };
    let store = aws.store().await;
    let expires_at = monday() + SignedDuration::from_hours(24 * 30);
    let answer = CachedAnswer {
        found: false,
        values: Default::default(),
        map: Vec::new(),
        fetched_at: monday(),
        expires_at,
    };
    store
        .cache_answer("example.org", &answer)
        .await
        .expect("cache");
    let key = keys::enrichment_answer("example.org");
    let item = store
        .client()
        .get_item()
        .table_name(store.table())
        .key(keys::PK, AttributeValue::S(key.pk))
        .key(keys::SK, AttributeValue::S(key.sk))
        .send()
        .await
        .expect("get")
        .item
        .expect("the answer's item");
    assert_eq!(
        item.get(keys::TTL_ATTRIBUTE),
        Some(&AttributeValue::N(expires_at.as_second().to_string()))
    );
}
