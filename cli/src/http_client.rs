//! A small HTTP/1.1 client over a plain TCP connection, for talking to a local server
//! (admin commands, tests, the load tool). `http://` only: the local server listens on
//! loopback without TLS.

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("`{0}` is not an http:// URL")]
    BadUrl(String),
    #[error("cannot connect to {authority}: {source}")]
    Connect {
        authority: String,
        source: std::io::Error,
    },
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    #[error("building the request: {0}")]
    Request(#[from] http::Error),
}

impl ClientError {
    /// True when nothing listens there (e.g. a stale `serve.json`).
    pub fn is_refused(&self) -> bool {
        matches!(self, ClientError::Connect { source, .. }
            if source.kind() == std::io::ErrorKind::ConnectionRefused)
    }
}

/// A response, fully read.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// `http://host:port/path` → (`host:port`, `/path`).
pub fn split_url(url: &str) -> Result<(&str, &str), ClientError> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| ClientError::BadUrl(url.to_owned()))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(ClientError::BadUrl(url.to_owned()));
    }
    Ok((authority, path))
}

/// One keep-alive connection.
pub struct Connection {
    authority: String,
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    pub async fn open(authority: &str) -> Result<Connection, ClientError> {
        let stream =
            TcpStream::connect(authority)
                .await
                .map_err(|source| ClientError::Connect {
                    authority: authority.to_owned(),
                    source,
                })?;
        // Small requests and answers: do not wait to coalesce them.
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Ends when the connection closes; the next request then reports the error.
            let _ = conn.await;
        });
        Ok(Connection {
            authority: authority.to_owned(),
            sender,
        })
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Response, ClientError> {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, self.authority.as_str());
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let request = builder.body(Full::new(body))?;
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Response {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
}

/// One request on a fresh connection.
pub async fn request(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Result<Response, ClientError> {
    let (authority, path) = split_url(url)?;
    let mut conn = Connection::open(authority).await?;
    conn.send(method, path, headers, body.into()).await
}
