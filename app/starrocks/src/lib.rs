//! StarRocks clients: the Stream Load client (manual 307 handling, tolerant answers, classified
//! errors, retries) and the MySQL-protocol admin (version, schema, grants, DDL).
//!
//! Both build their TLS on one process-wide rustls provider ([`tls::ensure_crypto_provider`]).

// `LoadError` carries what the user needs to see (ErrorURL lines, row counts) in plain fields so
// callers can match on it; it is returned once per failed HTTP attempt, not in a hot loop.
#![allow(clippy::result_large_err)]

pub mod admin;
#[cfg(test)]
mod answer_properties;
pub mod error;
pub mod response;
pub mod retry;
pub mod stream_load;
pub mod tls;

pub use admin::{AdminError, ColumnInfo, MysqlAdmin, StarRocksVersion};
pub use error::{LoadError, LoadStats, UnreachableKind, VERSIONS_BACKOFF};
pub use retry::{AttemptReport, RetryPolicy, with_retries};
pub use stream_load::{
    LoadBody, LoadOutcome, LoadStatus, Prepared, SettingsError, StreamLoadClient,
    StreamLoadSettings,
};
pub use tls::ensure_crypto_provider;
