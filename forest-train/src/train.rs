//! Training a smartcore random forest and extracting it into the artifact IR.
//!
//! * Constant feature columns are dropped before smartcore sees the data
//!   (its accuracy collapses on them); split features are mapped back to the
//!   original column indices, so the model still takes full rows.
//! * The trees are extracted through serde, in-process: the forest is
//!   encoded with postcard into typed mirror structs (exact for every `f64`,
//!   ±∞ included), and the mirror is checked field by field against
//!   `serde_json::to_value` of the forest, so a layout change in smartcore is
//!   an error rather than a silently different model.
//! * Thresholds: smartcore splits on `x as f64 <= t`. The IR stores the
//!   largest `f32` not above `t` ([`threshold_f32`]), so `x <= t_f32` decides
//!   exactly like smartcore for every `f32` input.
//! * Before returning, the IR forest (lowered through `forest-codegen` to
//!   `forest-core`) must agree with smartcore's own `predict` on every
//!   training row.

use crate::data::Dataset;
use crate::rng::SplitMix64;
use forest_codegen::artifact::{
    CrossValidation, DataInfo, FeatureImportance, Metrics, Model, ModelError, Node, TrainParams,
    Tree,
};
use serde::{Deserialize, Serialize};
use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

/// The smartcore version the trees come from (pinned in the workspace).
pub const SMARTCORE_VERSION: &str = "0.7.0";

/// Salt mixed into the seed for cross-validation fold assignment, so folds
/// do not reuse the held-out split's shuffle when both seeds are equal.
const CV_SALT: u64 = 0x6376_5f66_6f6c_6473; // "cv_folds"

type Forest = RandomForestClassifier<f32, i64, DenseMatrix<f32>, Vec<i64>>;

/// Training parameters. `Default` gives smartcore's defaults and 5-fold CV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainConfig {
    /// Number of trees (at least 1).
    pub trees: u16,
    /// smartcore's `max_depth` (levels counted from 1: scikit-learn's
    /// `max_depth + 1`); `None` grows trees until pure.
    pub max_depth: Option<u16>,
    /// Minimum samples in a leaf.
    pub min_samples_leaf: usize,
    /// Minimum samples to split a node.
    pub min_samples_split: usize,
    /// Features tried per split; `None` = ⌊√(kept features)⌋ like smartcore.
    pub mtry: Option<usize>,
    /// Seed of the forest (bootstrap and feature sampling) and of the CV folds.
    pub seed: u64,
    /// Cross-validation folds on the training rows (0 = no CV, else ≥ 2).
    pub cv_folds: u32,
    /// Which implementation grows the trees (both give identical trees).
    pub engine: Engine,
    /// Worker threads of [`Engine::Fast`] (0 = every core). The trees, and so
    /// the artifact, do not depend on it.
    pub threads: usize,
}

/// The implementation that trains the forest. Both grow bit-for-bit the same
/// trees for the same data and parameters, so the artifact does not depend
/// on the choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Engine {
    /// smartcore 0.7.0's own `RandomForestClassifier::fit` (one core; every
    /// node scans all rows of the data set).
    Smartcore,
    /// forest-train's exact re-implementation: per-node sorted row lists
    /// (a node costs its own rows, not the whole data set) and trees grown
    /// on [`TrainConfig::threads`] workers.
    #[default]
    Fast,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            trees: 100,
            max_depth: None,
            min_samples_leaf: 1,
            min_samples_split: 2,
            mtry: None,
            seed: 0,
            cv_folds: 5,
            engine: Engine::Fast,
            threads: 0,
        }
    }
}

impl TrainConfig {
    /// The configuration recorded in an artifact, so that [`fit`] on the same
    /// training rows grows the very same trees (cross-validation off: it does
    /// not change the trees, only the stored metrics).
    #[must_use]
    pub fn recorded(params: &TrainParams) -> TrainConfig {
        TrainConfig {
            trees: params.trees,
            max_depth: params.max_depth,
            min_samples_leaf: usize::try_from(params.min_samples_leaf).unwrap_or(usize::MAX),
            min_samples_split: usize::try_from(params.min_samples_split).unwrap_or(usize::MAX),
            mtry: Some(usize::try_from(params.mtry).unwrap_or(usize::MAX)),
            seed: params.seed,
            cv_folds: 0,
            engine: Engine::default(),
            threads: 0,
        }
    }
}

