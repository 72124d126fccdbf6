//! The Python tutorial's own test, ported: a model trained on
//! `X = [[1,2,3],[11,12,13]]`, `y = [0,1]` answers `[0, 1]` for `X`.

mod common;

use common::*;
use function_app::{Limits, fixtures};
use serde_json::json;

#[tokio::test]
async fn tutorial_rows_predict_their_labels() {
    let app = tutorial_app(Limits::default());
    let reply = post_json(&app, "/api/predict", "[[1, 2, 3], [11, 12, 13]]").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json(), json!([0, 1]));
    assert_eq!(
        reply.header("x-model-fingerprint"),
        Some(fixtures::tutorial().fingerprint)
    );
}

#[tokio::test]
async fn tutorial_rows_predict_their_labels_through_the_invoke_payload() {
    let app = tutorial_app(Limits::default());
    let payload = invoke_payload("POST", json!({}), json!("[[1, 2, 3], [11, 12, 13]]"));
    let (status, _, body) = inner(&post_json(&app, "/predict", payload).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "[0,1]");
}

#[test]
fn tutorial_fixture_is_the_tutorial_shape() {
    let model = fixtures::tutorial();
    assert_eq!(model.feature_names.len(), 3);
    assert_eq!(model.class_labels, &[0, 1]);
}
