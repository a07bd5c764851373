//! Validation of a (user-edited) table and its column grid: names, types, key columns.

use super::ColumnSpec;
use super::{
    TableModel, TableSpec, field_addressable, parse_type, valid_column_name, valid_database_name,
    valid_table_name,
};
use serde::{Deserialize, Serialize};
use std::fmt;

impl TableSpec {
    /// Checks a (user-edited) table: names, types, key columns. Every error names its column.
    pub fn validate(&self) -> Result<(), Vec<SchemaError>> {
        let mut errors = Vec::new();
        if !valid_database_name(&self.database) {
            errors.push(SchemaError::table(format!(
                "database name {:?} is not valid: StarRocks database names start with a letter, \
                 then ASCII letters, digits or '_'",
                self.database
            )));
        }
        if !valid_table_name(&self.table) {
            errors.push(SchemaError::table(format!(
                "table name {:?} is not valid: 1 to 1024 characters, no '/' or control characters \
                 (Chinese and spaces are fine)",
                self.table
            )));
        }
        errors.extend(validate_columns(&self.columns));
        if self.buckets == Some(0) {
            errors.push(SchemaError::table("BUCKETS must be at least 1".to_string()));
        }
        if self.model == TableModel::Primary {
            if self.columns.iter().all(|c| !c.key) {
                errors.push(SchemaError::table(
                    "a PRIMARY KEY table needs a key: tick key on the column(s) that identify a \
                     row"
                    .to_string(),
                ));
            }
            for (i, c) in self.columns.iter().enumerate() {
                if c.key && c.nullable {
                    errors.push(SchemaError::column(
                        i,
                        &c.name,
                        "a primary key column is NOT NULL: untick nullable".to_string(),
                    ));
                }
            }
            for name in &self.sort_key {
                if !self
                    .columns
                    .iter()
                    .any(|c| c.name.eq_ignore_ascii_case(name))
                {
                    errors.push(SchemaError::table(format!(
                        "the sort key names {name:?}, which is not a column"
                    )));
                }
            }
        } else if !self.sort_key.is_empty() {
            errors.push(SchemaError::table(
                "a sort key (ORDER BY) is for PRIMARY KEY tables; a DUPLICATE KEY table sorts \
                 by its key"
                    .to_string(),
            ));
        }
        if self.replication_num == Some(0) {
            errors.push(SchemaError::table(
                "replication_num must be at least 1".to_string(),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A problem with the table or one of its columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaError {
    /// 0-based row of the grid (None: the table itself).
    pub index: Option<usize>,
    /// The column's name as typed (None: the table itself).
    pub column: Option<String>,
    pub message: String,
}

impl SchemaError {
    fn table(message: String) -> SchemaError {
        SchemaError {
            index: None,
            column: None,
            message,
        }
    }

    fn column(index: usize, name: &str, message: String) -> SchemaError {
        SchemaError {
            index: Some(index),
            column: Some(name.to_string()),
            message,
        }
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.index, &self.column) {
            (Some(i), Some(c)) if c.is_empty() => write!(f, "column {}: {}", i + 1, self.message),
            (Some(i), Some(c)) => write!(f, "column {} ({c}): {}", i + 1, self.message),
            _ => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for SchemaError {}

/// Checks a column grid: at least one column, valid and unique names, known types, key columns
/// a prefix of key-able types.
pub fn validate_columns(columns: &[ColumnSpec]) -> Vec<SchemaError> {
    let mut errors = Vec::new();
    if columns.is_empty() {
        errors.push(SchemaError::table(
            "the table has no columns: add at least one".to_string(),
        ));
        return errors;
    }
    let mut seen_non_key = false;
    for (i, c) in columns.iter().enumerate() {
        let err = |m: String| SchemaError::column(i, &c.name, m);
        if c.name.trim().is_empty() {
            errors.push(err("the name is empty".to_string()));
        } else if !valid_column_name(&c.name) {
            errors.push(err(format!(
                "{:?} is not a valid column name: 1 to 1024 characters without '=', '<', '>', '!' \
                 or '*' (Chinese and spaces are fine)",
                c.name
            )));
        }
        if let Some(first) = columns[..i]
            .iter()
            .position(|o| !c.name.is_empty() && o.name.eq_ignore_ascii_case(&c.name))
        {
            errors.push(err(format!(
                "duplicate column name (also column {}; names are case-insensitive)",
                first + 1
            )));
        }
        let ty = match parse_type(&c.sql_type) {
            Ok(t) => Some(t),
            Err(m) => {
                errors.push(err(m));
                None
            }
        };
        if c.key {
            if seen_non_key {
                errors.push(err(
                    "key columns must come first: move it above the non-key columns or untick key"
                        .to_string(),
                ));
            }
            if let Some(t) = &ty
                && !t.can_be_key()
            {
                errors.push(err(format!(
                    "a {} column cannot be a key column (FLOAT, DOUBLE, JSON and complex types cannot)",
                    t.ddl()
                )));
            }
        } else {
            seen_non_key = true;
        }
        if let Some(src) = &c.source
            && !field_addressable(src)
        {
            errors.push(err(format!(
                "source field {src:?} cannot be written as a jsonpath (it contains '\"', '[' or ']')"
            )));
        }
    }
    errors
}
