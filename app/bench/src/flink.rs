//! (e) The seed's pipeline as a benchmark: the exported Flink job (`ks_export`, built with Maven,
//! run on a local Flink mini-cluster) vs the engine, draining the same stream into the same
//! stand-in in one run. Each pipeline runs in its own child process, so CPU seconds and peak RSS
//! are that process's alone (ferrokinesis and the stand-in live in this process).

use crate::procstat;
use ks_core::PipelineConfig;
use ks_local::PipelineToml;
use ks_local::world::{Endpoints, pipeline_config};
use serde_json::{Value, json};
use starrocks_sim::StarRocksSim;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const DB: &str = "bench";

#[derive(Debug, Clone)]
pub struct FlinkArgs {
    pub records: u64,
    pub shards: i32,
    /// The engine's `buffer-flush.interval-ms` and the job's checkpoint interval.
    pub interval_ms: u64,
    pub maven_repo: PathBuf,
}

/// ferrokinesis and the stand-in in this process, a stream and the two tables.
struct World {
    kinesis: ks_local::EmbeddedKinesis,
    client: aws_sdk_kinesis::Client,
    sim: StarRocksSim,
    admin: ks_starrocks::MysqlAdmin,
}

impl World {
    async fn start(shards: i32) -> anyhow::Result<World> {
        let mut opts = ks_local::EmbeddedKinesis::options();
        opts.iterator_ttl_seconds = 3600;
        let (_, kinesis) = ks_local::EmbeddedKinesis::start(opts).await?;
        let client = kinesis.client().await;
        ks_local::create_stream(&client, crate::e2e::STREAM, shards).await?;
        let sim = StarRocksSim::start(starrocks_sim::SimConfig {
            password: crate::soak::PASSWORD.into(),
            ..Default::default()
        })
        .await?;
        let admin = ks_local::root_admin(&sim, crate::soak::PASSWORD).await?;
        admin.execute(&format!("CREATE DATABASE {DB}")).await?;
        for table in ["engine_t", "flink_t"] {
            admin.execute(&crate::e2e::ddl_in(DB, table)).await?;
        }
        Ok(World {
            kinesis,
            client,
            sim,
            admin,
        })
    }

    async fn rows_and_distinct(&self, table: &str) -> anyhow::Result<(u64, u64)> {
        let q = |sql: String| async move { ks_local::world::query_u64(&self.admin, &sql).await };
        Ok((
            q(format!("select count(*) from {DB}.{table}")).await?,
            q(format!("select count(distinct id) from {DB}.{table}")).await?,
        ))
    }
}

fn rows_in(sim: &StarRocksSim, table: &str) -> u64 {
    sim.catalog()
        .with_table(DB, table, |t| t.row_count() as u64)
        .unwrap_or(0)
}

/// What one pipeline process did, sampled from outside every 50 ms.
struct Watched {
    first_row_s: Option<f64>,
    all_rows_s: Option<f64>,
    cpu_s_at_all_rows: f64,
    peak_rss_kib: u64,
}

