//! Schema inference from sampled JSON records, the proposed table (DDL, jsonpaths) and the
//! validation of a user-edited column grid. Pure logic: the wizard's editable grid calls
//! [`TableSpec::validate`] and [`TableSpec::ddl`] on every edit; `init-table` runs the DDL.
//!
//! Every type proposed here loads with StarRocks' conversion rules (protocol reference §5.2):
//! DATETIME only for strings in the shapes StarRocks parses, VARCHAR long enough with headroom.

mod ddl;
mod infer;
pub mod ops;
#[cfg(test)]
mod tests;
mod validate;
pub mod zones;

pub use ddl::{add_column_ddl, jsonpaths};
pub use infer::{TemporalShape, infer, infer_table, propose_key, temporal_shape, varchar_len};
pub use starrocks_model::sql_type::MAX_VARCHAR_BYTES;
/// The column type is StarRocks' own (`starrocks_model::SqlType`: one type and one parser for
/// the grid, the mapping preview and the stand-in). Its `Display` is the server's `DESC`
/// spelling; [`ColumnType::ddl`] is the spelling the grid and the DDL use.
pub use starrocks_model::sql_type::SqlType as ColumnType;
pub use starrocks_model::type_parser::{TYPE_NAMES, parse_type};
pub use validate::{SchemaError, validate_columns};

use serde::{Deserialize, Serialize};

/// One column of a proposed (or described) table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSpec {
    pub name: String,
    /// The type as written in the DDL: `BIGINT`, `VARCHAR(64)`, `DATETIME`, `DECIMAL(18, 4)`, …
    pub sql_type: String,
    pub nullable: bool,
    /// Part of the sort key (DUPLICATE KEY). Key columns come first, in order.
    pub key: bool,
    /// The JSON field the column takes its value from, when it differs from `name` (a field
    /// whose name is not a valid column name, e.g. `price-usd` → column `price_usd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl ColumnSpec {
    /// A nullable, non-key column fed by the field of the same name.
    pub fn new(name: impl Into<String>, sql_type: impl Into<String>) -> ColumnSpec {
        ColumnSpec {
            name: name.into(),
            sql_type: sql_type.into(),
            nullable: true,
            key: false,
            source: None,
        }
    }

    /// The JSON field this column reads.
    pub fn field(&self) -> &str {
        self.source.as_deref().unwrap_or(&self.name)
    }

    /// The `jsonpaths` entry for this column (`$.price`, `$."a.b"`).
    pub fn jsonpath(&self) -> String {
        jsonpath_for(self.field())
    }

    /// The column's definition inside CREATE TABLE / ADD COLUMN: `` `name` TYPE [NOT] NULL ``.
    pub fn definition(&self) -> String {
        format!(
            "{} {} {}",
            quote_ident(&self.name),
            self.sql_type.trim(),
            if self.nullable { "NULL" } else { "NOT NULL" }
        )
    }

    /// The parsed type (None when it does not parse; see [`parse_type`]).
    pub fn column_type(&self) -> Option<ColumnType> {
        parse_type(&self.sql_type).ok()
    }
}

/// How StarRocks keeps a table's rows (its table model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TableModel {
    /// `DUPLICATE KEY`: every record is a row (the pipeline's labels keep batches from loading
    /// twice); the key only sorts.
    #[default]
    Duplicate,
    /// `PRIMARY KEY`: the newest record per key replaces the row (upserts, in stream order);
    /// `__op` deletes and `partial_update` work.
    Primary,
}

impl TableModel {
    /// What the choice does, in the user's words.
    pub fn explain(self) -> &'static str {
        match self {
            TableModel::Duplicate => {
                "Duplicate key: every record becomes a row (history, events). The key columns \
                 only sort the table."
            }
            TableModel::Primary => {
                "Primary key: a record replaces the row with the same key (the newest wins, in \
                 stream order); records can delete rows through __op and update some columns \
                 only (partial_update). Key columns are NOT NULL."
            }
        }
    }
}

/// A table to create: the wizard's grid, or what [`infer_table`] proposes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TableSpec {
    pub database: String,
    pub table: String,
    pub columns: Vec<ColumnSpec>,
    /// `BUCKETS n` (None: StarRocks picks the bucket count, 2.5.7+).
    #[serde(default)]
    pub buckets: Option<u32>,
    /// `PROPERTIES("replication_num" = "n")`: 1 on a single-BE self-managed cluster (the default
    /// of 3 fails there); None leaves the cluster default (CelerData, 3+ BEs).
    #[serde(default)]
    pub replication_num: Option<u32>,
    #[serde(default)]
    pub model: TableModel,
    /// PRIMARY KEY tables: `ORDER BY (…)`, the sort key when it should differ from the primary
    /// key (queries filtering on other columns); empty: none.
    #[serde(default)]
    pub sort_key: Vec<String>,
}

/// Backquotes an identifier (a backquote inside is doubled).
pub fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The StarRocks JSON path of a top-level field: `$.a`, or `$."a.b"` when the name has a dot.
pub fn jsonpath_for(field: &str) -> String {
    if field.contains('.') {
        format!("$.\"{field}\"")
    } else {
        format!("$.{field}")
    }
}

/// Whether a JSON field name can be addressed by a StarRocks jsonpath at all (`"`, `[` and `]`
/// cannot be written inside one).
pub fn field_addressable(field: &str) -> bool {
    !field.is_empty() && !field.contains(['"', '[', ']'])
}

/// Whether `name` is a plain identifier that needs no backticks anywhere: starts with an ASCII
/// letter or `_`, then ASCII letters, digits, `_`; at most 64 characters.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// StarRocks' database-name rule (FeNameFormat `DB_NAME_REGEX`): a letter (or '_' and a letter
/// or digit), then ASCII letters, digits and '_', at most 256 characters.
pub fn valid_database_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => true,
        Some('_') => chars.next().is_some_and(|c| c.is_ascii_alphanumeric()),
        _ => false,
    };
    first_ok && name.len() <= 256 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// StarRocks' table-name rule (FeNameFormat `TABLE_NAME_REGEX`: any character but NUL, 1 to
/// 1024), less what cannot travel in the Stream Load URL path ('/') or that no one means
/// (control characters): 股票 行情 is a table name.
pub fn valid_table_name(name: &str) -> bool {
    (1..=1024).contains(&name.chars().count()) && !name.chars().any(|c| c.is_control() || c == '/')
}

/// StarRocks' column-name rule (FeNameFormat `COLUMN_NAME_REGEX`): 1 to 1024 characters, none of
/// NUL, '=', '<', '>', '!', '*'; control characters are refused too.
pub fn valid_column_name(name: &str) -> bool {
    (1..=1024).contains(&name.chars().count())
        && !name
            .chars()
            .any(|c| c.is_control() || matches!(c, '=' | '<' | '>' | '!' | '*'))
}

/// A column name for a JSON field: letters (any script) and digits stay, other characters become
/// `_`, a leading digit gets a `_`; at most 64 characters (names are shown in a grid).
pub fn column_name_for(field: &str) -> String {
    let mut s: String = field
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_numeric()) {
        s.insert(0, '_');
    }
    s
}
