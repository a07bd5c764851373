//! Evaluating expressions: operators, aggregates, functions and `@@` variables.

use super::Exec;
use super::select::Relation;
use super::value::{V, bool_v, compare, like_match, lit_cell, param_cell};
use crate::sql::SqlError;
use crate::sql::ast::{AGGREGATES, CmpOp, Expr};
use crate::sql::sysvars::{MYSQL_SERVER_VERSION, SYSVARS, SysVal, sysvar_name};
use crate::types::Cell;
use std::cmp::Ordering;
use std::collections::HashSet;

impl Exec<'_> {
    pub(super) fn eval_agg(
        &mut self,
        e: &Expr,
        rel: &Relation<'_>,
        rows: &[&Vec<Cell>],
    ) -> Result<V, SqlError> {
        let Expr::Func {
            name,
            args,
            distinct,
        } = e
        else {
            if e.has_aggregate() {
                return Err(SqlError::analysis(
                    "aggregate functions inside expressions are not supported by this StarRocks \
                     stand-in",
                ));
            }
            return self.eval(e, rel, rows.first().map(|r| r.as_slice()));
        };
        if !AGGREGATES.contains(&name.as_str()) {
            if e.has_aggregate() {
                return Err(SqlError::analysis(
                    "aggregate functions inside expressions are not supported by this StarRocks \
                     stand-in",
                ));
            }
            return self.eval(e, rel, rows.first().map(|r| r.as_slice()));
        }
        if name == "count" && args.as_slice() == [Expr::Star] {
            return Ok(V::untyped(Cell::Int(rows.len() as i128)));
        }
        if args.is_empty() || (name != "count" && args.len() != 1) {
            return Err(SqlError::analysis(format_args!(
                "No matching function with signature: {name}() with {} arguments",
                args.len()
            )));
        }
        // The argument values per row; NULLs are skipped by every aggregate.
        let mut values: Vec<Vec<V>> = Vec::with_capacity(rows.len());
        for row in rows {
            let vs = args
                .iter()
                .map(|a| self.eval(a, rel, Some(row)))
                .collect::<Result<Vec<_>, _>>()?;
            if vs.iter().any(|v| v.cell.is_null()) {
                continue;
            }
            values.push(vs);
        }
        if *distinct {
            let mut seen = HashSet::new();
            values
                .retain(|vs| seen.insert(vs.iter().map(|v| v.cell.to_text()).collect::<Vec<_>>()));
        }
        let first = || values.iter().map(|vs| &vs[0]);
        Ok(match name.as_str() {
            "count" => V::untyped(Cell::Int(values.len() as i128)),
            "min" | "max" => {
                let mut best: Option<&V> = None;
                for v in first() {
                    best = match best {
                        None => Some(v),
                        Some(b) => {
                            let o = v.cell.sort_cmp(&b.cell);
                            if (name == "min" && o == Ordering::Less)
                                || (name == "max" && o == Ordering::Greater)
                            {
                                Some(v)
                            } else {
                                Some(b)
                            }
                        }
                    };
                }
                best.cloned().unwrap_or_else(V::null)
            }
            "sum" => {
                if values.is_empty() {
                    return Ok(V::null());
                }
                let mut int_sum: Option<i128> = Some(0);
                let mut dec: Option<(i128, u8)> = None;
                let mut float_sum = 0.0;
                let mut all_int = true;
                let mut all_dec = true;
                for v in first() {
                    match &v.cell {
                        Cell::Int(i) => {
                            int_sum = int_sum.and_then(|s| s.checked_add(*i));
                            all_dec = false;
                        }
                        Cell::Decimal(x, s) => {
                            all_int = false;
                            dec = match dec {
                                None => Some((*x, *s)),
                                Some((acc, sc)) if sc == *s => Some((acc + x, sc)),
                                Some(_) => {
                                    all_dec = false;
                                    None
                                }
                            };
                        }
                        _ => {
                            all_int = false;
                            all_dec = false;
                        }
                    }
                    float_sum += v.cell.as_f64().unwrap_or(0.0);
                }
                match (all_int, all_dec, int_sum, dec) {
                    (true, _, Some(s), _) => V::untyped(Cell::Int(s)),
                    (false, true, _, Some((x, s))) => V::untyped(Cell::Decimal(x, s)),
                    _ => V::untyped(Cell::Float(float_sum)),
                }
            }
            "avg" => {
                if values.is_empty() {
                    return Ok(V::null());
                }
                let sum: f64 = first().map(|v| v.cell.as_f64().unwrap_or(0.0)).sum();
                V::untyped(Cell::Float(sum / values.len() as f64))
            }
            _ => unreachable!("checked against AGGREGATES"),
        })
    }

    pub(super) fn eval(
        &mut self,
        e: &Expr,
        rel: &Relation<'_>,
        row: Option<&[Cell]>,
    ) -> Result<V, SqlError> {
        Ok(match e {
            Expr::Lit(l) => V::untyped(lit_cell(l)),
            Expr::Param(i) => V::untyped(self.params.get(*i).map_or(Cell::Null, param_cell)),
            Expr::SysVar(name) => self.sysvar(name)?,
            Expr::UserVar => V::null(),
            Expr::Star => {
                return Err(SqlError::analysis("'*' is only allowed in count(*)"));
            }
            Expr::Column(c) => {
                let Some(i) = rel.index(c) else {
                    return Err(SqlError::analysis(format_args!(
                        "Column '{c}' cannot be resolved"
                    )));
                };
                V {
                    cell: row.and_then(|r| r.get(i)).cloned().unwrap_or(Cell::Null),
                    ty: Some(rel.columns[i].1.clone()),
                }
            }
            Expr::Neg(inner) => {
                let v = self.eval(inner, rel, row)?;
                V::untyped(match v.cell {
                    Cell::Int(i) => Cell::Int(-i),
                    Cell::Float(x) => Cell::Float(-x),
                    Cell::Decimal(x, s) => Cell::Decimal(-x, s),
                    Cell::Null => Cell::Null,
                    other => other
                        .to_text()
                        .and_then(|t| t.trim().parse::<f64>().ok())
                        .map_or(Cell::Null, |x| Cell::Float(-x)),
                })
            }
            Expr::Cmp(a, op, b) => {
                let (x, y) = (self.eval(a, rel, row)?, self.eval(b, rel, row)?);
                if *op == CmpOp::NullSafeEq {
                    let both_null = x.cell.is_null() && y.cell.is_null();
                    return Ok(bool_v(Some(
                        both_null || compare(&x, &y) == Some(Ordering::Equal),
                    )));
                }
                bool_v(compare(&x, &y).map(|o| match op {
                    CmpOp::Eq | CmpOp::NullSafeEq => o == Ordering::Equal,
                    CmpOp::Ne => o != Ordering::Equal,
                    CmpOp::Lt => o == Ordering::Less,
                    CmpOp::Le => o != Ordering::Greater,
                    CmpOp::Gt => o == Ordering::Greater,
                    CmpOp::Ge => o != Ordering::Less,
                }))
            }
            Expr::And(a, b) => {
                let x = self.eval(a, rel, row)?.truth();
                if x == Some(false) {
                    return Ok(bool_v(Some(false)));
                }
                let y = self.eval(b, rel, row)?.truth();
                bool_v(match (x, y) {
                    (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                })
            }
            Expr::Or(a, b) => {
                let x = self.eval(a, rel, row)?.truth();
                if x == Some(true) {
                    return Ok(bool_v(Some(true)));
                }
                let y = self.eval(b, rel, row)?.truth();
                bool_v(match (x, y) {
                    (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                })
            }
            Expr::Not(inner) => bool_v(self.eval(inner, rel, row)?.truth().map(|b| !b)),
            Expr::IsNull(inner, neg) => {
                let is_null = self.eval(inner, rel, row)?.cell.is_null();
                bool_v(Some(is_null != *neg))
            }
            Expr::In(inner, list, neg) => {
                let x = self.eval(inner, rel, row)?;
                if x.cell.is_null() {
                    return Ok(V::null());
                }
                let mut found = false;
                let mut saw_null = false;
                for item in list {
                    let y = self.eval(item, rel, row)?;
                    match compare(&x, &y) {
                        Some(Ordering::Equal) => {
                            found = true;
                            break;
                        }
                        None => saw_null = true,
                        _ => {}
                    }
                }
                if found {
                    bool_v(Some(!*neg))
                } else if saw_null {
                    V::null()
                } else {
                    bool_v(Some(*neg))
                }
            }
            Expr::Like(inner, pat, neg) => {
                let (x, p) = (self.eval(inner, rel, row)?, self.eval(pat, rel, row)?);
                match (x.cell.to_text(), p.cell.to_text()) {
                    (Some(s), Some(p)) => bool_v(Some(like_match(&s, &p, false) != *neg)),
                    _ => V::null(),
                }
            }
            Expr::Func {
                name,
                args,
                distinct: _,
            } => {
                if AGGREGATES.contains(&name.as_str()) {
                    return Err(SqlError::analysis(format_args!(
                        "aggregate function {name}() is not allowed here"
                    )));
                }
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, rel, row)?);
                }
                self.call(name, vals)?
            }
        })
    }

    fn call(&mut self, name: &str, args: Vec<V>) -> Result<V, SqlError> {
        let arity = |n: usize| -> Result<(), SqlError> {
            if args.len() == n {
                Ok(())
            } else {
                Err(SqlError::analysis(format_args!(
                    "No matching function with signature: {name}() with {} arguments",
                    args.len()
                )))
            }
        };
        let info = &self.ctx.info;
        Ok(match name {
            "current_version" => {
                arity(0)?;
                V::text(info.current_version())
            }
            "version" => {
                arity(0)?;
                V::text(MYSQL_SERVER_VERSION)
            }
            "database" | "schema" => {
                arity(0)?;
                V::untyped(
                    self.session
                        .current_db
                        .clone()
                        .map_or(Cell::Null, Cell::Str),
                )
            }
            "connection_id" => {
                arity(0)?;
                V::untyped(Cell::Int(i128::from(self.session.connection_id)))
            }
            "user" | "current_user" | "session_user" | "system_user" => {
                arity(0)?;
                V::text(format!("'{}'@'%'", self.session.user))
            }
            "now" | "current_timestamp" | "localtime" | "localtimestamp" | "sysdate" => {
                V::text(chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string())
            }
            "curdate" | "current_date" => {
                arity(0)?;
                V::text(chrono::Local::now().format("%Y-%m-%d").to_string())
            }
            "last_insert_id" => V::untyped(Cell::Int(0)),
            "lower" | "lcase" | "upper" | "ucase" => {
                arity(1)?;
                let up = name.starts_with('u');
                V::untyped(match args[0].cell.to_text() {
                    None => Cell::Null,
                    Some(s) if up => Cell::Str(s.to_uppercase()),
                    Some(s) => Cell::Str(s.to_lowercase()),
                })
            }
            "length" | "char_length" | "character_length" => {
                arity(1)?;
                V::untyped(match args[0].cell.to_text() {
                    None => Cell::Null,
                    Some(s) if name == "length" => Cell::Int(s.len() as i128),
                    Some(s) => Cell::Int(s.chars().count() as i128),
                })
            }
            "concat" => {
                let mut out = String::new();
                for a in &args {
                    match a.cell.to_text() {
                        Some(t) => out.push_str(&t),
                        None => return Ok(V::null()),
                    }
                }
                V::text(out)
            }
            "coalesce" | "ifnull" => args
                .into_iter()
                .find(|a| !a.cell.is_null())
                .unwrap_or_else(V::null),
            _ => {
                return Err(SqlError::analysis(format_args!(
                    "No matching function with signature: {name}()"
                )));
            }
        })
    }

    pub(super) fn sysvar(&self, raw: &str) -> Result<V, SqlError> {
        let name = sysvar_name(raw);
        let Some((_, val)) = SYSVARS.iter().find(|(n, _)| *n == name) else {
            return Err(SqlError::unknown_variable(&name));
        };
        let info = &self.ctx.info;
        Ok(match val {
            SysVal::Int(i) => V::untyped(Cell::Int(i128::from(*i))),
            SysVal::Text(t) => V::text(*t),
            SysVal::VersionComment => V::text(format!("StarRocks version {}", info.version)),
            SysVal::Port => V::untyped(Cell::Int(i128::from(info.mysql_addr.port()))),
            SysVal::HaveSsl => V::text(if self.ctx.tls.is_some() {
                "YES"
            } else {
                "DISABLED"
            }),
            SysVal::RequireSecure => V::text(if info.require_secure_transport {
                "ON"
            } else {
                "OFF"
            }),
        })
    }
}
