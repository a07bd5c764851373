//! Failure paths over real HTTP: read throttling and 5xx injected by an SDK interceptor (the SDK
//! parses a real error response), a missing stream, a closed port, a silent endpoint.

mod common;

use aws_sdk_kinesis::config::interceptors::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_kinesis::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use common::*;
use ks_core::{InitialPosition, ReaderKind, SourceConfig};
use ks_kinesis::{
    ConnectOptions, KinesisSource, ReadError, ReaderOptions, ShardStats, SourceError, StartPosition,
};
use ks_local::{emulator_credentials, put_json_records};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Replaces the response of the first `remaining` calls of one operation with an error response
/// (status + AWS JSON error body), and records the ShardIterator of every GetRecords request.
#[derive(Debug)]
struct FailFirst {
    operation: &'static str,
    remaining: AtomicU32,
    status: u16,
    body: String,
    iterators: Mutex<Vec<String>>,
}

impl FailFirst {
    fn new(
        operation: &'static str,
        n: u32,
        status: u16,
        error_type: &str,
        message: &str,
    ) -> Arc<Self> {
        Arc::new(FailFirst {
            operation,
            remaining: AtomicU32::new(n),
            status,
            body: serde_json::json!({"__type": error_type, "message": message}).to_string(),
            iterators: Mutex::new(Vec::new()),
        })
    }
}

/// The operation being called (the SDK puts its name in the config bag).
fn operation(cfg: &ConfigBag) -> String {
    cfg.load::<Metadata>()
        .map(|m| m.name().to_string())
        .unwrap_or_default()
}

#[derive(Debug)]
struct Hook(Arc<FailFirst>);

impl Intercept for Hook {
    fn name(&self) -> &'static str {
        "FailFirst"
    }

    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let req = ctx.request();
        if operation(cfg) == "GetRecords"
            && let Some(body) = req.body().bytes()
        {
            let v: serde_json::Value = serde_json::from_slice(body)?;
            let it = v["ShardIterator"].as_str().unwrap_or_default().to_string();
            self.0.iterators.lock().unwrap().push(it);
        }
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        ctx: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if operation(cfg) == self.0.operation
            && self
                .0
                .remaining
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            let mut resp = Response::new(
                StatusCode::try_from(self.0.status)?,
                SdkBody::from(self.0.body.clone()),
            );
            resp.headers_mut()
                .insert("content-type", "application/x-amz-json-1.1");
            *ctx.response_mut() = resp;
        }
        Ok(())
    }
}

/// A source whose client carries the interceptor.
async fn source_with(e: &Env, hook: Arc<FailFirst>, opts: ReaderOptions) -> KinesisSource {
    let sdk = ks_local::sdk_config(e.kinesis.endpoint_url()).await;
    let conf = aws_sdk_kinesis::config::Builder::from(&sdk)
        .interceptor(Hook(hook))
        .build();
    KinesisSource::from_client(
        aws_sdk_kinesis::Client::from_conf(conf),
        e.stream.clone(),
        None,
    )
    .with_reader_options(opts)
}

