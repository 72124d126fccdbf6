//! Firmware commands: `firmware`, `size`.
//!
//! * `cargo xtask firmware [--target T]… [--no-size]` runs the firmware
//!   library's host unit tests, builds `firmware-example` for every target (release profile;
//!   the Cortex-M4F three times, also with `FOREST_LAYOUT=dense` and `=sibling`), runs each under QEMU (wrapped in
//!   `timeout`), requires `N passed, 0 failed` and exit status 0 from each,
//!   then proves the check can fail (a self-test with a vectors file whose
//!   `predicted` column is corrupted must exit non-zero with `0 passed`) and
//!   that it is not tied to one model (the 7-feature, 4-class fixture in
//!   `firmware-example/tests/fixtures` must pass), and finally writes the size
//!   report (as `size`).
//! * `cargo xtask size [--target T]…` writes the flash/RAM/stack/instruction
//!   report to `target/firmware-size.md` (the workspace target dir,
//!   `CARGO_TARGET_DIR` if set) and prints it.
//!
//! Both honour `FOREST_MODEL` / `FOREST_VECTORS` (passed to the firmware's
//! build as absolute paths), install `qemu-system-arm` (and `gcc` for the
//! instruction-counting plugin) with apt-get when run as root, and install the
//! rustup targets.
//!
//! # How the size report attributes bytes and instructions
//!
//! * **Model tables**: the firmware's `build.rs` writes the exact bytes of each
//!   table the generator emits for the layout it baked (packed: `keys`,
//!   `words`, `roots`, `class_labels`; wide: `thresholds`, `features`,
//!   `children`, `roots`, `class_labels`) next to the generated code, and
//!   names each with a `firmware_example::model::TABLE_<NAME>` static
//!   (pointer, length) referring to the same promoted `const` data as
//!   `MODEL`. Each such symbol must point at exactly the table's bytes, in
//!   flash; the bytes must not occur in RAM, and the per-node tables must be
//!   stored once (so the named references cost no copy).
//! * **Predict code**: a QEMU TCG plugin records every instruction executed
//!   from the entry of `firmware_example::predict` until control is back in
//!   its only caller `measure`; the code size is the sum of the ELF sizes of
//!   the functions those instructions belong to (`predict` itself, the
//!   `forest_core` walker it calls, soft-float helpers on cores without FPU).
//! * **Instructions per prediction**: that plugin's count divided by the
//!   number of calls (one per held-out row).
//! * **Static RAM**: `.data` + `.bss` + `.uninit`. **Stack**: the firmware
//!   paints the free stack before each `predict` call and reports the deepest
//!   word changed. **Nodes visited**: `predict_counting` summed over the rows.

use crate::util::{display, ensure_targets, root};
use anyhow::{Context, Result, bail, ensure};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A firmware target and the QEMU machine that runs it.
#[derive(Debug, Clone, Copy)]
struct Target {
    triple: &'static str,
    cpu: &'static str,
    machine: &'static str,
    core: &'static str,
    /// `FOREST_LAYOUT` for this build (`None`: the environment's, else the
    /// generator's choice for the target).
    layout: Option<&'static str>,
}

impl Target {
    /// The target and, for a layout variant, the layout: `triple (dense)`.
    fn label(&self) -> String {
        match self.layout {
            Some(layout) => format!("{} ({layout})", self.triple),
            None => self.triple.to_owned(),
        }
    }
}

const TARGETS: [Target; 3] = [
    Target {
        triple: "thumbv7em-none-eabihf",
        cpu: "cortex-m4",
        machine: "mps2-an386",
        core: "Cortex-M4F",
        layout: None,
    },
    Target {
        triple: "thumbv7m-none-eabi",
        cpu: "cortex-m3",
        machine: "lm3s6965evb",
        core: "Cortex-M3",
        layout: None,
    },
    Target {
        triple: "thumbv6m-none-eabi",
        cpu: "cortex-m0",
        machine: "microbit",
        core: "Cortex-M0",
        layout: None,
    },
];

/// The memory map of `firmware-example/memory.x`.
const FLASH: std::ops::Range<u64> = 0..256 * 1024;
const RAM: std::ops::Range<u64> = 0x2000_0000..0x2000_0000 + 16 * 1024;

/// Seconds one QEMU run may take before `timeout` kills it.
const QEMU_TIMEOUT_SECS: &str = "120";

const DEFAULT_MODEL: &str = "models/seed.forest";
const DEFAULT_VECTORS: &str = "models/seed-vectors.csv";

#[derive(Debug, Default)]
struct Options {
    targets: Vec<Target>,
    size: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut opts = Options {
            targets: Vec::new(),
            size: true,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--target" => {
                    let triple = args.next().context("--target needs a target triple")?;
                    let target =
                        TARGETS
                            .iter()
                            .find(|t| t.triple == triple)
                            .with_context(|| {
                                format!(
                                    "unknown firmware target `{triple}` (known: {})",
                                    TARGETS.map(|t| t.triple).join(", ")
                                )
                            })?;
                    opts.targets.push(*target);
                }
                "--no-size" => opts.size = false,
                other => bail!("unknown argument `{other}` (use --target T, --no-size)"),
            }
        }
        if opts.targets.is_empty() {
            opts.targets = TARGETS.to_vec();
        }
        // The Cortex-M4F also runs the flash-smallest layout (the dense form
        // of the packed layout) and the fastest one (the sibling layout),
        // right after the default one.
        if let Some(i) = opts
            .targets
            .iter()
            .position(|t| t.triple == TARGETS[0].triple)
        {
            for (k, layout) in ["dense", "sibling"].into_iter().enumerate() {
                let variant = Target {
                    layout: Some(layout),
                    ..opts.targets[i]
                };
                opts.targets.insert(i + 1 + k, variant);
            }
        }
        Ok(opts)
    }
}

