//! `switchboard lead import --spread` against the local process: the new leads are stored
//! `scheduled`, each planned inside the working hours of its pool's reps within the period;
//! the sweep (run here with a chosen clock) hands each to routing only once its time has
//! come; and importing the same file again creates, reschedules and routes nothing.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use switchboard_cli::serve::pipeline::Pipeline;
use switchboard_cli::serve::sweep::sla_tick;
use switchboard_cli::serve::{self, ServeOptions};
use switchboard_store::sweeper::SweepConfig;
use switchboard_store::{LeadStatus, LeadStore, RoutingState, StoredLead};

use crate::common::{apply_policy, path_str, run, scratch};
use crate::server::intake_config;

/// German leads go to a desk working 09:00–17:00 UTC every day, the rest to one working
/// around the clock (so the test holds whatever day it runs).
const POLICY: &str = "\
name: spread
triage_pool: triage
reps:
  - { id: ana, time_zone: UTC, working_hours: { mon-sun: [\"09:00-17:00\"] } }
  - { id: bo, time_zone: UTC }
pools:
  - { id: de, strategy: round_robin, members: [ana] }
  - { id: desk, strategy: round_robin, members: [bo] }
rules:
  - { id: german, when: { field: country, eq: DE }, pool: de }
  - { id: rest, pool: desk }
";

const PER_POOL: usize = 20;

fn event_csv() -> String {
    let mut csv = String::from("email,first_name,country\n");
    for i in 0..PER_POOL {
        csv.push_str(&format!("de{i}@fair.example,De{i},DE\n"));
        csv.push_str(&format!("fr{i}@fair.example,Fr{i},FR\n"));
    }
    csv.push_str("not-an-address,Bad,FR\n");
    csv
}

fn import(file: &std::path::Path, data: &std::path::Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "lead",
        "import",
        path_str(file),
        "--source",
        "fair-2026",
        "--data-dir",
        path_str(data),
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some(), "{stderr}");
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// The first 20:00 UTC after `at`: outside the German desk's 09:00–17:00 every day.
fn next_evening_after(at: Timestamp) -> Timestamp {
    let evening = |t: Timestamp| {
        let utc = jiff::tz::TimeZone::UTC;
        utc.to_timestamp(utc.to_datetime(t).date().at(20, 0, 0, 0))
            .unwrap()
    };
    let same_day = evening(at);
    if same_day > at {
        same_day
    } else {
        evening(at + SignedDuration::from_hours(24))
    }
}

async fn lead(pipeline: &Pipeline, id: &str) -> StoredLead {
    pipeline.store.get(id).await.unwrap().expect("stored")
}

/// Sweeps at `now` and waits until every lead of `routed` has its decision, checking the
/// rest have none and are still scheduled.
async fn sweep_at(pipeline: &Pipeline, now: Timestamp, routed: &[&str], waiting: &[&str]) {
    let config = SweepConfig {
        // The leads released are routed at once; nothing here is lost.
        redrive_after: SignedDuration::from_hours(24 * 365),
        ..SweepConfig::default()
    };
    let report = sla_tick(pipeline, &config, now).await.expect("a sweep");
    assert_eq!(report.released, routed.len(), "at {now}: {report:?}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    for id in routed {
        while pipeline.store.decisions(id).await.unwrap().is_empty() {
            assert!(tokio::time::Instant::now() < deadline, "{id} not routed");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    for id in waiting {
        assert!(
            pipeline.store.decisions(id).await.unwrap().is_empty(),
            "{id}"
        );
        assert_eq!(
            lead(pipeline, id).await.status,
            LeadStatus::Scheduled,
            "{id}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spread_import_routes_each_lead_at_its_planned_time_and_only_once() {
    let dir = scratch("lead-import-spread");
    let data = dir.join("data");
    apply_policy(&dir, &data, POLICY);
    let options = ServeOptions {
        port: 0,
        intake_config: Some(intake_config(&dir)),
        // The test sweeps with its own clock; the timer's first tick runs before the import.
        sweep_interval: Duration::from_secs(3600),
        ..ServeOptions::new(&data)
    };
    let running = serve::start(options).await.unwrap();
    let pipeline = running.pipeline().clone();
    let file = dir.join("fair.csv");
    std::fs::write(&file, event_csv()).unwrap();

    let before = Timestamp::now();
    let (code, stdout) = import(&file, &data, &["--spread", "2d", "--json"]);
    assert_eq!(code, 1, "the bad row fails the run: {stdout}");
    let answer: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one request: {stdout}");
    assert_eq!(
        (&answer["created"], &answer["refused"]),
        (&Value::from(2 * PER_POOL), &Value::from(1))
    );
    let end = before + SignedDuration::from_hours(48);
    let plan = &answer["spread"];
    assert_eq!(plan["at_once"], 0, "{plan}");
    let mut targets: Vec<(&str, u64)> = plan["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["target"].as_str().unwrap(), t["leads"].as_u64().unwrap()))
        .collect();
    targets.sort();
    assert_eq!(
        targets,
        [("de", PER_POOL as u64), ("desk", PER_POOL as u64)]
    );

    // Every new lead is scheduled inside the period and, for the German desk, its hours.
    let mut planned: Vec<(Timestamp, String)> = Vec::new();
    for r in answer["results"].as_array().unwrap() {
        if r["result"] != "created" {
            continue;
        }
        let id = r["lead_id"].as_str().unwrap().to_owned();
        let at: Timestamp = r["route_at"].as_str().expect("planned").parse().unwrap();
        let stored = lead(&pipeline, &id).await;
        assert_eq!(
            (stored.status, stored.route_at),
            (LeadStatus::Scheduled, Some(at))
        );
        assert!(before <= at && at < end, "{id} at {at}");
        if stored.lead.country.as_deref() == Some("DE") {
            let hour = jiff::tz::TimeZone::UTC.to_datetime(at).hour();
            assert!((9..17).contains(&hour), "{id} at {at}: outside 09-17");
        }
        planned.push((at, id));
    }
    planned.sort();

    // Importing again: nothing created, nothing rescheduled, nothing routed.
    let (code, stdout) = import(&file, &data, &["--spread", "2d"]);
    assert_eq!(code, 1);
    assert!(
        stdout.starts_with(&format!(
            "{0}/{0} rows sent: 0 created, {1} duplicate(s), 1 refused\n",
            2 * PER_POOL + 1,
            2 * PER_POOL
        )),
        "{stdout}"
    );
    assert!(stdout.contains(": no new leads\n"), "{stdout}");
    for (at, id) in &planned {
        let stored = lead(&pipeline, id).await;
        assert_eq!(
            (stored.status, stored.route_at),
            (LeadStatus::Scheduled, Some(*at)),
            "{id}"
        );
    }

    // The sweep releases the leads due by its clock, and each only once.
    let middle = planned[planned.len() / 2 - 1].0;
    let ids: Vec<&str> = planned.iter().map(|(_, id)| id.as_str()).collect();
    let due = planned.iter().filter(|(at, _)| *at <= middle).count();
    let passes: [(Timestamp, &[&str], &[&str]); 3] = [
        (before - SignedDuration::from_mins(1), &[], &ids),
        (middle, &ids[..due], &ids[due..]),
        (end, &ids[due..], &[]),
    ];
    for (now, routed, waiting) in passes {
        sweep_at(&pipeline, now, routed, waiting).await;
    }
    // Later still, nothing more: at an hour the German desk is away, so the pass does
    // not retry leads that routing (on the real clock) parked for its hours.
    sweep_at(&pipeline, next_evening_after(end), &[], &[]).await;
    for id in &ids {
        let decisions = pipeline.store.decisions(id).await.unwrap();
        assert_eq!(decisions.len(), 1, "{id} routed once");
    }
    drop(pipeline);
    running.shutdown().await.unwrap();
}