/// Why training (or evaluating) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// `trees` is 0.
    #[error("--trees must be at least 1 (a forest of 0 trees predicts nothing)")]
    NoTrees,
    /// `max_depth` below 2 gives single-leaf trees.
    #[error(
        "--max-depth {0} gives single-leaf trees: smartcore counts levels from 1 \
         (its max_depth is scikit-learn's + 1), use at least 2"
    )]
    MaxDepthTooSmall(u16),
    /// `mtry` is 0.
    #[error("--mtry must be at least 1 (0 features per split never splits)")]
    MtryZero,
    /// `mtry` exceeds the features left after dropping constant ones.
    #[error("--mtry {mtry} exceeds the {features} usable features ({dropped} constant dropped)")]
    MtryTooLarge {
        /// Requested features per split.
        mtry: usize,
        /// Non-constant features.
        features: usize,
        /// Constant features dropped.
        dropped: usize,
    },
    /// `cv_folds` is 1.
    #[error("--cv-folds must be 0 (no cross-validation) or at least 2, got {0}")]
    BadCvFolds(u32),
    /// Fewer training rows than CV folds.
    #[error("{rows} training rows cannot be split into {folds} cross-validation folds")]
    TooFewRowsForCv {
        /// Training rows.
        rows: usize,
        /// Folds requested.
        folds: u32,
    },
    /// No training rows.
    #[error("no training rows")]
    NoRows,
    /// A row has the wrong number of values.
    #[error("row {row}: {found} values, expected {expected} (one per feature)")]
    RowWidth {
        /// 1-based row.
        row: usize,
        /// Features expected.
        expected: usize,
        /// Values found.
        found: usize,
    },
    /// Rows and labels differ in number.
    #[error("{rows} rows but {labels} labels")]
    LabelCount {
        /// Rows.
        rows: usize,
        /// Labels.
        labels: usize,
    },
    /// Every training row has the same label.
    #[error("every training row has label {0}; training needs at least two classes")]
    SingleClass(i64),
    /// A cross-validation fold's training part has a single class.
    #[error(
        "cross-validation fold {fold}: its training rows all have label {label}; \
         use fewer folds (or --cv-folds 0)"
    )]
    CvFoldSingleClass {
        /// 1-based fold.
        fold: u32,
        /// The only label.
        label: i64,
    },
    /// Every feature column is constant.
    #[error("every feature column is constant ({}); nothing to split on", .0.join(", "))]
    AllFeaturesConstant(Vec<String>),
    /// The held-out fraction is not usable.
    #[error(
        "--test-fraction {fraction} leaves {test} of {rows} rows for testing; \
         it must hold out at least one row and keep at least one"
    )]
    BadTestFraction {
        /// Requested fraction.
        fraction: f64,
        /// Rows that would be held out.
        test: usize,
        /// Rows in the file.
        rows: usize,
    },
    /// The test set lacks a feature of the training set.
    #[error("the test data has no feature column \"{0}\" (present in the training data)")]
    TestFeatureMissing(String),
    /// A test label is not among the training classes.
    #[error(
        "test row {row}: label {label} does not occur in the training data (classes: {classes:?})"
    )]
    UnknownTestLabel {
        /// 1-based row.
        row: usize,
        /// The label.
        label: i64,
        /// The training classes.
        classes: Vec<i64>,
    },
    /// smartcore refused.
    #[error("smartcore failed to {stage}: {message}")]
    Smartcore {
        /// What was being done.
        stage: &'static str,
        /// smartcore's message.
        message: String,
    },
    /// The trees could not be extracted from smartcore.
    #[error("cannot extract the trees from smartcore: {0}")]
    Extract(String),
    /// The extracted IR disagrees with smartcore's own prediction.
    #[error(
        "parity failure on {set} row {row}: smartcore predicts {smartcore}, \
         the extracted model predicts {ir}"
    )]
    Parity {
        /// `training` or `test`.
        set: &'static str,
        /// 1-based row.
        row: usize,
        /// smartcore's label.
        smartcore: i64,
        /// The IR's label.
        ir: i64,
    },
    /// The extracted model is invalid.
    #[error("the extracted model is invalid: {0}")]
    Model(#[from] ModelError),
    /// Lowering the model for forest-core failed.
    #[error("cannot lower the model for forest-core: {0}")]
    Lower(String),
    /// A feature value is NaN (smartcore cannot train on it).
    #[error("row {row}, feature {column}: NaN cannot be trained on")]
    NanFeature {
        /// 1-based row.
        row: usize,
        /// 0-based feature column (of the kept columns).
        column: usize,
    },
    /// The fast trainer refused its input or failed.
    #[error("the fast trainer failed: {0}")]
    FastTrainer(String),
}

