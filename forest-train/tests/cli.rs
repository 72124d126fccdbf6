//! The real binary: train, inspect, predict, synth, and failures that leave
//! nothing behind.

use forest_codegen::artifact::{Model, hex};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_forest-train"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A failed run: non-zero exit, exactly one `error: …` line, no outputs.
fn assert_failed_cleanly(o: &Output, dir: &Path, expected: &str) {
    assert!(!o.status.success(), "should fail: {}", stdout(o));
    let err = stderr(o);
    assert_eq!(err, format!("error: {expected}\n"));
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "train.csv" && n != "test.csv")
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}

fn train_args<'a>(dir: &'a Path, data: &'a str, extra: &[&'a str]) -> Vec<String> {
    let mut a: Vec<String> = vec![
        "train".into(),
        "--data".into(),
        data.into(),
        "--out".into(),
        s(&dir.join("m.forest")).into(),
        "--report".into(),
        s(&dir.join("m.md")).into(),
    ];
    a.extend(extra.iter().map(|x| (*x).to_owned()));
    for (flag, default) in [("--trees", "5"), ("--cv-folds", "2")] {
        if !extra.contains(&flag) {
            a.extend([flag.to_owned(), default.to_owned()]);
        }
    }
    a
}

fn run_owned(args: &[String]) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&refs)
}

#[test]
fn bad_data_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("train.csv");
    std::fs::write(&data, "x0,x1,label\n1,2,0\n3,4,1\n5,NaN,0\n7,8,1\n").unwrap();
    let o = run_owned(&train_args(dir.path(), s(&data), &[]));
    assert_failed_cleanly(
        &o,
        dir.path(),
        &format!(
            "{}:4: row 3, column \"x1\": \"NaN\" is not finite (NaN and infinity are not allowed)",
            data.display()
        ),
    );
}

#[test]
fn bad_test_file_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("train.csv");
    let test = dir.path().join("test.csv");
    std::fs::write(&data, "x0,label\n1,0\n2,0\n3,1\n4,1\n").unwrap();
    std::fs::write(&test, "x0,label\n1,0\n2\n").unwrap();
    let o = run_owned(&train_args(
        dir.path(),
        s(&data),
        &[
            "--test",
            s(&test),
            "--vectors",
            s(&dir.path().join("v.csv")),
        ],
    ));
    assert_failed_cleanly(
        &o,
        dir.path(),
        &format!(
            "{}:3: row 2: 1 fields, expected 2 (missing column \"label\")",
            test.display()
        ),
    );
}

#[test]
fn failure_after_training_writes_nothing() {
    // Training succeeds; the held-out set has a label never seen in training.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("train.csv");
    let test = dir.path().join("test.csv");
    std::fs::write(&data, "x0,label\n1,0\n2,0\n3,1\n4,1\n").unwrap();
    std::fs::write(&test, "x0,label\n1,0\n2,5\n").unwrap();
    let o = run_owned(&train_args(dir.path(), s(&data), &["--test", s(&test)]));
    assert_failed_cleanly(
        &o,
        dir.path(),
        "test row 2: label 5 does not occur in the training data (classes: [0, 1])",
    );
    // --vectors without held-out data is refused, also after training.
    let o = run_owned(&train_args(
        dir.path(),
        s(&data),
        &["--vectors", s(&dir.path().join("v.csv"))],
    ));
    assert_failed_cleanly(
        &o,
        dir.path(),
        "--vectors needs held-out data (--test or --test-fraction)",
    );
}

#[test]
fn bad_parameters_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("train.csv");
    std::fs::write(&data, "x0,label\n1,0\n2,0\n3,1\n4,1\n").unwrap();
    let o = run_owned(&train_args(dir.path(), s(&data), &["--trees", "0"]));
    assert_failed_cleanly(
        &o,
        dir.path(),
        "--trees must be at least 1 (a forest of 0 trees predicts nothing)",
    );
    let o = run_owned(&train_args(dir.path(), s(&data), &["--cv-folds", "9"]));
    assert_failed_cleanly(
        &o,
        dir.path(),
        "4 training rows cannot be split into 9 cross-validation folds",
    );
    std::fs::write(&data, "x0,label\n1,3\n2,3\n").unwrap();
    let o = run_owned(&train_args(dir.path(), s(&data), &[]));
    assert_failed_cleanly(
        &o,
        dir.path(),
        &format!(
            "{}: column \"label\": every row has label 3; training needs at least two classes",
            data.display()
        ),
    );
}

