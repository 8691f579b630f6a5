//! The admin commands as clients of an admin API over HTTP, as against a deployment:
//! `--api URL --token JWT` (the stack's `AdminUrl`) and `--api URL` signed with SigV4 (its
//! `AdminIamUrl`). The second runs through a gateway that checks signatures the way API
//! Gateway's IAM authorization does before it forwards to a real `switchboard serve`.

use std::net::SocketAddr;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use serde_json::Value;
use switchboard_cli::http_client;

use crate::common::{demo_policy, path_str, scratch, serve_on_loopback};
use crate::server::{Server, intake_config};

const KEY_ID: &str = "AKIDSWITCHBOARDTEST";
const SECRET: &str = "switchboard/test/secret/key";
const REGION: &str = "eu-west-1";

/// Runs `switchboard` with `args` and only the AWS settings in `env` (no profile files,
/// no instance metadata).
fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(args)
        .env_remove("SWITCHBOARD_ADMIN_URL")
        .env_remove("SWITCHBOARD_ADMIN_TOKEN")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for key in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        cmd.env_remove(key);
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("switchboard runs")
}

fn succeeded(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn failed(out: &Output, what: &str) -> String {
    assert!(!out.status.success(), "{what} succeeded");
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn tokens(server: &Server) -> (String, String) {
    let text = std::fs::read_to_string(server.data_dir.join("serve.json")).unwrap();
    let info: Value = serde_json::from_str(&text).unwrap();
    let token = |k: &str| info[k].as_str().unwrap().to_owned();
    (token("admin_token"), token("viewer_token"))
}

fn versions(history: &str) -> usize {
    let history: Value = serde_json::from_str(history).unwrap();
    history["versions"].as_array().unwrap().len()
}

#[test]
fn admin_commands_reach_an_admin_api_with_a_token() {
    let dir = scratch("api-client-token");
    let config = intake_config(&dir);
    let server = Server::start(&dir.join("data"), &["--intake-config", path_str(&config)]);
    let (admin, viewer) = tokens(&server);
    let api = format!("{}/v1/admin", server.url);
    let policy = demo_policy();
    let with = |token: &str, args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--api", &api, "--token", token]);
        run_env(&all, &[])
    };

    let history = with(&viewer, &["policy", "history", "--json"]);
    assert_eq!(versions(&succeeded(&history, "viewer's history")), 1);

    // A viewer reads and changes nothing; the refusal says why.
    let refused = with(&viewer, &["policy", "apply", path_str(&policy)]);
    let stderr = failed(&refused, "a viewer's apply");
    assert!(stderr.contains("403"), "{stderr}");
    let bad_token = with("not-a-token", &["policy", "history"]);
    let stderr = failed(&bad_token, "an unknown token");
    assert!(stderr.contains("401"), "{stderr}");

    let applied = with(
        &admin,
        &["policy", "apply", path_str(&policy), "--note", "same again"],
    );
    succeeded(&applied, "the admin's apply");
    let history = with(&viewer, &["policy", "history", "--json"]);
    assert_eq!(versions(&succeeded(&history, "history after apply")), 2);

    // Queries and path segments arrive as written.
    let report = with(
        &viewer,
        &["report", "health", "--since", "1h", "--format", "json"],
    );
    let report: Value = serde_json::from_str(&succeeded(&report, "health")).unwrap();
    assert!(report["pools"].is_array(), "{report}");
    let unknown = with(&viewer, &["lead", "show", "no such/lead"]);
    let stderr = failed(&unknown, "an unknown lead");
    assert!(stderr.contains("no such/lead"), "{stderr}");
    server.stop();
}

/// What the gateway saw: requests whose signature checked out, and refusals.
#[derive(Default)]
struct Seen {
    verified: AtomicUsize,
    refused: AtomicUsize,
}

struct Gateway {
    upstream: String,
    admin_token: String,
    seen: Seen,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_sign_requests_for_an_iam_admin_api() {
    let dir = scratch("api-client-sigv4");
    let config = intake_config(&dir);
    let server = Server::start(&dir.join("data"), &["--intake-config", path_str(&config)]);
    let (admin, _) = tokens(&server);
    let gateway = Arc::new(Gateway {
        upstream: server.url.clone(),
        admin_token: admin,
        seen: Seen::default(),
    });
    let addr = serve_gateway(gateway.clone()).await;
    let api = format!("http://{addr}/v1/iam/admin");
    let policy = demo_policy();
    let signed = |secret: &'static str, args: Vec<String>| {
        let api = api.clone();
        tokio::task::spawn_blocking(move || {
            let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
            all.extend(["--api", &api]);
            run_env(
                &all,
                &[
                    ("AWS_ACCESS_KEY_ID", KEY_ID),
                    ("AWS_SECRET_ACCESS_KEY", secret),
                    ("AWS_REGION", REGION),
                ],
            )
        })
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let history = signed(SECRET, args(&["policy", "history", "--json"]))
        .await
        .unwrap();
    assert_eq!(versions(&succeeded(&history, "signed history")), 1);
    let applied = signed(
        SECRET,
        args(&["policy", "apply", path_str(&policy), "--note", "signed"]),
    )
    .await
    .unwrap();
    succeeded(&applied, "signed apply (a body)");
    // A query with characters that are percent-encoded, signed as sent.
    let leads = signed(
        SECRET,
        args(&[
            "lead",
            "list",
            "--since",
            "1h",
            "--email",
            "ana+x@northwind.io",
            "--json",
        ]),
    )
    .await
    .unwrap();
    succeeded(&leads, "signed lead list");
    assert!(gateway.seen.verified.load(Ordering::Relaxed) >= 3);
    assert_eq!(gateway.seen.refused.load(Ordering::Relaxed), 0);

    // A wrong secret is refused by the gateway, and the command says so.
    let wrong = signed("not-the-secret", args(&["policy", "history"]))
        .await
        .unwrap();
    let stderr = failed(&wrong, "a wrongly signed request");
    assert!(stderr.contains("signature"), "{stderr}");
    assert_eq!(gateway.seen.refused.load(Ordering::Relaxed), 1);
    let history = signed(SECRET, args(&["policy", "history", "--json"]))
        .await
        .unwrap();
    assert_eq!(versions(&succeeded(&history, "history after apply")), 2);
    server.stop();
}

async fn serve_gateway(gateway: Arc<Gateway>) -> SocketAddr {
    serve_on_loopback(axum::Router::new().fallback(forward).with_state(gateway)).await
}

/// API Gateway's part: a request under `/v1/iam/admin` whose SigV4 signature matches the
/// one computed with the caller's secret goes on to the admin routes as an admin;
/// anything else is a 403 with API Gateway's message.
async fn forward(State(gateway): State<Arc<Gateway>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let path_and_query = parts.uri.path_and_query().unwrap().as_str().to_owned();
    let Some(rest) = path_and_query.strip_prefix("/v1/iam/admin") else {
        return (StatusCode::NOT_FOUND, r#"{"message":"Not Found"}"#).into_response();
    };
    if let Err(why) = verify(
        parts.method.as_str(),
        &path_and_query,
        &parts.headers,
        &body,
    ) {
        gateway.seen.refused.fetch_add(1, Ordering::Relaxed);
        let message = serde_json::json!({ "message": why }).to_string();
        return (StatusCode::FORBIDDEN, message).into_response();
    }
    gateway.seen.verified.fetch_add(1, Ordering::Relaxed);
    let url = format!("{}/v1/admin{rest}", gateway.upstream);
    let auth = format!("Bearer {}", gateway.admin_token);
    let mut headers = vec![("authorization", auth.as_str())];
    if let Some(ct) = parts.headers.get("content-type") {
        headers.push(("content-type", ct.to_str().unwrap()));
    }
    let answer = http_client::request(parts.method, &url, &headers, body)
        .await
        .unwrap();
    let mut response = (answer.status, answer.body).into_response();
    *response.headers_mut() = answer.headers;
    response
}

/// Recomputes the signature of the request from the headers it says it signed, the
/// scope it names and the known secret of its key id.
fn verify(
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(), String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| format!("Missing {name}"))
    };
    let authorization = header("authorization")?;
    let fields = authorization
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or("Authorization is not SigV4")?;
    let field = |name: &str| {
        fields
            .split(", ")
            .find_map(|f| f.strip_prefix(name))
            .ok_or_else(|| format!("Authorization has no {name}"))
    };
    let scope: Vec<&str> = field("Credential=")?.split('/').collect();
    let [key_id, date, region, service, "aws4_request"] = scope[..] else {
        return Err("bad credential scope".into());
    };
    if key_id != KEY_ID || region != REGION || service != "execute-api" {
        return Err(format!("unexpected scope {scope:?}"));
    }
    let signed_headers: Vec<&str> = field("SignedHeaders=")?.split(';').collect();
    if !signed_headers.contains(&"host") || !signed_headers.contains(&"x-amz-date") {
        return Err("host and x-amz-date must be signed".into());
    }
    let amz_date = header("x-amz-date")?;
    if !amz_date.starts_with(date) {
        return Err("x-amz-date is not the scope's date".into());
    }
    let utc = amz_date.strip_suffix('Z').ok_or("x-amz-date is not UTC")?;
    let when = jiff::fmt::strtime::parse("%Y%m%dT%H%M%S%z", format!("{utc}+0000"))
        .and_then(|t| t.to_timestamp())
        .map_err(|e| e.to_string())?;
    let age = jiff::Timestamp::now().duration_since(when).unsigned_abs();
    if age > Duration::from_secs(300) {
        return Err("Signature expired".into());
    }
    let mut pairs = Vec::new();
    for name in &signed_headers {
        pairs.push((*name, header(name)?));
    }
    let identity = Credentials::new(KEY_ID, SECRET, None, None, "gateway").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("execute-api")
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(when.as_second() as u64))
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let url = format!("http://{}{path_and_query}", header("host")?);
    let signable = SignableRequest::new(method, url, pairs.into_iter(), SignableBody::Bytes(body))
        .map_err(|e| e.to_string())?;
    let (_, expected) = sign(signable, &params).unwrap().into_parts();
    if field("Signature=")? == expected {
        Ok(())
    } else {
        Err("The request signature we calculated does not match the signature you provided.".into())
    }
}
