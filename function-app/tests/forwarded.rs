//! In-process tests of every route in forwarding mode (the host sends the
//! caller's request unchanged), including every kind of bad input.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::*;
use function_app::{Limits, VERSION, fixtures};
use serde_json::json;

fn app() -> axum::Router {
    tutorial_app(Limits::default())
}

/// Posts `body` and expects a 400 whose error contains every `needle`.
async fn bad_request(body: &str, needles: &[&str]) {
    let reply = post_json(&app(), "/api/predict", body.to_owned()).await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "{body} → {}",
        reply.body
    );
    let error = reply.error();
    for needle in needles {
        assert!(error.contains(needle), "{body}: {error:?} lacks {needle:?}");
    }
    assert_eq!(
        reply.header("x-model-fingerprint"),
        Some(fixtures::tutorial().fingerprint),
        "errors from /api/predict carry the fingerprint too"
    );
}

#[tokio::test]
async fn readiness_answers_get_and_head() {
    let reply = get(&app(), "/").await;
    assert_eq!(reply.status, 200);
    let json = reply.json();
    assert_eq!(json["status"], "ready");
    assert_eq!(json["fingerprint"], fixtures::tutorial().fingerprint);
    let head = send(&app(), Method::HEAD, "/", None, Body::empty()).await;
    assert_eq!(head.status, 200);
}

#[tokio::test]
async fn health_is_ok() {
    let reply = get(&app(), "/api/health").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({"status": "ok"}));
}

#[tokio::test]
async fn model_describes_the_served_model() {
    let reply = get(&app(), "/api/model").await;
    assert_eq!(reply.status, 200);
    let json = reply.json();
    let model = fixtures::tutorial();
    assert_eq!(json["name"], model.name);
    assert_eq!(json["fingerprint"], model.fingerprint);
    assert_eq!(json["feature_names"], json!(["x0", "x1", "x2"]));
    assert_eq!(json["class_labels"], json!([0, 1]));
    assert_eq!(json["n_features"], 3);
    assert_eq!(json["n_classes"], 2);
    assert_eq!(json["trees"], model.forest.n_trees());
    assert_eq!(json["decision_nodes"], model.decision_nodes);
    // The host default for a forest this small.
    assert_eq!(json["layout"], "chained");
    assert!(
        json["metrics"].is_object(),
        "metrics from the artifact: {json}"
    );
    assert!(json["metrics"].get("holdout").is_some(), "{json}");
    assert_eq!(json["version"], VERSION);
    assert_eq!(json["limits"]["max_rows"], Limits::default().max_rows);
}

#[tokio::test]
async fn model_of_the_baked_default_is_served() {
    let reply = get(&baked_app(), "/api/model").await;
    assert_eq!(reply.status, 200);
    let baked = function_app::ServedModel::baked();
    assert_eq!(reply.json()["fingerprint"], baked.fingerprint);
    assert_eq!(
        reply.json()["metrics"],
        serde_json::from_str::<serde_json::Value>(baked.metrics_json).expect("metrics JSON")
    );
}

#[tokio::test]
async fn predict_accepts_a_bare_array_and_inputs_object() {
    for body in [
        "[[1, 2, 3], [11, 12, 13]]",
        r#"{"inputs": [[1, 2, 3], [11, 12, 13]]}"#,
        "  [[1.0, 2.0, 3.0], [11, 12, 1.3e1]]\n",
    ] {
        let reply = post_json(&app(), "/api/predict", body).await;
        assert_eq!(reply.status, 200, "{body}: {}", reply.body);
        assert_eq!(reply.json(), json!([0, 1]), "{body}");
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(
            reply.header("x-model-fingerprint"),
            Some(fixtures::tutorial().fingerprint)
        );
    }
}

#[tokio::test]
async fn predict_accepts_json_content_types_and_none() {
    for ct in [
        None,
        Some("application/json; charset=utf-8"),
        Some("application/vnd.api+json"),
        Some("Application/JSON"),
    ] {
        let reply = send(&app(), Method::POST, "/api/predict", ct, "[[11, 12, 13]]").await;
        assert_eq!(reply.status, 200, "{ct:?}: {}", reply.body);
        assert_eq!(reply.json(), json!([1]));
    }
}

