//! Sampling records from the stream (`sample`, the wizard's preview, the table checks): N user
//! records spread fairly across shards, KPL aggregates de-aggregated, bounded in time. Read-only:
//! no checkpoint is read or written, nothing is consumed (Kinesis readers do not consume).

use crate::PreflightContext;
use ks_core::sample::SampledRecord;
use ks_kinesis::{
    ConnectOptions, KinesisSource, ReaderOptions, ShardStats, SourceRecord, StartPosition,
};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// Where a sample starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFrom {
    /// The oldest retained records of every shard.
    TrimHorizon,
    /// Records that arrive from now on (waits at most [`LATEST_WAIT`]).
    Latest,
    /// Records from this instant on (AT_TIMESTAMP), read like the trim horizon.
    AtTimestamp(chrono::DateTime<chrono::Utc>),
}

impl SampleFrom {
    /// Reads from a position in the stream's past (fair shares per shard, done when caught up),
    /// rather than waiting for new records.
    fn reads_history(self) -> bool {
        !matches!(self, SampleFrom::Latest)
    }
}

impl std::str::FromStr for SampleFrom {
    type Err = String;
    fn from_str(s: &str) -> Result<SampleFrom, String> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "trim-horizon" => Ok(SampleFrom::TrimHorizon),
            "latest" => Ok(SampleFrom::Latest),
            other => chrono::DateTime::parse_from_rfc3339(other)
                .map(|t| SampleFrom::AtTimestamp(t.with_timezone(&chrono::Utc)))
                .map_err(|_| {
                    format!(
                        "--from {other:?}: use trim-horizon, latest or an RFC 3339 timestamp \
                         (2026-11-25T09:00:00Z)"
                    )
                }),
        }
    }
}

/// How long a trim-horizon sample may read before it returns what it has.
pub const TRIM_HORIZON_BUDGET: Duration = Duration::from_secs(15);
/// How long a latest sample waits for new records.
pub const LATEST_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    /// The stream cannot be listed (missing, access denied, unreachable, no region…).
    #[error("cannot sample stream {stream:?}: {message}")]
    Stream { stream: String, message: String },
    /// A shard could not be read.
    #[error("cannot read shard {shard} of stream {stream:?}: {message}")]
    Read {
        stream: String,
        shard: String,
        message: String,
    },
}

/// Samples `n` records with the default time bounds ([`TRIM_HORIZON_BUDGET`], [`LATEST_WAIT`]).
/// Fewer come back when the stream holds fewer (or none arrive in time); an empty result is
/// not an error.
pub async fn sample(
    ctx: &PreflightContext,
    n: usize,
    from: SampleFrom,
) -> Result<Vec<SampledRecord>, SampleError> {
    let budget = match from {
        SampleFrom::TrimHorizon | SampleFrom::AtTimestamp(_) => TRIM_HORIZON_BUDGET,
        SampleFrom::Latest => LATEST_WAIT,
    };
    sample_within(ctx, n, from, budget).await
}

