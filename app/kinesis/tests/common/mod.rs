//! Shared helpers for the integration tests (each test has its own embedded ferrokinesis).
#![allow(dead_code)]

use ks_core::ShardId;
use ks_kinesis::{
    KinesisSource, ReadBatch, ReadError, ShardInfo, ShardReader, ShardStats, SourceRecord,
    StartPosition, ready_to_start,
};
use ks_local::{EmbeddedKinesis, StoreOptions, create_stream};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Env {
    pub kinesis: EmbeddedKinesis,
    pub client: aws_sdk_kinesis::Client,
    pub source: KinesisSource,
    pub stream: String,
}

/// An emulator with one stream of `shards` shards.
pub async fn env_with(opts: StoreOptions, stream: &str, shards: i32) -> Env {
    let (_url, kinesis) = EmbeddedKinesis::start(opts).await.expect("emulator starts");
    let client = kinesis.client().await;
    create_stream(&client, stream, shards)
        .await
        .expect("stream created");
    let source = kinesis.source(stream).await;
    Env {
        kinesis,
        client,
        source,
        stream: stream.to_string(),
    }
}

pub async fn env(stream: &str, shards: i32) -> Env {
    env_with(EmbeddedKinesis::options(), stream, shards).await
}

/// Reads until at least `min` records arrived and a batch came back empty (caught up), or the
/// shard ended. Returns the records and whether the shard ended.
pub async fn read_until_quiet(reader: &mut ShardReader, min: usize) -> (Vec<SourceRecord>, bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut out = Vec::new();
    loop {
        let ReadBatch {
            records, shard_end, ..
        } = reader.next_batch().await.expect("next_batch");
        let empty = records.is_empty();
        out.extend(records);
        if shard_end {
            return (out, true);
        }
        if empty && out.len() >= min {
            return (out, false);
        }
        assert!(
            Instant::now() < deadline,
            "shard {} stuck at {} records (wanted {min})",
            reader.shard_id(),
            out.len()
        );
    }
}

/// Positions strictly increase within one shard's records (numeric comparison).
pub fn assert_strictly_increasing(records: &[SourceRecord]) {
    for w in records.windows(2) {
        assert!(
            w[0].position < w[1].position,
            "positions not increasing on {}: {} then {}",
            w[0].shard,
            w[0].position,
            w[1].position
        );
    }
}

/// The `id` field of a JSON record.
pub fn id_of(r: &SourceRecord) -> u64 {
    let v: serde_json::Value = serde_json::from_slice(&r.data).expect("JSON record");
    v["id"].as_u64().expect("id")
}

pub fn json_rows(from: u64, to: u64) -> Vec<serde_json::Value> {
    (from..to)
        .map(|i| serde_json::json!({"id": i, "ticker": format!("T{}", i % 7), "price": i as f64 / 4.0}))
        .collect()
}

pub fn keys(from: u64, to: u64) -> Vec<String> {
    (from..to).map(|i| format!("pk-{i}")).collect()
}

/// Reads every shard from TRIM_HORIZON with KCL's lineage rule (a child starts once its parents
/// ended), round-robin, until `expected` records arrived and nothing more comes; the records,
/// the start/end events in order, and how often each shard reported its end.
pub async fn drain_with_lineage(
    source: &KinesisSource,
    expected: usize,
) -> (Vec<SourceRecord>, Vec<String>, HashMap<ShardId, usize>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut started = HashSet::new();
    let mut finished = HashSet::new();
    let mut readers = BTreeMap::new();
    let mut received = Vec::new();
    let mut events = Vec::new();
    let mut ends_seen: HashMap<ShardId, usize> = HashMap::new();
    loop {
        let all: Vec<ShardInfo> = source.list_shards().await.unwrap();
        for id in ready_to_start(&all, &finished, &started) {
            let info = all.iter().find(|s| s.id == id).unwrap();
            for p in info.parents() {
                assert!(
                    finished.contains(p) || !all.iter().any(|s| &s.id == p),
                    "{id} released before its parent {p} finished"
                );
            }
            events.push(format!("start {id}"));
            started.insert(id.clone());
            readers.insert(
                id.clone(),
                source.reader(
                    info,
                    StartPosition::TrimHorizon,
                    Arc::new(ShardStats::default()),
                ),
            );
        }
        let mut any_records = false;
        let ids: Vec<ShardId> = readers.keys().cloned().collect();
        for id in ids {
            let reader = readers.get_mut(&id).unwrap();
            let batch = reader.next_batch().await.unwrap();
            any_records |= !batch.records.is_empty();
            received.extend(batch.records);
            if batch.shard_end {
                *ends_seen.entry(id.clone()).or_default() += 1;
                // A finished reader refuses further calls.
                assert!(matches!(
                    reader.next_batch().await,
                    Err(ReadError::ShardEnded { .. })
                ));
                events.push(format!("end {id}"));
                finished.insert(id.clone());
                readers.remove(&id);
            }
        }
        let closed_pending = all
            .iter()
            .any(|s| s.is_closed() && !finished.contains(&s.id));
        if received.len() >= expected && !any_records && !closed_pending {
            return (received, events, ends_seen);
        }
        assert!(
            Instant::now() < deadline,
            "stuck: {} of {expected} records; events {events:?}",
            received.len()
        );
    }
}

/// Every record exactly once, and per partition key in the order it was put.
pub fn assert_once_and_in_key_order(
    received: &[SourceRecord],
    total: u64,
    key_of: impl Fn(u64) -> String,
) {
    let ids: Vec<u64> = received.iter().map(id_of).collect();
    let distinct: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(ids.len(), distinct.len(), "no duplicates");
    assert_eq!(distinct, (0..total).collect::<HashSet<_>>(), "nothing lost");
    let mut last_by_key: HashMap<String, u64> = HashMap::new();
    for id in ids {
        let k = key_of(id);
        if let Some(prev) = last_by_key.insert(k.clone(), id) {
            assert!(prev < id, "key {k}: record {id} came after {prev}");
        }
    }
}

/// In the `events` of [`drain_with_lineage`], each child started after its parent ended.
pub fn assert_children_started_after(events: &[String], parent: &ShardId, children: &[ShardId]) {
    let end_parent = events
        .iter()
        .position(|ev| *ev == format!("end {parent}"))
        .unwrap_or_else(|| panic!("{parent} never ended: {events:?}"));
    for c in children {
        let start = events
            .iter()
            .position(|ev| *ev == format!("start {c}"))
            .unwrap_or_else(|| panic!("{c} never started: {events:?}"));
        assert!(
            start > end_parent,
            "{c} started before {parent} ended: {events:?}"
        );
    }
}
