//! The Markdown report, the console summary and the test-vector CSV.
//!
//! Everything here is a pure function of the model and its fingerprint,
//! except the optional training-time line, so a retrain gives the same
//! report apart from that line.

use crate::eval::size;
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

/// The Markdown report of a model whose artifact has fingerprint
/// `fingerprint`. `timing` adds the (run-dependent) training-time line.
#[must_use]
pub fn markdown(model: &Model, fingerprint: &[u8; 32], timing: Option<&Timing>) -> String {
    let mut s = String::new();
    let p = &model.params;
    let d = &model.data;
    let m = &model.metrics;
    let _ = writeln!(s, "# Model report: `{}`\n", model.name);
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
