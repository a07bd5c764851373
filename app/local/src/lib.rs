//! Local worlds for the demo and the tests, all on 127.0.0.1: nothing here is a production code
//! path (the desktop binary uses it only for `demo`; every other crate only as a dev-dependency).
//!
//! * [`kinesis`]: ferrokinesis embedded in-process, the emulator's static credentials, stream
//!   administration; [`produce`]: PutRecords with retries, JSON records, KPL aggregates;
//!   [`proxy`]: a counting, throttling proxy in front of Kinesis.
//! * [`sts`]: a loopback STS with one identity.
//! * [`stock`]: the seed producer's stock records, the tests' stock table, a live producer.
//! * [`world`]: [`LocalWorld`] — stand-in + Kinesis + a pipeline config + admin sessions.
//! * [`demo`]: the local demo's services.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ks_local::world::{LocalWorld, PipelineToml, WorldOptions};
//! let world = LocalWorld::start(WorldOptions::default()).await?;
//! world.put_stock(0, 100).await?;
//! let config = world.config(&PipelineToml::default())?;
//! # let _ = config; Ok(()) }
//! ```

pub mod demo;
pub mod kinesis;
pub mod produce;
pub mod proxy;
pub mod stock;
pub mod sts;
pub mod world;

pub use kinesis::{EmbeddedKinesis, LocalError, emulator_credentials};
pub use kinesis::{
    Store, StoreOptions, TEST_REGION, consumer_names, create_stream, merge_shards, sdk_config,
    split_shard, wait_active,
};
pub use produce::{Packing, PutEntry, PutResult, put_aggregates, put_json_records, put_records};
pub use proxy::{KinesisProxy, ProxyCounts};
pub use world::{Endpoints, LocalWorld, PipelineToml, WorldOptions, root_admin};
