//! Function-app commands: `package`, `bench-http`.
//!
//! * `cargo xtask package` builds the static `x86_64-unknown-linux-musl`
//!   handler, zips it with `host.json`, `predict/function.json` and a
//!   `manifest.json` (model name, fingerprint, crate version) into
//!   `<target>/function-app.zip`, then unpacks the zip and smoke-tests the
//!   handler from it: readiness, a prediction in both modes, a bad request,
//!   SIGTERM → exit 0.
//! * `cargo xtask bench-http` load-tests the release handler on loopback with
//!   `wrk` (1-row and 100-row predictions next to `GET /api/health`) and
//!   measures cold start; prints a Markdown table and writes
//!   `<target>/bench-http.md`. `--musl` benchmarks the packaged static
//!   handler instead of the host build (`<target>/bench-http-musl.md`).

use crate::util::{self, cargo, ensure_targets, root};
use anyhow::{Context, Result, bail, ensure};
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MUSL: &str = "x86_64-unknown-linux-musl";
const HANDLER: &str = "function-app";

pub fn run(command: &str, args: &[String]) -> Result<()> {
    match command {
        "package" => {
            if let Some(arg) = args.first() {
                bail!("`package` takes no arguments, got `{arg}`");
            }
            package()
        }
        "bench-http" => bench(&BenchArgs::parse(args)?),
        other => bail!("unknown app command `{other}`"),
    }
}

/// The cargo target directory (`CARGO_TARGET_DIR` or `<root>/target`).
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => root().join("target"),
    }
}

/// What `function-app --model-info` prints.
#[derive(Debug, Clone)]
struct ModelInfo {
    name: String,
    fingerprint: String,
    version: String,
}

fn model_info(handler: &Path) -> Result<ModelInfo> {
    let out = Command::new(handler)
        .arg("--model-info")
        .output()
        .with_context(|| format!("running {} --model-info", handler.display()))?;
    ensure!(
        out.status.success(),
        "{} --model-info failed: {}",
        handler.display(),
        out.status
    );
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("--model-info prints JSON")?;
    let field = |k: &str| {
        json[k]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("--model-info has no `{k}`: {json}"))
    };
    Ok(ModelInfo {
        name: field("name")?,
        fingerprint: field("fingerprint")?,
        version: field("version")?,
    })
}

// ---------------------------------------------------------------- package

/// Builds the static musl handler (stripped of debug info) and returns its path.
fn build_musl() -> Result<PathBuf> {
    ensure_targets(&[MUSL])?;
    let mut build = cargo();
    build
        .args(["build", "--release", "-p", "function-app", "--target", MUSL])
        // The deployed handler needs no debug info: a smaller zip, a faster cold start.
        .env("CARGO_PROFILE_RELEASE_STRIP", "debuginfo");
    if let Err(e) = util::run(&mut build) {
        // Pure-Rust dependencies link with the target's self-contained C
        // runtime; only a C dependency would need musl-gcc. Install it and
        // retry once rather than failing on a fresh machine.
        if Command::new("musl-gcc").arg("--version").output().is_ok() {
            return Err(e);
        }
        eprintln!("musl build failed ({e}); installing musl-tools and retrying");
        util::run(Command::new("apt-get").args(["install", "-y", "musl-tools"]))?;
        util::run(&mut build)?;
    }
    let handler = target_dir().join(MUSL).join("release").join(HANDLER);
    ensure!(
        is_static_elf(&handler)?,
        "{} is dynamically linked (has an ELF interpreter)",
        handler.display()
    );
    Ok(handler)
}

