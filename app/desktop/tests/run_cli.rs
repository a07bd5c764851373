//! `kinesis-starrocks run` as a process, the way a server runs it: killed with SIGKILL at random
//! moments and restarted, then a final `--stop-when-caught-up` — nothing lost, nothing duplicated.
//! Kinesis (ferrokinesis) and the StarRocks stand-in run inside this test process on 127.0.0.1.

use ks_core::{Secret, config::JdbcUrl, config::SslMode};
use ks_kinesis::testing::{self, EmbeddedKinesis};
use ks_starrocks::MysqlAdmin;
use starrocks_sim::{Fault, SimConfig, StarRocksSim};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "cli-pw";
const STREAM: &str = "ExampleInputStream";

struct World {
    kinesis: EmbeddedKinesis,
    client: aws_sdk_kinesis::Client,
    sim: StarRocksSim,
    dir: tempfile::TempDir,
}

impl World {
    async fn new(shards: i32) -> World {
        let (_, kinesis) = EmbeddedKinesis::start(EmbeddedKinesis::options())
            .await
            .unwrap();
        let client = kinesis.client().await;
        testing::create_stream(&client, STREAM, shards)
            .await
            .unwrap();
        testing::wait_active(&client, STREAM).await.unwrap();
        let sim = StarRocksSim::start(SimConfig {
            password: PASSWORD.into(),
            ..Default::default()
        })
        .await
        .unwrap();
        let w = World {
            kinesis,
            client,
            sim,
            dir: tempfile::tempdir().unwrap(),
        };
        let admin = w.admin().await;
        admin.execute("CREATE DATABASE example_db").await.unwrap();
        admin
            .execute(
                "CREATE TABLE example_db.stock (`id` BIGINT NOT NULL, `event_time` DATETIME NULL, \
                 `ticker` VARCHAR(20) NOT NULL, `price` DOUBLE NULL) DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`)",
            )
            .await
            .unwrap();
        w
    }

    async fn admin(&self) -> MysqlAdmin {
        let jdbc = JdbcUrl::parse(&self.sim.jdbc_url()).unwrap();
        MysqlAdmin::connect(
            &jdbc,
            "root",
            &Secret::new(PASSWORD),
            SslMode::Disabled,
            Duration::from_secs(5),
        )
        .await
        .unwrap()
    }

    async fn scalar(&self, sql: &str) -> u64 {
        let rows = self.admin().await.query(sql).await.unwrap();
        rows[0][0].as_deref().unwrap().parse().unwrap()
    }

