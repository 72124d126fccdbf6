//! `forest-train`: train, inspect and run `.forest` random-forest models.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use forest_codegen::artifact::{Model, SplitParams, hex};
use forest_codegen::{Tables, write_atomically};
use forest_train::report::{self, Review, Timing};
use forest_train::synth::{self, SynthConfig};
use forest_train::train::{self, Engine, Progress, TrainConfig};
use forest_train::validate::{Baseline, GATE_FAILED_EXIT_CODE, Gate};
use forest_train::{data, eval, reproduce};
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
    #[command(after_help = TRAIN_AFTER_HELP)]
    Train(Box<TrainArgs>),
    /// Describe an artifact.
    Inspect {
        /// The `.forest` artifact.
        artifact: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the `train` arguments that retrain an artifact from the files in
    /// a data directory (found by their recorded SHA-256), one per line.
    #[command(name = "train-args")]
    Recipe {
        /// The `.forest` artifact.
        artifact: PathBuf,
        /// Directory holding the training (and held-out) CSV files.
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
    },
    /// Compare two artifacts: both fingerprints and the recorded fields that
    /// differ. Exits 0 when they are byte-identical, 1 otherwise.
    Diff {
        /// The reference artifact (e.g. the committed one).
        a: PathBuf,
        /// The artifact to compare with it (e.g. a retrain).
        b: PathBuf,
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
    /// Time the training alone (no cross-validation, extraction, report or
    /// artifact): prints the milliseconds of each of --repeat trainings of
    /// the same forest, one per line.
    #[command(name = "time-fit")]
    TimeFit(Box<TimeFitArgs>),
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

const TRAIN_AFTER_HELP: &str = "\
When GITHUB_STEP_SUMMARY names a file, the report is appended to it.

Exit status: 0 success; 1 error (nothing written); 2 usage error; 3 quality gate
failed (the report and the step summary are written, the artifact and vectors
only with --write-on-gate-failure).";

/// A quality-gate violation: `main` prints it on one line and exits with
/// [`GATE_FAILED_EXIT_CODE`].
#[derive(Debug)]
struct GateFailed(String);

impl std::fmt::Display for GateFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "quality gate failed: {}", self.0)
    }
}

impl std::error::Error for GateFailed {}

/// A number in [0, 1].
fn fraction(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{s} is not between 0 and 1"))
    }
}

/// The forest's parameters and how it is trained (shared by `train` and
/// `time-fit`).
#[derive(Debug, Args)]
struct ForestArgs {
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
    /// Training implementation: `fast` (forest-train's exact re-implementation
    /// of smartcore's fit, multi-threaded) or `smartcore` (smartcore 0.7.0's
    /// own fit, one core). Both grow identical trees: the artifact is the same.
    #[arg(long, value_enum, default_value_t = EngineArg::Fast)]
    engine: EngineArg,
    /// Worker threads of the fast engine (0 = every core). The artifact does
    /// not depend on it.
    #[arg(long, default_value_t = 0, value_name = "N")]
    threads: usize,
}

/// `--engine` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum EngineArg {
    /// Exact re-implementation (per-node sorted lists, parallel trees).
    Fast,
    /// smartcore 0.7.0's own `RandomForestClassifier::fit`.
    Smartcore,
}

impl ForestArgs {
    fn config(&self, cv_folds: u32) -> TrainConfig {
        TrainConfig {
            trees: self.trees,
            max_depth: self.max_depth,
            min_samples_leaf: self.min_samples_leaf,
            min_samples_split: self.min_samples_split,
            mtry: self.mtry,
            seed: self.seed,
            cv_folds,
            engine: match self.engine {
                EngineArg::Fast => Engine::Fast,
                EngineArg::Smartcore => Engine::Smartcore,
            },
            threads: self.threads,
        }
    }
}

