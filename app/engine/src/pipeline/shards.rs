//! Shards: discovery (ListShards now and then), lineage (children start after their parents are
//! drained) and one reader task per open shard, each moving its shard's phase
//! (`crate::shard_state`) and sending records to the main loop within the byte budget.

use super::main_loop::Msg;
use super::shared::{Shared, now_ms};
use crate::shard_state::ShardEvent;
use crate::snapshot::{Event, PipelineState};
use ks_core::{InitialPosition, PipelineConfig, ShardId};
use ks_kinesis::{KinesisSource, ShardInfo, ShardStats, StartPosition};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;

/// Lists the stream's shards now and then and starts a reader for each shard whose parents are
/// drained; ends (aborting its readers) on cancel.
#[allow(clippy::too_many_arguments)]
pub(super) async fn shard_manager(
    source: Arc<KinesisSource>,
    config: PipelineConfig,
    checkpoint: crate::checkpoint::Checkpoint,
    t0: chrono::DateTime<chrono::Utc>,
    tx: mpsc::Sender<Msg>,
    budget: Arc<Semaphore>,
    max_permit: u32,
    shared: Arc<Shared>,
    cancel: watch::Receiver<bool>,
) {
    use std::sync::atomic::Ordering::SeqCst;
    let mut started: HashSet<ShardId> = HashSet::new();
    let mut readers: Vec<JoinHandle<()>> = Vec::new();
    let interval = Duration::from_millis(config.source.discovery_interval_ms.max(100));
    let mut failures = 0u32;
    loop {
        if *cancel.borrow() {
            break;
        }
        match source.list_shards().await {
            Ok(shards) => {
                failures = 0;
                // Discovery works again: a stall it caused is over.
                if shared
                    .discovery_stalled
                    .swap(false, std::sync::atomic::Ordering::SeqCst)
                {
                    shared.with(|s| {
                        if matches!(s.state, PipelineState::Stalled { .. }) {
                            s.state = PipelineState::Running;
                        }
                    });
                }
                let mut finished: HashSet<ShardId> = checkpoint.finished.iter().cloned().collect();
                finished.extend(
                    shared
                        .drained
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .iter()
                        .cloned(),
                );
                for s in &shards {
                    if !started.contains(&s.id) {
                        let finished = finished.contains(&s.id);
                        shared.shard_event(&s.id, ShardEvent::Discovered { finished });
                    }
                }
                // Finished shards never start again; their children may.
                started.extend(finished.iter().cloned());
                let ready = ks_kinesis::ready_to_start(&shards, &finished, &started);
                for id in &ready {
                    let Some(info) = shards.iter().find(|s| &s.id == id) else {
                        continue;
                    };
                    let start = start_position(info, &checkpoint, &config, t0);
                    started.insert(id.clone());
                    shared.shard_event(id, ShardEvent::ReaderSpawned);
                    shared.emit(Event::ShardStarted { shard: id.clone() });
                    tracing::info!(target: super::LOG, "reading {id} from {start:?}");
                    readers.push(tokio::spawn(shard_reader(
                        source.clone(),
                        info.clone(),
                        start,
                        tx.clone(),
                        budget.clone(),
                        max_permit,
                        shared.clone(),
                        cancel.clone(),
                    )));
                }
                shared.shards(|t| t.discovery_pass_done());
            }
            Err(e) => {
                failures += 1;
                shared.error("ListShards".into(), None, e.to_string(), None, Vec::new());
                if failures >= 3
                    && matches!(
                        e,
                        ks_kinesis::SourceError::StreamNotFound { .. }
                            | ks_kinesis::SourceError::AccessDenied { .. }
                            | ks_kinesis::SourceError::NoCredentials { .. }
                    )
                {
                    let _ = tx.send(Msg::Fatal(e.to_string())).await;
                    break;
                }
                // Nothing can be read while the shards are unknown: say so, not "running".
                if started.is_empty() {
                    shared
                        .discovery_stalled
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                    shared.with(|s| {
                        if matches!(
                            s.state,
                            PipelineState::Running
                                | PipelineState::CatchingUp
                                | PipelineState::Stalled { .. }
                        ) {
                            s.state = PipelineState::Stalled {
                                reason: format!("cannot list the stream's shards: {e}"),
                                since_ms: match &s.state {
                                    PipelineState::Stalled { since_ms, .. } => *since_ms,
                                    _ => now_ms(),
                                },
                            };
                        }
                    });
                }
            }
        }
        let drains_before = shared.drain_count.load(SeqCst);
        let mut cancel2 = cancel.clone();
        // After a failure, try again sooner than the discovery interval (1 s, doubling).
        let wait = if failures > 0 {
            interval.min(Duration::from_millis(1000u64 << failures.min(5)))
        } else {
            interval
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shared.drained_notify.notified() => {}
            _ = cancel2.changed() => break,
        }
        if shared.drain_count.load(SeqCst) != drains_before {
            // A parent was drained: mark that a pass is needed before "caught up".
            shared.shards(|t| t.need_pass());
        }
    }
    for r in readers {
        r.abort();
    }
}

