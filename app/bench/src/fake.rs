//! The fixed-response endpoints of scenarios (a) and (c), run in a child process of their own so
//! the engine's process pays only for the engine:
//!
//! * a Kinesis endpoint (awsJson1.1) that answers ListShards, DescribeStreamSummary,
//!   GetShardIterator and GetRecords with canned answers: GetRecords returns up to 10,000 records
//!   of exactly 1 KiB of JSON (base64 `Data`, increasing sequence numbers, a non-null
//!   NextShardIterator) until `records_per_shard` are served, then empty answers at the tip. The
//!   backlog is generated, never stored;
//! * a Stream Load receiver that reads the body, counts it, and answers the BE's `Success` JSON at
//!   once (a BE-shaped answer to the client's first, label-less probe, so the client then sends
//!   bodies straight to it).

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::net::TcpListener;

/// Every record's payload is exactly this long, so a JSON body of n records is `n*1025+1` bytes.
pub const RECORD_BYTES: usize = 1024;
/// Records in a full GetRecords answer (the API's maximum `Limit`).
pub const PER_RESPONSE: usize = 10_000;

#[derive(Debug, Clone)]
pub struct FakeConfig {
    pub shards: usize,
    pub records_per_shard: u64,
}

/// Counters of the receiver and the Kinesis endpoint.
#[derive(Default)]
pub struct FakeStats {
    pub get_records: AtomicU64,
    pub records_served: AtomicU64,
    pub loads: AtomicU64,
    pub load_bytes: AtomicU64,
    pub load_rows: AtomicU64,
    /// Rows each label's body held: the transaction API's prepare and commit answer with them.
    pub rows_by_label: std::sync::Mutex<std::collections::HashMap<String, u64>>,
}

struct Kinesis {
    cfg: FakeConfig,
    /// Base64 of the 10,000 distinct record payloads of one answer.
    data_b64: Vec<String>,
    stats: Arc<FakeStats>,
}

/// One JSON record of exactly [`RECORD_BYTES`] bytes (stock.py-shaped, padded).
pub fn record_json(id: u64) -> Vec<u8> {
    let tickers = ["AAPL", "AMZN", "MSFT", "INTC", "TBV"];
    let head = format!(
        r#"{{"id":{id},"event_time":"2024-05-28 19:{:02}:{:02}","ticker":"{}","price":{}.{:02},"pad":""#,
        (id / 60) % 60,
        id % 60,
        tickers[(id % 5) as usize],
        id % 1000,
        id % 100
    );
    let mut v = head.into_bytes();
    let pad = RECORD_BYTES - v.len() - 2;
    v.extend(std::iter::repeat_n(b'x', pad));
    v.extend_from_slice(b"\"}");
    debug_assert_eq!(v.len(), RECORD_BYTES);
    v
}

/// `49` + shard (4 digits) + index (50 digits): 56 digits like Kinesis', increasing per shard.
fn seq_of(shard: usize, idx: u64) -> String {
    format!("49{shard:04}{idx:050}")
}

fn idx_of(seq: &str) -> Option<u64> {
    seq.get(6..)?
        .trim_start_matches('0')
        .parse()
        .ok()
        .or(Some(0))
}

pub(crate) fn shard_id(i: usize) -> String {
    format!("shardId-{i:012}")
}

fn shard_index(id: &str) -> Option<usize> {
    id.strip_prefix("shardId-")?.parse().ok()
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    r
}

fn aws_error(kind: &str, message: &str) -> Response<Full<Bytes>> {
    json_response(
        StatusCode::BAD_REQUEST,
        serde_json::json!({"__type": kind, "message": message})
            .to_string()
            .into_bytes(),
    )
}

impl Kinesis {
    fn new(cfg: FakeConfig, stats: Arc<FakeStats>) -> Kinesis {
        let b64 = base64::engine::general_purpose::STANDARD;
        let data_b64 = (0..PER_RESPONSE as u64)
            .map(|i| b64.encode(record_json(i)))
            .collect();
        Kinesis {
            cfg,
            data_b64,
            stats,
        }
    }

    fn answer(&self, target: &str, body: &[u8]) -> Response<Full<Bytes>> {
        let req: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let op = target.rsplit('.').next().unwrap_or("");
        match op {
            "ListShards" => self.list_shards(),
            "DescribeStreamSummary" => self.describe(),
            "GetShardIterator" => self.get_shard_iterator(&req),
            "GetRecords" => self.get_records(&req),
            _ => aws_error("UnknownOperationException", op),
        }
    }

