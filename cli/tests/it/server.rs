//! Runs `switchboard serve` as a child process on a free port, and talks to it over HTTP.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::Value;
use switchboard_cli::http_client;

pub const API_KEY: &str = "test-api-key";
pub const OTHER_KEY: &str = "other-api-key";
pub const READ_KEY: &str = "test-read-key";

pub const INTAKE_CONFIG: &str = "\
read_keys: [test-read-key]
sources:
  - { id: api, kind: generic, secret: test-api-key }
  - { id: other, kind: generic, secret: other-api-key }
";

/// Writes the test intake configuration into `dir` and returns its path.
pub fn intake_config(dir: &Path) -> PathBuf {
    let path = dir.join("intake-test.yaml");
    std::fs::write(&path, INTAKE_CONFIG).unwrap();
    path
}

pub struct Server {
    child: Child,
    pub url: String,
    pub banner: String,
    pub data_dir: PathBuf,
}

impl Server {
    /// Starts `serve --port 0 --data-dir DIR` with `extra` flags and waits for its banner.
    /// Its log goes to `DIR/../serve-N.log`.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Server {
        static STARTS: AtomicUsize = AtomicUsize::new(0);
        let log_name = format!(
            "{}-serve-{}.log",
            data_dir.file_name().unwrap().to_string_lossy(),
            STARTS.fetch_add(1, Ordering::Relaxed)
        );
        let log = std::fs::File::create(data_dir.with_file_name(log_name)).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["serve", "--port", "0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("switchboard serve starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut banner = String::new();
        let mut url = None;
        for line in lines.by_ref() {
            let line = line.expect("banner line");
            if let Some(rest) = line.strip_prefix("Switchboard is running at ") {
                url = rest.split_whitespace().next().map(str::to_owned);
            }
            banner.push_str(&line);
            banner.push('\n');
            if line == "Ctrl-C stops." {
                break;
            }
        }
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let url = url.unwrap_or_else(|| panic!("no banner from serve:\n{banner}"));
        Server {
            child,
            url,
            banner,
            data_dir: data_dir.to_owned(),
        }
    }

    /// Ctrl-C, then waits for a clean exit.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "serve exited with {status}");
                return;
            }
            assert!(Instant::now() < deadline, "serve did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub async fn post_lead(
        &self,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> (StatusCode, Value) {
        let auth = format!("Bearer {API_KEY}");
        let mut headers = vec![
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ];
        if let Some(k) = idempotency_key {
            headers.push(("idempotency-key", k));
        }
        self.call(Method::POST, "/v1/leads", &headers, body.to_string().into())
            .await
    }

    /// `GET /v1/leads/{id}/decision`, waiting up to `wait_ms` for the decision.
    pub async fn decision(&self, lead_id: &str, key: &str, wait_ms: u64) -> (StatusCode, Value) {
        let auth = format!("Bearer {key}");
        let path = format!("/v1/leads/{lead_id}/decision?wait_ms={wait_ms}");
        self.call(
            Method::GET,
            &path,
            &[("authorization", auth.as_str())],
            Bytes::new(),
        )
        .await
    }

    /// Waits until the lead no longer awaits routing; returns the decision view.
    pub async fn routed(&self, lead_id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (status, view) = self.decision(lead_id, READ_KEY, 2000).await;
            assert_eq!(status, StatusCode::OK, "{view}");
            let s = view["status"].as_str().unwrap().to_owned();
            if s != "received" && s != "queued" {
                return view;
            }
            assert!(
                Instant::now() < deadline,
                "lead {lead_id} not routed: {view}"
            );
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.url);
        let r = http_client::request(method, &url, headers, body)
            .await
            .expect("server answers");
        let value = if r.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&r.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&r.body).into_owned()))
        };
        (r.status, value)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A failed test must not leave a server behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// POSTs `body` to an in-process server's `/v1/leads` with the source secret `key`: the
/// status and the JSON answer (`null` when there is none).
pub async fn post_lead_to(
    running: &switchboard_cli::serve::Running,
    key: &str,
    body: &Value,
) -> (u16, Value) {
    let auth = format!("Bearer {key}");
    let answer = http_client::request(
        Method::POST,
        &format!("{}/v1/leads", running.info.url),
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ],
        Bytes::from(body.to_string()),
    )
    .await
    .unwrap();
    let json = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    (answer.status.as_u16(), json)
}

/// A lead for the generic API.
pub fn lead(email: &str, country: &str) -> Value {
    serde_json::json!({
        "email": email,
        "first_name": "Test",
        "company": format!("Company of {email}"),
        "country": country,
    })
}

