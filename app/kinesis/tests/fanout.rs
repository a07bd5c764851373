//! Enhanced fan-out on an embedded ferrokinesis: the consumer's lifecycle, readers fed by
//! SubscribeToShard events across renewed sessions, start positions, and a split read with the
//! lineage rule.

mod common;

use common::*;
use ks_core::ShardId;
use ks_kinesis::{KinesisSource, ShardInfo, ShardStats, SourceRecord, StartPosition};
use ks_local::{EmbeddedKinesis, put_json_records, split_shard};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An emulator whose subscriptions last `session_ms` (AWS: 5 minutes), with `shards` shards, and
/// a source whose readers subscribe with a consumer registered for the test.
async fn fanout_env(stream: &str, shards: i32, session_ms: u64) -> (Env, KinesisSource) {
    let opts = ks_local::StoreOptions {
        subscribe_to_shard_session_ms: session_ms,
        ..EmbeddedKinesis::options()
    };
    let e = env_with(opts, stream, shards).await;
    let active = e
        .source
        .ensure_consumer("test-consumer", Duration::from_secs(30))
        .await
        .expect("consumer ACTIVE");
    let fanout = e.source.clone().with_fanout(active.consumer.arn);
    (e, fanout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_is_registered_once_reused_listed_and_deregistered() {
    let e = env("consumers", 1).await;
    assert_eq!(e.source.describe_consumer("ks-a").await.unwrap(), None);
    let first = e
        .source
        .ensure_consumer("ks-a", Duration::from_secs(30))
        .await
        .unwrap();
    assert!(first.registered_now);
    assert_eq!(first.consumer.status, "ACTIVE");
    assert_eq!(first.consumer.name, "ks-a");
    assert!(
        first.consumer.arn.contains("/consumer/ks-a:"),
        "{}",
        first.consumer.arn
    );
    // A second start reuses it: same ARN, nothing registered.
    let again = e
        .source
        .ensure_consumer("ks-a", Duration::from_secs(30))
        .await
        .unwrap();
    assert!(!again.registered_now);
    assert_eq!(again.consumer.arn, first.consumer.arn);
    e.source
        .ensure_consumer("other-app", Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(
        ks_local::consumer_names(&e.source).await,
        ["ks-a", "other-app"]
    );
    assert!(e.source.deregister_consumer("ks-a").await.unwrap());
    // ferrokinesis keeps it DELETING for a moment, then it is gone.
    let deadline = Instant::now() + Duration::from_secs(10);
    while e.source.describe_consumer("ks-a").await.unwrap().is_some() {
        assert!(Instant::now() < deadline, "ks-a still listed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!e.source.deregister_consumer("ks-a").await.unwrap());
}

/// Reads `reader` until `total` records came (or 30 s passed).
async fn read_n(reader: &mut ks_kinesis::ShardReader, total: usize) -> Vec<SourceRecord> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut out = Vec::new();
    while out.len() < total {
        let batch = reader.next_batch().await.expect("next_batch");
        out.extend(batch.records);
        assert!(
            Instant::now() < deadline,
            "{} of {total} records",
            out.len()
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_renewed_and_every_record_comes_once_in_order() {
    // 700 ms sessions: the 3 waves below span several renewals.
    let (e, fanout) = fanout_env("efo", 1, 700).await;
    let shard = e.source.list_shards().await.unwrap().remove(0);
    let stats = Arc::new(ShardStats::default());
    let mut reader = fanout.reader(&shard, StartPosition::TrimHorizon, stats.clone());
    let mut got = Vec::new();
    for wave in 0..3u64 {
        let (from, to) = (wave * 100, wave * 100 + 100);
        put_json_records(&e.client, "efo", &json_rows(from, to), &keys(from, to))
            .await
            .unwrap();
        got.extend(read_n(&mut reader, 100 * (wave as usize + 1) - got.len()).await);
        // Outlive the session: the next wave needs a new subscription.
        tokio::time::sleep(Duration::from_millis(900)).await;
    }
    assert_strictly_increasing(&got);
    let ids: Vec<u64> = got.iter().map(id_of).collect();
    assert_eq!(
        ids,
        (0..300).collect::<Vec<_>>(),
        "every record once, in order"
    );
    let snap = stats.snapshot();
    assert!(snap.subscriptions >= 3, "renewed: {snap:?}");
    assert_eq!(snap.get_records_calls, 0, "no polling: {snap:?}");
    assert_eq!(snap.records, 300);
    assert_eq!(snap.errors, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_start_resumes_strictly_after_it_and_latest_skips_the_past() {
    let (e, fanout) = fanout_env("resume", 1, 300_000).await;
    let shard = e.source.list_shards().await.unwrap().remove(0);
    put_json_records(&e.client, "resume", &json_rows(0, 50), &keys(0, 50))
        .await
        .unwrap();
    let mut first = fanout.reader(
        &shard,
        StartPosition::TrimHorizon,
        Arc::new(ShardStats::default()),
    );
    let read = read_n(&mut first, 50).await;
    let checkpoint = read[19].position;
    drop(first);
    // A restart from the checkpoint after record 19 reads 20..50, nothing before.
    let mut resumed = fanout.reader(
        &shard,
        StartPosition::After(checkpoint),
        Arc::new(ShardStats::default()),
    );
    let again = read_n(&mut resumed, 30).await;
    assert_eq!(
        again.iter().map(id_of).collect::<Vec<_>>(),
        (20..50).collect::<Vec<_>>()
    );
    // LATEST: only what is put after the first subscription.
    let mut latest = fanout.reader(
        &shard,
        StartPosition::Latest,
        Arc::new(ShardStats::default()),
    );
    let quiet = latest.next_batch().await.unwrap();
    assert!(quiet.records.is_empty(), "{:?}", quiet.records.len());
    put_json_records(&e.client, "resume", &json_rows(50, 60), &keys(50, 60))
        .await
        .unwrap();
    let new = read_n(&mut latest, 10).await;
    assert_eq!(
        new.iter().map(id_of).collect::<Vec<_>>(),
        (50..60).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_ends_the_parent_subscription_and_the_children_follow_it() {
    let (e, fanout) = fanout_env("split-efo", 1, 300_000).await;
    let key_of = |i: u64| format!("key-{}", i % 20);
    let all_keys: Vec<String> = (0..20).map(|i| format!("key-{i}")).collect();
    put_json_records(&e.client, "split-efo", &json_rows(0, 300), &all_keys)
        .await
        .unwrap();
    let parent: ShardInfo = e.source.list_shards().await.unwrap().remove(0);
    let mid = parent.hash_key_start + (parent.hash_key_end - parent.hash_key_start) / 2;
    split_shard(&e.client, "split-efo", &parent.id.0, mid)
        .await
        .unwrap();
    put_json_records(&e.client, "split-efo", &json_rows(300, 600), &all_keys)
        .await
        .unwrap();

    let (received, events, ends) = drain_with_lineage(&fanout, 600).await;
    assert_once_and_in_key_order(&received, 600, key_of);
    assert_eq!(ends.get(&parent.id), Some(&1), "shard_end exactly once");
    let after = e.source.list_shards().await.unwrap();
    let children: Vec<ShardId> = after
        .iter()
        .filter(|s| s.parent.as_ref() == Some(&parent.id))
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(children.len(), 2);
    assert_children_started_after(&events, &parent.id, &children);
    assert_eq!(
        received.iter().filter(|r| r.shard == parent.id).count(),
        300,
        "the parent held the first 300"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_deregistered_while_reading_stops_the_reader_with_the_reason() {
    let (e, fanout) = fanout_env("gone", 1, 500).await;
    let shard = e.source.list_shards().await.unwrap().remove(0);
    put_json_records(&e.client, "gone", &json_rows(0, 10), &keys(0, 10))
        .await
        .unwrap();
    let mut reader = fanout.reader(
        &shard,
        StartPosition::TrimHorizon,
        Arc::new(ShardStats::default()),
    );
    assert_eq!(read_n(&mut reader, 10).await.len(), 10);
    assert!(e.source.deregister_consumer("test-consumer").await.unwrap());
    // The open session ends within 500 ms; the next subscription finds no consumer.
    let deadline = Instant::now() + Duration::from_secs(20);
    let error = loop {
        match reader.next_batch().await {
            Ok(batch) => assert!(batch.records.is_empty(), "nothing new was put"),
            Err(e) => break e,
        }
        assert!(Instant::now() < deadline, "the reader never noticed");
    };
    assert!(!error.is_transient(), "{error}");
    let text = error.to_string();
    assert!(
        text.contains("enhanced fan-out consumer") && text.contains("no longer exists"),
        "{text}"
    );
}
