//! One batch's way to StarRocks: close it, write its intent, Stream Load it under its label
//! (retrying through stalls), then advance the checkpoint and count it.

use super::dead_letter::{split_body, write_dead_letter_rows};
use super::handle::EngineError;
use super::main_loop::Run;
use super::shared::{Shared, now_ms};
use crate::batch::{Batch, BatchBuilder, RowOrigins};
use crate::checkpoint::Intent;
use crate::shard_state::ShardEvent;
use crate::snapshot::{Event, LoadSummary, PipelineState, RECENT_LOADS};
use ks_core::config::{KplOutOfRange, OnDataError};
use ks_starrocks::{
    LoadBody, LoadError, LoadOutcome, Prepared, RetryPolicy, StreamLoadClient, with_retries,
};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;

/// The result of one batch's load task.
pub(super) struct LoadDone {
    pub(super) intent: Intent,
    pub(super) permits: u64,
    pub(super) result: Result<LoadOutcome, LoadError>,
    pub(super) started: Instant,
    pub(super) body: LoadBody,
    /// Where each row of `body` came from (for the dead-letter file).
    pub(super) origins: RowOrigins,
}

/// The batches being loaded, oldest first. Each load task commits only when given its turn, and
/// a batch gets its turn once every batch before it is settled: commits keep the batch order, and
/// the checkpoint advances only over the confirmed prefix.
#[derive(Default)]
pub(super) struct InFlight {
    queue: VecDeque<Loading>,
}

/// One batch's load task.
struct Loading {
    task: JoinHandle<LoadDone>,
    /// Sent when the batch may commit.
    turn: Option<oneshot::Sender<()>>,
    /// The label, when the batch loads through the transaction API (it may be prepared and open).
    transaction: Option<String>,
}

impl InFlight {
    pub(super) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    fn push(&mut self, loading: Loading) {
        self.queue.push_back(loading);
        if self.queue.len() == 1 {
            self.give_turn();
        }
    }

    /// Lets the oldest batch commit.
    pub(super) fn give_turn(&mut self) {
        if let Some(loading) = self.queue.front_mut()
            && let Some(turn) = loading.turn.take()
        {
            let _ = turn.send(());
        }
    }

    /// The oldest load's result, once it is done (cancel-safe: nothing is taken until then).
    pub(super) async fn next(&mut self) -> Option<Result<LoadDone, tokio::task::JoinError>> {
        let loading = self.queue.front_mut()?;
        let joined = (&mut loading.task).await;
        self.queue.pop_front();
        Some(joined)
    }

    /// Stops every load task (their intents stay: replayed, in order, next start). Returns the
    /// labels of the transactions they may have left open.
    pub(super) fn abort_all(&mut self) -> Vec<String> {
        self.queue
            .drain(..)
            .filter_map(|loading| {
                loading.task.abort();
                loading.transaction
            })
            .collect()
    }
}

impl Run {
    /// Best effort, after the engine gave up: rolls back the transactions of the batches it
    /// aborted, so that they do not hold a slot of StarRocks' running transactions (and their
    /// rows in memory) until `prepared_transaction_default_timeout_second` ends them. Their
    /// intents stay; the next start loads them again whatever happened here.
    pub(super) async fn roll_back_aborted(&self, labels: Vec<String>) {
        if labels.is_empty() {
            return;
        }
        let mut rollbacks = tokio::task::JoinSet::new();
        for label in labels {
            let client = self.client.clone();
            rollbacks.spawn(async move {
                let result = match ks_core::Label::new(label.clone()) {
                    Ok(l) => client
                        .rollback_transaction(&l)
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e),
                };
                (label, result)
            });
        }
        // All at once, 5 s at most: a stop must not wait on a StarRocks that is down.
        let waited = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(Ok((label, result))) = rollbacks.join_next().await {
                match result {
                    Ok(()) => tracing::info!(target: super::LOG, "rolled back the open transaction of {label} (its batch loads again on the next start)"),
                    Err(e) => tracing::info!(target: super::LOG, "could not roll back the transaction of {label} ({e}); the next start does, or StarRocks ends it after its prepared timeout"),
                }
            }
        })
        .await;
        if waited.is_err() {
            tracing::info!(target: super::LOG, "{} rollback(s) took over 5 s; the next start rolls back what is still open, or StarRocks ends it after its prepared timeout",
                rollbacks.len()
            );
        }
    }
}

