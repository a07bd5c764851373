//! The only way the UI reaches the world: typed requests to the backend (the desktop binary's
//! tokio runtime thread) and its replies. No I/O happens in this crate.
//!
//! Requests that expect an answer carry a [`Ticket`]; the reply echoes it so a screen can ignore
//! answers to questions it no longer asks (the user edited a field and pressed Test again).

use ks_core::snapshot::{Event, Snapshot};
use ks_core::{PipelineConfig, Secret};

pub use crate::wizard::protocol::{WizardReply, WizardRequest};

pub type Ticket = u64;

/// The rates the demo producer offers (records/s): slow enough to follow row by row, fast enough
/// to watch batches fill and the plot move.
pub const DEMO_RECORDS_PER_S: std::ops::RangeInclusive<u64> = 10..=2_000;

/// UI → backend.
#[derive(Debug, Clone)]
pub enum Request {
    /// A wizard step's question (checks, streams, samples, tables, DDL, …).
    Wizard {
        ticket: Ticket,
        request: WizardRequest,
    },
    /// Save a pipeline: its config file (never the password) and the password in the OS keyring
    /// (kept in memory for this session when no keyring is reachable; the reply says so).
    Save {
        ticket: Ticket,
        name: String,
        config: Box<PipelineConfig>,
        password: Option<Secret>,
    },
    /// Start the named saved pipeline's engine.
    Start { name: String },
    /// Stop it: flush, confirm, checkpoint.
    Stop { name: String },
    /// The saved pipelines (and the demo's, while the demo runs): answered by [`Reply::Pipelines`].
    ListPipelines,
    /// Delete a saved pipeline's config file (its keyring entry stays: other pipelines may share
    /// the account). Refused while it runs.
    Delete { name: String },
    /// Start the local demo (ferrokinesis, the StarRocks stand-in, a stock-ticker producer, all on
    /// 127.0.0.1): answered by [`Reply::DemoReady`] or [`Reply::Error`] ([`BackendError::DemoFailed`]).
    StartDemo,
    /// Stop the demo's pipeline (if running), the producer and the local services.
    StopDemo,
    /// The demo producer's rate, within [`DEMO_RECORDS_PER_S`] (no answer: the plot shows it).
    SetDemoRate { records_per_s: u64 },
    /// Write `config` as a Managed Service for Apache Flink application into `out_dir`
    /// (docs/flink-export.md): answered by [`Reply::FlinkExport`]. `password` reads the table's
    /// columns from the cluster; `None`: the one pipeline `name` starts with (typed in this
    /// session, `password-file`, the environment, the OS keyring).
    ExportFlink {
        ticket: Ticket,
        name: String,
        config: Box<PipelineConfig>,
        password: Option<Secret>,
        out_dir: std::path::PathBuf,
    },
}

/// What the monitor and the pipeline list show about a pipeline's engine.
#[derive(Debug, Clone, PartialEq)]
pub enum RunStatus {
    /// Not running in this session.
    Idle,
    /// Running: its latest state.
    Running(ks_core::snapshot::PipelineState),
    /// The last run ended: how.
    Ended(Result<String, String>),
}

/// One pipeline in the list.
#[derive(Debug, Clone)]
pub struct PipelineEntry {
    pub name: String,
    /// The config file (or why it could not be read: the list still shows it).
    pub config: Result<PipelineConfig, String>,
    pub path: std::path::PathBuf,
    /// A pipeline of the local demo (kept in a temporary directory, never with the saved ones).
    pub demo: bool,
    pub status: RunStatus,
    /// Another engine (a `kinesis-starrocks run`, another window) holds the pipeline's lock:
    /// who, e.g. "pid 4242 on host, since 10:02:11, kinesis-starrocks run". Start stays disabled.
    pub held_elsewhere: Option<String>,
}

