//! Evaluation of the shipped model: held-out accuracy, confusion matrix,
//! per-class scores and forest size.
//!
//! Held-out predictions are made by the model *as shipped*: the artifact IR
//! lowered with [`forest_codegen::Tables::from_model`] and walked by
//! `forest-core`, and they are checked against smartcore's own `predict`
//! ([`attach_holdout`] refuses a disagreement).

use crate::data::Dataset;
use crate::train::{TrainError, Trained, check_parity};
use forest_codegen::Tables;
use forest_codegen::artifact::{ClassScores, Holdout, Model};

/// Size of a forest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForestSize {
    /// Trees.
    pub trees: usize,
    /// Decision nodes over all trees.
    pub decision_nodes: usize,
    /// Leaves over all trees.
    pub leaves: usize,
    /// Depth of the deepest tree (edges from root to leaf).
    pub max_depth: usize,
}

/// The size of a model's forest.
#[must_use]
pub fn size(model: &Model) -> ForestSize {
    ForestSize {
        trees: model.trees.len(),
        decision_nodes: model.n_decision_nodes(),
        leaves: model.n_leaves(),
        max_depth: model.max_depth(),
    }
}

/// Predicts class indices with the model as shipped (IR → tables →
/// `forest-core`).
///
/// # Errors
///
/// [`TrainError::Lower`] if the model does not lower, [`TrainError::RowWidth`]
/// for a row of the wrong width.
pub fn predict_indices(model: &Model, rows: &[Vec<f32>]) -> Result<Vec<usize>, TrainError> {
    let tables = Tables::from_model(model).map_err(|e| TrainError::Lower(e.to_string()))?;
    let forest = tables
        .forest()
        .map_err(|e| TrainError::Lower(e.to_string()))?;
    let mut votes = vec![0u32; model.n_classes()];
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            forest
                .predict_into(r, &mut votes)
                .map_err(|_| TrainError::RowWidth {
                    row: i + 1,
                    expected: model.n_features(),
                    found: r.len(),
                })
        })
        .collect()
}

/// Predicts labels with the model as shipped (see [`predict_indices`]).
///
/// # Errors
///
/// As [`predict_indices`].
pub fn predict_labels(model: &Model, rows: &[Vec<f32>]) -> Result<Vec<i64>, TrainError> {
    Ok(predict_indices(model, rows)?
        .into_iter()
        .map(|c| model.class_labels[c])
        .collect())
}

/// Scores predictions against true labels, both given as labels of `model`.
///
/// # Errors
///
/// [`TrainError::UnknownTestLabel`] for a true label that is not one of the
/// model's classes.
pub fn score(model: &Model, labels: &[i64], predicted: &[i64]) -> Result<Holdout, TrainError> {
    let k = model.n_classes();
    let index = |row: usize, label: i64| {
        model
            .class_labels
            .iter()
            .position(|&l| l == label)
            .ok_or_else(|| TrainError::UnknownTestLabel {
                row: row + 1,
                label,
                classes: model.class_labels.clone(),
            })
    };
    let mut confusion = vec![vec![0u64; k]; k];
    for (row, (&t, &p)) in labels.iter().zip(predicted).enumerate() {
        confusion[index(row, t)?][index(row, p)?] += 1;
    }
    let correct: u64 = (0..k).map(|c| confusion[c][c]).sum();
    let rows = labels.len() as u64;
    let per_class = (0..k)
        .map(|c| {
            let tp = confusion[c][c] as f64;
            let support: u64 = confusion[c].iter().sum();
            let predicted_c: u64 = confusion.iter().map(|r| r[c]).sum();
            let precision = if predicted_c == 0 {
                0.0
            } else {
                tp / predicted_c as f64
            };
            let recall = if support == 0 {
                0.0
            } else {
                tp / support as f64
            };
            let f1 = if precision + recall == 0.0 {
                0.0
            } else {
                2.0 * precision * recall / (precision + recall)
            };
            ClassScores {
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect();
    Ok(Holdout {
        accuracy: if rows == 0 {
            0.0
        } else {
            correct as f64 / rows as f64
        },
        correct,
        rows,
        confusion,
        per_class,
    })
}

/// Reorders a test set's feature columns to the training set's order
/// (matching by name; extra test columns are ignored).
///
/// # Errors
///
/// [`TrainError::TestFeatureMissing`] when a training feature is absent.
pub fn align_features(test: &Dataset, feature_names: &[String]) -> Result<Dataset, TrainError> {
    let cols = feature_names
        .iter()
        .map(|name| {
            test.feature_names
                .iter()
                .position(|c| c == name)
                .ok_or_else(|| TrainError::TestFeatureMissing(name.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Dataset {
        feature_names: feature_names.to_vec(),
        rows: test
            .rows
            .iter()
            .map(|r| cols.iter().map(|&c| r[c]).collect())
            .collect(),
        labels: test.labels.clone(),
        sha256: test.sha256,
    })
}

/// Evaluates the shipped model on held-out rows and records the result in
/// the model: `metrics.holdout`, `data.test_rows` and `data.test_sha256`
/// (pass the test *file's* hash when the rows came from a separate file,
/// `None` when they were split off the training file).
///
/// Returns smartcore's own predictions for the rows (labels), which equal
/// the shipped model's: a disagreement is an error.
///
/// # Errors
///
/// [`TrainError::TestFeatureMissing`], [`TrainError::UnknownTestLabel`],
/// [`TrainError::Parity`], or a lowering/prediction error.
pub fn attach_holdout(
    trained: &mut Trained,
    test: &Dataset,
    test_file_sha256: Option<[u8; 32]>,
) -> Result<Vec<i64>, TrainError> {
    let test = align_features(test, &trained.model.feature_names)?;
    let shipped = predict_labels(&trained.model, &test.rows)?;
    let reference = trained.predict_smartcore(&test.rows)?;
    check_parity("test", &reference, &shipped)?;
    let holdout = score(&trained.model, &test.labels, &shipped)?;
    trained.model.data.test_rows = holdout.rows;
    trained.model.data.test_sha256 = test_file_sha256;
    trained.model.metrics.holdout = Some(holdout);
    Ok(reference)
}