impl Run {
    /// Closes the current batch and starts its load, once fewer than `max-inflight-loads` are
    /// in flight (the oldest is settled first when the queue is full).
    pub(super) async fn flush(
        &mut self,
        builder: &mut BatchBuilder,
        inflight: &mut InFlight,
        budget: &Arc<Semaphore>,
    ) -> Result<(), EngineError> {
        if builder.is_empty() {
            return Ok(());
        }
        while inflight.len() >= self.max_inflight() {
            self.settle_oldest(inflight, budget).await?;
        }
        let batch = builder.take();
        self.handle_malformed(&batch)?;
        let batch_no = self.store.allocate_batch_no();
        let intent = Intent {
            batch_no,
            label: format!("{}-{}-{batch_no}", self.label_prefix, self.store.store_id()),
            ranges: batch.ranges.clone(),
            shards_ended: batch.ended.clone(),
            rows: batch.rows,
            bytes: batch.body.len(),
            created_ms: now_ms(),
            kpl_drops_out_of_range: self.config.source.kpl_out_of_range == KplOutOfRange::Drop,
            transaction: self.max_inflight() > 1,
        };
        if batch.rows == 0 {
            // Nothing to load (only malformed records or shard ends): advance directly.
            self.store.confirm(&intent)?;
            budget.add_permits(batch.permits as usize);
            self.after_confirm(&intent);
            return Ok(());
        }
        self.store.write_intent(&intent)?;
        let (turn_tx, turn_rx) = oneshot::channel();
        let transaction = intent.transaction.then(|| intent.label.clone());
        let task = self.spawn_load(intent, batch, turn_rx);
        inflight.push(Loading {
            task,
            turn: Some(turn_tx),
            transaction,
        });
        Ok(())
    }

    /// How many batches may be loading at once (`sink.max-inflight-loads`).
    pub(super) fn max_inflight(&self) -> usize {
        self.config.sink.max_inflight_loads.max(1)
    }

    /// Waits for the oldest load in flight, settles it (checkpoint, counters or the data-error
    /// policy), then gives the next batch its turn to commit.
    pub(super) async fn settle_oldest(
        &mut self,
        inflight: &mut InFlight,
        budget: &Arc<Semaphore>,
    ) -> Result<(), EngineError> {
        let Some(joined) = inflight.next().await else {
            return Ok(());
        };
        self.finish_joined(joined, budget).await?;
        inflight.give_turn();
        Ok(())
    }

    fn spawn_load(
        &self,
        intent: Intent,
        batch: Batch,
        turn: oneshot::Receiver<()>,
    ) -> JoinHandle<LoadDone> {
        let client = self.client.clone();
        let shared = self.shared.clone();
        let policy = RetryPolicy::from_sink(&self.config.sink);
        let Batch {
            body,
            permits,
            origins,
            ..
        } = batch;
        tokio::spawn(async move {
            let started = Instant::now();
            let result =
                load_until_done(&client, &intent, body.clone(), policy, &shared, Some(turn)).await;
            LoadDone {
                intent,
                permits,
                result,
                started,
                body,
                origins,
            }
        })
    }

