//! Config model (TOML), validation and domain types (ShardId, ExtendedSeq, Label); no I/O. Filled by the engine issue (#3).
