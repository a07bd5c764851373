//! The transaction API client against the StarRocks stand-in: prepare through the FE's 307,
//! commit in the caller's order, replays of committed and of left-open labels, a transaction
//! gone before its commit, and data errors.

mod common;

use common::*;
use ks_starrocks::{LoadError, LoadStatus, Prepared};
use starrocks_sim::Fault;

fn ready(p: Prepared) -> ks_starrocks::LoadOutcome {
    match p {
        Prepared::Ready(o) => o,
        Prepared::AlreadyLoaded(o) => panic!("expected a new transaction, got {o:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_rows_are_invisible_until_committed_in_order() {
    let sim = start_with_table(sim_config()).await;
    let client = client(&sim);
    let (a, b) = (label("txn_a"), label("txn_b"));
    let body_a = body_of(&stock_records(1, 30));
    let body_b = body_of(&stock_records(2, 20));
    // Prepared in the opposite order; neither is visible yet.
    let pb = ready(
        client
            .prepare_in_transaction(&b, body_b.clone())
            .await
            .unwrap(),
    );
    let pa = ready(
        client
            .prepare_in_transaction(&a, body_a.clone())
            .await
            .unwrap(),
    );
    assert_eq!((pa.stats.loaded_rows, pb.stats.loaded_rows), (30, 20));
    assert_eq!(row_count(&sim), 0, "prepared rows are not visible");
    let ca = client
        .commit_in_transaction(&a, body_a.clone())
        .await
        .unwrap();
    assert_eq!(ca.status, LoadStatus::Loaded);
    assert_eq!(row_count(&sim), 30);
    client.commit_in_transaction(&b, body_b).await.unwrap();
    assert_eq!(row_count(&sim), 50);
    // The body went to the BE the FE redirected `begin` to; the rest went through the FE.
    let ops: Vec<(String, String, String)> = sim
        .faults()
        .requests()
        .into_iter()
        .filter(|r| header_is(r, "txn_a"))
        .map(|r| (r.port.clone(), r.method.clone(), r.uri.clone()))
        .collect();
    assert!(
        ops.iter()
            .any(|(port, _, uri)| port == "fe" && uri.ends_with("/begin")),
        "{ops:?}"
    );
    assert!(
        ops.iter()
            .all(|(port, _, uri)| !(port == "fe" && uri.ends_with("/load"))),
        "the body never crosses the FE: {ops:?}"
    );
    // A replay of a committed label: nothing loads twice.
    match client
        .prepare_in_transaction(&a, body_a.clone())
        .await
        .unwrap()
    {
        Prepared::AlreadyLoaded(o) => assert_eq!(o.status, LoadStatus::AlreadyLoaded),
        other => panic!("{other:?}"),
    }
    let again = client.commit_in_transaction(&a, body_a).await.unwrap();
    assert!(
        matches!(again.status, LoadStatus::Loaded | LoadStatus::AlreadyLoaded),
        "{again:?}"
    );
    assert_eq!(row_count(&sim), 50, "no duplicate rows");
    sim.shutdown().await;
}

fn header_is(r: &starrocks_sim::RecordedRequest, label: &str) -> bool {
    r.uri.contains("/api/transaction/")
        && r.headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("label") && v == label)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_left_open_is_rolled_back_and_loaded_once() {
    let sim = start_with_table(sim_config()).await;
    let client = client(&sim);
    let l = label("txn_left_open");
    let body = body_of(&stock_records(3, 25));
    // A run prepared this batch and was killed before its commit.
    ready(
        client
            .prepare_in_transaction(&l, body.clone())
            .await
            .unwrap(),
    );
    assert_eq!(row_count(&sim), 0);
    // The next run replays it under the same label.
    let p = ready(
        client
            .prepare_in_transaction(&l, body.clone())
            .await
            .unwrap(),
    );
    assert_eq!(p.stats.loaded_rows, 25);
    client.commit_in_transaction(&l, body).await.unwrap();
    assert_eq!(row_count(&sim), 25, "loaded once");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_gone_before_its_commit_is_loaded_again() {
    let sim = start_with_table(sim_config()).await;
    let client = client(&sim);
    let l = label("txn_gone");
    let body = body_of(&stock_records(4, 15));
    ready(
        client
            .prepare_in_transaction(&l, body.clone())
            .await
            .unwrap(),
    );
    // It times out (here: rolled back) while earlier batches stall.
    client.rollback_transaction(&l).await.unwrap();
    let out = client.commit_in_transaction(&l, body).await.unwrap();
    assert_eq!(out.status, LoadStatus::Loaded);
    assert_eq!(row_count(&sim), 15);
    // Rolling back a label that has no open transaction is fine.
    client
        .rollback_transaction(&label("never_begun"))
        .await
        .unwrap();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_errors_and_failures_are_classified_as_for_stream_load() {
    let sim = start_with_table(sim_config()).await;
    let client = client(&sim);
    let err = client
        .prepare_in_transaction(
            &label("txn_bad_rows"),
            bytes::Bytes::from_static(b"[{\"ticker\": [1, 2]}]"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoadError::DataQuality { .. } | LoadError::Fail { .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable(), "{err}");
    sim.faults().inject(
        Fault::Fail {
            message: "injected BE failure".into(),
        },
        1,
    );
    let err = client
        .prepare_in_transaction(&label("txn_fail"), body_of(&stock_records(5, 3)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("injected BE failure"), "{err}");
    assert_eq!(row_count(&sim), 0);
    sim.shutdown().await;
}
