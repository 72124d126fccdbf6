//! The real executable on loopback: it starts, answers readiness, a
//! prediction and a bad request, finishes a request that is in flight when
//! SIGTERM arrives, and exits 0.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Kills the child if the test fails before it exits.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra_args: &[&str]) -> Server {
    start_with_env(extra_args, &[])
}

fn start_with_env(extra_args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_function-app"))
        .args(["--port", "0"])
        .args(extra_args)
        .env("RUST_LOG", "info")
        .env_remove("FUNCTIONS_CUSTOMHANDLER_PORT")
        .env_remove("FOREST_MAX_ROWS")
        .env_remove("FOREST_MAX_BODY_BYTES")
        .env_remove("FOREST_BIND")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the handler starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Own the child first, so a failure below still kills it.
    let mut server = Server {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        log: rx,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    server.addr = loop {
        let line = server
            .log
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the handler logs `listening` within 20 s");
        if let Some(addr) = listening_addr(&line) {
            break addr;
        }
    };
    server
}

/// The address in the `listening` log line, text (`addr=…`) or JSON (`"addr":"…"`).
fn listening_addr(line: &str) -> Option<SocketAddr> {
    if !line.contains("listening") {
        return None;
    }
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(line) {
        return json["addr"].as_str()?.parse().ok();
    }
    line.split("addr=")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Sends raw HTTP/1.1 text and returns (status, head, body).
fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    read_response(&mut stream)
}

fn read_response(stream: &mut TcpStream) -> (u16, String, String) {
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("read");
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    (status, head.to_ascii_lowercase(), body.to_owned())
}

#[test]
fn binary_serves_and_shuts_down_gracefully() {
    let mut server = start(&[]);
    let addr = server.addr;

    // Readiness, as the host polls it.
    let (status, _, body) = request(addr, "GET", "/", "");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ready"));

    // A prediction: one label per row, the fingerprint in a header.
    let (status, head, body) = request(
        addr,
        "POST",
        "/api/predict",
        "[[0.5, -1.0, 0.25], [-2, 1, 0]]",
    );
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("x-model-fingerprint: "), "{head}");
    let labels: Vec<i64> = serde_json::from_str(&body).expect("labels");
    assert_eq!(labels.len(), 2);

    // Bad requests are 4xx and do not stop the server.
    let (status, _, body) = request(addr, "POST", "/api/predict", "[[1, 2]]");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("row 0 has 2 values"), "{body}");
    let (status, _, _) = request(addr, "POST", "/api/predict", "{not json");
    assert_eq!(status, 400);
    let (status, _, _) = request(addr, "GET", "/api/health", "");
    assert_eq!(status, 200);

    // A request in flight when SIGTERM arrives: headers and half the body
    // sent, the rest after the signal. It must still be answered.
    let body = "[[0.5, -1.0, 0.25]]";
    let (first, second) = body.split_at(8);
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "POST /api/predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .expect("write");
    stream.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(200));
    let pid = server.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    // Wait until the server has seen the signal before finishing the request.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let line = server
            .log
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the handler logs the shutdown");
        if line.contains("shutting down") {
            break;
        }
    }
    stream.write_all(second.as_bytes()).expect("write the rest");
    let (status, _, answer) = read_response(&mut stream);
    assert_eq!(status, 200, "in-flight request finished: {answer}");
    assert_eq!(
        serde_json::from_str::<Vec<i64>>(&answer)
            .expect("labels")
            .len(),
        1
    );

    // And the process exits 0.
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the handler exits within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(exit.code(), Some(0), "{exit}");
}

#[test]
fn binary_prints_its_model_info() {
    let out = Command::new(env!("CARGO_BIN_EXE_function-app"))
        .arg("--model-info")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        info["fingerprint"],
        function_app::ServedModel::baked().fingerprint
    );
    assert_eq!(info["version"], function_app::VERSION);
}

#[test]
fn binary_takes_limits_from_flags_and_environment() {
    // --max-body-bytes as a flag, the row limit from FOREST_MAX_ROWS.
    let server = start_with_env(&["--max-body-bytes", "200"], &[("FOREST_MAX_ROWS", "2")]);
    let (status, _, body) = request(server.addr, "POST", "/api/predict", "[[0,0,0],[0,0,0]]");
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = request(
        server.addr,
        "POST",
        "/api/predict",
        "[[0,0,0],[0,0,0],[0,0,0]]",
    );
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("limit of 2 rows"), "{body}");
    let big = format!("[{}[0,0,0]]", "[0,0,0],".repeat(30));
    let (status, _, body) = request(server.addr, "POST", "/api/predict", &big);
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("limit of 200 bytes"), "{body}");
    let (status, _, body) = request(server.addr, "GET", "/api/model", "");
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        json["limits"],
        serde_json::json!({"max_rows": 2, "max_body_bytes": 200})
    );
}

#[test]
fn binary_logs_one_structured_line_per_request() {
    let server = start_with_env(&["--log-format", "json"], &[]);
    let (status, _, _) = request(
        server.addr,
        "POST",
        "/api/predict",
        "[[0,0,0],[1,1,1],[2,2,2]]",
    );
    assert_eq!(status, 200);
    let (status, _, _) = request(server.addr, "POST", "/api/predict", "[[0,0]]");
    assert_eq!(status, 400);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut requests = Vec::new();
    while requests.len() < 2 {
        let line = server
            .log
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("two request log lines within 10 s");
        let json: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"));
        if json["message"] == "request" {
            requests.push(json);
        }
    }
    assert_eq!(requests[0]["status"], 200, "{}", requests[0]);
    assert_eq!(requests[0]["rows"], 3, "{}", requests[0]);
    assert_eq!(requests[0]["path"], "/api/predict");
    assert_eq!(requests[0]["method"], "POST");
    assert!(requests[0]["latency_us"].is_u64(), "{}", requests[0]);
    assert_eq!(requests[1]["status"], 400, "{}", requests[1]);
    assert!(requests[1].get("rows").is_none(), "{}", requests[1]);
}
