//! Reps' close outcomes, which `best_fit` pools route on (docs/OUTCOMES.md, "Recording
//! outcomes"): shown per rep overall and by segment (`GET /outcomes`), recounted from the
//! stored closes (`POST /outcomes/rebuild`), and a team's earlier history imported
//! (`POST /outcomes/import`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use switchboard_routing::condition::MatchContext;
use switchboard_routing::fit::{RepOutcomes, Tally};
use switchboard_routing::{CompiledPolicy, Lead, RepId, Scalar};
use switchboard_store::{CloseOutcome, OutcomeRecord, OutcomeStore, PolicyStore, Recounted};

use crate::error::AdminError;
use crate::outcome_estimates::{PoolEstimates, pool_estimates};
use crate::reps::active;

/// Most rows one import request may carry; the CLI sends a file in one request up to
/// this, and refuses a longer one.
pub const MAX_OUTCOME_ROWS: usize = 50_000;

/// Closes and wins, and the win rate they give.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Closes {
    pub closes: u32,
    pub won: u32,
    /// `won / closes`; absent without closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub win_rate: Option<f64>,
}

impl From<Tally> for Closes {
    fn from(t: Tally) -> Closes {
        Closes {
            closes: t.closes(),
            won: t.won,
            win_rate: (t.closes() > 0).then(|| t.won as f64 / t.closes() as f64),
        }
    }
}

/// One segment of a rep's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SegmentCloses {
    /// The segment key (`industry=saas|country=de`).
    pub segment: String,
    #[serde(flatten)]
    pub closes: Closes,
}

/// One rep's outcomes: what routing reads (recorded and imported together), overall and
/// by segment, and the two parts' overall figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RepOutcomesView {
    pub rep: RepId,
    #[serde(flatten)]
    pub overall: Closes,
    /// Closes recorded by Switchboard, and history imported from a file.
    pub recorded: Closes,
    pub imported: Closes,
    /// By segment, most closes first.
    pub segments: Vec<SegmentCloses>,
}

impl RepOutcomesView {
    pub fn new(rep: RepId, record: &OutcomeRecord) -> RepOutcomesView {
        let total = record.total();
        let mut segments: Vec<SegmentCloses> = total
            .segments
            .iter()
            .map(|(segment, t)| SegmentCloses {
                segment: segment.clone(),
                closes: Closes::from(*t),
            })
            .collect();
        segments.sort_by(|a, b| {
            b.closes
                .closes
                .cmp(&a.closes.closes)
                .then_with(|| a.segment.cmp(&b.segment))
        });
        RepOutcomesView {
            rep,
            overall: total.overall.into(),
            recorded: record.recorded.overall.into(),
            imported: record.imported.overall.into(),
            segments,
        }
    }
}

/// `GET /outcomes`: the reps of the active policy (or one rep).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OutcomesView {
    /// The active policy's version, whose `outcomes.segment` fields make the segments.
    pub policy_version: u64,
    pub segment_fields: Vec<String>,
    pub reps: Vec<RepOutcomesView>,
    /// Per pool of the active policy, each member's win-rate estimate with its interval as
    /// routing computes it, overall and per segment; absent when one rep was asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pools: Vec<PoolEstimates>,
}

/// The outcomes of every rep of the active policy, or of `rep` alone (which need not be
/// in the policy: a rep that left keeps its record).
pub async fn show<S: PolicyStore + OutcomeStore>(
    store: &S,
    rep: Option<&str>,
) -> Result<OutcomesView, AdminError> {
    let policy = active(store).await?;
    let reps: Vec<RepId> = match rep {
        Some(r) => vec![RepId::from(r)],
        None => policy.reps().iter().map(|r| r.id.clone()).collect(),
    };
    let records = store.rep_outcomes(&reps).await?;
    let pools = match rep {
        Some(_) => Vec::new(),
        None => {
            let totals = reps
                .iter()
                .zip(records.iter())
                .map(|(rep, record)| (rep.clone(), record.total()))
                .collect();
            pool_estimates(&policy, &totals)
        }
    };
    Ok(OutcomesView {
        policy_version: policy.version(),
        segment_fields: segment_fields(&policy),
        reps: reps
            .into_iter()
            .zip(records.iter())
            .map(|(rep, record)| RepOutcomesView::new(rep, record))
            .collect(),
        pools,
    })
}

fn segment_fields(policy: &CompiledPolicy) -> Vec<String> {
    policy
        .document()
        .outcomes
        .as_ref()
        .map(|o| o.segment.clone())
        .unwrap_or_default()
}

