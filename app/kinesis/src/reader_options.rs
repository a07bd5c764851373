//! What a shard reader is told: where it starts and its limits and back-offs.

use crate::kpl::KplOutOfRange;
use chrono::{DateTime, Utc};
use ks_core::ExtendedSeq;
use std::time::Duration;

/// Where a reader starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPosition {
    /// Just after the newest record when the reader makes its first call.
    Latest,
    /// The oldest record still retained (children of a reshard start here).
    TrimHorizon,
    /// The first record that arrived at or after this time.
    AtTimestamp(DateTime<Utc>),
    /// Strictly after this (sequence, sub-sequence): for checkpoints and replays. The reader asks
    /// for AT_SEQUENCE_NUMBER `seq` and drops what is ≤ the position, so a checkpoint in the
    /// middle of a KPL aggregate neither repeats nor skips sub-records.
    After(ExtendedSeq),
    /// From this (sequence, sub-sequence) on, inclusive: a replay of a batch that began a shard.
    At(ExtendedSeq),
}

/// The first GetRecords of a reader (record size still unknown) asks for at most this many records.
pub const FIRST_CALL_LIMIT: i32 = 1000;

/// Limits and back-offs of a reader. The defaults are AWS's per-shard GetRecords limits.
#[derive(Debug, Clone, PartialEq)]
pub struct ReaderOptions {
    /// GetRecords `Limit` (1..=10000): the most records one call asks for.
    pub limit: i32,
    /// About this many payload bytes per GetRecords answer: each call asks for this ÷ the
    /// shard's average record size of its last answer (at most `limit`; the first call at most
    /// [`FIRST_CALL_LIMIT`]); 0 = always `limit`. A full 10,000-record answer of 1 KiB records is
    /// ~14 MB of JSON held twice while it arrives, plus its decoded buffer, per shard: that was
    /// most of the engine's memory beyond its byte budget. 2 MiB answers still give AWS's
    /// per-shard read limit (2 MiB/s, 5 calls/s) room 5 times over.
    pub answer_target_bytes: u64,
    /// GetRecords calls per second per shard (AWS: 5); 0 = no limit.
    pub max_calls_per_second: u32,
    /// Bytes per second per shard (AWS: 2 MiB); 0 = no limit.
    pub max_bytes_per_second: u64,
    /// Wait after an empty GetRecords at the tip of the shard (KCL's minimum idle time is 200 ms).
    pub idle_wait: Duration,
    /// First back-off after `ProvisionedThroughputExceeded`; doubles up to `throttle_backoff_max`.
    pub throttle_backoff_base: Duration,
    pub throttle_backoff_max: Duration,
    /// Retries of timeouts, network errors and 5xx inside one `next_batch` before it returns the error.
    pub transient_retries: u32,
    pub transient_backoff_base: Duration,
    /// KPL sub-records outside the shard's hash-key range: kept (default) or dropped; counted.
    pub kpl_out_of_range: KplOutOfRange,
    /// Written after each payload in the buffer a GetRecords answer is decoded into (the sink's
    /// record separator: `,` for a JSON array, the row delimiter for CSV). Consecutive records
    /// are then one slice of that buffer, separators included, and a batch body can point into
    /// it instead of copying every record ([`SourceRecord::buffer`](crate::SourceRecord)).
    /// `None`: payloads back to back.
    pub record_separator: Option<Vec<u8>>,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions {
            limit: 10_000,
            answer_target_bytes: 2 * 1024 * 1024,
            max_calls_per_second: 5,
            max_bytes_per_second: 2 * 1024 * 1024,
            idle_wait: Duration::from_millis(250),
            throttle_backoff_base: Duration::from_millis(250),
            throttle_backoff_max: Duration::from_secs(5),
            transient_retries: 3,
            transient_backoff_base: Duration::from_millis(200),
            kpl_out_of_range: KplOutOfRange::Keep,
            record_separator: None,
        }
    }
}

impl ReaderOptions {
    /// No client-side rate limits (emulators and benchmarks); everything else as the default.
    pub fn unlimited() -> Self {
        ReaderOptions {
            max_calls_per_second: 0,
            max_bytes_per_second: 0,
            ..ReaderOptions::default()
        }
    }

    /// What a pipeline's `[source]` asks for: `read-limits` and `kpl-out-of-range`.
    pub fn for_source(cfg: &ks_core::SourceConfig) -> Self {
        let base = match cfg.read_limits {
            ks_core::ReadLimits::Aws => ReaderOptions::default(),
            ks_core::ReadLimits::None => ReaderOptions::unlimited(),
        };
        ReaderOptions {
            kpl_out_of_range: cfg.kpl_out_of_range,
            ..base
        }
    }
}
