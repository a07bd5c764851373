//! One shard's reader: GetShardIterator + GetRecords under the per-shard limits, with
//! throttling back-off, expired-iterator recovery and KPL de-aggregation.

use crate::error::{Kind, ReadError, SourceError, classify};
use crate::kpl::{Deaggregated, UserRecord, deaggregate_bytes, has_kpl_magic};
use crate::reader_options::{ReaderOptions, StartPosition};
use crate::source::{KinesisSource, ShardInfo};
use aws_sdk_kinesis::types::ShardIteratorType;
use aws_smithy_types::retry::RetryConfig;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use ks_core::{ExtendedSeq, SeqNum, ShardId};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One GetRecords round's result.
#[derive(Debug, Clone, Default)]
pub struct ReadBatch {
    pub records: Vec<SourceRecord>,
    pub millis_behind_latest: Option<i64>,
    /// NextShardIterator was null: the shard is closed and fully read.
    pub shard_end: bool,
    /// The children Kinesis named at shard end (empty on emulators that do not report them:
    /// rediscover with ListShards).
    pub child_shards: Vec<ShardId>,
}

/// One user record (a plain Kinesis record, or one sub-record of a KPL aggregate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    pub shard: ShardId,
    pub position: ExtendedSeq,
    pub partition_key: String,
    pub data: Bytes,
    /// ApproximateArrivalTimestamp, epoch milliseconds.
    pub arrival_ms: i64,
    /// True for a sub-record of a KPL aggregate.
    pub aggregated: bool,
}

/// Live counters of one shard reader (shared with the engine's snapshot).
#[derive(Debug, Default)]
pub struct ShardStats {
    pub get_records_calls: AtomicU64,
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
    /// The last MillisBehindLatest Kinesis sent (0 until the first response).
    pub millis_behind_latest: AtomicI64,
    /// Position of the last user record emitted.
    pub last_sequence: Mutex<Option<ExtendedSeq>>,
}

/// A plain copy of [`ShardStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShardStatsSnapshot {
    pub get_records_calls: u64,
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
    pub millis_behind_latest: i64,
    pub last_sequence: Option<ExtendedSeq>,
}

impl ShardStats {
    pub fn snapshot(&self) -> ShardStatsSnapshot {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ShardStatsSnapshot {
            get_records_calls: g(&self.get_records_calls),
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
            millis_behind_latest: self.millis_behind_latest.load(Ordering::Relaxed),
            last_sequence: self.last_sequence.lock().map(|s| *s).unwrap_or(None),
        }
    }

    fn add(a: &AtomicU64, n: u64) {
        a.fetch_add(n, Ordering::Relaxed);
    }
}

/// Calls and bytes of the last second, for the per-shard limits.
#[derive(Debug, Default)]
struct RateLimiter {
    calls: VecDeque<Instant>,
    bytes_free_at: Option<Instant>,
    idle_until: Option<Instant>,
}

impl RateLimiter {
    fn ready_at(&self, o: &ReaderOptions) -> Option<Instant> {
        let max = o.max_calls_per_second as usize;
        let by_calls = (max > 0 && self.calls.len() >= max)
            .then(|| self.calls[self.calls.len() - max] + Duration::from_secs(1));
        [by_calls, self.bytes_free_at, self.idle_until]
            .into_iter()
            .flatten()
            .max()
    }

    fn record_call(&mut self, now: Instant, o: &ReaderOptions) {
        self.calls.push_back(now);
        let keep = (o.max_calls_per_second as usize).max(1);
        while self.calls.len() > keep {
            self.calls.pop_front();
        }
    }

    fn record_response(&mut self, now: Instant, bytes: u64, idle: bool, o: &ReaderOptions) {
        if o.max_bytes_per_second > 0 && bytes > 0 {
            let debt = Duration::from_secs_f64(bytes as f64 / o.max_bytes_per_second as f64);
            let base = self.bytes_free_at.filter(|t| *t > now).unwrap_or(now);
            self.bytes_free_at = Some(base + debt);
        }
        self.idle_until = idle.then(|| now + o.idle_wait);
    }
}

impl KinesisSource {
    /// A reader for one shard, starting at `start`. It makes no call until `next_batch`.
    pub fn reader(
        &self,
        shard: &ShardInfo,
        start: StartPosition,
        stats: Arc<ShardStats>,
    ) -> ShardReader {
        ShardReader::new(
            self.clone(),
            shard.clone(),
            start,
            stats,
            self.reader_options().clone(),
        )
    }
}

