//! Semantic validation of a config (also for configs built in code, e.g. by the wizard).

use super::errors::KeyError;
use super::keys::{KEYS, KeySpec, KeyValue, Section};
use super::model::{JdbcUrl, LoadUrl};
use super::model::{
    MAX_BUFFER_FLUSH_BYTES, MAX_BUFFER_FLUSH_INTERVAL_MS, MAX_LABEL_PREFIX_LEN, MAX_NAME_LEN,
    NetworkConfig, PipelineConfig, ReaderKind, SinkConfig, SourceConfig,
};
use super::password::PASSWORD_ENV;
use super::values::{parse_stream_arn, valid_endpoint_url, valid_region, valid_stream_name};
use crate::domain::InitialPosition;
use std::net::IpAddr;

/// The most loads `sink.max-inflight-loads` allows in flight (each holds a StarRocks
/// transaction open; `max_running_txn_num_per_db` is shared by every loader of the database).
pub const MAX_INFLIGHT_LOADS_LIMIT: usize = 8;

impl PipelineConfig {
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
        // The minimums come from the key table, which reads the whole config.
        self.source
            .validate(&mut errors, below_minimum(self, Section::Source));
        self.sink
            .validate(&mut errors, below_minimum(self, Section::Sink));
        self.network.validate(&mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The keys of `section` whose value is below their row's minimum, with the row's message.
fn below_minimum(c: &PipelineConfig, section: Section) -> Vec<(&'static KeySpec, String)> {
    let mut out = Vec::new();
    for row in KEYS.iter().filter(|k| k.section == section) {
        if let Some((least, message)) = row.below_minimum()
            && let Some(KeyValue::Int(v)) = (row.get)(c)
            && v < least
        {
            out.push((row, message));
        }
    }
    out
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

/// StarRocks database/table names go into the Stream Load URL path (percent-encoded) and into
/// SQL (quoted with backticks). Table names may be Chinese or hold spaces, as StarRocks allows
/// (FeNameFormat: any character but NUL); database names are ASCII letters, digits and '_' in
/// StarRocks, and the cluster says so itself. Refused here: what cannot travel either way.
fn validate_object_name(what: &str, s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err(format!("required: the StarRocks {what} name"));
    }
    let refused = |c: &char| {
        c.is_control()
            || matches!(c, '/' | '`')
            || (what == "database" && (c.is_whitespace() || matches!(c, '?' | '#' | '%')))
    };
    if let Some(c) = s.chars().find(refused) {
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

pub(super) fn is_password_like(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("password") || k.contains("passwd")
}

/// Merge commit has StarRocks make the labels and ignore the client's (docs/starrocks-protocol.md
/// §1.4): a batch retried after a lost answer would load twice.
const MERGE_COMMIT_REFUSAL: &str = "merge commit makes StarRocks choose the labels and ignore ours, \
     so a batch retried after a lost answer would load twice (exactly-once depends on the labels); \
     to load less often, raise buffer-flush.interval-ms";

/// Headers the loader sets itself; a property may not override them.
const RESERVED_PROPERTIES: &[(&str, &str)] = &[
    (
        "label",
        "the loader sets a deterministic label per batch (that is how exactly-once works); use label-prefix",
    ),
    ("expect", "the loader always sends Expect: 100-continue"),
    ("enable_merge_commit", MERGE_COMMIT_REFUSAL),
    ("merge_commit_interval_ms", MERGE_COMMIT_REFUSAL),
    ("merge_commit_parallel", MERGE_COMMIT_REFUSAL),
    ("merge_commit_async", MERGE_COMMIT_REFUSAL),
    (
        "authorization",
        "the loader sends Basic auth from username and the password sources",
    ),
    ("content-length", "the loader sets it"),
    ("transfer-encoding", "the loader sets it"),
    ("host", "the loader sets it"),
    ("connection", "the loader sets it"),
];

pub(super) fn password_refusal() -> String {
    format!(
        "the password never goes in the config file; give it with `password-file = \"…\"` in [sink], \
         the environment variable {PASSWORD_ENV}, or the OS keyring (`kinesis-starrocks secret set --config FILE` \
         or the app's Cluster step)"
    )
}

impl SourceConfig {
    fn validate(&self, errors: &mut Vec<KeyError>, below_minimum: Vec<(&'static KeySpec, String)>) {
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
        if self.reader != ReaderKind::Efo {
            // Not silently ignored: a consumer setting means the user expects enhanced fan-out.
            if let Some(name) = &self.efo_consumer_name {
                errors.push(KeyError::new(
                    "source.efo-consumer-name",
                    format!(
                        "{name:?} is only used with reader = \"efo\" (enhanced fan-out); set it, \
                         or remove the key to read by polling"
                    ),
                ));
            }
            if self.efo_consumer != super::EfoConsumer::default() {
                errors.push(KeyError::new(
                    "source.efo-consumer",
                    "only used with reader = \"efo\" (enhanced fan-out); set it, or remove the key \
                     to read by polling",
                ));
            }
        }
        if let Some(name) = &self.efo_consumer_name {
            let ok = (1..=128).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !ok {
                errors.push(KeyError::new(
                    "source.efo-consumer-name",
                    format!(
                        "{name:?} is not a Kinesis consumer name: 1 to 128 of letters, digits, \
                         '_', '.' and '-'"
                    ),
                ));
            }
        }
        for (row, message) in below_minimum {
            errors.push(KeyError::new(row.path(), message));
        }
    }
}

impl SinkConfig {
    fn validate(&self, errors: &mut Vec<KeyError>, below_minimum: Vec<(&'static KeySpec, String)>) {
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
        for (row, message) in below_minimum {
            e(row.name, message);
        }
        if !(1..=MAX_INFLIGHT_LOADS_LIMIT).contains(&self.max_inflight_loads) {
            e(
                "max-inflight-loads",
                format!(
                    "{} is out of range: 1 (one plain Stream Load at a time) to \
                     {MAX_INFLIGHT_LOADS_LIMIT} (loads prepared in parallel through the transaction \
                     API, committed in batch order)",
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
            } else if key.eq_ignore_ascii_case("strip_outer_array")
                && self.format() == "json"
                && !value.trim().eq_ignore_ascii_case("true")
            {
                // With it off StarRocks reads each body as one array value and fails every row
                // ("JSON data is an array, strip_outer_array must be set true").
                e(
                    &k,
                    format!(
                        "{value:?} cannot work: JSON batches are sent as one array ([r1,r2,…]) that \
                         StarRocks must strip into rows; leave it out (it defaults to true) or set \
                         \"true\""
                    ),
                );
            }
        }
        let property = |name: &str| super::property(&self.properties, name).map(str::trim);
        if property("partial_update").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            && property("columns").is_none_or(str::is_empty)
        {
            e(
                "properties.partial_update",
                partial_update_needs_columns(property("jsonpaths")),
            );
        }
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

/// Partial updates without a `columns` list overwrite every column the records lack with NULL
/// (flink-connector-starrocks #424, #428): the list says which columns a record updates. With
/// `jsonpaths`, the columns they fill are proposed.
fn partial_update_needs_columns(jsonpaths: Option<&str>) -> String {
    let proposed = jsonpaths
        .and_then(|j| serde_json::from_str::<Vec<String>>(j).ok())
        .map(|paths| {
            paths
                .iter()
                .map(|p| {
                    p.rsplit('.')
                        .next()
                        .unwrap_or(p)
                        .trim_matches('"')
                        .to_string()
                })
                .collect::<Vec<_>>()
                .join(", ")
        });
    let mut message = "partial updates need properties.columns, the columns each record updates \
                       (the key columns and the ones the records carry); without it StarRocks \
                       writes NULL into every other column"
        .to_string();
    if let Some(columns) = proposed {
        message.push_str(&format!(
            "; for these jsonpaths: properties.columns = \"{columns}\""
        ));
    }
    message
}
