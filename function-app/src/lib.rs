//! The Azure Functions custom handler serving a baked random forest.
//!
//! [`app`] builds the whole HTTP interface (see `openapi.yaml`):
//!
//! | route | what |
//! |---|---|
//! | `GET /` | readiness (the Functions host polls it) |
//! | `GET /api/health` | liveness |
//! | `GET /api/model` | name, fingerprint, features, classes, size, metrics, version |
//! | `POST /api/predict` | `[[x0, x1, x2], …]` → `[label, …]` (forwarded requests); `?proba=true` for vote fractions |
//! | `POST /predict` | the same, wrapped in the custom-handler invoke payload |
//!
//! Every error is `{"error": "<what is wrong and where>"}` with a 4xx status
//! for anything the client sent; bad input never panics or stops the server.
//!
//! # Examples
//!
//! ```
//! use function_app::{AppState, Limits, ServedModel, app};
//!
//! let router = app(AppState::new(ServedModel::baked(), Limits::default()));
//! # let _ = router;
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod invoke;
mod model;
mod predict;

pub use error::AppError;
pub use invoke::{HttpOutput, InvokeResponse, Outputs, ResponseHeaders};
#[doc(hidden)]
pub use model::fixtures;
pub use model::{Predict, ServedModel};
pub use predict::Output;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// The response header carrying the model fingerprint.
pub const FINGERPRINT_HEADER: &str = "x-model-fingerprint";

/// Every route the router serves, as `(method, path)`; `openapi.yaml`
/// documents exactly these (a test checks both directions).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/api/health"),
    ("GET", "/api/model"),
    ("POST", "/api/predict"),
    ("POST", "/predict"),
];

/// The crate version, reported by `GET /api/model`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Request limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most rows one request may carry (more is a 413).
    pub max_rows: usize,
    /// Largest request body in bytes (more is a 413).
    pub max_body_bytes: usize,
}

impl Default for Limits {
    /// 10,000 rows and 2 MiB.
    fn default() -> Self {
        Limits {
            max_rows: 10_000,
            max_body_bytes: 2 * 1024 * 1024,
        }
    }
}

/// What every handler shares: the served model and the limits.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    model: ServedModel,
    limits: Limits,
    fingerprint: HeaderValue,
}

impl AppState {
    /// State serving `model` under `limits`.
    #[must_use]
    pub fn new(model: ServedModel, limits: Limits) -> AppState {
        let fingerprint = HeaderValue::from_str(model.fingerprint)
            .unwrap_or_else(|_| HeaderValue::from_static("invalid"));
        AppState {
            inner: Arc::new(Inner {
                model,
                limits,
                fingerprint,
            }),
        }
    }

    /// The served model.
    #[must_use]
    pub fn model(&self) -> &ServedModel {
        &self.inner.model
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.inner.limits
    }

    pub(crate) fn max_rows(&self) -> usize {
        self.inner.limits.max_rows
    }
}

/// Rows a request predicted, left in the response extensions for the log line.
#[derive(Debug, Clone, Copy)]
struct RowCount(usize);

