//! `ks-bench`: the benchmarks of BENCHMARKS.md (not tests). Everything talks to 127.0.0.1 only
//! and ends by itself.
//!
//! ```text
//! cargo run --release -p ks-bench -- [all|throughput|e2e|rss|app|soak] [options]
//!   --a-records N       (a) records served in total (default 2,000,000 ≈ 2 GB), over --a-shards (2);
//!                       then (a)'s floor: the same bytes moved with nothing parsed, and with only
//!                       base64 decoded (`floor-run`, below)
//!   --b-records N       (b) records produced into ferrokinesis (default 200,000), over --b-shards (4)
//!   --b-engine B:MS:N,… (b) engine runs as buffer-flush.max-bytes:interval-ms:max-inflight-loads
//!                       (N defaults to 2; default 67108864:1000:1,67108864:1000:2,16777216:200:4;
//!                       the null-sink run uses the last)
//!   --no-python         (b) without the boto3 baseline (target/bench-venv, made with pip)
//!   --rss-mib A,B       (c) backlogs in MiB (default 256,1024), buffer-flush.max-bytes --rss-buffer
//!                       (64 MiB), --rss-reps (3) fresh processes per backlog
//!   app                 the app's figures: cold start to first frame, frame time with an hour of
//!                       snapshots, idle CPU of `demo --monitor` over --app-idle-s (30); needs
//!                       target/release/kinesis-starrocks and a DISPLAY or Xvfb
//!   --soak-minutes N    (d) the soak's length (default 30), at --soak-rate records/s (10,000),
//!                       from --soak-shards shards (2); not part of `all`
//!   flink               (e) the exported Flink job vs the engine on the same stream and stand-in:
//!                       --flink-records (100,000) over --flink-shards (2), checkpoint and
//!                       buffer-flush interval --flink-interval-ms (1000); needs java and mvn;
//!                       not part of `all`
//! ```
//! Internal modes (children of the above, also handy for profiling):
//! `fake --shards N --records-per-shard M` (prints `READY kinesis=URL load=URL`, serves until its
//! stdin closes) and `engine-run --kinesis URL --load URL --max-bytes B --expect-rows N`
//! (prints `RESULT {json}`); `floor-run --kinesis URL --load URL --shards N [--decode]` (the floor
//! of (a), same output); `soak-engine --config F` (the soak's engine, until SIGTERM);
//! `KS_BENCH_TRACE=1` prints the engine's progress and RSS.

mod app_figures;
mod e2e;
mod engine_run;
mod fake;
mod flink;
mod floor;
mod procstat;
mod soak;
mod table;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};

/// mimalloc gives freed memory back to the OS: after an outage's backlog has been loaded, the
/// process shrinks again instead of keeping glibc's high-water mark (BENCHMARKS.md, the soak).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub(crate) const MIB: f64 = 1024.0 * 1024.0;
pub(crate) const MB: f64 = 1_000_000.0;
/// (a)'s buffer-flush.max-bytes, for the engine and its floor alike.
const A_MAX_BYTES: u64 = 64 << 20;

struct Opts {
    scenario: String,
    a_records: u64,
    a_shards: usize,
    b_records: u64,
    b_shards: i32,
    python: bool,
    b_configs: Vec<(u64, u64, usize)>,
    rss_mib: Vec<u64>,
    rss_buffer: u64,
    rss_shards: usize,
    rss_reps: usize,
    // internal modes
    kinesis: String,
    load: String,
    max_bytes: u64,
    expect_rows: u64,
    records_per_shard: u64,
    shards: usize,
    soak_minutes: u64,
    soak_rate: u64,
    soak_shards: i32,
    config: PathBuf,
    flink_records: u64,
    flink_shards: i32,
    flink_interval_ms: u64,
    app_idle_s: u64,
    decode: bool,
}

