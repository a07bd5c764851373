//! The running pipeline: shard readers → batcher → loader → checkpoint (docs/engine.md §1).
//!
//! One task per open shard reads and sends records into a bounded channel; a byte budget (a
//! semaphore) stops readers while too much is read but not yet confirmed. The main loop fills
//! batches, writes each batch's intent, loads it (up to `max-inflight-loads` at once; the next
//! batch fills meanwhile), and advances the checkpoint once StarRocks confirms. A shard manager
//! lists shards periodically and starts children only after their parents are drained (KCL's
//! rule).
//!
//! `handle` starts a run and is the outside's grip on it; `main_loop` batches and decides when to
//! flush and stop; `load` is one batch's Stream Load and checkpoint; `replay` re-loads intents
//! left by an earlier run; `shards` discovers shards and supervises their readers (their phases
//! live in `crate::shard_state`); `dead_letter` applies `on-data-error`; `shared` is the state
//! every task writes and the snapshot is published from.

mod dead_letter;
mod handle;
mod load;
mod main_loop;
mod replay;
mod shards;
mod shared;

pub use handle::{EngineError, EngineHandle, EngineOptions, RunSummary, start, start_with};
pub use main_loop::{FILL_HEADROOM_MAX_BYTES, budget_bytes};

pub(crate) use crate::PIPELINE_LOG as LOG;
