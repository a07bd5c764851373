//! Kinesis source: stream discovery, per-shard readers, KPL de-aggregation.
//!
//! * [`KinesisSource`]: the SDK client (operation timeout always set), DescribeStreamSummary,
//!   paginated ListShards (StreamName and StreamARN both sent), and [`ShardReader`]s.
//! * [`ShardReader::next_batch`]: one GetRecords round within 5 calls/s and 2 MiB/s per shard;
//!   throttling keeps the iterator and backs off; an expired iterator is re-acquired after the last
//!   record read; KPL aggregates are de-aggregated into (sequence, sub-sequence) positions.
//! * Enhanced fan-out: [`KinesisSource::ensure_consumer`] registers (or reuses) a consumer and
//!   waits until it is ACTIVE; a source [`with_fanout`](KinesisSource::with_fanout) makes readers
//!   that SubscribeToShard from the same positions, renewed when a 5-minute session ends.
//! * [`ready_to_start`]: KCL's rule that children start after their parents are drained.

mod consumer;
mod error;
pub mod kpl;
mod lineage;
mod reader;
mod reader_options;
mod source;

pub use consumer::{ActiveConsumer, CONSUMER_ACTIVE_TIMEOUT, EfoConsumerInfo};
pub use error::{ReadError, SourceError};
pub use kpl::{AggError, deaggregate};
pub use lineage::ready_to_start;
pub use reader::{
    BufferPool, ReadBatch, ShardReader, ShardStats, ShardStatsSnapshot, SourceRecord,
};
pub use reader_options::{FIRST_CALL_LIMIT, ReaderOptions, StartPosition};
pub use source::{ConnectOptions, KinesisSource, ShardInfo, StreamSummary};
