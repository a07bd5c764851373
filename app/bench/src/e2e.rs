//! (b) End to end on ferrokinesis (embedded) → the StarRocks stand-in (in-process): the engine,
//! a plain boto3 + requests script doing the same job, and a bare aws-sdk-kinesis reader that
//! drains the same stream with no sink (the emulator's ceiling).

use crate::engine_run::{EngineArgs, start_engine};
use crate::fake::record_json;
use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::types::ShardIteratorType;
use bytes::Bytes;
use ks_core::Secret;
use ks_local::{EmbeddedKinesis, PutEntry};
use ks_starrocks::MysqlAdmin;
use serde_json::json;
use starrocks_sim::{SimConfig, StarRocksSim};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub(crate) const STREAM: &str = "bench";
const DB: &str = "bench_db";
const PASSWORD: &str = "bench-pw";

#[derive(Debug, Clone)]
pub struct E2eArgs {
    pub records: u64,
    pub shards: i32,
    /// The venv's python with boto3 and requests; `None` skips the baseline.
    pub python: Option<PathBuf>,
    /// (max-bytes, interval-ms, max-inflight-loads) of each engine run.
    pub engine_configs: Vec<(u64, u64, usize)>,
    /// A loopback Stream Load receiver that loads nothing: one more engine run into it shows the
    /// engine's reading speed without the stand-in's cost.
    pub null_sink: Option<String>,
}

fn ddl(table: &str) -> String {
    ddl_in(DB, table)
}

