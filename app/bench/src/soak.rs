//! (d) The soak: the engine runs for a long time at a steady rate while something goes wrong every
//! minute, and its memory must stay flat and every record land once.
//!
//! ferrokinesis (in this process) behind a loopback proxy that can throttle GetRecords
//! (`ks_local::KinesisProxy`), the
//! StarRocks stand-in (in this process), a producer at `--soak-rate` records/s, and the engine in a
//! fresh child process (`ks-bench soak-engine`, the same `ks_engine::start` as `run`). Every
//! minute one fault, in turn: the stand-in answers 503, resets connections, goes down for 20 s,
//! GetRecords is throttled for 30 s, a shard is split (or, every other time, two are merged). The
//! child's RSS is read from /proc every
//! 10 s. At the end the producer stops, the engine catches up and is stopped with SIGTERM, and
//! the table must hold exactly the ids produced: count(*) == count(distinct id) == produced.

use crate::procstat;
use ks_local::world::{Endpoints, pipeline_toml};
use ks_local::{EmbeddedKinesis, PipelineToml, PutEntry};
use serde_json::{Value, json};
use starrocks_sim::{Fault, SimConfig, StarRocksSim};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const STREAM: &str = "soak";
pub(crate) const PASSWORD: &str = "soak-pw";

#[derive(Debug, Clone)]
pub struct SoakArgs {
    pub minutes: u64,
    pub rate: u64,
    pub shards: i32,
}

/// A MySQL session on the stand-in as root; `timeout` bounds connecting and each query.
async fn admin(sim: &StarRocksSim, timeout: Duration) -> anyhow::Result<ks_starrocks::MysqlAdmin> {
    Ok(ks_starrocks::MysqlAdmin::connect(
        &ks_core::config::JdbcUrl::parse(&sim.jdbc_url()).map_err(anyhow::Error::msg)?,
        "root",
        &ks_core::Secret::new(PASSWORD),
        ks_core::config::SslMode::Disabled,
        timeout,
    )
    .await?)
}

/// One number from the stand-in (a few tries: it may be in one of its outages; counting 18M
/// rows takes a while, hence the long timeout).
async fn scalar(sim: &StarRocksSim, sql: &str) -> anyhow::Result<u64> {
    let mut last = None;
    for _ in 0..5 {
        let attempt = async {
            let admin = admin(sim, Duration::from_secs(300)).await?;
            let rows = admin.query(sql).await?;
            anyhow::Ok(rows[0][0].as_deref().unwrap_or("0").parse::<u64>()?)
        };
        match attempt.await {
            Ok(n) => return Ok(n),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    Err(last.expect("tried"))
}

/// The open shards as (start hash key, end hash key, id), in hash order.
async fn open_shards(
    client: &aws_sdk_kinesis::Client,
) -> anyhow::Result<Vec<(u128, u128, String)>> {
    Ok(ks_local::kinesis::open_shards(client, STREAM).await?)
}

/// Reshards once: splits the widest open shard at its middle, or (every other time, so the
/// shard count stays bounded over a long soak) merges the two narrowest adjacent ones.
async fn reshard(client: &aws_sdk_kinesis::Client, merge: bool) -> anyhow::Result<String> {
    let open = open_shards(client).await?;
    if merge && open.len() >= 2 {
        let (a, b) = open
            .windows(2)
            .filter(|w| w[0].1.checked_add(1) == Some(w[1].0))
            .map(|w| (&w[0], &w[1]))
            .min_by_key(|(a, b)| (a.1 - a.0).saturating_add(b.1 - b.0))
            .ok_or_else(|| anyhow::anyhow!("no adjacent open shards"))?;
        ks_local::merge_shards(client, STREAM, &a.2, &b.2).await?;
        return Ok(format!("merged {} and {}", a.2, b.2));
    }
    let (lo, hi, id) = open
        .iter()
        .max_by_key(|(lo, hi, _)| hi - lo)
        .ok_or_else(|| anyhow::anyhow!("no open shard"))?;
    ks_local::split_shard(client, STREAM, id, lo + (hi - lo) / 2).await?;
    Ok(format!("split {id}"))
}

/// The engine in a child process: `ks-bench soak-engine --config F`.
pub fn engine_main(config: &Path) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let config = ks_core::PipelineConfig::load(config)?;
        let handle = ks_engine::start(
            config,
            ks_core::Secret::new(PASSWORD),
            ks_engine::EngineOptions {
                holder: "ks-bench soak".into(),
                ..Default::default()
            },
        )
        .await?;
        let snapshot = handle.snapshot();
        let commands = handle.commands();
        tokio::spawn(async move {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler");
            term.recv().await;
            let _ = commands.send(ks_engine::Command::Stop).await;
        });
        let status = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                let s = snapshot.borrow().clone();
                let state = match &s.state {
                    ks_engine::PipelineState::Stalled { .. } => "stalled".to_string(),
                    other => format!("{other:?}").to_lowercase(),
                };
                eprintln!(
                    "engine: {state} · {} shards · read {} · loaded {} · failed attempts {} · throttled {}",
                    s.shards.len(),
                    s.totals.records_read,
                    s.totals.rows_loaded,
                    s.totals.loads_failed_attempts,
                    s.totals.throttled
                );
            }
        });
        let summary = handle.wait().await?;
        status.abort();
        println!("SUMMARY {summary}");
        anyhow::Ok(())
    })
}

