//! An HTTP proxy between the AWS SDK clients and the emulator that injects the faults AWS
//! really answers with, for a share of the calls: throttling
//! (`ProvisionedThroughputExceededException`, `ThrottlingException`), internal errors
//! (500), replies lost after the request took effect, and replies slower than the client's
//! attempt timeout (also after the request took effect). The emulator stays the real
//! component; only the wire between it and the client misbehaves.
//!
//! The proxy starts disarmed, so a test sets up its tables and data cleanly, then
//! [`FaultProxy::arm`]s it for the part under test. Which call gets which fault comes from
//! a seeded generator: a failing run names its seed.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How often each fault is injected, in calls per thousand, among armed calls.
#[derive(Debug, Clone, Copy)]
pub struct FaultPlan {
    pub seed: u64,
    /// Answered 400 with the service's throttling error; the request is not forwarded.
    pub throttled: u32,
    /// Answered 500; the request is not forwarded.
    pub server_error: u32,
    /// Forwarded (it takes effect), then answered 500: the client cannot know it worked.
    pub lost_reply: u32,
    /// Forwarded (it takes effect), then answered after `slow_by`, which tests set above
    /// the client's attempt timeout: the client gives up and tries again.
    pub slow_reply: u32,
    pub slow_by: Duration,
}

impl FaultPlan {
    /// About one call in nine fails, each fault kind in its share.
    pub fn mixed(seed: u64) -> FaultPlan {
        FaultPlan {
            seed,
            throttled: 40,
            server_error: 30,
            lost_reply: 30,
            slow_reply: 10,
            slow_by: Duration::from_millis(2500),
        }
    }

    /// The seed from `SWITCHBOARD_FAULT_SEED` when set (to replay a failing run), else
    /// `default`.
    pub fn seed_from_env(default: u64) -> u64 {
        std::env::var("SWITCHBOARD_FAULT_SEED")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(default)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Throttled,
    ServerError,
    LostReply,
    SlowReply,
}

/// What the proxy did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    pub forwarded: u64,
    pub throttled: u64,
    pub server_error: u64,
    pub lost_reply: u64,
    pub slow_reply: u64,
}

impl FaultCounts {
    pub fn injected(&self) -> u64 {
        self.throttled + self.server_error + self.lost_reply + self.slow_reply
    }
}

struct Shared {
    upstream: String,
    plan: FaultPlan,
    armed: AtomicBool,
    rng: Mutex<fastrand::Rng>,
    forwarded: AtomicU64,
    counts: [AtomicU64; 4],
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    /// `http://127.0.0.1:<port>`: the endpoint to give the SDK clients.
    pub url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` (`http://host:port`).
    pub async fn start(upstream: &str, plan: FaultPlan) -> FaultProxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind the fault proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let shared = Arc::new(Shared {
            upstream,
            plan,
            armed: AtomicBool::new(false),
            rng: Mutex::new(fastrand::Rng::with_seed(plan.seed)),
            forwarded: AtomicU64::new(0),
            counts: Default::default(),
        });
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = accepting.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(shared.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FaultProxy { url, shared, task }
    }

    /// Starts injecting faults.
    pub fn arm(&self) {
        self.shared.armed.store(true, Ordering::SeqCst);
    }

    /// Stops injecting faults (replies already delayed still arrive late).
    pub fn disarm(&self) {
        self.shared.armed.store(false, Ordering::SeqCst);
    }

    pub fn counts(&self) -> FaultCounts {
        let c = |f: Fault| self.shared.counts[f as usize].load(Ordering::SeqCst);
        FaultCounts {
            forwarded: self.shared.forwarded.load(Ordering::SeqCst),
            throttled: c(Fault::Throttled),
            server_error: c(Fault::ServerError),
            lost_reply: c(Fault::LostReply),
            slow_reply: c(Fault::SlowReply),
        }
    }
}

impl Shared {
    fn pick(&self) -> Option<Fault> {
        if !self.armed.load(Ordering::SeqCst) {
            return None;
        }
        let p = &self.plan;
        let roll = self.rng.lock().expect("rng").u32(0..1000);
        let fault = [
            (p.throttled, Fault::Throttled),
            (p.server_error, Fault::ServerError),
            (p.lost_reply, Fault::LostReply),
            (p.slow_reply, Fault::SlowReply),
        ]
        .into_iter()
        .scan(0, |upto, (share, fault)| {
            *upto += share;
            Some((*upto, fault))
        })
        .find(|(upto, _)| roll < *upto)
        .map(|(_, fault)| fault)?;
        self.counts[fault as usize].fetch_add(1, Ordering::SeqCst);
        Some(fault)
    }
}

type Reply = Response<Full<Bytes>>;

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Reply, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(status_only(StatusCode::BAD_REQUEST)),
    };
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let fault = shared.pick();
    match fault {
        Some(Fault::Throttled) => return Ok(aws_error(StatusCode::BAD_REQUEST, throttle(&target))),
        Some(Fault::ServerError) => return Ok(internal_error()),
        _ => {}
    }
    let reply = match forward(&shared.upstream, Request::from_parts(parts, body)).await {
        Ok(reply) => reply,
        Err(_) => return Ok(status_only(StatusCode::BAD_GATEWAY)),
    };
    shared.forwarded.fetch_add(1, Ordering::SeqCst);
    match fault {
        Some(Fault::LostReply) => Ok(internal_error()),
        Some(Fault::SlowReply) => {
            tokio::time::sleep(shared.plan.slow_by).await;
            Ok(reply)
        }
        _ => Ok(reply),
    }
}

/// One request on a fresh connection to the emulator, read to the end.
async fn forward(upstream: &str, req: Request<Bytes>) -> Result<Reply, Box<dyn std::error::Error>> {
    let stream = TcpStream::connect(upstream).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let (parts, body) = req.into_parts();
    let response = sender
        .send_request(Request::from_parts(parts, Full::new(body)))
        .await?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok(Response::from_parts(parts, Full::new(body)))
}

/// The throttling error code of the service a JSON-protocol call is for.
fn throttle(target: &str) -> &'static str {
    if target.starts_with("DynamoDB_") {
        "ProvisionedThroughputExceededException"
    } else {
        "ThrottlingException"
    }
}

fn aws_error(status: StatusCode, code: &str) -> Reply {
    let body = format!(r#"{{"__type":"{code}","message":"injected by the fault proxy"}}"#);
    Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-errortype", code)
        .body(Full::new(Bytes::from(body)))
        .expect("error response")
}

fn internal_error() -> Reply {
    aws_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError")
}

fn status_only(status: StatusCode) -> Reply {
    Response::builder()
        .status(status)
        .body(Full::new(Bytes::new()))
        .expect("response")
}
