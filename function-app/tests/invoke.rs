//! In-process tests of the custom-handler invoke payload (`POST /predict`):
//! the host's envelope in, `{"Outputs": {"res": …}, "Logs", "ReturnValue"}` out,
//! always 200 with the inner status inside.

mod common;

use axum::http::StatusCode;
use common::*;
use function_app::{Limits, fixtures};
use serde_json::{Value, json};

fn app() -> axum::Router {
    tutorial_app(Limits::default())
}

async fn invoke(body: Value, query: Value, method: &str) -> (u16, Value, String) {
    let reply = post_json(&app(), "/predict", invoke_payload(method, query, body)).await;
    assert_eq!(
        reply.header("x-model-fingerprint"),
        Some(fixtures::tutorial().fingerprint)
    );
    let json = reply.json();
    let logs = json["Logs"].as_array().expect("Logs");
    assert!(
        !logs.is_empty() && logs.iter().all(Value::is_string),
        "{json}"
    );
    inner(&reply)
}

fn inner_error(body: &str) -> String {
    let json: Value = serde_json::from_str(body).expect("inner body is JSON");
    json["error"].as_str().expect("inner error").to_owned()
}

#[tokio::test]
async fn body_as_json_text_predicts() {
    let (status, headers, body) =
        invoke(json!("[[1, 2, 3], [11, 12, 13]]"), json!({}), "POST").await;
    assert_eq!(status, 200);
    assert_eq!(body, "[0,1]");
    assert_eq!(headers["Content-Type"], "application/json");
    assert_eq!(
        headers["x-model-fingerprint"],
        fixtures::tutorial().fingerprint
    );
}

