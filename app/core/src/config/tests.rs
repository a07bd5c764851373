use super::*;
use crate::domain::InitialPosition;
use crate::secret::Secret;
use std::cell::RefCell;
use std::path::{Path, PathBuf};

mod keys;
mod passwords;
mod rules;

const P: &str = "/etc/ks/stock.toml";

fn parse(text: &str) -> Result<PipelineConfig, ConfigError> {
    PipelineConfig::from_toml_str(text, Path::new(P))
}

/// A minimal valid config plus `extra_sink` lines in [sink] and `extra_source` in [source].
fn with(extra_top: &str, extra_source: &str, extra_sink: &str) -> String {
    format!(
        r#"name = "stock"
{extra_top}
[source]
stream = "ExampleInputStream"
region = "us-west-2"
{extra_source}

[sink]
load-url = "http://127.0.0.1:8030"
username = "root"
database-name = "example_db"
table-name = "stock"
{extra_sink}
"#
    )
}

/// Every key set, none at its default (where it has one that is allowed to change).
const EVERY_KEY: &str = include_str!("tests/every_key.toml");

/// EVERY_KEY with the value of each named key replaced, or the key left out (`None`).
fn every_key_with(values: &[(&str, Option<&str>)]) -> String {
    let mut text = String::new();
    let mut replaced = 0;
    for line in EVERY_KEY.split_inclusive('\n') {
        let key = line.split_once(" = ").map(|(key, _)| key);
        match values.iter().find(|(k, _)| Some(*k) == key) {
            Some((k, value)) => {
                replaced += 1;
                if let Some(value) = value {
                    text.push_str(&format!("{k} = {value}\n"));
                }
            }
            None => text.push_str(line),
        }
    }
    assert_eq!(
        replaced,
        values.len(),
        "a key in {values:?} is not in EVERY_KEY"
    );
    text
}

fn ok(text: &str) -> PipelineConfig {
    match parse(text) {
        Ok(c) => c,
        Err(e) => panic!("expected a valid config, got: {e}\n---\n{text}"),
    }
}

/// The error for `key`; panics listing the actual errors if there is none.
fn err_for(text: &str, key: &str) -> String {
    let e = parse(text).expect_err("expected an error");
    match e.for_key(key) {
        Some(k) => {
            // Display of the whole error names the key and the file too.
            let shown = e.to_string();
            assert!(shown.contains(key), "{shown}");
            assert!(shown.starts_with(P), "{shown}");
            k.message.clone()
        }
        None => panic!("no error for {key}; got: {e}"),
    }
}

#[test]
fn design_example_parses_exactly() {
    let text = r#"
name = "stock"                          # pipeline name

[source]
stream = "ExampleInputStream"           # name or ARN
region = "us-west-2"
initial-position = "LATEST"

[sink]
jdbc-url = "jdbc:mysql://xxxx.cloud-app.celerdata.com:9030"
load-url = "https://xxxx.cloud-app.celerdata.com"   # one or more, ';'-separated
username = "admin"
database-name = "example_db"
table-name = "stock"
buffer-flush.max-bytes = 67108864
buffer-flush.max-rows = 500000
buffer-flush.interval-ms = 5000
properties.format = "json"
properties.jsonpaths = '["$.event_time", "$.ticker", "$.price"]'
properties.strip_outer_array = "true"
"#;
    let c = ok(text);
    assert_eq!(c.name, "stock");
    assert_eq!(c.source.stream_name, "ExampleInputStream");
    assert_eq!(c.source.stream_arn, None);
    assert_eq!(c.source.region.as_deref(), Some("us-west-2"));
    assert_eq!(c.source.initial_position, InitialPosition::Latest);
    assert_eq!(c.source.reader, ReaderKind::Polling);
    let j = c.sink.jdbc_url.as_ref().unwrap();
    assert_eq!(
        (j.host.as_str(), j.port),
        ("xxxx.cloud-app.celerdata.com", 9030)
    );
    assert_eq!(c.sink.load_urls.len(), 1);
    let u = &c.sink.load_urls[0];
    assert_eq!(u.scheme, "https");
    assert_eq!(u.host, "xxxx.cloud-app.celerdata.com");
    assert_eq!(u.port, 443);
    assert_eq!(u.base, "https://xxxx.cloud-app.celerdata.com:443");
    assert_eq!(c.sink.username, "admin");
    assert_eq!(c.sink.database_name, "example_db");
    assert_eq!(c.sink.table_name, "stock");
    assert_eq!(c.sink.buffer_flush, BufferFlush::default());
    assert_eq!(c.sink.properties["format"], "json");
    assert_eq!(
        c.sink.properties["jsonpaths"],
        r#"["$.event_time", "$.ticker", "$.price"]"#
    );
    assert_eq!(c.sink.properties["strip_outer_array"], "true");
    assert_eq!(c.sink.properties.len(), 3);
    assert_eq!(c.on_data_error, OnDataError::Stop);
    assert_eq!(c.label_prefix(), "ks-stock");
    assert_eq!(c.sink.format(), "json");
}

