//! Firmware commands: `firmware`, `size`.

use anyhow::{Result, bail};

pub fn run(command: &str, _args: &[String]) -> Result<()> {
    bail!("`{command}` is not implemented yet")
}
