//! The HTTP/1.1 listener of `switchboard serve`, with the limits a server facing unknown
//! clients needs (the Lambda has API Gateway in front of it; this process is what people
//! put behind their own proxy):
//!
//! - **header read timeout**: a request head (request line and headers) must arrive
//!   within [`EdgeLimits::header_timeout`] of the server starting to wait for it;
//! - **body read timeout**: a request's body must arrive within
//!   [`EdgeLimits::body_timeout`] of its head; later, the request answers a 408 problem
//!   and the connection closes;
//! - **idle timeout**: a keep-alive connection with no request in progress and nothing
//!   received is closed after [`EdgeLimits::idle_timeout`];
//! - **connection cap**: beyond [`EdgeLimits::max_connections`] open connections, a new
//!   one gets a 503 problem and is closed at once, so a flood of stalled clients cannot
//!   use up the process's open files;
//! - **head size**: a head larger than [`EdgeLimits::max_head_bytes`] (or a request
//!   target longer than the parser's 65,534 bytes) is refused by the HTTP parser. It
//!   writes its own bodiless 431/414; [`EdgeIo`] puts a problem document in its place;
//! - **shutdown deadline**: on stop the listener closes, every connection finishes the
//!   request it is serving (idle ones close), and whatever is still open after
//!   [`EdgeLimits::shutdown_deadline`] is closed.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use switchboard_http::{Problem, ProblemType};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};
use tower::Service;

/// The limits of the listener. [`EdgeLimits::default`] gives the documented defaults
/// (docs/LOCAL.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeLimits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// Largest request head (request line and headers) read; at least 8 KiB.
    pub max_head_bytes: usize,
    pub shutdown_deadline: Duration,
}

impl Default for EdgeLimits {
    fn default() -> Self {
        EdgeLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(5),
            // Below the usual 1,024 open files, leaving room for the store and the
            // outgoing notification connections.
            max_connections: 512,
            max_head_bytes: 64 * 1024,
            shutdown_deadline: Duration::from_secs(10),
        }
    }
}

/// The smallest head buffer the HTTP parser accepts.
const MIN_HEAD_BYTES: usize = 8 * 1024;
/// Longest wait for a refused request's sender to read the answer before the socket closes.
const LINGER: Duration = Duration::from_secs(2);
/// Pause after a failed accept (out of open files): the listener retries rather than spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` until `stop` turns true (or its sender is dropped), then
/// shuts down within the deadline.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: EdgeLimits,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (close_tx, close_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = stopped(&mut stop) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => match permits.clone().try_acquire_owned() {
                    Ok(permit) => {
                        let (app, close) = (app.clone(), close_rx.clone());
                        connections.spawn(connection(stream, permit, app, limits, close));
                    }
                    Err(_) => refuse(stream),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
        }
    }
    drop(listener);
    let _ = close_tx.send(true);
    let drained = tokio::time::timeout(limits.shutdown_deadline, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            deadline = ?limits.shutdown_deadline,
            "closing the connections still open at the shutdown deadline"
        );
        connections.shutdown().await;
    }
    Ok(())
}

/// Resolves once the switch is on or its sender is gone (the owner stopped without saying).
async fn stopped(switch: &mut watch::Receiver<bool>) {
    let _ = switch.wait_for(|on| *on).await;
}

/// Over the connection cap: a 503 problem if the socket takes it at once, then close.
fn refuse(stream: TcpStream) {
    let problem = Problem::new(
        ProblemType::Overloaded,
        "too many connections are open; retry shortly",
        Vec::new(),
    );
    let mut bytes = problem.to_http1_bytes();
    // Clients are told when to come back.
    let at = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0);
    bytes.splice(at..at, b"\r\nretry-after: 1".iter().copied());
    let _ = stream.try_write(&bytes);
}

