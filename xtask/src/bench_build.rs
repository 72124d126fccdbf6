//! `cargo xtask bench-build`: how long baking a big forest takes.
//!
//! Trains (once, cached under `target/bench/`) a forest on a synthetic
//! 100,000 × 20 set — 100 trees, smartcore max depth 13 — then times
//! generation + release build of a small consumer crate (its build.rs bakes
//! the artifact through forest-codegen, as every consumer does) with the
//! tutorial model and with the big one, alternating, and reports seconds and
//! peak RSS (GNU time's maximum resident set size of the build, i.e. of rustc).

use crate::util::{forest_train, root, run};
use anyhow::{Context, Result, bail};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROWS: &str = "100000";
const FEATURES: &str = "20";

/// The big synthetic set (100,000 × 20, seed 1), generated once under
/// `bench`.
pub fn big_csv(bench: &Path) -> Result<PathBuf> {
    let csv = bench.join("big.csv");
    if csv.exists() {
        return Ok(csv);
    }
    std::fs::create_dir_all(bench)?;
    run(forest_train().args([
        "synth",
        "--rows",
        ROWS,
        "--features",
        FEATURES,
        "--informative",
        "10",
        "--classes",
        "2",
        "--seed",
        "1",
        "--out",
        &csv.to_string_lossy(),
    ]))?;
    Ok(csv)
}

/// The forest trained on [`big_csv`] (100 trees, max depth 13), once.
pub fn big_forest(bench: &Path) -> Result<PathBuf> {
    let forest = bench.join("big.forest");
    if forest.exists() {
        return Ok(forest);
    }
    let csv = big_csv(bench)?;
    eprintln!("training the big forest (fast engine, every core)…");
    run(forest_train().args([
        "train",
        "--data",
        &csv.to_string_lossy(),
        "--trees",
        "100",
        "--max-depth",
        "13",
        "--cv-folds",
        "0",
        "--out",
        &forest.to_string_lossy(),
    ]))?;
    Ok(forest)
}

fn consumer(dir: &Path) -> Result<()> {
    let root = root();
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"bake-bench\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nforest-core = {{ path = {:?} }}\n\n\
             [build-dependencies]\nforest-codegen = {{ path = {:?} }}\n\n[workspace]\n",
            root.join("forest-core").display().to_string(),
            root.join("forest-codegen").display().to_string(),
        ),
    )?;
    std::fs::write(
        dir.join("build.rs"),
        "fn main() {\n    forest_codegen::Builder::new()\n        .build()\n        .unwrap_or_else(|e| panic!(\"{e}\"));\n}\n",
    )?;
    std::fs::write(
        dir.join("src/main.rs"),
        "#[allow(dead_code)]\nmod model {\n    include!(concat!(env!(\"OUT_DIR\"), \"/model.rs\"));\n}\n\
         fn main() {\n    println!(\"{} {} {}\", model::NAME, model::LAYOUT, model::MODEL.predict(&[0.5; model::N_FEATURES]));\n}\n",
    )?;
    Ok(())
}

/// One timed build: (seconds, peak RSS in MB).
fn timed_build(dir: &Path, model: &Path) -> Result<(f64, f64)> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        bail!("GNU time is needed (/usr/bin/time): apt-get install -y time");
    }
    let out = Command::new(time)
        .args(["-f", "@@ %e %M"])
        .arg(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "--release", "--quiet"])
        .env("FOREST_MODEL", model)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .current_dir(dir)
        .output()
        .context("running the consumer build")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("consumer build with {} failed:\n{stderr}", model.display());
    }
    let line = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("@@ "))
        .context("no timing line from GNU time")?;
    let mut it = line.split_whitespace();
    let secs: f64 = it.next().unwrap_or_default().parse()?;
    let kb: f64 = it.next().unwrap_or_default().parse()?;
    Ok((secs, kb / 1024.0))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub fn run_bench_build() -> Result<()> {
    let bench = root().join("target/bench");
    let big = big_forest(&bench)?;
    let seed = root().join("models/seed.forest");
    let dir = bench.join("bake-consumer");
    consumer(&dir)?;
    // Warm the dependencies (forest-codegen and its deps) once, untimed.
    timed_build(&dir, &seed)?;
    // The layout the host's `auto` baked (the consumer prints it).
    let baked_layout = || -> Result<String> {
        let out = Command::new(dir.join("target/release/bake-bench"))
            .output()
            .context("running the consumer")?;
        let printed = String::from_utf8_lossy(&out.stdout).into_owned();
        Ok(printed.split_whitespace().nth(1).unwrap_or("?").to_owned())
    };
    let (mut s_t, mut s_m, mut b_t, mut b_m) = (vec![], vec![], vec![], vec![]);
    let (mut s_layout, mut b_layout) = (String::new(), String::new());
    for _ in 0..3 {
        let (t, m) = timed_build(&dir, &seed)?;
        s_t.push(t);
        s_m.push(m);
        s_layout = baked_layout()?;
        let (t, m) = timed_build(&dir, &big)?;
        b_t.push(t);
        b_m.push(m);
        b_layout = baked_layout()?;
    }
    let nodes = |p: &Path| -> Result<String> {
        let out = forest_train().arg("inspect").arg(p).output()?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.starts_with("forest"))
            .unwrap_or("")
            .trim_start_matches("forest")
            .trim()
            .to_owned())
    };
    let (st, bt) = (median(s_t), median(b_t));
    let mut md = String::from("# Baking benchmark (`cargo xtask bench-build`)\n\n");
    let _ = writeln!(
        md,
        "Generation (build.rs through forest-codegen) + release build of a consumer crate, median of 3 alternating runs; peak RSS is the build's maximum resident set size (rustc). Layout: the host's default (`auto`).\n"
    );
    md.push_str("| model | forest | layout | seconds | peak RSS |\n|---|---|---|--:|--:|\n");
    let _ = writeln!(
        md,
        "| tutorial (`models/seed.forest`) | {} | {s_layout} | {st:.2} | {:.0} MB |",
        nodes(&seed)?,
        median(s_m)
    );
    let _ = writeln!(
        md,
        "| big ({ROWS} × {FEATURES}, max depth 13) | {} | {b_layout} | {bt:.2} | {:.0} MB |",
        nodes(&big)?,
        median(b_m)
    );
    let _ = writeln!(
        md,
        "\nThe big forest costs **{:.2} s** more than the tutorial model (goal ≤ 10 s; peak RSS goal ≤ 1 GB).",
        bt - st
    );
    print!("{md}");
    std::fs::write(root().join("target/bench-build.md"), &md)?;
    eprintln!("wrote target/bench-build.md");
    Ok(())
}
