//! Validation before deployment: the report's numbers against the committed
//! vectors, the GitHub step summary, the quality gate and its exit codes, and
//! the comparison with a baseline — through the real binary where the
//! workflow uses it.

use forest_codegen::artifact::{Model, fingerprint, hex};
use forest_train::{eval, report};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs `forest-train` from the workspace root with `GITHUB_STEP_SUMMARY`
/// set to `summary` (or removed).
fn run(args: &[&str], summary: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_forest-train"));
    cmd.args(args).current_dir(root());
    match summary {
        Some(p) => cmd.env("GITHUB_STEP_SUMMARY", p),
        None => cmd.env_remove("GITHUB_STEP_SUMMARY"),
    };
    cmd.output().unwrap()
}

/// The workflow's train step, with the outputs in `dir` and `extra` flags
/// appended (gate flags given in `extra` replace the workflow's).
fn workflow_args<'a>(dir: &'a Path, extra: &[&'a str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "train",
        "--data",
        "data/seed-train.csv",
        "--test",
        "data/seed-test.csv",
        "--out",
        s(&dir.join("seed.forest")),
        "--report",
        s(&dir.join("seed.md")),
        "--vectors",
        s(&dir.join("seed-vectors.csv")),
        "--baseline",
        "models/seed.forest",
    ]
    .iter()
    .map(|x| (*x).to_owned())
    .collect();
    for (flag, default) in [("--min-accuracy", "0.93"), ("--max-drop", "0.01")] {
        if !extra.contains(&flag) {
            a.extend([flag.to_owned(), default.to_owned()]);
        }
    }
    a.extend(extra.iter().map(|x| (*x).to_owned()));
    a
}

fn run_owned(args: &[String], summary: Option<&Path>) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&refs, summary)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The report of the committed tutorial model shows exactly the accuracy,
/// confusion matrix and per-class scores recomputed here from the `label`
/// and `predicted` columns of `models/seed-vectors.csv`.
#[test]
fn report_numbers_match_the_committed_vectors() {
    let path = root().join("models/seed.forest");
    let bytes = std::fs::read(&path).unwrap();
    let (model, fp) = Model::read(&path).unwrap();
    let md = report::markdown(&model, &fp, None);

    let mut reader = csv::Reader::from_path(root().join("models/seed-vectors.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (li, pi) = (col("label"), col("predicted"));
    let pairs: Vec<(i64, i64)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[li].parse().unwrap(), r[pi].parse().unwrap())
        })
        .collect();
    let mut labels: Vec<i64> = pairs.iter().flat_map(|&(l, p)| [l, p]).collect();
    labels.sort_unstable();
    labels.dedup();
    let k = labels.len();
    let idx = |l: i64| labels.iter().position(|&x| x == l).unwrap();
    let mut confusion = vec![vec![0u64; k]; k];
    for &(l, p) in &pairs {
        confusion[idx(l)][idx(p)] += 1;
    }
    let rows = pairs.len();
    let correct = pairs.iter().filter(|(l, p)| l == p).count();
    // The tutorial's figure, so that a broken vectors file cannot pass.
    assert_eq!((correct, rows), (312, 330));

    assert!(
        md.contains(&format!(
            "**{:.4}** ({correct}/{rows})",
            correct as f64 / rows as f64
        )),
        "{md}"
    );
    let header: String = labels.iter().map(|l| format!(" {l} |")).collect();
    assert!(md.contains(&format!("| true \\ predicted |{header}\n")));
    for (i, l) in labels.iter().enumerate() {
        let cells: String = confusion[i].iter().map(|c| format!(" {c} |")).collect();
        assert!(md.contains(&format!("| **{l}** |{cells}\n")), "{md}");
        let tp = confusion[i][i] as f64;
        let support: u64 = confusion[i].iter().sum();
        let predicted: u64 = confusion.iter().map(|r| r[i]).sum();
        let (p, r) = (tp / predicted as f64, tp / support as f64);
        let f1 = 2.0 * p * r / (p + r);
        let row = format!("| {l} | {p:.4} | {r:.4} | {f1:.4} | {support} |\n");
        assert!(md.contains(&row), "missing {row:?} in\n{md}");
    }

    // CV, fingerprints, forest size, dropped features.
    let cv = model.metrics.cv.as_ref().unwrap();
    assert!(md.contains(&format!("**{:.4} ± {:.4}**", cv.mean, cv.std)));
    assert!(md.contains(&format!("`{}`", hex(&fingerprint(&bytes)))));
    let train_bytes = std::fs::read(root().join("data/seed-train.csv")).unwrap();
    assert!(md.contains(&format!("`{}`", hex(&fingerprint(&train_bytes)))));
    let z = eval::size(&model);
    assert!(md.contains(&format!(
        "| {} | {} | {} | {} |",
        z.trees, z.decision_nodes, z.leaves, z.max_depth
    )));
    assert!(md.contains("Dropped constant features: none."));
    assert!(md.contains("| feature | splits | mean impurity decrease |"));
    // The tutorial's summary line printed its braces: no placeholder survives.
    assert!(!md.contains('{') && !md.contains('}'), "{md}");
}

