//! Keeps `openapi.yaml` true: the routes it documents are exactly the routes
//! the router serves (checked by sending every method to every path), and
//! every status it documents for an operation is one that operation produces
//! (and no other).

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::*;
use function_app::{Limits, ROUTES, VERSION};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

fn spec() -> Value {
    let text = include_str!("../openapi.yaml");
    serde_norway::from_str(text).expect("openapi.yaml parses")
}

fn documented_operations(spec: &Value) -> BTreeSet<(String, String)> {
    let paths = spec["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| (m.to_ascii_uppercase(), path.clone()))
        })
        .collect()
}

#[test]
fn spec_is_openapi_3_and_versioned_like_the_crate() {
    let spec = spec();
    assert!(spec["openapi"].as_str().expect("openapi").starts_with("3."));
    assert_eq!(spec["info"]["version"], VERSION);
    for name in ["NotFound", "MethodNotAllowed"] {
        assert!(
            spec["components"]["responses"].get(name).is_some(),
            "{name}"
        );
    }
}

#[test]
fn documented_operations_are_the_routes() {
    let documented = documented_operations(&spec());
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(documented, served);
}

#[tokio::test]
async fn the_router_serves_exactly_the_documented_operations() {
    let spec = spec();
    let documented = documented_operations(&spec);
    let app = tutorial_app(Limits::default());
    let paths: BTreeSet<&str> = ROUTES.iter().map(|(_, p)| *p).collect();
    for path in paths {
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            let m = Method::from_bytes(method.as_bytes()).expect("method");
            let reply = send(&app, m, path, Some("application/json"), "[]").await;
            if documented.contains(&(method.to_owned(), path.to_owned())) {
                assert!(
                    reply.status != StatusCode::NOT_FOUND
                        && reply.status != StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is documented but answers {}",
                    reply.status
                );
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is not documented"
                );
                reply.error();
            }
        }
    }
    let reply = get(&app, "/not/documented").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    reply.error();
}

/// One request per documented (operation, status); each must produce it.
struct Case {
    method: &'static str,
    path: &'static str,
    content_type: Option<&'static str>,
    body: String,
    limits: Limits,
    status: u16,
}

fn case(method: &'static str, path: &'static str, body: &str, status: u16) -> Case {
    Case {
        method,
        path,
        content_type: Some("application/json"),
        body: body.to_owned(),
        limits: Limits::default(),
        status,
    }
}

fn cases() -> Vec<Case> {
    let small = Limits {
        max_rows: 1,
        max_body_bytes: 64,
    };
    let invoke = invoke_payload("POST", json!({}), json!("[[1, 2, 3]]"));
    vec![
        case("GET", "/", "", 200),
        case("GET", "/api/health", "", 200),
        case("GET", "/api/model", "", 200),
        case("POST", "/api/predict", "[[1, 2, 3]]", 200),
        case("POST", "/api/predict?proba=true", "[[1, 2, 3]]", 200),
        case("POST", "/api/predict", "[[1, 2]]", 400),
        Case {
            limits: small,
            ..case("POST", "/api/predict", "[[1,2,3],[1,2,3]]", 413)
        },
        Case {
            limits: small,
            ..case("POST", "/api/predict", &"[[1,2,3]]".repeat(10), 413)
        },
        Case {
            content_type: Some("text/plain"),
            ..case("POST", "/api/predict", "[[1,2,3]]", 415)
        },
        case("POST", "/predict", &invoke, 200),
        case("POST", "/predict", "{}", 400),
        Case {
            limits: small,
            ..case("POST", "/predict", &invoke, 413)
        },
    ]
}

#[tokio::test]
async fn every_documented_status_is_produced_and_no_other() {
    let spec = spec();
    let mut produced: BTreeSet<(String, String, String)> = BTreeSet::new();
    for c in cases() {
        let app = tutorial_app(c.limits);
        let method = Method::from_bytes(c.method.as_bytes()).expect("method");
        let reply = send(
            &app,
            method,
            c.path,
            c.content_type,
            Body::from(c.body.clone()),
        )
        .await;
        assert_eq!(
            reply.status.as_u16(),
            c.status,
            "{} {}: {}",
            c.method,
            c.path,
            reply.body
        );
        if !reply.status.is_success() {
            reply.error();
        }
        let path = c.path.split('?').next().unwrap_or_default().to_owned();
        produced.insert((c.method.to_owned(), path, c.status.to_string()));
    }
    let mut documented = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                for status in op["responses"].as_object().expect("responses").keys() {
                    documented.insert((method.to_ascii_uppercase(), path.clone(), status.clone()));
                }
            }
        }
    }
    assert_eq!(
        documented, produced,
        "documented statuses vs statuses produced"
    );
}
