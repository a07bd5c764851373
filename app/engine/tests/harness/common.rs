//! The StarRocks side every engine test shares: the stand-in in-process with the stock table, SQL
//! through the real MySQL protocol, and the invariant every scenario ends with.

use ks_core::Secret;
use ks_starrocks::MysqlAdmin;
use starrocks_sim::{SimConfig, StarRocksSim};
use std::time::Duration;

pub const PASSWORD: &str = "sim-pw";

/// The stock table, with a unique id per record so duplicates would show.
pub const STOCK_DDL: &str = "CREATE TABLE example_db.stock (
    `id` BIGINT NOT NULL,
    `event_time` DATETIME NULL,
    `ticker` VARCHAR(20) NOT NULL,
    `price` DOUBLE NULL
) ENGINE=OLAP DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`) BUCKETS 4";

/// Starts the stand-in (with [`PASSWORD`]) and creates `example_db.stock`.
pub async fn start_sim(config: SimConfig) -> StarRocksSim {
    let sim = StarRocksSim::start(SimConfig {
        password: PASSWORD.into(),
        ..config
    })
    .await
    .expect("stand-in");
    sql(&sim, "CREATE DATABASE IF NOT EXISTS example_db").await;
    sql(&sim, STOCK_DDL).await;
    sim
}

pub async fn admin(sim: &StarRocksSim) -> MysqlAdmin {
    let jdbc = ks_core::config::JdbcUrl::parse(&sim.jdbc_url()).expect("jdbc url");
    MysqlAdmin::connect(
        &jdbc,
        "root",
        &Secret::new(PASSWORD),
        ks_core::config::SslMode::Disabled,
        Duration::from_secs(5),
    )
    .await
    .expect("mysql login")
}

pub async fn sql(sim: &StarRocksSim, sql: &str) {
    admin(sim)
        .await
        .execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

pub async fn query_u64(sim: &StarRocksSim, sql: &str) -> u64 {
    let rows = admin(sim)
        .await
        .query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows[0][0]
        .as_deref()
        .unwrap_or("0")
        .parse()
        .expect("a number")
}

/// Asserts the invariant: rows == distinct ids == `expected` (none lost, none duplicated).
pub async fn assert_exactly(sim: &StarRocksSim, expected: u64, context: &str) {
    let rows = query_u64(sim, "select count(*) from example_db.stock").await;
    let distinct = query_u64(sim, "select count(distinct id) from example_db.stock").await;
    assert_eq!(
        (rows, distinct),
        (expected, expected),
        "{context}: rows in the table / distinct ids / records produced"
    );
}
