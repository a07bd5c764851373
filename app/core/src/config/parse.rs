//! Parsing a config file: TOML text to [`PipelineConfig`], every problem named by its key path.

use super::errors::{ConfigError, KeyError};
use super::fields::{Fields, describe};
use super::keys::{self, Section};
use super::model::*;
use super::stream_load::stream_load_properties;
use super::validate::{is_password_like, password_refusal};
use super::values::parse_stream_arn;
use crate::domain::InitialPosition;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
                    format!(
                        "expected {}, got {other:?}",
                        keys::spec("on-data-error").choices_or()
                    ),
                );
                OnDataError::Stop
            }
        },
    };
    let source_t = top.table("source");
    let sink_t = top.table("sink");
    let network_t = top.table("network");
    top.finish(&keys::names_in(Section::Top), &|k| {
        is_password_like(k).then(password_refusal)
    });

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
                    format!(
                        "expected {}, got {s:?}",
                        keys::spec("source.initial-position").choices_or()
                    ),
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
    f.finish(&keys::names_in(Section::Source), &|k| {
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
                        "expected one of {}, got {s:?}",
                        keys::spec("sink.ssl-mode").choices_list()
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
        b.finish(
            &keys::names_in_subtable(Section::Sink, "buffer-flush"),
            &|_| None,
        );
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

    f.finish(&keys::names_in(Section::Sink), &|k| {
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
    f.finish(&keys::names_in(Section::Network), &|_| None);
    NetworkConfig {
        security_group_ids,
        egress_ip,
    }
}
