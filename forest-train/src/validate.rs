//! Validation before deployment: the comparison with a baseline artifact and
//! the quality gate.
//!
//! The baseline is normally the committed or deployed model. Its held-out
//! accuracy is measured on the *same* held-out rows as the candidate's, with
//! the baseline model as shipped (IR → [`forest_codegen::Tables`] →
//! `forest-core`), so the comparison is like for like. Only when that is not
//! possible (no held-out rows, a feature or label the baseline does not know)
//! are the metrics stored in the baseline artifact used, and the report says
//! which ([`BaselineSource`]).
//!
//! # Examples
//!
//! ```no_run
//! use forest_codegen::artifact::Model;
//! use forest_train::validate::{Baseline, Gate};
//!
//! let (candidate, fingerprint) = Model::read("target/candidate/seed.forest")?;
//! let baseline = Baseline::read("models/seed.forest")?;
//! let comparison = baseline.compare(&fingerprint, None);
//! let gate = Gate { min_accuracy: Some(0.93), max_drop: Some(0.01) };
//! let verdict = gate.check(&candidate, Some(&comparison));
//! println!("{}", verdict.headline());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::data::Dataset;
use crate::eval;
use forest_codegen::artifact::{ArtifactError, Holdout, Model};
use std::path::{Path, PathBuf};

/// Slack allowed in the gate's comparisons, so that a bar written in decimal
/// (`0.93`, `0.01`) is not missed by floating-point rounding alone.
pub const TOLERANCE: f64 = 1e-9;

/// Exit code of `forest-train train` when the quality gate fails (other
/// errors exit 1, usage errors 2).
pub const GATE_FAILED_EXIT_CODE: i32 = 3;

/// A baseline artifact read from disk.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// Where it was read from.
    pub path: PathBuf,
    /// The model.
    pub model: Model,
    /// Its fingerprint (SHA-256 of the file).
    pub fingerprint: [u8; 32],
}

impl Baseline {
    /// Reads a baseline artifact.
    ///
    /// # Errors
    ///
    /// Any [`ArtifactError`] of [`Model::read`] (unreadable, not an artifact,
    /// corrupt, unknown version).
    pub fn read(path: impl AsRef<Path>) -> Result<Baseline, ArtifactError> {
        let path = path.as_ref();
        let (model, fingerprint) = Model::read(path)?;
        Ok(Baseline {
            path: path.to_owned(),
            model,
            fingerprint,
        })
    }

    /// Compares the baseline with a candidate whose artifact has fingerprint
    /// `candidate_fingerprint`. `held_out` are the candidate's held-out rows
    /// (all columns, as loaded): when given, the baseline is measured on
    /// exactly those rows.
    #[must_use]
    pub fn compare(
        self,
        candidate_fingerprint: &[u8; 32],
        held_out: Option<&Dataset>,
    ) -> Comparison {
        let (holdout, source) = match held_out {
            Some(rows) => match measure_on(&self.model, rows) {
                Ok(h) => {
                    let n = h.rows;
                    (Some(h), BaselineSource::SameRows { rows: n })
                }
                Err(reason) => stored(&self.model, reason),
            },
            None => stored(
                &self.model,
                "the candidate has no held-out rows to measure it on".to_owned(),
            ),
        };
        Comparison {
            identical: self.fingerprint == *candidate_fingerprint,
            baseline: self,
            holdout,
            source,
        }
    }
}

fn stored(model: &Model, reason: String) -> (Option<Holdout>, BaselineSource) {
    match &model.metrics.holdout {
        Some(h) => (Some(h.clone()), BaselineSource::Stored { reason }),
        None => (None, BaselineSource::Unavailable { reason }),
    }
}

/// The baseline model, as shipped, on `rows`; `Err` says why it cannot be.
fn measure_on(model: &Model, rows: &Dataset) -> Result<Holdout, String> {
    if rows.rows.is_empty() {
        return Err("the held-out set is empty".to_owned());
    }
    let aligned = eval::align_features(rows, &model.feature_names)
        .map_err(|e| format!("the held-out rows do not fit the baseline: {e}"))?;
    let predicted = eval::predict_labels(model, &aligned.rows).map_err(|e| e.to_string())?;
    eval::score(model, &aligned.labels, &predicted)
        .map_err(|e| format!("the held-out rows do not fit the baseline: {e}"))
}

/// Where the baseline's held-out figures come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineSource {
    /// Measured now on the candidate's held-out rows, with the baseline as
    /// shipped (forest-core over its tables).
    SameRows {
        /// Held-out rows.
        rows: u64,
    },
    /// The metrics stored in the baseline artifact (its own held-out set).
    Stored {
        /// Why the same rows could not be used.
        reason: String,
    },
    /// Neither is available.
    Unavailable {
        /// Why the same rows could not be used.
        reason: String,
    },
}

/// A baseline and how the candidate compares with it.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The baseline artifact.
    pub baseline: Baseline,
    /// Whether the candidate's artifact is byte-identical to the baseline's
    /// (same fingerprint).
    pub identical: bool,
    /// The baseline's held-out scores used for the deltas.
    pub holdout: Option<Holdout>,
    /// Where [`Comparison::holdout`] comes from.
    pub source: BaselineSource,
}

/// The quality gate's bars; `None` means not checked.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Gate {
    /// Minimum held-out accuracy of the candidate.
    pub min_accuracy: Option<f64>,
    /// Largest allowed drop of held-out accuracy below the baseline's.
    pub max_drop: Option<f64>,
}

