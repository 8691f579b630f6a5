//! Plain HTML forms and Salesforce-style Web-to-Lead posts
//! (`application/x-www-form-urlencoded` or `multipart/form-data`): `first_name`,
//! `last_name`, `email`, `company`, `country`, `phone`, ... plus any custom fields
//! (Web-to-Lead's `00N...` ids can be named in the source's `fields` mapping).
//! A site posting JSON with `fetch` is read like the generic API.

use switchboard_routing::Scalar;

use super::{Parsed, RawField, Submission, merge_pairs};
use crate::body::Decoded;
use crate::error::{FieldIssue, IntakeError};

/// Form plumbing that is not lead data: Web-to-Lead routing fields, captcha tokens, CSRF
/// tokens and submit buttons. `retURL` in particular is never followed: redirects go only
/// to the source's configured `thank_you_url`.
const PLUMBING: &[&str] = &[
    "oid",
    "orgid",
    "returl",
    "debug",
    "debugemail",
    "encoding",
    "captcha_settings",
    "g-recaptcha-response",
    "h-captcha-response",
    "cf-turnstile-response",
    "submit",
    "_token",
    "csrf_token",
    "csrfmiddlewaretoken",
    "authenticity_token",
];

pub fn parse(body: &Decoded) -> Result<Parsed, IntakeError> {
    match body {
        Decoded::Json(_) => super::generic::parse(body),
        Decoded::Form {
            pairs,
            skipped_files,
        } => {
            let mut sub = Submission::default();
            for (k, v) in merge_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
                if k.is_empty() || PLUMBING.contains(&k.to_ascii_lowercase().as_str()) {
                    continue;
                }
                sub.fields.push(RawField::new(k, Scalar::Text(v)));
            }
            for name in skipped_files {
                sub.warnings.push(FieldIssue::new(
                    name.as_str(),
                    "file uploads are not stored",
                ));
            }
            Ok(Parsed::Lead(sub))
        }
    }
}