/// Reads one shard in order. Not shared: one task owns it. `next_batch` is cancel-safe (a
/// cancelled call leaves the reader at its last delivered position).
pub struct ShardReader {
    source: KinesisSource,
    shard: ShardInfo,
    start: StartPosition,
    stats: Arc<ShardStats>,
    opts: ReaderOptions,
    iterator: Option<String>,
    /// Sequence number of the last Kinesis record received (all of its sub-records handled).
    last_kinesis_seq: Option<SeqNum>,
    /// Drop user records at or before this position (an `After` start, until passed).
    skip_through: Option<ExtendedSeq>,
    /// When a LATEST start first asked for its iterator (a re-acquire uses AT_TIMESTAMP of it).
    latest_started_at: Option<DateTime<Utc>>,
    /// Drop records that arrived before this (epoch ms, whole second) until one passes: an
    /// AT_TIMESTAMP iterator past every record must not fall back to older data (ferrokinesis
    /// does that; on AWS it is a no-op).
    min_arrival_ms: Option<i64>,
    limiter: RateLimiter,
    ended: bool,
}

impl std::fmt::Debug for ShardReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardReader")
            .field("shard", &self.shard.id)
            .field("start", &self.start)
            .field("last_kinesis_seq", &self.last_kinesis_seq)
            .field("ended", &self.ended)
            .finish()
    }
}

impl ShardReader {
    pub(crate) fn new(
        source: KinesisSource,
        shard: ShardInfo,
        start: StartPosition,
        stats: Arc<ShardStats>,
        mut opts: ReaderOptions,
    ) -> ShardReader {
        opts.limit = opts.limit.clamp(1, 10_000);
        let skip_through = match start {
            StartPosition::After(p) => Some(p),
            // AT_SEQUENCE_NUMBER includes the record; inside an aggregate, skip the earlier subs.
            StartPosition::At(p) if p.sub > 0 => Some(ExtendedSeq::new(p.seq, p.sub - 1)),
            _ => None,
        };
        ShardReader {
            source,
            shard,
            start,
            stats,
            opts,
            iterator: None,
            last_kinesis_seq: None,
            skip_through,
            latest_started_at: None,
            min_arrival_ms: None,
            limiter: RateLimiter::default(),
            ended: false,
        }
    }

    pub fn shard_id(&self) -> &ShardId {
        &self.shard.id
    }

    pub fn shard(&self) -> &ShardInfo {
        &self.shard
    }

    pub fn stats(&self) -> &Arc<ShardStats> {
        &self.stats
    }

    /// True once `shard_end: true` was returned.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Position of the last user record this reader emitted.
    pub fn last_position(&self) -> Option<ExtendedSeq> {
        self.stats.snapshot().last_sequence
    }

    fn read_error(&self, error: SourceError) -> ReadError {
        ReadError::Source {
            shard: self.shard.id.clone(),
            error: Box::new(error),
        }
    }

