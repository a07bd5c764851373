//! The `information_schema` tables (`COLUMNS`, `SCHEMATA`, `TABLES`) built from the catalog.

use super::{Exec, VIRTUAL_DBS};
use crate::catalog::DefaultValue;
use crate::sql::SqlError;
use crate::types::{Cell, SqlType};

/// Column names and types of a relation.
type Columns = Vec<(String, SqlType)>;

pub(super) const INFO_TABLES: &[&str] = &["COLUMNS", "SCHEMATA", "TABLES"];

impl Exec<'_> {
    pub(super) fn information_schema(
        &self,
        table: &str,
    ) -> Result<(Columns, Vec<Vec<Cell>>), SqlError> {
        let s = |v: &str| Cell::Str(v.to_string());
        let opt_int = |v: Option<u64>| v.map_or(Cell::Null, |n| Cell::Int(i128::from(n)));
        let cols = |names: &[(&str, SqlType)]| -> Vec<(String, SqlType)> {
            names
                .iter()
                .map(|(n, t)| ((*n).to_string(), t.clone()))
                .collect()
        };
        let catalog = &self.ctx.catalog;
        let mut dbs: Vec<String> = VIRTUAL_DBS.iter().map(|d| (*d).to_string()).collect();
        dbs.extend(catalog.database_names());
        match table.to_ascii_lowercase().as_str() {
            "schemata" => {
                let columns = cols(&[
                    ("CATALOG_NAME", SqlType::String),
                    ("SCHEMA_NAME", SqlType::String),
                    ("DEFAULT_CHARACTER_SET_NAME", SqlType::String),
                    ("DEFAULT_COLLATION_NAME", SqlType::String),
                    ("SQL_PATH", SqlType::String),
                ]);
                let rows = dbs
                    .iter()
                    .map(|d| vec![s("def"), s(d), s("utf8"), s("utf8_general_ci"), Cell::Null])
                    .collect();
                Ok((columns, rows))
            }
            "tables" => {
                let columns = cols(&[
                    ("TABLE_CATALOG", SqlType::String),
                    ("TABLE_SCHEMA", SqlType::String),
                    ("TABLE_NAME", SqlType::String),
                    ("TABLE_TYPE", SqlType::String),
                    ("ENGINE", SqlType::String),
                    ("VERSION", SqlType::BigInt),
                    ("ROW_FORMAT", SqlType::String),
                    ("TABLE_ROWS", SqlType::BigInt),
                    ("AVG_ROW_LENGTH", SqlType::BigInt),
                    ("DATA_LENGTH", SqlType::BigInt),
                    ("CREATE_TIME", SqlType::DateTime),
                    ("UPDATE_TIME", SqlType::DateTime),
                    ("TABLE_COLLATION", SqlType::String),
                    ("TABLE_COMMENT", SqlType::String),
                ]);
                let mut rows = Vec::new();
                for t in INFO_TABLES {
                    rows.push(vec![
                        s("def"),
                        s("information_schema"),
                        s(t),
                        s("SYSTEM VIEW"),
                        s("MEMORY"),
                        Cell::Null,
                        Cell::Null,
                        Cell::Int(0),
                        Cell::Int(0),
                        Cell::Int(0),
                        Cell::Null,
                        Cell::Null,
                        s("utf8_general_ci"),
                        s(""),
                    ]);
                }
                for db in catalog.database_names() {
                    for t in catalog.table_names(&db).unwrap_or_default() {
                        let Ok((count, comment)) = catalog
                            .with_table(&db, &t, |tb| (tb.row_count(), tb.def.comment.clone()))
                        else {
                            continue;
                        };
                        rows.push(vec![
                            s("def"),
                            s(&db),
                            s(&t),
                            s("BASE TABLE"),
                            s("StarRocks"),
                            Cell::Null,
                            Cell::Null,
                            Cell::Int(count as i128),
                            Cell::Int(0),
                            Cell::Int(0),
                            Cell::Null,
                            Cell::Null,
                            s("utf8_general_ci"),
                            s(&comment),
                        ]);
                    }
                }
                Ok((columns, rows))
            }
            "columns" => {
                let columns = cols(&[
                    ("TABLE_CATALOG", SqlType::String),
                    ("TABLE_SCHEMA", SqlType::String),
                    ("TABLE_NAME", SqlType::String),
                    ("COLUMN_NAME", SqlType::String),
                    ("ORDINAL_POSITION", SqlType::BigInt),
                    ("COLUMN_DEFAULT", SqlType::String),
                    ("IS_NULLABLE", SqlType::String),
                    ("DATA_TYPE", SqlType::String),
                    ("CHARACTER_MAXIMUM_LENGTH", SqlType::BigInt),
                    ("CHARACTER_OCTET_LENGTH", SqlType::BigInt),
                    ("NUMERIC_PRECISION", SqlType::BigInt),
                    ("NUMERIC_SCALE", SqlType::BigInt),
                    ("DATETIME_PRECISION", SqlType::BigInt),
                    ("CHARACTER_SET_NAME", SqlType::String),
                    ("COLLATION_NAME", SqlType::String),
                    ("COLUMN_TYPE", SqlType::String),
                    ("COLUMN_KEY", SqlType::String),
                    ("EXTRA", SqlType::String),
                    ("PRIVILEGES", SqlType::String),
                    ("COLUMN_COMMENT", SqlType::String),
                    ("COLUMN_SIZE", SqlType::BigInt),
                    ("DECIMAL_DIGITS", SqlType::BigInt),
                    ("GENERATION_EXPRESSION", SqlType::String),
                    ("SRS_ID", SqlType::BigInt),
                ]);
                let mut rows = Vec::new();
                for db in catalog.database_names() {
                    for t in catalog.table_names(&db).unwrap_or_default() {
                        let Ok(def) = catalog.table_def(&db, &t) else {
                            continue;
                        };
                        for (i, c) in def.columns.iter().enumerate() {
                            let is_text = matches!(
                                c.ty,
                                SqlType::Char(_) | SqlType::Varchar(_) | SqlType::String
                            );
                            let default = match &c.default {
                                None => Cell::Null,
                                Some(DefaultValue::Literal(v)) => s(v),
                                Some(DefaultValue::CurrentTimestamp) => s("CURRENT_TIMESTAMP"),
                                Some(DefaultValue::Expr(e)) => s(e),
                            };
                            let key = if def.is_key(&c.name) {
                                def.keys_type.column_key()
                            } else {
                                ""
                            };
                            let extra = match (c.agg, c.auto_increment) {
                                (Some(a), _) => a.sql(),
                                (None, true) => "auto_increment",
                                _ => "",
                            };
                            let numeric = c.ty.is_numeric();
                            rows.push(vec![
                                s("def"),
                                s(&db),
                                s(&t),
                                s(&c.name),
                                Cell::Int(i as i128 + 1),
                                default,
                                s(if c.nullable { "YES" } else { "NO" }),
                                s(&c.ty.data_type_name()),
                                if is_text {
                                    opt_int(c.ty.column_size())
                                } else {
                                    Cell::Null
                                },
                                if is_text {
                                    opt_int(c.ty.column_size())
                                } else {
                                    Cell::Null
                                },
                                if numeric {
                                    opt_int(c.ty.column_size())
                                } else {
                                    Cell::Null
                                },
                                if numeric {
                                    opt_int(c.ty.decimal_digits())
                                } else {
                                    Cell::Null
                                },
                                if c.ty == SqlType::DateTime {
                                    Cell::Int(0)
                                } else {
                                    Cell::Null
                                },
                                if is_text { s("utf8") } else { Cell::Null },
                                if is_text {
                                    s("utf8_general_ci")
                                } else {
                                    Cell::Null
                                },
                                s(&c.ty.to_string()),
                                s(key),
                                s(extra),
                                s("SELECT,INSERT,UPDATE,REFERENCES"),
                                s(&c.comment),
                                opt_int(c.ty.column_size()),
                                opt_int(c.ty.decimal_digits()),
                                Cell::Null,
                                Cell::Null,
                            ]);
                        }
                    }
                }
                Ok((columns, rows))
            }
            _ => Err(SqlError::unknown_table("information_schema", table)),
        }
    }
}
