//! The StarRocks password never reaches disk or logs in clear.
//!
//! With a known password, at debug log level for every crate: a pipeline that loads, loads that
//! fail and are retried, a batch StarRocks refuses (stopped, then set aside as a dead letter), a
//! run with a wrong password, and `check` (text and --json). Then every file the runs wrote (state
//! dirs, checkpoints, intents, dead letters, config files, logs) and every stdout/stderr is searched
//! for the password and for the Basic credentials that carry it: 0 hits.

use base64::Engine as _;
use ks_local::EmbeddedKinesis;
use starrocks_sim::{Fault, SimConfig, StarRocksSim};
use std::path::{Path, PathBuf};
use std::process::Command;

const PASSWORD: &str = "Sup3r-S3cret-Pa55word";
const STREAM: &str = "ExampleInputStream";

fn binary(args: &[&str], config: &Path, log: &Path) -> Command {
    let mut c = ks_tests::app_command(env!("CARGO_BIN_EXE_kinesis-starrocks"), PASSWORD);
    c.args(args)
        .arg("--config")
        .arg(config)
        // STS and EC2 on a closed loopback port: those checks fail fast, on 127.0.0.1.
        .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
        .env("AWS_ENDPOINT_URL_EC2", "http://127.0.0.1:9")
        .env("RUST_LOG", "debug")
        .stdout(std::fs::File::create(log.with_extension("out")).unwrap())
        .stderr(std::fs::File::create(log.with_extension("err")).unwrap());
    c
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_password_is_nowhere_on_disk_or_in_logs() {
    let (_, kinesis) = EmbeddedKinesis::start(EmbeddedKinesis::options())
        .await
        .unwrap();
    let client = kinesis.client().await;
    ks_local::create_stream(&client, STREAM, 1).await.unwrap();
    ks_local::wait_active(&client, STREAM).await.unwrap();
    let sim = StarRocksSim::start(SimConfig {
        password: PASSWORD.into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let admin = ks_local::root_admin(&sim, PASSWORD).await.unwrap();
    admin.execute("CREATE DATABASE example_db").await.unwrap();
    admin
        .execute(
            "CREATE TABLE example_db.stock (`id` BIGINT NOT NULL, `ticker` VARCHAR(20) NULL) \
             DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`)",
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = |name: &str, extra: &str| {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &path,
            format!(
                "name = \"stock\"\nstate-dir = {state:?}\n{extra}\n[source]\nstream = \"{STREAM}\"\n\
                 region = \"us-east-1\"\nendpoint-url = \"{endpoint}\"\ninitial-position = \"TRIM_HORIZON\"\n\n\
                 [sink]\njdbc-url = \"{jdbc}\"\nload-url = \"{load}\"\nusername = \"root\"\n\
                 database-name = \"example_db\"\ntable-name = \"stock\"\nssl-mode = \"disabled\"\n\
                 retry-interval-ms = 50\nbuffer-flush.interval-ms = 200\nproperties.format = \"json\"\n",
                state = dir.path().join(format!("state-{name}")).display().to_string(),
                endpoint = kinesis.endpoint_url(),
                jdbc = sim.jdbc_url(),
                load = sim.load_url(),
            ),
        )
        .unwrap();
        path
    };
    let run = |args: &[&str], config: &Path, log: &str| {
        let status = binary(args, config, &dir.path().join(log))
            .status()
            .unwrap();
        (status, log.to_string())
    };
    let rows: Vec<serde_json::Value> = (0..20)
        .map(|i| serde_json::json!({"id": i, "ticker": "AMZN"}))
        .collect();
    let keys: Vec<String> = (0..20).map(|i| format!("k{i}")).collect();
    ks_local::put_json_records(&client, STREAM, &rows, &keys)
        .await
        .unwrap();

    // A pipeline that loads, with two failed attempts retried on the way.
    sim.faults().inject(Fault::HttpStatus { status: 500 }, 2);
    let good = config("good", "");
    let (status, _) = run(&["run", "--stop-when-caught-up"], &good, "good");
    assert!(status.success());
    // A batch StarRocks refuses (no id: NOT NULL): the pipeline stops, then sets it aside.
    ks_local::put_json_records(
        &client,
        STREAM,
        &[serde_json::json!({"ticker": "BAD"})],
        &["k".to_string()],
    )
    .await
    .unwrap();
    let (status, _) = run(&["run", "--stop-when-caught-up"], &good, "refused");
    assert_eq!(status.code(), Some(1));
    let dead = config("dead", "on-data-error = \"dead-letter\"");
    let (status, _) = run(&["run", "--stop-when-caught-up"], &dead, "dead");
    assert!(status.success());
    let dead_letters = std::fs::read_dir(dir.path().join("state-dead/dead-letter"))
        .unwrap()
        .count();
    assert!(dead_letters >= 1, "no dead letter was written");
    // A wrong password, and the preflight checks in text and JSON.
    let mut wrong = binary(
        &["run", "--stop-when-caught-up"],
        &good,
        &dir.path().join("wrong"),
    );
    wrong.env("STARROCKS_PASSWORD", "not-it");
    assert_eq!(wrong.status().unwrap().code(), Some(1));
    run(&["check"], &good, "check");
    run(&["check", "--json"], &good, "check-json");

    let mut files = Vec::new();
    files_under(dir.path(), &mut files);
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("root:{PASSWORD}"));
    let mut scanned = 0u64;
    let mut hits = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        scanned += bytes.len() as u64;
        let text = String::from_utf8_lossy(&bytes);
        for needle in [PASSWORD, basic.as_str()] {
            if text.contains(needle) {
                hits.push(format!("{} contains {needle:?}", file.display()));
            }
        }
    }
    eprintln!(
        "scanned {} files ({scanned} bytes, logs at debug level): {} hits",
        files.len(),
        hits.len()
    );
    assert!(hits.is_empty(), "{hits:#?}");
    // The scan saw what it should: debug logs of loads, a retried attempt, the dead letter.
    let log = std::fs::read_to_string(dir.path().join("good.err")).unwrap();
    assert!(
        log.contains("DEBUG") && log.contains("attempt 1 failed"),
        "{log}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains("dead-letter"))
    );
    assert!(files.iter().any(|f| f.ends_with("checkpoint.json")));
    sim.shutdown().await;
}
