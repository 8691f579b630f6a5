//! The HTTP edge of `switchboard serve`: every refusal is a problem document (the
//! framework's and the HTTP parser's too), admin and rep-action bodies are strict, and
//! slow, stalled or too many clients cannot hold the server (timeouts, connection cap,
//! shutdown deadline). Raw TCP, so what the server writes is seen byte for byte; every
//! read is bounded in time.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use switchboard_cli::serve::{self, EdgeLimits, Running, ServeOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::scratch;
use crate::server::{API_KEY, READ_KEY, Server, intake_config, lead, lead_id};

/// Longest any single exchange may take before the test fails (generous: only "it ended"
/// is asserted, never how fast).
const BOUND: Duration = Duration::from_secs(20);

/// Short limits, so stalled clients are cut off within a test's time.
fn quick_limits() -> EdgeLimits {
    EdgeLimits {
        header_timeout: Duration::from_millis(800),
        body_timeout: Duration::from_millis(800),
        idle_timeout: Duration::from_millis(400),
        max_connections: 16,
        shutdown_deadline: Duration::from_secs(1),
        ..EdgeLimits::default()
    }
}

async fn start(name: &str, http: EdgeLimits) -> Running {
    let dir = scratch(name);
    let options = ServeOptions {
        port: 0,
        intake_config: Some(intake_config(&dir)),
        http,
        ..ServeOptions::new(dir.join("data"))
    };
    serve::start(options).await.unwrap()
}

/// What came back on a connection, up to its close.
#[derive(Debug)]
struct Answer {
    status: Option<u16>,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn parse(bytes: &[u8]) -> Answer {
        let end = bytes.windows(4).position(|w| w == b"\r\n\r\n");
        let (head, body) = match end {
            Some(end) => (&bytes[..end], bytes[end + 4..].to_vec()),
            None => (bytes, Vec::new()),
        };
        let head = String::from_utf8_lossy(head).into_owned();
        let status = head.get(9..12).and_then(|s| s.parse().ok());
        Answer { status, head, body }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// The body as a problem document, checked against the status line.
    fn problem(&self) -> Value {
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.head
        );
        let problem: Value = serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)));
        assert_eq!(problem["status"].as_u64(), self.status.map(u64::from));
        problem
    }
}

/// Sends `request` and reads until the server closes (requests say `Connection: close`).
/// A reset after the answer (the server stopped reading a large request) still counts.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let read = async {
        // A server that answers before reading everything may reset the rest of the write.
        let _ = stream.write_all(request).await;
        let mut out = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return out,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    };
    let bytes = tokio::time::timeout(BOUND, read)
        .await
        .expect("the server closed the connection in time");
    Answer::parse(&bytes)
}

