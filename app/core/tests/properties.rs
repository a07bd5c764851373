//! Property-based tests of the parsers in ks-core that face outside bytes: the pipeline config
//! (a file a user writes) and Kinesis sequence numbers (text from the service).
//!
//! Invariants: never a panic; a config error names a key (one the user wrote, or a required one);
//! a config written by `to_toml_string` reads back equal; sequence numbers round-trip and compare
//! as numbers, never as text.

use ks_core::{ExtendedSeq, PipelineConfig, SeqNum};
use proptest::prelude::*;
use std::path::Path;

fn parse(text: &str) -> Result<PipelineConfig, ks_core::ConfigError> {
    PipelineConfig::from_toml_str(text, Path::new("/etc/ks/p.toml"))
}

/// A TOML value of any type, as text.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ._:/;-]{0,30}".prop_map(|s| format!("{s:?}")),
        any::<i64>().prop_map(|i| i.to_string()),
        (0u64..100_000_000).prop_map(|i| i.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        (-1e6f64..1e6).prop_map(|f| format!("{f:?}")),
        Just("[\"a\", \"b\"]".to_string()),
        Just("2026-11-25T00:00:00Z".to_string()),
        Just("{ x = 1 }".to_string()),
    ]
}

/// A key: mostly real ones (in the wrong table too), some near misses and inventions.
fn toml_key() -> impl Strategy<Value = String> {
    let mut known: Vec<String> = ks_core::config::known_keys()
        .into_iter()
        .map(|k| {
            k.split_once('.')
                .filter(|(s, _)| ["source", "sink", "network"].contains(s))
                .map_or(k.clone(), |(_, rest)| rest.to_string())
                .replace('*', "format")
        })
        .collect();
    known.extend(
        [
            "password",
            "pasword",
            "efo-consumer",
            "buffer-flush.max-row",
            "aws-secret-access-key",
            "properties.jsonpaths",
            "reader",
        ]
        .map(String::from),
    );
    prop_oneof![
        4 => proptest::sample::select(known),
        1 => "[a-z][a-z0-9_-]{0,12}",
    ]
}

