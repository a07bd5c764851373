//! The pipeline: readers -> batcher -> loader -> checkpoint; commands, events, snapshot, metrics. Filled by the engine issue (#3).