/// One connection: hyper's HTTP/1.1 with the header timeout, the idle watchdog, and the
/// stop signal.
async fn connection(
    stream: TcpStream,
    permit: OwnedSemaphorePermit,
    app: Router,
    limits: EdgeLimits,
    mut close: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(EdgeIo::new(stream, permit, activity.clone()));
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |request| {
            handle(app.clone(), request, activity.clone(), limits.body_timeout)
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_head_bytes.max(MIN_HEAD_BYTES));
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        let wake = activity.idle_deadline(limits.idle_timeout);
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = stopped(&mut close), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = tokio::time::sleep_until(wake), if !closing => {
                if activity.idle_for(limits.idle_timeout) {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// One request: the body under its deadline, the router, and a 408 in place of whatever
/// the router answered if the body's deadline passed.
async fn handle(
    mut app: Router,
    request: Request<Incoming>,
    activity: Arc<Activity>,
    body_timeout: Duration,
) -> Result<Response<Body>, Infallible> {
    let _in_flight = activity.begin();
    let expired = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + body_timeout;
    let request = request.map(|body| Body::new(DeadlineBody::new(body, deadline, expired.clone())));
    let response = app.call(request).await?;
    if expired.load(Ordering::Relaxed) {
        let mut response = axum::response::IntoResponse::into_response(Problem::for_status(
            StatusCode::REQUEST_TIMEOUT,
            Some("the request body did not arrive in time".to_owned()),
        ));
        let headers = response.headers_mut();
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        return Ok(response);
    }
    Ok(response)
}

/// Whether a connection is idle, and since when. Idle: no request in progress and no byte
/// received since the last one ended (bytes of a next head hand the connection to the
/// header timeout).
struct Activity {
    state: Mutex<ActivityState>,
}

struct ActivityState {
    in_flight: usize,
    idle_since: Option<Instant>,
}

impl Activity {
    fn new() -> Self {
        Activity {
            state: Mutex::new(ActivityState {
                in_flight: 0,
                idle_since: Some(Instant::now()),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ActivityState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        let mut s = self.lock();
        s.in_flight += 1;
        s.idle_since = None;
        InFlight(self.clone())
    }

    fn received(&self) {
        let mut s = self.lock();
        s.idle_since = None;
    }

    /// When to look again: the end of the idle period, or a period from now while busy.
    fn idle_deadline(&self, idle: Duration) -> Instant {
        let since = self.lock().idle_since.unwrap_or_else(Instant::now);
        since + idle
    }

    fn idle_for(&self, idle: Duration) -> bool {
        let s = self.lock();
        s.in_flight == 0 && s.idle_since.is_some_and(|t| t.elapsed() >= idle)
    }
}

/// A request in progress; dropping it (the answer is ready) may start the idle period.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        if s.in_flight == 0 {
            s.idle_since = Some(Instant::now());
        }
    }
}

/// The request body, failing once its deadline passes (and saying so in `expired`).
struct DeadlineBody {
    inner: Incoming,
    sleep: Pin<Box<Sleep>>,
    expired: Arc<AtomicBool>,
}

impl DeadlineBody {
    fn new(inner: Incoming, deadline: Instant, expired: Arc<AtomicBool>) -> Self {
        DeadlineBody {
            inner,
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
            expired,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct BodyTimeout;

impl hyper::body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|r| r.map_err(Into::into)));
        }
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.expired.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(BodyTimeout.into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The connection's socket as hyper sees it. It marks reads as activity, and it replaces
/// the bodiless error answers the HTTP parser writes itself (400 for a malformed head, 414
/// for a request target over 65,534 bytes, 431 for a head over the buffer) with a problem
/// document of the same status.
///
/// How such an answer is recognized: every error answer of the router is a problem
/// document with a body (`problem_edge` sees to it), so an error status with
/// `content-length: 0` can only come from the parser.
struct EdgeIo {
    /// `None` only once handed to the lingering close.
    inner: Option<TcpStream>,
    /// The connection's place under the cap, released when the socket closes.
    permit: Option<OwnedSemaphorePermit>,
    activity: Arc<Activity>,
    /// The problem answer written in place of the parser's, and how much of it is sent.
    replacement: Vec<u8>,
    sent: usize,
    replaced: bool,
}

impl EdgeIo {
    fn new(inner: TcpStream, permit: OwnedSemaphorePermit, activity: Arc<Activity>) -> Self {
        EdgeIo {
            inner: Some(inner),
            permit: Some(permit),
            activity,
            replacement: Vec::new(),
            sent: 0,
            replaced: false,
        }
    }

    fn stream(&mut self) -> io::Result<&mut TcpStream> {
        self.inner
            .as_mut()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }

    fn poll_send_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.replacement.len() {
            let (sent, replacement) = (self.sent, std::mem::take(&mut self.replacement));
            let written = Pin::new(self.stream()?).poll_write(cx, &replacement[sent..]);
            self.replacement = replacement;
            match ready!(written)? {
                0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                n => self.sent += n,
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// The status of an answer the HTTP parser wrote itself, if `buf` starts one.
fn parser_error_status(buf: &[u8]) -> Option<StatusCode> {
    let rest = buf
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| buf.strip_prefix(b"HTTP/1.0 "))?;
    let status = StatusCode::from_bytes(rest.get(..3)?).ok()?;
    if !(status.is_client_error() || status.is_server_error()) {
        return None;
    }
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = buf[..end + 2].to_ascii_lowercase();
    head.windows(21)
        .any(|w| w == b"\r\ncontent-length: 0\r\n")
        .then_some(status)
}

impl AsyncRead for EdgeIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(self.stream()?).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            self.activity.received();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for EdgeIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // After a replaced answer the connection is closing; nothing else goes out.
        if self.replaced {
            return Poll::Ready(Ok(buf.len()));
        }
        if let Some(status) = parser_error_status(buf) {
            let detail = match status {
                StatusCode::BAD_REQUEST => Some("the request head could not be parsed".into()),
                _ => None,
            };
            self.replacement = Problem::for_status(status, detail).to_http1_bytes();
            self.replaced = true;
            // Sent now as far as the socket takes it, the rest on flush.
            if let Poll::Ready(Err(e)) = self.poll_send_replacement(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(self.stream()?).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_send_replacement(cx))?;
        Pin::new(self.stream()?).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_send_replacement(cx))?;
        Pin::new(self.stream()?).poll_shutdown(cx)
    }
}

impl Drop for EdgeIo {
    /// After a replaced answer the client is usually still sending the rest of what was
    /// refused (a large head); closing with unread bytes would reset the connection and
    /// could destroy the answer before the client reads it. So the socket is closed for
    /// writing, drained for a moment, then closed, still counted under the cap.
    fn drop(&mut self) {
        if !self.replaced {
            return;
        }
        let (Some(stream), Ok(runtime)) =
            (self.inner.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let rest = self
            .replacement
            .split_off(self.sent.min(self.replacement.len()));
        let permit = self.permit.take();
        runtime.spawn(async move {
            let _permit = permit;
            let _ = tokio::time::timeout(LINGER, linger(stream, rest)).await;
        });
    }
}

async fn linger(mut stream: TcpStream, rest: Vec<u8>) -> io::Result<()> {
    stream.write_all(&rest).await?;
    stream.shutdown().await?;
    let mut sink = [0u8; 8192];
    while stream.read(&mut sink).await? > 0 {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_the_parsers_own_error_answers() {
        let cases: &[(&[u8], Option<u16>)] = &[
            (
                b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n",
                Some(431),
            ),
            (
                b"HTTP/1.1 414 URI Too Long\r\nContent-Length: 0\r\n\r\n",
                Some(414),
            ),
            (
                b"HTTP/1.0 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
                Some(400),
            ),
            // The router's answers carry a body.
            (
                b"HTTP/1.1 404 Not Found\r\ncontent-length: 120\r\n\r\n{}",
                None,
            ),
            (
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 05\r\n\r\n",
                None,
            ),
            // Success without a body (a redirect) is not an error.
            (b"HTTP/1.1 303 See Other\r\ncontent-length: 0\r\n\r\n", None),
            // Body bytes that happen to look like a status line, without a head end.
            (b"HTTP/1.1 400 x", None),
            (b"{\"a\": 1}", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                parser_error_status(bytes).map(|s| s.as_u16()),
                *want,
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn an_idle_connection_is_idle_only_with_nothing_in_flight() {
        let activity = Arc::new(Activity::new());
        let zero = Duration::ZERO;
        assert!(activity.idle_for(zero));
        let request = activity.begin();
        assert!(!activity.idle_for(zero));
        drop(request);
        assert!(activity.idle_for(zero));
        activity.received();
        assert!(!activity.idle_for(zero), "a head has started arriving");
    }

    #[test]
    fn refused_answers_are_complete_problem_documents() {
        let bytes = Problem::for_status(StatusCode::URI_TOO_LONG, None).to_http1_bytes();
        let text = String::from_utf8(bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{head}");
        assert!(head.contains("content-type: application/problem+json"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let problem: Problem = serde_json::from_str(body).unwrap();
        assert_eq!(problem.status, 414);
        assert_eq!(problem.kind, "urn:switchboard:problem:uri-too-long");
    }
}
