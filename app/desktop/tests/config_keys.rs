//! Every config key is honoured or refused — never silently ignored.
//!
//! The test walks every key of `packaging/example-pipeline.toml` (set or commented out), every key
//! of the design's config contract (`fixtures/design_config_contract.toml`) and every key the
//! parser accepts (`ks_core::config::known_keys`), and for each one runs a check that shows it
//! change what the pipeline does (rows, labels, headers, timing of retries, the messages `run` and
//! `check` print) or be refused with a message naming it. A key without a check fails the test.
//! Everything runs against real components on 127.0.0.1: the `kinesis-starrocks` binary,
//! ferrokinesis, the StarRocks stand-in, moto.

mod common;

use ks_core::{PipelineConfig, Secret, config::JdbcUrl, config::SslMode};
use ks_kinesis::{ConnectOptions, KinesisSource, ShardStats, StartPosition};
use ks_local::EmbeddedKinesis;
use starrocks_sim::{Fault, SimConfig, StarRocksSim};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const PASSWORD: &str = "keys-pw";
const STREAM: &str = "ExampleInputStream";

/// The keys of the design's config contract (fixtures/design_config_contract.toml), set or
/// commented out, as dotted paths.
fn design_contract_keys() -> BTreeSet<String> {
    shown_paths(include_str!("fixtures/design_config_contract.toml"))
}

/// The keys `packaging/example-pipeline.toml` mentions, active or commented out, as dotted paths.
fn example_keys() -> BTreeSet<String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/example-pipeline.toml"),
    )
    .unwrap();
    shown_paths(&text)
}

fn shown_paths(toml: &str) -> BTreeSet<String> {
    ks_tests::example_config::keys_shown_in(toml)
        .into_iter()
        .map(|k| k.path)
        .collect()
}

/// The check a key maps to (several keys may share one that shows each of them).
fn check_for(key: &str) -> Option<&'static str> {
    Some(match key {
        "name" | "sink.label-prefix" => "labels",
        "state-dir" => "state_dir",
        "on-data-error" => "on_data_error",
        "source.stream" | "source.region" => "stream_and_region",
        "source.profile" => "profile",
        "source.endpoint-url" => "endpoint_url",
        "source.initial-position" | "source.initial-timestamp" => "initial_position",
        "source.reader" | "source.efo-consumer" | "source.efo-consumer-name" => "efo",
        "sink.max-inflight-loads" => "max_inflight_loads",
        "source.read-limits" => "read_limits",
        "source.kpl-out-of-range" => "kpl_out_of_range",
        "source.operation-timeout-ms" => "operation_timeout",
        "source.discovery-interval-ms" => "discovery_interval",
        "sink.jdbc-url" => "jdbc_url",
        "sink.load-url" => "load_url",
        "sink.username" | "sink.password-file" => "credentials",
        "sink.database-name" | "sink.table-name" => "database_and_table",
        "sink.ssl-mode" | "sink.ssl-ca" => "tls",
        "sink.buffer-flush.max-bytes"
        | "sink.buffer-flush.max-rows"
        | "sink.buffer-flush.interval-ms" => "buffer_flush",
        "sink.connect-timeout-ms" => "connect_timeout",
        "sink.socket-timeout-ms" => "socket_timeout",
        "sink.max-retries" | "sink.retry-interval-ms" => "retries",
        k if k.starts_with("sink.properties.") => "properties",
        "network.security-group-ids" | "network.egress-ip" => "network",
        _ => return None,
    })
}

type CheckFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

