//! The StarRocks column type: its variants, how `DESC` and information_schema show it, and its
//! DDL spelling. [`crate::type_parser`] reads it from text.

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
            _ if self.is_integer() => Some(0),
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
        self.is_integer()
            || matches!(
                self,
                SqlType::Float | SqlType::Double | SqlType::Decimal { .. }
            )
    }

    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            SqlType::TinyInt
                | SqlType::SmallInt
                | SqlType::Int
                | SqlType::BigInt
                | SqlType::LargeInt
        )
    }

    pub fn is_temporal(&self) -> bool {
        matches!(self, SqlType::Date | SqlType::DateTime)
    }

    pub fn is_string(&self) -> bool {
        matches!(
            self,
            SqlType::Char(_) | SqlType::Varchar(_) | SqlType::String
        )
    }

    /// The canonical DDL spelling the app writes and the grid shows (`VARCHAR(64)`,
    /// `DECIMAL(18, 4)`, `BIGINT`); [`fmt::Display`] is the server's `DESC` spelling instead.
    pub fn ddl(&self) -> String {
        match self {
            SqlType::Boolean => "BOOLEAN".into(),
            SqlType::TinyInt => "TINYINT".into(),
            SqlType::SmallInt => "SMALLINT".into(),
            SqlType::Int => "INT".into(),
            SqlType::BigInt => "BIGINT".into(),
            SqlType::LargeInt => "LARGEINT".into(),
            SqlType::Float => "FLOAT".into(),
            SqlType::Double => "DOUBLE".into(),
            SqlType::Decimal { precision, scale } => format!("DECIMAL({precision}, {scale})"),
            SqlType::Date => "DATE".into(),
            SqlType::DateTime => "DATETIME".into(),
            SqlType::Char(n) => format!("CHAR({n})"),
            SqlType::Varchar(n) => format!("VARCHAR({n})"),
            SqlType::String => "STRING".into(),
            SqlType::Json => "JSON".into(),
            SqlType::Varbinary => "VARBINARY".into(),
            SqlType::Complex(t) => t.clone(),
        }
    }

    pub(crate) fn int_range(&self) -> Option<(i128, i128)> {
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