fn parse_args() -> anyhow::Result<Opts> {
    let mut o = Opts {
        scenario: "all".into(),
        a_records: 2_000_000,
        a_shards: 2,
        b_records: 200_000,
        b_shards: 4,
        python: true,
        b_configs: vec![(64 << 20, 1000, 1), (64 << 20, 1000, 2), (16 << 20, 200, 4)],
        rss_mib: vec![256, 1024],
        rss_buffer: 64 << 20,
        rss_shards: 2,
        rss_reps: 3,
        kinesis: String::new(),
        load: String::new(),
        max_bytes: 64 << 20,
        expect_rows: 0,
        records_per_shard: 0,
        shards: 1,
        soak_minutes: 30,
        soak_rate: 10_000,
        soak_shards: 2,
        config: PathBuf::new(),
        flink_records: 100_000,
        flink_shards: 2,
        flink_interval_ms: 1000,
        app_idle_s: 30,
        decode: false,
    };
    let mut it = std::env::args().skip(1);
    let mut first = true;
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .ok_or_else(|| anyhow::anyhow!("{a} needs a value"))
        };
        match a.as_str() {
            "--a-records" => o.a_records = val()?.parse()?,
            "--a-shards" => o.a_shards = val()?.parse()?,
            "--b-records" => o.b_records = val()?.parse()?,
            "--b-shards" => o.b_shards = val()?.parse()?,
            "--no-python" => o.python = false,
            "--b-engine" => {
                // max-bytes:interval-ms[:in-flight][,…]
                o.b_configs = val()?
                    .split(',')
                    .map(|p| {
                        let f: Vec<&str> = p.split(':').map(str::trim).collect();
                        anyhow::ensure!(
                            (2..=3).contains(&f.len()),
                            "--b-engine wants BYTES:MS[:IN_FLIGHT] entries"
                        );
                        let inflight = f.get(2).map_or(Ok(2), |n| n.parse())?;
                        anyhow::Ok((f[0].parse()?, f[1].parse()?, inflight))
                    })
                    .collect::<Result<_, _>>()?
            }
            "--rss-mib" => {
                o.rss_mib = val()?
                    .split(',')
                    .map(|s| s.trim().parse())
                    .collect::<Result<_, _>>()?
            }
            "--rss-buffer" => o.rss_buffer = val()?.parse()?,
            "--rss-shards" => o.rss_shards = val()?.parse()?,
            "--rss-reps" => o.rss_reps = val()?.parse()?,
            "--kinesis" => o.kinesis = val()?,
            "--load" => o.load = val()?,
            "--max-bytes" => o.max_bytes = val()?.parse()?,
            "--expect-rows" => o.expect_rows = val()?.parse()?,
            "--records-per-shard" => o.records_per_shard = val()?.parse()?,
            "--shards" => o.shards = val()?.parse()?,
            "--soak-minutes" => o.soak_minutes = val()?.parse()?,
            "--soak-rate" => o.soak_rate = val()?.parse()?,
            "--soak-shards" => o.soak_shards = val()?.parse()?,
            "--config" => o.config = PathBuf::from(val()?),
            "--flink-records" => o.flink_records = val()?.parse()?,
            "--flink-shards" => o.flink_shards = val()?.parse()?,
            "--flink-interval-ms" => o.flink_interval_ms = val()?.parse()?,
            "--app-idle-s" => o.app_idle_s = val()?.parse()?,
            "--decode" => o.decode = true,
            "-h" | "--help" => {
                println!(
                    "usage: ks-bench [all|throughput|e2e|rss|app|soak] [--app-idle-s N] [--a-records N] [--a-shards N] \
                     [--b-records N] [--b-shards N] [--no-python] [--rss-mib 256,1024] \
                     [--rss-buffer BYTES] [--rss-shards N] [--rss-reps N] [--b-engine BYTES:MS,...] \
                     [--soak-minutes N] [--soak-rate N] [--soak-shards N] \
                     | flink [--flink-records N] [--flink-shards N] [--flink-interval-ms MS]"
                );
                std::process::exit(0);
            }
            s if first && !s.starts_with('-') => o.scenario = s.to_string(),
            other => anyhow::bail!("unknown argument {other:?} (see --help)"),
        }
        first = false;
    }
    Ok(o)
}

fn main() -> anyhow::Result<()> {
    kinesis_starrocks::allocator::configure_for_flat_memory();
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let o = parse_args()?;
    match o.scenario.as_str() {
        "fake" => fake::main(fake::FakeConfig {
            shards: o.shards,
            records_per_shard: o.records_per_shard,
        }),
        "engine-run" => engine_run::main(engine_run::EngineArgs {
            kinesis_url: o.kinesis.clone(),
            load_url: o.load.clone(),
            max_bytes: o.max_bytes,
            expect_rows: o.expect_rows,
            timeout: Duration::from_secs(900),
        }),
        "floor-run" => floor::main(floor::FloorArgs {
            kinesis_url: o.kinesis.clone(),
            load_url: o.load.clone(),
            shards: o.shards,
            max_bytes: o.max_bytes,
            decode: o.decode,
        }),
        "soak-engine" => soak::engine_main(&o.config),
        "soak" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            let result = rt.block_on(soak::run(soak::SoakArgs {
                minutes: o.soak_minutes,
                rate: o.soak_rate,
                shards: o.soak_shards,
            }))?;
            let path = target_dir().join("bench-soak.json");
            std::fs::write(&path, serde_json::to_string_pretty(&result)?)?;
            let mut brief = result.clone();
            brief["rss_samples_kib"] = json!("(in the file)");
            println!("{}", serde_json::to_string_pretty(&brief)?);
            eprintln!("written to {}", path.display());
            Ok(())
        }
        "flink" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            let result = rt.block_on(flink::run(flink::FlinkArgs {
                records: o.flink_records,
                shards: o.flink_shards,
                interval_ms: o.flink_interval_ms,
                maven_repo: target_dir().join("emulators").join("maven"),
            }))?;
            let path = target_dir().join("bench-flink.json");
            std::fs::write(&path, serde_json::to_string_pretty(&result)?)?;
            println!("{}", serde_json::to_string_pretty(&result)?);
            eprintln!("written to {}", path.display());
            Ok(())
        }
        "all" | "throughput" | "e2e" | "rss" | "app" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(orchestrate(o))
        }
        other => {
            anyhow::bail!(
                "unknown scenario {other:?}: all, throughput, e2e, rss, app, soak or flink"
            )
        }
    }
}

