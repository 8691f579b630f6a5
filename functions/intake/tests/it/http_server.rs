//! The same router served on a real TCP listener, called with a real HTTP/1.1 client, as the
//! local process will serve it.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

use crate::common::*;

async fn serve(h: &Harness) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = h.app.clone();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    addr
}

/// One request on a fresh connection.
async fn call(
    addr: SocketAddr,
    request: Request<Full<Bytes>>,
) -> (StatusCode, http::HeaderMap, Vec<u8>) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let response = sender.send_request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    (
        parts.status,
        parts.headers,
        body.collect().await.unwrap().to_bytes().to_vec(),
    )
}

fn request(
    method: &str,
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Request<Full<Bytes>> {
    let mut b = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"))
        .header("host", addr.to_string());
    for (k, v) in headers {
        b = b.header(*k, v.as_str());
    }
    b.body(Full::new(Bytes::from(body))).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_intake_over_tcp() {
    let h = Harness::new();
    let addr = serve(&h).await;

    let (status, _, body) = call(addr, request("GET", addr, "/healthz", &[], vec![])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, br#"{"status":"ok"}"#);

    // Generic API: 202 with a status URL, then the status lookup.
    let (status, _, body) = call(
        addr,
        request(
            "POST",
            addr,
            "/v1/leads",
            &[
                ("content-type", "application/json".into()),
                ("x-api-key", API_KEY.into()),
            ],
            lead_json("tcp@acme.io"),
        ),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let id = answer["lead_id"].as_str().unwrap();
    let (status, _, body) = call(
        addr,
        request(
            "GET",
            addr,
            &format!("/v1/leads/{id}"),
            &[("x-api-key", API_KEY.into())],
            vec![],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let view: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(view["lead"]["email"], "tcp@acme.io");

    // A signed provider webhook over the wire.
    let tally = fixture("tally.json");
    let (status, _, _) = call(
        addr,
        request(
            "POST",
            addr,
            "/v1/hooks/tally",
            &[
                ("content-type", "application/json".into()),
                ("tally-signature", tally_signature(TALLY_SECRET, &tally)),
            ],
            tally.clone(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);

    // Refusals over the wire: bad signature, wrong content type.
    let (status, headers, _) = call(
        addr,
        request(
            "POST",
            addr,
            "/v1/hooks/tally",
            &[
                ("content-type", "application/json".into()),
                ("tally-signature", "AAAA".into()),
            ],
            tally,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["content-type"], "application/problem+json");
    // (Oversized bodies are tested without a socket: a server that answers 413 before
    // reading the body resets the connection, which can race the client's write.)
    let (status, _, _) = call(
        addr,
        request(
            "POST",
            addr,
            "/v1/leads",
            &[
                ("content-type", "text/csv".into()),
                ("x-api-key", API_KEY.into()),
            ],
            b"email\nx@acme.io\n".to_vec(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(h.store.len().await, 2);
}
