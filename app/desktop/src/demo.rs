//! The local demo: ferrokinesis and the StarRocks stand-in in-process on 127.0.0.1, the seed's
//! stock table in a `demo` database, and a stock-ticker producer shaped like AWS's `stock.py`
//! (`event_time` ISO-8601 with microseconds, `ticker`, `price`), a few records a second.
//!
//! Nothing leaks into real pipelines: the demo's pipeline config lives in a temporary directory
//! (never the saved-pipelines one), its state dir too, its password stays in memory, and its
//! static credentials are used only for the demo's own Kinesis endpoint.

use crate::backend::{BackendCtx, send_list};
use ks_core::{PipelineConfig, Secret};
use ks_kinesis::testing::{EmbeddedKinesis, create_stream, put_json_records};
use ks_ui::protocol::Reply;
use starrocks_sim::{SimConfig, StarRocksSim};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The demo pipeline's name (the wizard may rename it).
pub const DEMO_PIPELINE: &str = "demo-stock";
/// The demo's stream: the seed's source stream name.
pub const DEMO_STREAM: &str = "ExampleInputStream";
pub const DEMO_DATABASE: &str = "demo";
pub const DEMO_TABLE: &str = "stock";
/// The stand-in's root password (the demo's only, shown in the wizard's masked field).
const DEMO_PASSWORD: &str = "demo";
/// Records the producer puts per second.
pub const RECORDS_PER_S: u64 = 4;

/// The seed's table, its columns named like the producer's fields (so each field lands by name).
const DEMO_DDL: &str = "CREATE TABLE demo.stock (
    `event_time` datetime NOT NULL,
    `ticker` varchar(65533) NOT NULL,
    `price` float NULL
) ENGINE=OLAP DUPLICATE KEY(`event_time`) DISTRIBUTED BY HASH(`event_time`) BUCKETS 2
PROPERTIES (\"replication_num\" = \"1\")";

/// A running demo.
pub struct Demo {
    pub kinesis: EmbeddedKinesis,
    pub sim: StarRocksSim,
    pub dir: tempfile::TempDir,
    pub config: PipelineConfig,
    /// Records the producer has put so far.
    pub produced: Arc<AtomicU64>,
    producer: tokio::task::JoinHandle<()>,
    /// The demo's "who am I" (STS GetCallerIdentity) endpoint: the demo's identity is local too.
    pub sts_url: String,
    sts: tokio::task::JoinHandle<()>,
}

impl Demo {
    /// Starts the services and the producer; the demo pipeline's config is ready, not saved.
    pub async fn start() -> Result<Demo, String> {
        let (endpoint, kinesis) = EmbeddedKinesis::start(EmbeddedKinesis::options())
            .await
            .map_err(|e| format!("the local Kinesis (ferrokinesis) did not start: {e}"))?;
        let client = kinesis.client().await;
        create_stream(&client, DEMO_STREAM, 2)
            .await
            .map_err(|e| format!("creating the demo stream: {e}"))?;
        let sim = StarRocksSim::start(SimConfig {
            password: DEMO_PASSWORD.into(),
            ..Default::default()
        })
        .await
        .map_err(|e| format!("the StarRocks stand-in did not start: {e}"))?;
        let admin = demo_admin(&sim)
            .await
            .map_err(|e| format!("the stand-in's MySQL port: {e}"))?;
        for sql in ["CREATE DATABASE IF NOT EXISTS demo", DEMO_DDL] {
            admin
                .execute(sql)
                .await
                .map_err(|e| format!("{sql}: {e}"))?;
        }
        let dir = tempfile::Builder::new()
            .prefix("kinesis-starrocks-demo-")
            .tempdir()
            .map_err(|e| format!("a temporary directory for the demo: {e}"))?;
        let (sts_url, sts) = start_sts().await?;
        let config = demo_config(&endpoint, &sim, &dir.path().join("state"))?;
        let produced = Arc::new(AtomicU64::new(0));
        let producer = tokio::spawn(produce(client, produced.clone()));
        tracing::info!(
            "local demo: Kinesis {endpoint}, StarRocks stand-in {} / {}",
            sim.jdbc_url(),
            sim.load_url()
        );
        Ok(Demo {
            kinesis,
            sim,
            dir,
            config,
            produced,
            producer,
            sts_url,
            sts,
        })
    }

    pub async fn shutdown(self) {
        self.producer.abort();
        self.sts.abort();
        self.sim.shutdown().await;
    }
}

fn demo_config(
    endpoint: &str,
    sim: &StarRocksSim,
    state_dir: &std::path::Path,
) -> Result<PipelineConfig, String> {
    let text = format!(
        r#"name = "{DEMO_PIPELINE}"
state-dir = {state}

[source]
stream = "{DEMO_STREAM}"
region = "us-east-1"
endpoint-url = "{endpoint}"
initial-position = "TRIM_HORIZON"
discovery-interval-ms = 1000

[network]
# The demo runs on this machine: its "public address" is the loopback one.
egress-ip = "127.0.0.1"

[sink]
jdbc-url = "{jdbc}"
load-url = "{load}"
username = "root"
database-name = "{DEMO_DATABASE}"
table-name = "{DEMO_TABLE}"
ssl-mode = "disabled"
buffer-flush.interval-ms = 1000
properties.format = "json"
properties.strip_outer_array = "true"
"#,
        state = toml_string(&state_dir.to_string_lossy()),
        jdbc = sim.jdbc_url(),
        load = sim.load_url(),
    );
    PipelineConfig::from_toml_str(&text, std::path::Path::new("demo.toml"))
        .map_err(|e| format!("the demo's pipeline config: {e}"))
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The demo's identity, as STS GetCallerIdentity answers it.
const STS_IDENTITY: &str = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
<GetCallerIdentityResult><Arn>arn:aws:iam::000000000000:user/local-demo</Arn>\
<UserId>AIDALOCALDEMO</UserId><Account>000000000000</Account></GetCallerIdentityResult>\
<ResponseMetadata><RequestId>local-demo</RequestId></ResponseMetadata></GetCallerIdentityResponse>";

/// A loopback STS that answers every request with the demo's identity (ferrokinesis has no
/// STS; the wizard's "who am I" and credentials check ask it).
async fn start_sts() -> Result<(String, tokio::task::JoinHandle<()>), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| format!("the demo's STS endpoint: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let task = tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                // Read the headers and the body (Content-Length), then answer and close.
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = conn.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{STS_IDENTITY}",
                    STS_IDENTITY.len()
                );
                let _ = conn.write_all(response.as_bytes()).await;
                let _ = conn.shutdown().await;
            });
        }
    });
    Ok((format!("http://{addr}"), task))
}

