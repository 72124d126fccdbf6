//! The prediction interface shared by both modes: parsing rows out of a JSON
//! body, checking them, predicting, and rendering the answer.

use crate::error::AppError;
use crate::model::ServedModel;
use axum::http::StatusCode;
use serde::Serialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

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

/// Predicts every row of a JSON body, parsing it in one streaming pass (no
/// intermediate JSON tree).
///
/// # Errors
///
/// 400 for an empty body or malformed JSON (with line and column), and 400
/// naming the row (and column) for a wrong top-level type, a row of the wrong
/// length, a non-numeric value or a number outside the f32 range; 413 for
/// more than `max_rows` rows. The first problem in document order wins.
pub fn predict_bytes(
    model: &ServedModel,
    body: &[u8],
    output: Output,
    max_rows: usize,
) -> Result<Prediction, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::bad_request(
            "request body is empty: expected a JSON array of rows, e.g. [[x0, x1, x2]]",
        ));
    }
    let mut sink = Sink::new(model, output, max_rows);
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed = Top(&mut sink).deserialize(&mut de).and_then(|()| de.end());
    sink.finish(parsed)
}

/// A description of a JSON value's kind, for messages.
#[derive(Debug)]
enum Kind {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    Array,
    Object,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Null => f.write_str("null"),
            Kind::Bool(b) => write!(f, "the boolean {b}"),
            Kind::Number(n) => write!(f, "the number {n}"),
            Kind::Str(s) if s.chars().count() <= 40 => write!(f, "the string {s:?}"),
            Kind::Str(_) => f.write_str("a string"),
            Kind::Array => f.write_str("an array"),
            Kind::Object => f.write_str("an object"),
        }
    }
}

/// Where the rows go while they are parsed: the model, the scratch buffers
/// and the answer so far. A visitor that rejects the input records the
/// client's error here and returns a placeholder serde error.
struct Sink<'m> {
    model: &'m ServedModel,
    output: Output,
    max_rows: usize,
    x: Vec<f32>,
    votes: Vec<u32>,
    labels: Vec<i64>,
    probabilities: Vec<Vec<f64>>,
    rows: usize,
    error: Option<AppError>,
}

impl<'m> Sink<'m> {
    fn new(model: &'m ServedModel, output: Output, max_rows: usize) -> Sink<'m> {
        Sink {
            model,
            output,
            max_rows,
            x: vec![0.0; model.forest.n_features()],
            votes: vec![0; model.forest.n_classes()],
            labels: Vec::new(),
            probabilities: Vec::new(),
            rows: 0,
            error: None,
        }
    }

    /// Records the client's error; the returned serde error only unwinds.
    fn reject<E: de::Error>(&mut self, error: AppError) -> E {
        self.error = Some(error);
        E::custom("rejected")
    }

    fn names(&self) -> String {
        self.model.feature_names.join(", ")
    }

    /// Predicts the row now in `x`.
    fn predict_row(&mut self) -> Result<(), AppError> {
        let i = self.rows;
        let class = self
            .model
            .forest
            .predict_into(&self.x, &mut self.votes)
            .map_err(|e| {
                AppError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("row {i}: {e}"))
            })?;
        match self.output {
            Output::Labels => {
                let label = self.model.class_labels.get(class).copied().ok_or_else(|| {
                    AppError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("row {i}: class index {class} has no label"),
                    )
                })?;
                self.labels.push(label);
            }
            Output::Proba => {
                let trees = self.model.forest.n_trees().max(1) as f64;
                self.probabilities
                    .push(self.votes.iter().map(|&v| f64::from(v) / trees).collect());
            }
        }
        self.rows += 1;
        Ok(())
    }

    fn finish(self, parsed: Result<(), serde_json::Error>) -> Result<Prediction, AppError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        parsed
            .map_err(|e| AppError::bad_request(format!("malformed JSON in request body: {e}")))?;
        let body = match self.output {
            Output::Labels => serde_json::to_string(&self.labels),
            Output::Proba => serde_json::to_string(&ProbaBody {
                classes: self.model.class_labels,
                probabilities: self.probabilities,
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
            rows: self.rows,
        })
    }
}

