//! How a Stream Load attempt fails, classified for the retry decision and worded for the user:
//! every message names the label and the node (or address) and says what to do.

use std::fmt;

/// Row counts and timing of a load answer (also carried by data-quality failures).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadStats {
    pub txn_id: Option<i64>,
    pub total_rows: u64,
    pub loaded_rows: u64,
    pub filtered_rows: u64,
    pub unselected_rows: u64,
    pub load_bytes: u64,
    pub load_time_ms: u64,
}

impl fmt::Display for LoadStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rows: {} loaded, {} filtered, {} unselected",
            self.total_rows, self.loaded_rows, self.filtered_rows, self.unselected_rows
        )
    }
}

/// Why an address could not be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnreachableKind {
    /// The name does not resolve (never retried: it will not resolve the next time either).
    Dns,
    /// Connection refused.
    Refused,
    /// The TCP connect timed out (a firewall or security group dropping packets, a private address).
    Timeout,
    /// The TLS handshake failed (certificate not trusted, wrong name, not TLS at all).
    Tls,
    /// Anything else at connect time.
    Other,
}

impl UnreachableKind {
    fn describe(&self) -> &'static str {
        match self {
            UnreachableKind::Dns => "the name does not resolve",
            UnreachableKind::Refused => "connection refused",
            UnreachableKind::Timeout => "the connection timed out",
            UnreachableKind::Tls => "the TLS handshake failed",
            UnreachableKind::Other => "cannot connect",
        }
    }
}

/// One failed Stream Load attempt. [`LoadError::is_retryable`] says whether sending the same
/// label again can help; the engine decides how long to keep trying.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    /// 5xx, connection reset, refused or timed out, a request timeout, or a `Fail` whose message
    /// StarRocks documents as transient. Retry under the same label (the label makes it safe).
    #[error(
        "Stream Load {label} via {node}: {reason}; it is retried under the same label, so nothing is loaded twice"
    )]
    Transient {
        label: String,
        node: String,
        reason: String,
    },
    /// "too many tablet versions" / "too many versions": loads arrive faster than the cluster
    /// compacts them. Retried under the same label after at least [`VERSIONS_BACKOFF`]; the
    /// message names the remedy (docs/starrocks-protocol.md §6).
    #[error(
        "Stream Load {label} via {node}: StarRocks has too many unmerged versions of the table's data ({message}): loads arrive faster than it compacts them. The batch is retried under the same label after a longer wait, so nothing is lost or loaded twice. {}",
        ks_core::load_frequency::REMEDY
    )]
    TooManyVersions {
        label: String,
        node: String,
        message: String,
    },
    /// `Label Already Exists` with `ExistingJobStatus: RUNNING`: an earlier attempt of this label
    /// is still being loaded. Retry the SAME label later: it turns into FINISHED (already loaded)
    /// or the label is freed if that attempt aborts.
    #[error(
        "Stream Load {label} via {node}: an earlier attempt with this label is still RUNNING; retry the same label later (it becomes FINISHED, i.e. already loaded, or is freed if that attempt aborts)"
    )]
    LabelRunning { label: String, node: String },
    /// The batch was rejected for its data (`too many filtered rows`, …). Never retried blindly:
    /// the same rows would be rejected again. `error_lines` are the ErrorURL's first lines.
    #[error(
        "Stream Load {label} via {node} was rejected for its data: {message} ({stats}){}; fix the records or the table/jsonpaths/columns mapping, raise properties.max_filter_ratio to accept some bad rows, or use on-data-error = \"dead-letter\"",
        first_error_line(error_lines, error_url)
    )]
    DataQuality {
        label: String,
        node: String,
        message: String,
        error_url: Option<String>,
        error_lines: Vec<String>,
        stats: LoadStats,
    },
    /// 401 / `Access denied` / no valid Basic authorization: wrong user or password, or no INSERT
    /// privilege. Never retried.
    #[error(
        "Stream Load {label} via {node}: StarRocks refused the credentials or the privilege: {message}; check sink.username, the password (password-file, STARROCKS_PASSWORD or the keyring) and that the user has INSERT on the table"
    )]
    Auth {
        label: String,
        node: String,
        message: String,
    },
    /// The table does not exist. Never retried.
    #[error(
        "Stream Load {label} via {node}: {message}; create the table (`kinesis-starrocks init-table`) or fix sink.table-name"
    )]
    UnknownTable {
        label: String,
        node: String,
        message: String,
    },
    /// The database does not exist. Never retried.
    #[error(
        "Stream Load {label} via {node}: {message}; create the database or fix sink.database-name"
    )]
    UnknownDatabase {
        label: String,
        node: String,
        message: String,
    },
    /// An address we were sent to (the FE's 307 target) or a load-url host that does not resolve
    /// or cannot be connected to.
    #[error("Stream Load {label}: {}", unreachable_text(address, reason, *kind, *redirected, via.as_deref()))]
    Unreachable {
        label: String,
        /// `host:port` that could not be reached.
        address: String,
        reason: String,
        kind: UnreachableKind,
        /// `true` when the address came from an FE redirect (`Location`), not from load-url.
        redirected: bool,
        /// The FE that redirected (for the message).
        via: Option<String>,
    },
    /// Several load-urls and none accepted a TCP connection (flink-connector-starrocks:
    /// "None of the hosts in load-url could be connected").
    #[error(
        "Stream Load {label}: none of the hosts in load-url could be connected ({}); StarRocks may be down, or this machine may not be allowed on those ports",
        hosts.join(", ")
    )]
    NoReachableHost { label: String, hosts: Vec<String> },
    /// An answer we cannot interpret (not JSON, an unexpected HTTP status, a redirect loop, the
    /// `Expect` header stripped by a proxy). Not retried blindly.
    #[error("Stream Load {label} via {node}: {message}")]
    Protocol {
        label: String,
        node: String,
        message: String,
    },
    /// Any other `Status: Fail`. `retryable` only for messages StarRocks documents as transient.
    #[error("Stream Load {label} via {node} failed: {message}{}", if *retryable { "; this is a transient StarRocks condition, retried under the same label" } else { "" })]
    Fail {
        label: String,
        node: String,
        message: String,
        retryable: bool,
        error_url: Option<String>,
        error_lines: Vec<String>,
    },
}

