//! Kinesis source: stream discovery, per-shard readers, KPL de-aggregation, checkpoints. Filled by the engine issue (#3).
