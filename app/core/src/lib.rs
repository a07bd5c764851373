//! Config model (TOML, docs/config.md), its validation, and the domain types every other crate
//! shares: shard ids, extended sequence numbers, labels, secrets.

pub mod check;
pub mod config;
pub mod diagnostics;
pub mod domain;
pub mod efo;
pub mod load_frequency;
pub mod preview;
pub mod sample;
pub mod schema;
pub mod secret;
pub mod snapshot;

pub use config::{
    BufferFlush, ConfigError, EfoConsumer, JdbcUrl, KeyError, KeyringLookup, KplOutOfRange,
    LoadUrl, NetworkConfig, OnDataError, PasswordError, PasswordSource, PipelineConfig, ReadLimits,
    ReaderKind, SinkConfig, SourceConfig, SslMode, keyring_account, resolve_password,
};
pub use domain::{ExtendedSeq, InitialPosition, Label, SeqNum, ShardId};
pub use secret::Secret;
