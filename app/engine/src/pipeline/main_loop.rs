//! The main loop: replays what an earlier run left, starts the shard manager, fills batches from
//! the readers' messages, flushes on size or interval, publishes the snapshot, and stops
//! gracefully (or once caught up).

use super::handle::{EngineError, EngineOptions, RunSummary};
use super::load::{InFlight, LoadDone};
use super::shards::shard_manager;
use super::shared::Shared;
use crate::batch::{BatchBuilder, BodyFormat, Row};
use crate::checkpoint::CheckpointStore;
use crate::snapshot::{Command, Event, PipelineState, Snapshot};
use ks_core::config::OnDataError;
use ks_core::{ExtendedSeq, PipelineConfig, ShardId};
use ks_kinesis::{KinesisSource, SourceRecord};
use ks_starrocks::StreamLoadClient;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc, watch};

/// What shard readers send the main loop.
pub(super) enum Msg {
    /// Consecutive records of one shard, each with the budget permits it holds. Sent in chunks
    /// (not one message per record): per-record channel and semaphore traffic was a measurable
    /// part of the engine's CPU time (BENCHMARKS.md).
    Records(Vec<(SourceRecord, u32)>),
    ShardEnd(ShardId),
    Fatal(String),
}

/// One run of the pipeline: the main loop's state (the load, replay and data-error steps are
/// `impl Run` blocks in their own files).
pub(super) struct Run {
    pub(super) config: PipelineConfig,
    pub(super) source: Arc<KinesisSource>,
    pub(super) client: Arc<StreamLoadClient>,
    pub(super) store: CheckpointStore,
    pub(super) shared: Arc<Shared>,
    pub(super) snap_tx: Arc<watch::Sender<Snapshot>>,
    pub(super) options: EngineOptions,
    pub(super) label_prefix: String,
    pub(super) format: BodyFormat,
    pub(super) replayed: u64,
    pub(super) rows_loaded: u64,
    pub(super) loads: u64,
    /// Held until the run (and its final flush) is over.
    pub(super) _lock: crate::lock::PipelineLock,
}

impl Run {
    fn publish(&self) {
        let snap = self.shared.snapshot();
        let _ = self.snap_tx.send(snap);
    }

    pub(super) fn set_state(&self, state: PipelineState) {
        self.shared.with(|s| s.state = state);
        self.publish();
    }

