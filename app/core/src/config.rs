//! The pipeline config: one TOML file per pipeline (DESIGN.md §3). Sink keys use
//! flink-connector-starrocks' property names so a Flink job's properties carry over unchanged.
//!
//! The struct shapes here are the contract the CLI, the GUI, the engine and the tests share.
//!
//! * [`PipelineConfig::from_toml_str`] / [`PipelineConfig::load`] parse and validate a file; every
//!   problem is reported with its key path (`sink.load-url: expected http(s)://host[:port], got
//!   "ftp://x"`), unknown keys get a "did you mean" hint.
//! * [`PipelineConfig::validate`] re-checks a config built in code (the GUI's wizard).
//! * [`PipelineConfig::to_toml_string`] writes a config back (it round-trips; it never holds a
//!   password, because the model has no place for one).
//! * [`resolve_password`] finds the StarRocks password: `password-file`, then
//!   `STARROCKS_PASSWORD`, then the OS keyring (through a closure: the keyring lives in the desktop
//!   crate).

use crate::domain::InitialPosition;
use crate::secret::Secret;
use chrono::{DateTime, SecondsFormat, Utc};
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

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
    /// `sink.max-inflight-loads`.
    pub const MAX_INFLIGHT_LOADS: usize = 1;
}

/// Longest pipeline name (it goes into labels, which StarRocks caps at 128 characters).
pub const MAX_NAME_LEN: usize = 40;
/// Longest `label-prefix` (the engine appends a store id and a batch counter).
pub const MAX_LABEL_PREFIX_LEN: usize = 64;
/// StarRocks' `streaming_load_max_mb` default: one load should stay below 10 GB.
pub const MAX_BUFFER_FLUSH_BYTES: u64 = 10 * 1024 * 1024 * 1024;
/// The connector's upper bound for `buffer-flush.interval-ms` (one hour).
pub const MAX_BUFFER_FLUSH_INTERVAL_MS: u64 = 3_600_000;

/// The environment variable holding the StarRocks password (second password source).
pub const PASSWORD_ENV: &str = "STARROCKS_PASSWORD";
/// The OS keyring service under which the GUI keeps the StarRocks password.
pub const KEYRING_SERVICE: &str = "kinesis-starrocks";

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

// -------------------------------------------------------------------------------------------------
// Defaults, names and small parsers of the value types

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

impl SslMode {
    pub const ALL: [SslMode; 5] = [
        SslMode::Disabled,
        SslMode::Preferred,
        SslMode::Required,
        SslMode::VerifyCa,
        SslMode::VerifyIdentity,
    ];

    /// The config spelling: `disabled`, `preferred`, `required`, `verify-ca`, `verify-identity`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SslMode::Disabled => "disabled",
            SslMode::Preferred => "preferred",
            SslMode::Required => "required",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyIdentity => "verify-identity",
        }
    }

    /// Accepts the config spelling and MySQL's (`VERIFY_CA`), case-insensitively.
    pub fn parse(s: &str) -> Option<SslMode> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        SslMode::ALL.into_iter().find(|m| m.as_str() == norm)
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ReaderKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReaderKind::Polling => "polling",
            ReaderKind::Efo => "efo",
        }
    }
}

impl ReadLimits {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReadLimits::Aws => "aws",
            ReadLimits::None => "none",
        }
    }
}

impl KplOutOfRange {
    pub fn as_str(&self) -> &'static str {
        match self {
            KplOutOfRange::Keep => "keep",
            KplOutOfRange::Drop => "drop",
        }
    }
}

impl OnDataError {
    pub fn as_str(&self) -> &'static str {
        match self {
            OnDataError::Stop => "stop",
            OnDataError::DeadLetter => "dead-letter",
        }
    }
}

fn initial_position_str(p: InitialPosition) -> &'static str {
    match p {
        InitialPosition::Latest => "LATEST",
        InitialPosition::TrimHorizon => "TRIM_HORIZON",
        InitialPosition::AtTimestamp => "AT_TIMESTAMP",
    }
}

impl LoadUrl {
    /// Parses one `load-url` entry the way flink-connector-starrocks does: `http://` is prepended
    /// when there is no scheme, `https://` is kept; the port defaults to 80/443 by scheme; a
    /// trailing `/` is stripped. A path is refused (the loader adds `/api/{db}/{table}/_stream_load`).
    pub fn parse(text: &str) -> Result<LoadUrl, String> {
        let t = text.trim();
        let expected = || format!("expected http(s)://host[:port], got {t:?}");
        let (scheme, rest) = match t.split_once("://") {
            Some((s, rest)) => {
                let s = s.to_ascii_lowercase();
                if s != "http" && s != "https" {
                    return Err(expected());
                }
                (s, rest)
            }
            None => ("http".to_string(), t),
        };
        let rest = rest.trim_end_matches('/');
        if rest.contains('/') || rest.contains('?') || rest.contains('#') {
            return Err(format!(
                "{}; give only the scheme, host and port (the loader adds /api/<db>/<table>/_stream_load)",
                expected()
            ));
        }
        if rest.contains('@') {
            return Err(format!(
                "{}; credentials do not go in the URL (username is its own key, the password is never in the config)",
                expected()
            ));
        }
        let default_port = if scheme == "https" { 443 } else { 80 };
        let (host, port) = split_host_port(rest, Some(default_port)).ok_or_else(expected)?;
        let base = format!("{scheme}://{}:{port}", bracket_ipv6(&host));
        Ok(LoadUrl {
            scheme,
            host,
            port,
            base,
        })
    }

    /// `host:port` (IPv6 in brackets), for messages and TCP probes.
    pub fn authority(&self) -> String {
        format!("{}:{}", bracket_ipv6(&self.host), self.port)
    }
}

impl fmt::Display for LoadUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

impl JdbcUrl {
    /// Parses `jdbc:mysql://host:port[/db][?params]`. Several hosts (`fe1:9030,fe2:9030`, the
    /// connector's failover form) are accepted; the first one is used.
    pub fn parse(text: &str) -> Result<JdbcUrl, String> {
        let t = text.trim();
        let expected = || {
            format!("expected jdbc:mysql://host:port (the FE query port, usually 9030), got {t:?}")
        };
        let rest = t
            .strip_prefix("jdbc:mysql://")
            .or_else(|| t.strip_prefix("mysql://"))
            .ok_or_else(expected)?;
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        let first = authority.split(',').next().unwrap_or("").trim();
        if first.contains('@') {
            return Err(format!("{}; credentials do not go in the URL", expected()));
        }
        let (host, port) = split_host_port(first, None).ok_or_else(expected)?;
        Ok(JdbcUrl {
            host,
            port,
            text: t.to_string(),
        })
    }

