//! Every CSV and training guard, with its exact message.

use forest_train::data::{self, DataError};
use forest_train::train::{self, TrainConfig, TrainError};
use std::path::PathBuf;

fn csv(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// The error message of loading `text` as a training set.
fn load_err(text: &str) -> (String, String) {
    let (_dir, path) = csv(text);
    let err = data::load_csv(&path, "label").expect_err("load must fail");
    (err.to_string(), path.display().to_string())
}

#[test]
fn empty_value() {
    let (msg, p) = load_err("x0,x1,label\n1,2,0\n3,,1\n");
    assert_eq!(msg, format!("{p}:3: row 2, column \"x1\": empty value"));
}

#[test]
fn empty_label() {
    let (msg, p) = load_err("x0,label\n1,0\n3,\n");
    assert_eq!(msg, format!("{p}:3: row 2, column \"label\": empty value"));
}

#[test]
fn non_numeric_value() {
    let (msg, p) = load_err("x0,x1,label\n1,abc,0\n");
    assert_eq!(
        msg,
        format!("{p}:2: row 1, column \"x1\": \"abc\" is not a number")
    );
}

#[test]
fn nan_and_infinities() {
    for v in ["NaN", "nan", "inf", "-inf", "infinity"] {
        let (msg, p) = load_err(&format!("x0,label\n1,0\n{v},1\n"));
        assert_eq!(
            msg,
            format!(
                "{p}:3: row 2, column \"x0\": \"{v}\" is not finite (NaN and infinity are not allowed)"
            )
        );
    }
}

#[test]
fn out_of_f32_range() {
    for v in ["1e39", "-3.5e38"] {
        let (msg, p) = load_err(&format!("x0,label\n{v},0\n"));
        assert_eq!(
            msg,
            format!(
                "{p}:2: row 1, column \"x0\": \"{v}\" is out of f32 range (largest magnitude is 3.4028235e38)"
            )
        );
    }
    // f32::MAX itself and values rounding down to it are fine; tiny values round.
    let (_d, path) = csv("x0,label\n3.4028235e38,0\n1e-50,1\n");
    let ds = data::load_csv(&path, "label").unwrap();
    assert_eq!(ds.rows, vec![vec![f32::MAX], vec![0.0]]);
}

#[test]
fn ragged_rows() {
    let (msg, p) = load_err("x0,x1,label\n1,2,0\n1,2\n");
    assert_eq!(
        msg,
        format!("{p}:3: row 2: 2 fields, expected 3 (missing column \"label\")")
    );
    let (msg, p) = load_err("x0,x1,label\n1,2,0,9\n");
    assert_eq!(
        msg,
        format!("{p}:2: row 1: 4 fields, expected 3 (1 extra after the last column \"label\")")
    );
}

#[test]
fn missing_target_column() {
    let (msg, p) = load_err("a,b\n1,2\n");
    assert_eq!(
        msg,
        format!("{p}:1: no target column \"label\" in the header (columns: a, b)")
    );
}

#[test]
fn non_integer_label() {
    for v in ["1.5", "yes", "1e3"] {
        let (msg, p) = load_err(&format!("x0,label\n1,{v}\n"));
        assert_eq!(
            msg,
            format!("{p}:2: row 1, column \"label\": label \"{v}\" is not an integer")
        );
    }
}

#[test]
fn no_data_rows() {
    let (msg, p) = load_err("x0,label\n");
    assert_eq!(msg, format!("{p}: no data rows after the header"));
}

#[test]
fn empty_file() {
    let (msg, p) = load_err("");
    assert_eq!(msg, format!("{p}: empty file (expected a header line)"));
}

#[test]
fn no_feature_columns() {
    let (msg, p) = load_err("label\n1\n");
    assert_eq!(
        msg,
        format!("{p}:1: no feature columns (only the target column \"label\")")
    );
}

#[test]
fn duplicate_column() {
    let (msg, p) = load_err("x0,x0,label\n1,2,0\n");
    assert_eq!(msg, format!("{p}:1: duplicate column \"x0\" in the header"));
}

#[test]
fn line_numbers_count_blank_lines() {
    // Line 3 is blank: row 2 is on line 4.
    let (msg, p) = load_err("x0,label\n1,0\n\n2,x\n");
    assert_eq!(
        msg,
        format!("{p}:4: row 2, column \"label\": label \"x\" is not an integer")
    );
}

#[test]
fn single_class() {
    let (_d, path) = csv("x0,label\n1,7\n2,7\n");
    let ds = data::load_csv(&path, "label").unwrap();
    let err = data::check_classes(&ds, &path, "label").unwrap_err();
    assert!(matches!(err, DataError::SingleClass { label: 7, .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: column \"label\": every row has label 7; training needs at least two classes",
            path.display()
        )
    );
    let err = train::fit(&ds, &TrainConfig::default(), "m").unwrap_err();
    assert_eq!(
        err.to_string(),
        "every training row has label 7; training needs at least two classes"
    );
}

#[test]
fn custom_target_and_whitespace() {
    let (_d, path) = csv("y, a ,b\n 1 , 0.5,2\n0,1,3\n");
    let ds = data::load_csv(&path, "y").unwrap();
    assert_eq!(ds.feature_names, ["a", "b"]);
    assert_eq!(ds.labels, [1, 0]);
    assert_eq!(ds.rows, vec![vec![0.5, 2.0], vec![1.0, 3.0]]);
}

#[test]
fn values_round_to_nearest_f32() {
    // 0.1 is not an f32: the nearest one is kept (not truncated).
    let (_d, path) = csv("x0,label\n0.1,0\n16777217,1\n");
    let ds = data::load_csv(&path, "label").unwrap();
    assert_eq!(ds.rows[0][0], 0.1f32);
    assert_eq!(ds.rows[1][0], 16_777_216.0);
}

#[test]
fn features_by_name() {
    let (_d, path) = csv("b,label,a\n2,1,1\n4,0,3\n");
    let names = vec!["a".to_owned(), "b".to_owned()];
    let rows = data::load_features_csv(&path, &names, "label").unwrap();
    assert_eq!(rows, vec![vec![1.0, 2.0], vec![3.0, 4.0]]);
    // No target column at all is fine for prediction.
    let (_d2, path2) = csv("a,b\n1,2\n");
    assert_eq!(
        data::load_features_csv(&path2, &names, "label").unwrap(),
        vec![vec![1.0, 2.0]]
    );
    let (_d3, path3) = csv("a,c\n1,2\n");
    let err = data::load_features_csv(&path3, &names, "label").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}:1: no column \"b\" in the header (the model needs features: a, b)",
            path3.display()
        )
    );
}

