//! `cargo xtask <command>`: the one entry point for CI, packaging and benchmarks.

mod app;
mod bench;
mod bench_build;
mod bench_train;
mod ci;
mod firmware;
mod lint;
mod util;
mod verify;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command> [args]

commands:
  ci            everything CI runs: fmt, clippy, docs, tests, no_std builds, firmware in QEMU
  package       build target/function-app.zip (static musl handler + host.json + function.json)
  bench-http    load-test the function app on loopback
  firmware      build and run the firmware on every target under QEMU
  size          flash/RAM/stack/instruction report of the firmware
  bench         prediction/training benchmarks: baked vs run-time tables vs smartcore
                (--tutorial-only skips the big forest, which is trained once and cached)
  bench-train   training time: fast engine (all cores, 1 thread) vs smartcore vs scikit-learn,
                tutorial and big 100k × 20 set (--skip-smartcore-big, --skip-sklearn)
  bench-build   seconds and peak RSS to bake a 117k-node forest vs the tutorial model
  lint-workflows  zizmor and actionlint over .github/workflows (fails on any finding)
  verify-model  retrain models/seed.forest from data/ with its recorded parameters; fail unless byte-identical
";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        bail!("no command given");
    };
    match command.as_str() {
        "ci" => ci::run(rest),
        "package" | "bench-http" => app::run(command, rest),
        "firmware" | "size" => firmware::run(command, rest),
        "lint-workflows" => lint::run_lint(),
        "bench-build" => bench_build::run_bench_build(),
        "bench-train" => bench_train::run_bench_train(rest),
        "bench" => bench::run_bench(rest),
        "verify-model" => verify::run(rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            eprint!("{USAGE}");
            bail!("unknown command `{other}`")
        }
    }
}