    /// One GetRecords round, waiting first as needed so the shard gets at most
    /// `max_calls_per_second` calls and `max_bytes_per_second` bytes.
    ///
    /// * `ProvisionedThroughputExceeded`: backs off (exponential, capped) and retries with the
    ///   same iterator, counted in `throttled`, for as long as it lasts.
    /// * `ExpiredIterator`: re-acquires AFTER_SEQUENCE_NUMBER of the last record read (or the
    ///   original start if none), counted in `expired_iterators`.
    /// * Timeouts, network errors and 5xx: retried with back-off `transient_retries` times, then
    ///   returned; the reader keeps its iterator, so calling again continues where it was.
    /// * After a batch with `shard_end: true`, every call returns [`ReadError::ShardEnded`].
    pub async fn next_batch(&mut self) -> Result<ReadBatch, ReadError> {
        if self.ended {
            return Err(ReadError::ShardEnded {
                shard: self.shard.id.clone(),
            });
        }
        let mut throttles = 0u32;
        let mut transients = 0u32;
        let mut expiries = 0u32;
        loop {
            let iterator = match &self.iterator {
                Some(it) => it.clone(),
                None => match self.acquire_iterator().await {
                    Ok(it) => {
                        self.iterator = Some(it.clone());
                        it
                    }
                    Err((error, kind)) => {
                        self.handle_failure(error, kind, &mut throttles, &mut transients)
                            .await?;
                        continue;
                    }
                },
            };
            self.wait_for_rate().await;
            self.limiter.record_call(Instant::now(), &self.opts);
            ShardStats::add(&self.stats.get_records_calls, 1);
            let result = self
                .source
                .client()
                .get_records()
                .shard_iterator(&iterator)
                .limit(self.opts.limit)
                .set_stream_arn(self.source.stream_arn())
                .customize()
                // Throttling must reach us (to count it and keep the iterator); we retry ourselves.
                .config_override(
                    aws_sdk_kinesis::config::Builder::default()
                        .retry_config(RetryConfig::disabled()),
                )
                .send()
                .await;
            match result {
                Ok(out) => return self.process(out),
                Err(e) => {
                    let ctx = self.source.ctx("GetRecords", Some(&self.shard.id.0));
                    let (error, kind) = classify(&e, &ctx);
                    if kind == Kind::ExpiredIterator {
                        ShardStats::add(&self.stats.expired_iterators, 1);
                        expiries += 1;
                        tracing::info!(
                            shard = %self.shard.id,
                            last = ?self.last_kinesis_seq,
                            "shard iterator expired; re-acquiring after the last record read"
                        );
                        self.iterator = None;
                        if expiries > 3 {
                            ShardStats::add(&self.stats.errors, 1);
                            return Err(self.read_error(error));
                        }
                        continue;
                    }
                    self.handle_failure(error, kind, &mut throttles, &mut transients)
                        .await?;
                }
            }
        }
    }

    /// Sleeps for a throttle or a retryable error, or returns the error.
    async fn handle_failure(
        &mut self,
        error: SourceError,
        kind: Kind,
        throttles: &mut u32,
        transients: &mut u32,
    ) -> Result<(), ReadError> {
        match kind {
            Kind::Throttled => {
                ShardStats::add(&self.stats.throttled, 1);
                *throttles += 1;
                let d = backoff(
                    self.opts.throttle_backoff_base,
                    self.opts.throttle_backoff_max,
                    *throttles,
                );
                tracing::debug!(shard = %self.shard.id, "throttled by Kinesis; retrying in {d:?}: {error}");
                tokio::time::sleep(d).await;
                Ok(())
            }
            Kind::Transient if *transients < self.opts.transient_retries => {
                ShardStats::add(&self.stats.errors, 1);
                *transients += 1;
                let d = backoff(
                    self.opts.transient_backoff_base,
                    Duration::from_secs(5),
                    *transients,
                );
                tracing::warn!(shard = %self.shard.id, "retrying in {d:?}: {error}");
                tokio::time::sleep(d).await;
                Ok(())
            }
            _ => {
                ShardStats::add(&self.stats.errors, 1);
                Err(self.read_error(error))
            }
        }
    }

    async fn wait_for_rate(&mut self) {
        if let Some(at) = self.limiter.ready_at(&self.opts) {
            let now = Instant::now();
            if at > now {
                let d = at - now;
                ShardStats::add(&self.stats.rate_wait_ms, d.as_millis() as u64);
                tokio::time::sleep(d).await;
            }
        }
    }

