//! `switchboard lead import` against `switchboard serve`: a generated 1,000-row event list
//! with repeated rows, same-address rows and bad rows, imported twice. The first run
//! creates exactly the good rows and routes each; the second creates nothing.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::common::{path_str, run, scratch};
use crate::server::{Server, intake_config};

const ROWS: usize = 1000;

const DESK_POLICY: &str = "\
name: desk
triage_pool: triage
reps:
  - { id: desk-1, name: Desk, time_zone: UTC }
pools:
  - { id: desk, strategy: round_robin, members: [desk-1] }
rules:
  - { id: default, pool: desk }
";

/// What the generated file holds, by row number (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Good,
    /// The row before it again, to the byte.
    Repeat,
    /// The row before it's address with another name: the same-email dedupe's.
    SameAddress,
    BadEmail,
    NoContact,
}

fn kind(row: usize) -> Kind {
    match (row % 50, row % 25) {
        (7, _) => Kind::BadEmail,
        (23, _) => Kind::NoContact,
        (41, _) => Kind::SameAddress,
        (_, 11) => Kind::Repeat,
        _ => Kind::Good,
    }
}

/// The event list as a CSV, and the rows a correct import refuses.
fn event_csv() -> (String, Vec<usize>) {
    let mut csv = String::from("email,first_name,last_name,company,country,phone,booth\n");
    let mut refused = Vec::new();
    let good = |row: usize| {
        format!(
            "visitor{row}@firm{}.example,Vi{row},Sitor,Firm {} GmbH,Germany,,B{}\n",
            row % 97,
            row % 97,
            row % 12
        )
    };
    for row in 1..=ROWS {
        let line = match kind(row) {
            Kind::Good => good(row),
            Kind::Repeat => good(row - 1),
            Kind::SameAddress => format!(
                "visitor{}@firm{}.example,Other,Person,,DE,,\n",
                row - 1,
                (row - 1) % 97
            ),
            Kind::BadEmail => {
                refused.push(row);
                format!("visitor{row}-at-nowhere,Bad,Address,,DE,,\n")
            }
            Kind::NoContact => {
                refused.push(row);
                format!(",No,Contact,Quiet Ltd,GB,,B{row}\n")
            }
        };
        csv.push_str(&line);
    }
    (csv, refused)
}

fn import(file: &Path, data: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "leads",
        "import",
        path_str(file),
        "--source",
        "expo-2026",
        "--data-dir",
        path_str(data),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_list_is_imported_once_and_routed() {
    let dir = scratch("lead-import");
    let data = dir.join("data");
    let config = intake_config(&dir);
    let server = Server::start(&data, &["--intake-config", path_str(&config)]);
    let (csv, refused_rows) = event_csv();
    let file = dir.join("expo.csv");
    std::fs::write(&file, &csv).unwrap();
    let count = |k: Kind| (1..=ROWS).filter(|&r| kind(r) == k).count();
    let (repeats, same, refused) = (
        count(Kind::Repeat),
        count(Kind::SameAddress),
        refused_rows.len(),
    );
    assert_eq!((repeats, same, refused), (40, 20, 40));
    let created = ROWS - repeats - same - refused;

    // First run, one JSON answer per chunk of 200.
    let out = import(&file, &data, &["--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "refused rows fail the run: {stderr}"
    );
    let answers: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line per chunk"))
        .collect();
    assert_eq!(answers.len(), 5, "chunks of 200 rows");
    let total = |field: &str| -> u64 { answers.iter().map(|a| a[field].as_u64().unwrap()).sum() };
    assert_eq!(
        (total("created"), total("duplicates"), total("refused")),
        (created as u64, (repeats + same) as u64, refused as u64)
    );
    let results: Vec<&Value> = answers
        .iter()
        .flat_map(|a| a["results"].as_array().unwrap())
        .collect();
    assert_eq!(results.len(), ROWS);
    let mut created_ids = Vec::new();
    for (i, result) in results.iter().enumerate() {
        let row = i + 1;
        assert_eq!(result["row"], row, "rows keep their file numbers: {result}");
        let expected = match kind(row) {
            Kind::Good => "created",
            Kind::Repeat | Kind::SameAddress => "duplicate",
            Kind::BadEmail | Kind::NoContact => "refused",
        };
        assert_eq!(result["result"], expected, "row {row}: {result}");
        match kind(row) {
            Kind::Good => created_ids.push(result["lead_id"].as_str().unwrap().to_owned()),
            // Both point at the row before's lead.
            Kind::Repeat | Kind::SameAddress => {
                assert_eq!(result["lead_id"], results[i - 1]["lead_id"], "row {row}")
            }
            Kind::BadEmail => assert_eq!(result["problems"][0]["field"], "email"),
            Kind::NoContact => {
                assert_eq!(result["problems"].as_array().unwrap().len(), 2, "{result}")
            }
        }
    }

    // Every created lead is routed: its decision is stored.
    for id in &created_ids {
        let view = server.routed(id).await;
        assert!(
            ["assigned", "parked"].contains(&view["status"].as_str().unwrap()),
            "{view}"
        );
        assert_eq!(view["decisions"].as_array().unwrap().len(), 1, "{view}");
    }

    // Second run, as text: nothing new, the same refusals listed at the end.
    let out = import(&file, &data, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut expected = String::new();
    for sent in (200..=ROWS).step_by(200) {
        let upto = |k: &[Kind]| (1..=sent).filter(|&r| k.contains(&kind(r))).count();
        let dups = upto(&[Kind::Good, Kind::Repeat, Kind::SameAddress]);
        let bad = upto(&[Kind::BadEmail, Kind::NoContact]);
        writeln!(
            expected,
            "{sent}/{ROWS} rows sent: 0 created, {dups} duplicate(s), {bad} refused"
        )
        .unwrap();
    }
    let progress: String = stdout.lines().take(5).map(|l| format!("{l}\n")).collect();
    assert_eq!(progress, expected, "{stdout}");
    let listed: Vec<usize> = stdout
        .lines()
        .skip(5)
        .map(|l| {
            let rest = l.strip_prefix("row ").expect("a refused row");
            rest.split_whitespace().next().unwrap().parse().unwrap()
        })
        .collect();
    assert_eq!(listed, refused_rows, "{stdout}");
    assert!(
        stdout.contains(&format!("row {} refused: email:", refused_rows[0])),
        "{stdout}"
    );
    server.stop();
}

#[test]
fn without_a_server_the_import_says_it_needs_one() {
    // Imported leads are routed at once; the routing queue lives in the server's process.
    let dir = scratch("lead-import-direct");
    let data = dir.join("data");
    crate::common::apply_policy(&dir, &data, DESK_POLICY);
    let file = dir.join("few.jsonl");
    std::fs::write(&file, "{\"email\":\"a@one.example\",\"country\":\"FR\"}\n").unwrap();
    let out = import(&file, &data, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("switchboard serve"), "{stderr}");
    assert!(out.stdout.is_empty());
    // Nothing was stored: a server started now finds no leads.
    assert!(crate::server::stored_lead_ids(&data).is_empty());
}
