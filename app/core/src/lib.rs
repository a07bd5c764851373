//! Config model (TOML, DESIGN.md §3), its validation, and the domain types every other crate
//! shares: shard ids, extended sequence numbers, labels, secrets.

pub mod config;
pub mod domain;
pub mod secret;

pub use config::{PipelineConfig, SinkConfig, SourceConfig};
pub use domain::{ExtendedSeq, InitialPosition, Label, ShardId};
pub use secret::Secret;
