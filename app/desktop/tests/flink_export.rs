//! `kinesis-starrocks export flink`, proven on real Flink: the exported job is built with Maven
//! (the real flink-connector-kinesis and flink-connector-starrocks in its jar) and run on a local
//! Flink 1.20 mini-cluster against ferrokinesis and the StarRocks stand-in. Records with known ids
//! and epoch-millisecond times go in; rows == distinct ids == produced come out, with the mapping's
//! `from_unixtime` evaluated exactly as for the app's loads, through transaction Stream Load; the
//! job reads the password from a Secrets Manager secret (moto), as the export's README advises.
//!
//! Needs `java` (17) and `mvn` (tests/run.sh installs them); Maven's downloads are cached under
//! the emulators folder (target/emulators/maven).

use ks_local::{LocalWorld, PipelineToml, WorldOptions, put_json_records};
use ks_tests::ChildGuard;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "flink-pw";
/// The Secrets Manager secret that holds the password (`{"password": …}`).
const SECRET: &str = "kinesis-starrocks/stock";
const RECORDS: u64 = 300;
/// 2024-05-28T12:40:00Z: rows show it in StarRocks' default load time zone, Asia/Shanghai.
const BASE_MS: u64 = 1_716_900_000_000;

const SINK: &str = r#"buffer-flush.interval-ms = 1000
properties.format = "json"
properties.jsonpaths = '["$.id", "$.ts_ms", "$.ticker", "$.price"]'
properties.columns = "id, ts_ms, ticker, price, event_time = from_unixtime(ts_ms / 1000)"
"#;

fn record(id: u64) -> serde_json::Value {
    let ticker = ["AMZN", "MSFT", "GOOG"][(id % 3) as usize];
    serde_json::json!({
        "id": id,
        "ts_ms": BASE_MS + id * 1000,
        "ticker": ticker,
        "price": 100.0 + id as f64 / 4.0,
    })
}

fn maven_repo() -> PathBuf {
    ks_tests::emulators::emulators_dir().join("maven")
}

