//! The custom-handler invoke payload: what the Functions host sends to
//! `POST /<function>` when it does not forward the original request.

use crate::AppState;
use crate::error::AppError;
use crate::predict::{self, Output};
use axum::http::StatusCode;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

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
    pub headers: ResponseHeaders,
}

/// The headers of the inner HTTP response.
#[derive(Debug, Serialize)]
pub struct ResponseHeaders {
    /// Always `application/json`.
    #[serde(rename = "Content-Type")]
    pub content_type: &'static str,
    /// The served model's fingerprint.
    #[serde(rename = "x-model-fingerprint")]
    pub model_fingerprint: &'static str,
}

/// The parts of the invoke payload the handler reads, borrowed from the
/// request body where possible (no JSON tree is built).
#[derive(Debug, Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "Data", borrow, default)]
    data: Option<Data<'a>>,
}

#[derive(Debug, Deserialize)]
struct Data<'a> {
    #[serde(borrow, default)]
    req: Option<Req<'a>>,
}

#[derive(Debug, Deserialize)]
struct Req<'a> {
    #[serde(rename = "Method", borrow, default)]
    method: Text<'a>,
    #[serde(rename = "Query", borrow, default)]
    query: Pick<'a, Proba>,
    #[serde(rename = "Headers", borrow, default)]
    headers: Pick<'a, ContentType>,
    #[serde(rename = "Body", borrow, default)]
    body: Option<&'a RawValue>,
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
    let envelope: Envelope<'_> = serde_json::from_slice(body)
        .map_err(|e| AppError::bad_request(format!("malformed invoke payload: {e}")))?;
    let Some(req) = envelope.data.and_then(|d| d.req) else {
        return Err(AppError::bad_request(
            "invoke payload has no Data.req object (the httpTrigger binding named \"req\")",
        ));
    };

    let model = state.model();
    let (status, body, rows) = match inner(state, &req) {
        Ok(p) => (StatusCode::OK, p.body, p.rows),
        Err(e) => (e.status, e.body(), 0),
    };
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
                    headers: ResponseHeaders {
                        content_type: "application/json",
                        model_fingerprint: model.fingerprint,
                    },
                },
            },
            logs: vec![log],
            return_value: None,
        },
        rows,
    ))
}

/// The inner request: method, query, content type, body.
fn inner(state: &AppState, req: &Req<'_>) -> Result<predict::Prediction, AppError> {
    if let Some(method) = req.method.0.as_deref()
        && !method.eq_ignore_ascii_case("POST")
    {
        return Err(AppError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method {method} is not allowed on /api/predict; use POST"),
        ));
    }
    let output = Output::from_query(req.query.value.as_deref())?;
    predict::check_content_type(req.headers.value.as_deref())?;
    let (model, max_rows) = (state.model(), state.max_rows());
    let Some(raw) = req.body else {
        return predict::predict_bytes(model, b"", output, max_rows);
    };
    let raw = raw.get();
    if raw.starts_with('"') {
        // The body as JSON text inside a JSON string.
        let text: Text<'_> = serde_json::from_str(raw).map_err(|e| {
            AppError::bad_request(format!("Data.req.Body is not a valid JSON string: {e}"))
        })?;
        let text = text.0.unwrap_or_default();
        predict::predict_bytes(model, text.as_bytes(), output, max_rows)
    } else {
        // Already-parsed JSON (some hosts deliver a JSON body as JSON).
        predict::predict_bytes(model, raw.as_bytes(), output, max_rows)
    }
}

/// A string borrowed from the payload when it has no escapes; a list gives
/// its first string; anything else (null, numbers, objects) gives `None`.
#[derive(Debug, Default)]
struct Text<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a list of strings")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Some(Cow::Borrowed(v))))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Some(Cow::Owned(v.to_owned()))))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text<'de>, A::Error> {
        let first = seq.next_element::<Text<'de>>()?.and_then(|t| t.0);
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Text(first))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Text<'de>, E> {
        Ok(Text(None))
    }
    fn visit_none<E: de::Error>(self) -> Result<Text<'de>, E> {
        Ok(Text(None))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Text<'de>, E> {
        Ok(Text(None))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Text<'de>, E> {
        Ok(Text(None))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Text<'de>, E> {
        Ok(Text(None))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Text<'de>, E> {
        Ok(Text(None))
    }
}

/// Which entry of a map [`Pick`] keeps.
trait Key {
    /// Whether `key` is the wanted one.
    fn matches(key: &str) -> bool;
}

/// The `proba` query parameter.
#[derive(Debug, Default)]
struct Proba;
impl Key for Proba {
    fn matches(key: &str) -> bool {
        key == "proba"
    }
}

/// The `Content-Type` header, in any case.
#[derive(Debug, Default)]
struct ContentType;
impl Key for ContentType {
    fn matches(key: &str) -> bool {
        key.eq_ignore_ascii_case("content-type")
    }
}

/// One entry of a JSON object (query or headers), skipping the rest without
/// building a map.
#[derive(Debug)]
struct Pick<'a, K> {
    value: Option<Cow<'a, str>>,
    key: PhantomData<K>,
}

impl<K> Default for Pick<'_, K> {
    fn default() -> Self {
        Pick {
            value: None,
            key: PhantomData,
        }
    }
}

impl<'de: 'a, 'a, K: Key> Deserialize<'de> for Pick<'a, K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PickVisitor::<K>(PhantomData))
    }
}

struct PickVisitor<K>(PhantomData<K>);

impl<'de, K: Key> Visitor<'de> for PickVisitor<K> {
    type Value = Pick<'de, K>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pick<'de, K>, A::Error> {
        let mut picked = Pick::default();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            if picked.value.is_none() && key.0.as_deref().is_some_and(K::matches) {
                picked.value = map.next_value::<Text<'de>>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(picked)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pick<'de, K>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Pick::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Pick<'de, K>, E> {
        Ok(Pick::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<Pick<'de, K>, E> {
        Ok(Pick::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Pick<'de, K>, E> {
        Ok(Pick::default())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Pick<'de, K>, E> {
        Ok(Pick::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Pick<'de, K>, E> {
        Ok(Pick::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Pick<'de, K>, E> {
        Ok(Pick::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Pick<'de, K>, E> {
        Ok(Pick::default())
    }
}
