//! The packages, judged by the tools Debian judges them with: lintian, desktop-file-validate,
//! appstreamcli, systemd-analyze; and the packaged binary, run.

use ks_packaging_tests::{MAN_PAGES, deb_paths, packages, require_tool, run, run_ok, unpack_deb};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[test]
fn lintian_reports_no_error_or_warning() {
    require_tool("lintian", "lintian");
    let deb = &packages().deb;
    let out = run(Command::new("lintian")
        .args(["--tag-display-limit", "0"])
        .arg(deb));
    let report = String::from_utf8_lossy(&out.stdout);
    let flagged: Vec<&str> = report
        .lines()
        .filter(|l| l.starts_with("E: ") || l.starts_with("W: "))
        .collect();
    assert!(
        flagged.is_empty() && out.status.success(),
        "lintian on {} ({}):\n{report}{}",
        deb.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn deb_holds_every_file() {
    let paths = deb_paths(&packages().deb);
    let mut expected: Vec<String> = [
        "/usr/bin/kinesis-starrocks",
        "/usr/share/applications/kinesis-starrocks.desktop",
        "/usr/share/metainfo/io.github.kinesis_starrocks.metainfo.xml",
        "/usr/share/icons/hicolor/scalable/apps/kinesis-starrocks.svg",
        "/usr/share/icons/hicolor/32x32/apps/kinesis-starrocks.png",
        "/usr/share/icons/hicolor/128x128/apps/kinesis-starrocks.png",
        "/usr/share/icons/hicolor/256x256/apps/kinesis-starrocks.png",
        "/usr/lib/systemd/system/kinesis-starrocks@.service",
        "/usr/share/bash-completion/completions/kinesis-starrocks",
        "/usr/share/zsh/vendor-completions/_kinesis-starrocks",
        "/usr/share/fish/vendor_completions.d/kinesis-starrocks.fish",
        "/usr/share/doc/kinesis-starrocks/copyright",
        "/usr/share/doc/kinesis-starrocks/changelog.Debian.gz",
        "/usr/share/doc/kinesis-starrocks/README.md",
        "/usr/share/doc/kinesis-starrocks/examples/example-pipeline.toml",
    ]
    .map(String::from)
    .to_vec();
    expected.extend(MAN_PAGES.map(|m| format!("/usr/share/man/man1/{m}")));
    let missing: Vec<&String> = expected.iter().filter(|e| !paths.contains(e)).collect();
    assert!(
        missing.is_empty(),
        "missing from the .deb: {missing:?}\nit holds: {paths:#?}"
    );
    // The packaging-only command stays out of the man pages.
    assert!(
        !paths.iter().any(|p| p.contains("generate-assets")),
        "{paths:#?}"
    );
}

/// The completions and man pages come from the real CLI: they know its subcommands and options,
/// and not the packaging hook that wrote them.
#[test]
fn completions_and_man_pages_describe_the_cli() {
    let root = unpack_deb(&packages().deb);
    for completion in [
        "usr/share/bash-completion/completions/kinesis-starrocks",
        "usr/share/zsh/vendor-completions/_kinesis-starrocks",
        "usr/share/fish/vendor_completions.d/kinesis-starrocks.fish",
    ] {
        let text = std::fs::read_to_string(root.path().join(completion)).unwrap();
        // Long options without their dashes: fish writes them `-l log-format`.
        for word in [
            "init-table",
            "import-kda",
            "flink",
            "log-format",
            "stop-when-caught-up",
        ] {
            assert!(text.contains(word), "{word} missing in {completion}");
        }
        assert!(!text.contains("generate-assets"), "{completion}");
    }
    require_tool("man", "man-db");
    let page = root
        .path()
        .join("usr/share/man/man1/kinesis-starrocks-run.1.gz");
    let out = run_ok(
        Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANWIDTH", "100")
            // man-db keeps the bold/underline overstrikes when this is set at all, to any value.
            .env_remove("MAN_KEEP_FORMATTING"),
    );
    let text = without_overstrike(&String::from_utf8_lossy(&out.stdout));
    for word in ["--config", "--log-format", "--metrics-addr", "json"] {
        assert!(
            text.contains(word),
            "{word} missing in man kinesis-starrocks-run:\n{text}"
        );
    }
}

#[test]
fn desktop_entry_and_metainfo_validate() {
    require_tool("desktop-file-validate", "desktop-file-utils");
    require_tool("appstreamcli", "appstream");
    let root = unpack_deb(&packages().deb);
    let desktop = root
        .path()
        .join("usr/share/applications/kinesis-starrocks.desktop");
    let out = run_ok(Command::new("desktop-file-validate").arg(&desktop));
    // It exits 0 on warnings and hints too: any output is a finding.
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.trim().is_empty(), "desktop-file-validate: {said}");

    let metainfo = root
        .path()
        .join("usr/share/metainfo/io.github.kinesis_starrocks.metainfo.xml");
    let out = run_ok(
        Command::new("appstreamcli")
            .args(["validate", "--no-net"])
            .arg(&metainfo),
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        !report
            .lines()
            .any(|l| l.starts_with("E: ") || l.starts_with("W: ")),
        "appstreamcli validate: {report}"
    );
}

#[test]
fn packaged_binary_runs() {
    let root = unpack_deb(&packages().deb);
    let bin = root.path().join("usr/bin/kinesis-starrocks");
    let out = run_ok(Command::new(&bin).arg("--version"));
    let version = String::from_utf8_lossy(&out.stdout);
    assert!(
        version.starts_with(&format!("kinesis-starrocks {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let out = run_ok(Command::new(&bin).arg("--help"));
    let help = String::from_utf8_lossy(&out.stdout);
    for command in ["run", "check", "sample", "init-table", "secret", "export"] {
        assert!(
            help.contains(&format!("  {command} ")),
            "{command} in:\n{help}"
        );
    }
    let out = run_ok(Command::new(&bin).args(["run", "--help"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--log-format"));
}

/// `systemd-analyze verify --root` reads the unit from the unpacked package and checks that
/// ExecStart's binary exists there; the units it depends on (multi-user.target,
/// network-online.target, …) come from this machine's systemd.
#[test]
fn unit_passes_systemd_analyze_verify() {
    require_tool("systemd-analyze", "systemd");
    let root = unpack_deb(&packages().deb);
    let units = root.path().join("usr/lib/systemd/system");
    run_ok(
        Command::new("cp")
            .args(["-r", "--no-clobber", "/usr/lib/systemd/system/."])
            .arg(&units),
    );
    let verify = |root: &Path| {
        run(Command::new("systemd-analyze")
            .arg("verify")
            .arg(format!("--root={}", root.display()))
            .arg("kinesis-starrocks@stock.service"))
    };
    let out = verify(root.path());
    let said = String::from_utf8_lossy(&out.stderr);
    // Unknown keys and bad values are only warnings (exit 0): any output is a finding.
    assert!(
        out.status.success() && said.trim().is_empty(),
        "systemd-analyze verify ({}):\n{said}",
        out.status
    );

    // The control: without the binary in place, the same check fails.
    std::fs::remove_file(root.path().join("usr/bin/kinesis-starrocks")).unwrap();
    let out = verify(root.path());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && said.contains("/usr/bin/kinesis-starrocks"),
        "{said}"
    );
}

#[test]
fn tarball_holds_everything_and_runs() {
    let tarball = &packages().tarball;
    let name = tarball
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".tar.gz"))
        .expect("<name>.tar.gz");
    let out = run_ok(Command::new("tar").arg("-tzf").arg(tarball));
    let listed = String::from_utf8_lossy(&out.stdout);
    let mut expected: Vec<String> = [
        "README.md",
        "LICENSE",
        "bin/kinesis-starrocks",
        "systemd/kinesis-starrocks@.service",
        "share/applications/kinesis-starrocks.desktop",
        "share/metainfo/io.github.kinesis_starrocks.metainfo.xml",
        "share/icons/hicolor/scalable/apps/kinesis-starrocks.svg",
        "share/icons/hicolor/256x256/apps/kinesis-starrocks.png",
        "share/bash-completion/completions/kinesis-starrocks",
        "share/zsh/site-functions/_kinesis-starrocks",
        "share/fish/vendor_completions.d/kinesis-starrocks.fish",
        "share/doc/kinesis-starrocks/example-pipeline.toml",
    ]
    .map(String::from)
    .to_vec();
    expected.extend(MAN_PAGES.map(|m| format!("share/man/man1/{m}")));
    let missing: Vec<&String> = expected
        .iter()
        .filter(|e| !listed.lines().any(|l| l == format!("{name}/{e}")))
        .collect();
    assert!(
        missing.is_empty(),
        "missing from {name}: {missing:?}\n{listed}"
    );

    let dir = tempfile::tempdir().unwrap();
    run_ok(
        Command::new("tar")
            .arg("-xzf")
            .arg(tarball)
            .arg("-C")
            .arg(dir.path()),
    );
    let top = dir.path().join(name);
    let out = run_ok(Command::new(top.join("bin/kinesis-starrocks")).arg("--version"));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("kinesis-starrocks "));
    run_ok(Command::new(top.join("bin/kinesis-starrocks")).arg("--help"));
    // Installed under /usr/local, the unit must start the binary from there.
    let unit = std::fs::read_to_string(top.join("systemd/kinesis-starrocks@.service")).unwrap();
    assert!(
        unit.contains("\nExecStart=/usr/local/bin/kinesis-starrocks run "),
        "{unit}"
    );
}

/// `run --log-format json`: every log line on stderr is one JSON object (timestamp, level,
/// message), from the first ("password from …") through the cluster warning and the status
/// line to the stop. The pipeline points at closed ports, so it stalls and is stopped with
/// SIGTERM, as systemd stops it.
#[test]
fn run_logs_json_lines() {
    let lines = run_unreachable_pipeline("json");
    let logs: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {l}\nall:\n{lines:#?}"))
        })
        .collect();
    for log in &logs {
        for key in ["timestamp", "level", "message", "target"] {
            assert!(log.get(key).is_some(), "{key} missing in {log}");
        }
    }
    let has = |level: &str, text: &str| {
        logs.iter()
            .any(|l| l["level"] == level && l["message"].as_str().unwrap_or("").contains(text))
    };
    assert!(has("INFO", "password from"), "{lines:#?}");
    assert!(has("WARN", "did not answer"), "{lines:#?}");
    assert!(has("INFO", "stalled"), "{lines:#?}");
    assert!(has("INFO", "stopping"), "{lines:#?}");
}

/// The error that ends a run is a JSON line too, not a bare `error: …`.
#[test]
fn run_reports_its_fatal_error_as_json() {
    let root = unpack_deb(&packages().deb);
    let out = run(
        Command::new(root.path().join("usr/bin/kinesis-starrocks")).args([
            "run",
            "--config",
            "/nonexistent/stock.toml",
            "--log-format",
            "json",
        ]),
    );
    assert_eq!(out.status.code(), Some(2), "bad config: exit 2");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let log: serde_json::Value = serde_json::from_str(lines[0]).expect("a JSON line");
    assert_eq!(log["level"], "ERROR", "{log}");
    assert!(
        log["message"]
            .as_str()
            .is_some_and(|m| m.contains("/nonexistent/stock.toml")),
        "{log}"
    );
}

/// The default stays text: the same run without the flag logs no JSON.
#[test]
fn run_logs_text_by_default() {
    let lines = run_unreachable_pipeline("");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("INFO") && l.contains("password from")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_err()),
        "{lines:#?}"
    );
}

