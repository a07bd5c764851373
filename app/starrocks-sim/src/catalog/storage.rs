//! One table's rows in memory: appended (DUPLICATE KEY) or merged on the key (AGGREGATE,
//! UNIQUE, PRIMARY KEY, with `__op` deletes).

use super::{AggType, ColumnDef, DefaultValue, KeysType, RowOp, TableDef};
use crate::types::Cell;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Table {
    pub def: TableDef,
    rows: Vec<Option<Vec<Cell>>>,
    key_index: HashMap<String, usize>,
    live: usize,
}

impl Table {
    pub(super) fn new(def: TableDef) -> Table {
        Table {
            def,
            ..Default::default()
        }
    }

    pub(super) fn add_column(&mut self, column: ColumnDef) {
        let fill = match &column.default {
            Some(DefaultValue::Literal(v)) => {
                crate::types::convert_text(v, &column.ty).unwrap_or(Cell::Null)
            }
            _ => Cell::Null,
        };
        for row in self.rows.iter_mut().flatten() {
            row.push(fill.clone());
        }
        self.def.columns.push(column);
    }

    /// The visible rows, in load order.
    pub fn rows(&self) -> impl Iterator<Item = &Vec<Cell>> {
        self.rows.iter().flatten()
    }

    pub fn row_count(&self) -> usize {
        self.live
    }

    fn key_of(&self, row: &[Cell], positions: &[usize]) -> String {
        let key: Vec<&Cell> = positions.iter().map(|p| &row[*p]).collect();
        serde_json::to_string(&key).unwrap_or_default()
    }

    pub(super) fn apply(&mut self, ops: &[RowOp]) {
        let positions = self.def.key_positions();
        for op in ops {
            match (self.def.keys_type, op) {
                (KeysType::Duplicate, RowOp::Upsert(row)) => {
                    self.rows.push(Some(row.clone()));
                    self.live += 1;
                }
                (KeysType::Duplicate, RowOp::Delete(_)) => {}
                (KeysType::Duplicate, RowOp::Update { row, .. }) => {
                    // Refused at load time (Primary Key tables only); kept whole if it came.
                    self.rows.push(Some(row.clone()));
                    self.live += 1;
                }
                (_, RowOp::Upsert(row) | RowOp::Update { row, .. }) => {
                    let key = self.key_of(row, &positions);
                    match self.key_index.get(&key).copied() {
                        Some(i) if self.rows[i].is_some() => {
                            let merged = match (self.def.keys_type, &self.rows[i], op) {
                                (KeysType::Aggregate, Some(old), _) => {
                                    aggregate(&self.def, old, row)
                                }
                                (_, Some(old), RowOp::Update { columns, .. }) => old
                                    .iter()
                                    .zip(row)
                                    .zip(columns)
                                    .map(|((o, n), take)| if *take { n.clone() } else { o.clone() })
                                    .collect(),
                                _ => row.clone(),
                            };
                            self.rows[i] = Some(merged);
                        }
                        _ => {
                            self.key_index.insert(key, self.rows.len());
                            self.rows.push(Some(row.clone()));
                            self.live += 1;
                        }
                    }
                }
                (_, RowOp::Delete(row)) => {
                    let key = self.key_of(row, &positions);
                    if let Some(i) = self.key_index.remove(&key)
                        && self.rows[i].take().is_some()
                    {
                        self.live -= 1;
                    }
                }
            }
        }
    }
}

fn aggregate(def: &TableDef, old: &[Cell], new: &[Cell]) -> Vec<Cell> {
    def.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (o, n) = (&old[i], &new[i]);
            match c.agg {
                None => o.clone(),
                Some(AggType::Sum) => match (o, n) {
                    (Cell::Null, x) | (x, Cell::Null) => x.clone(),
                    (Cell::Int(a), Cell::Int(b)) => Cell::Int(a + b),
                    (Cell::Decimal(a, s), Cell::Decimal(b, _)) => Cell::Decimal(a + b, *s),
                    (a, b) => Cell::Float(a.as_f64().unwrap_or(0.0) + b.as_f64().unwrap_or(0.0)),
                },
                Some(AggType::Max) => {
                    if n.is_null() || (!o.is_null() && o.sort_cmp(n).is_ge()) {
                        o.clone()
                    } else {
                        n.clone()
                    }
                }
                Some(AggType::Min) => {
                    if n.is_null() || (!o.is_null() && o.sort_cmp(n).is_le()) {
                        o.clone()
                    } else {
                        n.clone()
                    }
                }
                Some(AggType::ReplaceIfNotNull) if n.is_null() => o.clone(),
                Some(_) => n.clone(),
            }
        })
        .collect()
}
