//! `cargo xtask bench`: prediction and training benchmarks, tabulated.
//!
//! Runs the criterion benches of `forest-bench` (baked and run-time tables
//! in the chained, sibling and wide layouts, and smartcore's own `predict`,
//! on the same model and the same 30,000 fresh rows, for the tutorial model
//! and the big 100,000 × 20 forest), then prints one table of medians — ns per row, ns per node visited and
//! speed-up over smartcore measured in the same run — and writes it to
//! `target/bench.md` and `target/bench.json`.

use crate::util::{cargo, root, run};
use anyhow::{Context, Result};
use std::fmt::Write as _;

/// Rows per benchmark iteration (`forest-bench`'s `ROWS`).
const ROWS: f64 = 30_000.0;

fn median_ns(group: &str, function: &str) -> Result<f64> {
    let path = root()
        .join("target/criterion")
        .join(group.replace('/', "_"))
        .join(function)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: no criterion estimate", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)?;
    v["median"]["point_estimate"]
        .as_f64()
        .with_context(|| format!("{}: no median", path.display()))
}

fn visits(model: &str) -> Result<f64> {
    let path = root().join(format!("target/bench/{model}.visits"));
    Ok(std::fs::read_to_string(&path)
        .with_context(|| format!("{}", path.display()))?
        .trim()
        .parse()?)
}

pub fn run_bench(args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--tutorial-only");
    let mut cmd = cargo();
    cmd.args(["bench", "-p", "forest-bench", "--bench", "predict"]);
    let mut models = vec!["tutorial"];
    if !quick {
        let big = crate::bench_build::big_forest(&root().join("target/bench"))?;
        cmd.env("FOREST_BENCH_BIG", big);
        models.push("big");
    }
    run(&mut cmd)?;

    let mut md = String::from("# Prediction benchmarks (`cargo xtask bench`)\n\n");
    md.push_str(
        "Criterion medians over 30,000 fresh rows per iteration (data rows plus seeded noise), \
         same model and rows for every path; speed-ups are ratios measured in the same run. \
         A host build (`auto`) bakes the chained layout for both models.\n\n",
    );
    md.push_str(
        "| model | path | ns / row | nodes visited / row | ns / node visited | vs smartcore |\n",
    );
    md.push_str("|---|---|--:|--:|--:|--:|\n");
    let mut json = serde_json::Map::new();
    for model in &models {
        let v = visits(model)?;
        let sc1 = median_ns(&format!("{model}/1-row"), "smartcore")? / ROWS;
        let scb = median_ns(&format!("{model}/batch"), "smartcore")? / ROWS;
        let one = |f: &str| median_ns(&format!("{model}/1-row"), f).map(|ns| ns / ROWS);
        let batch = |f: &str| median_ns(&format!("{model}/batch"), f).map(|ns| ns / ROWS);
        let rows = [
            (
                "1 row per call: baked chained tables",
                one("baked-chained")?,
                sc1,
            ),
            (
                "1 row per call: baked sibling tables",
                one("baked-sibling")?,
                sc1,
            ),
            ("1 row per call: baked wide tables", one("baked")?, sc1),
            (
                "1 row per call: run-time chained tables",
                one("runtime-chained")?,
                sc1,
            ),
            (
                "1 row per call: run-time sibling tables",
                one("runtime-sibling")?,
                sc1,
            ),
            ("1 row per call: run-time wide tables", one("runtime")?, sc1),
            ("1 row per call: smartcore predict", sc1, sc1),
            (
                "batch: baked chained predict_batch",
                batch("baked-chained")?,
                scb,
            ),
            (
                "batch: baked sibling predict_batch",
                batch("baked-sibling")?,
                scb,
            ),
            ("batch: baked wide predict_batch", batch("baked")?, scb),
            ("batch: smartcore predict", scb, scb),
        ];
        let mut entries = serde_json::Map::new();
        for (path, ns, reference) in rows {
            let _ = writeln!(
                md,
                "| {model} | {path} | {ns:.0} | {v:.1} | {:.2} | {:.1}× |",
                ns / v,
                reference / ns
            );
            entries.insert(
                path.to_owned(),
                serde_json::json!({"ns_per_row": ns, "ns_per_visit": ns / v, "speedup_vs_smartcore": reference / ns}),
            );
        }
        entries.insert("visits_per_row".into(), v.into());
        json.insert((*model).to_owned(), entries.into());
    }
    md.push_str(
        "\nPaired: the host's default layout, baked (`auto`), and smartcore's predict timed \
         in 11 alternating rounds \
         over the same 30,000 rows; the median of the per-round ratios, so that both sides of \
         each ratio saw the same state of the machine.\n\n\
         | model | layout | 1 row per call: ns / row | ns / node visited | vs smartcore | \
         batch: ns / row | ns / node visited | vs smartcore |\n|---|---|--:|--:|--:|--:|--:|--:|\n",
    );
    // Each model's paired timings, read once for both tables below.
    let mut paired = Vec::new();
    for model in &models {
        let path = root().join(format!("target/bench/{model}.paired.json"));
        let text = std::fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
        let p: serde_json::Value = serde_json::from_str(&text)?;
        paired.push((model, p));
    }
    for (model, p) in &paired {
        let v = visits(model)?;
        let num = |k: &str, f: &str| p[k][f].as_f64().unwrap_or(f64::NAN);
        let _ = writeln!(
            md,
            "| {model} | {} | {:.0} | {:.2} | {:.1}× | {:.0} | {:.2} | {:.1}× |",
            p["layout"].as_str().unwrap_or("?"),
            num("1-row", "ns_per_row"),
            num("1-row", "ns_per_row") / v,
            num("1-row", "ratio"),
            num("batch", "ns_per_row"),
            num("batch", "ns_per_row") / v,
            num("batch", "ratio"),
        );
    }
    md.push_str(
        "\nTwo rows per walk (both rows' lanes in one lockstep) against one row per call, \
         paired in the same way: the baked chained tables (`ChainedModel::predict_pair` against \
         `predict`; `predict_batch` walks pairs) and the run-time ones \
         (`Chained::predict_pair_into` against `predict_into`).\n\n\
         | model | chained entries | tables | two rows per walk: ns / row | \
         one row per call: ns / row | speed-up |\n|---|--:|---|--:|--:|--:|\n",
    );
    for (model, p) in &paired {
        for (key, tables) in [("two-rows", "baked"), ("two-rows-runtime", "run-time")] {
            let num = |f: &str| p[key][f].as_f64().unwrap_or(f64::NAN);
            let _ = writeln!(
                md,
                "| {model} | {} | {tables} | {:.0} | {:.0} | {:.2}× |",
                p["entries"].as_u64().unwrap_or(0),
                num("ns_per_row"),
                num("one_row_ns_per_row"),
                num("ratio"),
            );
        }
    }
    for (model, p) in paired {
        if let Some(entries) = json.get_mut(*model).and_then(|e| e.as_object_mut()) {
            entries.insert("paired".into(), p);
        }
    }
    let fit_ms = median_ns("tutorial/train", "fit")? / 1e6;
    let _ = writeln!(
        md,
        "\nTraining the tutorial model (100 trees, no CV): **{fit_ms:.1} ms** (median)."
    );
    json.insert("tutorial_fit_ms".into(), fit_ms.into());
    print!("{md}");
    std::fs::write(root().join("target/bench.md"), &md)?;
    std::fs::write(
        root().join("target/bench.json"),
        serde_json::to_string_pretty(&serde_json::Value::Object(json))?,
    )?;
    eprintln!("wrote target/bench.md and target/bench.json");
    Ok(())
}
