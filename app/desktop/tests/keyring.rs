//! The password against a real Secret Service: gnome-keyring-daemon on a private session bus
//! (`dbus-run-session`), unlocked with a test password. The password goes through the backend's
//! Save path into the keyring, comes back out (as `run` and Start would read it), and appears
//! neither in the config file nor in the debug logs. Without a reachable keyring the Save keeps
//! it in memory and says so.
//!
//! The test re-runs itself as a child under `dbus-run-session` (a process's environment cannot
//! be changed safely in-process); `KS_KEYRING_CHILD` selects the child's part.

use kinesis_starrocks::backend::{self, BackendOptions, secrets};
use ks_core::config::{KEYRING_SERVICE, PasswordSource, keyring_account};
use ks_core::{PipelineConfig, Secret};
use ks_local::{Endpoints, PipelineToml};
use ks_tests::{ChildGuard, require_tool};
use ks_ui::protocol::{Reply, Request, SaveInfo};
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const PASSWORD: &str = "kr-Secret-7f3a9c-pw";
const CHILD_ENV: &str = "KS_KEYRING_CHILD";

fn config(state: &Path) -> PipelineConfig {
    // Hosts that never resolve: the test only saves and reads the password, it never connects.
    let at = Endpoints {
        state_dir: Some(state.to_path_buf()),
        ..Endpoints::new(
            "s",
            "jdbc:mysql://keyring-test.invalid:9030",
            "http://keyring-test.invalid:8030",
        )
    };
    let pipeline = PipelineToml {
        name: "kr",
        username: "loader",
        database: "db",
        table: "t",
        ..PipelineToml::default()
    };
    ks_local::world::pipeline_config(&at, &pipeline).unwrap()
}

/// Saves through the backend and returns the answer and the config file's text.
fn save_through_backend(dir: &Path) -> (SaveInfo, String) {
    let backend = backend::spawn(BackendOptions::for_tests(dir.join("pipelines")), |_| {});
    let replies = backend.take_replies();
    backend.link.send(Request::Save {
        ticket: 7,
        name: "kr".into(),
        config: Box::new(config(&dir.join("state"))),
        password: Some(Secret::new(PASSWORD)),
    });
    let info = loop {
        match replies.recv_timeout(Duration::from_secs(20)) {
            Ok(Reply::Saved {
                ticket: 7, result, ..
            }) => break result.expect("saved"),
            Ok(_) => continue,
            Err(e) => panic!("no Saved reply: {e}"),
        }
    };
    let text = std::fs::read_to_string(&info.path).unwrap();
    (info, text)
}

fn child_with_keyring() {
    // An unlocked login keyring on this private bus (no prompter exists here).
    let mut daemon = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("gnome-keyring-daemon");
    daemon
        .stdin
        .take()
        .unwrap()
        .write_all(b"test-unlock-pass")
        .unwrap();
    let out = daemon.wait_with_output().unwrap();
    assert!(out.status.success(), "gnome-keyring-daemon --unlock failed");

    let dir = tempfile::tempdir().unwrap();
    let (info, text) = save_through_backend(dir.path());
    assert_eq!(info.keyring_warning, None, "the keyring was not used");
    assert!(
        !text.contains(PASSWORD),
        "the password is in the config file:\n{text}"
    );

    let cfg = config(&dir.path().join("state"));
    let account = keyring_account(&cfg.sink);
    assert_eq!(account, "loader@keyring-test.invalid");
    assert_eq!(
        secrets::keyring_get(KEYRING_SERVICE, &account)
            .unwrap()
            .as_deref(),
        Some(PASSWORD)
    );
    // What `run` and the app's Start read: the keyring is the source.
    let (pw, source) = secrets::password_for(&cfg.sink).unwrap();
    assert_eq!(pw.expose(), PASSWORD);
    assert!(matches!(source, PasswordSource::Keyring { .. }), "{source}");
    // The CLI's `secret set|delete` uses the same entry.
    let cli = |args: &[&str], stdin: &str| {
        let out = ks_tests::output_with_stdin(
            Command::new(env!("CARGO_BIN_EXE_kinesis-starrocks"))
                .args(args)
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .arg("--config")
                .arg(&info.path),
            stdin,
        );
        let text = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{args:?}: {text}");
        assert!(
            !text.contains(PASSWORD) && !text.contains("cli-pw-2"),
            "{text}"
        );
    };
    cli(&["secret", "set"], "cli-pw-2\n");
    assert_eq!(
        secrets::keyring_get(KEYRING_SERVICE, &account)
            .unwrap()
            .as_deref(),
        Some("cli-pw-2")
    );
    cli(&["secret", "delete"], "");
    assert_eq!(
        secrets::keyring_get(KEYRING_SERVICE, &account).unwrap(),
        None
    );
    println!("KEYRING-CHILD-OK");
}

