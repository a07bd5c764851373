//! KPL aggregation: de-aggregation for the reader, and an encoder for tests and demos.
//!
//! Layout (awslabs/amazon-kinesis-producer `aggregation-format.md`): the 4 magic bytes
//! `F3 89 9A C2`, a protobuf (proto2) `AggregatedRecord`, then the 16-byte MD5 of the protobuf
//! bytes. De-aggregation follows KCL's `AggregatorUtil`: anything that is not a well-formed
//! aggregate (no magic, too short, MD5 mismatch) is a plain record; every user record inherits the
//! outer sequence number and gets its index as sub-sequence number.
//!
//! Sub-records whose effective hash key (explicit hash key, else MD5 of the partition key as a
//! big-endian u128) lies outside the shard's hash-key range are **kept** by default and counted.
//! KCL drops them, assuming they belong to a sibling shard; they do not: an aggregate lands in
//! exactly one shard (routed by its own partition key), and producers such as the
//! kinesis-aggregation libraries pack sub-records with any partition key into it, so those
//! records exist nowhere else (awslabs/kinesis-aggregation warns "DATA LOSS CAN OCCUR").
//! [`KplOutOfRange::Drop`] is KCL's rule, for users who need it, and every drop is counted.

use bytes::Bytes;
use ks_core::SeqNum;
pub use ks_core::config::KplOutOfRange;
use md5::{Digest, Md5};
use prost::Message;

/// The 4 bytes every KPL aggregate starts with.
pub const KPL_MAGIC: [u8; 4] = [0xF3, 0x89, 0x9A, 0xC2];
const MD5_LEN: usize = 16;

/// `message AggregatedRecord` of the KPL format.
#[derive(Clone, PartialEq, Message)]
pub struct AggregatedRecord {
    #[prost(string, repeated, tag = "1")]
    pub partition_key_table: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    pub explicit_hash_key_table: Vec<String>,
    #[prost(message, repeated, tag = "3")]
    pub records: Vec<KplRecord>,
}

/// `message Record` of the KPL format (one user record inside an aggregate).
#[derive(Clone, PartialEq, Message)]
pub struct KplRecord {
    #[prost(uint64, required, tag = "1")]
    pub partition_key_index: u64,
    #[prost(uint64, optional, tag = "2")]
    pub explicit_hash_key_index: Option<u64>,
    #[prost(bytes = "bytes", required, tag = "3")]
    pub data: Bytes,
    #[prost(message, repeated, tag = "4")]
    pub tags: Vec<KplTag>,
}

/// `message Tag` of the KPL format (carried, never used by consumers).
#[derive(Clone, PartialEq, Message)]
pub struct KplTag {
    #[prost(string, required, tag = "1")]
    pub key: String,
    #[prost(string, optional, tag = "2")]
    pub value: Option<String>,
}

/// A KPL aggregate that passed the magic and MD5 checks but could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AggError {
    #[error("KPL aggregate in record {seq}: protobuf does not decode: {message}")]
    Protobuf { seq: SeqNum, message: String },
    #[error(
        "KPL aggregate in record {seq}: user record {sub} points at {table} entry {index}, but the table has {len}"
    )]
    BadIndex {
        seq: SeqNum,
        sub: u64,
        table: &'static str,
        index: u64,
        len: usize,
    },
    #[error(
        "KPL aggregate in record {seq}: user record {sub} has explicit hash key {key:?}, not a 128-bit decimal"
    )]
    BadExplicitHashKey { seq: SeqNum, sub: u64, key: String },
}

/// One user record taken out of a Kinesis record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Sub-sequence number: the index inside the aggregate (0 for a plain record).
    pub sub: u64,
    pub partition_key: String,
    pub explicit_hash_key: Option<u128>,
    pub data: Bytes,
    /// Its hash key lies outside the shard's range (kept under [`KplOutOfRange::Keep`]).
    pub out_of_range: bool,
}

/// The outcome of de-aggregating one Kinesis record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Deaggregated {
    /// True when the record was a well-formed KPL aggregate.
    pub aggregated: bool,
    /// The user records kept, in sub-sequence order.
    pub records: Vec<UserRecord>,
    /// User records whose hash key is outside the shard's range (kept or dropped, by policy).
    pub out_of_range: u64,
    /// Of those, the sub-sequence numbers dropped ([`KplOutOfRange::Drop`]); empty under `Keep`.
    pub dropped: Vec<u64>,
}

/// The hash key Kinesis routes a partition key to: MD5 of its UTF-8 bytes as a big-endian u128.
pub fn partition_key_hash(partition_key: &str) -> u128 {
    let digest = Md5::digest(partition_key.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest);
    u128::from_be_bytes(bytes)
}

/// True when `data` starts with the KPL magic (it may still fail the MD5 check).
pub fn has_kpl_magic(data: &[u8]) -> bool {
    data.len() >= KPL_MAGIC.len() + MD5_LEN && data[..KPL_MAGIC.len()] == KPL_MAGIC
}

