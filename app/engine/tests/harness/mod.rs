//! A pipeline's whole world in one test process: ferrokinesis embedded on 127.0.0.1, the
//! StarRocks stand-in in-process, a producer of stock.py-shaped records with unique ids, and the
//! checks every scenario ends with (rows in the table == distinct records produced).

#![allow(dead_code)]

pub mod common;

use aws_sdk_kinesis::Client;
use ks_core::PipelineConfig;
use ks_engine::{EngineHandle, RunSummary};
use ks_kinesis::KinesisSource;
use ks_local::world::{Endpoints, LocalWorld, WorldOptions};
use ks_local::{EmbeddedKinesis, StoreOptions};
use starrocks_sim::{SimConfig, StarRocksSim};
use std::time::Duration;

pub use common::{PASSWORD, StandIn, stock_record, wait_for};
pub use ks_local::world::STREAM;

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

    pub async fn count(&self) -> u64 {
        self.query_u64("select count(*) from example_db.stock")
            .await
    }

    pub async fn distinct_ids(&self) -> u64 {
        self.query_u64("select count(distinct id) from example_db.stock")
            .await
    }

    /// Where this world's pipelines read and write.
    pub fn endpoints(&self) -> Endpoints<'_> {
        Endpoints {
            kinesis: Some(self.kinesis.endpoint_url().to_string()),
            state_dir: Some(self.state.path().to_path_buf()),
            ..Endpoints::new(STREAM, &self.sim.jdbc_url(), &self.sim.load_url())
        }
    }

    /// A config for this world; `sink_extra` and `source_extra` are TOML lines added to the tables.
    pub fn config(&self, source_extra: &str, sink_extra: &str, top_extra: &str) -> PipelineConfig {
        common::config(&self.endpoints(), source_extra, sink_extra, top_extra)
    }

    /// JSON config with the buffer knobs given.
    pub fn json_config(&self, initial: &str, max_rows: u64, interval_ms: u64) -> PipelineConfig {
        common::json_config(&self.endpoints(), initial, max_rows, interval_ms)
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
        common::start_engine(config, source, stop_when_caught_up).await
    }

    /// Runs until caught up (bounded), returns the summary.
    pub async fn run_until_caught_up(&self, config: PipelineConfig) -> RunSummary {
        let handle = self.start(config, true).await;
        tokio::time::timeout(Duration::from_secs(120), handle.wait())
            .await
            .expect("the pipeline catches up within 120 s")
            .expect("the pipeline ends without error")
    }

    /// The value of header `name` on every request the stand-in's BE saw, in order.
    pub fn be_header(&self, name: &str) -> Vec<String> {
        self.sim
            .faults()
            .requests()
            .iter()
            .filter(|r| r.port == "be")
            .filter_map(|r| {
                r.headers
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            })
            .collect()
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

impl StandIn for Harness {
    fn sim(&self) -> &StarRocksSim {
        &self.sim
    }

    fn kinesis_name(&self) -> &str {
        "ferrokinesis"
    }
}
