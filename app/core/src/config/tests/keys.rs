//! The key table against the parser, the writer, the struct fields and the example file: the
//! guards that make a key declared in `keys.rs` and nowhere else disagree.

use super::*;
use crate::config::keys::{
    KEYS, KeyDefault, KeyKind, KeySpec, Section, names_in, names_in_subtable, spec,
};
use std::collections::{BTreeMap, BTreeSet};

/// The table row a dotted path in a file stands for (`sink.properties.x` → `sink.properties.*`).
fn row_for(path: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|k| {
        let p = k.path();
        match p.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => p == path,
        }
    })
}

/// The dotted paths of a TOML document's values (tables flattened).
fn paths(text: &str) -> BTreeSet<String> {
    fn walk(prefix: &str, table: &toml::Table, out: &mut BTreeSet<String>) {
        for (k, v) in table {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(t) => walk(&path, t, out),
                _ => {
                    out.insert(path);
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk("", &text.parse::<toml::Table>().unwrap(), &mut out);
    out
}

/// Which table rows a set of paths covers; panics on a path with no row.
fn rows_covered(paths: &BTreeSet<String>, what: &str) -> BTreeSet<String> {
    paths
        .iter()
        .map(|p| {
            row_for(p)
                .unwrap_or_else(|| panic!("{what} has {p}, which is not in the key table"))
                .path()
        })
        .collect()
}

fn all_rows() -> BTreeSet<String> {
    KEYS.iter().map(KeySpec::path).collect()
}

#[test]
fn rows_are_well_formed() {
    assert_eq!(all_rows().len(), KEYS.len(), "a key is in the table twice");
    for k in KEYS {
        assert!(
            !k.doc.is_empty() && !k.doc.contains('\n'),
            "{}: one line of doc",
            k.path()
        );
        assert!(!k.since.is_empty(), "{}: since", k.path());
        if let KeyKind::Choice(c) = k.kind {
            assert!(!c.is_empty(), "{}", k.path());
            if let KeyDefault::Str(d) = k.default {
                assert!(c.contains(&d), "{}: the default is not a choice", k.path());
            }
        }
    }
    let ssl: Vec<&str> = SslMode::ALL.iter().map(SslMode::as_str).collect();
    let KeyKind::Choice(choices) = spec("sink.ssl-mode").kind else {
        panic!("ssl-mode is a choice");
    };
    assert_eq!(choices, ssl);
    // Sections stay together, so the writer emits each header once.
    let mut seen: Vec<Section> = Vec::new();
    for k in KEYS {
        if seen.last() != Some(&k.section) {
            assert!(
                !seen.contains(&k.section),
                "{} out of its section",
                k.path()
            );
            seen.push(k.section);
        }
    }
}

/// The parser's lists (in "did you mean" and "known keys here") are the ones it always had.
#[test]
fn known_key_lists_keep_their_order() {
    assert_eq!(
        names_in(Section::Top),
        [
            "name",
            "state-dir",
            "on-data-error",
            "source",
            "sink",
            "network"
        ]
    );
    assert_eq!(
        names_in(Section::Sink),
        [
            "jdbc-url",
            "load-url",
            "username",
            "password-file",
            "database-name",
            "table-name",
            "ssl-mode",
            "ssl-ca",
            "buffer-flush",
            "buffer-flush.max-bytes",
            "buffer-flush.max-rows",
            "buffer-flush.interval-ms",
            "label-prefix",
            "connect-timeout-ms",
            "socket-timeout-ms",
            "max-retries",
            "retry-interval-ms",
            "max-inflight-loads",
            "properties",
        ]
    );
    assert_eq!(
        names_in_subtable(Section::Sink, "buffer-flush"),
        ["max-bytes", "max-rows", "interval-ms"]
    );
    assert_eq!(
        names_in(Section::Network),
        ["security-group-ids", "egress-ip"]
    );
    let known = known_keys();
    assert_eq!(known.len(), KEYS.len());
    assert!(known.contains(&"sink.properties.*".to_string()));
    assert!(known.contains(&"sink.buffer-flush.max-rows".to_string()));
    assert!(
        !known
            .iter()
            .any(|k| k == "source" || k == "sink.buffer-flush")
    );
}

/// Every table key is parsed and written back: set in the input, present in the output, equal
/// after parse → write → parse.
#[test]
fn every_table_key_round_trips() {
    assert_eq!(rows_covered(&paths(EVERY_KEY), "EVERY_KEY"), all_rows());
    let c = ok(EVERY_KEY);
    let written = c.to_toml_string();
    assert_eq!(
        rows_covered(&paths(&written), "the written config"),
        all_rows(),
        "{written}"
    );
    let again = ok(&written);
    assert_eq!(again, c, "{written}");
    assert_eq!(again.to_toml_string(), written);
}

/// Every field of the model has its key (the destructuring does not compile when a field is
/// added: give it a row in keys.rs, then add it here).
#[test]
fn every_struct_field_has_a_table_entry() {
    let c = ok(EVERY_KEY);
    let PipelineConfig {
        name: _,
        state_dir: _,
        source,
        sink,
        network,
        on_data_error: _,
    } = c;
    let SourceConfig {
        stream_name: _,
        stream_arn: _,
        region: _,
        profile: _,
        endpoint_url: _,
        initial_position: _,
        initial_timestamp: _,
        reader: _,
        efo_consumer: _,
        efo_consumer_name: _,
        read_limits: _,
        kpl_out_of_range: _,
        operation_timeout_ms: _,
        discovery_interval_ms: _,
    } = source;
    let SinkConfig {
        jdbc_url: _,
        load_urls: _,
        username: _,
        password_file: _,
        database_name: _,
        table_name: _,
        ssl_mode: _,
        buffer_flush,
        properties: _,
        label_prefix: _,
        connect_timeout_ms: _,
        socket_timeout_ms: _,
        max_retries: _,
        retry_interval_ms: _,
        max_inflight_loads: _,
        ssl_ca: _,
    } = sink;
    let BufferFlush {
        max_bytes: _,
        max_rows: _,
        interval_ms: _,
    } = buffer_flush;
    let NetworkConfig {
        security_group_ids: _,
        egress_ip: _,
    } = network;
    // The key of each field above, in the same order (stream_name and stream_arn share `stream`).
    let fields = [
        "name",
        "state-dir",
        "on-data-error",
        "source.stream",
        "source.region",
        "source.profile",
        "source.endpoint-url",
        "source.initial-position",
        "source.initial-timestamp",
        "source.reader",
        "source.efo-consumer",
        "source.efo-consumer-name",
        "source.read-limits",
        "source.kpl-out-of-range",
        "source.operation-timeout-ms",
        "source.discovery-interval-ms",
        "sink.jdbc-url",
        "sink.load-url",
        "sink.username",
        "sink.password-file",
        "sink.database-name",
        "sink.table-name",
        "sink.ssl-mode",
        "sink.buffer-flush.max-bytes",
        "sink.buffer-flush.max-rows",
        "sink.buffer-flush.interval-ms",
        "sink.properties.*",
        "sink.label-prefix",
        "sink.connect-timeout-ms",
        "sink.socket-timeout-ms",
        "sink.max-retries",
        "sink.retry-interval-ms",
        "sink.max-inflight-loads",
        "sink.ssl-ca",
        "network.security-group-ids",
        "network.egress-ip",
    ];
    let fields: BTreeSet<String> = fields.iter().map(|f| f.to_string()).collect();
    assert_eq!(fields, all_rows());
}

/// The defaults in the table are what the parser fills in, and every choice is accepted and
/// written back as spelled.
#[test]
fn table_defaults_and_choices_are_the_parsers() {
    // The minimal config sets no key that has a default.
    let plain = ok(&with("", "", "")).to_toml_string();
    // The consumer keys are written only with enhanced fan-out.
    let efo = ok(&with("", "reader = \"efo\"", "")).to_toml_string();
    for k in KEYS {
        let only_with_efo = k.name.starts_with("efo-");
        let written = if only_with_efo { &efo } else { &plain };
        if let Some(default) = k.default.toml() {
            assert!(
                written.contains(&format!("{} = {default}\n", k.name)),
                "{}: the table says {default}, the parser gives:\n{written}",
                k.path()
            );
        }
        if let KeyKind::Choice(choices) = k.kind {
            for choice in choices {
                let line = format!("{} = {choice:?}", k.name);
                let text = match k.section {
                    Section::Top => with(&line, "", ""),
                    Section::Source => with("", &line, ""),
                    _ => with("", "", &line),
                };
                let text = if *choice == "AT_TIMESTAMP" {
                    text.replace(
                        &line,
                        &format!("{line}\ninitial-timestamp = \"2026-11-25T00:00:00Z\""),
                    )
                } else if only_with_efo {
                    text.replace(&line, &format!("reader = \"efo\"\n{line}"))
                } else {
                    text
                };
                let c = parse(&text).unwrap_or_else(|e| panic!("{line}: {e}"));
                assert!(c.to_toml_string().contains(&format!("{line}\n")), "{line}");
            }
        }
    }
}

/// The minimums' messages quote the table's defaults (the text users see is unchanged).
#[test]
fn zero_where_at_least_one_is_needed() {
    let e = parse(&with(
        "",
        "operation-timeout-ms = 0\ndiscovery-interval-ms = 0",
        "connect-timeout-ms = 0\nsocket-timeout-ms = 0\nretry-interval-ms = 0",
    ))
    .unwrap_err();
    let messages: BTreeMap<&str, &str> = e
        .key_errors()
        .iter()
        .map(|k| (k.key.as_str(), k.message.as_str()))
        .collect();
    let expected = BTreeMap::from([
        (
            "source.operation-timeout-ms",
            "must be at least 1 (every AWS call needs a bound; the default is 30000)",
        ),
        (
            "source.discovery-interval-ms",
            "must be at least 1 (the default is 30000)",
        ),
        (
            "sink.connect-timeout-ms",
            "must be at least 1 (the default is 10000)",
        ),
        (
            "sink.socket-timeout-ms",
            "must be at least 1 (the default is 600000)",
        ),
        (
            "sink.retry-interval-ms",
            "must be at least 1 (the default is 1000)",
        ),
    ]);
    assert_eq!(messages, expected);
    // The choice lists in messages.
    let m = err_for(&with("on-data-error = \"x\"", "", ""), "on-data-error");
    assert_eq!(m, "expected \"stop\" or \"dead-letter\", got \"x\"");
    let m = err_for(
        &with("", "initial-position = \"x\"", ""),
        "source.initial-position",
    );
    assert_eq!(
        m,
        "expected \"LATEST\", \"TRIM_HORIZON\" or \"AT_TIMESTAMP\", got \"x\""
    );
    let m = err_for(&with("", "", "ssl-mode = \"x\""), "sink.ssl-mode");
    assert_eq!(
        m,
        "expected one of \"disabled\", \"preferred\", \"required\", \"verify-ca\", \"verify-identity\", got \"x\""
    );
}

/// The documented example names exactly the table's keys, and a commented-out key shows its
/// default. (Edit `packaging/example-pipeline.toml` by hand when a key is added: it is prose.)
#[test]
fn example_file_documents_every_table_key_with_its_default() {
    let text = include_str!("../../../../../packaging/example-pipeline.toml");
    let keys = ks_tests::example_config::keys_shown_in(text);
    let mut documented = BTreeSet::new();
    for ks_tests::example_config::ShownKey {
        path,
        value,
        commented,
    } in &keys
    {
        let row = row_for(path).unwrap_or_else(|| {
            panic!("packaging/example-pipeline.toml documents {path}, which is not in the key table (config/keys.rs)")
        });
        documented.insert(row.path());
        if *commented && let Some(default) = row.default.toml() {
            assert_eq!(
                value, &default,
                "packaging/example-pipeline.toml: the commented-out {path} should show the default"
            );
        }
    }
    let missing: Vec<String> = all_rows().difference(&documented).cloned().collect();
    assert!(
        missing.is_empty(),
        "packaging/example-pipeline.toml does not document {missing:?} (config/keys.rs has them)"
    );
}

/// The writer's text for the documented example, pinned byte for byte (the writer walks the key
/// table: a row's order, name or `get` that changes the output shows here).
#[test]
fn example_file_is_written_as_pinned() {
    let c = ok(include_str!(
        "../../../../../packaging/example-pipeline.toml"
    ));
    let expected = include_str!("example_written.toml");
    assert_eq!(c.to_toml_string(), expected);
}

/// The writer's text for a config with every key set, pinned byte for byte (relative paths are
/// resolved against the config file's directory, /etc/ks).
#[test]
fn every_key_is_written_as_pinned() {
    // EVERY_KEY lists `properties.format` first; the writer puts the properties in name order.
    let expected = every_key_with(&[
        ("state-dir", Some(r#""/etc/ks/state/clicks""#)),
        ("initial-timestamp", Some(r#""2026-11-25T00:02:03Z""#)),
        (
            "load-url",
            Some(r#""http://fe1.example.com:8030;https://fe2.example.com:8443""#),
        ),
        ("password-file", Some(r#""/etc/ks/secrets/pw""#)),
    ])
    .trim_start()
    .replace(
        "properties.format = \"csv\"\nproperties.column_separator = \",\"\n",
        "properties.column_separator = \",\"\nproperties.format = \"csv\"\n",
    );
    assert_eq!(ok(EVERY_KEY).to_toml_string(), expected);
}

/// The keys docs/config.md §3 documents, per section: the backticked names in the first column of
/// each subsection's table (`database-name`, `table-name` share a row).
fn documented_keys(text: &str) -> BTreeMap<Option<&'static str>, BTreeSet<String>> {
    let keys_section = text
        .split("\n## 3. ")
        .nth(1)
        .and_then(|s| s.split("\n## 4. ").next())
        .expect("docs/config.md has a section \"## 3. Keys and defaults\" followed by \"## 4.\"");
    let mut out = BTreeMap::new();
    for sub in keys_section.split("\n### ").skip(1) {
        let heading = sub.lines().next().unwrap_or("");
        let section = [Section::Source, Section::Sink, Section::Network]
            .into_iter()
            .find_map(|s| {
                let t = s.table()?;
                heading.contains(&format!("`[{t}]`")).then_some(t)
            });
        let names: &mut BTreeSet<String> = out.entry(section).or_default();
        for line in sub.lines().filter(|l| l.starts_with('|')) {
            let first = line.split('|').nth(1).unwrap_or("");
            names.extend(first.split('`').skip(1).step_by(2).map(String::from));
        }
    }
    out
}

/// docs/config.md §3 (the users' documentation of the keys) has a row for every key in the table.
#[test]
fn docs_config_md_documents_every_table_key() {
    let text = include_str!("../../../../../docs/config.md");
    let documented = documented_keys(text);
    let missing: Vec<String> = KEYS
        .iter()
        .filter(|k| {
            !documented
                .get(&k.section.table())
                .is_some_and(|names| names.contains(k.name))
        })
        .map(|k| {
            let table = k
                .section
                .table()
                .map_or("the top level".to_string(), |t| format!("[{t}]"));
            format!("`{}` (in {table})", k.path())
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/config.md §3 does not document {}: add a row to its table for each \
         (config/keys.rs has them)",
        missing.join(", ")
    );
}