#[test]
fn seed_properties_carry_over() {
    // The seed's Flink properties, as a user would type them.
    let c = ok(&with(
        "",
        "",
        r#"jdbc-url = "jdbc:mysql://xxxxxxxx.cloud-app.celerdata.com:9030"
properties.format = "json"
properties.jsonpaths = "[\"event_time\", \"ticker\", \"price\"]"
"#,
    )
    .replace(
        "load-url = \"http://127.0.0.1:8030\"",
        "load-url = \"https://xxxxxxxx.cloud-app.celerdata.com\"",
    ));
    assert_eq!(
        c.sink.load_urls[0].base,
        "https://xxxxxxxx.cloud-app.celerdata.com:443"
    );
    assert_eq!(c.sink.jdbc_url.as_ref().unwrap().port, 9030);
    assert_eq!(
        c.sink.properties["jsonpaths"],
        r#"["event_time", "ticker", "price"]"#
    );
    // Added like the connector does, because our JSON batches are arrays.
    assert_eq!(c.sink.properties["strip_outer_array"], "true");

    // jsonpaths may also be written as a TOML array.
    let c = ok(&with(
        "",
        "",
        r#"properties.format = "JSON"
properties.jsonpaths = ["event_time","ticker","price"]"#,
    ));
    assert_eq!(
        c.sink.properties["jsonpaths"],
        r#"["event_time","ticker","price"]"#
    );
    assert_eq!(c.sink.properties["strip_outer_array"], "true");
}

#[test]
fn strip_outer_array_is_not_invented_and_cannot_be_turned_off_for_json() {
    // Off, StarRocks would read each array body as one value and fail every row.
    let m = err_for(
        &with(
            "",
            "",
            "properties.format = \"json\"\nproperties.strip_outer_array = false",
        ),
        "sink.properties.strip_outer_array",
    );
    assert!(m.contains("sent as one array"), "{m}");
    let c = ok(&with(
        "",
        "",
        "properties.format = \"json\"\nproperties.strip_outer_array = \"TRUE\"",
    ));
    assert_eq!(c.sink.properties["strip_outer_array"], "TRUE");
    // CSV (StarRocks' default): no headers invented.
    let c = ok(&with("", "", ""));
    assert!(c.sink.properties.is_empty());
    assert_eq!(c.sink.format(), "csv");
    let c = ok(&with("", "", "properties.column_separator = \",\""));
    assert_eq!(c.sink.properties.len(), 1);
}

#[test]
fn property_values_are_stringified() {
    let c = ok(&with(
        "",
        "",
        r#"properties.strict_mode = true
properties.timeout = 600
properties.max_filter_ratio = 0.1
properties.columns = "event_time, ticker, price"
"#,
    ));
    assert_eq!(c.sink.properties["strict_mode"], "true");
    assert_eq!(c.sink.properties["timeout"], "600");
    assert_eq!(c.sink.properties["max_filter_ratio"], "0.1");
    assert_eq!(c.sink.properties["columns"], "event_time, ticker, price");
    // A [sink.properties] table is the same thing.
    let c = ok(&with("", "", "[sink.properties]\nformat = \"json\"\n"));
    assert_eq!(c.sink.properties["format"], "json");

    let m = err_for(
        &with("", "", "properties.columns = [\"a\", \"b\"]"),
        "sink.properties.columns",
    );
    assert!(
        m.contains("expected a string, integer, number or boolean"),
        "{m}"
    );
    let m = err_for(
        &with("", "", "properties.label = \"x\""),
        "sink.properties.label",
    );
    assert!(m.contains("label-prefix"), "{m}");
    let m = err_for(
        &with("", "", "properties.Expect = \"x\""),
        "sink.properties.Expect",
    );
    assert!(m.contains("100-continue"), "{m}");
}