    pub(super) async fn run(
        mut self,
        mut external: mpsc::Receiver<Command>,
    ) -> Result<RunSummary, EngineError> {
        // Commands are seen at once, even while the main loop waits on a load: a stop raises the
        // `stopping` flag (which ends a stalled load) and is then handed to the main loop.
        let (forward, mut commands) = mpsc::channel(8);
        let forwarder = {
            let shared = self.shared.clone();
            tokio::spawn(async move {
                while let Some(cmd) = external.recv().await {
                    if cmd == Command::Stop {
                        let _ = shared.stopping.send(true);
                    }
                    if forward.send(cmd).await.is_err() {
                        return;
                    }
                }
                // Every handle dropped: stop as well.
                let _ = shared.stopping.send(true);
                let _ = forward.send(Command::Stop).await;
            })
        };
        // Published on a timer of its own: the main loop may wait on a stalled load.
        let publisher = {
            let (shared, tx) = (self.shared.clone(), self.snap_tx.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    let snap = shared.snapshot();
                    if tx.send(snap).is_err() {
                        return;
                    }
                }
            })
        };
        let result = self.run_inner(&mut commands).await;
        publisher.abort();
        forwarder.abort();
        match &result {
            Ok(_) => self.set_state(PipelineState::Stopped),
            Err(e) => {
                self.shared
                    .error("pipeline".into(), None, e.to_string(), None, Vec::new());
                self.set_state(PipelineState::Failed {
                    error: e.to_string(),
                });
            }
        }
        self.shared.emit(Event::Stopped);
        let totals = self.shared.with(|s| s.totals.clone());
        result.map(|_| RunSummary {
            rows_loaded: self.rows_loaded,
            loads: self.loads,
            replayed_intents: self.replayed,
            records_read: totals.records_read,
            rows_filtered: totals.rows_filtered,
            rows_unselected: totals.rows_unselected,
            rows_dead_lettered: totals.rows_dead_lettered,
            kpl_out_of_range: totals.kpl_out_of_range,
            kpl_dropped: totals.kpl_dropped,
        })
    }

    async fn run_inner(
        &mut self,
        commands: &mut mpsc::Receiver<Command>,
    ) -> Result<(), EngineError> {
        // Show the checkpointed positions from the start.
        for (shard, pos) in self.store.checkpoint().positions.clone() {
            self.shared.shard(&shard, |s| s.row.checkpoint = Some(pos));
        }
        let pending = self.store.pending_intents()?;
        if !pending.is_empty() {
            self.set_state(PipelineState::Recovering);
            tracing::info!(target: super::LOG, "replaying {} pending batch(es) from the last run",
                pending.len()
            );
            for intent in pending {
                self.replay(intent).await?;
            }
        }
        self.set_state(PipelineState::Running);

        let budget_bytes = budget_bytes(self.config.sink.buffer_flush.max_bytes);
        let budget = Arc::new(Semaphore::new(budget_bytes as usize));
        let max_permit = u32::try_from(budget_bytes).unwrap_or(u32::MAX);
        let (tx, mut rx) = mpsc::channel::<Msg>(10_000);
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let manager = tokio::spawn(shard_manager(
            self.source.clone(),
            self.config.clone(),
            self.store.checkpoint().clone(),
            // The pipeline's first start: LATEST means "records arriving from then on", kept
            // across restarts.
            self.store.created(),
            tx,
            budget.clone(),
            max_permit,
            self.shared.clone(),
            cancel_rx,
        ));

        let mut builder = BatchBuilder::new(self.format.clone())
            .body_capacity(self.config.sink.buffer_flush.max_bytes)
            .recording_origins(self.config.on_data_error == OnDataError::DeadLetter);
        let mut last_pos: HashMap<ShardId, ExtendedSeq> = self
            .store
            .checkpoint()
            .positions
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let mut inflight = InFlight::default();
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let interval = Duration::from_millis(self.config.sink.buffer_flush.interval_ms.max(1));
        let mut last_publish = Instant::now();
        let mut stop_reason: Option<&'static str> = None;
        let mut fatal: Option<EngineError> = None;

        while stop_reason.is_none() && fatal.is_none() {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(Msg::Records(records)) => {
                        for (record, permits) in records {
                            add_record(&mut builder, &mut last_pos, record, permits);
                            if self.is_full(&builder)
                                && let Err(e) = self.flush(&mut builder, &mut inflight, &budget).await
                            {
                                fatal = Some(e);
                                break;
                            }
                        }
                    }
                    Some(Msg::ShardEnd(shard)) => builder.shard_ended(shard),
                    Some(Msg::Fatal(message)) => fatal = Some(EngineError::Data(message)),
                    None => stop_reason = Some("the shard manager ended"),
                },
                Some(done) = inflight.next(), if !inflight.is_empty() => {
                    match self.finish_joined(done, &budget).await {
                        Ok(()) => inflight.give_turn(),
                        Err(e) => fatal = Some(e),
                    }
                }
                cmd = commands.recv() => match cmd {
                    Some(Command::Stop) | None => stop_reason = Some("stop requested"),
                },
                _ = tick.tick() => {
                    // The interval is up, or (with --stop-when-caught-up) nothing more is coming:
                    // load what is buffered now rather than wait out the interval.
                    let due = builder.age().is_some_and(|a| a >= interval)
                        || (self.options.stop_when_caught_up
                            && !builder.is_empty()
                            && rx.is_empty()
                            && self.shards_at_tip());
                    if inflight.len() < self.max_inflight() && due
                        && let Err(e) = self.flush(&mut builder, &mut inflight, &budget).await {
                            fatal = Some(e);
                    }
                    let caught_up = self.caught_up(&builder, !inflight.is_empty(), rx.is_empty());
                    let behind = self.shared.shards(|t| t.max_lag_ms()).is_some_and(|l| l > 60_000);
                    self.shared.with(|s| {
                        s.caught_up = caught_up;
                        s.buffered_bytes = budget_bytes.saturating_sub(budget.available_permits() as u64);
                        if matches!(s.state, PipelineState::Running | PipelineState::CatchingUp) {
                            s.state = if behind { PipelineState::CatchingUp } else { PipelineState::Running };
                        }
                    });
                    if last_publish.elapsed() >= Duration::from_millis(250) {
                        self.publish();
                        last_publish = Instant::now();
                    }
                    if self.options.stop_when_caught_up && caught_up {
                        stop_reason = Some("caught up");
                    }
                }
            }
        }

        // Graceful stop: stop the readers, take what they already sent, flush, confirm.
        self.set_state(PipelineState::Stopping);
        let _ = self.shared.stopping.send(true);
        let _ = cancel_tx.send(true);
        manager.abort();
        let _ = manager.await;
        while let Ok(msg) = rx.try_recv() {
            match msg {
                Msg::Records(records) => {
                    for (record, permits) in records {
                        add_record(&mut builder, &mut last_pos, record, permits);
                    }
                }
                Msg::ShardEnd(shard) => builder.shard_ended(shard),
                Msg::Fatal(_) => {}
            }
        }
        if let Some(e) = fatal {
            let open = inflight.abort_all();
            self.roll_back_aborted(open).await;
            return Err(e);
        }
        let mut settled = self.settle_all(&mut inflight, &budget).await;
        if settled.is_ok() && !builder.is_empty() {
            settled = match self.flush(&mut builder, &mut inflight, &budget).await {
                Ok(()) => self.settle_all(&mut inflight, &budget).await,
                Err(e) => Err(e),
            };
        }
        if let Err(e) = settled {
            let open = inflight.abort_all();
            self.roll_back_aborted(open).await;
            return Err(e);
        }
        tracing::info!(target: super::LOG, "pipeline {} stopped: {}",
            self.config.name,
            stop_reason.unwrap_or("error")
        );
        Ok(())
    }

    /// Settles every load in flight, oldest first.
    async fn settle_all(
        &mut self,
        inflight: &mut InFlight,
        budget: &Arc<Semaphore>,
    ) -> Result<(), EngineError> {
        while !inflight.is_empty() {
            self.settle_oldest(inflight, budget).await?;
        }
        Ok(())
    }

    pub(super) async fn finish_joined(
        &mut self,
        joined: Result<LoadDone, tokio::task::JoinError>,
        budget: &Arc<Semaphore>,
    ) -> Result<(), EngineError> {
        match joined {
            Ok(done) => self.finish_load(done, budget).await,
            Err(e) => Err(EngineError::Data(format!(
                "a load task ended abnormally: {e}"
            ))),
        }
    }

    fn is_full(&self, b: &BatchBuilder) -> bool {
        let f = &self.config.sink.buffer_flush;
        b.rows() >= f.max_rows || b.bytes() >= f.max_bytes
    }

    fn caught_up(&self, builder: &BatchBuilder, inflight: bool, channel_empty: bool) -> bool {
        if inflight || !builder.is_empty() || !channel_empty {
            return false;
        }
        self.shards_at_tip()
    }

    /// Every shard read up to its tip (or its end), whatever is still buffered or loading: the
    /// shard table's phases (see `crate::shard_state`).
    fn shards_at_tip(&self) -> bool {
        self.shared.shards(|t| t.read_to_tip())
    }
}