pub fn run(command: &str, args: &[String]) -> Result<()> {
    let opts = Options::parse(args)?;
    let inputs = Inputs::resolve()?;
    ensure_qemu()?;
    ensure_targets(&opts.targets.iter().map(|t| t.triple).collect::<Vec<_>>())?;
    match command {
        "firmware" => firmware(&opts, &inputs),
        "size" => size_report(&opts, &inputs),
        other => bail!("`{other}` is not a firmware command"),
    }
}

/// The model artifact and vectors file baked into the firmware.
#[derive(Debug, Clone)]
struct Inputs {
    model: PathBuf,
    vectors: PathBuf,
}

impl Inputs {
    /// `FOREST_MODEL` / `FOREST_VECTORS` as the firmware's build.rs reads them,
    /// made absolute here (relative to the current directory if the file is
    /// there, else to the workspace root) so xtask and build.rs agree.
    fn resolve() -> Result<Inputs> {
        let env_path = |var: &str| {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let absolute = |path: PathBuf| -> PathBuf {
            if path.is_absolute() {
                return path;
            }
            let here = std::env::current_dir().map(|d| d.join(&path)).ok();
            match here {
                Some(p) if p.exists() => p,
                _ => root().join(path),
            }
        };
        let model_env = env_path("FOREST_MODEL");
        let model = absolute(model_env.clone().unwrap_or_else(|| DEFAULT_MODEL.into()));
        let vectors = match env_path("FOREST_VECTORS") {
            Some(path) => absolute(path),
            None => {
                let beside = model_env.as_ref().and_then(|_| {
                    let stem = model.file_stem()?.to_string_lossy().into_owned();
                    Some(model.with_file_name(format!("{stem}-vectors.csv")))
                });
                match beside {
                    Some(p) if p.exists() => p,
                    _ => root().join(DEFAULT_VECTORS),
                }
            }
        };
        ensure!(
            model.exists(),
            "model artifact {} not found: set FOREST_MODEL to a .forest file (the default is the \
             trainer's committed {DEFAULT_MODEL})",
            model.display()
        );
        ensure!(
            vectors.exists(),
            "vectors file {} not found: set FOREST_VECTORS to the model's vectors CSV (the default \
             is {DEFAULT_VECTORS} beside the model)",
            vectors.display()
        );
        Ok(Inputs { model, vectors })
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs a Debian package providing `program` unless it is already there.
fn ensure_program(program: &str, package: &str, why: &str) -> Result<()> {
    if have(program, "--version") {
        return Ok(());
    }
    if !is_root() {
        bail!(
            "`{program}` is missing ({why}); install it as root: \
             `apt-get update && apt-get install -y {package}`"
        );
    }
    if !have("apt-get", "--version") {
        bail!(
            "`{program}` is missing ({why}) and there is no apt-get: install `{package}` by hand"
        );
    }
    eprintln!("installing {package} ({why})");
    crate::util::run(Command::new("apt-get").arg("update"))?;
    crate::util::run(
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", package])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    ensure!(
        have(program, "--version"),
        "`{program}` is still missing after installing {package}"
    );
    Ok(())
}

fn ensure_qemu() -> Result<()> {
    ensure_program(
        "qemu-system-arm",
        "qemu-system-arm",
        "it runs the firmware for every Cortex-M target",
    )
}

/// What one firmware build produced.
#[derive(Debug)]
struct Build {
    elf: PathBuf,
    out_dir: PathBuf,
}

fn firmware_dir() -> PathBuf {
    root().join("firmware-example")
}

/// Builds the firmware for `target` (release profile) from its own directory,
/// with its own toolchain file and target dir.
fn build(target: &Target, model: &Path, vectors: &Path) -> Result<Build> {
    let mut cmd = Command::new("cargo");
    if let Some(layout) = target.layout {
        cmd.env("FOREST_LAYOUT", layout);
    }
    cmd.current_dir(firmware_dir())
        .args([
            "build",
            "--release",
            "--message-format=json-render-diagnostics",
            "--target",
            target.triple,
        ])
        .env("FOREST_MODEL", model)
        .env("FOREST_VECTORS", vectors)
        // The firmware has its own target dir and toolchain file.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTUP_TOOLCHAIN")
        .stderr(Stdio::inherit());
    eprintln!(
        "$ {}FOREST_MODEL={} FOREST_VECTORS={} {}",
        target
            .layout
            .map_or(String::new(), |l| format!("FOREST_LAYOUT={l} ")),
        model.display(),
        vectors.display(),
        display(&cmd)
    );
    let out = cmd
        .output()
        .with_context(|| format!("could not start `{}`", display(&cmd)))?;
    ensure!(
        out.status.success(),
        "building the firmware for {} failed",
        target.triple
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut elf = None;
    let mut out_dir = None;
    for line in stdout.lines() {
        let ours = json_str(line, "package_id").is_some_and(|id| id.contains("firmware-example"));
        if !ours {
            continue;
        }
        if line.contains("\"reason\":\"build-script-executed\"") {
            out_dir = json_str(line, "out_dir").map(PathBuf::from);
        }
        if line.contains("\"reason\":\"compiler-artifact\"")
            && let Some(exe) = json_str(line, "executable")
        {
            elf = Some(PathBuf::from(exe));
        }
    }
    Ok(Build {
        elf: elf.context("cargo reported no firmware executable")?,
        out_dir: out_dir.context("cargo reported no build-script output dir")?,
    })
}

/// The string value of `"key":"…"` in one line of cargo's JSON messages.
fn json_str(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let mut value = String::new();
    let mut chars = line[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => value.push(chars.next()?),
            c => value.push(c),
        }
    }
    None
}

/// One QEMU run of the firmware.
#[derive(Debug)]
struct Run {
    success: bool,
    status: String,
    output: String,
}

impl Run {
    /// The closing `N passed, M failed` line.
    fn tally(&self) -> Option<(u64, u64)> {
        self.output.lines().rev().find_map(|line| {
            let (passed, failed) = line.trim().split_once(" passed, ")?;
            let failed = failed.strip_suffix(" failed")?;
            Some((passed.parse().ok()?, failed.parse().ok()?))
        })
    }

    /// `key=value` from the firmware's `measure:` line.
    fn measure(&self, key: &str) -> Option<u64> {
        let line = self
            .output
            .lines()
            .find_map(|l| l.trim().strip_prefix("measure: "))?;
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
    }

    /// The `model NAME sha256:FP` boot line.
    fn model(&self) -> Option<(String, String)> {
        self.output.lines().find_map(|l| {
            let (name, fp) = l.trim().strip_prefix("model ")?.split_once(" sha256:")?;
            Some((name.to_owned(), fp.to_owned()))
        })
    }

    fn passed_all(&self) -> bool {
        self.success && matches!(self.tally(), Some((p, 0)) if p > 0)
    }
}

fn qemu(target: &Target, elf: &Path, plugin: Option<&str>) -> Result<Run> {
    let mut cmd = Command::new("timeout");
    cmd.args([
        QEMU_TIMEOUT_SECS,
        "qemu-system-arm",
        "-cpu",
        target.cpu,
        "-machine",
        target.machine,
        "-nographic",
        "-semihosting-config",
        "enable=on,target=native",
        "-kernel",
    ])
    .arg(elf)
    .stdin(Stdio::null());
    if let Some(plugin) = plugin {
        cmd.args(["-plugin", plugin]);
    }
    eprintln!("$ {}", display(&cmd));
    let out = cmd
        .output()
        .with_context(|| format!("could not start `{}`", display(&cmd)))?;
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    for line in output.lines() {
        println!("[{}] {line}", target.triple);
    }
    let status = match out.status.code() {
        Some(124) => format!("timed out after {QEMU_TIMEOUT_SECS} s"),
        Some(code) => format!("exit status {code}"),
        None => out.status.to_string(),
    };
    Ok(Run {
        success: out.status.success(),
        status,
        output,
    })
}

/// The host's target triple (the firmware directory defaults to a thumb one).
fn host_triple() -> Result<String> {
    let out = Command::new("rustc")
        .arg("-vV")
        .env_remove("RUSTUP_TOOLCHAIN")
        .current_dir(firmware_dir())
        .output()
        .context("could not run `rustc -vV`")?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .context("`rustc -vV` printed no host triple")
}

/// The firmware library's unit tests (sensor driver and alarm against
/// embedded-hal-mock, the replay device, the baked vectors) on the host.
fn host_tests(inputs: &Inputs) -> Result<()> {
    let host = host_triple()?;
    crate::util::run(
        Command::new("cargo")
            .current_dir(firmware_dir())
            .args(["test", "--lib", "--target", &host])
            .env("FOREST_MODEL", &inputs.model)
            .env("FOREST_VECTORS", &inputs.vectors)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTUP_TOOLCHAIN"),
    )
}

fn firmware(opts: &Options, inputs: &Inputs) -> Result<()> {
    host_tests(inputs)?;
    let mut failed = Vec::new();
    for target in &opts.targets {
        let build = build(target, &inputs.model, &inputs.vectors)?;
        let run = qemu(target, &build.elf, None)?;
        if run.passed_all() {
            eprintln!("{}: all rows passed ({})", target.label(), run.status);
        } else {
            let tally = run
                .tally()
                .map_or("no `N passed, M failed` line".to_owned(), |(p, f)| {
                    format!("{p} passed, {f} failed")
                });
            eprintln!("{}: FAILED: {tally}, {}", target.label(), run.status);
            failed.push(target.label());
        }
    }
    if !failed.is_empty() {
        bail!("firmware failed on {}", failed.join(", "));
    }
    self_test(&opts.targets[0], inputs)?;
    any_model_check(opts.targets.last().unwrap_or(&TARGETS[2]))?;
    if opts.size {
        size_report(opts, inputs)?;
    }
    Ok(())
}

/// Proves that the firmware's check can fail: bakes a copy of the vectors
/// file whose `predicted` column is off by one everywhere and requires the
/// run to exit non-zero with `0 passed, <rows> failed`.
fn self_test(target: &Target, inputs: &Inputs) -> Result<()> {
    let text = std::fs::read_to_string(&inputs.vectors)
        .with_context(|| format!("reading {}", inputs.vectors.display()))?;
    let mut corrupted = String::new();
    let mut rows = 0u64;
    for (i, line) in text.lines().enumerate() {
        if i == 0 || line.trim().is_empty() {
            corrupted.push_str(line);
        } else {
            let (rest, predicted) = line.rsplit_once(',').with_context(|| {
                format!("{}: line {}: no columns", inputs.vectors.display(), i + 1)
            })?;
            let predicted: i64 = predicted.trim().parse().with_context(|| {
                format!(
                    "{}: line {}: `predicted` is not an integer",
                    inputs.vectors.display(),
                    i + 1
                )
            })?;
            write!(corrupted, "{rest},{}", predicted.wrapping_add(1))?;
            rows += 1;
        }
        corrupted.push('\n');
    }
    let dir = firmware_dir().join("target/self-test");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("corrupted-vectors.csv");
    std::fs::write(&path, corrupted)?;
    eprintln!(
        "self-test: {} with every expected label of {} off by one must fail",
        target.triple,
        inputs.vectors.display()
    );
    let build = build(target, &inputs.model, &path)?;
    let run = qemu(target, &build.elf, None)?;
    ensure!(
        !run.success,
        "self-test: the firmware exited 0 although every expected label was wrong"
    );
    ensure!(
        run.tally() == Some((0, rows)),
        "self-test: expected `0 passed, {rows} failed`, the firmware printed {:?}",
        run.tally()
    );
    eprintln!(
        "self-test: failed as it must (0 passed, {rows} failed, {})",
        run.status
    );
    Ok(())
}

/// Proves the firmware is not tied to the tutorial's model: bakes the fixture
/// `firmware-example/tests/fixtures/wide7x4.forest` (7 features, 4 classes
/// with labels -7, 0, 21, 56; rows with NaN, ±inf, subnormals, -0.0 and values
/// on thresholds) and requires every row to pass.
fn any_model_check(target: &Target) -> Result<()> {
    let dir = firmware_dir().join("tests/fixtures");
    let model = dir.join("wide7x4.forest");
    let vectors = dir.join("wide7x4-vectors.csv");
    eprintln!(
        "any-model check: {} with {} (7 features, 4 classes)",
        target.triple,
        model.display()
    );
    let build = build(target, &model, &vectors)?;
    let run = qemu(target, &build.elf, None)?;
    ensure!(
        run.passed_all(),
        "any-model check failed on {} with {}: {:?}, {}",
        target.triple,
        model.display(),
        run.tally(),
        run.status
    );
    eprintln!("any-model check: all rows passed");
    Ok(())
}

/// The instruction-counting TCG plugin (QEMU plugin API version 1 for QEMU
/// 7.x/8.x, 2 from 9.x on; Debian ships no `qemu-plugin.h`, so the few API
/// functions are declared here). Arguments: `entry=ADDR` (first instruction of `predict`),
/// `lo=ADDR,hi=ADDR` (its caller), `out=PATH`. Counts instructions from each
/// execution of `entry` until one in `[lo, hi)` executes, and writes the
/// count, the number of entries and every distinct address executed.
const PLUGIN_C: &str = r#"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
    qemu_plugin_vcpu_udata_cb_t cb, enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

/* 1 for QEMU 7.x/8.x, 2 for 9.x and later (set with -D by xtask). */
__attribute__((visibility("default"))) int qemu_plugin_version = PLUGIN_API_VERSION;

#define SPAN (1u << 20) /* addresses tracked for the "executed" map */
static uint64_t entry, lo, hi, insns, calls;
static int inside;
static unsigned char executed[SPAN / 2];
static char out_path[4096];

static void on_insn(unsigned int vcpu, void *udata) {
    uint64_t pc = (uint64_t)(uintptr_t)udata;
    (void)vcpu;
    if (pc == entry) { inside = 1; calls++; }
    else if (pc >= lo && pc < hi) { inside = 0; }
    if (inside) {
        insns++;
        if (pc < SPAN) executed[pc / 2] = 1;
    }
}

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    size_t n = qemu_plugin_tb_n_insns(tb);
    (void)id;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS,
                                               (void *)(uintptr_t)pc);
    }
}