fn package() -> Result<()> {
    let handler = build_musl()?;
    let target = target_dir();
    let info = model_info(&handler)?;

    let app_dir = root().join("function-app");
    let host_json = fs::read(app_dir.join("host.json")).context("reading host.json")?;
    let function_json =
        fs::read(app_dir.join("predict/function.json")).context("reading function.json")?;
    let exe_path = serde_json::from_slice::<serde_json::Value>(&host_json)
        .context("host.json is JSON")?["customHandler"]["description"]["defaultExecutablePath"]
        .as_str()
        .map(str::to_owned)
        .context("host.json names no customHandler.description.defaultExecutablePath")?;
    ensure!(
        exe_path == HANDLER,
        "host.json runs `{exe_path}`, the package ships `{HANDLER}`"
    );
    let manifest = serde_json::to_vec_pretty(&serde_json::json!({
        "model": info.name,
        "fingerprint": info.fingerprint,
        "version": info.version,
        "target": MUSL,
        "handler": HANDLER,
    }))?;
    let handler_bytes = fs::read(&handler).context("reading the handler")?;

    let zip_path = target.join("function-app.zip");
    write_zip(
        &zip_path,
        &[
            ("host.json", &host_json, 0o644),
            ("predict/function.json", &function_json, 0o644),
            ("manifest.json", &manifest, 0o644),
            (HANDLER, &handler_bytes, 0o755),
        ],
    )?;
    eprintln!(
        "wrote {} ({} bytes): model {} version {}",
        zip_path.display(),
        fs::metadata(&zip_path)?.len(),
        info.name,
        info.version
    );

    smoke_test_zip(&zip_path, &target.join("function-app-smoke"), &info)?;
    // For the workflow: the fingerprint a reviewer approves and the deploy
    // job checks against `GET /api/model`.
    fs::write(
        target.join("function-app.fingerprint"),
        format!("{}\n", info.fingerprint),
    )?;
    println!("fingerprint {}", info.fingerprint);
    println!("{}", zip_path.display());
    Ok(())
}

fn write_zip(path: &Path, entries: &[(&str, &[u8], u32)]) -> Result<()> {
    use zip::write::SimpleFileOptions;
    let tmp = path.with_extension("zip.tmp");
    let file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    for (name, bytes, mode) in entries {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(*mode)
            // A fixed time keeps the zip byte-identical for the same inputs.
            .last_modified_time(zip::DateTime::default());
        zip.start_file(*name, options)?;
        zip.write_all(bytes)?;
    }
    zip.finish()?;
    fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// `true` if the ELF file has no `PT_INTERP` program header (static).
fn is_static_elf(path: &Path) -> Result<bool> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    ensure!(
        bytes.len() > 64 && bytes[..4] == *b"\x7fELF" && bytes[4] == 2,
        "{} is not a 64-bit ELF file",
        path.display()
    );
    let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(bytes[0x20..0x28].try_into()?) as usize;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    for i in 0..phnum {
        let at = phoff + i * phentsize;
        let p_type = bytes.get(at..at + 4).context("truncated program header")?;
        if u32::from_le_bytes(p_type.try_into()?) == 3 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Unpacks the zip and runs the handler from it as the host would.
fn smoke_test_zip(zip_path: &Path, dir: &Path, info: &ModelInfo) -> Result<()> {
    eprintln!(
        "smoke-testing the handler unpacked from {}",
        zip_path.display()
    );
    if dir.exists() {
        fs::remove_dir_all(dir)?;
    }
    fs::create_dir_all(dir)?;
    let mut archive = zip::ZipArchive::new(fs::File::open(zip_path)?)?;
    let mut names: Vec<String> = archive
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    ensure!(
        names
            == [
                "function-app",
                "host.json",
                "manifest.json",
                "predict/function.json"
            ],
        "unexpected zip contents: {names:?}"
    );
    {
        let entry = archive.by_name(HANDLER)?;
        ensure!(
            entry.unix_mode().is_some_and(|m| m & 0o111 == 0o111),
            "the handler's zip entry is not executable: {:?}",
            entry.unix_mode()
        );
    }
    let mut manifest = String::new();
    archive
        .by_name("manifest.json")?
        .read_to_string(&mut manifest)?;
    ensure!(
        manifest.contains(&info.fingerprint),
        "manifest lacks the fingerprint"
    );
    archive.extract(dir)?;
    let handler = dir.join(HANDLER);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&handler)?.permissions().mode();
        ensure!(
            mode & 0o111 != 0,
            "unpacked handler is not executable ({mode:o})"
        );
    }

    let port = free_port()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut child = Command::new(&handler)
        .current_dir(dir)
        .env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting the unpacked handler")?;
    let result = (|| -> Result<()> {
        wait_ready(addr, &mut child, Duration::from_secs(10))?;
        let reply = http(
            addr,
            "POST",
            "/api/predict",
            "[[0.5, -1.0, 0.25], [-2, 1, 0]]",
        )?;
        ensure!(
            reply.status == 200,
            "prediction answered {}: {}",
            reply.status,
            reply.body
        );
        ensure!(
            reply.header("x-model-fingerprint") == Some(info.fingerprint.as_str()),
            "prediction lacks the fingerprint header: {}",
            reply.head
        );
        let labels: Vec<i64> = serde_json::from_str(&reply.body)?;
        ensure!(labels.len() == 2, "two rows, {} labels", labels.len());
        let invoke = serde_json::json!({
            "Data": {"req": {"Method": "POST", "Query": {}, "Headers": {}, "Params": {}, "Url": "",
                             "Body": "[[0.5, -1.0, 0.25]]"}},
            "Metadata": {}
        })
        .to_string();
        let reply = http(addr, "POST", "/predict", &invoke)?;
        ensure!(
            reply.status == 200 && reply.body.contains("\"statusCode\":200"),
            "invoke answered {}: {}",
            reply.status,
            reply.body
        );
        let reply = http(addr, "POST", "/api/predict", "[[1, 2]]")?;
        ensure!(
            reply.status == 400 && reply.body.contains("row 0 has 2 values"),
            "bad request answered {}: {}",
            reply.status,
            reply.body
        );
        let status = terminate(&mut child)?;
        ensure!(
            status.code() == Some(0),
            "handler exited with {status} after SIGTERM"
        );
        Ok(())
    })();
    if result.is_err() {
        let _ = child.kill();
        let _ = child.wait();
    }
    result?;
    eprintln!(
        "smoke test passed: readiness, prediction (both modes), bad request, SIGTERM → exit 0"
    );
    Ok(())
}

