//! `forest-train`: train, inspect and run `.forest` random-forest models.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use forest_codegen::artifact::{Model, SplitParams, hex};
use forest_codegen::{Tables, write_atomically};
use forest_train::report::{self, Timing};
use forest_train::synth::{self, SynthConfig};
use forest_train::train::{self, Progress, TrainConfig};
use forest_train::{data, eval};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Writes to stdout; a closed pipe (e.g. `| head`) ends the program quietly.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout(), $($t)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            return Err(anyhow::Error::from(e).context("cannot write to stdout"));
        }
    }};
}

/// [`out!`] with a newline.
macro_rules! outln {
    ($($t:tt)*) => {{
        out!($($t)*);
        out!("\n");
    }};
}

/// Train smartcore random forests into `.forest` artifacts, inspect them and
/// predict with them.
#[derive(Debug, Parser)]
#[command(name = "forest-train", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train a forest on a CSV file and write the artifact (and optionally a
    /// report and test vectors). Nothing is written if anything fails.
    Train(TrainArgs),
    /// Describe an artifact.
    Inspect {
        /// The `.forest` artifact.
        artifact: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Predict with an artifact: one label per input row, one per line.
    Predict {
        /// The `.forest` artifact.
        #[arg(long)]
        model: PathBuf,
        /// CSV with a header; columns are matched by the model's feature names.
        #[arg(long)]
        data: PathBuf,
        /// Target column to ignore if present.
        #[arg(long, default_value = "label")]
        target: String,
    },
    /// Generate a synthetic classification data set (make_classification style).
    Synth {
        /// Rows.
        #[arg(long)]
        rows: usize,
        /// Features in total.
        #[arg(long)]
        features: usize,
        /// Informative features (the others are noise).
        #[arg(long)]
        informative: usize,
        /// Classes (labels 0..C).
        #[arg(long, default_value_t = 2)]
        classes: usize,
        /// Gaussian clusters per class.
        #[arg(long, default_value_t = 1)]
        clusters_per_class: usize,
        /// Cluster separation (half the hypercube side).
        #[arg(long, default_value_t = 1.0)]
        class_sep: f64,
        /// Seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Output CSV.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
struct TrainArgs {
    /// Training CSV (header; the target column plus numeric features).
    #[arg(long)]
    data: PathBuf,
    /// Held-out CSV with the same columns.
    #[arg(long, conflicts_with_all = ["test_fraction", "split_seed"])]
    test: Option<PathBuf>,
    /// Hold out this fraction of --data instead (rounded up to whole rows).
    #[arg(long, requires = "split_seed")]
    test_fraction: Option<f64>,
    /// Seed of the held-out split's shuffle.
    #[arg(long, requires = "test_fraction")]
    split_seed: Option<u64>,
    /// Target (label) column.
    #[arg(long, default_value = "label")]
    target: String,
    /// Number of trees.
    #[arg(long, default_value_t = 100)]
    trees: u16,
    /// smartcore max_depth (scikit-learn's max_depth + 1); unlimited if absent.
    #[arg(long)]
    max_depth: Option<u16>,
    /// Minimum samples in a leaf.
    #[arg(long, default_value_t = 1)]
    min_samples_leaf: usize,
    /// Minimum samples to split a node.
    #[arg(long, default_value_t = 2)]
    min_samples_split: usize,
    /// Features tried per split (default: floor(sqrt(features))).
    #[arg(long)]
    mtry: Option<usize>,
    /// Seed of the forest and of the CV folds.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Cross-validation folds on the training rows (0 = none).
    #[arg(long, default_value_t = 5)]
    cv_folds: u32,
    /// Model name (default: the --out file stem).
    #[arg(long)]
    name: Option<String>,
    /// Artifact to write.
    #[arg(long)]
    out: PathBuf,
    /// Markdown report to write.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Held-out rows with true and predicted labels, as CSV.
    #[arg(long)]
    vectors: Option<PathBuf>,
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Usage errors: one line (the full usage is one `--help` away).
        Err(e) if e.use_stderr() => {
            let text = e.to_string();
            let message = text.split("\n\nUsage:").next().unwrap_or_default();
            let words: Vec<&str> = message.split_whitespace().collect();
            eprintln!("{}", words.join(" "));
            std::process::exit(2);
        }
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Train(args) => cmd_train(&args),
        Command::Inspect { artifact, json } => cmd_inspect(&artifact, json),
        Command::Predict {
            model,
            data,
            target,
        } => cmd_predict(&model, &data, &target),
        Command::Synth {
            rows,
            features,
            informative,
            classes,
            clusters_per_class,
            class_sep,
            seed,
            out,
        } => cmd_synth(
            &SynthConfig {
                rows,
                features,
                informative,
                classes,
                clusters_per_class,
                class_sep,
                seed,
            },
            &out,
        ),
    };
    if let Err(e) = result {
        // One line: the chain joined.
        // Causes already spelled out by the message above them are skipped.
        let mut msg: Vec<String> = Vec::new();
        for cause in e.chain().map(ToString::to_string) {
            if !msg.last().is_some_and(|m| m.contains(&cause)) {
                msg.push(cause);
            }
        }
        eprintln!("error: {}", msg.join(": "));
        std::process::exit(1);
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn cmd_train(a: &TrainArgs) -> Result<()> {
    let name = match &a.name {
        Some(n) => n.clone(),
        None => a
            .out
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .with_context(|| format!("--out {} has no file name", a.out.display()))?,
    };
    check_outputs(a)?;
    let cfg = TrainConfig {
        trees: a.trees,
        max_depth: a.max_depth,
        min_samples_leaf: a.min_samples_leaf,
        min_samples_split: a.min_samples_split,
        mtry: a.mtry,
        seed: a.seed,
        cv_folds: a.cv_folds,
    };
    let all = data::load_csv(&a.data, &a.target)?;
    data::check_classes(&all, &a.data, &a.target)?;
    let (train_set, test_set, test_hash, split) = match (&a.test, a.test_fraction, a.split_seed) {
        (Some(test), _, _) => {
            let t = data::load_csv(test, &a.target)?;
            let hash = t.sha256;
            (all, Some(t), Some(hash), None)
        }
        (None, Some(fraction), Some(seed)) => {
            let (tr, te) = train::split_holdout(&all, fraction, seed)?;
            let split = SplitParams {
                test_fraction: fraction,
                seed,
            };
            (tr, Some(te), None, Some(split))
        }
        (None, None, None) => (all, None, None, None),
        _ => bail!("--test-fraction and --split-seed must be given together"),
    };

    let bar = std::io::stdout().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(1 + u64::from(cfg.cv_folds));
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} forests")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message("training");
        bar
    });
    let mut on_progress = |p: Progress| {
        if let Some(b) = &bar {
            b.set_position(u64::from(p.done));
        }
    };
    let fitted = train::fit_with_progress(&train_set, &cfg, &name, &mut on_progress);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let mut trained = fitted?;
    trained.model.params.target.clone_from(&a.target);
    trained.model.params.split = split;
    let smartcore_predicted = match &test_set {
        Some(t) => Some(eval::attach_holdout(&mut trained, t, test_hash)?),
        None => None,
    };
    let timing = Timing {
        train: trained.train_time,
        cv: trained.cv_time,
    };

    // Everything is computed; now render, then write (artifact last).
    let bytes = trained.model.to_bytes()?;
    let fingerprint = forest_codegen::artifact::fingerprint(&bytes);
    let report_text = report::markdown(&trained.model, &fingerprint, Some(&timing));
    let vectors_text = match (&a.vectors, &test_set, &smartcore_predicted) {
        (Some(_), Some(t), Some(p)) => {
            let t = eval::align_features(t, &trained.model.feature_names)?;
            Some(report::vectors_csv(
                &trained.model.feature_names,
                &t.rows,
                &t.labels,
                p,
            ))
        }
        (Some(_), _, _) => bail!("--vectors needs held-out data (--test or --test-fraction)"),
        _ => None,
    };
    if let (Some(path), Some(text)) = (&a.vectors, &vectors_text) {
        write_file(path, text.as_bytes())?;
    }
    if let Some(path) = &a.report {
        write_file(path, report_text.as_bytes())?;
    }
    write_file(&a.out, &bytes)?;
    out!(
        "{}",
        report::summary(&trained.model, &fingerprint, Some(&timing))
    );
    outln!("wrote        {}", a.out.display());
    Ok(())
}

