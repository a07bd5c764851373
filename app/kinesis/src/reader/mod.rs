//! One shard's reader: GetShardIterator + GetRecords under the per-shard limits, with
//! throttling back-off, expired-iterator recovery and KPL de-aggregation.

mod answer;
mod batch;
mod fanout;
mod pool;
mod rate;
mod stats;
#[cfg(test)]
mod tests;

pub use batch::{ReadBatch, SourceRecord};
pub use pool::BufferPool;
pub use stats::{ShardStats, ShardStatsSnapshot};

use crate::error::{Kind, ReadError, SourceError, classify};
use crate::reader_options::{ReaderOptions, StartPosition};
use crate::source::{KinesisSource, ShardInfo};
use aws_sdk_kinesis::types::ShardIteratorType;
use aws_smithy_types::retry::RetryConfig;
use chrono::{DateTime, Utc};
use ks_core::{ExtendedSeq, SeqNum, ShardId};
use rate::{RateLimiter, backoff};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// Average payload bytes per Kinesis record in the last non-empty answer: sizes the next
    /// call's `Limit` ([`ReaderOptions::answer_target_bytes`]).
    record_bytes: Option<u64>,
    ended: bool,
    /// The open SubscribeToShard session (enhanced fan-out readers only).
    subscription: Option<aws_sdk_kinesis::operation::subscribe_to_shard::SubscribeToShardOutput>,
    /// When the last SubscribeToShard was sent (AWS allows one a second per consumer and shard).
    subscribed_at: Option<Instant>,
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
            record_bytes: None,
            ended: false,
            subscription: None,
            subscribed_at: None,
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
        if let Some(consumer_arn) = self.source.fanout_consumer_arn().map(str::to_string) {
            return self.next_event(&consumer_arn).await;
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
            let slot = answer::AnswerSlot::default();
            let result = self
                .source
                .client()
                .get_records()
                .shard_iterator(&iterator)
                .limit(self.next_limit())
                .set_stream_arn(self.source.stream_arn())
                .customize()
                .interceptor(answer::FastGetRecords {
                    slot: slot.clone(),
                    separator: self.opts.record_separator.clone(),
                    pool: self.source.buffers.clone(),
                    bodies: self.source.bodies.clone(),
                })
                // Throttling must reach us (to count it and keep the iterator); we retry ourselves.
                .config_override(
                    aws_sdk_kinesis::config::Builder::default()
                        .retry_config(RetryConfig::disabled()),
                )
                .send()
                .await;
            match result {
                Ok(out) => {
                    // The fast path's answer, or (an answer it left to the SDK) the SDK's.
                    let fast = slot.lock().ok().and_then(|mut s| s.take());
                    let answer = fast.unwrap_or_else(|| {
                        ShardStats::add(&self.stats.answers_parsed_by_sdk, 1);
                        answer::Answer::from_sdk(out)
                    });
                    return self.process(answer);
                }
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

    /// The next GetRecords `Limit`: enough records for about `answer_target_bytes`.
    pub(crate) fn next_limit(&self) -> i32 {
        let cap = self.opts.limit;
        let target = self.opts.answer_target_bytes;
        if target == 0 {
            return cap;
        }
        match self.record_bytes {
            None => cap.min(crate::reader_options::FIRST_CALL_LIMIT),
            Some(avg) => {
                let n = target / avg.max(1);
                i32::try_from(n).unwrap_or(i32::MAX).clamp(1, cap)
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
        let start = self.next_start();
        let req = self
            .source
            .client()
            .get_shard_iterator()
            .stream_name(self.source.stream_name())
            .set_stream_arn(self.source.stream_arn())
            .shard_id(&self.shard.id.0)
            .shard_iterator_type(start.kind)
            .set_starting_sequence_number(start.sequence)
            .set_timestamp(start.timestamp.map(to_smithy));
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
}

/// Where the next GetShardIterator or SubscribeToShard starts.
struct Start {
    kind: ShardIteratorType,
    sequence: Option<String>,
    timestamp: Option<DateTime<Utc>>,
}

impl ShardReader {
    /// After the last record read, else the reader's start: a LATEST start asked again before any
    /// record continues from the moment of its first call (AT_TIMESTAMP), so nothing that arrived
    /// in between is skipped.
    fn next_start(&mut self) -> Start {
        let at = |kind, sequence: Option<String>| Start {
            kind,
            sequence,
            timestamp: None,
        };
        if let Some(seq) = self.last_kinesis_seq {
            return at(
                ShardIteratorType::AfterSequenceNumber,
                Some(seq.to_string()),
            );
        }
        match self.start {
            StartPosition::Latest => match self.latest_started_at {
                Some(t0) => {
                    self.min_arrival_ms = Some(whole_second(t0));
                    Start {
                        kind: ShardIteratorType::AtTimestamp,
                        sequence: None,
                        timestamp: Some(t0),
                    }
                }
                None => {
                    self.latest_started_at = Some(Utc::now());
                    at(ShardIteratorType::Latest, None)
                }
            },
            StartPosition::TrimHorizon => at(ShardIteratorType::TrimHorizon, None),
            StartPosition::AtTimestamp(ts) => {
                self.min_arrival_ms = Some(whole_second(ts));
                Start {
                    kind: ShardIteratorType::AtTimestamp,
                    sequence: None,
                    timestamp: Some(ts),
                }
            }
            StartPosition::After(p) | StartPosition::At(p) => {
                at(ShardIteratorType::AtSequenceNumber, Some(p.seq.to_string()))
            }
        }
    }
}

fn whole_second(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis().div_euclid(1000) * 1000
}

fn to_smithy(t: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_millis(t.timestamp_millis())
}
