//! Writing a config back as TOML in the layout of docs/config.md §2: the key table gives the order and
//! the sections, [`toml_entries`] each key's value.

use super::keys::{KEYS, KeySpec, Section};
use super::model::PipelineConfig;
use super::parse::default_state_dir;
use super::values::initial_position_str;
use chrono::SecondsFormat;
use std::path::Path;

impl PipelineConfig {
    /// Writes the config as TOML in the layout of docs/config.md §2. `from_toml_str` of the result
    /// gives back an equal config. There is no password in it: the model has no field for one.
    /// `state-dir` is left out when it is the default for the name; a section with nothing to
    /// write (`[network]` unless set) is left out.
    pub fn to_toml_string(&self) -> String {
        let mut out = String::new();
        let mut section = Section::Top;
        let mut header: Option<&str> = None;
        for spec in KEYS {
            if spec.section != section {
                section = spec.section;
                header = section.table();
            }
            for (key, value) in toml_entries(self, spec) {
                if let Some(h) = header.take() {
                    out.push_str(&format!("\n[{h}]\n"));
                }
                out.push_str(&format!("{key} = {value}\n"));
            }
        }
        out
    }
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn quote_path(p: &Path) -> String {
    quote(&p.to_string_lossy())
}

/// The `key = value` lines (key within its section, value as TOML) that write `spec`'s field of
/// `c`: none when the field is unset, several for `properties.*`.
fn toml_entries(c: &PipelineConfig, spec: &KeySpec) -> Vec<(String, String)> {
    let (s, k, n) = (&c.source, &c.sink, &c.network);
    let value: Option<String> = match spec.path().as_str() {
        "name" => Some(quote(&c.name)),
        "state-dir" => (default_state_dir(&c.name).as_deref() != Some(c.state_dir.as_path()))
            .then(|| quote_path(&c.state_dir)),
        "on-data-error" => Some(quote(c.on_data_error.as_str())),
        "source.stream" => Some(quote(s.stream_arn.as_deref().unwrap_or(&s.stream_name))),
        "source.region" => s.region.as_deref().map(quote),
        "source.profile" => s.profile.as_deref().map(quote),
        "source.endpoint-url" => s.endpoint_url.as_deref().map(quote),
        "source.initial-position" => Some(quote(initial_position_str(s.initial_position))),
        "source.initial-timestamp" => s
            .initial_timestamp
            .map(|t| quote(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true))),
        "source.reader" => Some(quote(s.reader.as_str())),
        "source.read-limits" => Some(quote(s.read_limits.as_str())),
        "source.kpl-out-of-range" => Some(quote(s.kpl_out_of_range.as_str())),
        "source.operation-timeout-ms" => Some(s.operation_timeout_ms.to_string()),
        "source.discovery-interval-ms" => Some(s.discovery_interval_ms.to_string()),
        "sink.jdbc-url" => k.jdbc_url.as_ref().map(|j| quote(&j.text)),
        "sink.load-url" => {
            let urls: Vec<&str> = k.load_urls.iter().map(|u| u.base.as_str()).collect();
            Some(quote(&urls.join(";")))
        }
        "sink.username" => Some(quote(&k.username)),
        "sink.password-file" => k.password_file.as_deref().map(quote_path),
        "sink.database-name" => Some(quote(&k.database_name)),
        "sink.table-name" => Some(quote(&k.table_name)),
        "sink.ssl-mode" => Some(quote(k.ssl_mode.as_str())),
        "sink.ssl-ca" => k.ssl_ca.as_deref().map(quote_path),
        "sink.buffer-flush.max-bytes" => Some(k.buffer_flush.max_bytes.to_string()),
        "sink.buffer-flush.max-rows" => Some(k.buffer_flush.max_rows.to_string()),
        "sink.buffer-flush.interval-ms" => Some(k.buffer_flush.interval_ms.to_string()),
        "sink.label-prefix" => k.label_prefix.as_deref().map(quote),
        "sink.connect-timeout-ms" => Some(k.connect_timeout_ms.to_string()),
        "sink.socket-timeout-ms" => Some(k.socket_timeout_ms.to_string()),
        "sink.max-retries" => Some(k.max_retries.to_string()),
        "sink.retry-interval-ms" => Some(k.retry_interval_ms.to_string()),
        "sink.max-inflight-loads" => Some(k.max_inflight_loads.to_string()),
        "sink.properties.*" => {
            // Keys are header names ([A-Za-z0-9_-]): always valid bare TOML keys.
            return k
                .properties
                .iter()
                .map(|(key, value)| (format!("properties.{key}"), quote(value)))
                .collect();
        }
        "network.security-group-ids" => (!n.security_group_ids.is_empty()).then(|| {
            let ids: Vec<String> = n.security_group_ids.iter().map(|s| quote(s)).collect();
            format!("[{}]", ids.join(", "))
        }),
        "network.egress-ip" => n.egress_ip.as_deref().map(quote),
        other => unreachable!("no writer for the config key {other}"),
    };
    value
        .map(|v| (spec.name.to_string(), v))
        .into_iter()
        .collect()
}