    /// `host:port` (IPv6 in brackets).
    pub fn authority(&self) -> String {
        format!("{}:{}", bracket_ipv6(&self.host), self.port)
    }
}

impl fmt::Display for JdbcUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`. Without a port, `default_port` (or failure).
fn split_host_port(s: &str, default_port: Option<u16>) -> Option<(String, u16)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        h.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (h.to_string(), port)
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (s.to_string(), None),
        }
    };
    if host.is_empty() || !valid_host(&host) {
        return None;
    }
    let port = match port {
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ => return None,
        },
        None => default_port?,
    };
    Some((host, port))
}

fn valid_host(h: &str) -> bool {
    if h.parse::<IpAddr>().is_ok() {
        return true;
    }
    h.len() <= 253
        && h.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME` → (region, name).
fn parse_stream_arn(s: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "kinesis", region, account, resource]
            if partition.starts_with("aws")
                && !region.is_empty()
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let name = resource.strip_prefix("stream/")?;
            valid_stream_name(name).then(|| (region.to_string(), name.to_string()))
        }
        _ => None,
    }
}

fn valid_stream_name(s: &str) -> bool {
    (1..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

fn valid_region(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn valid_endpoint_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    if scheme != "http" && scheme != "https" {
        return false;
    }
    let authority = rest.split('/').next().unwrap_or("");
    split_host_port(authority, Some(1)).is_some()
}

/// Pipeline names go into labels and file names: letters, digits, `-`, `_`; 1 to 40 characters.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("required: a pipeline name (letters, digits, '-', '_')".into());
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(format!(
            "{name:?} is {} characters long; at most {MAX_NAME_LEN} (it goes into Stream Load labels)",
            name.chars().count()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "{name:?} contains {c:?}; use letters, digits, '-' and '_' only (it goes into Stream Load labels)"
        ));
    }
    Ok(())
}

/// StarRocks database/table names go into the Stream Load URL path.
fn validate_object_name(what: &str, s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err(format!("required: the StarRocks {what} name"));
    }
    if let Some(c) = s
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '?' | '#' | '%' | '`'))
    {
        return Err(format!(
            "{s:?} contains {c:?}, which a StarRocks {what} name cannot contain"
        ));
    }
    Ok(())
}

/// A property key is an HTTP header name.
fn valid_header_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn is_password_like(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("password") || k.contains("passwd")
}

/// Headers the loader sets itself; a property may not override them.
const RESERVED_PROPERTIES: &[(&str, &str)] = &[
    (
        "label",
        "the loader sets a deterministic label per batch (that is how exactly-once works); use label-prefix",
    ),
    ("expect", "the loader always sends Expect: 100-continue"),
    (
        "authorization",
        "the loader sends Basic auth from username and the password sources",
    ),
    ("content-length", "the loader sets it"),
    ("transfer-encoding", "the loader sets it"),
    ("host", "the loader sets it"),
    ("connection", "the loader sets it"),
];

fn password_refusal() -> String {
    format!(
        "the password never goes in the config file; give it with `password-file = \"…\"` in [sink], \
         the environment variable {PASSWORD_ENV}, or the OS keyring (`kinesis-starrocks secret set --config FILE` \
         or the app's Cluster step)"
    )
}

// -------------------------------------------------------------------------------------------------
// Errors

/// One problem with one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    /// Dotted key path, e.g. `sink.load-url`, `sink.buffer-flush.max-bytes`, `name`.
    pub key: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl KeyError {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> KeyError {
        KeyError {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Why a config could not be loaded. `Display` starts with the file's path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("{}: not valid TOML: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    /// One or more keys are wrong; each names its key path.
    #[error("{}: {}", path.display(), format_key_errors(errors))]
    Invalid {
        path: PathBuf,
        errors: Vec<KeyError>,
    },
}

fn format_key_errors(errors: &[KeyError]) -> String {
    match errors {
        [one] => one.to_string(),
        many => {
            let mut s = format!("{} problems:", many.len());
            for e in many {
                s.push_str("\n  ");
                s.push_str(&e.to_string());
            }
            s
        }
    }
}

impl ConfigError {
    /// The key errors (empty for read and syntax errors).
    pub fn key_errors(&self) -> &[KeyError] {
        match self {
            ConfigError::Invalid { errors, .. } => errors,
            _ => &[],
        }
    }

    /// The key path of the first problem, if the error is about a key.
    pub fn key(&self) -> Option<&str> {
        self.key_errors().first().map(|e| e.key.as_str())
    }

    /// The problem reported for `key`, if any.
    pub fn for_key(&self, key: &str) -> Option<&KeyError> {
        self.key_errors().iter().find(|e| e.key == key)
    }
}

// -------------------------------------------------------------------------------------------------
// Parsing

/// A TOML table being consumed: values are taken out one key at a time; what is left at the end
/// is an unknown key.
struct Fields<'e> {
    prefix: String,
    table: toml::Table,
    errors: &'e mut Vec<KeyError>,
}

#[derive(Clone, Copy)]
enum Kind {
    /// A string (any TOML scalar is refused).
    Str,
    /// A non-negative integer.
    Int,
}

impl<'e> Fields<'e> {
    fn new(prefix: &str, table: toml::Table, errors: &'e mut Vec<KeyError>) -> Fields<'e> {
        Fields {
            prefix: prefix.to_string(),
            table,
            errors,
        }
    }

    fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    fn err(&mut self, key: &str, message: impl Into<String>) {
        let path = self.path(key);
        self.errors.push(KeyError::new(path, message));
    }

    fn take(&mut self, key: &str) -> Option<toml::Value> {
        self.table.remove(key)
    }

    fn string(&mut self, key: &str) -> Option<String> {
        match self.take(key)? {
            toml::Value::String(s) => Some(s),
            other => {
                self.type_err(key, Kind::Str, &other);
                None
            }
        }
    }

    /// A non-empty string (an empty one is reported as missing).
    fn nonempty(&mut self, key: &str) -> Option<String> {
        let s = self.string(key)?;
        if s.trim().is_empty() {
            self.err(key, "must not be empty");
            return None;
        }
        Some(s.trim().to_string())
    }

    fn uint(&mut self, key: &str) -> Option<u64> {
        match self.take(key)? {
            toml::Value::Integer(i) if i >= 0 => Some(i as u64),
            toml::Value::Integer(i) => {
                self.err(key, format!("expected a non-negative integer, got {i}"));
                None
            }
            other => {
                self.type_err(key, Kind::Int, &other);
                None
            }
        }
    }

    fn type_err(&mut self, key: &str, kind: Kind, got: &toml::Value) {
        let expected = match kind {
            Kind::Str => "a string",
            Kind::Int => "an integer",
        };
        let hint = match (kind, got) {
            (Kind::Int, toml::Value::String(s)) if s.trim().parse::<u64>().is_ok() => {
                format!(" (write it without quotes: {} = {})", key, s.trim())
            }
            _ => String::new(),
        };
        self.err(
            key,
            format!("expected {expected}, got {}{hint}", describe(got)),
        );
    }

    /// A sub-table (`buffer-flush.max-bytes = …` or `[sink.buffer-flush]`).
    fn table(&mut self, key: &str) -> Option<toml::Table> {
        match self.take(key)? {
            toml::Value::Table(t) => Some(t),
            other => {
                self.err(key, format!("expected a table, got {}", describe(&other)));
                None
            }
        }
    }

    /// Reports whatever was not consumed as unknown, with the nearest known key.
    fn finish(self, known: &[&str], special: &dyn Fn(&str) -> Option<String>) {
        let prefix = self.prefix.clone();
        let mut leftover: Vec<String> = self.table.keys().cloned().collect();
        leftover.sort();
        for key in leftover {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            let message = special(&key).unwrap_or_else(|| unknown_key_message(&key, known));
            self.errors.push(KeyError::new(path, message));
        }
    }
}

fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("the string {s:?}"),
        toml::Value::Integer(i) => format!("the integer {i}"),
        toml::Value::Float(f) => format!("the number {f}"),
        toml::Value::Boolean(b) => format!("the boolean {b}"),
        toml::Value::Datetime(d) => format!("the date-time {d}"),
        toml::Value::Array(_) => "an array".into(),
        toml::Value::Table(_) => "a table".into(),
    }
}

