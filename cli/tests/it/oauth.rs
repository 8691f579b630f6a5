//! A small authorization server with the endpoints of a Cognito user pool's hosted UI, for
//! the console's sign-in test: `GET /oauth2/authorize` (the authorization code flow with
//! PKCE: it shows a sign-in page, then sends the browser back to the callback URL with a
//! code), `POST /oauth2/token` (the code and its verifier for an ID, access and refresh
//! token, with CORS as a browser needs), `GET /logout` and the key set at
//! `/.well-known/jwks.json`. Tokens are RS256 JWTs shaped as Cognito's: `iss`, `aud` or
//! `client_id`, `token_use`, `email`, `cognito:groups`, `exp`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::rsa::PublicKeyComponents;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};

/// An RSA key made for this test only (`openssl genpkey -algorithm RSA -outform DER`: a
/// PKCS#1 `RSAPrivateKey`, base64): it signs the fake pool's tokens and nothing else.
const TEST_KEY_DER: &[&str] = &[
    "MIIEpAIBAAKCAQEAp18fr31MkIYCniwC3NSKhxT9+zbZLWFFJ9M3VKWB1WXg6y1AV9Gje2mPG+7WklEX4LGbqCWq",
    "C60KWnbuBBLBFtdlPWxBXx+rXIxLE8C5bQ4NpbNZGIS7GfGJ8vLT4khg93oi97PzoAWEAtNnBSyamfZjUUB5qec9",
    "xv8aA6cQEJRTyzg3qVepKYoOD6l13eDLN/3i7fT+0LYiy4RQEzVg7qYLtva6m76PSUKvZRVf+r0+aLJYhigo/8/T",
    "QogaRlis2J8n3M+z54ntiwmEEOLAqA2TH9xHkmnn9Sjh/qAkpZB+vOChGtE1GqrptqRC9crc8Di9zODQR7gDBuat",
    "jUkSdQIDAQABAoIBABO8ICDRnecGniVnXBkMyJ6/52ipIXd72isleQc2krYGUrx4M/eG5QdmvXSWN1++Rxn75zYu",
    "5ruEtk1Pa6Y4TeMzF6Fj89tTASIi+rFEDrkgqJRKru04rVUUSWdHoZszXJeho6Dga5AJRnUM1z9hcINJ7ZEFkLLr",
    "bLnbl4YpuzexDNCkRq/X6ENBjwsAzqP+UseqJ/JQzd3Jk1oTQBWQshRxAh5gW+a4jrdlItvsDRo+6H50yCWJXqRg",
    "l7oi1K7Vw8d81Hzwb9T5Ul/qcBrxcbGyvj+HOVr+vJJcW5uu8y4EhY2PnHgGMCrLsbLCCeGvSDs0kBP5vwqNvMA8",
    "xga1ieECgYEA1QLO2BPjosUwiwZWRsFuntZS95kZte/KH3XMYsdmEIx65vVDghrTkOkP2AR2p20sG3EU1q7XnLu3",
    "YbXNTTcz/ElhgXZMcbHCLIOIUdYP5rRUjB2px6TvVPz0y0iLGfjdDJ/TzQL7mWOZ6SV8sDpLlNBpcJjDQPBL8N/O",
    "alfufpECgYEAySZcYErHUqowuIlrxvICeMatqk0hHQezYBbnT9fAav9kpw36ou0RLR8fZy+gQrSPCqOPLP0UnNau",
    "WKVokM9BwZAIQ6s1ABJ11RjnP2b7chsyhxc32pOMcdZ/ZAPdp83KIurOLn8B+jsncmoa2OQbc7SDek6CEjBawE9L",
    "mlY3D6UCgYEAodAtQ1XwkgDL/ICG398nYoAbrL1gG6aZ28ZHyi4Bacbdwj9E1jv8xdNWVtolLNCxNfN0ShWt8wFi",
    "sFZELEkoM5mm+YrdTW0kvV36G3jKwY3xwDL0e5XevagfaaGlEcjMWz+6zL1cVcyk6cixbMoMCnM79e4GPXmNpuDN",
    "VFmR8hECgYEAnGmQ8WuUfOpMQmLRhPzRATt09XVOZ3WCfRiyO7rILCt2CBTtrV1susp1r9Yv507h3+L5RYFyUtb4",
    "8YOFwPz449vtITlzWCACsnbP8tRQeBVAAB4E15leX3Ls0kfTR1XVdbtiInOuhPcUoHpzb+5IjntytVtw91XUa6/9",
    "WQDrheUCgYB7Goo/XjTwad3aRxIpFLFhnt8og0tWP7xiB3CxhtiaeLwKdkW6/DGOMtYudYEdEqMUK/NQx2bz7pL7",
    "jyyvhokW5QEKi1u6pIgHsTIp2oADgKHea+r8+tk96Z8Z30klJdkiMqf+G04OQfymdNJFQF0y1o+4NssJN/e2HCTh",
    "I2TETg==",
];
const KID: &str = "test-key-1";
pub const CLIENT_ID: &str = "console-test-client";

