//! The local demo's services: a [`LocalWorld`] with the seed's stream and stock table in a `demo`
//! database, a live stock producer shaped like AWS's `stock.py`, and a loopback STS. It knows
//! nothing of the app: the desktop's backend starts it and answers the UI.
//!
//! Nothing leaks into real pipelines: the demo's config and state live in the world's temporary
//! directory, its password stays in memory, and the emulator's static credentials are used only
//! with the demo's own Kinesis endpoint.

use crate::kinesis::LocalError;
use crate::stock::StockProducer;
use crate::sts::LocalSts;
use crate::world::{LocalWorld, PipelineToml, WorldOptions};
use ks_core::PipelineConfig;
use starrocks_sim::SimConfig;

/// The demo pipeline's name (the wizard may rename it).
pub const DEMO_PIPELINE: &str = "demo-stock";
/// The demo's stream: the seed's source stream name.
pub const DEMO_STREAM: &str = crate::world::STREAM;
pub const DEMO_DATABASE: &str = "demo";
pub const DEMO_TABLE: &str = "stock";
/// The stand-in's root password (the demo's only, shown in the wizard's masked field).
pub const DEMO_PASSWORD: &str = "demo";
/// Records the producer puts per second at first (the monitor's slider changes it).
pub const RECORDS_PER_S: u64 = 100;

/// The seed's table, its columns named like the producer's fields (so each field lands by name).
const DEMO_DDL: &str = "CREATE TABLE demo.stock (
    `event_time` datetime NOT NULL,
    `ticker` varchar(65533) NOT NULL,
    `price` float NULL
) ENGINE=OLAP DUPLICATE KEY(`event_time`) DISTRIBUTED BY HASH(`event_time`) BUCKETS 2
PROPERTIES (\"replication_num\" = \"1\")";

/// The demo's pipeline knobs on top of the world's connection keys.
const DEMO_SOURCE: &str = "initial-position = \"TRIM_HORIZON\"\ndiscovery-interval-ms = 1000";
const DEMO_SINK: &str = "ssl-mode = \"disabled\"\nbuffer-flush.interval-ms = 1000\n\
properties.format = \"json\"\nproperties.strip_outer_array = \"true\"";
const DEMO_NETWORK: &str = "# The demo runs on this machine: its \"public address\" is the loopback one.\n\
egress-ip = \"127.0.0.1\"";

/// The running demo.
pub struct DemoServices {
    pub world: LocalWorld,
    pub producer: StockProducer,
    /// The demo's "who am I" (STS GetCallerIdentity): the demo's identity is local too.
    pub sts: LocalSts,
    /// The demo pipeline's config: ready, not saved.
    pub config: PipelineConfig,
}

impl DemoServices {
    /// Starts the services and the producer.
    pub async fn start() -> Result<DemoServices, LocalError> {
        let world = LocalWorld::start(WorldOptions {
            sim: SimConfig {
                password: DEMO_PASSWORD.into(),
                ..Default::default()
            },
            setup_sql: vec![
                format!("CREATE DATABASE IF NOT EXISTS {DEMO_DATABASE}"),
                DEMO_DDL.into(),
            ],
            ..Default::default()
        })
        .await?;
        let sts = LocalSts::start()
            .await
            .map_err(|e| LocalError(format!("the demo's STS endpoint: {e}")))?;
        let config = world
            .config(&PipelineToml {
                name: DEMO_PIPELINE,
                username: "root",
                database: DEMO_DATABASE,
                table: DEMO_TABLE,
                top: "",
                source: DEMO_SOURCE,
                sink: DEMO_SINK,
                network: DEMO_NETWORK,
            })
            .map_err(|e| LocalError(format!("the demo's pipeline config: {e}")))?;
        let producer = StockProducer::spawn(world.client.clone(), DEMO_STREAM, RECORDS_PER_S);
        tracing::info!(
            "local demo: Kinesis {}, StarRocks stand-in {} / {}",
            world.kinesis.endpoint_url(),
            world.sim.jdbc_url(),
            world.sim.load_url()
        );
        Ok(DemoServices {
            world,
            producer,
            sts,
            config,
        })
    }

    /// Rows in the demo table.
    pub async fn rows(&self) -> Result<u64, LocalError> {
        self.world
            .query_u64(&format!(
                "select count(*) from {DEMO_DATABASE}.{DEMO_TABLE}"
            ))
            .await
    }

    /// Records the producer has put so far.
    pub fn produced(&self) -> u64 {
        self.producer.produced()
    }

    /// Stops the producer, the STS and the world.
    pub async fn shutdown(self) {
        drop(self.producer);
        drop(self.sts);
        self.world.shutdown().await;
    }
}
