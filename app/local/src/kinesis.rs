//! ferrokinesis embedded in the current process, the emulator's static credentials, and stream
//! administration (create, wait, split, merge). Used by the tests and the local demo.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ks_local::kinesis::{EmbeddedKinesis, create_stream};
//! use ks_local::produce::put_json_records;
//! let (url, kinesis) = EmbeddedKinesis::start(EmbeddedKinesis::options()).await?;
//! let client = kinesis.client().await;
//! create_stream(&client, "stock", 2).await?;
//! let rows = vec![serde_json::json!({"id": 1, "ticker": "AMZN"})];
//! put_json_records(&client, "stock", &rows, &["AMZN".to_string()]).await?;
//! # let _ = url; Ok(()) }
//! ```

use aws_config::BehaviorVersion;
use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::config::{Credentials, Region};
use aws_sdk_kinesis::error::DisplayErrorContext;
use aws_sdk_kinesis::types::StreamStatus;
use aws_smithy_types::timeout::TimeoutConfig;
use ks_core::config::ReaderKind;
use ks_core::{InitialPosition, SourceConfig};
use ks_kinesis::{ConnectOptions, KinesisSource};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub use ferrokinesis::store::{Store, StoreOptions};

/// The region the embedded emulator reports.
pub const TEST_REGION: &str = "us-east-1";

/// A helper failed (the message carries the SDK's full error context).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LocalError(pub String);

pub(crate) fn sdk_err<E: std::error::Error + 'static, R: std::fmt::Debug>(
    what: &str,
    e: aws_sdk_kinesis::error::SdkError<E, R>,
) -> LocalError {
    LocalError(format!("{what}: {}", DisplayErrorContext(&e)))
}

/// The largest request the embedded emulator reads: a full PutRecords (5 MiB of data, base64
/// in JSON) with room to spare.
const MAX_REQUEST_BODY_BYTES: usize = 16 << 20;

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
        // axum's default of 2 MB would refuse a PutRecords of two 1 MiB records (base64 in
        // JSON); Kinesis takes 5 MiB of data per call, as ferrokinesis' own binary allows (7 MB).
        let app = app.layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BODY_BYTES));
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
            efo_consumer: Default::default(),
            efo_consumer_name: None,
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
                credentials: Some(emulator_credentials()),
                ..Default::default()
            },
        )
        .await
        .expect("a source config with a region")
    }
}

/// Static credentials any emulator accepts (ferrokinesis, kinesalite, moto); never sent to AWS:
/// they go only with an endpoint URL of a local emulator.
pub fn emulator_credentials() -> Credentials {
    Credentials::new("AKIDTEST", "test-secret", None, None, "ks-local")
}

/// An `SdkConfig` for an emulator at `endpoint_url`: static credentials, us-east-1, and a 10 s
/// operation timeout.
pub async fn sdk_config(endpoint_url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(TEST_REGION))
        .endpoint_url(endpoint_url)
        .credentials_provider(emulator_credentials())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(5))
                .build(),
        )
        .load()
        .await
}

/// The names of the enhanced fan-out consumers registered on `source`'s stream, sorted.
pub async fn consumer_names(source: &KinesisSource) -> Vec<String> {
    let mut names: Vec<String> = source
        .list_consumers()
        .await
        .expect("ListStreamConsumers")
        .into_iter()
        .map(|c| c.name)
        .collect();
    names.sort();
    names
}

/// Creates a provisioned stream with `shards` shards and waits until it is ACTIVE.
pub async fn create_stream(client: &Client, stream: &str, shards: i32) -> Result<(), LocalError> {
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
pub async fn wait_active(client: &Client, stream: &str) -> Result<(), LocalError> {
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
            return Err(LocalError(format!(
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
) -> Result<(), LocalError> {
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
) -> Result<(), LocalError> {
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

/// The stream's open shards as (start hash key, end hash key, shard id), in hash order.
pub async fn open_shards(
    client: &Client,
    stream: &str,
) -> Result<Vec<(u128, u128, String)>, LocalError> {
    let shards = client
        .list_shards()
        .stream_name(stream)
        .send()
        .await
        .map_err(|e| sdk_err("ListShards", e))?
        .shards
        .unwrap_or_default();
    let mut open: Vec<(u128, u128, String)> = shards
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
                s.shard_id.clone(),
            ))
        })
        .collect();
    open.sort();
    Ok(open)
}
