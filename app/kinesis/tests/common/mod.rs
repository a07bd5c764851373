//! Shared helpers for the integration tests (each test has its own embedded ferrokinesis).
#![allow(dead_code)]

use ks_kinesis::{KinesisSource, ReadBatch, ShardReader, SourceRecord};
use ks_local::{EmbeddedKinesis, StoreOptions, create_stream};
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
