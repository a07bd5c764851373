//! Reading real streams on an embedded ferrokinesis: discovery, start positions, resharding with
//! KCL's lineage rule, and expired iterators.

mod common;

use common::*;
use ks_core::{ExtendedSeq, ShardId};
use ks_kinesis::{
    ReaderOptions, ShardInfo, ShardStats, SourceRecord, StartPosition, ready_to_start,
};
use ks_local::{EmbeddedKinesis, merge_shards, put_json_records, split_shard};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trim_horizon_reads_every_record_once_over_four_shards() {
    let e = env("orders", 4).await;
    let summary = e.source.describe().await.unwrap();
    assert_eq!(summary.name, "orders");
    assert_eq!(summary.status, "ACTIVE");
    assert_eq!(summary.open_shard_count, 4);
    assert_eq!(summary.mode.as_deref(), Some("PROVISIONED"));
    assert!(
        summary.arn.starts_with("arn:aws:kinesis:"),
        "{}",
        summary.arn
    );
    assert_eq!(
        e.source.stream_arn(),
        Some(summary.arn.clone()),
        "ARN learned"
    );

    let rows = json_rows(0, 2000);
    let put = put_json_records(&e.client, "orders", &rows, &keys(0, 2000))
        .await
        .unwrap();
    let shards = e.source.list_shards().await.unwrap();
    assert_eq!(shards.len(), 4);
    assert!(shards.iter().all(|s| !s.is_closed() && s.parent.is_none()));

    let mut seen: HashMap<u64, SourceRecord> = HashMap::new();
    let mut stats_by_shard = Vec::new();
    for shard in &shards {
        let stats = Arc::new(ShardStats::default());
        let mut reader = e
            .source
            .reader(shard, StartPosition::TrimHorizon, stats.clone());
        let (records, ended) = read_until_quiet(&mut reader, 1).await;
        assert!(!ended);
        assert_strictly_increasing(&records);
        let snap = stats.snapshot();
        assert_eq!(snap.records as usize, records.len());
        assert_eq!(
            snap.bytes,
            records.iter().map(|r| r.data.len() as u64).sum::<u64>()
        );
        assert_eq!(snap.last_sequence, records.last().map(|r| r.position));
        assert_eq!(snap.throttled + snap.expired_iterators + snap.errors, 0);
        assert!(snap.get_records_calls >= 2);
        assert_eq!(
            snap.answers_parsed_by_sdk, 0,
            "every answer took the one-pass parser"
        );
        for r in records {
            assert_eq!(r.shard, shard.id);
            assert!(!r.aggregated);
            assert!(r.arrival_ms > 0);
            let id = id_of(&r);
            assert_eq!(r.partition_key, format!("pk-{id}"));
            assert!(seen.insert(id, r).is_none(), "record {id} read twice");
        }
        stats_by_shard.push(snap);
    }
    assert_eq!(seen.len(), 2000, "every record exactly once");
    // Each record sits where PutRecords said it went.
    for (i, p) in put.iter().enumerate() {
        let r = &seen[&(i as u64)];
        assert_eq!(r.shard.0, p.shard_id);
        assert_eq!(r.position, ExtendedSeq::new(p.sequence_number, 0));
    }
    assert_eq!(stats_by_shard.iter().map(|s| s.records).sum::<u64>(), 2000);
    assert!(
        stats_by_shard.iter().all(|s| s.records > 300),
        "keys spread over the 4 shards"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latest_sees_only_records_put_after_the_reader_started() {
    let e = env("latest", 1).await;
    put_json_records(&e.client, "latest", &json_rows(0, 50), &keys(0, 50))
        .await
        .unwrap();
    let shard = &e.source.list_shards().await.unwrap()[0];
    let mut reader = e.source.reader(
        shard,
        StartPosition::Latest,
        Arc::new(ShardStats::default()),
    );
    let first = reader.next_batch().await.unwrap();
    assert!(first.records.is_empty());
    put_json_records(&e.client, "latest", &json_rows(50, 80), &keys(50, 80))
        .await
        .unwrap();
    let (records, _) = read_until_quiet(&mut reader, 30).await;
    let ids: Vec<u64> = records.iter().map(id_of).collect();
    assert_eq!(ids, (50..80).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_timestamp_starts_at_the_first_record_at_or_after_it() {
    let e = env("stamps", 1).await;
    put_json_records(&e.client, "stamps", &json_rows(0, 40), &keys(0, 40))
        .await
        .unwrap();
    // ferrokinesis keeps arrival times in whole seconds (and an AT_TIMESTAMP past every record
    // falls back to the shard start), so start at the next whole second and put the rest after it.
    let next_second = (chrono::Utc::now().timestamp_millis() / 1000 + 1) * 1000;
    let t = chrono::DateTime::from_timestamp_millis(next_second).unwrap();
    let wait = (next_second - chrono::Utc::now().timestamp_millis()).max(0) as u64 + 50;
    tokio::time::sleep(Duration::from_millis(wait)).await;
    put_json_records(&e.client, "stamps", &json_rows(40, 70), &keys(40, 70))
        .await
        .unwrap();
    let shard = &e.source.list_shards().await.unwrap()[0];
    let mut reader = e.source.reader(
        shard,
        StartPosition::AtTimestamp(t),
        Arc::new(ShardStats::default()),
    );
    let (records, _) = read_until_quiet(&mut reader, 30).await;
    let ids: Vec<u64> = records.iter().map(id_of).collect();
    assert_eq!(ids, (40..70).collect::<Vec<_>>());
    assert!(records.iter().all(|r| r.arrival_ms >= t.timestamp_millis()));

    // A timestamp after every record: nothing old, then only what comes next.
    let next_second = (chrono::Utc::now().timestamp_millis() / 1000 + 1) * 1000;
    let t2 = chrono::DateTime::from_timestamp_millis(next_second).unwrap();
    let wait = (next_second - chrono::Utc::now().timestamp_millis()).max(0) as u64 + 50;
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let mut reader = e.source.reader(
        shard,
        StartPosition::AtTimestamp(t2),
        Arc::new(ShardStats::default()),
    );
    assert!(reader.next_batch().await.unwrap().records.is_empty());
    put_json_records(&e.client, "stamps", &json_rows(70, 75), &keys(70, 75))
        .await
        .unwrap();
    let (records, _) = read_until_quiet(&mut reader, 5).await;
    assert_eq!(
        records.iter().map(id_of).collect::<Vec<_>>(),
        (70..75).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_position_resumes_strictly_after_it() {
    let e = env("resume", 1).await;
    let put = put_json_records(&e.client, "resume", &json_rows(0, 20), &keys(0, 20))
        .await
        .unwrap();
    let shard = &e.source.list_shards().await.unwrap()[0];
    let checkpoint = ExtendedSeq::new(put[9].sequence_number, 0);
    let mut reader = e.source.reader(
        shard,
        StartPosition::After(checkpoint),
        Arc::new(ShardStats::default()),
    );
    let (records, _) = read_until_quiet(&mut reader, 10).await;
    let ids: Vec<u64> = records.iter().map(id_of).collect();
    assert_eq!(ids, (10..20).collect::<Vec<_>>());
    assert!(records[0].position > checkpoint);

    // After the last record: nothing, then only what comes next.
    let last = ExtendedSeq::new(put[19].sequence_number, 0);
    let mut reader = e.source.reader(
        shard,
        StartPosition::After(last),
        Arc::new(ShardStats::default()),
    );
    assert!(reader.next_batch().await.unwrap().records.is_empty());
    put_json_records(&e.client, "resume", &json_rows(20, 25), &keys(20, 25))
        .await
        .unwrap();
    let (records, _) = read_until_quiet(&mut reader, 5).await;
    assert_eq!(
        records.iter().map(id_of).collect::<Vec<_>>(),
        (20..25).collect::<Vec<_>>()
    );
}

/// Drives readers the way the engine will: discovery, `ready_to_start`, children at
/// TRIM_HORIZON, until every expected record arrived and every closed shard ended. Returns the
/// records in the order they were received, and the order in which shards started and finished.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_shard_parent_is_drained_before_its_children() {
    let e = env("split", 2).await;
    // 20 keys, so every key has records in the parent and then in one of the children.
    let key_of = |i: u64| format!("key-{}", i % 20);
    let all_keys: Vec<String> = (0..20).map(|i| format!("key-{i}")).collect();
    put_json_records(&e.client, "split", &json_rows(0, 400), &all_keys)
        .await
        .unwrap();
    let before = e.source.list_shards().await.unwrap();
    let parent = before[0].clone();
    let mid = parent.hash_key_start + (parent.hash_key_end - parent.hash_key_start) / 2;
    split_shard(&e.client, "split", &parent.id.0, mid)
        .await
        .unwrap();
    put_json_records(&e.client, "split", &json_rows(400, 800), &all_keys)
        .await
        .unwrap();

    let after = e.source.list_shards().await.unwrap();
    assert_eq!(after.len(), 4);
    let children: Vec<&ShardInfo> = after
        .iter()
        .filter(|s| s.parent.as_ref() == Some(&parent.id))
        .collect();
    assert_eq!(children.len(), 2);
    assert!(
        after
            .iter()
            .find(|s| s.id == parent.id)
            .unwrap()
            .is_closed()
    );
    // Nothing finished yet: the children are held back, the parent and its sibling go.
    let ready = ready_to_start(&after, &HashSet::new(), &HashSet::new());
    assert_eq!(ready.len(), 2);
    assert!(ready.contains(&parent.id));
    assert!(children.iter().all(|c| !ready.contains(&c.id)));

    let (received, events, ends) = drain_with_lineage(&e.source, 800).await;
    assert_once_and_in_key_order(&received, 800, key_of);
    assert_eq!(ends.get(&parent.id), Some(&1), "shard_end exactly once");
    let child_ids: Vec<ShardId> = children.iter().map(|c| c.id.clone()).collect();
    assert_children_started_after(&events, &parent.id, &child_ids);
    for c in &children {
        let got = received.iter().filter(|r| r.shard == c.id).count();
        assert!(got > 0, "child {} got records", c.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_shards_child_waits_for_both_parents() {
    let e = env("merge", 2).await;
    let key_of = |i: u64| format!("key-{}", i % 16);
    let all_keys: Vec<String> = (0..16).map(|i| format!("key-{i}")).collect();
    put_json_records(&e.client, "merge", &json_rows(0, 300), &all_keys)
        .await
        .unwrap();
    let before = e.source.list_shards().await.unwrap();
    merge_shards(&e.client, "merge", &before[0].id.0, &before[1].id.0)
        .await
        .unwrap();
    put_json_records(&e.client, "merge", &json_rows(300, 600), &all_keys)
        .await
        .unwrap();
    let after = e.source.list_shards().await.unwrap();
    let child = after
        .iter()
        .find(|s| s.parent.is_some() && s.adjacent_parent.is_some())
        .expect("a merged child with two parents")
        .clone();
    let parents: HashSet<ShardId> = child.parents().cloned().collect();
    assert_eq!(parents, before.iter().map(|s| s.id.clone()).collect());
    let started: HashSet<ShardId> = parents.clone();
    for p in &parents {
        let one: HashSet<ShardId> = [p.clone()].into();
        assert!(ready_to_start(&after, &one, &started).is_empty());
    }
    assert_eq!(
        ready_to_start(&after, &parents, &started),
        vec![child.id.clone()]
    );

    let (received, events, _) = drain_with_lineage(&e.source, 600).await;
    assert_once_and_in_key_order(&received, 600, key_of);
    let start_child = events
        .iter()
        .position(|ev| *ev == format!("start {}", child.id))
        .unwrap();
    for p in &parents {
        let end = events
            .iter()
            .position(|ev| *ev == format!("end {p}"))
            .unwrap();
        assert!(end < start_child, "{events:?}");
    }
    assert_eq!(
        received.iter().filter(|r| r.shard == child.id).count(),
        300,
        "everything put after the merge is in the child"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_iterator_resumes_after_the_last_record_read() {
    let opts = ks_local::StoreOptions {
        iterator_ttl_seconds: 1,
        ..EmbeddedKinesis::options()
    };
    let e = env_with(opts, "expiry", 1).await;
    put_json_records(&e.client, "expiry", &json_rows(0, 100), &keys(0, 100))
        .await
        .unwrap();
    let shard = &e.source.list_shards().await.unwrap()[0];
    let stats = Arc::new(ShardStats::default());
    let source = e.source.clone().with_reader_options(ReaderOptions {
        limit: 30,
        ..ReaderOptions::default()
    });
    let mut reader = source.reader(shard, StartPosition::TrimHorizon, stats.clone());
    let first = reader.next_batch().await.unwrap();
    assert_eq!(first.records.len(), 30);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    put_json_records(&e.client, "expiry", &json_rows(100, 120), &keys(100, 120))
        .await
        .unwrap();
    let (rest, _) = read_until_quiet(&mut reader, 90).await;
    let ids: Vec<u64> = first.records.iter().chain(&rest).map(id_of).collect();
    assert_eq!(
        ids,
        (0..120).collect::<Vec<_>>(),
        "nothing lost or repeated"
    );
    assert!(stats.snapshot().expired_iterators >= 1);
    assert_eq!(stats.snapshot().errors, 0);

    // A LATEST reader that has read nothing yet: records put while its iterator expired count.
    let stats = Arc::new(ShardStats::default());
    let mut reader = e.source.reader(shard, StartPosition::Latest, stats.clone());
    assert!(reader.next_batch().await.unwrap().records.is_empty());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    put_json_records(&e.client, "expiry", &json_rows(120, 130), &keys(120, 130))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let (late, _) = read_until_quiet(&mut reader, 10).await;
    assert_eq!(
        late.iter().map(id_of).collect::<Vec<_>>(),
        (120..130).collect::<Vec<_>>()
    );
    assert!(stats.snapshot().expired_iterators >= 1);

    // A LATEST reader whose iterator expires on a quiet shard neither replays old records nor
    // misses the next ones.
    let stats = Arc::new(ShardStats::default());
    let mut reader = e.source.reader(shard, StartPosition::Latest, stats.clone());
    assert!(reader.next_batch().await.unwrap().records.is_empty());
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(reader.next_batch().await.unwrap().records.is_empty());
    assert!(stats.snapshot().expired_iterators >= 1);
    put_json_records(&e.client, "expiry", &json_rows(130, 135), &keys(130, 135))
        .await
        .unwrap();
    let (next, _) = read_until_quiet(&mut reader, 5).await;
    assert_eq!(
        next.iter().map(id_of).collect::<Vec<_>>(),
        (130..135).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_respect_the_per_shard_call_and_byte_limits() {
    let e = env("limits", 1).await;
    put_json_records(&e.client, "limits", &json_rows(0, 100), &keys(0, 100))
        .await
        .unwrap();
    let shard = &e.source.list_shards().await.unwrap()[0];

    // 5 calls per second: 10 batches of 10 records then an empty one take at least 2 s.
    let stats = Arc::new(ShardStats::default());
    let source = e.source.clone().with_reader_options(ReaderOptions {
        limit: 10,
        ..ReaderOptions::default()
    });
    let mut reader = source.reader(shard, StartPosition::TrimHorizon, stats.clone());
    let started = Instant::now();
    let (records, _) = read_until_quiet(&mut reader, 100).await;
    assert_eq!(records.len(), 100);
    let snap = stats.snapshot();
    assert_eq!(snap.get_records_calls, 11);
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        started.elapsed()
    );
    assert!(snap.rate_wait_ms >= 1500, "{snap:?}");

    // Bytes per second: one call returns all ~5 KB; at 4 KB/s the next waits over a second.
    let bytes: u64 = records.iter().map(|r| r.data.len() as u64).sum();
    let source = e.source.clone().with_reader_options(ReaderOptions {
        max_calls_per_second: 0,
        max_bytes_per_second: 4_000,
        ..ReaderOptions::default()
    });
    let mut reader = source.reader(
        shard,
        StartPosition::TrimHorizon,
        Arc::new(ShardStats::default()),
    );
    assert_eq!(reader.next_batch().await.unwrap().records.len(), 100);
    let t = Instant::now();
    assert!(reader.next_batch().await.unwrap().records.is_empty());
    let waited = t.elapsed();
    let expected = Duration::from_secs_f64(bytes as f64 / 4_000.0);
    assert!(
        waited >= expected.mul_f64(0.9),
        "waited {waited:?}, expected {expected:?}"
    );

    // Unlimited (emulators, benchmarks): 20 full batches without waiting (limited: over 3 s).
    let source = e.source.clone().with_reader_options(ReaderOptions {
        limit: 5,
        ..ReaderOptions::unlimited()
    });
    let mut reader = source.reader(
        shard,
        StartPosition::TrimHorizon,
        Arc::new(ShardStats::default()),
    );
    let t = Instant::now();
    for _ in 0..20 {
        assert_eq!(reader.next_batch().await.unwrap().records.len(), 5);
    }
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
}

/// Each GetRecords asks for about `answer_target_bytes`: the first call for at most
/// `FIRST_CALL_LIMIT` records, the next ones for the target ÷ the last answer's average record
/// size; with a target of 0, the whole `limit`. Nothing is skipped between the differently sized
/// calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_call_asks_for_about_the_answer_target_bytes() {
    let e = env("sized", 1).await;
    put_json_records(&e.client, "sized", &json_rows(0, 1500), &keys(0, 1500))
        .await
        .unwrap();
    let shard = &e.source.list_shards().await.unwrap()[0];
    let target = 4096u64;
    let source = e.source.clone().with_reader_options(ReaderOptions {
        answer_target_bytes: target,
        ..ReaderOptions::unlimited()
    });
    let mut reader = source.reader(shard, StartPosition::TrimHorizon, Arc::default());
    let first = reader.next_batch().await.unwrap();
    assert_eq!(
        first.records.len(),
        ks_kinesis::FIRST_CALL_LIMIT as usize,
        "the first call, record size unknown"
    );
    let avg = first
        .records
        .iter()
        .map(|r| r.data.len() as u64)
        .sum::<u64>()
        / 1000;
    let second = reader.next_batch().await.unwrap();
    assert_eq!(second.records.len() as u64, target / avg, "avg {avg} B");
    let (rest, _) = read_until_quiet(&mut reader, 1).await;
    let ids: Vec<u64> = first
        .records
        .iter()
        .chain(&second.records)
        .chain(&rest)
        .map(id_of)
        .collect();
    assert_eq!(ids, (0..1500).collect::<Vec<_>>(), "once each, in order");

    // Target 0: every call asks for the whole limit.
    let source = e.source.clone().with_reader_options(ReaderOptions {
        answer_target_bytes: 0,
        ..ReaderOptions::unlimited()
    });
    let mut reader = source.reader(shard, StartPosition::TrimHorizon, Arc::default());
    assert_eq!(reader.next_batch().await.unwrap().records.len(), 1500);
}
