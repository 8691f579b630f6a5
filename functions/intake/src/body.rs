//! Reading the request body within the size cap, and decoding it by content type into JSON
//! or form pairs. Decoding happens only after the signature check, on the same bytes.

use axum::body::Body;
use bytes::Bytes;
use futures_util::stream;
use http::HeaderMap;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::config::ProviderKind;
use crate::error::{FieldIssue, IntakeError};

/// The media type of a request, reduced to what intake distinguishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaType {
    Json,
    UrlEncoded,
    Multipart { boundary: String },
    Other(String),
    Missing,
}

impl MediaType {
    pub fn from_headers(headers: &HeaderMap) -> MediaType {
        let Some(value) = headers.get(http::header::CONTENT_TYPE) else {
            return MediaType::Missing;
        };
        let Ok(text) = value.to_str() else {
            return MediaType::Other("(not text)".into());
        };
        let essence = text
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json" => MediaType::Json,
            e if e.starts_with("application/") && e.ends_with("+json") => MediaType::Json,
            "application/x-www-form-urlencoded" => MediaType::UrlEncoded,
            "multipart/form-data" => match multer::parse_boundary(text) {
                Ok(boundary) => MediaType::Multipart { boundary },
                Err(_) => MediaType::Other("multipart/form-data without a boundary".into()),
            },
            "" => MediaType::Missing,
            _ => MediaType::Other(essence.chars().take(100).collect()),
        }
    }

    fn describe(&self) -> String {
        match self {
            MediaType::Json => "application/json".into(),
            MediaType::UrlEncoded => "application/x-www-form-urlencoded".into(),
            MediaType::Multipart { .. } => "multipart/form-data".into(),
            MediaType::Other(s) => s.clone(),
            MediaType::Missing => "(none)".into(),
        }
    }
}

/// What a provider sends, per its documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepts {
    Json,
    Form,
    JsonOrForm,
}

impl Accepts {
    pub fn for_kind(kind: ProviderKind) -> Accepts {
        match kind {
            ProviderKind::Jotform | ProviderKind::WebToLead => Accepts::Form,
            ProviderKind::GravityForms | ProviderKind::HtmlForm => Accepts::JsonOrForm,
            _ => Accepts::Json,
        }
    }

    /// For `Accept-Post` and the 415 detail.
    pub fn media_types(self) -> &'static str {
        match self {
            Accepts::Json => "application/json",
            Accepts::Form => "application/x-www-form-urlencoded, multipart/form-data",
            Accepts::JsonOrForm => {
                "application/json, application/x-www-form-urlencoded, multipart/form-data"
            }
        }
    }

    fn allows(self, media: &MediaType) -> bool {
        match media {
            MediaType::Json => matches!(self, Accepts::Json | Accepts::JsonOrForm),
            MediaType::UrlEncoded | MediaType::Multipart { .. } => {
                matches!(self, Accepts::Form | Accepts::JsonOrForm)
            }
            MediaType::Other(_) | MediaType::Missing => false,
        }
    }
}

/// A decoded body.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    Json(serde_json::Value),
    /// Name/value pairs in order (repeated names are kept). File parts of a multipart body
    /// are not stored; their field names are listed so the lead can carry a warning.
    Form {
        pairs: Vec<(String, String)>,
        skipped_files: Vec<String>,
    },
}

/// Reads the whole body, refusing more than `limit` bytes (from `Content-Length` up front,
/// and while reading for chunked bodies).
pub async fn read_limited(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, IntakeError> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(IntakeError::PayloadTooLarge { limit });
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(IntakeError::PayloadTooLarge { limit })
        }
        Err(e) => Err(IntakeError::invalid(
            "body",
            format!("the request body could not be read: {e}"),
        )),
    }
}

/// Checks the media type against what the source accepts, then decodes.
pub async fn decode(
    media: &MediaType,
    accepts: Accepts,
    body: &Bytes,
) -> Result<Decoded, IntakeError> {
    let unsupported = || IntakeError::UnsupportedMediaType {
        received: media.describe(),
        expected: accepts.media_types(),
    };
    if !accepts.allows(media) {
        return Err(unsupported());
    }
    match media {
        MediaType::Json => serde_json::from_slice(body)
            .map(Decoded::Json)
            .map_err(|e| IntakeError::invalid("body", format!("the body is not valid JSON ({e})"))),
        MediaType::UrlEncoded => Ok(Decoded::Form {
            pairs: form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            skipped_files: Vec::new(),
        }),
        MediaType::Multipart { boundary } => decode_multipart(body.clone(), boundary).await,
        MediaType::Other(_) | MediaType::Missing => Err(unsupported()),
    }
}

async fn decode_multipart(body: Bytes, boundary: &str) -> Result<Decoded, IntakeError> {
    let bad = |e: multer::Error| {
        IntakeError::Invalid(vec![FieldIssue::new(
            "body",
            format!("the multipart body is malformed ({e})"),
        )])
    };
    let chunks = stream::iter([Ok::<Bytes, std::convert::Infallible>(body)]);
    let mut multipart = multer::Multipart::new(chunks, boundary);
    let mut pairs = Vec::new();
    let mut skipped_files = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_owned();
        if field.file_name().is_some() {
            skipped_files.push(name);
            // Drain the part so the parser moves on; its bytes are not kept.
            field.bytes().await.map_err(bad)?;
            continue;
        }
        let value = field.text().await.map_err(bad)?;
        pairs.push((name, value));
    }
    Ok(Decoded::Form {
        pairs,
        skipped_files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(http::header::CONTENT_TYPE, ct.parse().unwrap());
        h
    }

    #[test]
    fn classifies_media_types() {
        assert_eq!(
            MediaType::from_headers(&headers("Application/JSON; charset=utf-8")),
            MediaType::Json
        );
        assert_eq!(
            MediaType::from_headers(&headers("application/vnd.api+json")),
            MediaType::Json
        );
        assert_eq!(
            MediaType::from_headers(&headers("application/x-www-form-urlencoded")),
            MediaType::UrlEncoded
        );
        assert_eq!(
            MediaType::from_headers(&headers("multipart/form-data; boundary=abc")),
            MediaType::Multipart {
                boundary: "abc".into()
            }
        );
        assert!(matches!(
            MediaType::from_headers(&headers("multipart/form-data")),
            MediaType::Other(_)
        ));
        assert!(matches!(
            MediaType::from_headers(&headers("text/plain")),
            MediaType::Other(_)
        ));
        assert_eq!(
            MediaType::from_headers(&HeaderMap::new()),
            MediaType::Missing
        );
    }
}