/// Runs a command to completion; panics with its output when it fails.
fn run(what: &str, command: &mut Command) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{text}",
        out.status
    );
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_job_loads_every_record_once_on_real_flink() {
    let java = ks_tests::require_tool("java", "openjdk-17-jdk-headless");
    let mvn = ks_tests::require_tool("mvn", "maven");
    let world = LocalWorld::start(WorldOptions::with_table(
        "ticks",
        2,
        PASSWORD,
        "CREATE TABLE example_db.stock (`id` BIGINT NOT NULL, `event_time` DATETIME NULL, \
         `ts_ms` BIGINT NULL, `ticker` VARCHAR(20) NOT NULL, `price` DOUBLE NULL) \
         DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`) BUCKETS 2",
    ))
    .await
    .expect("ferrokinesis and the stand-in start");
    let records: Vec<serde_json::Value> = (0..RECORDS).map(record).collect();
    let keys: Vec<String> = (0..RECORDS).map(|i| format!("key-{i}")).collect();
    put_json_records(&world.client, &world.stream, &records, &keys)
        .await
        .expect("records go in");

    // The export, as a user runs it: columns from the cluster, parallelism from the stream.
    let dir = world.dir.path();
    let config = dir.join("stock.toml");
    std::fs::write(
        &config,
        world.pipeline_toml(&PipelineToml {
            source: "initial-position = \"TRIM_HORIZON\"",
            sink: SINK,
            ..Default::default()
        }),
    )
    .unwrap();
    let out = dir.join("flink-job");
    let binary = env!("CARGO_BIN_EXE_kinesis-starrocks");
    let printed = run(
        "kinesis-starrocks export flink",
        ks_tests::app_command(binary, PASSWORD)
            .args(["export", "flink", "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&out),
    );
    assert!(printed.contains("wrote 7 files"), "{printed}");
    let sql = std::fs::read_to_string(out.join("pipeline.sql")).unwrap();
    assert!(sql.contains("'sink.semantic' = 'exactly-once'"), "{sql}");
    assert!(
        !sql.contains(PASSWORD),
        "the password never lands in the export"
    );
    let request = std::fs::read_to_string(out.join("create-application.json")).unwrap();
    assert!(
        request.contains("\"Parallelism\": 2"),
        "one reader per shard: {request}"
    );

    // The build: the fat jar, and the class path MSF provides (Flink itself) for the local run.
    let jar = out.join("target/kinesis-starrocks-stock.jar");
    let classpath = out.join("provided.cp");
    run(
        "mvn package",
        Command::new(&mvn)
            .current_dir(&out)
            .args(ks_export::local_build_args(&maven_repo(), &classpath)),
    );
    assert!(jar.is_file(), "mvn package writes {}", jar.display());

    // The password the way the README recommends: a Secrets Manager secret (moto's) named in the
    // runtime properties (`password.secret-id`); the runner reads it at start.
    let moto = ks_tests::emulators::Emulator::moto();
    let python = ks_tests::emulators::venv_python("boto3");
    run(
        "create the secret in moto",
        Command::new(&python).args([
            "-c",
            &format!(
                "import boto3, json; boto3.client('secretsmanager', endpoint_url='{}', \
                 region_name='us-east-1', aws_access_key_id='AKIDTEST', \
                 aws_secret_access_key='test-secret').create_secret(Name='{SECRET}', \
                 SecretString=json.dumps({{'password': '{PASSWORD}'}}))",
                moto.endpoint
            ),
        ]),
    );
    let properties = dir.join("local_properties.json");
    std::fs::write(
        &properties,
        serde_json::json!([{"PropertyGroupId": "StarRocks",
                            "PropertyMap": {"password.secret-id": SECRET}}])
        .to_string(),
    )
    .unwrap();
    let log_path = dir.join("flink.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let provided = std::fs::read_to_string(&classpath).unwrap();
    let mut java_command = Command::new(&java);
    java_command
        .arg("-Xmx1g")
        .args(ks_export::local_run_args(
            &jar,
            &provided,
            &properties,
            1000,
        ))
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", &moto.endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let mut job = ChildGuard::spawn("flink job", &mut java_command).expect("java starts");

    let admin = world.admin().await.unwrap();
    let count = |sql: &'static str| {
        let admin = &admin;
        async move { ks_local::world::query_u64(admin, sql).await.unwrap_or(0) }
    };
    let deadline = Instant::now() + Duration::from_secs(240);
    while count("select count(*) from example_db.stock").await < RECORDS {
        if let Some(status) = job.try_wait() {
            panic!("the Flink job exited ({status}):\n{}", tail(&log_path));
        }
        assert!(
            Instant::now() < deadline,
            "not every record loaded in 240 s; the job's log:\n{}",
            tail(&log_path)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // A few more checkpoints: nothing may load twice.
    tokio::time::sleep(Duration::from_secs(4)).await;
    drop(job);
    let rows = count("select count(*) from example_db.stock").await;
    let distinct = count("select count(distinct id) from example_db.stock").await;
    assert_eq!(
        (rows, distinct),
        (RECORDS, RECORDS),
        "rows == distinct ids == produced"
    );
    // The mapping's conversion ran in StarRocks as for the app: epoch ms → DATETIME (+08:00).
    let rows = admin
        .query("select event_time, ticker from example_db.stock where id = 7")
        .await
        .unwrap();
    assert_eq!(rows[0][0].as_deref(), Some("2024-05-28 20:40:07"));
    assert_eq!(rows[0][1].as_deref(), Some("MSFT"));
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("TransactionStreamLoader"),
        "exactly-once runs on transaction Stream Load:\n{}",
        tail(&log_path)
    );
    assert!(!log.contains(PASSWORD), "the job never logs the password");
    world.shutdown().await;
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

/// The export of the shipped example pipeline (the seed's CelerData setup, the seed's table) is a
/// `kinesisanalyticsv2 CreateApplication` request botocore's service model accepts: required
/// members and types (botocore's ParamValidator), enums, lengths, ranges and patterns
/// (tests/msf/validate_request.py walks the shapes). A request that breaks the model fails there.
#[test]
fn example_pipeline_export_is_a_valid_create_application_request() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = ks_tests::emulators::emulators_dir().join("venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: tests/run.sh creates it (pip install moto[server], which brings botocore)",
        python.display()
    );
    let out = tempfile::tempdir().unwrap();
    let binary = env!("CARGO_BIN_EXE_kinesis-starrocks");
    let printed = run(
        "kinesis-starrocks export flink (example pipeline)",
        ks_tests::app_command(binary, "unused")
            .args(["export", "flink", "--config"])
            .arg(root.join("packaging/example-pipeline.toml"))
            .arg("--table-ddl")
            .arg(root.join("app/starrocks-sim/tests/fixtures/seed_ddl.sql"))
            .args(["--parallelism", "4", "--out"])
            .arg(out.path()),
    );
    assert!(printed.contains("wrote 7 files"), "{printed}");
    let validator = root.join("tests/msf/validate_request.py");
    let checked = run(
        "validate create-application.json",
        Command::new(&python)
            .arg(&validator)
            .args(["kinesisanalyticsv2", "CreateApplication"])
            .arg(out.path().join("create-application.json")),
    );
    assert!(checked.starts_with("valid"), "{checked}");

    // The validator is not a rubber stamp: a request off the model fails with the member named.
    let bad = out.path().join("bad.json");
    let mut request: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("create-application.json")).unwrap(),
    )
    .unwrap();
    request["RuntimeEnvironment"] = "FLINK-1_21".into();
    std::fs::write(&bad, request.to_string()).unwrap();
    let refused = Command::new(&python)
        .arg(&validator)
        .args(["kinesisanalyticsv2", "CreateApplication"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("RuntimeEnvironment"),
        "{refused:?}"
    );

    // The seed's mapping reaches the sink unchanged, and nothing secret is in the folder.
    let sql = std::fs::read_to_string(out.path().join("pipeline.sql")).unwrap();
    assert!(
        sql.contains("'load-url' = 'https://xxxx.cloud-app.celerdata.com:443'"),
        "{sql}"
    );
    assert!(sql.contains("sslMode=REQUIRED"), "{sql}");
    assert!(
        sql.contains(r#"'sink.properties.jsonpaths' = '["$.EVENT_TIME","$.TICKER","$.PRICE"]'"#),
        "{sql}"
    );
    assert!(sql.contains("`event_time` AS `EVENT_TIME`"), "{sql}");
}