static void on_exit_(qemu_plugin_id_t id, void *udata) {
    (void)id; (void)udata;
    FILE *f = fopen(out_path, "w");
    if (!f) return;
    fprintf(f, "calls %llu\ninsns %llu\n", (unsigned long long)calls, (unsigned long long)insns);
    for (uint64_t i = 0; i < SPAN / 2; i++)
        if (executed[i]) fprintf(f, "pc %llu\n", (unsigned long long)(i * 2));
    fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "entry=", 6)) entry = strtoull(argv[i] + 6, NULL, 0);
        else if (!strncmp(argv[i], "lo=", 3)) lo = strtoull(argv[i] + 3, NULL, 0);
        else if (!strncmp(argv[i], "hi=", 3)) hi = strtoull(argv[i] + 3, NULL, 0);
        else if (!strncmp(argv[i], "out=", 4)) snprintf(out_path, sizeof out_path, "%s", argv[i] + 4);
        else { fprintf(stderr, "insn-window plugin: unknown argument %s\n", argv[i]); return -1; }
    }
    if (!entry || !hi || !out_path[0]) {
        fprintf(stderr, "insn-window plugin: needs entry=, lo=, hi=, out=\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
    qemu_plugin_register_atexit_cb(id, on_exit_, NULL);
    return 0;
}
"#;

/// The plugin API version this QEMU loads: 1 up to QEMU 8, 2 from QEMU 9 on
/// (the functions the plugin uses exist in both).
fn plugin_api_version() -> Result<u32> {
    let out = Command::new("qemu-system-arm")
        .arg("--version")
        .output()
        .context("could not run `qemu-system-arm --version`")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let major: u32 = text
        .split_whitespace()
        .skip_while(|w| *w != "version")
        .nth(1)
        .and_then(|v| v.split('.').next()?.parse().ok())
        .with_context(|| format!("unrecognised QEMU version: {}", text.trim()))?;
    Ok(if major >= 9 { 2 } else { 1 })
}

/// Compiles the plugin with gcc into the firmware's target dir.
fn build_plugin() -> Result<PathBuf> {
    ensure_program(
        "gcc",
        "gcc",
        "it compiles the QEMU instruction-counting plugin",
    )?;
    let dir = firmware_dir().join("target/qemu-plugin");
    std::fs::create_dir_all(&dir)?;
    let source = dir.join("insn-window.c");
    let library = dir.join("libinsn-window.so");
    std::fs::write(&source, PLUGIN_C)?;
    let api = format!("-DPLUGIN_API_VERSION={}", plugin_api_version()?);
    crate::util::run(
        Command::new("gcc")
            .args(["-shared", "-fPIC", "-O2", "-Wall", &api, "-o"])
            .arg(&library)
            .arg(&source),
    )?;
    Ok(library)
}

/// What the plugin recorded.
#[derive(Debug, Default)]
struct Window {
    calls: u64,
    insns: u64,
    pcs: Vec<u64>,
}

fn read_window(path: &Path) -> Result<Window> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "the QEMU plugin wrote no {} (does this QEMU support -plugin?)",
            path.display()
        )
    })?;
    let mut w = Window::default();
    for line in text.lines() {
        let (key, value) = line.split_once(' ').context("bad plugin output")?;
        let value: u64 = value.parse().context("bad plugin output")?;
        match key {
            "calls" => w.calls = value,
            "insns" => w.insns = value,
            "pc" => w.pcs.push(value),
            _ => bail!("bad plugin output line `{line}`"),
        }
    }
    Ok(w)
}