/// Backend → UI.
#[derive(Debug, Clone)]
pub enum Reply {
    Wizard {
        ticket: Ticket,
        reply: WizardReply,
    },
    /// Answer to [`Request::Save`].
    Saved {
        ticket: Ticket,
        name: String,
        result: Result<SaveInfo, String>,
    },
    /// The latest snapshot of a running (or just stopped) pipeline.
    Snapshot {
        name: String,
        snapshot: Box<Snapshot>,
    },
    /// One engine event (plots, notifications, the errors panel).
    Event {
        name: String,
        event: Event,
    },
    /// Answer to [`Request::ListPipelines`] (also sent unasked after a save, a delete, a start or
    /// a stop).
    Pipelines(Vec<PipelineEntry>),
    /// The engine of `name` started.
    Started {
        name: String,
    },
    /// The engine of `name` ended: `Ok(summary)` after a stop, `Err(why)` when it failed (also a
    /// start that failed).
    Ended {
        name: String,
        result: Result<String, String>,
    },
    /// The local demo is up: a pipeline config against it (not saved yet) for the wizard.
    DemoReady {
        name: String,
        config: Box<PipelineConfig>,
        password: Secret,
        /// The demo producer's rate now (records/s).
        records_per_s: u64,
    },
    /// Answer to [`Request::ExportFlink`]: what was written, or why nothing was (one line naming
    /// the setting, file, host or table at fault).
    FlinkExport {
        ticket: Ticket,
        result: Result<FlinkExportDone, String>,
    },
    /// A request failed before it reached anything that could answer it.
    Error(BackendError),
}

/// What failed before anything could answer it: the UI tells the user and, for the demo, stops
/// waiting for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendError {
    /// The local demo's services did not start.
    DemoFailed(String),
    /// Deleting saved pipeline `name` failed.
    DeleteFailed { name: String, message: String },
    /// A wizard request reached a handler that does not answer it (a bug in the app).
    Unanswered(String),
}

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BackendError::DemoFailed(m) => write!(f, "local demo: {m}"),
            BackendError::DeleteFailed { name, message } => write!(f, "delete {name}: {message}"),
            BackendError::Unanswered(m) => write!(f, "wizard: {m}"),
        }
    }
}

/// Requests the UI may queue before `send` waits: the backend hands each to a task at once, so
/// the queue fills only if the backend thread is stuck.
pub const REQUEST_QUEUE: usize = 256;
/// Replies the backend may queue before the UI drains them (every frame; an unwatched window
/// paints once a second, when 4 snapshots and a few events wait). When it is full,
/// snapshots are dropped (the next one supersedes them) and other replies wait for room.
pub const REPLY_QUEUE: usize = 1024;

/// Where a saved pipeline went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveInfo {
    /// The config file written.
    pub path: std::path::PathBuf,
    /// Set when the password could not go to the OS keyring (why, and that it is kept in memory
    /// for this session only).
    pub keyring_warning: Option<String>,
}

/// What a Flink export wrote (the answer to [`Request::ExportFlink`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlinkExportDone {
    /// The folder written.
    pub dir: std::path::PathBuf,
    /// Its files, relative to `dir`, in the order written.
    pub files: Vec<String>,
    /// Settings the user set that do not carry over to Flink: "key: why".
    pub warnings: Vec<String>,
    /// Every setting that does not carry over (defaults included): "key: why".
    pub notes: Vec<String>,
    /// The next commands: build the jar, then the README's upload, create and start.
    pub next_steps: String,
    /// The job's parallelism (the stream's open shards).
    pub parallelism: u32,
}

/// How the UI sends requests. The backend wakes the UI after each reply it queues
/// ([`crate::frame_pace::FramePace::wake`]).
#[derive(Clone)]
pub struct BackendLink {
    pub requests: std::sync::mpsc::SyncSender<Request>,
    next_ticket: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl BackendLink {
    pub fn new(requests: std::sync::mpsc::SyncSender<Request>) -> BackendLink {
        BackendLink {
            requests,
            next_ticket: Default::default(),
        }
    }

    /// A fresh ticket for a request that expects a reply.
    pub fn ticket(&self) -> Ticket {
        self.next_ticket
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    }

    /// Sends; a closed backend (the app is shutting down) is not an error worth showing.
    pub fn send(&self, request: Request) {
        let _ = self.requests.send(request);
    }

    /// Sends a wizard request under a fresh ticket and returns the ticket.
    pub fn wizard(&self, request: WizardRequest) -> Ticket {
        let ticket = self.ticket();
        self.send(Request::Wizard { ticket, request });
        ticket
    }
}
