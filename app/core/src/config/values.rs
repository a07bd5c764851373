//! The value types' config spellings and small parsers: enum names, `load-url`, `jdbc-url`, hosts,
//! stream ARNs.

use super::model::{
    EfoConsumer, JdbcUrl, KplOutOfRange, LoadUrl, OnDataError, ReadLimits, ReaderKind, SslMode,
};
use crate::domain::InitialPosition;
use std::fmt;
use std::net::IpAddr;

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

impl EfoConsumer {
    pub fn as_str(&self) -> &'static str {
        match self {
            EfoConsumer::Pipeline => "pipeline",
            EfoConsumer::Keep => "keep",
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

/// `on-data-error`'s spellings, exactly as written (after trimming).
pub(super) fn parse_on_data_error(s: &str) -> Option<OnDataError> {
    match s.trim() {
        "stop" => Some(OnDataError::Stop),
        "dead-letter" => Some(OnDataError::DeadLetter),
        _ => None,
    }
}

/// `initial-position`, case-insensitively, with `-` for `_`.
pub(super) fn parse_initial_position(s: &str) -> Option<InitialPosition> {
    match s.trim().to_ascii_uppercase().replace('-', "_").as_str() {
        "LATEST" => Some(InitialPosition::Latest),
        "TRIM_HORIZON" => Some(InitialPosition::TrimHorizon),
        "AT_TIMESTAMP" => Some(InitialPosition::AtTimestamp),
        _ => None,
    }
}

/// `reader`, case-insensitively.
pub(super) fn parse_reader(s: &str) -> Option<ReaderKind> {
    match s.trim().to_ascii_lowercase().as_str() {
        "polling" => Some(ReaderKind::Polling),
        "efo" => Some(ReaderKind::Efo),
        _ => None,
    }
}

/// `efo-consumer`, case-insensitively.
pub(super) fn parse_efo_consumer(s: &str) -> Option<EfoConsumer> {
    match s.trim().to_ascii_lowercase().as_str() {
        "pipeline" => Some(EfoConsumer::Pipeline),
        "keep" => Some(EfoConsumer::Keep),
        _ => None,
    }
}

/// `read-limits`, case-insensitively.
pub(super) fn parse_read_limits(s: &str) -> Option<ReadLimits> {
    match s.trim().to_ascii_lowercase().as_str() {
        "aws" => Some(ReadLimits::Aws),
        "none" => Some(ReadLimits::None),
        _ => None,
    }
}

/// `kpl-out-of-range`, case-insensitively.
pub(super) fn parse_kpl_out_of_range(s: &str) -> Option<KplOutOfRange> {
    match s.trim().to_ascii_lowercase().as_str() {
        "keep" => Some(KplOutOfRange::Keep),
        "drop" => Some(KplOutOfRange::Drop),
        _ => None,
    }
}

pub(super) fn initial_position_str(p: InitialPosition) -> &'static str {
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
pub(super) fn parse_stream_arn(s: &str) -> Option<(String, String)> {
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

pub(super) fn valid_stream_name(s: &str) -> bool {
    (1..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

pub(super) fn valid_region(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

pub(super) fn valid_endpoint_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    if scheme != "http" && scheme != "https" {
        return false;
    }
    let authority = rest.split('/').next().unwrap_or("");
    split_host_port(authority, Some(1)).is_some()
}
