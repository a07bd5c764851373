//! `kinesis-starrocks run` as a process, the way a server runs it: killed with SIGKILL at random
//! moments and restarted, then a final `--stop-when-caught-up` — nothing lost, nothing duplicated.
//! Kinesis (ferrokinesis) and the StarRocks stand-in run inside this test process on 127.0.0.1.

use ks_local::world::{Endpoints, pipeline_toml};
use ks_local::{LocalWorld, Packing, PipelineToml, WorldOptions};
use ks_starrocks::MysqlAdmin;
use ks_tests::assert_contains;
use starrocks_sim::Fault;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "cli-pw";
const STREAM: &str = "ExampleInputStream";

/// The stand-in with `example_db.stock` and ferrokinesis with [`STREAM`] ([`LocalWorld`]), and
/// the pipeline files this test writes.
struct World(LocalWorld);

impl std::ops::Deref for World {
    type Target = LocalWorld;
    fn deref(&self) -> &LocalWorld {
        &self.0
    }
}

impl World {
    async fn new(shards: i32) -> World {
        World(
            LocalWorld::start(WorldOptions::with_table(
                STREAM,
                shards,
                PASSWORD,
                "CREATE TABLE example_db.stock (`id` BIGINT NOT NULL, `event_time` DATETIME NULL, \
                 `ticker` VARCHAR(20) NOT NULL, `price` DOUBLE NULL) DUPLICATE KEY(`id`) \
                 DISTRIBUTED BY HASH(`id`)",
            ))
            .await
            .unwrap(),
        )
    }

    async fn admin(&self) -> MysqlAdmin {
        self.0.admin().await.unwrap()
    }

    async fn scalar(&self, sql: &str) -> u64 {
        let rows = self.admin().await.query(sql).await.unwrap();
        rows[0][0].as_deref().unwrap().parse().unwrap()
    }

    fn write_config(&self, extra_sink: &str) -> std::path::PathBuf {
        self.write_config_named("stock", "stock", "", extra_sink)
    }

