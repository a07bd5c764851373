//! How often the pipeline will load, from its flush settings and the stream's open shards, and
//! whether that is often enough to run into StarRocks' "too many tablet versions".
//!
//! Every Stream Load adds a version to each tablet it writes; compaction merges them in the
//! background. StarRocks fails loads once a tablet has more unmerged versions than it allows
//! (1000 by default) — "too many tablet versions" / "close index channel failed" in its loading
//! FAQ, reported by users with loads every few seconds (docs/starrocks-protocol.md §6). `check` and the
//! monitor use this estimate to warn before it happens; the engine retries the error (same
//! label, longer back-off) and names the remedy when it does.

use crate::config::BufferFlush;

/// A Kinesis shard's write limit (AWS: 1 MiB/s and 1,000 records/s per shard): the most a stream
/// written at full capacity brings per shard and second, which is what the batches fill with once
/// the pipeline has caught up.
pub const SHARD_WRITE_BYTES_PER_S: u64 = 1 << 20;
pub const SHARD_WRITE_RECORDS_PER_S: u64 = 1_000;

/// Loads closer together than this are likely to outrun compaction (StarRocks' FAQ: "you were
/// running load jobs too frequently").
pub const LIKELY_TOO_FREQUENT_MS: u64 = 1_000;

/// What ends a batch first when the stream is written at full capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlushTrigger {
    Interval,
    MaxBytes,
    MaxRows,
}

/// The shortest time between two loads the settings allow with the stream written at full
/// capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadFrequency {
    pub ms_between_loads: u64,
    pub trigger: FlushTrigger,
    pub open_shards: u32,
}

impl LoadFrequency {
    pub fn estimate(flush: &BufferFlush, open_shards: u32) -> LoadFrequency {
        let shards = u64::from(open_shards.max(1));
        let candidates = [
            (flush.interval_ms, FlushTrigger::Interval),
            (
                flush.max_bytes.saturating_mul(1000) / (shards * SHARD_WRITE_BYTES_PER_S),
                FlushTrigger::MaxBytes,
            ),
            (
                flush.max_rows.saturating_mul(1000) / (shards * SHARD_WRITE_RECORDS_PER_S),
                FlushTrigger::MaxRows,
            ),
        ];
        let (ms, trigger) = candidates
            .into_iter()
            .min_by_key(|(ms, _)| *ms)
            .expect("three candidates");
        LoadFrequency {
            ms_between_loads: ms,
            trigger,
            open_shards,
        }
    }

    pub fn likely_too_frequent(&self) -> bool {
        self.ms_between_loads < LIKELY_TOO_FREQUENT_MS
    }

    pub fn loads_per_minute(&self) -> u64 {
        60_000 / self.ms_between_loads.max(1)
    }

    /// One line: how often, and why.
    pub fn describe(&self) -> String {
        let why = match self.trigger {
            FlushTrigger::Interval => "buffer-flush.interval-ms".to_string(),
            FlushTrigger::MaxBytes => format!(
                "buffer-flush.max-bytes fills first: {} open shard(s) written at 1 MiB/s each",
                self.open_shards
            ),
            FlushTrigger::MaxRows => format!(
                "buffer-flush.max-rows fills first: {} open shard(s) written at 1,000 records/s each",
                self.open_shards
            ),
        };
        format!(
            "up to {} loads a minute, one every {} ms ({why})",
            self.loads_per_minute(),
            self.ms_between_loads
        )
    }
}

/// Why loads that come too often fail (the check's detail and the monitor's notice say it).
pub const WHY: &str = "Each load adds a version to every tablet it writes; StarRocks fails loads \
     with \"too many tablet versions\" when compaction falls behind (its loading FAQ). The \
     pipeline retries that answer, but it stalls meanwhile.";

/// What to change when loads come too often (the check's remediation, the monitor's notice and
/// the engine's error all say it).
pub const REMEDY: &str = "Load less often, with larger batches: raise buffer-flush.interval-ms \
     (StarRocks' own connectors default to seconds or minutes), and max-bytes / max-rows if they \
     fill first; or have the cluster compact faster (the BE settings in StarRocks' loading FAQ). \
     Merge commit (enable_merge_commit) is not offered: StarRocks then picks the labels itself, \
     and exactly-once depends on ours.";

#[cfg(test)]
mod tests {
    use super::*;

    fn flush(interval_ms: u64, max_bytes: u64, max_rows: u64) -> BufferFlush {
        BufferFlush {
            max_bytes,
            max_rows,
            interval_ms,
        }
    }

    #[test]
    fn the_seeds_settings_load_every_five_seconds_on_a_few_shards() {
        let f = LoadFrequency::estimate(&flush(5000, 64 << 20, 500_000), 4);
        assert_eq!(f.ms_between_loads, 5000);
        assert_eq!(f.trigger, FlushTrigger::Interval);
        assert!(!f.likely_too_frequent());
        assert_eq!(f.loads_per_minute(), 12);
    }

    #[test]
    fn many_shards_fill_small_batches_first() {
        // 1 MiB batches, 64 shards at 1 MiB/s: a batch every 15 ms.
        let f = LoadFrequency::estimate(&flush(5000, 1 << 20, 500_000), 64);
        assert_eq!(f.trigger, FlushTrigger::MaxBytes);
        assert_eq!(f.ms_between_loads, 15);
        assert!(f.likely_too_frequent());
        assert!(
            f.describe().contains("64 open shard(s)"),
            "{}",
            f.describe()
        );
        // 1,000 rows per batch over 10 shards at 1,000 records/s: every 100 ms.
        let f = LoadFrequency::estimate(&flush(5000, 64 << 20, 1000), 10);
        assert_eq!(
            (f.trigger, f.ms_between_loads),
            (FlushTrigger::MaxRows, 100)
        );
    }

    #[test]
    fn a_sub_second_interval_is_likely_too_frequent() {
        let f = LoadFrequency::estimate(&flush(200, 64 << 20, 500_000), 1);
        assert_eq!(
            (f.trigger, f.ms_between_loads),
            (FlushTrigger::Interval, 200)
        );
        assert!(f.likely_too_frequent());
        assert_eq!(f.loads_per_minute(), 300);
    }
}