/// The workflow's exact train step: the gate passes, the report is appended
/// to the step summary after what was there, and the retrain is identical to
/// the committed baseline.
#[test]
fn workflow_step_passes_and_appends_to_the_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let earlier = "### An earlier step\n\nIts own lines.\n";
    std::fs::write(&summary, earlier).unwrap();
    let o = run_owned(&workflow_args(dir.path(), &[]), Some(&summary));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");

    let report = read(&dir.path().join("seed.md"));
    assert_eq!(read(&summary), format!("{earlier}\n{report}"));
    assert!(
        report.starts_with("# Model report: `seed`\n\n## Quality gate\n\n**✅ gate passed**\n")
    );
    assert!(report.contains("- ✅ held-out accuracy 0.9455 ≥ 0.93\n"));
    assert!(
        report.contains("- ✅ held-out accuracy drop 0.0000 ≤ 0.01 (baseline 0.9455 → 0.9455)\n")
    );
    assert!(report.contains("**Identical to baseline**"));
    assert!(report.contains("measured now on the candidate's 330 held-out rows"));
    assert!(report.contains("| held-out accuracy | 0.9455 | 0.9455 | +0.0000 |\n"));
    assert!(report.contains("| decision nodes | 3499 | 3499 | +0 |\n"));
    assert_eq!(
        std::fs::read(dir.path().join("seed.forest")).unwrap(),
        std::fs::read(root().join("models/seed.forest")).unwrap()
    );
    assert_eq!(
        read(&dir.path().join("seed-vectors.csv")),
        read(&root().join("models/seed-vectors.csv"))
    );

    // Without GITHUB_STEP_SUMMARY nothing is appended anywhere, and no gate
    // section appears without gate flags.
    let o = run(
        &[
            "train",
            "--data",
            "data/seed-train.csv",
            "--test",
            "data/seed-test.csv",
            "--out",
            s(&dir.path().join("plain.forest")),
            "--report",
            s(&dir.path().join("plain.md")),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read(&summary), format!("{earlier}\n{report}"));
    let plain = read(&dir.path().join("plain.md"));
    assert!(!plain.contains("Quality gate") && !plain.contains("baseline"));
}