// ---------------------------------------------------------------- HTTP helpers

/// A loopback port that was free a moment ago.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// One HTTP/1.1 request over a fresh connection (`Connection: close`).
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("incomplete HTTP response")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no HTTP status line")?;
    Ok(Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    })
}

/// Polls `GET /` until it answers (the host's readiness check).
fn wait_ready(addr: SocketAddr, child: &mut Child, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(reply) = http(addr, "GET", "/", "") {
            ensure!(reply.status == 200, "readiness answered {}", reply.status);
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("the handler exited before it was ready: {status}");
        }
        ensure!(
            Instant::now() < deadline,
            "the handler was not ready within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sends SIGTERM and waits (at most 10 s) for the exit status.
fn terminate(child: &mut Child) -> Result<std::process::ExitStatus> {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .context("running kill")?;
    ensure!(status.success(), "kill -TERM failed");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the handler did not exit within 10 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ---------------------------------------------------------------- bench-http

#[derive(Debug, Clone, Copy)]
struct BenchArgs {
    musl: bool,
    seconds: u32,
    connections: u32,
    threads: u32,
    cold_runs: usize,
}

impl BenchArgs {
    fn parse(args: &[String]) -> Result<BenchArgs> {
        let mut parsed = BenchArgs {
            musl: false,
            seconds: 5,
            connections: 16,
            threads: 1,
            cold_runs: 11,
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let mut value = || it.next().with_context(|| format!("`{flag}` needs a value"));
            match flag.as_str() {
                "--musl" => parsed.musl = true,
                "--seconds" => parsed.seconds = value()?.parse()?,
                "--connections" => parsed.connections = value()?.parse()?,
                "--threads" => parsed.threads = value()?.parse()?,
                "--cold-runs" => parsed.cold_runs = value()?.parse()?,
                other => bail!(
                    "unknown bench-http flag `{other}` (--musl, --seconds N, --connections N, --threads N, --cold-runs N)"
                ),
            }
        }
        ensure!(
            (1..=60).contains(&parsed.seconds),
            "--seconds must be 1..=60 (bounded load)"
        );
        ensure!(
            (1..=256).contains(&parsed.connections),
            "--connections must be 1..=256"
        );
        ensure!(
            (1..=101).contains(&parsed.cold_runs),
            "--cold-runs must be 1..=101"
        );
        Ok(parsed)
    }
}

/// One wrk run's summary.
#[derive(Debug)]
struct Load {
    requests: u64,
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    non_2xx: u64,
    errors: u64,
}

fn ensure_wrk() -> Result<()> {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    eprintln!("wrk not found; installing it with apt-get");
    if util::run(Command::new("apt-get").args(["install", "-y", "wrk"])).is_err() {
        util::run(Command::new("apt-get").arg("update"))?;
        util::run(Command::new("apt-get").args(["install", "-y", "wrk"]))?;
    }
    Ok(())
}

/// Feature rows from the held-out tutorial data, as the CSV spells them.
fn sample_rows(n: usize) -> Result<Vec<String>> {
    let path = root().join("data/seed-test.csv");
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let rows: Vec<String> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .take(n)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            // x0,x1,x2,label: drop the label.
            format!("[{}]", fields[..fields.len() - 1].join(","))
        })
        .collect();
    ensure!(
        rows.len() == n,
        "{} has fewer than {n} rows",
        path.display()
    );
    Ok(rows)
}

fn lua_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

const LUA_DONE: &str = r#"
function done(summary, latency, requests)
  local non2xx = summary.errors.status
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), non2xx, errors))
end
"#;

