//! The tutorial's seed split: accuracy, parity, exact thresholds,
//! reproducibility, and the committed `models/seed.*` files.

use forest_codegen::Tables;
use forest_codegen::artifact::{Model, Node, fingerprint};
use forest_train::data::{self, Dataset};
use forest_train::eval;
use forest_train::train::{self, TrainConfig, Trained, threshold_f32};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load(name: &str) -> Dataset {
    data::load_csv(&root().join("data").join(name), "label").unwrap()
}

/// Trains the default model exactly as the README command does.
fn seed_model() -> (Trained, Dataset, Dataset, Vec<i64>) {
    let train_set = load("seed-train.csv");
    let test_set = load("seed-test.csv");
    let mut trained = train::fit(&train_set, &TrainConfig::default(), "seed").unwrap();
    let predicted = eval::attach_holdout(&mut trained, &test_set, Some(test_set.sha256)).unwrap();
    (trained, train_set, test_set, predicted)
}

#[test]
fn seed_split_accuracy_parity_and_reproducibility() {
    let (trained, train_set, test_set, smartcore_test) = seed_model();
    let model = &trained.model;

    // The figure in data/README.md.
    let h = model.metrics.holdout.as_ref().unwrap();
    assert_eq!((h.correct, h.rows), (312, 330));
    assert!((h.accuracy - 312.0 / 330.0).abs() < 1e-15);
    assert_eq!(h.confusion.iter().flatten().sum::<u64>(), 330);

    // The baked-at-run-time forest (Tables -> forest-core) agrees with
    // smartcore's own predict on every training and test row.
    let tables = Tables::from_model(model).unwrap();
    let forest = tables.forest().unwrap();
    let mut votes = vec![0u32; model.n_classes()];
    for set in [&train_set, &test_set] {
        let reference = trained.predict_smartcore(&set.rows).unwrap();
        for (row, expected) in set.rows.iter().zip(&reference) {
            let class = forest.predict_into(row, &mut votes).unwrap();
            assert_eq!(model.class_labels[class], *expected);
        }
    }
    assert_eq!(
        trained.predict_smartcore(&test_set.rows).unwrap(),
        smartcore_test
    );
    // Held-out accuracy is the shipped model's, and equals smartcore's.
    let correct = smartcore_test
        .iter()
        .zip(&test_set.labels)
        .filter(|(a, b)| a == b)
        .count();
    assert_eq!(correct, 312);

    // Metadata.
    assert_eq!(model.params.mtry, 1);
    assert_eq!(model.params.smartcore_version, "0.7.0");
    assert_eq!(model.params.criterion, "gini");
    assert_eq!(model.data.train_rows, 670);
    assert_eq!(model.data.test_rows, 330);
    assert_eq!(model.data.test_sha256, Some(test_set.sha256));
    assert_eq!(model.class_labels, [0, 1]);
    let cv = model.metrics.cv.as_ref().unwrap();
    assert_eq!(cv.scores.len(), 5);
    let sum: f64 = model
        .metrics
        .importance
        .iter()
        .map(|i| i.mean_impurity_decrease)
        .sum();
    assert!((sum - 1.0).abs() < 1e-9);
    let splits: u64 = model.metrics.importance.iter().map(|i| i.splits).sum();
    assert_eq!(splits as usize, model.n_decision_nodes());

    // Retraining gives the same bytes.
    let (again, ..) = seed_model();
    let a = model.to_bytes().unwrap();
    let b = again.model.to_bytes().unwrap();
    assert_eq!(fingerprint(&a), fingerprint(&b));
    assert_eq!(a, b);

    // ... and those are the committed artifact's bytes.
    let committed = std::fs::read(root().join("models/seed.forest")).unwrap();
    assert_eq!(
        a, committed,
        "models/seed.forest is not what the README command produces"
    );
}

#[test]
fn every_threshold_is_exact() {
    let (trained, ..) = seed_model();
    let raw = trained.smartcore_thresholds();
    let mut checked = 0;
    for (tree, raw_tree) in trained.model.trees.iter().zip(raw) {
        assert_eq!(tree.nodes.len(), raw_tree.len());
        for (node, t) in tree.nodes.iter().zip(raw_tree) {
            match (node, t) {
                (Node::Split { threshold, .. }, Some(t)) => {
                    assert_eq!(*threshold, threshold_f32(*t));
                    for x in [*threshold, threshold.next_up(), threshold.next_down()] {
                        // smartcore's rule: (x as f64) <= t.
                        assert_eq!(x <= *threshold, f64::from(x) <= *t);
                    }
                    checked += 1;
                }
                (Node::Leaf { .. }, None) => {}
                other => panic!("IR and smartcore thresholds disagree: {other:?}"),
            }
        }
    }
    assert_eq!(checked, trained.model.n_decision_nodes());
}

#[test]
fn committed_vectors_match_smartcore() {
    let (trained, _, test_set, smartcore_test) = seed_model();
    let path = root().join("models/seed-vectors.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, ["x0", "x1", "x2", "label", "predicted"]);
    let mut n = 0;
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.unwrap();
        // Feature values parse back bit-exactly to the test rows' f32s.
        for (j, expected) in test_set.rows[i].iter().enumerate() {
            let v: f32 = rec[j].parse().unwrap();
            assert_eq!(v.to_bits(), expected.to_bits());
        }
        assert_eq!(rec[3].parse::<i64>().unwrap(), test_set.labels[i]);
        assert_eq!(rec[4].parse::<i64>().unwrap(), smartcore_test[i]);
        n += 1;
    }
    assert_eq!(n, 330);
    // And the committed artifact reads back as the model trained here.
    let (model, _) = Model::read(root().join("models/seed.forest")).unwrap();
    assert_eq!(model, trained.model);
}