/// A section of a 32-bit little-endian ELF file.
#[derive(Debug, Clone)]
struct Section {
    name: String,
    addr: u64,
    size: u64,
    /// File contents (empty for NOBITS).
    data: Vec<u8>,
    alloc: bool,
}

/// Reads the section headers of an ELF32 little-endian file (all the
/// firmware's targets are).
fn read_sections(path: &Path) -> Result<Vec<Section>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    ensure!(
        bytes.len() > 52 && bytes[..4] == *b"\x7fELF" && bytes[4] == 1 && bytes[5] == 1,
        "{} is not a 32-bit little-endian ELF file",
        path.display()
    );
    let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]) as usize;
    let u32_at =
        |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
    let shoff = u32_at(0x20) as usize;
    let shentsize = u16_at(0x2e);
    let shnum = u16_at(0x30);
    let shstrndx = u16_at(0x32);
    ensure!(
        shoff + shnum * shentsize <= bytes.len() && shentsize >= 40,
        "{}: section headers out of range",
        path.display()
    );
    let header = |i: usize| {
        let o = shoff + i * shentsize;
        // name, type, flags, addr, offset, size
        (
            u32_at(o) as usize,
            u32_at(o + 4),
            u32_at(o + 8),
            u32_at(o + 12),
            u32_at(o + 16) as usize,
            u32_at(o + 20) as usize,
        )
    };
    let (_, _, _, _, str_off, str_size) = header(shstrndx);
    let strtab = bytes
        .get(str_off..str_off + str_size)
        .context("section name table out of range")?;
    let mut sections = Vec::new();
    for i in 0..shnum {
        let (name, kind, flags, addr, offset, size) = header(i);
        let name = strtab
            .get(name..)
            .and_then(|s| s.split(|&b| b == 0).next())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .unwrap_or_default();
        const SHT_NOBITS: u32 = 8;
        const SHF_ALLOC: u32 = 2;
        let data = if kind == SHT_NOBITS {
            Vec::new()
        } else {
            bytes
                .get(offset..offset + size)
                .with_context(|| format!("section {name} out of range"))?
                .to_vec()
        };
        sections.push(Section {
            name,
            addr: u64::from(addr),
            size: size as u64,
            data,
            alloc: flags & SHF_ALLOC != 0,
        });
    }
    Ok(sections)
}