    async fn acquire_iterator(&mut self) -> Result<String, (SourceError, Kind)> {
        let mut req = self
            .source
            .client()
            .get_shard_iterator()
            .stream_name(self.source.stream_name())
            .set_stream_arn(self.source.stream_arn())
            .shard_id(&self.shard.id.0);
        req = if let Some(seq) = self.last_kinesis_seq {
            req.shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .starting_sequence_number(seq.to_string())
        } else {
            match self.start {
                StartPosition::Latest => match self.latest_started_at {
                    // Nothing read since the first LATEST iterator: continue from that moment.
                    Some(t0) => {
                        self.min_arrival_ms = Some(whole_second(t0));
                        req.shard_iterator_type(ShardIteratorType::AtTimestamp)
                            .timestamp(to_smithy(t0))
                    }
                    None => {
                        self.latest_started_at = Some(Utc::now());
                        req.shard_iterator_type(ShardIteratorType::Latest)
                    }
                },
                StartPosition::TrimHorizon => {
                    req.shard_iterator_type(ShardIteratorType::TrimHorizon)
                }
                StartPosition::AtTimestamp(ts) => {
                    self.min_arrival_ms = Some(whole_second(ts));
                    req.shard_iterator_type(ShardIteratorType::AtTimestamp)
                        .timestamp(to_smithy(ts))
                }
                StartPosition::After(p) | StartPosition::At(p) => req
                    .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
                    .starting_sequence_number(p.seq.to_string()),
            }
        };
        match req.send().await {
            Ok(out) => match out.shard_iterator {
                Some(it) if !it.is_empty() => Ok(it),
                _ => Err((
                    SourceError::Other {
                        operation: "GetShardIterator".into(),
                        stream: self.source.stream_name().into(),
                        endpoint: self.source.endpoint().into(),
                        region: self.source.region().into(),
                        message: format!("no ShardIterator returned for shard {}", self.shard.id),
                    },
                    Kind::Fatal,
                )),
            },
            Err(e) => {
                let ctx = self.source.ctx("GetShardIterator", Some(&self.shard.id.0));
                Err(classify(&e, &ctx))
            }
        }
    }

    fn process(
        &mut self,
        out: aws_sdk_kinesis::operation::get_records::GetRecordsOutput,
    ) -> Result<ReadBatch, ReadError> {
        let now = Instant::now();
        // Validate before changing any state, so an error leaves the reader where it was.
        let mut seqs = Vec::with_capacity(out.records.len());
        for r in &out.records {
            match SeqNum::parse(&r.sequence_number) {
                Ok(s) => seqs.push(s),
                Err(_) => {
                    ShardStats::add(&self.stats.errors, 1);
                    return Err(self.read_error(SourceError::Other {
                        operation: "GetRecords".into(),
                        stream: self.source.stream_name().into(),
                        endpoint: self.source.endpoint().into(),
                        region: self.source.region().into(),
                        message: format!(
                            "shard {}: sequence number {:?} is not a decimal number",
                            self.shard.id, r.sequence_number
                        ),
                    }));
                }
            }
        }
        let millis_behind = out.millis_behind_latest;
        let kinesis_count = out.records.len();
        let mut records = Vec::with_capacity(kinesis_count);
        let mut kinesis_bytes = 0u64;
        let mut emitted_bytes = 0u64;
        let mut out_of_range = 0u64;
        let mut dropped = 0u64;
        let mut agg_errors = 0u64;
        for (r, seq) in out.records.into_iter().zip(seqs) {
            let data = r.data.into_bytes();
            kinesis_bytes += data.len() as u64;
            let pk = r.partition_key.unwrap_or_default();
            let arrival_ms = r
                .approximate_arrival_timestamp
                .and_then(|t| t.to_millis().ok())
                .unwrap_or(0);
            let d = if !has_kpl_magic(&data) {
                // Fast path for plain records: no copies of the key or the payload.
                Deaggregated {
                    aggregated: false,
                    records: vec![UserRecord {
                        sub: 0,
                        partition_key: pk,
                        explicit_hash_key: None,
                        data,
                        out_of_range: false,
                    }],
                    out_of_range: 0,
                    dropped: Vec::new(),
                }
            } else {
                match deaggregate_bytes(
                    seq,
                    data.clone(),
                    &pk,
                    self.shard.hash_range(),
                    self.opts.kpl_out_of_range,
                ) {
                    Ok(d) => d,
                    Err(e) => {
                        agg_errors += 1;
                        tracing::warn!(shard = %self.shard.id, "{e}; passing the record on as plain bytes");
                        Deaggregated {
                            aggregated: false,
                            records: vec![UserRecord {
                                sub: 0,
                                partition_key: pk.clone(),
                                explicit_hash_key: None,
                                data,
                                out_of_range: false,
                            }],
                            out_of_range: 0,
                            dropped: Vec::new(),
                        }
                    }
                }
            };
            self.last_kinesis_seq = Some(seq);
            if let Some(min) = self.min_arrival_ms {
                if arrival_ms < min {
                    continue;
                }
                self.min_arrival_ms = None;
            }
            if self.skip_through.is_some_and(|s| seq > s.seq) {
                self.skip_through = None;
            }
            // A restart inside an aggregate skips what an earlier read handled: count only what
            // this read hands on (or drops) itself.
            let skip = self.skip_through;
            let fresh = |sub: u64| skip.is_none_or(|s| ExtendedSeq::new(seq, sub) > s);
            dropped += d.dropped.iter().filter(|sub| fresh(**sub)).count() as u64;
            for u in d.records {
                let position = ExtendedSeq::new(seq, u.sub);
                if !fresh(u.sub) {
                    continue;
                }
                out_of_range += u64::from(u.out_of_range);
                emitted_bytes += u.data.len() as u64;
                records.push(SourceRecord {
                    shard: self.shard.id.clone(),
                    position,
                    partition_key: u.partition_key,
                    data: u.data,
                    arrival_ms,
                    aggregated: d.aggregated,
                });
            }
        }
        let idle = kinesis_count == 0 && millis_behind.unwrap_or(0) <= 0;
        self.limiter
            .record_response(now, kinesis_bytes, idle, &self.opts);
        let shard_end = out.next_shard_iterator.as_deref().is_none_or(str::is_empty);
        self.iterator = if shard_end {
            None
        } else {
            out.next_shard_iterator
        };
        self.ended = shard_end;

        let s = &self.stats;
        ShardStats::add(&s.kinesis_records, kinesis_count as u64);
        ShardStats::add(&s.records, records.len() as u64);
        ShardStats::add(&s.bytes, emitted_bytes);
        ShardStats::add(&s.subrecords_out_of_range, out_of_range + dropped);
        ShardStats::add(&s.subrecords_dropped, dropped);
        if dropped > 0 {
            tracing::debug!(
                shard = %self.shard.id,
                "dropped {dropped} KPL sub-record(s) outside the shard's hash-key range (kpl-out-of-range = \"drop\")"
            );
        }
        ShardStats::add(&s.agg_errors, agg_errors);
        if let Some(m) = millis_behind {
            s.millis_behind_latest.store(m, Ordering::Relaxed);
        }
        if let Some(last) = records.last()
            && let Ok(mut l) = s.last_sequence.lock()
        {
            *l = Some(last.position);
        }
        if shard_end {
            tracing::info!(shard = %self.shard.id, "shard read to its end");
        }
        Ok(ReadBatch {
            records,
            millis_behind_latest: millis_behind,
            shard_end,
            child_shards: out
                .child_shards
                .unwrap_or_default()
                .into_iter()
                .map(|c| ShardId(c.shard_id))
                .collect(),
        })
    }
}

