//! The enrichment provider over HTTP (feature `client`): one GET of the policy's URL with
//! its auth header, the answer classified for the router (`switchboard_store::enrichment`).
//! One attempt, bounded by the policy's `timeout_ms`: the lead is waiting.

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::Full;
use switchboard_store::enrichment::{BoxFuture, Enricher, ProviderAnswer, ProviderRequest};
use tokio::sync::Mutex;

use crate::client::{HttpClient, HttpError};
use crate::secrets::{RemoteSecrets, Resolver};

/// Largest answer read: a company profile, not a data dump.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// [`Enricher`] over [`HttpClient`]; secret references resolved through `R` (each once).
pub struct HttpEnricher<R> {
    client: HttpClient,
    secrets: Mutex<Resolver<R>>,
}

impl<R: RemoteSecrets> HttpEnricher<R> {
    pub fn new(remote: R) -> Result<Self, HttpError> {
        Ok(Self::with_resolver(
            HttpClient::new()?,
            Resolver::new(remote),
        ))
    }

    /// With a client and resolver of the caller's (tests read `env:` from a map).
    pub fn with_resolver(client: HttpClient, secrets: Resolver<R>) -> Self {
        HttpEnricher {
            client: client.with_max_body(MAX_ANSWER_BYTES),
            secrets: Mutex::new(secrets),
        }
    }

    async fn get(&self, request: ProviderRequest<'_>) -> ProviderAnswer {
        let mut builder = Request::builder()
            .method(Method::GET)
            .uri(request.url)
            .header(header::ACCEPT, HeaderValue::from_static("application/json"))
            .header(
                header::USER_AGENT,
                HeaderValue::from_static("switchboard-router"),
            );
        if let Some(auth) = request.auth {
            let secret = match self.secrets.lock().await.resolve(&auth.secret).await {
                Ok(s) => s,
                Err(e) => return ProviderAnswer::Failed(format!("auth secret {e}")),
            };
            let (Ok(name), Ok(value)) = (
                HeaderName::try_from(auth.header.as_str()),
                HeaderValue::try_from(format!("{}{secret}", auth.prefix)),
            ) else {
                return ProviderAnswer::Failed("the auth header is not a valid header".into());
            };
            builder = builder.header(name, value);
        }
        let request_sent = match builder.body(Full::new(Bytes::new())) {
            Ok(r) => r,
            // The URL is not named: it may hold the lead's email.
            Err(_) => return ProviderAnswer::Failed("the provider URL is not valid".into()),
        };
        let client = self.client.clone().with_timeout(request.timeout);
        match client.send(request_sent).await {
            Err(HttpError::Timeout(_)) => ProviderAnswer::Timeout,
            Err(e) => ProviderAnswer::Failed(format!("no answer: {e}")),
            Ok(r) if r.status.is_success() => match serde_json::from_slice(&r.body) {
                Ok(body) => ProviderAnswer::Found(body),
                Err(_) => ProviderAnswer::Failed(format!(
                    "HTTP {} with a body that is not JSON",
                    r.status.as_u16()
                )),
            },
            Ok(r) if r.status == StatusCode::NOT_FOUND => ProviderAnswer::NotFound,
            Ok(r) if r.status == StatusCode::TOO_MANY_REQUESTS => ProviderAnswer::RateLimited,
            Ok(r) => ProviderAnswer::Failed(format!("HTTP {}", r.status.as_u16())),
        }
    }
}

impl<R: RemoteSecrets + 'static> Enricher for HttpEnricher<R> {
    fn lookup<'a>(&'a self, request: ProviderRequest<'a>) -> BoxFuture<'a, ProviderAnswer> {
        Box::pin(self.get(request))
    }
}