fn two_class() -> data::Dataset {
    let (_d, path) = csv("x0,x1,label\n1,5,0\n2,6,0\n3,7,1\n4,8,1\n5,9,0\n6,1,1\n");
    data::load_csv(&path, "label").unwrap()
}

fn fit_err(cfg: TrainConfig) -> TrainError {
    train::fit(&two_class(), &cfg, "m").expect_err("fit must fail")
}

#[test]
fn train_guards() {
    let cases: Vec<(TrainConfig, &str)> = vec![
        (
            TrainConfig {
                trees: 0,
                ..TrainConfig::default()
            },
            "--trees must be at least 1 (a forest of 0 trees predicts nothing)",
        ),
        (
            TrainConfig {
                mtry: Some(0),
                ..TrainConfig::default()
            },
            "--mtry must be at least 1 (0 features per split never splits)",
        ),
        (
            TrainConfig {
                mtry: Some(3),
                ..TrainConfig::default()
            },
            "--mtry 3 exceeds the 2 usable features (0 constant dropped)",
        ),
        (
            TrainConfig {
                cv_folds: 7,
                ..TrainConfig::default()
            },
            "6 training rows cannot be split into 7 cross-validation folds",
        ),
        (
            TrainConfig {
                cv_folds: 1,
                ..TrainConfig::default()
            },
            "--cv-folds must be 0 (no cross-validation) or at least 2, got 1",
        ),
        (
            TrainConfig {
                max_depth: Some(1),
                ..TrainConfig::default()
            },
            "--max-depth 1 gives single-leaf trees: smartcore counts levels from 1 \
             (its max_depth is scikit-learn's + 1), use at least 2",
        ),
    ];
    for (cfg, expected) in cases {
        assert_eq!(fit_err(cfg).to_string(), expected);
    }
}

#[test]
fn mtry_counts_kept_features_only() {
    let (_d, path) = csv("x0,c,x1,label\n1,0,5,0\n2,0,6,0\n3,0,7,1\n4,0,8,1\n");
    let ds = data::load_csv(&path, "label").unwrap();
    let cfg = TrainConfig {
        mtry: Some(3),
        cv_folds: 0,
        ..TrainConfig::default()
    };
    assert_eq!(
        train::fit(&ds, &cfg, "m").unwrap_err().to_string(),
        "--mtry 3 exceeds the 2 usable features (1 constant dropped)"
    );
}

#[test]
fn all_constant_features() {
    let (_d, path) = csv("a,b,label\n1,2,0\n1,2,1\n");
    let ds = data::load_csv(&path, "label").unwrap();
    let cfg = TrainConfig {
        cv_folds: 0,
        ..TrainConfig::default()
    };
    assert_eq!(
        train::fit(&ds, &cfg, "m").unwrap_err().to_string(),
        "every feature column is constant (a, b); nothing to split on"
    );
}

#[test]
fn test_fraction_guard() {
    let ds = two_class();
    for f in [0.0, 1.0, -0.5, f64::NAN] {
        let err = train::split_holdout(&ds, f, 1).unwrap_err();
        assert!(matches!(err, TrainError::BadTestFraction { .. }), "{f}");
    }
    let (tr, te) = train::split_holdout(&ds, 0.33, 1).unwrap();
    assert_eq!((tr.rows.len(), te.rows.len()), (4, 2));
    let (tr2, te2) = train::split_holdout(&ds, 0.33, 1).unwrap();
    assert_eq!((tr, te), (tr2, te2));
}
