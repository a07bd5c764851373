//! Property-based tests of reading StarRocks' answers: what a BE or FE (or a proxy in front of
//! them) sends back for a Stream Load.
//!
//! Invariants: never a panic, whatever the bytes; only the statuses StarRocks documents as
//! success (`Success`/`OK`, `Publish Timeout`, `Label Already Exists` + `FINISHED`) ever count as
//! loaded — anything else is an error, so a failed batch is never checkpointed as done; counts are
//! read as sent and never negative.

use crate::response::Answer;
use crate::stream_load::{LoadStatus, verdict};
use proptest::prelude::*;
use serde_json::{Value, json};

/// A status word as StarRocks and proxies spell it (any case, spaces or dashes), or noise.
fn status() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(vec![
            "Success",
            "OK",
            "ok",
            "Publish Timeout",
            "PUBLISH-TIMEOUT",
            "Label Already Exists",
            "Fail",
            "TXN_IN_PROCESSING",
            "Cancelled",
            "",
        ])
        .prop_map(String::from),
        "[A-Za-z _-]{0,20}",
    ]
}

fn count() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0i64..1_000_000).prop_map(Value::from),
        (-5i64..0).prop_map(Value::from),
        "[0-9]{1,6}".prop_map(Value::from),
        Just(Value::Null),
        Just(json!("lots")),
        (0.0f64..1e6).prop_map(Value::from),
    ]
}

fn answer() -> impl Strategy<Value = Value> {
    (
        status(),
        proptest::option::of(proptest::sample::select(vec![
            "FINISHED",
            "RUNNING",
            "CANCELLED",
            "finished",
        ])),
        "[ -~]{0,60}",
        count(),
        count(),
        count(),
        any::<bool>(),
        proptest::option::of("[ -~]{0,40}"),
    )
        .prop_map(
            |(status, existing, message, total, loaded, filtered, be, url)| {
                let mut v = json!({ "Status": status, "Message": message });
                if be {
                    v["TxnId"] = json!(42);
                    v["NumberTotalRows"] = total;
                    v["NumberLoadedRows"] = loaded;
                    v["NumberFilteredRows"] = filtered;
                }
                if let Some(e) = existing {
                    v["ExistingJobStatus"] = json!(e);
                }
                if let Some(u) = url {
                    v["ErrorURL"] = json!(u);
                }
                v
            },
        )
}

fn is_success(status: &str, existing: Option<&str>) -> bool {
    match crate::response::norm_status(status).as_str() {
        "SUCCESS" | "OK" | "PUBLISH_TIMEOUT" => true,
        "LABEL_ALREADY_EXISTS" => existing.is_some_and(|e| e.eq_ignore_ascii_case("FINISHED")),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn any_bytes_are_read_or_refused_without_a_panic(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(a) = Answer::parse(&body) {
            let _ = verdict(&a, &body, "l", "n");
        }
    }

    #[test]
    fn only_documented_successes_count_as_loaded(v in answer()) {
        let body = serde_json::to_vec(&v).unwrap();
        let a = Answer::parse(&body).expect("a JSON object is an answer");
        let status = v["Status"].as_str().unwrap_or_default();
        let existing = v.get("ExistingJobStatus").and_then(Value::as_str);
        match verdict(&a, &body, "lbl", "node") {
            Some(Ok(outcome)) => {
                prop_assert!(is_success(status, existing), "{} counted as loaded: {}", status, v);
                prop_assert_eq!(outcome.label.as_str(), "lbl");
                if outcome.status == LoadStatus::AlreadyLoaded {
                    prop_assert!(existing.is_some());
                }
            }
            Some(Err(e)) => {
                prop_assert!(!is_success(status, existing), "{} refused: {}", status, e);
                if status.trim().is_empty() {
                    prop_assert!(!e.is_retryable(), "an answer without a status is not retried blindly");
                }
            }
            None => {
                // Only "Label Already Exists" without a job status asks get_load_state.
                prop_assert_eq!(crate::response::norm_status(status), "LABEL_ALREADY_EXISTS");
                prop_assert!(!existing.is_some_and(|e| ["FINISHED", "RUNNING"].contains(&e.to_ascii_uppercase().as_str())));
            }
        }
        // Counts: as sent when they are numbers (or numeric strings), never negative.
        if let Some(n) = v.get("NumberLoadedRows").and_then(Value::as_i64) {
            prop_assert_eq!(a.stats.loaded_rows, n.max(0) as u64);
        }
        if let Some(n) = v.get("NumberFilteredRows").and_then(Value::as_str).and_then(|s| s.parse::<u64>().ok()) {
            prop_assert_eq!(a.stats.filtered_rows, n);
        }
    }
}