fn unknown_key_message(key: &str, known: &[&str]) -> String {
    let best = known
        .iter()
        .map(|k| (levenshtein(&key.to_ascii_lowercase(), k), *k))
        .min_by_key(|(d, _)| *d);
    match best {
        Some((d, k)) if d <= (key.len() / 3).max(2) => {
            format!("unknown key; did you mean `{k}`?")
        }
        _ => format!(
            "unknown key; known keys here: {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

const TOP_KEYS: &[&str] = &[
    "name",
    "state-dir",
    "on-data-error",
    "source",
    "sink",
    "network",
];
const SOURCE_KEYS: &[&str] = &[
    "stream",
    "region",
    "profile",
    "endpoint-url",
    "initial-position",
    "initial-timestamp",
    "reader",
    "read-limits",
    "kpl-out-of-range",
    "operation-timeout-ms",
    "discovery-interval-ms",
];
const SINK_KEYS: &[&str] = &[
    "jdbc-url",
    "load-url",
    "username",
    "password-file",
    "database-name",
    "table-name",
    "ssl-mode",
    "ssl-ca",
    "buffer-flush",
    "buffer-flush.max-bytes",
    "buffer-flush.max-rows",
    "buffer-flush.interval-ms",
    "label-prefix",
    "connect-timeout-ms",
    "socket-timeout-ms",
    "max-retries",
    "retry-interval-ms",
    "max-inflight-loads",
    "properties",
];
const BUFFER_FLUSH_KEYS: &[&str] = &["max-bytes", "max-rows", "interval-ms"];
const NETWORK_KEYS: &[&str] = &["security-group-ids", "egress-ip"];

/// The Stream Load properties the engine sends for `properties` as configured: the one place
/// that adds what our batches need, used by the reader, the Stream Load client and the mapping
/// preview so that the preview's verdict is the load's. Our JSON batches are arrays, so with
/// `format = json` StarRocks must strip the outer array unless the user said otherwise
/// (flink-connector-starrocks does the same).
pub fn stream_load_properties(properties: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out = properties.clone();
    let is_json = properties
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("format") && v.trim().eq_ignore_ascii_case("json"));
    if is_json
        && !properties
            .keys()
            .any(|k| k.eq_ignore_ascii_case("strip_outer_array"))
    {
        out.insert("strip_outer_array".into(), "true".into());
    }
    out
}

/// Every key a config file accepts, as dotted paths (`name`, `source.stream`,
/// `sink.buffer-flush.max-rows`, …); `sink.properties.*` stands for the Stream Load properties.
/// Tables themselves (`source`, `sink.buffer-flush`, …) are not listed.
pub fn known_keys() -> Vec<String> {
    let mut keys: Vec<String> = TOP_KEYS
        .iter()
        .filter(|k| !matches!(**k, "source" | "sink" | "network"))
        .map(|k| k.to_string())
        .collect();
    keys.extend(SOURCE_KEYS.iter().map(|k| format!("source.{k}")));
    keys.extend(
        SINK_KEYS
            .iter()
            .filter(|k| !matches!(**k, "buffer-flush" | "properties"))
            .map(|k| format!("sink.{k}")),
    );
    keys.push("sink.properties.*".into());
    keys.extend(NETWORK_KEYS.iter().map(|k| format!("network.{k}")));
    keys
}

/// Where relative paths in a config point: the config file's directory (like systemd units and
/// most tools); `~/` is the home directory.
fn resolve_path(raw: &str, config_path: &Path) -> PathBuf {
    let p = if let Some(rest) = raw.strip_prefix("~/") {
        match directories::BaseDirs::new() {
            Some(b) => b.home_dir().join(rest),
            None => PathBuf::from(raw),
        }
    } else {
        PathBuf::from(raw)
    };
    if p.is_relative()
        && let Some(dir) = config_path.parent()
        && !dir.as_os_str().is_empty()
    {
        return dir.join(p);
    }
    p
}

/// The default `state-dir` for a pipeline: `<XDG data dir>/pipelines/<name>` (on Linux
/// `~/.local/share/kinesis-starrocks/pipelines/<name>`). `None` when there is no home directory.
pub fn default_state_dir(name: &str) -> Option<PathBuf> {
    directories::ProjectDirs::from("io.github", "kinesis-starrocks", "kinesis-starrocks")
        .map(|d| d.data_dir().join("pipelines").join(name))
}

/// A property value: strings as they are; integers, floats and booleans stringified; an array
/// of strings only for `jsonpaths` (written as the JSON text StarRocks expects).
fn property_value(key: &str, v: toml::Value) -> Result<String, String> {
    match v {
        toml::Value::String(s) => Ok(s),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Array(items) if key.eq_ignore_ascii_case("jsonpaths") => {
            let mut paths = Vec::new();
            for item in items {
                match item {
                    toml::Value::String(s) => paths.push(serde_json::Value::String(s)),
                    other => {
                        return Err(format!(
                            "expected an array of strings (JSON paths), found {}",
                            describe(&other)
                        ));
                    }
                }
            }
            Ok(serde_json::Value::Array(paths).to_string())
        }
        other => Err(format!(
            "expected a string, integer, number or boolean (it is sent as the Stream Load header `{key}`), got {}",
            describe(&other)
        )),
    }
}

fn parse_timestamp(v: toml::Value) -> Result<DateTime<Utc>, String> {
    let text = match v {
        toml::Value::String(s) => s,
        toml::Value::Datetime(d) => d.to_string(),
        other => {
            return Err(format!(
                "expected an RFC 3339 timestamp such as \"2026-11-25T00:00:00Z\", got {}",
                describe(&other)
            ));
        }
    };
    DateTime::parse_from_rfc3339(text.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            format!(
                "expected an RFC 3339 timestamp with a time zone such as \"2026-11-25T00:00:00Z\", got {text:?}"
            )
        })
}

impl PipelineConfig {
    /// Reads and validates a config file.
    pub fn load(path: impl AsRef<Path>) -> Result<PipelineConfig, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        PipelineConfig::from_toml_str(&text, path)
    }

    /// Parses and validates TOML text. `path_for_messages` prefixes error messages, and relative
    /// paths (`state-dir`, `password-file`, `ssl-ca`) are resolved against its directory.
    pub fn from_toml_str(
        text: &str,
        path_for_messages: &Path,
    ) -> Result<PipelineConfig, ConfigError> {
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    path: path_for_messages.to_path_buf(),
                    message: e.to_string().trim_end().to_string(),
                })?;
        let mut errors = Vec::new();
        let config = parse_pipeline(table, path_for_messages, &mut errors);
        if let Err(more) = config.validate() {
            // A key that already failed to parse is not reported twice.
            let failed: Vec<String> = errors.iter().map(|e| e.key.clone()).collect();
            errors.extend(more.into_iter().filter(|e| {
                !failed
                    .iter()
                    .any(|k| e.key == *k || e.key.starts_with(&format!("{k}.")))
            }));
        }
        if errors.is_empty() {
            return Ok(config);
        }
        let mut seen = std::collections::HashSet::new();
        errors.retain(|e| seen.insert((e.key.clone(), e.message.clone())));
        Err(ConfigError::Invalid {
            path: path_for_messages.to_path_buf(),
            errors,
        })
    }

    /// Checks the rules that do not depend on the TOML form (also for configs built in code, e.g.
    /// by the wizard). Every problem is returned, each with its key path.
    pub fn validate(&self) -> Result<(), Vec<KeyError>> {
        let mut errors = Vec::new();
        if let Err(m) = validate_name(&self.name) {
            errors.push(KeyError::new("name", m));
        }
        if self.state_dir.as_os_str().is_empty() {
            errors.push(KeyError::new(
                "state-dir",
                "required: a directory for checkpoints, intents and dead letters",
            ));
        }
        self.source.validate(&mut errors);
        self.sink.validate(&mut errors);
        self.network.validate(&mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Writes the config as TOML in the layout of DESIGN.md §3. `from_toml_str` of the result
    /// gives back an equal config. There is no password in it: the model has no field for one.
    /// `state-dir` is left out when it is the default for the name.
    pub fn to_toml_string(&self) -> String {
        let mut out = String::new();
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        let qp = |p: &Path| q(&p.to_string_lossy());
        out.push_str(&format!("name = {}\n", q(&self.name)));
        if default_state_dir(&self.name).as_deref() != Some(self.state_dir.as_path()) {
            out.push_str(&format!("state-dir = {}\n", qp(&self.state_dir)));
        }
        out.push_str(&format!(
            "on-data-error = {}\n",
            q(self.on_data_error.as_str())
        ));

        let s = &self.source;
        out.push_str("\n[source]\n");
        let stream = s.stream_arn.as_deref().unwrap_or(&s.stream_name);
        out.push_str(&format!("stream = {}\n", q(stream)));
        if let Some(r) = &s.region {
            out.push_str(&format!("region = {}\n", q(r)));
        }
        if let Some(p) = &s.profile {
            out.push_str(&format!("profile = {}\n", q(p)));
        }
        if let Some(e) = &s.endpoint_url {
            out.push_str(&format!("endpoint-url = {}\n", q(e)));
        }
        out.push_str(&format!(
            "initial-position = {}\n",
            q(initial_position_str(s.initial_position))
        ));
        if let Some(t) = &s.initial_timestamp {
            out.push_str(&format!(
                "initial-timestamp = {}\n",
                q(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            ));
        }
        out.push_str(&format!("reader = {}\n", q(s.reader.as_str())));
        out.push_str(&format!("read-limits = {}\n", q(s.read_limits.as_str())));
        out.push_str(&format!(
            "kpl-out-of-range = {}\n",
            q(s.kpl_out_of_range.as_str())
        ));
        out.push_str(&format!(
            "operation-timeout-ms = {}\n",
            s.operation_timeout_ms
        ));
        out.push_str(&format!(
            "discovery-interval-ms = {}\n",
            s.discovery_interval_ms
        ));

        let k = &self.sink;
        out.push_str("\n[sink]\n");
        if let Some(j) = &k.jdbc_url {
            out.push_str(&format!("jdbc-url = {}\n", q(&j.text)));
        }
        let urls: Vec<&str> = k.load_urls.iter().map(|u| u.base.as_str()).collect();
        out.push_str(&format!("load-url = {}\n", q(&urls.join(";"))));
        out.push_str(&format!("username = {}\n", q(&k.username)));
        if let Some(p) = &k.password_file {
            out.push_str(&format!("password-file = {}\n", qp(p)));
        }
        out.push_str(&format!("database-name = {}\n", q(&k.database_name)));
        out.push_str(&format!("table-name = {}\n", q(&k.table_name)));
        out.push_str(&format!("ssl-mode = {}\n", q(k.ssl_mode.as_str())));
        if let Some(p) = &k.ssl_ca {
            out.push_str(&format!("ssl-ca = {}\n", qp(p)));
        }
        out.push_str(&format!(
            "buffer-flush.max-bytes = {}\n",
            k.buffer_flush.max_bytes
        ));
        out.push_str(&format!(
            "buffer-flush.max-rows = {}\n",
            k.buffer_flush.max_rows
        ));
        out.push_str(&format!(
            "buffer-flush.interval-ms = {}\n",
            k.buffer_flush.interval_ms
        ));
        if let Some(p) = &k.label_prefix {
            out.push_str(&format!("label-prefix = {}\n", q(p)));
        }
        out.push_str(&format!("connect-timeout-ms = {}\n", k.connect_timeout_ms));
        out.push_str(&format!("socket-timeout-ms = {}\n", k.socket_timeout_ms));
        out.push_str(&format!("max-retries = {}\n", k.max_retries));
        out.push_str(&format!("retry-interval-ms = {}\n", k.retry_interval_ms));
        out.push_str(&format!("max-inflight-loads = {}\n", k.max_inflight_loads));
        for (key, value) in &k.properties {
            // Keys are header names ([A-Za-z0-9_-]): always valid bare TOML keys.
            out.push_str(&format!("properties.{key} = {}\n", q(value)));
        }

        let n = &self.network;
        if !n.security_group_ids.is_empty() || n.egress_ip.is_some() {
            out.push_str("\n[network]\n");
            if !n.security_group_ids.is_empty() {
                let ids: Vec<String> = n.security_group_ids.iter().map(|s| q(s)).collect();
                out.push_str(&format!("security-group-ids = [{}]\n", ids.join(", ")));
            }
            if let Some(ip) = &n.egress_ip {
                out.push_str(&format!("egress-ip = {}\n", q(ip)));
            }
        }
        out
    }

    /// The label prefix: `label-prefix` if set, else the pipeline name.
    pub fn label_prefix(&self) -> &str {
        self.sink.label_prefix.as_deref().unwrap_or(&self.name)
    }
}

fn parse_pipeline(table: toml::Table, path: &Path, errors: &mut Vec<KeyError>) -> PipelineConfig {
    let mut top = Fields::new("", table, errors);
    let name = match top.string("name") {
        Some(n) => n.trim().to_string(),
        None => {
            if !top.errors.iter().any(|e| e.key == "name") {
                top.err(
                    "name",
                    "required: a pipeline name (letters, digits, '-', '_'), e.g. name = \"stock\"",
                );
            }
            String::new()
        }
    };
    let state_dir_raw = top.nonempty("state-dir");
    let on_data_error = match top.string("on-data-error") {
        None => OnDataError::Stop,
        Some(s) => match s.trim() {
            "stop" => OnDataError::Stop,
            "dead-letter" => OnDataError::DeadLetter,
            other => {
                top.err(
                    "on-data-error",
                    format!("expected \"stop\" or \"dead-letter\", got {other:?}"),
                );
                OnDataError::Stop
            }
        },
    };
    let source_t = top.table("source");
    let sink_t = top.table("sink");
    let network_t = top.table("network");
    top.finish(TOP_KEYS, &|k| is_password_like(k).then(password_refusal));

    let source = match source_t {
        Some(t) => parse_source(t, errors),
        None => {
            if !errors.iter().any(|e| e.key == "source") {
                errors.push(KeyError::new(
                    "source",
                    "required: a [source] table with at least `stream`",
                ));
            }
            SourceConfig::default()
        }
    };
    let sink = match sink_t {
        Some(t) => parse_sink(t, path, errors),
        None => {
            if !errors.iter().any(|e| e.key == "sink") {
                errors.push(KeyError::new(
                    "sink",
                    "required: a [sink] table with `load-url`, `username`, `database-name`, `table-name`",
                ));
            }
            SinkConfig::default()
        }
    };
    let network = network_t
        .map(|t| parse_network(t, errors))
        .unwrap_or_default();

    let state_dir = match state_dir_raw {
        Some(raw) => resolve_path(&raw, path),
        None => match default_state_dir(&name) {
            Some(d) => d,
            None => {
                errors.push(KeyError::new(
                    "state-dir",
                    "no home directory to put the default state dir in; set state-dir",
                ));
                PathBuf::new()
            }
        },
    };
    PipelineConfig {
        name,
        state_dir,
        source,
        sink,
        network,
        on_data_error,
    }
}

fn parse_source(table: toml::Table, errors: &mut Vec<KeyError>) -> SourceConfig {
    let mut f = Fields::new("source", table, errors);
    let d = SourceConfig::default();
    let stream = f.nonempty("stream");
    let mut region = f.nonempty("region");
    let (stream_name, stream_arn) = match stream {
        None => {
            if !f.errors.iter().any(|e| e.key == "source.stream") {
                f.err(
                    "stream",
                    "required: the Kinesis stream's name or ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)",
                );
            }
            (String::new(), None)
        }
        Some(s) if s.starts_with("arn:") => match parse_stream_arn(&s) {
            Some((arn_region, name)) => {
                match &region {
                    Some(r) if *r != arn_region => f.err(
                        "region",
                        format!(
                            "{r:?} differs from the region of the stream ARN ({arn_region:?}); drop `region` or make them agree"
                        ),
                    ),
                    Some(_) => {}
                    None => region = Some(arn_region),
                }
                (name, Some(s))
            }
            None => {
                f.err(
                    "stream",
                    format!(
                        "expected a stream name or arn:aws:kinesis:REGION:ACCOUNT:stream/NAME, got {s:?}"
                    ),
                );
                (String::new(), None)
            }
        },
        Some(s) => (s, None),
    };
    let profile = f.nonempty("profile");
    let endpoint_url = f.nonempty("endpoint-url");
    let initial_position = match f.string("initial-position") {
        None => d.initial_position,
        Some(s) => match s.trim().to_ascii_uppercase().replace('-', "_").as_str() {
            "LATEST" => InitialPosition::Latest,
            "TRIM_HORIZON" => InitialPosition::TrimHorizon,
            "AT_TIMESTAMP" => InitialPosition::AtTimestamp,
            _ => {
                f.err(
                    "initial-position",
                    format!("expected \"LATEST\", \"TRIM_HORIZON\" or \"AT_TIMESTAMP\", got {s:?}"),
                );
                d.initial_position
            }
        },
    };
    let initial_timestamp = match f.take("initial-timestamp") {
        None => None,
        Some(v) => match parse_timestamp(v) {
            Ok(t) => Some(t),
            Err(m) => {
                f.err("initial-timestamp", m);
                None
            }
        },
    };
    let reader = match f.string("reader") {
        None => d.reader,
        Some(s) => match s.trim().to_ascii_lowercase().as_str() {
            "polling" => ReaderKind::Polling,
            "efo" => ReaderKind::Efo,
            _ => {
                f.err(
                    "reader",
                    format!("expected \"polling\" or \"efo\" (enhanced fan-out), got {s:?}"),
                );
                d.reader
            }
        },
    };
    let read_limits = match f.string("read-limits") {
        None => d.read_limits,
        Some(s) => match s.trim().to_ascii_lowercase().as_str() {
            "aws" => ReadLimits::Aws,
            "none" => ReadLimits::None,
            _ => {
                f.err(
                    "read-limits",
                    format!(
                        "expected \"aws\" (5 GetRecords/s and 2 MiB/s per shard) or \"none\" (emulators), got {s:?}"
                    ),
                );
                d.read_limits
            }
        },
    };
    let kpl_out_of_range = match f.string("kpl-out-of-range") {
        None => d.kpl_out_of_range,
        Some(s) => match s.trim().to_ascii_lowercase().as_str() {
            "keep" => KplOutOfRange::Keep,
            "drop" => KplOutOfRange::Drop,
            _ => {
                f.err(
                    "kpl-out-of-range",
                    format!(
                        "expected \"keep\" (default: those records exist nowhere else) or \"drop\" (KCL's rule, counted), got {s:?}"
                    ),
                );
                d.kpl_out_of_range
            }
        },
    };
    let operation_timeout_ms = f
        .uint("operation-timeout-ms")
        .unwrap_or(d.operation_timeout_ms);
    let discovery_interval_ms = f
        .uint("discovery-interval-ms")
        .unwrap_or(d.discovery_interval_ms);
    f.finish(SOURCE_KEYS, &|k| {
        let l = k.to_ascii_lowercase();
        if l == "efo-consumer" {
            return Some(
                "only used with reader = \"efo\" (enhanced fan-out), which this version does not \
                 have yet; remove the key"
                    .to_string(),
            );
        }
        (l.contains("secret") || l.contains("access-key") || l.contains("access_key")).then(|| {
            "AWS credentials never go in the config; they come from the AWS SDK's default chain \
             (environment, `profile`, SSO, instance role)"
                .to_string()
        })
    });
    SourceConfig {
        stream_name,
        stream_arn,
        region,
        profile,
        endpoint_url,
        initial_position,
        initial_timestamp,
        reader,
        read_limits,
        kpl_out_of_range,
        operation_timeout_ms,
        discovery_interval_ms,
    }
}

fn parse_sink(table: toml::Table, path: &Path, errors: &mut Vec<KeyError>) -> SinkConfig {
    let mut f = Fields::new("sink", table, errors);
    let d = SinkConfig::default();

    if f.take("password").is_some() {
        f.err("password", password_refusal());
    }
    let jdbc_url = match f.nonempty("jdbc-url") {
        None => None,
        Some(s) => match JdbcUrl::parse(&s) {
            Ok(u) => Some(u),
            Err(m) => {
                f.err("jdbc-url", m);
                None
            }
        },
    };
    let mut load_urls = Vec::new();
    match f.string("load-url") {
        None => {
            if !f.errors.iter().any(|e| e.key == "sink.load-url") {
                f.err(
                    "load-url",
                    "required: the FE HTTP address(es), e.g. \"https://xxxx.cloud-app.celerdata.com\" or \"fe1:8030;fe2:8030\"",
                );
            }
        }
        Some(s) => {
            let mut failed = false;
            for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                match LoadUrl::parse(part) {
                    Ok(u) => {
                        if !load_urls.contains(&u) {
                            load_urls.push(u);
                        }
                    }
                    Err(m) => {
                        f.err("load-url", m);
                        failed = true;
                    }
                }
            }
            if load_urls.is_empty() && !failed {
                f.err(
                    "load-url",
                    format!("expected one or more ';'-separated http(s)://host[:port], got {s:?}"),
                );
            }
        }
    }
    let username = f.string("username").unwrap_or_default();
    let password_file = f.nonempty("password-file").map(|p| resolve_path(&p, path));
    let database_name = f.string("database-name").unwrap_or_default();
    let table_name = f.string("table-name").unwrap_or_default();
    let ssl_mode = match f.string("ssl-mode") {
        None => d.ssl_mode,
        Some(s) => match SslMode::parse(&s) {
            Some(m) => m,
            None => {
                f.err(
                    "ssl-mode",
                    format!(
                        "expected one of \"disabled\", \"preferred\", \"required\", \"verify-ca\", \"verify-identity\", got {s:?}"
                    ),
                );
                d.ssl_mode
            }
        },
    };
    let ssl_ca = f.nonempty("ssl-ca").map(|p| resolve_path(&p, path));

    let mut buffer_flush = d.buffer_flush;
    if let Some(t) = f.table("buffer-flush") {
        let mut b = Fields::new("sink.buffer-flush", t, &mut *f.errors);
        if let Some(v) = b.uint("max-bytes") {
            buffer_flush.max_bytes = v;
        }
        if let Some(v) = b.uint("max-rows") {
            buffer_flush.max_rows = v;
        }
        if let Some(v) = b.uint("interval-ms") {
            buffer_flush.interval_ms = v;
        }
        b.finish(BUFFER_FLUSH_KEYS, &|_| None);
    }
    let label_prefix = f.string("label-prefix");
    let connect_timeout_ms = f
        .uint_or_alias("connect-timeout-ms", "connect", "timeout-ms")
        .unwrap_or(d.connect_timeout_ms);
    let socket_timeout_ms = f
        .uint_or_alias("socket-timeout-ms", "socket", "timeout-ms")
        .unwrap_or(d.socket_timeout_ms);
    let retry_interval_ms = f
        .uint_or_alias("retry-interval-ms", "retry", "interval-ms")
        .unwrap_or(d.retry_interval_ms);
    let max_retries = match f.uint("max-retries") {
        None => d.max_retries,
        Some(v) => match u32::try_from(v) {
            Ok(n) => n,
            Err(_) => {
                f.err("max-retries", format!("{v} is too large"));
                d.max_retries
            }
        },
    };
    let max_inflight_loads = f
        .uint("max-inflight-loads")
        .map(|v| usize::try_from(v).unwrap_or(usize::MAX))
        .unwrap_or(d.max_inflight_loads);

    let mut properties = BTreeMap::new();
    if let Some(t) = f.table("properties") {
        for (key, value) in t {
            let full = format!("properties.{key}");
            if is_password_like(&key) {
                f.err(&full, password_refusal());
                continue;
            }
            match property_value(&key, value) {
                Ok(v) => {
                    properties.insert(key, v);
                }
                Err(m) => f.err(&full, m),
            }
        }
    }
    let properties = stream_load_properties(&properties);

    f.finish(SINK_KEYS, &|k| {
        if k == "sink" {
            return Some(
                "drop the `sink.` prefix: inside [sink] the connector's `sink.properties.format` is \
                 written `properties.format`, `sink.buffer-flush.max-bytes` is `buffer-flush.max-bytes`"
                    .to_string(),
            );
        }
        is_password_like(k).then(password_refusal)
    });
    SinkConfig {
        jdbc_url,
        load_urls,
        username: username.trim().to_string(),
        password_file,
        database_name: database_name.trim().to_string(),
        table_name: table_name.trim().to_string(),
        ssl_mode,
        buffer_flush,
        properties,
        label_prefix,
        connect_timeout_ms,
        socket_timeout_ms,
        max_retries,
        retry_interval_ms,
        max_inflight_loads,
        ssl_ca,
    }
}

impl Fields<'_> {
    /// `key = N`, or the flink-connector-starrocks spelling with a dot (`connect.timeout-ms = N`,
    /// which TOML makes the table `connect`), so a Flink job's properties carry over.
    fn uint_or_alias(&mut self, key: &str, table: &str, sub: &str) -> Option<u64> {
        let direct = self.uint(key);
        let Some(toml::Value::Table(_)) = self.table.get(table) else {
            return direct;
        };
        let Some(toml::Value::Table(mut t)) = self.take(table) else {
            return direct;
        };
        let v = t.remove(sub);
        for r in t.keys() {
            let dotted = format!("{table}.{r}");
            let message = unknown_key_message(&dotted, SINK_KEYS);
            self.err(&dotted, message);
        }
        match v {
            Some(toml::Value::Integer(i)) if i >= 0 => Some(i as u64),
            Some(other) => {
                self.err(
                    &format!("{table}.{sub}"),
                    format!("expected a non-negative integer, got {}", describe(&other)),
                );
                direct
            }
            None => direct,
        }
    }
}

