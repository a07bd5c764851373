//! The conversion rules StarRocks applies when it loads a value (protocol reference §5.1–§5.2).
//! The same rules back the app's mapping preview, so what a preview says is what a load does.

use crate::cell::Cell;
use crate::literals::{parse_datetime, parse_decimal, parse_float};
use crate::sql_type::{MAX_VARCHAR_BYTES, SqlType};
use std::fmt;

/// Why a value did not convert. In non-strict mode the value becomes NULL; in strict mode the
/// row is filtered with this reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError {
    pub reason: String,
}

impl ConvertError {
    fn new(value: impl fmt::Display, ty: &SqlType) -> Self {
        ConvertError {
            reason: format!("Value '{value}' is invalid for type {ty}"),
        }
    }
}

/// A source value before conversion: text (CSV fields, function results) or a JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceValue {
    Null,
    Text(String),
    Json(serde_json::Value),
}

impl SourceValue {
    pub fn from_cell(cell: &Cell) -> SourceValue {
        match cell {
            Cell::Null => SourceValue::Null,
            Cell::Bool(b) => SourceValue::Json(serde_json::Value::Bool(*b)),
            Cell::Int(i) => match i64::try_from(*i) {
                Ok(v) => SourceValue::Json(serde_json::Value::from(v)),
                Err(_) => SourceValue::Text(i.to_string()),
            },
            Cell::Float(x) => serde_json::Number::from_f64(*x)
                .map(|n| SourceValue::Json(serde_json::Value::Number(n)))
                .unwrap_or(SourceValue::Null),
            Cell::Json(j) => serde_json::from_str(j)
                .map(SourceValue::Json)
                .unwrap_or_else(|_| SourceValue::Text(j.clone())),
            other => SourceValue::Text(other.to_text().unwrap_or_default()),
        }
    }
}

/// Converts a source value into a column of type `ty` the way a Stream Load does.
/// `Ok(Cell::Null)` is a real NULL (JSON null, CSV `\N`); `Err` is a failed conversion.
pub fn convert(value: &SourceValue, ty: &SqlType) -> Result<Cell, ConvertError> {
    match value {
        SourceValue::Null => Ok(Cell::Null),
        SourceValue::Text(s) => convert_text(s, ty),
        SourceValue::Json(j) => convert_json(j, ty),
    }
}

/// Converts CSV text (or any string) into `ty`.
pub fn convert_text(s: &str, ty: &SqlType) -> Result<Cell, ConvertError> {
    let err = || ConvertError::new(s, ty);
    match ty {
        SqlType::Boolean => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Cell::Bool(true)),
            "false" | "0" => Ok(Cell::Bool(false)),
            _ => Err(err()),
        },
        SqlType::TinyInt
        | SqlType::SmallInt
        | SqlType::Int
        | SqlType::BigInt
        | SqlType::LargeInt => {
            let v: i128 = s.trim().parse().map_err(|_| err())?;
            let (lo, hi) = ty.int_range().unwrap_or((i128::MIN, i128::MAX));
            if v < lo || v > hi {
                return Err(err());
            }
            Ok(Cell::Int(v))
        }
        SqlType::Float => {
            let v: f64 = parse_float(s).ok_or_else(err)?;
            let f = v as f32;
            if !f.is_finite() {
                return Err(err());
            }
            // Keep FLOAT's own shortest decimal form (0.01, not 0.009999999776…).
            Ok(Cell::Float(f.to_string().parse().unwrap_or(f64::from(f))))
        }
        SqlType::Double => parse_float(s).map(Cell::Float).ok_or_else(err),
        SqlType::Decimal { precision, scale } => {
            parse_decimal(s.trim(), *precision, *scale).ok_or_else(err)
        }
        SqlType::Date => parse_datetime(s)
            .map(|dt| Cell::Date(dt.date()))
            .ok_or_else(err),
        SqlType::DateTime => parse_datetime(s).map(Cell::DateTime).ok_or_else(err),
        SqlType::Char(n) | SqlType::Varchar(n) => {
            if s.len() > *n as usize {
                Err(ConvertError {
                    reason: format!(
                        "Value length {} exceeds the column length {} of {ty}",
                        s.len(),
                        n
                    ),
                })
            } else {
                Ok(Cell::Str(s.to_string()))
            }
        }
        SqlType::String | SqlType::Varbinary => {
            if s.len() > MAX_VARCHAR_BYTES as usize {
                Err(err())
            } else {
                Ok(Cell::Str(s.to_string()))
            }
        }
        SqlType::Json | SqlType::Complex(_) => serde_json::from_str::<serde_json::Value>(s)
            .map(|v| Cell::Json(v.to_string()))
            .map_err(|_| err()),
    }
}