/// The people who can sign in, and their groups.
const PEOPLE: [(&str, &str); 2] = [
    ("ana.admin@example.com", "switchboard-admin"),
    ("vic.viewer@example.com", "switchboard-viewer"),
];

/// A query string or form body as name → value (the last of a repeated name).
fn pairs(text: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(text).into_owned().collect()
}

struct Grant {
    email: String,
    challenge: String,
    redirect_uri: String,
}

#[derive(Default)]
struct Log {
    /// Codes issued and not yet exchanged.
    grants: HashMap<String, Grant>,
    /// Redirect URIs the authorize endpoint was asked for.
    authorized: Vec<String>,
    /// Token requests answered with tokens, and refused (with why).
    exchanged: usize,
    refused: Vec<String>,
    logouts: usize,
}

struct Pool {
    url: String,
    key: RsaKeyPair,
    /// The console's callback URL, known once `serve` has started.
    callback: Mutex<String>,
    log: Mutex<Log>,
}

/// A running fake pool.
#[derive(Clone)]
pub struct FakePool(Arc<Pool>);

impl FakePool {
    pub async fn start() -> FakePool {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let der = STANDARD.decode(TEST_KEY_DER.concat()).unwrap();
        let pool = FakePool(Arc::new(Pool {
            url,
            key: RsaKeyPair::from_der(&der).unwrap(),
            callback: Mutex::new(String::new()),
            log: Mutex::new(Log::default()),
        }));
        let app = axum::Router::new()
            .route("/oauth2/authorize", get(authorize))
            .route("/login", post(login))
            .route("/oauth2/token", post(token))
            .route("/logout", get(logout))
            .route("/.well-known/jwks.json", get(jwks))
            .with_state(pool.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        pool
    }

    /// The pool's domain (its OAuth endpoints' origin), also the tokens' issuer.
    pub fn url(&self) -> &str {
        &self.0.url
    }

    pub fn set_callback(&self, url: &str) {
        *self.0.callback.lock().unwrap() = url.to_owned();
    }

    /// The JSON Web Key Set `serve --admin-jwt-jwks` reads.
    pub fn jwks(&self) -> Value {
        let public: PublicKeyComponents<Vec<u8>> = self.0.key.public().into();
        json!({ "keys": [{
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": KID,
            "n": URL_SAFE_NO_PAD.encode(&public.n),
            "e": URL_SAFE_NO_PAD.encode(&public.e),
        }]})
    }

    /// `claims` signed as the pool signs, with `kid` in the header.
    pub fn sign(&self, claims: &Value) -> String {
        let head = URL_SAFE_NO_PAD.encode(json!({ "alg": "RS256", "kid": KID }).to_string());
        let body = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{head}.{body}");
        let mut sig = vec![0; self.0.key.public().modulus_len()];
        self.0
            .key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signed.as_bytes(),
                &mut sig,
            )
            .unwrap();
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    /// An ID token for `email` with `group`, valid for an hour.
    pub fn id_token(&self, email: &str, group: &str) -> String {
        let now = jiff::Timestamp::now().as_second();
        self.sign(&json!({
            "iss": self.0.url, "aud": CLIENT_ID, "token_use": "id",
            "sub": format!("sub-{email}"), "email": email, "cognito:groups": [group],
            "iat": now, "auth_time": now, "exp": now + 3600,
        }))
    }

    /// (redirect URIs asked for, tokens issued, refusals, logouts).
    pub fn log(&self) -> (Vec<String>, usize, Vec<String>, usize) {
        let l = self.0.log.lock().unwrap();
        (
            l.authorized.clone(),
            l.exchanged,
            l.refused.clone(),
            l.logouts,
        )
    }
}

/// Problem answers as the pool gives them: `{"error": ...}` with 400.
fn oauth_error(pool: &FakePool, error: &str) -> Response {
    pool.0.log.lock().unwrap().refused.push(error.to_owned());
    (
        StatusCode::BAD_REQUEST,
        cors(),
        axum::Json(json!({ "error": error })),
    )
        .into_response()
}

/// The pool lets any origin call its token endpoint (the console's page is on another).
fn cors() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h
}

