//! Sampling against in-process ferrokinesis: fair across shards, KPL aggregates de-aggregated,
//! latest waits for new records only, empty and missing streams.

mod common;

use bytes::Bytes;
use ks_kinesis::kpl::{AggInput, aggregate};
use ks_local::stock::stock_record;
use ks_local::world::{Endpoints, pipeline_config};
use ks_local::{EmbeddedKinesis, PipelineToml, PutEntry};
use ks_preflight::PreflightContext;
use ks_preflight::sample::{SampleError, SampleFrom, sample, sample_within};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

struct World {
    kinesis: EmbeddedKinesis,
    client: aws_sdk_kinesis::Client,
}

impl World {
    async fn new(stream: &str, shards: i32) -> World {
        let (kinesis, client) = common::kinesis_with_stream(stream, shards).await;
        World { kinesis, client }
    }

    /// A context sampling `stream`; the cluster is never reached.
    fn ctx(&self, stream: &str) -> PreflightContext {
        let at = Endpoints {
            kinesis: Some(self.kinesis.endpoint_url().to_string()),
            ..Endpoints::new(stream, "jdbc:mysql://127.0.0.1:9", "127.0.0.1:9")
        };
        let p = PipelineToml {
            source: "operation-timeout-ms = 5000",
            sink: "properties.format = \"json\"",
            ..PipelineToml::default()
        };
        let config = pipeline_config(&at, &p).unwrap_or_else(|e| panic!("{e}"));
        common::emulator_ctx(config, "unused")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_are_spread_over_shards_and_kpl_aggregates_are_deaggregated() {
    let w = World::new("s2", 2).await;
    let mut entries = Vec::new();
    let mut id = 0u64;
    for round in 0..6 {
        let subs: Vec<AggInput> = (0..5)
            .map(|_| {
                id += 1;
                AggInput::new(format!("agg-{round}"), stock_record(id).to_string())
            })
            .collect();
        entries.push(PutEntry::new(format!("agg-{round}"), aggregate(&subs)));
        for _ in 0..4 {
            id += 1;
            entries.push(PutEntry::new(
                format!("plain-{id}"),
                Bytes::from(stock_record(id).to_string()),
            ));
        }
    }
    // One record that is not JSON at all.
    entries.push(PutEntry::new(
        "bin",
        Bytes::from_static(b"\x00\xffnot json"),
    ));
    let put = ks_local::put_records(&w.client, "s2", &entries)
        .await
        .unwrap();
    let shards_used: BTreeSet<&str> = put.iter().map(|p| p.shard_id.as_str()).collect();
    assert_eq!(shards_used.len(), 2, "the producer spread over both shards");

    let ctx = w.ctx("s2");
    let all = sample(&ctx, 200, SampleFrom::TrimHorizon).await.unwrap();
    assert_eq!(
        all.len() as u64,
        id + 1,
        "every user record, aggregates opened"
    );
    let keys: BTreeSet<(String, String, Option<u32>)> = all
        .iter()
        .map(|r| (r.shard.clone(), r.sequence.clone(), r.sub))
        .collect();
    assert_eq!(keys.len(), all.len(), "no record twice");
    let subs: Vec<_> = all.iter().filter(|r| r.sub.is_some()).collect();
    assert_eq!(
        subs.len(),
        30,
        "the 6 aggregates of 5 come out as 30 sub-records"
    );
    for r in &subs {
        let v = r
            .json()
            .expect("a de-aggregated sub-record is the user's JSON");
        assert!(v.get("ticker").is_some(), "{v}");
    }
    let ids: BTreeSet<u64> = all
        .iter()
        .filter_map(|r| r.json())
        .map(|v| v["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (1..=id).collect::<BTreeSet<u64>>());
    let bin = all
        .iter()
        .find(|r| r.json().is_none())
        .expect("the binary record");
    assert_eq!(bin.display(), "\\x00\\xffnot json");
    assert!(all.iter().all(|r| r.arrival_ms.is_some()));

    // A small sample still takes from both shards (round-robin), and within a shard in order.
    let few = sample(&ctx, 4, SampleFrom::TrimHorizon).await.unwrap();
    assert_eq!(few.len(), 4);
    let per_shard: BTreeMap<&str, usize> = few.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.shard.as_str()).or_default() += 1;
        m
    });
    assert_eq!(
        per_shard.values().copied().collect::<Vec<_>>(),
        vec![2, 2],
        "{per_shard:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latest_sees_only_records_put_after_it_started_and_waits_a_bounded_time() {
    let w = World::new("s1", 2).await;
    let old: Vec<serde_json::Value> = (0..10).map(stock_record).collect();
    ks_local::put_json_records(&w.client, "s1", &old, &["a".into(), "b".into()])
        .await
        .unwrap();
    let ctx = w.ctx("s1");

    // Nothing new arrives: returns empty after the wait, not an error, not forever.
    let started = Instant::now();
    let none = sample_within(&ctx, 5, SampleFrom::Latest, Duration::from_secs(2))
        .await
        .unwrap();
    assert!(none.is_empty(), "{none:?}");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );

    let client = w.client.clone();
    let producer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(2000)).await;
        let new: Vec<serde_json::Value> = (1000..1006).map(stock_record).collect();
        ks_local::put_json_records(&client, "s1", &new, &["c".into(), "d".into(), "e".into()])
            .await
            .unwrap();
    });
    let got = sample_within(&ctx, 6, SampleFrom::Latest, Duration::from_secs(8))
        .await
        .unwrap();
    producer.await.unwrap();
    let ids: BTreeSet<u64> = got
        .iter()
        .map(|r| r.json().unwrap()["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (1000..1006).collect::<BTreeSet<u64>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_stream_gives_no_records_and_a_missing_one_a_clear_error() {
    let w = World::new("empty", 3).await;
    let started = Instant::now();
    let got = sample(&w.ctx("empty"), 20, SampleFrom::TrimHorizon)
        .await
        .unwrap();
    assert!(got.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    let err = sample(&w.ctx("no-such-stream"), 20, SampleFrom::TrimHorizon)
        .await
        .unwrap_err();
    assert!(matches!(err, SampleError::Stream { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("no-such-stream"), "{text}");
    assert!(text.contains("does not exist"), "{text}");
    assert_eq!("latest".parse::<SampleFrom>().unwrap(), SampleFrom::Latest);
    assert!(
        "oldest"
            .parse::<SampleFrom>()
            .unwrap_err()
            .contains("trim-horizon")
    );
}