fn parse_network(table: toml::Table, errors: &mut Vec<KeyError>) -> NetworkConfig {
    let mut f = Fields::new("network", table, errors);
    let mut security_group_ids = Vec::new();
    match f.take("security-group-ids") {
        None => {}
        Some(toml::Value::Array(items)) => {
            for item in items {
                match item {
                    toml::Value::String(s) => security_group_ids.push(s.trim().to_string()),
                    other => f.err(
                        "security-group-ids",
                        format!(
                            "expected an array of strings like [\"sg-0abc…\"], found {}",
                            describe(&other)
                        ),
                    ),
                }
            }
        }
        Some(toml::Value::String(s)) => {
            // One id, or a comma-separated list, written as a string.
            security_group_ids.extend(
                s.split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(String::from),
            );
        }
        Some(other) => f.err(
            "security-group-ids",
            format!(
                "expected an array of strings like [\"sg-0abc…\"], got {}",
                describe(&other)
            ),
        ),
    }
    let egress_ip = f.nonempty("egress-ip");
    f.finish(NETWORK_KEYS, &|_| None);
    NetworkConfig {
        security_group_ids,
        egress_ip,
    }
}

// -------------------------------------------------------------------------------------------------
// Semantic validation of the structs

impl SourceConfig {
    fn validate(&self, errors: &mut Vec<KeyError>) {
        if self.stream_name.is_empty() {
            errors.push(KeyError::new(
                "source.stream",
                "required: the Kinesis stream's name or ARN",
            ));
        } else if !valid_stream_name(&self.stream_name) {
            errors.push(KeyError::new(
                "source.stream",
                format!(
                    "{:?} is not a Kinesis stream name (1 to 128 of letters, digits, '_', '.', '-') or a stream ARN",
                    self.stream_name
                ),
            ));
        }
        if let Some(arn) = &self.stream_arn {
            match parse_stream_arn(arn) {
                Some((_, name)) if name == self.stream_name => {}
                _ => errors.push(KeyError::new(
                    "source.stream",
                    format!(
                        "the ARN {arn:?} does not name the stream {:?}",
                        self.stream_name
                    ),
                )),
            }
        }
        if let Some(r) = &self.region
            && !valid_region(r)
        {
            errors.push(KeyError::new(
                "source.region",
                format!("expected an AWS region such as \"us-west-2\", got {r:?}"),
            ));
        }
        if let Some(u) = &self.endpoint_url
            && !valid_endpoint_url(u)
        {
            errors.push(KeyError::new(
                "source.endpoint-url",
                format!("expected http(s)://host[:port][/path], got {u:?}"),
            ));
        }
        if self.initial_position == InitialPosition::AtTimestamp && self.initial_timestamp.is_none()
        {
            errors.push(KeyError::new(
                "source.initial-timestamp",
                "required when initial-position = \"AT_TIMESTAMP\" (an RFC 3339 time such as \"2026-11-25T00:00:00Z\")",
            ));
        }
        if self.reader == ReaderKind::Efo {
            errors.push(KeyError::new(
                "source.reader",
                "\"efo\" (enhanced fan-out) is not built in this version: it would read by polling \
                 instead, so it is refused; remove the key or set reader = \"polling\"",
            ));
        }
        if self.operation_timeout_ms == 0 {
            errors.push(KeyError::new(
                "source.operation-timeout-ms",
                "must be at least 1 (every AWS call needs a bound; the default is 30000)",
            ));
        }
        if self.discovery_interval_ms == 0 {
            errors.push(KeyError::new(
                "source.discovery-interval-ms",
                "must be at least 1 (the default is 30000)",
            ));
        }
    }
}

