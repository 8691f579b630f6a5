//! `switchboard serve`: the whole pipeline in one process, on the embedded store.
//!
//! ```text
//! HTTP (intake router) ─► embedded store (lead, durable before the 202)
//!                     └─► routing queue ─► router workers ─► store (decision, atomic)
//!                                                         └─► notify queue ─► notifier (notify.yaml channels, else log)
//! sweep (every 30 s) ─► SLA: expires unaccepted assignments, re-routes / escalates them;
//!                       re-drives leads stored but never handed on
//! HTTP rep actions (accept, reject, release, close, away; links; Slack) ─► store
//! account sync (at start, then daily; notify.yaml CRM channels with sync_accounts)
//!                       ─► the CRM's accounts changed since the last run ─► store
//! ```
//!
//! Intake is `switchboard_intake::router` over `switchboard_intake::PortReception` on the
//! embedded store's `LeadStore` port (the Lambda uses the same over DynamoDB and SQS);
//! routing is `switchboard_store::Router`. The queues are in memory (`MemoryQueue`, with SQS
//! semantics): what was queued when the process stopped is found again by the start-up
//! query of the leads awaiting routing at start-up and re-driven.

mod account_sync;
mod actions;
pub mod completions;
pub mod discovery;
mod events;
pub mod files;
pub mod http;
pub mod jwt;
mod lanes;
pub mod listener;
pub mod metrics;
mod notifier;
pub mod pipeline;
pub mod queues;
pub mod seed;
pub mod stats;
pub mod sweep;
pub mod workers;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use jiff::Timestamp;
use switchboard_admin::TokenAuth;
use switchboard_intake::{Clock, IntakeState, Secret, SystemClock};
use switchboard_routing::LeadId;
use switchboard_store::embedded::EmbeddedStore;
use switchboard_store::{LeadStore, PolicyStore};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::admin::open_store_with_cache;
pub use listener::EdgeLimits;
use pipeline::Pipeline;
use queues::LaneReception;
use seed::{DemoKeys, Seeded};

/// How `serve` runs. [`ServeOptions::new`] gives the defaults of the command line.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub data_dir: PathBuf,
    /// 0 picks a free port.
    pub port: u16,
    /// Intake sources; without it, the data directory's demo configuration.
    pub intake_config: Option<PathBuf>,
    /// Load the demo policy and accounts into a store that never had a policy.
    pub demo: bool,
    pub workers: usize,
    /// Leads each worker routes at the same time.
    pub concurrency: usize,
    pub visibility_timeout: Duration,
    /// Deliveries before a message goes to the dead letters.
    pub max_receives: u32,
    pub sweep_interval: Duration,
    /// A lead whose hand-off failed is re-driven once it is this old.
    pub redrive_after: Duration,
    /// The Slack app's signing secret for `/v1/slack/interactivity` (else the
    /// `SWITCHBOARD_SLACK_SIGNING_SECRET` environment variable; neither: Slack is off).
    pub slack_signing_secret: Option<String>,
    /// Timeouts, the connection cap and the shutdown deadline of the HTTP listener.
    pub http: EdgeLimits,
    /// The log channel shows personal data (else only with `SWITCHBOARD_LOG_PERSONAL_DATA`).
    pub log_personal_data: bool,
    /// A file holding a fixed bearer token for `GET /metrics` (the admin and viewer tokens
    /// change at every start; a scrape configuration names this one).
    pub metrics_token_file: Option<PathBuf>,
    /// The store's page cache, in bytes: what the process keeps of the store in memory.
    pub store_cache_bytes: usize,
    /// People's JWTs the admin API also takes, beside the admin and viewer tokens.
    pub admin_jwt: Option<jwt::JwtAuth>,
    /// The user pool the console offers to sign in to, beside pasting a token.
    pub console_sign_in: Option<switchboard_console::SignIn>,
}

impl ServeOptions {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        ServeOptions {
            data_dir: data_dir.into(),
            port: 8080,
            intake_config: None,
            demo: true,
            workers: 2,
            concurrency: 64,
            visibility_timeout: Duration::from_secs(30),
            max_receives: 5,
            sweep_interval: Duration::from_secs(30),
            redrive_after: Duration::from_secs(60),
            slack_signing_secret: None,
            http: EdgeLimits::default(),
            log_personal_data: false,
            metrics_token_file: None,
            store_cache_bytes: switchboard_store::embedded::DEFAULT_CACHE_BYTES,
            admin_jwt: None,
            console_sign_in: None,
        }
    }
}

