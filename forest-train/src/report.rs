//! The Markdown report, the console summary and the test-vector CSV.
//!
//! Everything here is a pure function of the model and its fingerprint,
//! except the optional training-time line, so a retrain gives the same
//! report apart from that line.

use crate::eval::size;
use crate::validate::{BaselineSource, Comparison, Verdict};
use forest_codegen::artifact::{Model, hex};
use std::fmt::Write;
use std::time::Duration;

/// Wall-clock times of a training run (never stored in the artifact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timing {
    /// Training the shipped forest.
    pub train: Duration,
    /// Training and scoring the cross-validation forests.
    pub cv: Duration,
}

fn opt<T: std::fmt::Display>(v: Option<T>, none: &str) -> String {
    v.map_or_else(|| none.to_owned(), |v| v.to_string())
}

/// What validation adds to a report: the quality gate's verdict (at the top)
/// and the comparison with a baseline artifact.
#[derive(Debug, Clone, Copy, Default)]
pub struct Review<'a> {
    /// The gate's verdict, when a gate was set.
    pub verdict: Option<&'a Verdict>,
    /// The comparison with `--baseline`, when one was given.
    pub comparison: Option<&'a Comparison>,
}

/// The Markdown report of a model whose artifact has fingerprint
/// `fingerprint`. `timing` adds the (run-dependent) training-time line.
#[must_use]
pub fn markdown(model: &Model, fingerprint: &[u8; 32], timing: Option<&Timing>) -> String {
    markdown_reviewed(model, fingerprint, timing, Review::default())
}

/// [`markdown`] with the gate verdict first and the baseline comparison
/// after the model's identity.
#[must_use]
pub fn markdown_reviewed(
    model: &Model,
    fingerprint: &[u8; 32],
    timing: Option<&Timing>,
    review: Review<'_>,
) -> String {
    let mut s = String::new();
    let p = &model.params;
    let d = &model.data;
    let m = &model.metrics;
    let _ = writeln!(s, "# Model report: `{}`\n", model.name);
    if let Some(v) = review.verdict {
        gate_section(&mut s, v);
    }
    let _ = writeln!(
        s,
        "- **Fingerprint** (SHA-256 of the artifact): `{}`",
        hex(fingerprint)
    );
    let _ = writeln!(
        s,
        "- **Features** ({}): {}",
        model.n_features(),
        code_list(&model.feature_names)
    );
    let labels: Vec<String> = model.class_labels.iter().map(ToString::to_string).collect();
    let _ = writeln!(
        s,
        "- **Classes** ({}): {}",
        model.n_classes(),
        code_list(&labels)
    );
    let _ = writeln!(s, "- **Target column**: `{}`\n", p.target);
    if let Some(c) = review.comparison {
        baseline_section(&mut s, model, fingerprint, c);
    }

    let _ = writeln!(s, "## Held-out evaluation\n");
    match &m.holdout {
        Some(h) => {
            let _ = writeln!(
                s,
                "Accuracy of the shipped model on {} held-out rows: **{:.4}** ({}/{}).\n",
                h.rows, h.accuracy, h.correct, h.rows
            );
            let _ = writeln!(s, "### Confusion matrix\n");
            let _ = writeln!(s, "Rows: true label; columns: predicted label.\n");
            let _ = write!(s, "| true \\ predicted |");
            for l in &model.class_labels {
                let _ = write!(s, " {l} |");
            }
            let _ = write!(s, "\n|---|");
            for _ in &model.class_labels {
                s.push_str("---:|");
            }
            s.push('\n');
            for (l, row) in model.class_labels.iter().zip(&h.confusion) {
                let _ = write!(s, "| **{l}** |");
                for c in row {
                    let _ = write!(s, " {c} |");
                }
                s.push('\n');
            }
            let _ = writeln!(s, "\n### Per-class scores\n");
            let _ = writeln!(s, "| class | precision | recall | F1 | support |");
            let _ = writeln!(s, "|---|---:|---:|---:|---:|");
            for (l, c) in model.class_labels.iter().zip(&h.per_class) {
                let _ = writeln!(
                    s,
                    "| {l} | {:.4} | {:.4} | {:.4} | {} |",
                    c.precision, c.recall, c.f1, c.support
                );
            }
            s.push('\n');
        }
        None => {
            let _ = writeln!(
                s,
                "No held-out data was given (`--test` or `--test-fraction`).\n"
            );
        }
    }

    let _ = writeln!(s, "## Cross-validation\n");
    match &m.cv {
        Some(cv) => {
            let folds: Vec<String> = cv.scores.iter().map(|x| format!("{x:.4}")).collect();
            let _ = writeln!(
                s,
                "{}-fold CV on the training rows (fresh forests, same parameters): \
                 **{:.4} ± {:.4}** (mean ± std).\n\nFold accuracies: {}.\n",
                cv.folds,
                cv.mean,
                cv.std,
                folds.join(", ")
            );
        }
        None => {
            let _ = writeln!(s, "Not run (`--cv-folds 0`).\n");
        }
    }

    let _ = writeln!(s, "## Feature importance\n");
    let _ = writeln!(
        s,
        "Splits on each feature over all trees, and the mean decrease in Gini impurity \
         (weighted by node samples, normalised to sum 1).\n"
    );
    let _ = writeln!(s, "| feature | splits | mean impurity decrease |");
    let _ = writeln!(s, "|---|---:|---:|");
    for (name, imp) in model.feature_names.iter().zip(&m.importance) {
        let dropped = if d.dropped_features.contains(name) {
            " (dropped: constant)"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "| `{name}`{dropped} | {} | {:.4} |",
            imp.splits, imp.mean_impurity_decrease
        );
    }
    s.push('\n');

    let z = size(model);
    let _ = writeln!(s, "## Forest size\n");
    let _ = writeln!(s, "| trees | decision nodes | leaves | max depth |");
    let _ = writeln!(s, "|---:|---:|---:|---:|");
    let _ = writeln!(
        s,
        "| {} | {} | {} | {} |\n",
        z.trees, z.decision_nodes, z.leaves, z.max_depth
    );

    let _ = writeln!(s, "## Parameters\n");
    let _ = writeln!(s, "| parameter | value |");
    let _ = writeln!(s, "|---|---|");
    let _ = writeln!(s, "| trees | {} |", p.trees);
    let _ = writeln!(
        s,
        "| max depth (smartcore) | {} |",
        opt(p.max_depth, "none")
    );
    let _ = writeln!(s, "| min samples leaf | {} |", p.min_samples_leaf);
    let _ = writeln!(s, "| min samples split | {} |", p.min_samples_split);
    let _ = writeln!(s, "| mtry (features per split) | {} |", p.mtry);
    let _ = writeln!(s, "| seed | {} |", p.seed);
    let _ = writeln!(s, "| criterion | {} |", p.criterion);
    let _ = writeln!(s, "| CV folds | {} |", p.cv_folds);
    let split = p
        .split
        .as_ref()
        .map(|sp| format!("{} of the rows, seed {}", sp.test_fraction, sp.seed));
    let _ = writeln!(s, "| held-out split | {} |", opt(split, "none"));
    let _ = writeln!(s, "| smartcore | {} |\n", p.smartcore_version);

    let _ = writeln!(s, "## Data\n");
    let _ = writeln!(s, "| set | rows | SHA-256 of the file |");
    let _ = writeln!(s, "|---|---:|---|");
    let _ = writeln!(
        s,
        "| training | {} | `{}` |",
        d.train_rows,
        hex(&d.train_sha256)
    );
    let test_hash = match (&d.test_sha256, &p.split) {
        (Some(h), _) => format!("`{}`", hex(h)),
        (None, Some(_)) => "split off the training file".to_owned(),
        (None, None) => "–".to_owned(),
    };
    let _ = writeln!(s, "| held-out | {} | {} |\n", d.test_rows, test_hash);
    if d.dropped_features.is_empty() {
        let _ = writeln!(s, "Dropped constant features: none.\n");
    } else {
        let _ = writeln!(
            s,
            "Dropped constant features (not used by any tree; rows still carry them): {}.\n",
            code_list(&d.dropped_features)
        );
    }

    if let Some(t) = timing {
        let _ = writeln!(s, "## Training time\n");
        let _ = writeln!(
            s,
            "Training time: {:.3} s (final forest), {:.3} s (cross-validation). \
             Not stored in the artifact.",
            t.train.as_secs_f64(),
            t.cv.as_secs_f64()
        );
    }
    s
}