/// stock.py's record: `{"event_time": now ISO-8601 with microseconds, "ticker": one of five,
/// "price": 0..100 with two decimals}`.
pub fn stock_record(n: u64, now: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
    const TICKERS: [&str; 5] = ["AAPL", "AMZN", "MSFT", "INTC", "TBV"];
    // A small xorshift: the demo needs variety, not statistics.
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    serde_json::json!({
        "event_time": now.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        "ticker": TICKERS[(x % 5) as usize],
        "price": ((x >> 8) % 10_000) as f64 / 100.0,
    })
}

async fn produce(client: aws_sdk_kinesis::Client, produced: Arc<AtomicU64>) {
    let mut tick = tokio::time::interval(Duration::from_millis(1000 / RECORDS_PER_S));
    let keys: Vec<String> = (0..8).map(|i| format!("pk-{i}")).collect();
    loop {
        tick.tick().await;
        let n = produced.load(Ordering::Relaxed);
        let record = stock_record(n, chrono::Utc::now());
        match put_json_records(
            &client,
            DEMO_STREAM,
            &[record],
            &keys[(n % 8) as usize..][..1],
        )
        .await
        {
            Ok(_) => {
                produced.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => tracing::warn!("demo producer: {e}"),
        }
    }
}

/// `Request::StartDemo`: starts the demo (once) and replies `DemoReady` with its pipeline.
pub async fn start(ctx: &BackendCtx) {
    let mut demo = ctx.demo.lock().await;
    if demo.is_none() {
        match Demo::start().await {
            Ok(d) => {
                let mut state = ctx.state.lock().expect("backend state");
                state.demo_dir = Some((
                    d.dir.path().join("pipelines"),
                    d.kinesis.endpoint_url().to_string(),
                ));
                state.demo_sts_url = Some(d.sts_url.clone());
                drop(state);
                *demo = Some(d);
            }
            Err(message) => {
                ctx.reply.send(Reply::Error {
                    context: "local demo".into(),
                    message,
                });
                return;
            }
        }
    }
    let d = demo.as_ref().expect("started above");
    ctx.reply.send(Reply::DemoReady {
        name: DEMO_PIPELINE.into(),
        config: Box::new(d.config.clone()),
        password: Secret::new(DEMO_PASSWORD),
    });
    send_list(ctx);
}

/// `Request::StopDemo`: stops the demo's engines, the producer and the services.
pub async fn stop(ctx: &BackendCtx) {
    let Some(d) = ctx.demo.lock().await.take() else {
        return;
    };
    let demo_names: Vec<String> = crate::backend::store::list(&d.dir.path().join("pipelines"))
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    for n in &demo_names {
        crate::backend::engine::stop(ctx, n);
    }
    for _ in 0..200 {
        let running = {
            let s = ctx.state.lock().expect("backend state");
            demo_names.iter().any(|n| s.engines.contains_key(n))
        };
        if !running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    {
        let mut s = ctx.state.lock().expect("backend state");
        s.demo_dir = None;
        s.demo_sts_url = None;
        for n in &demo_names {
            s.passwords.remove(n);
            s.statuses.remove(n);
        }
    }
    d.shutdown().await;
}

/// The running demo's row count in `demo.stock` and the records produced so far (tests).
pub async fn demo_counts(ctx: &BackendCtx) -> Result<(u64, u64), String> {
    let demo = ctx.demo.lock().await;
    let d = demo.as_ref().ok_or("the demo is not running")?;
    Ok((demo_rows(&d.sim).await?, d.produced.load(Ordering::Relaxed)))
}

/// A MySQL session on the demo's stand-in, as root.
async fn demo_admin(sim: &StarRocksSim) -> Result<ks_starrocks::MysqlAdmin, String> {
    ks_starrocks::MysqlAdmin::connect(
        &ks_core::config::JdbcUrl::parse(&sim.jdbc_url())?,
        "root",
        &Secret::new(DEMO_PASSWORD),
        ks_core::config::SslMode::Disabled,
        Duration::from_secs(5),
    )
    .await
    .map_err(|e| e.to_string())
}

/// The stand-in's row count of the demo table.
pub async fn demo_rows(sim: &StarRocksSim) -> Result<u64, String> {
    let admin = demo_admin(sim).await?;
    let rows = admin
        .query("select count(*) from demo.stock")
        .await
        .map_err(|e| e.to_string())?;
    Ok(rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// `kinesis-starrocks demo --headless`: the demo in the terminal. Starts the local services and
/// the demo pipeline, prints a status line every few seconds, and on Ctrl-C stops it (flush,
/// confirm, checkpoint) and prints the rows in the stand-in. Returns the exit code.
pub fn run_headless() -> i32 {
    use ks_ui::protocol::Request;
    use std::sync::atomic::AtomicBool;
    let dir = match tempfile::Builder::new()
        .prefix("kinesis-starrocks-demo-")
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: a temporary directory for the demo: {e}");
            return 1;
        }
    };
    let mut options = crate::backend::BackendOptions::for_tests(dir.path().join("unused"));
    options.aws = Default::default();
    options.keyring = false;
    let backend = crate::backend::spawn(options, || {});
    let replies = backend.take_replies();
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    backend.runtime().spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::Relaxed);
        }
    });
    backend.link.send(Request::StartDemo);
    let mut name: Option<String> = None;
    let mut stopping = false;
    let mut last_line = std::time::Instant::now();
    loop {
        if interrupted.load(Ordering::Relaxed) && !stopping {
            stopping = true;
            match &name {
                Some(n) => {
                    eprintln!("stopping: loading, confirming and checkpointing what was read…");
                    backend.link.send(Request::Stop { name: n.clone() });
                }
                None => return 130,
            }
        }
        let reply = match replies.recv_timeout(Duration::from_millis(200)) {
            Ok(r) => r,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(_) => return 1,
        };
        match reply {
            Reply::DemoReady {
                name: n,
                config,
                password,
            } => {
                println!(
                    "local demo: Kinesis {} (stream {DEMO_STREAM}), StarRocks stand-in {} \
                     (table {DEMO_DATABASE}.{DEMO_TABLE}, user root, password {DEMO_PASSWORD})",
                    config.source.endpoint_url.as_deref().unwrap_or_default(),
                    config
                        .sink
                        .jdbc_url
                        .as_ref()
                        .map(|j| j.text.as_str())
                        .unwrap_or_default(),
                );
                backend.link.send(Request::Save {
                    ticket: 1,
                    name: n.clone(),
                    config,
                    password: Some(password),
                });
                name = Some(n);
            }
            Reply::Saved {
                result, name: n, ..
            } => match result {
                Ok(_) => backend.link.send(Request::Start { name: n }),
                Err(e) => {
                    eprintln!("error: {e}");
                    return 1;
                }
            },
            Reply::Snapshot { snapshot, .. } if last_line.elapsed() >= Duration::from_secs(3) => {
                last_line = std::time::Instant::now();
                let t = &snapshot.totals;
                println!(
                    "{:?}: {} records read, {} rows loaded in {} loads, {} filtered (Ctrl-C stops)",
                    snapshot.state, t.records_read, t.rows_loaded, t.loads_ok, t.rows_filtered
                );
            }
            Reply::Ended { result, .. } => {
                let rows = backend.runtime().block_on(demo_counts(&backend.ctx));
                match (result, rows) {
                    (Ok(summary), Ok((rows, produced))) => {
                        println!(
                            "{summary}; {rows} rows in {DEMO_DATABASE}.{DEMO_TABLE}, {produced} records produced"
                        );
                        return 0;
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        eprintln!("error: {e}");
                        return 1;
                    }
                }
            }
            Reply::Error { context, message } => {
                eprintln!("error: {context}: {message}");
                return 1;
            }
            _ => {}
        }
    }
}
