//! What every engine test world shares: the StarRocks stand-in in-process with the stock table,
//! SQL through the real MySQL protocol, the invariant every scenario ends with, the stock.py-shaped
//! records with unique ids, and waiting on the engine's snapshot.

use ks_core::{PipelineConfig, Secret};
use ks_engine::{EngineHandle, EngineOptions, Snapshot};
use ks_kinesis::KinesisSource;
use ks_local::PipelineToml;
use ks_local::world::{Endpoints, pipeline_config};
use ks_starrocks::{MysqlAdmin, StreamLoadClient, StreamLoadSettings};
use starrocks_sim::{SimConfig, StarRocksSim};
use std::time::Duration;

pub use ks_local::stock::{STOCK_DDL, stock_record};
pub use ks_local::world::PASSWORD;

/// Starts the stand-in (with [`PASSWORD`]) and creates `example_db.stock`.
pub async fn start_sim(config: SimConfig) -> StarRocksSim {
    let sim = StarRocksSim::start(SimConfig {
        password: PASSWORD.into(),
        ..config
    })
    .await
    .expect("stand-in");
    sql(&sim, "CREATE DATABASE IF NOT EXISTS example_db").await;
    sql(&sim, STOCK_DDL).await;
    sim
}

pub async fn admin(sim: &StarRocksSim) -> MysqlAdmin {
    ks_local::root_admin(sim, PASSWORD)
        .await
        .expect("mysql login")
}

pub async fn sql(sim: &StarRocksSim, sql: &str) {
    admin(sim)
        .await
        .execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

pub async fn query_u64(sim: &StarRocksSim, sql: &str) -> u64 {
    ks_local::world::query_u64(&admin(sim).await, sql)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A world with the stand-in: SQL on it as root through the real MySQL protocol, and the
/// invariant every scenario ends with.
pub trait StandIn {
    fn sim(&self) -> &StarRocksSim;

    /// The Kinesis side, for assertion messages.
    fn kinesis_name(&self) -> &str;

    async fn admin(&self) -> MysqlAdmin {
        admin(self.sim()).await
    }

    async fn sql(&self, statement: &str) {
        sql(self.sim(), statement).await;
    }

    async fn query_u64(&self, statement: &str) -> u64 {
        query_u64(self.sim(), statement).await
    }

    /// Asserts the invariant: rows == distinct ids == `expected` (none lost, none duplicated).
    async fn assert_exactly(&self, expected: u64) {
        assert_exactly(self.sim(), expected, self.kinesis_name()).await;
    }
}

/// A pipeline config for a world at `at`: the timeouts and retries every scenario uses, and
/// `source_extra`, `sink_extra` and `top_extra` added to their tables.
pub fn config(
    at: &Endpoints,
    source_extra: &str,
    sink_extra: &str,
    top_extra: &str,
) -> PipelineConfig {
    let source =
        format!("operation-timeout-ms = 10000\ndiscovery-interval-ms = 500\n{source_extra}");
    let sink = format!("max-retries = 3\nretry-interval-ms = 100\n{sink_extra}");
    let p = PipelineToml {
        top: top_extra,
        source: &source,
        sink: &sink,
        ..PipelineToml::default()
    };
    pipeline_config(at, &p).unwrap_or_else(|e| panic!("{e}"))
}

/// A JSON pipeline for a world at `at`: `initial` position, batches of at most `max_rows` rows,
/// flushed after `interval_ms`.
pub fn json_config(
    at: &Endpoints,
    initial: &str,
    max_rows: u64,
    interval_ms: u64,
) -> PipelineConfig {
    config(
        at,
        &format!("initial-position = \"{initial}\""),
        &format!(
            "buffer-flush.max-rows = {max_rows}\nbuffer-flush.interval-ms = {interval_ms}\n\
             properties.format = \"json\"\nproperties.strip_outer_array = \"true\""
        ),
        "",
    )
}

/// Starts the engine on `source`, loading into the stand-in as root.
pub async fn start_engine(
    config: PipelineConfig,
    source: KinesisSource,
    stop_when_caught_up: bool,
) -> EngineHandle {
    let settings =
        StreamLoadSettings::from_sink(&config.sink, Secret::new(PASSWORD)).expect("settings");
    let client = StreamLoadClient::new(settings).expect("client");
    ks_engine::start_with(
        config,
        source,
        client,
        EngineOptions {
            stop_when_caught_up,
            ..Default::default()
        },
    )
    .await
    .expect("engine starts")
}

/// Asserts the invariant: rows == distinct ids == `expected` (none lost, none duplicated).
pub async fn assert_exactly(sim: &StarRocksSim, expected: u64, context: &str) {
    let rows = query_u64(sim, "select count(*) from example_db.stock").await;
    let distinct = query_u64(sim, "select count(distinct id) from example_db.stock").await;
    assert_eq!(
        (rows, distinct),
        (expected, expected),
        "{context}: rows in the table / distinct ids / records produced"
    );
}

/// Waits until `pred` holds for the snapshot (bounded).
pub async fn wait_for(
    handle: &EngineHandle,
    what: &str,
    secs: u64,
    pred: impl Fn(&Snapshot) -> bool,
) -> Snapshot {
    let mut rx = handle.snapshot();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        {
            let s = rx.borrow_and_update();
            if pred(&s) {
                return s.clone();
            }
        }
        if tokio::time::timeout_at(deadline, rx.changed())
            .await
            .is_err()
        {
            panic!(
                "timed out waiting for {what}; last snapshot: {:#?}",
                *rx.borrow()
            );
        }
    }
}
