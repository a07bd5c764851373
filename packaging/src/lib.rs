//! Helpers for the packaging tests: build the packages once per test binary (through
//! packaging/build-packages.sh, as a release would), unpack them, and run the system tools that
//! judge them. A missing tool fails the test with the Debian package to install: nothing is skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The files packaging/build-packages.sh made.
#[derive(Debug)]
pub struct Packages {
    pub deb: PathBuf,
    pub tarball: PathBuf,
}

/// The repository's root (this crate is `packaging/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("packaging/ has a parent")
        .to_path_buf()
}

/// Builds the binary (release, or debug with `KS_PACKAGE_PROFILE=dev`) and the packages once per
/// test binary; later calls reuse them. When tests/run.sh has built them already the script finds
/// everything up to date (seconds); alone, in release, it may start with a cold release build
/// (about half an hour on 2 cores).
pub fn packages() -> &'static Packages {
    static PACKAGES: OnceLock<Result<Packages, String>> = OnceLock::new();
    match PACKAGES.get_or_init(build_packages) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn build_packages() -> Result<Packages, String> {
    require_tool("strip", "binutils");
    let script = repo_root().join("packaging/build-packages.sh");
    // The script's progress goes to the test's stderr; its last lines name the packages.
    let mut cmd = Command::new("bash");
    cmd.arg(&script).current_dir(repo_root());
    // Without the variables `cargo test` sets for this test: ring's build script declares
    // rerun-if-env-changed on CARGO_PKG_NAME, CARGO_MANIFEST_DIR, …, which Cargo compares with
    // its own environment, so with this test's values the script's cargo rebuilt ring and most of
    // the build instead of finding the one tests/run.sh made up to date.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if CARGO_TEST_VARIABLES
            .iter()
            .any(|v| match v.strip_suffix('*') {
                Some(prefix) => key.starts_with(prefix),
                None => key == *v,
            })
        {
            cmd.env_remove(&*key);
        }
    }
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}):\n{stdout}",
            script.display(),
            out.status
        ));
    }
    let named = |suffix: &str| {
        stdout
            .lines()
            .rev()
            .find(|l| l.ends_with(suffix))
            .map(PathBuf::from)
            .ok_or_else(|| format!("{} named no *{suffix}:\n{stdout}", script.display()))
    };
    Ok(Packages {
        deb: named(".deb")?,
        tarball: named(".tar.gz")?,
    })
}

/// What `cargo test` adds to a test's environment (the Cargo book, "Environment variables Cargo
/// sets for crates"), `*` ending a prefix.
const CARGO_TEST_VARIABLES: [&str; 12] = [
    "CARGO_PKG_*",
    "CARGO_BIN_*",
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_MANIFEST_LINKS",
    "CARGO_CRATE_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "CARGO_RUSTC_CURRENT_DIR",
    "CARGO_CFG_*",
    "OUT_DIR",
    "LD_LIBRARY_PATH",
];

/// Fails the test, naming the Debian package to install, when `tool` is not on PATH.
pub fn require_tool(tool: &str, debian_package: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()));
    assert!(
        found,
        "{tool} is not on PATH: install the Debian package {debian_package} (tests/run.sh does)"
    );
}

/// Runs `cmd` to completion; fails the test with its output when it cannot start or fails.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `cmd` to completion, whatever its exit status.
pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// The .deb's files, unpacked under a new temporary folder (as `/` would hold them).
pub fn unpack_deb(deb: &Path) -> tempfile::TempDir {
    require_tool("dpkg-deb", "dpkg");
    let root = tempfile::tempdir().expect("temp dir");
    run_ok(Command::new("dpkg-deb").arg("-x").arg(deb).arg(root.path()));
    root
}

/// The paths in the .deb (`dpkg-deb -c`), without the leading `.`, e.g. `/usr/bin/kinesis-starrocks`.
pub fn deb_paths(deb: &Path) -> Vec<String> {
    require_tool("dpkg-deb", "dpkg");
    let out = run_ok(Command::new("dpkg-deb").arg("-c").arg(deb));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        // "-rw-r--r-- root/root 1234 2026-12-05 12:00 ./usr/share/…": the path is the last field.
        .filter_map(|l| l.split_whitespace().nth(5))
        .map(|p| p.trim_start_matches('.').to_string())
        .collect()
}

/// The man pages the CLI has: the command and every visible subcommand, nested ones included.
pub const MAN_PAGES: [&str; 12] = [
    "kinesis-starrocks.1.gz",
    "kinesis-starrocks-run.1.gz",
    "kinesis-starrocks-check.1.gz",
    "kinesis-starrocks-sample.1.gz",
    "kinesis-starrocks-init-table.1.gz",
    "kinesis-starrocks-secret.1.gz",
    "kinesis-starrocks-secret-set.1.gz",
    "kinesis-starrocks-secret-delete.1.gz",
    "kinesis-starrocks-demo.1.gz",
    "kinesis-starrocks-export.1.gz",
    "kinesis-starrocks-export-flink.1.gz",
    "kinesis-starrocks-import-kda.1.gz",
];
