//! The npm and PyPI emulators the conformance and preflight tests run as separate processes:
//! kinesalite and kinesis-local (= kinesis-mock) for Kinesis behaviour ferrokinesis does not model,
//! moto_server for EC2/STS. `tests/run.sh` installs them under `target/emulators/`; a missing one is
//! a failing test that says how to install it.

use crate::ChildGuard;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where `tests/run.sh` installs the emulators (override with `KS_EMULATORS_DIR`).
pub fn emulators_dir() -> PathBuf {
    std::env::var_os("KS_EMULATORS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target").join("emulators"))
}

/// A free loopback port (bound and released; good enough for a child that binds it next).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A running emulator process, stopped when dropped.
pub struct Emulator {
    pub name: &'static str,
    pub endpoint: String,
    _guard: ChildGuard,
}

fn npm_main(package: &str, main: &str) -> PathBuf {
    let path = emulators_dir()
        .join("npm/node_modules")
        .join(package)
        .join(main);
    assert!(
        path.exists(),
        "the {package} emulator is not installed at {}: run `bash tests/run.sh` (it runs \
         `npm install --prefix target/emulators/npm kinesalite@3.3.3 kinesis-local@0.6.2`)",
        path.display()
    );
    path
}

fn wait_for_http(name: &str, port: u16, guard: &mut ChildGuard, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Some(status) = guard.try_wait() {
            panic!("{name} exited before it listened on port {port}: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{name} did not listen on 127.0.0.1:{port} within {timeout:?}");
}

impl Emulator {
    /// moto's APIs, to set up EC2 resources and IAM users (only on [`Emulator::moto`]).
    pub fn api(&self) -> crate::moto::Moto {
        assert_eq!(self.name, "moto_server", "api() is moto's");
        let port = self
            .endpoint
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("moto's endpoint ends with its port");
        crate::moto::Moto { port }
    }

    /// kinesalite 3.3.3 (binds `::`, so reachable on 127.0.0.1; no host option exists).
    pub fn kinesalite() -> Emulator {
        crate::require_tool("node", "nodejs");
        let main = npm_main("kinesalite", "cli.js");
        let port = free_port();
        let mut guard = ChildGuard::spawn(
            "kinesalite",
            Command::new("node")
                .arg(main)
                .args(["--port", &port.to_string()])
                .args([
                    "--createStreamMs",
                    "0",
                    "--deleteStreamMs",
                    "0",
                    "--updateStreamMs",
                    "0",
                ])
                .args(["--shardLimit", "1000"])
                .stdout(Stdio::null())
                .stderr(Stdio::inherit()),
        )
        .expect("start kinesalite");
        wait_for_http("kinesalite", port, &mut guard, Duration::from_secs(30));
        Emulator {
            name: "kinesalite",
            endpoint: format!("http://127.0.0.1:{port}"),
            _guard: guard,
        }
    }

    /// kinesis-local 0.6.2 (kinesis-mock compiled to JS): real MillisBehindLatest, ChildShards,
    /// UpdateShardCount lineage. Plain HTTP port only.
    pub fn kinesis_local() -> Emulator {
        crate::require_tool("node", "nodejs");
        let main = npm_main("kinesis-local", "main.js");
        let cert = main.with_file_name("server.json");
        let port = free_port();
        let tls_port = free_port();
        let mut guard = ChildGuard::spawn(
            "kinesis-local",
            Command::new("node")
                .arg(&main)
                .env("KINESIS_MOCK_PLAIN_PORT", port.to_string())
                .env("KINESIS_MOCK_TLS_PORT", tls_port.to_string())
                .env("KINESIS_MOCK_CERT_PATH", &cert)
                .env("CREATE_STREAM_DURATION", "0ms")
                .env("DELETE_STREAM_DURATION", "0ms")
                .env("UPDATE_SHARD_COUNT_DURATION", "0ms")
                .env("REGISTER_STREAM_CONSUMER_DURATION", "0ms")
                .env("SHARD_LIMIT", "1000")
                .env("LOG_LEVEL", "WARN")
                .current_dir(main.parent().expect("package dir"))
                .stdout(Stdio::null())
                .stderr(Stdio::inherit()),
        )
        .expect("start kinesis-local");
        wait_for_http("kinesis-local", port, &mut guard, Duration::from_secs(60));
        Emulator {
            name: "kinesis-local",
            endpoint: format!("http://127.0.0.1:{port}"),
            _guard: guard,
        }
    }

    /// moto_server 5.2.5 (EC2, STS, …) on 127.0.0.1.
    pub fn moto() -> Emulator {
        let bin = emulators_dir().join("venv/bin/moto_server");
        assert!(
            bin.exists(),
            "moto_server is not installed at {}: run `bash tests/run.sh` (it creates the venv and \
             runs `pip install moto[server]==5.2.5`)",
            bin.display()
        );
        let port = free_port();
        let mut guard = ChildGuard::spawn(
            "moto_server",
            Command::new(bin)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .expect("start moto_server");
        wait_for_http("moto_server", port, &mut guard, Duration::from_secs(60));
        // moto builds a region's EC2 backend (default VPC, AMIs, instance types) on its first EC2
        // call: 3 s on an idle machine, over the clients' 10 s timeout on a loaded CI machine.
        // Pay it here, with time to spare, so tests time only their own calls.
        for (service, action) in [
            ("ec2", "Action=DescribeSecurityGroups&Version=2016-11-15"),
            ("sts", "Action=GetCallerIdentity&Version=2011-06-15"),
        ] {
            let (status, answer) =
                crate::moto::Moto { port }.post(service, action, Duration::from_secs(120));
            assert!(
                status == 200,
                "moto_server's first {service} call failed: HTTP {status}: {answer}"
            );
        }
        Emulator {
            name: "moto_server",
            endpoint: format!("http://127.0.0.1:{port}"),
            _guard: guard,
        }
    }
}

/// The Python of the emulators' venv (moto, boto3, aws-kinesis-agg), checked to import `module`;
/// a missing one fails with how to install it.
pub fn venv_python(module: &str) -> PathBuf {
    let python = emulators_dir().join("venv/bin/python");
    let ok = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{} cannot import {module}: run `bash tests/run.sh` (it creates the venv and runs \
         `pip install moto[server]==5.2.5 aws_kinesis_agg==1.2.3`)",
        python.display()
    );
    python
}

/// A script of `tests/producers/` (producers written the way users write them).
pub fn producer_script(name: &str) -> PathBuf {
    let path = crate::workspace_root().join("tests/producers").join(name);
    assert!(path.exists(), "{} is missing", path.display());
    path
}
