//! Parity: every baked fixture answers exactly like smartcore's own `predict`
//! on the model it was trained as — on the training and test rows, on rows
//! placed exactly on every threshold and one f32 either side, and on rows
//! holding NaN and ±∞ — and like the run-time tables `forest-train predict`
//! uses.

use forest_codegen::artifact::{Model, Node};
use forest_codegen::{ChainedTables, PackedTables, SiblingTables, Tables};
use forest_train::data::load_csv;
use forest_train::train::{TrainConfig, fit};
use std::path::{Path, PathBuf};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// Rows to check: the data rows, then for every decision node each base row
/// variant with that node's feature set to the threshold and the next f32
/// above and below, then NaN/±∞ in each feature and everywhere.
fn probe_rows(model: &Model, data: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let mut rows = data.to_vec();
    let bases: Vec<&Vec<f32>> = data.iter().step_by((data.len() / 7).max(1)).collect();
    for node in model.trees.iter().flat_map(|t| &t.nodes) {
        if let Node::Split {
            feature, threshold, ..
        } = *node
        {
            for base in &bases {
                for v in [threshold, threshold.next_up(), threshold.next_down()] {
                    let mut r = (*base).clone();
                    r[feature as usize] = v;
                    rows.push(r);
                }
            }
        }
    }
    let specials = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        -0.0,
        f32::MAX,
        f32::MIN_POSITIVE,
    ];
    for base in &bases {
        for &s in &specials {
            for f in 0..model.n_features() {
                let mut r = (*base).clone();
                r[f] = s;
                rows.push(r);
            }
            rows.push(vec![s; model.n_features()]);
        }
    }
    rows
}

struct Baked {
    layout: &'static str,
    fingerprint: &'static str,
    predict_label: fn(&[f32]) -> i64,
    votes: fn(&[f32]) -> Vec<u32>,
    batch_labels: fn(&[Vec<f32>]) -> Vec<i64>,
}

/// Checks one fixture, baked in each layout; returns how many checked rows
/// had tied top votes.
fn check(artifact: &str, train: &str, test: Option<&str>, layouts: [Baked; 5]) -> usize {
    let (model, fp) = Model::read(repo(artifact)).unwrap();
    assert_eq!(
        layouts.each_ref().map(|b| b.layout),
        ["wide", "packed", "dense", "sibling", "chained"],
        "every layout baked"
    );
    for baked in &layouts {
        assert_eq!(
            forest_codegen::artifact::hex(&fp),
            baked.fingerprint,
            "baked fingerprint"
        );
    }

    // Retrain with the recorded parameters: the very same trees come out, so
    // the baked tables are smartcore's model, and smartcore is the oracle.
    let data = load_csv(&repo(train), &model.params.target).unwrap();
    let cfg = TrainConfig::recorded(&model.params);
    let trained = fit(&data, &cfg, &model.name).unwrap();
    assert_eq!(
        trained.model.trees, model.trees,
        "retrained trees differ from {artifact}"
    );
    assert_eq!(trained.model.class_labels, model.class_labels);
    assert_eq!(trained.model.feature_names, model.feature_names);

    let mut base = data.rows.clone();
    if let Some(test) = test {
        base.extend(load_csv(&repo(test), &model.params.target).unwrap().rows);
    }
    let rows = probe_rows(&model, &base);
    let expected = trained.predict_smartcore(&rows).unwrap();
    let tables = Tables::from_model(&model).unwrap();
    let runtime = tables.forest().unwrap();
    let packed_tables = PackedTables::from_model(&model).unwrap();
    let packed = packed_tables.forest().unwrap();
    let dense_tables = PackedTables::dense(&model).unwrap();
    let dense = dense_tables.forest().unwrap();
    let sibling_tables = SiblingTables::from_model(&model).unwrap();
    let sibling = sibling_tables.forest().unwrap();
    let chained_tables = ChainedTables::from_model(&model).unwrap();
    let chained = chained_tables.forest().unwrap();
    let mut votes = vec![0; model.n_classes()];
    let mut packed_votes = vec![0; model.n_classes()];
    let mut ties = 0;
    for (row, &want) in rows.iter().zip(&expected) {
        let class = runtime.predict_into(row, &mut votes).unwrap();
        assert_eq!(
            model.class_labels[class], want,
            "{artifact} run-time tables: row {row:?}"
        );
        let class = packed.predict_into(row, &mut packed_votes).unwrap();
        assert_eq!(
            model.class_labels[class], want,
            "{artifact} run-time packed tables: row {row:?}"
        );
        assert_eq!(packed_votes, votes, "{artifact}: packed votes, row {row:?}");
        let class = dense.predict_into(row, &mut packed_votes).unwrap();
        assert_eq!(
            model.class_labels[class], want,
            "{artifact} run-time dense tables: row {row:?}"
        );
        assert_eq!(packed_votes, votes, "{artifact}: dense votes, row {row:?}");
        let (class, sibling_visits) = sibling.predict_counting(row, &mut packed_votes).unwrap();
        assert_eq!(
            model.class_labels[class], want,
            "{artifact} run-time sibling tables: row {row:?}"
        );
        assert_eq!(
            packed_votes, votes,
            "{artifact}: sibling votes, row {row:?}"
        );
        let (_, packed_visits) = packed.predict_counting(row, &mut packed_votes).unwrap();
        assert_eq!(
            sibling_visits, packed_visits,
            "{artifact}: sibling and packed visit the same decision nodes, row {row:?}"
        );
        let (class, chained_visits) = chained.predict_counting(row, &mut packed_votes).unwrap();
        assert_eq!(
            model.class_labels[class], want,
            "{artifact} run-time chained tables (one lane at a time): row {row:?}"
        );
        assert_eq!(
            (packed_votes.as_slice(), chained_visits),
            (votes.as_slice(), packed_visits),
            "{artifact}: chained votes and visits, row {row:?}"
        );
        let class = chained.predict_into(row, &mut packed_votes).unwrap();
        assert_eq!(
            model.class_labels[class], want,
            "{artifact} run-time chained tables: row {row:?}"
        );
        assert_eq!(
            packed_votes, votes,
            "{artifact}: chained votes, row {row:?}"
        );
        for baked in &layouts {
            let layout = baked.layout;
            assert_eq!(
                (baked.predict_label)(row),
                want,
                "{artifact} ({layout}): row {row:?}"
            );
            assert_eq!((baked.votes)(row), votes, "{artifact} ({layout}): votes");
        }
        let max = votes.iter().max().copied().unwrap_or(0);
        if votes.iter().filter(|&&v| v == max).count() > 1 {
            ties += 1;
        }
    }
    assert!(rows.len() > base.len() * 2, "threshold rows were generated");
    // The batched walker gives the same answers, whatever the block boundaries.
    for baked in &layouts {
        let layout = baked.layout;
        assert_eq!(
            (baked.batch_labels)(&rows),
            expected,
            "{artifact} ({layout}): predict_batch"
        );
        assert_eq!(
            (baked.batch_labels)(&rows[..37]),
            expected[..37],
            "{artifact} ({layout}): short batch"
        );
    }
    ties
}

