//! `cargo xtask bench-train`: how long training takes.
//!
//! Times the training alone (`forest-train time-fit`: no cross-validation,
//! extraction or report) of the tutorial set (`data/seed.csv`, 1000 × 3,
//! 100 trees, unlimited depth) and of the big synthetic set (100,000 × 20,
//! the generator `bench-build` uses, 100 trees, smartcore max depth 13) with
//! the fast engine on every core, the fast engine on one thread and
//! smartcore's own fit, plus scikit-learn's `RandomForestClassifier`
//! (`n_estimators=100`, `max_depth` = smartcore's − 1, `n_jobs=1`) fitted
//! on the same CSV in a venv at `target/sklearn-venv`. Medians of several
//! runs for the tutorial set, of one or two for the big one. Writes
//! `target/bench-train.md` and `target/bench-train.json`.
//!
//! `--skip-smartcore-big` leaves out smartcore on the big set (minutes);
//! `--skip-sklearn` leaves out scikit-learn.

use crate::util::{display, forest_train, root, run};
use anyhow::{Context, Result, bail};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// scikit-learn's side: fits `runs` forests on a CSV (target column
/// `label`) and prints the milliseconds of each fit, one per line.
const SKLEARN_SCRIPT: &str = r#"
import sys, time
import numpy as np
from sklearn.ensemble import RandomForestClassifier
path, depth, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path) as f:
    header = f.readline().strip().split(",")
data = np.loadtxt(path, delimiter=",", skiprows=1)
label = header.index("label")
y = data[:, label].astype(np.int64)
x = np.delete(data, label, axis=1).astype(np.float32)
max_depth = None if depth == "none" else int(depth)
for _ in range(runs):
    model = RandomForestClassifier(n_estimators=100, max_depth=max_depth, n_jobs=1, random_state=0)
    start = time.perf_counter()
    model.fit(x, y)
    print((time.perf_counter() - start) * 1e3, flush=True)
"#;

/// One benchmarked set.
struct Set {
    name: &'static str,
    csv: PathBuf,
    /// smartcore's max depth (`None`: unlimited).
    depth: Option<u16>,
    /// Runs of the quick paths.
    runs: u32,
    /// Runs of smartcore (0 = skipped).
    smartcore_runs: u32,
}

/// The median (mean of the middle two for an even count).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n.is_multiple_of(2) {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    } else {
        v[n / 2]
    }
}

