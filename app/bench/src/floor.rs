//! The floor of (a): what moving (a)'s bytes costs on this machine with no engine in between.
//!
//! Against the same fixed-response endpoints, in a fresh process with the same runtime, each
//! shard's GetRecords answers are read whole (reqwest) and the same payload is Stream Loaded
//! (the engine's `StreamLoadClient`, 64 MiB bodies, 2 loads in flight). Two modes:
//!
//! * `raw`: nothing is parsed: an answer's records are counted and the body is a slice of
//!   records built before the clock starts (only the I/O and HTTP are paid);
//! * `decode`: each record's base64 `Data` is found and decoded into the body (base64-simd, as
//!   the engine does): the least work any reader of awsJson1.1 must do.
//!
//! Answers and bodies live in the engine's pooled buffers (`ks_kinesis::BufferPool`), so the
//! floor pays no more page faults than the engine.
//!
//! Prints one `RESULT {json}` line with the keys of `engine-run`'s.

use crate::engine_run::{EngineArgs, config};
use crate::{fake, procstat};
use bytes::Bytes;
use ks_core::{Label, Secret};
use ks_kinesis::BufferPool;
use ks_starrocks::{LoadBody, StreamLoadClient, StreamLoadSettings};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct FloorArgs {
    pub kinesis_url: String,
    pub load_url: String,
    pub shards: usize,
    pub max_bytes: u64,
    /// Decode each record's `Data` into the body (`decode`), or only count records (`raw`).
    pub decode: bool,
}

/// The engine's own limit on loads in flight (its default `max-inflight-loads`).
const LOADS_IN_FLIGHT: usize = 2;

pub fn main(args: FloorArgs) -> anyhow::Result<()> {
    crate::print_result(run(args))
}

async fn run(args: FloorArgs) -> anyhow::Result<serde_json::Value> {
    let state = tempfile::tempdir()?;
    let engine_args = EngineArgs {
        kinesis_url: args.kinesis_url.clone(),
        load_url: args.load_url.clone(),
        max_bytes: args.max_bytes,
        expect_rows: 0,
        timeout: Duration::from_secs(900),
    };
    let sink = config(&engine_args, state.path())?.sink;
    let loader = Arc::new(StreamLoadClient::new(StreamLoadSettings::from_sink(
        &sink,
        Secret::new(""),
    )?)?);
    let http = reqwest::Client::new();
    // `raw`: one full answer's rows, each followed by the separator, as the body's bytes.
    let rows: Option<Bytes> = (!args.decode).then(|| {
        (0..fake::PER_RESPONSE as u64)
            .flat_map(|i| {
                let mut r = fake::record_json(i);
                r.push(b',');
                r
            })
            .collect::<Vec<u8>>()
            .into()
    });

    let (u0, s0) = procstat::cpu_seconds();
    let t0 = Instant::now();
    // A few answers may wait for the batcher: the engine's budget bounds it the same way.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    let pools = Arc::new(Pools::default());
    let mut readers = tokio::task::JoinSet::new();
    for shard in 0..args.shards {
        readers.spawn(read_shard(
            http.clone(),
            args.kinesis_url.clone(),
            shard,
            rows.clone(),
            pools.clone(),
            tx.clone(),
        ));
    }
    drop(tx);

    let in_flight = Arc::new(tokio::sync::Semaphore::new(LOADS_IN_FLIGHT));
    let mut loads = tokio::task::JoinSet::new();
    let mut parts = Vec::new();
    let mut len = 0u64;
    let mut next_label = 0u64;
    loop {
        let chunk = rx.recv().await;
        let end = chunk.is_none();
        if let Some(c) = chunk {
            len += c.len() as u64;
            parts.push(c);
        }
        if (len >= args.max_bytes || end) && !parts.is_empty() {
            let permit = in_flight.clone().acquire_owned().await?;
            let body = json_body(std::mem::take(&mut parts));
            len = 0;
            next_label += 1;
            let label = Label::new(format!("floor-{next_label}")).map_err(anyhow::Error::msg)?;
            let loader = loader.clone();
            loads.spawn(async move {
                let outcome = loader.load(&label, body).await;
                drop(permit);
                outcome
            });
        }
        if end {
            break;
        }
    }
    while let Some(r) = readers.join_next().await {
        r??;
    }
    let mut rows_loaded = 0u64;
    while let Some(r) = loads.join_next().await {
        rows_loaded += r??.stats.loaded_rows;
    }
    let wall = t0.elapsed().as_secs_f64();
    let (u1, s1) = procstat::cpu_seconds();
    Ok(json!({
        "mode": if args.decode { "decode" } else { "raw" },
        "rows_loaded": rows_loaded,
        "loads": next_label,
        "wall_s": wall,
        "cpu_user_s": u1 - u0,
        "cpu_sys_s": s1 - s0,
    }))
}

