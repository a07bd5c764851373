//! A shard reader's live counters, and the plain copy the engine's snapshot takes.

use ks_core::ExtendedSeq;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Live counters of one shard reader (shared with the engine's snapshot).
#[derive(Debug, Default)]
pub struct ShardStats {
    pub get_records_calls: AtomicU64,
    /// SubscribeToShard calls (enhanced fan-out): the first, and one per renewal or retry.
    pub subscriptions: AtomicU64,
    /// Kinesis records received (an aggregate counts once).
    pub kinesis_records: AtomicU64,
    /// User records emitted.
    pub records: AtomicU64,
    /// Payload bytes of the user records emitted.
    pub bytes: AtomicU64,
    pub throttled: AtomicU64,
    pub expired_iterators: AtomicU64,
    /// Failed calls other than throttling and expired iterators.
    pub errors: AtomicU64,
    /// KPL sub-records whose hash key lies outside this shard's range (kept or dropped).
    pub subrecords_out_of_range: AtomicU64,
    /// Of those, the ones dropped (`kpl-out-of-range = "drop"`).
    pub subrecords_dropped: AtomicU64,
    /// Records with the KPL magic and a valid MD5 whose protobuf did not decode (passed on as plain).
    pub agg_errors: AtomicU64,
    /// Time spent waiting for the per-shard rate limits and idle waits.
    pub rate_wait_ms: AtomicU64,
    /// Successful GetRecords answers the one-pass parser did not recognise and left to the SDK's
    /// deserializer: the same records, more CPU per record.
    pub answers_parsed_by_sdk: AtomicU64,
    /// The last MillisBehindLatest Kinesis sent (0 until the first response).
    pub millis_behind_latest: AtomicI64,
    /// Position of the last user record emitted.
    pub last_sequence: Mutex<Option<ExtendedSeq>>,
}

/// A plain copy of [`ShardStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShardStatsSnapshot {
    pub get_records_calls: u64,
    pub subscriptions: u64,
    pub kinesis_records: u64,
    pub records: u64,
    pub bytes: u64,
    pub throttled: u64,
    pub expired_iterators: u64,
    pub errors: u64,
    pub subrecords_out_of_range: u64,
    pub subrecords_dropped: u64,
    pub agg_errors: u64,
    pub rate_wait_ms: u64,
    pub answers_parsed_by_sdk: u64,
    pub millis_behind_latest: i64,
    pub last_sequence: Option<ExtendedSeq>,
}

impl ShardStats {
    pub fn snapshot(&self) -> ShardStatsSnapshot {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ShardStatsSnapshot {
            get_records_calls: g(&self.get_records_calls),
            subscriptions: g(&self.subscriptions),
            kinesis_records: g(&self.kinesis_records),
            records: g(&self.records),
            bytes: g(&self.bytes),
            throttled: g(&self.throttled),
            expired_iterators: g(&self.expired_iterators),
            errors: g(&self.errors),
            subrecords_out_of_range: g(&self.subrecords_out_of_range),
            subrecords_dropped: g(&self.subrecords_dropped),
            agg_errors: g(&self.agg_errors),
            rate_wait_ms: g(&self.rate_wait_ms),
            answers_parsed_by_sdk: g(&self.answers_parsed_by_sdk),
            millis_behind_latest: self.millis_behind_latest.load(Ordering::Relaxed),
            last_sequence: self.last_sequence.lock().map(|s| *s).unwrap_or(None),
        }
    }

    pub(super) fn add(a: &AtomicU64, n: u64) {
        a.fetch_add(n, Ordering::Relaxed);
    }
}
