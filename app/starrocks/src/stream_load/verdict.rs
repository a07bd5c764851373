//! Reading a load's outcome: the HTTP status first, then the JSON body's `Status` and `Message`
//! (protocol reference §2), into a [`LoadOutcome`] or a classified [`LoadError`].

use super::{LoadOutcome, LoadStatus};
use crate::error::{FailClass, LoadError, classify_fail_message};
use crate::response::{Answer, snippet};
use std::time::Duration;

pub(super) fn outcome_of(a: &Answer, label: &str, node: &str, status: LoadStatus) -> LoadOutcome {
    LoadOutcome {
        label: label.to_string(),
        status,
        stats: a.stats,
        error_url: a.error_url.clone(),
        error_lines: Vec::new(),
        node: node.to_string(),
        message: a.message.clone().unwrap_or_default(),
        elapsed: Duration::ZERO,
    }
}

/// Protocol reference §2: `Success`/`OK` and `Publish Timeout` are successes, `Label Already
/// Exists` + `FINISHED` is "already loaded", + `RUNNING` is "ask again later"; any other status
/// is a failure classified by its message (flink-connector-starrocks' rules).
///
/// `None`: `Label Already Exists` without `ExistingJobStatus` — ask `get_load_state`. The
/// ErrorURL's lines are not fetched here.
pub(crate) fn verdict(
    a: &Answer,
    body: &[u8],
    label: &str,
    node: &str,
) -> Option<Result<LoadOutcome, LoadError>> {
    let l = || label.to_string();
    let n = || node.to_string();
    let done = Some;
    match a.status_norm().as_str() {
        "SUCCESS" | "OK" => done(Ok(outcome_of(a, label, node, LoadStatus::Loaded))),
        "PUBLISH_TIMEOUT" => done(Ok(outcome_of(a, label, node, LoadStatus::PublishTimeout))),
        "LABEL_ALREADY_EXISTS" => {
            let existing = a
                .existing_job_status
                .as_deref()
                .map(|s| s.trim().to_ascii_uppercase());
            match existing.as_deref() {
                Some("FINISHED") => done(Ok(outcome_of(a, label, node, LoadStatus::AlreadyLoaded))),
                Some("RUNNING") => done(Err(LoadError::LabelRunning {
                    label: l(),
                    node: n(),
                })),
                _ => None,
            }
        }
        // The transaction API's "another load of this label is in progress".
        "TXN_IN_PROCESSING" => done(Err(LoadError::LabelRunning {
            label: l(),
            node: n(),
        })),
        "" => done(Err(LoadError::Protocol {
            label: l(),
            node: n(),
            message: format!(
                "the answer has no Status: {}; not retried blindly",
                snippet(body, 300)
            ),
        })),
        _ => {
            let message = a
                .message
                .clone()
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| format!("Status {}", a.status.clone().unwrap_or_default()));
            done(Err(match classify_fail_message(&message) {
                FailClass::Data => LoadError::DataQuality {
                    label: l(),
                    node: n(),
                    message,
                    error_url: a.error_url.clone(),
                    error_lines: Vec::new(),
                    stats: a.stats,
                },
                FailClass::Auth => LoadError::Auth {
                    label: l(),
                    node: n(),
                    message,
                },
                FailClass::UnknownTable => LoadError::UnknownTable {
                    label: l(),
                    node: n(),
                    message,
                },
                FailClass::UnknownDatabase => LoadError::UnknownDatabase {
                    label: l(),
                    node: n(),
                    message,
                },
                FailClass::TooManyVersions => LoadError::TooManyVersions {
                    label: l(),
                    node: n(),
                    message,
                },
                FailClass::NoContinue => LoadError::Protocol {
                    label: l(),
                    node: n(),
                    message: format!(
                        "StarRocks says \"{message}\": this client always sends `Expect: 100-continue`, so a proxy between here and the FE stripped it (nginx needs `proxy_http_version 1.1`); fix the proxy or point load-url at the FE"
                    ),
                },
                class => LoadError::Fail {
                    label: l(),
                    node: n(),
                    message,
                    retryable: matches!(class, FailClass::Transient),
                    error_url: a.error_url.clone(),
                    error_lines: Vec::new(),
                },
            }))
        }
    }
}

