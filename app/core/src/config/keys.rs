//! The one table of config keys. A row says everything about its key: section, name, type,
//! default, one line of doc, since, the minimum validation quotes, and how the key is read from
//! the file into its field (`read`) and written back (`get`). The parser and the writer walk this
//! table; the known-key lists and "did you mean", the defaults and choices quoted in messages,
//! [`known_keys`], and the checks of `packaging/example-pipeline.toml` and docs/config.md §3 all
//! derive from it.
//!
//! Adding a key: its row here (with its accessors), and the field it lands in (`model.rs`: the
//! data model the engine and the GUI read). The tests in `tests/keys.rs` fail until the row, the
//! field, the example file and docs/config.md agree. Rules between keys stay in `validate.rs`.

mod spec;

#[cfg(test)]
pub(crate) use spec::spec;
pub use spec::{KeyDefault, KeyKind, KeySpec, Section, known_keys};
pub(crate) use spec::{KeyValue, names_in, names_in_subtable, unknown_key_message};

use super::model::defaults;
use super::parse::default_state_dir;
use super::reader::Expected::{Choices, OneOf, Text};
use super::readers;
use super::values::{
    initial_position_str, parse_efo_consumer, parse_initial_position, parse_kpl_out_of_range,
    parse_on_data_error, parse_read_limits, parse_reader,
};
use super::{ReaderKind, SslMode};
use spec::{GetFn, ReadFn};
use std::path::{Path, PathBuf};

const V0_1: &str = "0.1.0";

const fn key(
    section: Section,
    name: &'static str,
    kind: KeyKind,
    default: KeyDefault,
    doc: &'static str,
    read: ReadFn,
    get: GetFn,
) -> KeySpec {
    KeySpec {
        section,
        name,
        kind,
        default,
        doc,
        since: V0_1,
        min: None,
        read,
        get,
    }
}

fn str(s: &str) -> Option<KeyValue> {
    Some(KeyValue::Str(s.to_string()))
}

fn opt_str(s: &Option<String>) -> Option<KeyValue> {
    s.as_deref().and_then(str)
}

fn opt_path(p: &Option<PathBuf>) -> Option<KeyValue> {
    p.as_deref().map(Path::to_path_buf).map(KeyValue::Path)
}

