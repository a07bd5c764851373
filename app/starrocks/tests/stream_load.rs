//! The Stream Load client against the StarRocks stand-in, in-process: the FE's 307 followed by
//! hand, every outcome and failure class, retries, rotation, TLS and log redaction.

mod common;

use bytes::Bytes;
use common::*;
use ks_core::Label;
use ks_starrocks::{
    AttemptReport, LoadError, LoadOutcome, LoadStatus, RetryPolicy, StreamLoadClient,
    UnreachableKind,
};
use starrocks_sim::{Fault, SimConfig};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn fast_policy(max: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts_before_stall: max,
        base_ms: 50,
        max_ms: 400,
    }
}

/// Loads `n` fresh stock records of `batch` under the label `name`: one attempt.
async fn load_stock(
    client: &StreamLoadClient,
    name: &str,
    batch: u32,
    n: u32,
) -> Result<LoadOutcome, LoadError> {
    client
        .load(&label(name), body_of(&stock_records(batch, n)))
        .await
}

/// Loads `body` under `l` with retries under [`fast_policy`]`(max)`; the result and the report
/// of every failed attempt.
async fn load_retrying(
    client: &StreamLoadClient,
    l: &Label,
    body: Bytes,
    max: u32,
) -> (Result<LoadOutcome, LoadError>, Vec<AttemptReport>) {
    let mut reports = Vec::new();
    let result = client
        .load_with_retries(l, body, fast_policy(max), |r| reports.push(r.clone()))
        .await;
    (result, reports)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loads_stock_json_through_the_fe_redirect() {
    let sim = start_with_table(sim_config()).await;
    let client = client(&sim);
    let records = stock_records(1, 250);
    let l = label("ks_stock_test_000001");
    let out = client.load(&l, body_of(&records)).await.unwrap();
    assert_eq!(out.status, LoadStatus::Loaded);
    assert_eq!(out.label, "ks_stock_test_000001");
    assert_eq!(
        (
            out.stats.total_rows,
            out.stats.loaded_rows,
            out.stats.filtered_rows
        ),
        (250, 250, 0)
    );
    assert!(out.stats.txn_id.is_some());
    assert!(out.stats.load_bytes > 0);
    assert!(out.error_lines.is_empty() && out.error_url.is_none());
    assert_eq!(out.node, sim.be_addr().to_string(), "the BE answered");
    assert_eq!(row_count(&sim), 250);

    // The rows are the records: check a few values through the MySQL port.
    let admin = admin(&sim).await;
    let rows = admin
        .query("select TICKER, PRICE from example_db.stock where TICKER = 'AAPL' order by EVENT_TIME limit 1")
        .await
        .unwrap();
    assert_eq!(rows[0][0].as_deref(), Some("AAPL"));
    let count = admin
        .query("select count(*) from example_db.stock")
        .await
        .unwrap();
    assert_eq!(count[0][0].as_deref(), Some("250"));

    // The FE got a header-only probe without the label; the BE got the body with the label,
    // and both carried (redacted) Basic auth and Expect: 100-continue.
    let reqs = sim.faults().requests();
    let fe: Vec<_> = reqs.iter().filter(|r| r.port == "fe").collect();
    let be: Vec<_> = reqs.iter().filter(|r| r.port == "be").collect();
    assert_eq!((fe.len(), be.len()), (1, 1), "{reqs:#?}");
    assert_eq!(fe[0].status, 307);
    let has = |r: &starrocks_sim::RecordedRequest, name: &str| {
        r.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        has(fe[0], "label"),
        None,
        "the probe never carries the label"
    );
    assert_eq!(has(fe[0], "content-length").as_deref(), Some("0"));
    assert_eq!(has(be[0], "label").as_deref(), Some("ks_stock_test_000001"));
    for r in [fe[0], be[0]] {
        assert_eq!(has(r, "authorization").as_deref(), Some("Basic <redacted>"));
        assert_eq!(has(r, "expect").as_deref(), Some("100-continue"));
        assert_eq!(has(r, "format").as_deref(), Some("json"));
        assert_eq!(has(r, "strip_outer_array").as_deref(), Some("true"));
    }
    assert_eq!(be[0].load_status.as_deref(), Some("Success"));

    // get_load_state sees the label as VISIBLE; an unknown one as UNKNOWN.
    assert_eq!(client.get_load_state(&l).await.unwrap(), "VISIBLE");
    assert_eq!(
        client.get_load_state(&label("never_used")).await.unwrap(),
        "UNKNOWN"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_label_is_already_loaded_and_loads_nothing() {
    let sim = start_with_table(sim_config()).await;
    let client = client(&sim);
    let body = body_of(&stock_records(2, 40));
    let l = label("dup_label_1");
    assert_eq!(
        client.load(&l, body.clone()).await.unwrap().status,
        LoadStatus::Loaded
    );
    let again = client.load(&l, body.clone()).await.unwrap();
    assert_eq!(again.status, LoadStatus::AlreadyLoaded);
    assert_eq!(again.stats.loaded_rows, 0);
    assert_eq!(row_count(&sim), 40, "no duplicate rows");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn label_running_then_finished() {
    let sim = start_with_table(sim_config()).await;
    let client = client(&sim);
    let body = body_of(&stock_records(3, 30));
    let l = label("running_label");
    sim.faults().inject(
        Fault::LabelRunning {
            finish_after_ms: 600,
        },
        1,
    );
    let err = client.load(&l, body.clone()).await.unwrap_err();
    assert!(matches!(err, LoadError::LabelRunning { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(err.to_string().contains("running_label"), "{err}");
    assert!(
        err.to_string().contains("retry the same label later"),
        "{err}"
    );

    let (result, reports) = load_retrying(&client, &l, body, 40).await;
    let out = result.unwrap();
    assert_eq!(out.status, LoadStatus::AlreadyLoaded);
    assert!(!reports.is_empty(), "RUNNING was seen at least once more");
    assert!(
        reports
            .iter()
            .all(|r| r.error_kind == "label_running" && r.retryable)
    );
    assert!(reports.iter().all(|r| r.next_delay.is_some()));
    assert_eq!(row_count(&sim), 30);
    sim.shutdown().await;
}

/// Each transient fault: the first attempt fails as Transient, retries succeed, and the table
/// holds every row exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_are_retried_to_an_exact_row_count() {
    let sim = start_with_table(sim_config()).await;
    let mut settings = settings(&[sim.load_url()], PASSWORD);
    settings.request_timeout = Duration::from_millis(1_500);
    let client = StreamLoadClient::new(settings).unwrap();
    let mut expected = 0;
    let cases: Vec<(&str, Fault, usize)> = vec![
        ("http_503", Fault::HttpStatus { status: 503 }, 2),
        ("http_500", Fault::HttpStatus { status: 500 }, 1),
        ("reset", Fault::ResetConnection, 2),
        // Loads, but answers after the client gave up: the retry finds the label FINISHED.
        ("slow", Fault::Delay { ms: 3_000 }, 1),
        (
            "txn_timeout",
            Fault::Fail {
                message: "timeout by txn manager".into(),
            },
            1,
        ),
        (
            "busy",
            Fault::Fail {
                message: "Stream Load exceed http cuncurrent limit 100, please try again later"
                    .into(),
            },
            1,
        ),
    ];
    for (i, (name, fault, times)) in cases.into_iter().enumerate() {
        let records = stock_records(10 + i as u32, 20 + i as u32);
        let body = body_of(&records);
        let l = label(&format!("transient_{name}"));
        sim.faults().inject(fault.clone(), times);
        let (result, reports) = load_retrying(&client, &l, body, 10).await;
        let out = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(reports.len(), times, "{name}: {reports:#?}");
        for r in &reports {
            assert!(r.retryable, "{name}: {r:?}");
            assert!(
                r.error_kind == "transient" || r.error_kind == "fail",
                "{name}: {r:?}"
            );
            assert!(
                r.error.contains(&format!("transient_{name}")),
                "{name}: {}",
                r.error
            );
        }
        if name == "slow" {
            assert_eq!(out.status, LoadStatus::AlreadyLoaded, "{name}");
            assert!(
                reports[0].error.contains("no answer from"),
                "{}",
                reports[0].error
            );
        } else {
            assert_eq!(out.status, LoadStatus::Loaded, "{name}");
        }
        expected += records.len();
        assert_eq!(row_count(&sim), expected, "{name}: rows exactly once");
    }

    // A single attempt shows the classification.
    sim.faults().inject(Fault::HttpStatus { status: 503 }, 1);
    let err = load_stock(&client, "single_503", 50, 1).await.unwrap_err();
    assert!(matches!(err, LoadError::Transient { .. }), "{err:?}");
    assert!(err.to_string().contains("HTTP 503"), "{err}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_is_transient_and_retried() {
    let sim = start_with_table(sim_config()).await;
    let client = client(&sim);
    let records = stock_records(60, 75);
    sim.faults().go_down(Duration::from_millis(1_500));
    let err = client
        .load(&label("outage_probe"), body_of(&records))
        .await
        .unwrap_err();
    assert!(matches!(err, LoadError::Transient { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&sim.http_addr().to_string()),
        "{err}"
    );
    assert!(err.is_retryable());
    let (result, reports) =
        load_retrying(&client, &label("outage_load"), body_of(&records), 60).await;
    let out = result.unwrap();
    assert_eq!(out.status, LoadStatus::Loaded);
    assert!(!reports.is_empty());
    assert_eq!(row_count(&sim), 75);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_timeout_is_a_success() {
    let sim = start_with_table(sim_config()).await;
    let client = client(&sim);
    sim.faults().inject(Fault::PublishTimeout, 1);
    let out = load_stock(&client, "publish_to", 4, 12).await.unwrap();
    assert_eq!(out.status, LoadStatus::PublishTimeout);
    assert_eq!(out.stats.loaded_rows, 12);
    assert_eq!(row_count(&sim), 12);
    // Retrying it would be a no-op anyway.
    let again = load_stock(&client, "publish_to", 4, 12).await.unwrap();
    assert_eq!(again.status, LoadStatus::AlreadyLoaded);
    assert_eq!(row_count(&sim), 12);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filtered_rows_fail_as_data_quality_with_the_error_url_lines_and_are_not_retried() {
    let sim = start_with_table(sim_config()).await;
    let client = client(&sim);
    let mut records = stock_records(5, 10);
    records[3]["ticker"] = serde_json::Value::Null; // NOT NULL column
    records[7].as_object_mut().unwrap().remove("ticker");
    let before = be_loads(&sim);
    let (result, reports) = load_retrying(&client, &label("bad_rows"), body_of(&records), 5).await;
    let err = result.unwrap_err();
    assert_eq!(be_loads(&sim) - before, 1, "a data error is never retried");
    assert_eq!(reports.len(), 1);
    assert!(reports[0].next_delay.is_none() && !reports[0].retryable);
    let LoadError::DataQuality {
        message,
        error_url,
        error_lines,
        stats,
        ..
    } = &err
    else {
        panic!("expected DataQuality, got {err:?}");
    };
    assert_eq!(message, "too many filtered rows");
    assert!(
        error_url
            .as_deref()
            .unwrap()
            .contains("/api/_load_error_log?file=error_log_")
    );
    assert_eq!(stats.filtered_rows, 2);
    assert_eq!(stats.total_rows, 10);
    assert_eq!(error_lines.len(), 2, "{error_lines:?}");
    assert!(
        error_lines
            .iter()
            .all(|l| l.starts_with("Error: NULL value in non-nullable column")),
        "{error_lines:?}"
    );
    assert!(err.is_data_error() && !err.is_retryable());
    let shown = err.to_string();
    assert!(
        shown.contains("bad_rows")
            && shown.contains("first rejected row: Error: NULL value in non-nullable column"),
        "{shown}"
    );
    assert!(shown.contains("dead-letter"), "{shown}");
    assert_eq!(row_count(&sim), 0);

    // With a filter ratio that tolerates them, the load succeeds and still shows the lines.
    let mut s = settings(&[sim.load_url()], PASSWORD);
    s.properties.insert("max_filter_ratio".into(), "0.5".into());
    let tolerant = StreamLoadClient::new(s).unwrap();
    let out = tolerant
        .load(&label("bad_rows_tolerated"), body_of(&records))
        .await
        .unwrap();
    assert_eq!(out.status, LoadStatus::Loaded);
    assert_eq!((out.stats.loaded_rows, out.stats.filtered_rows), (8, 2));
    assert_eq!(out.error_lines.len(), 2);
    assert!(out.error_lines[0].contains("NULL value in non-nullable column"));
    assert_eq!(row_count(&sim), 8);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_auth_and_not_retried() {
    let sim = start_with_table(sim_config()).await;
    let client = StreamLoadClient::new(settings(&[sim.load_url()], "wrong")).unwrap();
    let before = fe_loads(&sim);
    let (result, _) =
        load_retrying(&client, &label("auth_1"), body_of(&stock_records(6, 3)), 5).await;
    let err = result.unwrap_err();
    assert!(matches!(err, LoadError::Auth { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(fe_loads(&sim) - before, 1, "not retried");
    assert_eq!(be_loads(&sim), 0, "the body never left");
    let m = err.to_string();
    assert!(m.contains("Access denied for root@127.0.0.1"), "{m}");
    assert!(m.contains("check sink.username, the password"), "{m}");
    assert!(!m.contains("wrong"), "the password is not echoed: {m}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_table_and_database() {
    let sim = start_with_table(sim_config()).await;
    let mut s = settings(&[sim.load_url()], PASSWORD);
    s.table = "no_such_table".into();
    let err = StreamLoadClient::new(s.clone())
        .unwrap()
        .load(&label("t1"), body_of(&stock_records(7, 2)))
        .await
        .unwrap_err();
    assert!(matches!(err, LoadError::UnknownTable { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("unknown table"), "{err}");
    s.database = "no_such_db".into();
    let err = StreamLoadClient::new(s)
        .unwrap()
        .load(&label("t2"), body_of(&stock_records(7, 2)))
        .await
        .unwrap_err();
    assert!(matches!(err, LoadError::UnknownDatabase { .. }), "{err:?}");
    assert!(!err.is_retryable());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_an_unresolvable_be_fails_fast_and_says_why() {
    let sim = start_with_table(SimConfig {
        be_host: Some("be-0.starrocks-be.invalid".into()),
        ..sim_config()
    })
    .await;
    let client = client(&sim);
    let started = std::time::Instant::now();
    let (result, reports) = load_retrying(
        &client,
        &label("unreachable_be"),
        body_of(&stock_records(8, 5)),
        5,
    )
    .await;
    let err = result.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    let LoadError::Unreachable {
        address,
        kind,
        redirected,
        ..
    } = &err
    else {
        panic!("expected Unreachable, got {err:?}");
    };
    assert_eq!(
        address,
        &format!("be-0.starrocks-be.invalid:{}", sim.be_addr().port())
    );
    assert_eq!(*kind, UnreachableKind::Dns);
    assert!(*redirected);
    assert!(!err.is_retryable());
    assert_eq!(
        reports.len(),
        1,
        "not retried: a name that does not resolve will not resolve"
    );
    let m = err.to_string();
    assert!(m.contains("be-0.starrocks-be.invalid"), "{m}");
    assert!(
        m.contains(&sim.http_addr().to_string()),
        "names the FE that redirected: {m}"
    );
    assert!(
        m.contains("the BE/CN address the FE redirected to is not reachable from this machine; use a load-url that points straight at the BE/CN nodes, an FE proxy, or the CelerData HTTPS endpoint"),
        "{m}"
    );
    assert_eq!(row_count(&sim), 0);

    // The fix the message suggests: a load-url straight at the BE works.
    let direct =
        StreamLoadClient::new(settings(&[format!("http://{}", sim.be_addr())], PASSWORD)).unwrap();
    let out = load_stock(&direct, "direct_to_be", 8, 5).await.unwrap();
    assert_eq!(out.status, LoadStatus::Loaded);
    assert_eq!(row_count(&sim), 5);
    // The label-less probe did not take our label, and the next load goes straight to the BE.
    let before = be_loads(&sim);
    let out = load_stock(&direct, "direct_to_be_2", 9, 7).await.unwrap();
    assert_eq!(out.stats.loaded_rows, 7);
    assert_eq!(
        be_loads(&sim) - before,
        1,
        "no probe once the base is known not to redirect"
    );
    assert_eq!(row_count(&sim), 12);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_load_urls_rotate_over_the_reachable_ones() {
    let sim = start_with_table(sim_config()).await;
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let client =
        StreamLoadClient::new(settings(&[dead.clone(), sim.load_url()], PASSWORD)).unwrap();
    for i in 0..4 {
        let out = load_stock(&client, &format!("rotate_{i}"), 20 + i, 10)
            .await
            .unwrap_or_else(|e| panic!("load {i}: {e}"));
        assert_eq!(out.status, LoadStatus::Loaded);
    }
    assert_eq!(row_count(&sim), 40);
    assert_eq!(fe_loads(&sim), 4, "every load went to the live FE");

    // None reachable: the connector's error, listing them; retryable (an outage).
    let dead2 = format!("http://127.0.0.1:{}", dead_port());
    let none = StreamLoadClient::new(settings(&[dead.clone(), dead2.clone()], PASSWORD)).unwrap();
    let err = load_stock(&none, "rotate_none", 30, 1).await.unwrap_err();
    assert!(matches!(err, LoadError::NoReachableHost { .. }), "{err:?}");
    assert!(err.is_retryable());
    let m = err.to_string();
    assert!(
        m.contains("none of the hosts in load-url could be connected"),
        "{m}"
    );
    assert!(m.contains(&dead) && m.contains(&dead2), "{m}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unresolvable_load_url_is_unreachable_and_not_retried() {
    let client = StreamLoadClient::new(settings(
        &["http://fe.nowhere.invalid:8030".into()],
        PASSWORD,
    ))
    .unwrap();
    let err = load_stock(&client, "nowhere", 1, 1).await.unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::Unreachable {
                kind: UnreachableKind::Dns,
                redirected: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    let m = err.to_string();
    assert!(
        m.contains("fe.nowhere.invalid:8030") && m.contains("check sink.load-url"),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_fe_then_http_be() {
    let dir = tempfile::tempdir().unwrap();
    let (tls, ca_pem) = self_signed(dir.path());
    let sim = start_with_table(SimConfig {
        tls: Some(tls),
        ..sim_config()
    })
    .await;
    assert!(sim.load_url().starts_with("https://"));
    let mut s = settings(&[sim.load_url()], PASSWORD);
    s.extra_root_certs_pem = vec![ca_pem];
    let client = StreamLoadClient::new(s).unwrap();
    let out = load_stock(&client, "over_https", 40, 9).await.unwrap();
    assert_eq!(out.status, LoadStatus::Loaded);
    assert_eq!(row_count(&sim), 9);

    // Without the CA the certificate is not trusted: a TLS error, not retried.
    let untrusting = StreamLoadClient::new(settings(&[sim.load_url()], PASSWORD)).unwrap();
    let err = load_stock(&untrusting, "over_https_2", 41, 1)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::Unreachable {
                kind: UnreachableKind::Tls,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("certificate"), "{err}");
    sim.shutdown().await;
}

#[test]
fn settings_and_clients_do_not_print_the_password() {
    let s = settings(&["http://127.0.0.1:8030".into()], "hunter2-secret");
    let shown = format!("{s:?}");
    assert!(
        shown.contains("<redacted>") && !shown.contains("hunter2"),
        "{shown}"
    );
    let client = StreamLoadClient::new(s).unwrap();
    let shown = format!("{client:?}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("Basic "),
        "{shown}"
    );
}

#[test]
fn properties_that_would_clash_are_refused() {
    let mut s = settings(&["http://127.0.0.1:8030".into()], PASSWORD);
    s.properties.insert("label".into(), "x".into());
    let err = StreamLoadClient::new(s).unwrap_err();
    assert!(err.to_string().contains("sink.properties.label"), "{err}");
    let mut s = settings(&["http://127.0.0.1:8030".into()], PASSWORD);
    s.properties.insert("columns".into(), "a\nb".into());
    assert!(StreamLoadClient::new(s).is_err());
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Everything logged at TRACE while loading (successes, an auth failure, a data error, a retry)
/// holds neither the password nor its Basic-auth encoding.
#[tokio::test(flavor = "current_thread")]
async fn the_authorization_header_never_appears_in_logs() {
    use base64::Engine;
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = start_with_table(sim_config()).await;
    let client = client(&sim);
    tracing::debug!(settings = ?settings(&[sim.load_url()], PASSWORD), client = ?client, "built");
    load_stock(&client, "log_ok", 70, 5).await.unwrap();
    sim.faults().inject(Fault::HttpStatus { status: 503 }, 1);
    let (result, _) = load_retrying(
        &client,
        &label("log_retry"),
        body_of(&stock_records(71, 5)),
        3,
    )
    .await;
    result.unwrap();
    let mut bad = stock_records(72, 2);
    bad[0]["ticker"] = serde_json::Value::Null;
    let _ = client
        .load(&label("log_bad"), body_of(&bad))
        .await
        .unwrap_err();
    let wrong = StreamLoadClient::new(settings(&[sim.load_url()], "wrong-pw-123")).unwrap();
    let _ = wrong
        .load(&label("log_auth"), body_of(&bad))
        .await
        .unwrap_err();
    sim.shutdown().await;

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("log_ok") && text.contains("stream load"),
        "our debug lines are there:\n{text}"
    );
    for secret in [PASSWORD, "wrong-pw-123"] {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("root:{secret}"));
        assert!(!text.contains(secret), "password in the logs:\n{text}");
        assert!(
            !text.contains(&basic),
            "Basic credentials in the logs:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_transient_fail_messages_are_not_retried() {
    let sim = start_with_table(sim_config()).await;
    let client = client(&sim);
    sim.faults().inject(
        Fault::Fail {
            message: "current running txns on db 10010 is 1000, larger than limit 1000".into(),
        },
        1,
    );
    let before = be_loads(&sim);
    let (result, _) = load_retrying(
        &client,
        &label("too_busy"),
        body_of(&stock_records(80, 3)),
        5,
    )
    .await;
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::Fail {
                retryable: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(be_loads(&sim) - before, 1);
    assert!(
        err.to_string().contains("current running txns on db"),
        "{err}"
    );
    // The label was not used up: the same label loads once the condition is gone.
    let out = load_stock(&client, "too_busy", 80, 3).await.unwrap();
    assert_eq!(out.status, LoadStatus::Loaded);
    assert_eq!(row_count(&sim), 3);
    sim.shutdown().await;
}

/// A JSON body over StarRocks' JSON size check (100 MB by default; 2 KB here) still loads: JSON
/// batches carry `ignore_json_size: true`, as flink-connector-starrocks' do, since max-bytes
/// already bounds them. Without the header the stand-in refuses the body, as StarRocks does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_bodies_over_the_json_size_check_load() {
    let sim = start_with_table(SimConfig {
        max_json_bytes: 2048,
        ..sim_config()
    })
    .await;
    let body = body_of(&stock_records(95, 40));
    assert!(body.len() > 2048);
    let out = client(&sim)
        .load(&label("big_json"), body.clone())
        .await
        .unwrap();
    assert_eq!(out.status, LoadStatus::Loaded);
    let sent = sim.faults().requests();
    assert!(
        sent.iter().filter(|r| r.port == "be").all(|r| r
            .headers
            .iter()
            .any(|(k, v)| k == "ignore_json_size" && v == "true")),
        "{sent:#?}"
    );
    // The user's own choice wins: with ignore_json_size = false the check applies.
    let mut settings = settings(&[sim.load_url()], PASSWORD);
    settings
        .properties
        .insert("ignore_json_size".into(), "false".into());
    let err = StreamLoadClient::new(settings)
        .unwrap()
        .load(&label("big_json_checked"), body)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("exceed the max size [2048]"),
        "{err}"
    );
    assert_eq!(row_count(&sim), 40);
    sim.shutdown().await;
}

/// "Too many versions" (StarRocks' answer to loads that outrun compaction) is retried under the
/// same label after at least `VERSIONS_BACKOFF`, and the error says what to change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_versions_waits_longer_retries_and_names_the_remedy() {
    let sim = start_with_table(sim_config()).await;
    let client = client(&sim);
    sim.faults().inject(
        Fault::Fail {
            message: "Too many versions. tablet_id: 10123, version_count: 1001, limit: 1000".into(),
        },
        1,
    );
    let started = std::time::Instant::now();
    let (result, reports) = load_retrying(
        &client,
        &label("versions"),
        body_of(&stock_records(90, 4)),
        5,
    )
    .await;
    let out = result.unwrap();
    assert_eq!(out.status, LoadStatus::Loaded);
    assert_eq!(reports.len(), 1, "{reports:#?}");
    let r = &reports[0];
    assert_eq!(r.error_kind, "too_many_versions", "{r:?}");
    assert!(r.retryable, "{r:?}");
    assert!(
        r.next_delay.unwrap() >= ks_starrocks::VERSIONS_BACKOFF,
        "{r:?}"
    );
    assert!(started.elapsed() >= ks_starrocks::VERSIONS_BACKOFF);
    for part in [
        "version_count: 1001",
        "buffer-flush.interval-ms",
        "same label",
    ] {
        assert!(r.error.contains(part), "{part} missing: {}", r.error);
    }
    assert_eq!(row_count(&sim), 4, "loaded exactly once");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_error_url_leaves_a_line_saying_so() {
    let client =
        StreamLoadClient::new(settings(&["http://127.0.0.1:8030".into()], PASSWORD)).unwrap();
    let lines = client
        .fetch_error_lines(
            "http://be-0.starrocks-be.invalid:8040/api/_load_error_log?file=error_log_1_2",
        )
        .await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(
            "could not fetch the rejected rows from http://be-0.starrocks-be.invalid:8040"
        ),
        "{lines:?}"
    );
    assert!(lines[0].contains("BE's own address"), "{lines:?}");
}