/// Errors that the HTTP status alone decides (`None` for 2xx).
pub(super) fn http_status_error(
    status: reqwest::StatusCode,
    body: &[u8],
    label: &str,
    node: &str,
) -> Option<LoadError> {
    if status.is_success() {
        return None;
    }
    let message = || {
        Answer::parse(body)
            .ok()
            .and_then(|a| a.message)
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| snippet(body, 300))
    };
    let code = status.as_u16();
    Some(match code {
        401 | 403 => LoadError::Auth {
            label: label.to_string(),
            node: node.to_string(),
            message: format!("HTTP {code}: {}", message()),
        },
        408 | 429 | 500..=599 => LoadError::Transient {
            label: label.to_string(),
            node: node.to_string(),
            reason: format!("HTTP {code} from {node}: {}", message()),
        },
        404 | 405 => LoadError::Protocol {
            label: label.to_string(),
            node: node.to_string(),
            message: format!(
                "HTTP {code} ({}): this address does not serve Stream Load; the load-url must be the FE HTTP port (8030 by default), a BE/CN HTTP port (8040) or the CelerData HTTPS endpoint",
                message()
            ),
        },
        _ => LoadError::Protocol {
            label: label.to_string(),
            node: node.to_string(),
            message: format!("unexpected HTTP {code}: {}", message()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: &str) -> Option<Result<LoadOutcome, LoadError>> {
        let a = Answer::parse(json.as_bytes()).unwrap();
        verdict(&a, json.as_bytes(), "L1", "be:8040")
    }

    fn ok(json: &str) -> LoadOutcome {
        match v(json) {
            Some(Ok(o)) => o,
            other => panic!("expected an outcome, got {other:?}"),
        }
    }

    fn err(json: &str) -> LoadError {
        match v(json) {
            Some(Err(e)) => e,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn successes() {
        let o = ok(
            r#"{"TxnId":1003,"Label":"L1","Status":"Success","Message":"OK","NumberTotalRows":10,"NumberLoadedRows":9,"NumberFilteredRows":1,"NumberUnselectedRows":0,"LoadBytes":400,"LoadTimeMs":21,"ErrorURL":"http://be:8040/api/_load_error_log?file=x"}"#,
        );
        assert_eq!(o.status, LoadStatus::Loaded);
        assert_eq!(
            (o.stats.txn_id, o.stats.loaded_rows, o.stats.filtered_rows),
            (Some(1003), 9, 1)
        );
        assert_eq!(o.node, "be:8040");
        assert!(o.error_url.is_some());
        assert_eq!(
            ok(r#"{"Status":"OK","Message":""}"#).status,
            LoadStatus::Loaded
        );
        assert_eq!(
            ok(r#"{"TxnId":5,"Status":"Publish Timeout","Message":"transaction commit successfully, BUT data will be visible later"}"#).status,
            LoadStatus::PublishTimeout
        );
        // 2.x names.
        let o =
            ok(r#"{"TxnId":1,"Status":"Success","NumberLoadedRows":3,"StreamLoadPutTimeMs":1}"#);
        assert_eq!(o.stats.loaded_rows, 3);
    }

    #[test]
    fn duplicate_labels_both_shapes() {
        let be = r#"{"TxnId":-1,"Label":"L1","Status":"Label Already Exists","ExistingJobStatus":"FINISHED","Message":"Label [L1] has already been used.","NumberTotalRows":0}"#;
        assert_eq!(ok(be).status, LoadStatus::AlreadyLoaded);
        let running = be.replace("FINISHED", "RUNNING");
        assert!(matches!(err(&running), LoadError::LabelRunning { .. }));
        let fe = r#"{"Status":"LABEL_ALREADY_EXISTS","ExistingJobStatus":"FINISHED","Message":"Label [L1] has already been used."}"#;
        assert_eq!(ok(fe).status, LoadStatus::AlreadyLoaded);
        let bare =
            r#"{"Status":"Label Already Exists","Message":"Label [L1] has already been used."}"#;
        assert!(v(bare).is_none(), "asks get_load_state");
        assert!(matches!(
            err(r#"{"Status":"TXN_IN_PROCESSING","Label":"L1"}"#),
            LoadError::LabelRunning { .. }
        ));
    }

    #[test]
    fn failures_are_classified() {
        let dq = err(
            r#"{"TxnId":413190,"Label":"L1","Status":"Fail","Message":"too many filtered rows","NumberTotalRows":4,"NumberLoadedRows":0,"NumberFilteredRows":4,"ErrorURL":"http://x:8438/api/_load_error_log?file=error_log_1_2"}"#,
        );
        let LoadError::DataQuality {
            stats, error_url, ..
        } = &dq
        else {
            panic!("{dq:?}")
        };
        assert_eq!((stats.total_rows, stats.filtered_rows), (4, 4));
        assert!(error_url.is_some());
        assert!(!dq.is_retryable());

        let nc = err(
            "{\n  \"Status\": \"FAILED\",\n  \"Message\": \"class com.starrocks.common.DdlException: There is no 100-continue header\"\n}",
        );
        assert!(matches!(nc, LoadError::Protocol { .. }));
        assert!(
            nc.to_string()
                .contains("a proxy between here and the FE stripped it"),
            "{nc}"
        );

        let auth =
            err(r#"{"TxnId":-1,"Status":"Fail","Message":"Access denied for root@1.2.3.4"}"#);
        assert!(matches!(auth, LoadError::Auth { .. }));
        let auth = err(r#"{"status":"FAILED","msg":"Access denied for root@10.1.1.1"}"#);
        assert!(matches!(auth, LoadError::Auth { .. }));
        assert!(matches!(
            err(r#"{"TxnId":-1,"Status":"Fail","Message":"unknown table, table=t_missing"}"#),
            LoadError::UnknownTable { .. }
        ));
        let t = err(r#"{"TxnId":7,"Status":"Fail","Message":"timeout by txn manager"}"#);
        assert!(
            matches!(
                t,
                LoadError::Fail {
                    retryable: true,
                    ..
                }
            ) && t.is_retryable()
        );
        let busy = err(
            r#"{"Status":"Fail","Message":"current running txns on db 10 is 1000, larger than limit 1000"}"#,
        );
        assert!(!busy.is_retryable());
        let other = err(r#"{"Status":"INTERNAL_ERROR","Message":""}"#);
        assert!(
            other.to_string().contains("Status INTERNAL_ERROR"),
            "{other}"
        );
        assert!(!other.is_retryable());
        assert!(matches!(err(r#"{"TxnId":1}"#), LoadError::Protocol { .. }));
    }

    #[test]
    fn http_statuses_decide_some_errors() {
        let e = http_status_error(
            reqwest::StatusCode::UNAUTHORIZED,
            br#"{"status":"FAILED","code":"1","msg":"Access denied for bob@10.0.0.5","message":"Access denied for bob@10.0.0.5"}"#,
            "L",
            "fe:8030",
        )
        .unwrap();
        assert!(matches!(e, LoadError::Auth { .. }));
        assert!(
            e.to_string()
                .contains("HTTP 401: Access denied for bob@10.0.0.5"),
            "{e}"
        );
        let e = http_status_error(
            reqwest::StatusCode::BAD_GATEWAY,
            b"<html>bad gateway</html>",
            "L",
            "lb:443",
        )
        .unwrap();
        assert!(matches!(e, LoadError::Transient { .. }));
        let e = http_status_error(
            reqwest::StatusCode::NOT_FOUND,
            br#"{"status":"FAILED","msg":"Not implemented"}"#,
            "L",
            "x:80",
        )
        .unwrap();
        assert!(matches!(e, LoadError::Protocol { .. }));
        assert!(e.to_string().contains("does not serve Stream Load"), "{e}");
        assert!(http_status_error(reqwest::StatusCode::OK, b"{}", "L", "x:80").is_none());
    }
}
