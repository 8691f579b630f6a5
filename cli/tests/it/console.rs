//! The admin console in a real browser (headless Chromium through chromedriver, see
//! `webdriver.rs`) against a real `switchboard serve`: an admin signs in, finds a lead and
//! reads why it went where it did, assigns a parked lead, takes a rep away, sees an invalid
//! draft's error at its line, applies a valid draft and rolls it back; a viewer then finds
//! every change control disabled, and the API's 403 shown when one is forced. The admin
//! also reads the reps' win rates per pool and segment, and runs a shadow of the next
//! version and reads its report. Every step is checked in the page and, for changes,
//! through the API as well. A second test signs in through a user pool (a fake one with
//! Cognito's endpoints, `oauth.rs`) with the authorization code flow and PKCE.
//!
//! Screenshots of each view go to `<target>/tmp/console-screenshots/` (printed at the
//! end); docs/CONSOLE.md shows a few of them.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::Value;

use super::common::{apply_policy, path_str, scratch};
use super::oauth::{CLIENT_ID, FakePool};
use super::server::{Server, intake_config, lead, lead_id};
use super::webdriver::{Browser, Driver};

/// Ana and Bo share the main pool with room for one lead each, so the third and fourth
/// lead park; Cy, in a pool no rule uses, has room for a lead given by hand.
const POLICY: &str = "\
name: console-e2e
triage_pool: triage
default_sla: 1h
reps:
  - { id: ana, name: Ana Lopez, caps: { max_open: 1 } }
  - { id: bo, name: Bo Berg, caps: { max_open: 1 } }
  - { id: cy, name: Cy Chen }
pools:
  - { id: main, strategy: round_robin, members: [ana, bo] }
  - { id: spare, strategy: round_robin, members: [cy] }
rules:
  - { id: everyone, pool: main }
outcomes: { segment: [country] }
";

/// The same with a cap of zero on line 7: not valid.
const INVALID: &str = "\
name: console-e2e
triage_pool: triage
default_sla: 1h
reps:
  - { id: ana, name: Ana Lopez, caps: { max_open: 1 } }
  - id: bo
    caps: { max_open: 0 }
  - { id: cy, name: Cy Chen }
pools:
  - { id: main, strategy: round_robin, members: [ana, bo] }
  - { id: spare, strategy: round_robin, members: [cy] }
rules:
  - { id: everyone, pool: main }
outcomes: { segment: [country] }
";
const INVALID_LINE: u64 = 7;

/// The next version: Cy joins the main pool.
const NEXT: &str = "\
name: console-e2e
triage_pool: triage
default_sla: 1h
reps:
  - { id: ana, name: Ana Lopez, caps: { max_open: 1 } }
  - { id: bo, name: Bo Berg, caps: { max_open: 1 } }
  - { id: cy, name: Cy Chen }
pools:
  - { id: main, strategy: round_robin, members: [ana, bo, cy] }
  - { id: spare, strategy: round_robin, members: [cy] }
rules:
  - { id: everyone, pool: main }
outcomes: { segment: [country] }
";

/// The leads: email, company, country.
const LEADS: [(&str, &str, &str); 4] = [
    ("jane@northwind-robotics.com", "Northwind Robotics", "US"),
    ("li@contoso-labs.com", "Contoso Labs", "CA"),
    ("omar@fabrikam-tools.com", "Fabrikam Tools", "GB"),
    ("sara@initech-systems.com", "Initech Systems", "US"),
];

struct Tokens {
    admin: String,
    viewer: String,
}