/// A trained forest: the artifact model plus smartcore's own forest, kept as
/// the parity reference.
#[derive(Debug)]
pub struct Trained {
    /// The model as it is written to the artifact.
    pub model: Model,
    /// Wall time of the final forest's training (report only; never stored
    /// in the artifact).
    pub train_time: Duration,
    /// Wall time of the cross-validation (report only).
    pub cv_time: Duration,
    forest: Forest,
    /// Original column index of each feature smartcore was trained on.
    kept: Vec<usize>,
    /// smartcore's `f64` threshold of each IR node (`None` for leaves).
    raw_thresholds: Vec<Vec<Option<f64>>>,
}

impl Trained {
    /// smartcore's own `RandomForestClassifier::predict` on full-width rows
    /// (one value per [`Model::feature_names`]); dropped constant columns
    /// are removed before smartcore sees the rows.
    ///
    /// # Errors
    ///
    /// [`TrainError::RowWidth`] for a row of the wrong width,
    /// [`TrainError::Smartcore`] if smartcore refuses.
    pub fn predict_smartcore(&self, rows: &[Vec<f32>]) -> Result<Vec<i64>, TrainError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let x = matrix(rows, &self.kept, self.model.n_features())?;
        self.forest.predict(&x).map_err(|e| TrainError::Smartcore {
            stage: "predict",
            message: e.to_string(),
        })
    }

    /// The trained smartcore forest itself (it sees only the
    /// [`Trained::kept_features`] columns), e.g. to time its own `predict`.
    #[must_use]
    pub fn smartcore(&self) -> &RandomForestClassifier<f32, i64, DenseMatrix<f32>, Vec<i64>> {
        &self.forest
    }

    /// Original column indices of the features smartcore was trained on.
    #[must_use]
    pub fn kept_features(&self) -> &[usize] {
        &self.kept
    }

    /// smartcore's own `f64` threshold behind each IR node:
    /// `smartcore_thresholds()[tree][node]` is `Some(t)` for a
    /// [`Node::Split`] (whose `threshold` is [`threshold_f32`]`(t)`) and
    /// `None` for a leaf. For checking the extraction.
    #[must_use]
    pub fn smartcore_thresholds(&self) -> &[Vec<Option<f64>>] {
        &self.raw_thresholds
    }
}

/// What [`fit_with_progress`] reports: forest `done` of `total` trained
/// (the final forest plus one per CV fold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Forests trained so far.
    pub done: u32,
    /// Forests to train.
    pub total: u32,
}

/// The largest `f32` that is `<= t`: the exact `f32` threshold for
/// smartcore's `f64` rule. For every `f32` `x`, `x <= threshold_f32(t)` iff
/// `(x as f64) <= t`. ±∞ stay ±∞; NaN stays NaN.
#[must_use]
pub fn threshold_f32(t: f64) -> f32 {
    #[allow(clippy::cast_possible_truncation)]
    let nearest = t as f32;
    if f64::from(nearest) > t {
        nearest.next_down()
    } else {
        nearest
    }
}

/// Trains a forest on `train` and extracts it into an artifact [`Model`]
/// named `name`, with cross-validation, feature importance, parameters and
/// data fingerprints filled in. Not filled in: held-out metrics (see
/// [`crate::eval::attach_holdout`]), `params.target` (set to `label`; the
/// dataset does not know its target column) and `params.split` (`None`);
/// callers that used another target or a split record them.
///
/// # Errors
///
/// A [`TrainError`] for unusable parameters (0 trees, `mtry` 0 or above the
/// kept features, fewer rows than CV folds), a single class, all-constant
/// features, or a smartcore or extraction failure.
pub fn fit(train: &Dataset, cfg: &TrainConfig, name: &str) -> Result<Trained, TrainError> {
    fit_with_progress(train, cfg, name, &mut |_| {})
}