fn fast() -> ReaderOptions {
    ReaderOptions {
        throttle_backoff_base: Duration::from_millis(40),
        transient_backoff_base: Duration::from_millis(40),
        ..ReaderOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_reads_back_off_and_keep_the_same_iterator() {
    let e = env("throttle", 1).await;
    put_json_records(&e.client, "throttle", &json_rows(0, 300), &keys(0, 300))
        .await
        .unwrap();
    let hook = FailFirst::new(
        "GetRecords",
        4,
        400,
        "ProvisionedThroughputExceededException",
        "Rate exceeded for shard shardId-000000000000 in stream throttle under account 000000000000.",
    );
    let source = source_with(&e, hook.clone(), fast()).await;
    let shard = &source.list_shards().await.unwrap()[0];
    let stats = Arc::new(ShardStats::default());
    let mut reader = source.reader(shard, StartPosition::TrimHorizon, stats.clone());
    let started = Instant::now();
    let (records, _) = read_until_quiet(&mut reader, 300).await;
    let ids: Vec<u64> = records.iter().map(id_of).collect();
    assert_eq!(
        ids,
        (0..300).collect::<Vec<_>>(),
        "nothing lost or repeated"
    );
    let snap = stats.snapshot();
    assert_eq!(snap.throttled, 4);
    assert_eq!(snap.errors, 0);
    assert!(snap.get_records_calls >= 6);
    // The four throttled calls and the one that succeeded used one and the same iterator.
    let its = hook.iterators.lock().unwrap().clone();
    assert!(its.len() >= 6);
    assert!(
        its[..5].iter().all(|i| *i == its[0]),
        "same iterator on retry"
    );
    assert_ne!(its[5], its[0], "then the next one");
    // Exponential back-off: 40 + 80 + 160 + 320 ms at least (the 5/s limit also applies).
    assert!(started.elapsed() >= Duration::from_millis(600));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_then_returned_without_losing_the_position() {
    let e = env("flaky", 1).await;
    put_json_records(&e.client, "flaky", &json_rows(0, 50), &keys(0, 50))
        .await
        .unwrap();
    // Two 500s: retried inside next_batch.
    let hook = FailFirst::new("GetRecords", 2, 500, "InternalFailure", "internal error");
    let source = source_with(&e, hook.clone(), fast()).await;
    let shard = &source.list_shards().await.unwrap()[0];
    let stats = Arc::new(ShardStats::default());
    let mut reader = source.reader(shard, StartPosition::TrimHorizon, stats.clone());
    let (records, _) = read_until_quiet(&mut reader, 50).await;
    assert_eq!(records.len(), 50);
    assert_eq!(stats.snapshot().errors, 2);

    // More 500s than retries: the error surfaces, names the shard, and the next call goes on
    // from the same place.
    put_json_records(&e.client, "flaky", &json_rows(50, 60), &keys(50, 60))
        .await
        .unwrap();
    hook.remaining.store(4, Ordering::SeqCst);
    let err = reader.next_batch().await.unwrap_err();
    assert!(matches!(err, ReadError::Source { .. }), "{err}");
    assert!(err.is_transient(), "{err:?}");
    assert!(
        matches!(err.source_error(), Some(SourceError::ServiceError { .. })),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("shardId-000000000000") && text.contains("InternalFailure"),
        "{text}"
    );
    let (rest, _) = read_until_quiet(&mut reader, 10).await;
    assert_eq!(
        rest.iter().map(id_of).collect::<Vec<_>>(),
        (50..60).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_names_the_action_and_the_stream() {
    let e = env("secret", 1).await;
    let hook = FailFirst::new(
        "ListShards",
        1,
        400,
        "AccessDeniedException",
        "User: arn:aws:iam::000000000000:user/x is not authorized to perform: kinesis:ListShards",
    );
    let source = source_with(&e, hook, fast()).await;
    let err = source.list_shards().await.unwrap_err();
    match &err {
        SourceError::AccessDenied { action, stream, .. } => {
            assert_eq!(action, "kinesis:ListShards");
            assert_eq!(stream, "secret");
        }
        other => panic!("expected AccessDenied, got {other:?}"),
    }
    assert!(err.to_string().contains("not authorized"), "{err}");
}

fn config(endpoint: &str, stream: &str, timeout_ms: u64) -> SourceConfig {
    SourceConfig {
        stream_name: stream.to_string(),
        stream_arn: None,
        region: Some("us-east-1".into()),
        profile: None,
        endpoint_url: Some(endpoint.to_string()),
        initial_position: InitialPosition::TrimHorizon,
        initial_timestamp: None,
        reader: ReaderKind::Polling,
        efo_consumer: Default::default(),
        efo_consumer_name: None,
        read_limits: Default::default(),
        kpl_out_of_range: Default::default(),
        operation_timeout_ms: timeout_ms,
        discovery_interval_ms: 10_000,
    }
}

async fn connect(cfg: &SourceConfig) -> KinesisSource {
    KinesisSource::connect_with(
        cfg,
        ConnectOptions {
            credentials: Some(emulator_credentials()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_stream_is_stream_not_found_naming_it() {
    let e = env("exists", 1).await;
    let source = connect(&config(e.kinesis.endpoint_url(), "no-such-stream", 5_000)).await;
    let err = source.describe().await.unwrap_err();
    assert!(
        matches!(&err, SourceError::StreamNotFound { stream, region, .. } if stream == "no-such-stream" && region == "us-east-1"),
        "{err:?}"
    );
    assert!(err.to_string().contains("no-such-stream"), "{err}");
    let err = source.list_shards().await.unwrap_err();
    assert!(matches!(err, SourceError::StreamNotFound { .. }), "{err:?}");
    assert!(!err.is_transient());

    // A shard that does not exist in a stream that does.
    let source = connect(&config(e.kinesis.endpoint_url(), "exists", 5_000)).await;
    let mut shard = source.list_shards().await.unwrap()[0].clone();
    shard.id = "shardId-000000000009".into();
    let mut reader = source.reader(
        &shard,
        StartPosition::TrimHorizon,
        Arc::new(ShardStats::default()),
    );
    let err = reader.next_batch().await.unwrap_err();
    assert!(
        matches!(err.source_error(), Some(SourceError::ShardNotFound { shard, stream, .. }) if shard == "shardId-000000000009" && stream == "exists"),
        "{err:?}"
    );
    assert!(!err.is_transient());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_is_unreachable_with_the_full_cause() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let endpoint = format!("http://127.0.0.1:{port}");
    let source = connect(&config(&endpoint, "orders", 10_000)).await;
    let started = Instant::now();
    let err = source.describe().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    match &err {
        SourceError::Unreachable {
            endpoint: ep,
            region,
            stream,
            ..
        } => {
            assert_eq!(ep, &endpoint);
            assert_eq!(region, "us-east-1");
            assert_eq!(stream, "orders");
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains(&endpoint), "{text}");
    assert!(
        text.contains("Connection refused") || text.contains("tcp connect error"),
        "the cause chain, not just 'dispatch failure': {text}"
    );
    assert!(err.is_transient());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_endpoint_times_out_after_the_operation_timeout() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let source = connect(&config(&endpoint, "orders", 1_500)).await;
    let started = Instant::now();
    let err = source.list_shards().await.unwrap_err();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1_400) && took < Duration::from_millis(4_000),
        "{took:?}"
    );
    match &err {
        SourceError::Timeout {
            timeout_ms,
            operation,
            ..
        } => {
            assert_eq!(*timeout_ms, 1_500);
            assert_eq!(operation, "ListShards");
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(err.to_string().contains("timed out"), "{err}");

    // A reader on it: the error surfaces (after its retries) as a transient read error.
    let source = source.with_reader_options(ReaderOptions {
        transient_retries: 0,
        ..ReaderOptions::default()
    });
    let shard = ks_kinesis::ShardInfo {
        id: "shardId-000000000000".into(),
        parent: None,
        adjacent_parent: None,
        hash_key_start: 0,
        hash_key_end: u128::MAX,
        seq_start: ks_core::SeqNum::ZERO,
        seq_end: None,
    };
    let stats = Arc::new(ShardStats::default());
    let mut reader = source.reader(&shard, StartPosition::TrimHorizon, stats.clone());
    let err = reader.next_batch().await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(
        matches!(err.source_error(), Some(SourceError::Timeout { operation, .. }) if operation == "GetShardIterator"),
        "{err:?}"
    );
    assert_eq!(stats.snapshot().errors, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_region_is_a_config_error() {
    let mut cfg = config("http://127.0.0.1:1", "orders", 1_000);
    cfg.region = None;
    cfg.profile = Some("ks-kinesis-test-profile-that-does-not-exist".into());
    match KinesisSource::connect_with(
        &cfg,
        ConnectOptions {
            credentials: Some(emulator_credentials()),
            ..Default::default()
        },
    )
    .await
    {
        // The environment may define a region (AWS_REGION); then connecting is fine.
        Ok(s) => assert!(!s.region().is_empty()),
        Err(e) => assert!(matches!(e, SourceError::Config { .. }), "{e:?}"),
    }
}
