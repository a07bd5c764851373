//! `kinesis-starrocks run --config F [--stop-when-caught-up] [--metrics-addr ADDR]
//! [--log-format text|json]`: the engine, headless. Needs only the load URL; with a reachable
//! `jdbc-url` it also checks the version and the table and warns about mismatches.

use super::{EXIT_FAILED, EXIT_USAGE, secrets};
use ks_core::PipelineConfig;
use ks_engine::{EngineOptions, PipelineState, Snapshot};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The pipeline's TOML config.
    #[arg(long)]
    pub config: PathBuf,
    /// Exit 0 once every shard is at the tip and everything read is loaded and checkpointed.
    #[arg(long)]
    pub stop_when_caught_up: bool,
    /// Serve Prometheus metrics (`kinesis_starrocks_*`) on this address, e.g. 127.0.0.1:9108.
    #[arg(long)]
    pub metrics_addr: Option<SocketAddr>,
    /// Log lines as text, or as one JSON object per line for log collectors.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Prints why the run ends: `error: …` on stderr, or with `--log-format json` an ERROR log line,
/// so that a log collector reads every line of the run as JSON.
fn report_error(format: LogFormat, message: impl std::fmt::Display) {
    match format {
        LogFormat::Text => eprintln!("error: {message}"),
        LogFormat::Json => tracing::error!("{message}"),
    }
}

/// Runs the pipeline and returns the process exit code.
pub fn run(args: RunArgs) -> i32 {
    let config = match PipelineConfig::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            report_error(args.log_format, e);
            return EXIT_USAGE;
        }
    };
    let (password, source) = match secrets::password_for(&config.sink) {
        Ok(p) => p,
        Err(e) => {
            report_error(args.log_format, e);
            return EXIT_USAGE;
        }
    };
    tracing::info!("password from {source}");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            report_error(
                args.log_format,
                format!("cannot start the async runtime: {e}"),
            );
            return EXIT_FAILED;
        }
    };
    runtime.block_on(run_async(config, password, args))
}

async fn run_async(config: PipelineConfig, password: ks_core::Secret, args: RunArgs) -> i32 {
    check_cluster(&config, &password).await;
    let name = config.name.clone();
    let mut handle = match ks_engine::start(
        config,
        password,
        EngineOptions {
            stop_when_caught_up: args.stop_when_caught_up,
            holder: "kinesis-starrocks run".into(),
        },
    )
    .await
    {
        Ok(h) => h,
        Err(e) => {
            report_error(args.log_format, e);
            return EXIT_FAILED;
        }
    };
    // Shown by default (the engine's own line, registered or reused, is at ks_engine=info): a
    // registered consumer is billed whether the pipeline runs or not.
    if let Some(consumer) = handle.snapshot().borrow().efo_consumer.clone() {
        tracing::info!(
            "reading by enhanced fan-out with consumer {consumer}; AWS bills it per \
             consumer-shard-hour and per GB for as long as it is registered"
        );
    }
    // Events feed the logs; the snapshot feeds the status line and the metrics.
    if let Some(mut events) = handle.take_events() {
        tokio::spawn(async move { while events.recv().await.is_some() {} });
    }
    if let Some(addr) = args.metrics_addr {
        match ks_engine::metrics::serve(addr, handle.snapshot()).await {
            Ok(bound) => tracing::info!("metrics on http://{bound}/metrics"),
            Err(e) => {
                report_error(args.log_format, format!("--metrics-addr {addr}: {e}"));
                handle.stop();
                let _ = handle.wait().await;
                return EXIT_USAGE;
            }
        }
    }
    let commands = handle.commands();
    tokio::spawn(async move {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return,
            };
        let mut first: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            // The same signal often arrives twice at once (sent to the process and its group,
            // e.g. by `timeout`): only a signal a second later means "quit now".
            if first.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
                continue;
            }
            if first.is_none() {
                first = Some(Instant::now());
                tracing::info!(
                    "stopping: flushing, confirming and checkpointing (signal again to quit at once)"
                );
                let _ = commands.send(ks_engine::Command::Stop).await;
            } else {
                tracing::warn!(
                    "quitting without a flush: the unconfirmed batch is replayed on the next start"
                );
                std::process::exit(EXIT_FAILED);
            }
        }
    });
    let status = tokio::spawn(status_lines(name, handle.snapshot()));
    let result = handle.wait().await;
    status.abort();
    match result {
        Ok(summary) => {
            if summary.kpl_dropped > 0 {
                tracing::warn!("stopped: {summary}");
            } else {
                tracing::info!("stopped: {summary}");
            }
            0
        }
        Err(e) => {
            report_error(args.log_format, e);
            EXIT_FAILED
        }
    }
}

