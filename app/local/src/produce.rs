//! Producers: PutRecords with retries, JSON records, and KPL aggregates as the aggregation
//! libraries and the KPL itself pack them.

use crate::kinesis::{LocalError, sdk_err};
use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::PutRecordsRequestEntry;
use bytes::Bytes;
use ks_core::SeqNum;
use ks_kinesis::kpl;
use std::time::Duration;

/// One record to put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutEntry {
    pub partition_key: String,
    pub explicit_hash_key: Option<String>,
    pub data: Bytes,
}

impl PutEntry {
    pub fn new(partition_key: impl Into<String>, data: impl Into<Bytes>) -> PutEntry {
        PutEntry {
            partition_key: partition_key.into(),
            explicit_hash_key: None,
            data: data.into(),
        }
    }
}

/// Where one put record landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutResult {
    pub shard_id: String,
    pub sequence_number: SeqNum,
}

const MAX_BATCH_RECORDS: usize = 500;
const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Puts records with PutRecords (≤ 500 per call), retrying the entries that failed (throttling)
/// with back-off. Results come back in input order.
pub async fn put_records(
    client: &Client,
    stream: &str,
    entries: &[PutEntry],
) -> Result<Vec<PutResult>, LocalError> {
    let mut results: Vec<Option<PutResult>> = vec![None; entries.len()];
    let mut start = 0;
    while start < entries.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < entries.len() && end - start < MAX_BATCH_RECORDS {
            let size = entries[end].data.len() + entries[end].partition_key.len();
            if end > start && bytes + size > MAX_BATCH_BYTES {
                break;
            }
            bytes += size;
            end += 1;
        }
        let mut pending: Vec<usize> = (start..end).collect();
        let mut delay = Duration::from_millis(50);
        let mut rounds = 0;
        while !pending.is_empty() {
            rounds += 1;
            if rounds > 50 {
                return Err(LocalError(format!(
                    "PutRecords into {stream}: {} entries still failing after 50 rounds",
                    pending.len()
                )));
            }
            let reqs = pending
                .iter()
                .map(|&i| {
                    let e = &entries[i];
                    PutRecordsRequestEntry::builder()
                        .partition_key(&e.partition_key)
                        .set_explicit_hash_key(e.explicit_hash_key.clone())
                        .data(Blob::new(e.data.to_vec()))
                        .build()
                        .map_err(|err| LocalError(format!("PutRecords entry {i}: {err}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let out = client
                .put_records()
                .stream_name(stream)
                .set_records(Some(reqs))
                .send()
                .await
                .map_err(|e| sdk_err("PutRecords", e))?;
            let mut failed = Vec::new();
            for (&i, r) in pending.iter().zip(out.records) {
                match (r.shard_id, r.sequence_number, r.error_code) {
                    (Some(shard_id), Some(seq), None) => {
                        let sequence_number = SeqNum::parse(&seq).map_err(|_| {
                            LocalError(format!("PutRecords returned sequence number {seq:?}"))
                        })?;
                        results[i] = Some(PutResult {
                            shard_id,
                            sequence_number,
                        });
                    }
                    _ => failed.push(i),
                }
            }
            if !failed.is_empty() {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(1));
            }
            pending = failed;
        }
        start = end;
    }
    Ok(results
        .into_iter()
        .map(|r| r.expect("every entry put"))
        .collect())
}

/// Puts JSON records (one Kinesis record each). Record `i` gets `partition_keys[i % len]`
/// (give one key per record, or a few to cycle through).
pub async fn put_json_records(
    client: &Client,
    stream: &str,
    records: &[serde_json::Value],
    partition_keys: &[String],
) -> Result<Vec<PutResult>, LocalError> {
    if partition_keys.is_empty() {
        return Err(LocalError("put_json_records: no partition keys".into()));
    }
    let entries: Vec<PutEntry> = records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            PutEntry::new(
                partition_keys[i % partition_keys.len()].clone(),
                Bytes::from(r.to_string()),
            )
        })
        .collect();
    put_records(client, stream, &entries).await
}

/// Puts JSON records packed `per_aggregate` at a time into KPL aggregates, as `packing` says.
/// Returns where each aggregate landed.
pub async fn put_aggregates(
    client: &Client,
    stream: &str,
    records: &[serde_json::Value],
    partition_keys: &[String],
    per_aggregate: usize,
    packing: Packing,
) -> Result<Vec<PutResult>, LocalError> {
    let aggregates = Aggregates::new(records, partition_keys, per_aggregate, packing)?;
    aggregates.put(client, stream).await
}

/// How user records are packed into KPL aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// The way the kinesis-aggregation libraries (Python `aws-kinesis-agg`, Node, Java — the
    /// usual choice in Lambda producers) pack: in the order given, each user record with its own
    /// partition key, each aggregate put with its first record's partition key. On a stream of
    /// several shards most user records then hash outside the shard their aggregate lands in.
    Library,
    /// The way the KPL itself aggregates: grouped by the open shard their partition key hashes
    /// into, each aggregate put with its first record's explicit hash key, so every sub-record
    /// lies inside the shard it lands in.
    ShardAligned,
}

