//! Extraction edge cases: infinite thresholds, constant columns, synthetic
//! multi-class data, rows placed exactly on thresholds.

use forest_codegen::artifact::Node;
use forest_train::data::{self, Dataset};
use forest_train::eval;
use forest_train::report;
use forest_train::synth::{self, SynthConfig};
use forest_train::train::{self, TrainConfig, Trained, threshold_f32};

fn dataset(names: &[&str], rows: Vec<Vec<f32>>, labels: Vec<i64>) -> Dataset {
    Dataset {
        feature_names: names.iter().map(|s| (*s).to_owned()).collect(),
        rows,
        labels,
        sha256: [7; 32],
    }
}

/// Every split threshold checked against smartcore's f64, and rows placed on,
/// just above and just below every threshold predicted like smartcore.
fn check_exact(trained: &Trained, base: &[Vec<f32>]) {
    let model = &trained.model;
    let mut probes = Vec::new();
    for (tree, raw) in model.trees.iter().zip(trained.smartcore_thresholds()) {
        for (node, t) in tree.nodes.iter().zip(raw) {
            if let Node::Split {
                feature, threshold, ..
            } = node
            {
                let t = t.expect("split has a smartcore threshold");
                assert_eq!(*threshold, threshold_f32(t));
                for x in [*threshold, threshold.next_up(), threshold.next_down()] {
                    assert_eq!(x <= *threshold, f64::from(x) <= t);
                    if x.is_finite() {
                        for b in base.iter().take(5) {
                            let mut row = b.clone();
                            row[*feature as usize] = x;
                            probes.push(row);
                        }
                    }
                }
            }
        }
    }
    let reference = trained.predict_smartcore(&probes).unwrap();
    let shipped = eval::predict_labels(model, &probes).unwrap();
    assert_eq!(reference, shipped);
}

#[test]
fn infinite_thresholds_are_kept() {
    // Adjacent values whose f32 sum overflows: smartcore's split value is
    // +inf (or -inf). With min_samples_leaf 0 such splits survive.
    let big = f32::MAX;
    let rows: Vec<Vec<f32>> = [
        (3.0e38, 0),
        (big, 1),
        (-3.0e38, 0),
        (-big, 1),
        (0.0, 0),
        (1.0, 1),
    ]
    .iter()
    .cycle()
    .take(24)
    .map(|&(x, _)| vec![x])
    .collect();
    let labels: Vec<i64> = [0, 1, 0, 1, 0, 1]
        .iter()
        .cycle()
        .take(24)
        .copied()
        .collect();
    let ds = dataset(&["x"], rows.clone(), labels);
    let cfg = TrainConfig {
        trees: 5,
        max_depth: Some(6),
        min_samples_leaf: 0,
        cv_folds: 0,
        ..TrainConfig::default()
    };
    let trained = train::fit(&ds, &cfg, "inf").unwrap();
    let infinite = trained
        .model
        .trees
        .iter()
        .flat_map(|t| &t.nodes)
        .filter(|n| matches!(n, Node::Split { threshold, .. } if threshold.is_infinite()))
        .count();
    assert!(infinite > 0, "expected an infinite threshold");
    let raw_inf = trained
        .smartcore_thresholds()
        .iter()
        .flatten()
        .flatten()
        .filter(|t| t.is_infinite())
        .count();
    assert_eq!(infinite, raw_inf);
    // The artifact round-trips them.
    let bytes = trained.model.to_bytes().unwrap();
    let back = forest_codegen::artifact::Model::from_bytes(&bytes).unwrap();
    assert_eq!(back, trained.model);
    check_exact(&trained, &rows);
}

#[test]
fn constant_feature_is_dropped() {
    // Column "c" is constant; "x" carries the class, "n" is noise.
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for i in 0..60 {
        let x = i as f32 / 10.0;
        rows.push(vec![4.5, x, ((i * 37) % 11) as f32]);
        labels.push(i64::from(x > 3.0));
    }
    let ds = dataset(&["c", "x", "n"], rows.clone(), labels);
    let cfg = TrainConfig {
        trees: 10,
        ..TrainConfig::default()
    };
    let trained = train::fit(&ds, &cfg, "const").unwrap();
    let model = &trained.model;
    assert_eq!(model.feature_names, ["c", "x", "n"]);
    assert_eq!(model.data.dropped_features, ["c"]);
    assert_eq!(trained.kept_features(), [1, 2]);
    assert_eq!(model.params.mtry, 1); // floor(sqrt(2 kept features))
    for node in model.trees.iter().flat_map(|t| &t.nodes) {
        if let Node::Split { feature, .. } = node {
            assert_ne!(*feature, 0, "the IR references the dropped column");
        }
    }
    assert_eq!(model.metrics.importance[0].splits, 0);
    assert_eq!(model.metrics.importance[0].mean_impurity_decrease, 0.0);
    // Predictions take full rows (3 values), through smartcore and the IR.
    let reference = trained.predict_smartcore(&rows).unwrap();
    assert_eq!(eval::predict_labels(model, &rows).unwrap(), reference);
    // The report lists it.
    let text = report::markdown(model, &model.fingerprint().unwrap(), None);
    assert!(
        text.contains(
            "Dropped constant features (not used by any tree; rows still carry them): `c`."
        )
    );
    assert!(text.contains("| `c` (dropped: constant) | 0 | 0.0000 |"));
    check_exact(&trained, &rows);
}

#[test]
fn synthetic_multiclass_parity() {
    let s = synth::generate(&SynthConfig {
        rows: 300,
        features: 6,
        informative: 3,
        classes: 4,
        seed: 11,
        ..SynthConfig::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    std::fs::write(&path, s.to_csv()).unwrap();
    let ds = data::load_csv(&path, "label").unwrap();
    let (tr, te) = train::split_holdout(&ds, 0.25, 3).unwrap();
    let cfg = TrainConfig {
        trees: 20,
        cv_folds: 3,
        seed: 5,
        ..TrainConfig::default()
    };
    let mut trained = train::fit(&tr, &cfg, "synth").unwrap();
    let predicted = eval::attach_holdout(&mut trained, &te, None).unwrap();
    assert_eq!(
        predicted,
        eval::predict_labels(&trained.model, &te.rows).unwrap()
    );
    let h = trained.model.metrics.holdout.as_ref().unwrap();
    assert_eq!(h.rows, 75);
    assert_eq!(h.confusion.len(), 4);
    assert!(h.accuracy > 0.5, "accuracy {}", h.accuracy);
    check_exact(&trained, &tr.rows);
}

#[test]
fn unknown_test_label_is_an_error() {
    let rows: Vec<Vec<f32>> = (0..10).map(|i| vec![i as f32]).collect();
    let labels = (0..10).map(|i| i64::from(i >= 5)).collect();
    let ds = dataset(&["x"], rows, labels);
    let cfg = TrainConfig {
        trees: 3,
        cv_folds: 0,
        ..TrainConfig::default()
    };
    let mut trained = train::fit(&ds, &cfg, "m").unwrap();
    let test = dataset(&["x"], vec![vec![1.0], vec![2.0]], vec![0, 9]);
    let err = eval::attach_holdout(&mut trained, &test, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "test row 2: label 9 does not occur in the training data (classes: [0, 1])"
    );
}
