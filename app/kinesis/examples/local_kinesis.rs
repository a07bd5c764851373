//! A local Kinesis for trying the pipeline by hand: ferrokinesis on 127.0.0.1, a stream, and a
//! producer of stock-ticker records shaped like the AWS getting-started `stock.py`
//! (`event_time` ISO-8601 with microseconds, `ticker`, `price`), until Ctrl-C.
//!
//!     cargo run -p ks-kinesis --example local-kinesis -- --port 4567 --stream ExampleInputStream
//!
//! Then point a pipeline's `[source] endpoint-url` at `http://127.0.0.1:4567` (any AWS access key
//! works: export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test).

use clap::Parser;
use ks_local::EmbeddedKinesis;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 4567)]
    port: u16,
    #[arg(long, default_value = "ExampleInputStream")]
    stream: String,
    #[arg(long, default_value_t = 2)]
    shards: i32,
    /// Records per second (0: create the stream and produce nothing).
    #[arg(long, default_value_t = 100)]
    rate: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter("warn").init();
    let args = Args::parse();
    let kinesis = EmbeddedKinesis::start_on(
        SocketAddr::from(([127, 0, 0, 1], args.port)),
        EmbeddedKinesis::options(),
    )
    .await?;
    let client = kinesis.client().await;
    ks_local::create_stream(&client, &args.stream, args.shards).await?;
    ks_local::wait_active(&client, &args.stream).await?;
    println!(
        "Kinesis on {} with stream {} ({} shards); producing {} stock records/s. Ctrl-C stops.",
        kinesis.endpoint_url(),
        args.stream,
        args.shards,
        args.rate
    );
    let tickers = ["AAPL", "AMZN", "MSFT", "INTC", "TBV"];
    let mut sent = 0u64;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = tick.tick() => {}
        }
        let n = args.rate / 10;
        if n == 0 {
            continue;
        }
        let records: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                let k = (sent + i) as usize;
                serde_json::json!({
                    "event_time": chrono::Utc::now().naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
                    "ticker": tickers[k % tickers.len()],
                    "price": ((k * 7919) % 10_000) as f64 / 100.0,
                })
            })
            .collect();
        let keys: Vec<String> = (0..n).map(|i| format!("pk-{}", sent + i)).collect();
        ks_local::put_json_records(&client, &args.stream, &records, &keys).await?;
        sent += n;
        if sent % (args.rate * 10).max(1) < n {
            println!("{sent} records produced");
        }
    }
    println!("{sent} records produced in all");
    Ok(())
}
