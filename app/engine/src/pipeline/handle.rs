//! Starting a run, and the handle the outside holds on it: commands in, snapshot and events out;
//! the run's errors and summary.

use super::main_loop::Run;
use super::shared::Shared;
use crate::batch::BodyFormat;
use crate::checkpoint::{CheckpointStore, StoreError};
use crate::shard_state::ShardTable;
use crate::snapshot::{Command, Event, Snapshot};
use ks_core::config::{EfoConsumer, KplOutOfRange, ReaderKind};
use ks_core::{PipelineConfig, Secret};
use ks_kinesis::KinesisSource;
use ks_starrocks::{LoadError, StreamLoadClient, StreamLoadSettings};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, mpsc, watch};
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

impl EngineOptions {
    /// The defaults, stopping once every open shard has been read to its tip and loaded (`run
    /// --stop-when-caught-up`, tests, benchmarks).
    pub fn until_caught_up() -> EngineOptions {
        EngineOptions {
            stop_when_caught_up: true,
            ..Default::default()
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
    /// Rows the `where` property left out.
    pub rows_unselected: u64,
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
        if self.rows_unselected > 0 {
            write!(
                f,
                ", {} left out by the where property",
                self.rows_unselected
            )?;
        }
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
        tracing::warn!(target: super::LOG, "source.kpl-out-of-range = \"drop\": KPL sub-records whose hash key lies outside their \
             shard's range are DROPPED (KCL's rule). Producers such as the kinesis-aggregation \
             libraries put such records in aggregates, and they exist nowhere else: every drop is \
             counted; remove the key to keep them"
        );
    }
    let limits = source.reader_options();
    if limits.max_calls_per_second == 0 && limits.max_bytes_per_second == 0 {
        tracing::info!(target: super::LOG, "source.read-limits = \"none\": each shard is read as fast as the endpoint answers, \
             without AWS's 5 GetRecords/s and 2 MiB/s per shard (right for emulators and test rigs; \
             on AWS, Kinesis throttles the excess and the reader backs off)"
        );
    }
    let (source, efo_consumer) = match config.source.reader {
        ReaderKind::Polling => (source, None),
        ReaderKind::Efo => {
            let name = config.efo_consumer_name();
            let active = source
                .ensure_consumer(&name, ks_kinesis::CONSUMER_ACTIVE_TIMEOUT)
                .await?;
            tracing::info!(target: super::LOG,
                "enhanced fan-out: consumer {name} ({}) is ACTIVE, {}; AWS bills it per \
                 consumer-shard-hour and per GB read{}",
                active.consumer.arn,
                if active.registered_now { "registered now" } else { "reused" },
                match config.source.efo_consumer {
                    EfoConsumer::Pipeline => ", until it is deregistered (deleting the pipeline in the app does that)",
                    EfoConsumer::Keep => " for as long as it stays registered (efo-consumer = \"keep\")",
                }
            );
            (source.with_fanout(active.consumer.arn), Some(name))
        }
    };
    let format = BodyFormat::from_properties(&config.sink.properties);
    // Each payload decoded with the body's separator after it: batches send runs of records as
    // slices of the answers' buffers instead of copies.
    let source = source
        .with_kpl_out_of_range(config.source.kpl_out_of_range)
        .with_record_separator(Some(format.separator().to_vec()));
    let store = CheckpointStore::open(&config.state_dir, &config.name, &config.source.stream_name)?;
    let (cmd_tx, cmd_rx) = mpsc::channel(8);
    let mut first = Snapshot::new(&config.name);
    first.kpl_drops_out_of_range = kpl_drop;
    first.efo_consumer = efo_consumer;
    let (snap_tx, snap_rx) = watch::channel(first.clone());
    let (ev_tx, ev_rx) = mpsc::channel(4096);
    let shared = Arc::new(Shared {
        snap: Mutex::new(first),
        shards: Mutex::new(ShardTable::default()),
        events: ev_tx,
        drained: Mutex::new(HashSet::new()),
        drained_notify: Notify::new(),
        drain_count: Default::default(),
        stopping: watch::channel(false).0,
        stall_reported: Default::default(),
        discovery_stalled: Default::default(),
    });
    let run = Run {
        label_prefix: config.label_prefix(),
        format,
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
