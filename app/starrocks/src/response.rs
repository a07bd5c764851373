//! Tolerant reading of StarRocks' HTTP answers (protocol reference §2): the BE's Stream Load JSON
//! (`to_json` keys, old and new timing names), the FE's `TransactionResult` (`Status`/`Message`)
//! and `RestBaseResult` (`status`/`msg`/`message`). Keys are matched case-insensitively and
//! unknown keys are ignored, like flink-connector-starrocks' Jackson settings.

use crate::error::LoadStats;
use serde_json::Value;
use std::collections::HashMap;

/// The fields we use from any of the answer shapes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    pub label: Option<String>,
    /// `Status` (BE, FE TransactionResult) or `status` (RestBaseResult), as sent.
    pub status: Option<String>,
    pub existing_job_status: Option<String>,
    /// `Message`, else `msg`.
    pub message: Option<String>,
    /// `TxnId` (absent when negative), the `Number…Rows` counts, `LoadBytes`, `LoadTimeMs`.
    pub stats: LoadStats,
    /// `StreamLoadPlanTimeMs`, or the 2.x name `StreamLoadPutTimeMs`.
    pub plan_time_ms: Option<u64>,
    pub error_url: Option<String>,
    /// `get_load_state`'s `state`.
    pub state: Option<String>,
    /// Which shape it was: the FE's own answers (TransactionResult / RestBaseResult) rather than
    /// a BE's Stream Load answer.
    pub from_fe: bool,
}

