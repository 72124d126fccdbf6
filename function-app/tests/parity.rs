//! Parity with the trainer: every held-out row of the tutorial data set
//! (`models/seed-vectors.csv`, written by `forest-train` next to
//! `models/seed.forest`: columns x0, x1, x2, label, predicted) posted to the
//! server comes back with the trainer's `predicted` label, in both modes.

mod common;

use common::*;
use serde_json::{Value, json};
use std::path::Path;

struct Vectors {
    /// Each row's feature values as the CSV spells them.
    rows: Vec<Vec<String>>,
    predicted: Vec<i64>,
}

fn vectors() -> Vectors {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/seed-vectors.csv");
    let mut reader =
        csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().expect("header").clone();
    let predicted_col = headers
        .iter()
        .position(|h| h == "predicted")
        .expect("predicted column");
    let feature_cols: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| *h != "label" && *h != "predicted")
        .map(|(i, _)| i)
        .collect();
    let mut vectors = Vectors {
        rows: Vec::new(),
        predicted: Vec::new(),
    };
    for record in reader.records() {
        let record = record.expect("record");
        vectors
            .rows
            .push(feature_cols.iter().map(|&i| record[i].to_owned()).collect());
        vectors
            .predicted
            .push(record[predicted_col].parse().expect("integer label"));
    }
    assert!(
        vectors.rows.len() >= 100,
        "held-out set has {} rows",
        vectors.rows.len()
    );
    vectors
}

/// `true` when the baked model is `models/seed.forest`, which the vectors
/// belong to (it is not when `FOREST_MODEL` names another artifact).
fn serving_seed() -> bool {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/seed.forest");
    let (_, fingerprint) = forest_codegen::artifact::Model::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let seed = forest_codegen::artifact::hex(&fingerprint);
    let baked = function_app::ServedModel::baked().fingerprint;
    if baked != seed {
        eprintln!(
            "skipping parity: the baked model {baked} is not models/seed.forest ({seed}); FOREST_MODEL is set"
        );
    }
    baked == seed
}

fn body(rows: &[Vec<String>]) -> String {
    let rows: Vec<String> = rows.iter().map(|r| format!("[{}]", r.join(","))).collect();
    format!("[{}]", rows.join(","))
}

#[tokio::test]
async fn every_held_out_row_gets_the_trainers_label_in_one_request() {
    if !serving_seed() {
        return;
    }
    let vectors = vectors();
    let reply = post_json(&baked_app(), "/api/predict", body(&vectors.rows)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let labels: Vec<i64> = serde_json::from_str(&reply.body).expect("labels");
    assert_eq!(labels.len(), vectors.predicted.len());
    for (i, (got, want)) in labels.iter().zip(&vectors.predicted).enumerate() {
        assert_eq!(got, want, "row {i}: {:?}", vectors.rows[i]);
    }
}

#[tokio::test]
async fn every_held_out_row_gets_the_trainers_label_one_by_one_in_both_modes() {
    if !serving_seed() {
        return;
    }
    let vectors = vectors();
    let app = baked_app();
    for (i, (row, want)) in vectors.rows.iter().zip(&vectors.predicted).enumerate() {
        let one = body(std::slice::from_ref(row));
        let reply = post_json(&app, "/api/predict", one.clone()).await;
        assert_eq!(reply.json(), json!([want]), "row {i}: {one}");
        let payload = invoke_payload("POST", json!({}), Value::String(one.clone()));
        let (status, _, inner_body) = inner(&post_json(&app, "/predict", payload).await);
        assert_eq!(status, 200);
        assert_eq!(inner_body, format!("[{want}]"), "row {i} (invoke): {one}");
    }
}