/// The whole HTTP interface.
pub fn app(state: AppState) -> Router {
    let body_limit = state.limits().max_body_bytes;
    Router::new()
        .route("/", get(ready))
        .route("/api/health", get(health))
        .route("/api/model", get(model_info))
        .route("/api/predict", post(predict_forwarded))
        .route("/predict", post(predict_invoke))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

async fn ready(State(state): State<AppState>) -> Response {
    let model = state.model();
    axum::Json(json!({
        "status": "ready",
        "model": model.name,
        "fingerprint": model.fingerprint,
    }))
    .into_response()
}

async fn health() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

async fn model_info(State(state): State<AppState>) -> Response {
    let model = state.model();
    let metrics: serde_json::Value =
        serde_json::from_str(model.metrics_json).unwrap_or(serde_json::Value::Null);
    axum::Json(json!({
        "name": model.name,
        "fingerprint": model.fingerprint,
        "feature_names": model.feature_names,
        "class_labels": model.class_labels,
        "n_features": model.forest.n_features(),
        "n_classes": model.forest.n_classes(),
        "trees": model.forest.n_trees(),
        "decision_nodes": model.decision_nodes,
        "layout": model.layout,
        "metrics": metrics,
        "version": VERSION,
        "limits": {
            "max_rows": state.limits().max_rows,
            "max_body_bytes": state.limits().max_body_bytes,
        },
    }))
    .into_response()
}

/// Turns a body extraction failure into the JSON error shape.
fn body_error(rejection: &BytesRejection, limit: usize) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body is larger than the limit of {limit} bytes"),
        )
    } else {
        AppError::bad_request(format!(
            "could not read the request body: {}",
            rejection.body_text()
        ))
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The `Content-Type` check, read from the request head without copying it.
struct JsonContentType(Result<(), AppError>);

impl<S: Send + Sync> FromRequestParts<S> for JsonContentType {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or("(not text)"));
        Ok(JsonContentType(predict::check_content_type(value)))
    }
}

async fn predict_forwarded(
    State(state): State<AppState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    JsonContentType(content_type): JsonContentType,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = (|| {
        let Query(query) = query
            .map_err(|e| AppError::bad_request(format!("bad query string: {}", e.body_text())))?;
        let output = Output::from_query(query.get("proba").map(String::as_str))?;
        content_type?;
        let body = body.map_err(|e| body_error(&e, state.limits().max_body_bytes))?;
        predict::predict_bytes(state.model(), &body, output, state.max_rows())
    })();
    let mut response = match result {
        Ok(prediction) => {
            let mut response = json_response(StatusCode::OK, prediction.body);
            response.extensions_mut().insert(RowCount(prediction.rows));
            response
        }
        Err(error) => error.into_response(),
    };
    response
        .headers_mut()
        .insert(FINGERPRINT_HEADER, state.inner.fingerprint.clone());
    response
}

async fn predict_invoke(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = body
        .map_err(|e| body_error(&e, state.limits().max_body_bytes))
        .and_then(|body| invoke::answer(&state, &body));
    let mut response = match result {
        Ok((reply, rows)) => match serde_json::to_string(&reply) {
            Ok(text) => {
                let mut response = json_response(StatusCode::OK, text);
                response.extensions_mut().insert(RowCount(rows));
                response
            }
            Err(e) => AppError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("encoding the invoke reply: {e}"),
            )
            .into_response(),
        },
        Err(error) => error.into_response(),
    };
    response
        .headers_mut()
        .insert(FINGERPRINT_HEADER, state.inner.fingerprint.clone());
    response
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    AppError::new(
        StatusCode::NOT_FOUND,
        format!("no route for {method} {}; see openapi.yaml", uri.path()),
    )
    .into_response()
}

/// Gives every error response that is not JSON yet (axum's own 405, the
/// panic catcher's 500, …) the `{"error": …}` shape.
async fn json_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed: Vec<&str> = ROUTES
                .iter()
                .filter(|(_, p)| *p == path)
                .map(|(m, _)| *m)
                .collect();
            format!(
                "method {method} is not allowed on {path}; allowed: {}",
                allowed.join(", ")
            )
        }
        StatusCode::NOT_FOUND => format!("no route for {method} {path}; see openapi.yaml"),
        StatusCode::PAYLOAD_TOO_LARGE => "request body is too large".to_owned(),
        StatusCode::INTERNAL_SERVER_ERROR => "internal error (logged)".to_owned(),
        other => other
            .canonical_reason()
            .unwrap_or("request failed")
            .to_owned(),
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(error::error_json(&message)))
}

/// One structured log line per request: method, path, status, rows, latency.
async fn log_request(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let rows = response.extensions().get::<RowCount>().map(|r| r.0);
    let latency_us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
    tracing::info!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        rows,
        latency_us,
        "request"
    );
    response
}
