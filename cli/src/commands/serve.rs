//! `switchboard serve`: the local pipeline in one process (see `switchboard_cli::serve`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use switchboard_cli::serve::jwt::JwtAuth;
use switchboard_cli::serve::{self, EdgeLimits, ServeOptions, StartInfo};
use tracing_subscriber::EnvFilter;

#[derive(Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one; the banner shows it).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Data directory: the store, the demo intake configuration, serve.json.
    #[arg(long, value_name = "DIR", default_value = ".data")]
    data_dir: PathBuf,
    /// Intake sources (YAML or JSON, as in docs/PROVIDERS.md) instead of the data
    /// directory's generated demo sources.
    #[arg(long, value_name = "FILE")]
    intake_config: Option<PathBuf>,
    /// Do not load the demo policy and accounts into an empty store (routing then waits
    /// for `switchboard policy apply`).
    #[arg(long)]
    no_demo: bool,
    /// Router workers.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Leads each router worker routes at the same time.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// How long a delivered route request stays hidden before it is delivered again
    /// (unless routing finished and deleted it).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration)]
    visibility_timeout: Duration,
    /// Deliveries of a route request before it moves to the dead letters.
    #[arg(long, default_value_t = 5)]
    max_receives: u32,
    /// How often the sweep re-drives leads stored but not handed on for routing.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration)]
    sweep_interval: Duration,
    /// Age after which the sweep re-drives a lead whose hand-off failed.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = duration)]
    redrive_after: Duration,
    /// Time a client has to send a request's head (request line and headers).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration)]
    header_timeout: Duration,
    /// Time a client has to send a request's body, counted from its head.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration)]
    body_timeout: Duration,
    /// How long a keep-alive connection may sit with no request before it is closed.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration)]
    idle_timeout: Duration,
    /// Open connections at most; beyond, new ones get a 503 and are closed.
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// On Ctrl-C or SIGTERM, how long requests in progress may take to finish before their
    /// connections are closed. A second Ctrl-C or SIGTERM exits at once.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration)]
    shutdown_deadline: Duration,
    /// Let the log channel show leads' names, emails and companies and reps' reasons (as
    /// `SWITCHBOARD_LOG_PERSONAL_DATA=1` does): for debugging on one's own machine only.
    #[arg(long)]
    log_personal_data: bool,
    /// A file holding a fixed bearer token that `GET /metrics` also takes (at least 16
    /// characters; surrounding whitespace ignored), for a Prometheus scrape configuration's
    /// `credentials_file`. Without it, `/metrics` takes the admin and viewer tokens of
    /// `serve.json`, which change at every start.
    #[arg(long, value_name = "FILE", env = "SWITCHBOARD_METRICS_TOKEN_FILE")]
    metrics_token_file: Option<PathBuf>,
    /// Megabytes of the store's pages kept in memory (the process's memory stays near this
    /// plus what leads in flight use, however many leads are stored).
    #[arg(long, value_name = "MB", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    store_cache_mb: u32,
    /// Also take people's JWTs from this OpenID issuer (a Cognito user pool's
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>`), checked as the deployed API
    /// checks them; the role comes from the `cognito:groups` claim (`switchboard-admin`,
    /// `switchboard-viewer`). Needs `--admin-jwt-audience` and `--admin-jwt-jwks`.
    #[arg(long, value_name = "URL", requires_all = ["admin_jwt_audience", "admin_jwt_jwks"])]
    admin_jwt_issuer: Option<String>,
    /// The app client id the issuer's tokens carry (`aud`, or an access token's `client_id`).
    #[arg(long, value_name = "CLIENT_ID", requires = "admin_jwt_issuer")]
    admin_jwt_audience: Option<String>,
    /// The issuer's signing keys: its `/.well-known/jwks.json`, saved to a file.
    #[arg(long, value_name = "FILE", requires = "admin_jwt_issuer")]
    admin_jwt_jwks: Option<PathBuf>,
    /// Offer signing in to this user pool on the console (its hosted domain,
    /// `https://<prefix>.auth.<region>.amazoncognito.com`), beside pasting a token. Needs
    /// `--console-client-id`, and `--admin-jwt-issuer` so the API takes the tokens.
    #[arg(long, value_name = "URL", requires_all = ["console_client_id", "admin_jwt_issuer"])]
    console_sign_in_domain: Option<String>,
    /// The pool's public app client with the authorization code flow and
    /// `http://127.0.0.1:<port>/console` as a callback URL.
    #[arg(long, value_name = "CLIENT_ID", requires = "console_sign_in_domain")]
    console_client_id: Option<String>,
}

/// The issuer whose JWTs the admin API takes, with its keys read from the file.
fn admin_jwt(args: &ServeArgs) -> anyhow::Result<Option<JwtAuth>> {
    let (Some(issuer), Some(audience), Some(jwks)) = (
        &args.admin_jwt_issuer,
        &args.admin_jwt_audience,
        &args.admin_jwt_jwks,
    ) else {
        return Ok(None);
    };
    let keys =
        std::fs::read_to_string(jwks).with_context(|| format!("reading {}", jwks.display()))?;
    let auth = JwtAuth::new(issuer, audience, &keys)
        .with_context(|| format!("reading the keys in {}", jwks.display()))?;
    Ok(Some(auth))
}

