//! Runs the real `starrocks-sim` binary and talks to it with the real `mysql` and `curl` clients,
//! exactly as StarRocks' docs do.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "s3cret-pw";

pub struct SimProcess {
    child: Child,
    pub mysql_port: u16,
    pub http_port: u16,
    pub be_port: u16,
    pub args: Vec<String>,
}

/// Fails with an install hint when a client the tests need is missing (never skips).
pub fn require(cmd: &str, package: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "`{cmd}` is not installed: run `apt-get install {package}` (tests/run.sh does this)"
    );
}

fn port_of(addr: &str) -> u16 {
    addr.rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port in the ready line")
}

impl SimProcess {
    /// Starts the binary on free ports with `extra` flags and waits for its ready line.
    pub fn start(extra: &[&str]) -> SimProcess {
        let mut args: Vec<String> = [
            "--mysql-port",
            "0",
            "--http-port",
            "0",
            "--be-port",
            "0",
            "--user",
            "root",
            "--password",
            PASSWORD,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        Self::start_with(args)
    }

    pub fn start_with(args: Vec<String>) -> SimProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_starrocks-sim"))
            .args(&args)
            .env("RUST_LOG", "starrocks_sim=warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn starrocks-sim");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("ready line");
        assert!(
            line.starts_with("starrocks-sim ready:"),
            "unexpected first line: {line:?}"
        );
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(&format!("{name}=")))
                .map(port_of)
                .expect("address in the ready line")
        };
        SimProcess {
            mysql_port: field("mysql"),
            http_port: field("http"),
            be_port: field("be"),
            child,
            args,
        }
    }

    /// Runs SQL through the `mysql` CLI (`-N -B`: tab-separated, no headers).
    pub fn mysql(&self, sql: &str) -> String {
        let out = self.mysql_raw(&["-N", "-B", "-e", sql], PASSWORD);
        assert!(
            out.status.success(),
            "mysql -e {sql:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    pub fn mysql_raw(&self, args: &[&str], password: &str) -> Output {
        require("mysql", "mariadb-client");
        Command::new("mysql")
            .args([
                "-h",
                "127.0.0.1",
                "-P",
                &self.mysql_port.to_string(),
                "-u",
                "root",
            ])
            .arg(format!("-p{password}"))
            .args(args)
            .output()
            .expect("run mysql")
    }

    pub fn load_url(&self, db: &str, table: &str) -> String {
        format!(
            "http://127.0.0.1:{}/api/{db}/{table}/_stream_load",
            self.http_port
        )
    }

    pub fn count(&self, table: &str) -> u64 {
        self.mysql(&format!("select count(*) from {table}"))
            .parse()
            .expect("a count")
    }

    /// SIGKILL, like a crash.
    pub fn kill(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::take(&mut self.args)
    }

    /// SIGTERM and wait: a clean stop.
    pub fn stop(mut self) -> Vec<String> {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::take(&mut self.args)
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The result of one curl call: HTTP status of the last response, its headers and body.
#[derive(Debug)]
pub struct CurlResult {
    pub exit_code: i32,
    pub status: u16,
    pub headers: String,
    pub body: String,
    pub stderr: String,
}

impl CurlResult {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Runs curl with `args`, capturing the last response's headers (`-D`) and body.
pub fn curl(args: &[&str]) -> CurlResult {
    require("curl", "curl");
    let dir = tempfile::tempdir().expect("tempdir");
    let headers_path = dir.path().join("headers");
    let out = Command::new("curl")
        .args(["-sS", "-D"])
        .arg(&headers_path)
        .args(["-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("run curl");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = stdout.rsplit_once('\n').unwrap_or(("", stdout.as_str()));
    let headers = std::fs::read_to_string(&headers_path).unwrap_or_default();
    CurlResult {
        exit_code: out.status.code().unwrap_or(-1),
        status: code.trim().parse().unwrap_or(0),
        headers,
        body: body.to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

/// Writes `content` to a file in `dir` and returns its path.
pub fn write_file(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write fixture");
    p
}

/// The seed's DDL, verbatim (the same file the MySQL CLI test feeds to `mysql`).
pub const SEED_DDL: &str = include_str!("../fixtures/seed_ddl.sql");

/// Records shaped like the AWS getting-started `stock.py`: `event_time` ISO-8601 with
/// microseconds, `ticker`, `price`.
pub fn stock_records(n: usize, offset: usize) -> Vec<serde_json::Value> {
    let tickers = ["AAPL", "AMZN", "MSFT", "INTC", "TBV"];
    (0..n)
        .map(|i| {
            let k = i + offset;
            serde_json::json!({
                "event_time": format!("2024-05-28T19:{:02}:{:02}.{:06}", (k / 60) % 60, k % 60, k % 1_000_000),
                "ticker": tickers[k % tickers.len()],
                "price": (k % 10_000) as f64 / 100.0,
            })
        })
        .collect()
}
