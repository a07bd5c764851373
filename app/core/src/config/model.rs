//! The config's data model: the structs and enums every crate shares, their defaults and limits.

use crate::domain::InitialPosition;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Default values of the optional keys.
pub mod defaults {
    /// `sink.buffer-flush.max-bytes`: 64 MiB.
    pub const BUFFER_FLUSH_MAX_BYTES: u64 = 64 * 1024 * 1024;
    /// `sink.buffer-flush.max-rows`.
    pub const BUFFER_FLUSH_MAX_ROWS: u64 = 500_000;
    /// `sink.buffer-flush.interval-ms`.
    pub const BUFFER_FLUSH_INTERVAL_MS: u64 = 5_000;
    /// `source.operation-timeout-ms`.
    pub const OPERATION_TIMEOUT_MS: u64 = 30_000;
    /// `source.discovery-interval-ms`.
    pub const DISCOVERY_INTERVAL_MS: u64 = 30_000;
    /// `sink.connect-timeout-ms`.
    pub const CONNECT_TIMEOUT_MS: u64 = 10_000;
    /// `sink.socket-timeout-ms`.
    pub const SOCKET_TIMEOUT_MS: u64 = 600_000;
    /// `sink.max-retries`.
    pub const MAX_RETRIES: u32 = 10;
    /// `sink.retry-interval-ms`.
    pub const RETRY_INTERVAL_MS: u64 = 1_000;
    /// `sink.max-inflight-loads`: one batch loads while the next is prepared; their commits keep
    /// the batch order (the transaction API).
    pub const MAX_INFLIGHT_LOADS: usize = 2;
}

/// Longest pipeline name (it goes into labels, which StarRocks caps at 128 characters).
pub const MAX_NAME_LEN: usize = 40;
/// Longest `label-prefix` (the engine appends a store id and a batch counter).
pub const MAX_LABEL_PREFIX_LEN: usize = 64;
/// StarRocks' `streaming_load_max_mb` default: one load should stay below 10 GB.
pub const MAX_BUFFER_FLUSH_BYTES: u64 = 10 * 1024 * 1024 * 1024;
/// The connector's upper bound for `buffer-flush.interval-ms` (one hour).
pub const MAX_BUFFER_FLUSH_INTERVAL_MS: u64 = 3_600_000;

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
    /// `efo-consumer`: what becomes of the enhanced fan-out consumer when the pipeline is deleted.
    pub efo_consumer: EfoConsumer,
    /// `efo-consumer-name` (default: derived from the pipeline name, [`PipelineConfig::efo_consumer_name`]).
    pub efo_consumer_name: Option<String>,
    /// `read-limits`: AWS's per-shard GetRecords limits on the client side, or none (emulators).
    pub read_limits: ReadLimits,
    /// `kpl-out-of-range`: what happens to KPL sub-records whose hash key lies outside the shard.
    pub kpl_out_of_range: KplOutOfRange,
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

/// `source.efo-consumer`: the lifecycle of the enhanced fan-out consumer (billed per
/// consumer-shard-hour for as long as it is registered, read or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EfoConsumer {
    /// Deregistered when the pipeline is deleted (default): no bill outlives the pipeline.
    #[default]
    Pipeline,
    /// Left registered (shared with another reader, or kept for a re-created pipeline).
    Keep,
}

/// `source.read-limits`: client-side rate limits per shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadLimits {
    /// AWS's limits: 5 GetRecords calls and 2 MiB a second per shard (default).
    #[default]
    Aws,
    /// No client-side limits (emulators, benchmarks); Kinesis' own throttling still applies.
    None,
}

/// `source.kpl-out-of-range`: KPL sub-records whose hash key lies outside the shard's range.
///
/// An aggregate lands in exactly one shard, routed by its own partition key; producers such as
/// the kinesis-aggregation libraries pack sub-records with other keys into it. Those sub-records
/// exist nowhere else, so dropping them (KCL's rule) loses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KplOutOfRange {
    /// Keep them (default); they are counted per shard.
    #[default]
    Keep,
    /// Drop them, as KCL does; every dropped record is counted and shown.
    Drop,
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
    /// `ssl-ca`: a PEM file with the CA certificate(s) to trust, for `ssl-mode = "verify-ca"` /
    /// `"verify-identity"` against a private CA and for an HTTPS `load-url` with a private CA.
    /// Public CAs (CelerData's Let's Encrypt certificates) need nothing here.
    pub ssl_ca: Option<PathBuf>,
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