fn duration(s: &str) -> Result<Duration, String> {
    super::parse_positive_duration(s).map(|d| d.unsigned_abs())
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let admin_jwt = admin_jwt(&args)?;
    let options = ServeOptions {
        port: args.port,
        intake_config: args.intake_config,
        demo: !args.no_demo,
        workers: args.workers,
        concurrency: args.concurrency,
        visibility_timeout: args.visibility_timeout,
        max_receives: args.max_receives,
        sweep_interval: args.sweep_interval,
        redrive_after: args.redrive_after,
        log_personal_data: args.log_personal_data,
        metrics_token_file: args.metrics_token_file,
        store_cache_bytes: args.store_cache_mb as usize * (1 << 20),
        admin_jwt,
        console_sign_in: match (&args.console_sign_in_domain, &args.console_client_id) {
            (Some(domain), Some(client)) => Some(
                switchboard_console::SignIn::new(domain, client)
                    .context("--console-sign-in-domain")?,
            ),
            _ => None,
        },
        http: EdgeLimits {
            header_timeout: args.header_timeout,
            body_timeout: args.body_timeout,
            idle_timeout: args.idle_timeout,
            max_connections: args.max_connections as usize,
            shutdown_deadline: args.shutdown_deadline,
            ..EdgeLimits::default()
        },
        ..ServeOptions::new(args.data_dir)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let running = serve::start(options).await?;
        print!("{}", banner(&running.info));
        use std::io::Write;
        std::io::stdout().flush()?;
        let mut signals = StopSignals::install()?;
        signals.next().await;
        tracing::info!("stopping");
        tokio::select! {
            stopped = running.shutdown() => stopped?,
            // The store is crash-safe: what was committed stays, the rest was never
            // acknowledged, and the next start re-drives leads awaiting routing.
            () = signals.next() => {
                tracing::warn!("stopping at once (second signal)");
                return Ok(ExitCode::from(130));
            }
        }
        println!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// Ctrl-C or SIGTERM, as often as they come. Installed once, before the first wait, so a
/// second signal during the shutdown is seen (and not the default action's kill).
struct StopSignals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> anyhow::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(StopSignals {
            term: signal(SignalKind::terminate()).context("installing the SIGTERM handler")?,
            int: signal(SignalKind::interrupt()).context("installing the Ctrl-C handler")?,
        })
    }

    async fn next(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}

/// What to do next: where to post a lead and how to see its decision.
fn banner(info: &StartInfo) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let dir = info.data_dir.display();
    let url = &info.url;
    let _ = writeln!(out, "Switchboard is running at {url} (data in {dir})");
    match (info.active_policy, info.seeded) {
        (Some(v), Some(s)) => {
            let _ = writeln!(
                out,
                "  policy version {v} active: the demo policy and {} demo accounts, loaded on this first start",
                s.accounts
            );
        }
        (Some(v), None) => {
            let _ = writeln!(out, "  policy version {v} active");
        }
        (None, _) => {
            let _ = writeln!(
                out,
                "  no policy active: leads wait (and reach the dead letters) until `switchboard policy apply FILE --data-dir {dir}`"
            );
        }
    }
    let created = if info.intake_created {
        " (created with fresh keys)"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "  intake sources: {}{created}",
        info.intake_file.display()
    );
    if info.recovered > 0 {
        let _ = writeln!(
            out,
            "  re-driving {} stored lead(s) that were awaiting routing",
            info.recovered
        );
    }
    let (api_key, read_key) = match &info.demo_keys {
        Some(k) => (
            k.api_key.clone(),
            k.read_key.clone().unwrap_or_else(|| k.api_key.clone()),
        ),
        None => ("$API_KEY".to_owned(), "$READ_KEY".to_owned()),
    };
    let _ = writeln!(out, "\nPost a lead:");
    let _ = writeln!(
        out,
        "  curl -sS {url}/v1/leads -H 'Authorization: Bearer {api_key}' \
         -H 'Content-Type: application/json' -H 'Idempotency-Key: try-1' \
         -d '{{\"email\": \"jane@northwind-robotics.com\", \"first_name\": \"Jane\", \
         \"company\": \"Northwind Robotics\", \"country\": \"US\"}}'"
    );
    let _ = writeln!(
        out,
        "\nSee it and its decision (LEAD_ID is lead_id in the answer):"
    );
    let _ = writeln!(
        out,
        "  curl -sS {url}/v1/leads/LEAD_ID -H 'Authorization: Bearer {read_key}'"
    );
    let _ = writeln!(
        out,
        "  curl -sS '{url}/v1/leads/LEAD_ID/decision?wait_ms=2000' -H 'Authorization: Bearer {read_key}'"
    );
    let _ = writeln!(out, "  switchboard lead show LEAD_ID --data-dir {dir}");
    if let Some(k) = &info.demo_keys
        && let (Some(source), Some(token)) = (&k.form_source, &k.form_token)
    {
        let _ = writeln!(
            out,
            "\nHTML form: <form method=\"post\" action=\"{url}/v1/hooks/{source}/{token}\">"
        );
    }
    let _ = writeln!(
        out,
        "\nAdmin (with --data-dir {dir}): policy apply|show|history|rollback, accounts import, lead show, dlq list|redrive"
    );
    let _ = writeln!(
        out,
        "Console: {url}{} (sign in with admin_token or viewer_token from {dir}/serve.json)",
        switchboard_console::PATH
    );
    let _ = writeln!(out, "Ctrl-C stops.");
    out
}