    /// A config file `<file>.toml` loading into table `table`, with its own state dir.
    fn write_config_named(
        &self,
        file: &str,
        table: &str,
        extra_source: &str,
        extra_sink: &str,
    ) -> std::path::PathBuf {
        let path = self.dir.path().join(format!("{file}.toml"));
        let state_dir = if file == "stock" {
            "state".to_string()
        } else {
            format!("state-{file}")
        };
        let at = Endpoints {
            state_dir: Some(self.dir.path().join(state_dir)),
            ..self.endpoints()
        };
        let text = pipeline_toml(
            &at,
            &PipelineToml {
                table,
                source: &format!(
                    "initial-position = \"TRIM_HORIZON\"\ndiscovery-interval-ms = 500\n{extra_source}"
                ),
                sink: &format!(
                    "retry-interval-ms = 100\nbuffer-flush.max-rows = 300\nbuffer-flush.interval-ms = 200\n\
                     properties.format = \"json\"\n{extra_sink}"
                ),
                ..PipelineToml::default()
            },
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    async fn produce(&self, from: u64, n: u64) {
        let keys: Vec<String> = (from..from + n).map(|i| format!("pk{i}")).collect();
        ks_local::put_json_records(&self.client, STREAM, &records(from, n), &keys)
            .await
            .unwrap();
    }

    /// `n` records in KPL aggregates of `per_aggregate`: packed as the kinesis-aggregation
    /// libraries pack them (a random partition key per record, each aggregate routed by its
    /// first key), or as the KPL does (grouped by shard, every sub-record inside it).
    async fn produce_aggregates(&self, from: u64, n: u64, per_aggregate: usize, packing: Packing) {
        let keys: Vec<String> = (from..from + n)
            .map(|i| match packing {
                Packing::Library => format!("{:032x}", rand::random::<u128>()),
                Packing::ShardAligned => format!("kpl-{i}"),
            })
            .collect();
        ks_local::put_aggregates(
            &self.client,
            STREAM,
            &records(from, n),
            &keys,
            per_aggregate,
            packing,
        )
        .await
        .unwrap();
    }

    async fn create_table(&self, table: &str) {
        self.admin()
            .await
            .execute(&format!(
                "CREATE TABLE example_db.{table} (`id` BIGINT NOT NULL, `event_time` DATETIME NULL, \
                 `ticker` VARCHAR(20) NOT NULL, `price` DOUBLE NULL) DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`)"
            ))
            .await
            .unwrap();
    }

    /// A `run --stop-when-caught-up` that succeeds, after which `example_db.stock` holds each of
    /// the `produced` records once; its stderr.
    async fn final_run_lands_exactly(&self, config: &Path, produced: u64) -> String {
        let (out, stderr) = run_until_caught_up(config, PASSWORD);
        assert!(out.status.success(), "final run failed:\n{stderr}");
        assert_eq!(
            self.rows_and_ids("stock").await,
            (produced, produced),
            "rows / distinct ids / produced"
        );
        stderr
    }

    /// (rows, distinct ids) in `table`.
    async fn rows_and_ids(&self, table: &str) -> (u64, u64) {
        (
            self.scalar(&format!("select count(*) from example_db.{table}"))
                .await,
            self.scalar(&format!(
                "select count(distinct id) from example_db.{table}"
            ))
            .await,
        )
    }
}

/// stock.py-shaped records with ids `from..from+n`.
fn records(from: u64, n: u64) -> Vec<serde_json::Value> {
    let tickers = ["AAPL", "AMZN", "MSFT", "INTC", "TBV"];
    (from..from + n)
        .map(|id| {
            serde_json::json!({"id": id, "event_time": "2024-05-28T19:53:17.497201",
                               "ticker": tickers[(id % 5) as usize], "price": 84.27})
        })
        .collect()
}

/// The number before `marker` in the last line of `log` that holds it ("… 412 KPL sub-records").
fn count_before(log: &str, marker: &str) -> Option<u64> {
    let line = log.lines().rev().find(|l| l.contains(marker))?;
    let head = &line[..line.find(marker)?];
    head.split(|c: char| !c.is_ascii_digit())
        .rfind(|w| !w.is_empty())?
        .parse()
        .ok()
}

/// The binary with AWS test credentials and the password in the environment (never in the config).
fn run_command(config: &Path, args: &[&str], password: &str) -> Command {
    let mut c = ks_tests::app_command(env!("CARGO_BIN_EXE_kinesis-starrocks"), password);
    c.arg("run")
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn,kinesis_starrocks=info,ks_engine=info")
        .stdout(Stdio::null());
    c
}

/// `run --stop-when-caught-up` to its end: its output, and its stderr as text.
fn run_until_caught_up(config: &Path, password: &str) -> (Output, String) {
    let out = run_command(config, &["--stop-when-caught-up"], password)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stderr)
}

/// A random kill schedule, its seed printed so that a failing one can be replayed.
fn kill_schedule() -> rand::rngs::StdRng {
    let seed: u64 = rand::random();
    eprintln!("kill schedule seed: {seed}");
    <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed)
}