/// Config-shaped text: the usual tables with random keys and values.
fn config_text() -> impl Strategy<Value = String> {
    let lines = || proptest::collection::vec((toml_key(), toml_value()), 0..8);
    (lines(), lines(), lines(), lines(), any::<bool>()).prop_map(
        |(top, source, sink, network, with_network)| {
            let mut out = String::new();
            let mut section = |name: &str, lines: &[(String, String)]| {
                if !name.is_empty() {
                    out.push_str(&format!("[{name}]\n"));
                }
                let mut seen = std::collections::HashSet::new();
                for (k, v) in lines {
                    // A key twice is a TOML syntax error; keep the text valid TOML mostly.
                    if seen.insert(k.split('.').next().unwrap_or(k).to_string()) {
                        out.push_str(&format!("{k} = {v}\n"));
                    }
                }
            };
            section("", &top);
            section("source", &source);
            section("sink", &sink);
            if with_network {
                section("network", &network);
            }
            out
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_text_is_read_or_refused_without_a_panic(text in any::<String>()) {
        let _ = parse(&text);
    }

    #[test]
    fn config_errors_name_a_key(text in config_text()) {
        match parse(&text) {
            Ok(c) => {
                // Whatever was accepted is valid and writes back to the same config.
                prop_assert!(c.validate().is_ok());
                let again = parse(&c.to_toml_string()).expect("written config reads back");
                prop_assert_eq!(again, c);
            }
            Err(ks_core::ConfigError::Invalid { errors, .. }) => {
                prop_assert!(!errors.is_empty());
                for e in &errors {
                    prop_assert!(!e.key.is_empty(), "an error without a key: {:?}", e);
                    let leaf = e.key.rsplit('.').next().unwrap_or(&e.key);
                    let named = text.contains(leaf)
                        || ["name", "source", "sink", "stream", "load-url", "username",
                            "database-name", "table-name", "state-dir", "initial-timestamp"]
                            .contains(&leaf);
                    prop_assert!(named, "{} is neither in the text nor a required key:\n{}", e.key, text);
                    prop_assert!(!e.message.is_empty());
                }
            }
            Err(_) => {} // TOML syntax: the toml crate's own message, with the line.
        }
    }

    #[test]
    fn a_valid_config_round_trips(
        name in "[a-z][a-z0-9_-]{0,20}",
        stream in "[A-Za-z0-9_.-]{1,40}",
        region in proptest::sample::select(vec!["us-east-1", "eu-west-1", "ap-southeast-2"]),
        position in proptest::sample::select(vec!["LATEST", "TRIM_HORIZON"]),
        kpl in proptest::sample::select(vec!["keep", "drop"]),
        limits in proptest::sample::select(vec!["aws", "none"]),
        rows in 1u64..1_000_000,
        bytes in 1u64..1_000_000_000,
        interval in 1u64..3_600_000,
        retries in 0u32..100,
        prefix in proptest::option::of("[a-z][a-z0-9_]{0,20}"),
        ssl in proptest::sample::select(vec!["disabled", "preferred", "required"]),
        props in proptest::collection::btree_map("[a-z][a-z_]{0,12}", "[ -~]{0,20}", 0..4),
    ) {
        let mut text = format!(
            "name = {name:?}\nstate-dir = \"/var/lib/ks/{name}\"\n\n[source]\nstream = {stream:?}\n\
             region = {region:?}\ninitial-position = {position:?}\nkpl-out-of-range = {kpl:?}\n\
             read-limits = {limits:?}\n\n[sink]\nload-url = \"https://fe.example.com\"\n\
             username = \"loader\"\ndatabase-name = \"db\"\ntable-name = \"t\"\nssl-mode = {ssl:?}\n\
             buffer-flush.max-rows = {rows}\nbuffer-flush.max-bytes = {bytes}\n\
             buffer-flush.interval-ms = {interval}\nmax-retries = {retries}\n"
        );
        if let Some(p) = &prefix {
            text.push_str(&format!("label-prefix = {p:?}\n"));
        }
        for (k, v) in &props {
            text.push_str(&format!("properties.{k} = {v:?}\n"));
        }
        match parse(&text) {
            Ok(c) => {
                let written = c.to_toml_string();
                prop_assert_eq!(parse(&written).expect("reads back"), c);
            }
            Err(e) => {
                // Only a reserved or password-like property may be refused, and by its key.
                let keys: Vec<&str> = e.key_errors().iter().map(|k| k.key.as_str()).collect();
                prop_assert!(
                    keys.iter().all(|k| k.starts_with("sink.properties.")),
                    "{e}\n{text}"
                );
            }
        }
    }

    #[test]
    fn sequence_numbers_round_trip_and_compare_as_numbers(a in any::<u128>(), b in any::<u128>()) {
        let (sa, sb) = (SeqNum::from(a), SeqNum::from(b));
        prop_assert_eq!(SeqNum::parse(&a.to_string()).unwrap(), sa);
        prop_assert_eq!(sa.to_string(), a.to_string());
        prop_assert_eq!(sa.cmp(&sb), a.cmp(&b));
        prop_assert_eq!(sa.to_u128(), Some(a));
    }

    #[test]
    fn long_sequence_numbers_compare_by_value_not_text(
        a in "[1-9][0-9]{0,128}",
        b in "[1-9][0-9]{0,128}",
        zeros in 0usize..3,
    ) {
        let (sa, sb) = (SeqNum::parse(&a).unwrap(), SeqNum::parse(&b).unwrap());
        prop_assert_eq!(sa.to_string(), a.clone());
        let by_value = a.len().cmp(&b.len()).then_with(|| a.cmp(&b));
        prop_assert_eq!(sa.cmp(&sb), by_value);
        // Leading zeros and surrounding blanks do not change the number.
        let padded = format!(" {}{} ", "0".repeat(zeros), a);
        if padded.trim().len() <= SeqNum::MAX_DIGITS {
            prop_assert_eq!(SeqNum::parse(&padded).unwrap(), sa);
        }
        // Positions order by sequence, then sub-sequence.
        let (x, y) = (ExtendedSeq::new(sa, 1), ExtendedSeq::new(sb, 0));
        prop_assert_eq!(x.cmp(&y), by_value.then(std::cmp::Ordering::Greater));
    }

    #[test]
    fn anything_else_is_not_a_sequence_number(s in any::<String>()) {
        match SeqNum::parse(&s) {
            Ok(n) => {
                let t = s.trim();
                prop_assert!(!t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()));
                let digits = t.trim_start_matches('0');
                let expected = if digits.is_empty() { "0" } else { digits };
                prop_assert_eq!(n.to_string(), expected);
            }
            Err(m) => prop_assert!(m.contains("not a Kinesis sequence number")),
        }
    }
}