/// A sized symbol from `nm -C -S`.
#[derive(Debug, Clone)]
struct Symbol {
    addr: u64,
    size: u64,
    kind: char,
    name: String,
}

/// Sized, demangled symbols of `elf` (GNU nm, from binutils, which gcc brings).
fn symbols(elf: &Path) -> Result<Vec<Symbol>> {
    let out = Command::new("nm")
        .args(["-C", "-S", "--defined-only"])
        .arg(elf)
        .output()
        .context("`nm` (binutils) is needed for the size report")?;
    ensure!(out.status.success(), "nm failed on {}", elf.display());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut symbols = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(4, ' ');
        let (Some(addr), Some(size), Some(kind), Some(name)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue; // no size: not a sized symbol
        };
        let (Ok(addr), Ok(size)) = (u64::from_str_radix(addr, 16), u64::from_str_radix(size, 16))
        else {
            continue;
        };
        symbols.push(Symbol {
            addr,
            size,
            kind: kind.chars().next().unwrap_or('?'),
            name: name.to_owned(),
        });
    }
    Ok(symbols)
}

fn function<'a>(symbols: &'a [Symbol], name: &str) -> Result<&'a Symbol> {
    symbols
        .iter()
        .find(|s| s.name == name && s.kind.eq_ignore_ascii_case(&'t'))
        .with_context(|| format!("no function symbol `{name}` in the firmware"))
}

/// One baked table found in the ELF.
#[derive(Debug)]
struct FoundTable {
    name: String,
    bytes: u64,
    per_node: bool,
    addr: u64,
    section: String,
    /// The firmware's `model::TABLE_*` reference to it.
    symbol: String,
    /// The symbol of the table data itself, if the ELF has one.
    data_symbol: Option<String>,
    /// Times the table's bytes occur in the loaded image.
    copies: usize,
}

/// The loaded section holding `[addr, addr + len)`, and those bytes.
fn read_at(sections: &[Section], addr: u64, len: usize) -> Option<(&Section, &[u8])> {
    sections.iter().find_map(|s| {
        let start = usize::try_from(addr.checked_sub(s.addr)?).ok()?;
        let bytes = s.data.get(start..start.checked_add(len)?)?;
        s.alloc.then_some((s, bytes))
    })
}