    /// After a load task: checkpoint, counters, or the data-error policy.
    pub(super) async fn finish_load(
        &mut self,
        done: LoadDone,
        budget: &Arc<Semaphore>,
    ) -> Result<(), EngineError> {
        let intent = &done.intent;
        match done.result {
            Ok(outcome) => {
                self.store.confirm(intent)?;
                budget.add_permits(done.permits as usize);
                self.record_success(intent, &outcome, done.started.elapsed());
                self.after_confirm(intent);
                Ok(())
            }
            Err(e) => {
                if let LoadError::DataQuality {
                    message,
                    error_url,
                    error_lines,
                    ..
                } = &e
                {
                    self.shared.error(
                        format!("load {}", intent.label),
                        Some("Fail".into()),
                        message.clone(),
                        error_url.clone(),
                        error_lines.clone(),
                    );
                    if self.config.on_data_error == OnDataError::DeadLetter {
                        let rows = split_body(&self.format, &done.body.to_vec());
                        let path = write_dead_letter_rows(
                            &self.config.state_dir,
                            &intent.label,
                            &rows,
                            &done.origins,
                            message,
                            error_lines,
                        )?;
                        self.store.confirm(intent)?;
                        budget.add_permits(done.permits as usize);
                        let reason = match error_lines.first() {
                            Some(line) => format!("{message} — {line}"),
                            None => message.clone(),
                        };
                        self.shared.dead_lettered(
                            &format!("load {}", intent.label),
                            intent.rows,
                            &path,
                            &reason,
                            Some(LoadSummary {
                                label: intent.label.clone(),
                                rows: intent.rows,
                                bytes: intent.bytes,
                                loaded_rows: 0,
                                filtered_rows: 0,
                                ms: done.started.elapsed().as_millis() as u64,
                                status: "DeadLettered".into(),
                                finished_ms: now_ms(),
                            }),
                        );
                        self.after_confirm(intent);
                        return Ok(());
                    }
                    return Err(EngineError::Data(format!(
                        "StarRocks refused the batch {} ({} rows): {message}{}. Fix the table or the \
                         mapping (properties.columns / jsonpaths), or set on-data-error = \"dead-letter\" \
                         to set failing batches aside and go on",
                        intent.label,
                        intent.rows,
                        error_lines
                            .first()
                            .map(|l| format!(" — {l}"))
                            .unwrap_or_default()
                    )));
                }
                if e.is_retryable() && *self.shared.stopping.borrow() {
                    return Err(EngineError::StoppedUnconfirmed {
                        label: intent.label.clone(),
                        reason: "StarRocks did not confirm it before the stop".into(),
                    });
                }
                Err(EngineError::Load(Box::new(e)))
            }
        }
    }

    fn record_success(&mut self, intent: &Intent, outcome: &LoadOutcome, elapsed: Duration) {
        // "Already loaded" answers carry no row counts: an earlier attempt under this label
        // loaded the batch (its rows minus what StarRocks filtered then, which we cannot know).
        let loaded_rows = match outcome.status {
            ks_starrocks::LoadStatus::AlreadyLoaded => intent.rows,
            _ => outcome.stats.loaded_rows,
        };
        self.rows_loaded += loaded_rows;
        self.loads += 1;
        let summary = LoadSummary {
            label: intent.label.clone(),
            rows: intent.rows,
            bytes: intent.bytes,
            loaded_rows,
            filtered_rows: outcome.stats.filtered_rows,
            ms: elapsed.as_millis() as u64,
            status: format!("{:?}", outcome.status),
            finished_ms: now_ms(),
        };
        tracing::debug!(target: super::LOG, "loaded {} ({} rows, {} filtered, {} bytes, {} ms, {:?})",
            summary.label,
            summary.loaded_rows,
            summary.filtered_rows,
            summary.bytes,
            summary.ms,
            outcome.status
        );
        self.shared.with(|s| {
            s.totals.rows_loaded += loaded_rows;
            s.totals.bytes_loaded += intent.bytes;
            s.totals.rows_filtered += outcome.stats.filtered_rows;
            s.totals.rows_unselected += outcome.stats.unselected_rows;
            s.totals.loads_ok += 1;
            s.recent_loads.push_front(summary.clone());
            s.recent_loads.truncate(RECENT_LOADS);
        });
        if outcome.stats.filtered_rows > 0 {
            self.shared.error(
                format!("load {}", intent.label),
                Some("Success".into()),
                format!(
                    "{} row(s) filtered by StarRocks",
                    outcome.stats.filtered_rows
                ),
                outcome.error_url.clone(),
                outcome.error_lines.clone(),
            );
            self.shared.emit(Event::RowsFiltered {
                label: intent.label.clone(),
                rows: outcome.stats.filtered_rows,
                error_lines: outcome.error_lines.clone(),
            });
        }
        self.shared.emit(Event::BatchLoaded { summary });
    }

