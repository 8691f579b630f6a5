//! `switchboard bench-load`: an open-loop load generator for the local pipeline.
//!
//! Lead `i` is due at `start + i / rate`, whatever happened to earlier ones (open loop),
//! and its latencies are measured from that due time, so a server that falls behind shows
//! it in the numbers instead of slowing the generator down (no coordinated omission).
//! `concurrency` keep-alive connections carry the requests; if all are busy, a lead is
//! sent late and its latency includes the wait.
//!
//! Two latencies per lead: **accepted**, until intake's 202 (the lead is durably stored),
//! and **routed**, until the decision is stored: after the 202 the generator asks
//! `GET /v1/leads/{id}/decision?wait_ms=...`, which the server answers as soon as a router
//! has stored the decision. The extra request adds one loopback round trip (tens of µs)
//! to the measured time. `follow_every` follows every n-th lead only, to load the server
//! with POSTs rather than with the GETs that measure them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use serde::Serialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::http_client::{ClientError, Connection, split_url};

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// `http://127.0.0.1:8080`
    pub url: String,
    /// A generic source's API key (also used to read the decisions).
    pub api_key: String,
    /// Leads per second.
    pub rate: f64,
    pub duration: Duration,
    pub concurrency: usize,
    /// Measure the routed latency of every n-th lead (0: none).
    pub follow_every: u64,
    /// Distinguishes the e-mail addresses of separate runs (a repeated address within the
    /// dedupe window is a duplicate, which is not routed).
    pub run_id: String,
    /// Send `GET /healthz` instead of leads: the server's floor cost per request, to
    /// set a lead's cost against on the same machine in the same run.
    pub healthz: bool,
    /// Post each lead as a browser form to this hook path (`/v1/hooks/{source}/{token}`)
    /// instead of the JSON API: "accepted" is then POST to the form's `303` (a booking
    /// source's redirect to the rep's link or the thank-you page), and nothing is followed.
    pub form: Option<String>,
    /// A token that reads `GET /v1/admin/stats` (serve.json's `viewer_token`): after the
    /// last 202, the run watches the routing queue until it is empty, which is when the
    /// last decision was stored, whichever lead it was ([`LoadReport::lag_ms`]).
    pub stats_token: Option<String>,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Percentiles {
    fn of(mut micros: Vec<u64>) -> Percentiles {
        if micros.is_empty() {
            return Percentiles::default();
        }
        micros.sort_unstable();
        let at = |q: f64| {
            let i = ((micros.len() as f64 * q).ceil() as usize).clamp(1, micros.len()) - 1;
            micros[i] as f64 / 1000.0
        };
        Percentiles {
            count: micros.len(),
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            p999: at(0.999),
            max: micros[micros.len() - 1] as f64 / 1000.0,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub offered: u64,
    pub accepted: u64,
    /// Answers other than 202, and transport errors.
    pub failed: u64,
    /// Followed leads that were not routed within the wait.
    pub not_routed: u64,
    /// Seconds from the first due time to the last 202.
    pub elapsed_s: f64,
    /// Accepted leads per second over `elapsed_s`.
    pub accepted_per_s: f64,
    pub accepted_ms: Percentiles,
    pub routed_ms: Percentiles,
    /// Leads sent more than 1 ms after their due time (all connections were busy, or the
    /// generator itself could not keep up).
    pub sent_late: u64,
    /// After the last 202: until the last accepted lead's decision was stored.
    pub drain_ms: Option<f64>,
    /// After the last 202: until the routing queue was empty, i.e. the last decision was
    /// stored, whichever lead it was (with `stats_token`; read every millisecond).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_ms: Option<f64>,
    /// Form runs: how many redirects went to each location (its query left out, since it
    /// carries the prefilled name and email).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub redirects: std::collections::BTreeMap<String, u64>,
    pub first_error: Option<String>,
}

#[derive(Default)]
struct Samples {
    accepted: Vec<u64>,
    routed: Vec<u64>,
    failed: u64,
    not_routed: u64,
    sent_late: u64,
    last_accept: Option<Instant>,
    last_lead: Option<(u64, String)>,
    first_error: Option<String>,
    redirects: std::collections::BTreeMap<String, u64>,
}

/// How long one decision request waits on the server.
const WAIT_MS: u64 = 10_000;

pub async fn run(options: LoadOptions) -> Result<LoadReport, ClientError> {
    let (authority, _) = split_url(&options.url)?;
    let authority = authority.to_owned();
    let total = (options.rate * options.duration.as_secs_f64()).round() as u64;
    let interval = 1.0 / options.rate;
    let next = Arc::new(AtomicU64::new(0));
    let samples = Arc::new(Mutex::new(Samples::default()));
    let options = Arc::new(options);
    // Connections are opened before the clock starts.
    let mut connections = Vec::with_capacity(options.concurrency);
    for _ in 0..options.concurrency.max(1) {
        connections.push(Connection::open(&authority).await?);
    }
    let start = Instant::now() + Duration::from_millis(50);
    let mut tasks = Vec::new();
    for conn in connections {
        let (next, samples, options, authority) = (
            next.clone(),
            samples.clone(),
            options.clone(),
            authority.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut conn = conn;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let due = start + Duration::from_secs_f64(i as f64 * interval);
                tokio::time::sleep_until(due).await;
                let late = Instant::now().duration_since(due) > Duration::from_millis(1);
                let outcome = if options.healthz {
                    healthz(&mut conn).await
                } else if let Some(path) = &options.form {
                    form_lead(&mut conn, path, &options.run_id, i).await
                } else {
                    one_lead(&mut conn, &options, i).await
                };
                let mut s = samples.lock().await;
                s.sent_late += u64::from(late);
                match outcome {
                    Ok(Lead {
                        accepted_at,
                        lead_id,
                        routed,
                        redirect,
                    }) => {
                        if let Some(to) = redirect {
                            *s.redirects.entry(to).or_default() += 1;
                        }
                        s.accepted.push(micros(accepted_at - due));
                        if s.last_accept.is_none_or(|t| accepted_at > t) {
                            s.last_accept = Some(accepted_at);
                        }
                        if s.last_lead.as_ref().is_none_or(|(j, _)| i > *j) {
                            s.last_lead = Some((i, lead_id));
                        }
                        match routed {
                            Some(Some(at)) => s.routed.push(micros(at - due)),
                            Some(None) => s.not_routed += 1,
                            None => {}
                        }
                    }
                    Err(why) => {
                        s.failed += 1;
                        s.first_error.get_or_insert(why);
                        drop(s);
                        // The connection may be broken: start a new one.
                        if let Ok(c) = Connection::open(&authority).await {
                            conn = c;
                        }
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let s = std::mem::take(&mut *samples.lock().await);
    // First the queue, which the follow below would otherwise wait out.
    let lag_ms = match (&options.stats_token, s.last_accept) {
        (Some(token), Some(last)) if !options.healthz && options.form.is_none() => {
            let mut conn = Connection::open(&authority).await?;
            routing_drained(&mut conn, token)
                .await?
                .then(|| micros(Instant::now().saturating_duration_since(last)) as f64 / 1000.0)
        }
        _ => None,
    };
    let drain_ms = match (&s.last_lead, s.last_accept) {
        (Some((_, id)), Some(last)) if !options.healthz && options.form.is_none() => {
            let mut conn = Connection::open(&authority).await?;
            match decided(&mut conn, &options.api_key, id).await {
                Ok(true) => {
                    Some(micros(Instant::now().saturating_duration_since(last)) as f64 / 1000.0)
                }
                _ => None,
            }
        }
        _ => None,
    };
    let elapsed = s
        .last_accept
        .map_or(0.0, |t| t.saturating_duration_since(start).as_secs_f64());
    let accepted = s.accepted.len() as u64;
    Ok(LoadReport {
        offered: total,
        accepted,
        failed: s.failed,
        not_routed: s.not_routed,
        elapsed_s: elapsed,
        accepted_per_s: if elapsed > 0.0 {
            accepted as f64 / elapsed
        } else {
            0.0
        },
        accepted_ms: Percentiles::of(s.accepted),
        routed_ms: Percentiles::of(s.routed),
        sent_late: s.sent_late,
        drain_ms,
        lag_ms,
        first_error: s.first_error,
        redirects: s.redirects,
    })
}

struct Lead {
    accepted_at: Instant,
    lead_id: String,
    /// `None`: not followed; `Some(None)`: followed, not routed in time.
    routed: Option<Option<Instant>>,
    /// Form runs: where the 303 sent the browser, without the query.
    redirect: Option<String>,
}

async fn one_lead(conn: &mut Connection, options: &LoadOptions, i: u64) -> Result<Lead, String> {
    // Several markets (so several rules and pools) and sizes (some hit the enterprise
    // rule); the address is unique per run and lead, so the dedupe links none of them.
    const COUNTRIES: [&str; 8] = ["US", "DE", "GB", "FR", "BR", "SG", "AT", "CA"];
    let body = serde_json::json!({
        "email": format!("lead{i}@load{}-{}.com", i % 997, options.run_id),
        "first_name": "Load",
        "last_name": format!("Test {i}"),
        "company": format!("Load Test {}", i % 997),
        "country": COUNTRIES[(i % COUNTRIES.len() as u64) as usize],
        "employees": (i % 5) * 300,
    });
    let auth = format!("Bearer {}", options.api_key);
    let response = conn
        .send(
            Method::POST,
            "/v1/leads",
            &[
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ],
            Bytes::from(body.to_string()),
        )
        .await
        .map_err(|e| e.to_string())?;
    let accepted_at = Instant::now();
    if response.status != StatusCode::ACCEPTED {
        return Err(format!(
            "POST answered {}: {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        ));
    }
    let answer: serde_json::Value =
        serde_json::from_slice(&response.body).map_err(|e| e.to_string())?;
    let lead_id = answer["lead_id"].as_str().unwrap_or_default().to_owned();
    let follow = options.follow_every > 0 && i.is_multiple_of(options.follow_every);
    let routed = if follow {
        let done = decided(conn, &options.api_key, &lead_id)
            .await
            .map_err(|e| e.to_string())?;
        Some(done.then(Instant::now))
    } else {
        None
    };
    Ok(Lead {
        accepted_at,
        lead_id,
        routed,
        redirect: None,
    })
}

/// One lead posted as a browser form to `path`; accepted on its `303`.
async fn form_lead(
    conn: &mut Connection,
    path: &str,
    run_id: &str,
    i: u64,
) -> Result<Lead, String> {
    const COUNTRIES: [&str; 4] = ["US", "BR", "DE", "GB"];
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("email", &format!("form{i}@load{}-{run_id}.com", i % 997))
        .append_pair("first_name", "Form")
        .append_pair("last_name", &format!("Test {i}"))
        .append_pair("country", COUNTRIES[(i % COUNTRIES.len() as u64) as usize])
        .finish();
    let response = conn
        .send(
            Method::POST,
            path,
            &[("content-type", "application/x-www-form-urlencoded")],
            Bytes::from(body),
        )
        .await
        .map_err(|e| e.to_string())?;
    let accepted_at = Instant::now();
    let location = response
        .headers
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok());
    let Some(location) = location.filter(|_| response.status == StatusCode::SEE_OTHER) else {
        return Err(format!(
            "form POST answered {} without a redirect",
            response.status
        ));
    };
    let base = location.split('?').next().unwrap_or_default().to_owned();
    Ok(Lead {
        accepted_at,
        lead_id: String::new(),
        routed: None,
        redirect: Some(base),
    })
}

/// One `GET /healthz`, counted as an accepted request with no lead behind it.
async fn healthz(conn: &mut Connection) -> Result<Lead, String> {
    let response = conn
        .send(Method::GET, "/healthz", &[], Bytes::new())
        .await
        .map_err(|e| e.to_string())?;
    if response.status != StatusCode::OK {
        return Err(format!("GET /healthz answered {}", response.status));
    }
    Ok(Lead {
        accepted_at: Instant::now(),
        lead_id: String::new(),
        routed: None,
        redirect: None,
    })
}

/// Reads the server's stats every millisecond until its routing queue is empty (true), or
/// for at most `WAIT_MS` (false).
async fn routing_drained(conn: &mut Connection, token: &str) -> Result<bool, ClientError> {
    let auth = format!("Bearer {token}");
    let until = Instant::now() + Duration::from_millis(WAIT_MS);
    while Instant::now() < until {
        let response = conn
            .send(
                Method::GET,
                "/v1/admin/stats",
                &[("authorization", auth.as_str())],
                Bytes::new(),
            )
            .await?;
        let stats: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
        if stats["routing_queue"].as_u64() == Some(0) {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(false)
}

/// Waits (server-side, up to [`WAIT_MS`]) for the lead's decision; true when one is stored.
async fn decided(conn: &mut Connection, api_key: &str, lead_id: &str) -> Result<bool, ClientError> {
    let auth = format!("Bearer {api_key}");
    let path = format!("/v1/leads/{lead_id}/decision?wait_ms={WAIT_MS}");
    let response = conn
        .send(
            Method::GET,
            &path,
            &[("authorization", auth.as_str())],
            Bytes::new(),
        )
        .await?;
    let view: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
    Ok(matches!(
        view["status"].as_str(),
        Some("assigned" | "parked" | "closed")
    ))
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
