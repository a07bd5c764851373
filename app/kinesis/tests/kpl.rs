//! KPL aggregates: the reference fixture, and aggregates mixed with plain records in a live
//! stream (positions, sub-records outside the shard's range kept or dropped by policy, corrupted
//! MD5, resuming inside an aggregate).

mod common;

use bytes::Bytes;
use common::*;
use ks_core::{ExtendedSeq, SeqNum};
use ks_kinesis::kpl::{AggInput, KplOutOfRange, aggregate, deaggregate_bytes, partition_key_hash};
use ks_kinesis::{ShardStats, SourceRecord, StartPosition, deaggregate};
use ks_local::{PutEntry, put_records};
use std::sync::Arc;

const FULL: (u128, u128) = (0, u128::MAX);

fn fixture() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/kpl_aggregated_fixture.bin"
    ))
    .expect("fixture")
}

#[test]
fn reference_fixture_deaggregates() {
    // Made with PyPI aws-kinesis-agg 1.2.3: 5 user records, keys pk0/pk1, the last with explicit
    // hash key "0".
    let data = fixture();
    let seq = SeqNum::parse("49590338271490256608559692538361571095921575989136588898").unwrap();
    let records = deaggregate(seq, &data, "outer-key", FULL).unwrap();
    assert_eq!(records.len(), 5);
    for (i, (sub, pk, bytes)) in records.iter().enumerate() {
        assert_eq!(*sub, i as u64);
        assert_eq!(pk, if i % 2 == 0 { "pk0" } else { "pk1" });
        assert_eq!(bytes, &Bytes::from(format!("user-record-{i}")));
    }
    let d = deaggregate_bytes(
        seq,
        Bytes::from(data.clone()),
        "outer-key",
        FULL,
        KplOutOfRange::Keep,
    )
    .unwrap();
    assert!(d.aggregated);
    assert_eq!(d.records[4].explicit_hash_key, Some(0));
    assert_eq!(d.records[0].explicit_hash_key, None);

    // A shard whose range starts at 1 does not own hash key 0: by default that sub-record is
    // kept (it exists nowhere else) and counted; under KCL's rule it is dropped and counted.
    let d = deaggregate_bytes(
        seq,
        Bytes::from(data.clone()),
        "outer-key",
        (1, u128::MAX),
        KplOutOfRange::Keep,
    )
    .unwrap();
    assert_eq!(
        (d.records.len(), d.out_of_range, d.dropped.len()),
        (5, 1, 0)
    );
    assert!(d.records[4].out_of_range && !d.records[0].out_of_range);
    let d = deaggregate_bytes(
        seq,
        Bytes::from(data.clone()),
        "outer-key",
        (1, u128::MAX),
        KplOutOfRange::Drop,
    )
    .unwrap();
    assert_eq!(d.dropped, vec![4]);
    assert_eq!(
        d.records.iter().map(|r| r.sub).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );

    // A shard that owns only hash key 0: pk0/pk1 hash elsewhere.
    assert!(partition_key_hash("pk0") > 0 && partition_key_hash("pk1") > 0);
    let d = deaggregate_bytes(
        seq,
        Bytes::from(data.clone()),
        "outer-key",
        (0, 0),
        KplOutOfRange::Drop,
    )
    .unwrap();
    assert_eq!(d.records.len(), 1);
    assert_eq!(d.records[0].sub, 4);
    assert_eq!(d.dropped, vec![0, 1, 2, 3]);

    // Corrupting one byte of the protobuf breaks the MD5: the whole thing is one plain record.
    let mut bad = data.clone();
    bad[10] ^= 0x01;
    let plain = deaggregate(seq, &bad, "outer-key", FULL).unwrap();
    assert_eq!(
        plain,
        vec![(0, "outer-key".to_string(), Bytes::from(bad.clone()))]
    );
    // Too short or no magic: plain.
    assert_eq!(deaggregate(seq, &data[..10], "k", FULL).unwrap().len(), 1);
}