fn first_error_line(lines: &[String], url: &Option<String>) -> String {
    match (lines.first(), url) {
        (Some(l), _) => format!("; first rejected row: {l}"),
        (None, Some(u)) => format!("; rejected rows: {u}"),
        (None, None) => String::new(),
    }
}

fn unreachable_text(
    address: &str,
    reason: &str,
    kind: UnreachableKind,
    redirected: bool,
    via: Option<&str>,
) -> String {
    if redirected {
        let via = via.map(|v| format!(" by {v}")).unwrap_or_default();
        let loopback = address.starts_with("127.")
            || address.starts_with("localhost:")
            || address.starts_with("[::1]");
        let docker = if loopback {
            " (a BE registered as 127.0.0.1/localhost, as the Docker all-in-one image does, is only reachable on the FE's own machine)"
        } else {
            ""
        };
        format!(
            "cannot reach {address}, where the load was redirected{via}: {} ({reason}){docker}; the BE/CN address the FE redirected to is not reachable from this machine; use a load-url that points straight at the BE/CN nodes, an FE proxy, or the CelerData HTTPS endpoint",
            kind.describe()
        )
    } else {
        let what = match kind {
            UnreachableKind::Dns => {
                "check sink.load-url (the host name does not resolve from this machine)"
            }
            UnreachableKind::Tls => {
                "check that the load-url's scheme matches the port (https on 443/8443, http on 8030) and that its certificate is trusted (sink.ssl-ca for a private CA)"
            }
            _ => {
                "check sink.load-url, that StarRocks is up, and that this machine is allowed on that port (security group inbound rule)"
            }
        };
        format!(
            "cannot reach the load-url host {address}: {} ({reason}); {what}",
            kind.describe()
        )
    }
}

