//! StarRocks' CREATE TABLE rules (§5.1): checks a parsed table and builds its definition.

use crate::catalog::{ColumnDef, DefaultValue, Distribution, KeysType, TableDef};
use crate::sql::SqlError;
use crate::sql::ast::{valid_column_name, valid_table_name};
use crate::types::{SqlType, convert_text};

/// Applies StarRocks' CREATE TABLE rules (§5.1) and builds the definition.
#[allow(clippy::too_many_arguments)]
pub(super) fn build_table_def(
    table: &str,
    cols: Vec<(ColumnDef, bool, usize)>,
    indexes: Vec<(String, Vec<String>)>,
    keys: Option<(KeysType, Vec<String>)>,
    comment: String,
    partition: Option<String>,
    distribution: Option<Distribution>,
    order_by: Vec<String>,
    properties: Vec<(String, String)>,
) -> Result<TableDef, SqlError> {
    if !valid_table_name(table) {
        return Err(SqlError::analysis(format_args!(
            "Incorrect table name '{table}'. Table names are 1 to 1024 characters without NUL"
        )));
    }
    let mut columns: Vec<ColumnDef> = Vec::with_capacity(cols.len());
    let mut explicit_null = Vec::with_capacity(cols.len());
    for (col, explicit, _) in cols {
        if !valid_column_name(&col.name) {
            return Err(SqlError::analysis(format_args!(
                "Incorrect column name '{}'. Column names are 1 to 1024 characters without NUL, \
                 '=', '<', '>', '!' or '*'",
                col.name
            )));
        }
        let lower = col.name.to_ascii_lowercase();
        if lower.starts_with("__op") || lower.starts_with("__row") {
            return Err(SqlError::analysis(format_args!(
                "Column name '{}' is reserved: names starting with '__op' or '__row' are used by \
                 StarRocks itself",
                col.name
            )));
        }
        if columns
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case(&col.name))
        {
            return Err(SqlError::analysis(format_args!(
                "Duplicate column name '{}'",
                col.name
            )));
        }
        columns.push(col);
        explicit_null.push(explicit);
    }
    let find = |columns: &[ColumnDef], name: &str| {
        columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    };

    let (keys_type, key_names) = match keys {
        Some(k) => k,
        None => {
            let first: Vec<String> = columns
                .first()
                .filter(|c| c.ty.can_be_key())
                .map(|c| vec![c.name.clone()])
                .unwrap_or_default();
            (KeysType::Duplicate, first)
        }
    };
    let mut key_columns = Vec::with_capacity(key_names.len());
    for (i, k) in key_names.iter().enumerate() {
        let Some(pos) = find(&columns, k) else {
            return Err(SqlError::analysis(format_args!(
                "Key column '{k}' does not exist in the column list"
            )));
        };
        if key_columns
            .iter()
            .any(|c: &String| c.eq_ignore_ascii_case(k))
        {
            return Err(SqlError::analysis(format_args!(
                "Duplicate key column '{k}'"
            )));
        }
        if pos != i {
            return Err(SqlError::analysis(format_args!(
                "Key columns should be a ordered prefix of the schema. KeyColumns[{i}] (starts \
                 from zero) is {k}, but corresponding column is {} in the previous columns \
                 declaration",
                columns[i].name
            )));
        }
        let c = &columns[pos];
        if !c.ty.can_be_key() {
            return Err(match c.ty {
                SqlType::Float | SqlType::Double => SqlError::analysis(format_args!(
                    "Invalid key column '{}': float or double can not used as a key, use decimal \
                     instead",
                    c.name
                )),
                _ => SqlError::analysis(format_args!(
                    "Invalid key column '{}': type {} can not be used as a key",
                    c.name, c.ty
                )),
            });
        }
        key_columns.push(c.name.clone());
    }

    for (i, c) in columns.iter_mut().enumerate() {
        let is_key = i < key_columns.len();
        match (keys_type, is_key, c.agg) {
            (KeysType::Aggregate, true, Some(agg)) => {
                return Err(SqlError::analysis(format_args!(
                    "Key column '{}' can not have an aggregate type ({})",
                    c.name,
                    agg.sql()
                )));
            }
            (KeysType::Aggregate, false, None) => {
                return Err(SqlError::analysis(format_args!(
                    "AGG_KEYS table should specify aggregate type for non-key column[{}]",
                    c.name
                )));
            }
            (KeysType::Aggregate, _, _) => {}
            (_, _, Some(agg)) => {
                return Err(SqlError::analysis(format_args!(
                    "Column '{}' has aggregate type {}, but aggregate types are only allowed on \
                     the value columns of an AGGREGATE KEY table (this is a {} table)",
                    c.name,
                    agg.sql(),
                    keys_type.sql()
                )));
            }
            _ => {}
        }
        if keys_type == KeysType::Primary && is_key {
            if explicit_null[i] && c.nullable {
                return Err(SqlError::analysis(format_args!(
                    "primary key column[{}] cannot be nullable",
                    c.name
                )));
            }
            c.nullable = false;
        }
        if c.auto_increment && c.ty != SqlType::BigInt {
            return Err(SqlError::analysis(format_args!(
                "The AUTO_INCREMENT column '{}' must be BIGINT",
                c.name
            )));
        }
        match &c.default {
            Some(DefaultValue::Literal(v)) => {
                if let Err(e) = convert_text(v, &c.ty) {
                    return Err(SqlError::analysis(format_args!(
                        "Invalid default value for '{}': {}",
                        c.name, e.reason
                    )));
                }
            }
            Some(DefaultValue::CurrentTimestamp) if c.ty != SqlType::DateTime => {
                return Err(SqlError::analysis(format_args!(
                    "Invalid default value for '{}': CURRENT_TIMESTAMP is only allowed for \
                     DATETIME columns",
                    c.name
                )));
            }
            _ => {}
        }
    }

    let distribution = match distribution {
        Some(Distribution::Hash {
            columns: dist,
            buckets,
        }) => {
            let mut names = Vec::with_capacity(dist.len());
            for d in &dist {
                let Some(pos) = find(&columns, d) else {
                    return Err(SqlError::analysis(format_args!(
                        "Distribution column[{d}] does not exist"
                    )));
                };
                if keys_type != KeysType::Duplicate && pos >= key_columns.len() {
                    return Err(SqlError::analysis(format_args!(
                        "Distribution column[{d}] is not key column"
                    )));
                }
                if !columns[pos].ty.can_be_key() {
                    return Err(SqlError::analysis(format_args!(
                        "Distribution column[{d}] of type {} can not be used for hash \
                         distribution",
                        columns[pos].ty
                    )));
                }
                names.push(columns[pos].name.clone());
            }
            Some(Distribution::Hash {
                columns: names,
                buckets,
            })
        }
        Some(Distribution::Random { buckets }) => {
            if keys_type != KeysType::Duplicate {
                return Err(SqlError::analysis(format_args!(
                    "RANDOM distribution is only supported by DUPLICATE KEY tables, not by {} \
                     tables",
                    keys_type.sql()
                )));
            }
            Some(Distribution::Random { buckets })
        }
        None => None,
    };
    let mut order = Vec::with_capacity(order_by.len());
    for o in &order_by {
        let Some(pos) = find(&columns, o) else {
            return Err(SqlError::analysis(format_args!(
                "Unknown column '{o}' in ORDER BY"
            )));
        };
        order.push(columns[pos].name.clone());
    }
    for (idx, on) in &indexes {
        for c in on {
            if find(&columns, c).is_none() {
                return Err(SqlError::analysis(format_args!(
                    "Column '{c}' of index '{idx}' does not exist"
                )));
            }
        }
    }
    for (k, v) in &properties {
        if k == "replication_num" && v.parse::<u32>().map_or(true, |n| n == 0) {
            return Err(SqlError::analysis(format_args!(
                "Invalid replication_num \"{v}\": it must be a positive integer"
            )));
        }
    }
    Ok(TableDef {
        name: table.to_string(),
        columns,
        keys_type,
        key_columns,
        comment,
        partition_desc: partition,
        distribution,
        order_by: order,
        properties,
    })
}
