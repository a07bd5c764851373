//! `SELECT`: filtering, grouping, aggregates, ordering and limits over a table or
//! `information_schema`.

use super::value::V;
use super::{Exec, catalog_error, is_information_schema, is_virtual_db};
use crate::sql::ast::{Expr, Lit, Select, SelectItem};
use crate::sql::sysvars::{SYSVARS, SysVal, sysvar_name};
use crate::sql::{ColType, QueryResult, SqlError};
use crate::types::{Cell, SqlType};
use std::cmp::Ordering;
use std::collections::HashSet;

/// One GROUP BY group: its key and its rows.
type Group<'r> = (Vec<Option<String>>, Vec<&'r Vec<Cell>>);

/// Rows to query: column names and types, and the cells.
pub(super) struct Relation<'r> {
    pub(super) columns: &'r [(String, SqlType)],
}

impl Relation<'_> {
    pub(super) fn index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

fn col_type_of(ty: &SqlType) -> ColType {
    match ty {
        SqlType::Boolean
        | SqlType::TinyInt
        | SqlType::SmallInt
        | SqlType::Int
        | SqlType::BigInt => ColType::Int,
        SqlType::Float | SqlType::Double => ColType::Double,
        SqlType::Decimal { .. } => ColType::Decimal,
        _ => ColType::Text,
    }
}