#[tokio::test]
async fn predict_rejects_other_content_types_with_415() {
    for ct in ["text/plain", "application/x-www-form-urlencoded"] {
        let reply = send(
            &app(),
            Method::POST,
            "/api/predict",
            Some(ct),
            "[[1, 2, 3]]",
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        let error = reply.error();
        assert!(
            error.contains(ct) && error.contains("application/json"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn empty_list_predicts_nothing() {
    for body in ["[]", r#"{"inputs": []}"#] {
        let reply = post_json(&app(), "/api/predict", body).await;
        assert_eq!(reply.status, 200, "{body}");
        assert_eq!(reply.json(), json!([]));
    }
    let reply = post_json(&app(), "/api/predict?proba=true", "[]").await;
    assert_eq!(
        reply.json(),
        json!({"classes": [0, 1], "probabilities": []})
    );
}

#[tokio::test]
async fn proba_returns_vote_fractions_per_class() {
    let reply = post_json(
        &app(),
        "/api/predict?proba=true",
        "[[1, 2, 3], [11, 12, 13], [11, 2, 3]]",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let json = reply.json();
    assert_eq!(json["classes"], json!([0, 1]));
    let probabilities = json["probabilities"].as_array().expect("array");
    assert_eq!(probabilities.len(), 3);
    assert_eq!(probabilities[0], json!([1.0, 0.0]));
    assert_eq!(probabilities[1], json!([0.0, 1.0]));
    for row in probabilities {
        let sum: f64 = row
            .as_array()
            .expect("row")
            .iter()
            .map(|p| p.as_f64().expect("number"))
            .sum();
        assert!((sum - 1.0).abs() < 1e-12, "{row}");
    }
    for off in ["/api/predict?proba=false", "/api/predict?proba=0"] {
        let reply = post_json(&app(), off, "[[11, 12, 13]]").await;
        assert_eq!(reply.json(), json!([1]), "{off}");
    }
    let reply = post_json(&app(), "/api/predict?proba=1", "[[11, 12, 13]]").await;
    assert_eq!(reply.json()["probabilities"], json!([[0.0, 1.0]]));
}

#[tokio::test]
async fn bad_proba_value_is_400() {
    let reply = post_json(&app(), "/api/predict?proba=maybe", "[[1, 2, 3]]").await;
    assert_eq!(reply.status, 400);
    assert!(reply.error().contains("proba"), "{}", reply.body);
}

#[tokio::test]
async fn malformed_json_is_400_with_position() {
    bad_request("[[1, 2, 3]", &["malformed JSON", "line 1"]).await;
    bad_request("[[1, 2, 3],]", &["malformed JSON"]).await;
    bad_request("not json", &["malformed JSON"]).await;
    bad_request("[[1, 2, NaN]]", &["malformed JSON"]).await;
}

#[tokio::test]
async fn empty_body_is_400() {
    bad_request("", &["empty"]).await;
    bad_request("  \n", &["empty"]).await;
}

#[tokio::test]
async fn wrong_top_level_type_is_400() {
    bad_request(r#""abc""#, &["expected a JSON array of rows", "string"]).await;
    bad_request("42", &["expected a JSON array of rows", "number 42"]).await;
    bad_request("null", &["expected a JSON array of rows", "null"]).await;
    bad_request(r#"{"rows": [[1, 2, 3]]}"#, &["without \"inputs\""]).await;
    bad_request(
        r#"{"inputs": 3}"#,
        &["\"inputs\" must be an array", "number 3"],
    )
    .await;
}

#[tokio::test]
async fn row_that_is_not_an_array_is_400_naming_the_row() {
    bad_request(
        "[1, 2, 3]",
        &["row 0 must be an array of 3 numbers", "number 1"],
    )
    .await;
    bad_request(
        r#"[[1, 2, 3], {"x0": 1}]"#,
        &["row 1 must be an array", "object"],
    )
    .await;
}

#[tokio::test]
async fn row_of_wrong_length_is_400_naming_row_and_expected_count() {
    bad_request(
        "[[1, 2, 3], [1, 2]]",
        &["row 1 has 2 values", "expects 3 features", "x0, x1, x2"],
    )
    .await;
    bad_request(
        "[[1, 2, 3, 4]]",
        &["row 0 has 4 values", "expects 3 features"],
    )
    .await;
    bad_request("[[]]", &["row 0 has 0 values"]).await;
}

#[tokio::test]
async fn non_numeric_values_are_400_naming_row_and_column() {
    bad_request(
        "[[1, null, 3]]",
        &["row 0, column 1 (x1)", "expected a number", "null"],
    )
    .await;
    bad_request(
        r#"[[1, 2, 3], [1, 2, "3"]]"#,
        &["row 1, column 2 (x2)", "string \"3\""],
    )
    .await;
    bad_request("[[true, 2, 3]]", &["row 0, column 0 (x0)", "boolean true"]).await;
    bad_request("[[[1], 2, 3]]", &["row 0, column 0 (x0)", "array"]).await;
}

#[tokio::test]
async fn numbers_beyond_f32_are_400_naming_row_and_column() {
    bad_request(
        "[[1, 2, 3], [1, 1e39, 3]]",
        &["row 1, column 1 (x1)", "f32 range"],
    )
    .await;
    bad_request("[[-3.5e38, 2, 3]]", &["row 0, column 0 (x0)", "f32 range"]).await;
    // Beyond f64 is a JSON number serde_json refuses: malformed, still a 400.
    bad_request("[[1e400, 2, 3]]", &["malformed JSON"]).await;
    // The extremes of f32 itself are fine.
    let reply = post_json(
        &app(),
        "/api/predict",
        "[[3.4028234663852886e38, -3.4028234663852886e38, 1e-45]]",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn more_rows_than_the_limit_is_413() {
    let app = tutorial_app(Limits {
        max_rows: 3,
        ..Limits::default()
    });
    let ok = post_json(&app, "/api/predict", "[[1,2,3],[1,2,3],[1,2,3]]").await;
    assert_eq!(ok.status, 200);
    let reply = post_json(&app, "/api/predict", "[[1,2,3],[1,2,3],[1,2,3],[1,2,3]]").await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let error = reply.error();
    assert!(
        error.contains("4 rows") && error.contains("limit of 3 rows"),
        "{error}"
    );
}

#[tokio::test]
async fn body_over_the_byte_limit_is_413() {
    let app = tutorial_app(Limits {
        max_body_bytes: 64,
        ..Limits::default()
    });
    let row = "[1,2,3],";
    let body = format!("[{}[1,2,3]]", row.repeat(10));
    assert!(body.len() > 64);
    let reply = post_json(&app, "/api/predict", body).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        reply.error().contains("limit of 64 bytes"),
        "{}",
        reply.body
    );
    let small = post_json(&app, "/api/predict", "[[1,2,3]]").await;
    assert_eq!(small.status, 200);
}

#[tokio::test]
async fn wrong_method_is_405_json() {
    for (method, path, allowed) in [
        (Method::GET, "/api/predict", "POST"),
        (Method::PUT, "/api/predict", "POST"),
        (Method::POST, "/api/health", "GET"),
        (Method::DELETE, "/api/model", "GET"),
        (Method::GET, "/predict", "POST"),
        (Method::POST, "/", "GET"),
    ] {
        let reply = send(&app(), method.clone(), path, None, Body::empty()).await;
        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let error = reply.error();
        assert!(
            error.contains(method.as_str()) && error.contains(path) && error.contains(allowed),
            "{error}"
        );
    }
}

#[tokio::test]
async fn unknown_route_is_404_json() {
    for path in ["/api/nope", "/api", "/predict/extra", "/api/predict/"] {
        let reply = get(&app(), path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(reply.error().contains(path), "{}", reply.body);
    }
    let reply = post_json(&app(), "/api/other", "[]").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_router_keeps_serving_after_bad_input() {
    let app = app();
    for body in ["[[1,2]]", "{", "[[null,1,2]]", "[[1e39,1,2]]"] {
        assert_eq!(post_json(&app, "/api/predict", body).await.status, 400);
    }
    let reply = post_json(&app, "/api/predict", "[[11, 12, 13]]").await;
    assert_eq!(reply.json(), json!([1]));
}

#[tokio::test]
async fn streaming_parser_edge_cases() {
    // Keys beside "inputs" are ignored.
    let reply = post_json(
        &app(),
        "/api/predict",
        r#"{"id": 7, "inputs": [[11, 12, 13]], "x": [1]}"#,
    )
    .await;
    assert_eq!(reply.json(), json!([1]), "{}", reply.body);
    // Too many values is a length error whatever the extra values are.
    bad_request(
        r#"[[1, 2, 3, "x", null]]"#,
        &["row 0 has 5 values", "expects 3 features"],
    )
    .await;
    // Trailing bytes after the JSON value are malformed JSON.
    bad_request("[[1, 2, 3]] x", &["malformed JSON", "trailing"]).await;
    // Deep nesting is a 400, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let reply = post_json(&app(), "/api/predict", deep).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    // Integers of any size within f32 are numbers.
    let reply = post_json(&app(), "/api/predict", "[[-1, 18446744073709551615, 0]]").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // A later bad row is reported even after good rows were predicted.
    bad_request(
        "[[1, 2, 3], [11, 12, 13], [1, 2, false]]",
        &["row 2, column 2 (x2)", "boolean false"],
    )
    .await;
}

#[tokio::test]
async fn the_row_limit_counts_every_row_after_the_limit() {
    let app = tutorial_app(Limits {
        max_rows: 1,
        ..Limits::default()
    });
    let reply = post_json(&app, "/api/predict", r#"[[1, 2, 3], "junk", {}, 4]"#).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.error().contains("has 4 rows"), "{}", reply.body);
}