fn gate_section(s: &mut String, v: &Verdict) {
    let _ = writeln!(s, "## Quality gate\n");
    let _ = writeln!(s, "**{}**\n", v.headline());
    for c in &v.checks {
        let mark = if c.passed { "✅" } else { "❌" };
        let _ = writeln!(s, "- {mark} {}", c.text);
    }
    s.push('\n');
}

fn baseline_section(s: &mut String, model: &Model, fingerprint: &[u8; 32], c: &Comparison) {
    let b = &c.baseline.model;
    let _ = writeln!(s, "## Compared with the baseline\n");
    let _ = writeln!(
        s,
        "- **Baseline**: `{}`, fingerprint `{}`",
        c.baseline.path.display(),
        hex(&c.baseline.fingerprint)
    );
    let _ = writeln!(s, "- **Candidate**: fingerprint `{}`", hex(fingerprint));
    if c.identical {
        let _ = writeln!(
            s,
            "- **Identical to baseline**: the candidate artifact is byte for byte the baseline (same fingerprint)."
        );
    } else {
        let _ = writeln!(
            s,
            "- **Changed**: the candidate differs from the baseline (different fingerprint)."
        );
    }
    if b.data.train_sha256 == model.data.train_sha256 {
        let _ = writeln!(s, "- Training data: the same file (same SHA-256).");
    } else {
        let _ = writeln!(
            s,
            "- Training data: **changed** (baseline `{}`, candidate `{}`).",
            hex(&b.data.train_sha256),
            hex(&model.data.train_sha256)
        );
    }
    let source = match &c.source {
        BaselineSource::SameRows { rows } => format!(
            "measured now on the candidate's {rows} held-out rows, with the baseline \
             model as shipped (forest-core over its tables): like for like"
        ),
        BaselineSource::Stored { reason } => format!(
            "taken from the metrics stored in the baseline artifact (its own held-out \
             rows), because {reason}"
        ),
        BaselineSource::Unavailable { reason } => {
            format!("not available: the baseline artifact stores none, and {reason}")
        }
    };
    let _ = writeln!(s, "- Baseline held-out figures: {source}.\n");

    let _ = writeln!(s, "| metric | baseline | candidate | delta |");
    let _ = writeln!(s, "|---|---:|---:|---:|");
    let acc = |h: Option<&forest_codegen::artifact::Holdout>| h.map(|h| h.accuracy);
    let candidate_holdout = model.metrics.holdout.as_ref();
    delta_row(
        s,
        "held-out accuracy",
        acc(c.holdout.as_ref()),
        acc(candidate_holdout),
    );
    delta_row(
        s,
        "CV mean",
        b.metrics.cv.as_ref().map(|cv| cv.mean),
        model.metrics.cv.as_ref().map(|cv| cv.mean),
    );
    let mut labels: Vec<i64> = b
        .class_labels
        .iter()
        .chain(&model.class_labels)
        .copied()
        .collect();
    labels.sort_unstable();
    labels.dedup();
    let f1 = |m: &Model, h: Option<&forest_codegen::artifact::Holdout>, label: i64| {
        let i = m.class_labels.iter().position(|&l| l == label)?;
        h?.per_class.get(i).map(|c| c.f1)
    };
    for l in labels {
        delta_row(
            s,
            &format!("F1 of class `{l}`"),
            f1(b, c.holdout.as_ref(), l),
            f1(model, candidate_holdout, l),
        );
    }
    let (bz, cz) = (size(b), size(model));
    for (name, x, y) in [
        ("trees", bz.trees, cz.trees),
        ("decision nodes", bz.decision_nodes, cz.decision_nodes),
        ("max depth", bz.max_depth, cz.max_depth),
    ] {
        let delta = i128::try_from(y).unwrap_or(0) - i128::try_from(x).unwrap_or(0);
        let _ = writeln!(s, "| {name} | {x} | {y} | {delta:+} |");
    }
    s.push('\n');
}