#[test]
fn predict_matches_committed_vectors() {
    let o = run(&[
        "predict",
        "--model",
        "models/seed.forest",
        "--data",
        "data/seed-test.csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let predicted: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
    let mut reader = csv::Reader::from_path(root().join("models/seed-vectors.csv")).unwrap();
    let expected: Vec<String> = reader.records().map(|r| r.unwrap()[4].to_owned()).collect();
    assert_eq!(predicted.len(), 330);
    assert_eq!(predicted, expected);
}

#[test]
fn inspect_json_fingerprint_is_file_sha256() {
    let o = run(&["inspect", "models/seed.forest", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let bytes = std::fs::read(root().join("models/seed.forest")).unwrap();
    assert_eq!(v["fingerprint"], hex(&Sha256::digest(&bytes)));
    assert_eq!(v["bytes"], bytes.len());
    assert_eq!(v["name"], "seed");
    assert_eq!(v["features"], serde_json::json!(["x0", "x1", "x2"]));
    assert_eq!(v["class_labels"], serde_json::json!([0, 1]));
    assert_eq!(v["metrics"]["holdout"]["correct"], 312);
    assert_eq!(v["size"]["trees"], 100);
    let text = run(&["inspect", "models/seed.forest"]);
    assert!(text.status.success());
    assert!(stdout(&text).contains(&hex(&Sha256::digest(&bytes))));
    // A non-artifact is refused with one line.
    let o = run(&["inspect", "data/seed.csv"]);
    assert!(!o.status.success());
    assert!(stderr(&o).starts_with("error: data/seed.csv: not a forest model artifact"));
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn train_with_split_and_synth_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("s.csv");
    let o = run(&[
        "synth",
        "--rows",
        "200",
        "--features",
        "4",
        "--informative",
        "2",
        "--classes",
        "3",
        "--seed",
        "9",
        "--out",
        s(&data),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.path().join("s.forest");
    let vectors = dir.path().join("v.csv");
    let report = dir.path().join("s.md");
    let args = [
        "train",
        "--data",
        s(&data),
        "--test-fraction",
        "0.25",
        "--split-seed",
        "4",
        "--trees",
        "10",
        "--cv-folds",
        "3",
        "--out",
        s(&out),
        "--report",
        s(&report),
        "--vectors",
        s(&vectors),
    ];
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("fingerprint"));
    let (model, fp) = Model::read(&out).unwrap();
    assert_eq!(model.name, "s");
    let split = model.params.split.as_ref().unwrap();
    assert_eq!((split.test_fraction, split.seed), (0.25, 4));
    assert_eq!((model.data.train_rows, model.data.test_rows), (150, 50));
    assert_eq!(model.data.test_sha256, None);
    assert_eq!(model.class_labels, [0, 1, 2]);
    let md = std::fs::read_to_string(&report).unwrap();
    assert!(md.contains(&hex(&fp)));
    assert!(md.contains("| true \\ predicted | 0 | 1 | 2 |"));
    // predict on the vectors file == its predicted column.
    let p = run(&["predict", "--model", s(&out), "--data", s(&vectors)]);
    assert!(p.status.success(), "{}", stderr(&p));
    let mut reader = csv::Reader::from_path(&vectors).unwrap();
    let expected: Vec<String> = reader.records().map(|r| r.unwrap()[5].to_owned()).collect();
    assert_eq!(stdout(&p).lines().collect::<Vec<_>>(), expected);
    // Same command, same bytes.
    let first = std::fs::read(&out).unwrap();
    let o = run(&args);
    assert!(o.status.success());
    assert_eq!(std::fs::read(&out).unwrap(), first);
}

#[test]
fn unwritable_output_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("train.csv");
    std::fs::write(&data, "x0,label\n1,0\n2,0\n3,1\n4,1\n").unwrap();
    let missing = dir.path().join("no-such-dir").join("m.forest");
    let o = run(&[
        "train",
        "--data",
        s(&data),
        "--out",
        s(&missing),
        "--report",
        s(&dir.path().join("m.md")),
        "--cv-folds",
        "2",
    ]);
    assert_failed_cleanly(
        &o,
        dir.path(),
        &format!(
            "--out {}: directory {} does not exist",
            missing.display(),
            missing.parent().unwrap().display()
        ),
    );
}

#[test]
fn usage_errors_are_one_line() {
    let o = run(&["train", "--data", "data/seed-train.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: the following required arguments were not provided: --out <OUT>\n"
    );
}
