//! Slow and stalled clients against `switchboard serve`: many connections that stop in
//! the middle of a request head, in the middle of a body, or sit idle on keep-alive.
//! While they hang the process must keep answering `/healthz` and taking leads, close
//! them itself after its read timeout, and stop within its shutdown deadline on SIGTERM,
//! without losing an acknowledged lead.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use http::StatusCode;
use serde_json::Value;

use crate::common::{path_str, scratch};
use crate::server::{READ_KEY, Server, intake_config, lead, lead_id, raw_request, stored_lead_ids};

/// Connections held open at once: well past what a small worker pool could absorb, well
/// below the usual open-files limit of the test process.
const STALLED: usize = 200;

/// Short read timeouts for the timeout test (the defaults are 10 s for a head, 30 s for
/// a body, 5 s idle; the test checks the mechanism, not the defaults).
const SHORT_TIMEOUTS: [&str; 6] = [
    "--header-timeout",
    "2s",
    "--body-timeout",
    "3s",
    "--idle-timeout",
    "2s",
];

/// The longest a stalled request may hold its connection under [`SHORT_TIMEOUTS`]: the
/// longest of them, the 2 s the server lingers for a refused client to read its answer,
/// and room for a busy machine.
const READ_TIMEOUT_BOUND: Duration = Duration::from_secs(15);

/// The shutdown deadline the first test runs with: shorter than the read timeouts it sets,
/// so the stalled connections are still open when the stop comes and only the deadline
/// can end them.
const SHUTDOWN_DEADLINE: &str = "3s";

/// SIGTERM to exit: the deadline above, plus stopping the pipeline and room for a busy
/// machine.
const SHUTDOWN_BOUND: Duration = Duration::from_secs(12);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stall {
    /// Part of a request head, never its blank line.
    Head,
    /// A whole head promising 1,000 body bytes, then 10 of them.
    Body,
    /// One complete request answered, then nothing on the kept-alive connection.
    Idle,
}

const KINDS: [Stall; 3] = [Stall::Head, Stall::Body, Stall::Idle];

fn stall(authority: &str, kind: Stall) -> TcpStream {
    let mut s = TcpStream::connect(authority).expect("connects");
    let bytes: &[u8] = match kind {
        Stall::Head => b"POST /v1/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n",
        Stall::Body => {
            b"POST /v1/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-api-key\r\n\
Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"email\":"
        }
        Stall::Idle => b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    s.write_all(bytes).unwrap();
    if kind == Stall::Idle {
        // Read the answer, so what is left is a quiet keep-alive connection.
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        while !ends_response(&got) {
            let n = s.read(&mut buf).expect("health answers");
            assert!(n > 0, "closed before answering");
            got.extend_from_slice(&buf[..n]);
        }
        assert!(
            got.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&got)
        );
    }
    s
}

/// True once `got` holds a head and the `Content-Length` bytes after it.
fn ends_response(got: &[u8]) -> bool {
    let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    got.len() >= end + 4 + length
}

fn stall_many(authority: &str, count: usize) -> Vec<(Stall, TcpStream)> {
    (0..count)
        .map(|i| {
            let kind = KINDS[i % KINDS.len()];
            (kind, stall(authority, kind))
        })
        .collect()
}

