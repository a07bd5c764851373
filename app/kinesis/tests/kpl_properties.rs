//! Property-based tests of KPL de-aggregation, which faces whatever producers put in a stream.
//!
//! Invariants: never a panic; bytes that are not a well-formed aggregate come out whole as one
//! plain record; an aggregate gives back every user record in order under "keep", with the ones
//! outside the shard's range counted; "drop" removes exactly those and names them.

use bytes::Bytes;
use ks_core::SeqNum;
use ks_kinesis::kpl::{
    AggInput, KPL_MAGIC, KplOutOfRange, aggregate, deaggregate_bytes, partition_key_hash,
};
use md5::{Digest, Md5};
use proptest::prelude::*;

fn range() -> impl Strategy<Value = (u128, u128)> {
    (any::<u128>(), any::<u128>()).prop_map(|(a, b)| (a.min(b), a.max(b)))
}

fn inputs() -> impl Strategy<Value = Vec<AggInput>> {
    proptest::collection::vec(
        (
            "[ -~]{0,24}",
            proptest::option::of(any::<u128>()),
            proptest::collection::vec(any::<u8>(), 0..64),
        )
            .prop_map(|(pk, ehk, data)| {
                let input = AggInput::new(pk, Bytes::from(data));
                match ehk {
                    Some(h) => input.with_explicit_hash_key(h.to_string()),
                    None => input,
                }
            }),
        1..40,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_bytes_never_panic(
        data in proptest::collection::vec(any::<u8>(), 0..300),
        magic in any::<bool>(),
        wrap in any::<bool>(),
        r in range(),
        drop in any::<bool>(),
    ) {
        // Random bytes, with the magic in front and (sometimes) a valid MD5 trailer, so the
        // protobuf decoder sees garbage too.
        let mut bytes = Vec::new();
        if magic {
            bytes.extend_from_slice(&KPL_MAGIC);
        }
        bytes.extend_from_slice(&data);
        if magic && wrap {
            bytes.extend_from_slice(&Md5::digest(&data));
        }
        let policy = if drop { KplOutOfRange::Drop } else { KplOutOfRange::Keep };
        match deaggregate_bytes(SeqNum::from(7u128), Bytes::from(bytes.clone()), "outer", r, policy) {
            Ok(d) if !d.aggregated => {
                prop_assert_eq!(d.records.len(), 1);
                prop_assert_eq!(&d.records[0].data[..], &bytes[..]);
                prop_assert_eq!(d.records[0].partition_key.as_str(), "outer");
            }
            Ok(d) => {
                prop_assert_eq!(d.records.len() as u64 + d.dropped.len() as u64 >= d.out_of_range, true);
            }
            Err(e) => prop_assert!(e.to_string().contains("KPL aggregate in record 7")),
        }
    }

    #[test]
    fn aggregates_give_back_every_record_and_count_the_ones_outside(
        inputs in inputs(),
        r in range(),
    ) {
        let agg = aggregate(&inputs);
        let hash = |i: &AggInput| {
            i.explicit_hash_key
                .as_ref()
                .map(|h| h.parse::<u128>().unwrap())
                .unwrap_or_else(|| partition_key_hash(&i.partition_key))
        };
        let outside: Vec<u64> = inputs
            .iter()
            .enumerate()
            .filter(|(_, i)| !(r.0..=r.1).contains(&hash(i)))
            .map(|(n, _)| n as u64)
            .collect();

        let kept = deaggregate_bytes(SeqNum::from(1u128), agg.clone(), "outer", r, KplOutOfRange::Keep).unwrap();
        prop_assert!(kept.aggregated);
        prop_assert_eq!(kept.records.len(), inputs.len());
        for (n, (rec, input)) in kept.records.iter().zip(&inputs).enumerate() {
            prop_assert_eq!(rec.sub, n as u64);
            prop_assert_eq!(&rec.partition_key, &input.partition_key);
            prop_assert_eq!(&rec.data, &input.data);
            prop_assert_eq!(rec.out_of_range, outside.contains(&(n as u64)));
        }
        prop_assert_eq!(kept.out_of_range, outside.len() as u64);
        prop_assert!(kept.dropped.is_empty());

        let dropped = deaggregate_bytes(SeqNum::from(1u128), agg, "outer", r, KplOutOfRange::Drop).unwrap();
        prop_assert_eq!(&dropped.dropped, &outside);
        prop_assert_eq!(dropped.records.len() + outside.len(), inputs.len());
        prop_assert!(dropped.records.iter().all(|rec| !outside.contains(&rec.sub)));
    }
}