async fn authorize(State(pool): State<FakePool>, RawQuery(q): RawQuery) -> Response {
    let q = pairs(q.unwrap_or_default().as_bytes());
    let field = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let callback = pool.0.callback.lock().unwrap().clone();
    pool.0
        .log
        .lock()
        .unwrap()
        .authorized
        .push(field("redirect_uri").to_owned());
    // What Cognito refuses before showing its page: an unknown client or callback, a
    // flow other than the code flow, PKCE without S256.
    if field("client_id") != CLIENT_ID
        || field("redirect_uri") != callback
        || field("response_type") != "code"
        || field("code_challenge_method") != "S256"
        || field("code_challenge").len() < 43
        || !field("scope").split(' ').any(|s| s == "openid")
    {
        return (StatusCode::BAD_REQUEST, "invalid_request").into_response();
    }
    let options: String = PEOPLE
        .iter()
        .map(|(email, _)| format!("<option value=\"{email}\">{email}</option>"))
        .collect();
    let hidden: String = ["redirect_uri", "state", "code_challenge"]
        .iter()
        .map(|k| {
            format!(
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                field(k)
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><title>Sign in</title><form method=\"post\" action=\"/login\">\
         <label for=\"username\">Email</label><select id=\"username\" name=\"username\">{options}</select>\
         {hidden}<button id=\"pool-submit\" type=\"submit\">Sign in</button></form>"
    ))
    .into_response()
}

async fn login(State(pool): State<FakePool>, body: Bytes) -> Response {
    let f = pairs(&body);
    let email = f.get("username").cloned().unwrap_or_default();
    let code = URL_SAFE_NO_PAD.encode(format!("code-{}-{}", email, fastrand::u64(..)));
    let redirect = format!(
        "{}?{}",
        f["redirect_uri"],
        form_urlencoded::Serializer::new(String::new())
            .append_pair("code", &code)
            .append_pair("state", &f["state"])
            .finish()
    );
    pool.0.log.lock().unwrap().grants.insert(
        code,
        Grant {
            email,
            challenge: f["code_challenge"].clone(),
            redirect_uri: f["redirect_uri"].clone(),
        },
    );
    Redirect::to(&redirect).into_response()
}

async fn token(State(pool): State<FakePool>, body: Bytes) -> Response {
    let f = pairs(&body);
    let field = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    if field("grant_type") != "authorization_code" {
        return oauth_error(&pool, "unsupported_grant_type");
    }
    if field("client_id") != CLIENT_ID {
        return oauth_error(&pool, "invalid_client");
    }
    // A code is good once, for the callback it was issued to, with the verifier whose
    // SHA-256 the authorization request carried.
    let grant = pool.0.log.lock().unwrap().grants.remove(field("code"));
    let Some(grant) = grant else {
        return oauth_error(&pool, "invalid_grant");
    };
    let digest = ring::digest::digest(&ring::digest::SHA256, field("code_verifier").as_bytes());
    if URL_SAFE_NO_PAD.encode(digest.as_ref()) != grant.challenge
        || field("redirect_uri") != grant.redirect_uri
    {
        return oauth_error(&pool, "invalid_grant");
    }
    let group = PEOPLE
        .iter()
        .find(|(e, _)| *e == grant.email)
        .map(|(_, g)| *g)
        .unwrap_or("");
    let now = jiff::Timestamp::now().as_second();
    let access = pool.sign(&json!({
        "iss": pool.0.url, "client_id": CLIENT_ID, "token_use": "access",
        "sub": format!("sub-{}", grant.email), "username": grant.email,
        "cognito:groups": [group], "scope": "openid email profile", "exp": now + 3600,
    }));
    pool.0.log.lock().unwrap().exchanged += 1;
    let answer = json!({
        "id_token": pool.id_token(&grant.email, group),
        "access_token": access,
        "refresh_token": "opaque-refresh-token",
        "expires_in": 3600,
        "token_type": "Bearer",
    });
    (cors(), axum::Json(answer)).into_response()
}

async fn logout(State(pool): State<FakePool>, RawQuery(q): RawQuery) -> Response {
    let q = pairs(q.unwrap_or_default().as_bytes());
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return (StatusCode::BAD_REQUEST, "invalid_request").into_response();
    }
    pool.0.log.lock().unwrap().logouts += 1;
    Redirect::to(q.get("logout_uri").map(String::as_str).unwrap_or("/")).into_response()
}

async fn jwks(State(pool): State<FakePool>) -> axum::Json<Value> {
    axum::Json(pool.jwks())
}
