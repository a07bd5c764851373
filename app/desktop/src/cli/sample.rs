//! `kinesis-starrocks sample --config F [-n N] [--from trim-horizon|latest] [--json]`: N records
//! across the stream's shards, KPL aggregates de-aggregated, printed as JSON when they parse, else
//! as escaped bytes, each with its shard and sequence number. Reads only: nothing is consumed or
//! checkpointed.

use super::{EXIT_FAILED, load_config, runtime};
use ks_preflight::PreflightContext;
use ks_preflight::sample::SampleFrom;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// The pipeline's TOML config (only `[source]` is used).
    #[arg(long)]
    pub config: PathBuf,
    /// How many records.
    #[arg(short = 'n', long = "count", default_value_t = 10)]
    pub count: usize,
    /// Where to start: the oldest retained records (trim-horizon), records arriving from now on
    /// (latest), or an RFC 3339 time such as 2026-11-25T09:00:00Z.
    #[arg(long, default_value = "trim-horizon")]
    pub from: SampleFrom,
    /// One JSON object per line: shard, sequence, sub, arrival-ms, record (JSON) or bytes.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: SampleArgs) -> i32 {
    let config = match load_config(&args.config) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Some(rt) = runtime() else {
        return EXIT_FAILED;
    };
    let stream = config.source.stream_name.clone();
    let ctx = PreflightContext::new(config, None);
    let records = match rt.block_on(ks_preflight::sample::sample(&ctx, args.count, args.from)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILED;
        }
    };
    if records.is_empty() {
        let hint = match args.from {
            SampleFrom::Latest => "no record arrived while waiting; is a producer running?",
            SampleFrom::TrimHorizon => "the stream holds no records within its retention",
            SampleFrom::AtTimestamp(_) => "no record arrived at or after that time",
        };
        eprintln!("stream {stream:?}: no records ({hint})");
        return 0;
    }
    for r in &records {
        if args.json {
            let record = match r.json() {
                Some(v) => serde_json::json!({ "json": v }),
                None => serde_json::json!({ "bytes": r.display() }),
            };
            let line = serde_json::json!({
                "shard": r.shard,
                "sequence": r.sequence,
                "sub": r.sub,
                "arrival-ms": r.arrival_ms,
                "record": record,
            });
            println!("{line}");
        } else {
            let kind = if r.json().is_some() {
                ""
            } else {
                "(not JSON) "
            };
            println!("{}  {kind}{}", r.position(), r.display());
        }
    }
    eprintln!("{} records from stream {stream:?}", records.len());
    0
}
