//! The running pipeline: shard readers → batcher → loader → checkpoint (DESIGN.md §4).
//!
//! One task per open shard reads and sends records into a bounded channel; a byte budget (a
//! semaphore) stops readers while too much is read but not yet confirmed. The main loop fills
//! batches, writes each batch's intent, loads it (one load in flight; the next batch fills
//! meanwhile), and advances the checkpoint once StarRocks confirms. A shard manager lists shards
//! periodically and starts children only after their parents are drained (KCL's rule).

use crate::batch::{Batch, BatchBuilder, BodyFormat, Malformed, Row, RowOrigins};
use crate::checkpoint::{CheckpointStore, Intent, StoreError};
use crate::snapshot::{
    Command, DeadLetterEntry, ErrorEntry, Event, LoadSummary, PipelineState, RECENT_DEAD_LETTERS,
    RECENT_ERRORS, RECENT_LOADS, ShardSnapshot, ShardState, Snapshot,
};
use ks_core::config::{KplOutOfRange, OnDataError};
use ks_core::{ExtendedSeq, InitialPosition, PipelineConfig, Secret, ShardId};
use ks_kinesis::{KinesisSource, ShardInfo, ShardStats, SourceRecord, StartPosition};
use ks_starrocks::{LoadError, LoadOutcome, RetryPolicy, StreamLoadClient, StreamLoadSettings};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore, mpsc, watch};
use tokio::task::JoinHandle;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Config(String),
    #[error("Kinesis: {0}")]
    Source(Box<ks_kinesis::SourceError>),
    #[error("StarRocks Stream Load: {0}")]
    Load(Box<LoadError>),
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Another engine runs this pipeline (or its state dir cannot be locked).
    #[error("{0}")]
    Lock(Box<crate::lock::LockError>),
    #[error("{0}")]
    Data(String),
    #[error("cannot replay the pending batch {label}: {reason}")]
    Replay { label: String, reason: String },
    #[error(
        "stopped with the batch {label} unconfirmed ({reason}); it will be replayed under the same label on the next start"
    )]
    StoppedUnconfirmed { label: String, reason: String },
}

impl From<ks_kinesis::SourceError> for EngineError {
    fn from(e: ks_kinesis::SourceError) -> Self {
        EngineError::Source(Box::new(e))
    }
}

impl From<crate::lock::LockError> for EngineError {
    fn from(e: crate::lock::LockError) -> Self {
        EngineError::Lock(Box::new(e))
    }
}

impl From<LoadError> for EngineError {
    fn from(e: LoadError) -> Self {
        EngineError::Load(Box::new(e))
    }
}

/// How a run is started.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// End (exit 0) once every shard is at the tip and everything read is confirmed.
    pub stop_when_caught_up: bool,
    /// Who runs the engine, for the pipeline's lock file and the message a second engine gets
    /// ("kinesis-starrocks run", "kinesis-starrocks app", …).
    pub holder: String,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            stop_when_caught_up: false,
            holder: "kinesis-starrocks".into(),
        }
    }
}

/// The outside's grip on a running engine: commands in, snapshot and events out.
pub struct EngineHandle {
    commands: mpsc::Sender<Command>,
    snapshot: watch::Receiver<Snapshot>,
    events: Option<mpsc::Receiver<Event>>,
    join: JoinHandle<Result<RunSummary, EngineError>>,
}

/// What a finished run did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub rows_loaded: u64,
    pub loads: u64,
    pub replayed_intents: u64,
    /// User records read (KPL sub-records each count).
    pub records_read: u64,
    /// Rows StarRocks filtered, and rows set aside in the dead-letter dir.
    pub rows_filtered: u64,
    pub rows_dead_lettered: u64,
    /// KPL sub-records outside their shard's hash-key range, and of those the ones dropped
    /// (`kpl-out-of-range = "drop"`; 0 under the default "keep").
    pub kpl_out_of_range: u64,
    pub kpl_dropped: u64,
}

impl std::fmt::Display for RunSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} rows loaded in {} loads ({} replayed); {} records read, {} filtered by StarRocks, {} dead-lettered",
            self.rows_loaded,
            self.loads,
            self.replayed_intents,
            self.records_read,
            self.rows_filtered,
            self.rows_dead_lettered
        )?;
        if self.kpl_out_of_range > 0 {
            if self.kpl_dropped > 0 {
                write!(
                    f,
                    "; {} KPL sub-records outside their shard's hash-key range DROPPED (kpl-out-of-range = \"drop\")",
                    self.kpl_dropped
                )?;
            } else {
                write!(
                    f,
                    "; {} KPL sub-records outside their shard's hash-key range kept",
                    self.kpl_out_of_range
                )?;
            }
        }
        Ok(())
    }
}