fn int(n: u64) -> Option<KeyValue> {
    Some(KeyValue::Int(n))
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
        |r, c| {
            if !r.str_to(&mut c.name) {
                r.required(
                    "required: a pipeline name (letters, digits, '-', '_'), e.g. name = \"stock\"",
                );
            }
        },
        |c| str(&c.name),
    ),
    key(
        Top,
        "state-dir",
        KeyKind::Path,
        Derived("<XDG data dir>/pipelines/<name>"),
        "Checkpoints, load intents and dead letters",
        // Unset here: the parser derives it from the name once the file is read.
        |r, c| {
            if let Some(p) = r.nonempty() {
                c.state_dir = r.resolve(&p);
            }
        },
        // Left out when it is the name's default, so the file moves between machines.
        |c| {
            (default_state_dir(&c.name).as_deref() != Some(c.state_dir.as_path()))
                .then(|| KeyValue::Path(c.state_dir.clone()))
        },
    ),
    key(
        Top,
        "on-data-error",
        KeyKind::Choice(&["stop", "dead-letter"]),
        Str("stop"),
        "What a batch StarRocks rejects for data reasons does: stop, or go to state-dir/dead-letter/",
        // Its message quotes the value trimmed (the other choices quote it as written).
        |r, c| {
            if let Some(s) = r.string() {
                match parse_on_data_error(&s) {
                    Some(v) => c.on_data_error = v,
                    None => {
                        let expected = r.spec().choices_or();
                        r.err(format!("expected {expected}, got {:?}", s.trim()));
                    }
                }
            }
        },
        |c| str(c.on_data_error.as_str()),
    ),
    key(
        Source,
        "stream",
        KeyKind::Str,
        Required,
        "Kinesis stream name, or its ARN (which fills in the region)",
        readers::stream,
        |c| {
            str(c
                .source
                .stream_arn
                .as_deref()
                .unwrap_or(&c.source.stream_name))
        },
    ),
    key(
        Source,
        "region",
        KeyKind::Str,
        Derived("the stream ARN's region, else the AWS SDK's"),
        "AWS region",
        // Read by `stream` (an ARN fills it in); this finds the key taken.
        |r, c| r.opt_str_to(&mut c.source.region),
        |c| opt_str(&c.source.region),
    ),
    key(
        Source,
        "profile",
        KeyKind::Str,
        Unset,
        "AWS profile; the SDK's default credential chain otherwise",
        |r, c| r.opt_str_to(&mut c.source.profile),
        |c| opt_str(&c.source.profile),
    ),
    key(
        Source,
        "endpoint-url",
        KeyKind::Str,
        Unset,
        "Kinesis endpoint (emulators, VPC endpoints)",
        |r, c| r.opt_str_to(&mut c.source.endpoint_url),
        |c| opt_str(&c.source.endpoint_url),
    ),
    key(
        Source,
        "initial-position",
        KeyKind::Choice(&["LATEST", "TRIM_HORIZON", "AT_TIMESTAMP"]),
        Str("LATEST"),
        "Where a shard is read from the first time (afterwards: always the checkpoint)",
        |r, c| {
            r.choice_to(
                &mut c.source.initial_position,
                parse_initial_position,
                Choices,
            )
        },
        |c| str(initial_position_str(c.source.initial_position)),
    ),
    key(
        Source,
        "initial-timestamp",
        KeyKind::Timestamp,
        Unset,
        "The start time, required with initial-position = \"AT_TIMESTAMP\"",
        |r, c| r.timestamp_to(&mut c.source.initial_timestamp),
        |c| c.source.initial_timestamp.map(KeyValue::Timestamp),
    ),
    key(
        Source,
        "reader",
        KeyKind::Choice(&["polling", "efo"]),
        Str("polling"),
        "How shards are read: GetRecords polling, or enhanced fan-out (a registered consumer with \
         its own 2 MiB/s per shard, billed per consumer-shard-hour and per GB)",
        |r, c| {
            let expected = Text("\"polling\" or \"efo\" (enhanced fan-out)");
            r.choice_to(&mut c.source.reader, parse_reader, expected)
        },
        |c| str(ReaderKind::as_str(&c.source.reader)),
    ),
    key(
        Source,
        "efo-consumer",
        KeyKind::Choice(&["pipeline", "keep"]),
        Str("pipeline"),
        "With reader = \"efo\": deregister the consumer when the pipeline is deleted, or keep it",
        |r, c| {
            let expected = Text(
                "\"pipeline\" (deregistered when the pipeline is deleted) or \"keep\" (left registered)",
            );
            r.choice_to(&mut c.source.efo_consumer, parse_efo_consumer, expected)
        },
        // Written only with enhanced fan-out: a polling config has no consumer.
        |c| (c.source.reader == ReaderKind::Efo).then(|| str(c.source.efo_consumer.as_str()))?,
    ),
    key(
        Source,
        "efo-consumer-name",
        KeyKind::Str,
        Derived("kinesis-starrocks-<pipeline name>"),
        "With reader = \"efo\": the consumer registered (or reused when it exists)",
        |r, c| r.opt_str_to(&mut c.source.efo_consumer_name),
        |c| opt_str(&c.source.efo_consumer_name),
    ),
    key(
        Source,
        "read-limits",
        KeyKind::Choice(&["aws", "none"]),
        Str("aws"),
        "Client-side GetRecords limits per shard: AWS's (5 calls and 2 MiB a second) or none",
        |r, c| {
            let expected =
                Text("\"aws\" (5 GetRecords/s and 2 MiB/s per shard) or \"none\" (emulators)");
            r.choice_to(&mut c.source.read_limits, parse_read_limits, expected)
        },
        |c| str(c.source.read_limits.as_str()),
    ),
    key(
        Source,
        "kpl-out-of-range",
        KeyKind::Choice(&["keep", "drop"]),
        Str("keep"),
        "KPL sub-records whose hash key lies outside the shard: keep them, or drop them as KCL does",
        |r, c| {
            let expected = Text(
                "\"keep\" (default: those records exist nowhere else) or \"drop\" (KCL's rule, counted)",
            );
            r.choice_to(
                &mut c.source.kpl_out_of_range,
                parse_kpl_out_of_range,
                expected,
            )
        },
        |c| str(c.source.kpl_out_of_range.as_str()),
    ),
    key(
        Source,
        "operation-timeout-ms",
        KeyKind::Int,
        Int(defaults::OPERATION_TIMEOUT_MS),
        "Bound on every AWS call",
        |r, c| r.int_to(&mut c.source.operation_timeout_ms),
        |c| int(c.source.operation_timeout_ms),
    )
    .at_least(1, "every AWS call needs a bound; "),
    key(
        Source,
        "discovery-interval-ms",
        KeyKind::Int,
        Int(defaults::DISCOVERY_INTERVAL_MS),
        "How often ListShards runs again to find new shards",
        |r, c| r.int_to(&mut c.source.discovery_interval_ms),
        |c| int(c.source.discovery_interval_ms),
    )
    .at_least(1, ""),
    key(
        Sink,
        "jdbc-url",
        KeyKind::Str,
        Unset,
        "jdbc:mysql://host:port of the FE query port: schema checks, table creation",
        |r, c| {
            if let Some(s) = r.nonempty() {
                match super::JdbcUrl::parse(&s) {
                    Ok(u) => c.sink.jdbc_url = Some(u),
                    Err(m) => r.err(m),
                }
            }
        },
        |c| c.sink.jdbc_url.as_ref().and_then(|j| str(&j.text)),
    ),
    key(
        Sink,
        "load-url",
        KeyKind::Str,
        Required,
        "Stream Load endpoint(s), ';'-separated; http:// when there is no scheme",
        readers::load_url,
        |c| {
            let urls: Vec<&str> = c.sink.load_urls.iter().map(|u| u.base.as_str()).collect();
            str(&urls.join(";"))
        },
    ),
    key(
        Sink,
        "username",
        KeyKind::Str,
        Required,
        "The StarRocks user that loads (INSERT on the table)",
        |r, c| {
            r.str_to(&mut c.sink.username);
        },
        |c| str(&c.sink.username),
    ),
    key(
        Sink,
        "password-file",
        KeyKind::Path,
        Unset,
        "A file holding the password (first of the password sources)",
        |r, c| r.path_to(&mut c.sink.password_file),
        |c| opt_path(&c.sink.password_file),
    ),
    key(
        Sink,
        "database-name",
        KeyKind::Str,
        Required,
        "The StarRocks database",
        |r, c| {
            r.str_to(&mut c.sink.database_name);
        },
        |c| str(&c.sink.database_name),
    ),
    key(
        Sink,
        "table-name",
        KeyKind::Str,
        Required,
        "The StarRocks table",
        |r, c| {
            r.str_to(&mut c.sink.table_name);
        },
        |c| str(&c.sink.table_name),
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
        |r, c| r.choice_to(&mut c.sink.ssl_mode, SslMode::parse, OneOf),
        |c| str(c.sink.ssl_mode.as_str()),
    ),
    key(
        Sink,
        "ssl-ca",
        KeyKind::Path,
        Unset,
        "PEM file of a private CA for verify-ca / verify-identity and https load URLs",
        |r, c| r.path_to(&mut c.sink.ssl_ca),
        |c| opt_path(&c.sink.ssl_ca),
    ),
    key(
        Sink,
        "buffer-flush.max-bytes",
        KeyKind::Int,
        Int(defaults::BUFFER_FLUSH_MAX_BYTES),
        "A batch is loaded at this many bytes",
        |r, c| r.int_to(&mut c.sink.buffer_flush.max_bytes),
        |c| int(c.sink.buffer_flush.max_bytes),
    ),
    key(
        Sink,
        "buffer-flush.max-rows",
        KeyKind::Int,
        Int(defaults::BUFFER_FLUSH_MAX_ROWS),
        "A batch is loaded at this many rows",
        |r, c| r.int_to(&mut c.sink.buffer_flush.max_rows),
        |c| int(c.sink.buffer_flush.max_rows),
    ),
    key(
        Sink,
        "buffer-flush.interval-ms",
        KeyKind::Int,
        Int(defaults::BUFFER_FLUSH_INTERVAL_MS),
        "A batch is loaded at this age",
        |r, c| r.int_to(&mut c.sink.buffer_flush.interval_ms),
        |c| int(c.sink.buffer_flush.interval_ms),
    ),
    key(
        Sink,
        "label-prefix",
        KeyKind::Str,
        Derived("the pipeline name"),
        "Prefix of the Stream Load labels",
        |r, c| {
            if let Some(s) = r.string() {
                c.sink.label_prefix = Some(s);
            }
        },
        |c| opt_str(&c.sink.label_prefix),
    ),
    key(
        Sink,
        "connect-timeout-ms",
        KeyKind::Int,
        Int(defaults::CONNECT_TIMEOUT_MS),
        "Bound on a TCP connect to a load URL",
        |r, c| r.int_or_flink_alias_to(&mut c.sink.connect_timeout_ms),
        |c| int(c.sink.connect_timeout_ms),
    )
    .at_least(1, ""),
    key(
        Sink,
        "socket-timeout-ms",
        KeyKind::Int,
        Int(defaults::SOCKET_TIMEOUT_MS),
        "Bound on one Stream Load request, end to end",
        |r, c| r.int_or_flink_alias_to(&mut c.sink.socket_timeout_ms),
        |c| int(c.sink.socket_timeout_ms),
    )
    .at_least(1, ""),
    key(
        Sink,
        "max-retries",
        KeyKind::Int,
        Int(defaults::MAX_RETRIES as u64),
        "Transient failures before the pipeline shows itself stalled (it keeps retrying)",
        |r, c| {
            if let Some(v) = r.uint() {
                match u32::try_from(v) {
                    Ok(n) => c.sink.max_retries = n,
                    Err(_) => r.err(format!("{v} is too large")),
                }
            }
        },
        |c| int(c.sink.max_retries.into()),
    ),
    key(
        Sink,
        "retry-interval-ms",
        KeyKind::Int,
        Int(defaults::RETRY_INTERVAL_MS),
        "First retry delay (exponential backoff with jitter)",
        |r, c| r.int_or_flink_alias_to(&mut c.sink.retry_interval_ms),
        |c| int(c.sink.retry_interval_ms),
    )
    .at_least(1, ""),
    key(
        Sink,
        "max-inflight-loads",
        KeyKind::Int,
        Int(defaults::MAX_INFLIGHT_LOADS as u64),
        "Loads in flight at once (1..=8): 1 = one plain Stream Load at a time; more = loaded and prepared in parallel with the transaction API, committed in batch order",
        |r, c| {
            if let Some(v) = r.uint() {
                c.sink.max_inflight_loads = usize::try_from(v).unwrap_or(usize::MAX);
            }
        },
        |c| int(c.sink.max_inflight_loads as u64),
    ),
    key(
        Sink,
        "properties.*",
        KeyKind::Properties,
        Unset,
        "Stream Load properties, sent as HTTP headers verbatim",
        readers::properties,
        |c| Some(KeyValue::Properties(c.sink.properties.clone())),
    ),
    key(
        Network,
        "security-group-ids",
        KeyKind::StrList,
        Derived("discovered from the cluster's addresses"),
        "The cluster's security groups, for the network check",
        readers::security_group_ids,
        |c| {
            let ids = &c.network.security_group_ids;
            (!ids.is_empty()).then(|| KeyValue::StrList(ids.clone()))
        },
    ),
    key(
        Network,
        "egress-ip",
        KeyKind::Str,
        Derived("detected"),
        "This machine's public address, for the network check",
        |r, c| r.opt_str_to(&mut c.network.egress_ip),
        |c| opt_str(&c.network.egress_ip),
    ),
];
