//! The expressions of the Stream Load `columns` and `where` parameters, e.g.
//! `tmp_ts, event_time = from_unixtime(tmp_ts / 1000)` or `where: price > 0`.
//! A small evaluator with the functions users reach for when mapping Kinesis records.

mod functions;
mod parser;
#[cfg(test)]
mod tests;

pub use functions::convert_tz;
pub use parser::{parse_columns, parse_expr};

use crate::cell::Cell;
use crate::convert::{SourceValue, convert};
use crate::literals::parse_datetime;
use crate::sql_type::SqlType;
use chrono::{FixedOffset, NaiveDateTime};
use std::collections::HashMap;

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    DateTime(NaiveDateTime),
    Json(serde_json::Value),
}

impl Val {
    pub fn from_source(v: &SourceValue) -> Val {
        match v {
            SourceValue::Null => Val::Null,
            SourceValue::Text(s) => Val::Str(s.clone()),
            SourceValue::Json(j) => match j {
                serde_json::Value::Null => Val::Null,
                serde_json::Value::Bool(b) => Val::Bool(*b),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => Val::Int(i128::from(i)),
                    None => match n.as_u64() {
                        Some(u) => Val::Int(i128::from(u)),
                        None => Val::Float(n.as_f64().unwrap_or(f64::NAN)),
                    },
                },
                serde_json::Value::String(s) => Val::Str(s.clone()),
                other => Val::Json(other.clone()),
            },
        }
    }

    /// Back to a source value, to be converted into the target column's type.
    pub fn to_source(&self) -> SourceValue {
        match self {
            Val::Null => SourceValue::Null,
            Val::Bool(b) => SourceValue::Json(serde_json::Value::Bool(*b)),
            Val::Int(i) => match i64::try_from(*i) {
                Ok(v) => SourceValue::Json(v.into()),
                Err(_) => SourceValue::Text(i.to_string()),
            },
            Val::Float(x) => serde_json::Number::from_f64(*x)
                .map(|n| SourceValue::Json(serde_json::Value::Number(n)))
                .unwrap_or(SourceValue::Null),
            Val::Str(s) => SourceValue::Text(s.clone()),
            Val::DateTime(dt) => SourceValue::Text(fmt_datetime(dt)),
            Val::Json(j) => SourceValue::Json(j.clone()),
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::Float(x) => Some(*x),
            Val::Bool(b) => Some(f64::from(u8::from(*b))),
            Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn as_i128(&self) -> Option<i128> {
        match self {
            Val::Int(i) => Some(*i),
            Val::Float(x) => Some(x.trunc() as i128),
            Val::Bool(b) => Some(i128::from(*b)),
            Val::Str(s) => s
                .trim()
                .parse::<i128>()
                .ok()
                .or_else(|| s.trim().parse::<f64>().ok().map(|x| x.trunc() as i128)),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<String> {
        match self {
            Val::Null => None,
            Val::Bool(b) => Some(if *b { "1" } else { "0" }.into()),
            Val::Int(i) => Some(i.to_string()),
            Val::Float(x) => Some(x.to_string()),
            Val::Str(s) => Some(s.clone()),
            Val::DateTime(dt) => Some(fmt_datetime(dt)),
            Val::Json(j) => Some(j.to_string()),
        }
    }

    fn truthy(&self) -> Option<bool> {
        match self {
            Val::Null => None,
            Val::Bool(b) => Some(*b),
            other => other.as_f64().map(|x| x != 0.0),
        }
    }
}

fn fmt_datetime(dt: &NaiveDateTime) -> String {
    Cell::DateTime(*dt).to_text().unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Val),
    Col(String),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(Box<Expr>, BinOp, Box<Expr>),
    IsNull(Box<Expr>, bool),
    In(Box<Expr>, Vec<Expr>, bool),
    Call(String, Vec<Expr>),
    Cast(Box<Expr>, SqlType),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// One item of the `columns` parameter: a source column, or a column computed from an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnItem {
    Source(String),
    Derived(String, Expr),
}

impl ColumnItem {
    pub fn name(&self) -> &str {
        match self {
            ColumnItem::Source(n) | ColumnItem::Derived(n, _) => n,
        }
    }
}

/// Evaluation context: the source values of one row by (lower-case) name, and the load's timezone.
pub struct Row<'a> {
    pub values: &'a HashMap<String, Val>,
    pub tz: FixedOffset,
}

/// Parses the `timezone` parameter: UTC/GMT, Asia/Shanghai-style names StarRocks users set most,
/// or a `+08:00` offset.
pub fn parse_timezone(name: &str) -> Result<FixedOffset, String> {
    let hours = |h: i32| FixedOffset::east_opt(h * 3600).ok_or_else(|| name.to_string());
    match name.trim() {
        "UTC" | "utc" | "GMT" | "Etc/UTC" | "Etc/GMT" | "Z" => hours(0),
        "Asia/Shanghai" | "Asia/Hong_Kong" | "Asia/Singapore" | "Asia/Taipei" | "PRC" => hours(8),
        "Asia/Tokyo" | "Asia/Seoul" => hours(9),
        "Asia/Kolkata" => FixedOffset::east_opt(5 * 3600 + 1800).ok_or_else(|| name.into()),
        "Europe/London" => hours(0),
        "Europe/Berlin" | "Europe/Paris" | "CET" => hours(1),
        "America/New_York" => hours(-5),
        "America/Los_Angeles" => hours(-8),
        other => {
            let (sign, rest) = match other.as_bytes().first() {
                Some(b'+') => (1, &other[1..]),
                Some(b'-') => (-1, &other[1..]),
                _ => return Err(format!("Unknown or incorrect time zone: '{other}'")),
            };
            let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
            let (h, m): (i32, i32) = (
                h.parse()
                    .map_err(|_| format!("Unknown or incorrect time zone: '{other}'"))?,
                m.parse()
                    .map_err(|_| format!("Unknown or incorrect time zone: '{other}'"))?,
            );
            FixedOffset::east_opt(sign * (h * 3600 + m * 60))
                .ok_or_else(|| format!("Unknown or incorrect time zone: '{other}'"))
        }
    }
}

impl Expr {
    /// Evaluates against one row. `Err` means the load cannot run this expression at all
    /// (an unknown column or function), not a per-row conversion failure (that is `Val::Null`).
    pub fn eval(&self, row: &Row<'_>) -> Result<Val, String> {
        Ok(match self {
            Expr::Lit(v) => v.clone(),
            Expr::Col(name) => row
                .values
                .get(&name.to_ascii_lowercase())
                .cloned()
                .ok_or_else(|| format!("Unknown column '{name}' in the columns/where parameter"))?,
            Expr::Neg(e) => match e.eval(row)? {
                Val::Int(i) => Val::Int(-i),
                v => v.as_f64().map(|x| Val::Float(-x)).unwrap_or(Val::Null),
            },
            Expr::Not(e) => match e.eval(row)?.truthy() {
                Some(b) => Val::Bool(!b),
                None => Val::Null,
            },
            Expr::IsNull(e, negated) => Val::Bool((e.eval(row)? == Val::Null) != *negated),
            Expr::In(e, list, negated) => {
                let v = e.eval(row)?;
                if v == Val::Null {
                    return Ok(Val::Null);
                }
                let mut found = false;
                for item in list {
                    if compare(&v, &item.eval(row)?) == Some(std::cmp::Ordering::Equal) {
                        found = true;
                    }
                }
                Val::Bool(found != *negated)
            }
            Expr::Bin(a, op, b) => binary(*op, a.eval(row)?, b.eval(row)?),
            Expr::Cast(e, ty) => {
                let v = e.eval(row)?;
                match convert(&v.to_source(), ty) {
                    Ok(cell) => cell_to_val(&cell),
                    Err(_) => Val::Null,
                }
            }
            Expr::Call(name, args) => {
                let vals = args
                    .iter()
                    .map(|a| a.eval(row))
                    .collect::<Result<Vec<_>, _>>()?;
                functions::call(name, &vals, row.tz)?
            }
        })
    }

    /// Source columns the expression reads.
    pub fn columns(&self, out: &mut Vec<String>) {
        match self {
            Expr::Col(c) => out.push(c.clone()),
            Expr::Lit(_) => {}
            Expr::Neg(e) | Expr::Not(e) | Expr::IsNull(e, _) | Expr::Cast(e, _) => e.columns(out),
            Expr::In(e, list, _) => {
                e.columns(out);
                list.iter().for_each(|x| x.columns(out));
            }
            Expr::Bin(a, _, b) => {
                a.columns(out);
                b.columns(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|x| x.columns(out)),
        }
    }
}

fn cell_to_val(cell: &Cell) -> Val {
    match cell {
        Cell::Null => Val::Null,
        Cell::Bool(b) => Val::Bool(*b),
        Cell::Int(i) => Val::Int(*i),
        Cell::Float(x) => Val::Float(*x),
        Cell::DateTime(dt) => Val::DateTime(*dt),
        Cell::Json(j) => serde_json::from_str(j).map(Val::Json).unwrap_or(Val::Null),
        other => other.to_text().map(Val::Str).unwrap_or(Val::Null),
    }
}

pub(super) fn compare(a: &Val, b: &Val) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Val::Null, _) | (_, Val::Null) => None,
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::DateTime(x), other) | (other, Val::DateTime(x)) => {
            let y = match other {
                Val::DateTime(d) => *d,
                o => parse_datetime(&o.as_string()?)?,
            };
            let ord = x.cmp(&y);
            Some(if matches!(a, Val::DateTime(_)) {
                ord
            } else {
                ord.reverse()
            })
        }
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn binary(op: BinOp, a: Val, b: Val) -> Val {
    use std::cmp::Ordering::*;
    match op {
        BinOp::And => match (a.truthy(), b.truthy()) {
            (Some(false), _) | (_, Some(false)) => Val::Bool(false),
            (Some(true), Some(true)) => Val::Bool(true),
            _ => Val::Null,
        },
        BinOp::Or => match (a.truthy(), b.truthy()) {
            (Some(true), _) | (_, Some(true)) => Val::Bool(true),
            (Some(false), Some(false)) => Val::Bool(false),
            _ => Val::Null,
        },
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            match compare(&a, &b) {
                None => Val::Null,
                Some(o) => Val::Bool(match op {
                    BinOp::Eq => o == Equal,
                    BinOp::Ne => o != Equal,
                    BinOp::Lt => o == Less,
                    BinOp::Le => o != Greater,
                    BinOp::Gt => o == Greater,
                    _ => o != Less,
                }),
            }
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Mod => {
            if let (Val::Int(x), Val::Int(y)) = (&a, &b) {
                return match op {
                    BinOp::Add => x.checked_add(*y).map(Val::Int),
                    BinOp::Sub => x.checked_sub(*y).map(Val::Int),
                    BinOp::Mul => x.checked_mul(*y).map(Val::Int),
                    _ => x.checked_rem(*y).map(Val::Int),
                }
                .unwrap_or(Val::Null);
            }
            match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => Val::Float(match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    _ => x % y,
                }),
                _ => Val::Null,
            }
        }
        // Division is DOUBLE in StarRocks; by zero is NULL.
        BinOp::Div => match (a.as_f64(), b.as_f64()) {
            (Some(_), Some(0.0)) => Val::Null,
            (Some(x), Some(y)) => Val::Float(x / y),
            _ => Val::Null,
        },
    }
}