impl SinkConfig {
    fn validate(&self, errors: &mut Vec<KeyError>) {
        let mut e = |k: &str, m: String| errors.push(KeyError::new(format!("sink.{k}"), m));
        if self.load_urls.is_empty() {
            e(
                "load-url",
                "required: the FE HTTP address(es), e.g. \"https://xxxx.cloud-app.celerdata.com\""
                    .into(),
            );
        }
        for u in &self.load_urls {
            if LoadUrl::parse(&u.base).ok().as_ref() != Some(u) {
                e(
                    "load-url",
                    format!("expected http(s)://host[:port], got {:?}", u.base),
                );
            }
        }
        if let Some(j) = &self.jdbc_url
            && JdbcUrl::parse(&j.text).ok().as_ref() != Some(j)
        {
            e(
                "jdbc-url",
                format!("expected jdbc:mysql://host:port, got {:?}", j.text),
            );
        }
        if self.username.trim().is_empty() {
            e(
                "username",
                "required: the StarRocks user that loads (it needs INSERT on the table)".into(),
            );
        }
        if let Err(m) = validate_object_name("database", &self.database_name) {
            e("database-name", m);
        }
        if let Err(m) = validate_object_name("table", &self.table_name) {
            e("table-name", m);
        }
        let b = &self.buffer_flush;
        if b.max_bytes == 0 || b.max_bytes > MAX_BUFFER_FLUSH_BYTES {
            e(
                "buffer-flush.max-bytes",
                format!(
                    "expected 1 to {MAX_BUFFER_FLUSH_BYTES} bytes (StarRocks' streaming_load_max_mb), got {}",
                    b.max_bytes
                ),
            );
        }
        if b.max_rows == 0 {
            e("buffer-flush.max-rows", "must be at least 1".into());
        }
        if b.interval_ms == 0 || b.interval_ms > MAX_BUFFER_FLUSH_INTERVAL_MS {
            e(
                "buffer-flush.interval-ms",
                format!(
                    "expected 1 to {MAX_BUFFER_FLUSH_INTERVAL_MS} ms (one hour), got {}",
                    b.interval_ms
                ),
            );
        }
        if let Some(p) = &self.label_prefix {
            if p.is_empty() || p.len() > MAX_LABEL_PREFIX_LEN {
                e(
                    "label-prefix",
                    format!("must be 1 to {MAX_LABEL_PREFIX_LEN} characters long, got {p:?}"),
                );
            } else if let Some(c) = p
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == ':'))
            {
                e(
                    "label-prefix",
                    format!(
                        "{p:?} contains {c:?}; StarRocks labels allow only letters, digits, '-', '_' and ':'"
                    ),
                );
            }
        }
        if self.connect_timeout_ms == 0 {
            e(
                "connect-timeout-ms",
                "must be at least 1 (the default is 10000)".into(),
            );
        }
        if self.socket_timeout_ms == 0 {
            e(
                "socket-timeout-ms",
                "must be at least 1 (the default is 600000)".into(),
            );
        }
        if self.retry_interval_ms == 0 {
            e(
                "retry-interval-ms",
                "must be at least 1 (the default is 1000)".into(),
            );
        }
        if self.max_inflight_loads != 1 {
            e(
                "max-inflight-loads",
                format!(
                    "this version keeps exactly one load in flight (the next batch fills while it \
                     loads), so {} is refused; remove the key or set 1",
                    self.max_inflight_loads
                ),
            );
        }
        for (key, value) in &self.properties {
            let k = format!("properties.{key}");
            if is_password_like(key) {
                e(&k, password_refusal());
            } else if !valid_header_name(key) {
                e(
                    &k,
                    "a property name is sent as an HTTP header: letters, digits, '_' and '-' only"
                        .into(),
                );
            } else if let Some((_, why)) = RESERVED_PROPERTIES
                .iter()
                .find(|(r, _)| r.eq_ignore_ascii_case(key))
            {
                e(&k, format!("cannot be set here: {why}"));
            } else if value.chars().any(|c| c.is_control() && c != '\t') {
                e(
                    &k,
                    "the value must be one line (it is sent as an HTTP header)".into(),
                );
            }
        }
    }

    /// The Stream Load `format` property, lower-cased (`csv` when absent, like StarRocks).
    pub fn format(&self) -> String {
        self.properties
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("format"))
            .map(|(_, v)| v.trim().to_ascii_lowercase())
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