    /// After a batch is settled (loaded, dead-lettered or empty): checkpoints shown, a stall over.
    pub(super) fn after_confirm(&self, intent: &Intent) {
        self.shared.with(|s| {
            if matches!(s.state, PipelineState::Stalled { .. }) {
                s.state = PipelineState::Running;
            }
        });
        // "Recovered" answers a reported stall (not every retried blip).
        if self
            .shared
            .stall_reported
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            tracing::info!(target: super::LOG, "loads succeed again: {} settled", intent.label);
            self.shared.emit(Event::Recovered);
        }
        for (shard, range) in &intent.ranges {
            self.shared
                .shard(shard, |s| s.row.checkpoint = Some(range.last));
        }
        for shard in &intent.shards_ended {
            self.shared.shard_event(shard, ShardEvent::EndConfirmed);
        }
    }
}

/// Loads a batch, retrying transient failures without end (showing the pipeline as stalled),
/// until it is confirmed or fails for a reason retrying cannot fix. A plain Stream Load, or
/// (`intent.transaction`) the transaction API: begin, load and prepare, then wait for `turn`
/// (every batch before this one settled) and commit, so commits keep the batch order.
pub(super) async fn load_until_done(
    client: &StreamLoadClient,
    intent: &Intent,
    body: LoadBody,
    policy: RetryPolicy,
    shared: &Shared,
    turn: Option<oneshot::Receiver<()>>,
) -> Result<LoadOutcome, LoadError> {
    let label = ks_core::Label::new(intent.label.clone()).map_err(|m| LoadError::Protocol {
        label: intent.label.clone(),
        node: String::new(),
        message: m,
    })?;
    if !intent.transaction {
        return until_done(intent, &label, policy, shared, || {
            client.load(&label, body.clone())
        })
        .await;
    }
    let prepare = || client.prepare_in_transaction(&label, body.clone());
    let prepared = match until_done(intent, &label, policy, shared, prepare).await? {
        Prepared::AlreadyLoaded(outcome) => return Ok(outcome),
        Prepared::Ready(outcome) => outcome,
    };
    if let Some(turn) = turn {
        // The engine gives the turn in batch order; it drops it only when it gives up the
        // batches before this one (an error), and then this one is replayed next start.
        turn.await.map_err(|_| {
            stopped_error(
                intent,
                "the batches before it were not confirmed; it is replayed next start",
            )
        })?;
    }
    let mut committed = until_done(intent, &label, policy, shared, || {
        client.commit_in_transaction(&label, body.clone())
    })
    .await?;
    // The row counts and the ErrorURL come with the prepare; a commit answer may omit them.
    if committed.status == ks_starrocks::LoadStatus::Loaded && committed.stats.total_rows == 0 {
        committed.stats = prepared.stats;
        committed.error_url = committed.error_url.or(prepared.error_url);
        if committed.error_lines.is_empty() {
            committed.error_lines = prepared.error_lines;
        }
    }
    Ok(committed)
}