    fn list_shards(&self) -> Response<Full<Bytes>> {
        let n = self.cfg.shards as u128;
        let step = u128::MAX / n;
        let shards: Vec<serde_json::Value> = (0..self.cfg.shards)
            .map(|i| {
                let start = step * i as u128;
                let end = if i + 1 == self.cfg.shards {
                    u128::MAX
                } else {
                    step * (i as u128 + 1) - 1
                };
                serde_json::json!({
                    "ShardId": shard_id(i),
                    "HashKeyRange": {"StartingHashKey": start.to_string(), "EndingHashKey": end.to_string()},
                    "SequenceNumberRange": {"StartingSequenceNumber": seq_of(i, 0)},
                })
            })
            .collect();
        json_response(
            StatusCode::OK,
            serde_json::json!({ "Shards": shards })
                .to_string()
                .into_bytes(),
        )
    }

    fn describe(&self) -> Response<Full<Bytes>> {
        json_response(
            StatusCode::OK,
            serde_json::json!({"StreamDescriptionSummary": {
                "StreamName": "bench",
                "StreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/bench",
                "StreamStatus": "ACTIVE",
                "StreamModeDetails": {"StreamMode": "PROVISIONED"},
                "RetentionPeriodHours": 24,
                "StreamCreationTimestamp": 1.7e9,
                "EnhancedMonitoring": [],
                "EncryptionType": "NONE",
                "OpenShardCount": self.cfg.shards,
                "ConsumerCount": 0,
            }})
            .to_string()
            .into_bytes(),
        )
    }

