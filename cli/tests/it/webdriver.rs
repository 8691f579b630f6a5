//! A headless Chromium driven through chromedriver over the W3C WebDriver protocol (plain
//! JSON over HTTP): just the commands the console test needs.
//!
//! The browser is Debian's `chromium` and `chromium-driver` (`/usr/bin/chromium`,
//! `/usr/bin/chromedriver`; `SWITCHBOARD_CHROMIUM` and `SWITCHBOARD_CHROMEDRIVER` name
//! others). Without a driver the test is skipped with a line saying so, unless
//! `SWITCHBOARD_REQUIRE_BROWSER=1` (set by infra/test.sh, so CI never skips it).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http::Method;
use serde_json::{Value, json};
use switchboard_cli::http_client;

/// The key of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a page may take to show what a step waits for.
const PATIENCE: Duration = Duration::from_secs(15);

fn program(var: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    path.exists().then_some(path)
}

/// A running chromedriver; stopped when dropped.
pub struct Driver {
    child: Child,
    url: String,
    chromium: PathBuf,
}

impl Driver {
    /// The driver, or `None` (after a skip line) when the machine has none and the browser
    /// is not required.
    pub fn start(test: &str) -> Option<Driver> {
        let required = std::env::var("SWITCHBOARD_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        let found = program("SWITCHBOARD_CHROMEDRIVER", "/usr/bin/chromedriver")
            .zip(program("SWITCHBOARD_CHROMIUM", "/usr/bin/chromium"));
        let Some((driver, chromium)) = found else {
            assert!(
                !required,
                "{test}: SWITCHBOARD_REQUIRE_BROWSER=1 but chromedriver or chromium is missing \
                 (apt-get install chromium chromium-driver)"
            );
            eprintln!(
                "skipping {test}: no chromedriver/chromium (apt-get install chromium chromium-driver, \
                 or set SWITCHBOARD_CHROMEDRIVER and SWITCHBOARD_CHROMIUM)"
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        Some(Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chromium,
        })
    }

    /// A new headless browser window, `profile` its scratch profile directory.
    pub async fn browser(&self, profile: &Path) -> Browser {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let ready = http_client::request(
                Method::GET,
                &format!("{}/status", self.url),
                &[],
                Bytes::new(),
            )
            .await
            .ok()
            .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not get ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--window-size=1400,1000",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        let answer = send(
            Method::POST,
            &format!("{}/session", self.url),
            &capabilities,
        )
        .await;
        let session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {answer}"))
            .to_owned();
        Browser {
            base: format!("{}/session/{session}", self.url),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One WebDriver command; answers its `value`, and fails the test on a WebDriver error.
async fn send(method: Method, url: &str, body: &Value) -> Value {
    let body = if method == Method::GET || method == Method::DELETE {
        Bytes::new()
    } else {
        Bytes::from(body.to_string())
    };
    let answer = http_client::request(
        method.clone(),
        url,
        &[("content-type", "application/json")],
        body,
    )
    .await
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let value: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    assert!(
        answer.status.is_success(),
        "{method} {url}: {} {value}",
        answer.status
    );
    value["value"].clone()
}

/// One browser window.
pub struct Browser {
    base: String,
}

impl Browser {
    async fn cmd(&self, method: Method, path: &str, body: Value) -> Value {
        send(method, &format!("{}{path}", self.base), &body).await
    }

    pub async fn goto(&self, url: &str) {
        self.cmd(Method::POST, "/url", json!({ "url": url })).await;
    }

    /// Runs `script` (a function body; `return` its answer) in the page.
    pub async fn run(&self, script: &str) -> Value {
        self.cmd(
            Method::POST,
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// Waits until the expression `js` is truthy in the page; answers its value. Fails the
    /// test, naming `what`, when it never is.
    pub async fn wait(&self, what: &str, js: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        let script = format!("try {{ return ({js}) || null; }} catch (e) {{ return null; }}");
        loop {
            let v = self.run(&script).await;
            if !v.is_null() && v != false {
                return v;
            }
            if Instant::now() > deadline {
                let page = self
                    .run("return document.querySelector('main').innerText + '\\n--\\n' + document.getElementById('notice').innerText")
                    .await;
                panic!("waited {PATIENCE:?} for {what} ({js}); the page shows:\n{page}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for each `(what, js)` in turn (see [`Browser::wait`]).
    pub async fn wait_all(&self, conditions: &[(&str, &str)]) {
        for (what, js) in conditions {
            self.wait(what, js).await;
        }
    }

    /// The element `css` selects (waiting for it to appear).
    pub async fn find(&self, css: &str) -> String {
        let quoted = serde_json::to_string(css).unwrap();
        self.wait(css, &format!("document.querySelector({quoted})"))
            .await;
        let found = self
            .cmd(
                Method::POST,
                "/element",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_owned()
    }

    /// Clicks `css` as a person would (the browser's own input events).
    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd(Method::POST, &format!("/element/{id}/click"), json!({}))
            .await;
    }

    /// Types `text` into `css`, after clearing it.
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.cmd(Method::POST, &format!("/element/{id}/clear"), json!({}))
            .await;
        self.cmd(
            Method::POST,
            &format!("/element/{id}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    /// Writes a PNG of the window to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let data = self.cmd(Method::GET, "/screenshot", Value::Null).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("base64 screenshot"))
            .expect("a screenshot is base64");
        std::fs::write(path, png).unwrap();
    }

    pub async fn close(self) {
        send(Method::DELETE, &self.base, &Value::Null).await;
    }
}
