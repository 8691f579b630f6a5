//! An HTTP mutation fuzzer over every public route of `switchboard serve`: well-formed
//! requests for each route, then their methods, paths, headers and bodies mutated. Every
//! answer must be below 500; every 4xx a JSON `application/problem+json` document; no
//! rejected request may store a lead; the process's memory stays bounded.
//!
//! The count and the seed are fixed for CI and can be raised on demand:
//! `SWITCHBOARD_FUZZ_CASES=20000 SWITCHBOARD_FUZZ_SEED=7 cargo test -p switchboard-cli
//! --test it reliability_fuzz`. A failure names its seed and case number, so it replays.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{path_str, scratch};
use crate::server::{
    API_KEY, READ_KEY, RawResponse, Server, intake_config, raw_request, stored_lead_ids,
};

const DEFAULT_CASES: usize = 2000;
const DEFAULT_SEED: u64 = 0x5EED_0012;
/// Generous: the process idles around a few tens of MiB; a leak or an unbounded buffer
/// over thousands of requests (some of them megabytes) would pass this.
const RSS_LIMIT_KIB: u64 = 512 * 1024;
/// Longest a single answer may take. Nothing here waits on purpose.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

/// SplitMix64: a few lines, no dependency, the same sequence on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// One request, before it is written.
#[derive(Clone)]
struct Case {
    method: String,
    path: Vec<u8>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Case {
    fn new(method: &str, path: &str, auth: Option<&str>, body: Option<Value>) -> Case {
        let mut headers = Vec::new();
        if let Some(key) = auth {
            headers.push((
                "authorization".to_owned(),
                format!("Bearer {key}").into_bytes(),
            ));
        }
        let body = match body {
            Some(b) => {
                headers.push(("content-type".to_owned(), b"application/json".to_vec()));
                b.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        Case {
            method: method.to_owned(),
            path: path.as_bytes().to_vec(),
            headers,
            body,
        }
    }

    /// The request as bytes: the framing is always valid (`content-length` is the body's),
    /// and the connection closes after the answer.
    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 512);
        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(&self.path);
        out.extend_from_slice(b" HTTP/1.1\r\nhost: fuzz\r\nconnection: close\r\n");
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("content-length: {}\r\n\r\n", self.body.len()).as_bytes());
        out.extend_from_slice(&self.body);
        out
    }

    /// A short description for failure messages.
    fn describe(&self) -> String {
        let path = String::from_utf8_lossy(&self.path);
        let path: String = path.chars().take(160).collect();
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let v = String::from_utf8_lossy(v);
                format!("{n}: {}", v.chars().take(60).collect::<String>())
            })
            .collect();
        let body = String::from_utf8_lossy(&self.body);
        format!(
            "{} {path} ({} path bytes) headers {headers:?} body ({} bytes) {:?}",
            self.method,
            self.path.len(),
            self.body.len(),
            body.chars().take(160).collect::<String>()
        )
    }

    fn header_mut(&mut self, name: &str) -> Option<&mut Vec<u8>> {
        self.headers
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(n, _)| n != name);
    }

    fn set_header(&mut self, name: &str, value: Vec<u8>) {
        match self.header_mut(name) {
            Some(v) => *v = value,
            None => self.headers.push((name.to_owned(), value)),
        }
    }
}

/// What the routes need: real ids and the keys of each kind.
struct Fixtures {
    leads: Vec<String>,
    admin: String,
}

const SMALL_POLICY: &str = "name: fuzz\ntriage_pool: triage\nreps: [ { id: desk-1 } ]\n\
pools: [ { id: p, strategy: round_robin, members: [desk-1] } ]\nrules: [ { id: all, pool: p } ]\n";