/// De-aggregates one Kinesis record without copying payloads (user records are slices of `data`).
///
/// Not an aggregate (no magic, too short, bad MD5) → one plain record with sub-sequence 0 and the
/// outer partition key, as KCL does. A well-formed aggregate whose protobuf does not decode is an
/// [`AggError`]; the reader then passes the bytes on as a plain record and counts it.
/// Sub-records outside `shard_hash_range` are counted, and kept or dropped by `out_of_range`.
pub fn deaggregate_bytes(
    record_seq: SeqNum,
    data: Bytes,
    partition_key: &str,
    shard_hash_range: (u128, u128),
    out_of_range: KplOutOfRange,
) -> Result<Deaggregated, AggError> {
    if !is_valid_aggregate(&data) {
        return Ok(Deaggregated {
            aggregated: false,
            records: vec![UserRecord {
                sub: 0,
                partition_key: partition_key.to_string(),
                explicit_hash_key: None,
                data,
                out_of_range: false,
            }],
            out_of_range: 0,
            dropped: Vec::new(),
        });
    }
    let body = data.slice(KPL_MAGIC.len()..data.len() - MD5_LEN);
    let agg = AggregatedRecord::decode(body).map_err(|e| AggError::Protobuf {
        seq: record_seq,
        message: e.to_string(),
    })?;
    let (lo, hi) = shard_hash_range;
    let mut out = Deaggregated {
        aggregated: true,
        records: Vec::with_capacity(agg.records.len()),
        out_of_range: 0,
        dropped: Vec::new(),
    };
    for (i, r) in agg.records.into_iter().enumerate() {
        let sub = i as u64;
        let pk = agg
            .partition_key_table
            .get(r.partition_key_index as usize)
            .ok_or(AggError::BadIndex {
                seq: record_seq,
                sub,
                table: "partition_key_table",
                index: r.partition_key_index,
                len: agg.partition_key_table.len(),
            })?;
        let ehk = match r.explicit_hash_key_index {
            None => None,
            Some(ix) => {
                let text =
                    agg.explicit_hash_key_table
                        .get(ix as usize)
                        .ok_or(AggError::BadIndex {
                            seq: record_seq,
                            sub,
                            table: "explicit_hash_key_table",
                            index: ix,
                            len: agg.explicit_hash_key_table.len(),
                        })?;
                Some(
                    text.trim()
                        .parse::<u128>()
                        .map_err(|_| AggError::BadExplicitHashKey {
                            seq: record_seq,
                            sub,
                            key: text.clone(),
                        })?,
                )
            }
        };
        let hash = ehk.unwrap_or_else(|| partition_key_hash(pk));
        let outside = hash < lo || hash > hi;
        if outside {
            out.out_of_range += 1;
            if out_of_range == KplOutOfRange::Drop {
                out.dropped.push(sub);
                continue;
            }
        }
        out.records.push(UserRecord {
            sub,
            partition_key: pk.clone(),
            explicit_hash_key: ehk,
            data: r.data,
            out_of_range: outside,
        });
    }
    Ok(out)
}

/// De-aggregates one Kinesis record: `(sub-sequence number, partition key, data)` per user record,
/// every well-formed one kept. See [`deaggregate_bytes`] (which also counts the out-of-range ones
/// and can drop them).
pub fn deaggregate(
    record_seq: SeqNum,
    data: &[u8],
    partition_key: &str,
    shard_hash_range: (u128, u128),
) -> Result<Vec<(u64, String, Bytes)>, AggError> {
    let d = deaggregate_bytes(
        record_seq,
        Bytes::copy_from_slice(data),
        partition_key,
        shard_hash_range,
        KplOutOfRange::Keep,
    )?;
    Ok(d.records
        .into_iter()
        .map(|r| (r.sub, r.partition_key, r.data))
        .collect())
}

fn is_valid_aggregate(data: &[u8]) -> bool {
    if !has_kpl_magic(data) {
        return false;
    }
    let body = &data[KPL_MAGIC.len()..data.len() - MD5_LEN];
    let trailer = &data[data.len() - MD5_LEN..];
    Md5::digest(body).as_slice() == trailer
}

/// One user record to put into an aggregate with [`aggregate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggInput {
    pub partition_key: String,
    /// Decimal 128-bit explicit hash key, if any.
    pub explicit_hash_key: Option<String>,
    pub data: Bytes,
}

impl AggInput {
    pub fn new(partition_key: impl Into<String>, data: impl Into<Bytes>) -> AggInput {
        AggInput {
            partition_key: partition_key.into(),
            explicit_hash_key: None,
            data: data.into(),
        }
    }

    pub fn with_explicit_hash_key(mut self, key: impl Into<String>) -> AggInput {
        self.explicit_hash_key = Some(key.into());
        self
    }
}

