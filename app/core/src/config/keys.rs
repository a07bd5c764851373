//! The one table of config keys (section, name, type, default, doc, since). The parser's known-key
//! lists and "did you mean", the writer's order and sections, the defaults quoted in validation
//! messages, [`known_keys`] and the check of `packaging/example-pipeline.toml` all derive from it.
//!
//! Adding a key: a row here, its field in `model.rs`, one arm each in `parse.rs` and `write.rs`;
//! the tests in `tests/keys.rs` fail until all of them (and the example file) agree.

use super::model::defaults;

/// The table a key lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The top level of the file (`name`, `state-dir`, …).
    Top,
    Source,
    Sink,
    Network,
}

impl Section {
    /// The TOML table's name (`None` for the top level).
    pub fn table(self) -> Option<&'static str> {
        match self {
            Section::Top => None,
            Section::Source => Some("source"),
            Section::Sink => Some("sink"),
            Section::Network => Some("network"),
        }
    }
}

/// A key's value type, as written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A string.
    Str,
    /// A file or directory path (relative to the config file's directory; `~/` is home).
    Path,
    /// A non-negative integer.
    Int,
    /// One of these spellings.
    Choice(&'static [&'static str]),
    /// An RFC 3339 timestamp.
    Timestamp,
    /// An array of strings.
    StrList,
    /// `properties.<header> = value`: any number of Stream Load headers.
    Properties,
}