macro_rules! baked {
    ($m:ident) => {
        Baked {
            layout: forest_tests::$m::LAYOUT,
            fingerprint: forest_tests::$m::FINGERPRINT,
            predict_label: |r| forest_tests::$m::MODEL.predict_label(r.try_into().unwrap()),
            votes: |r| {
                forest_tests::$m::MODEL
                    .votes(r.try_into().unwrap())
                    .to_vec()
            },
            batch_labels: |rows| {
                use forest_tests::$m::{CLASS_LABELS, MODEL, N_FEATURES};
                let rows: Vec<[f32; N_FEATURES]> = rows
                    .iter()
                    .map(|r| r.as_slice().try_into().unwrap())
                    .collect();
                let mut out = vec![usize::MAX; rows.len() + 3];
                assert_eq!(MODEL.predict_batch(&rows, &mut out), rows.len());
                assert!(out[rows.len()..].iter().all(|&c| c == usize::MAX));
                out[..rows.len()].iter().map(|&c| CLASS_LABELS[c]).collect()
            },
        }
    };
}

#[test]
fn seed_model_matches_smartcore() {
    check(
        "models/seed.forest",
        "data/seed-train.csv",
        Some("data/seed-test.csv"),
        [
            baked!(seed),
            baked!(seed_packed),
            baked!(seed_dense),
            baked!(seed_sibling),
            baked!(seed_chained),
        ],
    );
}

#[test]
fn even_forest_ties_match_smartcore() {
    let ties = check(
        "tests/fixtures/tie4.forest",
        "data/seed-train.csv",
        Some("data/seed-test.csv"),
        [
            baked!(tie4),
            baked!(tie4_packed),
            baked!(tie4_dense),
            baked!(tie4_sibling),
            baked!(tie4_chained),
        ],
    );
    assert!(
        ties > 10,
        "the 4-tree fixture must produce tied votes, got {ties}"
    );
}

#[test]
fn three_class_model_matches_smartcore() {
    assert_eq!(forest_tests::multi::N_CLASSES, 3);
    check(
        "tests/fixtures/multi.forest",
        "tests/fixtures/multi.csv",
        None,
        [
            baked!(multi),
            baked!(multi_packed),
            baked!(multi_dense),
            baked!(multi_sibling),
            baked!(multi_chained),
        ],
    );
}
