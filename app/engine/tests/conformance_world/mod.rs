//! The world of a conformance test: a Kinesis emulator run as a separate node process
//! (kinesalite or kinesis-local, from `ks_tests::emulators`), the StarRocks stand-in in-process,
//! a producer of stock.py-shaped JSON records with unique ids, and the check every scenario ends
//! with (rows in the table == distinct records produced).
//!
//! Kept apart from `harness/` (ferrokinesis embedded) so the two evolve independently.

#![allow(dead_code)]

#[path = "../harness/common.rs"]
mod common;

use aws_sdk_kinesis::Client;
use ks_core::PipelineConfig;
use ks_engine::{EngineHandle, Event};
use ks_kinesis::{ConnectOptions, KinesisSource, ReaderOptions, ShardInfo};
use ks_local::PutResult;
use ks_local::world::Endpoints;
use ks_tests::emulators::Emulator;
use starrocks_sim::{SimConfig, StarRocksSim};

pub use common::{StandIn, stock_record, wait_for};

/// Which npm emulator a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Kinesalite,
    KinesisLocal,
}

/// Starts an emulator (off the async threads: the start-up wait blocks).
pub async fn start_emulator(which: Which) -> Emulator {
    tokio::task::spawn_blocking(move || match which {
        Which::Kinesalite => Emulator::kinesalite(),
        Which::KinesisLocal => Emulator::kinesis_local(),
    })
    .await
    .expect("the emulator starts")
}

pub struct World {
    pub stream: String,
    pub client: Client,
    pub sim: StarRocksSim,
    pub state: tempfile::TempDir,
    /// Dropped last (declared last): the engine and clients are gone by then.
    pub emu: Emulator,
}

impl World {
    /// An emulator with a provisioned stream of `shards` shards, and the stand-in with the stock
    /// table. The static test credentials (`AKIDTEST`) work on both emulators: kinesis-local
    /// maps an access key id that is not 12 digits to its default account 000000000000.
    pub async fn new(which: Which, stream: &str, shards: i32) -> World {
        let emu = start_emulator(which).await;
        let client = Client::new(&ks_local::sdk_config(&emu.endpoint).await);
        ks_local::create_stream(&client, stream, shards)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", emu.name));
        let sim = common::start_sim(SimConfig::default()).await;
        World {
            stream: stream.to_string(),
            client,
            sim,
            state: tempfile::tempdir().expect("state dir"),
            emu,
        }
    }

    /// A JSON pipeline on this world: `initial` position, batches of at most `max_rows` rows,
    /// flushed after `interval_ms`.
    pub fn json_config(&self, initial: &str, max_rows: u64, interval_ms: u64) -> PipelineConfig {
        let at = Endpoints {
            kinesis: Some(self.emu.endpoint.clone()),
            state_dir: Some(self.state.path().to_path_buf()),
            ..Endpoints::new(&self.stream, &self.sim.jdbc_url(), &self.sim.load_url())
        };
        common::json_config(&at, initial, max_rows, interval_ms)
    }

    /// A source on the emulator, as the engine builds it (static test credentials), with the
    /// given reader options (AWS's per-shard limits when `None`).
    pub async fn source(
        &self,
        config: &PipelineConfig,
        reader: Option<ReaderOptions>,
    ) -> KinesisSource {
        KinesisSource::connect_with(
            &config.source,
            ConnectOptions {
                credentials: Some(ks_local::emulator_credentials()),
                reader,
                ..Default::default()
            },
        )
        .await
        .expect("source")
    }

    /// Every shard of the stream, through our own ListShards.
    pub async fn list_shards(&self) -> Vec<ShardInfo> {
        let cfg = self.json_config("TRIM_HORIZON", 100, 100);
        self.source(&cfg, None)
            .await
            .list_shards()
            .await
            .unwrap_or_else(|e| panic!("{}: ListShards: {e}", self.emu.name))
    }

    pub async fn start(
        &self,
        config: PipelineConfig,
        stop_when_caught_up: bool,
        reader: Option<ReaderOptions>,
    ) -> EngineHandle {
        let source = self.source(&config, reader).await;
        common::start_engine(config, source, stop_when_caught_up).await
    }

    /// Puts stock.py-shaped records with ids `from..from+n`, one partition key each.
    pub async fn produce(&self, from: u64, n: u64) -> Vec<PutResult> {
        produce(&self.client, &self.stream, from, n).await
    }
}

/// Puts stock.py-shaped records with ids `from..from+n` (usable from a spawned task).
pub async fn produce(client: &Client, stream: &str, from: u64, n: u64) -> Vec<PutResult> {
    let records: Vec<serde_json::Value> = (from..from + n).map(stock_record).collect();
    let keys: Vec<String> = (from..from + n).map(|i| format!("pk-{i}")).collect();
    ks_local::put_json_records(client, stream, &records, &keys)
        .await
        .expect("put records")
}

/// Everything left in the event channel (call after the engine ended).
pub fn drain_events(rx: &mut tokio::sync::mpsc::Receiver<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

/// KCL's lineage rule checked on the event stream: every child in `shards` started only after
/// every parent of it ended. Returns the violations (empty when the rule held).
pub fn lineage_violations(events: &[Event], shards: &[ShardInfo]) -> Vec<String> {
    let pos = |want: &dyn Fn(&Event) -> bool| events.iter().position(want);
    let mut out = Vec::new();
    for child in shards.iter().filter(|s| s.parents().next().is_some()) {
        let Some(started) =
            pos(&|e| matches!(e, Event::ShardStarted { shard } if shard == &child.id))
        else {
            out.push(format!("{} never started", child.id));
            continue;
        };
        for parent in child.parents() {
            match pos(&|e| matches!(e, Event::ShardEnded { shard } if shard == parent)) {
                None => out.push(format!("parent {parent} of {} never ended", child.id)),
                Some(ended) if ended > started => out.push(format!(
                    "child {} started (event #{started}) before its parent {parent} ended (event #{ended})",
                    child.id
                )),
                Some(_) => {}
            }
        }
    }
    out
}

/// Asserts [`lineage_violations`] finds none.
pub fn assert_parents_before_children(events: &[Event], shards: &[ShardInfo]) {
    let v = lineage_violations(events, shards);
    assert!(v.is_empty(), "{v:#?}\nevents: {events:#?}");
}

impl StandIn for World {
    fn sim(&self) -> &StarRocksSim {
        &self.sim
    }

    fn kinesis_name(&self) -> &str {
        self.emu.name
    }
}
