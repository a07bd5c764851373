//! `INSERT … VALUES`: converts the values like a strict-mode load and commits them as one
//! transaction.

use super::select::Relation;
use super::{Exec, catalog_error, is_virtual_db};
use crate::catalog::{DefaultValue, RowOp};
use crate::sql::ast::{Expr, TableRef};
use crate::sql::{QueryResult, SqlError};
use crate::types::{Cell, SqlType, convert_text};

impl Exec<'_> {
    pub(super) fn insert(
        &mut self,
        table: &TableRef,
        label: Option<String>,
        columns: Option<Vec<String>>,
        rows: Vec<Vec<Expr>>,
    ) -> Result<QueryResult, SqlError> {
        let (db, def) = self.table_def(table)?;
        if is_virtual_db(&db) {
            return Err(SqlError::analysis(format_args!(
                "Access denied; you can not insert into the system database '{db}'"
            )));
        }
        let targets: Vec<usize> = match &columns {
            None => (0..def.columns.len()).collect(),
            Some(names) => {
                let mut t = Vec::with_capacity(names.len());
                for n in names {
                    let Some(i) = def.column_index(n) else {
                        return Err(SqlError::analysis(format_args!(
                            "Unknown column '{n}' in '{}'",
                            def.name
                        )));
                    };
                    t.push(i);
                }
                t
            }
        };
        let empty: [(String, SqlType); 0] = [];
        let rel = Relation { columns: &empty };
        let mut ops = Vec::with_capacity(rows.len());
        for row in &rows {
            if row.len() != targets.len() {
                return Err(SqlError::analysis(format_args!(
                    "Column count doesn't match value count: {} columns, {} values",
                    targets.len(),
                    row.len()
                )));
            }
            let mut cells: Vec<Option<Cell>> = vec![None; def.columns.len()];
            for (expr, &ci) in row.iter().zip(&targets) {
                let v = self.eval(expr, &rel, None)?;
                let col = &def.columns[ci];
                let cell = match v.cell.to_text() {
                    None => Cell::Null,
                    Some(text) => convert_text(&text, &col.ty).map_err(|e| {
                        SqlError::analysis(format_args!(
                            "Insert has filtered data in strict mode: column '{}': {}",
                            col.name, e.reason
                        ))
                    })?,
                };
                cells[ci] = Some(cell);
            }
            let mut full = Vec::with_capacity(def.columns.len());
            for (cell, col) in cells.into_iter().zip(&def.columns) {
                let cell = match cell {
                    Some(c) => c,
                    None => match &col.default {
                        Some(DefaultValue::Literal(v)) => {
                            convert_text(v, &col.ty).unwrap_or(Cell::Null)
                        }
                        Some(DefaultValue::CurrentTimestamp) => {
                            Cell::DateTime(chrono::Local::now().naive_local())
                        }
                        _ => Cell::Null,
                    },
                };
                if cell.is_null() && !col.nullable {
                    return Err(SqlError::analysis(format_args!(
                        "Insert has filtered data in strict mode: NULL value in non-nullable \
                         column '{}'",
                        col.name
                    )));
                }
                full.push(cell);
            }
            ops.push(RowOp::Upsert(full));
        }
        let label = label.unwrap_or_else(|| {
            format!(
                "insert_{:016x}{:016x}",
                rand::random::<u64>(),
                rand::random::<u64>()
            )
        });
        let n = ops.len() as u64;
        self.ctx
            .catalog
            .begin(&db, &def.name, &label)
            .map_err(|e| catalog_error(e, &db))?;
        self.ctx
            .catalog
            .commit(&db, &label, ops)
            .map_err(|e| catalog_error(e, &db))?;
        Ok(QueryResult::Ok { affected_rows: n })
    }
}
