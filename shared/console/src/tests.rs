use axum::body::Body;
use http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::*;
use crate::assets::INDEX;

async fn get_with(path: &str, method: Method, extra: &[(&str, &str)]) -> Response {
    let mut request = Request::builder().method(method).uri(path);
    for (k, v) in extra {
        request = request.header(*k, *v);
    }
    router(None)
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

async fn body(response: Response) -> Vec<u8> {
    response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

#[tokio::test]
async fn the_page_and_its_files_are_served_with_their_types_and_policy() {
    let cases = [
        ("/console", "text/html; charset=utf-8", "index.html"),
        ("/console/", "text/html; charset=utf-8", "index.html"),
        (
            "/console/console.js",
            "text/javascript; charset=utf-8",
            "console.js",
        ),
        (
            "/console/console.css",
            "text/css; charset=utf-8",
            "console.css",
        ),
    ];
    for (path, content_type, name) in cases {
        let response = get_with(path, Method::GET, &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let h = response.headers().clone();
        assert_eq!(h[header::CONTENT_TYPE], content_type, "{path}");
        assert_eq!(h[header::CACHE_CONTROL], "no-cache", "{path}");
        assert_eq!(
            h[header::CONTENT_SECURITY_POLICY],
            headers::CONTENT_SECURITY_POLICY
        );
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let asset = ASSETS.iter().find(|a| a.name == name).unwrap();
        assert_eq!(h[header::ETAG], asset.etag);
        assert_eq!(body(response).await, asset.body, "{path}");
    }
}

#[tokio::test]
async fn a_known_version_is_not_sent_again() {
    let tag = ASSETS[1].etag;
    let response = get_with(
        "/console/console.js",
        Method::GET,
        &[("if-none-match", tag)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert!(body(response).await.is_empty());
    let other = get_with(
        "/console/console.js",
        Method::GET,
        &[("if-none-match", "\"0000000000000000\"")],
    )
    .await;
    assert_eq!(other.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_paths_and_methods_are_problem_documents() {
    for (path, method, status, slug) in [
        ("/console/nope.js", Method::GET, 404, "route-not-found"),
        ("/console/a/b", Method::GET, 404, "route-not-found"),
        ("/console", Method::POST, 405, "method-not-allowed"),
    ] {
        let response = get_with(path, method, &[]).await;
        assert_eq!(response.status().as_u16(), status, "{path}");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            switchboard_http::PROBLEM_JSON
        );
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert!(
            response
                .headers()
                .contains_key(header::CONTENT_SECURITY_POLICY)
        );
        let problem: serde_json::Value = serde_json::from_slice(&body(response).await).unwrap();
        assert_eq!(problem["type"], format!("urn:switchboard:problem:{slug}"));
    }
}

#[test]
fn every_file_the_page_names_is_served_and_nothing_comes_from_elsewhere() {
    let page = std::str::from_utf8(INDEX.body).unwrap();
    for a in &ASSETS[1..] {
        assert!(
            page.contains(&format!("{PATH}/{}", a.name)),
            "index.html does not load {}",
            a.name
        );
    }
    for a in ASSETS {
        // The SVG namespace is a name, not a place anything is loaded from.
        let text = std::str::from_utf8(a.body)
            .unwrap()
            .replace("\"http://www.w3.org/2000/svg\"", "");
        assert!(
            !text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"),
            "{} names another host",
            a.name
        );
        // The policy refuses inline script and style, so none may be relied on.
        if a.name == "index.html" {
            assert!(
                !text.contains("<script>") && !text.contains("style="),
                "inline code in the page"
            );
        }
    }
    let tags: std::collections::HashSet<_> = ASSETS.iter().map(|a| a.etag).collect();
    assert_eq!(tags.len(), ASSETS.len());
}

#[tokio::test]
async fn with_a_user_pool_the_page_learns_it_and_may_call_its_token_endpoint() {
    let pool = SignIn::new("https://sb.auth.eu-west-1.amazoncognito.com", "client1").unwrap();
    let call = |path: &'static str| {
        router(Some(pool.clone())).oneshot(Request::get(path).body(Body::empty()).unwrap())
    };
    let config = call("/console/config.json").await.unwrap();
    assert_eq!(config.status(), StatusCode::OK);
    assert_eq!(config.headers()[header::CACHE_CONTROL], "no-store");
    let csp = config.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("connect-src 'self' https://sb.auth.eu-west-1.amazoncognito.com;"),
        "{csp}"
    );
    let v: serde_json::Value = serde_json::from_slice(&body(config).await).unwrap();
    assert_eq!(v["sign_in"]["client_id"], "client1");
    let page = call("/console").await.unwrap();
    assert_eq!(
        page.headers()[header::CONTENT_SECURITY_POLICY],
        csp.as_str()
    );
    // Without a pool: nothing to sign in to, and the page calls its own origin only.
    let none = get_with("/console/config.json", Method::GET, &[]).await;
    assert_eq!(
        none.headers()[header::CONTENT_SECURITY_POLICY],
        headers::CONTENT_SECURITY_POLICY
    );
    let v: serde_json::Value = serde_json::from_slice(&body(none).await).unwrap();
    assert!(v["sign_in"].is_null());
}