/// A well-formed request for one of the public routes, chosen by `which`.
fn base(which: usize, n: usize, f: &Fixtures, rng: &mut Rng) -> Case {
    let lead = rng.pick(&f.leads).clone();
    let admin = Some(f.admin.as_str());
    let fresh_lead = json!({
        "email": format!("fuzz{n}@fuzz-{}.example", n % 7),
        "first_name": "Fuzz",
        "last_name": format!("Case {n}"),
        "company": "Fuzz Works",
        "country": "DE",
        "phone": "+49 30 1234567",
    });
    match which % 24 {
        0 => Case::new("POST", "/v1/leads", Some(API_KEY), Some(fresh_lead)),
        1 => Case::new("GET", &format!("/v1/leads/{lead}"), Some(READ_KEY), None),
        2 => Case::new(
            "GET",
            &format!("/v1/leads/{lead}/decision?wait_ms=0"),
            Some(READ_KEY),
            None,
        ),
        3 => Case::new(
            "POST",
            &format!("/v1/leads/{lead}/accept"),
            admin,
            Some(json!({"rep": "desk-1"})),
        ),
        4 => Case::new(
            "POST",
            &format!("/v1/leads/{lead}/reject"),
            admin,
            Some(json!({"rep": "desk-1", "reason": "not a fit", "attempt": 1})),
        ),
        5 => Case::new(
            "POST",
            &format!("/v1/leads/{lead}/release"),
            admin,
            Some(json!({"rep": "desk-1"})),
        ),
        6 => Case::new(
            "POST",
            &format!("/v1/leads/{lead}/close"),
            admin,
            Some(json!({"rep": "desk-1", "outcome": "won"})),
        ),
        7 => Case::new(
            "POST",
            "/v1/reps/desk-1/away",
            admin,
            Some(json!({"until": "2031-01-01T00:00:00Z"})),
        ),
        8 => Case::new("POST", "/v1/reps/desk-1/back", admin, Some(json!({}))),
        9 => Case::new("GET", "/v1/actions/eyJ2IjoxfQ.c2lnbmF0dXJl", None, None),
        10 => Case::new("POST", "/v1/actions/eyJ2IjoxfQ.c2lnbmF0dXJl", None, None),
        11 => {
            let mut c = Case::new("POST", "/v1/slack/interactivity", None, None);
            c.headers.push((
                "content-type".into(),
                b"application/x-www-form-urlencoded".to_vec(),
            ));
            c.headers
                .push(("x-slack-request-timestamp".into(), b"1700000000".to_vec()));
            c.headers
                .push(("x-slack-signature".into(), b"v0=00".to_vec()));
            c.body = b"payload=%7B%22type%22%3A%22block_actions%22%7D".to_vec();
            c
        }
        12 => Case::new("POST", "/v1/hooks/api", Some(API_KEY), Some(fresh_lead)),
        13 => Case::new(
            "POST",
            "/v1/admin/policy",
            admin,
            Some(json!({"document": SMALL_POLICY, "note": "fuzz"})),
        ),
        14 => Case::new("GET", "/v1/admin/policy/active", admin, None),
        15 => Case::new("GET", "/v1/admin/policy/versions/1", admin, None),
        16 => Case::new("GET", "/v1/admin/policy/history", admin, None),
        17 => Case::new(
            "POST",
            "/v1/admin/policy/rollback",
            admin,
            Some(json!({"version": 1})),
        ),
        18 => Case::new(
            "POST",
            "/v1/admin/accounts",
            admin,
            Some(json!([{"id": "ACC-F", "name": "Fuzz Works", "domains": ["fuzz-1.example"]}])),
        ),
        19 => Case::new("GET", &format!("/v1/admin/leads/{lead}"), admin, None),
        20 => Case::new("GET", "/v1/admin/dlq?max=5", admin, None),
        21 => Case::new(
            "POST",
            "/v1/admin/dlq/redrive",
            admin,
            Some(json!({"max": 1})),
        ),
        22 => Case::new("GET", "/v1/admin/stats", admin, None),
        _ => Case::new("GET", "/healthz", None, None),
    }
}