/// One check of the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Whether it passed.
    pub passed: bool,
    /// What was compared, with the numbers (e.g. `held-out accuracy 0.9455 ≥ 0.93`).
    pub text: String,
}

/// The outcome of [`Gate::check`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verdict {
    /// Every check made, in order.
    pub checks: Vec<Check>,
}

impl Verdict {
    /// True when every check passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    /// The failed checks' texts joined with `; `.
    #[must_use]
    pub fn failures(&self) -> String {
        self.checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// `✅ gate passed` or `❌ gate failed: <failures>`.
    #[must_use]
    pub fn headline(&self) -> String {
        if self.passed() {
            "✅ gate passed".to_owned()
        } else {
            format!("❌ gate failed: {}", self.failures())
        }
    }
}

impl Gate {
    /// True when at least one bar is set.
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.min_accuracy.is_some() || self.max_drop.is_some()
    }

    /// Checks the candidate against the bars. `--max-drop` needs a
    /// comparison; without one (or without held-out accuracies on both
    /// sides) it fails, saying why.
    #[must_use]
    pub fn check(&self, candidate: &Model, baseline: Option<&Comparison>) -> Verdict {
        let mut checks = Vec::new();
        let accuracy = candidate.metrics.holdout.as_ref().map(|h| h.accuracy);
        let no_holdout = || Check {
            passed: false,
            text: "no held-out set to gate on (give --test or --test-fraction)".to_owned(),
        };
        if let Some(min) = self.min_accuracy {
            checks.push(match accuracy {
                Some(a) if a + TOLERANCE >= min => Check {
                    passed: true,
                    text: format!("held-out accuracy {a:.4} ≥ {min}"),
                },
                Some(a) => Check {
                    passed: false,
                    text: format!("held-out accuracy {a:.4} < {min}"),
                },
                None => no_holdout(),
            });
        }
        if let Some(max) = self.max_drop {
            let base = baseline.and_then(|b| b.holdout.as_ref().map(|h| h.accuracy));
            checks.push(match (accuracy, baseline, base) {
                (None, ..) => no_holdout(),
                (Some(_), None, _) => Check {
                    passed: false,
                    text: "--max-drop needs a baseline (--baseline)".to_owned(),
                },
                (Some(_), Some(b), None) => Check {
                    passed: false,
                    text: format!(
                        "baseline {} has no held-out accuracy to compare with",
                        b.baseline.path.display()
                    ),
                },
                (Some(a), Some(_), Some(base)) => {
                    let drop = base - a;
                    if drop <= max + TOLERANCE {
                        Check {
                            passed: true,
                            text: format!(
                                "held-out accuracy drop {drop:.4} ≤ {max} (baseline {base:.4} → {a:.4})"
                            ),
                        }
                    } else {
                        Check {
                            passed: false,
                            text: format!(
                                "held-out accuracy dropped by {drop:.4} > {max} (baseline {base:.4} → {a:.4})"
                            ),
                        }
                    }
                }
            });
        }
        Verdict { checks }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Baseline {
        Baseline::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../models/seed.forest"
        ))
        .unwrap()
    }

    fn with_accuracy(model: &Model, accuracy: Option<f64>) -> Model {
        let mut m = model.clone();
        match accuracy {
            Some(a) => m.metrics.holdout.as_mut().unwrap().accuracy = a,
            None => m.metrics.holdout = None,
        }
        m
    }

    #[test]
    fn bars_written_in_decimal_hold_despite_rounding() {
        let b = seed();
        let mut cmp = b.clone().compare(&b.fingerprint, None);
        // 0.95 - 0.94 is 0.010000000000000009 in f64.
        cmp.holdout.as_mut().unwrap().accuracy = 0.95;
        let candidate = with_accuracy(&b.model, Some(0.94));
        let gate = Gate {
            min_accuracy: Some(0.94),
            max_drop: Some(0.01),
        };
        let v = gate.check(&candidate, Some(&cmp));
        assert!(v.passed(), "{v:?}");
        let worse = with_accuracy(&b.model, Some(0.9399));
        let v = gate.check(&worse, Some(&cmp));
        assert_eq!(
            v.headline(),
            "❌ gate failed: held-out accuracy 0.9399 < 0.94; \
             held-out accuracy dropped by 0.0101 > 0.01 (baseline 0.9500 → 0.9399)"
        );
    }

    #[test]
    fn missing_inputs_fail_the_gate() {
        let b = seed();
        let gate = Gate {
            min_accuracy: None,
            max_drop: Some(0.01),
        };
        let v = gate.check(&b.model, None);
        assert_eq!(v.failures(), "--max-drop needs a baseline (--baseline)");
        let no_holdout = with_accuracy(&b.model, None);
        let v = gate.check(&no_holdout, None);
        assert_eq!(
            v.failures(),
            "no held-out set to gate on (give --test or --test-fraction)"
        );
        // A baseline without stored metrics and no rows to measure it on.
        let mut bare = b.clone();
        bare.model.metrics.holdout = None;
        let cmp = bare.compare(&[0; 32], None);
        assert_eq!(
            cmp.source,
            BaselineSource::Unavailable {
                reason: "the candidate has no held-out rows to measure it on".to_owned()
            }
        );
        assert!(!cmp.identical);
        let v = gate.check(&b.model, Some(&cmp));
        assert!(
            v.failures()
                .ends_with("has no held-out accuracy to compare with")
        );
        assert!(Gate::default().check(&b.model, None).passed());
        assert!(!Gate::default().is_set());
    }
}
