//! The Table checks (`table.database`, `table.exists`, `table.mapping`, `table.drift`) and the
//! table tools the CLI (`init-table`) and the wizard use: create, describe, list.
//!
//! The checks sample a few records from trim-horizon (bounded in time) and compare them with the
//! table's columns and the sink's jsonpaths/columns through the mapping preview, so a finding
//! here is what a load would do.

mod checks;
mod drift;
mod mapping;
mod tools;

pub use checks::run;
pub use drift::{Drift, drift, drift_check};
pub use mapping::mapping_check;
pub use tools::{column_spec, connect, describe, init_table, list_tables, propose_table};

use ks_core::check::{CheckGroup, CheckResult, CheckStatus};
use std::time::Duration;

const G: CheckGroup = CheckGroup::Table;
/// How many records the checks sample, and for how long at most.
pub const CHECK_SAMPLE_RECORDS: usize = 20;
pub const CHECK_SAMPLE_BUDGET: Duration = Duration::from_secs(10);
const INIT_TABLE_HINT: &str = "kinesis-starrocks init-table --config <your config file>";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("sink.jdbc-url is not set: the table tools need the cluster's MySQL port")]
    NoJdbcUrl,
    #[error(
        "no StarRocks password: give one with password-file, STARROCKS_PASSWORD or the keyring"
    )]
    NoPassword,
    /// Connecting or a statement failed (StarRocks' message, never the password).
    #[error("{0}")]
    Admin(String),
    #[error("the table is not valid: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ks_core::schema::SchemaError>),
    #[error("table `{database}`.`{table}` does not exist")]
    NotFound { database: String, table: String },
    /// Sampling the stream failed (for a proposal).
    #[error("{0}")]
    Sample(String),
    /// The stream holds no JSON object records to infer columns from.
    #[error("no JSON records to infer columns from: {0}")]
    NoRecords(String),
}

fn skipped_with(id: &str, title: &str, detail: String) -> CheckResult {
    CheckResult {
        status: CheckStatus::Skipped,
        ..CheckResult::pass(G, id, title, detail)
    }
}