/// The state in words for the status line: `running`, `stalled (reason)`, `catching up`, …
fn state_words(state: &PipelineState) -> String {
    match state {
        PipelineState::Stalled { reason, .. } => format!("stalled ({reason})"),
        PipelineState::Failed { error } => format!("failed ({error})"),
        PipelineState::CatchingUp => "catching up".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// A one-line status every few seconds, and at once when the state changes (stalled, running
/// again) so that a stall shows within one retry.
async fn status_lines(name: String, mut snapshot: tokio::sync::watch::Receiver<Snapshot>) {
    let mut last = (Instant::now(), 0u64, 0u64);
    // (throttled, GetRecords calls) at the last line: throttling since then is shown.
    let mut last_calls = (0u64, 0u64);
    let mut last_state = String::new();
    let mut next_line = Instant::now() + Duration::from_secs(5);
    loop {
        let changed = tokio::select! {
            _ = tokio::time::sleep_until(next_line.into()) => false,
            r = snapshot.changed() => {
                if r.is_err() {
                    return;
                }
                true
            }
        };
        let s = snapshot.borrow_and_update().clone();
        let state = state_words(&s.state);
        // Same-kind states compare by kind: a stall's reason may change at every retry.
        let kind = state.split(" (").next().unwrap_or_default().to_string();
        if changed && kind == last_state {
            continue;
        }
        if changed && s.state == PipelineState::Starting {
            continue;
        }
        last_state = kind;
        next_line = Instant::now() + Duration::from_secs(5);
        let elapsed = last.0.elapsed().as_secs_f64().max(0.001);
        let rate = s.totals.records_read.saturating_sub(last.1) as f64 / elapsed;
        let load_rate = s.totals.rows_loaded.saturating_sub(last.2) as f64 / elapsed;
        last = (Instant::now(), s.totals.records_read, s.totals.rows_loaded);
        let kpl = match (s.totals.kpl_out_of_range, s.totals.kpl_dropped) {
            (0, _) => String::new(),
            (_, 0) => format!(
                " · KPL sub-records outside their shard kept {}",
                s.totals.kpl_out_of_range
            ),
            (_, d) => format!(" · KPL sub-records DROPPED {d}"),
        };
        let throttled = s.totals.throttled.saturating_sub(last_calls.0);
        let calls = s.totals.get_records_calls.saturating_sub(last_calls.1);
        last_calls = (s.totals.throttled, s.totals.get_records_calls);
        let throttled_shards: Vec<String> = s
            .throttled_shards(chrono::Utc::now().timestamp_millis())
            .iter()
            .map(|sh| sh.shard.to_string())
            .collect();
        let throttling = if throttled > 0 || !throttled_shards.is_empty() {
            format!(
                " · THROTTLED {throttled} of {calls} GetRecords calls since the last line on {} ({})",
                throttled_shards.join(", "),
                ks_core::snapshot::THROTTLING_MEANS
            )
        } else {
            String::new()
        };
        let dead = if s.totals.rows_dead_lettered > 0 {
            format!(
                " · dead-lettered {} (in {})",
                s.totals.rows_dead_lettered,
                s.dead_letters
                    .front()
                    .and_then(|d| std::path::Path::new(&d.path).parent())
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            )
        } else {
            String::new()
        };
        tracing::info!(
            "{name}: {state} · {} shards · read {:.0}/s · loaded {:.0} rows/s · total {} rows · filtered {}{dead}{kpl}{throttling} · lag {}",
            s.shards
                .iter()
                .filter(|sh| matches!(sh.state, ks_engine::snapshot::ShardState::Reading))
                .count(),
            rate,
            load_rate,
            s.totals.rows_loaded,
            s.totals.rows_filtered,
            s.max_lag_ms()
                .map(|l| format!("{l} ms"))
                .unwrap_or_else(|| "n/a".into()),
        );
    }
}

/// With a reachable `jdbc-url`: the version and the table, with warnings. Never fatal.
async fn check_cluster(config: &PipelineConfig, password: &ks_core::Secret) {
    let Some(jdbc) = &config.sink.jdbc_url else {
        tracing::info!("no jdbc-url: the table is not checked before loading");
        return;
    };
    let admin = match ks_starrocks::MysqlAdmin::connect(
        jdbc,
        &config.sink.username,
        password,
        config.sink.ssl_mode,
        Duration::from_secs(5),
    )
    .await
    {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(
                "jdbc-url {} did not answer ({e}); loading anyway through the load-url",
                jdbc.text
            );
            return;
        }
    };
    match admin.version().await {
        Ok(v) => tracing::info!("StarRocks {}", v.text),
        Err(e) => tracing::warn!("{e}"),
    }
    let (db, table) = (&config.sink.database_name, &config.sink.table_name);
    match admin.table_schema(db, table).await {
        Ok(Some(columns)) => {
            let names: Vec<String> = columns
                .iter()
                .map(|c| c.name.to_ascii_lowercase())
                .collect();
            if let Some(paths) = config.sink.properties.get("jsonpaths")
                && let Ok(list) = serde_json::from_str::<Vec<String>>(paths)
                && !config.sink.properties.contains_key("columns")
                && list.len() != columns.len()
            {
                tracing::warn!(
                    "properties.jsonpaths has {} paths but {db}.{table} has {} columns ({}); StarRocks maps them in order",
                    list.len(),
                    columns.len(),
                    names.join(", ")
                );
            }
        }
        Ok(None) => tracing::warn!(
            "table {db}.{table} does not exist: every load will fail until it is created (`kinesis-starrocks init-table`)"
        ),
        Err(e) => tracing::warn!("could not read the schema of {db}.{table}: {e}"),
    }
}