/// What the start found and did, for the banner.
#[derive(Debug, Clone)]
pub struct StartInfo {
    pub url: String,
    pub data_dir: PathBuf,
    pub seeded: Option<Seeded>,
    pub active_policy: Option<u64>,
    pub intake_file: PathBuf,
    pub intake_created: bool,
    /// Keys of the demo intake configuration (none for `--intake-config`).
    pub demo_keys: Option<DemoKeys>,
    /// Leads found awaiting routing, re-driven at once.
    pub recovered: usize,
}

/// A started server. Stop it with [`Running::shutdown`].
pub struct Running {
    pub addr: SocketAddr,
    pub info: StartInfo,
    pub admin_token: String,
    pipeline: Arc<Pipeline>,
    http_stop: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    stages: Stages,
    server_info: discovery::ServerInfo,
}

/// Opens (and on first start fills) the store, binds 127.0.0.1:`port` and starts intake,
/// the router workers, the notifier and the sweep.
pub async fn start(options: ServeOptions) -> anyhow::Result<Running> {
    let dir = &options.data_dir;
    let opened = open(dir, options.demo, options.store_cache_bytes).await?;
    let intake = seed::intake_config(dir, options.intake_config.as_deref())?;
    let metrics_token = options
        .metrics_token_file
        .as_deref()
        .map(http::read_token_file)
        .transpose()?;
    let store = opened.store;
    let pipeline = Arc::new(Pipeline::new(store.clone(), options.max_receives));
    let notifier = Arc::new(notifier::load(dir, store.clone(), options.log_personal_data).await?);
    for lead_id in &opened.awaiting {
        pipeline.redrive.add(lead_id, true);
    }

    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{}", options.port))?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let mut config = intake.config.clone();
    if config.public_base_url.is_none() {
        config.public_base_url = Some(url.clone());
    }
    let admin_token = files::random_token("at_local_")?;
    let viewer_token = files::random_token("vt_local_")?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let state = http::ServeState {
        pipeline: pipeline.clone(),
        intake: IntakeState::from_reception(
            config,
            Arc::new(LaneReception::new(pipeline.clone(), clock.clone())),
            clock,
        ),
        admin_auth: TokenAuth {
            admin: Arc::new(Secret::new(admin_token.clone())),
            viewer: Some(Arc::new(Secret::new(viewer_token.clone()))),
        },
        admin_jwt: options.admin_jwt.clone().map(Arc::new),
        console_sign_in: options.console_sign_in.clone(),
        metrics_token,
    };
    let actions = actions::state(
        &pipeline,
        &notifier,
        &admin_token,
        options.slack_signing_secret.as_deref(),
    )
    .context("configuring rep actions")?;
    // The CRM touch webhooks of intake.yaml's `touches`, on the same desk as the actions.
    let touches = switchboard_intake::actions::StoreDesk::new(
        pipeline.router.clone(),
        Arc::new(pipeline.notify.clone()),
    );
    let state = http::ServeState {
        intake: state
            .intake
            .with_actions(actions)
            .with_touches(Arc::new(touches))
            // Booking sources read routing's answer from the store the routers write.
            .with_bookings(Arc::new(switchboard_intake::booking::StoreBookings::new(
                store.clone(),
                switchboard_intake::booking::Backoff::LOCAL,
            ))),
        ..state
    };
    let stages = Stages::spawn(&pipeline, &options, notifier);

    let server_info = discovery::ServerInfo {
        url: url.clone(),
        admin_token: admin_token.clone(),
        viewer_token,
        pid: std::process::id(),
    };
    discovery::write(dir, &server_info)
        .with_context(|| format!("writing {}", discovery::path(dir).display()))?;
    // Connections are accepted only once serve.json is written: a client that sees
    // `/healthz` answer can count on the admin commands finding this server. (Until then
    // they wait in the listen queue.)
    let (http_stop, http_rx) = watch::channel(false);
    let app = http::app(state);
    let http = tokio::spawn(listener::serve(listener, app, options.http, http_rx));
    let info = StartInfo {
        url,
        data_dir: dir.clone(),
        seeded: opened.seeded,
        active_policy: store.get_active().await?.map(|a| a.version),
        intake_file: intake.file.clone(),
        intake_created: intake.created,
        demo_keys: intake
            .demo
            .then(|| seed::demo_keys(&intake.config))
            .flatten(),
        recovered: opened.awaiting.len(),
    };
    Ok(Running {
        addr,
        info,
        admin_token,
        pipeline,
        http_stop,
        http,
        stages,
        server_info,
    })
}