impl NetworkConfig {
    fn validate(&self, errors: &mut Vec<KeyError>) {
        for id in &self.security_group_ids {
            let ok = id
                .strip_prefix("sg-")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()));
            if !ok {
                errors.push(KeyError::new(
                    "network.security-group-ids",
                    format!(
                        "expected security group ids like \"sg-0123456789abcdef0\", got {id:?}"
                    ),
                ));
            }
        }
        if let Some(ip) = &self.egress_ip {
            let addr = ip.strip_suffix("/32").unwrap_or(ip);
            if addr.parse::<IpAddr>().is_err() {
                errors.push(KeyError::new(
                    "network.egress-ip",
                    format!("expected this machine's public IP address such as \"203.0.113.7\", got {ip:?}"),
                ));
            }
        }
    }
}

// -------------------------------------------------------------------------------------------------
// Password sources

/// Where the password came from (shown to the user; never the password itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// `password-file` in [sink].
    File(PathBuf),
    /// The `STARROCKS_PASSWORD` environment variable.
    Env,
    /// The OS keyring entry (service, account).
    Keyring { service: String, account: String },
}

impl fmt::Display for PasswordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordSource::File(p) => write!(f, "password-file {}", p.display()),
            PasswordSource::Env => write!(f, "the environment variable {PASSWORD_ENV}"),
            PasswordSource::Keyring { service, account } => {
                write!(f, "the OS keyring (service {service}, account {account})")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// `password-file` is set but cannot be read (the other sources are not tried: the config
    /// asked for this one).
    #[error("cannot read the StarRocks password from password-file {}: {message}", path.display())]
    FileUnreadable { path: PathBuf, message: String },
    /// No source had a password.
    #[error(
        "no StarRocks password for {account}: set `password-file = \"…\"` in [sink], or the environment \
         variable {PASSWORD_ENV}, or store it in the OS keyring (service {KEYRING_SERVICE}, account \
         {account}) with `kinesis-starrocks secret set --config FILE` or the app's Cluster step{}",
        keyring_error.as_ref().map(|e| format!(" (the OS keyring could not be read: {e})")).unwrap_or_default()
    )]
    NotFound {
        account: String,
        /// Why the keyring could not be asked (no session bus, locked…), if that was the case.
        keyring_error: Option<String>,
    },
}

