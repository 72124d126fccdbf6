//! `cargo xtask ci`: every check CI runs, in order, failing fast.

use crate::util::{cargo, ensure_targets, run as sh};
use anyhow::Result;

pub fn run_ci() -> Result<()> {
    ensure_targets(&["thumbv7em-none-eabihf", "thumbv6m-none-eabi"])?;
    sh(cargo().args(["fmt", "--all", "--check"]))?;
    sh(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    sh(cargo()
        .args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings"))?;
    sh(cargo().args(["test", "--workspace"]))?;
    for target in ["thumbv7em-none-eabihf", "thumbv6m-none-eabi"] {
        sh(cargo().args(["build", "-p", "forest-core", "--target", target]))?;
    }
    Ok(())
}

pub fn run(_args: &[String]) -> Result<()> {
    run_ci()
}
