//! The one column-type parser: a type as CREATE TABLE accepts it, from text (the grid, `DESC`
//! output) or from a name and its `(…)` arguments (a SQL parser that has its own tokens).

use crate::sql_type::{MAX_VARCHAR_BYTES, SqlType};
use std::fmt;

/// The type names the grid offers.
pub const TYPE_NAMES: &[&str] = &[
    "BOOLEAN",
    "TINYINT",
    "SMALLINT",
    "INT",
    "BIGINT",
    "LARGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
    "DATE",
    "DATETIME",
    "CHAR",
    "VARCHAR",
    "STRING",
    "JSON",
    "VARBINARY",
];

/// Why a type name and its arguments are not a type. Each caller words it its own way (the grid
/// names the text it was given; a SQL front end answers as StarRocks does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeArgsError {
    /// The type takes no `(…)`.
    NoArguments(SqlType),
    /// More than the one display width an integer type allows (`int(11)`).
    OnlyDisplayWidth,
    /// DECIMAL with more than precision and scale.
    DecimalArity,
    DecimalPrecision {
        max: u64,
        got: u64,
    },
    DecimalScale {
        precision: u64,
        scale: u64,
    },
    /// CHAR/VARCHAR with more than one length.
    LengthArity,
    /// `name` is `CHAR` or `VARCHAR`.
    Length {
        name: &'static str,
        max: u64,
        got: u64,
    },
    /// Not a type name at all.
    Unknown,
}

/// The type a (lower-case) type name and its numeric arguments denote. ARRAY, MAP and STRUCT
/// are not handled here: their `<…>` is read by the caller (see [`parse_type`]).
pub fn type_from_parts(name: &str, args: &[u64]) -> Result<SqlType, TypeArgsError> {
    let no_args = |ty: SqlType| {
        if args.is_empty() {
            Ok(ty)
        } else {
            Err(TypeArgsError::NoArguments(ty))
        }
    };
    // `int(11)`: a display width, accepted and ignored.
    let int = |ty: SqlType| {
        if args.len() <= 1 {
            Ok(ty)
        } else {
            Err(TypeArgsError::OnlyDisplayWidth)
        }
    };
    match name {
        "boolean" | "bool" => no_args(SqlType::Boolean),
        "tinyint" => int(SqlType::TinyInt),
        "smallint" => int(SqlType::SmallInt),
        "int" | "integer" => int(SqlType::Int),
        "bigint" => int(SqlType::BigInt),
        "largeint" => int(SqlType::LargeInt),
        "float" => no_args(SqlType::Float),
        "double" => no_args(SqlType::Double),
        "date" => no_args(SqlType::Date),
        "datetime" => no_args(SqlType::DateTime),
        "string" => no_args(SqlType::String),
        "json" => no_args(SqlType::Json),
        "hll" | "bitmap" => no_args(SqlType::Complex(name.to_ascii_uppercase())),
        "varbinary" | "binary" => Ok(SqlType::Varbinary),
        "decimal" | "decimalv2" | "decimal32" | "decimal64" | "decimal128" | "numeric" => {
            let max = match name {
                "decimal32" => 9,
                "decimal64" => 18,
                "decimalv2" => 27,
                _ => 38,
            };
            let (p, s) = match args {
                [] => (10, 0),
                [p] => (*p, 0),
                [p, s] => (*p, *s),
                _ => return Err(TypeArgsError::DecimalArity),
            };
            if p == 0 || p > max {
                return Err(TypeArgsError::DecimalPrecision { max, got: p });
            }
            if s > p {
                return Err(TypeArgsError::DecimalScale {
                    precision: p,
                    scale: s,
                });
            }
            Ok(SqlType::Decimal {
                precision: p as u8,
                scale: s as u8,
            })
        }
        "char" | "varchar" => {
            let (upper, max) = if name == "char" {
                ("CHAR", 255)
            } else {
                ("VARCHAR", u64::from(MAX_VARCHAR_BYTES))
            };
            let n = match args {
                [] => 1,
                [n] => *n,
                _ => return Err(TypeArgsError::LengthArity),
            };
            if n == 0 || n > max {
                return Err(TypeArgsError::Length {
                    name: upper,
                    max,
                    got: n,
                });
            }
            Ok(if name == "char" {
                SqlType::Char(n as u32)
            } else {
                SqlType::Varchar(n as u32)
            })
        }
        _ => Err(TypeArgsError::Unknown),
    }
}

