//! The pipeline config: one TOML file per pipeline (docs/config.md). Sink keys use
//! flink-connector-starrocks' property names so a Flink job's properties carry over unchanged.
//!
//! The struct shapes here are the contract the CLI, the GUI, the engine and the tests share.
//!
//! * [`PipelineConfig::from_toml_str`] / [`PipelineConfig::load`] parse and validate a file; every
//!   problem is reported with its key path (`sink.load-url: expected http(s)://host[:port], got
//!   "ftp://x"`), unknown keys get a "did you mean" hint.
//! * [`PipelineConfig::validate`] re-checks a config built in code (the GUI's wizard).
//! * [`PipelineConfig::to_toml_string`] writes a config back (it round-trips; it never holds a
//!   password, because the model has no place for one).
//! * [`resolve_password`] finds the StarRocks password: `password-file`, then
//!   `STARROCKS_PASSWORD`, then the OS keyring (through a closure: the keyring lives in the desktop
//!   crate).
//!
//! One concern per module: `model` (the structs), `values` (their spellings and small parsers),
//! [`keys`] (the table of keys, each row with how it is read and written), `fields`, `reader`
//! and `readers` (reading a table key by key), `parse`, `write`, `validate`, `errors`, `password`
//! (password sources), `stream_load` and [`import`] (Kinesis Data Analytics properties).

mod errors;
mod fields;
pub mod import;
pub mod keys;
mod model;
mod parse;
mod password;
mod reader;
mod readers;
mod stream_load;
mod validate;
mod values;
mod write;

pub use errors::{ConfigError, KeyError};
pub use keys::known_keys;
pub use model::{
    BufferFlush, EfoConsumer, JdbcUrl, KplOutOfRange, LoadUrl, MAX_BUFFER_FLUSH_BYTES,
    MAX_BUFFER_FLUSH_INTERVAL_MS, MAX_LABEL_PREFIX_LEN, MAX_NAME_LEN, NetworkConfig, OnDataError,
    PipelineConfig, ReadLimits, ReaderKind, SinkConfig, SourceConfig, SslMode, defaults,
};
pub use parse::default_state_dir;
pub use password::{
    CREDENTIALS_DIRECTORY_ENV, KEYRING_SERVICE, KeyringLookup, PASSWORD_CREDENTIAL, PASSWORD_ENV,
    PasswordError, PasswordSource, keyring_account, resolve_password,
};
pub use stream_load::{property, set_property, stream_load_headers, stream_load_properties};
pub use validate::validate_name;

#[cfg(test)]
mod tests;
