//! Importing the seed's Kinesis Data Analytics runtime properties (`ProducerConfigProperties`,
//! plus the source's `region` / `inputStreamName`) into a new pipeline for the wizard.
//!
//! Accepted shapes (whatever the user copies from the console or the CLI):
//! * `{"ApplicationConfiguration": {"EnvironmentProperties": {"PropertyGroups": [...]}}}` (and any
//!   object with a `PropertyGroups` array inside),
//! * `[{"PropertyGroupId": "ProducerConfigProperties", "PropertyMap": {...}}, ...]`,
//! * `{"ProducerConfigProperties": {...}, ...}`,
//! * a flat `{"jdbc-url": ..., "load-url": ..., ...}`.

use super::{
    JdbcUrl, LoadUrl, NetworkConfig, OnDataError, PipelineConfig, SinkConfig, SourceConfig,
};
use crate::domain::InitialPosition;
use crate::secret::Secret;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What an import gives the wizard.
#[derive(Debug, Clone)]
pub struct Imported {
    pub name: String,
    pub config: PipelineConfig,
    pub password: Option<Secret>,
    /// Keys that were not understood (shown, so nothing is dropped silently).
    pub ignored: Vec<String>,
}

/// Maps the runtime properties JSON to a pipeline config. Fields the properties do not give stay
/// empty for the wizard to ask; a value that does not parse is an error naming its key.
pub fn from_kda_properties(json: &str) -> Result<Imported, String> {
    let value: Value =
        serde_json::from_str(json.trim()).map_err(|e| format!("not valid JSON: {e}"))?;
    let mut props: BTreeMap<String, String> = BTreeMap::new();
    collect(&value, &mut props)?;
    if props.is_empty() {
        return Err(
            "no properties found: paste the runtime properties (a ProducerConfigProperties \
             group or its key/value map)"
                .into(),
        );
    }
    let mut source = SourceConfig::default();
    let mut sink = SinkConfig::default();
    let mut password = None;
    let mut ignored = Vec::new();
    for (key, v) in &props {
        let v = v.trim().to_string();
        match key.as_str() {
            "jdbc-url" => {
                sink.jdbc_url = Some(JdbcUrl::parse(&v).map_err(|e| format!("jdbc-url: {e}"))?)
            }
            "load-url" => {
                sink.load_urls = v
                    .split(';')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| LoadUrl::parse(s.trim()).map_err(|e| format!("load-url: {e}")))
                    .collect::<Result<_, _>>()?
            }
            "username" => sink.username = v,
            "password" => password = Some(Secret::new(v)),
            "database-name" => sink.database_name = v,
            "table-name" => sink.table_name = v,
            "region" | "aws.region" | "AWS_REGION" => source.region = Some(v),
            "inputStreamName" | "stream" | "stream-name" | "input.stream.name" => {
                source.stream_name = v
            }
            "flink.stream.initpos" | "STREAM_INITIAL_POSITION" => {
                source.initial_position = match v.to_ascii_uppercase().as_str() {
                    "LATEST" => InitialPosition::Latest,
                    "TRIM_HORIZON" => InitialPosition::TrimHorizon,
                    "AT_TIMESTAMP" => InitialPosition::AtTimestamp,
                    _ => {
                        return Err(format!(
                            "{key}: {v:?} is not LATEST, TRIM_HORIZON or AT_TIMESTAMP"
                        ));
                    }
                }
            }
            // The Flink Kinesis connector's enhanced fan-out (flink.stream.recordpublisher = EFO).
            // Its consumer name is left out (listed as ignored): the Flink job may still run, and
            // two readers on one consumer take each other's subscriptions.
            "flink.stream.recordpublisher" | "scan.stream.recordpublisher" => {
                source.reader = match v.to_ascii_uppercase().as_str() {
                    "EFO" => super::ReaderKind::Efo,
                    "POLLING" => super::ReaderKind::Polling,
                    _ => return Err(format!("{key}: {v:?} is not EFO or POLLING")),
                }
            }
            "sink.buffer-flush.max-rows" => sink.buffer_flush.max_rows = number(key, &v)?,
            "sink.buffer-flush.max-bytes" => sink.buffer_flush.max_bytes = number(key, &v)?,
            "sink.buffer-flush.interval-ms" => sink.buffer_flush.interval_ms = number(key, &v)?,
            "sink.label-prefix" => sink.label_prefix = Some(v),
            "sink.max-retries" => sink.max_retries = number(key, &v)? as u32,
            "sink.connect.timeout-ms" => sink.connect_timeout_ms = number(key, &v)?,
            k if k.starts_with("sink.properties.") => {
                sink.properties
                    .insert(k["sink.properties.".len()..].to_string(), v);
            }
            _ => ignored.push(key.clone()),
        }
    }
    // The seed's sink writes JSON with these properties unless the user overrode them.
    if !props.contains_key("sink.properties.format") {
        sink.properties.insert("format".into(), "json".into());
        sink.properties
            .entry("strip_outer_array".into())
            .or_insert_with(|| "true".into());
    }
    let name = if sink.table_name.is_empty() {
        "imported".to_string()
    } else {
        sink.table_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    Ok(Imported {
        config: PipelineConfig {
            name: name.clone(),
            state_dir: Default::default(),
            source,
            sink,
            network: NetworkConfig::default(),
            on_data_error: OnDataError::default(),
        },
        name,
        password,
        ignored,
    })
}