pub async fn run(args: SoakArgs) -> anyhow::Result<Value> {
    let mut opts = EmbeddedKinesis::options();
    // ferrokinesis keeps every record (its cap refuses writes rather than trimming): about
    // 150 B a record, 2.7 GB for 30 minutes at 10,000/s, in this process, not the engine's.
    opts.shard_limit = 64;
    let (_, kinesis) = EmbeddedKinesis::start(opts).await?;
    let client = kinesis.client().await;
    ks_local::create_stream(&client, STREAM, args.shards).await?;
    ks_local::wait_active(&client, STREAM).await?;
    let proxy = ks_local::KinesisProxy::start(kinesis.addr()).await?;
    let (proxy_url, throttle) = (proxy.url.clone(), proxy.counts.clone());
    let sim = StarRocksSim::start(SimConfig {
        password: PASSWORD.into(),
        ..Default::default()
    })
    .await?;
    {
        let admin = admin(&sim, Duration::from_secs(5)).await?;
        admin.execute("CREATE DATABASE soak").await?;
        admin
            .execute(
                "CREATE TABLE soak.t (`id` BIGINT NOT NULL) DUPLICATE KEY(`id`) \
                 DISTRIBUTED BY HASH(`id`)",
            )
            .await?;
    }
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("soak.toml");
    let at = Endpoints {
        kinesis: Some(proxy_url),
        state_dir: Some(dir.path().join("state")),
        // No jdbc-url: the engine only loads.
        ..Endpoints::new(STREAM, "", &sim.load_url())
    };
    let p = PipelineToml {
        name: "soak",
        database: "soak",
        table: "t",
        source: "initial-position = \"TRIM_HORIZON\"\ndiscovery-interval-ms = 10000",
        sink: "buffer-flush.interval-ms = 1000\nretry-interval-ms = 500\nmax-retries = 5\n\
               properties.format = \"json\"\nproperties.jsonpaths = '[\"$.id\"]'",
        ..PipelineToml::default()
    };
    std::fs::write(&config, pipeline_toml(&at, &p))?;
    let exe = std::env::current_exe()?;
    let engine = tokio::process::Command::new(&exe)
        .args(["soak-engine", "--config"])
        .arg(&config)
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let pid = engine
        .id()
        .ok_or_else(|| anyhow::anyhow!("no engine pid"))?;

    // The producer: `rate` records a second in ticks of 100 ms, ids 0.. in order.
    let produced = Arc::new(AtomicU64::new(0));
    let producing = Arc::new(AtomicBool::new(true));
    let producer = {
        let (client, produced, producing) = (client.clone(), produced.clone(), producing.clone());
        let per_tick = (args.rate / 10).max(1);
        tokio::spawn(async move {
            let pad = "p".repeat(60);
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut next = 0u64;
            while producing.load(Ordering::Relaxed) {
                tick.tick().await;
                let entries: Vec<PutEntry> = (next..next + per_tick)
                    .map(|id| {
                        PutEntry::new(
                            format!("k{}", id.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                            format!("{{\"id\":{id},\"pad\":\"{pad}\"}}").into_bytes(),
                        )
                    })
                    .collect();
                match ks_local::put_records(&client, STREAM, &entries).await {
                    Ok(_) => {
                        next += per_tick;
                        produced.store(next, Ordering::SeqCst);
                    }
                    Err(e) => eprintln!("producer: {e} (retrying the same ids)"),
                }
            }
        })
    };

    let started = Instant::now();
    let duration = Duration::from_secs(args.minutes * 60);
    let mut samples: Vec<(f64, u64)> = Vec::new();
    let mut faults: Vec<Value> = Vec::new();
    let mut next_sample = Duration::from_secs(10);
    let mut minute = 0u64;
    while started.elapsed() < duration {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let t = started.elapsed();
        if t >= next_sample {
            next_sample += Duration::from_secs(10);
            let rss = procstat::rss_kib_of(pid);
            samples.push((t.as_secs_f64(), rss));
            let rows = scalar(&sim, "select count(*) from soak.t")
                .await
                .unwrap_or(0);
            eprintln!(
                "{:>5.0} s  rss {:>7.1} MiB  produced {:>9}  rows {:>9}  loadavg {}",
                t.as_secs_f64(),
                rss as f64 / 1024.0,
                produced.load(Ordering::SeqCst),
                rows,
                procstat::loadavg()
            );
        }
        if t >= Duration::from_secs((minute + 1) * 60) && t + Duration::from_secs(30) < duration {
            minute += 1;
            let kind = match minute % 5 {
                1 => {
                    sim.faults().inject(Fault::HttpStatus { status: 503 }, 8);
                    "stand-in answers 503 (8 times)".to_string()
                }
                2 => {
                    sim.faults().inject(Fault::ResetConnection, 5);
                    "stand-in resets the connection (5 times)".to_string()
                }
                3 => {
                    sim.faults().go_down(Duration::from_secs(20));
                    "stand-in down for 20 s".to_string()
                }
                4 => {
                    throttle.throttle.store(true, Ordering::Relaxed);
                    let throttle = throttle.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        throttle.throttle.store(false, Ordering::Relaxed);
                    });
                    "GetRecords throttled (every other call) for 30 s".to_string()
                }
                _ => match reshard(&client, minute.is_multiple_of(10)).await {
                    Ok(what) => what,
                    Err(e) => format!("resharding failed: {e}"),
                },
            };
            eprintln!("{:>5.0} s  fault: {kind}", t.as_secs_f64());
            faults.push(json!({"at_s": t.as_secs(), "fault": kind}));
        }
    }
    producing.store(false, Ordering::Relaxed);
    let _ = producer.await;
    let total = produced.load(Ordering::SeqCst);
    eprintln!("produced {total}; waiting for the engine to load them all…");
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut rows = 0;
    while Instant::now() < deadline {
        rows = scalar(&sim, "select count(*) from soak.t").await?;
        if rows >= total {
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let caught_up_after_s = started.elapsed().as_secs_f64() - duration.as_secs_f64();
    // SIGTERM: the engine flushes, confirms and exits.
    let _ = std::process::Command::new("kill")
        .arg(pid.to_string())
        .status();
    let out = tokio::time::timeout(Duration::from_secs(120), engine.wait_with_output()).await??;
    let summary = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("SUMMARY ").map(str::to_string))
        .unwrap_or_default();
    let rows_after = scalar(&sim, "select count(*) from soak.t").await?;
    let distinct = scalar(&sim, "select count(distinct id) from soak.t").await?;
    // RSS after a 5-minute warm-up (or the first third of a shorter run).
    let warm = (duration.as_secs_f64() / 3.0).min(300.0);
    let flat: Vec<u64> = samples
        .iter()
        .filter(|(t, _)| *t >= warm)
        .map(|(_, r)| *r)
        .collect();
    let mean = flat.iter().sum::<u64>() as f64 / flat.len().max(1) as f64;
    let min = flat.iter().copied().min().unwrap_or(0) as f64;
    let max = flat.iter().copied().max().unwrap_or(0) as f64;
    Ok(json!({
        "minutes": args.minutes,
        "rate_per_s": args.rate,
        "start_shards": args.shards,
        "produced": total,
        "rows_when_caught_up": rows,
        "rows": rows_after,
        "distinct_ids": distinct,
        "lost": total.saturating_sub(distinct),
        "duplicated": rows_after.saturating_sub(distinct),
        "caught_up_s_after_producer_stopped": caught_up_after_s,
        "engine_exit": out.status.code(),
        "engine_summary": summary,
        "getrecords_calls": throttle.get_records.load(Ordering::Relaxed),
        "getrecords_throttled": throttle.throttled.load(Ordering::Relaxed),
        "faults": faults,
        "rss_samples_kib": samples.iter().map(|(t, r)| json!([t.round(), r])).collect::<Vec<_>>(),
        "rss_after_warmup": {
            "from_s": warm,
            "mean_mib": mean / 1024.0,
            "min_mib": min / 1024.0,
            "max_mib": max / 1024.0,
            "max_dev_pct": if mean > 0.0 { ((max - mean).max(mean - min)) / mean * 100.0 } else { 0.0 },
        },
    }))
}
