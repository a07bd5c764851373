//! The stock records of the seed's producer (AWS's `stock.py`: `event_time`, `ticker`, `price`),
//! in two shapes: with a unique `id` for tests that count rows, and live (now, no id) for the demo.

use crate::kinesis::LocalError;
use crate::produce::put_json_records;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const TICKERS: [&str; 5] = ["AAPL", "AMZN", "MSFT", "INTC", "TBV"];

/// The tests' stock table, with a unique id per record so duplicates would show.
pub const STOCK_DDL: &str = "CREATE TABLE example_db.stock (
    `id` BIGINT NOT NULL,
    `event_time` DATETIME NULL,
    `ticker` VARCHAR(20) NOT NULL,
    `price` DOUBLE NULL
) ENGINE=OLAP DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`) BUCKETS 4";

/// Record `id` for tests: deterministic, `event_time` ISO-8601 with microseconds.
pub fn stock_record(id: u64) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "event_time": format!("2024-05-28T19:{:02}:{:02}.{:06}", (id / 60) % 60, id % 60, id % 1_000_000),
        "ticker": TICKERS[(id % 5) as usize],
        "price": (id % 10_000) as f64 / 100.0,
    })
}

/// stock.py's record as the demo produces it: `{"event_time": now ISO-8601 with microseconds,
/// "ticker": one of five, "price": 0..100 with two decimals}`.
pub fn live_stock_record(n: u64, now: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
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

/// Puts test records with ids `from..from + n`, one partition key per record.
pub async fn put_stock(
    client: &aws_sdk_kinesis::Client,
    stream: &str,
    from: u64,
    n: u64,
) -> Result<(), LocalError> {
    let records: Vec<serde_json::Value> = (from..from + n).map(stock_record).collect();
    let keys: Vec<String> = (from..from + n).map(|i| format!("pk-{i}")).collect();
    put_json_records(client, stream, &records, &keys).await?;
    Ok(())
}

/// A background producer of live stock records, `records_per_s` a second over 8 partition keys.
/// Dropping it stops it.
pub struct StockProducer {
    /// Records put so far.
    pub produced: Arc<AtomicU64>,
    /// The rate it aims at (records/s), changeable while it runs.
    rate: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StockProducer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How often the producer puts what is due: one PutRecords per tick keeps 2,000 records/s to
/// ten calls a second.
const PRODUCER_TICK: Duration = Duration::from_millis(100);
/// Kinesis takes at most 500 records per PutRecords.
const PUT_RECORDS_MAX: usize = 500;

impl StockProducer {
    pub fn spawn(client: aws_sdk_kinesis::Client, stream: &str, records_per_s: u64) -> Self {
        let produced = Arc::new(AtomicU64::new(0));
        let rate = Arc::new(AtomicU64::new(records_per_s.max(1)));
        let task = tokio::spawn(produce(
            client,
            stream.to_string(),
            rate.clone(),
            produced.clone(),
        ));
        StockProducer {
            produced,
            rate,
            task,
        }
    }

    pub fn produced(&self) -> u64 {
        self.produced.load(Ordering::Relaxed)
    }

    /// Changes the rate from the next tick on (at least 1 record/s).
    pub fn set_rate(&self, records_per_s: u64) {
        self.rate.store(records_per_s.max(1), Ordering::Relaxed);
    }

    pub fn rate(&self) -> u64 {
        self.rate.load(Ordering::Relaxed)
    }
}

async fn produce(
    client: aws_sdk_kinesis::Client,
    stream: String,
    rate: Arc<AtomicU64>,
    produced: Arc<AtomicU64>,
) {
    let mut tick = tokio::time::interval(PRODUCER_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let keys: Vec<String> = (0..8).map(|i| format!("pk-{i}")).collect();
    let mut last = tokio::time::Instant::now();
    // Records owed but not put yet (fractions carry over, so 4/s puts one every 250 ms).
    let mut due = 0.0f64;
    loop {
        tick.tick().await;
        let now = tokio::time::Instant::now();
        due += rate.load(Ordering::Relaxed) as f64 * now.duration_since(last).as_secs_f64();
        last = now;
        // A slow endpoint does not build a burst: at most one second's worth is owed.
        due = due.min(rate.load(Ordering::Relaxed) as f64);
        let count = (due.floor() as usize).min(PUT_RECORDS_MAX);
        if count == 0 {
            continue;
        }
        let n = produced.load(Ordering::Relaxed);
        let at = chrono::Utc::now();
        let records: Vec<serde_json::Value> = (0..count as u64)
            .map(|i| live_stock_record(n + i, at))
            .collect();
        let start = (n % keys.len() as u64) as usize;
        let record_keys: Vec<String> = (0..count)
            .map(|i| keys[(start + i) % keys.len()].clone())
            .collect();
        match put_json_records(&client, &stream, &records, &record_keys).await {
            Ok(results) => {
                produced.fetch_add(results.len() as u64, Ordering::Relaxed);
                due -= results.len() as f64;
            }
            Err(e) => tracing::warn!("stock producer: {e}"),
        }
    }
}