/// Where a shard without a checkpoint starts: the configured initial position. LATEST is kept as
/// "records arriving after the pipeline's first start" (AT_TIMESTAMP of the store's creation) so a
/// restart before the first record never skips or re-reads anything.
fn start_position(
    shard: &ShardInfo,
    checkpoint: &crate::checkpoint::Checkpoint,
    config: &PipelineConfig,
    t0: chrono::DateTime<chrono::Utc>,
) -> StartPosition {
    if let Some(pos) = checkpoint.positions.get(&shard.id) {
        return StartPosition::After(*pos);
    }
    match config.source.initial_position {
        InitialPosition::TrimHorizon => StartPosition::TrimHorizon,
        InitialPosition::AtTimestamp => {
            StartPosition::AtTimestamp(config.source.initial_timestamp.unwrap_or(t0))
        }
        InitialPosition::Latest => StartPosition::AtTimestamp(t0),
    }
}

/// Most records in one message from a shard reader to the batcher.
const CHUNK_RECORDS: usize = 1000;

/// Budget permits a reader holds for a GetRecords answer before it arrives: the records of the
/// answer then count against the budget while they are decoded, not only once handed on, so a
/// full budget stops the calls themselves (BENCHMARKS.md, (c)). Given back on drop (what the
/// answer's records did not take).
struct Reservation {
    budget: Arc<Semaphore>,
    permits: u32,
}

impl Reservation {
    /// Takes up to `want` of the held permits.
    fn take(&mut self, want: u32) -> u32 {
        let taken = want.min(self.permits);
        self.permits -= taken;
        taken
    }
}

/// Takes `permits` from the budget until they are given back by hand (with the batch that
/// settles them, or a [`Reservation`]'s drop); `None` when cancelled first.
async fn take_permits(
    budget: &Arc<Semaphore>,
    permits: u32,
    cancel: &mut watch::Receiver<bool>,
) -> Option<()> {
    let permit = tokio::select! {
        p = budget.clone().acquire_many_owned(permits) => p,
        _ = cancel.changed() => return None,
    };
    permit.ok()?.forget();
    Some(())
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.add_permits(self.permits as usize);
    }
}