#[test]
fn defaults_are_the_documented_ones() {
    let c = ok(&with("", "", ""));
    assert_eq!(c.sink.buffer_flush.max_bytes, 67_108_864);
    assert_eq!(c.sink.buffer_flush.max_rows, 500_000);
    assert_eq!(c.sink.buffer_flush.interval_ms, 5_000);
    assert_eq!(c.source.operation_timeout_ms, 30_000);
    assert_eq!(c.source.discovery_interval_ms, 30_000);
    assert_eq!(c.sink.connect_timeout_ms, 10_000);
    assert_eq!(c.sink.socket_timeout_ms, 600_000);
    assert_eq!(c.sink.max_retries, 10);
    assert_eq!(c.sink.retry_interval_ms, 1_000);
    assert_eq!(c.sink.max_inflight_loads, 2);
    assert_eq!(c.sink.ssl_mode, SslMode::Preferred);
    assert_eq!(c.sink.jdbc_url, None);
    assert_eq!(c.sink.label_prefix, None);
    assert_eq!(c.network, NetworkConfig::default());
    assert_eq!(c.on_data_error, OnDataError::Stop);
    let expected =
        directories::ProjectDirs::from("io.github", "kinesis-starrocks", "kinesis-starrocks")
            .unwrap()
            .data_dir()
            .join("pipelines")
            .join("stock");
    assert_eq!(c.state_dir, expected);
    assert!(c.state_dir.ends_with("kinesis-starrocks/pipelines/stock"));
}