/// One step of a load (a plain Stream Load, a prepare, a commit), retried through stalls.
async fn until_done<T, Fut>(
    intent: &Intent,
    label: &ks_core::Label,
    policy: RetryPolicy,
    shared: &Shared,
    mut step: impl FnMut() -> Fut,
) -> Result<T, LoadError>
where
    Fut: std::future::Future<Output = Result<T, LoadError>>,
{
    let mut round = 0u32;
    let mut stopping = shared.stopping.subscribe();
    loop {
        let attempt = with_retries(
            label,
            policy,
            |report| {
                // Shown at once (not after max-retries): the monitor and the status line say
                // "stalled (reason)" from the first failed attempt until a load succeeds.
                shared.with(|s| {
                    s.totals.loads_failed_attempts += 1;
                    if report.retryable {
                        match &mut s.state {
                            PipelineState::Stalled { reason, .. } => *reason = report.error.clone(),
                            state => {
                                *state = PipelineState::Stalled {
                                    reason: report.error.clone(),
                                    since_ms: now_ms(),
                                }
                            }
                        }
                    }
                });
                // Say what happens next: another attempt, a stall that keeps retrying, or nothing
                // (a refused batch is never retried; the data-error policy settles it).
                match (report.retryable, report.next_delay) {
                    (true, next_delay) => {
                        shared.emit(Event::LoadRetrying {
                            label: intent.label.clone(),
                            attempt: report.attempt,
                            error: report.error.clone(),
                            next_delay_ms: next_delay.map(|d| d.as_millis() as u64).unwrap_or(0),
                        });
                        match next_delay {
                            Some(d) => {
                                tracing::info!(target: super::LOG, "load {} attempt {} failed: {}; retrying in {} ms",
                                    intent.label,
                                    report.attempt,
                                    report.error,
                                    d.as_millis()
                                )
                            }
                            None => {
                                tracing::info!(target: super::LOG, "load {} attempt {} failed: {}; stalled after {} attempts (max-retries), \
                                     retrying with a longer wait until StarRocks answers",
                                    intent.label,
                                    report.attempt,
                                    report.error,
                                    report.attempt
                                )
                            }
                        }
                    }
                    (false, _) => {
                        tracing::info!(target: super::LOG, "load {} attempt {} refused: {}; not retried (the same rows would be refused again)",
                            intent.label,
                            report.attempt,
                            report.error
                        )
                    }
                }
            },
            &mut step,
        );
        // A stop while the load keeps failing: give it up after the current attempts.
        // A stalled load is given up at once; a healthy one gets a grace period to finish.
        let grace = if round > 0 {
            Duration::ZERO
        } else {
            STOP_GRACE
        };
        let mut stop_rx = stopping.clone();
        let stop_then_grace = async move {
            let _ = stop_rx.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        };
        let result = tokio::select! {
            r = attempt => r,
            _ = stop_then_grace => return Err(stopped_error(intent, "stop requested while StarRocks kept failing")),
        };
        match result {
            Err(e) if e.is_retryable() && *stopping.borrow() => return Err(e),
            Err(e) if e.is_retryable() => {
                round += 1;
                let reason = e.to_string();
                // After max-retries attempts the stall is reported once: the errors panel, the
                // log at warn level, a desktop notification.
                let newly = !shared
                    .stall_reported
                    .swap(true, std::sync::atomic::Ordering::SeqCst);
                shared.with(|s| {
                    if !matches!(s.state, PipelineState::Stalled { .. }) {
                        s.state = PipelineState::Stalled {
                            reason: reason.clone(),
                            since_ms: now_ms(),
                        };
                    }
                });
                if newly {
                    shared.error(
                        format!("load {}", intent.label),
                        None,
                        reason.clone(),
                        None,
                        Vec::new(),
                    );
                    shared.emit(Event::Stalled { reason });
                }
                let wait = Duration::from_millis(
                    policy
                        .max_ms
                        .min(policy.base_ms.saturating_mul(1 << round.min(5))),
                )
                .max(e.min_retry_delay());
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopping.wait_for(|s| *s) => {}
                }
            }
            other => return other,
        }
    }
}

/// How long a stop waits for a load that is not (yet) stalled.
const STOP_GRACE: Duration = Duration::from_secs(15);

/// The error a stopped, unconfirmed load ends with (retryable: it is replayed next start).
fn stopped_error(intent: &Intent, reason: &str) -> LoadError {
    LoadError::Transient {
        label: intent.label.clone(),
        node: String::new(),
        reason: reason.to_string(),
    }
}
