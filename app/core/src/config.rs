//! The pipeline config: one TOML file per pipeline (DESIGN.md §3). Sink keys use
//! flink-connector-starrocks' property names so a Flink job's properties carry over unchanged.
//!
//! The struct shapes here are the contract the CLI, the GUI, the engine and the tests share.

use crate::domain::InitialPosition;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A whole pipeline config.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineConfig {
    /// Pipeline name: the checkpoint key and the label prefix derive from it.
    pub name: String,
    /// Checkpoints, intents and dead letters (default: the XDG data dir, per pipeline).
    pub state_dir: PathBuf,
    pub source: SourceConfig,
    pub sink: SinkConfig,
    pub network: NetworkConfig,
    pub on_data_error: OnDataError,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    /// Stream name (an ARN given in the config is split into name + ARN).
    pub stream_name: String,
    pub stream_arn: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub initial_position: InitialPosition,
    pub initial_timestamp: Option<DateTime<Utc>>,
    pub reader: ReaderKind,
    /// Every AWS call is bounded by this (the SDK has no default timeout).
    pub operation_timeout_ms: u64,
    /// How often ListShards runs again to find new shards (on-demand streams reshard by themselves).
    pub discovery_interval_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReaderKind {
    #[default]
    Polling,
    /// Enhanced fan-out: registers a billable consumer, so opt-in.
    Efo,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SinkConfig {
    /// `jdbc:mysql://host:port` (optional for `run`: without it the schema check is skipped).
    pub jdbc_url: Option<JdbcUrl>,
    /// One or more FE (or BE) HTTP endpoints (`;`-separated in the file), `http://` added if no scheme.
    pub load_urls: Vec<LoadUrl>,
    pub username: String,
    /// `password-file`: first of the three password sources (then `STARROCKS_PASSWORD`, then the keyring).
    pub password_file: Option<PathBuf>,
    pub database_name: String,
    pub table_name: String,
    pub ssl_mode: SslMode,
    pub buffer_flush: BufferFlush,
    /// Every `properties.*` key, passed through as a Stream Load header (`format`, `jsonpaths`, …).
    pub properties: BTreeMap<String, String>,
    /// `label-prefix` (default: derived from the pipeline name).
    pub label_prefix: Option<String>,
    pub connect_timeout_ms: u64,
    /// Whole-request timeout for one Stream Load attempt.
    pub socket_timeout_ms: u64,
    /// Retries of transient failures before the pipeline reports itself stalled (it keeps retrying).
    pub max_retries: u32,
    pub retry_interval_ms: u64,
    /// How many loads may be in flight at once (the checkpoint advances over the confirmed prefix).
    pub max_inflight_loads: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JdbcUrl {
    pub host: String,
    pub port: u16,
    /// As written in the config, for messages.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadUrl {
    /// `http` or `https`.
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// `scheme://host:port` without a trailing slash.
    pub base: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    Disabled,
    #[default]
    Preferred,
    Required,
    VerifyCa,
    VerifyIdentity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferFlush {
    pub max_bytes: u64,
    pub max_rows: u64,
    pub interval_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkConfig {
    /// `[network] security-group-ids`: the cluster's groups (else discovered from its addresses).
    pub security_group_ids: Vec<String>,
    /// `[network] egress-ip`: this machine's public address (else detected).
    pub egress_ip: Option<String>,
}

/// What a batch that fails for data reasons does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDataError {
    /// Stop the pipeline with a clear error (default).
    #[default]
    Stop,
    /// Write the batch and its reasons to `state-dir/dead-letter/` and go on.
    DeadLetter,
}