/// [`sample`] with an explicit time budget.
pub async fn sample_within(
    ctx: &PreflightContext,
    n: usize,
    from: SampleFrom,
    budget: Duration,
) -> Result<Vec<SampledRecord>, SampleError> {
    let stream = ctx.config.source.stream_name.clone();
    let stream_err = |message: String| SampleError::Stream {
        stream: stream.clone(),
        message,
    };
    if n == 0 {
        return Ok(Vec::new());
    }
    let deadline = tokio::time::Instant::now() + budget;
    let source = KinesisSource::connect_with(
        &ctx.config.source,
        ConnectOptions {
            credentials: ctx.aws.credentials.clone(),
            // Interactive: one retry at most, the budget is short.
            max_attempts: Some(2),
            reader: Some(ReaderOptions {
                limit: n.clamp(1, 10_000) as i32,
                transient_retries: 1,
                ..ReaderOptions::default()
            }),
        },
    )
    .await
    .map_err(|e| stream_err(e.to_string()))?;
    let shards = tokio::time::timeout_at(deadline, source.list_shards())
        .await
        .map_err(|_| {
            stream_err(format!(
                "ListShards did not answer within {} ms",
                budget.as_millis()
            ))
        })?
        .map_err(|e| stream_err(e.to_string()))?;
    // Latest: only open shards get new records. Trim horizon: closed shards hold the oldest data.
    let shards: Vec<_> = shards
        .into_iter()
        .filter(|s| from.reads_history() || !s.is_closed())
        .collect();
    let start = match from {
        SampleFrom::TrimHorizon => StartPosition::TrimHorizon,
        SampleFrom::Latest => StartPosition::Latest,
        SampleFrom::AtTimestamp(t) => StartPosition::AtTimestamp(t),
    };
    struct Lane {
        reader: ks_kinesis::ShardReader,
        queue: VecDeque<SourceRecord>,
        done: bool,
    }
    let mut lanes: Vec<Lane> = shards
        .iter()
        .map(|s| Lane {
            reader: source.reader(s, start, Arc::new(ShardStats::default())),
            queue: VecDeque::new(),
            done: false,
        })
        .collect();
    if from == SampleFrom::Latest {
        // Position every iterator at "now" before waiting, so records put meanwhile are seen.
        for lane in &mut lanes {
            match tokio::time::timeout_at(deadline, lane.reader.next_batch()).await {
                Err(_) => break,
                Ok(Ok(batch)) => {
                    lane.queue.extend(batch.records);
                    lane.done = batch.shard_end;
                }
                Ok(Err(e)) => {
                    return Err(SampleError::Read {
                        stream: stream.clone(),
                        shard: lane.reader.shard_id().to_string(),
                        message: e.to_string(),
                    });
                }
            }
        }
    }
    loop {
        let total: usize = lanes.iter().map(|l| l.queue.len()).sum();
        // Trim horizon: every shard gets the chance to fill a fair share; latest: any n will do.
        let enough = if from.reads_history() {
            lanes.iter().all(|l| l.done || l.queue.len() >= n)
        } else {
            total >= n || lanes.iter().all(|l| l.done)
        };
        if enough || tokio::time::Instant::now() >= deadline {
            break;
        }
        let mut progressed = false;
        for lane in lanes.iter_mut().filter(|l| !l.done && l.queue.len() < n) {
            let batch = match tokio::time::timeout_at(deadline, lane.reader.next_batch()).await {
                Err(_) => break,
                Ok(Ok(b)) => b,
                Ok(Err(e)) => {
                    return Err(SampleError::Read {
                        stream: stream.clone(),
                        shard: lane.reader.shard_id().to_string(),
                        message: e.to_string(),
                    });
                }
            };
            progressed = true;
            let caught_up = batch.records.is_empty() && batch.millis_behind_latest == Some(0);
            lane.queue.extend(batch.records);
            if batch.shard_end || (from.reads_history() && caught_up) {
                lane.done = true;
            }
        }
        if !progressed {
            break;
        }
    }
    // Round-robin over the shards so one busy shard does not crowd out the others.
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let mut took = false;
        for lane in lanes.iter_mut() {
            if out.len() >= n {
                break;
            }
            if let Some(r) = lane.queue.pop_front() {
                out.push(to_sampled(r));
                took = true;
            }
        }
        if !took {
            break;
        }
    }
    Ok(out)
}

fn to_sampled(r: SourceRecord) -> SampledRecord {
    SampledRecord {
        shard: r.shard.to_string(),
        sequence: r.position.seq.to_string(),
        sub: r
            .aggregated
            .then(|| u32::try_from(r.position.sub).unwrap_or(u32::MAX)),
        arrival_ms: Some(r.arrival_ms),
        data: r.data.to_vec(),
    }
}
