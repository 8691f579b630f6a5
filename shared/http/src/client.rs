//! The outbound HTTPS client (feature `client`): the notifier's channels and the command
//! line's admin client against a deployment. hyper over rustls (ring, the platform's root
//! certificates), the stack the AWS SDK already brings, so no second TLS library. HTTP/1.1
//! only; `http://` is allowed for local receivers and servers.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Longest wait for one request, connect to last byte. Channels answer in well under a
/// second; a hung receiver must not hold a batch past the function's timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Most bytes of a response body read by default (a channel needs only error texts and
/// Slack's `ok`); [`HttpClient::with_max_body`] raises it for readers of whole answers.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct HttpClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    max_body: usize,
}

/// A response, with at most the client's body limit of its body (64 KiB unless raised).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    pub fn text(&self) -> String {
        let t = String::from_utf8_lossy(&self.body);
        let t = t.trim();
        // Enough of an error body to diagnose, not a page of HTML in the log.
        match t.char_indices().nth(300) {
            Some((i, _)) => format!("{}…", &t[..i]),
            None => t.to_owned(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("no TLS root certificates: {0}")]
    Roots(std::io::Error),
    #[error("bad request: {0}")]
    Request(#[from] http::Error),
    #[error("{0}")]
    Transport(String),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

impl HttpClient {
    pub fn new() -> Result<HttpClient, HttpError> {
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let builder = match builder
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
        {
            Ok(b) => b,
            // A machine without a CA bundle can still use `http://` receivers and the
            // log; HTTPS requests then fail, each with a certificate error.
            Err(e) => {
                tracing::warn!(error = %e, "no TLS root certificates found; HTTPS channels will fail");
                let config = rustls::ClientConfig::builder_with_provider(
                    rustls::crypto::ring::default_provider().into(),
                )
                .with_safe_default_protocol_versions()
                .map_err(|e| HttpError::Roots(std::io::Error::other(e)))?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
                hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config)
            }
        };
        let https = builder.https_or_http().enable_http1().build();
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(https);
        Ok(HttpClient {
            client,
            timeout: DEFAULT_TIMEOUT,
            max_body: MAX_RESPONSE_BYTES,
        })
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Reads up to `bytes` of each response body (a longer body fails the request).
    pub fn with_max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// POSTs `body` as JSON with `headers` added.
    pub async fn post_json(
        &self,
        url: &str,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Response, HttpError> {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(url)
            .header(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            )
            .header(
                header::USER_AGENT,
                HeaderValue::from_static("switchboard-notifier"),
            )
            .body(Full::new(body))?;
        request.headers_mut().extend(headers);
        self.send(request).await
    }

    /// Sends `request`; a body cut short or over the limit still leaves the status to judge
    /// by (its body is then empty).
    pub async fn send(&self, request: Request<Full<Bytes>>) -> Result<Response, HttpError> {
        let max_body = self.max_body;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| HttpError::Transport(switchboard_store::describe(&e)))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, max_body)
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            Ok(Response {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| HttpError::Timeout(self.timeout))?
    }
}