/// [`fit`], calling `progress` after each forest is trained.
///
/// # Errors
///
/// As [`fit`].
pub fn fit_with_progress(
    train: &Dataset,
    cfg: &TrainConfig,
    name: &str,
    progress: &mut dyn FnMut(Progress),
) -> Result<Trained, TrainError> {
    check_params(cfg)?;
    if cfg.cv_folds == 1 {
        return Err(TrainError::BadCvFolds(1));
    }
    let (classes, kept, mtry) = usable(train, cfg)?;
    let n_features = train.feature_names.len();
    if cfg.cv_folds >= 2 && train.rows.len() < cfg.cv_folds as usize {
        return Err(TrainError::TooFewRowsForCv {
            rows: train.rows.len(),
            folds: cfg.cv_folds,
        });
    }
    let total = 1 + cfg.cv_folds;

    let start = Instant::now();
    let forest = train_forest(&train.rows, &train.labels, &kept, n_features, cfg, mtry)?;
    let train_time = start.elapsed();
    progress(Progress { done: 1, total });

    let (trees, raw_thresholds, importance) = extract(&forest, &kept, n_features, &classes)?;

    let start = Instant::now();
    let cv = if cfg.cv_folds >= 2 {
        Some(cross_validate(train, cfg, &mut |done| {
            progress(Progress {
                done: 1 + done,
                total,
            });
        })?)
    } else {
        None
    };
    let cv_time = start.elapsed();

    let dropped_features = (0..n_features)
        .filter(|i| !kept.contains(i))
        .map(|i| train.feature_names[i].clone())
        .collect();
    let model = Model {
        name: name.to_owned(),
        feature_names: train.feature_names.clone(),
        class_labels: classes,
        params: TrainParams {
            trees: cfg.trees,
            max_depth: cfg.max_depth,
            min_samples_leaf: cfg.min_samples_leaf as u64,
            min_samples_split: cfg.min_samples_split as u64,
            mtry: mtry as u64,
            seed: cfg.seed,
            criterion: "gini".to_owned(),
            cv_folds: cfg.cv_folds,
            split: None,
            target: "label".to_owned(),
            smartcore_version: SMARTCORE_VERSION.to_owned(),
        },
        data: DataInfo {
            train_sha256: train.sha256,
            train_rows: train.rows.len() as u64,
            test_sha256: None,
            test_rows: 0,
            dropped_features,
        },
        metrics: Metrics {
            holdout: None,
            cv,
            importance,
        },
        trees,
    };
    model.validate()?;
    let trained = Trained {
        model,
        train_time,
        cv_time,
        forest,
        kept,
        raw_thresholds,
    };
    // The IR must decide like smartcore on every training row.
    let reference = trained.predict_smartcore(&train.rows)?;
    let ir = crate::eval::predict_labels(&trained.model, &train.rows)?;
    check_parity("training", &reference, &ir)?;
    Ok(trained)
}

/// Trains the forest only (no extraction, parity check or cross-validation),
/// after the same checks as [`fit`], and returns the wall time of the
/// training itself: what `forest-train time-fit` reports.
///
/// # Errors
///
/// As [`fit`].
pub fn time_fit(train: &Dataset, cfg: &TrainConfig) -> Result<Duration, TrainError> {
    check_params(cfg)?;
    let (_, kept, mtry) = usable(train, cfg)?;
    let n_features = train.feature_names.len();
    let start = Instant::now();
    train_forest(&train.rows, &train.labels, &kept, n_features, cfg, mtry)?;
    Ok(start.elapsed())
}

/// Refuses parameters that can grow no useful forest.
fn check_params(cfg: &TrainConfig) -> Result<(), TrainError> {
    if cfg.trees == 0 {
        return Err(TrainError::NoTrees);
    }
    if let Some(d) = cfg.max_depth.filter(|&d| d < 2) {
        return Err(TrainError::MaxDepthTooSmall(d));
    }
    if cfg.mtry == Some(0) {
        return Err(TrainError::MtryZero);
    }
    Ok(())
}

/// The sorted classes, the non-constant columns and `mtry` of a well-shaped
/// training set with at least two classes and one usable feature.
fn usable(train: &Dataset, cfg: &TrainConfig) -> Result<(Vec<i64>, Vec<usize>, usize), TrainError> {
    check_shape(train)?;
    let classes = train.classes();
    if classes.len() < 2 {
        return Err(TrainError::SingleClass(classes[0]));
    }
    let n_features = train.feature_names.len();
    let kept = non_constant(&train.rows, n_features);
    if kept.is_empty() {
        return Err(TrainError::AllFeaturesConstant(train.feature_names.clone()));
    }
    let mtry = resolve_mtry(cfg.mtry, kept.len(), n_features - kept.len())?;
    Ok((classes, kept, mtry))
}

