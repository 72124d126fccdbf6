//! Helpers shared by the in-process tests.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use function_app::{AppState, Limits, ServedModel, app, fixtures};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// The router serving the tutorial fixture with the given limits.
pub fn tutorial_app(limits: Limits) -> Router {
    app(AppState::new(fixtures::tutorial(), limits))
}

/// The router serving the baked default model.
pub fn baked_app() -> Router {
    app(AppState::new(ServedModel::baked(), Limits::default()))
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// The body as JSON (panics with the body if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// The `error` message of a JSON error body.
    pub fn error(&self) -> String {
        let json = self.json();
        let obj = json
            .as_object()
            .unwrap_or_else(|| panic!("not an object: {}", self.body));
        assert_eq!(obj.len(), 1, "error body has only `error`: {}", self.body);
        obj["error"].as_str().expect("error is a string").to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request through the router.
pub async fn send(
    router: &Router,
    method: Method,
    uri: &str,
    content_type: Option<&str>,
    body: impl Into<Body>,
) -> Reply {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        builder = builder.header("content-type", ct);
    }
    let request = builder.body(body.into()).expect("request builds");
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("router is infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body reads")
        .to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).expect("body is UTF-8"),
    }
}

/// `POST uri` with a JSON body.
pub async fn post_json(router: &Router, uri: &str, body: impl Into<Body>) -> Reply {
    send(router, Method::POST, uri, Some("application/json"), body).await
}

/// `GET uri`.
pub async fn get(router: &Router, uri: &str) -> Reply {
    send(router, Method::GET, uri, None, Body::empty()).await
}

/// An invoke payload wrapping `body` (a JSON value: a string for JSON text,
/// anything else for already-parsed JSON).
pub fn invoke_payload(method: &str, query: Value, body: Value) -> String {
    serde_json::json!({
        "Data": {
            "req": {
                "Url": "http://localhost:7071/api/predict",
                "Method": method,
                "Query": query,
                "Headers": { "Content-Type": ["application/json"] },
                "Params": {},
                "Body": body,
            }
        },
        "Metadata": { "sys": { "MethodName": "predict" } }
    })
    .to_string()
}

/// The inner response of an invoke reply: (status, headers, body JSON text).
pub fn inner(reply: &Reply) -> (u16, Value, String) {
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "invoke replies are 200: {}",
        reply.body
    );
    let json = reply.json();
    assert!(json["ReturnValue"].is_null(), "{json}");
    assert!(json["Logs"].is_array(), "{json}");
    let res = &json["Outputs"]["res"];
    let status = u16::try_from(res["statusCode"].as_u64().expect("statusCode")).expect("u16");
    let body = res["body"].as_str().expect("body is JSON text").to_owned();
    (status, res["headers"].clone(), body)
}