/// `POST /outcomes/rebuild`: every rep's recorded outcomes recounted from the stored
/// closes.
pub async fn rebuild<S: OutcomeStore>(store: &S) -> Result<Recounted, AdminError> {
    Ok(store.recount_outcomes().await?)
}

/// `POST /outcomes/import`'s body: one object per closed lead, with `rep`, `outcome`
/// (`won`, `lost` or `unqualified`) and the lead's fields (`industry`, `country`, ...)
/// the segment is made of.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OutcomesImport {
    pub rows: Vec<Map<String, Value>>,
}

/// A row that was not counted, and why (`row` counts from 1, as the file's data rows do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RowRefused {
    pub row: usize,
    pub problem: String,
}

/// What an import did. It replaces every rep's imported history with the file's, so
/// importing the same file again gives the same records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OutcomesImported {
    pub rows: usize,
    /// Won and lost rows counted.
    pub closes: usize,
    /// Unqualified rows: read, not a close of the rep's.
    pub unqualified: usize,
    /// Reps of the active policy whose imported history was written.
    pub reps: usize,
    pub refused: Vec<RowRefused>,
}

/// A row's fields as a lead's: `email`, `country`, `company`, `source` and the names, and
/// every other field as an attribute (a number where the text is one); normalized after
/// as intake normalizes (`Deutschland` is `DE`).
fn lead_of(fields: &Map<String, Value>) -> Lead {
    let mut lead = Lead::default();
    for (name, value) in fields {
        let text = match value {
            Value::String(s) => s.trim().to_owned(),
            Value::Null => continue,
            other => other.to_string(),
        };
        if text.is_empty() {
            continue;
        }
        match name.to_ascii_lowercase().as_str() {
            "rep" | "outcome" => {}
            "email" => lead = lead.with_email(&text),
            "country" => lead = lead.with_country(&text),
            "company" => lead = lead.with_company(&text),
            "source" => lead.source = Some(text),
            "first_name" => lead.first_name = Some(text),
            "last_name" => lead.last_name = Some(text),
            _ => {
                let scalar = match value {
                    Value::Number(n) => n.as_f64().map_or(Scalar::Text(text), Scalar::Number),
                    Value::Bool(b) => Scalar::Bool(*b),
                    _ => match text.parse::<f64>() {
                        Ok(n) if looks_numeric(&text) => Scalar::Number(n),
                        _ => Scalar::Text(text),
                    },
                };
                lead.attributes.insert(name.clone(), scalar);
            }
        }
    }
    lead
}

/// Plain decimal numbers (`1200`, `-3`, `4.5`) as the CSV files of the other commands
/// read them; leading zeros and exponents stay text (zip codes, ids).
fn looks_numeric(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || (int.len() > 1 && int.starts_with('0')) {
        return false;
    }
    frac.is_none_or(digits)
}

fn field<'a>(row: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    row.get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The imported history per rep of `rows` under `policy`, and the rows refused.
pub fn tally_rows(
    policy: &CompiledPolicy,
    rows: &[Map<String, Value>],
) -> (BTreeMap<RepId, RepOutcomes>, OutcomesImported) {
    let mut per_rep: BTreeMap<RepId, RepOutcomes> = BTreeMap::new();
    let mut done = OutcomesImported {
        rows: rows.len(),
        closes: 0,
        unqualified: 0,
        reps: 0,
        refused: Vec::new(),
    };
    for (i, row) in rows.iter().enumerate() {
        let refuse = |problem: String| RowRefused {
            row: i + 1,
            problem,
        };
        let Some(rep) = field(row, "rep") else {
            done.refused.push(refuse("no rep".into()));
            continue;
        };
        if policy.rep_index(rep).is_none() {
            done.refused
                .push(refuse(format!("rep {rep} is not in the active policy")));
            continue;
        }
        let outcome = match field(row, "outcome") {
            None => {
                done.refused.push(refuse("no outcome".into()));
                continue;
            }
            Some(o) => match CloseOutcome::parse(&o.to_ascii_lowercase()) {
                Some(o) => o,
                None => {
                    done.refused.push(refuse(format!(
                        "outcome {o:?} is not won, lost or unqualified"
                    )));
                    continue;
                }
            },
        };
        let Some(won) = switchboard_store::counts_as_won(outcome) else {
            done.unqualified += 1;
            continue;
        };
        // Segmented as the live leads were: their fields as intake stored them.
        let mut lead = lead_of(row);
        switchboard_simulation::normalize_leads(std::iter::once(&mut lead));
        let score = policy.score(&lead, None);
        let segment = policy.outcome_segment(&MatchContext {
            lead: &lead,
            account: None,
            score: score.as_ref(),
        });
        per_rep
            .entry(RepId::from(rep))
            .or_default()
            .record(segment.as_deref(), won);
        done.closes += 1;
    }
    (per_rep, done)
}

