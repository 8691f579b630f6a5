//! The log scan: a full `switchboard serve` run with known leads (names, emails, phones,
//! a company), a rejection whose reason holds a phone number, SLA expiries and an
//! escalation, logged at the default level (no `RUST_LOG`). None of those values may
//! appear in the log; with the opt-in for local debugging they do.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::{Value, json};
use switchboard_cli::http_client;

use crate::common::{apply_policy, scratch};
use crate::server::{API_KEY, READ_KEY, intake_config};

/// Round robin over two reps with a two-second SLA; the second bounce escalates to the
/// rep's manager.
const POLICY: &str = "
name: log-privacy
triage_pool: triage
default_sla: 2s
escalation: { after_bounces: 2 }
reps:
  - { id: ana, name: Ana Rep, manager: mia }
  - { id: bo, name: Bo Rep, manager: mia }
  - { id: mia, name: Mia Manager }
pools: [ { id: main, strategy: round_robin, members: [ana, bo] } ]
rules: [ { id: all, pool: main } ]
";

const REASON: &str = "wrong region, call Grimbald on +44 20 7946 0958";

/// Values of the test leads that must never reach the log by default. Phones are
/// searched for in the forms they may be written in (as sent, E.164, digits only).
const PERSONAL: &[&str] = &[
    "Zebediah",
    "Quiggleworth",
    "Zorblatt",
    "zebediah.q",
    "nameless.xq7",
    "quokkamail",
    "415 555 0199",
    "4155550199",
    "628 555 0147",
    "6285550147",
    "Grimbald",
    // Whole numbers only: a fragment such as "7946" turns up in timestamps' fractions.
    "7946 0958",
    "79460958",
];

fn leads() -> [Value; 2] {
    [
        json!({
            "first_name": "Zebediah",
            "last_name": "Quiggleworth",
            "company": "Zorblatt Widgets",
            "email": "zebediah.q@zorblatt-widgets.com",
            "phone": "+1 415 555 0199",
            "country": "US",
        }),
        // No name and no company: a note shows such a lead by its email.
        json!({
            "email": "nameless.xq7@quokkamail.com",
            "phone": "+1 628 555 0147",
            "country": "US",
        }),
    ]
}

/// `switchboard serve` on a free port, its log (stderr) in a file.
struct Serve {
    child: Child,
    url: String,
    log: std::path::PathBuf,
}

impl Serve {
    fn start(dir: &Path, data: &Path, personal_data: bool) -> Serve {
        let log = dir.join("serve.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        cmd.args(["serve", "--port", "0", "--no-demo", "--data-dir"])
            .arg(data)
            .arg("--intake-config")
            .arg(intake_config(dir))
            .args(["--sweep-interval", "200ms"])
            // The default level: what a user who sets nothing gets.
            .env_remove("RUST_LOG")
            .env_remove("SWITCHBOARD_LOG_PERSONAL_DATA")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        if personal_data {
            cmd.arg("--log-personal-data");
        }
        let mut child = cmd.spawn().expect("switchboard serve starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut url = None;
        for line in lines.by_ref() {
            let line = line.expect("banner line");
            if let Some(rest) = line.strip_prefix("Switchboard is running at ") {
                url = rest.split_whitespace().next().map(str::to_owned);
            }
            if line == "Ctrl-C stops." {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Serve {
            child,
            url: url.expect("banner with the URL"),
            log,
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        key: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let auth = format!("Bearer {key}");
        let body = body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string()));
        let r = http_client::request(
            method,
            &format!("{}{path}", self.url),
            &[
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ],
            body,
        )
        .await
        .expect("serve answers");
        (
            r.status,
            serde_json::from_slice(&r.body).unwrap_or(Value::Null),
        )
    }

    async fn decision(&self, lead_id: &str) -> Value {
        let path = format!("/v1/leads/{lead_id}/decision?wait_ms=1000");
        let (status, view) = self.call(Method::GET, &path, READ_KEY, None).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        view
    }

    /// Polls the decision view until `done` holds.
    async fn wait_for(&self, lead_id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let view = self.decision(lead_id).await;
            if done(&view) {
                return view;
            }
            assert!(Instant::now() < deadline, "{what}: {view}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ctrl-C (the notifier delivers what is queued first), then the whole log.
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "serve did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn attempt(view: &Value) -> u64 {
    view["assignment"]["attempt"].as_u64().unwrap_or(0)
}

/// Runs the scenario and returns serve's log and the lead ids.
async fn run(name: &str, personal_data: bool) -> (String, Vec<String>) {
    let dir = scratch(name);
    let data = dir.join("data");
    apply_policy(&dir, &data, POLICY);
    let serve = Serve::start(&dir, &data, personal_data);
    let admin = {
        let info: Value =
            serde_json::from_str(&std::fs::read_to_string(data.join("serve.json")).unwrap())
                .unwrap();
        info["admin_token"].as_str().unwrap().to_owned()
    };

    let mut ids = Vec::new();
    for lead in leads() {
        let (status, answer) = serve
            .call(Method::POST, "/v1/leads", API_KEY, Some(&lead))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        ids.push(answer["lead_id"].as_str().unwrap().to_owned());
    }

    // The first lead's rep rejects it with a reason holding a phone number; it moves on,
    // its next rep lets the SLA expire and, at the second bounce, it escalates.
    let first = serve
        .wait_for(&ids[0], "the first lead is assigned", |v| attempt(v) == 1)
        .await;
    let rep = first["assignment"]["rep"].as_str().unwrap().to_owned();
    let path = format!("/v1/leads/{}/reject", ids[0]);
    let body = json!({ "rep": rep, "reason": REASON, "attempt": 1 });
    let (status, answer) = serve.call(Method::POST, &path, &admin, Some(&body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    serve
        .wait_for(&ids[0], "the first lead escalates", |v| {
            v["status"] == "parked"
        })
        .await;
    // The second lead is not accepted in time: the SLA moves it to the other rep.
    serve
        .wait_for(&ids[1], "the second lead moves on", |v| attempt(v) >= 2)
        .await;
    (serve.stop(), ids)
}

/// Every notification the run makes was logged, by id.
fn assert_notifications_logged(log: &str, ids: &[String]) {
    for id in ids {
        assert!(
            log.contains(id.as_str()),
            "lead {id} not in the log:\n{log}"
        );
    }
    for kind in ["kind=assigned", "kind=reassigned_away", "kind=escalated"] {
        assert!(log.contains(kind), "no {kind} line:\n{log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_log_holds_no_personal_data() {
    let (log, ids) = run("log-privacy-default", false).await;
    assert_notifications_logged(&log, &ids);
    let found: Vec<&str> = PERSONAL
        .iter()
        .copied()
        .filter(|v| log.to_lowercase().contains(&v.to_lowercase()))
        .collect();
    assert!(
        found.is_empty(),
        "personal data {found:?} in the log:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_opt_in_shows_personal_data_in_the_log() {
    let (log, ids) = run("log-privacy-opt-in", true).await;
    assert_notifications_logged(&log, &ids);
    for shown in [
        "Zebediah Quiggleworth (Zorblatt Widgets)",
        "nameless.xq7@quokkamail.com",
        REASON,
    ] {
        assert!(log.contains(shown), "{shown:?} not in the log:\n{log}");
    }
}
