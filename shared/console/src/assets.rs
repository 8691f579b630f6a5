//! The console's files, compiled in: nothing is read from disk or another host at run
//! time, so the page a binary serves is the page it was tested with.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};

/// One file of the console.
#[derive(Debug)]
pub struct Asset {
    /// The file's name under the console's path.
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
    /// A strong validator of `body` (its hash), so a browser revalidates cheaply.
    pub etag: &'static str,
}

/// FNV-1a, 64 bits: enough to tell two versions of a file apart, and computable at
/// compile time.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// `"<16 hex digits>"`, the quoted form an `ETag` header carries.
const fn etag_bytes(bytes: &[u8]) -> [u8; 18] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hash = fnv1a(bytes);
    let mut out = [b'"'; 18];
    let mut i = 0;
    while i < 16 {
        out[1 + i] = HEX[((hash >> (60 - 4 * i)) & 0xf) as usize];
        i += 1;
    }
    out
}

macro_rules! asset {
    ($name:literal, $file:literal, $type:literal) => {{
        const BODY: &[u8] = include_bytes!(concat!("../assets/", $file));
        const TAG: [u8; 18] = etag_bytes(BODY);
        Asset {
            name: $name,
            content_type: $type,
            body: BODY,
            etag: match std::str::from_utf8(&TAG) {
                Ok(tag) => tag,
                Err(_) => panic!("an etag is ASCII"),
            },
        }
    }};
}

/// The page itself, served at the console's path.
pub const INDEX: Asset = asset!("index.html", "index.html", "text/html; charset=utf-8");

/// Every file served under the console's path, by name.
pub const ASSETS: [Asset; 3] = [
    INDEX,
    asset!("console.js", "console.js", "text/javascript; charset=utf-8"),
    asset!("console.css", "console.css", "text/css; charset=utf-8"),
];

impl Asset {
    /// The file, or `304 Not Modified` when the request's `If-None-Match` names this
    /// version. `no-cache`: a browser keeps it but asks each time, because the names carry
    /// no version and a new release must be seen at once.
    pub fn answer(&self, request: &HeaderMap) -> Response {
        let fresh = request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|tag| {
                let tag = tag.trim();
                tag == "*" || tag.trim_start_matches("W/") == self.etag
            });
        let mut response = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            Response::new(Body::from(self.body))
        };
        let headers = response.headers_mut();
        if !fresh {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            );
        }
        headers.insert(header::ETAG, HeaderValue::from_static(self.etag));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }
}