impl EngineHandle {
    /// Asks for a graceful stop: flush, confirm, checkpoint.
    pub fn stop(&self) {
        let _ = self.commands.try_send(Command::Stop);
    }

    pub fn commands(&self) -> mpsc::Sender<Command> {
        self.commands.clone()
    }

    pub fn snapshot(&self) -> watch::Receiver<Snapshot> {
        self.snapshot.clone()
    }

    /// The event stream (once; later calls get `None`).
    pub fn take_events(&mut self) -> Option<mpsc::Receiver<Event>> {
        self.events.take()
    }

    pub async fn wait(self) -> Result<RunSummary, EngineError> {
        match self.join.await {
            Ok(r) => r,
            Err(e) => Err(EngineError::Data(format!(
                "the engine task ended abnormally: {e}"
            ))),
        }
    }

    pub fn is_finished(&self) -> bool {
        self.join.is_finished()
    }
}

/// Shared, mutable view the snapshot is published from.
struct Shared {
    snap: Mutex<Snapshot>,
    events: mpsc::Sender<Event>,
    /// Shards whose reader reached the end in this run (for lineage).
    drained: Mutex<HashSet<ShardId>>,
    drained_notify: Notify,
    /// Bumped by the shard manager after each discovery pass.
    discovery_passes: std::sync::atomic::AtomicU64,
    /// Bumped when a shard is drained (a pass after it is needed before "caught up").
    drain_count: std::sync::atomic::AtomicU64,
    /// Shards ready to start but not started yet, as of the last discovery pass.
    ready_unstarted: std::sync::atomic::AtomicU64,
    /// Set when a stop is requested: a load that keeps failing is then given up (its intent
    /// stays and is replayed on the next start) instead of holding the stop forever.
    stopping: watch::Sender<bool>,
    /// A stall was reported (errors panel, notification) and no load succeeded since.
    stall_reported: std::sync::atomic::AtomicBool,
    /// The pipeline shows "stalled" because ListShards keeps failing.
    discovery_stalled: std::sync::atomic::AtomicBool,
}

impl Shared {
    fn emit(&self, ev: Event) {
        // Bounded: a slow consumer loses events, never stalls the engine.
        let _ = self.events.try_send(ev);
    }

