//! The stream: client construction, DescribeStreamSummary, ListShards, and readers.

use crate::error::{Ctx, Kind, SourceError, classify};
use crate::reader_options::ReaderOptions;
use aws_config::BehaviorVersion;
use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::config::{Credentials, Region};
use aws_smithy_types::timeout::TimeoutConfig;
use ks_core::{SeqNum, ShardId, SourceConfig};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A shard as ListShards reports it. Hash keys and sequence numbers are numbers, not text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardInfo {
    pub id: ShardId,
    pub parent: Option<ShardId>,
    pub adjacent_parent: Option<ShardId>,
    pub hash_key_start: u128,
    pub hash_key_end: u128,
    pub seq_start: SeqNum,
    /// `Some` once the shard is closed (split or merged): no record will come after it.
    pub seq_end: Option<SeqNum>,
}

impl ShardInfo {
    pub fn is_closed(&self) -> bool {
        self.seq_end.is_some()
    }

    /// The parents (0, 1 for a split child, 2 for a merge child).
    pub fn parents(&self) -> impl Iterator<Item = &ShardId> {
        self.parent.iter().chain(self.adjacent_parent.iter())
    }

    pub fn hash_range(&self) -> (u128, u128) {
        (self.hash_key_start, self.hash_key_end)
    }
}

/// What DescribeStreamSummary says about the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSummary {
    pub name: String,
    pub arn: String,
    /// `CREATING`, `DELETING`, `ACTIVE` or `UPDATING`.
    pub status: String,
    pub open_shard_count: u32,
    pub retention_hours: u32,
    /// `PROVISIONED` or `ON_DEMAND` (None when the service does not say).
    pub mode: Option<String>,
    /// `NONE` or `KMS`.
    pub encryption: Option<String>,
}

/// Knobs for [`KinesisSource::connect_with`] beyond the config file (tests, demos, the GUI's
/// "Test connection" button).
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Static credentials instead of the default chain (emulators, tests).
    pub credentials: Option<Credentials>,
    /// SDK attempts per call (default: the SDK's standard 3). `Some(1)` for interactive checks.
    pub max_attempts: Option<u32>,
    /// Reader limits and backoffs (default: what the config's `read-limits` and
    /// `kpl-out-of-range` say, [`ReaderOptions::for_source`]).
    pub reader: Option<ReaderOptions>,
}

/// A Kinesis stream to read: an SDK client, the stream's name (and ARN when known).
#[derive(Debug, Clone)]
pub struct KinesisSource {
    client: Client,
    stream_name: String,
    stream_arn: Arc<Mutex<Option<String>>>,
    region: String,
    endpoint: String,
    timeout_ms: u64,
    reader_options: ReaderOptions,
    /// `source.profile`, named when it gives no credentials.
    profile: Option<String>,
    /// GetRecords decode buffers given back by loaded batches, shared by the shard readers.
    pub(crate) buffers: Arc<crate::reader::BufferPool>,
    /// Buffers the GetRecords answers' JSON is received into, reused across answers.
    pub(crate) bodies: Arc<crate::reader::BufferPool>,
    /// The enhanced fan-out consumer readers subscribe with; `None`: GetRecords polling.
    fanout_consumer_arn: Option<String>,
}

/// The operation timeout used when a source is built from a bare client.
const DEFAULT_TIMEOUT_MS: u64 = 30_000;

impl KinesisSource {
    /// Builds the client: default credential chain, `profile`, `region`, optional
    /// `endpoint_url`, and always an operation timeout (`operation_timeout_ms`) and an attempt
    /// timeout. Does no network I/O (credentials resolve on the first call).
    pub async fn connect(cfg: &SourceConfig) -> Result<KinesisSource, SourceError> {
        Self::connect_with(cfg, ConnectOptions::default()).await
    }

