//! Desktop notifications go out as org.freedesktop.Notifications.Notify calls on the session bus:
//! observed with `dbus-monitor` on a private bus (`dbus-run-session`). With no notification
//! daemon on that bus the call fails; that is logged once and nothing else happens.
//!
//! Like keyring.rs, the test re-runs itself under `dbus-run-session`; `KS_NOTIFY_CHILD` selects
//! the child's part.

use kinesis_starrocks::notify::Notifier;
use ks_tests::{ChildGuard, require_tool};
use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD_ENV: &str = "KS_NOTIFY_CHILD";

fn child() {
    let mut monitor = ChildGuard::spawn(
        "dbus-monitor",
        Command::new("dbus-monitor")
            .args(["--session", "interface='org.freedesktop.Notifications'"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    )
    .expect("dbus-monitor");
    std::thread::sleep(Duration::from_millis(500));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let n = Notifier::new(true);
        n.notify("stock stalled", "the load URL does not answer");
        n.notify("stock recovered", "loads succeed again");
        tokio::time::sleep(Duration::from_secs(2)).await;
    });
    std::thread::sleep(Duration::from_millis(500));
    monitor.kill();
    let mut out = String::new();
    monitor
        .child_mut()
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(
        out.contains("member=Notify") && out.contains("\"stock stalled\""),
        "no Notify call seen on the bus:\n{out}"
    );
    assert!(out.contains("\"stock recovered\""), "{out}");
    assert!(out.contains("\"kinesis-starrocks\""), "the app name: {out}");
    println!("NOTIFY-CHILD-OK");
}

#[test]
fn notifications_are_sent_on_the_session_bus_and_a_missing_daemon_is_not_fatal() {
    if std::env::var(CHILD_ENV).is_ok() {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(std::io::stderr)
            .try_init();
        return child();
    }
    require_tool("dbus-run-session", "dbus");
    require_tool("dbus-monitor", "dbus");
    let out = Command::new("dbus-run-session")
        .arg("--")
        .arg(std::env::current_exe().unwrap())
        .args([
            "notifications_are_sent_on_the_session_bus_and_a_missing_daemon_is_not_fatal",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("NOTIFY-CHILD-OK"), "{text}");
    // No daemon answers on the private bus: said once, not per notification.
    assert_eq!(
        text.matches("desktop notifications are not available")
            .count(),
        1,
        "{text}"
    );
}