impl LoadError {
    /// Whether sending the same label again may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            LoadError::Transient { .. }
            | LoadError::TooManyVersions { .. }
            | LoadError::LabelRunning { .. }
            | LoadError::NoReachableHost { .. } => true,
            LoadError::Unreachable { kind, .. } => {
                !matches!(kind, UnreachableKind::Dns | UnreachableKind::Tls)
            }
            LoadError::Fail { retryable, .. } => *retryable,
            LoadError::DataQuality { .. }
            | LoadError::Auth { .. }
            | LoadError::UnknownTable { .. }
            | LoadError::UnknownDatabase { .. }
            | LoadError::Protocol { .. } => false,
        }
    }

    /// A short stable name for metrics and logs: `transient`, `label_running`, `data_quality`,
    /// `auth`, `unknown_table`, `unknown_database`, `unreachable`, `no_reachable_host`,
    /// `protocol`, `fail`.
    pub fn kind(&self) -> &'static str {
        match self {
            LoadError::Transient { .. } => "transient",
            LoadError::TooManyVersions { .. } => "too_many_versions",
            LoadError::LabelRunning { .. } => "label_running",
            LoadError::DataQuality { .. } => "data_quality",
            LoadError::Auth { .. } => "auth",
            LoadError::UnknownTable { .. } => "unknown_table",
            LoadError::UnknownDatabase { .. } => "unknown_database",
            LoadError::Unreachable { .. } => "unreachable",
            LoadError::NoReachableHost { .. } => "no_reachable_host",
            LoadError::Protocol { .. } => "protocol",
            LoadError::Fail { .. } => "fail",
        }
    }

    /// The shortest wait before this error's next attempt: compaction needs seconds to merge
    /// versions, and retrying sooner only adds another version.
    pub fn min_retry_delay(&self) -> std::time::Duration {
        match self {
            LoadError::TooManyVersions { .. } => VERSIONS_BACKOFF,
            _ => std::time::Duration::ZERO,
        }
    }

    /// Whether the batch itself is at fault (the engine's dead-letter decision).
    pub fn is_data_error(&self) -> bool {
        matches!(self, LoadError::DataQuality { .. })
    }

    /// The ErrorURL lines that came with the failure (empty if none).
    pub fn error_lines(&self) -> &[String] {
        match self {
            LoadError::DataQuality { error_lines, .. } | LoadError::Fail { error_lines, .. } => {
                error_lines
            }
            _ => &[],
        }
    }

    pub fn error_url(&self) -> Option<&str> {
        match self {
            LoadError::DataQuality { error_url, .. } | LoadError::Fail { error_url, .. } => {
                error_url.as_deref()
            }
            _ => None,
        }
    }

    pub fn label(&self) -> &str {
        match self {
            LoadError::Transient { label, .. }
            | LoadError::TooManyVersions { label, .. }
            | LoadError::LabelRunning { label, .. }
            | LoadError::DataQuality { label, .. }
            | LoadError::Auth { label, .. }
            | LoadError::UnknownTable { label, .. }
            | LoadError::UnknownDatabase { label, .. }
            | LoadError::Unreachable { label, .. }
            | LoadError::NoReachableHost { label, .. }
            | LoadError::Protocol { label, .. }
            | LoadError::Fail { label, .. } => label,
        }
    }
}

/// The least wait before retrying a "too many versions" answer.
pub const VERSIONS_BACKOFF: std::time::Duration = std::time::Duration::from_secs(5);

/// Messages of `Status: Fail` that StarRocks documents as transient (retry the same label).
/// "current running txns on db" is deliberately not here: flink-connector-starrocks does not
/// retry it (too many concurrent loads; retrying adds to the pile).
const TRANSIENT_FAIL_MESSAGES: &[&str] = &[
    "timeout by txn manager",
    "exceed http cuncurrent limit", // sic: StarRocks' own spelling
    "exceed http concurrent limit",
    "close index channel failed",
    "get database write lock timeout",
    "no backend alive",
    "no available backend",
    "backend not found",
    "service unavailable",
    "resource busy",
    "resourcebusy",
    "rpc failed",
    "rpc timeout",
    "commit timeout",
    "publish timeout",
    "receive body don't equal with body bytes",
    "failed to send",
    "memory of process exceed limit",
    "mem usage has exceed the limit",
];

/// Messages that are the batch's fault (never retried, dead-letter candidates).
const DATA_MESSAGES: &[&str] = &[
    "too many filtered rows",
    "value count does not match column count",
    "failed to parse json",
    "json parse error",
    "the json data is invalid",
    "the size of this batch exceed the max size",
    "primary key size exceed the limit",
];