/// Refuses, before any work, outputs that could not be written: a missing
/// directory, a directory in the way, or one path given for two outputs.
/// (The writes themselves are atomic per file, artifact last.)
fn check_outputs(a: &TrainArgs) -> Result<()> {
    let outputs = [
        ("--out", Some(&a.out)),
        ("--report", a.report.as_ref()),
        ("--vectors", a.vectors.as_ref()),
    ];
    let given: Vec<(&str, &PathBuf)> = outputs
        .iter()
        .filter_map(|(flag, p)| p.map(|p| (*flag, p)))
        .collect();
    for (i, (flag, path)) in given.iter().enumerate() {
        if path.is_dir() {
            bail!("{flag} {} is a directory", path.display());
        }
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !parent.is_dir() {
            bail!(
                "{flag} {}: directory {} does not exist",
                path.display(),
                parent.display()
            );
        }
        if let Some((other, _)) = given[..i].iter().find(|(_, p)| p == path) {
            bail!("{flag} and {other} name the same file {}", path.display());
        }
        for input in std::iter::once(&a.data).chain(a.test.as_ref()) {
            if input == *path {
                bail!("{flag} {} would overwrite an input file", path.display());
            }
        }
    }
    if a.vectors.is_some() && a.test.is_none() && a.test_fraction.is_none() {
        bail!("--vectors needs held-out data (--test or --test-fraction)");
    }
    Ok(())
}

