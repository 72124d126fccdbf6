//! Small hand-made models shared by the codegen tests.
#![allow(dead_code)]

use forest_codegen::artifact::{DataInfo, Metrics, Model, Node, TrainParams, Tree};

pub fn params(trees: u16) -> TrainParams {
    TrainParams {
        trees,
        max_depth: None,
        min_samples_leaf: 1,
        min_samples_split: 2,
        mtry: 1,
        seed: 0,
        criterion: "gini".into(),
        cv_folds: 0,
        split: None,
        target: "label".into(),
        smartcore_version: "0.7.0".into(),
    }
}

pub fn model(features: usize, labels: Vec<i64>, trees: Vec<Tree>) -> Model {
    Model {
        name: "small".into(),
        feature_names: (0..features).map(|i| format!("x{i}")).collect(),
        class_labels: labels,
        params: params(trees.len() as u16),
        data: DataInfo {
            train_sha256: [7; 32],
            train_rows: 10,
            test_sha256: None,
            test_rows: 0,
            dropped_features: vec![],
        },
        metrics: Metrics::default(),
        trees,
    }
}

pub fn split(feature: u32, threshold: f32, left: u32, right: u32) -> Node {
    Node::Split {
        feature,
        threshold,
        left,
        right,
    }
}

pub fn leaf(class: u32) -> Node {
    Node::Leaf { class }
}

/// Two features, three classes (labels -1, 4, 9), three trees, one of them a
/// bare leaf, thresholds including ±∞ and -0.0.
pub fn small() -> Model {
    model(
        2,
        vec![-1, 4, 9],
        vec![
            Tree {
                nodes: vec![
                    split(0, 0.5, 1, 2),
                    leaf(0),
                    split(1, -0.0, 3, 4),
                    leaf(1),
                    leaf(2),
                ],
            },
            Tree {
                nodes: vec![split(1, f32::INFINITY, 1, 2), leaf(2), leaf(0)],
            },
            Tree {
                nodes: vec![leaf(1)],
            },
            Tree {
                nodes: vec![split(0, f32::NEG_INFINITY, 1, 2), leaf(0), leaf(2)],
            },
        ],
    )
}
