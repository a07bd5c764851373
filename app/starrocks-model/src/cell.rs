//! One stored value and how the MySQL text protocol and the error log render it.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// One stored value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    /// A decimal as an unscaled integer and its scale.
    Decimal(i128, u8),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Str(String),
    /// JSON and complex values, kept as compact JSON text.
    Json(String),
}

impl Cell {
    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    /// The text a MySQL text-protocol result shows (`None` for NULL).
    pub fn to_text(&self) -> Option<String> {
        Some(match self {
            Cell::Null => return None,
            Cell::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(x) => format_float(*x),
            Cell::Decimal(v, s) => format_decimal(*v, *s),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::DateTime(dt) => {
                if dt.and_utc().timestamp_subsec_micros() == 0 {
                    dt.format("%Y-%m-%d %H:%M:%S").to_string()
                } else {
                    dt.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
                }
            }
            Cell::Str(s) => s.clone(),
            Cell::Json(j) => j.clone(),
        })
    }

    /// How the error log renders a value inside a row (`NULL` for nulls, like StarRocks' chunk dump).
    pub fn to_log_text(&self) -> String {
        self.to_text().unwrap_or_else(|| "NULL".to_string())
    }

    /// A total order for ORDER BY and key comparison: NULL first, then by value.
    pub fn sort_cmp(&self, other: &Cell) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self, other) {
            (Cell::Null, Cell::Null) => Ordering::Equal,
            (Cell::Null, _) => Ordering::Less,
            (_, Cell::Null) => Ordering::Greater,
            (a, b) => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => match (a, b) {
                    (Cell::Int(i), Cell::Int(j)) => i.cmp(j),
                    _ => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                },
                _ => match (a, b) {
                    (Cell::Date(x), Cell::Date(y)) => x.cmp(y),
                    (Cell::DateTime(x), Cell::DateTime(y)) => x.cmp(y),
                    _ => a.to_text().cmp(&b.to_text()),
                },
            },
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            Cell::Int(i) => Some(*i as f64),
            Cell::Float(x) => Some(*x),
            Cell::Decimal(v, s) => Some(*v as f64 / 10f64.powi(i32::from(*s))),
            _ => None,
        }
    }
}

fn format_float(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn format_decimal(v: i128, scale: u8) -> String {
    if scale == 0 {
        return v.to_string();
    }
    let neg = v < 0;
    let digits = v.unsigned_abs().to_string();
    let scale = usize::from(scale);
    let padded = if digits.len() <= scale {
        format!("{}{}", "0".repeat(scale - digits.len() + 1), digits)
    } else {
        digits
    };
    let (int_part, frac) = padded.split_at(padded.len() - scale);
    format!("{}{}.{}", if neg { "-" } else { "" }, int_part, frac)
}