/// Puts a record read from Kinesis into the batch, with the position before it in its shard.
pub(super) fn add_record(
    builder: &mut BatchBuilder,
    last_pos: &mut HashMap<ShardId, ExtendedSeq>,
    record: SourceRecord,
    permits: u32,
) {
    let after = note_position(last_pos, &record.shard, record.position);
    builder.permits += u64::from(permits);
    builder.push(
        Row {
            shard: record.shard,
            position: record.position,
            data: record.data,
            buffer: record.buffer,
        },
        after,
    );
}

/// Remembers `pos` as the last position read from `shard`; returns the previous one. No clone of
/// the shard id per record (only for a shard's first record).
fn note_position(
    last_pos: &mut HashMap<ShardId, ExtendedSeq>,
    shard: &ShardId,
    pos: ExtendedSeq,
) -> Option<ExtendedSeq> {
    match last_pos.get_mut(shard) {
        Some(p) => Some(std::mem::replace(p, pos)),
        None => last_pos.insert(shard.clone(), pos),
    }
}

/// The most the byte budget adds to `buffer-flush.max-bytes`: room for the next batch to fill
/// while one loads. Capped so that the records held stay within max-bytes + 16 MiB, whatever
/// max-bytes is: with the process (~10 MiB) and the answers being received and parsed (~5 MiB a
/// shard), memory stays within the buffer + 64 MiB (BENCHMARKS.md, (c); docs/engine.md §4).
pub const FILL_HEADROOM_MAX_BYTES: u64 = 16 << 20;

/// The byte budget for `buffer-flush.max-bytes`: max-bytes, plus as much again up to
/// [`FILL_HEADROOM_MAX_BYTES`] (clamped to 64 KiB … 16 GiB). Small buffers keep 2 × max-bytes,
/// one batch loading and one filling; a 64 MiB buffer gets 80 MiB, a 1 GiB one 1 GiB + 16 MiB.
pub fn budget_bytes(max_bytes: u64) -> u64 {
    max_bytes
        .saturating_add(max_bytes.min(FILL_HEADROOM_MAX_BYTES))
        .clamp(64 << 10, 1 << 34)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_max_bytes_plus_at_most_16_mib() {
        const MIB: u64 = 1 << 20;
        // Small buffers: one batch loading, one filling (and never below 64 KiB).
        assert_eq!(budget_bytes(1024), 64 << 10);
        assert_eq!(budget_bytes(8 * MIB), 16 * MIB);
        assert_eq!(budget_bytes(16 * MIB), 32 * MIB);
        // From 16 MiB on, the headroom stays 16 MiB: memory within the buffer + 64 MiB.
        assert_eq!(budget_bytes(32 * MIB), 48 * MIB);
        assert_eq!(budget_bytes(64 * MIB), 80 * MIB);
        assert_eq!(budget_bytes(1024 * MIB), 1040 * MIB);
        assert_eq!(budget_bytes(10 * 1024 * MIB), 10 * 1024 * MIB + 16 * MIB);
        assert_eq!(budget_bytes(u64::MAX), 1 << 34);
    }
}
