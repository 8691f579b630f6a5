//! JSON request bodies, read strictly.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use switchboard_store::FieldIssue;

use crate::problem::{Problem, ProblemType};

/// The body as `T`, or the 422 problem to answer. The problem names the field at fault
/// when serde does (an unknown or a missing field), else `body`. Request types refuse
/// fields they do not know (`#[serde(deny_unknown_fields)]`), so a misspelt field is never
/// read as an absent one.
pub fn json_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, Problem> {
    serde_json::from_slice(body).map_err(|e| {
        let message = e.to_string();
        let field = ["unknown field `", "missing field `"]
            .iter()
            .find_map(|prefix| message.strip_prefix(prefix))
            .and_then(|rest| rest.split_once('`'))
            .map_or("body", |(field, _)| field)
            .to_owned();
        Problem::new(
            ProblemType::InvalidBody,
            format!("request body: {message}"),
            vec![FieldIssue::new(field, message)],
        )
    })
}

/// The value of `name` in a query string (`a=1&b=2`), undecoded: for plain numbers and
/// ids.
pub fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Rollback {
        version: u64,
    }

    #[test]
    fn a_refused_body_names_the_field_at_fault() {
        let cases = [
            (r#"{"verison": 1}"#, "verison"),
            (r#"{}"#, "version"),
            (r#"{"version": "one"}"#, "body"),
            ("not json", "body"),
        ];
        for (body, field) in cases {
            let problem = json_body::<Rollback>(&Bytes::from(body)).unwrap_err();
            assert_eq!(problem.status, 422, "{body}");
            assert_eq!(problem.errors[0].field, field, "{body}");
        }
        assert_eq!(
            json_body::<Rollback>(&Bytes::from(r#"{"version": 3}"#))
                .unwrap()
                .version,
            3
        );
    }

    #[test]
    fn query_parameters_are_found_by_exact_name() {
        let q = Some("max=10&maximum=3&after=x");
        assert_eq!(query_param(q, "max"), Some("10"));
        assert_eq!(query_param(q, "after"), Some("x"));
        assert_eq!(query_param(q, "min"), None);
        assert_eq!(query_param(None, "max"), None);
    }
}