/// Converts a JSON value into `ty`. Strings go through the text rules; numbers into DATETIME are
/// not datetimes (epoch millis load as NULL in StarRocks).
pub fn convert_json(v: &serde_json::Value, ty: &SqlType) -> Result<Cell, ConvertError> {
    use serde_json::Value;
    let err = || ConvertError::new(v, ty);
    match (v, ty) {
        (Value::Null, _) => Ok(Cell::Null),
        (Value::String(s), SqlType::Json) => Ok(Cell::Json(Value::String(s.clone()).to_string())),
        (Value::String(s), _) => convert_text(s, ty),
        (_, SqlType::Json) => Ok(Cell::Json(v.to_string())),
        (Value::Array(_), SqlType::Complex(_)) | (Value::Object(_), SqlType::Complex(_)) => {
            Ok(Cell::Json(v.to_string()))
        }
        (Value::Bool(b), SqlType::Boolean) => Ok(Cell::Bool(*b)),
        (Value::Bool(b), t) if t.is_numeric() => convert_text(if *b { "1" } else { "0" }, ty),
        (Value::Number(n), SqlType::Boolean) => match n.as_f64() {
            Some(x) => Ok(Cell::Bool(x != 0.0)),
            None => Err(err()),
        },
        (Value::Number(n), t) if t.is_numeric() => {
            if let Some(i) = n.as_i64() {
                convert_text(&i.to_string(), ty)
            } else if let Some(u) = n.as_u64() {
                convert_text(&u.to_string(), ty)
            } else {
                let x = n.as_f64().ok_or_else(err)?;
                match ty {
                    SqlType::Float | SqlType::Double | SqlType::Decimal { .. } => {
                        convert_text(&n.to_string(), ty)
                    }
                    // A fractional JSON number into an integer column is a failed conversion.
                    _ if x.fract() == 0.0 => convert_text(&format!("{}", x as i128), ty),
                    _ => Err(err()),
                }
            }
        }
        (Value::Number(_), SqlType::Date | SqlType::DateTime) => Err(ConvertError {
            reason: format!(
                "Value '{v}' is a JSON number, not a date or datetime for type {ty} \
                 (use from_unixtime() in the columns parameter for epoch values)"
            ),
        }),
        (
            Value::Number(_) | Value::Bool(_),
            SqlType::Char(_) | SqlType::Varchar(_) | SqlType::String,
        ) => convert_text(&v.to_string(), ty),
        (
            Value::Array(_) | Value::Object(_),
            SqlType::Char(_) | SqlType::Varchar(_) | SqlType::String,
        ) => convert_text(&v.to_string(), ty),
        _ => Err(err()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn datetime_forms_parse_as_starrocks_does() {
        let iso = parse_datetime("2024-05-28T19:53:17.497201").unwrap();
        assert_eq!(iso.to_string(), "2024-05-28 19:53:17.497201");
        assert_eq!(
            parse_datetime("2024-05-28 19:53:17.5").unwrap().to_string(),
            "2024-05-28 19:53:17.500"
        );
        assert!(parse_datetime("2024-05-28T19:53:17Z").is_some());
        assert!(parse_datetime("20240528").is_some());
        assert!(parse_datetime("20240528195317").is_some());
        // Two-digit years: 00–69 are 20xx, 70–99 are 19xx.
        assert_eq!(
            parse_datetime("690528").unwrap().to_string(),
            "2069-05-28 00:00:00"
        );
        assert_eq!(
            parse_datetime("700528195317").unwrap().to_string(),
            "1970-05-28 19:53:17"
        );
        assert!(parse_datetime("2024-13-01").is_none());
        assert!(parse_datetime("2024-01-01 24:00:00").is_none());
        assert!(parse_datetime("yesterday").is_none());
    }

    #[test]
    fn non_strict_conversions_fail_where_starrocks_loads_null() {
        assert!(convert_json(&json!(1716925997000i64), &SqlType::DateTime).is_err());
        assert!(convert_json(&json!("abcdefg"), &SqlType::Varchar(5)).is_err());
        assert!(convert_json(&json!(2000), &SqlType::TinyInt).is_err());
        assert!(convert_json(&json!("12x"), &SqlType::Int).is_err());
        assert_eq!(
            convert_json(&json!(84.27), &SqlType::Double).unwrap(),
            Cell::Float(84.27)
        );
        assert_eq!(
            convert_json(
                &json!("84.275"),
                &SqlType::Decimal {
                    precision: 10,
                    scale: 2
                }
            )
            .unwrap(),
            Cell::Decimal(8428, 2)
        );
        assert_eq!(
            convert_json(&json!(null), &SqlType::Int).unwrap(),
            Cell::Null
        );
    }

    #[test]
    fn decimal_and_float_render_like_mysql_text() {
        assert_eq!(Cell::Decimal(-5, 2).to_text().unwrap(), "-0.05");
        assert_eq!(Cell::Decimal(12345, 2).to_text().unwrap(), "123.45");
        assert_eq!(Cell::Float(3.0).to_text().unwrap(), "3");
        assert_eq!(Cell::Float(84.27).to_text().unwrap(), "84.27");
    }
}
