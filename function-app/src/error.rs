//! Every error the app answers with: a status and a message for the client,
//! rendered as `{"error": "<message>"}`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error response: what the client did wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    /// The HTTP status (4xx for anything the client sent).
    pub status: StatusCode,
    /// What is wrong and where, for the client.
    pub message: String,
}

/// The JSON shape of every error body.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorBody<'a> {
    pub(crate) error: &'a str,
}

impl AppError {
    /// An error with the given status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> AppError {
        AppError {
            status,
            message: message.into(),
        }
    }

    /// A `400 Bad Request`.
    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, message)
    }

    /// The error body as JSON text.
    #[must_use]
    pub fn body(&self) -> String {
        error_json(&self.message)
    }
}

/// `{"error": message}` as JSON text.
pub(crate) fn error_json(message: &str) -> String {
    serde_json::to_string(&ErrorBody { error: message })
        .unwrap_or_else(|_| r#"{"error":"unprintable error"}"#.to_owned())
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(status = self.status.as_u16(), message = %self.message, "internal error");
        }
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            self.body(),
        )
            .into_response()
    }
}