/// Implements every scalar and map visit of a visitor by describing the
/// value's [`Kind`] to `$reject` (a method of the visitor).
macro_rules! reject_others {
    ($reject:ident) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Err(self.$reject(Kind::Bool(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Err(self.$reject(Kind::Number(v.to_string())))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Err(self.$reject(Kind::Number(v.to_string())))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Err(self.$reject(Kind::Number(v.to_string())))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Err(self.$reject(Kind::Str(v.to_owned())))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(self.$reject(Kind::Null))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(self.$reject(Kind::Null))
        }
    };
}

/// The whole body: an array of rows or `{"inputs": [...]}`.
struct Top<'s, 'm>(&'s mut Sink<'m>);

impl Top<'_, '_> {
    fn reject<E: de::Error>(self, kind: Kind) -> E {
        let message = format!(
            "expected a JSON array of rows (e.g. [[{}]]) or an object {{\"inputs\": [...]}}, found {kind}",
            self.0.names()
        );
        self.0.reject(AppError::bad_request(message))
    }
}

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of rows or {\"inputs\": [...]}")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        rows(self.0, seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "inputs" && !found {
                found = true;
                map.next_value_seed(Inputs(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if found {
            Ok(())
        } else {
            Err(self.0.reject(AppError::bad_request(
                "expected a JSON array of rows or an object {\"inputs\": [...]}, found an object without \"inputs\"",
            )))
        }
    }
    reject_others!(reject);
}

/// The value of `"inputs"`: an array of rows.
struct Inputs<'s, 'm>(&'s mut Sink<'m>);

impl Inputs<'_, '_> {
    fn reject<E: de::Error>(self, kind: Kind) -> E {
        self.0.reject(AppError::bad_request(format!(
            "\"inputs\" must be an array of rows, found {kind}"
        )))
    }
}

impl<'de> DeserializeSeed<'de> for Inputs<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Inputs<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        rows(self.0, seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(self.reject(Kind::Object))
    }
    reject_others!(reject);
}

/// Reads and predicts each row, enforcing the row limit.
fn rows<'de, A: SeqAccess<'de>>(sink: &mut Sink<'_>, mut seq: A) -> Result<(), A::Error> {
    loop {
        if sink.rows == sink.max_rows {
            // Count the rest (cheaply) to say how many were sent.
            let mut n = sink.rows;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                n += 1;
            }
            if n > sink.max_rows {
                let max = sink.max_rows;
                return Err(sink.reject(AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "the request has {n} rows, more than the limit of {max} rows per request"
                    ),
                )));
            }
            return Ok(());
        }
        if seq.next_element_seed(Row(&mut *sink))?.is_none() {
            return Ok(());
        }
    }
}

/// One row: exactly one number per feature.
struct Row<'s, 'm>(&'s mut Sink<'m>);

impl Row<'_, '_> {
    fn reject<E: de::Error>(self, kind: Kind) -> E {
        let message = format!(
            "row {} must be an array of {} numbers ({}), found {kind}",
            self.0.rows,
            self.0.x.len(),
            self.0.names()
        );
        self.0.reject(AppError::bad_request(message))
    }
}

impl<'de> DeserializeSeed<'de> for Row<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Row<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a row of numbers")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let sink = self.0;
        let n = sink.x.len();
        let mut found = 0;
        while found < n {
            let Some(v) = seq.next_element_seed(Number {
                sink: &mut *sink,
                column: found,
            })?
            else {
                break;
            };
            if let Some(slot) = sink.x.get_mut(found) {
                *slot = v;
            }
            found += 1;
        }
        if found == n {
            while seq.next_element::<IgnoredAny>()?.is_some() {
                found += 1;
            }
        }
        if found != n {
            let message = format!(
                "row {} has {found} values, the model expects {n} features ({})",
                sink.rows,
                sink.names()
            );
            return Err(sink.reject(AppError::bad_request(message)));
        }
        sink.predict_row().map_err(|e| sink.reject(e))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(self.reject(Kind::Object))
    }
    reject_others!(reject);
}

/// One feature value: a finite number within the f32 range.
struct Number<'s, 'm> {
    sink: &'s mut Sink<'m>,
    column: usize,
}

impl Number<'_, '_> {
    fn name(&self) -> &'static str {
        self.sink
            .model
            .feature_names
            .get(self.column)
            .copied()
            .unwrap_or("?")
    }

    fn reject<E: de::Error>(self, kind: Kind) -> E {
        let message = format!(
            "row {}, column {} ({}): expected a number, found {kind}",
            self.sink.rows,
            self.column,
            self.name()
        );
        self.sink.reject(AppError::bad_request(message))
    }

    fn number<E: de::Error>(self, v: f64) -> Result<f32, E> {
        if v.is_finite() && v.abs() <= f64::from(f32::MAX) {
            // In range, so the conversion rounds to the nearest f32 and never overflows.
            #[allow(clippy::cast_possible_truncation)]
            return Ok(v as f32);
        }
        let message = format!(
            "row {}, column {} ({}): {v} is outside the f32 range (±{:e})",
            self.sink.rows,
            self.column,
            self.name(),
            f32::MAX
        );
        Err(self.sink.reject(AppError::bad_request(message)))
    }
}

impl<'de> DeserializeSeed<'de> for Number<'_, '_> {
    type Value = f32;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<f32, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Number<'_, '_> {
    type Value = f32;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f32, E> {
        self.number(v as f64)
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f32, E> {
        self.number(v as f64)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f32, E> {
        self.number(v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<f32, E> {
        Err(self.reject(Kind::Bool(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<f32, E> {
        Err(self.reject(Kind::Str(v.to_owned())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<f32, E> {
        Err(self.reject(Kind::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<f32, E> {
        Err(self.reject(Kind::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<f32, A::Error> {
        Err(self.reject(Kind::Array))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<f32, A::Error> {
        Err(self.reject(Kind::Object))
    }
}
