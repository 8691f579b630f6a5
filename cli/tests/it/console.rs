//! The admin console in a real browser (headless Chromium through chromedriver, see
//! `webdriver.rs`) against a real `switchboard serve`: an admin signs in, finds a lead and
//! reads why it went where it did, assigns a parked lead, takes a rep away, sees an invalid
//! draft's error at its line, applies a valid draft and rolls it back; a viewer then finds
//! every change control disabled, and the API's 403 shown when one is forced. Every step
//! is checked in the page and, for changes, through the API as well.
//!
//! Screenshots of each view go to `<target>/tmp/console-screenshots/` (printed at the
//! end); docs/CONSOLE.md shows a few of them.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::Value;

use super::common::{apply_policy, path_str, scratch};
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

/// Every request the page made went to the console's own files or to a route of the
/// documented admin API.
async fn only_documented_requests(b: &Browser, url: &str) {
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
    only_documented_requests(&b, &url).await;

    // A viewer sees every view, and every change control is disabled.
    b.click("#signout").await;
    sign_in(&b, &url, &tokens.viewer, "viewer").await;
    for (hash, view) in [("triage", "triage"), ("reps", "reps"), ("policy", "policy")] {
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
    b.screenshot(&shots.join("11-viewer-policy.png")).await;

    // A control forced open still meets the API's refusal, shown as such.
    open(&b, &url, "reps", "reps").await;
    b.run("document.querySelector(\"tr[data-rep='ana'] button[data-action='away']\").disabled = false; return true;")
        .await;
    b.click("tr[data-rep='ana'] button[data-action='away']")
        .await;
    let refused = notice(&b, "the 403", "Not allowed (403)").await;
    assert!(refused.contains("needs an admin"), "{refused}");
    b.screenshot(&shots.join("12-viewer-refused.png")).await;
    let ana = admin_get(&server, &tokens.admin, "/reps/ana").await;
    assert!(ana["away"].is_null(), "a viewer took ana away: {ana}");
    only_documented_requests(&b, &url).await;

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
    b.screenshot(&shots().join("13-reps-500.png")).await;
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