async fn health(server: &Server) -> StatusCode {
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        server.call(http::Method::GET, "/healthz", &[], Default::default()),
    )
    .await
    .expect("/healthz answers within 10 s while clients stall");
    answer.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_clients_leave_health_and_intake_working_and_sigterm_stops_the_process() {
    let dir = scratch("reliability-slow");
    let data = dir.join("data");
    let config = intake_config(&dir);
    let flags = [
        "--intake-config",
        path_str(&config),
        "--shutdown-deadline",
        SHUTDOWN_DEADLINE,
        // Longer than the test, so no stalled connection ends before the stop.
        "--header-timeout",
        "60s",
        "--body-timeout",
        "60s",
        "--idle-timeout",
        "60s",
    ];
    let mut server = Server::start(&data, &flags);

    let stalled = stall_many(server.authority(), STALLED);
    assert_eq!(health(&server).await, StatusCode::OK);
    let mut ids = Vec::new();
    for i in 0..20 {
        let (status, answer) = server
            .post_lead(&lead(&format!("slow{i}@slow-clients.example"), "DE"), None)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        ids.push(lead_id(&answer));
    }
    assert_eq!(health(&server).await, StatusCode::OK);

    // More stalls right before the stop: none of them may hold the process.
    let late = stall_many(server.authority(), 30);
    let started = Instant::now();
    let exited = server.terminate_within(SHUTDOWN_BOUND);
    let took = started.elapsed();
    if exited.is_none() {
        // Still running: stop it the hard way so the durability check below runs.
        server.kill_hard();
    } else {
        drop(server);
    }
    drop((stalled, late));

    // Nothing acknowledged is lost, whichever way the process ended.
    let server = Server::start(&data, &flags);
    for id in &ids {
        let (status, view) = server.decision(id, READ_KEY, 0).await;
        assert_eq!(status, StatusCode::OK, "{id}: {view}");
    }
    server.stop();
    let stored = stored_lead_ids(&data);
    assert!(ids.iter().all(|id| stored.contains(id)));

    eprintln!(
        "SIGTERM with {} stalled connections: {exited:?} after {took:?}",
        STALLED + 30
    );
    let status = exited.unwrap_or_else(|| {
        panic!("serve still ran {SHUTDOWN_BOUND:?} after SIGTERM with stalled clients")
    });
    assert!(status.success(), "serve exited with {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_closes_stalled_connections_after_its_read_timeout() {
    let dir = scratch("reliability-stall-timeout");
    let data = dir.join("data");
    let config = intake_config(&dir);
    let mut flags = vec!["--intake-config", path_str(&config)];
    flags.extend(SHORT_TIMEOUTS);
    let server = Server::start(&data, &flags);

    let mut open = stall_many(server.authority(), 60);
    let deadline = Instant::now() + READ_TIMEOUT_BOUND;
    // Each connection must end (EOF or a reset), possibly after a 408 problem document.
    let mut answers: Vec<(Stall, Vec<u8>)> = Vec::new();
    while !open.is_empty() && Instant::now() < deadline {
        let mut still = Vec::new();
        for (kind, mut s) in open {
            s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            let ended = loop {
                match s.read(&mut buf) {
                    Ok(0) => break true,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        break false;
                    }
                    Err(_) => break true,
                }
            };
            if ended {
                answers.push((kind, got));
            } else {
                assert!(
                    got.is_empty() || kind != Stall::Idle,
                    "idle connection got {got:?}"
                );
                still.push((kind, s));
            }
        }
        open = still;
        std::thread::sleep(Duration::from_millis(250));
    }
    let left: Vec<Stall> = open.iter().map(|(k, _)| *k).collect();
    assert!(
        left.is_empty(),
        "{} stalled connection(s) still open after {READ_TIMEOUT_BOUND:?}: {left:?}",
        left.len()
    );
    // What a stalled request is told, if anything, is a problem document.
    for (kind, got) in &answers {
        if got.is_empty() {
            continue;
        }
        let text = String::from_utf8_lossy(got);
        if *kind == Stall::Idle {
            panic!("an idle connection was sent {text}");
        }
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        assert!(head.starts_with("HTTP/1.1 4"), "{kind:?}: {text}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/problem+json"),
            "{kind:?}: {text}"
        );
        serde_json::from_str::<Value>(body).unwrap_or_else(|e| panic!("{kind:?}: {e}: {text}"));
    }
    // And the server is fine afterwards.
    assert_eq!(health(&server).await, StatusCode::OK);
    server.stop();
}

/// Past the connection cap, a new connection is told to come back (a 503 problem with
/// `Retry-After`) instead of waiting or using up the process's open files; once the
/// stalled connections time out, health answers 200 again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_clients_get_a_503_problem_not_a_hang() {
    let dir = scratch("reliability-cap");
    let data = dir.join("data");
    let config = intake_config(&dir);
    // A header timeout long enough that the stalled heads surely still hold their places
    // when the check comes, however slow the machine.
    let flags = [
        "--intake-config",
        path_str(&config),
        "--max-connections",
        "40",
        "--header-timeout",
        "5s",
    ];
    let server = Server::start(&data, &flags);
    let authority = server.authority().to_owned();
    let health = b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";

    // Stalled heads fill the cap; the connections past it are refused at once.
    // (Written without checking: a refused connection may already be closed.)
    let stalled: Vec<TcpStream> = (0..60)
        .map(|_| {
            let mut s = TcpStream::connect(&authority).expect("connects");
            let _ = s.write_all(b"POST /v1/leads HTTP/1.1\r\nHost: x\r\n");
            s
        })
        .collect();
    let refused = raw_request(&authority, health, Duration::from_secs(10))
        .expect("a client past the cap gets an answer");
    assert_eq!(refused.status, 503, "{refused:?}");
    assert!(
        refused
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/problem+json")),
        "{refused:?}"
    );
    assert!(refused.header("retry-after").is_some(), "{refused:?}");
    serde_json::from_slice::<Value>(&refused.body).expect("a JSON problem document");

    // The header timeout frees the places; health answers again.
    let deadline = Instant::now() + READ_TIMEOUT_BOUND;
    loop {
        match raw_request(&authority, health, Duration::from_secs(10)) {
            Ok(r) if r.status == 200 => break,
            other => assert!(
                Instant::now() < deadline,
                "health still refused after {READ_TIMEOUT_BOUND:?}: {other:?}"
            ),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(stalled);
    server.stop();
}
