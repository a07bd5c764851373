//! The wizard's form values as typed ([`Draft`]): every step edits them, and they become a
//! [`PipelineConfig`] only when checked or saved.

use super::fields;
use ks_core::config::default_state_dir;
use ks_core::{
    EfoConsumer, InitialPosition, JdbcUrl, KeyError, LoadUrl, PipelineConfig, ReaderKind, Secret,
    SslMode,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The form's values as the user typed them (strings, so a half-typed value survives a restart),
/// shared by every step. [`Draft::build_config`] turns it into a [`PipelineConfig`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    /// Pipeline name (Review step).
    pub name: String,

    // ---- Cluster ----
    /// true: the jdbc-url field; false: host + query port.
    pub use_jdbc_url: bool,
    pub host: String,
    pub query_port: String,
    pub jdbc_url: String,
    /// One or more, `;`-separated.
    pub load_url: String,
    pub username: String,
    /// `disabled` | `preferred` | `required` | `verify-ca` | `verify-identity`.
    pub ssl_mode: String,
    /// Never persisted, never in the config: it goes to the keyring with `Request::Save`.
    #[serde(skip)]
    pub password: Secret,

    // ---- AWS & network ----
    /// Empty: the default credential chain.
    pub profile: String,
    pub region: String,
    /// Emulators and VPC endpoints (advanced).
    pub endpoint_url: String,
    /// Comma- or space-separated `sg-…` ids (empty: discovered from the cluster's addresses).
    pub security_group_ids: String,
    /// This machine's public address (empty: detected).
    pub egress_ip: String,

    // ---- Stream ----
    pub stream: String,
    pub initial_position: InitialPosition,
    /// RFC 3339, for AT_TIMESTAMP.
    pub initial_timestamp: String,
    /// `reader = "efo"` (enhanced fan-out) instead of polling.
    pub enhanced_fan_out: bool,
    /// `efo-consumer = "keep"`: the consumer stays registered when the pipeline is deleted.
    pub keep_efo_consumer: bool,

    // ---- Table ----
    pub database: String,
    pub table: String,
    /// Stream Load properties (`format`, `jsonpaths`, `columns`, …).
    pub properties: BTreeMap<String, String>,
    /// The zone of date-times in the records that carry none (`2024-05-28 08:00:00`), for the
    /// preview's `convert_tz` fix; empty: the table's zone (they load as they are). Not a config
    /// key: once applied, it lives in the `columns` expression.
    pub naive_zone: String,
    /// Records sampled by the Stream step (the Table step infers and previews from them).
    /// Not persisted: they are the user's data, and fresh ones are one click away.
    #[serde(skip)]
    pub samples: Vec<ks_core::sample::SampledRecord>,

    /// The TOML of the config this draft started from: keys the wizard has no field for
    /// (buffer-flush, timeouts, state-dir, …) are kept from it.
    pub base_toml: Option<String>,
}