fn child_without_keyring() {
    let dir = tempfile::tempdir().unwrap();
    let (info, text) = save_through_backend(dir.path());
    let warning = info
        .keyring_warning
        .expect("a warning when no keyring is reachable");
    assert!(warning.contains("kept in memory"), "{warning}");
    assert!(!warning.contains(PASSWORD), "{warning}");
    assert!(!text.contains(PASSWORD), "{text}");
    println!("KEYRING-CHILD-OK");
}

/// Runs this test binary's `test` under `wrapper` with the child mode set; returns its output.
fn run_child(test: &str, mode: &str, wrapper: &[&str], env: &[(&str, &str)]) -> String {
    let home = tempfile::tempdir().unwrap();
    let runtime = ks_tests::runtime_dir();
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(wrapper[0]);
    cmd.args(&wrapper[1..])
        .arg(&exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode)
        .env("HOME", home.path())
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env("RUST_LOG", "debug")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let guard = ChildGuard::spawn("keyring child", &mut cmd).expect("spawn the child");
    let out = guard_output(guard);
    assert!(out.0, "the child failed:\n{}", out.1);
    assert!(out.1.contains("KEYRING-CHILD-OK"), "{}", out.1);
    out.1
}

fn guard_output(mut guard: ChildGuard) -> (bool, String) {
    let child = guard.child_mut();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).ok();
        s
    });
    let mut out = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut out).ok();
    let err = err_thread.join().unwrap();
    let status = child.wait().unwrap();
    (status.success(), format!("{out}\n{err}"))
}

fn init_debug_logs() {
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(std::io::stderr)
        .try_init();
}

#[test]
fn password_round_trips_through_the_secret_service_and_never_leaks() {
    match std::env::var(CHILD_ENV).as_deref() {
        Ok("keyring") => {
            init_debug_logs();
            return child_with_keyring();
        }
        Ok(_) => return,
        Err(_) => {}
    }
    require_tool("dbus-run-session", "dbus");
    require_tool("gnome-keyring-daemon", "gnome-keyring");
    let output = run_child(
        "password_round_trips_through_the_secret_service_and_never_leaks",
        "keyring",
        &["dbus-run-session", "--"],
        &[],
    );
    assert!(
        output.contains("saved pipeline kr"),
        "the child's debug logs were not captured:\n{output}"
    );
    assert!(
        !output.contains(PASSWORD),
        "the password leaked into the output:\n{output}"
    );
}

#[test]
fn without_a_keyring_the_password_stays_in_memory_with_a_warning() {
    match std::env::var(CHILD_ENV).as_deref() {
        Ok("nobus") => {
            init_debug_logs();
            return child_without_keyring();
        }
        Ok(_) => return,
        Err(_) => {}
    }
    let output = run_child(
        "without_a_keyring_the_password_stays_in_memory_with_a_warning",
        "nobus",
        &["env"],
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
    );
    assert!(
        !output.contains(PASSWORD),
        "the password leaked into the output:\n{output}"
    );
}
