//! `cargo xtask verify-model [--model PATH] [--data-dir DIR]`: the committed
//! model must be exactly what its data and recorded parameters produce.
//!
//! Retrains with the real CLI (`forest-train train`, release build), with the
//! arguments the artifact records (`forest-train train-args`), into a
//! temporary directory, and fails unless the new file is byte-identical. On a
//! mismatch `forest-train diff` prints both fingerprints and the recorded
//! fields that differ. Defaults: `models/seed.forest` and `data/`.

use crate::util::{display, forest_train, root, run as sh};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

const USAGE: &str = "usage: cargo xtask verify-model [--model PATH] [--data-dir DIR]";

pub fn run(args: &[String]) -> Result<()> {
    let mut model = root().join("models/seed.forest");
    let mut data_dir = root().join("data");
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let slot = match flag.as_str() {
            "--model" => &mut model,
            "--data-dir" => &mut data_dir,
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        };
        let value = it
            .next()
            .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        // Relative to where the command was run, not to the workspace.
        *slot = std::path::absolute(value).with_context(|| format!("{flag} {value}"))?;
    }
    verify(&model, &data_dir)
}

/// Retrains `model` from `data_dir` and fails unless the bytes are equal.
pub fn verify(model: &Path, data_dir: &Path) -> Result<()> {
    let mut recipe = forest_train();
    recipe
        .arg("train-args")
        .arg(model)
        .arg("--data-dir")
        .arg(data_dir);
    let out = recipe
        .output()
        .with_context(|| format!("could not start `{}`", display(&recipe)))?;
    if !out.status.success() {
        bail!(
            "cannot rebuild the training command of {}: {}",
            model.display(),
            String::from_utf8_lossy(&out.stderr)
                .trim()
                .trim_start_matches("error: ")
        );
    }
    let train_args: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();

    let dir = TempDir::new()?;
    let retrained = dir
        .0
        .join(model.file_name().unwrap_or("model.forest".as_ref()));
    sh(forest_train()
        .arg("train")
        .args(&train_args)
        .arg("--out")
        .arg(&retrained))?;

    let committed =
        std::fs::read(model).with_context(|| format!("cannot read {}", model.display()))?;
    let new = std::fs::read(&retrained)
        .with_context(|| format!("cannot read {}", retrained.display()))?;
    // Prints both fingerprints, and the differing fields on a mismatch.
    let mut diff = forest_train();
    diff.arg("diff").arg(model).arg(&retrained);
    let shown = diff
        .status()
        .with_context(|| format!("could not start `{}`", display(&diff)))?;
    if committed != new {
        bail!(
            "{} is not reproduced by retraining from {} with its recorded parameters \
             (fingerprints and differing fields above)",
            model.display(),
            data_dir.display()
        );
    }
    if !shown.success() {
        bail!("`{}` failed on identical files", display(&diff));
    }
    println!(
        "verify-model: {} is reproduced byte for byte from {}",
        model.display(),
        data_dir.display()
    );
    Ok(())
}

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "forest-verify-model-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