#[derive(Debug, Args)]
struct TimeFitArgs {
    /// Training CSV (header; the target column plus numeric features).
    #[arg(long)]
    data: PathBuf,
    /// Target (label) column.
    #[arg(long, default_value = "label")]
    target: String,
    #[command(flatten)]
    forest: ForestArgs,
    /// Trainings to time (each printed on its own line).
    #[arg(long, default_value_t = 1)]
    repeat: u32,
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
    #[command(flatten)]
    forest: ForestArgs,
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
    /// The deployed or committed artifact to compare with: deltas in the
    /// report, and the reference of --max-drop.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Quality gate: fail (exit 3) unless the held-out accuracy is at least A.
    #[arg(long, value_name = "A", value_parser = fraction)]
    min_accuracy: Option<f64>,
    /// Quality gate: fail (exit 3) if the held-out accuracy is more than D
    /// below the baseline's (measured on the same held-out rows).
    #[arg(long, value_name = "D", value_parser = fraction, requires = "baseline")]
    max_drop: Option<f64>,
    /// Write the artifact and vectors even when the quality gate fails (the
    /// report is always written).
    #[arg(long)]
    write_on_gate_failure: bool,
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
        Command::TimeFit(args) => cmd_time_fit(&args),
        Command::Inspect { artifact, json } => cmd_inspect(&artifact, json),
        Command::Recipe { artifact, data_dir } => cmd_train_args(&artifact, &data_dir),
        Command::Diff { a, b } => cmd_diff(&a, &b),
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
        if let Some(gate) = e.downcast_ref::<GateFailed>() {
            eprintln!("error: {gate}");
            std::process::exit(GATE_FAILED_EXIT_CODE);
        }
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

fn cmd_time_fit(a: &TimeFitArgs) -> Result<()> {
    let data = data::load_csv(&a.data, &a.target)?;
    let cfg = a.forest.config(0);
    for _ in 0..a.repeat {
        let t = train::time_fit(&data, &cfg)?;
        outln!("{:.3}", t.as_secs_f64() * 1e3);
    }
    Ok(())
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
    let baseline = match &a.baseline {
        Some(path) => Some(read_baseline(path)?),
        None => None,
    };
    let mut step_summary = open_step_summary()?;
    let gate = Gate {
        min_accuracy: a.min_accuracy,
        max_drop: a.max_drop,
    };
    let cfg = a.forest.config(a.cv_folds);
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
    let comparison = baseline.map(|b| b.compare(&fingerprint, test_set.as_ref()));
    let verdict = gate
        .is_set()
        .then(|| gate.check(&trained.model, comparison.as_ref()));
    let review = Review {
        verdict: verdict.as_ref(),
        comparison: comparison.as_ref(),
    };
    let report_text =
        report::markdown_reviewed(&trained.model, &fingerprint, Some(&timing), review);
    let gate_failed = verdict.as_ref().is_some_and(|v| !v.passed());
    let write_model = !gate_failed || a.write_on_gate_failure;
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
    if let (true, Some(path), Some(text)) = (write_model, &a.vectors, &vectors_text) {
        write_file(path, text.as_bytes())?;
    }
    if let Some(path) = &a.report {
        write_file(path, report_text.as_bytes())?;
    }
    if let Some((path, file)) = &mut step_summary {
        append_step_summary(path, file, &report_text)?;
    }
    if write_model {
        write_file(&a.out, &bytes)?;
    }
    out!(
        "{}",
        report::summary(&trained.model, &fingerprint, Some(&timing))
    );
    if let Some(c) = &comparison {
        let same = if c.identical {
            "identical to baseline"
        } else {
            "differs from baseline"
        };
        outln!("baseline     {} ({same})", c.baseline.path.display());
    }
    if let Some(v) = &verdict {
        outln!("gate         {}", v.headline());
    }
    if write_model {
        outln!("wrote        {}", a.out.display());
    } else {
        outln!(
            "not written  {} (quality gate failed; --write-on-gate-failure writes it)",
            a.out.display()
        );
    }
    match verdict {
        Some(v) if !v.passed() => Err(GateFailed(v.failures()).into()),
        _ => Ok(()),
    }
}

/// Reads `--baseline`; any failure names the file.
fn read_baseline(path: &Path) -> Result<Baseline> {
    use forest_codegen::artifact::ArtifactError;
    Baseline::read(path).map_err(|e| match e {
        ArtifactError::Io { source, .. } => {
            anyhow::anyhow!("--baseline {}: {source}", path.display())
        }
        other => anyhow::anyhow!("--baseline {}: {other}", path.display()),
    })
}

/// Opens the file named by `GITHUB_STEP_SUMMARY` (if set and not empty) for
/// appending, before any work, so that a bad path fails early.
fn open_step_summary() -> Result<Option<(PathBuf, std::fs::File)>> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let path = PathBuf::from(path);
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .with_context(|| {
            format!(
                "cannot open GITHUB_STEP_SUMMARY file {} for appending",
                path.display()
            )
        })?;
    Ok(Some((path, file)))
}

/// Appends the report to the step summary, after what is already there.
fn append_step_summary(path: &Path, file: &mut std::fs::File, report: &str) -> Result<()> {
    use std::io::Write as _;
    let context = || {
        format!(
            "cannot append to GITHUB_STEP_SUMMARY file {}",
            path.display()
        )
    };
    let existing = file.metadata().with_context(context)?.len();
    let separator = if existing > 0 { "\n" } else { "" };
    file.write_all(format!("{separator}{report}").as_bytes())
        .and_then(|()| file.flush())
        .with_context(context)
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
        // --out may replace the baseline (it is read first); the others may not.
        if *flag != "--out" && a.baseline.as_ref() == Some(*path) {
            bail!(
                "{flag} {} would overwrite the --baseline artifact",
                path.display()
            );
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

fn read_artifact(path: &Path) -> Result<(Vec<u8>, Model)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let model = Model::from_bytes(&bytes).with_context(|| path.display().to_string())?;
    Ok((bytes, model))
}

fn cmd_train_args(artifact: &Path, data_dir: &Path) -> Result<()> {
    let (_, model) = read_artifact(artifact)?;
    for arg in reproduce::train_args(&model, data_dir)? {
        outln!("{arg}");
    }
    Ok(())
}

fn cmd_diff(a: &Path, b: &Path) -> Result<()> {
    let (a_bytes, a_model) = read_artifact(a)?;
    let (b_bytes, b_model) = read_artifact(b)?;
    let fp = |bytes: &[u8]| hex(&forest_codegen::artifact::fingerprint(bytes));
    outln!("a  {}  {}", fp(&a_bytes), a.display());
    outln!("b  {}  {}", fp(&b_bytes), b.display());
    if a_bytes == b_bytes {
        outln!("identical");
        return Ok(());
    }
    let fields = reproduce::differences(&a_model, &b_model);
    if fields.is_empty() {
        outln!("the decoded models are equal; only their encodings differ");
    }
    for f in &fields {
        outln!("  {f}");
    }
    bail!(
        "{} and {} differ ({} recorded fields)",
        a.display(),
        b.display(),
        fields.len()
    )
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
