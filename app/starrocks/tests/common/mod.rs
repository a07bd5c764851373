//! Shared set-up for the integration tests: the StarRocks stand-in in-process, the seed's table,
//! stock.py-shaped records, and clients pointed at it.
#![allow(dead_code)]

use bytes::Bytes;
use ks_core::config::{JdbcUrl, LoadUrl, SslMode};
use ks_core::{Label, Secret};
use ks_starrocks::{MysqlAdmin, StreamLoadClient, StreamLoadSettings};
use starrocks_sim::{SimConfig, StarRocksSim, TlsFiles};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

pub const PASSWORD: &str = "s3cret-pw";
pub const DB: &str = "example_db";
pub const TABLE: &str = "stock";

/// The seed's DDL (CelerData docs) as the stand-in's fixture holds it, statement by statement.
pub fn seed_ddl() -> Vec<&'static str> {
    include_str!("../../../starrocks-sim/tests/fixtures/seed_ddl.sql")
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

pub fn sim_config() -> SimConfig {
    SimConfig {
        password: PASSWORD.into(),
        ..Default::default()
    }
}

pub async fn start(config: SimConfig) -> StarRocksSim {
    StarRocksSim::start(config)
        .await
        .expect("start the stand-in")
}

pub fn jdbc(sim: &StarRocksSim) -> JdbcUrl {
    JdbcUrl::parse(&sim.jdbc_url()).unwrap()
}

pub async fn admin(sim: &StarRocksSim) -> MysqlAdmin {
    MysqlAdmin::connect(
        &jdbc(sim),
        "root",
        &Secret::new(PASSWORD),
        SslMode::Disabled,
        Duration::from_secs(10),
    )
    .await
    .expect("connect to the stand-in's MySQL port")
}

/// The stand-in with the seed's `example_db.stock`, created through the MySQL port.
pub async fn start_with_table(config: SimConfig) -> StarRocksSim {
    let sim = start(config).await;
    let admin = admin(&sim).await;
    for sql in seed_ddl() {
        admin.execute(sql).await.expect("seed DDL");
    }
    sim
}

pub fn json_properties() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("format".to_string(), "json".to_string()),
        (
            "jsonpaths".to_string(),
            r#"["$.event_time", "$.ticker", "$.price"]"#.to_string(),
        ),
        ("strip_outer_array".to_string(), "true".to_string()),
    ])
}

pub fn settings(load_urls: &[String], password: &str) -> StreamLoadSettings {
    StreamLoadSettings {
        load_urls: load_urls
            .iter()
            .map(|u| LoadUrl::parse(u).unwrap())
            .collect(),
        username: "root".into(),
        password: Secret::new(password),
        database: DB.into(),
        table: TABLE.into(),
        properties: json_properties(),
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(10),
        extra_root_certs_pem: Vec::new(),
    }
}

pub fn client(sim: &StarRocksSim) -> StreamLoadClient {
    StreamLoadClient::new(settings(&[sim.load_url()], PASSWORD)).unwrap()
}

/// `n` records shaped like the AWS getting-started `stock.py` producer, unique per `batch`.
pub fn stock_records(batch: u32, n: u32) -> Vec<serde_json::Value> {
    let tickers = ["AAPL", "AMZN", "MSFT", "INTC", "TBV"];
    (0..n)
        .map(|i| {
            serde_json::json!({
                "event_time": format!("2024-05-28T19:{:02}:{:02}.{:06}", batch % 60, i % 60, i),
                "ticker": tickers[(i as usize) % tickers.len()],
                "price": ((i * 37 + batch * 11) % 10_000) as f64 / 100.0,
            })
        })
        .collect()
}

/// A JSON array body (our batches are arrays; `strip_outer_array` makes them rows).
pub fn body_of(records: &[serde_json::Value]) -> Bytes {
    Bytes::from(serde_json::to_vec(records).unwrap())
}

pub fn label(s: &str) -> Label {
    Label::new(s).unwrap()
}

pub fn row_count(sim: &StarRocksSim) -> usize {
    sim.catalog()
        .with_table(DB, TABLE, |t| t.row_count())
        .unwrap()
}

/// Stream Load requests that reached the BE port.
pub fn be_loads(sim: &StarRocksSim) -> usize {
    sim.faults()
        .requests()
        .iter()
        .filter(|r| r.port == "be" && r.uri.contains("_stream_load"))
        .count()
}

pub fn fe_loads(sim: &StarRocksSim) -> usize {
    sim.faults()
        .requests()
        .iter()
        .filter(|r| r.port == "fe" && r.uri.contains("_stream_load"))
        .count()
}

/// A self-signed certificate for 127.0.0.1/localhost, written as PEM files, and its PEM.
pub fn self_signed(dir: &Path) -> (TlsFiles, Vec<u8>) {
    ks_starrocks::ensure_crypto_provider();
    TlsFiles::self_signed(dir).expect("a self-signed certificate")
}

/// A 127.0.0.1 port with nothing listening.
pub fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
