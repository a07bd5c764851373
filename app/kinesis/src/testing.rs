//! ferrokinesis embedded in the current process, and producer helpers. Used by this crate's
//! tests, the engine's and the app's end-to-end tests, and the local demo.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ks_kinesis::testing::{EmbeddedKinesis, create_stream, put_json_records};
//! let (url, kinesis) = EmbeddedKinesis::start(EmbeddedKinesis::options()).await?;
//! let client = kinesis.client().await;
//! create_stream(&client, "stock", 2).await?;
//! let rows = vec![serde_json::json!({"id": 1, "ticker": "AMZN"})];
//! put_json_records(&client, "stock", &rows, &["AMZN".to_string()]).await?;
//! # let _ = url; Ok(()) }
//! ```

use crate::source::{ConnectOptions, KinesisSource};
use aws_config::BehaviorVersion;
use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::config::{Credentials, Region};
use aws_sdk_kinesis::error::DisplayErrorContext;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::{PutRecordsRequestEntry, StreamStatus};
use aws_smithy_types::timeout::TimeoutConfig;
use bytes::Bytes;
use ks_core::config::ReaderKind;
use ks_core::{InitialPosition, SeqNum, SourceConfig};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub use ferrokinesis::store::{Store, StoreOptions};

/// The region the embedded emulator reports.
pub const TEST_REGION: &str = "us-east-1";

/// A helper failed (the message carries the SDK's full error context).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TestingError(pub String);

fn sdk_err<E: std::error::Error + 'static, R: std::fmt::Debug>(
    what: &str,
    e: aws_sdk_kinesis::error::SdkError<E, R>,
) -> TestingError {
    TestingError(format!("{what}: {}", DisplayErrorContext(&e)))
}

/// ferrokinesis served on a loopback port by a task of the current tokio runtime. Dropping the
/// handle stops the server.
pub struct EmbeddedKinesis {
    endpoint_url: String,
    addr: SocketAddr,
    store: Store,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for EmbeddedKinesis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedKinesis")
            .field("endpoint_url", &self.endpoint_url)
            .finish()
    }
}

impl Drop for EmbeddedKinesis {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl EmbeddedKinesis {
    /// Options for tests: streams become ACTIVE at once, 100 shards allowed, 5-minute iterators.
    pub fn options() -> StoreOptions {
        StoreOptions {
            create_stream_ms: 0,
            delete_stream_ms: 0,
            update_stream_ms: 0,
            shard_limit: 100,
            ..Default::default()
        }
    }

    /// Starts on `127.0.0.1:0`; returns the endpoint URL (`http://127.0.0.1:PORT`) and the handle.
    pub async fn start(opts: StoreOptions) -> std::io::Result<(String, EmbeddedKinesis)> {
        let k = Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), opts).await?;
        Ok((k.endpoint_url.clone(), k))
    }

    /// Starts on a given address (the local demo uses a fixed port).
    pub async fn start_on(
        addr: SocketAddr,
        opts: StoreOptions,
    ) -> std::io::Result<EmbeddedKinesis> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (app, store) = ferrokinesis::create_app(opts);
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("embedded Kinesis stopped: {e}");
            }
        });
        Ok(EmbeddedKinesis {
            endpoint_url: format!("http://{addr}"),
            addr,
            store,
            task,
        })
    }

    pub fn endpoint_url(&self) -> &str {
        &self.endpoint_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The emulator's store (for assertions that bypass the API).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// An SDK client on this emulator (static credentials, us-east-1, 10 s operation timeout).
    pub async fn client(&self) -> Client {
        Client::new(&sdk_config(&self.endpoint_url).await)
    }

    /// A source config for `stream` on this emulator (TRIM_HORIZON, 10 s operation timeout).
    pub fn source_config(&self, stream: &str) -> SourceConfig {
        SourceConfig {
            stream_name: stream.to_string(),
            stream_arn: None,
            region: Some(TEST_REGION.to_string()),
            profile: None,
            endpoint_url: Some(self.endpoint_url.clone()),
            initial_position: InitialPosition::TrimHorizon,
            initial_timestamp: None,
            reader: ReaderKind::Polling,
            read_limits: Default::default(),
            kpl_out_of_range: Default::default(),
            operation_timeout_ms: 10_000,
            discovery_interval_ms: 1_000,
        }
    }

    /// A [`KinesisSource`] on this emulator with static credentials.
    pub async fn source(&self, stream: &str) -> KinesisSource {
        KinesisSource::connect_with(
            &self.source_config(stream),
            ConnectOptions {
                credentials: Some(test_credentials()),
                ..Default::default()
            },
        )
        .await
        .expect("a source config with a region")
    }
}