fn cmd_inspect(path: &Path, json: bool) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let model = Model::from_bytes(&bytes).with_context(|| path.display().to_string())?;
    let fingerprint = forest_codegen::artifact::fingerprint(&bytes);
    let size = eval::size(&model);
    if json {
        let v = serde_json::json!({
            "name": model.name,
            "fingerprint": hex(&fingerprint),
            "bytes": bytes.len(),
            "format_version": forest_codegen::artifact::FORMAT_VERSION,
            "features": model.feature_names,
            "class_labels": model.class_labels,
            "params": model.params,
            "data": {
                "train_sha256": hex(&model.data.train_sha256),
                "train_rows": model.data.train_rows,
                "test_sha256": model.data.test_sha256.map(|h| hex(&h)),
                "test_rows": model.data.test_rows,
                "dropped_features": model.data.dropped_features,
            },
            "metrics": model.metrics,
            "size": {
                "trees": size.trees,
                "decision_nodes": size.decision_nodes,
                "leaves": size.leaves,
                "max_depth": size.max_depth,
            },
        });
        outln!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let p = &model.params;
    outln!("name           {}", model.name);
    outln!("fingerprint    {}", hex(&fingerprint));
    outln!("size           {} bytes", bytes.len());
    outln!("features       {}", model.feature_names.join(", "));
    let labels: Vec<String> = model.class_labels.iter().map(ToString::to_string).collect();
    outln!("classes        {}", labels.join(", "));
    outln!(
        "params         trees {}, max_depth {}, min_samples_leaf {}, min_samples_split {}, mtry {}, seed {}, criterion {}, cv_folds {}, target {}, smartcore {}",
        p.trees,
        p.max_depth
            .map_or_else(|| "none".to_owned(), |d| d.to_string()),
        p.min_samples_leaf,
        p.min_samples_split,
        p.mtry,
        p.seed,
        p.criterion,
        p.cv_folds,
        p.target,
        p.smartcore_version
    );
    if let Some(s) = &p.split {
        outln!(
            "split          test fraction {}, seed {}",
            s.test_fraction,
            s.seed
        );
    }
    outln!(
        "train data     {} rows, sha256 {}",
        model.data.train_rows,
        hex(&model.data.train_sha256)
    );
    match &model.data.test_sha256 {
        Some(h) => outln!(
            "test data      {} rows, sha256 {}",
            model.data.test_rows,
            hex(h)
        ),
        None => outln!("test data      {} rows", model.data.test_rows),
    }
    if !model.data.dropped_features.is_empty() {
        outln!("dropped        {}", model.data.dropped_features.join(", "));
    }
    match &model.metrics.holdout {
        Some(h) => outln!(
            "held-out       {:.4} ({}/{})",
            h.accuracy,
            h.correct,
            h.rows
        ),
        None => outln!("held-out       none"),
    }
    if let Some(cv) = &model.metrics.cv {
        outln!(
            "cv             {:.4} ± {:.4} over {} folds",
            cv.mean,
            cv.std,
            cv.folds
        );
    }
    outln!(
        "forest         {} trees, {} decision nodes, {} leaves, max depth {}",
        size.trees,
        size.decision_nodes,
        size.leaves,
        size.max_depth
    );
    Ok(())
}

fn cmd_predict(model_path: &Path, data_path: &Path, target: &str) -> Result<()> {
    let (model, _) = Model::read(model_path).with_context(|| model_path.display().to_string())?;
    let tables = Tables::from_model(&model)?;
    let forest = tables.forest()?;
    let rows = data::load_features_csv(data_path, &model.feature_names, target)?;
    let mut votes = vec![0u32; model.n_classes()];
    let mut out = String::with_capacity(rows.len() * 3);
    for row in &rows {
        let class = forest.predict_into(row, &mut votes)?;
        out.push_str(&model.class_labels[class].to_string());
        out.push('\n');
    }
    out!("{out}");
    Ok(())
}

fn cmd_synth(cfg: &SynthConfig, out: &Path) -> Result<()> {
    let data = synth::generate(cfg)?;
    write_file(out, data.to_csv().as_bytes())?;
    outln!(
        "wrote {} rows × {} features, {} classes to {}",
        cfg.rows,
        cfg.features,
        cfg.classes,
        out.display()
    );
    Ok(())
}