/// The benchmarks' table: the stock record's columns and its 1 KiB pad.
pub(crate) fn ddl_in(db: &str, table: &str) -> String {
    format!(
        "CREATE TABLE {db}.{table} (
    `id` BIGINT NOT NULL,
    `event_time` DATETIME NULL,
    `ticker` VARCHAR(20) NOT NULL,
    `price` DOUBLE NULL,
    `pad` VARCHAR(1024) NULL
) ENGINE=OLAP DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`) BUCKETS 4"
    )
}

/// CPU seconds of this process (emulator, stand-in and client together).
fn cpu() -> f64 {
    let (u, s) = crate::procstat::cpu_seconds();
    u + s
}

fn rows_in(sim: &StarRocksSim, table: &str) -> u64 {
    sim.catalog()
        .with_table(DB, table, |t| t.row_count() as u64)
        .unwrap_or(0)
}

pub(crate) async fn produce(client: &Client, n: u64) -> anyhow::Result<f64> {
    let t0 = Instant::now();
    let tasks = 4u64;
    let mut joins = Vec::new();
    for w in 0..tasks {
        let client = client.clone();
        joins.push(tokio::spawn(async move {
            let entries: Vec<PutEntry> = (0..n)
                .filter(|i| i % tasks == w)
                .map(|i| PutEntry::new(format!("pk-{i}"), Bytes::from(record_json(i))))
                .collect();
            for chunk in entries.chunks(5_000) {
                ks_local::put_records(&client, STREAM, chunk).await?;
            }
            anyhow::Ok(())
        }));
    }
    for j in joins {
        j.await??;
    }
    Ok(t0.elapsed().as_secs_f64())
}

/// Every shard read from TRIM_HORIZON with `Limit = 10000` until an empty answer, one task per
/// shard, nothing done with the records.
async fn bare_reader(client: &Client) -> anyhow::Result<(u64, u64, f64)> {
    let t0 = Instant::now();
    let shards = client
        .list_shards()
        .stream_name(STREAM)
        .send()
        .await?
        .shards
        .unwrap_or_default();
    let mut joins = Vec::new();
    for s in shards {
        let client = client.clone();
        joins.push(tokio::spawn(async move {
            let mut it = client
                .get_shard_iterator()
                .stream_name(STREAM)
                .shard_id(s.shard_id)
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await?
                .shard_iterator;
            let (mut records, mut bytes) = (0u64, 0u64);
            while let Some(i) = it {
                let out = client
                    .get_records()
                    .shard_iterator(i)
                    .limit(10_000)
                    .send()
                    .await?;
                if out.records.is_empty() {
                    break;
                }
                records += out.records.len() as u64;
                bytes += out
                    .records
                    .iter()
                    .map(|r| r.data.as_ref().len() as u64)
                    .sum::<u64>();
                it = out.next_shard_iterator;
            }
            anyhow::Ok((records, bytes))
        }));
    }
    let (mut records, mut bytes) = (0, 0);
    for j in joins {
        let (r, b) = j.await??;
        records += r;
        bytes += b;
    }
    Ok((records, bytes, t0.elapsed().as_secs_f64()))
}

/// Every shard drained with ks-kinesis' own `ShardReader` (what the engine's readers use), one
/// task per shard, nothing done with the records: the reader without the pipeline.
async fn ks_reader(kinesis: &EmbeddedKinesis) -> anyhow::Result<(u64, f64)> {
    let t0 = Instant::now();
    let source = ks_kinesis::KinesisSource::connect_with(
        &kinesis.source_config(STREAM),
        ks_kinesis::ConnectOptions {
            credentials: Some(ks_local::emulator_credentials()),
            reader: Some(ks_kinesis::ReaderOptions::unlimited()),
            ..Default::default()
        },
    )
    .await?;
    let shards = source.list_shards().await?;
    let mut joins = Vec::new();
    for s in shards {
        let mut reader = source.reader(
            &s,
            ks_kinesis::StartPosition::TrimHorizon,
            std::sync::Arc::new(ks_kinesis::ShardStats::default()),
        );
        joins.push(tokio::spawn(async move {
            let mut n = 0u64;
            loop {
                let b = reader.next_batch().await?;
                if b.records.is_empty() {
                    break;
                }
                n += b.records.len() as u64;
            }
            anyhow::Ok(n)
        }));
    }
    let mut n = 0;
    for j in joins {
        n += j.await??;
    }
    Ok((n, t0.elapsed().as_secs_f64()))
}

async fn engine(
    kinesis: &EmbeddedKinesis,
    sim: &StarRocksSim,
    table: &str,
    null_sink: Option<&str>,
    n: u64,
    (max_bytes, interval_ms, inflight): (u64, u64, usize),
) -> anyhow::Result<serde_json::Value> {
    let state = tempfile::tempdir()?;
    let args = EngineArgs {
        kinesis_url: kinesis.endpoint_url().to_string(),
        load_url: null_sink
            .map(str::to_string)
            .unwrap_or_else(|| sim.load_url()),
        max_bytes,
        expect_rows: n,
        timeout: Duration::from_secs(600),
    };
    let mut config = crate::engine_run::config(&args, state.path())?;
    config.source.stream_name = STREAM.into();
    config.sink.database_name = DB.into();
    config.sink.table_name = table.into();
    config.sink.buffer_flush.interval_ms = interval_ms;
    config.sink.max_inflight_loads = inflight;
    let (u0, s0) = crate::procstat::cpu_seconds();
    let t0 = Instant::now();
    let handle = start_engine(config, PASSWORD).await?;
    let snap = handle.snapshot();
    let deadline = t0 + args.timeout;
    let mut all_loaded = None;
    let trace = std::env::var_os("KS_BENCH_TRACE").is_some();
    while all_loaded.is_none() && !handle.is_finished() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let loaded = match null_sink {
            None => rows_in(sim, table),
            // No table behind a null sink: the engine's own count of confirmed rows.
            Some(_) => snap.borrow().totals.rows_loaded,
        };
        if trace {
            let s = snap.borrow();
            eprintln!(
                "t={:.2}s read={} loaded={} buffered={}MiB",
                t0.elapsed().as_secs_f64(),
                s.totals.records_read,
                s.totals.rows_loaded,
                s.buffered_bytes >> 20
            );
        }
        if loaded >= n {
            all_loaded = Some(t0.elapsed().as_secs_f64());
        }
    }
    let summary = tokio::time::timeout(args.timeout, handle.wait())
        .await
        .map_err(|_| anyhow::anyhow!("the engine did not stop"))??;
    let exit_s = t0.elapsed().as_secs_f64();
    let (u1, s1) = crate::procstat::cpu_seconds();
    let rows = rows_in(sim, table);
    // How long the stand-in took per load (its JSON parsing and row conversion are the sink).
    let (load_ms, load_bytes): (u64, u64) = {
        let s = snap.borrow();
        (
            s.recent_loads.iter().map(|l| l.ms).sum(),
            s.recent_loads.iter().map(|l| l.bytes).sum(),
        )
    };
    Ok(json!({
        "load_ms_total": load_ms,
        "load_bytes_total": load_bytes,
        "rows_in_table": rows,
        "rows_loaded": summary.rows_loaded,
        "loads": summary.loads,
        "all_loaded_s": all_loaded,
        "exit_s": exit_s,
        "process_cpu_s": (u1 - u0) + (s1 - s0),
    }))
}

async fn python_baseline(
    python: &Path,
    kinesis: &EmbeddedKinesis,
    sim: &StarRocksSim,
    n: u64,
) -> anyhow::Result<serde_json::Value> {
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("baseline.py");
    std::fs::write(&script, include_str!("../baseline.py"))?;
    let t0 = Instant::now();
    let child = tokio::process::Command::new(python)
        .arg(&script)
        .args(["--endpoint", kinesis.endpoint_url()])
        .args(["--stream", STREAM])
        .args(["--load-url", &sim.load_url()])
        .args(["--db", DB, "--table", "py_t"])
        .args(["--user", "root", "--password", PASSWORD])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let out = tokio::time::timeout(Duration::from_secs(1200), child.wait_with_output())
        .await
        .map_err(|_| anyhow::anyhow!("the boto3 script did not finish in 20 minutes"))??;
    let wall = t0.elapsed().as_secs_f64();
    if !out.status.success() {
        anyhow::bail!("the boto3 script failed: {}", out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| anyhow::anyhow!("the boto3 script printed no result: {text}"))?;
    let mut v: serde_json::Value = serde_json::from_str(line)?;
    v["wall_with_startup_s"] = json!(wall);
    v["rows_in_table"] = json!(rows_in(sim, "py_t"));
    let _ = n;
    Ok(v)
}

pub async fn run(args: E2eArgs) -> anyhow::Result<serde_json::Value> {
    let n = args.records;
    let mut opts = EmbeddedKinesis::options();
    opts.iterator_ttl_seconds = 3600;
    let (_, kinesis) = EmbeddedKinesis::start(opts).await?;
    let client = kinesis.client().await;
    ks_local::create_stream(&client, STREAM, args.shards).await?;
    let sim = StarRocksSim::start(SimConfig {
        password: PASSWORD.into(),
        ..SimConfig::default()
    })
    .await?;
    let jdbc = ks_core::config::JdbcUrl::parse(&sim.jdbc_url()).map_err(anyhow::Error::msg)?;
    let admin = MysqlAdmin::connect(
        &jdbc,
        "root",
        &Secret::new(PASSWORD),
        ks_core::config::SslMode::Disabled,
        Duration::from_secs(5),
    )
    .await?;
    admin
        .execute(&format!("CREATE DATABASE IF NOT EXISTS {DB}"))
        .await?;
    admin.execute(&ddl("py_t")).await?;

    eprintln!(
        "(b) producing {n} x 1 KiB records into {} shards…",
        args.shards
    );
    let produce_s = produce(&client, n).await?;
    eprintln!("(b) produced in {produce_s:.1} s; bare reader…");
    let mut bare = Vec::new();
    for _ in 0..2 {
        let cpu0 = cpu();
        let (records, bytes, secs) = bare_reader(&client).await?;
        anyhow::ensure!(records == n, "the bare reader read {records} of {n}");
        bare.push(json!({"records": records, "bytes": bytes, "seconds": secs, "process_cpu_s": cpu() - cpu0}));
    }
    let cpu0 = cpu();
    let (ks_records, ks_secs) = ks_reader(&kinesis).await?;
    let ks_cpu = cpu() - cpu0;
    anyhow::ensure!(
        ks_records == n,
        "the ks-kinesis reader read {ks_records} of {n}"
    );
    let mut engines = Vec::new();
    for (i, &(max_bytes, interval_ms, inflight)) in args.engine_configs.iter().enumerate() {
        eprintln!(
            "(b) engine, max-bytes {max_bytes}, interval-ms {interval_ms}, {inflight} in flight…"
        );
        let table = format!("engine_t{i}");
        admin.execute(&ddl(&table)).await?;
        let mut e = engine(
            &kinesis,
            &sim,
            &table,
            None,
            n,
            (max_bytes, interval_ms, inflight),
        )
        .await?;
        e["max_bytes"] = json!(max_bytes);
        e["interval_ms"] = json!(interval_ms);
        e["inflight"] = json!(inflight);
        engines.push(e);
    }
    eprintln!("(b) the stand-in alone…");
    let standin = standin_alone(&sim, &admin, n).await?;
    let null_sink = match &args.null_sink {
        Some(url) => {
            let (max_bytes, interval_ms, inflight) = args
                .engine_configs
                .last()
                .copied()
                .unwrap_or((64 << 20, 1000, 2));
            eprintln!(
                "(b) engine into a null sink (the loopback receiver), max-bytes {max_bytes}…"
            );
            let mut e = engine(
                &kinesis,
                &sim,
                "none",
                Some(url),
                n,
                (max_bytes, interval_ms, inflight),
            )
            .await?;
            e["max_bytes"] = json!(max_bytes);
            e["interval_ms"] = json!(interval_ms);
            e["inflight"] = json!(inflight);
            Some(e)
        }
        None => None,
    };
    let py = match &args.python {
        Some(p) => {
            eprintln!("(b) boto3 script…");
            Some(python_baseline(p, &kinesis, &sim, n).await?)
        }
        None => None,
    };
    Ok(json!({
        "records": n,
        "shards": args.shards,
        "produce_s": produce_s,
        "bare": bare,
        "ks_reader": {"records": ks_records, "seconds": ks_secs, "process_cpu_s": ks_cpu},
        "engines": engines,
        "standin_alone": standin,
        "engine_null_sink": null_sink,
        "python": py,
    }))
}

/// The stand-in's own ingest rate: the same `n` records as 16 MiB JSON-array bodies, Stream
/// Loaded two at a time by the client, with no Kinesis and no engine in the way.
async fn standin_alone(
    sim: &StarRocksSim,
    admin: &MysqlAdmin,
    n: u64,
) -> anyhow::Result<serde_json::Value> {
    let table = "standin_alone";
    admin.execute(&ddl(table)).await?;
    let body_bytes = 16usize << 20;
    let mut bodies = Vec::new();
    let mut body = vec![b'['];
    for i in 0..n {
        if body.len() > 1 {
            body.push(b',');
        }
        body.extend_from_slice(&record_json(i));
        if body.len() >= body_bytes {
            body.push(b']');
            bodies.push(Bytes::from(std::mem::replace(&mut body, vec![b'['])));
        }
    }
    if body.len() > 1 {
        body.push(b']');
        bodies.push(Bytes::from(body));
    }
    let state = tempfile::tempdir()?;
    let args = EngineArgs {
        kinesis_url: "http://127.0.0.1:9".into(),
        load_url: sim.load_url(),
        max_bytes: body_bytes as u64,
        expect_rows: n,
        timeout: Duration::from_secs(600),
    };
    let mut config = crate::engine_run::config(&args, state.path())?;
    config.sink.database_name = DB.into();
    config.sink.table_name = table.into();
    let settings =
        ks_starrocks::StreamLoadSettings::from_sink(&config.sink, Secret::new(PASSWORD))?;
    let client = std::sync::Arc::new(ks_starrocks::StreamLoadClient::new(settings)?);
    let cpu0 = cpu();
    let t0 = Instant::now();
    let mut next = 0usize;
    let mut running = tokio::task::JoinSet::new();
    let count = bodies.len();
    for (i, body) in bodies.into_iter().enumerate() {
        if running.len() >= 2 {
            running.join_next().await.expect("a load runs")??;
        }
        let client = client.clone();
        let label =
            ks_core::Label::new(format!("standin_alone_{i}")).map_err(anyhow::Error::msg)?;
        running.spawn(async move { client.load(&label, body).await.map(|_| ()) });
        next += 1;
    }
    while let Some(done) = running.join_next().await {
        done??;
    }
    let secs = t0.elapsed().as_secs_f64();
    // The stand-in's HTTP server, JSON parsing and row conversion, and the client's sends.
    let process_cpu_s = cpu() - cpu0;
    let rows = rows_in(sim, table);
    anyhow::ensure!(rows == n, "the stand-in alone holds {rows} of {n} rows");
    Ok(
        json!({"loads": next.max(count), "seconds": secs, "rows": rows, "process_cpu_s": process_cpu_s}),
    )
}
