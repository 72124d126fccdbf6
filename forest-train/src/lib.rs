//! Trains random forests with smartcore, evaluates them, and writes `.forest`
//! model artifacts (see `forest_codegen::artifact`) with a Markdown report.
//!
//! * [`data`]: CSV loading with guards naming file, line, row and column.
//! * [`train`]: smartcore training, constant-column dropping, exact
//!   extraction of the trees into the artifact IR, cross-validation.
//! * `fast` (private): an exact, faster re-implementation of smartcore's
//!   forest training, selected by [`train::Engine::Fast`] (the default).
//! * [`eval`]: held-out metrics of the shipped model (IR → `forest-core`).
//! * [`report`]: the Markdown report, the console summary, the test-vector CSV.
//! * [`validate`]: the comparison with a baseline artifact and the quality gate.
//! * [`reproduce`]: the `train` arguments an artifact records, and the fields
//!   two artifacts differ in (behind `cargo xtask verify-model`).
//! * [`synth`]: a seeded `make_classification`-style data generator.
//! * [`rng`]: the small seeded PRNG behind splits, folds and synthesis.
//!
//! # Examples
//!
//! ```no_run
//! use forest_train::{data, eval, train};
//! use std::path::Path;
//!
//! let train_set = data::load_csv(Path::new("data/seed-train.csv"), "label")?;
//! let test_set = data::load_csv(Path::new("data/seed-test.csv"), "label")?;
//! let mut trained = train::fit(&train_set, &train::TrainConfig::default(), "seed")?;
//! eval::attach_holdout(&mut trained, &test_set, Some(test_set.sha256))?;
//! let accuracy = trained.model.metrics.holdout.as_ref().map(|h| h.accuracy);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod data;
pub mod eval;
mod fast;
pub mod report;
pub mod reproduce;
pub mod rng;
pub mod synth;
pub mod train;
pub mod validate;

pub use data::{DataError, Dataset};
pub use train::{TrainConfig, TrainError, Trained};