/// Finds each table the firmware's build.rs wrote an image of: through the
/// `firmware_example::model::TABLE_<NAME>` reference (pointer, length), whose
/// target must hold exactly the table's bytes, in flash. The bytes must not
/// occur in RAM, and the per-node tables and roots must be stored once.
fn find_tables(
    out_dir: &Path,
    sections: &[Section],
    symbols: &[Symbol],
) -> Result<(String, u64, Vec<FoundTable>)> {
    let index = std::fs::read_to_string(out_dir.join("tables.txt"))
        .with_context(|| format!("{}: no tables.txt from build.rs", out_dir.display()))?;
    let mut nodes = 0;
    let mut layout = String::new();
    let mut found = Vec::new();
    for line in index.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (name, count, per_node) = match fields.as_slice() {
            ["nodes", n] => {
                nodes = n.parse()?;
                continue;
            }
            ["layout", l] => {
                layout = (*l).to_owned();
                continue;
            }
            ["trees" | "stored", _] => continue,
            ["table", name, count, _width, kind @ ("per-node" | "fixed")] => {
                (*name, count.parse::<u64>()?, *kind == "per-node")
            }
            _ => bail!("bad line in tables.txt: `{line}`"),
        };
        let image = std::fs::read(out_dir.join("tables").join(format!("{name}.bin")))?;
        let symbol = format!("firmware_example::model::TABLE_{}", name.to_uppercase());
        let reference = symbols
            .iter()
            .find(|s| s.name == symbol)
            .with_context(|| format!("no symbol `{symbol}` (build.rs names every table)"))?;
        let (_, pair) = read_at(sections, reference.addr, 8)
            .with_context(|| format!("`{symbol}` is not in a loaded section"))?;
        let word = |i: usize| {
            u64::from(u32::from_le_bytes([
                pair[i],
                pair[i + 1],
                pair[i + 2],
                pair[i + 3],
            ]))
        };
        let (addr, len) = (word(0), word(4));
        ensure!(
            len == count,
            "`{symbol}` has {len} elements, the generator emitted {count}"
        );
        if image.is_empty() {
            // An empty table (no escapes) is a dangling pointer: nothing stored.
            found.push(FoundTable {
                name: name.to_owned(),
                bytes: 0,
                per_node,
                addr,
                section: "–".to_owned(),
                symbol,
                data_symbol: None,
                copies: 0,
            });
            continue;
        }
        let (section, bytes) = read_at(sections, addr, image.len())
            .with_context(|| format!("`{symbol}` points at {addr:#x}, outside the loaded image"))?;
        ensure!(
            bytes == image.as_slice(),
            "`{symbol}` points at {addr:#x}, which does not hold the table's bytes"
        );
        ensure!(
            FLASH.contains(&addr) && !RAM.contains(&addr),
            "model table `{name}` is at {addr:#x} ({}): it must be in flash",
            section.name
        );
        let mut copies = 0;
        for s in sections.iter().filter(|s| s.alloc && !s.data.is_empty()) {
            let here = s
                .data
                .windows(image.len())
                .filter(|w| *w == image.as_slice())
                .count();
            ensure!(
                here == 0 || !RAM.contains(&s.addr),
                "model table `{name}` also occurs in RAM ({}): it must stay in flash",
                s.name
            );
            copies += here;
        }
        ensure!(
            copies == 1 || !(per_node || name == "roots") || image.len() < 64,
            "model table `{name}` is stored {copies} times in flash"
        );
        found.push(FoundTable {
            name: name.to_owned(),
            bytes: image.len() as u64,
            per_node,
            addr,
            section: section.name.clone(),
            symbol,
            data_symbol: symbols
                .iter()
                .find(|s| s.addr == addr && s.size == image.len() as u64)
                .map(|s| s.name.clone()),
            copies,
        });
    }
    let expected: &[&str] = match layout.as_str() {
        "wide" => &[
            "thresholds",
            "features",
            "children",
            "roots",
            "class_labels",
        ],
        "packed" => &["keys", "words", "roots", "class_labels"],
        "dense" => &["keys", "word_bytes", "roots", "class_labels"],
        "sibling" => &[
            "keys",
            "columns",
            "deltas",
            "roots",
            "leaf_slots",
            "class_labels",
        ],
        "chained" => &["records", "columns", "starts", "class_labels"],
        other => bail!("tables.txt names no known layout (`{other}`)"),
    };
    let mut names: Vec<&str> = found.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    let mut sorted = expected.to_vec();
    sorted.sort_unstable();
    ensure!(
        nodes > 0 && names == sorted,
        "tables.txt lists {names:?} for {nodes} nodes, expected the {layout} tables {expected:?}"
    );
    Ok((layout, nodes, found))
}

/// One target's measurements.
#[derive(Debug)]
struct Report {
    target: Target,
    /// The table layout baked (`wide`, `packed`, `dense` or `sibling`).
    layout: String,
    model: (String, String),
    flash: u64,
    tables: Vec<FoundTable>,
    nodes: u64,
    code: Vec<(String, u64)>,
    ram: u64,
    stack: u64,
    rows: u64,
    nodes_visited: u64,
    window: Window,
}

impl Report {
    fn table_bytes(&self) -> u64 {
        self.tables.iter().map(|t| t.bytes).sum()
    }
    fn node_bytes(&self) -> u64 {
        self.tables
            .iter()
            .filter(|t| t.per_node)
            .map(|t| t.bytes)
            .sum()
    }
    fn code_bytes(&self) -> u64 {
        self.code.iter().map(|(_, size)| size).sum()
    }
    fn insns_per_prediction(&self) -> f64 {
        self.window.insns as f64 / self.window.calls.max(1) as f64
    }
    fn nodes_per_row(&self) -> f64 {
        self.nodes_visited as f64 / self.rows.max(1) as f64
    }
}