/// The store as found at start.
struct Opened {
    store: EmbeddedStore,
    /// Leads stored as `received` or `queued`: their route requests were in the previous
    /// process's in-memory queue (or never reached it), so the sweep re-drives them.
    awaiting: Vec<LeadId>,
    seeded: Option<Seeded>,
}

/// Opens the store, finds the leads awaiting routing (through the store's index of them,
/// so the cost grows with those leads, not with every lead stored) and loads the demo data
/// into an empty store.
async fn open(dir: &Path, demo: bool, cache_bytes: usize) -> anyhow::Result<Opened> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let store = open_store_with_cache(dir, true, cache_bytes)?;
    let awaiting = store
        .awaiting_routing(Timestamp::MAX, usize::MAX)
        .await
        .with_context(|| format!("reading {} for leads awaiting routing", dir.display()))?
        .into_iter()
        .map(|l| l.lead.id)
        .collect();
    let now = Timestamp::now();
    let seeded = if demo {
        seed::seed_store(&store, now).await?
    } else {
        None
    };
    Ok(Opened {
        store,
        awaiting,
        seeded,
    })
}

/// The background stages, each with its stop switch.
struct Stages {
    workers_stop: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
    notifier_stop: watch::Sender<bool>,
    notifier: JoinHandle<()>,
    sweep_stop: watch::Sender<bool>,
    sweep: JoinHandle<()>,
    /// The CRM account sync, when a channel has `sync_accounts`.
    account_sync: Option<JoinHandle<()>>,
}

impl Stages {
    fn spawn(
        pipeline: &Arc<Pipeline>,
        options: &ServeOptions,
        notifier: Arc<notifier::LocalNotifier>,
    ) -> Stages {
        let (workers_stop, workers_rx) = watch::channel(false);
        let worker_config = workers::WorkerConfig {
            concurrency: options.concurrency,
            visibility_timeout: options.visibility_timeout,
        };
        let workers = (0..options.workers.max(1))
            .map(|_| {
                let (p, rx) = (pipeline.clone(), workers_rx.clone());
                tokio::spawn(workers::run(p, worker_config, rx))
            })
            .collect();
        let account_sync = account_sync::spawn(notifier.clone());
        let (notifier_stop, notifier_rx) = watch::channel(false);
        let notifier = tokio::spawn(notifier::run(
            pipeline.clone(),
            notifier,
            options.visibility_timeout,
            notifier_rx,
        ));
        let (sweep_stop, sweep_rx) = watch::channel(false);
        let sweep_config = sweep::SweepConfig::new(options.sweep_interval, options.redrive_after);
        let sweep = tokio::spawn(sweep::run(pipeline.clone(), sweep_config, sweep_rx));
        Stages {
            workers_stop,
            workers,
            notifier_stop,
            notifier,
            sweep_stop,
            sweep,
            account_sync,
        }
    }

    /// The routers first (leads in flight finish), then the notifier (after what is
    /// queued for it), then the sweep.
    async fn stop(self) {
        let _ = self.workers_stop.send(true);
        for w in self.workers {
            let _ = w.await;
        }
        let _ = self.notifier_stop.send(true);
        let _ = self.notifier.await;
        let _ = self.sweep_stop.send(true);
        let _ = self.sweep.await;
        if let Some(sync) = self.account_sync {
            sync.abort();
        }
    }
}

impl Running {
    pub fn pipeline(&self) -> &Arc<Pipeline> {
        &self.pipeline
    }

    /// Stops in order: HTTP (no new connections; requests in progress finish, up to the
    /// listener's shutdown deadline, after which the connections still open are closed,
    /// their requests unanswered), then the stages (leads still queued are re-driven by
    /// the next start). A lead is acknowledged (202) only once stored, so nothing
    /// acknowledged is lost. Returns once the store is closed.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.http_stop.send(true);
        // Waiting requests answer with what they have.
        self.pipeline.completions.close();
        let served = self.http.await;
        self.stages.stop().await;
        discovery::remove(&self.info.data_dir, &self.server_info);
        // The last owner of the store: dropping it waits for its writer to finish.
        drop(self.pipeline);
        served
            .context("the HTTP server task failed")?
            .context("the HTTP server failed")
    }
}