    /// [`connect`](Self::connect) with static credentials, a retry bound or reader options.
    pub async fn connect_with(
        cfg: &SourceConfig,
        opts: ConnectOptions,
    ) -> Result<KinesisSource, SourceError> {
        let timeout_ms = cfg.operation_timeout_ms.max(1);
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(timeout_config(timeout_ms));
        if let Some(profile) = cfg.profile.as_deref().filter(|p| !p.is_empty()) {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = cfg.region.as_deref().filter(|r| !r.is_empty()) {
            loader = loader.region(Region::new(region.to_string()));
        }
        if let Some(url) = cfg.endpoint_url.as_deref().filter(|u| !u.is_empty()) {
            loader = loader.endpoint_url(url);
        }
        if let Some(creds) = opts.credentials {
            loader = loader.credentials_provider(creds);
        }
        if let Some(n) = opts.max_attempts {
            loader = loader.retry_config(
                aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(n.max(1)),
            );
        }
        let sdk = loader.load().await;
        let Some(region) = sdk.region().map(|r| r.to_string()) else {
            return Err(SourceError::Config {
                stream: cfg.stream_name.clone(),
                message:
                    "no AWS region: set source.region, AWS_REGION, or a region in the AWS profile"
                        .into(),
            });
        };
        let endpoint = sdk
            .endpoint_url()
            .map(str::to_string)
            .unwrap_or_else(|| default_endpoint(&region));
        let mut source = KinesisSource {
            client: Client::new(&sdk),
            stream_name: cfg.stream_name.clone(),
            stream_arn: Arc::new(Mutex::new(cfg.stream_arn.clone())),
            region,
            endpoint,
            timeout_ms,
            reader_options: ReaderOptions::for_source(cfg),
            profile: cfg.profile.clone().filter(|p| !p.is_empty()),
            buffers: Default::default(),
            bodies: Default::default(),
            fanout_consumer_arn: None,
        };
        if let Some(r) = opts.reader {
            source.reader_options = r;
        }
        Ok(source)
    }

    /// A source on an explicit client (tests). Messages name the client's region and its
    /// default endpoint; use [`from_sdk_config`](Self::from_sdk_config) to keep a custom endpoint.
    pub fn from_client(
        client: Client,
        stream_name: String,
        stream_arn: Option<String>,
    ) -> KinesisSource {
        let region = client
            .config()
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "(no region)".into());
        let timeout_ms = client
            .config()
            .timeout_config()
            .and_then(|t| t.operation_timeout())
            .map(|d| d.as_millis() as u64)
            .unwrap_or(DEFAULT_TIMEOUT_MS);
        KinesisSource {
            endpoint: default_endpoint(&region),
            client,
            stream_name,
            stream_arn: Arc::new(Mutex::new(stream_arn)),
            region,
            timeout_ms,
            reader_options: ReaderOptions::default(),
            profile: None,
            buffers: Default::default(),
            bodies: Default::default(),
            fanout_consumer_arn: None,
        }
    }

    /// A source on an `SdkConfig` (keeps its endpoint URL for messages).
    pub fn from_sdk_config(
        sdk: &aws_config::SdkConfig,
        stream_name: String,
        stream_arn: Option<String>,
    ) -> KinesisSource {
        let mut s = Self::from_client(Client::new(sdk), stream_name, stream_arn);
        if let Some(url) = sdk.endpoint_url() {
            s.endpoint = url.to_string();
        }
        s
    }

    /// Replaces the reader limits and backoffs used by [`reader`](Self::reader).
    pub fn with_reader_options(mut self, options: ReaderOptions) -> KinesisSource {
        self.reader_options = options;
        self
    }

    /// Applies `kpl-out-of-range` (a data rule: the engine sets it from the config whatever the
    /// caller built the source with).
    pub fn with_kpl_out_of_range(mut self, policy: crate::kpl::KplOutOfRange) -> KinesisSource {
        self.reader_options.kpl_out_of_range = policy;
        self
    }