/// User records with their partition keys, to be put `per_aggregate` to a KPL aggregate.
struct Aggregates<'a> {
    pairs: Vec<(String, &'a serde_json::Value)>,
    per_aggregate: usize,
    packing: Packing,
}

impl<'a> Aggregates<'a> {
    /// Needs one partition key per record and at least one record per aggregate.
    fn new(
        records: &'a [serde_json::Value],
        partition_keys: &[String],
        per_aggregate: usize,
        packing: Packing,
    ) -> Result<Self, LocalError> {
        if partition_keys.len() != records.len() || per_aggregate == 0 {
            let caller = match packing {
                Packing::Library => "put_library_aggregates",
                Packing::ShardAligned => "put_shard_aligned_aggregates",
            };
            return Err(LocalError(format!(
                "{caller}: one partition key per record, per_aggregate ≥ 1"
            )));
        }
        Ok(Aggregates {
            pairs: partition_keys.iter().cloned().zip(records).collect(),
            per_aggregate,
            packing,
        })
    }

    async fn put(self, client: &Client, stream: &str) -> Result<Vec<PutResult>, LocalError> {
        let entries = match self.packing {
            Packing::Library => self
                .pairs
                .chunks(self.per_aggregate)
                .map(aggregate_entry)
                .collect(),
            Packing::ShardAligned => self.shard_aligned_entries(client, stream).await?,
        };
        put_records(client, stream, &entries).await
    }

    async fn shard_aligned_entries(
        self,
        client: &Client,
        stream: &str,
    ) -> Result<Vec<PutEntry>, LocalError> {
        let open: Vec<(u128, u128)> = crate::kinesis::open_shards(client, stream)
            .await?
            .into_iter()
            .map(|(lo, hi, _)| (lo, hi))
            .collect();
        let mut groups: Vec<Vec<(String, &serde_json::Value)>> = vec![Vec::new(); open.len()];
        for (k, r) in self.pairs {
            let h = kpl::partition_key_hash(&k);
            let g = open
                .iter()
                .position(|(lo, hi)| h >= *lo && h <= *hi)
                .ok_or_else(|| LocalError(format!("no open shard owns the hash of key {k:?}")))?;
            groups[g].push((k, r));
        }
        let mut entries = Vec::new();
        for group in &groups {
            for chunk in group.chunks(self.per_aggregate) {
                let mut entry = aggregate_entry(chunk);
                entry.explicit_hash_key = Some(kpl::partition_key_hash(&chunk[0].0).to_string());
                entries.push(entry);
            }
        }
        Ok(entries)
    }
}

/// One KPL aggregate of `(partition key, record)` pairs, put with its first key.
fn aggregate_entry(chunk: &[(String, &serde_json::Value)]) -> PutEntry {
    let inputs: Vec<kpl::AggInput> = chunk
        .iter()
        .map(|(k, r)| kpl::AggInput::new(k.clone(), Bytes::from(r.to_string())))
        .collect();
    PutEntry::new(chunk[0].0.clone(), kpl::aggregate(&inputs))
}