pub(crate) fn check_parity(
    set: &'static str,
    smartcore: &[i64],
    ir: &[i64],
) -> Result<(), TrainError> {
    match smartcore.iter().zip(ir).position(|(a, b)| a != b) {
        Some(i) => Err(TrainError::Parity {
            set,
            row: i + 1,
            smartcore: smartcore[i],
            ir: ir[i],
        }),
        None => Ok(()),
    }
}

fn check_shape(data: &Dataset) -> Result<(), TrainError> {
    if data.rows.is_empty() {
        return Err(TrainError::NoRows);
    }
    if data.rows.len() != data.labels.len() {
        return Err(TrainError::LabelCount {
            rows: data.rows.len(),
            labels: data.labels.len(),
        });
    }
    let expected = data.feature_names.len();
    if let Some((i, r)) = data
        .rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() != expected)
    {
        return Err(TrainError::RowWidth {
            row: i + 1,
            expected,
            found: r.len(),
        });
    }
    Ok(())
}

fn resolve_mtry(mtry: Option<usize>, kept: usize, dropped: usize) -> Result<usize, TrainError> {
    match mtry {
        Some(0) => Err(TrainError::MtryZero),
        Some(m) if m > kept => Err(TrainError::MtryTooLarge {
            mtry: m,
            features: kept,
            dropped,
        }),
        Some(m) => Ok(m),
        // smartcore's own default, computed the same way.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        None => Ok(((kept as f64).sqrt().floor() as usize).max(1)),
    }
}

/// Indices of the columns whose values are not all equal.
fn non_constant(rows: &[Vec<f32>], n_features: usize) -> Vec<usize> {
    (0..n_features)
        .filter(|&c| rows.iter().any(|r| r[c] != rows[0][c]))
        .collect()
}

fn matrix(rows: &[Vec<f32>], kept: &[usize], width: usize) -> Result<DenseMatrix<f32>, TrainError> {
    let mut values = Vec::with_capacity(rows.len() * kept.len());
    for (i, r) in rows.iter().enumerate() {
        if r.len() != width {
            return Err(TrainError::RowWidth {
                row: i + 1,
                expected: width,
                found: r.len(),
            });
        }
        values.extend(kept.iter().map(|&c| r[c]));
    }
    DenseMatrix::new(rows.len(), kept.len(), values, false).map_err(|e| TrainError::Smartcore {
        stage: "build the feature matrix",
        message: e.to_string(),
    })
}

/// One `Vec` per kept feature column, checking each row's width.
fn columns(rows: &[Vec<f32>], kept: &[usize], width: usize) -> Result<Vec<Vec<f32>>, TrainError> {
    if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != width) {
        return Err(TrainError::RowWidth {
            row: i + 1,
            expected: width,
            found: r.len(),
        });
    }
    Ok(kept
        .iter()
        .map(|&c| rows.iter().map(|r| r[c]).collect())
        .collect())
}

/// A real smartcore forest from its serde mirror: the mirror has smartcore's
/// serde layout, so postcard decodes its bytes as the smartcore type.
fn forest_from_mirror(m: &ForestMirror) -> Result<Forest, TrainError> {
    let err = |what: &str, e: &dyn std::fmt::Display| TrainError::Extract(format!("{what}: {e}"));
    let bytes = postcard::to_stdvec(m).map_err(|e| err("encode the fast forest", &e))?;
    postcard::from_bytes(&bytes).map_err(|e| err("decode the fast forest as smartcore's", &e))
}

fn train_forest(
    rows: &[Vec<f32>],
    labels: &[i64],
    kept: &[usize],
    width: usize,
    cfg: &TrainConfig,
    mtry: usize,
) -> Result<Forest, TrainError> {
    if cfg.engine == Engine::Fast {
        let cols = columns(rows, kept, width)?;
        let params = crate::fast::Params {
            trees: cfg.trees,
            max_depth: cfg.max_depth,
            min_samples_leaf: cfg.min_samples_leaf,
            min_samples_split: cfg.min_samples_split,
            mtry,
            seed: cfg.seed,
        };
        let m = crate::fast::fit(&cols, labels, &params, cfg.threads)?;
        return forest_from_mirror(&m);
    }
    let x = matrix(rows, kept, width)?;
    let y = labels.to_vec();
    let mut params = RandomForestClassifierParameters::default()
        .with_n_trees(cfg.trees)
        .with_min_samples_leaf(cfg.min_samples_leaf)
        .with_min_samples_split(cfg.min_samples_split)
        .with_m(mtry)
        .with_seed(cfg.seed);
    params.max_depth = cfg.max_depth;
    Forest::fit(&x, &y, params).map_err(|e| TrainError::Smartcore {
        stage: "train",
        message: e.to_string(),
    })
}

