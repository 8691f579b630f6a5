//! `switchboard openapi` and `GET /v1/openapi.json` on `switchboard serve`: the checked-in
//! document is the generated one, served as is, and every operation it names is a route of
//! the server.

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::Value;

use crate::common::{ok, path_str, scratch};
use crate::server::{Server, intake_config};

const CHECKED_IN: &str = include_str!("../../../docs/openapi.json");

#[test]
fn the_checked_in_document_is_what_the_command_prints() {
    assert!(
        ok(&["openapi"]) == CHECKED_IN,
        "docs/openapi.json is stale: run `switchboard openapi > docs/openapi.json`"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_a_route_of_serve() {
    let dir = scratch("serve-openapi");
    let config = intake_config(&dir);
    let server = Server::start(&dir.join("data"), &["--intake-config", path_str(&config)]);

    let (s, served) = server
        .call(Method::GET, "/v1/openapi.json", &[], Bytes::new())
        .await;
    assert_eq!(s, StatusCode::OK);
    let document: Value = serde_json::from_str(CHECKED_IN).unwrap();
    assert_eq!(served, document);

    let mut absent = Vec::new();
    let mut count = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        // Action links and Slack are routes once their secrets are configured (a notify
        // configuration here); the Lambda's test configures them and checks these too.
        if path.starts_with("/v1/actions/") || path.starts_with("/v1/slack/") {
            continue;
        }
        let concrete: Vec<&str> = path
            .split('/')
            .map(|s| if s.starts_with('{') { "x" } else { s })
            .collect();
        let concrete = concrete.join("/");
        for method in item.as_object().unwrap().keys() {
            count += 1;
            let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
            let (s, body) = server
                .call(method.clone(), &concrete, &[], Bytes::new())
                .await;
            let no_route = body["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("route-not-found"));
            if s == StatusCode::METHOD_NOT_ALLOWED || no_route {
                absent.push(format!("{method} {concrete}: {s} {body}"));
            }
        }
    }
    assert!(count >= 30, "{count} operations");
    assert!(absent.is_empty(), "documented but not routed: {absent:#?}");
    // The same check finds a path that is not a route.
    let (s, body) = server
        .call(Method::GET, "/v1/admin/nothing", &[], Bytes::new())
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
}
