//! The pipeline engine: Kinesis shard readers → batcher → Stream Load → checkpoint, exactly once
//! (docs/engine.md). No GUI code here: the app and the CLI reach it through [`EngineHandle`] —
//! commands in, a watch of the latest [`Snapshot`] and a bounded [`Event`] channel out.

pub mod batch;
pub mod checkpoint;
pub mod lock;
pub mod metrics;
pub mod pipeline;
mod shard_state;
pub mod snapshot;

/// The log target of every line the pipeline writes, whichever module writes it (the shard
/// table too): users and tests filter and grep on it.
pub(crate) const PIPELINE_LOG: &str = "ks_engine::pipeline";

pub use lock::{LockError, LockHolder, PipelineLock};
pub use pipeline::{EngineError, EngineHandle, EngineOptions, RunSummary, start, start_with};
pub use snapshot::{Command, Event, PipelineState, Snapshot};
