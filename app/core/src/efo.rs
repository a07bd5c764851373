//! Enhanced fan-out in words: what it gives, what AWS bills for it, and the consumer's lifecycle.
//! Shared by the wizard's Stream step and `check` so that both say the same thing.

/// AWS's price of one consumer-shard-hour in US East (N. Virginia), USD. Other regions differ.
pub const USD_PER_CONSUMER_SHARD_HOUR: f64 = 0.015;
/// AWS's price of one GB read through enhanced fan-out in US East (N. Virginia), USD.
pub const USD_PER_GB: f64 = 0.013;
/// Hours in AWS's billing month.
pub const HOURS_PER_MONTH: f64 = 730.0;
/// Registered consumers a stream may have.
pub const MAX_CONSUMERS_PER_STREAM: usize = 20;

/// What one consumer costs a month for `shards` open shards before any data (US East prices).
pub fn monthly_consumer_usd(shards: usize) -> f64 {
    shards as f64 * HOURS_PER_MONTH * USD_PER_CONSUMER_SHARD_HOUR
}

/// The cost in words, for `shards` open shards when known.
pub fn cost_words(shards: Option<usize>) -> String {
    let rates = format!(
        "AWS bills a registered consumer per consumer-shard-hour (${USD_PER_CONSUMER_SHARD_HOUR} in \
         US East) and per GB read (${USD_PER_GB}), for as long as it is registered, read or not"
    );
    match shards {
        Some(n) => format!(
            "{rates}: with this stream's {n} open shard{}, about ${:.2} a month plus ${USD_PER_GB} \
             per GB (other regions' prices differ)",
            if n == 1 { "" } else { "s" },
            monthly_consumer_usd(n)
        ),
        None => format!("{rates} (other regions' prices differ)"),
    }
}

/// What enhanced fan-out gives, against polling.
pub const BENEFIT: &str = "The pipeline gets its own 2 MB/s per shard, pushed by SubscribeToShard \
     as records arrive, instead of sharing each shard's 2 MB/s and 5 reads a second with the \
     stream's other readers (Lambda, Firehose, other apps).";

/// What polling gives.
pub const POLLING: &str = "GetRecords polling: no extra cost. Every reader of the stream shares \
     each shard's 2 MB/s and 5 reads a second.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_monthly_figure_follows_the_shards() {
        assert!((monthly_consumer_usd(1) - 10.95).abs() < 1e-9);
        assert!((monthly_consumer_usd(4) - 43.8).abs() < 1e-9);
        let words = cost_words(Some(4));
        assert!(
            words.contains("4 open shards, about $43.80 a month"),
            "{words}"
        );
        assert!(words.contains("$0.015"), "{words}");
        assert!(cost_words(Some(1)).contains("1 open shard, about $10.95"));
        assert!(!cost_words(None).contains("a month"));
    }
}
