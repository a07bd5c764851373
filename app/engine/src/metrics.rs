//! Prometheus text exposition of a snapshot (`run --metrics-addr`), and a tiny server for it.

use crate::snapshot::{PipelineState, Snapshot};
use std::fmt::Write;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

/// Renders `kinesis_starrocks_*` counters and gauges.
pub fn render(s: &Snapshot) -> String {
    let mut out = String::new();
    let p = &s.pipeline;
    let mut metric = |name: &str, kind: &str, help: &str, value: f64| {
        let _ = writeln!(out, "# HELP kinesis_starrocks_{name} {help}");
        let _ = writeln!(out, "# TYPE kinesis_starrocks_{name} {kind}");
        let _ = writeln!(out, "kinesis_starrocks_{name}{{pipeline=\"{p}\"}} {value}");
    };
    let t = &s.totals;
    metric(
        "records_read_total",
        "counter",
        "Kinesis records read.",
        t.records_read as f64,
    );
    metric(
        "bytes_read_total",
        "counter",
        "Kinesis record bytes read.",
        t.bytes_read as f64,
    );
    metric(
        "rows_loaded_total",
        "counter",
        "Rows StarRocks confirmed loaded.",
        t.rows_loaded as f64,
    );
    metric(
        "bytes_loaded_total",
        "counter",
        "Body bytes of confirmed loads.",
        t.bytes_loaded as f64,
    );
    metric(
        "rows_filtered_total",
        "counter",
        "Rows StarRocks filtered.",
        t.rows_filtered as f64,
    );
    metric(
        "rows_unselected_total",
        "counter",
        "Rows the where property left out.",
        t.rows_unselected as f64,
    );
    metric(
        "rows_dead_lettered_total",
        "counter",
        "Rows set aside in the dead-letter dir.",
        t.rows_dead_lettered as f64,
    );
    metric(
        "records_malformed_total",
        "counter",
        "Records that could not be a row.",
        t.records_malformed as f64,
    );
    metric(
        "loads_total",
        "counter",
        "Confirmed Stream Loads.",
        t.loads_ok as f64,
    );
    metric(
        "load_failed_attempts_total",
        "counter",
        "Stream Load attempts that failed and were retried.",
        t.loads_failed_attempts as f64,
    );
    metric(
        "throttled_total",
        "counter",
        "GetRecords throttled (ProvisionedThroughputExceeded).",
        t.throttled as f64,
    );
    metric(
        "kpl_out_of_range_total",
        "counter",
        "KPL sub-records whose hash key lies outside their shard's range (kept unless kpl-out-of-range = drop).",
        t.kpl_out_of_range as f64,
    );
    metric(
        "kpl_dropped_total",
        "counter",
        "KPL sub-records dropped by kpl-out-of-range = drop (never loaded).",
        t.kpl_dropped as f64,
    );
    metric(
        "buffered_bytes",
        "gauge",
        "Bytes read but not yet confirmed.",
        s.buffered_bytes as f64,
    );
    let stalled = matches!(s.state, PipelineState::Stalled { .. });
    metric(
        "stalled",
        "gauge",
        "1 while loads keep failing.",
        if stalled { 1.0 } else { 0.0 },
    );
    metric(
        "caught_up",
        "gauge",
        "1 when every shard is at the tip and everything read is confirmed.",
        if s.caught_up { 1.0 } else { 0.0 },
    );
    let _ = writeln!(
        out,
        "# HELP kinesis_starrocks_shard_millis_behind_latest MillisBehindLatest of the last GetRecords."
    );
    let _ = writeln!(
        out,
        "# TYPE kinesis_starrocks_shard_millis_behind_latest gauge"
    );
    for sh in &s.shards {
        if let Some(lag) = sh.millis_behind_latest {
            let _ = writeln!(
                out,
                "kinesis_starrocks_shard_millis_behind_latest{{pipeline=\"{p}\",shard=\"{}\"}} {lag}",
                sh.shard
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP kinesis_starrocks_shard_records_read_total Records read per shard."
    );
    let _ = writeln!(
        out,
        "# TYPE kinesis_starrocks_shard_records_read_total counter"
    );
    for sh in &s.shards {
        let _ = writeln!(
            out,
            "kinesis_starrocks_shard_records_read_total{{pipeline=\"{p}\",shard=\"{}\"}} {}",
            sh.shard, sh.records_read
        );
    }
    for (name, help, value) in [
        (
            "shard_kpl_out_of_range_total",
            "KPL sub-records outside the shard's hash-key range, per shard.",
            (|sh: &crate::snapshot::ShardSnapshot| sh.kpl_out_of_range)
                as fn(&crate::snapshot::ShardSnapshot) -> u64,
        ),
        (
            "shard_kpl_dropped_total",
            "KPL sub-records dropped (kpl-out-of-range = drop), per shard.",
            |sh| sh.kpl_dropped,
        ),
        (
            "shard_throttled_total",
            "GetRecords calls throttled (ProvisionedThroughputExceeded), per shard.",
            |sh| sh.throttled,
        ),
        (
            "shard_get_records_calls_total",
            "GetRecords calls made, per shard (throttled ones included).",
            |sh| sh.get_records_calls,
        ),
    ] {
        let _ = writeln!(out, "# HELP kinesis_starrocks_{name} {help}");
        let _ = writeln!(out, "# TYPE kinesis_starrocks_{name} counter");
        for sh in &s.shards {
            let _ = writeln!(
                out,
                "kinesis_starrocks_{name}{{pipeline=\"{p}\",shard=\"{}\"}} {}",
                sh.shard,
                value(sh)
            );
        }
    }
    out
}

/// Serves `GET /metrics` (any path, in fact) on `addr` until the snapshot channel closes.
pub async fn serve(
    addr: SocketAddr,
    snapshot: watch::Receiver<Snapshot>,
) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let body = render(&snapshot.borrow());
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let _ = stream.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(body.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Ok(local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{ShardSnapshot, ShardState};

    #[test]
    fn kpl_and_throttling_counters_per_pipeline_and_shard() {
        let mut s = Snapshot::new("stock");
        s.totals.kpl_out_of_range = 372;
        s.totals.kpl_dropped = 0;
        s.shards.push(ShardSnapshot {
            millis_behind_latest: Some(0),
            records_read: 600,
            bytes_read: 1,
            get_records_calls: 116,
            throttled: 78,
            kpl_out_of_range: 372,
            at_tip: true,
            ..ShardSnapshot::new(
                ks_core::ShardId("shardId-000000000001".into()),
                ShardState::Reading,
            )
        });
        let text = render(&s);
        for line in [
            "kinesis_starrocks_kpl_out_of_range_total{pipeline=\"stock\"} 372",
            "kinesis_starrocks_kpl_dropped_total{pipeline=\"stock\"} 0",
            "kinesis_starrocks_shard_kpl_out_of_range_total{pipeline=\"stock\",shard=\"shardId-000000000001\"} 372",
            "kinesis_starrocks_shard_kpl_dropped_total{pipeline=\"stock\",shard=\"shardId-000000000001\"} 0",
            "kinesis_starrocks_shard_throttled_total{pipeline=\"stock\",shard=\"shardId-000000000001\"} 78",
            "kinesis_starrocks_shard_get_records_calls_total{pipeline=\"stock\",shard=\"shardId-000000000001\"} 116",
            "# TYPE kinesis_starrocks_shard_kpl_dropped_total counter",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
        }
    }
}