const METHODS: [&str; 10] = [
    "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "get", "FROB",
];
const BAD_ESCAPES: [&str; 6] = ["%FF%FE", "%C3%28", "%80", "%E2%82", "%ED%A0%80", "%zz"];
const WRONG_VALUES: [&str; 8] = [
    "123",
    "[]",
    "null",
    "{}",
    "true",
    "-1.5e308",
    "\"\"",
    "18446744073709551616",
];

fn mutate_method(c: &mut Case, rng: &mut Rng) {
    c.method = (*rng.pick(&METHODS)).to_owned();
}

fn mutate_path(c: &mut Case, rng: &mut Rng) {
    let path = String::from_utf8_lossy(&c.path).into_owned();
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (path, None),
    };
    let mut segments: Vec<String> = path.split('/').map(str::to_owned).collect();
    match rng.below(10) {
        // An invalid UTF-8 (or invalid) escape in place of a segment, e.g. the lead id.
        0 | 1 => {
            let i = 1 + rng.below(segments.len() - 1);
            segments[i] = (*rng.pick(&BAD_ESCAPES)).to_owned();
        }
        2 => segments.push((*rng.pick(&BAD_ESCAPES)).to_owned()),
        // Long paths, up to past the parser's limit for a request target.
        3 => {
            let len = *rng.pick(&[300usize, 5_000, 60_000, 70_000]);
            segments.push("a".repeat(len));
        }
        4 => segments.push(String::new()),
        5 => segments.insert(1, String::new()),
        6 => segments.insert(1, "..".to_owned()),
        7 => {
            let i = 1 + rng.below(segments.len() - 1);
            segments[i] = segments[i].to_ascii_uppercase();
        }
        8 => segments.push("x".to_owned()),
        _ => {}
    }
    let mut out = segments.join("/");
    let query = match rng.below(4) {
        0 => Some((*rng.pick(&["wait_ms=abc", "max=-1", "wait_ms=%FF", "a=%", "&&=="])).to_owned()),
        _ => query,
    };
    if let Some(q) = query {
        out.push('?');
        out.push_str(&q);
    }
    c.path = out.into_bytes();
    // A raw byte the request line does not allow.
    if rng.chance(5) {
        let at = rng.below(c.path.len());
        c.path.insert(at, 0xFF);
    }
}

fn mutate_headers(c: &mut Case, rng: &mut Rng, f: &Fixtures) {
    match rng.below(12) {
        0 => c.remove_header("authorization"),
        1 => c.set_header("authorization", b"Bearer not-a-key".to_vec()),
        2 => {
            let key = *rng.pick(&[API_KEY, READ_KEY, f.admin.as_str(), "other-api-key"]);
            c.set_header("authorization", format!("Bearer {key}").into_bytes());
        }
        3 => {
            let v = *rng.pick(&[
                b"Basic dXNlcjpwYXNz".as_slice(),
                b"Bearer".as_slice(),
                b"".as_slice(),
                b"Bearer \xC3\xA9\xFF".as_slice(),
            ]);
            c.set_header("authorization", v.to_vec());
        }
        4 => c.remove_header("content-type"),
        5 => {
            let v = rng.pick(&[
                "text/plain",
                "application/x-www-form-urlencoded",
                "application/json; charset=latin1",
                "multipart/form-data; boundary=x",
                "application/problem+json",
                "\u{1}garbage",
            ]);
            c.set_header("content-type", v.as_bytes().to_vec());
        }
        // A huge header: past the head limit from 100 KB on.
        6 => {
            let len = *rng.pick(&[10_000usize, 100_000, 1_000_000]);
            c.headers.push(("x-pad".into(), vec![b'a'; len]));
        }
        7 => {
            for i in 0..*rng.pick(&[50usize, 150]) {
                c.headers.push((format!("x-h{i}"), b"v".to_vec()));
            }
        }
        8 => {
            let v = rng
                .pick(&["", "k", "\u{7f}", &"k".repeat(10_000)])
                .to_string();
            c.set_header("idempotency-key", v.into_bytes());
        }
        9 => c.set_header("x-api-key", API_KEY.as_bytes().to_vec()),
        10 => c.headers.push(("x-name".into(), b"J\xF6rg \xFF".to_vec())),
        _ => c.set_header("accept", b"text/html".to_vec()),
    }
}

