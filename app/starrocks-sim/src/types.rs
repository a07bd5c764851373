//! Column types, stored values and the conversion rules StarRocks applies when it loads a value
//! (protocol reference §5.1–§5.2). The same rules back the app's mapping preview, so what a preview
//! says is what a load does.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A StarRocks column type (the subset the stand-in models).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SqlType {
    Boolean,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    LargeInt,
    Float,
    Double,
    Decimal {
        precision: u8,
        scale: u8,
    },
    Date,
    DateTime,
    Char(u32),
    Varchar(u32),
    /// STRING: an alias of a long VARCHAR.
    String,
    Json,
    Varbinary,
    /// ARRAY<…>, MAP<…>, STRUCT<…>, HLL, BITMAP: kept as their type text; values are stored as JSON.
    Complex(String),
}

/// Longest VARCHAR StarRocks 2.1+ accepts, in bytes; STRING is this long.
pub const MAX_VARCHAR_BYTES: u32 = 1_048_576;

impl SqlType {
    /// The lower-case name `information_schema.COLUMNS.DATA_TYPE` shows (`bigint`, `varchar`, …).
    pub fn data_type_name(&self) -> String {
        match self {
            SqlType::Boolean => "boolean".into(),
            SqlType::TinyInt => "tinyint".into(),
            SqlType::SmallInt => "smallint".into(),
            SqlType::Int => "int".into(),
            SqlType::BigInt => "bigint".into(),
            SqlType::LargeInt => "largeint".into(),
            SqlType::Float => "float".into(),
            SqlType::Double => "double".into(),
            SqlType::Decimal { .. } => "decimal".into(),
            SqlType::Date => "date".into(),
            SqlType::DateTime => "datetime".into(),
            SqlType::Char(_) => "char".into(),
            SqlType::Varchar(_) | SqlType::String => "varchar".into(),
            SqlType::Json => "json".into(),
            SqlType::Varbinary => "varbinary".into(),
            SqlType::Complex(t) => t
                .split(['<', '('])
                .next()
                .unwrap_or(t)
                .trim()
                .to_ascii_lowercase(),
        }
    }

    /// `COLUMN_SIZE` (precision or length) as information_schema reports it.
    pub fn column_size(&self) -> Option<u64> {
        match self {
            SqlType::Boolean => None,
            SqlType::TinyInt => Some(3),
            SqlType::SmallInt => Some(5),
            SqlType::Int => Some(10),
            SqlType::BigInt => Some(19),
            SqlType::LargeInt => Some(39),
            SqlType::Float => Some(12),
            SqlType::Double => Some(22),
            SqlType::Decimal { precision, .. } => Some(u64::from(*precision)),
            SqlType::Char(n) | SqlType::Varchar(n) => Some(u64::from(*n)),
            SqlType::String => Some(u64::from(MAX_VARCHAR_BYTES)),
            _ => None,
        }
    }

    /// `DECIMAL_DIGITS` as information_schema reports it.
    pub fn decimal_digits(&self) -> Option<u64> {
        match self {
            SqlType::Decimal { scale, .. } => Some(u64::from(*scale)),
            SqlType::TinyInt
            | SqlType::SmallInt
            | SqlType::Int
            | SqlType::BigInt
            | SqlType::LargeInt => Some(0),
            _ => None,
        }
    }

    /// Key columns cannot be FLOAT, DOUBLE, JSON or complex types.
    pub fn can_be_key(&self) -> bool {
        !matches!(
            self,
            SqlType::Float | SqlType::Double | SqlType::Json | SqlType::Complex(_)
        )
    }

    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            SqlType::TinyInt
                | SqlType::SmallInt
                | SqlType::Int
                | SqlType::BigInt
                | SqlType::LargeInt
                | SqlType::Float
                | SqlType::Double
                | SqlType::Decimal { .. }
        )
    }

    fn int_range(&self) -> Option<(i128, i128)> {
        match self {
            SqlType::TinyInt => Some((i8::MIN as i128, i8::MAX as i128)),
            SqlType::SmallInt => Some((i16::MIN as i128, i16::MAX as i128)),
            SqlType::Int => Some((i32::MIN as i128, i32::MAX as i128)),
            SqlType::BigInt => Some((i64::MIN as i128, i64::MAX as i128)),
            SqlType::LargeInt => Some((i128::MIN, i128::MAX)),
            _ => None,
        }
    }
}

impl fmt::Display for SqlType {
    /// Renders the type the way `DESC` and `SHOW CREATE TABLE` print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlType::Boolean => write!(f, "boolean"),
            SqlType::TinyInt => write!(f, "tinyint(4)"),
            SqlType::SmallInt => write!(f, "smallint(6)"),
            SqlType::Int => write!(f, "int(11)"),
            SqlType::BigInt => write!(f, "bigint(20)"),
            SqlType::LargeInt => write!(f, "largeint(40)"),
            SqlType::Float => write!(f, "float"),
            SqlType::Double => write!(f, "double"),
            SqlType::Decimal { precision, scale } => write!(f, "decimal({precision}, {scale})"),
            SqlType::Date => write!(f, "date"),
            SqlType::DateTime => write!(f, "datetime"),
            SqlType::Char(n) => write!(f, "char({n})"),
            SqlType::Varchar(n) => write!(f, "varchar({n})"),
            SqlType::String => write!(f, "varchar({MAX_VARCHAR_BYTES})"),
            SqlType::Json => write!(f, "json"),
            SqlType::Varbinary => write!(f, "varbinary"),
            SqlType::Complex(t) => write!(f, "{}", t.to_ascii_lowercase()),
        }
    }
}

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

fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim();
    // Rust accepts "inf"/"NaN"; StarRocks does not load them as numbers.
    if t.is_empty()
        || t.chars()
            .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Parses a decimal literal into DECIMAL(precision, scale), rounding half away from zero.
pub fn parse_decimal(s: &str, precision: u8, scale: u8) -> Option<Cell> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        // Exponent forms go through f64.
        let x: f64 = parse_float(s)?;
        return parse_decimal(
            &format!("{:.*}", usize::from(scale) + 1, x),
            precision,
            scale,
        );
    }
    let scale_us = usize::from(scale);
    let mut frac: String = frac_part.chars().take(scale_us).collect();
    while frac.len() < scale_us {
        frac.push('0');
    }
    let round_up = frac_part
        .as_bytes()
        .get(scale_us)
        .is_some_and(|d| *d >= b'5');
    let int_trimmed = int_part.trim_start_matches('0');
    if int_trimmed.len() > usize::from(precision.saturating_sub(scale)) {
        return None;
    }
    let digits = format!("{int_trimmed}{frac}");
    let mut v: i128 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    if round_up {
        v += 1;
    }
    if v >= 10i128.checked_pow(u32::from(precision))? {
        return None;
    }
    Some(Cell::Decimal(if neg { -v } else { v }, scale))
}

/// Parses a DATE/DATETIME string as StarRocks does: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.ffffff]`,
/// the ISO-8601 form with `T` (optionally ending in `Z`), and MySQL's compact forms.
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let t = s.trim();
    let t = t.strip_suffix('Z').unwrap_or(t);
    if t.is_empty() {
        return None;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return parse_compact(t);
    }
    let (date_part, time_part) = match t.find(['T', ' ']) {
        Some(i) => (&t[..i], Some(t[i + 1..].trim_start())),
        None => (t, None),
    };
    let mut it = date_part.split(['-', '/']);
    let year = it.next()?;
    let month: u32 = it.next()?.parse().ok()?;
    let day: u32 = it.next()?.parse().ok()?;
    if it.next().is_some() || year.is_empty() || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = match year.len() {
        2 => {
            let y: i32 = year.parse().ok()?;
            if y < 70 { 2000 + y } else { 1900 + y }
        }
        4 => year.parse().ok()?,
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let time = match time_part {
        None | Some("") => NaiveTime::MIN,
        Some(tp) => parse_time(tp)?,
    };
    Some(NaiveDateTime::new(date, time))
}

fn parse_time(tp: &str) -> Option<NaiveTime> {
    let (hms, frac) = match tp.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (tp, None),
    };
    let mut parts = hms.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next().map(str::parse).transpose().ok()?.unwrap_or(0);
    let sec: u32 = parts.next().map(str::parse).transpose().ok()?.unwrap_or(0);
    if parts.next().is_some() {
        return None;
    }
    let micros = match frac {
        None => 0,
        Some(f) => {
            if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // Shorter fractions are scaled (.5 → 500000 µs); longer ones are truncated.
            let six: String = f.chars().chain(std::iter::repeat('0')).take(6).collect();
            six.parse::<u32>().ok()?
        }
    };
    NaiveTime::from_hms_micro_opt(h, m, sec, micros)
}

fn parse_compact(t: &str) -> Option<NaiveDateTime> {
    let (date_digits, time_digits) = match t.len() {
        6 => (
            format!(
                "{}{}",
                if t[..2].parse::<u32>().ok()? < 70 {
                    "20"
                } else {
                    "19"
                },
                t
            ),
            "",
        ),
        8 => (t.to_string(), ""),
        12 => (
            format!(
                "{}{}",
                if t[..2].parse::<u32>().ok()? < 70 {
                    "20"
                } else {
                    "19"
                },
                &t[..6]
            ),
            &t[6..],
        ),
        14 => (t[..8].to_string(), &t[8..]),
        _ => return None,
    };
    let y: i32 = date_digits[..4].parse().ok()?;
    let mo: u32 = date_digits[4..6].parse().ok()?;
    let d: u32 = date_digits[6..8].parse().ok()?;
    let date = NaiveDate::from_ymd_opt(y, mo, d)?;
    let time = if time_digits.is_empty() {
        NaiveTime::MIN
    } else {
        NaiveTime::from_hms_opt(
            time_digits[..2].parse().ok()?,
            time_digits[2..4].parse().ok()?,
            time_digits[4..6].parse().ok()?,
        )?
    };
    Some(NaiveDateTime::new(date, time))
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