/// Runs the packaged binary on a pipeline whose Kinesis and StarRocks ports are closed, until its
/// status line says it stalled, then stops it with SIGTERM; returns its stderr lines.
/// `log_format` "" leaves the flag out.
fn run_unreachable_pipeline(log_format: &str) -> Vec<String> {
    let root = unpack_deb(&packages().deb);
    let work = tempfile::tempdir().unwrap();
    // A port nothing listens on: bound, then released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = work.path().join("stock.toml");
    std::fs::write(
        &config,
        format!(
            r#"name = "stock"
state-dir = "{state}"
[source]
stream = "ExampleInputStream"
region = "us-east-1"
endpoint-url = "http://127.0.0.1:{closed}"
[sink]
jdbc-url = "jdbc:mysql://127.0.0.1:{closed}"
load-url = "127.0.0.1:{closed}"
username = "root"
database-name = "example_db"
table-name = "stock"
"#,
            state = work.path().join("state").display()
        ),
    )
    .unwrap();
    let mut cmd = Command::new(root.path().join("usr/bin/kinesis-starrocks"));
    cmd.arg("run").arg("--config").arg(&config);
    if !log_format.is_empty() {
        cmd.args(["--log-format", log_format]);
    }
    let mut child = cmd
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", work.path())
        .env("XDG_DATA_HOME", work.path())
        .env("STARROCKS_PASSWORD", "secret")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "example")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the packaged binary");
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let reader = {
        let lines = Arc::clone(&lines);
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !lines.lock().unwrap().iter().any(|l| l.contains("stalled")) {
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("no stalled status line: {:#?}", lines.lock().unwrap());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    run_ok(Command::new("kill").args(["-TERM", &child.id().to_string()]));
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "still running 30 s after SIGTERM: {:#?}",
                lines.lock().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap();
    let lines = lines.lock().unwrap().clone();
    lines.into_iter().filter(|l| !l.trim().is_empty()).collect()
}

/// Text with grotty's overstrikes ("c\x08c" for bold, "_\x08c" for underline) reduced to the
/// characters shown.
fn without_overstrike(text: &str) -> String {
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        if c == '\u{8}' {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out.into_iter().collect()
}
