//! The rules for each key's value, unknown keys and the example file.

use super::*;

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
    let c = ok(&with("", "reader = \"EFO\"", ""));
    assert_eq!(c.source.reader, ReaderKind::Efo);
    assert_eq!(
        c.efo_consumer_name(),
        format!("kinesis-starrocks-{}", c.name)
    );
    // The consumer keys without enhanced fan-out: refused by name, never ignored.
    let m = err_for(
        &with("", "efo-consumer = \"keep\"", ""),
        "source.efo-consumer",
    );
    assert!(m.contains("reader = \"efo\""), "{m}");
    let m = err_for(
        &with("", "efo-consumer-name = \"mine\"", ""),
        "source.efo-consumer-name",
    );
    assert!(m.contains("reader = \"efo\""), "{m}");
    let m = err_for(
        &with("", "reader = \"efo\"\nefo-consumer = \"forever\"", ""),
        "source.efo-consumer",
    );
    assert!(m.contains("\"pipeline\"") && m.contains("\"keep\""), "{m}");
    let m = err_for(
        &with(
            "",
            "reader = \"efo\"\nefo-consumer-name = \"has space\"",
            "",
        ),
        "source.efo-consumer-name",
    );
    assert!(m.contains("1 to 128 of letters, digits"), "{m}");
    let c = ok(&with(
        "",
        "reader = \"efo\"\nefo-consumer = \"keep\"\nefo-consumer-name = \"shared.reader-1\"",
        "",
    ));
    assert_eq!(c.source.efo_consumer, crate::config::EfoConsumer::Keep);
    assert_eq!(c.efo_consumer_name(), "shared.reader-1");
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
    for n in [0, 9, 64] {
        let m = err_for(
            &with("", "", &format!("max-inflight-loads = {n}")),
            "sink.max-inflight-loads",
        );
        assert!(m.contains("out of range: 1") && m.contains("to 8"), "{m}");
    }
    for n in [1, 2, 8] {
        let c = ok(&with("", "", &format!("max-inflight-loads = {n}")));
        assert_eq!(c.sink.max_inflight_loads, n);
    }
    // Table names as StarRocks allows them (Chinese, spaces); what cannot travel is refused.
    let c = ok(&with("", "", "").replace("table-name = \"stock\"", "table-name = \"股票 行情\""));
    assert_eq!(c.sink.table_name, "股票 行情");
    for (name, why) in [("a/b", "'/'"), ("a`b", "'`'")] {
        let m = err_for(
            &with("", "", "").replace("table-name = \"stock\"", &format!("table-name = {name:?}")),
            "sink.table-name",
        );
        assert!(m.contains(why), "{name}: {m}");
    }
    let m = err_for(
        &with("", "", "").replace("\"example_db\"", "\"example db\""),
        "sink.database-name",
    );
    assert!(m.contains("' '"), "{m}");
    // Merge commit would let StarRocks pick the labels: refused with the reason, each key named.
    for key in [
        "enable_merge_commit",
        "merge_commit_interval_ms",
        "MERGE_COMMIT_ASYNC",
    ] {
        let m = err_for(
            &with("", "", &format!("properties.{key} = \"true\"")),
            &format!("sink.properties.{key}"),
        );
        assert!(
            m.contains("ignore ours") && m.contains("interval-ms"),
            "{m}"
        );
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