/// k-fold cross-validation with fresh forests (same parameters; constant
/// columns dropped per fold; `mtry` capped at the fold's usable features).
/// Fold of row `perm[p]` is `p % k`, `perm` a seeded permutation.
fn cross_validate(
    data: &Dataset,
    cfg: &TrainConfig,
    progress: &mut dyn FnMut(u32),
) -> Result<CrossValidation, TrainError> {
    let k = cfg.cv_folds as usize;
    let n = data.rows.len();
    let perm = SplitMix64::new(cfg.seed ^ CV_SALT).permutation(n);
    let mut fold_of = vec![0usize; n];
    for (p, &row) in perm.iter().enumerate() {
        fold_of[row] = p % k;
    }
    let width = data.feature_names.len();
    let mut scores = Vec::with_capacity(k);
    for fold in 0..k {
        let train_idx: Vec<usize> = (0..n).filter(|&i| fold_of[i] != fold).collect();
        let test_idx: Vec<usize> = (0..n).filter(|&i| fold_of[i] == fold).collect();
        let part = data.subset(&train_idx);
        let classes = part.classes();
        if classes.len() < 2 {
            return Err(TrainError::CvFoldSingleClass {
                fold: fold as u32 + 1,
                label: classes[0],
            });
        }
        let mut kept = non_constant(&part.rows, width);
        if kept.is_empty() {
            // Nothing varies in this fold: keep one column; the tree is a leaf.
            kept.push(0);
        }
        let mtry = cfg
            .mtry
            .unwrap_or_else(|| resolve_mtry(None, kept.len(), 0).unwrap_or(1))
            .min(kept.len());
        let forest = train_forest(&part.rows, &part.labels, &kept, width, cfg, mtry)?;
        let test = data.subset(&test_idx);
        let x = matrix(&test.rows, &kept, width)?;
        let predicted = forest.predict(&x).map_err(|e| TrainError::Smartcore {
            stage: "predict",
            message: e.to_string(),
        })?;
        let correct = predicted
            .iter()
            .zip(&test.labels)
            .filter(|(a, b)| a == b)
            .count();
        scores.push(correct as f64 / test.rows.len() as f64);
        progress(fold as u32 + 1);
    }
    let mean = scores.iter().sum::<f64>() / k as f64;
    // Population standard deviation (ddof = 0), as numpy's default.
    let std = (scores.iter().map(|s| (s - mean) * (s - mean)).sum::<f64>() / k as f64).sqrt();
    Ok(CrossValidation {
        folds: cfg.cv_folds,
        scores,
        mean,
        std,
    })
}