impl Default for BufferFlush {
    fn default() -> Self {
        BufferFlush {
            max_bytes: defaults::BUFFER_FLUSH_MAX_BYTES,
            max_rows: defaults::BUFFER_FLUSH_MAX_ROWS,
            interval_ms: defaults::BUFFER_FLUSH_INTERVAL_MS,
        }
    }
}

/// Empty required fields, every optional one at its default: a starting point for the wizard.
impl Default for SourceConfig {
    fn default() -> Self {
        SourceConfig {
            stream_name: String::new(),
            stream_arn: None,
            region: None,
            profile: None,
            endpoint_url: None,
            initial_position: InitialPosition::Latest,
            initial_timestamp: None,
            reader: ReaderKind::Polling,
            efo_consumer: EfoConsumer::Pipeline,
            efo_consumer_name: None,
            read_limits: ReadLimits::Aws,
            kpl_out_of_range: KplOutOfRange::Keep,
            operation_timeout_ms: defaults::OPERATION_TIMEOUT_MS,
            discovery_interval_ms: defaults::DISCOVERY_INTERVAL_MS,
        }
    }
}

/// Empty required fields, every optional one at its default: a starting point for the wizard.
impl Default for SinkConfig {
    fn default() -> Self {
        SinkConfig {
            jdbc_url: None,
            load_urls: Vec::new(),
            username: String::new(),
            password_file: None,
            database_name: String::new(),
            table_name: String::new(),
            ssl_mode: SslMode::default(),
            buffer_flush: BufferFlush::default(),
            properties: BTreeMap::new(),
            label_prefix: None,
            connect_timeout_ms: defaults::CONNECT_TIMEOUT_MS,
            socket_timeout_ms: defaults::SOCKET_TIMEOUT_MS,
            max_retries: defaults::MAX_RETRIES,
            retry_interval_ms: defaults::RETRY_INTERVAL_MS,
            max_inflight_loads: defaults::MAX_INFLIGHT_LOADS,
            ssl_ca: None,
        }
    }
}

impl PipelineConfig {
    /// Nothing filled in yet: no name or state dir, every table at its defaults. Not a valid
    /// config by itself; the parser and the wizard start from it.
    pub fn blank() -> PipelineConfig {
        PipelineConfig {
            name: String::new(),
            state_dir: PathBuf::new(),
            source: SourceConfig::default(),
            sink: SinkConfig::default(),
            network: NetworkConfig::default(),
            on_data_error: OnDataError::default(),
        }
    }

    /// The enhanced fan-out consumer this pipeline registers (or reuses): `efo-consumer-name`, else
    /// `kinesis-starrocks-<name>`, in the characters Kinesis allows (`[a-zA-Z0-9_.-]`, others
    /// become `_`), at most 128.
    pub fn efo_consumer_name(&self) -> String {
        let raw = self
            .source
            .efo_consumer_name
            .clone()
            .unwrap_or_else(|| format!("kinesis-starrocks-{}", self.name));
        raw.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .take(128)
            .collect()
    }

    /// The engine's label prefix: `label-prefix` if set, else `ks-<name>`, with characters
    /// StarRocks does not allow in labels replaced by `_`; labels are
    /// `<prefix>-<store id>-<batch no>`.
    pub fn label_prefix(&self) -> String {
        let raw = self
            .sink
            .label_prefix
            .clone()
            .unwrap_or_else(|| format!("ks-{}", self.name));
        raw.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ':' {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect()
    }
}

impl SinkConfig {
    /// The Stream Load `format` property, lower-cased (`csv` when absent, like StarRocks).
    pub fn format(&self) -> String {
        super::property(&self.properties, "format")
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_else(|| "csv".into())
    }

    /// The host the password belongs to: the jdbc-url's host, else the first load-url's.
    pub fn cluster_host(&self) -> Option<&str> {
        self.jdbc_url
            .as_ref()
            .map(|j| j.host.as_str())
            .or_else(|| self.load_urls.first().map(|u| u.host.as_str()))
    }
}
