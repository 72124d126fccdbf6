//! Reproducing an artifact: the `train` arguments its recorded parameters
//! stand for, and the recorded fields in which two artifacts differ.
//!
//! `cargo xtask verify-model` uses both (through `forest-train train-args`
//! and `forest-train diff`) to retrain a committed model with the real CLI
//! and insist on the same bytes.
//!
//! # Examples
//!
//! ```no_run
//! use forest_codegen::artifact::Model;
//! use forest_train::reproduce;
//! use std::path::Path;
//!
//! let (model, _) = Model::read("models/seed.forest")?;
//! let args = reproduce::train_args(&model, Path::new("data"))?;
//! println!("forest-train train {}", args.join(" "));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use forest_codegen::artifact::{Model, hex};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Why the training command of an artifact cannot be rebuilt.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReproduceError {
    /// The data directory could not be listed or a file in it read.
    #[error("{path}: {source}")]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// What happened.
        source: std::io::Error,
    },
    /// No file in the data directory has the recorded SHA-256.
    #[error(
        "no file in {dir} has the {what} data's recorded SHA-256 {sha256} \
         (the data changed, or the model was trained on other files)"
    )]
    DataNotFound {
        /// The data directory.
        dir: PathBuf,
        /// `training` or `held-out`.
        what: &'static str,
        /// The recorded SHA-256, hex.
        sha256: String,
    },
    /// A recorded parameter has no `train` flag.
    #[error("the recorded criterion {0:?} cannot be set by `forest-train train` (it trains gini)")]
    Criterion(String),
}

/// The arguments of `forest-train train` that retrain `model` from the files
/// in `data_dir` (found by their recorded SHA-256), without the output flags
/// (`--out`, `--report`, `--vectors`).
///
/// # Errors
///
/// [`ReproduceError`] when the data directory cannot be read, a data file is
/// missing, or a recorded parameter cannot be passed on the command line.
pub fn train_args(model: &Model, data_dir: &Path) -> Result<Vec<String>, ReproduceError> {
    let p = &model.params;
    if p.criterion != "gini" {
        return Err(ReproduceError::Criterion(p.criterion.clone()));
    }
    let files = hash_files(data_dir)?;
    let find = |sha: &[u8; 32], what: &'static str| {
        files
            .iter()
            .find(|(_, h)| h == sha)
            .map(|(path, _)| path.display().to_string())
            .ok_or_else(|| ReproduceError::DataNotFound {
                dir: data_dir.to_owned(),
                what,
                sha256: hex(sha),
            })
    };
    let mut a: Vec<String> = vec!["--data".into(), find(&model.data.train_sha256, "training")?];
    match (&model.data.test_sha256, &p.split) {
        (Some(sha), _) => a.extend(["--test".into(), find(sha, "held-out")?]),
        (None, Some(split)) => a.extend([
            "--test-fraction".into(),
            split.test_fraction.to_string(),
            "--split-seed".into(),
            split.seed.to_string(),
        ]),
        (None, None) => {}
    }
    a.extend(["--target".into(), p.target.clone()]);
    a.extend(["--trees".into(), p.trees.to_string()]);
    if let Some(d) = p.max_depth {
        a.extend(["--max-depth".into(), d.to_string()]);
    }
    for (flag, v) in [
        ("--min-samples-leaf", p.min_samples_leaf),
        ("--min-samples-split", p.min_samples_split),
        ("--mtry", p.mtry),
        ("--seed", p.seed),
        ("--cv-folds", u64::from(p.cv_folds)),
    ] {
        a.extend([flag.to_owned(), v.to_string()]);
    }
    a.extend(["--name".into(), model.name.clone()]);
    Ok(a)
}

/// Regular files directly in `dir`, sorted by name, with their SHA-256.
fn hash_files(dir: &Path) -> Result<Vec<(PathBuf, [u8; 32])>, ReproduceError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ReproduceError::Io { path, source }
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io(dir))?;
    paths.retain(|p| p.is_file());
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).map_err(io(&p))?;
            Ok((p, Sha256::digest(&bytes).into()))
        })
        .collect()
}

/// The recorded fields in which `b` differs from `a`, one line each
/// (`params.seed: 0 → 1`); the trees are summarised in one line.
#[must_use]
pub fn differences(a: &Model, b: &Model) -> Vec<String> {
    let mut out = Vec::new();
    diff_values("", &recorded(a), &recorded(b), &mut out);
    if a.trees != b.trees {
        let differing: Vec<usize> = (0..a.trees.len().max(b.trees.len()))
            .filter(|&i| a.trees.get(i) != b.trees.get(i))
            .collect();
        out.push(format!(
            "trees: {} trees differ (first: tree {}); {} → {} trees, {} → {} decision nodes",
            differing.len(),
            differing[0],
            a.trees.len(),
            b.trees.len(),
            a.n_decision_nodes(),
            b.n_decision_nodes()
        ));
    }
    out
}

/// Everything but the trees, as JSON, with hashes in hex.
fn recorded(m: &Model) -> Value {
    let mut v = serde_json::to_value(m).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.remove("trees");
    }
    if let Some(data) = v.get_mut("data") {
        data["train_sha256"] = Value::String(hex(&m.data.train_sha256));
        data["test_sha256"] = m
            .data
            .test_sha256
            .map_or(Value::Null, |h| Value::String(hex(&h)));
    }
    v
}

fn diff_values(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    let child = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                diff_values(&child(k), va, y.get(k).unwrap_or(&Value::Null), out);
            }
            for (k, vb) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                diff_values(&child(k), &Value::Null, vb, out);
            }
        }
        (Value::Array(x), Value::Array(y))
            if x.len() == y.len() && x.iter().any(|e| e.is_object() || e.is_array()) =>
        {
            for (i, (ea, eb)) in x.iter().zip(y).enumerate() {
                diff_values(&format!("{path}[{i}]"), ea, eb, out);
            }
        }
        _ => out.push(format!("{path}: {a} → {b}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Model {
        Model::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../models/seed.forest"
        ))
        .unwrap()
        .0
    }

    #[test]
    fn train_args_of_the_seed_model() {
        let data = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data"));
        let args = train_args(&seed(), data).unwrap();
        let d = data.display();
        let expected = format!(
            "--data {d}/seed-train.csv --test {d}/seed-test.csv --target label --trees 100 \
             --min-samples-leaf 1 --min-samples-split 2 --mtry 1 --seed 0 --cv-folds 5 --name seed"
        );
        assert_eq!(args.join(" "), expected);
        let err = train_args(&seed(), Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap_err();
        assert!(err.to_string().starts_with("no file in "), "{err}");
    }

    #[test]
    fn differences_name_the_fields() {
        let a = seed();
        assert!(differences(&a, &a).is_empty());
        let mut b = a.clone();
        b.params.seed = 1;
        b.metrics.holdout.as_mut().unwrap().confusion[0][1] += 1;
        b.trees[3] = b.trees[4].clone();
        assert_eq!(
            differences(&a, &b),
            [
                "metrics.holdout.confusion[0]: [152,11] → [152,12]".to_owned(),
                "params.seed: 0 → 1".to_owned(),
                format!(
                    "trees: 1 trees differ (first: tree 3); 100 → 100 trees, 3499 → {} decision nodes",
                    b.n_decision_nodes()
                ),
            ]
        );
    }
}