fn delta_row(s: &mut String, name: &str, baseline: Option<f64>, candidate: Option<f64>) {
    let f = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.4}"));
    let delta = match (baseline, candidate) {
        (Some(b), Some(c)) => format!("{:+.4}", c - b),
        _ => "–".to_owned(),
    };
    let _ = writeln!(
        s,
        "| {name} | {} | {} | {delta} |",
        f(baseline),
        f(candidate)
    );
}

fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A few lines for the console after training.
#[must_use]
pub fn summary(model: &Model, fingerprint: &[u8; 32], timing: Option<&Timing>) -> String {
    let mut s = String::new();
    let z = size(model);
    let _ = writeln!(s, "model        {}", model.name);
    let _ = writeln!(s, "fingerprint  {}", hex(fingerprint));
    match &model.metrics.holdout {
        Some(h) => {
            let _ = writeln!(
                s,
                "held-out     {:.4} ({}/{})",
                h.accuracy, h.correct, h.rows
            );
        }
        None => {
            let _ = writeln!(s, "held-out     none");
        }
    }
    if let Some(cv) = &model.metrics.cv {
        let _ = writeln!(
            s,
            "cv           {:.4} ± {:.4} ({} folds)",
            cv.mean, cv.std, cv.folds
        );
    }
    let _ = writeln!(
        s,
        "forest       {} trees, {} decision nodes, {} leaves, max depth {}",
        z.trees, z.decision_nodes, z.leaves, z.max_depth
    );
    if !model.data.dropped_features.is_empty() {
        let _ = writeln!(
            s,
            "dropped      {} (constant)",
            model.data.dropped_features.join(", ")
        );
    }
    if let Some(t) = timing {
        let _ = writeln!(
            s,
            "time         {:.3} s train, {:.3} s cv",
            t.train.as_secs_f64(),
            t.cv.as_secs_f64()
        );
    }
    s
}

/// Test vectors as CSV: the feature columns (values in Rust's shortest
/// round-trip `f32` form, so they parse back to the same `f32`), `label`
/// (true) and `predicted`.
#[must_use]
pub fn vectors_csv(
    feature_names: &[String],
    rows: &[Vec<f32>],
    labels: &[i64],
    predicted: &[i64],
) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut header: Vec<&str> = feature_names.iter().map(String::as_str).collect();
    header.extend(["label", "predicted"]);
    let _ = w.write_record(&header);
    for ((row, l), p) in rows.iter().zip(labels).zip(predicted) {
        let mut rec: Vec<String> = row.iter().map(|v| format!("{v}")).collect();
        rec.push(l.to_string());
        rec.push(p.to_string());
        let _ = w.write_record(&rec);
    }
    // Writing to a Vec cannot fail.
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
