//! The serve library in-process: messages that name no stored lead, or are not route
//! requests at all, end in the dead letters after `max_receives` deliveries.

use std::time::Duration;

use switchboard_cli::admin::{Admin, ops};
use switchboard_cli::serve::{self, ServeOptions};
use switchboard_routing::LeadId;
use switchboard_store::WorkQueue;

use crate::common::scratch;
use crate::server::intake_config;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_naming_no_lead_are_dead_lettered() {
    let dir = scratch("serve-inprocess-poison");
    let options = ServeOptions {
        port: 0,
        intake_config: Some(intake_config(&dir)),
        visibility_timeout: Duration::from_millis(50),
        max_receives: 3,
        ..ServeOptions::new(dir.join("data"))
    };
    let running = serve::start(options).await.unwrap();
    let routing = running.pipeline().routing.clone();
    routing.send(r#"{"lead_id":"no-such-lead"}"#).await.unwrap();
    routing.send("not a route request").await.unwrap();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let dead = loop {
        let dead = ops::dead_letters(&routing, 10).await.unwrap();
        if dead.len() == 2 {
            break dead;
        }
        assert!(tokio::time::Instant::now() < deadline, "{dead:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut leads: Vec<Option<LeadId>> = dead.iter().map(|d| d.lead_id.clone()).collect();
    leads.sort();
    assert_eq!(leads, [None, Some(LeadId::from("no-such-lead"))]);
    let stats = running.pipeline().stats.view(routing.len(), dead.len());
    assert_eq!(stats.route_failures, 6, "{stats:?}");
    assert_eq!(stats.routed, 0);

    // The admin client of the data directory finds this server and sees the same.
    let admin = Admin::connect(&running.info.data_dir, false).await.unwrap();
    assert!(matches!(admin, Admin::Remote(_)));
    assert_eq!(admin.dead_letters(10).await.unwrap().len(), 2);
    assert_eq!(admin.redrive(1).await.unwrap().moved, 1);
    assert_eq!(ops::dead_letters(&routing, 10).await.unwrap().len(), 1);
    drop(routing);
    running.shutdown().await.unwrap();
}