/// Asks the OS keyring for `(service, account)`: `Ok(None)` when there is no entry, `Err` when the
/// store cannot be reached (no session bus, locked keyring…). The desktop crate provides it.
pub type KeyringLookup<'a> = dyn Fn(&str, &str) -> Result<Option<String>, String> + 'a;

/// The keyring account of a sink's password: `<username>@<host>`, where host is the jdbc-url's
/// host, or the first load-url's host when there is no jdbc-url (e.g. `admin@xxxx.cloud-app.celerdata.com`).
/// The service is [`KEYRING_SERVICE`].
pub fn keyring_account(sink: &SinkConfig) -> String {
    format!(
        "{}@{}",
        sink.username,
        sink.cluster_host().unwrap_or("localhost")
    )
}

/// Finds the StarRocks password; first match wins (DESIGN.md §3):
/// 1. `password-file` (trailing newline trimmed) if the config names one — an unreadable file is
///    an error naming the path;
/// 2. the environment variable `STARROCKS_PASSWORD` (looked up through `env`);
/// 3. the OS keyring (`keyring(service, account)`, see [`keyring_account`]).
///
/// Otherwise an error that names all three ways.
pub fn resolve_password(
    sink: &SinkConfig,
    env: &dyn Fn(&str) -> Option<String>,
    keyring: &KeyringLookup<'_>,
) -> Result<(Secret, PasswordSource), PasswordError> {
    if let Some(path) = &sink.password_file {
        let text = std::fs::read_to_string(path).map_err(|e| PasswordError::FileUnreadable {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let pw = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(&text);
        return Ok((Secret::new(pw), PasswordSource::File(path.clone())));
    }
    if let Some(pw) = env(PASSWORD_ENV) {
        return Ok((Secret::new(pw), PasswordSource::Env));
    }
    let account = keyring_account(sink);
    let keyring_error = match keyring(KEYRING_SERVICE, &account) {
        Ok(Some(pw)) => {
            return Ok((
                Secret::new(pw),
                PasswordSource::Keyring {
                    service: KEYRING_SERVICE.into(),
                    account,
                },
            ));
        }
        Ok(None) => None,
        Err(e) => Some(e),
    };
    Err(PasswordError::NotFound {
        account,
        keyring_error,
    })
}

#[cfg(test)]
mod tests;