fn whole_second(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis().div_euclid(1000) * 1000
}

fn to_smithy(t: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_millis(t.timestamp_millis())
}

/// `base · 2^(n-1)`, capped, plus up to 25 % jitter.
fn backoff(base: Duration, max: Duration, n: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << n.saturating_sub(1).min(16));
    let d = exp.min(max);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    d + d.mul_f64(f64::from(nanos % 250) / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limiter_allows_five_calls_a_second() {
        let o = ReaderOptions::default();
        let mut r = RateLimiter::default();
        let t0 = Instant::now();
        for i in 0..5 {
            assert!(r.ready_at(&o).is_none_or(|t| t <= t0), "call {i}");
            r.record_call(t0, &o);
        }
        assert_eq!(r.ready_at(&o), Some(t0 + Duration::from_secs(1)));
    }

    #[test]
    fn rate_limiter_spreads_bytes() {
        let o = ReaderOptions::default();
        let mut r = RateLimiter::default();
        let t0 = Instant::now();
        r.record_call(t0, &o);
        r.record_response(t0, 4 * 1024 * 1024, false, &o);
        assert_eq!(r.ready_at(&o), Some(t0 + Duration::from_secs(2)));
        r.record_response(t0, 0, true, &o);
        assert_eq!(r.ready_at(&o), Some(t0 + Duration::from_secs(2)));
        let u = ReaderOptions::unlimited();
        let mut r = RateLimiter::default();
        r.record_response(t0, 4 * 1024 * 1024, false, &u);
        assert_eq!(r.ready_at(&u), None);
    }

    #[test]
    fn backoff_grows_and_caps() {
        let b = Duration::from_millis(100);
        let m = Duration::from_secs(1);
        assert!(backoff(b, m, 1) >= b && backoff(b, m, 1) < b * 2);
        assert!(backoff(b, m, 3) >= b * 4);
        assert!(backoff(b, m, 30) <= m.mul_f64(1.25));
    }
}