#[test]
fn encoder_matches_the_reference_layout() {
    // Our test encoder reproduces the fixture byte for byte from the same inputs.
    let inputs: Vec<AggInput> = (0..5)
        .map(|i| {
            let r = AggInput::new(
                if i % 2 == 0 { "pk0" } else { "pk1" },
                Bytes::from(format!("user-record-{i}")),
            );
            if i == 4 {
                r.with_explicit_hash_key("0")
            } else {
                r
            }
        })
        .collect();
    assert_eq!(aggregate(&inputs).to_vec(), fixture());
}

/// A partition key whose MD5 hash falls in `range`.
fn key_in(range: (u128, u128), prefix: &str) -> String {
    (0..)
        .map(|i| format!("{prefix}-{i}"))
        .find(|k| {
            let h = partition_key_hash(k);
            h >= range.0 && h <= range.1
        })
        .unwrap()
}

fn row(id: u64) -> Bytes {
    Bytes::from(serde_json::json!({"id": id}).to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregates_mixed_with_plain_records_in_a_live_stream() {
    let e = env("kpl", 2).await;
    let shards = e.source.list_shards().await.unwrap();
    let s0 = shards[0].clone();
    let s1 = shards[1].clone();
    let r0 = s0.hash_range();
    let to_s0 = r0.0.to_string();
    let to_s1 = s1.hash_key_start.to_string();

    let k = |p: &str| key_in(r0, p);
    // Aggregate A: 5 user records; #2 has an explicit hash key owned by shard 1 (kept on shard
    // 0, where the aggregate landed: it exists nowhere else), #3 an explicit one inside shard 0.
    let agg_a = aggregate(&[
        AggInput::new(k("a"), row(100)),
        AggInput::new(k("b"), row(101)),
        AggInput::new(k("c"), row(102)).with_explicit_hash_key(to_s1.clone()),
        AggInput::new(k("d"), row(103)).with_explicit_hash_key(to_s0.clone()),
        AggInput::new(k("a"), row(104)),
    ]);
    let agg_b = aggregate(&[
        AggInput::new(k("e"), row(200)),
        AggInput::new(k("f"), row(201)),
        AggInput::new(k("e"), row(202)),
    ]);
    let mut agg_c = aggregate(&[AggInput::new(k("g"), row(300))]).to_vec();
    let n = agg_c.len();
    agg_c[n - 1] ^= 0xff; // MD5 no longer matches
    let on = |pk: &str, ehk: &str, data: Bytes| PutEntry {
        partition_key: pk.to_string(),
        explicit_hash_key: Some(ehk.to_string()),
        data,
    };
    let entries = vec![
        on("plain-0", &to_s0, row(1)),
        on("agg-a", &to_s0, agg_a),
        on("plain-1", &to_s0, row(2)),
        on("agg-b", &to_s0, agg_b),
        on("agg-c", &to_s0, Bytes::from(agg_c.clone())),
        on("plain-2", &to_s1, row(3)),
    ];
    let put = put_records(&e.client, "kpl", &entries).await.unwrap();
    assert!(put[..5].iter().all(|p| p.shard_id == s0.id.0));
    assert_eq!(put[5].shard_id, s1.id.0);
    let seq = |i: usize| put[i].sequence_number;

    let stats = Arc::new(ShardStats::default());
    let mut reader = e
        .source
        .reader(&s0, StartPosition::TrimHorizon, stats.clone());
    let (records, _) = read_until_quiet(&mut reader, 10).await;
    assert_strictly_increasing(&records);
    let got: Vec<(ExtendedSeq, bool)> =
        records.iter().map(|r| (r.position, r.aggregated)).collect();
    let p = |i: usize, sub: u64, agg: bool| (ExtendedSeq::new(seq(i), sub), agg);
    assert_eq!(
        got,
        vec![
            p(0, 0, false),
            p(1, 0, true),
            p(1, 1, true),
            p(1, 2, true),
            p(1, 3, true),
            p(1, 4, true),
            p(2, 0, false),
            p(3, 0, true),
            p(3, 1, true),
            p(3, 2, true),
            p(4, 0, false),
        ]
    );
    let ids: Vec<Option<u64>> = records
        .iter()
        .map(|r| {
            serde_json::from_slice::<serde_json::Value>(&r.data)
                .ok()
                .and_then(|v| v["id"].as_u64())
        })
        .collect();
    assert_eq!(
        ids,
        vec![
            Some(1),
            Some(100),
            Some(101),
            Some(102),
            Some(103),
            Some(104),
            Some(2),
            Some(200),
            Some(201),
            Some(202),
            None
        ]
    );
    // Sub-records carry their own partition keys; plain ones the Kinesis record's.
    assert_eq!(records[1].partition_key, k("a"));
    assert_eq!(records[4].partition_key, k("d"));
    assert_eq!(records[0].partition_key, "plain-0");
    // The corrupted aggregate arrives whole, as plain bytes.
    assert_eq!(records[10].data, Bytes::from(agg_c.clone()));
    assert_eq!(records[10].partition_key, "agg-c");
    let snap = stats.snapshot();
    assert_eq!(snap.kinesis_records, 5);
    assert_eq!(snap.records, 11);
    assert_eq!(snap.subrecords_out_of_range, 1);
    assert_eq!(snap.subrecords_dropped, 0);
    assert_eq!(snap.agg_errors, 0);
    assert_eq!(snap.last_sequence, Some(ExtendedSeq::new(seq(4), 0)));

    // Resuming from checkpoints inside and at the edges of aggregates.
    let resume = |after: ExtendedSeq, want: usize| {
        let source = e.source.clone();
        let s0 = s0.clone();
        async move {
            let mut r = source.reader(
                &s0,
                StartPosition::After(after),
                Arc::new(ShardStats::default()),
            );
            let (records, _) = read_until_quiet(&mut r, want).await;
            records
                .iter()
                .map(|r: &SourceRecord| r.position)
                .collect::<Vec<_>>()
        }
    };
    let all: Vec<ExtendedSeq> = got.iter().map(|g| g.0).collect();
    for (i, checkpoint) in all.iter().enumerate() {
        assert_eq!(
            resume(*checkpoint, all.len() - i - 1).await,
            all[i + 1..].to_vec(),
            "after {checkpoint}"
        );
    }

    // KCL's rule, opted into: A #2 is dropped and counted, the rest is the same.
    let dropping = e.source.clone().with_kpl_out_of_range(KplOutOfRange::Drop);
    let drop_stats = Arc::new(ShardStats::default());
    let mut r = dropping.reader(&s0, StartPosition::TrimHorizon, drop_stats.clone());
    let (kept, _) = read_until_quiet(&mut r, 10).await;
    let kept: Vec<ExtendedSeq> = kept.iter().map(|r| r.position).collect();
    let mut expected = all.clone();
    expected.remove(3);
    assert_eq!(kept, expected);
    let ds = drop_stats.snapshot();
    assert_eq!((ds.subrecords_out_of_range, ds.subrecords_dropped), (1, 1));
    // A checkpoint on the dropped sub-record (A #2) resumes at #3, counting nothing twice.
    let resume_stats = Arc::new(ShardStats::default());
    let mut r = dropping.reader(
        &s0,
        StartPosition::After(ExtendedSeq::new(seq(1), 2)),
        resume_stats.clone(),
    );
    let (rest, _) = read_until_quiet(&mut r, all.len() - 4).await;
    assert_eq!(
        rest.iter().map(|r| r.position).collect::<Vec<_>>(),
        all[4..].to_vec()
    );
    assert_eq!(resume_stats.snapshot().subrecords_dropped, 0);
    // Resuming before it under "keep" counts the out-of-range one once.
    let resume_stats = Arc::new(ShardStats::default());
    let mut r = e.source.reader(
        &s0,
        StartPosition::After(ExtendedSeq::new(seq(1), 1)),
        resume_stats.clone(),
    );
    let _ = read_until_quiet(&mut r, all.len() - 3).await;
    assert_eq!(resume_stats.snapshot().subrecords_out_of_range, 1);

    // Shard 1's reader gets only its plain record; A #2 is not its business either (it lives
    // in a Kinesis record of shard 0).
    let mut r1 = e.source.reader(
        &s1,
        StartPosition::TrimHorizon,
        Arc::new(ShardStats::default()),
    );
    let (records1, _) = read_until_quiet(&mut r1, 1).await;
    assert_eq!(records1.len(), 1);
    assert_eq!(records1[0].position, ExtendedSeq::new(seq(5), 0));
}