impl Default for Draft {
    fn default() -> Self {
        Draft {
            name: String::new(),
            use_jdbc_url: false,
            host: String::new(),
            query_port: "9030".into(),
            jdbc_url: String::new(),
            load_url: String::new(),
            username: String::new(),
            ssl_mode: SslMode::default().as_str().into(),
            password: Secret::default(),
            profile: String::new(),
            region: String::new(),
            endpoint_url: String::new(),
            security_group_ids: String::new(),
            egress_ip: String::new(),
            stream: String::new(),
            initial_position: InitialPosition::Latest,
            initial_timestamp: String::new(),
            enhanced_fan_out: false,
            keep_efo_consumer: false,
            database: String::new(),
            table: String::new(),
            properties: BTreeMap::from([("format".to_string(), "json".to_string())]),
            naive_zone: String::new(),
            samples: Vec::new(),
            base_toml: None,
        }
    }
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl Draft {
    /// A draft holding every value of `config` (the wizard edits an existing pipeline).
    pub fn from_config(config: &PipelineConfig) -> Draft {
        let sink = &config.sink;
        let src = &config.source;
        let (use_jdbc_url, host, query_port, jdbc_url) = match &sink.jdbc_url {
            // A plain host:port is shown as host + port; anything more (failover hosts, params)
            // keeps its URL text.
            Some(j) if j.text == format!("jdbc:mysql://{}", j.authority()) => {
                (false, j.host.clone(), j.port.to_string(), j.text.clone())
            }
            Some(j) => (true, j.host.clone(), j.port.to_string(), j.text.clone()),
            None => (false, String::new(), "9030".into(), String::new()),
        };
        Draft {
            name: config.name.clone(),
            use_jdbc_url,
            host,
            query_port,
            jdbc_url,
            load_url: sink
                .load_urls
                .iter()
                .map(|u| u.base.clone())
                .collect::<Vec<_>>()
                .join(";"),
            username: sink.username.clone(),
            ssl_mode: sink.ssl_mode.as_str().into(),
            password: Secret::default(),
            profile: src.profile.clone().unwrap_or_default(),
            region: src.region.clone().unwrap_or_default(),
            endpoint_url: src.endpoint_url.clone().unwrap_or_default(),
            security_group_ids: config.network.security_group_ids.join(", "),
            egress_ip: config.network.egress_ip.clone().unwrap_or_default(),
            stream: src.stream_name.clone(),
            initial_position: src.initial_position,
            initial_timestamp: src
                .initial_timestamp
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                .unwrap_or_default(),
            enhanced_fan_out: src.reader == ReaderKind::Efo,
            keep_efo_consumer: src.efo_consumer == EfoConsumer::Keep,
            database: sink.database_name.clone(),
            table: sink.table_name.clone(),
            properties: sink.properties.clone(),
            naive_zone: String::new(),
            samples: Vec::new(),
            base_toml: Some(config.to_toml_string()),
        }
    }

    /// The jdbc-url from either the URL field or host + port. `Ok(None)`: nothing typed yet.
    pub fn parse_jdbc_url(&self) -> Result<Option<JdbcUrl>, String> {
        if self.use_jdbc_url {
            if self.jdbc_url.trim().is_empty() {
                return Ok(None);
            }
            return JdbcUrl::parse(&self.jdbc_url).map(Some);
        }
        let host = self.host.trim();
        if host.is_empty() {
            return Ok(None);
        }
        fields::parse_port(&self.query_port).map_err(|e| format!("query port: {e}"))?;
        JdbcUrl::parse(&format!("jdbc:mysql://{host}:{}", self.query_port.trim())).map(Some)
    }

    /// The load-url(s), `;`-separated.
    pub fn parse_load_urls(&self) -> Result<Vec<LoadUrl>, String> {
        self.load_url
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(LoadUrl::parse)
            .collect()
    }

    pub fn parse_ssl_mode(&self) -> SslMode {
        SslMode::parse(&self.ssl_mode).unwrap_or_default()
    }

    pub fn parse_security_group_ids(&self) -> Vec<String> {
        self.security_group_ids
            .split([',', ' ', ';', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The config as far as it is filled in, without validation (a step's checks need only its
    /// own part). Unparsable values are left at their defaults; [`Draft::config`] reports them.
    pub fn build_config(&self) -> PipelineConfig {
        let mut config = self
            .base_toml
            .as_deref()
            .and_then(|t| PipelineConfig::from_toml_str(t, Path::new("draft.toml")).ok())
            .unwrap_or_else(PipelineConfig::blank);
        let name = self.name.trim().to_string();
        let keep_state_dir = config.name == name && !config.state_dir.as_os_str().is_empty();
        if !keep_state_dir {
            let for_dir = if name.is_empty() { "draft" } else { &name };
            config.state_dir = default_state_dir(for_dir).unwrap_or_default();
        }
        config.name = name;

        let sink = &mut config.sink;
        sink.jdbc_url = self.parse_jdbc_url().ok().flatten();
        sink.load_urls = self.parse_load_urls().unwrap_or_default();
        sink.username = self.username.trim().to_string();
        sink.ssl_mode = self.parse_ssl_mode();
        sink.database_name = self.database.trim().to_string();
        sink.table_name = self.table.trim().to_string();
        sink.properties = self.properties.clone();

        let src = &mut config.source;
        let stream = self.stream.trim();
        src.stream_name = stream.to_string();
        src.stream_arn = None;
        if let Some(name) = stream
            .strip_prefix("arn:")
            .and_then(|_| stream.rsplit_once("stream/"))
        {
            src.stream_arn = Some(stream.to_string());
            src.stream_name = name.1.to_string();
        }
        src.region = opt(&self.region);
        src.profile = opt(&self.profile);
        src.endpoint_url = opt(&self.endpoint_url);
        src.initial_position = self.initial_position;
        src.initial_timestamp = match self.initial_position {
            InitialPosition::AtTimestamp => {
                chrono::DateTime::parse_from_rfc3339(self.initial_timestamp.trim())
                    .ok()
                    .map(|d| d.with_timezone(&chrono::Utc))
            }
            _ => None,
        };
        if self.enhanced_fan_out {
            src.reader = ReaderKind::Efo;
            src.efo_consumer = if self.keep_efo_consumer {
                EfoConsumer::Keep
            } else {
                EfoConsumer::Pipeline
            };
        } else {
            // The consumer keys are refused without enhanced fan-out (a base config may have them).
            src.reader = ReaderKind::Polling;
            src.efo_consumer = EfoConsumer::Pipeline;
            src.efo_consumer_name = None;
        }

        config.network.security_group_ids = self.parse_security_group_ids();
        config.network.egress_ip = opt(&self.egress_ip);
        config
    }

    /// The whole config, validated: every problem with its key path (`sink.load-url: …`),
    /// including values that did not parse.
    pub fn config(&self) -> Result<PipelineConfig, Vec<KeyError>> {
        let config = self.build_config();
        let mut errors = Vec::new();
        if let Err(e) = self.parse_jdbc_url() {
            errors.push(KeyError::new("sink.jdbc-url", e));
        }
        if let Err(e) = self.parse_load_urls() {
            errors.push(KeyError::new("sink.load-url", e));
        }
        if self.initial_position == InitialPosition::AtTimestamp
            && config.source.initial_timestamp.is_none()
        {
            errors.push(KeyError::new(
                "source.initial-timestamp",
                format!(
                    "expected an RFC 3339 timestamp such as \"2026-11-25T00:00:00Z\", got {:?}",
                    self.initial_timestamp
                ),
            ));
        }
        if let Err(more) = config.validate() {
            for e in more {
                if !errors.iter().any(|x| x.key == e.key) {
                    errors.push(e);
                }
            }
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }

    /// The password to send with a request (None when none was typed).
    pub fn password_opt(&self) -> Option<Secret> {
        (!self.password.is_empty()).then(|| self.password.clone())
    }
}
