//! What the preflight tests share: running one group's checks with the assertions every report
//! meets, reading a check's status and texts, the seed's stock table, and the ports and
//! certificates the failure cases need.

#![allow(dead_code)]

use ks_core::check::{CheckGroup, CheckReport, CheckResult, CheckStatus};
use ks_core::{PipelineConfig, Secret};
use ks_local::EmbeddedKinesis;
use ks_preflight::PreflightContext;
use ks_starrocks::MysqlAdmin;
use starrocks_sim::TlsFiles;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// `example_db.stock` as the seed creates it (no id), for the checks that load into it.
pub const STOCK_NO_ID_DDL: &str = "CREATE TABLE example_db.stock (`event_time` DATETIME NULL, \
     `ticker` VARCHAR(20) NOT NULL, `price` DOUBLE NULL) ENGINE=OLAP DUPLICATE KEY(`event_time`) \
     DISTRIBUTED BY HASH(`ticker`) BUCKETS 2";

/// Runs `group`'s checks and asserts what holds for every report: the observer saw every result
/// in order, the ids are `ids`, each check is in `group`, `secret` is in no detail or
/// remediation, and a remediation comes with Warn and Fail only. `DUMP_REPORT=1` prints it.
pub async fn run_group(
    ctx: &PreflightContext,
    group: CheckGroup,
    ids: &[&str],
    secret: &str,
) -> CheckReport {
    let mut seen = Vec::new();
    let report = ks_preflight::run(ctx, &[group], &mut |r| seen.push(r.id.clone())).await;
    assert_eq!(
        seen,
        report
            .checks
            .iter()
            .map(|c| c.id.clone())
            .collect::<Vec<_>>()
    );
    if std::env::var_os("DUMP_REPORT").is_some() {
        for c in &report.checks {
            eprintln!(
                "{} {} {}\n  {}\n  => {:?}",
                c.status.mark(),
                c.id,
                c.title,
                c.detail.replace('\n', "\n  "),
                c.remediation
            );
        }
    }
    let got: Vec<&str> = report.checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(got, ids, "{report:#?}");
    for c in &report.checks {
        assert_eq!(c.group, group);
        let text = format!("{} {:?}", c.detail, c.remediation);
        assert!(
            !text.contains(secret),
            "the password leaked in {}: {text}",
            c.id
        );
        assert_eq!(
            c.remediation.is_some(),
            matches!(c.status, CheckStatus::Warn | CheckStatus::Fail),
            "{}: {c:#?}",
            c.id
        );
    }
    report
}

/// Check `id` of `report`; panics with the report when it is missing.
pub fn check<'a>(report: &'a CheckReport, id: &str) -> &'a CheckResult {
    report
        .get(id)
        .unwrap_or_else(|| panic!("no {id} in {report:#?}"))
}

pub fn status(report: &CheckReport, id: &str) -> CheckStatus {
    check(report, id).status
}

pub fn detail<'a>(report: &'a CheckReport, id: &str) -> &'a str {
    &check(report, id).detail
}

/// Check `id`'s remediation; panics when it has none.
pub fn remediation<'a>(report: &'a CheckReport, id: &str) -> &'a str {
    check(report, id)
        .remediation
        .as_deref()
        .unwrap_or_else(|| panic!("{id} has no remediation: {report:#?}"))
}

/// Creates `example_db` and [`STOCK_NO_ID_DDL`]'s table.
pub async fn create_stock_table(admin: &MysqlAdmin) {
    admin
        .execute("CREATE DATABASE IF NOT EXISTS example_db")
        .await
        .unwrap();
    admin.execute(STOCK_NO_ID_DDL).await.unwrap();
}

/// A loopback port nothing listens on (bound once, then released).
pub fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A self-signed certificate and key for 127.0.0.1 in `dir`.
pub fn tls_files(dir: &Path) -> TlsFiles {
    TlsFiles::self_signed(dir)
        .expect("a self-signed certificate")
        .0
}

/// A listener whose accept queue is full: the kernel drops further SYNs, as a security group
/// does, so a connect times out instead of being refused. Keep all three alive while it is used.
pub async fn blackhole() -> (
    tokio::net::TcpListener,
    Vec<tokio::net::TcpStream>,
    SocketAddr,
) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    for _ in 0..16 {
        match tokio::time::timeout(
            Duration::from_millis(300),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(s)) => held.push(s),
            Ok(Err(e)) => panic!("filling the accept queue: {e}"),
            // The queue is full: the next SYN was dropped.
            Err(_) => return (listener, held, addr),
        }
    }
    panic!("the accept queue of a listen(0) socket never filled");
}

/// ferrokinesis in this process with `stream` of `shards` shards (none when `shards` is 0), and a
/// client on it.
pub async fn kinesis_with_stream(
    stream: &str,
    shards: i32,
) -> (EmbeddedKinesis, aws_sdk_kinesis::Client) {
    let (_, kinesis) = EmbeddedKinesis::start(EmbeddedKinesis::options())
        .await
        .expect("embedded Kinesis");
    let client = kinesis.client().await;
    if shards > 0 {
        ks_local::create_stream(&client, stream, shards)
            .await
            .expect("create stream");
    }
    (kinesis, client)
}

/// A context for `config` with `password` and the emulator's static AWS credentials.
pub fn emulator_ctx(config: PipelineConfig, password: &str) -> PreflightContext {
    let mut ctx = PreflightContext::new(config, Some(Secret::new(password)));
    ctx.aws.credentials = Some(ks_local::emulator_credentials());
    ctx
}