    /// The separator written after each decoded payload ([`ReaderOptions::record_separator`]).
    pub fn with_record_separator(mut self, separator: Option<Vec<u8>>) -> KinesisSource {
        self.reader_options.record_separator = separator;
        self
    }

    /// Readers made from now on subscribe to their shard with this consumer (SubscribeToShard
    /// pushes), instead of polling GetRecords.
    pub fn with_fanout(mut self, consumer_arn: String) -> KinesisSource {
        self.fanout_consumer_arn = Some(consumer_arn);
        self
    }

    /// Readers made from now on poll GetRecords (a replay re-reads a bounded range: a
    /// subscription would keep pushing past it).
    pub fn with_polling(mut self) -> KinesisSource {
        self.fanout_consumer_arn = None;
        self
    }

    /// The enhanced fan-out consumer's ARN, when readers subscribe.
    pub fn fanout_consumer_arn(&self) -> Option<&str> {
        self.fanout_consumer_arn.as_deref()
    }

    pub fn reader_options(&self) -> &ReaderOptions {
        &self.reader_options
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn stream_name(&self) -> &str {
        &self.stream_name
    }

    /// The ARN from the config, or learned by [`describe`](Self::describe).
    pub fn stream_arn(&self) -> Option<String> {
        self.stream_arn.lock().map(|a| a.clone()).unwrap_or(None)
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// The endpoint URL calls go to (for messages).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn operation_timeout_ms(&self) -> u64 {
        self.timeout_ms
    }

    pub(crate) fn ctx<'a>(&'a self, operation: &'static str, shard: Option<&'a str>) -> Ctx<'a> {
        Ctx {
            operation,
            stream: &self.stream_name,
            region: &self.region,
            endpoint: &self.endpoint,
            timeout_ms: self.timeout_ms,
            shard,
            profile: self.profile.as_deref(),
        }
    }

    /// DescribeStreamSummary (20 TPS per account: call it once, not per shard). Remembers the ARN.
    pub async fn describe(&self) -> Result<StreamSummary, SourceError> {
        let arn = self.stream_arn();
        let out = retry_throttled(|| {
            self.client
                .describe_stream_summary()
                .stream_name(&self.stream_name)
                .set_stream_arn(arn.clone())
                .send()
        })
        .await
        .map_err(|e| classify(&e, &self.ctx("DescribeStreamSummary", None)).0)?;
        let d = out
            .stream_description_summary
            .ok_or_else(|| SourceError::Other {
                operation: "DescribeStreamSummary".into(),
                stream: self.stream_name.clone(),
                endpoint: self.endpoint.clone(),
                region: self.region.clone(),
                message: "the response has no StreamDescriptionSummary".into(),
            })?;
        if let Ok(mut a) = self.stream_arn.lock()
            && a.is_none()
        {
            *a = Some(d.stream_arn.clone());
        }
        Ok(StreamSummary {
            name: d.stream_name,
            arn: d.stream_arn,
            status: d.stream_status.as_str().to_string(),
            open_shard_count: d.open_shard_count.max(0) as u32,
            retention_hours: d.retention_period_hours.max(0) as u32,
            mode: d
                .stream_mode_details
                .map(|m| m.stream_mode.as_str().to_string()),
            encryption: d.encryption_type.map(|e| e.as_str().to_string()),
        })
    }

    /// Every shard of the stream, open and closed (paginated ListShards; StreamName and StreamARN
    /// both sent on the first page, only NextToken afterwards, as the API requires).
    pub async fn list_shards(&self) -> Result<Vec<ShardInfo>, SourceError> {
        let ctx = self.ctx("ListShards", None);
        let arn = self.stream_arn();
        let mut shards = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = retry_throttled(|| {
                let req = self.client.list_shards().max_results(1000);
                let req = match &token {
                    Some(t) => req.next_token(t),
                    None => req
                        .stream_name(&self.stream_name)
                        .set_stream_arn(arn.clone()),
                };
                req.send()
            })
            .await
            .map_err(|e| classify(&e, &ctx).0)?;
            for s in out.shards.unwrap_or_default() {
                shards.push(self.shard_info(s)?);
            }
            match out.next_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
        Ok(shards)
    }

    fn shard_info(&self, s: aws_sdk_kinesis::types::Shard) -> Result<ShardInfo, SourceError> {
        let bad = |what: &str, value: &str| SourceError::Other {
            operation: "ListShards".into(),
            stream: self.stream_name.clone(),
            endpoint: self.endpoint.clone(),
            region: self.region.clone(),
            message: format!(
                "shard {}: {what} {value:?} is not a decimal number",
                s.shard_id
            ),
        };
        let num = |what: &str, v: &str| v.trim().parse::<u128>().map_err(|_| bad(what, v));
        let seq = |what: &str, v: &str| SeqNum::parse(v).map_err(|_| bad(what, v));
        let (hash_key_start, hash_key_end) = match &s.hash_key_range {
            Some(r) => (
                num("StartingHashKey", &r.starting_hash_key)?,
                num("EndingHashKey", &r.ending_hash_key)?,
            ),
            None => (0, u128::MAX),
        };
        let (seq_start, seq_end) = match &s.sequence_number_range {
            Some(r) => (
                seq("StartingSequenceNumber", &r.starting_sequence_number)?,
                match r.ending_sequence_number.as_deref() {
                    Some(e) if !e.is_empty() => Some(seq("EndingSequenceNumber", e)?),
                    _ => None,
                },
            ),
            None => (SeqNum::ZERO, None),
        };
        let id_of = |v: &Option<String>| {
            v.as_deref()
                .filter(|p| !p.is_empty())
                .map(|p| ShardId(p.to_string()))
        };
        Ok(ShardInfo {
            id: ShardId(s.shard_id.clone()),
            parent: id_of(&s.parent_shard_id),
            adjacent_parent: id_of(&s.adjacent_parent_shard_id),
            hash_key_start,
            hash_key_end,
            seq_start,
            seq_end,
        })
    }
}

