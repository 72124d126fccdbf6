//! Bakes the test fixtures through forest-codegen, exactly as a user's
//! build.rs would: one generated module per artifact.

use forest_codegen::artifact::{DataInfo, Metrics, Model, Node, TrainParams, Tree};
use forest_codegen::{Builder, TableLayout};
use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let edge = out.join("edge.forest");
    edge_model().write(&edge).expect("write the edge fixture");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Every fixture in every layout: `<name>.rs` wide, `<name>_packed.rs`
    // packed, `<name>_dense.rs` the packed layout's dense form,
    // `<name>_sibling.rs` the sibling layout, `<name>_chained.rs` the chained
    // layout.
    for (model, name) in [
        (edge, "edge"),
        (root.join("../models/seed.forest"), "seed"),
        (root.join("fixtures/tie4.forest"), "tie4"),
        (root.join("fixtures/multi.forest"), "multi"),
    ] {
        bake(&model, &out, &format!("{name}.rs"), TableLayout::Wide);
        bake(
            &model,
            &out,
            &format!("{name}_packed.rs"),
            TableLayout::Packed,
        );
        bake(
            &model,
            &out,
            &format!("{name}_dense.rs"),
            TableLayout::Dense,
        );
        bake(
            &model,
            &out,
            &format!("{name}_sibling.rs"),
            TableLayout::Sibling,
        );
        bake(
            &model,
            &out,
            &format!("{name}_chained.rs"),
            TableLayout::Chained,
        );
    }
    println!("cargo:rerun-if-changed=build.rs");
}

fn bake(model: &Path, out: &Path, file: &str, layout: TableLayout) {
    println!("cargo:rerun-if-changed={}", model.display());
    if let Err(e) = Builder::new()
        .layout(layout)
        .build_to(model, &out.join(file))
    {
        panic!("baking {}: {e}", model.display());
    }
}

fn split(feature: u32, threshold: f32, left: u32, right: u32) -> Node {
    Node::Split {
        feature,
        threshold,
        left,
        right,
    }
}

/// A hand-made forest that smartcore would rarely produce: ±∞, -0.0 and
/// subnormal thresholds, a tree that is a bare leaf, four classes with
/// negative labels, an even number of trees.
pub fn edge_model() -> Model {
    let leaf = |class| Node::Leaf { class };
    let trees = vec![
        Tree {
            nodes: vec![
                split(0, 0.5, 1, 2),
                leaf(0),
                split(1, -0.0, 3, 4),
                leaf(1),
                split(2, f32::from_bits(1), 5, 6),
                leaf(2),
                leaf(3),
            ],
        },
        Tree {
            nodes: vec![split(1, f32::INFINITY, 1, 2), leaf(2), leaf(0)],
        },
        Tree {
            nodes: vec![leaf(1)],
        },
        Tree {
            nodes: vec![split(0, f32::NEG_INFINITY, 1, 2), leaf(3), leaf(2)],
        },
        Tree {
            nodes: vec![split(2, f32::MAX, 1, 2), leaf(3), leaf(1)],
        },
        Tree {
            nodes: vec![split(2, -f32::MAX, 1, 2), leaf(0), leaf(3)],
        },
    ];
    Model {
        name: "edge".into(),
        feature_names: vec!["a".into(), "b".into(), "c".into()],
        class_labels: vec![-7, 0, 3, 1_000_000_000_000],
        params: TrainParams {
            trees: trees.len() as u16,
            max_depth: None,
            min_samples_leaf: 1,
            min_samples_split: 2,
            mtry: 1,
            seed: 0,
            criterion: "gini".into(),
            cv_folds: 0,
            split: None,
            target: "label".into(),
            smartcore_version: "hand-made".into(),
        },
        data: DataInfo {
            train_sha256: [0; 32],
            train_rows: 0,
            test_sha256: None,
            test_rows: 0,
            dropped_features: vec![],
        },
        metrics: Metrics::default(),
        trees,
    }
}