fn mutate_body(c: &mut Case, rng: &mut Rng) {
    match rng.below(11) {
        0 if !c.body.is_empty() => {
            let at = rng.below(c.body.len());
            c.body.truncate(at);
        }
        1 if !c.body.is_empty() => {
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(c.body.len());
                c.body[at] ^= 1 << rng.below(8);
            }
        }
        // A field of the wrong JSON type.
        2 | 3 => {
            if let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(&c.body) {
                let keys: Vec<String> = map.keys().cloned().collect();
                if !keys.is_empty() {
                    let k = rng.pick(&keys).clone();
                    let text = *rng.pick(&WRONG_VALUES);
                    let v = serde_json::from_str(text).unwrap();
                    map.insert(k, v);
                    c.body = Value::Object(map).to_string().into_bytes();
                }
            }
        }
        // An unknown field (a typo of a real one, as in `verison`).
        4 => {
            if let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(&c.body) {
                let name = rng.pick(&["verison", "zzz", "emial", "rep_id", "__proto__"]);
                map.insert((*name).to_owned(), json!(1));
                c.body = Value::Object(map).to_string().into_bytes();
            }
        }
        5 => c.body = format!("[{}]", String::from_utf8_lossy(&c.body)).into_bytes(),
        6 => c.body.clear(),
        7 => {
            let text = rng.pick(&["null", "1", "\"x\"", "{", "}", "\u{feff}{}", "{\"a\":1}{"]);
            c.body = text.as_bytes().to_vec();
        }
        8 => c.body = (0..1 + rng.below(300)).map(|_| rng.next() as u8).collect(),
        // Past the body limit, or nested past any parser's depth.
        9 => {
            c.body = if rng.chance(50) {
                vec![b' '; 300 * 1024]
            } else {
                let depth = 5_000;
                let mut b = vec![b'['; depth];
                b.extend(std::iter::repeat_n(b']', depth));
                b
            };
        }
        _ => c.body.extend_from_slice(b"trailing"),
    }
}

/// The case's request: the route's well-formed request, mutated (or not, one in ten).
fn case(n: usize, f: &Fixtures, rng: &mut Rng) -> Case {
    let which = rng.below(24);
    let mut c = base(which, n, f, rng);
    if rng.chance(10) {
        return c;
    }
    for _ in 0..1 + rng.below(3) {
        match rng.below(4) {
            0 => mutate_method(&mut c, rng),
            1 => mutate_path(&mut c, rng),
            2 => mutate_headers(&mut c, rng, f),
            _ => mutate_body(&mut c, rng),
        }
    }
    c
}