/// `lead_id` of a 202 answer.
pub fn lead_id(answer: &Value) -> String {
    answer["lead_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no lead_id in {answer}"))
        .to_owned()
}

/// The assigned rep of a decision view.
pub fn rep(view: &Value) -> String {
    view["assignment"]["rep"]
        .as_str()
        .unwrap_or_else(|| panic!("not assigned: {view}"))
        .to_owned()
}

/// Process control and raw reads for the reliability suite.
impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `host:port`, for raw TCP clients.
    pub fn authority(&self) -> &str {
        self.url.strip_prefix("http://").expect("http:// URL")
    }

    /// The admin token of this start (each start makes a new one), from `serve.json`.
    pub fn admin_token(&self) -> String {
        let text = std::fs::read_to_string(self.data_dir.join("serve.json")).unwrap();
        let info: Value = serde_json::from_str(&text).unwrap();
        info["admin_token"].as_str().unwrap().to_owned()
    }

    /// SIGKILL: no shutdown code runs, as in a power cut of the process.
    pub fn kill_hard(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits at most `within` for the exit. `None`: still running (dropping
    /// the server then kills it).
    pub fn terminate_within(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The process's resident set size in KiB (`VmRSS` of `/proc/<pid>/status`); `None`
    /// where there is no `/proc`.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }
}

/// The ids of every lead in the data directory's store, read from the file itself (no
/// server may hold it), so leads stored without an answer reaching the client count too.
/// The leads table also holds each lead's assignment and decisions, under keys that go on
/// after the lead's id with a NUL; those are not leads.
pub fn stored_lead_ids(data_dir: &Path) -> Vec<String> {
    use redb::{ReadableDatabase, ReadableTable};
    let leads: redb::TableDefinition<'static, &'static str, &'static [u8]> =
        redb::TableDefinition::new("leads");
    let db = redb::Database::open(data_dir.join("switchboard.redb")).expect("store opens");
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(leads).unwrap();
    table
        .iter()
        .unwrap()
        .map(|entry| entry.unwrap().0.value().to_owned())
        .filter(|key| switchboard_store::embedded::is_lead_key(key))
        .collect()
}

/// An answer read off a raw socket.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Names lowercased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses one HTTP/1.1 answer from the start of `bytes`; `None` while incomplete. Bodies
/// are framed by `content-length` or chunked; without either they run to the end. The
/// answer to a HEAD request has no body, whatever its `content-length` says.
pub fn parse_response(bytes: &[u8], at_end: bool, to_head: bool) -> Option<RawResponse> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = &bytes[end + 4..];
    let find = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    let body = if to_head {
        Vec::new()
    } else if let Some(len) = find("content-length") {
        let len: usize = len.parse().ok()?;
        rest.get(..len)?.to_vec()
    } else if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut body = Vec::new();
        let mut at = rest;
        loop {
            let line_end = at.windows(2).position(|w| w == b"\r\n")?;
            let size_text = String::from_utf8_lossy(&at[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            at = &at[line_end + 2..];
            if size == 0 {
                break;
            }
            body.extend_from_slice(at.get(..size)?);
            at = at.get(size + 2..)?;
        }
        body
    } else if at_end {
        rest.to_vec()
    } else {
        return None;
    };
    Some(RawResponse {
        status,
        headers,
        body,
    })
}

/// Sends `request` as written (nothing is checked or added) on a new connection and
/// reads one answer. `Err` says what happened instead: no connection, or the connection
/// ended (or `wait` passed) before a whole answer arrived, with what had arrived.
pub fn raw_request(authority: &str, request: &[u8], wait: Duration) -> Result<RawResponse, String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(authority).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(wait)).unwrap();
    // The server may answer and close before reading all of an oversized request; the
    // answer is still there to read.
    let written = s.write_all(request);
    let to_head = request.starts_with(b"HEAD ");
    let mut got = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if let Some(r) = parse_response(&got, false, to_head) {
            return Ok(r);
        }
        match s.read(&mut buf) {
            Ok(0) => {
                return parse_response(&got, true, to_head).ok_or_else(|| {
                    format!(
                        "closed after {} byte(s) (write: {written:?}): {}",
                        got.len(),
                        String::from_utf8_lossy(&got)
                    )
                });
            }
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => {
                return Err(format!(
                    "{e} after {} byte(s) (write: {written:?}): {}",
                    got.len(),
                    String::from_utf8_lossy(&got)
                ));
            }
        }
    }
}