/// Round `round` of a kill schedule: `run` (stderr to `log`) works for `wait_ms`, then is killed
/// with SIGKILL, possibly inside a load or an aggregate. It must not have ended on its own.
async fn run_then_kill_9(config: &Path, log: &Path, wait_ms: u64, round: usize) {
    let mut child = run_command(config, &[], PASSWORD)
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(wait_ms)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "round {round}: `run` exited on its own"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `run` without a stop condition, its stderr in `log`, under a guard that stops it when dropped.
fn spawn_run(name: &str, config: &Path, log: &Path) -> ks_tests::ChildGuard {
    ks_tests::ChildGuard::spawn(
        name,
        run_command(config, &[], PASSWORD).stderr(std::fs::File::create(log).unwrap()),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_at_random_moments_then_catch_up_exactly_once_1_in_flight() {
    kill_9_at_random_moments_then_catch_up_exactly_once("max-inflight-loads = 1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_at_random_moments_then_catch_up_exactly_once_2_in_flight() {
    kill_9_at_random_moments_then_catch_up_exactly_once("max-inflight-loads = 2").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_at_random_moments_then_catch_up_exactly_once_8_in_flight() {
    kill_9_at_random_moments_then_catch_up_exactly_once("max-inflight-loads = 8").await;
}

/// Kills `run` (SIGKILL) at random moments — inside loads, between a prepare and its commit —
/// and checks that the next run replays what was pending and every record lands once.
async fn kill_9_at_random_moments_then_catch_up_exactly_once(sink: &str) {
    let w = World::new(4).await;
    let config = w.write_config(sink);
    w.produce(0, 6000).await;
    let mut rng = kill_schedule();
    let mut produced = 6000;
    for round in 0..12 {
        // Some loads are slow, so kills also land while a load is in flight.
        w.sim.faults().inject(Fault::Delay { ms: 250 }, 3);
        let log = w.dir.path().join(format!("run-{round}.log"));
        let wait_ms = rand::RngExt::random_range(&mut rng, 150..1800u64);
        run_then_kill_9(&config, &log, wait_ms, round).await;
        w.produce(produced, 500).await;
        produced += 500;
    }
    w.sim.faults().clear();
    let started = Instant::now();
    let (out, stderr) = run_until_caught_up(&config, PASSWORD);
    assert!(
        out.status.success(),
        "final run failed ({:?}):\n{stderr}",
        out.status
    );
    // How many kills left a batch unconfirmed (replayed under its label by the next run).
    let replays = (0..12)
        .filter_map(|r| std::fs::read_to_string(w.dir.path().join(format!("run-{r}.log"))).ok())
        .chain(std::iter::once(stderr.clone()))
        .filter(|log| log.contains("pending batch(es) from the last run"))
        .count();
    eprintln!("runs that replayed a pending batch: {replays}");
    assert!(started.elapsed() < Duration::from_secs(120));
    assert_eq!(
        w.rows_and_ids("stock").await,
        (produced, produced),
        "rows / distinct ids / produced"
    );
    assert!(
        !stderr.contains(PASSWORD),
        "the password never reaches the logs"
    );
}

/// Enhanced fan-out through kill -9 and a split: every start reuses the one consumer, the next
/// run replays what was pending, and every record lands once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn enhanced_fan_out_through_kill_9_and_a_split_lands_every_record_once() {
    let w = World::new(2).await;
    let config = w.write_config_named("stock", "stock", "reader = \"efo\"\n", "");
    w.produce(0, 3000).await;
    let mut produced = 3000;
    let mut rng = kill_schedule();
    for round in 0..8 {
        w.sim.faults().inject(Fault::Delay { ms: 200 }, 2);
        let log = w.dir.path().join(format!("efo-{round}.log"));
        // The first run lives past the consumer's registration (ACTIVE after ~0.5 s here), so
        // its log says it registered it; later kills land anywhere.
        let wait_ms = if round == 0 {
            3000
        } else {
            rand::RngExt::random_range(&mut rng, 300..2000u64)
        };
        run_then_kill_9(&config, &log, wait_ms, round).await;
        if round == 3 {
            ks_local::split_shard(&w.client, STREAM, "shardId-000000000000", u128::MAX / 4)
                .await
                .unwrap();
        }
        w.produce(produced, 300).await;
        produced += 300;
    }
    w.sim.faults().clear();
    let stderr = w.final_run_lands_exactly(&config, produced).await;
    assert_contains(
        &stderr,
        "enhanced fan-out: consumer kinesis-starrocks-stock",
    );
    assert_contains(&stderr, "is ACTIVE, reused");
    // Without RUST_LOG the user still sees which consumer is read (and billed).
    let (out, plain) = {
        let out = run_command(&config, &["--stop-when-caught-up"], PASSWORD)
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stderr).into_owned();
        (out, text)
    };
    assert!(out.status.success(), "{plain}");
    assert_contains(
        &plain,
        "reading by enhanced fan-out with consumer kinesis-starrocks-stock",
    );
    let first = std::fs::read_to_string(w.dir.path().join("efo-0.log")).unwrap();
    assert_contains(&first, "registered now");
    assert_eq!(
        ks_local::consumer_names(&w.kinesis.source(STREAM).await).await,
        ["kinesis-starrocks-stock"],
        "one consumer, reused by every start"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_user_reads_plain_errors_and_metrics() {
    let w = World::new(1).await;
    w.produce(0, 50).await;
    let config = w.write_config("");

    // A wrong password: exit 1 and StarRocks' own words plus what to check.
    let (out, stderr) = run_until_caught_up(&config, "not-the-password");
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
    assert_contains(&stderr, "sink.load-url");

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
    assert_contains(
        &text,
        "kinesis_starrocks_rows_loaded_total{pipeline=\"stock\"} 50",
    );
    // (The wrong-password run above left its batch as a pending intent: this run replayed it, so
    // the shard itself had nothing new to read.)
    assert_contains(
        &text,
        "kinesis_starrocks_shard_records_read_total{pipeline=\"stock\",shard=\"shardId-000000000000\"}",
    );
    assert_contains(
        &text,
        "# TYPE kinesis_starrocks_shard_millis_behind_latest gauge",
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kpl_aggregates_from_any_producer_land_once_through_kill_9_and_a_split() {
    let w = World::new(3).await;
    let config = w.write_config("");
    // Library-style aggregates (sub-records of any key), true-KPL ones (aligned to the shard)
    // and plain records, on 3 shards.
    let mut produced = 0;
    w.produce_aggregates(produced, 900, 25, Packing::Library)
        .await;
    produced += 900;
    w.produce_aggregates(produced, 300, 20, Packing::ShardAligned)
        .await;
    produced += 300;
    w.produce(produced, 100).await;
    produced += 100;
    let mut rng = kill_schedule();
    for round in 0..8 {
        w.sim.faults().inject(Fault::Delay { ms: 200 }, 2);
        let log = w.dir.path().join(format!("kpl-{round}.log"));
        let wait_ms = rand::RngExt::random_range(&mut rng, 200..1500u64);
        run_then_kill_9(&config, &log, wait_ms, round).await;
        if round == 3 {
            // Reshard in the middle: aggregates after this land in the children.
            ks_local::split_shard(&w.client, STREAM, "shardId-000000000000", u128::MAX / 6)
                .await
                .unwrap();
        }
        w.produce_aggregates(produced, 200, 25, Packing::Library)
            .await;
        produced += 200;
        w.produce_aggregates(produced, 60, 20, Packing::ShardAligned)
            .await;
        produced += 60;
    }
    w.sim.faults().clear();
    let stderr = w.final_run_lands_exactly(&config, produced).await;
    // The final run read library aggregates too: it says it kept sub-records outside their
    // shard's range, and that nothing was dropped.
    let kept = count_before(
        &stderr,
        "KPL sub-records outside their shard's hash-key range kept",
    );
    eprintln!("out-of-range sub-records kept by the final run: {kept:?}");
    assert!(kept.is_some_and(|k| k > 0), "{stderr}");
    assert!(!stderr.contains("DROPPED"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lambda_style_python_producer_loses_nothing_and_drop_is_counted() {
    let w = World::new(3).await;
    // The producer from the user report: Python's aws-kinesis-agg with boto3.
    let python = ks_tests::emulators::venv_python("aws_kinesis_agg");
    let out = Command::new(python)
        .arg(ks_tests::emulators::producer_script(
            "aggregating_producer.py",
        ))
        .args(["--endpoint", w.kinesis.endpoint_url()])
        .args([
            "--stream",
            STREAM,
            "--count",
            "600",
            "--per-aggregate",
            "25",
        ])
        .args(["--seed", "7"])
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the producer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["records"], 600);
    assert_eq!(report["aggregates"], 24);

    // Default: every record lands once, and the run says how many were outside their shard.
    let keep = w.write_config("");
    let (out, stderr) = run_until_caught_up(&keep, PASSWORD);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(w.rows_and_ids("stock").await, (600, 600), "{stderr}");
    let kept = count_before(
        &stderr,
        "KPL sub-records outside their shard's hash-key range kept",
    )
    .unwrap_or_else(|| panic!("no count of kept sub-records:\n{stderr}"));
    eprintln!("out-of-range sub-records kept: {kept} of 600");
    // 3 shards and random keys: about two thirds hash outside the shard of their aggregate.
    assert!((200..=550).contains(&kept), "{kept}");

    // KCL's rule, opted into: warned at start, every dropped record counted, none silent.
    w.create_table("stock_drop").await;
    // (With read-limits = "none", said at start; the default run above did not say it.)
    assert!(!stderr.contains("read-limits"), "{stderr}");
    let drop = w.write_config_named(
        "drop",
        "stock_drop",
        "kpl-out-of-range = \"drop\"\nread-limits = \"none\"",
        "",
    );
    let (out, stderr) = run_until_caught_up(&drop, PASSWORD);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "source.read-limits = \"none\": each shard is read as fast as the endpoint answers"
        ),
        "read-limits = none not said at start:\n{stderr}"
    );
    assert!(
        stderr.contains("source.kpl-out-of-range = \"drop\"") && stderr.contains("DROPPED"),
        "no warning at start:\n{stderr}"
    );
    let dropped = count_before(
        &stderr,
        "KPL sub-records outside their shard's hash-key range DROPPED",
    )
    .unwrap_or_else(|| panic!("no count of dropped sub-records:\n{stderr}"));
    assert_eq!(dropped, kept, "the same records are outside their shard");
    assert_eq!(
        w.rows_and_ids("stock_drop").await,
        (600 - dropped, 600 - dropped)
    );
}

/// Waits until `path` holds `needle` (a log file written by a child), or panics after `secs`.
fn wait_for_text(path: &Path, needle: &str, secs: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{needle:?} did not appear in {} within {secs} s:\n{text}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_run_of_the_same_pipeline_is_refused_and_kill_9_frees_it() {
    let w = World::new(2).await;
    let config = w.write_config("");
    w.produce(0, 400).await;
    let log_a = w.dir.path().join("a.log");
    let mut a = spawn_run("run A", &config, &log_a);
    wait_for_text(&log_a, "reading shardId-", 30);

    // A second engine on the same state dir: refused at once, naming the holder; it loads nothing.
    let started = Instant::now();
    let (out, stderr) = run_until_caught_up(&config, PASSWORD);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let expected = format!(
        "error: pipeline stock is already running (pid {} on ",
        a.id()
    );
    assert!(
        stderr.contains(&expected) && stderr.contains(", kinesis-starrocks run); stop it first"),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    // The lock file says who holds it.
    let lock: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(w.dir.path().join("state/engine.lock")).unwrap(),
    )
    .unwrap();
    assert_eq!(lock["pid"], a.id());
    assert_eq!(lock["holder"], "kinesis-starrocks run");
    assert!(lock["since"].as_str().is_some_and(|s| s.ends_with('Z')));
    assert!(lock["host"].as_str().is_some_and(|h| !h.is_empty()));

    // kill -9 leaves no stale lock: the next run starts at once and ends exact.
    a.child_mut().kill().unwrap(); // SIGKILL
    a.child_mut().wait().unwrap();
    w.produce(400, 100).await;
    let (out, stderr) = run_until_caught_up(&config, PASSWORD);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(w.rows_and_ids("stock").await, (500, 500));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_60_s_outage_shows_stalled_within_one_retry_then_running_and_loses_nothing() {
    let w = World::new(2).await;
    let config = w.write_config("max-retries = 3");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("retry-interval-ms = 100", "retry-interval-ms = 3000"),
    )
    .unwrap();
    w.produce(0, 200).await;
    let log = w.dir.path().join("outage.log");
    let mut child = spawn_run("run", &config, &log);
    wait_for_text(&log, "total 200 rows", 60);

    w.sim.faults().go_down(Duration::from_secs(60));
    let down_at = Instant::now();
    w.produce(200, 100).await;
    // The status line says "stalled (reason)" before the load is retried once.
    let text = wait_for_text(&log, ": stalled (", 30);
    let stalled_at = text.find(": stalled (").unwrap();
    let first_failure = text
        .find("attempt 1 failed")
        .expect("the failed attempt is logged");
    assert!(first_failure < stalled_at, "{text}");
    assert!(
        !text[..stalled_at].contains("attempt 2 failed"),
        "the stall showed only after a retry:\n{text}"
    );
    let line = text[stalled_at..].lines().next().unwrap();
    assert!(
        line.contains("127.0.0.1"),
        "the reason names the node: {line}"
    );
    // Then "running" again once the stand-in is back, and every row once.
    let text = wait_for_text(&log, "loads succeed again", 150);
    assert!(down_at.elapsed() >= Duration::from_secs(59));
    let recovered = text.find("loads succeed again").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(&log).unwrap();
        if text[recovered..].contains(": running ·") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no status line says running after the recovery:\n{}",
            &text[recovered..]
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // SIGTERM: a graceful stop.
    let status = child.kill();
    assert!(
        status.is_some_and(|s| s.success()),
        "the graceful stop ended {status:?}; the run's log:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    assert_eq!(w.rows_and_ids("stock").await, (300, 300));
}

/// What a headless user needs when rows do not load or reads are throttled: StarRocks' ErrorURL
/// and error lines in the log for filtered rows; for a refused batch set aside, the file (each
/// row with the shard and sequence number it was read at), "not retried" instead of "retrying in
/// 0 ms", and dead-lettered counted apart from filtered; throttled GetRecords in the status line.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_headless_user_sees_filtered_rows_dead_letters_and_throttling() {
    let w = World::new(1).await;
    let mut batch = records(0, 5);
    batch.extend((5..8).map(|id| serde_json::json!({"id": id, "ticker": null, "price": 1.0})));
    let keys: Vec<String> = (0..8).map(|i| format!("pk{i}")).collect();
    ks_local::put_json_records(&w.client, STREAM, &batch, &keys)
        .await
        .unwrap();

    // 1. Filtered rows (max_filter_ratio lets the load succeed): the log carries the ErrorURL
    //    and StarRocks' lines, as the errors panel does.
    let config = w.write_config("properties.max_filter_ratio = \"1\"");
    let (out, stderr) = run_until_caught_up(&config, PASSWORD);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_contains(&stderr, "3 row(s) filtered by StarRocks");
    assert_contains(&stderr, "ErrorURL: http://127.0.0.1:");
    assert_contains(&stderr, "NULL value in non-nullable column 'ticker'");
    assert_eq!(w.rows_and_ids("stock").await, (5, 5));

    // 2. The same records refused (no max_filter_ratio) and set aside.
    w.create_table("stock_dl").await;
    let dl = w.write_config_named("dl", "stock_dl", "", "");
    let text = std::fs::read_to_string(&dl).unwrap();
    std::fs::write(&dl, format!("on-data-error = \"dead-letter\"\n{text}")).unwrap();
    let (out, stderr) = run_until_caught_up(&dl, PASSWORD);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("retrying in 0 ms"), "{stderr}");
    assert_contains(
        &stderr,
        "not retried (the same rows would be refused again)",
    );
    let dead_dir = w.dir.path().join("state-dl").join("dead-letter");
    let files: Vec<_> = std::fs::read_dir(&dead_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        stderr.contains(&format!("8 row(s) set aside in {}", files[0].display())),
        "the log names the file:\n{stderr}"
    );
    assert!(
        stderr.contains("0 filtered by StarRocks, 8 dead-lettered"),
        "dead-lettered rows are counted apart from filtered ones:\n{stderr}"
    );
    // Each row names where it was read: the same shard and sequence numbers a GetRecords reads.
    let read = w
        .client
        .get_shard_iterator()
        .stream_name(STREAM)
        .shard_id("shardId-000000000000")
        .shard_iterator_type(aws_sdk_kinesis::types::ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap();
    let got = w
        .client
        .get_records()
        .shard_iterator(read.shard_iterator().unwrap())
        .send()
        .await
        .unwrap();
    let in_stream: Vec<(String, String)> = got
        .records()
        .iter()
        .map(|r| {
            let doc: serde_json::Value = serde_json::from_slice(r.data().as_ref()).unwrap();
            (doc.to_string(), r.sequence_number().to_string())
        })
        .collect();
    assert_eq!(in_stream.len(), 8);
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&files[0])
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines[0]["error_lines"][0]
            .as_str()
            .unwrap()
            .contains("NULL value in non-nullable column 'ticker'"),
        "{}",
        lines[0]
    );
    let rows: Vec<(String, String)> = lines[1..]
        .iter()
        .map(|l| {
            assert_eq!(l["shard"], "shardId-000000000000", "{l}");
            let doc: serde_json::Value = serde_json::from_str(l["row"].as_str().unwrap()).unwrap();
            (doc.to_string(), l["sequence"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(rows, in_stream);

    // 3. Throttled reads: every other GetRecords refused by a proxy; the status line says so.
    let proxy = ks_local::KinesisProxy::start(w.kinesis.addr())
        .await
        .unwrap();
    proxy
        .counts
        .throttle
        .store(true, std::sync::atomic::Ordering::Relaxed);
    w.create_table("stock_thr").await;
    let thr = w.write_config_named(
        "thr",
        "stock_thr",
        "",
        "properties.max_filter_ratio = \"1\"",
    );
    let text = std::fs::read_to_string(&thr)
        .unwrap()
        .replace(w.kinesis.endpoint_url(), &proxy.url);
    std::fs::write(&thr, text).unwrap();
    let log = w.dir.path().join("throttled.log");
    let mut child = spawn_run("run", &thr, &log);
    let text = wait_for_text(&log, "THROTTLED", 60);
    let line = text
        .lines()
        .find(|l| l.contains("THROTTLED"))
        .unwrap()
        .to_string();
    assert_contains(&line, "shardId-000000000000");
    assert_contains(&line, "another application");
    assert!(child.kill().is_some_and(|s| s.success()));
    assert!(
        proxy
            .counts
            .throttled
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0
    );
}