impl Exec<'_> {
    pub(super) fn select(&mut self, sel: &Select) -> Result<QueryResult, SqlError> {
        let Some(from) = &sel.from else {
            let no_cols: [(String, SqlType); 0] = [];
            let one_row: Vec<Cell> = Vec::new();
            return self.query(sel, &no_cols, std::iter::once(&one_row));
        };
        let db = self.db_or_current(from.db.as_deref())?;
        if is_information_schema(&db) {
            let (columns, rows) = self.information_schema(&from.name)?;
            return self.query(sel, &columns, rows.iter());
        }
        if is_virtual_db(&db) {
            return Err(SqlError::unknown_table(&db, &from.name));
        }
        if !self.ctx.catalog.database_exists(&db) {
            return Err(SqlError::unknown_database(&db));
        }
        let catalog = self.ctx.catalog.clone();
        catalog
            .with_table(&db, &from.name, |t| {
                let columns: Vec<(String, SqlType)> = t
                    .def
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), c.ty.clone()))
                    .collect();
                self.query(sel, &columns, t.rows())
            })
            .map_err(|e| catalog_error(e, &db))?
    }

    /// Runs a SELECT over rows. Must not touch the catalog (it may be locked by the caller).
    fn query<'r>(
        &mut self,
        sel: &Select,
        columns: &[(String, SqlType)],
        rows: impl Iterator<Item = &'r Vec<Cell>>,
    ) -> Result<QueryResult, SqlError> {
        let rel = Relation { columns };
        // Expand `*` and name the output columns.
        let mut items: Vec<(Expr, String)> = Vec::new();
        for it in &sel.items {
            match it {
                SelectItem::Wildcard => {
                    if columns.is_empty() {
                        return Err(SqlError::analysis("No tables used"));
                    }
                    items.extend(
                        columns
                            .iter()
                            .map(|(n, _)| (Expr::Column(n.clone()), n.clone())),
                    );
                }
                SelectItem::Expr { expr, text, alias } => {
                    items.push((expr.clone(), alias.clone().unwrap_or_else(|| text.clone())));
                }
            }
        }
        // Resolve ORDER BY: ordinals and aliases name select items.
        let mut order: Vec<(Expr, bool)> = Vec::new();
        for k in &sel.order_by {
            let e = match &k.expr {
                Expr::Lit(Lit::Num(n)) => {
                    let i: usize = n.parse().unwrap_or(0);
                    if i == 0 || i > items.len() {
                        return Err(SqlError::analysis(format_args!(
                            "ORDER BY position {n} is not in select list"
                        )));
                    }
                    items[i - 1].0.clone()
                }
                Expr::Column(c) if rel.index(c).is_none() => {
                    match items.iter().find(|(_, name)| name.eq_ignore_ascii_case(c)) {
                        Some((e, _)) => e.clone(),
                        None => k.expr.clone(),
                    }
                }
                other => other.clone(),
            };
            order.push((e, k.desc));
        }
        // Every column reference must resolve.
        let mut refs = Vec::new();
        items.iter().for_each(|(e, _)| e.columns(&mut refs));
        order.iter().for_each(|(e, _)| e.columns(&mut refs));
        sel.group_by.iter().for_each(|e| e.columns(&mut refs));
        if let Some(f) = &sel.filter {
            f.columns(&mut refs);
            if f.has_aggregate() {
                return Err(SqlError::analysis(
                    "WHERE clause cannot contain aggregations",
                ));
            }
        }
        if let Some(missing) = refs.iter().find(|c| rel.index(c).is_none()) {
            return Err(SqlError::analysis(format_args!(
                "Column '{missing}' cannot be resolved"
            )));
        }

        // Filter.
        let mut kept: Vec<&Vec<Cell>> = Vec::new();
        for row in rows {
            if let Some(f) = &sel.filter
                && self.eval(f, &rel, Some(row))?.truth() != Some(true)
            {
                continue;
            }
            kept.push(row);
        }

        let aggregate = !sel.group_by.is_empty() || items.iter().any(|(e, _)| e.has_aggregate());
        let out_types: Vec<ColType> = items.iter().map(|(e, _)| self.col_type(e, &rel)).collect();
        let mut out: Vec<Vec<V>> = Vec::new();
        if aggregate {
            // Group (one group for the whole input without GROUP BY, even when it is empty).
            let mut groups: Vec<Group<'_>> = Vec::new();
            if sel.group_by.is_empty() {
                groups.push((Vec::new(), kept));
            } else {
                for row in kept {
                    let key = sel
                        .group_by
                        .iter()
                        .map(|g| self.eval(g, &rel, Some(row)).map(|v| v.cell.to_text()))
                        .collect::<Result<Vec<_>, _>>()?;
                    match groups.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, g)) => g.push(row),
                        None => groups.push((key, vec![row])),
                    }
                }
            }
            for (e, name) in &items {
                if !e.has_aggregate() && !sel.group_by.contains(e) && {
                    let mut c = Vec::new();
                    e.columns(&mut c);
                    !c.is_empty()
                } {
                    return Err(SqlError::analysis(format_args!(
                        "'{name}' must be an aggregate expression or appear in GROUP BY clause"
                    )));
                }
            }
            for (_, group) in &groups {
                let mut row = Vec::with_capacity(items.len());
                for (e, _) in &items {
                    row.push(self.eval_agg(e, &rel, group)?);
                }
                out.push(row);
            }
            // ORDER BY over the output: keys must name output columns.
            if !order.is_empty() {
                let mut keys = Vec::new();
                for (e, desc) in &order {
                    let pos = items.iter().position(|(ie, name)| {
                        ie == e || matches!(e, Expr::Column(c) if name.eq_ignore_ascii_case(c))
                    });
                    match pos {
                        Some(p) => keys.push((p, *desc)),
                        None => {
                            return Err(SqlError::analysis(
                                "ORDER BY expression must appear in the select list of an \
                                 aggregate query",
                            ));
                        }
                    }
                }
                out.sort_by(|a, b| {
                    for (p, desc) in &keys {
                        let o = a[*p].cell.sort_cmp(&b[*p].cell);
                        let o = if *desc { o.reverse() } else { o };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    Ordering::Equal
                });
            }
        } else {
            if !order.is_empty() {
                let mut keyed = Vec::with_capacity(kept.len());
                for row in kept {
                    let k = order
                        .iter()
                        .map(|(e, _)| self.eval(e, &rel, Some(row)).map(|v| v.cell))
                        .collect::<Result<Vec<_>, _>>()?;
                    keyed.push((k, row));
                }
                keyed.sort_by(|(a, _), (b, _)| {
                    for (i, (_, desc)) in order.iter().enumerate() {
                        let o = a[i].sort_cmp(&b[i]);
                        let o = if *desc { o.reverse() } else { o };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    Ordering::Equal
                });
                kept = keyed.into_iter().map(|(_, r)| r).collect();
            }
            // Without DISTINCT, stop projecting once LIMIT is reached.
            let needed = match (sel.distinct, sel.limit) {
                (false, Some(l)) => Some(sel.offset.saturating_add(l) as usize),
                _ => None,
            };
            for row in kept {
                if needed.is_some_and(|n| out.len() >= n) {
                    break;
                }
                let mut r = Vec::with_capacity(items.len());
                for (e, _) in &items {
                    r.push(self.eval(e, &rel, Some(row))?);
                }
                out.push(r);
            }
        }
        let mut text: Vec<Vec<Option<String>>> = out
            .into_iter()
            .map(|r| r.into_iter().map(|v| v.cell.to_text()).collect())
            .collect();
        if sel.distinct {
            let mut seen = HashSet::new();
            text.retain(|r| seen.insert(r.clone()));
        }
        let text: Vec<Vec<Option<String>>> = text
            .into_iter()
            .skip(sel.offset as usize)
            .take(sel.limit.map_or(usize::MAX, |l| l as usize))
            .collect();
        Ok(QueryResult::Rows {
            columns: items.into_iter().map(|(_, n)| n).zip(out_types).collect(),
            rows: text,
        })
    }

    fn col_type(&self, e: &Expr, rel: &Relation<'_>) -> ColType {
        match e {
            Expr::Column(c) => rel
                .index(c)
                .map_or(ColType::Text, |i| col_type_of(&rel.columns[i].1)),
            Expr::Lit(Lit::Num(n)) if n.parse::<i64>().is_ok() => ColType::Int,
            Expr::Lit(Lit::Num(_)) => ColType::Decimal,
            Expr::Lit(Lit::Bool(_)) => ColType::Int,
            Expr::SysVar(v) => match SYSVARS.iter().find(|(n, _)| *n == sysvar_name(v)) {
                Some((_, SysVal::Int(_))) => ColType::Int,
                _ => ColType::Text,
            },
            Expr::Func { name, args, .. } => match name.as_str() {
                "count" | "connection_id" | "last_insert_id" => ColType::Int,
                "avg" => ColType::Double,
                "sum" => match args.first().map(|a| self.col_type(a, rel)) {
                    Some(ColType::Double) => ColType::Double,
                    _ => ColType::Decimal,
                },
                "min" | "max" => args
                    .first()
                    .map_or(ColType::Text, |a| self.col_type(a, rel)),
                _ => ColType::Text,
            },
            Expr::Cmp(..)
            | Expr::And(..)
            | Expr::Or(..)
            | Expr::Not(_)
            | Expr::IsNull(..)
            | Expr::In(..)
            | Expr::Like(..) => ColType::Int,
            Expr::Neg(inner) => self.col_type(inner, rel),
            _ => ColType::Text,
        }
    }
}
