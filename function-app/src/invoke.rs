//! The custom-handler invoke payload: what the Functions host sends to
//! `POST /<function>` when it does not forward the original request.

use crate::error::AppError;
use crate::predict::{self, Output};
use crate::{AppState, FINGERPRINT_HEADER};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value};

/// The reply the host expects: the HTTP output binding `res`, logs and no
/// return value.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvokeResponse {
    /// Output bindings; `res` is the HTTP response.
    pub outputs: Outputs,
    /// Lines the host adds to the function's log.
    pub logs: Vec<String>,
    /// Always `null` (the function has no `$return` binding).
    pub return_value: Option<()>,
}

/// The output bindings of the `predict` function.
#[derive(Debug, Serialize)]
pub struct Outputs {
    /// The HTTP response the host sends to the caller.
    pub res: HttpOutput,
}

/// An HTTP output binding value.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpOutput {
    /// The status the caller sees.
    pub status_code: u16,
    /// The response body (JSON text).
    pub body: String,
    /// Response headers.
    pub headers: Map<String, Value>,
}

/// Answers one invoke payload. `Err` only when the payload itself is not an
/// invoke payload (the caller is not the host); any problem with the inner
/// request is an `Ok` reply carrying the inner 4xx status.
///
/// Returns the reply and the number of rows predicted.
///
/// # Errors
///
/// 400 when the body is not JSON or has no `Data.req` object.
pub fn answer(state: &AppState, body: &[u8]) -> Result<(InvokeResponse, usize), AppError> {
    let payload: Value = serde_json::from_slice(body)
        .map_err(|e| AppError::bad_request(format!("malformed invoke payload: {e}")))?;
    let Some(req) = payload
        .get("Data")
        .and_then(|d| d.get("req"))
        .and_then(Value::as_object)
    else {
        return Err(AppError::bad_request(
            "invoke payload has no Data.req object (the httpTrigger binding named \"req\")",
        ));
    };

    let model = state.model();
    let (status, body, rows) = match inner(state, req) {
        Ok(p) => (StatusCode::OK, p.body, p.rows),
        Err(e) => (e.status, e.body(), 0),
    };
    let mut headers = Map::new();
    headers.insert("Content-Type".into(), "application/json".into());
    headers.insert(FINGERPRINT_HEADER.into(), model.fingerprint.into());
    let log = if status.is_success() {
        format!(
            "predicted {rows} row(s) with model {} ({})",
            model.name, model.fingerprint
        )
    } else {
        format!("rejected request with {}: {body}", status.as_u16())
    };
    Ok((
        InvokeResponse {
            outputs: Outputs {
                res: HttpOutput {
                    status_code: status.as_u16(),
                    body,
                    headers,
                },
            },
            logs: vec![log],
            return_value: None,
        },
        rows,
    ))
}

/// The inner request: method, query, content type, body.
fn inner(state: &AppState, req: &Map<String, Value>) -> Result<predict::Prediction, AppError> {
    if let Some(method) = req.get("Method").and_then(Value::as_str)
        && !method.eq_ignore_ascii_case("POST")
    {
        return Err(AppError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method {method} is not allowed on /api/predict; use POST"),
        ));
    }
    let proba = req
        .get("Query")
        .and_then(|q| q.get("proba"))
        .and_then(first_string);
    let output = Output::from_query(proba)?;
    let content_type = req.get("Headers").and_then(Value::as_object).and_then(|h| {
        h.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .and_then(|(_, v)| first_string(v))
    });
    predict::check_content_type(content_type)?;
    let (model, max_rows) = (state.model(), state.max_rows());
    match req.get("Body") {
        None | Some(Value::Null) => predict::predict_bytes(model, b"", output, max_rows),
        Some(Value::String(text)) => {
            predict::predict_bytes(model, text.as_bytes(), output, max_rows)
        }
        // Already-parsed JSON (some hosts deliver a JSON body as JSON).
        Some(parsed) => predict::predict(model, parsed, output, max_rows),
    }
}

/// A header or query value: a string, or the first string of an array.
fn first_string(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Array(items) => items.first().and_then(Value::as_str),
        _ => None,
    }
}