/// Encodes user records as one KPL aggregate (magic + protobuf + MD5), sharing table entries the
/// way the KPL does. For tests and demos; the consumer never aggregates.
pub fn aggregate(records: &[AggInput]) -> Bytes {
    let mut agg = AggregatedRecord::default();
    for r in records {
        let pk_ix = table_index(&mut agg.partition_key_table, &r.partition_key);
        let ehk_ix = r
            .explicit_hash_key
            .as_ref()
            .map(|k| table_index(&mut agg.explicit_hash_key_table, k));
        agg.records.push(KplRecord {
            partition_key_index: pk_ix,
            explicit_hash_key_index: ehk_ix,
            data: r.data.clone(),
            tags: Vec::new(),
        });
    }
    let body = agg.encode_to_vec();
    let mut out = Vec::with_capacity(KPL_MAGIC.len() + body.len() + MD5_LEN);
    out.extend_from_slice(&KPL_MAGIC);
    out.extend_from_slice(&body);
    out.extend_from_slice(&Md5::digest(&body));
    Bytes::from(out)
}

fn table_index(table: &mut Vec<String>, key: &str) -> u64 {
    match table.iter().position(|k| k == key) {
        Some(i) => i as u64,
        None => {
            table.push(key.to_string());
            (table.len() - 1) as u64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: (u128, u128) = (0, u128::MAX);

    #[test]
    fn plain_bytes_are_one_record() {
        let d = deaggregate_bytes(
            SeqNum::from(7u128),
            Bytes::from_static(b"{\"a\":1}"),
            "pk",
            FULL,
            KplOutOfRange::Keep,
        )
        .unwrap();
        assert!(!d.aggregated);
        assert_eq!(d.records.len(), 1);
        assert_eq!(d.records[0].sub, 0);
        assert_eq!(d.records[0].partition_key, "pk");
    }

    #[test]
    fn round_trip_out_of_range_kept_or_dropped() {
        let agg = aggregate(&[
            AggInput::new("a", &b"one"[..]),
            AggInput::new("b", &b"two"[..]).with_explicit_hash_key("5"),
            AggInput::new("a", &b"three"[..]),
        ]);
        let all = deaggregate(SeqNum::from(1u128), &agg, "outer", FULL).unwrap();
        assert_eq!(
            all,
            vec![
                (0, "a".to_string(), Bytes::from_static(b"one")),
                (1, "b".to_string(), Bytes::from_static(b"two")),
                (2, "a".to_string(), Bytes::from_static(b"three")),
            ]
        );
        // Only hash key 5 is inside [0, 10]: the other two are counted and kept by default…
        let d = deaggregate_bytes(
            SeqNum::from(1u128),
            agg.clone(),
            "outer",
            (0, 10),
            KplOutOfRange::Keep,
        )
        .unwrap();
        assert_eq!(d.records.len(), 3);
        assert_eq!((d.out_of_range, d.dropped.len()), (2, 0));
        let flags: Vec<bool> = d.records.iter().map(|r| r.out_of_range).collect();
        assert_eq!(flags, [true, false, true]);
        // …and dropped (counted) under KCL's rule.
        let d = deaggregate_bytes(
            SeqNum::from(1u128),
            agg.clone(),
            "outer",
            (0, 10),
            KplOutOfRange::Drop,
        )
        .unwrap();
        assert_eq!(d.records.len(), 1);
        assert_eq!(d.records[0].sub, 1);
        assert_eq!((d.out_of_range, d.dropped), (2, vec![0, 2]));
    }

    #[test]
    fn bad_md5_is_a_plain_record() {
        let mut agg = aggregate(&[AggInput::new("a", &b"one"[..])]).to_vec();
        let n = agg.len();
        agg[n - 1] ^= 0xff;
        let d = deaggregate_bytes(
            SeqNum::from(1u128),
            Bytes::from(agg.clone()),
            "outer",
            FULL,
            KplOutOfRange::Keep,
        )
        .unwrap();
        assert!(!d.aggregated);
        assert_eq!(d.records[0].data, Bytes::from(agg));
        assert_eq!(d.records[0].partition_key, "outer");
    }

    #[test]
    fn bad_protobuf_with_good_md5_is_an_error() {
        let body = [0xffu8, 0xff, 0xff];
        let mut data = KPL_MAGIC.to_vec();
        data.extend_from_slice(&body);
        data.extend_from_slice(&Md5::digest(body));
        assert!(matches!(
            deaggregate(SeqNum::from(9u128), &data, "pk", FULL),
            Err(AggError::Protobuf { .. })
        ));
    }

    #[test]
    fn md5_hash_key_is_big_endian() {
        // MD5("") = d41d8cd98f00b204e9800998ecf8427e
        assert_eq!(
            partition_key_hash(""),
            0xd41d8cd98f00b204e9800998ecf8427e_u128
        );
    }
}
