//! A pipeline's whole world in one test process: ferrokinesis embedded on 127.0.0.1, the
//! StarRocks stand-in in-process, a producer of stock.py-shaped records with unique ids, and the
//! checks every scenario ends with (rows in the table == distinct records produced).

#![allow(dead_code)]

pub mod common;

use aws_sdk_kinesis::Client;
use ks_core::{PipelineConfig, Secret};
use ks_engine::{EngineHandle, EngineOptions, RunSummary};
use ks_kinesis::KinesisSource;
use ks_local::world::{LocalWorld, WorldOptions};
use ks_local::{EmbeddedKinesis, StoreOptions};
use ks_starrocks::{MysqlAdmin, StreamLoadClient, StreamLoadSettings};
use starrocks_sim::{SimConfig, StarRocksSim};
use std::path::Path;
use std::time::Duration;

pub use common::{PASSWORD, stock_record, wait_for};
pub const STREAM: &str = "ExampleInputStream";

pub struct Harness {
    pub kinesis: EmbeddedKinesis,
    pub client: Client,
    pub sim: StarRocksSim,
    pub state: tempfile::TempDir,
}

impl Harness {
    pub async fn new(shards: i32) -> Harness {
        Harness::with_options(shards, EmbeddedKinesis::options(), SimConfig::default()).await
    }

    pub async fn with_options(
        shards: i32,
        kinesis_opts: StoreOptions,
        sim_cfg: SimConfig,
    ) -> Harness {
        let world = LocalWorld::start(WorldOptions {
            shards,
            kinesis: kinesis_opts,
            sim: SimConfig {
                password: PASSWORD.into(),
                ..sim_cfg
            },
            ..Default::default()
        })
        .await
        .expect("the local world starts");
        let LocalWorld {
            kinesis,
            client,
            sim,
            dir: state,
            ..
        } = world;
        Harness {
            kinesis,
            client,
            sim,
            state,
        }
    }

    pub async fn admin(&self) -> MysqlAdmin {
        common::admin(&self.sim).await
    }

    pub async fn sql(&self, sql: &str) {
        common::sql(&self.sim, sql).await;
    }

    pub async fn query_u64(&self, sql: &str) -> u64 {
        common::query_u64(&self.sim, sql).await
    }

    pub async fn count(&self) -> u64 {
        self.query_u64("select count(*) from example_db.stock")
            .await
    }

    pub async fn distinct_ids(&self) -> u64 {
        self.query_u64("select count(distinct id) from example_db.stock")
            .await
    }

    /// Asserts the invariant: rows == distinct ids == `expected` (none lost, none duplicated).
    pub async fn assert_exactly(&self, expected: u64) {
        common::assert_exactly(&self.sim, expected, "ferrokinesis").await;
    }

    /// A config for this world; `sink_extra` and `source_extra` are TOML lines added to the tables.
    pub fn config_toml(&self, source_extra: &str, sink_extra: &str, top_extra: &str) -> String {
        format!(
            r#"name = "stock"
state-dir = "{state}"
{top_extra}

[source]
stream = "{STREAM}"
region = "us-east-1"
endpoint-url = "{endpoint}"
operation-timeout-ms = 10000
discovery-interval-ms = 500
{source_extra}

[sink]
jdbc-url = "{jdbc}"
load-url = "{load}"
username = "root"
database-name = "example_db"
table-name = "stock"
max-retries = 3
retry-interval-ms = 100
{sink_extra}
"#,
            state = self.state.path().display(),
            endpoint = self.kinesis.endpoint_url(),
            jdbc = self.sim.jdbc_url(),
            load = self.sim.load_url(),
        )
    }

    pub fn config(&self, source_extra: &str, sink_extra: &str, top_extra: &str) -> PipelineConfig {
        let text = self.config_toml(source_extra, sink_extra, top_extra);
        PipelineConfig::from_toml_str(&text, Path::new("test.toml"))
            .unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    /// JSON config with the buffer knobs given.
    pub fn json_config(&self, initial: &str, max_rows: u64, interval_ms: u64) -> PipelineConfig {
        self.config(
            &format!("initial-position = \"{initial}\""),
            &format!(
                "buffer-flush.max-rows = {max_rows}\nbuffer-flush.interval-ms = {interval_ms}\n\
                 properties.format = \"json\"\nproperties.strip_outer_array = \"true\""
            ),
            "",
        )
    }

    pub async fn start(&self, config: PipelineConfig, stop_when_caught_up: bool) -> EngineHandle {
        let source = KinesisSource::connect_with(
            &config.source,
            ks_kinesis::ConnectOptions {
                credentials: Some(ks_local::emulator_credentials()),
                ..Default::default()
            },
        )
        .await
        .expect("source");
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

    /// Runs until caught up (bounded), returns the summary.
    pub async fn run_until_caught_up(&self, config: PipelineConfig) -> RunSummary {
        let handle = self.start(config, true).await;
        tokio::time::timeout(Duration::from_secs(120), handle.wait())
            .await
            .expect("the pipeline catches up within 120 s")
            .expect("the pipeline ends without error")
    }

    /// Puts stock.py-shaped records with ids `from..from+n`, spread over partition keys.
    pub async fn produce(&self, from: u64, n: u64) {
        let records: Vec<serde_json::Value> = (from..from + n).map(stock_record).collect();
        let keys: Vec<String> = (from..from + n).map(|i| format!("pk-{i}")).collect();
        ks_local::put_json_records(&self.client, STREAM, &records, &keys)
            .await
            .expect("put records");
    }
}