    fn with<R>(&self, f: impl FnOnce(&mut Snapshot) -> R) -> R {
        f(&mut self.snap.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn error(
        &self,
        context: String,
        status: Option<String>,
        message: String,
        error_url: Option<String>,
        lines: Vec<String>,
    ) {
        let entry = ErrorEntry {
            at_ms: now_ms(),
            context,
            status,
            message,
            error_url,
            error_lines: lines,
        };
        // Headless users see only the log: give them what the errors panel shows, the
        // ErrorURL and the first few of StarRocks' error lines.
        let mut detail = String::new();
        if let Some(url) = &entry.error_url {
            detail.push_str(&format!("\n  ErrorURL: {url}"));
        }
        for line in entry.error_lines.iter().take(LOGGED_ERROR_LINES) {
            detail.push_str(&format!("\n  {line}"));
        }
        if entry.error_lines.len() > LOGGED_ERROR_LINES {
            detail.push_str(&format!(
                "\n  … {} more line(s) at the ErrorURL",
                entry.error_lines.len() - LOGGED_ERROR_LINES
            ));
        }
        tracing::warn!("{}: {}{detail}", entry.context, entry.message);
        self.with(|s| {
            s.errors.push_back(entry.clone());
            while s.errors.len() > RECENT_ERRORS {
                s.errors.pop_front();
            }
        });
        self.emit(Event::Error { entry });
    }

    /// Rows set aside in `path`: counted apart from filtered rows, listed in the snapshot (the
    /// monitor shows the file), shown in recent loads when they were a batch, logged with the path.
    fn dead_lettered(
        &self,
        label: &str,
        rows: u64,
        path: &std::path::Path,
        reason: &str,
        batch: Option<LoadSummary>,
    ) {
        let path = path.display().to_string();
        tracing::warn!(
            "{label}: {rows} row(s) set aside in {path} (on-data-error = dead-letter), each with its \
             shard and sequence number; not retried, the pipeline goes on. Reason: {reason}"
        );
        self.with(|s| {
            s.totals.rows_dead_lettered += rows;
            s.dead_letters.push_front(DeadLetterEntry {
                at_ms: now_ms(),
                label: label.to_string(),
                rows,
                path: path.clone(),
                reason: reason.to_string(),
            });
            s.dead_letters.truncate(RECENT_DEAD_LETTERS);
            if let Some(summary) = batch {
                s.recent_loads.push_front(summary);
                s.recent_loads.truncate(RECENT_LOADS);
            }
        });
        self.emit(Event::DeadLettered {
            label: label.to_string(),
            rows,
            path,
        });
    }

    fn shard<R>(&self, id: &ShardId, f: impl FnOnce(&mut ShardSnapshot) -> R) -> R {
        self.with(|s| {
            let idx = match s.shards.iter().position(|x| &x.shard == id) {
                Some(i) => i,
                None => {
                    s.shards.push(ShardSnapshot {
                        shard: id.clone(),
                        state: ShardState::WaitingOnParents,
                        last_sequence: None,
                        checkpoint: None,
                        millis_behind_latest: None,
                        records_read: 0,
                        bytes_read: 0,
                        throttled: 0,
                        get_records_calls: 0,
                        last_throttled_ms: None,
                        expired_iterators: 0,
                        kpl_out_of_range: 0,
                        kpl_dropped: 0,
                        at_tip: false,
                    });
                    s.shards.sort_by(|a, b| a.shard.cmp(&b.shard));
                    s.shards
                        .iter()
                        .position(|x| &x.shard == id)
                        .expect("just inserted")
                }
            };
            f(&mut s.shards[idx])
        })
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

enum Msg {
    /// Consecutive records of one shard, each with the budget permits it holds. Sent in chunks
    /// (not one message per record): per-record channel and semaphore traffic was a measurable
    /// part of the engine's CPU time (BENCHMARKS.md).
    Records(Vec<(SourceRecord, u32)>),
    ShardEnd(ShardId),
    Fatal(String),
}

/// Starts a pipeline. Returns once the clients are built; the run goes on in a task.
pub async fn start(
    config: PipelineConfig,
    password: Secret,
    options: EngineOptions,
) -> Result<EngineHandle, EngineError> {
    let source = KinesisSource::connect(&config.source).await?;
    let settings = StreamLoadSettings::from_sink(&config.sink, password)
        .map_err(|e| EngineError::Config(e.to_string()))?;
    let client = StreamLoadClient::new(settings).map_err(|e| EngineError::Config(e.to_string()))?;
    start_with(config, source, client, options).await
}

/// Starts a pipeline on clients built by the caller (tests, the demo).
pub async fn start_with(
    config: PipelineConfig,
    source: KinesisSource,
    client: StreamLoadClient,
    options: EngineOptions,
) -> Result<EngineHandle, EngineError> {
    // Configs built in code (the wizard, tests) are held to the file's rules: nothing the engine
    // cannot honour is accepted silently.
    if let Err(errors) = config.validate() {
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        return Err(EngineError::Config(text.join("; ")));
    }
    // Before anything touches the state dir: one engine per pipeline.
    let lock =
        crate::lock::PipelineLock::acquire(&config.state_dir, &config.name, &options.holder)?;
    let kpl_drop = config.source.kpl_out_of_range == KplOutOfRange::Drop;
    if kpl_drop {
        tracing::warn!(
            "source.kpl-out-of-range = \"drop\": KPL sub-records whose hash key lies outside their \
             shard's range are DROPPED (KCL's rule). Producers such as the kinesis-aggregation \
             libraries put such records in aggregates, and they exist nowhere else: every drop is \
             counted; remove the key to keep them"
        );
    }
    let source = source.with_kpl_out_of_range(config.source.kpl_out_of_range);
    let store = CheckpointStore::open(&config.state_dir, &config.name, &config.source.stream_name)?;
    let (cmd_tx, cmd_rx) = mpsc::channel(8);
    let mut first = Snapshot::new(&config.name);
    first.kpl_drops_out_of_range = kpl_drop;
    let (snap_tx, snap_rx) = watch::channel(first.clone());
    let (ev_tx, ev_rx) = mpsc::channel(4096);
    let shared = Arc::new(Shared {
        snap: Mutex::new(first),
        events: ev_tx,
        drained: Mutex::new(HashSet::new()),
        drained_notify: Notify::new(),
        discovery_passes: Default::default(),
        drain_count: Default::default(),
        ready_unstarted: Default::default(),
        stopping: watch::channel(false).0,
        stall_reported: Default::default(),
        discovery_stalled: Default::default(),
    });
    let run = Run {
        label_prefix: label_prefix(&config),
        format: BodyFormat::from_properties(&config.sink.properties),
        config,
        source: Arc::new(source),
        client: Arc::new(client),
        store,
        shared,
        snap_tx: Arc::new(snap_tx),
        options,
        replayed: 0,
        rows_loaded: 0,
        loads: 0,
        _lock: lock,
    };
    let join = tokio::spawn(run.run(cmd_rx));
    Ok(EngineHandle {
        commands: cmd_tx,
        snapshot: snap_rx,
        events: Some(ev_rx),
        join,
    })
}

/// `ks-<name>` unless the config sets `label-prefix`; labels are `<prefix>-<store id>-<batch no>`.
fn label_prefix(config: &PipelineConfig) -> String {
    let raw = config
        .sink
        .label_prefix
        .clone()
        .unwrap_or_else(|| format!("ks-{}", config.name));
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    cleaned
}

struct Run {
    config: PipelineConfig,
    source: Arc<KinesisSource>,
    client: Arc<StreamLoadClient>,
    store: CheckpointStore,
    shared: Arc<Shared>,
    snap_tx: Arc<watch::Sender<Snapshot>>,
    options: EngineOptions,
    label_prefix: String,
    format: BodyFormat,
    replayed: u64,
    rows_loaded: u64,
    loads: u64,
    /// Held until the run (and its final flush) is over.
    _lock: crate::lock::PipelineLock,
}

/// The result of one batch's load task.
struct LoadDone {
    intent: Intent,
    permits: u64,
    result: Result<LoadOutcome, LoadError>,
    started: Instant,
    body: bytes::Bytes,
    /// Where each row of `body` came from (for the dead-letter file).
    origins: RowOrigins,
}

impl Run {
    fn publish(&self) {
        let snap = self.shared.with(|s| s.clone());
        let _ = self.snap_tx.send(snap);
    }

    fn set_state(&self, state: PipelineState) {
        self.shared.with(|s| s.state = state);
        self.publish();
    }

    async fn run(
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
                    let snap = shared.with(|s| s.clone());
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
            self.shared.shard(&shard, |s| s.checkpoint = Some(pos));
        }
        let pending = self.store.pending_intents()?;
        if !pending.is_empty() {
            self.set_state(PipelineState::Recovering);
            tracing::info!(
                "replaying {} pending batch(es) from the last run",
                pending.len()
            );
            for intent in pending {
                self.replay(intent).await?;
            }
        }
        self.set_state(PipelineState::Running);

        let budget_bytes =
            (self.config.sink.buffer_flush.max_bytes.saturating_mul(2)).clamp(64 << 10, 1 << 34);
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
            .recording_origins(self.config.on_data_error == OnDataError::DeadLetter);
        let mut last_pos: HashMap<ShardId, ExtendedSeq> = self
            .store
            .checkpoint()
            .positions
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let mut inflight: Option<JoinHandle<LoadDone>> = None;
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
                done = async { inflight.as_mut().expect("guarded").await }, if inflight.is_some() => {
                    inflight = None;
                    if let Err(e) = self.finish_joined(done, &budget).await {
                        fatal = Some(e);
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
                    if inflight.is_none() && due
                        && let Err(e) = self.flush(&mut builder, &mut inflight, &budget).await {
                            fatal = Some(e);
                    }
                    let caught_up = self.caught_up(&builder, inflight.is_some(), rx.is_empty());
                    self.shared.with(|s| {
                        s.caught_up = caught_up;
                        s.buffered_bytes = budget_bytes.saturating_sub(budget.available_permits() as u64);
                        if matches!(s.state, PipelineState::Running | PipelineState::CatchingUp) {
                            let behind = s.max_lag_ms().is_some_and(|l| l > 60_000);
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
            if let Some(handle) = inflight.take() {
                handle.abort();
            }
            return Err(e);
        }
        if let Some(handle) = inflight.take() {
            self.settle(handle, &budget).await?
        }
        if !builder.is_empty() {
            self.flush(&mut builder, &mut inflight, &budget).await?;
            if let Some(handle) = inflight.take() {
                self.settle(handle, &budget).await?
            }
        }
        tracing::info!(
            "pipeline {} stopped: {}",
            self.config.name,
            stop_reason.unwrap_or("error")
        );
        Ok(())
    }

    /// Waits for a load task and handles its result.
    async fn settle(
        &mut self,
        handle: JoinHandle<LoadDone>,
        budget: &Arc<Semaphore>,
    ) -> Result<(), EngineError> {
        self.finish_joined(handle.await, budget).await
    }

    async fn finish_joined(
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

    /// Every shard read up to its tip (or its end), whatever is still buffered or loading.
    fn shards_at_tip(&self) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        if self.shared.discovery_passes.load(SeqCst) == 0
            || self.shared.ready_unstarted.load(SeqCst) > 0
        {
            return false;
        }
        self.shared.with(|s| {
            !s.shards.is_empty()
                && s.shards.iter().all(|sh| match sh.state {
                    ShardState::Done | ShardState::ShardEnd => true,
                    ShardState::Reading => sh.at_tip,
                    // A shard whose parents are still being read is not caught up.
                    ShardState::WaitingOnParents | ShardState::Initializing => false,
                })
        })
    }

    /// Closes the current batch and starts its load (after the previous load is confirmed).
    async fn flush(
        &mut self,
        builder: &mut BatchBuilder,
        inflight: &mut Option<JoinHandle<LoadDone>>,
        budget: &Arc<Semaphore>,
    ) -> Result<(), EngineError> {
        if builder.is_empty() {
            return Ok(());
        }
        if let Some(handle) = inflight.take() {
            self.settle(handle, budget).await?
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
            bytes: batch.body.len() as u64,
            created_ms: now_ms(),
            kpl_drops_out_of_range: self.config.source.kpl_out_of_range == KplOutOfRange::Drop,
        };
        if batch.rows == 0 {
            // Nothing to load (only malformed records or shard ends): advance directly.
            self.store.confirm(&intent)?;
            budget.add_permits(batch.permits as usize);
            self.after_confirm(&intent);
            return Ok(());
        }
        self.store.write_intent(&intent)?;
        *inflight = Some(self.spawn_load(intent, batch));
        Ok(())
    }

    /// Malformed records: stop with a clear error, or set them aside in the dead-letter dir.
    fn handle_malformed(&mut self, batch: &Batch) -> Result<(), EngineError> {
        if batch.malformed.is_empty() {
            return Ok(());
        }
        for m in &batch.malformed {
            self.shared.emit(Event::RecordMalformed {
                shard: m.shard.clone(),
                position: m.position,
                reason: m.reason.clone(),
            });
            self.shared.error(
                format!("record {}/{}", m.shard, m.position),
                None,
                m.reason.clone(),
                None,
                vec![preview(&m.data)],
            );
        }
        self.shared
            .with(|s| s.totals.records_malformed += batch.malformed.len() as u64);
        match self.config.on_data_error {
            OnDataError::Stop => {
                let m = &batch.malformed[0];
                Err(EngineError::Data(format!(
                    "record {} in {} ({}) cannot be loaded: {}. Fix the producer, or set \
                     on-data-error = \"dead-letter\" to set such records aside in {}/dead-letter and go on",
                    m.position,
                    m.shard,
                    preview(&m.data),
                    m.reason,
                    self.config.state_dir.display()
                )))
            }
            OnDataError::DeadLetter => {
                let first = &batch.malformed[0];
                let name = format!("malformed-{}-{}", first.shard, first.position);
                let path = write_dead_letter(&self.config.state_dir, &name, &batch.malformed)?;
                self.shared.dead_lettered(
                    &name,
                    batch.malformed.len() as u64,
                    &path,
                    &first.reason,
                    None,
                );
                Ok(())
            }
        }
    }

    fn spawn_load(&self, intent: Intent, batch: Batch) -> JoinHandle<LoadDone> {
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
            let result = load_until_done(&client, &intent, body.clone(), policy, &shared).await;
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
    async fn finish_load(
        &mut self,
        done: LoadDone,
        budget: &Arc<Semaphore>,
    ) -> Result<(), EngineError> {
        let LoadDone {
            intent,
            permits,
            result,
            started,
            body,
            origins,
        } = done;
        match result {
            Ok(outcome) => {
                self.store.confirm(&intent)?;
                budget.add_permits(permits as usize);
                self.record_success(&intent, &outcome, started.elapsed());
                self.after_confirm(&intent);
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
                        let rows = split_body(&self.format, &body);
                        let path = write_dead_letter_rows(
                            &self.config.state_dir,
                            &intent.label,
                            &rows,
                            &origins,
                            message,
                            error_lines,
                        )?;
                        self.store.confirm(&intent)?;
                        budget.add_permits(permits as usize);
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
                                ms: started.elapsed().as_millis() as u64,
                                status: "DeadLettered".into(),
                                finished_ms: now_ms(),
                            }),
                        );
                        self.after_confirm(&intent);
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
            _ => outcome.loaded_rows,
        };
        self.rows_loaded += loaded_rows;
        self.loads += 1;
        let summary = LoadSummary {
            label: intent.label.clone(),
            rows: intent.rows,
            bytes: intent.bytes,
            loaded_rows,
            filtered_rows: outcome.filtered_rows,
            ms: elapsed.as_millis() as u64,
            status: format!("{:?}", outcome.status),
            finished_ms: now_ms(),
        };
        tracing::debug!(
            "loaded {} ({} rows, {} filtered, {} bytes, {} ms, {:?})",
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
            s.totals.rows_filtered += outcome.filtered_rows;
            s.totals.loads_ok += 1;
            s.recent_loads.push_front(summary.clone());
            s.recent_loads.truncate(RECENT_LOADS);
        });
        if outcome.filtered_rows > 0 {
            self.shared.error(
                format!("load {}", intent.label),
                Some("Success".into()),
                format!("{} row(s) filtered by StarRocks", outcome.filtered_rows),
                outcome.error_url.clone(),
                outcome.error_lines.clone(),
            );
            self.shared.emit(Event::RowsFiltered {
                label: intent.label.clone(),
                rows: outcome.filtered_rows,
                error_lines: outcome.error_lines.clone(),
            });
        }
        self.shared.emit(Event::BatchLoaded { summary });
    }

    /// After a batch is settled (loaded, dead-lettered or empty): checkpoints shown, a stall over.
    fn after_confirm(&self, intent: &Intent) {
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
            tracing::info!("loads succeed again: {} settled", intent.label);
            self.shared.emit(Event::Recovered);
        }
        for (shard, range) in &intent.ranges {
            self.shared
                .shard(shard, |s| s.checkpoint = Some(range.last));
        }
        for shard in &intent.shards_ended {
            self.shared.shard(shard, |s| s.state = ShardState::Done);
        }
    }

    /// Re-reads a pending intent's ranges and loads them again under the same label.
    async fn replay(&mut self, intent: Intent) -> Result<(), EngineError> {
        let shards = self.source.list_shards().await?;
        // Re-read the batch with the KPL rule it was read with, or the counts would differ.
        let source =
            (*self.source)
                .clone()
                .with_kpl_out_of_range(if intent.kpl_drops_out_of_range {
                    KplOutOfRange::Drop
                } else {
                    KplOutOfRange::Keep
                });
        let by_id: HashMap<&ShardId, &ShardInfo> = shards.iter().map(|s| (&s.id, s)).collect();
        let mut builder = BatchBuilder::new(self.format.clone())
            .recording_origins(self.config.on_data_error == OnDataError::DeadLetter);
        for (shard, range) in &intent.ranges {
            let info = by_id.get(shard).ok_or_else(|| EngineError::Replay {
                label: intent.label.clone(),
                reason: format!(
                    "shard {shard} is no longer in the stream (its records are past the retention period); \
                     the batch cannot be re-read. Remove {} to skip it",
                    self.store.dir().join("intents").display()
                ),
            })?;
            let start = match range.after {
                Some(after) => StartPosition::After(after),
                None => StartPosition::At(range.first),
            };
            let stats = Arc::new(ShardStats::default());
            let mut reader = source.reader(info, start, stats);
            let mut found = 0u64;
            let mut prev = range.after;
            'read: loop {
                let batch = reader.next_batch().await.map_err(|e| EngineError::Replay {
                    label: intent.label.clone(),
                    reason: e.to_string(),
                })?;
                let empty = batch.records.is_empty();
                for rec in batch.records {
                    if rec.position > range.last {
                        break 'read;
                    }
                    found += 1;
                    builder.push(
                        Row {
                            shard: rec.shard,
                            position: rec.position,
                            data: rec.data,
                        },
                        prev,
                    );
                    prev = Some(rec.position);
                    if rec.position == range.last {
                        break 'read;
                    }
                }
                if batch.shard_end || (empty && batch.millis_behind_latest.unwrap_or(0) == 0) {
                    break;
                }
            }
            if found != range.records {
                return Err(EngineError::Replay {
                    label: intent.label.clone(),
                    reason: format!(
                        "shard {shard} gave {found} of the batch's {} records between {} and {} \
                         (records past the stream's retention period cannot be re-read)",
                        range.records, range.first, range.last
                    ),
                });
            }
        }
        for shard in &intent.shards_ended {
            builder.shard_ended(shard.clone());
        }
        let batch = builder.take();
        self.handle_malformed(&batch)?;
        tracing::info!(
            "replaying {} ({} rows) under its label",
            intent.label,
            batch.rows
        );
        let policy = RetryPolicy::from_sink(&self.config.sink);
        let started = Instant::now();
        let result = if batch.rows == 0 {
            self.store.confirm(&intent)?;
            self.after_confirm(&intent);
            self.replayed += 1;
            return Ok(());
        } else {
            load_until_done(
                &self.client,
                &intent,
                batch.body.clone(),
                policy,
                &self.shared,
            )
            .await
        };
        let budget = Arc::new(Semaphore::new(0));
        self.finish_load(
            LoadDone {
                intent,
                permits: 0,
                result,
                started,
                body: batch.body,
                origins: batch.origins,
            },
            &budget,
        )
        .await?;
        self.replayed += 1;
        Ok(())
    }
}

/// Loads a batch, retrying transient failures without end (showing the pipeline as stalled),
/// until it is confirmed or fails for a reason retrying cannot fix.
async fn load_until_done(
    client: &StreamLoadClient,
    intent: &Intent,
    body: bytes::Bytes,
    policy: RetryPolicy,
    shared: &Shared,
) -> Result<LoadOutcome, LoadError> {
    let label = ks_core::Label::new(intent.label.clone()).map_err(|m| LoadError::Protocol {
        label: intent.label.clone(),
        node: String::new(),
        message: m,
    })?;
    let mut round = 0u32;
    let mut stopping = shared.stopping.subscribe();
    loop {
        let attempt = client.load_with_retries(&label, body.clone(), policy, |report| {
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
                        Some(d) => tracing::info!(
                            "load {} attempt {} failed: {}; retrying in {} ms",
                            intent.label,
                            report.attempt,
                            report.error,
                            d.as_millis()
                        ),
                        None => tracing::info!(
                            "load {} attempt {} failed: {}; stalled after {} attempts (max-retries), \
                             retrying with a longer wait until StarRocks answers",
                            intent.label,
                            report.attempt,
                            report.error,
                            report.attempt
                        ),
                    }
                }
                (false, _) => tracing::info!(
                    "load {} attempt {} refused: {}; not retried (the same rows would be refused again)",
                    intent.label,
                    report.attempt,
                    report.error
                ),
            }
        });
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
                );
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

/// How many of StarRocks' error lines an error's log line carries (the errors panel has them all).
const LOGGED_ERROR_LINES: usize = 5;

/// The error a stopped, unconfirmed load ends with (retryable: it is replayed next start).
fn stopped_error(intent: &Intent, reason: &str) -> LoadError {
    LoadError::Transient {
        label: intent.label.clone(),
        node: String::new(),
        reason: reason.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn shard_manager(
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
                        let state = if finished.contains(&s.id) {
                            ShardState::Done
                        } else {
                            ShardState::WaitingOnParents
                        };
                        shared.shard(&s.id, |x| {
                            if x.state == ShardState::WaitingOnParents {
                                x.state = state;
                            }
                        });
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
                    shared.shard(id, |x| x.state = ShardState::Initializing);
                    shared.emit(Event::ShardStarted { shard: id.clone() });
                    tracing::info!("reading {id} from {start:?}");
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
                shared.ready_unstarted.store(0, SeqCst);
                shared.discovery_passes.fetch_add(1, SeqCst);
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
            shared.ready_unstarted.store(1, SeqCst);
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
    shared.shard(&id, |s| s.state = ShardState::Reading);
    let mut backoff_ms = 500u64;
    loop {
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
                let (throttled_before, calls_before, kpl_before) = shared.shard(&id, |s| {
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
                    s.at_tip = n == 0 && batch.millis_behind_latest.unwrap_or(0) == 0;
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
                        tracing::warn!(
                            "{id}: {} KPL sub-record(s) outside the shard's hash-key range DROPPED \
                             (kpl-out-of-range = \"drop\"); they exist nowhere else in the stream",
                            st.subrecords_dropped
                        );
                    } else {
                        tracing::info!(
                            "{id}: KPL aggregates hold sub-records whose partition keys hash outside \
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
                // In chunks: at most CHUNK_RECORDS records and an eighth of the budget each, so
                // the batcher can always fill a batch while the previous one loads.
                let chunk_bytes = u64::from((max_permit / 8).max(1));
                let mut records = batch.records.into_iter().peekable();
                while records.peek().is_some() {
                    let mut chunk = Vec::with_capacity(CHUNK_RECORDS.min(records.len()));
                    let mut want_total = 0u64;
                    while let Some(record) = records.peek() {
                        let want = u32::try_from(record.data.len())
                            .unwrap_or(u32::MAX)
                            .clamp(1, max_permit);
                        if !chunk.is_empty()
                            && (chunk.len() >= CHUNK_RECORDS
                                || want_total + u64::from(want) > chunk_bytes)
                        {
                            break;
                        }
                        want_total += u64::from(want);
                        chunk.extend(records.next().map(|r| (r, want)));
                    }
                    // ≤ max_permit: one record's want, or several within chunk_bytes.
                    let want_total = u32::try_from(want_total).unwrap_or(max_permit);
                    let permit = tokio::select! {
                        p = budget.clone().acquire_many_owned(want_total) => p,
                        _ = cancel.changed() => return,
                    };
                    let Ok(permit) = permit else { return };
                    permit.forget();
                    if tx.send(Msg::Records(chunk)).await.is_err() {
                        return;
                    }
                }
                if batch.shard_end {
                    let _ = tx.send(Msg::ShardEnd(id.clone())).await;
                    shared.shard(&id, |s| {
                        s.state = ShardState::ShardEnd;
                        s.at_tip = true;
                        // Nothing is left behind on a drained shard (kinesalite reports a
                        // non-zero MillisBehindLatest in the last GetRecords of a closed shard).
                        s.millis_behind_latest = Some(0);
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

/// Puts a record read from Kinesis into the batch, with the position before it in its shard.
fn add_record(
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

fn preview(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(&data[..data.len().min(200)]).into_owned();
    let escaped: String = text.escape_debug().collect();
    if data.len() > 200 {
        format!("{escaped}…")
    } else {
        escaped
    }
}

/// Splits a body back into its rows (for the dead-letter file).
fn split_body(format: &BodyFormat, body: &[u8]) -> Vec<Vec<u8>> {
    match format {
        BodyFormat::Json => {
            match serde_json::from_slice::<Vec<Box<serde_json::value::RawValue>>>(body) {
                Ok(rows) => rows
                    .into_iter()
                    .map(|r| r.get().as_bytes().to_vec())
                    .collect(),
                Err(_) => vec![body.to_vec()],
            }
        }
        BodyFormat::Csv { row_delimiter } => {
            let mut rows = Vec::new();
            let mut start = 0;
            let mut i = 0;
            while i + row_delimiter.len() <= body.len() {
                if &body[i..i + row_delimiter.len()] == row_delimiter.as_slice() {
                    rows.push(body[start..i].to_vec());
                    i += row_delimiter.len();
                    start = i;
                } else {
                    i += 1;
                }
            }
            if start < body.len() {
                rows.push(body[start..].to_vec());
            }
            rows
        }
    }
}

fn dead_letter_dir(state_dir: &std::path::Path) -> Result<std::path::PathBuf, EngineError> {
    let dir = state_dir.join("dead-letter");
    std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}

/// `dead-letter/<name>.jsonl`: one line per record, with its shard, sequence number and reason.
/// Returns the file's path.
fn write_dead_letter(
    state_dir: &std::path::Path,
    name: &str,
    records: &[Malformed],
) -> Result<std::path::PathBuf, EngineError> {
    let dir = dead_letter_dir(state_dir)?;
    let mut out = Vec::new();
    for m in records {
        let line = serde_json::json!({
            "shard": m.shard.0,
            "sequence": m.position.seq.to_string(),
            "sub_sequence": m.position.sub,
            "reason": m.reason,
            "data": String::from_utf8_lossy(&m.data),
        });
        out.extend_from_slice(line.to_string().as_bytes());
        out.push(b'\n');
    }
    let path = dir.join(format!("{}.jsonl", sanitize(name)));
    crate::checkpoint::write_atomic(&path, &out)?;
    Ok(path)
}

/// `dead-letter/<label>.jsonl`: a header line (label, reason, StarRocks' error lines), then one
/// line per row with the shard and sequence number it was read at. Returns the file's path.
fn write_dead_letter_rows(
    state_dir: &std::path::Path,
    label: &str,
    rows: &[Vec<u8>],
    origins: &RowOrigins,
    reason: &str,
    error_lines: &[String],
) -> Result<std::path::PathBuf, EngineError> {
    let dir = dead_letter_dir(state_dir)?;
    let mut out = Vec::new();
    let header = serde_json::json!({"label": label, "reason": reason, "error_lines": error_lines});
    out.extend_from_slice(header.to_string().as_bytes());
    out.push(b'\n');
    // Rows and origins line up unless a body could not be split back into its rows.
    let aligned = rows.len() == origins.len();
    for (i, r) in rows.iter().enumerate() {
        let mut line = serde_json::json!({"row": String::from_utf8_lossy(r)});
        if let Some((shard, position)) = origins.get(i).filter(|_| aligned) {
            line["shard"] = serde_json::json!(shard.0);
            line["sequence"] = serde_json::json!(position.seq.to_string());
            line["sub_sequence"] = serde_json::json!(position.sub);
        }
        out.extend_from_slice(line.to_string().as_bytes());
        out.push(b'\n');
    }
    let path = dir.join(format!("{}.jsonl", sanitize(label)));
    crate::checkpoint::write_atomic(&path, &out)?;
    Ok(path)
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