#[tokio::test]
async fn body_as_parsed_json_predicts() {
    let (status, _, body) = invoke(json!([[1, 2, 3], [11, 12, 13]]), json!({}), "POST").await;
    assert_eq!((status, body.as_str()), (200, "[0,1]"));
    let (status, _, body) = invoke(json!({"inputs": [[11, 12, 13]]}), json!({}), "post").await;
    assert_eq!((status, body.as_str()), (200, "[1]"));
    let (status, _, body) = invoke(json!(r#"{"inputs": []}"#), json!({}), "POST").await;
    assert_eq!((status, body.as_str()), (200, "[]"));
}

#[tokio::test]
async fn proba_query_returns_fractions() {
    let (status, _, body) = invoke(json!("[[11, 12, 13]]"), json!({"proba": "true"}), "POST").await;
    assert_eq!(status, 200);
    let json: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        json,
        json!({"classes": [0, 1], "probabilities": [[0.0, 1.0]]})
    );
    let (status, _, body) = invoke(json!("[[11, 12, 13]]"), json!({"proba": "nope"}), "POST").await;
    assert_eq!(status, 400);
    assert!(inner_error(&body).contains("proba"));
}

#[tokio::test]
async fn bad_inner_requests_carry_their_4xx_inside_a_200() {
    let cases: &[(Value, u16, &[&str])] = &[
        (Value::Null, 400, &["empty"]),
        (json!(""), 400, &["empty"]),
        (json!("[[1, 2, 3]"), 400, &["malformed JSON"]),
        (
            json!("[[1, 2]]"),
            400,
            &["row 0 has 2 values", "expects 3 features"],
        ),
        (
            json!([[1, 2, 3], [1, null, 3]]),
            400,
            &["row 1, column 1 (x1)", "null"],
        ),
        (
            json!([[1, 2, 3], [1, 2, 1e39]]),
            400,
            &["row 1, column 2 (x2)", "f32 range"],
        ),
        (json!(42), 400, &["expected a JSON array of rows"]),
        (json!("\"text\""), 400, &["expected a JSON array of rows"]),
    ];
    for (body, expected, needles) in cases {
        let (status, _, inner_body) = invoke(body.clone(), json!({}), "POST").await;
        assert_eq!(status, *expected, "{body}: {inner_body}");
        let error = inner_error(&inner_body);
        for needle in *needles {
            assert!(error.contains(needle), "{body}: {error:?} lacks {needle:?}");
        }
    }
}

#[tokio::test]
async fn missing_body_is_an_inner_400() {
    let payload = json!({"Data": {"req": {"Method": "POST"}}, "Metadata": {}}).to_string();
    let reply = post_json(&app(), "/predict", payload).await;
    let (status, _, body) = inner(&reply);
    assert_eq!(status, 400);
    assert!(inner_error(&body).contains("empty"));
}

#[tokio::test]
async fn inner_wrong_method_is_405() {
    let (status, _, body) = invoke(json!("[[1, 2, 3]]"), json!({}), "GET").await;
    assert_eq!(status, 405);
    assert!(inner_error(&body).contains("GET"));
}

#[tokio::test]
async fn inner_non_json_content_type_is_415() {
    let payload = json!({"Data": {"req": {
        "Method": "POST", "Headers": {"content-type": "text/plain"}, "Body": "[[1,2,3]]"
    }}})
    .to_string();
    let (status, _, body) = inner(&post_json(&app(), "/predict", payload).await);
    assert_eq!(status, 415);
    assert!(inner_error(&body).contains("text/plain"));
}

#[tokio::test]
async fn inner_row_limit_is_413() {
    let app = tutorial_app(Limits {
        max_rows: 1,
        ..Limits::default()
    });
    let payload = invoke_payload("POST", json!({}), json!("[[1,2,3],[1,2,3]]"));
    let (status, _, body) = inner(&post_json(&app, "/predict", payload).await);
    assert_eq!(status, 413);
    assert!(inner_error(&body).contains("limit of 1 rows"));
}

#[tokio::test]
async fn a_payload_that_is_not_an_invoke_payload_is_an_outer_400() {
    for payload in [
        "not json",
        "[[1, 2, 3]]",
        r#"{"Data": {}}"#,
        r#"{"Data": {"req": 3}}"#,
    ] {
        let reply = post_json(&app(), "/predict", payload).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{payload}");
        let error = reply.error();
        assert!(error.contains("invoke payload"), "{error}");
    }
}

#[tokio::test]
async fn a_payload_over_the_byte_limit_is_an_outer_413() {
    let app = tutorial_app(Limits {
        max_body_bytes: 100,
        ..Limits::default()
    });
    let payload = invoke_payload(
        "POST",
        json!({}),
        json!("[[1,2,3],[1,2,3],[1,2,3],[1,2,3]]"),
    );
    let reply = post_json(&app, "/predict", payload).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.error().contains("limit of 100 bytes"));
}

#[tokio::test]
async fn query_and_header_values_may_be_lists_and_header_names_any_case() {
    let payload = json!({"Data": {"req": {
        "Method": "POST",
        "Query": {"other": "x", "proba": ["true", "false"]},
        "Headers": {"Host": ["localhost"], "CONTENT-TYPE": ["application/json; charset=utf-8"]},
        "Params": {},
        "Body": "[[11, 12, 13]]",
        "Extra": {"ignored": [1, 2, 3]}
    }}, "Metadata": {"sys": {}}})
    .to_string();
    let (status, headers, body) = inner(&post_json(&app(), "/predict", payload).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, r#"{"classes":[0,1],"probabilities":[[0.0,1.0]]}"#);
    assert_eq!(
        headers[function_app::FINGERPRINT_HEADER],
        fixtures::tutorial().fingerprint
    );
    let payload = json!({"Data": {"req": {
        "Method": "POST", "Headers": {"CONTENT-TYPE": ["text/csv"]}, "Body": "1,2,3"
    }}})
    .to_string();
    let (status, _, body) = inner(&post_json(&app(), "/predict", payload).await);
    assert_eq!(status, 415, "{body}");
}