/// The grid's wording of a [`TypeArgsError`] for the type text `text`.
struct GridMessage<'a>(&'a str, &'a TypeArgsError);

impl fmt::Display for GridMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        match self.1 {
            TypeArgsError::NoArguments(ty) => {
                write!(f, "{text:?}: {} takes no arguments", ty.ddl())
            }
            TypeArgsError::OnlyDisplayWidth => {
                write!(f, "{text:?}: only a display width is allowed")
            }
            TypeArgsError::DecimalArity => {
                write!(f, "{text:?}: expected DECIMAL(precision[, scale])")
            }
            TypeArgsError::DecimalPrecision { max, got } => write!(
                f,
                "{text:?}: DECIMAL precision must be 1 to {max}, not {got}"
            ),
            TypeArgsError::DecimalScale { precision, scale } => write!(
                f,
                "{text:?}: DECIMAL scale ({scale}) must not exceed its precision ({precision})"
            ),
            TypeArgsError::LengthArity => write!(f, "{text:?}: expected one length"),
            TypeArgsError::Length { name, max, got } => write!(
                f,
                "{text:?}: {name} length must be 1 to {max} bytes, not {got}"
            ),
            TypeArgsError::Unknown => write!(
                f,
                "unknown type {text:?}: use one of {}",
                TYPE_NAMES.join(", ")
            ),
        }
    }
}

/// Parses a column type as CREATE TABLE accepts it (case-insensitive, `int(11)` display widths
/// allowed). The error says what is wrong and what is accepted.
pub fn parse_type(text: &str) -> Result<SqlType, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the type is empty".to_string());
    }
    let name_end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(t.len());
    let name = t[..name_end].to_ascii_lowercase();
    let rest = t[name_end..].trim();
    if matches!(name.as_str(), "array" | "map" | "struct") {
        if rest.starts_with('<') && rest.ends_with('>') && balanced(rest) {
            return Ok(SqlType::Complex(format!(
                "{}{}",
                name.to_ascii_uppercase(),
                rest
            )));
        }
        return Err(format!(
            "{text:?}: expected {}<…>",
            name.to_ascii_uppercase()
        ));
    }
    let args: Vec<u64> = if rest.is_empty() {
        Vec::new()
    } else {
        let inner = rest
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .ok_or_else(|| format!("{text:?}: unexpected {rest:?} after the type name"))?;
        inner
            .split(',')
            .map(|a| {
                a.trim()
                    .parse::<u64>()
                    .map_err(|_| format!("{text:?}: {:?} is not a number", a.trim()))
            })
            .collect::<Result<_, _>>()?
    };
    type_from_parts(&name, &args).map_err(|e| GridMessage(text, &e).to_string())
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_parsing() {
        assert_eq!(parse_type("varchar(20)"), Ok(SqlType::Varchar(20)));
        assert_eq!(parse_type(" int(11) "), Ok(SqlType::Int));
        assert_eq!(
            parse_type("DECIMAL(18, 4)"),
            Ok(SqlType::Decimal {
                precision: 18,
                scale: 4
            })
        );
        assert!(parse_type("decimal(4, 5)").is_err());
        assert_eq!(
            parse_type("ARRAY<INT>"),
            Ok(SqlType::Complex("ARRAY<INT>".into()))
        );
        assert_eq!(
            parse_type("double(3)"),
            Err("\"double(3)\": DOUBLE takes no arguments".to_string())
        );
        assert_eq!(
            parse_type("VARCHAR(0)"),
            Err("\"VARCHAR(0)\": VARCHAR length must be 1 to 1048576 bytes, not 0".to_string())
        );
    }

    #[test]
    fn ddl_and_desc_spellings() {
        let ty = parse_type("varchar(64)").unwrap();
        assert_eq!(ty.ddl(), "VARCHAR(64)");
        assert_eq!(ty.to_string(), "varchar(64)");
        assert_eq!(SqlType::BigInt.ddl(), "BIGINT");
        assert_eq!(SqlType::BigInt.to_string(), "bigint(20)");
    }
}