/// A failing gate: exit 3, one line on stderr, the report and the step
/// summary written with the verdict on top, the artifact and vectors not
/// (an existing `--out` is left as it was) unless asked.
#[test]
fn gate_failure_exits_3_and_still_reports() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let out = dir.path().join("seed.forest");
    std::fs::write(&out, "the previous artifact").unwrap();
    let args = workflow_args(dir.path(), &["--min-accuracy", "0.95"]);
    let o = run_owned(&args, Some(&summary));
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        stderr(&o),
        "error: quality gate failed: held-out accuracy 0.9455 < 0.95\n"
    );
    let report = read(&dir.path().join("seed.md"));
    assert!(report.starts_with(
        "# Model report: `seed`\n\n## Quality gate\n\n**❌ gate failed: held-out accuracy 0.9455 < 0.95**\n"
    ));
    assert!(report.contains("- ✅ held-out accuracy drop 0.0000 ≤ 0.01"));
    assert_eq!(read(&summary), report);
    assert_eq!(read(&out), "the previous artifact");
    assert_eq!(
        files_in(dir.path()),
        ["seed.forest", "seed.md", "summary.md"]
    );

    // --write-on-gate-failure writes them, and still fails.
    let mut args = args;
    args.push("--write-on-gate-failure".to_owned());
    let o = run_owned(&args, None);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(root().join("models/seed.forest")).unwrap()
    );
    assert!(dir.path().join("seed-vectors.csv").exists());

    // No held-out set: nothing to gate on is a failure, not a pass.
    let o = run(
        &[
            "train",
            "--data",
            "data/seed-train.csv",
            "--out",
            s(&dir.path().join("nh.forest")),
            "--min-accuracy",
            "0.5",
            "--trees",
            "3",
            "--cv-folds",
            "0",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        stderr(&o),
        "error: quality gate failed: no held-out set to gate on (give --test or --test-fraction)\n"
    );
    assert!(!dir.path().join("nh.forest").exists());
}

/// `--max-drop` against a baseline, and the baseline table's numbers: a
/// smaller forest drops 0.0030 below the committed model on the same rows.
#[test]
fn max_drop_and_baseline_deltas() {
    let dir = tempfile::tempdir().unwrap();
    let small = ["--trees", "5", "--seed", "1", "--cv-folds", "2"];
    let mut strict = small.to_vec();
    strict.extend(["--max-drop", "0"]);
    let o = run_owned(&workflow_args(dir.path(), &strict), None);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: quality gate failed: held-out accuracy dropped by 0.0030 > 0 (baseline 0.9455 → 0.9424)\n"
    );
    assert!(!dir.path().join("seed.forest").exists());

    // The workflow's bar (0.01) lets it through.
    let o = run_owned(&workflow_args(dir.path(), &small), None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = read(&dir.path().join("seed.md"));
    let (candidate, cfp) = Model::read(dir.path().join("seed.forest")).unwrap();
    let (baseline, bfp) = Model::read(root().join("models/seed.forest")).unwrap();
    assert!(report.contains("**Changed**"));
    assert!(report.contains(&format!("fingerprint `{}`", hex(&bfp))));
    assert!(report.contains(&format!("fingerprint `{}`", hex(&cfp))));
    let (ch, bh) = (
        candidate.metrics.holdout.as_ref().unwrap(),
        baseline.metrics.holdout.as_ref().unwrap(),
    );
    assert_eq!((ch.correct, bh.correct), (311, 312));
    let row =
        |name: &str, b: f64, c: f64| format!("| {name} | {b:.4} | {c:.4} | {:+.4} |\n", c - b);
    for expected in [
        row("held-out accuracy", bh.accuracy, ch.accuracy),
        row(
            "CV mean",
            baseline.metrics.cv.as_ref().unwrap().mean,
            candidate.metrics.cv.as_ref().unwrap().mean,
        ),
        row("F1 of class `0`", bh.per_class[0].f1, ch.per_class[0].f1),
        row("F1 of class `1`", bh.per_class[1].f1, ch.per_class[1].f1),
        format!(
            "| decision nodes | {} | {} | {:+} |\n",
            baseline.n_decision_nodes(),
            candidate.n_decision_nodes(),
            candidate.n_decision_nodes() as i64 - baseline.n_decision_nodes() as i64
        ),
        format!(
            "| max depth | {} | {} | {:+} |\n",
            baseline.max_depth(),
            candidate.max_depth(),
            candidate.max_depth() as i64 - baseline.max_depth() as i64
        ),
        "| trees | 100 | 5 | -95 |\n".to_owned(),
    ] {
        assert!(
            report.contains(&expected),
            "missing {expected:?} in\n{report}"
        );
    }
}