fn measure(target: &Target, inputs: &Inputs, plugin: &Path) -> Result<Report> {
    let build = build(target, &inputs.model, &inputs.vectors)?;
    let sections = read_sections(&build.elf)?;
    let symbols = symbols(&build.elf)?;
    let predict = function(&symbols, "firmware_example::predict")?;
    let caller = function(&symbols, "firmware_example::measure")?;
    let window_file = firmware_dir().join(format!(
        "target/qemu-plugin/{}{}.window",
        target.triple,
        target.layout.map_or(String::new(), |l| format!("-{l}"))
    ));
    let _ = std::fs::remove_file(&window_file);
    let plugin_arg = format!(
        "{},entry={:#x},lo={:#x},hi={:#x},out={}",
        plugin.display(),
        predict.addr & !1,
        caller.addr & !1,
        (caller.addr & !1) + caller.size,
        window_file.display()
    );
    let run = qemu(target, &build.elf, Some(&plugin_arg))?;
    ensure!(
        run.passed_all(),
        "{}: the firmware did not pass under the plugin ({})",
        target.triple,
        run.status
    );
    let window = read_window(&window_file)?;
    let rows = run.measure("rows").context("no measure: rows=")?;
    ensure!(
        window.calls == rows,
        "{}: predict ran {} times for {rows} rows",
        target.triple,
        window.calls
    );

    // Functions whose instructions ran inside predict.
    let mut code = BTreeMap::new();
    for &pc in &window.pcs {
        let owner = symbols
            .iter()
            .filter(|s| s.kind.eq_ignore_ascii_case(&'t') || s.kind.eq_ignore_ascii_case(&'w'))
            .find(|s| (s.addr & !1) <= pc && pc < (s.addr & !1) + s.size)
            .with_context(|| {
                format!(
                    "{}: executed address {pc:#x} is in no function",
                    target.triple
                )
            })?;
        code.insert(owner.name.clone(), owner.size);
    }

    let flash_sections = sections
        .iter()
        .filter(|s| s.alloc && !s.data.is_empty() && FLASH.contains(&s.addr));
    let ram_sections = sections.iter().filter(|s| s.alloc && RAM.contains(&s.addr));
    // .data occupies RAM and, as its load image, flash.
    let data_image: u64 = sections
        .iter()
        .filter(|s| s.alloc && !s.data.is_empty() && RAM.contains(&s.addr))
        .map(|s| s.size)
        .sum();
    let flash = flash_sections.map(|s| s.size).sum::<u64>() + data_image;
    let ram = ram_sections.map(|s| s.size).sum();
    let (layout, nodes, tables) = find_tables(&build.out_dir, &sections, &symbols)?;
    let report = Report {
        target: *target,
        layout,
        model: run.model().context("no `model NAME sha256:…` boot line")?,
        flash,
        nodes,
        tables,
        code: code.into_iter().collect(),
        ram,
        stack: run
            .measure("stack_bytes")
            .context("no measure: stack_bytes=")?,
        rows,
        nodes_visited: run
            .measure("nodes_visited")
            .context("no measure: nodes_visited=")?,
        window,
    };
    ensure!(
        report.ram < report.table_bytes(),
        "{}: {} bytes of static RAM is more than the model's {} bytes of tables: is the model in RAM?",
        target.triple,
        report.ram,
        report.table_bytes()
    );
    Ok(report)
}

