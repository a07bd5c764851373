//! What every engine test world shares: the StarRocks stand-in in-process with the stock table,
//! SQL through the real MySQL protocol, the invariant every scenario ends with, the stock.py-shaped
//! records with unique ids, and waiting on the engine's snapshot.

use ks_engine::{EngineHandle, Snapshot};
use ks_starrocks::MysqlAdmin;
use starrocks_sim::{SimConfig, StarRocksSim};
use std::time::Duration;

pub use ks_local::stock::{STOCK_DDL, stock_record};
pub use ks_local::world::PASSWORD;

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
    ks_local::root_admin(sim, PASSWORD)
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
    ks_local::world::query_u64(&admin(sim).await, sql)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
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

/// Waits until `pred` holds for the snapshot (bounded).
pub async fn wait_for(
    handle: &EngineHandle,
    what: &str,
    secs: u64,
    pred: impl Fn(&Snapshot) -> bool,
) -> Snapshot {
    let mut rx = handle.snapshot();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        {
            let s = rx.borrow_and_update();
            if pred(&s) {
                return s.clone();
            }
        }
        if tokio::time::timeout_at(deadline, rx.changed())
            .await
            .is_err()
        {
            panic!(
                "timed out waiting for {what}; last snapshot: {:#?}",
                *rx.borrow()
            );
        }
    }
}