/// `[` + the chunks (rows each followed by `,`) + `]` in place of the last `,`, as slices.
fn json_body(mut parts: Vec<Bytes>) -> LoadBody {
    if let Some(last) = parts.pop() {
        parts.push(last.slice(..last.len().saturating_sub(1)));
    }
    parts.insert(0, Bytes::from_static(b"["));
    parts.push(Bytes::from_static(b"]"));
    LoadBody::from_parts(parts)
}

/// Reads one shard from TRIM_HORIZON until an answer holds no record; sends each answer's body
/// bytes: a slice of `rows` (`raw`) or the decoded payloads (`rows` is `None`).
async fn read_shard(
    http: reqwest::Client,
    url: String,
    shard: usize,
    rows: Option<Bytes>,
    pools: Arc<Pools>,
    tx: tokio::sync::mpsc::Sender<Bytes>,
) -> anyhow::Result<()> {
    let call = |target: &'static str, body: String| {
        http.post(&url)
            .header("x-amz-target", format!("Kinesis_20131202.{target}"))
            .header("content-type", "application/x-amz-json-1.1")
            .body(body)
            .send()
    };
    let first: serde_json::Value = call(
        "GetShardIterator",
        json!({"StreamName": "bench", "ShardId": fake::shard_id(shard),
               "ShardIteratorType": "TRIM_HORIZON"})
        .to_string(),
    )
    .await?
    .error_for_status()?
    .json()
    .await?;
    let mut iterator = first["ShardIterator"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no ShardIterator in {first}"))?
        .to_string();
    let data_key = memchr::memmem::Finder::new(b"\"Data\":\"");
    // It comes after the records: looked for from the end.
    let next_key = memchr::memmem::FinderRev::new(b"\"NextShardIterator\":\"");
    let mut answer_len = 0;
    loop {
        let mut response = call(
            "GetRecords",
            format!(r#"{{"ShardIterator":"{iterator}","Limit":10000}}"#),
        )
        .await?
        .error_for_status()?;
        // Received into a pooled buffer, as the engine's reader does (a fresh one per answer is
        // page faults: see ks_kinesis::BufferPool).
        let mut answer = pools.answers.take(answer_len);
        while let Some(c) = response.chunk().await? {
            answer.extend_from_slice(&c);
        }
        answer_len = answer.len();
        let chunk = match &rows {
            // Every record is one JSON object, and base64 holds no `{`.
            Some(rows) => {
                let n = memchr::memchr_iter(b'{', &answer).count().saturating_sub(1);
                let len = n * (fake::RECORD_BYTES + 1);
                anyhow::ensure!(
                    len <= rows.len(),
                    "an answer of {n} records: more than the {} built",
                    fake::PER_RESPONSE
                );
                rows.slice(..len)
            }
            None => {
                let mut out = pools.bodies.take(answer.len() / 4 * 3);
                // Each byte is scanned once: the next key is looked for after the last value.
                let mut from = 0;
                while let Some(at) = data_key.find(&answer[from..]) {
                    let start = from + at + data_key.needle().len();
                    let len = memchr::memchr(b'"', &answer[start..])
                        .ok_or_else(|| anyhow::anyhow!("unterminated Data"))?;
                    base64_simd::STANDARD
                        .decode_append(&answer[start..start + len], &mut out)
                        .map_err(|e| anyhow::anyhow!("bad base64: {e}"))?;
                    out.push(b',');
                    from = start + len + 1;
                }
                pools.bodies.share(out)
            }
        };
        if chunk.is_empty() {
            return Ok(());
        }
        let at = next_key
            .rfind(&answer)
            .ok_or_else(|| anyhow::anyhow!("no NextShardIterator"))?
            + next_key.needle().len();
        let len = memchr::memchr(b'"', &answer[at..])
            .ok_or_else(|| anyhow::anyhow!("unterminated NextShardIterator"))?;
        iterator = String::from_utf8_lossy(&answer[at..at + len]).into_owned();
        pools.answers.give_back(answer);
        tx.send(chunk).await?;
    }
}

/// The engine's buffer pools: answers are received into one, payloads decoded into the other.
#[derive(Default)]
struct Pools {
    answers: BufferPool,
    bodies: Arc<BufferPool>,
}