/// The normalized form of a status word: upper case, spaces and dashes as `_`
/// (`Label Already Exists` → `LABEL_ALREADY_EXISTS`, `Publish Timeout` → `PUBLISH_TIMEOUT`).
pub fn norm_status(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

impl Answer {
    /// Parses a JSON object answer; `Err` with a short reason when it is not one.
    pub fn parse(body: &[u8]) -> Result<Answer, String> {
        let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON ({e})"))?;
        let Value::Object(map) = v else {
            return Err("JSON, but not an object".into());
        };
        // Case-insensitive: the first spelling seen wins (StarRocks never sends two).
        let mut keys: HashMap<String, Value> = HashMap::new();
        let mut original_keys = Vec::new();
        for (k, v) in map {
            original_keys.push(k.clone());
            keys.entry(k.to_ascii_lowercase()).or_insert(v);
        }
        let text = |k: &str| -> Option<String> {
            match keys.get(k)? {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            }
        };
        let num = |k: &str| -> Option<i64> {
            match keys.get(k)? {
                Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
        };
        let count = |k: &str| num(k).map(|n| n.max(0) as u64).unwrap_or(0);
        let message = text("message")
            .filter(|m| !m.is_empty())
            .or_else(|| text("msg").filter(|m| !m.is_empty()))
            .or_else(|| text("message"));
        let status = text("status");
        // The BE's answer has `TxnId`/`NumberTotalRows`; the FE's TransactionResult has only
        // `Status`/`Message` (capitalised), RestBaseResult lower-case `status`/`msg`.
        let be_shaped = keys.contains_key("txnid") || keys.contains_key("numbertotalrows");
        let from_fe = !be_shaped;
        Ok(Answer {
            label: text("label"),
            status,
            existing_job_status: text("existingjobstatus"),
            message,
            stats: LoadStats {
                txn_id: num("txnid").filter(|t| *t >= 0),
                total_rows: count("numbertotalrows"),
                loaded_rows: count("numberloadedrows"),
                filtered_rows: count("numberfilteredrows"),
                unselected_rows: count("numberunselectedrows"),
                load_bytes: count("loadbytes"),
                load_time_ms: count("loadtimems"),
            },
            plan_time_ms: num("streamloadplantimems")
                .or_else(|| num("streamloadputtimems"))
                .map(|n| n.max(0) as u64),
            error_url: text("errorurl").filter(|u| !u.trim().is_empty()),
            state: text("state"),
            from_fe,
        })
    }

    /// `status` normalized (see [`norm_status`]), empty when absent.
    pub fn status_norm(&self) -> String {
        self.status.as_deref().map(norm_status).unwrap_or_default()
    }

    pub fn message_or_empty(&self) -> &str {
        self.message.as_deref().unwrap_or("")
    }
}

/// At most `max` characters of a body, on one line, for messages.
pub fn snippet(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > max {
        let cut: String = one_line.chars().take(max).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn be_success_new_field_names() {
        let a = Answer::parse(br#"{"TxnId":1003,"Label":"label123","Status":"Success","Message":"OK","NumberTotalRows":1000000,"NumberLoadedRows":999999,"NumberFilteredRows":1,"NumberUnselectedRows":0,"LoadBytes":40888898,"LoadTimeMs":2144,"BeginTxnTimeMs":0,"StreamLoadPlanTimeMs":1,"ReadDataTimeMs":0,"WriteDataTimeMs":11,"CommitAndPublishTimeMs":16}"#).unwrap();
        assert_eq!(a.stats.txn_id, Some(1003));
        assert_eq!(a.status_norm(), "SUCCESS");
        assert_eq!(
            (
                a.stats.total_rows,
                a.stats.loaded_rows,
                a.stats.filtered_rows
            ),
            (1_000_000, 999_999, 1)
        );
        assert_eq!(a.stats.load_bytes, 40_888_898);
        assert_eq!(a.plan_time_ms, Some(1));
        assert!(!a.from_fe);
    }

    #[test]
    fn be_failure_old_field_names_and_error_url() {
        let a = Answer::parse(br#"{"TxnId":413190,"Label":"import-6","Status":"Fail","Message":"too many filtered rows","NumberTotalRows":4,"NumberLoadedRows":0,"NumberFilteredRows":4,"NumberUnselectedRows":0,"LoadBytes":26,"LoadTimeMs":9,"BeginTxnTimeMs":1,"StreamLoadPutTimeMs":1,"ReadDataTimeMs":0,"WriteDataTimeMs":3,"CommitAndPublishTimeMs":0,"ErrorURL":"http://x.x.x.x:8438/api/_load_error_log?file=error_log_264fb42e6b7c5844_3f187f85fc3bac8d"}"#).unwrap();
        assert_eq!(a.status_norm(), "FAIL");
        assert_eq!(a.message_or_empty(), "too many filtered rows");
        assert_eq!(a.plan_time_ms, Some(1));
        assert!(
            a.error_url
                .as_deref()
                .unwrap()
                .ends_with("3f187f85fc3bac8d")
        );
    }

    #[test]
    fn duplicate_label_shapes() {
        let a = Answer::parse(br#"{"TxnId":-1,"Label":"L1","Status":"Label Already Exists","ExistingJobStatus":"FINISHED","Message":"Label [L1] has already been used.","NumberTotalRows":0}"#).unwrap();
        assert_eq!(a.status_norm(), "LABEL_ALREADY_EXISTS");
        assert_eq!(a.existing_job_status.as_deref(), Some("FINISHED"));
        assert_eq!(a.stats.txn_id, None);
        let b = Answer::parse(br#"{"Status":"LABEL_ALREADY_EXISTS","ExistingJobStatus":"RUNNING","Message":"Label [L1] has already been used."}"#).unwrap();
        assert_eq!(b.status_norm(), "LABEL_ALREADY_EXISTS");
        assert!(b.from_fe);
    }

    #[test]
    fn fe_shapes_and_case_insensitive_keys() {
        let a = Answer::parse(b"{\n  \"Status\": \"FAILED\",\n  \"Message\": \"class com.starrocks.common.DdlException: There is no 100-continue header\"\n}").unwrap();
        assert_eq!(a.status_norm(), "FAILED");
        assert!(a.from_fe);
        let r = Answer::parse(br#"{"status":"FAILED","code":"1","msg":"Access denied for bob@10.0.0.5","message":"Access denied for bob@10.0.0.5"}"#).unwrap();
        assert_eq!(r.message_or_empty(), "Access denied for bob@10.0.0.5");
        let old = Answer::parse(br#"{"status":"FAILED","msg":"Access denied for root@10.1.1.1"}"#)
            .unwrap();
        assert_eq!(old.message_or_empty(), "Access denied for root@10.1.1.1");
        let s = Answer::parse(br#"{"status":"OK","code":"0","msg":"Success","message":"Success","state":"VISIBLE","reason":""}"#).unwrap();
        assert_eq!(s.state.as_deref(), Some("VISIBLE"));
        let weird = Answer::parse(
            br#"{"STATUS":"Publish Timeout","numberloadedrows":"7","Extra":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(weird.status_norm(), "PUBLISH_TIMEOUT");
        assert_eq!(weird.stats.loaded_rows, 7);
        assert!(Answer::parse(b"<html>502 Bad Gateway</html>").is_err());
        assert!(Answer::parse(b"[1,2]").is_err());
    }

    #[test]
    fn snippets_are_short_and_one_line() {
        assert_eq!(snippet(b"a\n  b\tc", 100), "a b c");
        assert_eq!(snippet(b"abcdef", 3), "abc…");
    }
}
