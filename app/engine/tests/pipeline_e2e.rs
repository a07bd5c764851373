//! The engine end to end: ferrokinesis → engine → the StarRocks stand-in. Every scenario ends
//! with rows in the table == distinct records produced.

mod harness;

use harness::{Harness, STREAM, StandIn, stock_record, wait_for};
use ks_core::schema::ops::{OpsChoice, apply_ops};
use ks_core::{PipelineConfig, ReaderKind};
use ks_engine::PipelineState;
use ks_engine::snapshot::ShardState;
use starrocks_sim::Fault;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn json_pipeline_loads_every_record_once_in_batches() {
    let h = Harness::new(4).await;
    h.produce(0, 3000).await;
    let summary = h
        .run_until_caught_up(h.json_config("TRIM_HORIZON", 500, 200))
        .await;
    h.assert_exactly(3000).await;
    assert_eq!(summary.rows_loaded, 3000);
    assert!(
        summary.loads >= 6,
        "max-rows 500 splits 3000 rows into ≥ 6 loads, got {}",
        summary.loads
    );
    // Labels follow <prefix>-<store id>-<batch no>.
    let labels = h.be_header("label");
    assert!(
        labels.iter().all(|l| l.starts_with("ks-stock-")),
        "{labels:?}"
    );
    // A second run from the checkpoint finds nothing new and loads nothing.
    let again = h
        .run_until_caught_up(h.json_config("TRIM_HORIZON", 500, 200))
        .await;
    assert_eq!(again.rows_loaded, 0);
    h.produce(3000, 100).await;
    let third = h
        .run_until_caught_up(h.json_config("TRIM_HORIZON", 500, 200))
        .await;
    assert_eq!(third.rows_loaded, 100);
    h.assert_exactly(3100).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn csv_pipeline_with_a_columns_mapping() {
    let h = Harness::new(2).await;
    let entries: Vec<ks_local::PutEntry> = (0..500u64)
        .map(|i| ks_local::PutEntry::new(format!("k{i}"), format!("{i},MSFT,{}.5", i % 100)))
        .collect();
    ks_local::put_records(&h.client, STREAM, &entries)
        .await
        .unwrap();
    let cfg = h.config(
        "initial-position = \"TRIM_HORIZON\"",
        "buffer-flush.max-rows = 200\nbuffer-flush.interval-ms = 200\nproperties.format = \"csv\"\n\
         properties.column_separator = \",\"\nproperties.columns = \"id, ticker, price\"",
        "",
    );
    h.run_until_caught_up(cfg).await;
    h.assert_exactly(500).await;
    let rows = h
        .admin()
        .await
        .query("select ticker, price from example_db.stock where id = 7")
        .await
        .unwrap();
    assert_eq!(
        rows,
        vec![vec![Some("MSFT".to_string()), Some("7.5".to_string())]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn latest_reads_only_what_arrives_after_the_first_start() {
    let h = Harness::new(2).await;
    h.produce(0, 100).await;
    // ferrokinesis keeps arrival times in whole seconds: leave a clear gap.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let handle = h.start(h.json_config("LATEST", 1000, 200), false).await;
    wait_for(&handle, "readers started", 30, |s| {
        s.shards.len() == 2 && s.shards.iter().all(|x| x.state == ShardState::Reading)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    h.produce(1000, 200).await;
    wait_for(&handle, "200 rows", 60, |s| s.totals.rows_loaded >= 200).await;
    handle.stop();
    handle.wait().await.unwrap();
    h.assert_exactly(200).await;
    assert_eq!(
        h.query_u64("select count(*) from example_db.stock where id < 1000")
            .await,
        0
    );
    // A restart keeps "LATEST" as of the first start: nothing old is read, nothing new skipped.
    h.produce(2000, 50).await;
    h.run_until_caught_up(h.json_config("LATEST", 1000, 200))
        .await;
    h.assert_exactly(250).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn at_timestamp_starts_at_the_given_time() {
    let h = Harness::new(2).await;
    h.produce(0, 100).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let ts = chrono::Utc::now();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    h.produce(100, 150).await;
    let cfg = h.config(
        &format!(
            "initial-position = \"AT_TIMESTAMP\"\ninitial-timestamp = \"{}\"",
            ts.to_rfc3339()
        ),
        "buffer-flush.interval-ms = 200\nproperties.format = \"json\"",
        "",
    );
    h.run_until_caught_up(cfg).await;
    h.assert_exactly(150).await;
    assert_eq!(
        h.query_u64("select count(*) from example_db.stock where id < 100")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kpl_aggregated_records_mixed_with_plain_ones() {
    use ks_kinesis::kpl::{AggInput, aggregate};
    let h = Harness::new(2).await;
    let mut entries = Vec::new();
    let mut id = 0u64;
    for round in 0..20 {
        // An aggregate of 25 user records…
        let subs: Vec<AggInput> = (0..25)
            .map(|_| {
                id += 1;
                AggInput::new(format!("agg-{round}"), stock_record(id).to_string())
            })
            .collect();
        entries.push(ks_local::PutEntry::new(
            format!("agg-{round}"),
            aggregate(&subs),
        ));
        // …and a few plain records.
        for _ in 0..5 {
            id += 1;
            entries.push(ks_local::PutEntry::new(
                format!("plain-{id}"),
                stock_record(id).to_string(),
            ));
        }
    }
    ks_local::put_records(&h.client, STREAM, &entries)
        .await
        .unwrap();
    // A small max-rows cuts batches inside aggregates: positions are (sequence, sub-sequence).
    h.run_until_caught_up(h.json_config("TRIM_HORIZON", 37, 100))
        .await;
    h.assert_exactly(id).await;
}

/// `max-inflight-loads` 1 (plain Stream Load), 2 and 8 (the transaction API, commits in batch
/// order): the exactness tests below run with each.
fn with_inflight(mut config: PipelineConfig, inflight: usize) -> PipelineConfig {
    config.sink.max_inflight_loads = inflight;
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn split_and_merge_while_running_lose_nothing_1_in_flight() {
    split_and_merge_while_running_lose_nothing(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn split_and_merge_while_running_lose_nothing_2_in_flight() {
    split_and_merge_while_running_lose_nothing(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn split_and_merge_while_running_lose_nothing_8_in_flight() {
    split_and_merge_while_running_lose_nothing(8).await;
}

/// Enhanced fan-out: SubscribeToShard readers through a split and a merge, then a restart that
/// reuses the consumer and polls nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn split_and_merge_while_running_lose_nothing_enhanced_fan_out() {
    let h = split_and_merge_while_running_lose_nothing_with(2, ReaderKind::Efo).await;
    let source = h.kinesis.source(STREAM).await;
    assert_eq!(
        ks_local::consumer_names(&source).await,
        ["kinesis-starrocks-stock"]
    );
    h.produce(1200, 100).await;
    let mut config = h.json_config("TRIM_HORIZON", 100, 100);
    config.source.reader = ReaderKind::Efo;
    let again = h.run_until_caught_up(config).await;
    assert_eq!(again.rows_loaded, 100);
    h.assert_exactly(1300).await;
    assert_eq!(
        ks_local::consumer_names(&source).await,
        ["kinesis-starrocks-stock"],
        "the restart reused the consumer"
    );
}

async fn split_and_merge_while_running_lose_nothing(inflight: usize) {
    split_and_merge_while_running_lose_nothing_with(inflight, ReaderKind::Polling).await;
}

async fn split_and_merge_while_running_lose_nothing_with(
    inflight: usize,
    reader: ReaderKind,
) -> Harness {
    let h = Harness::new(2).await;
    h.produce(0, 400).await;
    let mut config = with_inflight(h.json_config("TRIM_HORIZON", 100, 100), inflight);
    config.source.reader = reader;
    let handle = h.start(config, false).await;
    wait_for(&handle, "first rows", 60, |s| s.totals.rows_loaded >= 100).await;
    let shards = h.kinesis.source(STREAM).await.list_shards().await.unwrap();
    let parent = shards[0].clone();
    let mid = parent.hash_key_start / 2 + parent.hash_key_end / 2;
    ks_local::split_shard(&h.client, STREAM, &parent.id.0, mid)
        .await
        .unwrap();
    ks_local::wait_active(&h.client, STREAM).await.unwrap();
    h.produce(400, 400).await;
    wait_for(&handle, "800 rows", 60, |s| s.totals.rows_loaded >= 800).await;
    // Merge the two children of the split.
    let open: Vec<_> = h
        .kinesis
        .source(STREAM)
        .await
        .list_shards()
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.parent.as_ref() == Some(&parent.id))
        .collect();
    assert_eq!(open.len(), 2, "the split made two children");
    let (a, b) = if open[0].hash_key_start < open[1].hash_key_start {
        (&open[0], &open[1])
    } else {
        (&open[1], &open[0])
    };
    ks_local::merge_shards(&h.client, STREAM, &a.id.0, &b.id.0)
        .await
        .unwrap();
    ks_local::wait_active(&h.client, STREAM).await.unwrap();
    h.produce(800, 400).await;
    let snap = wait_for(&handle, "1200 rows", 90, |s| s.totals.rows_loaded >= 1200).await;
    handle.stop();
    handle.wait().await.unwrap();
    h.assert_exactly(1200).await;
    // The parent and both children were read to their end and are done.
    for id in [&parent.id, &a.id, &b.id] {
        let sh = snap
            .shards
            .iter()
            .find(|s| &s.shard == id)
            .expect("shard in the snapshot");
        assert!(
            matches!(sh.state, ShardState::Done | ShardState::ShardEnd),
            "{id}: {:?}",
            sh.state
        );
    }
    match reader {
        ReaderKind::Efo => {
            assert_eq!(
                snap.efo_consumer.as_deref(),
                Some("kinesis-starrocks-stock")
            );
            assert_eq!(
                snap.totals.get_records_calls, 0,
                "read by subscriptions only"
            );
        }
        ReaderKind::Polling => {
            assert_eq!(snap.efo_consumer, None);
            assert!(snap.totals.get_records_calls > 0);
        }
    }
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outages_faults_and_slow_answers_lose_and_duplicate_nothing_1_in_flight() {
    outages_faults_and_slow_answers_lose_and_duplicate_nothing(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outages_faults_and_slow_answers_lose_and_duplicate_nothing_2_in_flight() {
    outages_faults_and_slow_answers_lose_and_duplicate_nothing(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outages_faults_and_slow_answers_lose_and_duplicate_nothing_8_in_flight() {
    outages_faults_and_slow_answers_lose_and_duplicate_nothing(8).await;
}

async fn outages_faults_and_slow_answers_lose_and_duplicate_nothing(inflight: usize) {
    let h = Harness::new(2).await;
    h.produce(0, 2000).await;
    let handle = h
        .start(
            with_inflight(h.json_config("TRIM_HORIZON", 150, 100), inflight),
            false,
        )
        .await;
    wait_for(&handle, "first rows", 60, |s| s.totals.rows_loaded > 0).await;
    let faults = h.sim.faults();
    faults.inject(Fault::HttpStatus { status: 503 }, 2);
    faults.inject(Fault::ResetConnection, 2);
    faults.inject(Fault::PublishTimeout, 1);
    faults.inject(
        Fault::LabelRunning {
            finish_after_ms: 800,
        },
        1,
    );
    faults.inject(Fault::Delay { ms: 700 }, 2);
    faults.inject(
        Fault::Fail {
            message: "Stream Load exceed http cuncurrent limit 2, please try again later".into(),
        },
        1,
    );
    // The stand-in goes down for 3 s while new records arrive: the pipeline shows the stall,
    // then recovers.
    faults.go_down(Duration::from_secs(3));
    h.produce(2500, 300).await;
    let stalled = wait_for(&handle, "a visible stall", 30, |s| {
        matches!(s.state, PipelineState::Stalled { .. })
    })
    .await;
    match &stalled.state {
        PipelineState::Stalled { reason, .. } => assert!(!reason.is_empty()),
        other => panic!("{other:?}"),
    }
    h.produce(2000, 500).await;
    wait_for(&handle, "2800 rows", 120, |s| s.totals.rows_loaded >= 2800).await;
    handle.stop();
    let snap = handle.snapshot().borrow().clone();
    handle.wait().await.unwrap();
    assert!(
        faults.pending().is_empty(),
        "every injected fault was hit: {:?}",
        faults.pending()
    );
    assert!(snap.totals.loads_failed_attempts > 0);
    h.assert_exactly(2800).await;
}

/// StarRocks' "too many tablet versions" (loads outrunning compaction): the pipeline shows the
/// stall with the remedy, waits at least `VERSIONS_BACKOFF`, retries the same label, and every
/// row lands once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn too_many_versions_stalls_with_the_remedy_then_loads_exactly_once() {
    let h = Harness::new(1).await;
    h.sim.faults().inject(
        Fault::Fail {
            message: "too many tablet versions, tablet_id=10123, version_count=1001, limit=1000"
                .into(),
        },
        1,
    );
    h.produce(0, 300).await;
    let handle = h
        .start(h.json_config("TRIM_HORIZON", 1000, 100), false)
        .await;
    let stalled = wait_for(&handle, "the stall", 30, |s| {
        matches!(s.state, PipelineState::Stalled { .. })
    })
    .await;
    match &stalled.state {
        PipelineState::Stalled { reason, .. } => {
            for part in [
                "too many unmerged versions",
                "raise buffer-flush.interval-ms",
            ] {
                assert!(reason.contains(part), "{part} missing: {reason}");
            }
        }
        other => panic!("{other:?}"),
    }
    wait_for(&handle, "300 rows", 60, |s| s.totals.rows_loaded >= 300).await;
    handle.stop();
    let snap = handle.snapshot().borrow().clone();
    handle.wait().await.unwrap();
    assert_eq!(snap.totals.loads_failed_attempts, 1);
    assert!(h.sim.faults().pending().is_empty());
    h.assert_exactly(300).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expired_iterators_under_back_pressure_lose_nothing() {
    let opts = ks_local::StoreOptions {
        iterator_ttl_seconds: 1,
        ..ks_local::EmbeddedKinesis::options()
    };
    let h = Harness::with_options(1, opts, Default::default()).await;
    // 600 records of ~1 KiB (extra JSON keys are ignored by the load).
    let records: Vec<serde_json::Value> = (0..600u64)
        .map(|i| {
            let mut r = stock_record(i);
            r["padding"] = serde_json::Value::String("x".repeat(1000));
            r
        })
        .collect();
    let keys: Vec<String> = (0..600).map(|i| format!("k{i}")).collect();
    ks_local::put_json_records(&h.client, STREAM, &records, &keys)
        .await
        .unwrap();
    // Slow loads and a tiny buffer: the reader waits on the byte budget longer than the TTL.
    h.sim.faults().inject(Fault::Delay { ms: 1500 }, 3);
    let cfg = h.config(
        "initial-position = \"TRIM_HORIZON\"",
        "buffer-flush.max-rows = 100\nbuffer-flush.max-bytes = 1024\nbuffer-flush.interval-ms = 100\nproperties.format = \"json\"",
        "",
    );
    let handle = h.start(cfg, true).await;
    let snap_rx = handle.snapshot();
    tokio::time::timeout(Duration::from_secs(120), handle.wait())
        .await
        .unwrap()
        .unwrap();
    let snap = snap_rx.borrow().clone();
    h.assert_exactly(600).await;
    assert!(
        snap.shards.iter().map(|s| s.expired_iterators).sum::<u64>() >= 1,
        "an iterator expired while the reader waited: {:?}",
        snap.shards
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn malformed_records_stop_the_pipeline_with_a_clear_error() {
    let h = Harness::new(1).await;
    h.produce(0, 10).await;
    ks_local::put_records(
        &h.client,
        STREAM,
        &[ks_local::PutEntry::new("x", "this is not json")],
    )
    .await
    .unwrap();
    let handle = h
        .start(h.json_config("TRIM_HORIZON", 1000, 100), true)
        .await;
    let err = tokio::time::timeout(Duration::from_secs(60), handle.wait())
        .await
        .unwrap()
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("not JSON") && msg.contains("shardId-") && msg.contains("dead-letter"),
        "{msg}"
    );
    assert_eq!(h.count().await, 0, "nothing of the failing batch is loaded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dead_letter_mode_keeps_bad_records_and_goes_on() {
    let h = Harness::new(1).await;
    h.produce(0, 50).await;
    ks_local::put_records(
        &h.client,
        STREAM,
        &[ks_local::PutEntry::new("x", "{broken json")],
    )
    .await
    .unwrap();
    // A record whose NOT NULL ticker is missing: StarRocks filters it, the batch fails
    // ("too many filtered rows") and goes to the dead-letter dir with the ErrorURL lines.
    let bad = serde_json::json!({"id": 999_999, "event_time": "2024-05-28T19:53:17", "price": 1.0});
    ks_local::put_json_records(&h.client, STREAM, &[bad], &["y".to_string()])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    h.produce(50, 50).await;
    let cfg = h.config(
        "initial-position = \"TRIM_HORIZON\"",
        "buffer-flush.max-rows = 10\nbuffer-flush.interval-ms = 100\nproperties.format = \"json\"",
        "on-data-error = \"dead-letter\"",
    );
    let handle = h.start(cfg, true).await;
    let snap_rx = handle.snapshot();
    tokio::time::timeout(Duration::from_secs(60), handle.wait())
        .await
        .unwrap()
        .unwrap();
    let snap = snap_rx.borrow().clone();
    let dead_dir = h.state.path().join("dead-letter");
    let files: Vec<String> = std::fs::read_dir(&dead_dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let all = files.join("\n");
    assert!(
        all.contains("{broken json") && all.contains("not JSON"),
        "{all}"
    );
    assert!(
        all.contains("NULL value in non-nullable column 'ticker'"),
        "{all}"
    );
    assert_eq!(snap.totals.records_malformed, 1);
    assert!(
        snap.errors
            .iter()
            .any(|e| e.error_lines.iter().any(|l| l.contains("non-nullable")))
    );
    // Every good record not in the dead-lettered batch landed once; the dead-lettered batch's good
    // rows are in the dead-letter file, not lost.
    let loaded = h.count().await;
    assert_eq!(loaded, h.distinct_ids().await);
    // 100 good records + the NULL-ticker one + the broken one were produced.
    assert_eq!(
        loaded + snap.totals.rows_dead_lettered,
        102,
        "loaded + dead-lettered == produced"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_wrong_password_and_an_unresolvable_redirect_fail_fast() {
    let h = Harness::new(1).await;
    h.produce(0, 5).await;
    let handle = {
        let cfg = h.json_config("TRIM_HORIZON", 1000, 100);
        let source = h.kinesis.source(STREAM).await;
        let settings =
            ks_starrocks::StreamLoadSettings::from_sink(&cfg.sink, ks_core::Secret::new("wrong"))
                .unwrap();
        let client = ks_starrocks::StreamLoadClient::new(settings).unwrap();
        ks_engine::start_with(
            cfg,
            source,
            client,
            ks_engine::EngineOptions {
                stop_when_caught_up: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
    };
    let started = std::time::Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(30), handle.wait())
        .await
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(started.elapsed() < Duration::from_secs(15), "fails fast");
    assert!(
        err.contains("Access denied") && err.contains("password"),
        "{err}"
    );

    let h2 = Harness::with_options(
        1,
        ks_local::EmbeddedKinesis::options(),
        starrocks_sim::SimConfig {
            be_host: Some("be-0.starrocks-be-search.invalid".into()),
            ..Default::default()
        },
    )
    .await;
    h2.produce(0, 5).await;
    let handle = h2
        .start(h2.json_config("TRIM_HORIZON", 1000, 100), true)
        .await;
    let err = tokio::time::timeout(Duration::from_secs(30), handle.wait())
        .await
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(err.contains("be-0.starrocks-be-search.invalid"), "{err}");
    assert!(
        err.to_lowercase().contains("not reachable") || err.contains("does not resolve"),
        "{err}"
    );
}

/// Chinese table and column names, a space in the table name, record fields named in Chinese:
/// the Stream Load path is percent-encoded, `jsonpaths` and `columns` go out as UTF-8 headers,
/// and every row lands once in the right columns.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chinese_table_and_column_names_load_end_to_end() {
    let h = Harness::new(1).await;
    let records: Vec<serde_json::Value> = (0..50u64)
        .map(|i| serde_json::json!({ "id": i, "代码": format!("股{i}"), "价格": i as f64 + 0.5 }))
        .collect();
    let keys: Vec<String> = (0..50).map(|i| format!("k{i}")).collect();
    ks_local::put_json_records(&h.client, STREAM, &records, &keys)
        .await
        .unwrap();
    // A plain Stream Load names the table in its URL; the transaction API in a header.
    for (inflight, table) in [(1, "股票 行情"), (2, "股票 行情二")] {
        h.sql(&format!(
            "CREATE TABLE example_db.`{table}` (`编号` BIGINT NOT NULL, `代码` VARCHAR(16), \
             `价格` DOUBLE) DUPLICATE KEY(`编号`) DISTRIBUTED BY HASH(`编号`) BUCKETS 1"
        ))
        .await;
        let mut config = h.json_config("TRIM_HORIZON", 1000, 100);
        config.state_dir = config.state_dir.join(format!("inflight-{inflight}"));
        config.sink.max_inflight_loads = inflight;
        config.sink.table_name = table.into();
        config
            .sink
            .properties
            .insert("jsonpaths".into(), r#"["$.id", "$.代码", "$.价格"]"#.into());
        config
            .sink
            .properties
            .insert("columns".into(), "编号, 代码, 价格".into());
        let handle = h.start(config, true).await;
        let summary = handle.wait().await.unwrap();
        assert_eq!(summary.rows_loaded, 50);
        let count = h
            .query_u64(&format!("select count(*) from example_db.`{table}`"))
            .await;
        assert_eq!(count, 50);
        let one = h
            .query_u64(&format!(
                "select count(*) from example_db.`{table}` where `代码` = '股7' and `价格` = 7.5"
            ))
            .await;
        assert_eq!(one, 1);
    }
    let loads = h.sim.faults().requests();
    let be = loads
        .iter()
        .find(|r| r.port == "be" && r.uri.contains("_stream_load"))
        .expect("a Stream Load on the BE");
    assert!(
        be.uri
            .contains("/api/example_db/%E8%82%A1%E7%A5%A8%20%E8%A1%8C%E6%83%85/_stream_load"),
        "{be:?}"
    );
    let txn = loads
        .iter()
        .find(|r| r.port == "be" && r.uri.ends_with("/api/transaction/load"))
        .expect("a transaction load on the BE");
    assert!(
        txn.headers
            .iter()
            .any(|(k, v)| k == "table" && v == "股票 行情二"),
        "{txn:?}"
    );
}

/// With several loads in flight, commits keep the stream's order: on a PRIMARY KEY table the
/// last record of each key wins, even when earlier batches' loads answer later than newer ones
/// (slow BE answers injected). Committing in the order loads finish would leave older values.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn primary_key_upserts_keep_the_stream_order_with_8_loads_in_flight() {
    let h = Harness::new(1).await;
    h.sql(
        "CREATE TABLE example_db.latest (`ticker` VARCHAR(20) NOT NULL, `id` BIGINT, \
         `event_time` DATETIME, `price` DOUBLE) PRIMARY KEY(`ticker`) \
         DISTRIBUTED BY HASH(`ticker`) BUCKETS 1",
    )
    .await;
    // Five tickers, 400 updates each, in ~50-row batches.
    h.produce(0, 2000).await;
    // Every other load answers late: a newer batch is often prepared before an older one.
    for _ in 0..12 {
        h.sim.faults().inject(Fault::Delay { ms: 300 }, 1);
        h.sim.faults().inject(Fault::Delay { ms: 0 }, 1);
    }
    let mut config = with_inflight(h.json_config("TRIM_HORIZON", 50, 100), 8);
    config.sink.table_name = "latest".into();
    let summary = h.run_until_caught_up(config).await;
    assert_eq!(summary.rows_loaded, 2000);
    assert!(
        h.sim.faults().pending().is_empty(),
        "every slow answer was hit: {:?}",
        h.sim.faults().pending()
    );
    assert_eq!(
        h.query_u64("select count(*) from example_db.latest").await,
        5
    );
    // Each ticker holds its newest record: ids 1995..=1999.
    assert_eq!(
        h.query_u64("select count(*) from example_db.latest where id >= 1995")
            .await,
        5,
        "an older batch committed after a newer one"
    );
    // Several loads really were in flight at once: a transaction began while another was open.
    let requests = h.sim.faults().requests();
    let mut open = 0i32;
    let mut most = 0;
    for r in &requests {
        if r.port == "be" && r.uri.ends_with("/api/transaction/begin") {
            open += 1;
        } else if r.port == "be" && r.uri.ends_with("/api/transaction/commit") {
            open -= 1;
        }
        most = most.max(open);
    }
    assert!(most >= 2, "at most {most} transaction(s) open at once");
    // Commits went out in batch order (labels end in the batch number).
    let committed: Vec<u64> = requests
        .iter()
        .filter(|r| r.port == "be" && r.uri.ends_with("/api/transaction/commit"))
        .filter_map(|r| r.headers.iter().find(|(k, _)| k == "label"))
        .filter_map(|(_, label)| label.rsplit('-').next()?.parse().ok())
        .collect();
    assert!(committed.len() >= 30, "{committed:?}");
    assert!(
        committed.windows(2).all(|w| w[0] < w[1]),
        "commits out of batch order: {committed:?}"
    );
}

/// When a batch is refused for good while younger batches are prepared and waiting for their
/// turn, the engine rolls their transactions back as it fails: they would otherwise stay open on
/// StarRocks (holding a running-transaction slot) until its prepared timeout. Their intents stay,
/// so a fixed pipeline loads them on its next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_batch_rolls_back_the_younger_prepared_ones() {
    let h = Harness::new(1).await;
    h.produce(0, 400).await;
    // Batch 0's load answers late; batch 1's is refused for its data; batches 2 and 3 load and
    // prepare meanwhile and wait for their turn.
    // By label: with 4 loads in flight their requests reach the stand-in in any order.
    h.sim
        .faults()
        .inject_for_label("-0", Fault::Delay { ms: 1500 });
    h.sim.faults().inject_for_label(
        "-1",
        Fault::Fail {
            message: "too many filtered rows".into(),
        },
    );
    let config = with_inflight(h.json_config("TRIM_HORIZON", 50, 100), 4);
    let handle = h.start(config, true).await;
    let ended = tokio::time::timeout(Duration::from_secs(60), handle.wait())
        .await
        .expect("the engine ends");
    let error = ended.expect_err("batch 1 is refused").to_string();
    assert!(error.contains("too many filtered rows"), "{error}");
    let requests = h.sim.faults().requests();
    // Each request is recorded at the FE and again at the BE it is redirected to.
    let labels_of = |op: &str| -> std::collections::BTreeSet<String> {
        requests
            .iter()
            .filter(|r| r.uri.ends_with(&format!("/api/transaction/{op}")))
            .filter_map(|r| r.headers.iter().find(|(k, _)| k == "label"))
            .map(|(_, label)| label.clone())
            .collect()
    };
    let begun = labels_of("begin");
    let prepared = labels_of("prepare").len();
    assert!(
        begun.len() >= 3 && prepared >= 2,
        "younger batches were in flight: begun {begun:?}, {prepared} prepare(s)"
    );
    let catalog = h.sim.catalog();
    let open: Vec<(String, &str)> = begun
        .iter()
        .filter_map(|label| {
            let state = catalog.label("example_db", label)?.state;
            matches!(
                state,
                starrocks_sim::catalog::TxnState::Prepare
                    | starrocks_sim::catalog::TxnState::Prepared
            )
            .then(|| (label.clone(), state.name()))
        })
        .collect();
    assert!(open.is_empty(), "transactions left open: {open:?}");
    // Only batch 0 is in the table; the rest loads on the next start.
    assert_eq!(
        h.query_u64("select count(*) from example_db.stock").await,
        50
    );
}

/// Big records (issue 13 §5): the largest record Kinesis takes by default (1 MiB of data, a JSON
/// record over StarRocks' 1 MB limit for one NDJSON document, which our array bodies do not
/// hit), records larger than `buffer-flush.max-bytes`, and a big one whose field is too long for
/// its column. Each lands once or is dead-lettered with its reason, and the pipeline catches up:
/// a record larger than a batch never sticks it. (`strict_mode`: without it StarRocks loads a
/// value too long for its VARCHAR as NULL, StarRocks/starrocks#15736; with it the row is
/// filtered and the batch dead-lettered.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn big_records_load_or_are_dead_lettered_and_never_stick() {
    const MAX_BYTES: u64 = 256 << 10;
    let h = Harness::new(1).await;
    h.sql(
        "CREATE TABLE example_db.docs (id BIGINT NOT NULL, body VARCHAR(1048576), \
         tag VARCHAR(8)) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1",
    )
    .await;
    let doc = |id: u64, body_bytes: usize, tag: &str| serde_json::json!({ "id": id, "body": "x".repeat(body_bytes), "tag": tag });
    let mut records: Vec<serde_json::Value> = (0..10).map(|i| doc(i, 10, "small")).collect();
    records.push(doc(100, 1_048_000, "biggest"));
    records.extend((10..20).map(|i| doc(i, 10, "small")));
    records.push(doc(101, 600_000, "big"));
    records.push(doc(102, 500_000, "too long for its column"));
    records.extend((20..30).map(|i| doc(i, 10, "small")));
    let sizes: Vec<usize> = records.iter().map(|r| r.to_string().len()).collect();
    assert!(
        sizes[10] > 1_000_000 && sizes[10] <= 1 << 20,
        "{}",
        sizes[10]
    );
    let keys: Vec<String> = (0..records.len()).map(|i| format!("k{i}")).collect();
    ks_local::put_json_records(&h.client, STREAM, &records, &keys)
        .await
        .expect("Kinesis takes records up to 1 MiB");

    let mut config = h.config(
        "initial-position = \"TRIM_HORIZON\"",
        &format!(
            "buffer-flush.max-bytes = {MAX_BYTES}\nbuffer-flush.interval-ms = 200\n\
             properties.format = \"json\"\nproperties.strict_mode = true"
        ),
        "on-data-error = \"dead-letter\"",
    );
    config.sink.table_name = "docs".into();
    let handle = h.start(config, true).await;
    let snap_rx = handle.snapshot();
    let summary = tokio::time::timeout(Duration::from_secs(90), handle.wait())
        .await
        .expect("the pipeline catches up: big records do not stick it")
        .expect("a dead-lettered batch does not stop the pipeline");
    let snap = snap_rx.borrow().clone();

    // The big ones that fit their columns landed whole, once.
    for (id, body_bytes) in [(100, 1_048_000), (101, 600_000)] {
        let n = h
            .query_u64(&format!(
                "select count(*) from example_db.docs where id = {id} and length(body) = {body_bytes}"
            ))
            .await;
        assert_eq!(n, 1, "record {id} landed whole, once");
    }
    // The one whose tag is too long is in the dead-letter dir with StarRocks' reason.
    let dead: String = std::fs::read_dir(h.state.path().join("dead-letter"))
        .expect("a dead-letter dir")
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(
        dead.contains("too long for its column"),
        "the record itself"
    );
    assert!(
        dead.contains("exceeds the column length 8"),
        "its reason: {}",
        &dead[..dead.len().min(2000)]
    );
    assert_eq!(
        h.query_u64("select count(*) from example_db.docs where id = 102")
            .await,
        0
    );
    // Nothing lost, nothing twice: what landed plus what was dead-lettered is what was produced.
    let loaded = h.query_u64("select count(*) from example_db.docs").await;
    let distinct = h
        .query_u64("select count(distinct id) from example_db.docs")
        .await;
    assert_eq!(loaded, distinct);
    assert_eq!(loaded, summary.rows_loaded);
    assert_eq!(
        loaded + snap.totals.rows_dead_lettered,
        records.len() as u64
    );
    // A batch holding a record larger than max-bytes went out whole (one body over max-bytes).
    let biggest_body = h
        .be_header("content-length")
        .iter()
        .filter_map(|v| v.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    assert!(biggest_body > 1_000_000, "{biggest_body}");
}

/// Time zones (issue 13 §3) through the whole pipeline: the same instant written with +08:00,
/// with -05:00, with Z and naive in New York time lands as one UTC DATETIME, by the mapping the
/// wizard's fix writes (`ks_core::schema::zones`) with `timezone = UTC`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn datetimes_in_four_zones_land_as_one_utc_time() {
    let h = Harness::new(1).await;
    h.sql(
        "CREATE TABLE example_db.events (id BIGINT NOT NULL, event_time DATETIME) \
         DUPLICATE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1",
    )
    .await;
    let values = [
        "2024-05-28T20:00:00+08:00",
        "2024-05-28T07:00:00-05:00",
        "2024-05-28T12:00:00Z",
        "2024-05-28 08:00:00",
    ];
    let records: Vec<serde_json::Value> = (0..40u64)
        .map(|i| serde_json::json!({ "id": i, "event_time": values[i as usize % 4] }))
        .collect();
    let keys: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
    ks_local::put_json_records(&h.client, STREAM, &records, &keys)
        .await
        .unwrap();
    let mut config = h.json_config("TRIM_HORIZON", 1000, 100);
    config.sink.table_name = "events".into();
    let expr =
        ks_core::schema::zones::zoned_datetime_expr("event_time_src", "America/New_York", "UTC");
    for (k, v) in [
        ("jsonpaths", r#"["$.id", "$.event_time"]"#.to_string()),
        ("columns", format!("id, event_time_src, event_time={expr}")),
        ("timezone", "UTC".to_string()),
    ] {
        config.sink.properties.insert(k.into(), v);
    }
    let summary = h.run_until_caught_up(config).await;
    assert_eq!(summary.rows_loaded, 40);
    let at_noon = h
        .query_u64(
            "select count(*) from example_db.events where event_time = '2024-05-28 12:00:00'",
        )
        .await;
    assert_eq!(at_noon, 40, "every shape lands as 12:00 UTC");
}

/// Primary-key tables (issue 13 §2): records carry an `op` field; `__op` mapped from it deletes
/// (`op = "d"`), every other record upserts in stream order; the "ignore deletes" choice is a
/// `where` that leaves the deletes out (counted, not lost); a partial update names its columns
/// and leaves the others as they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn primary_key_upserts_deletes_ignored_deletes_and_partial_updates() {
    let h = Harness::new(1).await;
    for table in ["quotes", "quotes_kept"] {
        h.sql(&format!(
            "CREATE TABLE example_db.{table} (id BIGINT NOT NULL, price DOUBLE, \
             note VARCHAR(32)) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1"
        ))
        .await;
    }
    let mut records: Vec<serde_json::Value> = (0..10u64)
        .map(|i| serde_json::json!({ "id": i, "price": i as f64, "note": format!("n{i}"), "op": "c" }))
        .collect();
    records.push(serde_json::json!({ "id": 3, "op": "d" }));
    records.push(serde_json::json!({ "id": 4, "price": 44.0, "note": "n4 again", "op": "u" }));
    records.push(serde_json::json!({ "id": 4, "price": 45.0, "note": "n4 last", "op": "u" }));
    let keys: Vec<String> = (0..records.len()).map(|i| format!("k{i}")).collect();
    ks_local::put_json_records(&h.client, STREAM, &records, &keys)
        .await
        .unwrap();
    // The mapping as the wizard writes it: jsonpaths for the table's columns, then the
    // updates-and-deletes choice (`ks_core::schema::ops`).
    let table_columns: Vec<ks_core::schema::ColumnSpec> = ["id", "price", "note"]
        .iter()
        .map(|n| ks_core::schema::ColumnSpec::new(*n, "VARCHAR(32)"))
        .collect();
    let pipeline = |table: &str, paths: &str, columns: Option<&str>, choice: OpsChoice| {
        let mut config = h.json_config("TRIM_HORIZON", 4, 100);
        config.state_dir = config.state_dir.join(table);
        config.sink.table_name = table.into();
        config
            .sink
            .properties
            .insert("jsonpaths".into(), paths.into());
        if let Some(c) = columns {
            config.sink.properties.insert("columns".into(), c.into());
        }
        apply_ops(&table_columns, &mut config.sink.properties, &choice).expect("the mapping");
        config
    };
    let all_paths = r#"["$.id", "$.price", "$.note"]"#;
    let delete_when = Some(("op".to_string(), "d".to_string()));
    // Deletes applied.
    let s = h
        .run_until_caught_up(pipeline(
            "quotes",
            all_paths,
            None,
            OpsChoice {
                delete_when: delete_when.clone(),
                ..OpsChoice::default()
            },
        ))
        .await;
    assert_eq!(s.rows_loaded, 13, "a delete is a loaded row too");
    assert_eq!(
        h.query_u64("select count(*) from example_db.quotes").await,
        9
    );
    assert_eq!(
        h.query_u64("select count(*) from example_db.quotes where id = 3")
            .await,
        0
    );
    assert_eq!(
        h.query_u64("select count(*) from example_db.quotes where id = 4 and price = 45 and note = 'n4 last'")
            .await,
        1,
        "the newest record of a key wins"
    );
    // Deletes ignored: left out by the where filter, and counted.
    let s = h
        .run_until_caught_up(pipeline(
            "quotes_kept",
            all_paths,
            None,
            OpsChoice {
                delete_when,
                ignore_deletes: true,
                ..OpsChoice::default()
            },
        ))
        .await;
    assert_eq!(s.rows_loaded, 12);
    assert_eq!(s.rows_unselected, 1);
    assert!(
        s.to_string().contains("1 left out by the where property"),
        "{s}"
    );
    assert_eq!(
        h.query_u64("select count(*) from example_db.quotes_kept")
            .await,
        10
    );

    // A partial update of the prices only: the notes stay.
    ks_local::create_stream(&h.client, "prices", 1)
        .await
        .unwrap();
    let prices: Vec<serde_json::Value> = (0..3u64)
        .map(|i| serde_json::json!({ "id": i, "price": 100.0 + i as f64 }))
        .collect();
    let keys: Vec<String> = (0..3).map(|i| format!("p{i}")).collect();
    ks_local::put_json_records(&h.client, "prices", &prices, &keys)
        .await
        .unwrap();
    let mut config = pipeline(
        "quotes",
        r#"["$.id", "$.price"]"#,
        Some("id, price"),
        OpsChoice {
            partial_update: true,
            ..OpsChoice::default()
        },
    );
    config.state_dir = config.state_dir.join("prices");
    config.source.stream_name = "prices".into();
    let s = h.run_until_caught_up(config).await;
    assert_eq!(s.rows_loaded, 3);
    assert_eq!(
        h.query_u64("select count(*) from example_db.quotes where price >= 100 and note like 'n%'")
            .await,
        3,
        "prices updated, notes kept"
    );
}