#[test]
fn every_key_is_read() {
    // The ARN names the region; load-url spelled loosely, ssl-mode in upper case.
    let c = ok(&every_key_with(&[
        ("region", None),
        (
            "load-url",
            Some(r#""fe1.example.com:8030; https://fe2.example.com:8443/ ;[::1]:8030""#),
        ),
        ("ssl-mode", Some(r#""VERIFY_CA""#)),
    ]));
    assert_eq!(c.name, "clicks_2");
    assert_eq!(c.state_dir, PathBuf::from("/etc/ks/state/clicks"));
    assert_eq!(c.on_data_error, OnDataError::DeadLetter);
    let s = &c.source;
    assert_eq!(s.stream_name, "clicks");
    assert_eq!(
        s.stream_arn.as_deref(),
        Some("arn:aws:kinesis:eu-central-1:123456789012:stream/clicks")
    );
    assert_eq!(s.region.as_deref(), Some("eu-central-1"));
    assert_eq!(s.profile.as_deref(), Some("prod"));
    assert_eq!(s.endpoint_url.as_deref(), Some("http://127.0.0.1:4567"));
    assert_eq!(s.initial_position, InitialPosition::AtTimestamp);
    assert_eq!(
        s.initial_timestamp.unwrap().to_rfc3339(),
        "2026-11-25T00:02:03+00:00"
    );
    assert_eq!(s.reader, ReaderKind::Efo);
    assert_eq!(s.efo_consumer, crate::config::EfoConsumer::Keep);
    assert_eq!(s.efo_consumer_name.as_deref(), Some("ks-every-key"));
    assert_eq!(c.efo_consumer_name(), "ks-every-key");
    assert_eq!(s.read_limits, ReadLimits::None);
    assert_eq!(s.kpl_out_of_range, KplOutOfRange::Drop);
    assert_eq!(s.operation_timeout_ms, 5000);
    assert_eq!(s.discovery_interval_ms, 60000);
    let k = &c.sink;
    let j = k.jdbc_url.as_ref().unwrap();
    assert_eq!((j.host.as_str(), j.port), ("fe1.example.com", 9030));
    let bases: Vec<&str> = k.load_urls.iter().map(|u| u.base.as_str()).collect();
    assert_eq!(
        bases,
        [
            "http://fe1.example.com:8030",
            "https://fe2.example.com:8443",
            "http://[::1]:8030"
        ]
    );
    assert_eq!(k.load_urls[2].host, "::1");
    assert_eq!(k.load_urls[2].authority(), "[::1]:8030");
    assert_eq!(k.username, "loader");
    assert_eq!(k.password_file, Some(PathBuf::from("/etc/ks/secrets/pw")));
    assert_eq!(
        (k.database_name.as_str(), k.table_name.as_str()),
        ("db1", "clicks")
    );
    assert_eq!(k.ssl_mode, SslMode::VerifyCa);
    assert_eq!(k.ssl_ca, Some(PathBuf::from("/etc/ssl/ca.pem")));
    assert_eq!(
        k.buffer_flush,
        BufferFlush {
            max_bytes: 1_048_576,
            max_rows: 1000,
            interval_ms: 250
        }
    );
    assert_eq!(k.label_prefix.as_deref(), Some("clk"));
    assert_eq!(c.label_prefix(), "clk");
    assert_eq!(
        (
            k.connect_timeout_ms,
            k.socket_timeout_ms,
            k.max_retries,
            k.retry_interval_ms,
            k.max_inflight_loads
        ),
        (1000, 20000, 3, 50, 1)
    );
    assert_eq!(k.properties.len(), 2);
    assert_eq!(
        c.network.security_group_ids,
        ["sg-0123456789abcdef0", "sg-0abc"]
    );
    assert_eq!(c.network.egress_ip.as_deref(), Some("203.0.113.7"));
}

#[test]
fn round_trips_through_to_toml_string() {
    let texts = [
        with("", "", ""),
        with(
            "on-data-error = \"dead-letter\"\nstate-dir = \"/var/lib/ks/x\"",
            "initial-position = \"AT_TIMESTAMP\"\ninitial-timestamp = \"2026-11-25T00:00:00.5Z\"\nprofile = \"p\"\nendpoint-url = \"http://127.0.0.1:4567\"",
            "jdbc-url = \"jdbc:mysql://h:9030\"\npassword-file = \"/x/pw\"\nproperties.format = \"json\"\nproperties.jsonpaths = '[\"$.a\", \"$.b\"]'\nproperties.columns = \"a, b=\\\"q\\\"\"\nssl-mode = \"verify-identity\"\nlabel-prefix = \"lp\"\nssl-ca = \"/ca.pem\"",
        )
        .replace("load-url = \"http://127.0.0.1:8030\"", "load-url = \"a:1;https://b;[::1]:2\""),
        with(
            "",
            "",
            "",
        )
        .replace("stream = \"ExampleInputStream\"\nregion = \"us-west-2\"", "stream = \"arn:aws:kinesis:us-east-1:123456789012:stream/s\"")
            + "\n[network]\nsecurity-group-ids = [\"sg-01\"]\negress-ip = \"203.0.113.9\"\n",
        include_str!("../../../../packaging/example-pipeline.toml").to_string(),
    ];
    for text in texts {
        let c = ok(&text);
        let written = c.to_toml_string();
        let again = match parse(&written) {
            Ok(a) => a,
            Err(e) => panic!("re-parse failed: {e}\n---\n{written}"),
        };
        assert_eq!(again, c, "---\n{written}");
        assert_eq!(again.to_toml_string(), written);
        assert!(!written.to_lowercase().contains("password ="), "{written}");
    }
    // The default state dir is not written out (so the file moves between machines).
    let c = ok(&with("", "", ""));
    assert!(!c.to_toml_string().contains("state-dir"));
}

#[test]
fn built_in_code_then_saved() {
    // The wizard builds a config from fields, validates and saves it.
    let mut c = PipelineConfig {
        name: "demo".into(),
        state_dir: PathBuf::from("/tmp/ks-demo"),
        source: SourceConfig {
            stream_name: "demo-stream".into(),
            endpoint_url: Some("http://127.0.0.1:4567".into()),
            ..Default::default()
        },
        sink: SinkConfig {
            load_urls: vec![LoadUrl::parse("127.0.0.1:8030").unwrap()],
            jdbc_url: Some(JdbcUrl::parse("jdbc:mysql://127.0.0.1:9030").unwrap()),
            username: "root".into(),
            database_name: "example_db".into(),
            table_name: "stock".into(),
            ..Default::default()
        },
        network: NetworkConfig::default(),
        on_data_error: OnDataError::Stop,
    };
    c.validate().unwrap();
    let again = ok(&c.to_toml_string());
    assert_eq!(again, c);

    c.name = "bad name".into();
    c.sink.username.clear();
    let errors = c.validate().unwrap_err();
    let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["name", "sink.username"]);
}

#[test]
fn partial_update_needs_the_columns_it_updates() {
    // The connector's trap: without a columns list StarRocks writes NULL into the other columns.
    let m = err_for(
        &with(
            "",
            "",
            "properties.format = \"json\"\nproperties.partial_update = true\n\
             properties.jsonpaths = '[\"$.id\", \"$.quote.price\"]'",
        ),
        "sink.properties.partial_update",
    );
    assert!(m.contains("NULL into every other column"), "{m}");
    assert!(
        m.contains("properties.columns = \"id, price\""),
        "the columns the jsonpaths fill are proposed: {m}"
    );
    let c = ok(&with(
        "",
        "",
        "properties.format = \"json\"\nproperties.partial_update = true\n\
         properties.columns = \"id, price\"",
    ));
    assert_eq!(c.sink.properties["partial_update"], "true");
    ok(&with("", "", "properties.partial_update = false"));
}
