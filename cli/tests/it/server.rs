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