fn timeout_config(timeout_ms: u64) -> TimeoutConfig {
    let op = Duration::from_millis(timeout_ms);
    // Half the budget per attempt so one retry fits, but never below 1 s (or the whole budget).
    let attempt = (op / 2).max(Duration::from_secs(1)).min(op);
    TimeoutConfig::builder()
        .operation_timeout(op)
        .operation_attempt_timeout(attempt)
        .connect_timeout(op.min(Duration::from_secs(5)))
        .build()
}

fn default_endpoint(region: &str) -> String {
    if region.starts_with("cn-") {
        format!("https://kinesis.{region}.amazonaws.com.cn")
    } else {
        format!("https://kinesis.{region}.amazonaws.com")
    }
}

/// Control-plane calls: a few extra tries with backoff when Kinesis throttles
/// (ListShards 1000 TPS per stream, DescribeStreamSummary 20 TPS per account).
async fn retry_throttled<T, E, F, Fut>(
    mut call: F,
) -> Result<
    T,
    aws_sdk_kinesis::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<
            Output = Result<
                T,
                aws_sdk_kinesis::error::SdkError<
                    E,
                    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
                >,
            >,
        >,
    E: aws_sdk_kinesis::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut delay = Duration::from_millis(200);
    for _ in 0..5 {
        match call().await {
            Err(e) if classify(&e, &THROTTLE_PROBE).1 == Kind::Throttled => {
                tracing::debug!("Kinesis control-plane call throttled; retrying in {delay:?}");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(3));
            }
            other => return other,
        }
    }
    call().await
}

const THROTTLE_PROBE: Ctx<'static> = Ctx {
    operation: "",
    stream: "",
    region: "",
    endpoint: "",
    timeout_ms: 0,
    shard: None,
    profile: None,
};