/// Watches `pid` until `table` holds `n` rows (or `timeout`): time to the first visible row and
/// to all rows from `t0`, the process's CPU seconds when all rows were visible, its peak RSS.
async fn watch(
    sim: &StarRocksSim,
    table: &str,
    n: u64,
    pid: u32,
    t0: Instant,
    timeout: Duration,
) -> Watched {
    let mut w = Watched {
        first_row_s: None,
        all_rows_s: None,
        cpu_s_at_all_rows: 0.0,
        peak_rss_kib: 0,
    };
    let mut last_cpu = 0.0;
    while t0.elapsed() < timeout {
        let (u, s) = procstat::cpu_seconds_of(pid);
        if u + s > 0.0 {
            last_cpu = u + s;
        }
        w.peak_rss_kib = w.peak_rss_kib.max(procstat::vm_hwm_kib_of(pid));
        let rows = rows_in(sim, table);
        let t = t0.elapsed().as_secs_f64();
        if rows > 0 && w.first_row_s.is_none() {
            w.first_row_s = Some(t);
        }
        if rows >= n {
            w.all_rows_s = Some(t);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.cpu_s_at_all_rows = last_cpu;
    w
}

fn summary(name: &str, n: u64, w: &Watched, rows: u64, distinct: u64) -> Value {
    json!({
        "pipeline": name,
        "rows": rows,
        "distinct_ids": distinct,
        "first_visible_row_s": w.first_row_s,
        "all_rows_visible_s": w.all_rows_s,
        "records_per_s": w.all_rows_s.map(|t| n as f64 / t),
        "cpu_s": w.cpu_s_at_all_rows,
        "peak_rss_mib": w.peak_rss_kib as f64 / 1024.0,
    })
}

/// A pipeline child with the emulator's credentials, its output dropped, killed with its handle.
fn emulator_child(command: &mut tokio::process::Command) -> std::io::Result<tokio::process::Child> {
    command
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
}

/// The pipeline (TOML and parsed) reading the world's stream into `table`, state under `dir`.
fn config(
    world: &World,
    dir: &Path,
    table: &str,
    interval_ms: u64,
) -> anyhow::Result<(String, PipelineConfig)> {
    let at = Endpoints {
        kinesis: Some(world.kinesis.endpoint_url().to_string()),
        state_dir: Some(dir.join(format!("{table}-state"))),
        ..Endpoints::new(
            crate::e2e::STREAM,
            &world.sim.jdbc_url(),
            &world.sim.load_url(),
        )
    };
    let sink = format!(
        "ssl-mode = \"disabled\"\nbuffer-flush.interval-ms = {interval_ms}\n\
         properties.format = \"json\""
    );
    let p = PipelineToml {
        name: "seed",
        database: DB,
        table,
        source: "initial-position = \"TRIM_HORIZON\"\nread-limits = \"none\"",
        sink: &sink,
        ..PipelineToml::default()
    };
    Ok((
        ks_local::world::pipeline_toml(&at, &p),
        pipeline_config(&at, &p)?,
    ))
}

pub async fn run(args: FlinkArgs) -> anyhow::Result<Value> {
    let n = args.records;
    let world = World::start(args.shards).await?;
    eprintln!(
        "(e) producing {n} x 1 KiB records into {} shards…",
        args.shards
    );
    crate::e2e::produce(&world.client, n).await?;
    let dir = tempfile::tempdir()?;

    // The engine: `kinesis-starrocks run`'s engine in a child (ks-bench engine-run's code path).
    eprintln!("(e) the engine…");
    let (toml, _) = config(&world, dir.path(), "engine_t", args.interval_ms)?;
    let engine_config = dir.path().join("engine.toml");
    std::fs::write(&engine_config, toml)?;
    let exe = std::env::current_exe()?;
    let t0 = Instant::now();
    let mut engine = emulator_child(
        tokio::process::Command::new(&exe)
            .arg("soak-engine")
            .arg("--config")
            .arg(&engine_config),
    )?;
    let pid = engine.id().unwrap_or(0);
    let engine_watch = watch(&world.sim, "engine_t", n, pid, t0, Duration::from_secs(600)).await;
    let _ = engine.kill().await;
    let (rows, distinct) = world.rows_and_distinct("engine_t").await?;
    let engine_result = summary("engine", n, &engine_watch, rows, distinct);

    // The Flink job: exported, built, run on a local mini-cluster.
    eprintln!("(e) the exported Flink job: mvn package…");
    let (_, flink_config) = config(&world, dir.path(), "flink_t", args.interval_ms)?;
    let columns = ks_export::columns_from_create_table(&crate::e2e::ddl_in(DB, "flink_t"))?;
    let export = ks_export::export_flink(&ks_export::FlinkExportInput {
        config: &flink_config,
        columns: &columns,
        parallelism: u32::try_from(args.shards)?,
        stream_arn: None,
    })?;
    let job_dir = dir.path().join("flink-job");
    for file in &export.files {
        let path = job_dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap_or(&job_dir))?;
        std::fs::write(&path, &file.contents)?;
    }
    let classpath = job_dir.join("provided.cp");
    let built = tokio::process::Command::new("mvn")
        .current_dir(&job_dir)
        .args(ks_export::local_build_args(&args.maven_repo, &classpath))
        .output()
        .await?;
    anyhow::ensure!(
        built.status.success(),
        "mvn package failed:\n{}",
        String::from_utf8_lossy(&built.stdout)
    );
    let properties = job_dir.join("local_properties.json");
    std::fs::write(
        &properties,
        ks_export::local_properties(crate::soak::PASSWORD),
    )?;
    let jar = job_dir.join("target").join(&export.jar);
    let provided = std::fs::read_to_string(&classpath)?;
    eprintln!("(e) the exported Flink job: running…");
    let t0 = Instant::now();
    let mut job = emulator_child(tokio::process::Command::new("java").args(
        ks_export::local_run_args(&jar, &provided, &properties, args.interval_ms),
    ))?;
    let pid = job.id().unwrap_or(0);
    let flink_watch = watch(&world.sim, "flink_t", n, pid, t0, Duration::from_secs(900)).await;
    // Two more checkpoints: nothing may load twice.
    tokio::time::sleep(Duration::from_millis(2 * args.interval_ms)).await;
    let _ = job.kill().await;
    let (rows, distinct) = world.rows_and_distinct("flink_t").await?;
    let flink_result = summary("flink", n, &flink_watch, rows, distinct);
    Ok(json!({
        "records": n,
        "shards": args.shards,
        "interval_ms": args.interval_ms,
        "engine": engine_result,
        "flink": flink_result,
        "loadavg_after": procstat::loadavg(),
    }))
}