/// What is wrong with the answer to `c`, if anything.
fn violation(c: &Case, r: &RawResponse) -> Option<String> {
    if r.status >= 500 {
        return Some(format!("status {}", r.status));
    }
    if !(400..500).contains(&r.status) {
        return None;
    }
    let content_type = r.header("content-type").unwrap_or("");
    // Action links are opened in a browser: their refusals are small HTML pages
    // (docs/ACTIONS.md), not documents for machines.
    if c.path.starts_with(b"/v1/actions/") && content_type.starts_with("text/html") {
        return None;
    }
    if !content_type.starts_with("application/problem+json") {
        return Some(format!(
            "{} with content-type {content_type:?}: {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        ));
    }
    if c.method == "HEAD" {
        return None;
    }
    match serde_json::from_slice::<Value>(&r.body) {
        Ok(Value::Object(doc)) if doc.get("status") == Some(&json!(r.status)) => None,
        Ok(other) => Some(format!("{} with problem {other}", r.status)),
        Err(e) => Some(format!(
            "{} with a body that is not JSON ({e}): {:?}",
            r.status,
            String::from_utf8_lossy(&r.body)
        )),
    }
}

#[test]
fn mutated_requests_never_fail_the_server_nor_store_anything() {
    let cases = env_or("SWITCHBOARD_FUZZ_CASES", DEFAULT_CASES);
    let seed = env_or("SWITCHBOARD_FUZZ_SEED", DEFAULT_SEED);
    let dir = scratch("reliability-fuzz");
    let data = dir.join("data");
    let config = intake_config(&dir);
    let server = Server::start(&data, &["--intake-config", path_str(&config)]);
    let authority = server.authority().to_owned();

    // Real leads for the routes that name one; counted like every other 202.
    let mut acknowledged = BTreeSet::new();
    let mut leads = Vec::new();
    for i in 0..3 {
        let c = Case::new(
            "POST",
            "/v1/leads",
            Some(API_KEY),
            Some(json!({"email": format!("seed{i}@fuzz-seed.example"), "country": "US"})),
        );
        let r = raw_request(&authority, &c.bytes(), ANSWER_WITHIN).unwrap();
        assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
        let id = serde_json::from_slice::<Value>(&r.body).unwrap()["lead_id"]
            .as_str()
            .unwrap()
            .to_owned();
        acknowledged.insert(id.clone());
        leads.push(id);
    }
    let fixtures = Fixtures {
        leads,
        admin: server.admin_token(),
    };

    let mut rng = Rng(seed);
    let mut violations = Vec::new();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut peak_rss = 0;
    let started = Instant::now();
    for n in 0..cases {
        let c = case(n, &fixtures, &mut rng);
        match raw_request(&authority, &c.bytes(), ANSWER_WITHIN) {
            Ok(r) => {
                *statuses.entry(r.status).or_default() += 1;
                if r.status == 202 {
                    match serde_json::from_slice::<Value>(&r.body)
                        .ok()
                        .and_then(|v| v["lead_id"].as_str().map(str::to_owned))
                    {
                        Some(id) => {
                            acknowledged.insert(id);
                        }
                        None => violations.push(format!("case {n}: 202 without a lead id")),
                    }
                }
                if let Some(v) = violation(&c, &r) {
                    violations.push(format!("case {n}: {v}\n    request: {}", c.describe()));
                }
            }
            Err(e) => violations.push(format!(
                "case {n}: no answer: {e}\n    request: {}",
                c.describe()
            )),
        }
        if n % 100 == 0 {
            let rss = server.rss_kib().unwrap_or(0);
            peak_rss = peak_rss.max(rss);
            assert!(
                rss < RSS_LIMIT_KIB,
                "serve uses {rss} KiB after {n} cases (seed {seed:#x})"
            );
        }
    }
    let took = started.elapsed();
    // Still healthy after it all.
    let health = raw_request(
        &authority,
        b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        ANSWER_WITHIN,
    )
    .unwrap();
    assert_eq!(health.status, 200);
    server.stop();
    eprintln!(
        "fuzz: {cases} cases (seed {seed:#x}) in {took:?}, statuses {statuses:?}, peak RSS {peak_rss} KiB, {} leads acknowledged",
        acknowledged.len()
    );

    // Nothing stored on a rejection: the store holds exactly the acknowledged leads.
    let stored: BTreeSet<String> = stored_lead_ids(&data).into_iter().collect();
    let unacknowledged: Vec<_> = stored.difference(&acknowledged).collect();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(
        violations.is_empty(),
        "{} violation(s) (seed {seed:#x}; SWITCHBOARD_FUZZ_SEED replays), the first:\n{}",
        violations.len(),
        violations
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        unacknowledged.is_empty(),
        "stored without a 202: {unacknowledged:?}"
    );
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
}

/// Refusals made outside the handlers, each checked on its own, as a random run may
/// reach them rarely: invalid UTF-8 in a path segment of each kind of route, wrong
/// methods, an over-long request target, an oversized header, and an admin body with a
/// misspelled field (refused, not ignored).
#[test]
fn edge_errors_are_problem_documents() {
    let dir = scratch("reliability-edges");
    let data = dir.join("data");
    let config = intake_config(&dir);
    let server = Server::start(&data, &["--intake-config", path_str(&config)]);
    let authority = server.authority().to_owned();
    let admin = server.admin_token();
    let read = Some(READ_KEY);
    let cases = [
        Case::new("GET", "/v1/leads/%FF%FE", read, None),
        Case::new("GET", "/v1/leads/%FF%FE/decision", read, None),
        Case::new("GET", "/v1/admin/leads/%FF%FE", Some(&admin), None),
        Case::new(
            "POST",
            "/v1/leads/%FF%FE/accept",
            Some(&admin),
            Some(json!({"rep": "desk-1"})),
        ),
        Case::new(
            "POST",
            "/v1/reps/%FF%FE/away",
            Some(&admin),
            Some(json!({})),
        ),
        Case::new("GET", "/v1/admin/stats", Some(&admin), None).with_method("DELETE"),
        Case::new("GET", "/v1/admin/policy/rollback", Some(&admin), None),
        Case::new("GET", "/v1/leads/x/accept", Some(&admin), None),
        Case::new("GET", "/v1/reps/desk-1/away", Some(&admin), None),
        Case::new(
            "GET",
            &format!("/v1/leads/{}", "a".repeat(64 * 1024)),
            read,
            None,
        ),
        {
            let mut c = Case::new("GET", "/healthz", None, None);
            c.headers.push(("x-pad".into(), vec![b'a'; 1024 * 1024]));
            c
        },
    ];
    let mut wrong = Vec::new();
    for c in &cases {
        match raw_request(&authority, &c.bytes(), ANSWER_WITHIN) {
            Ok(r) if !(400..500).contains(&r.status) => {
                wrong.push(format!("{}: status {}", c.describe(), r.status));
            }
            Ok(r) => {
                if let Some(v) = violation(c, &r) {
                    wrong.push(format!("{}: {v}", c.describe()));
                }
            }
            Err(e) => wrong.push(format!("{}: no answer: {e}", c.describe())),
        }
    }
    // A misspelled field is refused, and nothing is rolled back.
    let history = |server: &Server| {
        let c = Case::new("GET", "/v1/admin/policy/history", Some(&admin), None);
        let r = raw_request(server.authority(), &c.bytes(), ANSWER_WITHIN).unwrap();
        serde_json::from_slice::<Value>(&r.body).unwrap()["active"].clone()
    };
    let policy = Case::new(
        "POST",
        "/v1/admin/policy",
        Some(&admin),
        Some(json!({"document": SMALL_POLICY})),
    );
    let applied = raw_request(&authority, &policy.bytes(), ANSWER_WITHIN).unwrap();
    assert_eq!(
        applied.status,
        200,
        "{}",
        String::from_utf8_lossy(&applied.body)
    );
    let before = history(&server);
    let typo = Case::new(
        "POST",
        "/v1/admin/policy/rollback",
        Some(&admin),
        Some(json!({"verison": 1})),
    );
    let r = raw_request(&authority, &typo.bytes(), ANSWER_WITHIN).unwrap();
    if !(400..500).contains(&r.status) {
        wrong.push(format!(
            "rollback {{\"verison\": 1}}: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        ));
    } else if let Some(v) = violation(&typo, &r) {
        wrong.push(format!("rollback {{\"verison\": 1}}: {v}"));
    }
    assert_eq!(
        history(&server),
        before,
        "a refused rollback changed the active policy"
    );
    server.stop();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

impl Case {
    fn with_method(mut self, method: &str) -> Case {
        self.method = method.to_owned();
        self
    }
}