// ---- Extraction: typed mirrors of smartcore 0.7.0's serde layout. ----

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ForestMirror {
    pub(crate) trees: Option<Vec<TreeMirror>>,
    pub(crate) classes: Option<Vec<i64>>,
    pub(crate) samples: Option<Vec<Vec<bool>>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct TreeMirror {
    pub(crate) nodes: Vec<NodeMirror>,
    pub(crate) parameters: Option<TreeParamsMirror>,
    pub(crate) num_classes: usize,
    pub(crate) classes: Vec<i64>,
    pub(crate) depth: u16,
    pub(crate) num_features: usize,
    pub(crate) _phantom_tx: PhantomData<()>,
    pub(crate) _phantom_x: PhantomData<()>,
    pub(crate) _phantom_y: PhantomData<()>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct TreeParamsMirror {
    pub(crate) criterion: CriterionMirror,
    pub(crate) max_depth: Option<u16>,
    pub(crate) min_samples_leaf: usize,
    pub(crate) min_samples_split: usize,
    pub(crate) seed: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum CriterionMirror {
    Gini,
    Entropy,
    ClassificationError,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct NodeMirror {
    pub(crate) output: usize,
    pub(crate) n_node_samples: usize,
    pub(crate) split_feature: usize,
    pub(crate) split_value: Option<f64>,
    pub(crate) split_score: Option<f64>,
    pub(crate) true_child: Option<usize>,
    pub(crate) false_child: Option<usize>,
    pub(crate) impurity: Option<f64>,
}

fn mirror(forest: &Forest) -> Result<ForestMirror, TrainError> {
    let err = |what: &str, e: &dyn std::fmt::Display| TrainError::Extract(format!("{what}: {e}"));
    let bytes = postcard::to_stdvec(forest).map_err(|e| err("encode", &e))?;
    let mirror: ForestMirror = postcard::from_bytes(&bytes).map_err(|e| err("decode", &e))?;
    // Same field names and values (non-finite numbers both become null).
    let original = serde_json::to_value(forest).map_err(|e| err("to JSON", &e))?;
    let copy = serde_json::to_value(&mirror).map_err(|e| err("mirror to JSON", &e))?;
    if original != copy {
        return Err(TrainError::Extract(
            "smartcore's serde layout differs from the mirror (not smartcore 0.7.0?)".to_owned(),
        ));
    }
    Ok(mirror)
}

/// IR trees, smartcore's threshold per IR node, per-feature importance.
type Extracted = (Vec<Tree>, Vec<Vec<Option<f64>>>, Vec<FeatureImportance>);

/// Extracts the IR trees and per-feature importance (original columns).
fn extract(
    forest: &Forest,
    kept: &[usize],
    n_features: usize,
    classes: &[i64],
) -> Result<Extracted, TrainError> {
    let m = mirror(forest)?;
    let n_classes = classes.len();
    if m.classes.as_deref() != Some(classes) {
        return Err(TrainError::Extract(format!(
            "smartcore's classes {:?} are not the sorted labels {classes:?}",
            m.classes
        )));
    }
    let trees = m
        .trees
        .ok_or_else(|| TrainError::Extract("the forest has no trees".to_owned()))?;
    let mut splits = vec![0u64; n_features];
    let mut decrease = vec![0f64; n_features];
    let mut out = Vec::with_capacity(trees.len());
    let mut raw = Vec::with_capacity(trees.len());
    for (t, tree) in trees.iter().enumerate() {
        if tree.classes != classes || tree.num_features != kept.len() {
            return Err(TrainError::Extract(format!(
                "tree {t}: classes {:?} over {} features, expected {classes:?} over {}",
                tree.classes,
                tree.num_features,
                kept.len()
            )));
        }
        let (ir, thresholds) = convert_tree(t, tree, kept, n_classes)?;
        out.push(ir);
        raw.push(thresholds);
        let root_samples = tree.nodes.first().map_or(1, |n| n.n_node_samples.max(1)) as f64;
        for node in &tree.nodes {
            let (Some(l), Some(r)) = (node.true_child, node.false_child) else {
                continue;
            };
            let (l, r) = (&tree.nodes[l], &tree.nodes[r]);
            let weighted = |n: &NodeMirror| n.n_node_samples as f64 * n.impurity.unwrap_or(0.0);
            let f = kept[node.split_feature];
            splits[f] += 1;
            decrease[f] += (weighted(node) - weighted(l) - weighted(r)) / root_samples;
        }
    }
    let total: f64 = decrease.iter().sum();
    let importance = splits
        .iter()
        .zip(&decrease)
        .map(|(&s, &d)| FeatureImportance {
            splits: s,
            mean_impurity_decrease: if total > 0.0 { d / total } else { 0.0 },
        })
        .collect();
    Ok((out, raw, importance))
}

/// Re-numbers one smartcore tree in pre-order (root first, left subtree
/// before right), so every child index is above its parent's.
fn convert_tree(
    t: usize,
    tree: &TreeMirror,
    kept: &[usize],
    n_classes: usize,
) -> Result<(Tree, Vec<Option<f64>>), TrainError> {
    let bad =
        |node: usize, what: String| TrainError::Extract(format!("tree {t}, node {node}: {what}"));
    if tree.nodes.is_empty() {
        return Err(bad(0, "tree has no nodes".to_owned()));
    }
    let mut nodes: Vec<Node> = Vec::with_capacity(tree.nodes.len());
    let mut raw: Vec<Option<f64>> = Vec::with_capacity(tree.nodes.len());
    let mut seen = vec![false; tree.nodes.len()];
    // (smartcore node, (IR parent, is the true child))
    let mut stack: Vec<(usize, Option<(usize, bool)>)> = vec![(0, None)];
    while let Some((old, parent)) = stack.pop() {
        let Some(n) = tree.nodes.get(old) else {
            return Err(bad(old, "child index out of range".to_owned()));
        };
        if std::mem::replace(&mut seen[old], true) {
            return Err(bad(old, "node reached twice".to_owned()));
        }
        let new = nodes.len() as u32;
        match (n.true_child, n.false_child) {
            (None, _) => {
                if n.output >= n_classes {
                    return Err(bad(old, format!("leaf class {} out of range", n.output)));
                }
                nodes.push(Node::Leaf {
                    class: n.output as u32,
                });
                raw.push(None);
            }
            (Some(tc), Some(fc)) => {
                let Some(&feature) = kept.get(n.split_feature) else {
                    return Err(bad(
                        old,
                        format!("feature {} out of range", n.split_feature),
                    ));
                };
                let t_value = match n.split_value {
                    Some(v) if !v.is_nan() => v,
                    _ => return Err(bad(old, "decision node without a threshold".to_owned())),
                };
                nodes.push(Node::Split {
                    feature: feature as u32,
                    threshold: threshold_f32(t_value),
                    left: 0,
                    right: 0,
                });
                raw.push(Some(t_value));
                // Popped left first: pre-order.
                stack.push((fc, Some((new as usize, false))));
                stack.push((tc, Some((new as usize, true))));
            }
            (Some(_), None) => return Err(bad(old, "true child without false child".to_owned())),
        }
        if let Some((p, is_true)) = parent
            && let Node::Split { left, right, .. } = &mut nodes[p]
        {
            if is_true {
                *left = new;
            } else {
                *right = new;
            }
        }
    }
    Ok((Tree { nodes }, raw))
}

/// Splits a data set into (train, test) by a seeded shuffle: `ceil(fraction
/// · rows)` rows are held out. Both parts keep file order and the file's
/// fingerprint.
///
/// # Errors
///
/// [`TrainError::BadTestFraction`] unless at least one row is held out and
/// at least one kept.
pub fn split_holdout(
    data: &Dataset,
    fraction: f64,
    seed: u64,
) -> Result<(Dataset, Dataset), TrainError> {
    let rows = data.rows.len();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let test = if fraction.is_finite() && fraction > 0.0 && fraction < 1.0 {
        (fraction * rows as f64).ceil() as usize
    } else {
        0
    };
    if test == 0 || test >= rows {
        return Err(TrainError::BadTestFraction {
            fraction,
            test,
            rows,
        });
    }
    let perm = SplitMix64::new(seed).permutation(rows);
    let mut test_idx = perm[..test].to_vec();
    let mut train_idx = perm[test..].to_vec();
    test_idx.sort_unstable();
    train_idx.sort_unstable();
    Ok((data.subset(&train_idx), data.subset(&test_idx)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agrees(t: f64) {
        let f = threshold_f32(t);
        for x in [f, f.next_up(), f.next_down()] {
            assert_eq!(x <= f, f64::from(x) <= t, "t = {t:e}, x = {x:e}");
        }
        if !f.is_nan() && f != f32::INFINITY {
            assert!(f64::from(f.next_up()) > t, "not the largest f32 <= {t:e}");
        }
    }

    #[test]
    fn threshold_is_largest_f32_not_above() {
        for t in [
            0.0,
            -0.0,
            1.0,
            0.1,
            -0.1,
            1e-45,
            1e-46,
            -1e-46,
            f64::from(f32::MAX) * 1.5,
            -f64::from(f32::MAX) * 1.5,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::from(f32::MIN_POSITIVE) / 3.0,
        ] {
            agrees(t);
        }
        let mut rng = SplitMix64::new(7);
        for _ in 0..100_000 {
            let t = f64::from_bits(rng.next_u64());
            if t.is_finite() && t.abs() < 1e39 {
                agrees(t);
            }
            agrees(rng.normal() * 10.0);
        }
        assert_eq!(threshold_f32(0.1), 0.099_999_994);
        assert_eq!(threshold_f32(f64::INFINITY), f32::INFINITY);
        assert_eq!(threshold_f32(f64::NEG_INFINITY), f32::NEG_INFINITY);
        assert_eq!(threshold_f32(1e300), f32::MAX);
        assert!(threshold_f32(f64::NAN).is_nan());
    }
}