/// Imports `request`'s rows as the reps' imported history under the active policy's
/// segments: every rep of the policy gets the file's history (none when the file has no
/// row of theirs). Rows naming an unknown rep or outcome are refused, one by one.
pub async fn import<S: PolicyStore + OutcomeStore>(
    store: &S,
    request: &OutcomesImport,
) -> Result<OutcomesImported, AdminError> {
    if request.rows.len() > MAX_OUTCOME_ROWS {
        return Err(AdminError::invalid_field(
            "rows",
            format!(
                "{} rows; at most {MAX_OUTCOME_ROWS} in one import",
                request.rows.len()
            ),
        ));
    }
    let policy = active(store).await?;
    let (mut per_rep, mut done) = tally_rows(&policy, &request.rows);
    for rep in policy.reps() {
        let history = per_rep.remove(&rep.id).unwrap_or_default();
        store.set_imported_outcomes(&rep.id, &history).await?;
        if !history.is_empty() {
            done.reps += 1;
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "
name: fit
triage_pool: triage
outcomes: { segment: [industry, country, employees] }
reps: [ { id: ana }, { id: bo } ]
pools:
  - { id: main, strategy: best_fit, members: [ana, bo] }
rules: [ { id: all, pool: main } ]
";

    fn row(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect()
    }

    /// What becomes of an imported row.
    #[derive(Debug, Clone, Copy)]
    enum Want {
        /// Counted under this segment.
        Counted(&'static str),
        Unqualified,
        /// Refused for this problem.
        Refused(&'static str),
    }

    #[test]
    fn rows_count_under_the_policy_segment_or_are_refused() {
        let doc = switchboard_routing::PolicyDocument::from_yaml(POLICY).unwrap();
        let policy = CompiledPolicy::compile(doc, 1).unwrap();
        // (row, what becomes of it)
        let cases: [(&[(&str, &str)], Want); 9] = [
            (
                &[
                    ("rep", "ana"),
                    ("outcome", "won"),
                    ("industry", " SaaS "),
                    ("country", "de"),
                    ("employees", "50"),
                ],
                Want::Counted("industry=saas|country=de|employees=50"),
            ),
            (
                // A country's name, as a CRM export writes it: the live leads' `de`.
                &[
                    ("rep", "ana"),
                    ("outcome", "won"),
                    ("industry", "SaaS"),
                    ("country", "Deutschland"),
                    ("employees", "50"),
                ],
                Want::Counted("industry=saas|country=de|employees=50"),
            ),
            (
                &[("rep", "ana"), ("outcome", "LOST"), ("industry", "saas")],
                Want::Counted("industry=saas|country=|employees="),
            ),
            (
                &[("rep", "bo"), ("outcome", "won"), ("employees", "050")],
                Want::Counted("industry=|country=|employees=050"),
            ),
            (
                &[("rep", "bo"), ("outcome", "unqualified")],
                Want::Unqualified,
            ),
            (
                &[("rep", "zed"), ("outcome", "won")],
                Want::Refused("rep zed is not in the active policy"),
            ),
            (
                &[("rep", "ana"), ("outcome", "closed")],
                Want::Refused("outcome \"closed\" is not won, lost or unqualified"),
            ),
            (&[("rep", "ana")], Want::Refused("no outcome")),
            (&[("outcome", "won"), ("rep", " ")], Want::Refused("no rep")),
        ];
        for (fields, want) in cases {
            let (per_rep, done) = tally_rows(&policy, &[row(fields)]);
            match want {
                Want::Counted(segment) => {
                    let (_, outcomes) = per_rep.iter().next().expect("counted");
                    let keys: Vec<&String> = outcomes.segments.keys().collect();
                    assert_eq!(keys, [segment], "{fields:?}");
                    assert_eq!(done.closes, 1);
                }
                Want::Unqualified => {
                    assert_eq!((done.unqualified, per_rep.len()), (1, 0), "{fields:?}")
                }
                Want::Refused(problem) => {
                    assert_eq!(
                        done.refused,
                        [RowRefused {
                            row: 1,
                            problem: problem.to_owned()
                        }],
                        "{fields:?}"
                    );
                    assert!(per_rep.is_empty());
                }
            }
        }
    }
}