/// Milliseconds per line of a command's stdout.
fn timings(cmd: &mut Command) -> Result<Vec<f64>> {
    eprintln!("$ {}", display(cmd));
    let out = cmd
        .output()
        .with_context(|| format!("could not start `{}`", display(cmd)))?;
    if !out.status.success() {
        bail!(
            "`{}` failed: {}",
            display(cmd),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<f64> = text
        .lines()
        .map(|l| l.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("`{}` printed {text:?}", display(cmd)))?;
    if v.is_empty() {
        bail!("`{}` printed no timings", display(cmd));
    }
    Ok(v)
}

fn time_fit(set: &Set, runs: u32, extra: &[&str]) -> Result<Vec<f64>> {
    let mut cmd = forest_train();
    cmd.arg("time-fit")
        .arg("--data")
        .arg(&set.csv)
        .args(["--repeat", &runs.to_string()])
        .args(extra);
    if let Some(d) = set.depth {
        cmd.args(["--max-depth", &d.to_string()]);
    }
    timings(&mut cmd)
}

/// The venv's python with scikit-learn (created on first use).
fn sklearn_python() -> Result<PathBuf> {
    let venv = root().join("target/sklearn-venv");
    let python = venv.join("bin/python");
    let has_sklearn = |p: &Path| {
        Command::new(p)
            .args(["-c", "import sklearn"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has_sklearn(&python) {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run(Command::new(venv.join("bin/pip")).args(["install", "--quiet", "scikit-learn"]))?;
    }
    Ok(python)
}

fn sklearn(python: &Path, set: &Set, runs: u32) -> Result<Vec<f64>> {
    // scikit-learn counts depth from 0: smartcore's max depth − 1.
    let depth = set
        .depth
        .map_or_else(|| "none".to_owned(), |d| (d - 1).to_string());
    let script = root().join("target/bench/sklearn_fit.py");
    std::fs::write(&script, SKLEARN_SCRIPT)
        .with_context(|| format!("cannot write {}", script.display()))?;
    timings(
        Command::new(python)
            .arg(&script)
            .arg(&set.csv)
            .arg(depth)
            .arg(runs.to_string()),
    )
}

pub fn run_bench_train(args: &[String]) -> Result<()> {
    let skip_smartcore_big = args.iter().any(|a| a == "--skip-smartcore-big");
    let skip_sklearn = args.iter().any(|a| a == "--skip-sklearn");
    if let Some(a) = args
        .iter()
        .find(|a| !matches!(a.as_str(), "--skip-smartcore-big" | "--skip-sklearn"))
    {
        bail!("bench-train: unknown argument `{a}` (--skip-smartcore-big, --skip-sklearn)");
    }
    let bench = root().join("target/bench");
    let sets = [
        Set {
            name: "tutorial (data/seed.csv, 1000 × 3, unlimited depth)",
            csv: root().join("data/seed.csv"),
            depth: None,
            runs: 15,
            smartcore_runs: 7,
        },
        Set {
            name: "big (100,000 × 20, max depth 13)",
            csv: crate::bench_build::big_csv(&bench)?,
            depth: Some(13),
            runs: 2,
            smartcore_runs: u32::from(!skip_smartcore_big),
        },
    ];
    let python = if skip_sklearn {
        None
    } else {
        Some(sklearn_python()?)
    };
    // Build once, untimed.
    run(forest_train().arg("--version"))?;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);

    let mut md = String::from("# Training benchmark (`cargo xtask bench-train`)\n\n");
    let _ = writeln!(
        md,
        "Wall time of the training alone (`forest-train time-fit`; scikit-learn: `fit`), \
         100 trees, on this machine ({cores} cores). Median of the runs shown; \
         ratios are smartcore's time over the path's (higher is faster).\n"
    );
    md.push_str("| set | path | runs | median ms | vs smartcore | vs scikit-learn |\n");
    md.push_str("|---|---|--:|--:|--:|--:|\n");
    let mut json = serde_json::Map::new();
    for set in &sets {
        let mut rows: Vec<(String, Vec<f64>)> = vec![
            (
                format!("fast, all cores ({cores} threads)"),
                time_fit(set, set.runs, &[])?,
            ),
            (
                "fast, 1 thread".to_owned(),
                time_fit(set, set.runs, &["--threads", "1"])?,
            ),
        ];
        if set.smartcore_runs > 0 {
            rows.push((
                "smartcore 0.7.0 fit".to_owned(),
                time_fit(set, set.smartcore_runs, &["--engine", "smartcore"])?,
            ));
        }
        if let Some(py) = &python {
            rows.push((
                "scikit-learn RandomForestClassifier, n_jobs=1".to_owned(),
                sklearn(py, set, set.runs)?,
            ));
        }
        let med = |prefix: &str| {
            rows.iter()
                .find(|(p, _)| p.starts_with(prefix))
                .map(|(_, v)| median(v.clone()))
        };
        let smartcore = med("smartcore");
        let sk = med("scikit-learn");
        let mut entries = serde_json::Map::new();
        for (path, v) in &rows {
            let m = median(v.clone());
            let ratio = |r: Option<f64>| r.map_or("–".to_owned(), |r| format!("{:.1}×", r / m));
            let _ = writeln!(
                md,
                "| {} | {path} | {} | {m:.1} | {} | {} |",
                set.name,
                v.len(),
                ratio(smartcore),
                ratio(sk)
            );
            entries.insert(
                path.clone(),
                serde_json::json!({
                    "runs_ms": v,
                    "median_ms": m,
                    "speedup_vs_smartcore": smartcore.map(|s| s / m),
                    "speedup_vs_sklearn": sk.map(|s| s / m),
                }),
            );
        }
        json.insert(set.name.to_owned(), entries.into());
    }
    if skip_smartcore_big {
        md.push_str("\nsmartcore on the big set skipped (`--skip-smartcore-big`).\n");
    }
    md.push_str(
        "\nThe fast engine grows bit-for-bit smartcore's trees (same artifact); \
         scikit-learn grows its own (different) forest.\n",
    );
    print!("{md}");
    std::fs::write(root().join("target/bench-train.md"), &md)?;
    std::fs::write(
        root().join("target/bench-train.json"),
        serde_json::to_string_pretty(&serde_json::Value::Object(json))?,
    )?;
    eprintln!("wrote target/bench-train.md and target/bench-train.json");
    Ok(())
}