/// With held-out rows split off the training file, the baseline is measured
/// on exactly those rows (here read back from the candidate's vectors file),
/// not taken from its stored metrics.
#[test]
fn baseline_is_measured_on_the_candidates_rows() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = dir.path().join("v.csv");
    let report = dir.path().join("r.md");
    let o = run(
        &[
            "train",
            "--data",
            "data/seed-test.csv",
            "--test-fraction",
            "0.3",
            "--split-seed",
            "7",
            "--trees",
            "5",
            "--cv-folds",
            "2",
            "--out",
            s(&dir.path().join("c.forest")),
            "--report",
            s(&report),
            "--vectors",
            s(&vectors),
            "--baseline",
            "models/seed.forest",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (baseline, _) = Model::read(root().join("models/seed.forest")).unwrap();
    let mut reader = csv::Reader::from_path(&vectors).unwrap();
    let (mut rows, mut labels) = (Vec::new(), Vec::new());
    for r in reader.records() {
        let r = r.unwrap();
        rows.push((0..3).map(|j| r[j].parse::<f32>().unwrap()).collect());
        labels.push(r[3].parse::<i64>().unwrap());
    }
    assert_eq!(rows.len(), 99);
    let predicted = eval::predict_labels(&baseline, &rows).unwrap();
    let correct = predicted
        .iter()
        .zip(&labels)
        .filter(|(p, l)| p == l)
        .count();
    let accuracy = correct as f64 / rows.len() as f64;
    let stored = baseline.metrics.holdout.as_ref().unwrap().accuracy;
    assert_ne!(format!("{accuracy:.4}"), format!("{stored:.4}"));
    let md = read(&report);
    assert!(md.contains("measured now on the candidate's 99 held-out rows"));
    assert!(
        md.contains(&format!("| held-out accuracy | {accuracy:.4} |")),
        "{md}"
    );
}

/// An unreadable or corrupt baseline, or a step summary that cannot be
/// opened, is an error naming the file; nothing is written.
#[test]
fn bad_baseline_or_step_summary_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(root().join("models/seed.forest")).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    let corrupt = dir.path().join("corrupt.forest");
    std::fs::write(&corrupt, &bytes).unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "kept\n").unwrap();
    let outputs = dir.path().join("out");
    std::fs::create_dir(&outputs).unwrap();

    let mut args = workflow_args(&outputs, &[]);
    let at = args.iter().position(|a| a == "--baseline").unwrap();
    args[at + 1] = s(&corrupt).to_owned();
    let o = run_owned(&args, Some(&summary));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: --baseline {}: corrupt artifact: body checksum does not match\n",
            corrupt.display()
        )
    );
    args[at + 1] = s(&dir.path().join("missing.forest")).to_owned();
    let o = run_owned(&args, Some(&summary));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with(&format!(
            "error: --baseline {}: ",
            dir.path().join("missing.forest").display()
        )),
        "{}",
        stderr(&o)
    );
    assert_eq!(read(&summary), "kept\n");
    // The report may not overwrite the baseline it is compared with.
    let copy = dir.path().join("baseline.forest");
    std::fs::copy(root().join("models/seed.forest"), &copy).unwrap();
    args[at + 1] = s(&copy).to_owned();
    let report_at = args.iter().position(|a| a == "--report").unwrap();
    args[report_at + 1] = s(&copy).to_owned();
    let o = run_owned(&args, Some(&summary));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: --report {} would overwrite the --baseline artifact\n",
            copy.display()
        )
    );
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(root().join("models/seed.forest")).unwrap()
    );

    let nowhere = dir.path().join("no-such-dir").join("summary.md");
    let o = run_owned(&workflow_args(&outputs, &[]), Some(&nowhere));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with(&format!(
            "error: cannot open GITHUB_STEP_SUMMARY file {} for appending: ",
            nowhere.display()
        )),
        "{}",
        stderr(&o)
    );
    assert!(files_in(&outputs).is_empty(), "{:?}", files_in(&outputs));
}
