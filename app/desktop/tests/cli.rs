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

/// `import-kda`: the seed's runtime properties (as `describe-application` prints them) become a
/// pipeline config the other commands load — here `export flink`, the way back to Flink — and
/// the password in them is not written anywhere.
#[test]
fn import_kda_turns_the_seeds_properties_into_a_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let properties = dir.path().join("describe-application.json");
    let groups = include_str!("../../core/tests/fixtures/seed_kda_properties.json");
    std::fs::write(
        &properties,
        format!(
            r#"{{"ApplicationDetail": {{"ApplicationConfigurationDescription": {{
                 "EnvironmentPropertyDescriptions": {{"PropertyGroupDescriptions": {groups}}}}}}}}}"#
        ),
    )
    .unwrap();
    let out = dir.path().join("stock.toml");
    let import = || {
        binary()
            .arg("import-kda")
            .arg(&properties)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap()
    };
    let imported = import();
    let stderr = String::from_utf8_lossy(&imported.stderr);
    assert!(imported.status.success(), "{stderr}");
    assert!(stderr.contains("secret set --config"), "{stderr}");
    let toml = std::fs::read_to_string(&out).unwrap();
    assert!(
        !toml.contains("123456"),
        "the password is not written:\n{toml}"
    );
    for line in [
        "stream = \"ExampleInputStream\"",
        "region = \"us-west-2\"",
        "jdbc-url = \"jdbc:mysql://abc.cloud-app.celerdata.com:9030\"",
        "table-name = \"stock\"",
    ] {
        assert!(toml.contains(line), "{line} in:\n{toml}");
    }

    // An existing file is never overwritten.
    let again = import();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));

    // And back to Flink: the imported pipeline exports.
    let seed_ddl = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../starrocks-sim/tests/fixtures/seed_ddl.sql");
    let exported = binary()
        .args(["export", "flink", "--config"])
        .arg(&out)
        .arg("--table-ddl")
        .arg(&seed_ddl)
        .args(["--parallelism", "1", "--out"])
        .arg(dir.path().join("flink"))
        .output()
        .unwrap();
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let sql = std::fs::read_to_string(dir.path().join("flink/pipeline.sql")).unwrap();
    assert!(sql.contains("'stream' = 'ExampleInputStream'"), "{sql}");

    // A setting Flink cannot honour is refused by name, as a config problem (exit 2).
    let refused_config = dir.path().join("dead-letter.toml");
    std::fs::write(
        &refused_config,
        toml.replace(
            "on-data-error = \"stop\"",
            "on-data-error = \"dead-letter\"",
        ),
    )
    .unwrap();
    let refused = binary()
        .args(["export", "flink", "--config"])
        .arg(&refused_config)
        .arg("--table-ddl")
        .arg(&seed_ddl)
        .args(["--parallelism", "1", "--out"])
        .arg(dir.path().join("refused"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("cannot be exported to Flink: on-data-error = dead-letter"),
        "{stderr}"
    );
    assert!(!dir.path().join("refused").exists(), "nothing is written");
    assert!(!sql.contains("123456"));
}