    fn write_config(&self, extra_sink: &str) -> std::path::PathBuf {
        let path = self.dir.path().join("stock.toml");
        let text = format!(
            r#"name = "stock"
state-dir = "{state}"

[source]
stream = "{STREAM}"
region = "us-east-1"
endpoint-url = "{endpoint}"
initial-position = "TRIM_HORIZON"
discovery-interval-ms = 500

[sink]
jdbc-url = "{jdbc}"
load-url = "{load}"
username = "root"
database-name = "example_db"
table-name = "stock"
retry-interval-ms = 100
buffer-flush.max-rows = 300
buffer-flush.interval-ms = 200
properties.format = "json"
{extra_sink}
"#,
            state = self.dir.path().join("state").display(),
            endpoint = self.kinesis.endpoint_url(),
            jdbc = self.sim.jdbc_url(),
            load = self.sim.load_url(),
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    async fn produce(&self, from: u64, n: u64) {
        let tickers = ["AAPL", "AMZN", "MSFT", "INTC", "TBV"];
        let records: Vec<serde_json::Value> = (from..from + n)
            .map(|id| {
                serde_json::json!({"id": id, "event_time": "2024-05-28T19:53:17.497201",
                                   "ticker": tickers[(id % 5) as usize], "price": 84.27})
            })
            .collect();
        let keys: Vec<String> = (from..from + n).map(|i| format!("pk{i}")).collect();
        testing::put_json_records(&self.client, STREAM, &records, &keys)
            .await
            .unwrap();
    }
}

/// The binary with AWS test credentials and the password in the environment (never in the config).
fn run_command(config: &Path, args: &[&str], password: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kinesis-starrocks"));
    c.arg("run")
        .arg("--config")
        .arg(config)
        .args(args)
        .env("STARROCKS_PASSWORD", password)
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("RUST_LOG", "warn,kinesis_starrocks=info,ks_engine=info")
        .stdout(Stdio::null());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_at_random_moments_then_catch_up_exactly_once() {
    let w = World::new(4).await;
    let config = w.write_config("");
    w.produce(0, 6000).await;
    let seed: u64 = rand::random();
    eprintln!("kill schedule seed: {seed}");
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
    let mut produced = 6000;
    for round in 0..12 {
        // Some loads are slow, so kills also land while a load is in flight.
        w.sim.faults().inject(Fault::Delay { ms: 250 }, 3);
        let log = std::fs::File::create(w.dir.path().join(format!("run-{round}.log"))).unwrap();
        let mut child = run_command(&config, &[], PASSWORD)
            .stderr(log)
            .spawn()
            .unwrap();
        let wait_ms = rand::RngExt::random_range(&mut rng, 150..1800u64);
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        assert!(
            child.try_wait().unwrap().is_none(),
            "round {round}: `run` exited on its own"
        );
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        w.produce(produced, 500).await;
        produced += 500;
    }
    w.sim.faults().clear();
    let started = Instant::now();
    let out = run_command(&config, &["--stop-when-caught-up"], PASSWORD)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "final run failed ({:?}):\n{stderr}",
        out.status
    );
    // How many kills left a batch unconfirmed (replayed under its label by the next run).
    let replays = (0..12)
        .filter_map(|r| std::fs::read_to_string(w.dir.path().join(format!("run-{r}.log"))).ok())
        .chain(std::iter::once(stderr.to_string()))
        .filter(|log| log.contains("pending batch(es) from the last run"))
        .count();
    eprintln!("runs that replayed a pending batch: {replays}");
    assert!(started.elapsed() < Duration::from_secs(120));
    let rows = w.scalar("select count(*) from example_db.stock").await;
    let distinct = w
        .scalar("select count(distinct id) from example_db.stock")
        .await;
    assert_eq!(
        (rows, distinct),
        (produced, produced),
        "rows / distinct ids / produced"
    );
    assert!(
        !stderr.contains(PASSWORD),
        "the password never reaches the logs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_user_reads_plain_errors_and_metrics() {
    let w = World::new(1).await;
    w.produce(0, 50).await;
    let config = w.write_config("");

    // A wrong password: exit 1 and StarRocks' own words plus what to check.
    let out = run_command(&config, &["--stop-when-caught-up"], "not-the-password")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Access denied") && stderr.contains("password"),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-password"));

    // A config error: exit 2 naming the key.
    let bad = w.dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&config)
            .unwrap()
            .replace("load-url = \"http://", "load-url = \"ftp://"),
    )
    .unwrap();
    let out = run_command(&bad, &[], PASSWORD).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("sink.load-url"), "{stderr}");

    // No password anywhere: the error names the three ways.
    let out = run_command(&config, &[], PASSWORD)
        .env_remove("STARROCKS_PASSWORD")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("password-file")
            && stderr.contains("STARROCKS_PASSWORD")
            && stderr.contains("keyring"),
        "{stderr}"
    );

    // Metrics while running.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = run_command(&config, &["--metrics-addr", &addr], PASSWORD)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut text = String::new();
    while Instant::now() < deadline {
        if let Ok(body) = http_get(&addr) {
            text = body;
            if text.contains("kinesis_starrocks_rows_loaded_total{pipeline=\"stock\"} 50") {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // SIGTERM: graceful stop, exit 0.
    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(
        text.contains("kinesis_starrocks_rows_loaded_total{pipeline=\"stock\"} 50"),
        "{text}"
    );
    // (The wrong-password run above left its batch as a pending intent: this run replayed it, so
    // the shard itself had nothing new to read.)
    assert!(text.contains("kinesis_starrocks_shard_records_read_total{pipeline=\"stock\",shard=\"shardId-000000000000\"}"), "{text}");
    assert!(
        text.contains("# TYPE kinesis_starrocks_shard_millis_behind_latest gauge"),
        "{text}"
    );
    assert!(
        status.success(),
        "SIGTERM stops gracefully with exit 0: {status:?}"
    );
}

fn http_get(addr: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr)?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}