    fn get_shard_iterator(&self, req: &serde_json::Value) -> Response<Full<Bytes>> {
        let Some(shard) = req["ShardId"].as_str().and_then(shard_index) else {
            return aws_error("ResourceNotFoundException", "no such shard");
        };
        let seq = req["StartingSequenceNumber"].as_str().and_then(idx_of);
        let pos = match (req["ShardIteratorType"].as_str(), seq) {
            (Some("AT_SEQUENCE_NUMBER"), Some(i)) => i,
            (Some("AFTER_SEQUENCE_NUMBER"), Some(i)) => i + 1,
            (Some("LATEST"), _) => self.cfg.records_per_shard,
            _ => 0,
        };
        json_response(
            StatusCode::OK,
            format!(r#"{{"ShardIterator":"it-{shard}-{pos}"}}"#).into_bytes(),
        )
    }

    fn get_records(&self, req: &serde_json::Value) -> Response<Full<Bytes>> {
        let parsed = req["ShardIterator"].as_str().and_then(|it| {
            let mut p = it.strip_prefix("it-")?.split('-');
            Some((
                p.next()?.parse::<usize>().ok()?,
                p.next()?.parse::<u64>().ok()?,
            ))
        });
        let Some((shard, pos)) = parsed else {
            return aws_error("InvalidArgumentException", "bad shard iterator");
        };
        let limit = req["Limit"]
            .as_u64()
            .unwrap_or(PER_RESPONSE as u64)
            .min(PER_RESPONSE as u64);
        let end = (pos + limit).min(self.cfg.records_per_shard).max(pos);
        let n = (end - pos) as usize;
        self.stats.get_records.fetch_add(1, Ordering::Relaxed);
        self.stats
            .records_served
            .fetch_add(n as u64, Ordering::Relaxed);
        let mut out = Vec::with_capacity(n * (self.data_b64[0].len() + 160) + 200);
        out.extend_from_slice(b"{\"Records\":[");
        for k in 0..n {
            let idx = pos + k as u64;
            if k > 0 {
                out.push(b',');
            }
            let _ = write!(
                out,
                r#"{{"SequenceNumber":"{}","ApproximateArrivalTimestamp":1.717E9,"Data":"{}","PartitionKey":"pk-{}"}}"#,
                seq_of(shard, idx),
                self.data_b64[idx as usize % PER_RESPONSE],
                idx % 1000
            );
        }
        let behind = if end < self.cfg.records_per_shard {
            60_000
        } else {
            0
        };
        let _ = write!(
            out,
            r#"],"NextShardIterator":"it-{shard}-{end}","MillisBehindLatest":{behind}}}"#
        );
        json_response(StatusCode::OK, out)
    }
}

async fn serve_kinesis(listener: TcpListener, k: Arc<Kinesis>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let k = k.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                let k = k.clone();
                async move {
                    let target = req
                        .headers()
                        .get("x-amz-target")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    let body = req.into_body().collect().await?.to_bytes();
                    // Building a 14 MB answer is CPU work: keep it off the I/O threads' hot path.
                    let resp = tokio::task::spawn_blocking(move || k.answer(&target, &body))
                        .await
                        .unwrap_or_else(|_| aws_error("InternalFailure", "panicked"));
                    Ok::<_, hyper::Error>(resp)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

async fn serve_receiver(listener: TcpListener, stats: Arc<FakeStats>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let stats = stats.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                let stats = stats.clone();
                async move {
                    let label = req
                        .headers()
                        .get("label")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("probe")
                        .to_string();
                    let mut body = req.into_body();
                    let mut bytes = 0u64;
                    while let Some(frame) = body.frame().await {
                        if let Ok(data) = frame?.into_data() {
                            bytes += data.len() as u64;
                        }
                    }
                    // Every record is RECORD_BYTES long: `[r,r,…,r]` is n*(RECORD_BYTES+1)+1 bytes.
                    let body_rows = if bytes > 1 {
                        (bytes - 1) / (RECORD_BYTES as u64 + 1)
                    } else {
                        0
                    };
                    let rows = {
                        let mut by_label = stats
                            .rows_by_label
                            .lock()
                            .unwrap_or_else(|p| p.into_inner());
                        if bytes > 0 {
                            by_label.insert(label.clone(), body_rows);
                            body_rows
                        } else {
                            by_label.get(&label).copied().unwrap_or(0)
                        }
                    };
                    // Bodies are loads; empty requests are probes and the transaction API's
                    // begin, prepare and commit.
                    let txn = stats
                        .loads
                        .fetch_add(u64::from(bytes > 0), Ordering::Relaxed)
                        + 1;
                    stats.load_bytes.fetch_add(bytes, Ordering::Relaxed);
                    stats.load_rows.fetch_add(body_rows, Ordering::Relaxed);
                    let answer = serde_json::json!({
                        "TxnId": txn, "Label": label, "Status": "Success", "Message": "OK",
                        "NumberTotalRows": rows, "NumberLoadedRows": rows, "NumberFilteredRows": 0,
                        "NumberUnselectedRows": 0, "LoadBytes": bytes, "LoadTimeMs": 1,
                        "BeginTxnTimeMs": 0, "StreamLoadPlanTimeMs": 0, "ReadDataTimeMs": 0,
                        "WriteDataTimeMs": 0, "CommitAndPublishTimeMs": 0,
                    });
                    let mut r = Response::new(Full::new(Bytes::from(answer.to_string())));
                    r.headers_mut().insert(
                        "content-type",
                        hyper::header::HeaderValue::from_static("application/json"),
                    );
                    Ok::<_, hyper::Error>(r)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// Runs both endpoints on 127.0.0.1 until standard input closes; prints `READY kinesis=… load=…`
/// first and `STATS {json}` last.
pub fn main(cfg: FakeConfig) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let stats = Arc::new(FakeStats::default());
        let kinesis = Arc::new(Kinesis::new(cfg, stats.clone()));
        let kl = TcpListener::bind("127.0.0.1:0").await?;
        let rl = TcpListener::bind("127.0.0.1:0").await?;
        println!(
            "READY kinesis=http://{} load=http://{}",
            kl.local_addr()?,
            rl.local_addr()?
        );
        tokio::spawn(serve_kinesis(kl, kinesis));
        tokio::spawn(serve_receiver(rl, stats.clone()));
        // The parent closes our stdin when it is done (or dies): then report and end.
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        })
        .await?;
        let (user, sys) = crate::procstat::cpu_seconds();
        println!(
            "STATS {}",
            serde_json::json!({
                "get_records": stats.get_records.load(Ordering::Relaxed),
                "records_served": stats.records_served.load(Ordering::Relaxed),
                "loads": stats.loads.load(Ordering::Relaxed),
                "load_bytes": stats.load_bytes.load(Ordering::Relaxed),
                "load_rows": stats.load_rows.load(Ordering::Relaxed),
                "cpu_user_s": user,
                "cpu_sys_s": sys,
                "vm_hwm_kib": crate::procstat::vm_hwm_kib(),
            })
        );
        anyhow::Ok(())
    })
}