/// What a `Fail`/`FAILED` message means.
pub(crate) enum FailClass {
    Data,
    Auth,
    UnknownTable,
    UnknownDatabase,
    NoContinue,
    TooManyVersions,
    Transient,
    Other,
}

pub(crate) fn classify_fail_message(message: &str) -> FailClass {
    let m = message.to_ascii_lowercase();
    if m.contains("there is no 100-continue header") {
        FailClass::NoContinue
    } else if m.contains("access denied")
        || m.contains("no valid basic authorization")
        || m.contains("need auth information")
    {
        FailClass::Auth
    } else if m.contains("unknown table") {
        FailClass::UnknownTable
    } else if m.contains("unknown database") {
        FailClass::UnknownDatabase
    } else if DATA_MESSAGES.iter().any(|d| m.contains(d)) {
        FailClass::Data
    } else if m.contains("too many versions") || m.contains("too many tablet versions") {
        FailClass::TooManyVersions
    } else if m.contains("current running txns on db") {
        FailClass::Other
    } else if TRANSIENT_FAIL_MESSAGES.iter().any(|t| m.contains(t)) {
        FailClass::Transient
    } else {
        FailClass::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(message: &str) -> FailClass {
        classify_fail_message(message)
    }

    #[test]
    fn fail_messages_are_classified_like_the_connector() {
        assert!(matches!(fail("too many filtered rows"), FailClass::Data));
        assert!(matches!(
            fail("Access denied for root@1.2.3.4"),
            FailClass::Auth
        ));
        assert!(matches!(
            fail("unknown table, table=t"),
            FailClass::UnknownTable
        ));
        assert!(matches!(
            fail("unknown database, database=d"),
            FailClass::UnknownDatabase
        ));
        assert!(matches!(
            fail("timeout by txn manager"),
            FailClass::Transient
        ));
        assert!(matches!(
            fail("Stream Load exceed http cuncurrent limit 100, please try again later"),
            FailClass::Transient
        ));
        assert!(matches!(
            fail("close index channel failed"),
            FailClass::Transient
        ));
        assert!(matches!(
            fail("current running txns on db 10 is 1000, larger than limit 1000"),
            FailClass::Other
        ));
        assert!(matches!(
            fail("class com.starrocks.common.DdlException: There is no 100-continue header"),
            FailClass::NoContinue
        ));
        assert!(matches!(
            fail("Too many versions. tablet_id: 10123, version_count: 1001, limit: 1000"),
            FailClass::TooManyVersions
        ));
        assert!(matches!(
            fail("too many tablet versions, tablet_id=10123"),
            FailClass::TooManyVersions
        ));
        assert!(matches!(fail("something new"), FailClass::Other));
    }

    #[test]
    fn retryability() {
        let t = |e: LoadError| e.is_retryable();
        let l = || "L".to_string();
        let n = || "be:8040".to_string();
        assert!(t(LoadError::Transient {
            label: l(),
            node: n(),
            reason: "x".into()
        }));
        assert!(t(LoadError::LabelRunning {
            label: l(),
            node: n()
        }));
        assert!(!t(LoadError::Auth {
            label: l(),
            node: n(),
            message: "x".into()
        }));
        assert!(!t(LoadError::Protocol {
            label: l(),
            node: n(),
            message: "x".into()
        }));
        let unreachable = |kind| LoadError::Unreachable {
            label: l(),
            address: "be-0.invalid:8040".into(),
            reason: "dns error".into(),
            kind,
            redirected: true,
            via: Some("fe:8030".into()),
        };
        assert!(!t(unreachable(UnreachableKind::Dns)));
        assert!(t(unreachable(UnreachableKind::Refused)));
        let m = unreachable(UnreachableKind::Dns).to_string();
        assert!(m.contains("be-0.invalid:8040"), "{m}");
        assert!(m.contains("the BE/CN address the FE redirected to is not reachable from this machine; use a load-url that points straight at the BE/CN nodes, an FE proxy, or the CelerData HTTPS endpoint"), "{m}");
    }
}
