//! `cargo xtask ci`: every check CI runs, in order, failing fast: fmt, the
//! workflow linters, clippy, docs, every test, the reproducibility check of
//! the committed model, the no_std thumb builds of forest-core, the firmware
//! on three Cortex-M targets in QEMU, and the function-app package smoke test.

use crate::util::{cargo, ensure_targets, run as sh};
use anyhow::Result;

pub fn run_ci() -> Result<()> {
    ensure_targets(&["thumbv7em-none-eabihf", "thumbv6m-none-eabi"])?;
    sh(cargo().args(["fmt", "--all", "--check"]))?;
    crate::lint::run_lint()?;
    sh(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    sh(cargo()
        .args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings"))?;
    sh(cargo().args(["test", "--workspace"]))?;
    crate::verify::run(&[])?;
    for target in ["thumbv7em-none-eabihf", "thumbv6m-none-eabi"] {
        sh(cargo().args(["build", "-p", "forest-core", "--target", target]))?;
    }
    crate::firmware::run("firmware", &[])?;
    // The deployable zip, and the real handler unpacked from it on loopback.
    crate::app::run("package", &[])?;
    Ok(())
}

pub fn run(_args: &[String]) -> Result<()> {
    run_ci()
}