fn check(name: &str) -> CheckFuture {
    match name {
        "labels" => Box::pin(labels()),
        "state_dir" => Box::pin(state_dir()),
        "on_data_error" => Box::pin(on_data_error()),
        "stream_and_region" => Box::pin(stream_and_region()),
        "profile" => Box::pin(profile()),
        "endpoint_url" => Box::pin(endpoint_url()),
        "initial_position" => Box::pin(initial_position()),
        "efo" => Box::pin(efo()),
        "max_inflight_loads" => Box::pin(max_inflight_loads()),
        "read_limits" => Box::pin(read_limits()),
        "kpl_out_of_range" => Box::pin(kpl_out_of_range()),
        "operation_timeout" => Box::pin(operation_timeout()),
        "discovery_interval" => Box::pin(discovery_interval()),
        "jdbc_url" => Box::pin(jdbc_url()),
        "load_url" => Box::pin(load_url()),
        "credentials" => Box::pin(credentials()),
        "database_and_table" => Box::pin(database_and_table()),
        "tls" => Box::pin(tls()),
        "buffer_flush" => Box::pin(buffer_flush()),
        "connect_timeout" => Box::pin(connect_timeout()),
        "socket_timeout" => Box::pin(socket_timeout()),
        "retries" => Box::pin(retries()),
        "properties" => Box::pin(properties()),
        "network" => Box::pin(network()),
        other => panic!("no check named {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_config_key_changes_behaviour_or_is_refused() {
    let mut keys: BTreeSet<String> = example_keys();
    keys.extend(design_contract_keys());
    keys.extend(ks_core::config::known_keys());
    let mut by_check: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut unchecked = Vec::new();
    for key in &keys {
        match check_for(key) {
            Some(c) => by_check.entry(c).or_default().push(key.clone()),
            None => unchecked.push(key.clone()),
        }
    }
    assert!(
        unchecked.is_empty(),
        "keys without a check (add one that shows the key honoured, or refuse it): {unchecked:?}"
    );
    // Every key the example and the contract name is one the parser knows (or refuses by name).
    let known: BTreeSet<String> = ks_core::config::known_keys().into_iter().collect();
    for key in &keys {
        let known_here = known.contains(key)
            || (key.starts_with("sink.properties.") && known.contains("sink.properties.*"));
        assert!(
            known_here,
            "{key} is documented but the parser does not know it"
        );
    }
    eprintln!("{} keys, {} checks", keys.len(), by_check.len());
    for (name, keys) in &by_check {
        let started = Instant::now();
        eprintln!("check {name} for {keys:?}");
        check(name).await;
        eprintln!(
            "check {name}: ok in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
}

// -------------------------------------------------------------------------------------------------
// The world every check runs in

struct World {
    kinesis: EmbeddedKinesis,
    client: aws_sdk_kinesis::Client,
    sim: StarRocksSim,
    dir: tempfile::TempDir,
    configs: AtomicU64,
    /// How the test's own admin session logs in (TLS when the stand-in requires it).
    admin_ssl: SslMode,
}

impl World {
    async fn new(shards: i32) -> World {
        World::with_sim(shards, SimConfig::default()).await
    }

    async fn with_sim(shards: i32, sim: SimConfig) -> World {
        let admin_ssl = if sim.tls.is_some() {
            SslMode::Required
        } else {
            SslMode::Disabled
        };
        let (_, kinesis) = EmbeddedKinesis::start(EmbeddedKinesis::options())
            .await
            .unwrap();
        let client = kinesis.client().await;
        ks_local::create_stream(&client, STREAM, shards)
            .await
            .unwrap();
        ks_local::wait_active(&client, STREAM).await.unwrap();
        let sim = StarRocksSim::start(SimConfig {
            password: PASSWORD.into(),
            ..sim
        })
        .await
        .unwrap();
        let w = World {
            kinesis,
            client,
            sim,
            dir: tempfile::tempdir().unwrap(),
            configs: AtomicU64::new(0),
            admin_ssl,
        };
        w.sql("CREATE DATABASE example_db").await;
        w.create_table("stock").await;
        w
    }

    async fn admin(&self) -> ks_starrocks::MysqlAdmin {
        ks_starrocks::MysqlAdmin::connect(
            &JdbcUrl::parse(&self.sim.jdbc_url()).unwrap(),
            "root",
            &Secret::new(PASSWORD),
            self.admin_ssl,
            Duration::from_secs(5),
        )
        .await
        .unwrap()
    }

    async fn sql(&self, sql: &str) {
        self.admin().await.execute(sql).await.unwrap();
    }

    async fn create_table(&self, table: &str) {
        self.sql(&format!(
            "CREATE TABLE example_db.{table} (`id` BIGINT NOT NULL, `event_time` DATETIME NULL, \
             `ticker` VARCHAR(20) NULL, `price` DOUBLE NULL) DUPLICATE KEY(`id`) \
             DISTRIBUTED BY HASH(`id`)"
        ))
        .await;
    }

    async fn rows(&self, table: &str) -> u64 {
        let rows = self
            .admin()
            .await
            .query(&format!("select count(*) from example_db.{table}"))
            .await
            .unwrap();
        rows[0][0].as_deref().unwrap().parse().unwrap()
    }

    /// A one-shard world holding records `0..n`.
    async fn with_records(n: u64) -> World {
        let w = World::new(1).await;
        w.produce(0, n).await;
        w
    }

    async fn produce(&self, from: u64, n: u64) {
        let keys: Vec<String> = (from..from + n).map(|i| format!("pk{i}")).collect();
        ks_local::put_json_records(&self.client, STREAM, &records(from, n), &keys)
            .await
            .unwrap();
    }

    /// The base config with `edits`: `(dotted key, Some(TOML value))` sets, `None` removes.
    fn config(&self, edits: &[(&str, Option<&str>)]) -> String {
        let q = |s: &str| format!("{s:?}");
        let mut entries: Vec<(String, String)> = vec![
            ("name".into(), q("stock")),
            (
                "state-dir".into(),
                q(&self.dir.path().join("state").display().to_string()),
            ),
            ("source.stream".into(), q(STREAM)),
            ("source.region".into(), q("us-east-1")),
            ("source.endpoint-url".into(), q(self.kinesis.endpoint_url())),
            ("source.initial-position".into(), q("TRIM_HORIZON")),
            ("source.discovery-interval-ms".into(), "500".into()),
            ("sink.jdbc-url".into(), q(&self.sim.jdbc_url())),
            ("sink.load-url".into(), q(&self.sim.load_url())),
            ("sink.username".into(), q("root")),
            ("sink.database-name".into(), q("example_db")),
            ("sink.table-name".into(), q("stock")),
            ("sink.ssl-mode".into(), q("disabled")),
            ("sink.retry-interval-ms".into(), "100".into()),
            ("sink.buffer-flush.interval-ms".into(), "200".into()),
            ("sink.properties.format".into(), q("json")),
        ];
        for (key, value) in edits {
            entries.retain(|(k, _)| k != key);
            if let Some(v) = value {
                entries.push((key.to_string(), v.to_string()));
            }
        }
        let mut out = String::new();
        for section in ["", "source", "sink", "network"] {
            if !section.is_empty() {
                out.push_str(&format!("\n[{section}]\n"));
            }
            for (k, v) in &entries {
                let (s, rest) = match k.split_once('.') {
                    Some((s, rest)) if ["source", "sink", "network"].contains(&s) => (s, rest),
                    _ => ("", k.as_str()),
                };
                if s == section {
                    out.push_str(&format!("{rest} = {v}\n"));
                }
            }
        }
        out
    }

    /// Writes `text` to a fresh config file.
    fn write(&self, text: &str) -> PathBuf {
        let n = self.configs.fetch_add(1, Ordering::SeqCst);
        let path = self.dir.path().join(format!("config-{n}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `kinesis-starrocks <args> --config <edited config>`, to completion.
    async fn run(&self, args: &[&str], edits: &[(&str, Option<&str>)]) -> (Output, String) {
        let path = self.write(&self.config(edits));
        let out = output(binary(args, &path)).await;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out, text)
    }

    /// `run --stop-when-caught-up` that must succeed; returns its log.
    async fn run_ok(&self, edits: &[(&str, Option<&str>)]) -> String {
        let (out, text) = self.run(&["run", "--stop-when-caught-up"], edits).await;
        assert!(out.status.success(), "run failed:\n{text}");
        text
    }

    /// The loads the stand-in's BE answered, in order: plain Stream Loads (PUT
    /// `…/_stream_load`) and the transaction API's `load` (several loads in flight).
    fn loads(&self) -> Vec<starrocks_sim::RecordedRequest> {
        self.sim
            .faults()
            .requests()
            .into_iter()
            .filter(|r| {
                r.port == "be"
                    && r.load_status.is_some()
                    && (r.uri.contains("/_stream_load") || r.uri.ends_with("/api/transaction/load"))
            })
            .collect()
    }
}

fn header<'a>(r: &'a starrocks_sim::RecordedRequest, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn records(from: u64, n: u64) -> Vec<serde_json::Value> {
    (from..from + n)
        .map(|id| {
            serde_json::json!({"id": id, "event_time": "2024-05-28T19:53:17.497201",
                               "ticker": "AMZN", "price": 84.27})
        })
        .collect()
}

/// The binary with test AWS credentials, the password in the environment, logs at info.
fn binary(args: &[&str], config: &Path) -> Command {
    let mut c = ks_tests::app_command(env!("CARGO_BIN_EXE_kinesis-starrocks"), PASSWORD);
    c.args(args)
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "warn,kinesis_starrocks=info,ks_engine=info");
    c
}

async fn output(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// Runs `command` until its output holds `needle` (then kills it), or panics after `secs`.
async fn output_until(mut command: Command, needle: &str, secs: u64) -> String {
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = ks_tests::ChildGuard::spawn(
        "kinesis-starrocks",
        command
            .stdout(log.reopen().unwrap())
            .stderr(log.reopen().unwrap()),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let text = std::fs::read_to_string(log.path()).unwrap_or_default();
        if text.contains(needle) {
            child.child_mut().kill().ok();
            return text;
        }
        if Instant::now() > deadline || child.try_wait().is_some() {
            panic!("{needle:?} did not appear within {secs} s:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A config error: exit 2 and the key named.
async fn assert_refused(w: &World, key: &str, value: &str, why: &str) {
    let (out, text) = w.run(&["run"], &[(key, Some(value))]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{key} = {value} not refused:\n{text}"
    );
    assert!(
        text.contains(key) && text.contains(why),
        "the refusal of {key} = {value} does not name it and say {why:?}:\n{text}"
    );
}

// -------------------------------------------------------------------------------------------------
// The checks

/// `name` and `label-prefix` make the Stream Load labels.
async fn labels() {
    let w = World::with_records(5).await;
    w.run_ok(&[("name", Some("\"clicks\""))]).await;
    let label = |w: &World| {
        header(w.loads().last().unwrap(), "label")
            .unwrap()
            .to_string()
    };
    assert!(label(&w).starts_with("ks-clicks-"), "{}", label(&w));
    w.produce(5, 5).await;
    w.run_ok(&[
        ("name", Some("\"clicks\"")),
        ("sink.label-prefix", Some("\"orders_2024\"")),
    ])
    .await;
    assert!(label(&w).starts_with("orders_2024-"), "{}", label(&w));
}

/// `state-dir` holds the checkpoint and the lock.
async fn state_dir() {
    let w = World::with_records(5).await;
    let elsewhere = w.dir.path().join("elsewhere");
    w.run_ok(&[(
        "state-dir",
        Some(&format!("{:?}", elsewhere.display().to_string())),
    )])
    .await;
    assert!(elsewhere.join("checkpoint.json").exists());
    assert!(elsewhere.join("engine.lock").exists());
    assert!(!w.dir.path().join("state").exists());
}

/// `on-data-error`: stop (default) or set the batch aside and go on.
async fn on_data_error() {
    let w = World::new(1).await;
    ks_local::put_records(
        &w.client,
        STREAM,
        &[ks_local::PutEntry::new("k", &b"not json at all"[..])],
    )
    .await
    .unwrap();
    w.produce(0, 3).await;
    let (out, text) = w.run(&["run", "--stop-when-caught-up"], &[]).await;
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("on-data-error = \"dead-letter\""), "{text}");
    w.run_ok(&[("on-data-error", Some("\"dead-letter\""))])
        .await;
    assert_eq!(w.rows("stock").await, 3);
    let dead = std::fs::read_dir(w.dir.path().join("state/dead-letter"))
        .unwrap()
        .count();
    assert_eq!(dead, 1);
}

/// `stream` names the stream read, `region` the region asked.
async fn stream_and_region() {
    let w = World::new(1).await;
    let (out, text) = w
        .run(
            &["run", "--stop-when-caught-up"],
            &[
                ("source.stream", Some("\"NoSuchStream\"")),
                ("source.region", Some("\"eu-west-1\"")),
            ],
        )
        .await;
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("Kinesis stream \"NoSuchStream\" does not exist in region eu-west-1"),
        "{text}"
    );
}

/// `profile`: credentials from that profile (and a missing one is named).
async fn profile() {
    let w = World::with_records(4).await;
    let creds = w.dir.path().join("credentials");
    std::fs::write(
        &creds,
        "[loader]\naws_access_key_id = AKIDLOADER\naws_secret_access_key = loader-secret\n",
    )
    .unwrap();
    let run = |profile: &str| {
        let path = w.write(&w.config(&[("source.profile", Some(&format!("{profile:?}")))]));
        let mut c = binary(&["run", "--stop-when-caught-up"], &path);
        c.env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("AWS_SHARED_CREDENTIALS_FILE", &creds);
        c
    };
    let out = output(run("loader")).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(w.rows("stock").await, 4);
    let out = output(run("nosuch")).await;
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("source.profile = \"nosuch\""), "{text}");
}

/// `endpoint-url`: where Kinesis calls go.
async fn endpoint_url() {
    let w = World::new(1).await;
    let closed = ks_tests::emulators::free_port();
    let path = w.write(&w.config(&[(
        "source.endpoint-url",
        Some(&format!("\"http://127.0.0.1:{closed}\"")),
    )]));
    output_until(
        binary(&["run"], &path),
        &format!(
            "stalled (cannot list the stream's shards: cannot reach the Kinesis endpoint http://127.0.0.1:{closed}"
        ),
        30,
    )
    .await;
}

/// `initial-position` and `initial-timestamp`: where a new pipeline starts.
async fn initial_position() {
    let w = World::with_records(10).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let t = chrono::Utc::now();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    w.produce(10, 5).await;
    let fresh = |n: &str| format!("{:?}", w.dir.path().join(n).display().to_string());
    for table in ["latest", "trim", "at"] {
        w.create_table(table).await;
    }
    // Arrival times are compared by the second: start LATEST in a later one.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    w.run_ok(&[
        ("state-dir", Some(&fresh("s-latest"))),
        ("sink.table-name", Some("\"latest\"")),
        ("source.initial-position", Some("\"LATEST\"")),
    ])
    .await;
    w.run_ok(&[
        ("state-dir", Some(&fresh("s-trim"))),
        ("sink.table-name", Some("\"trim\"")),
    ])
    .await;
    let at = t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    w.run_ok(&[
        ("state-dir", Some(&fresh("s-at"))),
        ("sink.table-name", Some("\"at\"")),
        ("source.initial-position", Some("\"AT_TIMESTAMP\"")),
        ("source.initial-timestamp", Some(&format!("{at:?}"))),
    ])
    .await;
    assert_eq!(
        (
            w.rows("latest").await,
            w.rows("trim").await,
            w.rows("at").await
        ),
        (0, 15, 5)
    );
}

/// `reader = "efo"` reads through an enhanced fan-out consumer named after the pipeline, or
/// `efo-consumer-name`; the consumer keys without it, and unknown values, are refused.
async fn efo() {
    let w = World::new(1).await;
    assert_refused(&w, "source.reader", "\"push\"", "\"polling\" or \"efo\"").await;
    assert_refused(&w, "source.efo-consumer", "\"keep\"", "reader = \"efo\"").await;
    assert_refused(
        &w,
        "source.efo-consumer-name",
        "\"mine\"",
        "reader = \"efo\"",
    )
    .await;
    let efo = ("source.reader", Some("\"efo\""));
    assert_refused(&w, "source.efo-consumer", "\"forever\"", "\"keep\"").await;
    let consumers = || async { ks_local::consumer_names(&w.kinesis.source(STREAM).await).await };
    w.produce(0, 3).await;
    let text = w.run_ok(&[efo]).await;
    assert_eq!(w.rows("stock").await, 3);
    assert_eq!(consumers().await, ["kinesis-starrocks-stock"]);
    assert!(
        text.contains("enhanced fan-out: consumer kinesis-starrocks-stock"),
        "{text}"
    );
    // The name is the user's when given (a consumer another tool registered, say).
    w.produce(3, 2).await;
    let text = w
        .run_ok(&[
            efo,
            ("source.efo-consumer-name", Some("\"shared-reader\"")),
            ("source.efo-consumer", Some("\"keep\"")),
        ])
        .await;
    assert_eq!(w.rows("stock").await, 5);
    assert_eq!(
        consumers().await,
        ["kinesis-starrocks-stock", "shared-reader"]
    );
    assert!(text.contains("efo-consumer = \"keep\""), "{text}");
    // Polling (the default) registers nothing.
    w.produce(5, 1).await;
    w.run_ok(&[("source.reader", Some("\"polling\""))]).await;
    assert_eq!(w.rows("stock").await, 6);
    assert_eq!(consumers().await.len(), 2);
}

/// `max-inflight-loads`: 1 = one plain Stream Load at a time; 2 (default) to 8 = loads prepared
/// through the transaction API and committed in batch order; anything else refused.
async fn max_inflight_loads() {
    let w = World::new(1).await;
    assert_refused(&w, "sink.max-inflight-loads", "9", "out of range").await;
    assert_refused(&w, "sink.max-inflight-loads", "0", "out of range").await;
    let mut produced = 0;
    for (value, plain) in [(Some("1"), true), (None, false), (Some("8"), false)] {
        w.produce(produced, 40).await;
        produced += 40;
        let before = w.loads().len();
        w.run_ok(&[
            ("sink.max-inflight-loads", value),
            ("sink.buffer-flush.max-rows", Some("10")),
        ])
        .await;
        assert_eq!(w.rows("stock").await, produced);
        let loads = w.loads();
        assert!(
            loads.len() >= before + 4,
            "{value:?}: {} loads",
            loads.len() - before
        );
        assert!(
            loads[before..]
                .iter()
                .all(|r| r.uri.contains("/_stream_load") == plain),
            "{value:?}: {:?}",
            loads[before..].iter().map(|r| &r.uri).collect::<Vec<_>>()
        );
    }
}

/// `read-limits`: AWS's 2 MiB/s per shard on the client side, or none.
async fn read_limits() {
    let w = World::new(1).await;
    // 6 MiB in one shard: reading it at 2 MiB/s takes waiting; without limits it does not.
    let big = "x".repeat(60_000);
    let entries: Vec<ks_local::PutEntry> = (0..100)
        .map(|i| ks_local::PutEntry::new(format!("k{i}"), big.clone().into_bytes()))
        .collect();
    for chunk in entries.chunks(5) {
        ks_local::put_records(&w.client, STREAM, chunk)
            .await
            .unwrap();
    }
    let waited = |limits: &'static str| {
        let text = w.config(&[("source.read-limits", Some(limits))]);
        async move {
            let cfg = PipelineConfig::from_toml_str(&text, Path::new("k.toml")).unwrap();
            let source = KinesisSource::connect_with(
                &cfg.source,
                ConnectOptions {
                    credentials: Some(ks_local::emulator_credentials()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            let shard = source.list_shards().await.unwrap().remove(0);
            let stats = Arc::new(ShardStats::default());
            let mut reader = source.reader(&shard, StartPosition::TrimHorizon, stats.clone());
            let mut n = 0;
            while n < 100 {
                n += reader.next_batch().await.unwrap().records.len();
            }
            reader.next_batch().await.unwrap();
            stats.snapshot().rate_wait_ms
        }
    };
    let aws = waited("\"aws\"").await;
    let none = waited("\"none\"").await;
    assert!(aws >= 1500, "aws limits waited only {aws} ms for 6 MiB");
    assert!(none < aws / 4, "no limits still waited {none} ms");
}

/// `kpl-out-of-range`: keep (default) or drop sub-records outside their shard.
async fn kpl_out_of_range() {
    let w = World::new(3).await;
    let keys: Vec<String> = (0..100).map(|i| format!("agg-key-{i}")).collect();
    ks_local::put_aggregates(
        &w.client,
        STREAM,
        &records(0, 100),
        &keys,
        20,
        ks_local::Packing::Library,
    )
    .await
    .unwrap();
    w.run_ok(&[]).await;
    assert_eq!(w.rows("stock").await, 100);
    w.create_table("dropped").await;
    let text = w
        .run_ok(&[
            (
                "state-dir",
                Some(&format!(
                    "{:?}",
                    w.dir.path().join("s2").display().to_string()
                )),
            ),
            ("sink.table-name", Some("\"dropped\"")),
            ("source.kpl-out-of-range", Some("\"drop\"")),
        ])
        .await;
    let rows = w.rows("dropped").await;
    assert!(rows < 100, "{rows}");
    assert!(
        text.contains(&format!("{} KPL sub-records", 100 - rows)),
        "{text}"
    );
}

/// A TCP listener that accepts and never answers (a silent endpoint).
async fn silent_endpoint() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            held.push(conn);
        }
    });
    (port, task)
}

/// `operation-timeout-ms` bounds every AWS call.
async fn operation_timeout() {
    let w = World::new(1).await;
    let (port, task) = silent_endpoint().await;
    let path = w.write(&w.config(&[
        (
            "source.endpoint-url",
            Some(&format!("\"http://127.0.0.1:{port}\"")),
        ),
        ("source.operation-timeout-ms", Some("700")),
    ]));
    output_until(
        binary(&["run"], &path),
        "timed out (operation timeout 700 ms",
        30,
    )
    .await;
    task.abort();
}

/// `discovery-interval-ms`: how often ListShards runs again.
async fn discovery_interval() {
    let w = World::new(1).await;
    let mut counts = Vec::new();
    for interval in ["300", "30000"] {
        let proxy = ks_local::KinesisProxy::start(w.kinesis.addr())
            .await
            .unwrap();
        let path = w.write(&w.config(&[
            ("source.endpoint-url", Some(&format!("{:?}", proxy.url))),
            ("source.discovery-interval-ms", Some(interval)),
        ]));
        let mut child = spawn_run(&path);
        tokio::time::sleep(Duration::from_secs(4)).await;
        child.kill();
        counts.push(proxy.counts.list_shards.load(Ordering::SeqCst));
    }
    assert!(
        counts[0] >= 6 && counts[1] <= 2,
        "ListShards calls in 4 s at 300 ms / 30 s: {counts:?}"
    );
}

/// `jdbc-url`: `run` checks the table through it before loading.
async fn jdbc_url() {
    let w = World::new(1).await;
    let (_, text) = w
        .run(
            &["run", "--stop-when-caught-up"],
            &[("sink.table-name", Some("\"nosuch\""))],
        )
        .await;
    assert!(
        text.contains("StarRocks 3.3.5") && text.contains("table example_db.nosuch does not exist"),
        "{text}"
    );
    let (_, text) = w
        .run(
            &["run", "--stop-when-caught-up"],
            &[
                ("sink.table-name", Some("\"nosuch\"")),
                ("sink.jdbc-url", None),
            ],
        )
        .await;
    assert!(
        text.contains("no jdbc-url: the table is not checked"),
        "{text}"
    );
}

/// `load-url`: where loads go; several rotate over the reachable ones.
async fn load_url() {
    let w = World::with_records(6).await;
    let closed = ks_tests::emulators::free_port();
    w.run_ok(&[(
        "sink.load-url",
        Some(&format!("\"127.0.0.1:{closed};{}\"", w.sim.load_url())),
    )])
    .await;
    assert_eq!(w.rows("stock").await, 6);
    w.produce(6, 2).await;
    let path = w.write(&w.config(&[(
        "sink.load-url",
        Some(&format!("\"http://127.0.0.1:{closed}\"")),
    )]));
    output_until(binary(&["run"], &path), "stalled (Stream Load ks-stock", 30).await;
}

/// `username` and `password-file`: who loads.
async fn credentials() {
    let w = World::with_records(3).await;
    let (out, text) = w
        .run(
            &["run", "--stop-when-caught-up"],
            &[("sink.username", Some("\"nobody\""))],
        )
        .await;
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("nobody"), "{text}");
    let file = w.dir.path().join("pw");
    std::fs::write(&file, format!("{PASSWORD}\n")).unwrap();
    let path = w.write(&w.config(&[(
        "sink.password-file",
        Some(&format!("{:?}", file.display().to_string())),
    )]));
    let mut c = binary(&["run", "--stop-when-caught-up"], &path);
    c.env("STARROCKS_PASSWORD", "not-this-one");
    let out = output(c).await;
    assert!(
        out.status.success(),
        "the password file comes first: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(w.rows("stock").await, 3);
}

/// `database-name` and `table-name`: where rows land.
async fn database_and_table() {
    let w = World::with_records(4).await;
    w.create_table("other").await;
    w.run_ok(&[("sink.table-name", Some("\"other\""))]).await;
    assert_eq!((w.rows("stock").await, w.rows("other").await), (0, 4));
    let (out, text) = w
        .run(
            &["run", "--stop-when-caught-up"],
            &[
                ("sink.database-name", Some("\"nodb\"")),
                (
                    "state-dir",
                    Some(&format!(
                        "{:?}",
                        w.dir.path().join("s2").display().to_string()
                    )),
                ),
            ],
        )
        .await;
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("sink.database-name"), "{text}");
}

fn check_doc(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("check --json: {e}\n{text}"))
}

fn check_status(text: &str, id: &str) -> String {
    check_doc(text)["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {text}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The failing checks of a `check --json` document, each as its JSON text.
fn failing(text: &str) -> Vec<String> {
    check_doc(text)["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c.to_string())
        .collect()
}

/// `ssl-mode` and `ssl-ca`: TLS on the MySQL port.
async fn tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let (files, _) = starrocks_sim::TlsFiles::self_signed(dir.path()).unwrap();
    let (cert, key) = (files.cert, files.key);
    let w = World::with_sim(
        1,
        SimConfig {
            tls: Some(starrocks_sim::TlsFiles {
                cert: cert.clone(),
                key,
            }),
            require_secure_transport: true,
            ..Default::default()
        },
    )
    .await;
    let status = |edits: Vec<(&'static str, Option<String>)>| {
        let edits: Vec<(&str, Option<&str>)> =
            edits.iter().map(|(k, v)| (*k, v.as_deref())).collect();
        let path = w.write(&w.config(&edits));
        async move {
            let out = output(binary(&["check", "--json", "--only", "cluster"], &path)).await;
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    };
    // The stand-in requires TLS: "disabled" is refused by it, "required" logs in.
    let text = status(vec![]).await;
    assert!(
        failing(&text).iter().any(|c| c.contains("ssl-mode")),
        "{text}"
    );
    let text = status(vec![("sink.ssl-mode", Some("\"required\"".into()))]).await;
    assert_eq!(check_status(&text, "cluster.login"), "pass", "{text}");
    // verify-ca: a self-signed certificate verifies only with it as ssl-ca.
    let text = status(vec![("sink.ssl-mode", Some("\"verify-ca\"".into()))]).await;
    assert_eq!(check_status(&text, "cluster.tls"), "fail", "{text}");
    let text = status(vec![
        ("sink.ssl-mode", Some("\"verify-ca\"".into())),
        (
            "sink.ssl-ca",
            Some(format!("{:?}", cert.display().to_string())),
        ),
    ])
    .await;
    assert_eq!(check_status(&text, "cluster.login"), "pass", "{text}");
}

/// `buffer-flush.*`: when a batch is loaded.
async fn buffer_flush() {
    let w = World::with_records(20).await;
    let big = [("sink.buffer-flush.interval-ms", Some("3600000"))];
    w.run_ok(&[&big[..], &[("sink.buffer-flush.max-rows", Some("7"))]].concat())
        .await;
    assert_eq!(w.loads().len(), 3, "20 rows at 7 per load");
    w.sim.faults().clear_requests();
    w.produce(20, 20).await;
    w.run_ok(&[&big[..], &[("sink.buffer-flush.max-bytes", Some("600"))]].concat())
        .await;
    let loads = w.loads();
    assert!(loads.len() >= 3, "{} loads", loads.len());
    assert!(loads.iter().all(|l| l.body_bytes <= 700), "{loads:?}");
    // interval-ms: with an hour and room for everything, nothing loads until the stop's flush.
    w.sim.faults().clear_requests();
    w.produce(40, 5).await;
    let path = w.write(&w.config(&big));
    let mut child = spawn_run(&path);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(w.loads().len(), 0, "loaded before the interval");
    assert!(child.kill().is_some_and(|s| s.success()), "graceful stop");
    assert_eq!(w.loads().len(), 1, "the stop flushed");
    assert_eq!(w.rows("stock").await, 45);
}

/// `connect-timeout-ms`: how long a TCP connect to the load URL may take.
async fn connect_timeout() {
    let w = World::with_records(2).await;
    // A listener whose backlog is full: further connects hang (SYNs are dropped).
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = socket.local_addr().unwrap().port();
    let _listener = socket.listen(1).unwrap();
    let mut fill = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(c)) = tokio::time::timeout(
            Duration::from_millis(300),
            tokio::net::TcpStream::connect(("127.0.0.1", port)),
        )
        .await
        {
            fill.push(c);
        }
    }
    // 400 ms: the stall (a timed-out connect) shows within a few seconds.
    let path = w.write(&w.config(&[
        (
            "sink.load-url",
            Some(&format!("\"http://127.0.0.1:{port}\"")),
        ),
        ("sink.connect-timeout-ms", Some("400")),
    ]));
    let text = output_until(binary(&["run"], &path), "stalled (", 5).await;
    assert!(text.contains("timed out"), "{text}");
    // The default (10 s): still waiting for the connect after 3 s.
    let path = w.write(&w.config(&[(
        "sink.load-url",
        Some(&format!("\"http://127.0.0.1:{port}\"")),
    )]));
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = ks_tests::ChildGuard::spawn(
        "run",
        binary(&["run"], &path)
            .stdout(Stdio::null())
            .stderr(log.reopen().unwrap()),
    )
    .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    child.kill();
    let text = std::fs::read_to_string(log.path()).unwrap();
    assert!(
        text.contains("total 0 rows") || !text.contains("stalled ("),
        "{text}"
    );
    assert!(!text.contains("stalled ("), "{text}");
    drop(fill);
}

/// `socket-timeout-ms`: how long one Stream Load may take.
async fn socket_timeout() {
    let w = World::with_records(3).await;
    w.sim.faults().inject(Fault::Delay { ms: 2500 }, 1);
    let text = w.run_ok(&[("sink.socket-timeout-ms", Some("1000"))]).await;
    assert!(text.contains("attempt 1 failed"), "{text}");
    assert_eq!(w.rows("stock").await, 3);
    w.produce(3, 3).await;
    w.sim.faults().inject(Fault::Delay { ms: 2500 }, 1);
    let text = w.run_ok(&[]).await;
    assert!(!text.contains("attempt 1 failed"), "{text}");
    assert_eq!(w.rows("stock").await, 6);
}

/// `max-retries` (attempts before the stall is reported) and `retry-interval-ms` (first delay).
async fn retries() {
    let w = World::with_records(3).await;
    w.sim.faults().inject(Fault::HttpStatus { status: 503 }, 3);
    let text = w
        .run_ok(&[
            ("sink.max-retries", Some("1")),
            ("sink.retry-interval-ms", Some("2000")),
        ])
        .await;
    // Reported after 2 attempts (1 retry): a WARN line and the errors panel entry.
    assert!(
        text.contains("WARN ks_engine::pipeline: load ks-stock"),
        "{text}"
    );
    let delay: u64 = text
        .split("attempt 1 failed")
        .nth(1)
        .and_then(|t| t.split("retrying in ").nth(1))
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no first delay in:\n{text}"));
    assert!((1000..=2000).contains(&delay), "{delay}");
    w.produce(3, 3).await;
    w.sim.faults().inject(Fault::HttpStatus { status: 503 }, 3);
    let text = w.run_ok(&[("sink.max-retries", Some("5"))]).await;
    assert!(text.contains("attempt 3 failed"), "{text}");
    assert!(
        !text.contains("WARN ks_engine::pipeline: load ks-stock"),
        "{text}"
    );
    assert_eq!(w.rows("stock").await, 6);
}

/// `properties.*`: sent to StarRocks as Stream Load headers, verbatim.
async fn properties() {
    let w = World::with_records(3).await;
    ks_local::put_json_records(
        &w.client,
        STREAM,
        &[serde_json::json!({"event_time": "2024-05-28T19:53:17", "ticker": "X"})],
        &["k".to_string()],
    )
    .await
    .unwrap();
    // No id (NOT NULL): filtered. With max_filter_ratio 0 the batch fails; with 0.5 it loads.
    let (out, text) = w.run(&["run", "--stop-when-caught-up"], &[]).await;
    assert_eq!(out.status.code(), Some(1), "{text}");
    w.run_ok(&[
        ("sink.properties.max_filter_ratio", Some("0.5")),
        ("sink.properties.timeout", Some("77")),
        ("sink.properties.strip_outer_array", Some("\"true\"")),
        (
            "sink.properties.jsonpaths",
            Some("'[\"$.id\", \"$.event_time\", \"$.ticker\", \"$.price\"]'"),
        ),
    ])
    .await;
    assert_eq!(w.rows("stock").await, 3);
    let load = w.loads().into_iter().last().unwrap();
    for (name, value) in [
        ("format", "json"),
        ("max_filter_ratio", "0.5"),
        ("timeout", "77"),
        ("strip_outer_array", "true"),
        (
            "jsonpaths",
            "[\"$.id\", \"$.event_time\", \"$.ticker\", \"$.price\"]",
        ),
    ] {
        assert_eq!(header(&load, name), Some(value), "{load:?}");
    }
}

/// `security-group-ids` and `egress-ip`: which groups `check` reads, for which source address.
async fn network() {
    let w = World::new(1).await;
    let moto = ks_tests::emulators::Emulator::moto();
    let ec2 = moto.api();
    let ports = [
        w.sim.mysql_addr().port(),
        w.sim.http_addr().port(),
        w.sim.be_addr().port(),
    ];
    let group = ec2.security_group_allowing("fe", &ports, "203.0.113.7/32");
    let sg_check = format!("network.sg-{}", ports[0]);
    let check = |groups: String, egress: &'static str| {
        let path = w.write(&w.config(&[
            ("network.security-group-ids", Some(&groups)),
            ("network.egress-ip", Some(egress)),
        ]));
        let mut c = binary(&["check", "--json", "--only", "network"], &path);
        c.env("AWS_ENDPOINT_URL_EC2", &moto.endpoint)
            .env("AWS_ENDPOINT_URL_STS", &moto.endpoint);
        async move {
            let out = output(c).await;
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    };
    let text = check(format!("[{group:?}]"), "\"203.0.113.7\"").await;
    assert_eq!(check_status(&text, &sg_check), "pass", "{text}");
    let text = check(format!("[{group:?}]"), "\"198.51.100.9\"").await;
    assert_eq!(check_status(&text, &sg_check), "fail", "{text}");
    assert!(text.contains("198.51.100.9/32"), "{text}");
    let text = check("[\"sg-0123456789abcdef0\"]".into(), "\"203.0.113.7\"").await;
    assert!(
        failing(&text)
            .iter()
            .any(|c| c.contains("sg-0123456789abcdef0")),
        "{text}"
    );
}

/// `kinesis-starrocks run --config path` in the background, its output dropped; killed with the
/// guard.
fn spawn_run(path: &Path) -> ks_tests::ChildGuard {
    ks_tests::ChildGuard::spawn(
        "run",
        binary(&["run"], path)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )
    .unwrap()
}