fn size_report(opts: &Options, inputs: &Inputs) -> Result<()> {
    let plugin = build_plugin()?;
    let reports = opts
        .targets
        .iter()
        .map(|t| measure(t, inputs, &plugin))
        .collect::<Result<Vec<_>>>()?;
    let markdown = markdown(&reports, inputs);
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_absolute() { d } else { root().join(d) })
        .unwrap_or_else(|| root().join("target"));
    std::fs::create_dir_all(&target_dir)?;
    let path = target_dir.join("firmware-size.md");
    std::fs::write(&path, &markdown).with_context(|| format!("writing {}", path.display()))?;
    println!("{markdown}");
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn markdown(reports: &[Report], inputs: &Inputs) -> String {
    let mut md = String::new();
    let first = &reports[0];
    let _ = writeln!(md, "# Firmware size report\n");
    let _ = writeln!(
        md,
        "Model `{}` (sha256:`{}`) from `{}`: {} decision nodes (trained); {} held-out rows from `{}`. \
         Release build (opt-level \"s\", LTO, one codegen unit); produced by `cargo xtask size` \
         (also run by `cargo xtask firmware`).\n",
        first.model.0,
        first.model.1,
        inputs.model.display(),
        first.nodes,
        first.rows,
        inputs.vectors.display(),
    );
    let _ = writeln!(
        md,
        "| target | QEMU machine | layout | flash total | model tables | predict code | node tables / decision node | tables + code / decision node | static RAM | predict stack | instructions / prediction | nodes visited / row | instructions / node |"
    );
    let _ = writeln!(md, "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for r in reports {
        let _ = writeln!(
            md,
            "| `{}` ({}) | {} | {} | {} B | {} B | {} B | {:.2} | {:.2} | {} B | {} B | {:.1} | {:.2} | {:.2} |",
            r.target.triple,
            r.target.core,
            r.target.machine,
            r.layout,
            r.flash,
            r.table_bytes(),
            r.code_bytes(),
            r.node_bytes() as f64 / r.nodes as f64,
            (r.table_bytes() + r.code_bytes()) as f64 / r.nodes as f64,
            r.ram,
            r.stack,
            r.insns_per_prediction(),
            r.nodes_per_row(),
            r.insns_per_prediction() / r.nodes_per_row().max(f64::MIN_POSITIVE),
        );
    }
    let _ = writeln!(
        md,
        "\n* **flash total**: loaded sections in flash (vector table, `.text`, `.rodata`) plus the \
         `.data` load image; it includes the baked held-out rows and the semihosting/formatting code.\n\
         * **layout**: the generator's table layout for the target (`packed` on these 32-bit \
         cores unless `FOREST_LAYOUT` says otherwise; see the README); the Cortex-M4F is also \
         built with `FOREST_LAYOUT=dense`, the packed layout's dense form (words only as wide \
         as the model needs, for the least flash), and with `FOREST_LAYOUT=sibling` (a node's \
         children side by side, leaves past the records: the fewest instructions).\n\
         * **model tables**: every table of that layout (wide: thresholds, features, true/false \
         children, roots, class labels; packed: threshold keys, node words, roots, class labels; \
         dense: the same with the words bit-packed in a byte table; sibling: keys, columns, \
         deltas, roots, leaf slots, class labels): each found through the firmware's `model::TABLE_*` reference, which \
         must point at exactly the bytes the generator emitted (build.rs writes them out); all in \
         flash, none in RAM, node tables stored once (asserted).\n\
         * **predict code**: the ELF sizes of every function that executed while `predict` ran \
         (recorded by a QEMU TCG plugin).\n\
         * **node tables / decision node**: the per-node tables divided by the decision nodes of \
         the trained model; **tables + code / decision node**: all model tables plus the predict \
         code, divided the same way.\n\
         * **static RAM**: `.data` + `.bss` + `.uninit` (no model data: asserted).\n\
         * **predict stack**: deepest stack word `predict` changed, over all rows (stack painted \
         before each call).\n\
         * **instructions / prediction**: instructions QEMU executed from `predict`'s entry until \
         its return, summed over the rows and divided by the calls; **nodes visited / row** from \
         `predict_counting` (stored nodes: the packed and sibling layouts fold single-class \
         subtrees; the sibling layout's forwarding records are steps, not decision nodes).\n"
    );
    for r in reports {
        let _ = writeln!(md, "## `{}`\n", r.target.label());
        let _ = writeln!(
            md,
            "| table | bytes | address | section | found through | data symbol | copies in image |"
        );
        let _ = writeln!(md, "|---|--:|--:|---|---|---|--:|");
        for t in &r.tables {
            // Short byte strings also occur by chance (e.g. in the baked rows).
            let copies = if t.bytes < 64 {
                "–".to_owned()
            } else {
                t.copies.to_string()
            };
            let data_symbol = t
                .data_symbol
                .as_deref()
                .map_or("–".to_owned(), |s| format!("`{s}`"));
            let _ = writeln!(
                md,
                "| {} | {} | {:#x} | {} | `{}` | {data_symbol} | {copies} |",
                t.name, t.bytes, t.addr, t.section, t.symbol
            );
        }
        let _ = writeln!(md, "\n| function executed in predict | bytes |");
        let _ = writeln!(md, "|---|--:|");
        for (name, size) in &r.code {
            let _ = writeln!(md, "| `{}` | {size} |", name.replace('|', "\\|"));
        }
        let _ = writeln!(
            md,
            "\n{} predictions, {} instructions in predict, {} decision nodes visited.\n",
            r.window.calls, r.window.insns, r.nodes_visited
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_m4f_also_runs_the_dense_and_sibling_layouts() {
        let labels = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
            Options::parse(&args)
                .unwrap()
                .targets
                .iter()
                .map(Target::label)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            labels(&[]),
            [
                "thumbv7em-none-eabihf",
                "thumbv7em-none-eabihf (dense)",
                "thumbv7em-none-eabihf (sibling)",
                "thumbv7m-none-eabi",
                "thumbv6m-none-eabi"
            ]
        );
        assert_eq!(
            labels(&["--target", "thumbv6m-none-eabi"]),
            ["thumbv6m-none-eabi"]
        );
        assert_eq!(
            labels(&["--target", "thumbv7em-none-eabihf", "--no-size"]),
            [
                "thumbv7em-none-eabihf",
                "thumbv7em-none-eabihf (dense)",
                "thumbv7em-none-eabihf (sibling)"
            ]
        );
    }

    #[test]
    fn reads_cargo_json_strings() {
        let line = r#"{"reason":"build-script-executed","package_id":"path+file:///a/firmware-example#0.1.0","out_dir":"/x/\"q\"/out"}"#;
        assert_eq!(json_str(line, "out_dir").as_deref(), Some("/x/\"q\"/out"));
        assert_eq!(json_str(line, "missing"), None);
    }

    #[test]
    fn reads_the_closing_tally_and_measures() {
        let run = Run {
            success: true,
            status: String::new(),
            output: "model m sha256:ab\nmeasure: rows=3 nodes_visited=12 stack_bytes=96\n3 passed, 0 failed\n"
                .into(),
        };
        assert_eq!(run.tally(), Some((3, 0)));
        assert_eq!(run.measure("nodes_visited"), Some(12));
        assert_eq!(run.measure("rows"), Some(3));
        assert_eq!(run.model(), Some(("m".into(), "ab".into())));
        assert!(run.passed_all());
        let failed = Run {
            success: false,
            status: String::new(),
            output: "0 passed, 3 failed\n".into(),
        };
        assert!(!failed.passed_all());
    }
}
