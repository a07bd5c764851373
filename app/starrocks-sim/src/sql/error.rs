//! [`SqlError`]: an error as the MySQL client shows it, and the StarRocks wordings used.

use std::fmt;

/// An error as the MySQL client shows it: `ERROR code (sqlstate): message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ERROR {code} ({sqlstate}): {message}")]
pub struct SqlError {
    pub code: u16,
    pub sqlstate: String,
    pub message: String,
}

impl SqlError {
    pub fn new(code: u16, sqlstate: &str, message: impl Into<String>) -> SqlError {
        SqlError {
            code,
            sqlstate: sqlstate.to_string(),
            message: message.into(),
        }
    }

    /// 1064 with StarRocks' "Getting analyzing error" wording.
    pub fn analysis(detail: impl fmt::Display) -> SqlError {
        SqlError::new(
            1064,
            "42000",
            format!("Getting analyzing error. Detail message: {detail}."),
        )
    }

    pub fn unknown_database(db: &str) -> SqlError {
        SqlError::new(1049, "42000", format!("Unknown database '{db}'"))
    }

    pub fn no_database() -> SqlError {
        SqlError::new(1046, "3D000", "No database selected")
    }

    pub(super) fn unknown_table(db: &str, table: &str) -> SqlError {
        SqlError::analysis(format_args!("Unknown table '{db}.{table}'"))
    }

    pub(super) fn unknown_variable(name: &str) -> SqlError {
        SqlError::new(1193, "HY000", format!("Unknown system variable '{name}'"))
    }
}