/// Reads one shard into the main loop's channel, within the byte budget, until its end or cancel.
#[allow(clippy::too_many_arguments)]
async fn shard_reader(
    source: Arc<KinesisSource>,
    info: ShardInfo,
    start: StartPosition,
    tx: mpsc::Sender<Msg>,
    budget: Arc<Semaphore>,
    max_permit: u32,
    shared: Arc<Shared>,
    mut cancel: watch::Receiver<bool>,
) {
    let stats = Arc::new(ShardStats::default());
    let mut reader = source.reader(&info, start, stats.clone());
    let id = info.id.clone();
    shared.shard_event(&id, ShardEvent::ReaderStarted);
    let mut backoff_ms = 500u64;
    // The size of the shard's last answer: what the next one is expected to hold (an idle shard
    // reserves nothing, so a stream of many quiet shards does not queue on the budget).
    let mut expected_bytes = 0u32;
    loop {
        // At most half the budget: two readers can always hold an answer each.
        let want = expected_bytes.min((max_permit / 2).max(1));
        let mut reservation = Reservation {
            budget: budget.clone(),
            permits: 0,
        };
        if want > 0 {
            if take_permits(&budget, want, &mut cancel).await.is_none() {
                return;
            }
            reservation.permits = want;
        }
        let batch = tokio::select! {
            b = reader.next_batch() => b,
            _ = cancel.changed() => return,
        };
        let st = stats.snapshot();
        match batch {
            Ok(batch) => {
                backoff_ms = 500;
                let n = batch.records.len() as u64;
                let bytes: u64 = batch.records.iter().map(|r| r.data.len() as u64).sum();
                let last = batch.records.last().map(|r| r.position);
                let at_tip = n == 0 && batch.millis_behind_latest.unwrap_or(0) == 0;
                let (throttled_before, calls_before, kpl_before) = shared.shard(&id, |shard| {
                    // Throttling and expired iterators are counted, not phases.
                    let s = &mut shard.row;
                    let before = (
                        s.throttled,
                        s.get_records_calls,
                        (s.kpl_out_of_range, s.kpl_dropped),
                    );
                    s.kpl_out_of_range = st.subrecords_out_of_range;
                    s.kpl_dropped = st.subrecords_dropped;
                    s.records_read += n;
                    s.bytes_read += bytes;
                    s.millis_behind_latest = batch.millis_behind_latest;
                    if st.throttled > s.throttled {
                        s.last_throttled_ms = Some(now_ms());
                    }
                    s.throttled = st.throttled;
                    s.get_records_calls = st.get_records_calls;
                    s.expired_iterators = st.expired_iterators;
                    if let Some(l) = last {
                        s.last_sequence = Some(l);
                    }
                    shard.on(&id, ShardEvent::Read { at_tip });
                    before
                });
                if st.throttled > throttled_before {
                    shared.emit(Event::ShardThrottled {
                        shard: id.clone(),
                        count: st.throttled,
                    });
                }
                if kpl_before.0 == 0 && st.subrecords_out_of_range > 0 {
                    let dropped = st.subrecords_dropped > 0;
                    if dropped {
                        tracing::warn!(target: super::LOG, "{id}: {} KPL sub-record(s) outside the shard's hash-key range DROPPED \
                             (kpl-out-of-range = \"drop\"); they exist nowhere else in the stream",
                            st.subrecords_dropped
                        );
                    } else {
                        tracing::info!(target: super::LOG, "{id}: KPL aggregates hold sub-records whose partition keys hash outside \
                             the shard's range (the producer packs records of any key into one \
                             aggregate, as the kinesis-aggregation libraries do); they are kept \
                             and loaded: nothing is dropped"
                        );
                    }
                    shared.emit(Event::KplOutOfRange {
                        shard: id.clone(),
                        count: st.subrecords_out_of_range,
                        dropped,
                    });
                }
                shared.with(|s| {
                    s.totals.records_read += n;
                    s.totals.bytes_read += bytes;
                    s.totals.throttled += st.throttled.saturating_sub(throttled_before);
                    s.totals.get_records_calls += st.get_records_calls.saturating_sub(calls_before);
                    s.totals.kpl_out_of_range +=
                        st.subrecords_out_of_range.saturating_sub(kpl_before.0);
                    s.totals.kpl_dropped += st.subrecords_dropped.saturating_sub(kpl_before.1);
                });
                expected_bytes = u32::try_from(bytes).unwrap_or(u32::MAX);
                // The answer's permits are held by its last record, so the batch that settles
                // them is the last one holding a slice of the answer's buffer: a buffer shared by
                // two batches stays counted until it is freed. At most the whole budget (an
                // answer larger than the budget is read all the same).
                let permits = u32::try_from(bytes).unwrap_or(u32::MAX).min(max_permit);
                let missing = permits - reservation.take(permits);
                if missing > 0 && take_permits(&budget, missing, &mut cancel).await.is_none() {
                    return;
                }
                // Unused reserved permits go back now, not after the hand-over.
                drop(reservation);
                // In chunks of CHUNK_RECORDS: one message per record cost measurable CPU.
                let mut records = batch.records.into_iter().peekable();
                while records.peek().is_some() {
                    let mut chunk: Vec<(ks_kinesis::SourceRecord, u32)> = records
                        .by_ref()
                        .take(CHUNK_RECORDS)
                        .map(|r| (r, 0))
                        .collect();
                    if records.peek().is_none()
                        && let Some((_, last)) = chunk.last_mut()
                    {
                        *last = permits;
                    }
                    if tx.send(Msg::Records(chunk)).await.is_err() {
                        return;
                    }
                }
                if batch.shard_end {
                    let _ = tx.send(Msg::ShardEnd(id.clone())).await;
                    shared.shard(&id, |s| {
                        s.on(&id, ShardEvent::EndReached);
                        // Nothing is left behind on a drained shard (kinesalite reports a
                        // non-zero MillisBehindLatest in the last GetRecords of a closed shard).
                        s.row.millis_behind_latest = Some(0);
                    });
                    shared.emit(Event::ShardEnded { shard: id.clone() });
                    shared
                        .drained
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(id.clone());
                    shared
                        .drain_count
                        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    shared.drained_notify.notify_one();
                    return;
                }
            }
            Err(e) => {
                drop(reservation);
                shared.error(format!("shard {id}"), None, e.to_string(), None, Vec::new());
                let fatal = !e.is_transient();
                if fatal {
                    let _ = tx.send(Msg::Fatal(format!("shard {id}: {e}"))).await;
                    return;
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(backoff_ms)) => {}
                    _ = cancel.changed() => return,
                }
                backoff_ms = (backoff_ms * 2).min(30_000);
            }
        }
    }
}
