use super::*;
use std::cell::RefCell;

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
    assert_eq!(c.label_prefix(), "stock");
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
fn strip_outer_array_is_not_overridden_or_invented() {
    let c = ok(&with(
        "",
        "",
        "properties.format = \"json\"\nproperties.strip_outer_array = false",
    ));
    assert_eq!(c.sink.properties["strip_outer_array"], "false");
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
    assert_eq!(c.sink.max_inflight_loads, 1);
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
    let c = ok(r#"
name = "clicks_2"
state-dir = "state/clicks"
on-data-error = "dead-letter"

[source]
stream = "arn:aws:kinesis:eu-central-1:123456789012:stream/clicks"
profile = "prod"
endpoint-url = "http://127.0.0.1:4567"
initial-position = "AT_TIMESTAMP"
initial-timestamp = "2026-11-25T01:02:03+01:00"
reader = "polling"
read-limits = "none"
kpl-out-of-range = "drop"
operation-timeout-ms = 5000
discovery-interval-ms = 60000

[sink]
jdbc-url = "jdbc:mysql://fe1.example.com:9030/example_db?useSSL=true"
load-url = "fe1.example.com:8030; https://fe2.example.com:8443/ ;[::1]:8030"
username = "loader"
password-file = "secrets/pw"
database-name = "db1"
table-name = "clicks"
ssl-mode = "VERIFY_CA"
ssl-ca = "/etc/ssl/ca.pem"
buffer-flush.max-bytes = 1048576
buffer-flush.max-rows = 1000
buffer-flush.interval-ms = 250
label-prefix = "clk"
connect-timeout-ms = 1000
socket-timeout-ms = 20000
max-retries = 3
retry-interval-ms = 50
max-inflight-loads = 1
properties.format = "csv"
properties.column_separator = ","

[network]
security-group-ids = ["sg-0123456789abcdef0", "sg-0abc"]
egress-ip = "203.0.113.7"
"#);
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
    assert_eq!(s.reader, ReaderKind::Polling);
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
fn load_url_rules() {
    let m = err_for(
        &with("", "", "").replace("http://127.0.0.1:8030", "ftp://x"),
        "sink.load-url",
    );
    assert_eq!(m, r#"expected http(s)://host[:port], got "ftp://x""#);
    for bad in [
        "http://",
        "http://h:0",
        "http://h:99999",
        "h:port",
        "http://a b",
        "https://[zz]:1",
    ] {
        let m = err_for(
            &with("", "", "").replace("http://127.0.0.1:8030", bad),
            "sink.load-url",
        );
        assert!(
            m.starts_with("expected http(s)://host[:port], got"),
            "{bad}: {m}"
        );
    }
    let m = err_for(
        &with("", "", "").replace(
            "http://127.0.0.1:8030",
            "https://h/api/example_db/stock/_stream_load",
        ),
        "sink.load-url",
    );
    assert!(
        m.contains("the loader adds /api/<db>/<table>/_stream_load"),
        "{m}"
    );
    let m = err_for(
        &with("", "", "").replace("http://127.0.0.1:8030", "http://root:pw@h:8030"),
        "sink.load-url",
    );
    assert!(m.contains("credentials do not go in the URL"), "{m}");
    let m = err_for(
        &with("", "", "").replace("http://127.0.0.1:8030", " ; "),
        "sink.load-url",
    );
    assert!(m.contains("expected one or more"), "{m}");

    // Connector semantics: no scheme → http; default ports; trailing slash; duplicates once.
    let u = LoadUrl::parse("fe1:8030").unwrap();
    assert_eq!(
        (u.scheme.as_str(), u.port, u.base.as_str()),
        ("http", 8030, "http://fe1:8030")
    );
    assert_eq!(LoadUrl::parse("fe1").unwrap().base, "http://fe1:80");
    assert_eq!(
        LoadUrl::parse("HTTPS://fe1/").unwrap().base,
        "https://fe1:443"
    );
    assert_eq!(
        LoadUrl::parse("http://fe1:8030/").unwrap().base,
        "http://fe1:8030"
    );
    let c = ok(&with("", "", "").replace("http://127.0.0.1:8030", "h:1;h:1;;h:2;"));
    assert_eq!(c.sink.load_urls.len(), 2);
}

#[test]
fn jdbc_url_rules() {
    let m = err_for(
        &with("", "", "jdbc-url = \"mysql:/h:9030\""),
        "sink.jdbc-url",
    );
    assert_eq!(
        m,
        r#"expected jdbc:mysql://host:port (the FE query port, usually 9030), got "mysql:/h:9030""#
    );
    for bad in [
        "jdbc:mysql://h",
        "jdbc:mysql://:9030",
        "jdbc:postgresql://h:5432",
        "jdbc:mysql://h:x",
    ] {
        let m = err_for(
            &with("", "", &format!("jdbc-url = {bad:?}")),
            "sink.jdbc-url",
        );
        assert!(
            m.starts_with("expected jdbc:mysql://host:port"),
            "{bad}: {m}"
        );
    }
    let j = JdbcUrl::parse("jdbc:mysql://fe1:9030,fe2:9030").unwrap();
    assert_eq!((j.host.as_str(), j.port), ("fe1", 9030));
    assert_eq!(j.text, "jdbc:mysql://fe1:9030,fe2:9030");
    let j = JdbcUrl::parse("jdbc:mysql://[::1]:9030").unwrap();
    assert_eq!(j.authority(), "[::1]:9030");
}

#[test]
fn name_rules() {
    let m = err_for(
        &with("", "", "").replacen("name = \"stock\"", "", 1),
        "name",
    );
    assert!(m.starts_with("required"), "{m}");
    let m = err_for(
        &with("", "", "").replacen("name = \"stock\"", "name = \"my stock\"", 1),
        "name",
    );
    assert!(m.contains("' '") && m.contains("labels"), "{m}");
    let long = "x".repeat(41);
    let m = err_for(
        &with("", "", "").replacen("name = \"stock\"", &format!("name = \"{long}\""), 1),
        "name",
    );
    assert!(m.contains("at most 40"), "{m}");
    ok(&with("", "", "").replacen(
        "name = \"stock\"",
        &format!("name = \"{}\"", "a".repeat(40)),
        1,
    ));
    ok(&with("", "", "").replacen("name = \"stock\"", "name = \"A-b_9\"", 1));
    let m = err_for(&with("", "", "label-prefix = \"a.b\""), "sink.label-prefix");
    assert!(m.contains("'.'"), "{m}");
}

#[test]
fn unknown_keys_name_the_nearest_known_key() {
    let m = err_for(&with("", "", "load_url = \"x\""), "sink.load_url");
    assert_eq!(m, "unknown key; did you mean `load-url`?");
    let m = err_for(
        &with("", "", "buffer-flush.max-byte = 1"),
        "sink.buffer-flush.max-byte",
    );
    assert_eq!(m, "unknown key; did you mean `max-bytes`?");
    let m = err_for(
        &with("", "intial-position = \"LATEST\"", ""),
        "source.intial-position",
    );
    assert_eq!(m, "unknown key; did you mean `initial-position`?");
    let m = err_for(&with("stat-dir = \"x\"", "", ""), "stat-dir");
    assert_eq!(m, "unknown key; did you mean `state-dir`?");
    let m = err_for(
        &with("", "", "completely-different = 1"),
        "sink.completely-different",
    );
    assert!(
        m.starts_with("unknown key; known keys here: `jdbc-url`"),
        "{m}"
    );
    // The Flink spelling `sink.properties.format` inside [sink].
    let m = err_for(
        &with("", "", "sink.properties.format = \"json\""),
        "sink.sink",
    );
    assert!(m.contains("drop the `sink.` prefix"), "{m}");
    let m = err_for(
        &with("", "aws-secret-access-key = \"x\"", ""),
        "source.aws-secret-access-key",
    );
    assert!(m.contains("default chain"), "{m}");
}

#[test]
fn flink_dotted_spellings_are_accepted() {
    let c = ok(&with(
        "",
        "",
        "connect.timeout-ms = 1234\nsocket.timeout-ms = 5678\nretry.interval-ms = 9",
    ));
    assert_eq!(c.sink.connect_timeout_ms, 1234);
    assert_eq!(c.sink.socket_timeout_ms, 5678);
    assert_eq!(c.sink.retry_interval_ms, 9);
    let m = err_for(&with("", "", "connect.timeout = 1"), "sink.connect.timeout");
    assert!(m.contains("did you mean"), "{m}");
}

#[test]
fn passwords_are_refused_in_the_config() {
    let m = err_for(&with("", "", "password = \"123456\""), "sink.password");
    assert!(m.contains("never goes in the config"), "{m}");
    assert!(m.contains("password-file"), "{m}");
    assert!(m.contains("STARROCKS_PASSWORD"), "{m}");
    assert!(m.contains("keyring"), "{m}");
    let m = err_for(
        &with("", "", "properties.password = \"x\""),
        "sink.properties.password",
    );
    assert!(m.contains("never goes in the config"), "{m}");
    let m = err_for(
        &with("", "", "properties.db_passwd = \"x\""),
        "sink.properties.db_passwd",
    );
    assert!(m.contains("never goes in the config"), "{m}");
    let m = err_for(&with("password = \"x\"", "", ""), "password");
    assert!(m.contains("never goes in the config"), "{m}");
    // The error text never echoes the password.
    let e = parse(&with("", "", "password = \"hunter2\"")).unwrap_err();
    assert!(!e.to_string().contains("hunter2"));
}

#[test]
fn source_rules() {
    let m = err_for(
        &with("", "initial-position = \"AT_TIMESTAMP\"", ""),
        "source.initial-timestamp",
    );
    assert_eq!(
        m,
        "required when initial-position = \"AT_TIMESTAMP\" (an RFC 3339 time such as \"2026-11-25T00:00:00Z\")"
    );
    let m = err_for(
        &with(
            "",
            "initial-position = \"AT_TIMESTAMP\"\ninitial-timestamp = \"yesterday\"",
            "",
        ),
        "source.initial-timestamp",
    );
    assert!(m.contains("RFC 3339"), "{m}");
    // A TOML date-time value works as well as a string.
    let c = ok(&with(
        "",
        "initial-position = \"AT_TIMESTAMP\"\ninitial-timestamp = 2026-11-25T00:00:00Z",
        "",
    ));
    assert_eq!(
        c.source.initial_timestamp.unwrap().timestamp(),
        1_795_564_800
    );
    let m = err_for(
        &with("", "initial-position = \"EARLIEST\"", ""),
        "source.initial-position",
    );
    assert!(m.contains("TRIM_HORIZON"), "{m}");
    let c = ok(&with("", "initial-position = \"trim_horizon\"", ""));
    assert_eq!(c.source.initial_position, InitialPosition::TrimHorizon);
    let m = err_for(&with("", "reader = \"kcl\"", ""), "source.reader");
    assert!(m.contains("\"polling\" or \"efo\""), "{m}");
    // Not built yet: refused by name, never read by polling without a word.
    let m = err_for(&with("", "reader = \"efo\"", ""), "source.reader");
    assert!(m.contains("not built") && m.contains("polling"), "{m}");
    let m = err_for(
        &with("", "efo-consumer = \"keep\"", ""),
        "source.efo-consumer",
    );
    assert!(m.contains("reader = \"efo\""), "{m}");
    let m = err_for(
        &with("", "read-limits = \"fast\"", ""),
        "source.read-limits",
    );
    assert!(m.contains("\"aws\"") && m.contains("\"none\""), "{m}");
    let m = err_for(
        &with("", "kpl-out-of-range = \"skip\"", ""),
        "source.kpl-out-of-range",
    );
    assert!(m.contains("\"keep\"") && m.contains("\"drop\""), "{m}");
    let m = err_for(
        &with("", "endpoint-url = \"localhost:4567\"", ""),
        "source.endpoint-url",
    );
    assert!(m.contains("http(s)://"), "{m}");
    let m = err_for(
        &with("", "operation-timeout-ms = 0", ""),
        "source.operation-timeout-ms",
    );
    assert!(m.contains("at least 1"), "{m}");
    let m = err_for(
        &with("", "operation-timeout-ms = \"30000\"", ""),
        "source.operation-timeout-ms",
    );
    assert!(m.contains("write it without quotes"), "{m}");

    // ARNs: name + ARN + region; a conflicting region is an error; a bad ARN too.
    let arn = "arn:aws:kinesis:us-west-2:012345678901:stream/ExampleInputStream";
    let c = ok(&with("", "", "").replace(
        "stream = \"ExampleInputStream\"",
        &format!("stream = \"{arn}\""),
    ));
    assert_eq!(c.source.stream_name, "ExampleInputStream");
    assert_eq!(c.source.stream_arn.as_deref(), Some(arn));
    let m = err_for(
        &with("", "", "")
            .replace(
                "stream = \"ExampleInputStream\"",
                &format!("stream = \"{arn}\""),
            )
            .replace("us-west-2\"", "eu-west-1\""),
        "source.region",
    );
    assert!(
        m.contains("differs from the region of the stream ARN"),
        "{m}"
    );
    let m = err_for(
        &with("", "", "").replace(
            "stream = \"ExampleInputStream\"",
            "stream = \"arn:aws:kinesis:us-west-2:12:stream/x\"",
        ),
        "source.stream",
    );
    assert!(
        m.contains("arn:aws:kinesis:REGION:ACCOUNT:stream/NAME"),
        "{m}"
    );
    let m = err_for(
        &with("", "", "").replace("\"ExampleInputStream\"", "\"bad/name\""),
        "source.stream",
    );
    assert!(m.contains("not a Kinesis stream name"), "{m}");
    let m = err_for(
        &with("", "", "").replace("\"us-west-2\"", "\"US West\""),
        "source.region",
    );
    assert!(m.contains("us-west-2"), "{m}");
}

#[test]
fn sink_rules() {
    let m = err_for(&with("", "", "ssl-mode = \"on\""), "sink.ssl-mode");
    assert!(m.contains("verify-identity"), "{m}");
    for (text, mode) in [
        ("disabled", SslMode::Disabled),
        ("REQUIRED", SslMode::Required),
        ("verify_identity", SslMode::VerifyIdentity),
    ] {
        let c = ok(&with("", "", &format!("ssl-mode = \"{text}\"")));
        assert_eq!(c.sink.ssl_mode, mode);
    }
    let m = err_for(
        &with("", "", "buffer-flush.max-bytes = 0"),
        "sink.buffer-flush.max-bytes",
    );
    assert!(m.contains("expected 1 to"), "{m}");
    let m = err_for(
        &with("", "", "buffer-flush.max-bytes = -1"),
        "sink.buffer-flush.max-bytes",
    );
    assert!(m.contains("non-negative"), "{m}");
    let m = err_for(
        &with("", "", "buffer-flush.interval-ms = 3600001"),
        "sink.buffer-flush.interval-ms",
    );
    assert!(m.contains("one hour"), "{m}");
    let m = err_for(&with("", "", "buffer-flush = 5"), "sink.buffer-flush");
    assert!(m.contains("expected a table"), "{m}");
    for n in [0, 2, 64] {
        let m = err_for(
            &with("", "", &format!("max-inflight-loads = {n}")),
            "sink.max-inflight-loads",
        );
        assert!(m.contains("exactly one load in flight"), "{m}");
    }
    let m = err_for(
        &with("", "", "").replace("username = \"root\"\n", ""),
        "sink.username",
    );
    assert!(m.starts_with("required"), "{m}");
    let m = err_for(
        &with("", "", "").replace("table-name = \"stock\"\n", ""),
        "sink.table-name",
    );
    assert!(m.starts_with("required"), "{m}");
    let m = err_for(
        &with("", "", "").replace("\"example_db\"", "\"a/b\""),
        "sink.database-name",
    );
    assert!(m.contains("'/'"), "{m}");
    let m = err_for(
        &with("", "", "").replace("load-url = \"http://127.0.0.1:8030\"\n", ""),
        "sink.load-url",
    );
    assert!(m.starts_with("required"), "{m}");
    let m = err_for(
        &with("", "", "").replace("username = \"root\"", "username = 5"),
        "sink.username",
    );
    assert_eq!(m, "expected a string, got the integer 5");
    let m = err_for(&with("on-data-error = \"skip\"", "", ""), "on-data-error");
    assert!(m.contains("\"dead-letter\""), "{m}");
    let m = err_for(
        &with("", "", "[network]\nsecurity-group-ids = [\"default\"]"),
        "network.security-group-ids",
    );
    assert!(m.contains("sg-0123456789abcdef0"), "{m}");
    let m = err_for(
        &with("", "", "[network]\negress-ip = \"my laptop\""),
        "network.egress-ip",
    );
    assert!(m.contains("203.0.113.7"), "{m}");
}

#[test]
fn missing_tables_and_syntax_errors() {
    let e = parse("name = \"x\"\n").unwrap_err();
    let keys: Vec<&str> = e.key_errors().iter().map(|k| k.key.as_str()).collect();
    assert_eq!(keys, ["source", "sink"]);
    assert!(e.to_string().contains("2 problems"), "{e}");
    let e = parse("name = \n").unwrap_err();
    assert!(matches!(e, ConfigError::Syntax { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with(&format!("{P}: not valid TOML")),
        "{e}"
    );
    let e = PipelineConfig::load("/nonexistent/ks.toml").unwrap_err();
    assert!(e.to_string().contains("/nonexistent/ks.toml"), "{e}");
    // Several problems are all reported.
    let e = parse(&with("", "reader = \"x\"", "ssl-mode = \"x\"\nfoo = 1")).unwrap_err();
    assert_eq!(e.key_errors().len(), 3, "{e}");
}

#[test]
fn example_config_in_packaging_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/example-pipeline.toml");
    let c = PipelineConfig::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.name, "stock");
    assert_eq!(c.source.stream_name, "ExampleInputStream");
    assert_eq!(
        c.sink.load_urls[0].base,
        "https://xxxx.cloud-app.celerdata.com:443"
    );
    assert_eq!(c.sink.ssl_mode, SslMode::Required);
    assert_eq!(c.sink.properties["format"], "json");
    assert_eq!(c.sink.password_file, None);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text
            .lines()
            .any(|l| l.trim_start().starts_with("password ="))
    );
}

// ---------------------------------------------------------------------------------------------
// Password sources

fn sink() -> SinkConfig {
    ok(&with(
        "",
        "",
        "jdbc-url = \"jdbc:mysql://fe.example.com:9030\"",
    ))
    .sink
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn no_keyring(_: &str, _: &str) -> Result<Option<String>, String> {
    Ok(None)
}

#[test]
fn password_file_comes_first() {
    let dir = std::env::temp_dir().join(format!("ks-core-pw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pw");
    std::fs::write(&file, "s3cret\n").unwrap();
    let mut s = sink();
    s.password_file = Some(file.clone());
    let env = |_: &str| Some("from-env".to_string());
    let (pw, src) = resolve_password(&s, &env, &no_keyring).unwrap();
    assert_eq!(pw.expose(), "s3cret");
    assert_eq!(src, PasswordSource::File(file.clone()));
    std::fs::write(&file, "with space \r\n").unwrap();
    let (pw, _) = resolve_password(&s, &env, &no_keyring).unwrap();
    assert_eq!(pw.expose(), "with space ");

    // Unreadable file: an error naming the path (no fallback: the config asked for the file).
    s.password_file = Some(dir.join("missing"));
    let e = resolve_password(&s, &env, &no_keyring).unwrap_err();
    assert!(matches!(e, PasswordError::FileUnreadable { .. }));
    assert!(
        e.to_string()
            .contains(&dir.join("missing").display().to_string()),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn env_then_keyring_then_an_error_naming_all_three() {
    let s = sink();
    let env = |k: &str| (k == "STARROCKS_PASSWORD").then(|| "envpw".to_string());
    let asked = RefCell::new(Vec::new());
    let keyring = |svc: &str, acct: &str| {
        asked.borrow_mut().push((svc.to_string(), acct.to_string()));
        Ok(Some("kpw".to_string()))
    };
    let (pw, src) = resolve_password(&s, &env, &keyring).unwrap();
    assert_eq!((pw.expose(), src), ("envpw", PasswordSource::Env));
    assert!(
        asked.borrow().is_empty(),
        "the keyring is not asked when env has it"
    );

    let (pw, src) = resolve_password(&s, &no_env, &keyring).unwrap();
    assert_eq!(pw.expose(), "kpw");
    assert_eq!(
        src,
        PasswordSource::Keyring {
            service: "kinesis-starrocks".into(),
            account: "root@fe.example.com".into()
        }
    );
    assert_eq!(
        asked.borrow().as_slice(),
        [(
            "kinesis-starrocks".to_string(),
            "root@fe.example.com".to_string()
        )]
    );

    let e = resolve_password(&s, &no_env, &no_keyring).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("password-file"), "{m}");
    assert!(m.contains("STARROCKS_PASSWORD"), "{m}");
    assert!(m.contains("OS keyring"), "{m}");
    assert!(m.contains("root@fe.example.com"), "{m}");

    let broken = |_: &str, _: &str| Err("no D-Bus session bus".to_string());
    let m = resolve_password(&s, &no_env, &broken)
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("no D-Bus session bus") && m.contains("STARROCKS_PASSWORD"),
        "{m}"
    );
}

#[test]
fn keyring_account_uses_jdbc_host_else_load_url_host() {
    let mut s = sink();
    assert_eq!(keyring_account(&s), "root@fe.example.com");
    s.jdbc_url = None;
    assert_eq!(keyring_account(&s), "root@127.0.0.1");
}

#[test]
fn secrets_do_not_print() {
    let s = Secret::new("hunter2");
    assert!(!format!("{s:?} {s}").contains("hunter2"));
}