fn number(key: &str, v: &str) -> Result<u64, String> {
    v.parse()
        .map_err(|_| format!("{key}: {v:?} is not a whole number"))
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn flat(map: &Map<String, Value>, out: &mut BTreeMap<String, String>) {
    for (k, v) in map {
        if let Some(s) = scalar(v) {
            out.insert(k.clone(), s);
        }
    }
}

fn collect(value: &Value, out: &mut BTreeMap<String, String>) -> Result<(), String> {
    match value {
        Value::Array(groups) => {
            for g in groups {
                let map = g
                    .get("PropertyMap")
                    .and_then(Value::as_object)
                    .ok_or("a property group without a PropertyMap object")?;
                flat(map, out);
            }
        }
        Value::Object(map) => {
            if let Some(groups) = map.get("PropertyGroups") {
                return collect(groups, out);
            }
            let nested: Vec<&Value> = map
                .values()
                .filter(|v| v.is_object() || v.is_array())
                .collect();
            if nested.is_empty() {
                flat(map, out);
            } else {
                // {"ProducerConfigProperties": {...}}, or a wrapper such as
                // ApplicationConfiguration → EnvironmentProperties → PropertyGroups.
                flat(map, out);
                for v in nested {
                    if v.get("PropertyGroups").is_some() || v.is_array() {
                        collect(v, out)?;
                    } else if let Some(m) = v.as_object() {
                        if m.values().any(|x| x.is_object() || x.is_array()) {
                            collect(v, out)?;
                        } else {
                            flat(m, out);
                        }
                    }
                }
            }
        }
        _ => return Err("expected a JSON object or an array of property groups".into()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's runtime property groups (also the desktop CLI's `import-kda` test input).
    const SEED: &str = include_str!("../../tests/fixtures/seed_kda_properties.json");

    #[test]
    fn seed_property_groups_map_to_a_pipeline() {
        let i = from_kda_properties(SEED).unwrap();
        let c = &i.config;
        assert_eq!(i.name, "stock");
        assert_eq!(
            c.sink.jdbc_url.as_ref().unwrap().host,
            "abc.cloud-app.celerdata.com"
        );
        assert_eq!(c.sink.jdbc_url.as_ref().unwrap().port, 9030);
        assert_eq!(c.sink.load_urls.len(), 1);
        assert_eq!(c.sink.load_urls[0].host, "abc.cloud-app.celerdata.com");
        assert_eq!(c.sink.username, "admin");
        assert_eq!(i.password.as_ref().unwrap().expose(), "123456");
        assert_eq!(
            (c.sink.database_name.as_str(), c.sink.table_name.as_str()),
            ("example_db", "stock")
        );
        assert_eq!(c.sink.properties["format"], "json");
        assert_eq!(
            c.sink.properties["jsonpaths"],
            r#"["event_time", "ticker", "price"]"#
        );
        assert_eq!(c.sink.properties["strip_outer_array"], "true");
        assert_eq!(c.sink.buffer_flush.interval_ms, 2000);
        assert_eq!(c.source.region.as_deref(), Some("us-west-2"));
        assert_eq!(c.source.stream_name, "ExampleInputStream");
        assert_eq!(c.source.initial_position, InitialPosition::Latest);
        assert!(i.ignored.is_empty(), "{:?}", i.ignored);
    }

    #[test]
    fn flat_and_wrapped_shapes_are_accepted() {
        let flat = r#"{"jdbc-url": "jdbc:mysql://h:9030", "table-name": "t", "extra": "x"}"#;
        let i = from_kda_properties(flat).unwrap();
        assert_eq!(i.config.sink.jdbc_url.unwrap().host, "h");
        assert_eq!(i.ignored, vec!["extra".to_string()]);
        // No format given: the seed's JSON defaults.
        assert_eq!(i.config.sink.properties["format"], "json");

        let wrapped = format!(
            r#"{{"ApplicationConfiguration": {{"EnvironmentProperties": {{"PropertyGroups": {SEED}}}}}}}"#
        );
        assert_eq!(
            from_kda_properties(&wrapped).unwrap().config.sink.username,
            "admin"
        );

        let named = r#"{"ProducerConfigProperties": {"username": "bob", "load-url": "http://a:8030;http://b:8030"}}"#;
        let i = from_kda_properties(named).unwrap();
        assert_eq!(i.config.sink.username, "bob");
        assert_eq!(i.config.sink.load_urls.len(), 2);
    }

    #[test]
    fn bad_input_names_the_problem() {
        assert!(
            from_kda_properties("nope")
                .unwrap_err()
                .contains("not valid JSON")
        );
        assert!(
            from_kda_properties("{}")
                .unwrap_err()
                .contains("no properties")
        );
        let e = from_kda_properties(r#"{"jdbc-url": "mysql://h"}"#).unwrap_err();
        assert!(e.starts_with("jdbc-url:"), "{e}");
        let e = from_kda_properties(r#"{"sink.buffer-flush.max-rows": "many"}"#).unwrap_err();
        assert!(e.contains("sink.buffer-flush.max-rows"), "{e}");
    }
}
