//! What a [`TableSpec`] writes: CREATE DATABASE / CREATE TABLE, ADD COLUMN, and the
//! `jsonpaths` that feed its columns.

use super::{ColumnSpec, TableModel, TableSpec, quote_ident};

impl TableSpec {
    /// `CREATE DATABASE IF NOT EXISTS `db``.
    pub fn create_database_ddl(&self) -> String {
        format!(
            "CREATE DATABASE IF NOT EXISTS {}",
            quote_ident(&self.database)
        )
    }

    /// `` `db`.`table` ``.
    pub fn qualified_name(&self) -> String {
        format!(
            "{}.{}",
            quote_ident(&self.database),
            quote_ident(&self.table)
        )
    }

    /// The key columns, in order.
    pub fn key_columns(&self) -> Vec<&ColumnSpec> {
        self.columns.iter().filter(|c| c.key).collect()
    }

    /// The CREATE TABLE statement, hash-distributed on its key: a DUPLICATE KEY table (appends
    /// every record; the pipeline's exactly-once labels keep duplicates out) or a PRIMARY KEY
    /// table (upserts; `ORDER BY` the sort key when one is given).
    pub fn ddl(&self) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("    {}", c.definition()))
            .collect();
        let keys: Vec<String> = self
            .key_columns()
            .iter()
            .map(|c| quote_ident(&c.name))
            .collect();
        let mut out = format!(
            "CREATE TABLE IF NOT EXISTS {} (\n{}\n)",
            self.qualified_name(),
            cols.join(",\n")
        );
        if keys.is_empty() {
            // No column can be a key (all DOUBLE/JSON): random distribution needs none.
            out.push_str("\nDISTRIBUTED BY RANDOM");
        } else {
            let keys = keys.join(", ");
            let model = match self.model {
                TableModel::Duplicate => "DUPLICATE KEY",
                TableModel::Primary => "PRIMARY KEY",
            };
            out.push_str(&format!("\n{model}({keys})\nDISTRIBUTED BY HASH({keys})"));
        }
        if let Some(b) = self.buckets {
            out.push_str(&format!(" BUCKETS {b}"));
        }
        if self.model == TableModel::Primary && !self.sort_key.is_empty() {
            let sort: Vec<String> = self.sort_key.iter().map(|c| quote_ident(c)).collect();
            out.push_str(&format!("\nORDER BY ({})", sort.join(", ")));
        }
        if let Some(r) = self.replication_num {
            out.push_str(&format!("\nPROPERTIES (\"replication_num\" = \"{r}\")"));
        }
        out
    }

    /// The `properties.jsonpaths` value matching the columns in order: `["$.a","$.b"]`.
    pub fn jsonpaths(&self) -> String {
        jsonpaths(&self.columns)
    }

    /// The `[sink]` properties a JSON pipeline into this table needs (`init-table` prints them,
    /// the wizard writes them): `format` and `jsonpaths`.
    pub fn config_properties(&self) -> Vec<(String, String)> {
        vec![
            ("format".to_string(), "json".to_string()),
            ("jsonpaths".to_string(), self.jsonpaths()),
        ]
    }
}

/// The `jsonpaths` value for these columns, in order.
pub fn jsonpaths(columns: &[ColumnSpec]) -> String {
    let paths: Vec<String> = columns.iter().map(ColumnSpec::jsonpath).collect();
    serde_json::to_string(&paths).unwrap_or_else(|_| "[]".to_string())
}

/// `ALTER TABLE `db`.`t` ADD COLUMN `c` TYPE NULL`: new columns are nullable (existing rows and
/// records without the field get NULL).
pub fn add_column_ddl(database: &str, table: &str, column: &ColumnSpec) -> String {
    let col = ColumnSpec {
        nullable: true,
        key: false,
        ..column.clone()
    };
    format!(
        "ALTER TABLE {}.{} ADD COLUMN {}",
        quote_ident(database),
        quote_ident(table),
        col.definition()
    )
}