fn wrk(args: &BenchArgs, dir: &Path, name: &str, url: &str, body: Option<&str>) -> Result<Load> {
    let mut script = String::new();
    if let Some(body) = body {
        script.push_str("wrk.method = \"POST\"\n");
        script.push_str("wrk.headers[\"Content-Type\"] = \"application/json\"\n");
        script.push_str(&format!("wrk.body = {}\n", lua_string(body)));
    }
    script.push_str(LUA_DONE);
    let script_path = dir.join(format!("{name}.lua"));
    fs::write(&script_path, script)?;
    let out = Command::new("wrk")
        .args([
            "-t",
            &args.threads.to_string(),
            "-c",
            &args.connections.to_string(),
            "-d",
            &format!("{}s", args.seconds),
            "--timeout",
            "5s",
            "-s",
        ])
        .arg(&script_path)
        .arg(url)
        .output()
        .context("running wrk")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    ensure!(
        out.status.success(),
        "wrk failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .with_context(|| format!("wrk printed no RESULT line: {stdout}"))?;
    let nums: Vec<f64> = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    ensure!(nums.len() == 6, "bad RESULT line {line}");
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(Load {
        requests: nums[0] as u64,
        rps: nums[0] / (nums[1] / 1e6),
        p50_us: nums[2],
        p99_us: nums[3],
        non_2xx: nums[4] as u64,
        errors: nums[5] as u64,
    })
}

/// Process start → first successful prediction, one run.
fn cold_start(handler: &Path, row: &str) -> Result<Duration> {
    let port = free_port()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let body = format!("[{row}]");
    let start = Instant::now();
    let mut child = Command::new(handler)
        .env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = start + Duration::from_secs(10);
    let elapsed = loop {
        if let Ok(reply) = http(addr, "POST", "/api/predict", &body)
            && reply.status == 200
        {
            break start.elapsed();
        }
        if Instant::now() > deadline || child.try_wait()?.is_some() {
            let _ = child.kill();
            let _ = child.wait();
            bail!("no successful prediction within 10 s of starting the handler");
        }
        std::thread::sleep(Duration::from_micros(200));
    };
    let status = terminate(&mut child)?;
    ensure!(status.success(), "handler exited with {status}");
    Ok(elapsed)
}

fn bench(args: &BenchArgs) -> Result<()> {
    ensure_wrk()?;
    let target = target_dir();
    let handler = if args.musl {
        build_musl()?
    } else {
        util::run(cargo().args(["build", "--release", "-p", "function-app"]))?;
        target.join("release").join(HANDLER)
    };
    let info = model_info(&handler)?;
    let dir = target.join("bench-http");
    fs::create_dir_all(&dir)?;

    let rows = sample_rows(100)?;
    let one = format!("[{}]", rows[0]);
    let hundred = format!("[{}]", rows.join(","));
    let invoke = serde_json::json!({
        "Data": {"req": {"Url": "http://localhost:7071/api/predict", "Method": "POST", "Query": {},
                         "Headers": {"Content-Type": ["application/json"]}, "Params": {}, "Body": one}},
        "Metadata": {}
    })
    .to_string();

    let port = free_port()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut child = Command::new(&handler)
        .env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting the handler")?;
    let loads = (|| -> Result<Vec<(&str, Load)>> {
        wait_ready(addr, &mut child, Duration::from_secs(10))?;
        let base = format!("http://{addr}");
        let mut loads = Vec::new();
        // A short warm-up so the first measured run is not the one that
        // faults pages in.
        let warm = BenchArgs {
            seconds: 1,
            ..*args
        };
        wrk(&warm, &dir, "warmup", &format!("{base}/api/health"), None)?;
        for (name, path, body) in [
            ("GET /api/health (ceiling)", "/api/health", None),
            (
                "POST /api/predict, 1 row",
                "/api/predict",
                Some(one.as_str()),
            ),
            (
                "POST /predict (invoke payload), 1 row",
                "/predict",
                Some(invoke.as_str()),
            ),
            (
                "POST /api/predict, 100 rows",
                "/api/predict",
                Some(hundred.as_str()),
            ),
        ] {
            let file = path.trim_start_matches('/').replace('/', "-")
                + if name.contains("100") { "-100" } else { "" };
            let load = wrk(args, &dir, &file, &format!("{base}{path}"), body)?;
            ensure!(
                load.non_2xx == 0 && load.errors == 0,
                "{name}: {} non-2xx answers, {} socket errors",
                load.non_2xx,
                load.errors
            );
            eprintln!("{name}: {:.0} req/s", load.rps);
            loads.push((name, load));
        }
        Ok(loads)
    })();
    let stopped = terminate(&mut child);
    let loads = loads?;
    ensure!(stopped?.success(), "the handler did not exit cleanly");

    let mut cold: Vec<Duration> = (0..args.cold_runs)
        .map(|_| cold_start(&handler, &rows[0]))
        .collect::<Result<_>>()?;
    cold.sort();
    let median = cold[cold.len() / 2];

    let ceiling = loads[0].1.rps;
    let mut md = String::new();
    md.push_str("# bench-http\n\n");
    md.push_str(&format!(
        "`cargo xtask bench-http{} --seconds {} --connections {} --threads {}`: release build of \
         function-app ({}) on loopback, model `{}` (`{}…`), wrk for {} s per line after a 1 s warm-up, {} connections, \
         {} wrk thread(s); server and wrk share the machine's {} cores. Request logging on (to /dev/null).\n\n",
        if args.musl { " --musl" } else { "" },
        args.seconds,
        args.connections,
        args.threads,
        if args.musl { "static musl, as packaged" } else { "host target" },
        info.name,
        &info.fingerprint[..16],
        args.seconds,
        args.connections,
        args.threads,
        std::thread::available_parallelism().map_or(0, usize::from),
    ));
    md.push_str(
        "| request | req/s | rows/s | p50 | p99 | vs ceiling |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for (name, load) in &loads {
        let rows_per = if name.contains("100 rows") {
            100.0
        } else if name.contains("1 row") {
            1.0
        } else {
            0.0
        };
        md.push_str(&format!(
            "| {name} | {:.0} | {} | {:.0} µs | {:.0} µs | {:.0}% |\n",
            load.rps,
            if rows_per > 0.0 {
                format!("{:.0}", load.rps * rows_per)
            } else {
                "–".to_owned()
            },
            load.p50_us,
            load.p99_us,
            100.0 * load.rps / ceiling,
        ));
    }
    md.push_str(&format!(
        "\nCold start (process start → first successful 1-row prediction, polling every 0.2 ms), \
         {} runs: median **{:.1} ms**, min {:.1} ms, max {:.1} ms.\n",
        cold.len(),
        median.as_secs_f64() * 1e3,
        cold[0].as_secs_f64() * 1e3,
        cold[cold.len() - 1].as_secs_f64() * 1e3,
    ));
    let total: u64 = loads.iter().map(|(_, l)| l.requests).sum();
    md.push_str(&format!("\n{total} requests measured, all 2xx.\n"));
    print!("{md}");
    let out = target.join(if args.musl {
        "bench-http-musl.md"
    } else {
        "bench-http.md"
    });
    fs::write(&out, &md)?;
    eprintln!("wrote {}", out.display());
    Ok(())
}