fn tokens(data: &Path) -> Tokens {
    let text = std::fs::read_to_string(data.join("serve.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    Tokens {
        admin: v["admin_token"].as_str().unwrap().to_owned(),
        viewer: v["viewer_token"].as_str().unwrap().to_owned(),
    }
}

/// `GET /v1/admin{path}` as the admin, to check what the page did.
async fn admin_get(server: &Server, token: &str, path: &str) -> Value {
    let auth = format!("Bearer {token}");
    let (status, body) = server
        .call(
            Method::GET,
            &format!("/v1/admin{path}"),
            &[("authorization", &auth)],
            Bytes::new(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}

/// `POST /v1/admin{path}` with a JSON body as the admin, to set the scene.
async fn admin_post(server: &Server, token: &str, path: &str, body: Value) -> Value {
    let auth = format!("Bearer {token}");
    let (status, answer) = server
        .call(
            Method::POST,
            &format!("/v1/admin{path}"),
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            Bytes::from(body.to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "POST {path}: {answer}");
    answer
}

/// The text of each cell of the first row `css` selects, once there is one.
async fn cells(b: &Browser, what: &str, css: &str) -> Value {
    b.wait(
        what,
        &format!(
            "document.querySelector(\"{css}\") && \
             [...document.querySelector(\"{css}\").children].map(c => c.textContent)"
        ),
    )
    .await
}

/// Where the screenshots go.
fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Puts `text` in the draft editor as a paste would (one input event).
async fn set_draft(b: &Browser, text: &str) {
    let quoted = serde_json::to_string(text).unwrap();
    b.find("#draft").await;
    b.run(&format!(
        "const d = document.getElementById('draft'); d.value = {quoted}; \
         d.dispatchEvent(new Event('input')); return true;"
    ))
    .await;
}

async fn sign_in(b: &Browser, url: &str, token: &str, role: &str) {
    b.goto(&format!("{url}/console")).await;
    b.wait(
        "the sign-in form",
        "document.querySelector('main').dataset.view === 'signin'",
    )
    .await;
    b.type_into("#token", token).await;
    b.click("#signin").await;
    let shown = b
        .wait(
            "the role",
            "document.getElementById('role') && document.getElementById('role').textContent",
        )
        .await;
    assert_eq!(shown, role, "the role the console shows");
    b.wait(
        "the overview",
        "document.querySelector('main').dataset.view === 'overview'",
    )
    .await;
}

async fn open(b: &Browser, url: &str, hash: &str, view: &str) {
    b.goto(&format!("{url}/console#/{hash}")).await;
    b.wait(
        &format!("the {view} view"),
        &format!("document.querySelector('main').dataset.view === '{view}'"),
    )
    .await;
}

async fn notice(b: &Browser, what: &str, contains: &str) -> String {
    let quoted = serde_json::to_string(contains).unwrap();
    b.wait(
        what,
        &format!("(t => t.includes({quoted}) && t)(document.getElementById('notice').textContent)"),
    )
    .await
    .as_str()
    .unwrap()
    .to_owned()
}

/// Every request the page made went to the console's own files, to a route of the
/// documented admin API, or to one of `elsewhere` (a user pool's token endpoint).
async fn only_documented_requests(b: &Browser, url: &str, elsewhere: &[&str]) {
    let document: Value = serde_json::from_str(include_str!("../../../docs/openapi.json")).unwrap();
    let templates: Vec<Vec<String>> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|p| p.starts_with("/v1/admin/"))
        .map(|p| p.split('/').map(str::to_owned).collect())
        .collect();
    let urls = b
        .run("return performance.getEntriesByType('resource').map(e => e.name)")
        .await;
    let urls = urls.as_array().unwrap();
    assert!(!urls.is_empty());
    for u in urls {
        let u = u.as_str().unwrap();
        if elsewhere.contains(&u) {
            continue;
        }
        let path = u
            .strip_prefix(url)
            .unwrap_or_else(|| panic!("the page loaded {u} from another origin"));
        let path = path.split(['?', '#']).next().unwrap();
        if path.starts_with("/console/") {
            continue;
        }
        let segments: Vec<&str> = path.split('/').collect();
        let documented = templates.iter().any(|t| {
            t.len() == segments.len()
                && t.iter()
                    .zip(&segments)
                    .all(|(t, s)| t.starts_with('{') || t == s)
        });
        assert!(documented, "the page called {path}, not a documented route");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_and_steers_routing_in_a_browser() {
    let Some(driver) = Driver::start("console") else {
        return;
    };
    let dir = scratch("console");
    let data = dir.join("data");
    apply_policy(&dir, &data, POLICY);
    let config = intake_config(&dir);
    let server = Server::start(&data, &["--intake-config", path_str(&config), "--no-demo"]);
    let url = server.url.clone();
    assert!(
        server.banner.contains(&format!("Console: {url}/console")),
        "{}",
        server.banner
    );
    let tokens = tokens(&data);

    // Two leads taken, one each by Ana and Bo at their cap of one; two parked.
    let mut ids = Vec::new();
    for (email, company, country) in LEADS {
        let mut lead = lead(email, country);
        lead["company"] = company.into();
        let (status, answer) = server.post_lead(&lead, None).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        let id = lead_id(&answer);
        server.routed(&id).await;
        ids.push(id);
    }
    let parked: Vec<String> = admin_get(&server, &tokens.admin, "/triage").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["lead_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(parked, ids[2..], "the last two leads park");
    let first = admin_get(&server, &tokens.admin, &format!("/leads/{}", ids[0])).await;
    let first_rep = first["assignment"]["rep"].as_str().unwrap().to_owned();
    // A team's earlier closes: Ana won 4 of 5 (3 of 4 in the US), Bo 1 of 3; Cy none.
    let mut rows = Vec::new();
    for (rep, outcome, country) in [
        ("ana", "won", "US"),
        ("ana", "won", "US"),
        ("ana", "won", "US"),
        ("ana", "lost", "US"),
        ("ana", "won", "CA"),
        ("bo", "won", "US"),
        ("bo", "lost", "US"),
        ("bo", "lost", "GB"),
    ] {
        rows.push(serde_json::json!({ "rep": rep, "outcome": outcome, "country": country }));
    }
    let imported = admin_post(
        &server,
        &tokens.admin,
        "/outcomes/import",
        serde_json::json!({ "rows": rows }),
    )
    .await;
    assert_eq!(imported["closes"], 8, "{imported}");

    let shots = shots();
    let b = driver.browser(&dir.join("chromium-profile")).await;

    // Sign in as the admin: the overview counts the parked leads.
    b.goto(&format!("{url}/console")).await;
    b.find("#token").await;
    b.screenshot(&shots.join("01-sign-in.png")).await;
    // A token the API does not take is refused, and said so.
    b.type_into("#token", "not-a-token").await;
    b.click("#signin").await;
    notice(&b, "the refused token", "(401)").await;
    assert!(
        b.run("return document.getElementById('role') === null")
            .await
            .as_bool()
            .unwrap(),
        "signed in with a bad token"
    );
    sign_in(&b, &url, &tokens.admin, "admin").await;
    b.wait_all(&[
        (
            "two parked leads on the overview",
            "document.getElementById('parked-now').textContent === 'Parked now: 2'",
        ),
        (
            "the latest leads with where each went",
            "document.querySelectorAll('main table tbody tr').length === 4",
        ),
    ])
    .await;
    b.screenshot(&shots.join("02-overview.png")).await;

    // Find the first lead by its email and read why it went where it did.
    open(&b, &url, "leads", "leads").await;
    b.type_into("#lead-q", LEADS[0].0).await;
    b.click("#lead-search").await;
    b.wait(
        "one lead found",
        "document.querySelectorAll('#lead-results tbody tr').length === 1",
    )
    .await;
    b.screenshot(&shots.join("03-lead-search.png")).await;
    b.click("#lead-results tbody a").await;
    b.wait(
        "the lead's page",
        "document.querySelector('main').dataset.view === 'lead'",
    )
    .await;
    let timeline = b
        .wait(
            "the timeline",
            "document.getElementById('timeline').innerText",
        )
        .await;
    let timeline = timeline.as_str().unwrap();
    for expected in [
        format!("({first_rep}) by round_robin in pool main under rule everyone"),
        "rule everyone".to_owned(),
        "Pool main (round_robin): picked".to_owned(),
        format!("{first_rep}: open 0 → 1 (cap 1)"),
        "SLA due".to_owned(),
    ] {
        assert!(
            timeline.contains(&expected),
            "the timeline lacks {expected:?}:\n{timeline}"
        );
    }
    b.screenshot(&shots.join("04-lead.png")).await;

    // Triage: give the first parked lead to Cy by hand.
    open(&b, &url, "triage", "triage").await;
    let row = format!("tr[data-lead='{}']", parked[0]);
    b.click(&format!("{row} button[data-action='assign']"))
        .await;
    b.click("#assign-rep option[value='cy']").await;
    b.type_into("#assign-reason", "speaks the lead's language")
        .await;
    b.screenshot(&shots.join("05-triage.png")).await;
    b.click("#assign-submit").await;
    notice(&b, "the assignment", "assigned to cy").await;
    b.wait(
        "the assigned lead leaving the queue",
        &format!("!document.querySelector(\"{row}\") && document.querySelector('main').dataset.view === 'triage'"),
    )
    .await;
    let report = admin_get(&server, &tokens.admin, &format!("/leads/{}", parked[0])).await;
    assert_eq!(report["assignment"]["rep"], "cy", "{report}");
    let by_hand = &report["decisions"].as_array().unwrap().last().unwrap()["by_hand"];
    assert_eq!(by_hand["reason"], "speaks the lead's language");
    assert_eq!(by_hand["actor"], "admin-token");

    // Reps: take Bo away.
    open(&b, &url, "reps", "reps").await;
    b.click("tr[data-rep='bo'] button[data-action='away']")
        .await;
    notice(&b, "bo away", "bo is away").await;
    b.find("tr[data-rep='bo'] button[data-action='back']").await;
    let bo = admin_get(&server, &tokens.admin, "/reps/bo").await;
    assert!(bo["away"].is_object(), "{bo}");
    assert_eq!(bo["unavailable"], "away");
    b.screenshot(&shots.join("06-reps.png")).await;

    // Fairness: a bar per rep of the main pool against its target share.
    open(&b, &url, "fairness", "fairness").await;
    b.wait_all(&[
        (
            "a bar per rep of the main pool",
            "document.querySelectorAll('svg.fairness rect.assigned').length === 2",
        ),
        (
            "a bar per day of the last seven",
            "document.querySelectorAll('#trend rect.received').length === 7",
        ),
    ])
    .await;
    b.screenshot(&shots.join("07-fairness.png")).await;

    // Policy: an invalid draft shows its error at its line, and nothing is stored.
    open(&b, &url, "policy", "policy").await;
    set_draft(&b, INVALID).await;
    b.click("#validate").await;
    let line = b
        .wait(
            "the issue's line",
            "document.querySelector('#issues li.bad') && Number(document.querySelector('#issues li.bad').dataset.line)",
        )
        .await;
    assert_eq!(line.as_u64(), Some(INVALID_LINE));
    let issue = b
        .run("return document.querySelector('#issues li.bad').textContent")
        .await;
    assert!(
        issue.as_str().unwrap().contains("reps[1].caps.max_open"),
        "{issue}"
    );
    let marked = b
        .run(&format!(
            "return document.querySelector('.gutter [data-line=\"{INVALID_LINE}\"]').className"
        ))
        .await;
    assert_eq!(marked, "issue", "the gutter marks the line");
    b.screenshot(&shots.join("08-policy-invalid.png")).await;

    // A valid draft with a pool no rule reaches: the static checks' finding, with its fix,
    // at the pool's line.
    set_draft(&b, NEXT).await;
    b.click("#validate").await;
    let finding = b
        .wait(
            "the draft's finding",
            "[...document.querySelectorAll('#issues li.warn')].map(li => li.textContent).find(t => t.includes('[unreachable-pool]'))",
        )
        .await;
    let finding = finding.as_str().unwrap_or_default();
    assert!(finding.contains("pools[1]"), "{finding}");
    assert!(
        finding.contains("Fix: name it in a rule's pool"),
        "{finding}"
    );

    // What if Cy joined the main pool: the four leads replayed through both policies.
    set_draft(&b, NEXT).await;
    b.click("#whatif-run").await;
    for (row, expected) in [
        ("tr[data-pool='main']", ["main", "2", "4", "+2"]),
        ("tr[data-rep='cy']", ["cy", "0", "2", "+2"]),
    ] {
        let cells = b
            .wait(
                &format!("the what-if's {row}"),
                &format!(
                    "document.querySelector(\"#whatif {row}\") && \
                     [...document.querySelector(\"#whatif {row}\").children].map(c => c.textContent)"
                ),
            )
            .await;
        assert_eq!(cells, serde_json::json!(expected), "{row}");
    }
    let parked = b
        .run("return [...document.querySelectorAll('#whatif table')[0].rows].find(r => r.cells[0].textContent === 'Parked').innerText")
        .await;
    assert_eq!(parked, "Parked\t2\t0\t-2", "{parked}");
    b.screenshot(&shots.join("09-policy-whatif.png")).await;

    // A valid draft applied with a note becomes version 2.
    b.type_into("#apply-note", "Cy joins the main pool").await;
    b.click("#apply").await;
    notice(&b, "version 2 applied", "Version 2 is active").await;
    b.wait(
        "version 2 active",
        "document.getElementById('active-version').textContent.startsWith('Active: version 2,')",
    )
    .await;
    let history = admin_get(&server, &tokens.admin, "/policy/history").await;
    assert_eq!(history["active"]["version"], 2, "{history}");
    assert_eq!(history["versions"][1]["note"], "Cy joins the main pool");

    // The diff of version 1 against the active one names the change.
    b.click("tr[data-version='1'] button.secondary").await;
    let diff = b
        .wait("the diff", "document.getElementById('diff').innerText")
        .await;
    assert!(diff.as_str().unwrap().contains("~ main: members"), "{diff}");
    b.screenshot(&shots.join("10-policy-diff.png")).await;

    // Roll back to version 1.
    b.click("button[data-action='rollback'][data-version='1']")
        .await;
    notice(&b, "the rollback", "Version 1 is active again").await;
    b.wait(
        "version 1 active",
        "document.getElementById('active-version').textContent.startsWith('Active: version 1,')",
    )
    .await;
    let history = admin_get(&server, &tokens.admin, "/policy/history").await;
    assert_eq!(history["active"]["version"], 1, "{history}");
    only_documented_requests(&b, &url, &[]).await;

    // Outcomes: per pool, each rep's win rate with its interval, overall and by segment.
    open(&b, &url, "outcomes", "outcomes").await;
    for (row, expected) in [
        (
            "section[data-pool='main'] tr[data-rep='ana']",
            ["ana", "5", "4", "80 %"],
        ),
        (
            "section[data-pool='main'] tr[data-rep='bo']",
            ["bo", "3", "1", "33 %"],
        ),
        (
            "section[data-pool='spare'] tr[data-rep='cy']",
            ["cy", "0", "0", "—"],
        ),
    ] {
        let got = cells(&b, &format!("the outcomes of {row}"), row).await;
        assert_eq!(
            got.as_array().unwrap()[..4],
            serde_json::json!(expected).as_array().unwrap()[..],
            "{row}"
        );
    }
    // Ana's estimate and interval as the API answers them, which is how routing computes
    // them (shared/admin's outcome_estimates tests hold the two together, and
    // shared/routing's fit tests check the formula): the page shows those numbers.
    let outcomes = admin_get(&server, &tokens.admin, "/outcomes").await;
    let estimate = outcomes["pools"]
        .as_array()
        .and_then(|pools| pools.iter().find(|p| p["pool"] == "main"))
        .and_then(|main| main["segments"][0]["reps"].as_array())
        .and_then(|reps| reps.iter().find(|r| r["rep"] == "ana"))
        .cloned()
        .unwrap_or_else(|| panic!("ana's overall estimate in {outcomes}"));
    let pct = |x: &Value| format!("{:.0} %", x.as_f64().expect("a rate") * 100.0);
    let ana = cells(
        &b,
        "ana's estimate",
        "section[data-pool='main'] tr[data-rep='ana']",
    )
    .await;
    assert_eq!(
        (ana[4].as_str(), ana[5].as_str()),
        (
            Some(pct(&estimate["mean"]).as_str()),
            Some(format!("{} – {}", pct(&estimate["low"]), pct(&estimate["high"])).as_str())
        ),
        "{ana} against {estimate}"
    );
    // The estimate rests on the record: it lies between ana's own 80 % and the pool's.
    let mean = estimate["mean"].as_f64().unwrap();
    assert!((0.5..0.8).contains(&mean), "{estimate}");
    let marks = b
        .run("return [...document.querySelectorAll('svg.rates')].map(s => s.querySelectorAll('circle.estimate').length)")
        .await;
    assert_eq!(
        marks,
        serde_json::json!([2, 0]),
        "a mark per rep with closes, per pool"
    );
    b.screenshot(&shots.join("11-outcomes.png")).await;
    // One segment: the US leads only.
    b.click("#outcome-segment option[value='country=us']").await;
    b.wait(
        "the US segment",
        "document.getElementById('outcomes-main') && document.getElementById('outcomes-main').textContent.endsWith(' in country=us')",
    )
    .await;
    let ana_us = cells(
        &b,
        "ana in the US",
        "section[data-pool='main'] tr[data-rep='ana']",
    )
    .await;
    assert_eq!(
        ana_us.as_array().unwrap()[..4],
        serde_json::json!(["ana", "4", "3", "75 %"])
            .as_array()
            .unwrap()[..]
    );

    // Shadow: version 2 (Cy in the main pool) decides beside the active version 1.
    open(&b, &url, "shadow", "shadow").await;
    let status = b
        .run("return document.getElementById('shadow-status').textContent")
        .await;
    assert!(
        status.as_str().unwrap().starts_with("No shadow runs"),
        "{status}"
    );
    b.click("#shadow-version option[value='2']").await;
    b.type_into("#shadow-note", "Cy in the main pool").await;
    b.click("#shadow-start").await;
    notice(
        &b,
        "the shadow started",
        "Version 2 now shadows the active version 1",
    )
    .await;
    let setting = admin_get(&server, &tokens.admin, "/policy/shadow").await;
    assert_eq!(setting["shadow"]["version"], 2, "{setting}");
    assert_eq!(
        setting["shadow"]["note"], "Cy in the main pool",
        "{setting}"
    );
    // Two more leads: Ana is at her cap and Bo away, so the active policy parks them; the
    // shadow would give them to Cy.
    for (email, country) in [
        ("kim@umbrella-works.com", "US"),
        ("raj@globex-data.com", "IN"),
    ] {
        let (status, answer) = server.post_lead(&lead(email, country), None).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        server.routed(&lead_id(&answer)).await;
    }
    open(&b, &url, "shadow?since=24h", "shadow").await;
    b.wait_all(&[
        ("two leads decided by both", "document.getElementById('shadow-leads').textContent === '2'"),
        ("no agreement", "document.getElementById('shadow-agreement').textContent === '0 %'"),
        ("a bar pair per rep", "document.querySelectorAll('svg.pairs rect.shadow').length === document.querySelectorAll('#shadow-report tr[data-rep]').length"),
    ])
    .await;
    let cy = cells(
        &b,
        "cy's row of the report",
        "#shadow-report tr[data-rep='cy']",
    )
    .await;
    assert_eq!(cy, serde_json::json!(["cy", "0", "2", "+2"]));
    let report = admin_get(&server, &tokens.admin, "/policy/shadow/report?since=24h").await;
    assert_eq!(
        (report["leads"].as_u64(), report["agreed"].as_u64()),
        (Some(2), Some(0)),
        "{report}"
    );
    b.screenshot(&shots.join("12-shadow.png")).await;
    b.click("#shadow-stop").await;
    notice(&b, "the shadow stopped", "The shadow is stopped").await;
    let setting = admin_get(&server, &tokens.admin, "/policy/shadow").await;
    assert!(setting["shadow"].is_null(), "{setting}");
    only_documented_requests(&b, &url, &[]).await;

    // The first lead's rep recycles it (the admin token acts for the rep): its timeline
    // shows the recycle after the decision, with the reason, the note and what followed.
    let (status, answer) = server
        .call(
            Method::POST,
            &format!("/v1/leads/{}/recycle", ids[0]),
            &[
                ("authorization", &format!("Bearer {}", tokens.admin)),
                ("content-type", "application/json"),
            ],
            Bytes::from(
                serde_json::json!({ "rep": first_rep, "reason": "other", "note": "a test entry" })
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    open(&b, &url, &format!("lead/{}", ids[0]), "lead").await;
    let timeline = b
        .wait(
            "the recycle in the timeline",
            "(t => t.includes('Recycled by') && t)(document.getElementById('timeline').innerText)",
        )
        .await;
    let timeline = timeline.as_str().unwrap();
    let recycled = format!("Recycled by {first_rep}: other — a test entry; closed");
    assert!(timeline.contains(&recycled), "{timeline}");
    assert!(
        timeline.find("rule everyone") < timeline.find("Recycled by"),
        "the decision comes first:\n{timeline}"
    );

    // A viewer sees every view, and every change control is disabled.
    b.click("#signout").await;
    sign_in(&b, &url, &tokens.viewer, "viewer").await;
    for (hash, view) in [
        ("outcomes", "outcomes"),
        ("shadow", "shadow"),
        ("triage", "triage"),
        ("reps", "reps"),
        ("policy", "policy"),
    ] {
        open(&b, &url, hash, view).await;
        let controls = b
            .run("return [document.querySelectorAll('[data-change]').length, document.querySelectorAll('[data-change]:not(:disabled)').length]")
            .await;
        assert!(
            controls[0].as_u64().unwrap() > 0,
            "{view}: no change controls found"
        );
        assert_eq!(
            controls[1], 0,
            "{view}: a change control is usable by a viewer"
        );
    }
    // Checking a draft stores nothing, so a viewer may.
    set_draft(&b, INVALID).await;
    b.click("#validate").await;
    b.find("#issues li.bad").await;
    // So is replaying leads through a draft.
    set_draft(&b, NEXT).await;
    b.click("#whatif-run").await;
    b.find("#whatif tr[data-rep='cy']").await;
    b.screenshot(&shots.join("13-viewer-policy.png")).await;

    // A control forced open still meets the API's refusal, shown as such.
    open(&b, &url, "reps", "reps").await;
    b.run("document.querySelector(\"tr[data-rep='ana'] button[data-action='away']\").disabled = false; return true;")
        .await;
    b.click("tr[data-rep='ana'] button[data-action='away']")
        .await;
    let refused = notice(&b, "the 403", "Not allowed (403)").await;
    assert!(refused.contains("needs an admin"), "{refused}");
    b.screenshot(&shots.join("14-viewer-refused.png")).await;
    let ana = admin_get(&server, &tokens.admin, "/reps/ana").await;
    assert!(ana["away"].is_null(), "a viewer took ana away: {ana}");
    only_documented_requests(&b, &url, &[]).await;

    b.close().await;
    println!("console screenshots: {}", shots.display());
    server.stop();
}

/// 500 reps in 10 pools, 50 rules: one rule per country code, two pools each.
fn large_policy() -> String {
    let mut yaml = String::from("name: console-scale\ntriage_pool: triage\nreps:\n");
    for r in 0..500 {
        yaml.push_str(&format!(
            "  - {{ id: rep-{r:03}, name: Rep {r}, caps: {{ max_open: 20, max_per_day: 40 }} }}\n"
        ));
    }
    yaml.push_str("pools:\n");
    for p in 0..10 {
        let members: Vec<String> = (0..50).map(|i| format!("rep-{:03}", p * 50 + i)).collect();
        yaml.push_str(&format!(
            "  - {{ id: pool-{p}, strategy: round_robin, members: [{}] }}\n",
            members.join(", ")
        ));
    }
    yaml.push_str("rules:\n");
    for r in 0..49 {
        let country = format!(
            "{}{}",
            (b'A' + (r / 26) as u8) as char,
            (b'A' + (r % 26) as u8) as char
        );
        yaml.push_str(&format!(
            "  - {{ id: rule-{r:02}, when: {{ field: country, eq: {country} }}, pool: pool-{}, fallbacks: [pool-{}] }}\n",
            r % 10,
            (r + 1) % 10
        ));
    }
    yaml.push_str("  - { id: rest, pool: pool-0 }\n");
    yaml
}

/// A laptop-sized team: the reps view lists all 500 reps with their bars and filters them,
/// the policy view loads the 50-rule document into the editor and checks it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_stays_usable_with_500_reps_and_50_rules() {
    let Some(driver) = Driver::start("console-scale") else {
        return;
    };
    let dir = scratch("console-scale");
    let data = dir.join("data");
    apply_policy(&dir, &data, &large_policy());
    let config = intake_config(&dir);
    let server = Server::start(&data, &["--intake-config", path_str(&config), "--no-demo"]);
    let url = server.url.clone();
    let tokens = tokens(&data);
    let b = driver.browser(&dir.join("chromium-profile")).await;
    sign_in(&b, &url, &tokens.admin, "admin").await;

    open(&b, &url, "reps", "reps").await;
    b.wait(
        "a row per rep",
        "document.querySelectorAll('tr[data-rep]').length === 500",
    )
    .await;
    b.screenshot(&shots().join("15-reps-500.png")).await;
    // Typing filters the long list down to one pool's fifty.
    b.type_into("#rep-filter", "pool-3").await;
    b.wait(
        "one pool's reps",
        "[...document.querySelectorAll('tr[data-rep]')].filter(tr => !tr.hidden).length === 50",
    )
    .await;

    open(&b, &url, "policy", "policy").await;
    b.wait(
        "the 50 rules in the editor",
        "(document.getElementById('draft').value.match(/rule-\\d\\d|\"rest\"/g) || []).length >= 50",
    )
    .await;
    b.click("#validate").await;
    notice(&b, "the check of the large draft", "The draft is valid").await;
    b.close().await;
    server.stop();
}

/// Signing in through a user pool: `serve` takes the pool's tokens (`--admin-jwt-*`) and
/// names it to the console (`--console-sign-in-domain`); the page runs the authorization
/// code flow with PKCE against a fake pool with Cognito's endpoints and sends the ID token
/// it gets as its Bearer token. The role comes from the person's group; signing out ends
/// the pool's session; a pasted token still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_signs_in_through_the_user_pool() {
    let Some(driver) = Driver::start("console-sign-in") else {
        return;
    };
    let dir = scratch("console-sign-in");
    let data = dir.join("data");
    apply_policy(&dir, &data, POLICY);
    let pool = FakePool::start().await;
    let jwks = dir.join("jwks.json");
    std::fs::write(&jwks, pool.jwks().to_string()).unwrap();
    let config = intake_config(&dir);
    let server = Server::start(
        &data,
        &[
            "--intake-config",
            path_str(&config),
            "--no-demo",
            "--admin-jwt-issuer",
            pool.url(),
            "--admin-jwt-audience",
            CLIENT_ID,
            "--admin-jwt-jwks",
            path_str(&jwks),
            "--console-sign-in-domain",
            pool.url(),
            "--console-client-id",
            CLIENT_ID,
        ],
    );
    let url = server.url.clone();
    pool.set_callback(&format!("{url}/console"));
    let tokens = tokens(&data);

    // The API takes the pool's tokens as API Gateway's authorizer would, and nothing else.
    let me = |token: String| {
        let server = &server;
        async move {
            let auth = format!("Bearer {token}");
            server
                .call(
                    Method::GET,
                    "/v1/admin/me",
                    &[("authorization", &auth)],
                    Bytes::new(),
                )
                .await
        }
    };
    let (status, who) = me(pool.id_token("vic.viewer@example.com", "switchboard-viewer")).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    assert_eq!(
        who,
        serde_json::json!({ "id": "vic.viewer@example.com", "role": "viewer" })
    );
    let now = jiff::Timestamp::now().as_second();
    let claims = |extra: Value| {
        let mut c = serde_json::json!({
            "iss": pool.url(), "aud": CLIENT_ID, "token_use": "id",
            "email": "eve@example.com", "cognito:groups": ["switchboard-admin"], "exp": now + 600,
        });
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        c
    };
    let good = pool.sign(&claims(serde_json::json!({})));
    assert_eq!(me(good.clone()).await.0, StatusCode::OK);
    let mut tampered = good.clone();
    // Another payload under the same signature.
    let parts: Vec<&str> = good.split('.').collect();
    let other = pool.sign(&claims(
        serde_json::json!({ "email": "mallory@example.com" }),
    ));
    tampered = tampered.replace(parts[1], other.split('.').nth(1).unwrap());
    for (what, token) in [
        ("a tampered payload", tampered),
        (
            "an expired token",
            pool.sign(&claims(serde_json::json!({ "exp": now - 1 }))),
        ),
        (
            "another audience",
            pool.sign(&claims(serde_json::json!({ "aud": "someone-else" }))),
        ),
        (
            "another issuer",
            pool.sign(&claims(
                serde_json::json!({ "iss": "https://evil.example" }),
            )),
        ),
        (
            "no group",
            pool.sign(&claims(serde_json::json!({ "cognito:groups": ["sales"] }))),
        ),
    ] {
        let (status, answer) = me(token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {answer}");
    }
    assert_eq!(
        me(tokens.admin.clone()).await.0,
        StatusCode::OK,
        "the admin token still works"
    );

    let shots = shots();
    let b = driver.browser(&dir.join("chromium-profile")).await;
    // A link to a view: the sign-in page offers the pool, and the pool sends the person back
    // to that view.
    b.goto(&format!("{url}/console#/reps")).await;
    b.find("#signin-pool").await;
    b.screenshot(&shots.join("16-sign-in-pool.png")).await;
    b.click("#signin-pool").await;
    b.find("#pool-submit").await;
    b.click("#username option[value='ana.admin@example.com']")
        .await;
    b.click("#pool-submit").await;
    let role = b
        .wait(
            "the role",
            "document.getElementById('role') && document.getElementById('role').textContent",
        )
        .await;
    assert_eq!(role, "admin");
    b.wait(
        "the reps view",
        "document.querySelector('main').dataset.view === 'reps'",
    )
    .await;
    let (authorized, exchanged, refused, _) = pool.log();
    assert_eq!(
        authorized,
        [format!("{url}/console")],
        "the callback asked for"
    );
    assert_eq!((exchanged, refused.len()), (1, 0), "{refused:?}");
    let address = b
        .run("return location.search + '|' + document.getElementById('who').textContent")
        .await;
    assert_eq!(
        address, "|Signed in as ana.admin@example.com · admin",
        "the code left the address"
    );
    // A change made with the pool's token is the person's in the audit log.
    b.click("tr[data-rep='cy'] button[data-action='away']")
        .await;
    notice(&b, "cy away", "cy is away").await;
    let audit = admin_get(&server, &tokens.admin, "/audit?since=1h").await;
    assert_eq!(audit["entries"][0]["action"], "rep.away", "{audit}");
    assert_eq!(
        audit["entries"][0]["actor"], "ana.admin@example.com",
        "{audit}"
    );
    b.screenshot(&shots.join("17-signed-in-through-the-pool.png"))
        .await;
    only_documented_requests(&b, &url, &[&format!("{}/oauth2/token", pool.url())]).await;

    // An answer that belongs to no sign-in of this tab is refused, and nothing is exchanged.
    b.click("#signout").await;
    b.wait(
        "signed out of the pool too",
        "document.querySelector('main').dataset.view === 'signin'",
    )
    .await;
    assert_eq!(pool.log().3, 1, "the pool's session ended");
    b.goto(&format!("{url}/console?code=forged&state=forged"))
        .await;
    notice(
        &b,
        "the forged answer",
        "does not belong to a sign-in started in this tab",
    )
    .await;
    assert_eq!(pool.log().1, 1, "no second exchange");

    // A viewer through the pool: every change control disabled.
    b.click("#signin-pool").await;
    b.find("#pool-submit").await;
    b.click("#username option[value='vic.viewer@example.com']")
        .await;
    b.click("#pool-submit").await;
    let role = b
        .wait(
            "the role",
            "document.getElementById('role') && document.getElementById('role').textContent",
        )
        .await;
    assert_eq!(role, "viewer");
    open(&b, &url, "reps", "reps").await;
    let usable = b
        .run("return document.querySelectorAll('[data-change]:not(:disabled)').length")
        .await;
    assert_eq!(usable, 0, "a change control is usable by a viewer");

    // The pasted token is still there beside the pool.
    b.click("#signout").await;
    b.find("#signin-pool").await;
    b.type_into("#token", &tokens.admin).await;
    b.click("#signin").await;
    let role = b
        .wait(
            "the role",
            "document.getElementById('role') && document.getElementById('role').textContent",
        )
        .await;
    assert_eq!(role, "admin");
    b.close().await;
    server.stop();
}
