//! The command line of the `kinesis-starrocks` binary, without a display.

use std::process::Command;

fn binary() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kinesis-starrocks"));
    c.env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

#[test]
fn version_prints_name_and_version() {
    let output = binary().arg("--version").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("kinesis-starrocks {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_says_no_arguments_opens_the_app() {
    let output = binary().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("Kinesis Data Streams"), "{help}");
    assert!(
        help.contains("no arguments to open the desktop app"),
        "{help}"
    );
    assert!(help.contains("--renderer"), "{help}");
}

#[test]
fn bad_usage_exits_with_code_2() {
    let output = binary().arg("--no-such-flag").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = binary().arg("no-such-command").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn without_a_display_the_error_says_so() {
    let output = binary()
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("neither DISPLAY nor WAYLAND_DISPLAY is set"),
        "{stderr}"
    );
}