/// Credentials any emulator accepts.
pub fn test_credentials() -> Credentials {
    Credentials::new("AKIDTEST", "test-secret", None, None, "ks-kinesis-testing")
}

/// An `SdkConfig` for an emulator at `endpoint_url`: static credentials, us-east-1, and a 10 s
/// operation timeout.
pub async fn sdk_config(endpoint_url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(TEST_REGION))
        .endpoint_url(endpoint_url)
        .credentials_provider(test_credentials())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(5))
                .build(),
        )
        .load()
        .await
}

/// Creates a provisioned stream with `shards` shards and waits until it is ACTIVE.
pub async fn create_stream(client: &Client, stream: &str, shards: i32) -> Result<(), TestingError> {
    client
        .create_stream()
        .stream_name(stream)
        .shard_count(shards)
        .send()
        .await
        .map_err(|e| sdk_err("CreateStream", e))?;
    wait_active(client, stream).await
}

/// Waits (up to 30 s) until the stream is ACTIVE.
pub async fn wait_active(client: &Client, stream: &str) -> Result<(), TestingError> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = client
            .describe_stream_summary()
            .stream_name(stream)
            .send()
            .await
            .map_err(|e| sdk_err("DescribeStreamSummary", e))?;
        let status = out
            .stream_description_summary
            .map(|d| d.stream_status)
            .unwrap_or(StreamStatus::Creating);
        if status == StreamStatus::Active {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(TestingError(format!(
                "stream {stream} still {status:?} after 30 s"
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Splits `shard` at `new_starting_hash_key` and waits until the stream is ACTIVE again.
pub async fn split_shard(
    client: &Client,
    stream: &str,
    shard: &str,
    new_starting_hash_key: u128,
) -> Result<(), TestingError> {
    client
        .split_shard()
        .stream_name(stream)
        .shard_to_split(shard)
        .new_starting_hash_key(new_starting_hash_key.to_string())
        .send()
        .await
        .map_err(|e| sdk_err("SplitShard", e))?;
    wait_active(client, stream).await
}

/// Merges two adjacent shards and waits until the stream is ACTIVE again.
pub async fn merge_shards(
    client: &Client,
    stream: &str,
    shard: &str,
    adjacent: &str,
) -> Result<(), TestingError> {
    client
        .merge_shards()
        .stream_name(stream)
        .shard_to_merge(shard)
        .adjacent_shard_to_merge(adjacent)
        .send()
        .await
        .map_err(|e| sdk_err("MergeShards", e))?;
    wait_active(client, stream).await
}

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
) -> Result<Vec<PutResult>, TestingError> {
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
                return Err(TestingError(format!(
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
                        .map_err(|err| TestingError(format!("PutRecords entry {i}: {err}")))
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
                            TestingError(format!("PutRecords returned sequence number {seq:?}"))
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
) -> Result<Vec<PutResult>, TestingError> {
    if partition_keys.is_empty() {
        return Err(TestingError("put_json_records: no partition keys".into()));
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

/// Puts JSON records the way the kinesis-aggregation libraries (Python `aws-kinesis-agg`, Node,
/// Java — the usual choice in Lambda producers) do: user records, each with its own partition
/// key, packed `per_aggregate` at a time into KPL aggregates, and each aggregate put with the
/// partition key of its first user record. On a stream of several shards most user records then
/// hash outside the shard their aggregate lands in. Returns where each aggregate landed.
pub async fn put_library_aggregates(
    client: &Client,
    stream: &str,
    records: &[serde_json::Value],
    partition_keys: &[String],
    per_aggregate: usize,
) -> Result<Vec<PutResult>, TestingError> {
    if partition_keys.len() != records.len() || per_aggregate == 0 {
        return Err(TestingError(
            "put_library_aggregates: one partition key per record, per_aggregate ≥ 1".into(),
        ));
    }
    let pairs: Vec<(String, &serde_json::Value)> =
        partition_keys.iter().cloned().zip(records).collect();
    let entries: Vec<PutEntry> = pairs.chunks(per_aggregate).map(aggregate_entry).collect();
    put_records(client, stream, &entries).await
}

/// One KPL aggregate of `(partition key, record)` pairs, put with its first key.
fn aggregate_entry(chunk: &[(String, &serde_json::Value)]) -> PutEntry {
    let inputs: Vec<crate::kpl::AggInput> = chunk
        .iter()
        .map(|(k, r)| crate::kpl::AggInput::new(k.clone(), Bytes::from(r.to_string())))
        .collect();
    PutEntry::new(chunk[0].0.clone(), crate::kpl::aggregate(&inputs))
}

/// Puts JSON records the way the KPL itself aggregates: user records are grouped by the open
/// shard their partition key hashes into, and each aggregate is put with the explicit hash key of
/// its first user record, so every sub-record lies inside the shard it lands in.
pub async fn put_shard_aligned_aggregates(
    client: &Client,
    stream: &str,
    records: &[serde_json::Value],
    partition_keys: &[String],
    per_aggregate: usize,
) -> Result<Vec<PutResult>, TestingError> {
    if partition_keys.len() != records.len() || per_aggregate == 0 {
        return Err(TestingError(
            "put_shard_aligned_aggregates: one partition key per record, per_aggregate ≥ 1".into(),
        ));
    }
    let shards = client
        .list_shards()
        .stream_name(stream)
        .send()
        .await
        .map_err(|e| sdk_err("ListShards", e))?
        .shards
        .unwrap_or_default();
    let open: Vec<(u128, u128)> = shards
        .iter()
        .filter(|s| {
            s.sequence_number_range
                .as_ref()
                .is_some_and(|r| r.ending_sequence_number.is_none())
        })
        .filter_map(|s| {
            let r = s.hash_key_range.as_ref()?;
            Some((
                r.starting_hash_key.parse().ok()?,
                r.ending_hash_key.parse().ok()?,
            ))
        })
        .collect();
    let mut groups: Vec<Vec<(String, &serde_json::Value)>> = vec![Vec::new(); open.len()];
    for (r, k) in records.iter().zip(partition_keys) {
        let h = crate::kpl::partition_key_hash(k);
        let g = open
            .iter()
            .position(|(lo, hi)| h >= *lo && h <= *hi)
            .ok_or_else(|| TestingError(format!("no open shard owns the hash of key {k:?}")))?;
        groups[g].push((k.clone(), r));
    }
    let mut entries = Vec::new();
    for group in &groups {
        for chunk in group.chunks(per_aggregate) {
            let mut entry = aggregate_entry(chunk);
            entry.explicit_hash_key = Some(crate::kpl::partition_key_hash(&chunk[0].0).to_string());
            entries.push(entry);
        }
    }
    put_records(client, stream, &entries).await
}

/// A loopback HTTP/1.1 proxy in front of a Kinesis endpoint that counts ListShards and GetRecords
/// calls and, while [`throttle`](Self::throttle) is on, answers every other GetRecords with
/// `ProvisionedThroughputExceededException` instead of forwarding it (ferrokinesis never
/// throttles reads). For tests and benchmarks.
pub struct KinesisProxy {
    /// `http://127.0.0.1:PORT`: use it as the endpoint URL.
    pub url: String,
    pub counts: std::sync::Arc<ProxyCounts>,
    task: tokio::task::JoinHandle<()>,
}

/// What a [`KinesisProxy`] saw.
#[derive(Debug, Default)]
pub struct ProxyCounts {
    pub list_shards: std::sync::atomic::AtomicU64,
    pub get_records: std::sync::atomic::AtomicU64,
    pub throttled: std::sync::atomic::AtomicU64,
    /// While true, every other GetRecords is throttled.
    pub throttle: std::sync::atomic::AtomicBool,
}

impl KinesisProxy {
    pub async fn start(upstream: SocketAddr) -> std::io::Result<KinesisProxy> {
        use std::sync::atomic::Ordering::Relaxed;
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let counts = std::sync::Arc::new(ProxyCounts::default());
        let shared = counts.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let counts = shared.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    while let Some(request) = read_http_message(&mut client).await {
                        let has = |n: &[u8]| request.windows(n.len()).any(|w| w == n);
                        if has(b"Kinesis_20131202.ListShards") {
                            counts.list_shards.fetch_add(1, Relaxed);
                        }
                        if has(b"Kinesis_20131202.GetRecords") {
                            let n = counts.get_records.fetch_add(1, Relaxed);
                            if counts.throttle.load(Relaxed) && n.is_multiple_of(2) {
                                counts.throttled.fetch_add(1, Relaxed);
                                let body = r#"{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded for shard (throttled by the test proxy)."}"#;
                                let answer = format!(
                                    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
                                    body.len()
                                );
                                if client.write_all(answer.as_bytes()).await.is_err() {
                                    return;
                                }
                                continue;
                            }
                        }
                        if server.write_all(&request).await.is_err() {
                            return;
                        }
                        let Some(response) = read_http_message(&mut server).await else {
                            return;
                        };
                        if client.write_all(&response).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Ok(KinesisProxy { url, counts, task })
    }
}

impl Drop for KinesisProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One HTTP/1.1 message with a Content-Length body (what the SDK and ferrokinesis send).
async fn read_http_message(conn: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return Some(buf);
            }
        }
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}