/// The fixed-response endpoints in a child process.
struct Fake {
    child: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    kinesis: String,
    load: String,
}

impl Fake {
    async fn start(shards: usize, per_shard: u64) -> anyhow::Result<Fake> {
        let exe = std::env::current_exe()?;
        let mut child = tokio::process::Command::new(&exe)
            .args(["fake", "--shards", &shards.to_string()])
            .args(["--records-per-shard", &per_shard.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let ready = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await??
            .ok_or_else(|| anyhow::anyhow!("the fake endpoints did not start"))?;
        let field = |k: &str| {
            ready
                .split_whitespace()
                .find_map(|w| w.strip_prefix(k))
                .map(str::to_string)
                .ok_or_else(|| anyhow::anyhow!("bad READY line {ready:?}"))
        };
        let (kinesis, load) = (field("kinesis=")?, field("load=")?);
        Ok(Fake {
            child,
            lines,
            kinesis,
            load,
        })
    }

    /// Closes its stdin (it then reports and ends); returns its STATS.
    async fn stop(mut self) -> anyhow::Result<Value> {
        drop(self.child.stdin.take());
        let mut stats = Value::Null;
        while let Ok(Ok(Some(l))) =
            tokio::time::timeout(Duration::from_secs(30), self.lines.next_line()).await
        {
            if let Some(j) = l.strip_prefix("STATS ") {
                stats = serde_json::from_str(j)?;
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
        Ok(stats)
    }
}

/// What runs against the fixed-response endpoints.
#[derive(Clone, Copy)]
enum Runner {
    /// The engine (`engine-run`).
    Engine,
    /// The floor of (a) (`floor-run`), with or without decoding `Data`.
    Floor { decode: bool },
}

/// Runs the fixed-response endpoints and the engine, each in a fresh child process.
async fn fixed_run(shards: usize, total_records: u64, max_bytes: u64) -> anyhow::Result<Value> {
    fixed_run_of(Runner::Engine, shards, total_records, max_bytes).await
}

/// [`fixed_run`] of `runner`; its `RESULT` is under `"engine"` either way.
async fn fixed_run_of(
    runner: Runner,
    shards: usize,
    total_records: u64,
    max_bytes: u64,
) -> anyhow::Result<Value> {
    let exe = std::env::current_exe()?;
    let per_shard = total_records.div_ceil(shards as u64);
    let total = per_shard * shards as u64;
    let fake = Fake::start(shards, per_shard).await?;
    let (kinesis, load) = (fake.kinesis.clone(), fake.load.clone());
    let load_avg_before = procstat::loadavg();
    let mode: Vec<String> = match runner {
        Runner::Engine => vec![
            "engine-run".into(),
            "--expect-rows".into(),
            total.to_string(),
        ],
        Runner::Floor { decode } => ["floor-run", "--shards", &shards.to_string()]
            .into_iter()
            .chain(decode.then_some("--decode"))
            .map(str::to_string)
            .collect(),
    };
    let engine = tokio::process::Command::new(&exe)
        .args(&mode)
        .args(["--kinesis", &kinesis, "--load", &load])
        .args(["--max-bytes", &max_bytes.to_string()])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let out = tokio::time::timeout(Duration::from_secs(1000), engine.wait_with_output())
        .await
        .map_err(|_| anyhow::anyhow!("the engine run did not end in 1000 s"))??;
    let load_avg_after = procstat::loadavg();
    let fake_stats = fake.stop().await?;
    anyhow::ensure!(
        out.status.success(),
        "the engine run failed: {}",
        out.status
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let result: Value = text
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .map(serde_json::from_str)
        .transpose()?
        .ok_or_else(|| anyhow::anyhow!("the engine run printed no RESULT"))?;
    Ok(json!({
        "shards": shards,
        "records": total,
        "payload_bytes": total * fake::RECORD_BYTES as u64,
        "max_bytes": max_bytes,
        "engine": result,
        "endpoints": fake_stats,
        "loadavg_before": load_avg_before,
        "loadavg_after": load_avg_after,
    }))
}

/// Runs a child mode's measurement on a runtime like the engine's (multi-thread) and prints its
/// `RESULT {json}` line for the parent.
pub(crate) fn print_result(
    run: impl std::future::Future<Output = anyhow::Result<Value>>,
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(run)?;
    println!("RESULT {result}");
    Ok(())
}

pub(crate) fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn target_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(d);
    }
    // …/target/release/ks-bench
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent()?.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// `target/bench-venv` with boto3 and requests (created with pip on first use).
async fn ensure_venv() -> anyhow::Result<PathBuf> {
    let venv = target_dir().join("bench-venv");
    let python = venv.join("bin").join("python");
    let ok = |python: PathBuf| async move {
        tokio::process::Command::new(python)
            .args(["-c", "import boto3, requests"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .map(|s| s.success())
            .unwrap_or(false)
    };
    if ok(python.clone()).await {
        return Ok(python);
    }
    eprintln!("creating {} with boto3 and requests…", venv.display());
    let st = tokio::process::Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .await?;
    anyhow::ensure!(st.success(), "python3 -m venv failed");
    let st = tokio::process::Command::new(venv.join("bin").join("pip"))
        .args(["install", "--quiet", "boto3", "requests"])
        .status()
        .await?;
    anyhow::ensure!(st.success(), "pip install boto3 requests failed");
    anyhow::ensure!(ok(python.clone()).await, "boto3 still not importable");
    Ok(python)
}

async fn orchestrate(o: Opts) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut results = json!({
        "loadavg_at_start": procstat::loadavg(),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
    });
    let all = o.scenario == "all";
    if all || o.scenario == "throughput" {
        eprintln!(
            "(a) engine payload throughput: {} records over {} shards…",
            o.a_records, o.a_shards
        );
        results["a"] = fixed_run(o.a_shards, o.a_records, A_MAX_BYTES).await?;
        eprintln!("(a) the floor: the same bytes moved with nothing parsed, then with decoding…");
        let mut floor = json!({});
        for (key, decode) in [("raw", false), ("decode", true)] {
            let run = fixed_run_of(
                Runner::Floor { decode },
                o.a_shards,
                o.a_records,
                A_MAX_BYTES,
            )
            .await?;
            anyhow::ensure!(
                run["engine"]["rows_loaded"] == run["records"],
                "the floor ({key}) loaded {} rows of {}",
                run["engine"]["rows_loaded"],
                run["records"]
            );
            floor[key] = run["engine"].clone();
        }
        results["a_floor"] = floor;
    }
    if all || o.scenario == "e2e" {
        let python = if o.python {
            Some(ensure_venv().await?)
        } else {
            None
        };
        // Its loopback receiver is the null sink (its Kinesis side serves nothing here).
        let null = Fake::start(1, 0).await?;
        let b = e2e::run(e2e::E2eArgs {
            records: o.b_records,
            shards: o.b_shards,
            python,
            engine_configs: o.b_configs.clone(),
            null_sink: Some(null.load.clone()),
        })
        .await;
        let _ = null.stop().await;
        results["b"] = b?;
    }
    if all || o.scenario == "rss" {
        let mut runs = Vec::new();
        for mib in &o.rss_mib {
            eprintln!(
                "(c) peak RSS: {mib} MiB backlog, buffer {} MiB…",
                o.rss_buffer >> 20
            );
            let records = (mib << 20) / fake::RECORD_BYTES as u64;
            let mut reps = Vec::new();
            for _ in 0..o.rss_reps.max(1) {
                reps.push(fixed_run(o.rss_shards, records, o.rss_buffer).await?);
            }
            runs.push(json!({ "backlog_mib": mib, "runs": reps }));
        }
        results["c"] = Value::Array(runs);
    }
    if all || o.scenario == "app" {
        eprintln!("app: cold start, frame time, idle CPU…");
        let args = app_figures::AppArgs {
            binary: target_dir().join("release").join("kinesis-starrocks"),
            starts: 5,
            frames: 600,
            idle_s: o.app_idle_s,
        };
        results["app"] = tokio::task::spawn_blocking(move || app_figures::run(&args)).await??;
    }
    results["loadavg_at_end"] = json!(procstat::loadavg());
    results["total_s"] = json!(started.elapsed().as_secs_f64());
    let path = target_dir().join("bench-results.json");
    std::fs::write(&path, serde_json::to_string_pretty(&results)?)?;
    table::print(&results);
    println!("\n(raw figures: {})", path.display());
    Ok(())
}
