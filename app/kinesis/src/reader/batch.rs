//! One GetRecords answer turned into a batch: sequence numbers validated, KPL aggregates
//! de-aggregated, records before the start position dropped, counters updated.

use super::answer::Answer;
use super::{ShardReader, ShardStats};
use crate::error::{ReadError, SourceError};
use crate::kpl::{Deaggregated, UserRecord, deaggregate_bytes, has_kpl_magic};
use bytes::Bytes;
use ks_core::{ExtendedSeq, SeqNum, ShardId};
use std::sync::atomic::Ordering;
use std::time::Instant;

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
    /// The GetRecords answer's decode buffer when `data` lies in it followed by the reader's
    /// record separator ([`ReaderOptions::record_separator`](crate::ReaderOptions)): a batch can
    /// then send consecutive records as one slice of it. `None` for KPL sub-records and answers
    /// the SDK parsed.
    pub buffer: Option<Bytes>,
}

impl ShardReader {
    pub(super) fn process(&mut self, out: Answer) -> Result<ReadBatch, ReadError> {
        let now = Instant::now();
        // Validate before changing any state, so an error leaves the reader where it was.
        let mut seqs = Vec::with_capacity(out.records.len());
        let mut answer_bytes = 0u64;
        for r in &out.records {
            answer_bytes += r.data.len() as u64;
            match &r.sequence {
                Ok(seq) => seqs.push(*seq),
                Err(bad) => {
                    ShardStats::add(&self.stats.errors, 1);
                    return Err(self.read_error(SourceError::Other {
                        operation: "GetRecords".into(),
                        stream: self.source.stream_name().into(),
                        endpoint: self.source.endpoint().into(),
                        region: self.source.region().into(),
                        message: format!(
                            "shard {}: sequence number {bad:?} is not a decimal number",
                            self.shard.id
                        ),
                    }));
                }
            }
        }
        let millis_behind = out.millis_behind_latest;
        let kinesis_count = out.records.len();
        if kinesis_count > 0 {
            self.record_bytes = Some(answer_bytes / kinesis_count as u64);
        }
        let mut records = Vec::with_capacity(kinesis_count);
        let mut kinesis_bytes = 0u64;
        let mut emitted_bytes = 0u64;
        let mut out_of_range = 0u64;
        let mut dropped = 0u64;
        let mut agg_errors = 0u64;
        let framed = out.framed;
        for (r, seq) in out.records.into_iter().zip(seqs) {
            // A subscription renewed after a failure may push again what was read: never twice.
            if self.last_kinesis_seq.is_some_and(|last| seq <= last) {
                continue;
            }
            let data = r.data;
            kinesis_bytes += data.len() as u64;
            let pk = r.partition_key;
            let arrival_ms = r.arrival_ms;
            if !has_kpl_magic(&data) {
                // Fast path for plain records: no copies of the key or the payload.
                self.last_kinesis_seq = Some(seq);
                if !self.passes_start(seq, arrival_ms) {
                    continue;
                }
                if !self.is_fresh(ExtendedSeq::new(seq, 0)) {
                    continue;
                }
                emitted_bytes += data.len() as u64;
                records.push(SourceRecord {
                    shard: self.shard.id.clone(),
                    position: ExtendedSeq::new(seq, 0),
                    partition_key: pk,
                    data,
                    arrival_ms,
                    aggregated: false,
                    buffer: framed.clone(),
                });
                continue;
            }
            let d = {
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
            if !self.passes_start(seq, arrival_ms) {
                continue;
            }
            // A restart inside an aggregate skips what an earlier read handled: count only what
            // this read hands on (or drops) itself.
            let fresh = |sub: u64| self.is_fresh(ExtendedSeq::new(seq, sub));
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
                    buffer: None,
                });
            }
        }
        let idle = kinesis_count == 0 && millis_behind.unwrap_or(0) <= 0;
        self.limiter
            .record_response(now, kinesis_bytes, idle, &self.opts);
        let shard_end = out.next_shard_iterator.as_deref().is_none_or(str::is_empty);
        // A fan-out event's continuation is no iterator: those readers subscribe again instead.
        self.iterator = if shard_end || self.source.fanout_consumer_arn().is_some() {
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
            child_shards: out.child_shards.into_iter().map(ShardId).collect(),
        })
    }

    /// Whether `position` was not handled by an earlier read (a restart `After` a position
    /// inside an aggregate skips the sub-records up to it).
    fn is_fresh(&self, position: ExtendedSeq) -> bool {
        self.skip_through.is_none_or(|s| position > s)
    }

    /// Whether a record is past the start's filters: an AT_TIMESTAMP start drops records that
    /// arrived before it until one passes; an `After` start ends once a later Kinesis record
    /// arrives (what is inside the start's own record is filtered by sub-sequence).
    fn passes_start(&mut self, seq: SeqNum, arrival_ms: i64) -> bool {
        if let Some(min) = self.min_arrival_ms {
            if arrival_ms < min {
                return false;
            }
            self.min_arrival_ms = None;
        }
        if self.skip_through.is_some_and(|s| seq > s.seq) {
            self.skip_through = None;
        }
        true
    }
}
