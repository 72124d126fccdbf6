//! The prediction interface shared by both modes: parsing rows out of a JSON
//! body, checking them, predicting, and rendering the answer.

use crate::error::AppError;
use crate::model::ServedModel;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;

/// What a prediction request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// One original class label per row.
    Labels,
    /// Per-row vote fractions per class.
    Proba,
}

impl Output {
    /// Reads the `proba` query parameter (`true`/`false`/`1`/`0`, absent = false).
    ///
    /// # Errors
    ///
    /// 400 for any other value.
    pub fn from_query(proba: Option<&str>) -> Result<Output, AppError> {
        match proba {
            None | Some("false" | "0" | "") => Ok(Output::Labels),
            Some("true" | "1") => Ok(Output::Proba),
            Some(other) => Err(AppError::bad_request(format!(
                "query parameter `proba` must be true or false, found {other:?}"
            ))),
        }
    }
}

/// A successful prediction: the JSON text of the answer and the row count.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The JSON response body.
    pub body: String,
    /// Rows predicted.
    pub rows: usize,
}

/// The `?proba=true` answer.
#[derive(Debug, Serialize)]
struct ProbaBody<'a> {
    classes: &'a [i64],
    probabilities: Vec<Vec<f64>>,
}

/// Checks that a `Content-Type` (if any) is JSON: `application/json` or any
/// `…+json` type, parameters allowed.
///
/// # Errors
///
/// 415 naming the type that was sent.
pub fn check_content_type(value: Option<&str>) -> Result<(), AppError> {
    let Some(value) = value else { return Ok(()) };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        Ok(())
    } else {
        Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("unsupported content type {value:?}: send the rows as application/json"),
        ))
    }
}

/// Parses a request body as JSON.
///
/// # Errors
///
/// 400 for an empty body or malformed JSON (with line and column).
pub fn parse_body(body: &[u8]) -> Result<Value, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::bad_request(
            "request body is empty: expected a JSON array of rows, e.g. [[x0, x1, x2]]",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| AppError::bad_request(format!("malformed JSON in request body: {e}")))
}

/// A JSON value's kind, for messages.
pub(crate) fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.len() <= 40 => format!("the string {s:?}"),
        Value::String(_) => "a string".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// Predicts every row of a parsed body: `[[x0, …], …]` or `{"inputs": [[…], …]}`.
///
/// # Errors
///
/// 400 naming the row (and column) for a wrong top-level type, a row of the
/// wrong length, a non-numeric value or a number outside the f32 range; 413
/// for more than `max_rows` rows.
pub fn predict(
    model: &ServedModel,
    body: Value,
    output: Output,
    max_rows: usize,
) -> Result<Prediction, AppError> {
    let n_features = model.forest.n_features();
    let rows = match body {
        Value::Array(rows) => rows,
        Value::Object(mut map) => match map.remove("inputs") {
            Some(Value::Array(rows)) => rows,
            Some(other) => {
                return Err(AppError::bad_request(format!(
                    "\"inputs\" must be an array of rows, found {}",
                    kind(&other)
                )));
            }
            None => {
                return Err(AppError::bad_request(
                    "expected a JSON array of rows or an object {\"inputs\": [...]}, found an object without \"inputs\"",
                ));
            }
        },
        other => {
            return Err(AppError::bad_request(format!(
                "expected a JSON array of rows (e.g. [[{}]]) or an object {{\"inputs\": [...]}}, found {}",
                model.feature_names.join(", "),
                kind(&other)
            )));
        }
    };
    if rows.len() > max_rows {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request has {} rows, more than the limit of {max_rows} rows per request",
                rows.len()
            ),
        ));
    }

    let mut x = vec![0f32; n_features];
    let mut votes = vec![0u32; model.forest.n_classes()];
    let mut labels = Vec::with_capacity(rows.len());
    let mut probabilities = Vec::new();
    let trees = model.forest.n_trees().max(1) as f64;
    for (i, row) in rows.iter().enumerate() {
        read_row(model, i, row, &mut x)?;
        let class = model.forest.predict_into(&x, &mut votes).map_err(|e| {
            AppError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("row {i}: {e}"))
        })?;
        match output {
            Output::Labels => {
                let label = model.class_labels.get(class).copied().ok_or_else(|| {
                    AppError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("row {i}: class index {class} has no label"),
                    )
                })?;
                labels.push(label);
            }
            Output::Proba => {
                probabilities.push(votes.iter().map(|&v| f64::from(v) / trees).collect());
            }
        }
    }
    let body = match output {
        Output::Labels => serde_json::to_string(&labels),
        Output::Proba => serde_json::to_string(&ProbaBody {
            classes: model.class_labels,
            probabilities,
        }),
    }
    .map_err(|e| {
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("encoding the answer: {e}"),
        )
    })?;
    Ok(Prediction {
        body,
        rows: rows.len(),
    })
}

/// Reads row `i` into `x`, checking its length and every value.
fn read_row(model: &ServedModel, i: usize, row: &Value, x: &mut [f32]) -> Result<(), AppError> {
    let n = x.len();
    let Value::Array(values) = row else {
        return Err(AppError::bad_request(format!(
            "row {i} must be an array of {n} numbers ({}), found {}",
            model.feature_names.join(", "),
            kind(row)
        )));
    };
    if values.len() != n {
        return Err(AppError::bad_request(format!(
            "row {i} has {} values, the model expects {n} features ({})",
            values.len(),
            model.feature_names.join(", ")
        )));
    }
    for (j, (value, slot)) in values.iter().zip(x.iter_mut()).enumerate() {
        let name = model.feature_names.get(j).copied().unwrap_or("?");
        let number = match value {
            Value::Number(number) => number.as_f64(),
            _ => None,
        };
        let Some(v) = number else {
            return Err(AppError::bad_request(format!(
                "row {i}, column {j} ({name}): expected a number, found {}",
                kind(value)
            )));
        };
        if !v.is_finite() || v.abs() > f64::from(f32::MAX) {
            return Err(AppError::bad_request(format!(
                "row {i}, column {j} ({name}): {v} is outside the f32 range (±{:e})",
                f32::MAX
            )));
        }
        // In range, so the conversion rounds to the nearest f32 and never overflows.
        #[allow(clippy::cast_possible_truncation)]
        {
            *slot = v as f32;
        }
    }
    Ok(())
}
