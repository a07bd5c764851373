//! The real engine in a fresh process against the fixed-response endpoints: (a) throughput and
//! CPU, (c) peak RSS. Prints one `RESULT {json}` line.

use crate::procstat;
use ks_core::{PipelineConfig, Secret};
use ks_engine::EngineOptions;
use ks_kinesis::{ConnectOptions, KinesisSource, ReaderOptions};
use ks_local::PipelineToml;
use ks_local::world::{Endpoints, pipeline_config};
use ks_starrocks::{StreamLoadClient, StreamLoadSettings};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct EngineArgs {
    pub kinesis_url: String,
    pub load_url: String,
    pub max_bytes: u64,
    pub expect_rows: u64,
    pub timeout: Duration,
}

pub fn config(args: &EngineArgs, state_dir: &Path) -> anyhow::Result<PipelineConfig> {
    let at = Endpoints {
        kinesis: Some(args.kinesis_url.clone()),
        state_dir: Some(state_dir.to_path_buf()),
        // No jdbc-url: the engine only loads.
        ..Endpoints::new("bench", "", &args.load_url)
    };
    let sink = format!(
        "buffer-flush.max-bytes = {}\nbuffer-flush.max-rows = 10000000\n\
         buffer-flush.interval-ms = 1000\nproperties.format = \"json\"\n\
         properties.strip_outer_array = \"true\"",
        args.max_bytes
    );
    let p = PipelineToml {
        name: "bench",
        database: "bench",
        table: "t",
        source: "initial-position = \"TRIM_HORIZON\"\noperation-timeout-ms = 60000\n\
                 discovery-interval-ms = 1000",
        sink: &sink,
        ..PipelineToml::default()
    };
    Ok(pipeline_config(&at, &p)?)
}

/// Builds the engine's clients the way the CLI does, but with the reader's client-side AWS
/// limits off (`ReaderOptions::unlimited()`) and static credentials.
pub async fn start_engine(
    config: PipelineConfig,
    password: &str,
) -> anyhow::Result<ks_engine::EngineHandle> {
    let source = KinesisSource::connect_with(
        &config.source,
        ConnectOptions {
            credentials: Some(ks_local::emulator_credentials()),
            reader: Some(ReaderOptions::unlimited()),
            ..Default::default()
        },
    )
    .await?;
    let settings = StreamLoadSettings::from_sink(&config.sink, Secret::new(password))?;
    let client = StreamLoadClient::new(settings)?;
    Ok(ks_engine::start_with(config, source, client, EngineOptions::until_caught_up()).await?)
}

pub fn main(args: EngineArgs) -> anyhow::Result<()> {
    crate::print_result(run(args))
}

async fn run(args: EngineArgs) -> anyhow::Result<serde_json::Value> {
    let state = tempfile::tempdir()?;
    let config = config(&args, state.path())?;
    let rss_before_kib = procstat::vm_rss_kib();
    let (u0, s0) = procstat::cpu_seconds();
    let t0 = Instant::now();
    let handle = start_engine(config, "").await?;

    // Sample progress and RSS while it runs.
    let mut rx = handle.snapshot();
    let expect = args.expect_rows;
    let trace = std::env::var_os("KS_BENCH_TRACE").is_some();
    let sampler = tokio::spawn(async move {
        let mut first_load: Option<f64> = None;
        let mut at_10: Option<(f64, u64)> = None;
        let mut at_90: Option<(f64, u64)> = None;
        let mut all_loaded: Option<f64> = None;
        let mut max_rss = 0u64;
        let mut max_buffered = 0u64;
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        loop {
            tick.tick().await;
            max_rss = max_rss.max(procstat::vm_rss_kib());
            let (rows, buffered) = {
                let s = rx.borrow_and_update();
                (s.totals.rows_loaded, s.buffered_bytes)
            };
            max_buffered = max_buffered.max(buffered);
            if trace {
                eprintln!(
                    "t={:.2}s rss={}MiB buffered={}MiB rows={rows}",
                    t0.elapsed().as_secs_f64(),
                    procstat::vm_rss_kib() >> 10,
                    buffered >> 20
                );
            }
            let t = t0.elapsed().as_secs_f64();
            if rows > 0 && first_load.is_none() {
                first_load = Some(t);
            }
            if rows >= expect / 10 && at_10.is_none() {
                at_10 = Some((t, rows));
            }
            if rows >= expect * 9 / 10 && at_90.is_none() {
                at_90 = Some((t, rows));
            }
            if rows >= expect && all_loaded.is_none() {
                all_loaded = Some(t);
            }
            if SAMPLER_STOP.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
        }
        (first_load, at_10, at_90, all_loaded, max_rss, max_buffered)
    });
    let summary = tokio::time::timeout(args.timeout, handle.wait())
        .await
        .map_err(|_| anyhow::anyhow!("the engine did not finish within {:?}", args.timeout))??;
    let wall = t0.elapsed().as_secs_f64();
    let (u1, s1) = procstat::cpu_seconds();
    SAMPLER_STOP.store(true, std::sync::atomic::Ordering::Relaxed);
    let (first_load, at_10, at_90, all_loaded, max_rss, max_buffered) = sampler.await?;
    let steady = match (at_10, at_90) {
        (Some((ta, ra)), Some((tb, rb))) if tb > ta => Some((rb - ra) as f64 / (tb - ta)),
        _ => None,
    };
    Ok(json!({
        "rows_loaded": summary.rows_loaded,
        "loads": summary.loads,
        "wall_s": wall,
        "first_load_s": first_load,
        "all_loaded_s": all_loaded,
        "steady_rows_per_s": steady,
        "cpu_user_s": u1 - u0,
        "cpu_sys_s": s1 - s0,
        "vm_hwm_kib": procstat::vm_hwm_kib(),
        "rss_before_kib": rss_before_kib,
        "max_rss_sampled_kib": max_rss,
        "max_buffered_bytes": max_buffered,
    }))
}

static SAMPLER_STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
