//! What the engine shows the outside world: the latest snapshot (a `watch` in the engine), a bounded
//! stream of events, and the commands it accepts. The GUI and the CLI read exactly these; they live
//! here (no tokio) so that the UI crate can draw them without depending on the engine.

use crate::{ExtendedSeq, ShardId};
use serde::Serialize;
use std::collections::VecDeque;

/// Commands into a running engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Stop reading, flush what was read, confirm it, checkpoint, end.
    Stop,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PipelineState {
    Starting,
    /// Replaying intents left by an earlier run.
    Recovering,
    Running,
    /// Running, with shards far behind the tip.
    CatchingUp,
    /// Loads keep failing (transient): the reason and since when.
    Stalled {
        reason: String,
        since_ms: i64,
    },
    Stopping,
    Stopped,
    Failed {
        error: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShardState {
    WaitingOnParents,
    Initializing,
    Reading,
    ShardEnd,
    Done,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShardSnapshot {
    pub shard: ShardId,
    pub state: ShardState,
    pub last_sequence: Option<ExtendedSeq>,
    pub checkpoint: Option<ExtendedSeq>,
    pub millis_behind_latest: Option<i64>,
    pub records_read: u64,
    pub bytes_read: u64,
    /// GetRecords calls made on this shard, and how many Kinesis throttled
    /// (ProvisionedThroughputExceeded).
    pub get_records_calls: u64,
    pub throttled: u64,
    /// When Kinesis last throttled this shard's GetRecords (Unix ms).
    pub last_throttled_ms: Option<i64>,
    pub expired_iterators: u64,
    /// KPL sub-records read from this shard whose hash key lies outside its range (kept, unless
    /// `kpl-out-of-range = "drop"`).
    pub kpl_out_of_range: u64,
    /// Of those, the ones dropped (`kpl-out-of-range = "drop"`).
    pub kpl_dropped: u64,
    pub at_tip: bool,
}

impl ShardSnapshot {
    /// A shard's row before anything is read from it: no position, every count zero, not at the
    /// tip.
    pub fn new(shard: ShardId, state: ShardState) -> ShardSnapshot {
        ShardSnapshot {
            shard,
            state,
            last_sequence: None,
            checkpoint: None,
            millis_behind_latest: None,
            records_read: 0,
            bytes_read: 0,
            get_records_calls: 0,
            throttled: 0,
            last_throttled_ms: None,
            expired_iterators: 0,
            kpl_out_of_range: 0,
            kpl_dropped: 0,
            at_tip: false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub records_read: u64,
    pub bytes_read: u64,
    pub rows_loaded: u64,
    pub bytes_loaded: u64,
    pub rows_filtered: u64,
    /// Rows the `where` property left out (StarRocks' NumberUnselectedRows): by the user's
    /// choice, e.g. ignored deletes, and counted so that none goes unaccounted.
    pub rows_unselected: u64,
    pub rows_dead_lettered: u64,
    pub records_malformed: u64,
    pub loads_ok: u64,
    pub loads_failed_attempts: u64,
    pub get_records_calls: u64,
    pub throttled: u64,
    pub expired_iterators: u64,
    /// KPL sub-records outside their shard's hash-key range (kept unless dropped by policy).
    pub kpl_out_of_range: u64,
    /// Of those, the ones dropped (`kpl-out-of-range = "drop"`): never loaded.
    pub kpl_dropped: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadSummary {
    pub label: String,
    pub rows: u64,
    pub bytes: u64,
    pub loaded_rows: u64,
    pub filtered_rows: u64,
    pub ms: u64,
    pub status: String,
    pub finished_ms: i64,
}

/// Rows set aside in the dead-letter dir (`on-data-error = "dead-letter"`): where, how many, why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadLetterEntry {
    pub at_ms: i64,
    /// The batch's label, or `malformed-<shard>-<position>` for records that were not sent.
    pub label: String,
    pub rows: u64,
    /// The `.jsonl` file: one line per row with its shard and sequence number.
    pub path: String,
    /// StarRocks' reason (or why the records could not be sent).
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorEntry {
    pub at_ms: i64,
    /// Where: a label, a shard, a record position.
    pub context: String,
    /// StarRocks' `Status`, when the error came from a load.
    pub status: Option<String>,
    pub message: String,
    pub error_url: Option<String>,
    /// The ErrorURL's lines, fetched.
    pub error_lines: Vec<String>,
}

/// The latest state of a pipeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub pipeline: String,
    pub state: PipelineState,
    pub shards: Vec<ShardSnapshot>,
    pub totals: Totals,
    pub recent_loads: VecDeque<LoadSummary>,
    pub errors: VecDeque<ErrorEntry>,
    /// The latest dead-letter files, newest first.
    pub dead_letters: VecDeque<DeadLetterEntry>,
    pub started_ms: i64,
    /// Every shard at the tip and everything read confirmed.
    pub caught_up: bool,
    /// Bytes read but not yet confirmed (the back-pressure budget in use).
    pub buffered_bytes: u64,
    /// `kpl-out-of-range = "drop"`: KPL sub-records outside their shard's range are dropped
    /// (KCL's rule) instead of kept.
    pub kpl_drops_out_of_range: bool,
    /// `reader = "efo"`: the enhanced fan-out consumer the shards are read with.
    pub efo_consumer: Option<String>,
    /// When the engine took it (epoch ms). The monitor's rates are taken over these times: the
    /// window may receive (and show) snapshots later than they were taken, and in batches.
    pub taken_ms: i64,
}

impl Snapshot {
    pub fn new(pipeline: &str) -> Snapshot {
        let now_ms = chrono::Utc::now().timestamp_millis();
        Snapshot {
            pipeline: pipeline.to_string(),
            state: PipelineState::Starting,
            shards: Vec::new(),
            totals: Totals::default(),
            recent_loads: VecDeque::new(),
            errors: VecDeque::new(),
            dead_letters: VecDeque::new(),
            started_ms: now_ms,
            taken_ms: now_ms,
            caught_up: false,
            buffered_bytes: 0,
            kpl_drops_out_of_range: false,
            efo_consumer: None,
        }
    }

    /// Shards Kinesis throttled within [`THROTTLED_RECENTLY_MS`] before `now_ms`: their
    /// GetRecords share the shard's read limits (5 calls/s, 2 MB/s) with another consumer, or this
    /// pipeline asks more often than they allow.
    pub fn throttled_shards(&self, now_ms: i64) -> Vec<&ShardSnapshot> {
        self.shards
            .iter()
            .filter(|s| {
                s.last_throttled_ms
                    .is_some_and(|t| now_ms - t <= THROTTLED_RECENTLY_MS)
            })
            .collect()
    }

    /// The largest MillisBehindLatest over reading shards.
    pub fn max_lag_ms(&self) -> Option<i64> {
        self.shards
            .iter()
            .filter_map(|s| s.millis_behind_latest)
            .max()
    }
}

/// Events, for plots, notifications and logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    ShardStarted {
        shard: ShardId,
    },
    ShardEnded {
        shard: ShardId,
    },
    ShardThrottled {
        shard: ShardId,
        count: u64,
    },
    /// The first KPL sub-records outside a shard's hash-key range were seen in this shard (once
    /// per shard and run).
    KplOutOfRange {
        shard: ShardId,
        /// How many so far.
        count: u64,
        /// True when they are dropped (`kpl-out-of-range = "drop"`), false when kept.
        dropped: bool,
    },
    BatchLoaded {
        summary: LoadSummary,
    },
    RowsFiltered {
        label: String,
        rows: u64,
        error_lines: Vec<String>,
    },
    LoadRetrying {
        label: String,
        attempt: u32,
        error: String,
        next_delay_ms: u64,
    },
    Stalled {
        reason: String,
    },
    Recovered,
    DeadLettered {
        label: String,
        rows: u64,
        path: String,
    },
    RecordMalformed {
        shard: ShardId,
        position: ExtendedSeq,
        reason: String,
    },
    Error {
        entry: ErrorEntry,
    },
    Stopped,
}

pub const RECENT_LOADS: usize = 50;
pub const RECENT_ERRORS: usize = 100;
pub const RECENT_DEAD_LETTERS: usize = 20;
/// A shard counts as "throttled now" for this long after Kinesis last throttled it.
pub const THROTTLED_RECENTLY_MS: i64 = 30_000;
/// What GetRecords throttling means, for the monitor and the status line.
pub const THROTTLING_MEANS: &str = "Kinesis refused GetRecords calls \
(ProvisionedThroughputExceeded): every consumer of a shard shares its 5 calls/s and 2 MB/s, so \
another application is most likely reading the same shards (or enhanced fan-out, not built yet, \
would give this pipeline its own 2 MB/s). Nothing is lost: the calls are retried, but lag grows \
while it lasts.";