/// What a key is when the file does not set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyDefault {
    /// No default: the file must set it.
    Required,
    /// Optional; when absent the feature it configures is not used.
    Unset,
    /// Computed from other values; the text says how.
    Derived(&'static str),
    /// This string.
    Str(&'static str),
    /// This integer.
    Int(u64),
}

impl KeyDefault {
    /// The default as a TOML value (`"stop"`, `30000`), when it is a fixed value.
    pub fn toml(&self) -> Option<String> {
        match self {
            KeyDefault::Str(s) => Some(toml::Value::String(s.to_string()).to_string()),
            KeyDefault::Int(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// One config key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    pub section: Section,
    /// The key inside its section; a dotted name (`buffer-flush.max-bytes`) is a sub-table's key,
    /// `properties.*` stands for any Stream Load property.
    pub name: &'static str,
    pub kind: KeyKind,
    pub default: KeyDefault,
    /// One line of documentation.
    pub doc: &'static str,
    /// The version that introduced the key.
    pub since: &'static str,
}

impl KeySpec {
    /// The dotted path used in messages: `name`, `source.stream`, `sink.buffer-flush.max-rows`.
    pub fn path(&self) -> String {
        match self.section.table() {
            None => self.name.to_string(),
            Some(t) => format!("{t}.{}", self.name),
        }
    }

    /// `"a", "b" or "c"`: the choices of a [`KeyKind::Choice`] key, for messages.
    pub(crate) fn choices_or(&self) -> String {
        let quoted = self.quoted_choices();
        match quoted.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => quoted.join(""),
        }
    }

    /// `"a", "b", "c"`: the choices of a [`KeyKind::Choice`] key, for messages.
    pub(crate) fn choices_list(&self) -> String {
        self.quoted_choices().join(", ")
    }

    fn quoted_choices(&self) -> Vec<String> {
        match self.kind {
            KeyKind::Choice(c) => c.iter().map(|c| format!("{c:?}")).collect(),
            _ => Vec::new(),
        }
    }

    /// The fixed default as text (`30000`, `stop`), for messages.
    pub(crate) fn default_text(&self) -> String {
        match self.default {
            KeyDefault::Str(s) => s.to_string(),
            KeyDefault::Int(n) => n.to_string(),
            KeyDefault::Derived(d) => d.to_string(),
            KeyDefault::Required | KeyDefault::Unset => String::new(),
        }
    }
}

const V0_1: &str = "0.1.0";

const fn key(
    section: Section,
    name: &'static str,
    kind: KeyKind,
    default: KeyDefault,
    doc: &'static str,
) -> KeySpec {
    KeySpec {
        section,
        name,
        kind,
        default,
        doc,
        since: V0_1,
    }
}

use KeyDefault::{Derived, Int, Required, Str, Unset};
use Section::{Network, Sink, Source, Top};

/// Every key a config file accepts, in the order the file is written (docs/config.md §3).
pub static KEYS: &[KeySpec] = &[
    key(
        Top,
        "name",
        KeyKind::Str,
        Required,
        "Pipeline name (letters, digits, '-', '_'; at most 40): the checkpoint key and label prefix derive from it",
    ),
    key(
        Top,
        "state-dir",
        KeyKind::Path,
        Derived("<XDG data dir>/pipelines/<name>"),
        "Checkpoints, load intents and dead letters",
    ),
    key(
        Top,
        "on-data-error",
        KeyKind::Choice(&["stop", "dead-letter"]),
        Str("stop"),
        "What a batch StarRocks rejects for data reasons does: stop, or go to state-dir/dead-letter/",
    ),
    key(
        Source,
        "stream",
        KeyKind::Str,
        Required,
        "Kinesis stream name, or its ARN (which fills in the region)",
    ),
    key(
        Source,
        "region",
        KeyKind::Str,
        Derived("the stream ARN's region, else the AWS SDK's"),
        "AWS region",
    ),
    key(
        Source,
        "profile",
        KeyKind::Str,
        Unset,
        "AWS profile; the SDK's default credential chain otherwise",
    ),
    key(
        Source,
        "endpoint-url",
        KeyKind::Str,
        Unset,
        "Kinesis endpoint (emulators, VPC endpoints)",
    ),
    key(
        Source,
        "initial-position",
        KeyKind::Choice(&["LATEST", "TRIM_HORIZON", "AT_TIMESTAMP"]),
        Str("LATEST"),
        "Where a shard is read from the first time (afterwards: always the checkpoint)",
    ),
    key(
        Source,
        "initial-timestamp",
        KeyKind::Timestamp,
        Unset,
        "The start time, required with initial-position = \"AT_TIMESTAMP\"",
    ),
    key(
        Source,
        "reader",
        KeyKind::Choice(&["polling", "efo"]),
        Str("polling"),
        "How shards are read; \"efo\" (enhanced fan-out) is not built yet and is refused",
    ),
    key(
        Source,
        "read-limits",
        KeyKind::Choice(&["aws", "none"]),
        Str("aws"),
        "Client-side GetRecords limits per shard: AWS's (5 calls and 2 MiB a second) or none",
    ),
    key(
        Source,
        "kpl-out-of-range",
        KeyKind::Choice(&["keep", "drop"]),
        Str("keep"),
        "KPL sub-records whose hash key lies outside the shard: keep them, or drop them as KCL does",
    ),
    key(
        Source,
        "operation-timeout-ms",
        KeyKind::Int,
        Int(defaults::OPERATION_TIMEOUT_MS),
        "Bound on every AWS call",
    ),
    key(
        Source,
        "discovery-interval-ms",
        KeyKind::Int,
        Int(defaults::DISCOVERY_INTERVAL_MS),
        "How often ListShards runs again to find new shards",
    ),
    key(
        Sink,
        "jdbc-url",
        KeyKind::Str,
        Unset,
        "jdbc:mysql://host:port of the FE query port: schema checks, table creation",
    ),
    key(
        Sink,
        "load-url",
        KeyKind::Str,
        Required,
        "Stream Load endpoint(s), ';'-separated; http:// when there is no scheme",
    ),
    key(
        Sink,
        "username",
        KeyKind::Str,
        Required,
        "The StarRocks user that loads (INSERT on the table)",
    ),
    key(
        Sink,
        "password-file",
        KeyKind::Path,
        Unset,
        "A file holding the password (first of the password sources)",
    ),
    key(
        Sink,
        "database-name",
        KeyKind::Str,
        Required,
        "The StarRocks database",
    ),
    key(
        Sink,
        "table-name",
        KeyKind::Str,
        Required,
        "The StarRocks table",
    ),
    key(
        Sink,
        "ssl-mode",
        KeyKind::Choice(&[
            "disabled",
            "preferred",
            "required",
            "verify-ca",
            "verify-identity",
        ]),
        Str("preferred"),
        "TLS on the MySQL port",
    ),
    key(
        Sink,
        "ssl-ca",
        KeyKind::Path,
        Unset,
        "PEM file of a private CA for verify-ca / verify-identity and https load URLs",
    ),
    key(
        Sink,
        "buffer-flush.max-bytes",
        KeyKind::Int,
        Int(defaults::BUFFER_FLUSH_MAX_BYTES),
        "A batch is loaded at this many bytes",
    ),
    key(
        Sink,
        "buffer-flush.max-rows",
        KeyKind::Int,
        Int(defaults::BUFFER_FLUSH_MAX_ROWS),
        "A batch is loaded at this many rows",
    ),
    key(
        Sink,
        "buffer-flush.interval-ms",
        KeyKind::Int,
        Int(defaults::BUFFER_FLUSH_INTERVAL_MS),
        "A batch is loaded at this age",
    ),
    key(
        Sink,
        "label-prefix",
        KeyKind::Str,
        Derived("the pipeline name"),
        "Prefix of the Stream Load labels",
    ),
    key(
        Sink,
        "connect-timeout-ms",
        KeyKind::Int,
        Int(defaults::CONNECT_TIMEOUT_MS),
        "Bound on a TCP connect to a load URL",
    ),
    key(
        Sink,
        "socket-timeout-ms",
        KeyKind::Int,
        Int(defaults::SOCKET_TIMEOUT_MS),
        "Bound on one Stream Load request, end to end",
    ),
    key(
        Sink,
        "max-retries",
        KeyKind::Int,
        Int(defaults::MAX_RETRIES as u64),
        "Transient failures before the pipeline shows itself stalled (it keeps retrying)",
    ),
    key(
        Sink,
        "retry-interval-ms",
        KeyKind::Int,
        Int(defaults::RETRY_INTERVAL_MS),
        "First retry delay (exponential backoff with jitter)",
    ),
    key(
        Sink,
        "max-inflight-loads",
        KeyKind::Int,
        Int(defaults::MAX_INFLIGHT_LOADS as u64),
        "Loads in flight at once; this version refuses anything but 1",
    ),
    key(
        Sink,
        "properties.*",
        KeyKind::Properties,
        Unset,
        "Stream Load properties, sent as HTTP headers verbatim",
    ),
    key(
        Network,
        "security-group-ids",
        KeyKind::StrList,
        Derived("discovered from the cluster's addresses"),
        "The cluster's security groups, for the network check",
    ),
    key(
        Network,
        "egress-ip",
        KeyKind::Str,
        Derived("detected"),
        "This machine's public address, for the network check",
    ),
];

/// The row for a dotted path (`source.stream`); a caller passes a path from this table, so a
/// missing row is a bug the tests catch.
pub(crate) fn spec(path: &str) -> &'static KeySpec {
    KEYS.iter()
        .find(|k| k.path() == path)
        .unwrap_or_else(|| panic!("{path} is not in the config key table"))
}

/// The names accepted directly in `section`'s table, in table order: its keys, plus the
/// sub-tables dotted keys form (`buffer-flush`, `properties`) before their first key; at the top
/// level also the section tables.
pub(crate) fn names_in(section: Section) -> Vec<&'static str> {
    let mut names = Vec::new();
    for k in KEYS.iter().filter(|k| k.section == section) {
        if let Some((table, rest)) = k.name.split_once('.') {
            if !names.contains(&table) {
                names.push(table);
            }
            if rest == "*" {
                continue;
            }
        }
        names.push(k.name);
    }
    if section == Section::Top {
        let mut tables: Vec<&'static str> = Vec::new();
        for t in KEYS.iter().filter_map(|k| k.section.table()) {
            if !tables.contains(&t) {
                tables.push(t);
            }
        }
        names.extend(tables);
    }
    names
}

/// The keys of the sub-table `table` of `section` (`max-bytes`, … for `buffer-flush`).
pub(crate) fn names_in_subtable(section: Section, table: &str) -> Vec<&'static str> {
    KEYS.iter()
        .filter(|k| k.section == section)
        .filter_map(|k| k.name.strip_prefix(table)?.strip_prefix('.'))
        .collect()
}

/// Every key a config file accepts, as dotted paths (`name`, `source.stream`,
/// `sink.buffer-flush.max-rows`, …); `sink.properties.*` stands for the Stream Load properties.
/// Tables themselves (`source`, `sink.buffer-flush`, …) are not listed.
pub fn known_keys() -> Vec<String> {
    KEYS.iter().map(KeySpec::path).collect()
}

/// The message for an unknown key: the nearest known one, or the whole list when none is near.
pub(crate) fn unknown_key_message(key: &str, known: &[&str]) -> String {
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