fn request(method: &str, path: &str, token: Option<&str>, body: &str) -> Vec<u8> {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_is_a_problem_document_with_its_status() {
    let running = start("edges-problems", EdgeLimits::default()).await;
    let addr = running.addr;
    // Health answers only once the admin commands can find the server.
    let health = exchange(addr, &request("GET", "/healthz", None, "")).await;
    assert_eq!(health.status, Some(200));
    assert!(running.info.data_dir.join("serve.json").exists());

    let admin = running.admin_token.clone();
    let long_path = format!("/{}", "a".repeat(64 * 1024));
    let big_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "b".repeat(1024 * 1024)
    );
    let many_headers = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\n{}Connection: close\r\n\r\n",
        (0..120)
            .map(|i| format!("X-H{i}: v\r\n"))
            .collect::<String>()
    );
    // (request, status, problem type, Allow)
    let cases: Vec<(Vec<u8>, u16, &str, Option<&str>)> = vec![
        (
            request("GET", "/v1/leads/%FF%FE", Some(READ_KEY), ""),
            400,
            "bad-request",
            None,
        ),
        (
            request("GET", "/v1/leads/%FF%FE/decision", Some(READ_KEY), ""),
            400,
            "bad-request",
            None,
        ),
        (
            request("GET", "/v1/admin/leads/%FF%FE", Some(&admin), ""),
            400,
            "bad-request",
            None,
        ),
        (
            request("POST", "/v1/leads/%FF%FE/accept", Some(&admin), "{}"),
            400,
            "bad-request",
            None,
        ),
        (
            request("POST", "/v1/reps/%FF%FE/away", Some(&admin), "{}"),
            400,
            "bad-request",
            None,
        ),
        (
            request("GET", "/v1/admin/policy/rollback", Some(&admin), ""),
            405,
            "method-not-allowed",
            Some("POST"),
        ),
        (
            request("DELETE", "/v1/admin/policy", Some(&admin), ""),
            405,
            "method-not-allowed",
            Some("POST"),
        ),
        (
            request("GET", "/v1/leads/some-lead/accept", Some(&admin), ""),
            405,
            "method-not-allowed",
            Some("POST"),
        ),
        (
            request("PUT", "/v1/reps/anna/away", Some(&admin), ""),
            405,
            "method-not-allowed",
            Some("POST"),
        ),
        (
            request("GET", "/no/such/route", None, ""),
            404,
            "route-not-found",
            None,
        ),
        (
            request("GET", &long_path, None, ""),
            414,
            "uri-too-long",
            None,
        ),
        (big_header.into_bytes(), 431, "headers-too-large", None),
        (many_headers.into_bytes(), 431, "headers-too-large", None),
        (
            b"NOT HTTP AT ALL\r\n\r\n".to_vec(),
            400,
            "bad-request",
            None,
        ),
    ];
    for (bytes, status, kind, allow) in cases {
        let line = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]).into_owned();
        let answer = exchange(addr, &bytes).await;
        assert_eq!(answer.status, Some(status), "{line}: {}", answer.head);
        let problem = answer.problem();
        assert_eq!(
            problem["type"],
            format!("urn:switchboard:problem:{kind}"),
            "{line}"
        );
        assert_eq!(answer.header("allow"), allow, "{line}");
        assert_eq!(answer.header("cache-control"), Some("no-store"), "{line}");
    }
    running.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_and_rep_action_bodies_refuse_unknown_and_missing_fields() {
    let running = start("edges-strict", EdgeLimits::default()).await;
    let (addr, admin) = (running.addr, running.admin_token.clone());
    // (path, body, status, field named)
    let cases = [
        (
            "/v1/admin/policy/rollback",
            r#"{"verison": 1}"#,
            422,
            "verison",
        ),
        ("/v1/admin/policy/rollback", r#"{}"#, 422, "version"),
        ("/v1/admin/policy/rollback", "", 422, "body"),
        (
            "/v1/admin/policy/rollback",
            r#"{"version": 1, "to": 0}"#,
            422,
            "to",
        ),
        (
            "/v1/admin/dlq/redrive",
            r#"{"max": 1, "all": true}"#,
            422,
            "all",
        ),
        (
            "/v1/admin/policy",
            r#"{"document": "x", "notes": "y"}"#,
            422,
            "notes",
        ),
        (
            "/v1/admin/accounts",
            r#"[{"id": "a1", "nmae": "x"}]"#,
            422,
            "nmae",
        ),
        (
            "/v1/leads/some-lead/accept",
            r#"{"rep": "anna", "atempt": 1}"#,
            400,
            "body",
        ),
        (
            "/v1/reps/anna/away",
            r#"{"untill": "2030-01-01T00:00:00Z"}"#,
            400,
            "body",
        ),
    ];
    for (path, body, status, field) in cases {
        let answer = exchange(addr, &request("POST", path, Some(&admin), body)).await;
        assert_eq!(
            answer.status,
            Some(status),
            "{path} {body}: {}",
            answer.head
        );
        let problem = answer.problem();
        let errors = problem["errors"].as_array().unwrap();
        let named = errors.iter().any(|e| e["field"] == field)
            || errors
                .iter()
                .any(|e| e["message"].as_str().unwrap_or("").contains(field));
        assert!(named, "{path} {body}: {problem}");
    }
    // Nothing was rolled back.
    let active = exchange(
        addr,
        &request("GET", "/v1/admin/policy/active", Some(&admin), ""),
    )
    .await;
    assert_eq!(active.status, Some(200));
    let active: Value = serde_json::from_slice(&active.body).unwrap();
    assert_eq!(active["version"], 1, "{active}");
    running.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn away_and_back_name_reps_of_the_active_policy() {
    let running = start("edges-away", EdgeLimits::default()).await;
    let (addr, admin) = (running.addr, running.admin_token.clone());
    for action in ["away", "back"] {
        let path = format!("/v1/reps/zzz/{action}");
        let answer = exchange(addr, &request("POST", &path, Some(&admin), "")).await;
        assert_eq!(answer.status, Some(404), "{path}: {}", answer.head);
        assert_eq!(
            answer.problem()["type"],
            "urn:switchboard:problem:rep-not-found"
        );
        let path = format!("/v1/reps/anna/{action}");
        let answer = exchange(addr, &request("POST", &path, Some(&admin), "")).await;
        assert_eq!(answer.status, Some(200), "{path}: {}", answer.head);
    }
    running.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_decision_view_agrees_with_the_stored_routing() {
    let running = start("edges-decision", EdgeLimits::default()).await;
    let addr = running.addr;
    let body = lead("view@northwind-robotics.com", "US").to_string();
    let posted = exchange(addr, &request("POST", "/v1/leads", Some(API_KEY), &body)).await;
    assert_eq!(posted.status, Some(202), "{}", posted.head);
    let id = lead_id(&serde_json::from_slice(&posted.body).unwrap());
    let path = format!("/v1/leads/{id}/decision?wait_ms=5000");
    let view = exchange(addr, &request("GET", &path, Some(READ_KEY), "")).await;
    assert_eq!(view.status, Some(200), "{}", view.head);
    let view: Value = serde_json::from_slice(&view.body).unwrap();
    let report = exchange(
        addr,
        &request(
            "GET",
            &format!("/v1/admin/leads/{id}"),
            Some(&running.admin_token),
            "",
        ),
    )
    .await;
    let report: Value = serde_json::from_slice(&report.body).unwrap();
    assert_eq!(view["status"], report["lead"]["status"], "{view} {report}");
    assert_eq!(view["assignment"], report["assignment"]);
    assert_eq!(view["decisions"], report["decisions"]);
    // An assigned lead has its assignment and the decision that made it.
    if view["status"] == "assigned" {
        assert_eq!(view["assignment"]["status"], "open");
        assert!(!view["decisions"].as_array().unwrap().is_empty());
    }
    running.shutdown().await.unwrap();
}

/// Opens a connection and sends `sent`, then nothing more.
async fn stall(addr: SocketAddr, sent: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(sent).await.unwrap();
    stream
}

/// Reads what the server sends until it closes the connection (bounded).
async fn until_closed(mut stream: TcpStream) -> Answer {
    let read = async {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return out,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    };
    let bytes = tokio::time::timeout(BOUND, read)
        .await
        .expect("the server closed the stalled connection");
    Answer::parse(&bytes)
}

const HEAD_ONLY: &[u8] = b"POST /v1/leads HTTP/1.1\r\nHost: x\r\n";
const PART_BODY: &[u8] =
    b"POST /v1/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-api-key\r\n\
Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"email\":";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_clients_are_closed_and_health_answers_again() {
    let running = start("edges-stalled", quick_limits()).await;
    let addr = running.addr;
    // (what the client sends before stalling, the status answered before the close)
    let cases: [(&[u8], Option<u16>); 4] = [
        // Part of a head: closed by the header timeout.
        (HEAD_ONLY, None),
        // A head and 9 of 1,000 body bytes: 408, then closed.
        (PART_BODY, Some(408)),
        // Nothing at all: closed as idle.
        (b"", None),
        // One answered request, then nothing: the idle keep-alive connection is closed.
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", Some(200)),
    ];
    for (sent, status) in cases {
        let answer = until_closed(stall(addr, sent).await).await;
        assert_eq!(answer.status, status, "{}", String::from_utf8_lossy(sent));
        if status == Some(408) {
            assert_eq!(
                answer.problem()["type"],
                "urn:switchboard:problem:request-timeout"
            );
        }
    }

    // More stalled clients than the cap: a new connection is refused at once (503 or
    // closed), and health answers again once the stalled ones are cut off.
    let mut stalled = Vec::new();
    for i in 0..24 {
        stalled.push(stall(addr, if i % 2 == 0 { HEAD_ONLY } else { PART_BODY }).await);
    }
    let refused = exchange(addr, &request("GET", "/healthz", None, "")).await;
    assert!(
        matches!(refused.status, Some(503) | None),
        "over the cap: {}",
        refused.head
    );
    if refused.status.is_some() {
        assert_eq!(
            refused.problem()["type"],
            "urn:switchboard:problem:overloaded"
        );
    }
    let deadline = Instant::now() + BOUND;
    loop {
        let health = exchange(addr, &request("GET", "/healthz", None, "")).await;
        if health.status == Some(200) {
            break;
        }
        assert!(Instant::now() < deadline, "health never answered again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(stalled);
    running.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_stalled_connections_at_the_deadline_and_loses_no_acknowledged_lead() {
    let limits = EdgeLimits {
        header_timeout: Duration::from_secs(600),
        body_timeout: Duration::from_secs(600),
        idle_timeout: Duration::from_secs(600),
        shutdown_deadline: Duration::from_secs(1),
        ..EdgeLimits::default()
    };
    let running = start("edges-shutdown", limits).await;
    let addr = running.addr;
    let data_dir = running.info.data_dir.clone();
    let body = lead("kept@northwind-robotics.com", "US").to_string();
    let posted = exchange(addr, &request("POST", "/v1/leads", Some(API_KEY), &body)).await;
    assert_eq!(posted.status, Some(202), "{}", posted.head);
    let id = lead_id(&serde_json::from_slice(&posted.body).unwrap());

    let mut stalled = Vec::new();
    for i in 0..20 {
        stalled.push(stall(addr, if i % 2 == 0 { HEAD_ONLY } else { PART_BODY }).await);
    }
    tokio::time::timeout(BOUND, running.shutdown())
        .await
        .expect("shutdown ends at its deadline despite stalled clients")
        .unwrap();
    for stream in stalled {
        until_closed(stream).await;
    }
    assert_stored(&data_dir, &id).await;
}

async fn assert_stored(data_dir: &Path, lead_id: &str) {
    use switchboard_store::LeadStore;
    let store = switchboard_cli::admin::open_store(data_dir, false).unwrap();
    let stored = store.get(lead_id).await.unwrap();
    assert!(stored.is_some(), "acknowledged lead {lead_id} lost");
}

/// The pid `serve` wrote into `serve.json`.
fn served_pid(data_dir: &Path) -> u32 {
    let text = std::fs::read_to_string(data_dir.join("serve.json")).unwrap();
    let info: Value = serde_json::from_str(&text).unwrap();
    info["pid"].as_u64().unwrap() as u32
}

/// Whether the process has exited (gone, or a zombie waiting for its parent).
fn exited(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => true,
    }
}

fn signal(pid: u32, name: &str) {
    let sent = std::process::Command::new("kill")
        .args([name, &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_exits_within_the_deadline_and_a_second_one_at_once() {
    let dir = scratch("edges-signals");
    let config = intake_config(&dir);
    let data = dir.join("data");
    let flags = |deadline: &'static str| {
        vec![
            "--intake-config".to_owned(),
            config.to_string_lossy().into_owned(),
            "--header-timeout".to_owned(),
            "600s".to_owned(),
            "--body-timeout".to_owned(),
            "600s".to_owned(),
            "--shutdown-deadline".to_owned(),
            deadline.to_owned(),
        ]
    };
    // (shutdown deadline, signals sent)
    for (deadline, signals) in [("1s", 1), ("600s", 2)] {
        let args = flags(deadline);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = Server::start(&data, &args);
        let addr: SocketAddr = server.url.strip_prefix("http://").unwrap().parse().unwrap();
        let pid = served_pid(&data);
        let (status, answer) = server
            .post_lead(&lead("sig@northwind-robotics.com", "US"), None)
            .await;
        assert_eq!(status.as_u16(), 202, "{answer}");
        let id = lead_id(&answer);
        let mut stalled = Vec::new();
        for i in 0..20 {
            stalled.push(stall(addr, if i % 2 == 0 { HEAD_ONLY } else { PART_BODY }).await);
        }
        for _ in 0..signals {
            signal(pid, "-TERM");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let deadline = Instant::now() + BOUND;
        while !exited(pid) {
            assert!(
                Instant::now() < deadline,
                "serve did not exit after {signals} SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        drop(stalled);
        drop(server);
        assert_stored(&data, &id).await;
    }
}
