//! Schema inference from sampled JSON records, the proposed table (DDL, jsonpaths) and the
//! validation of a user-edited column grid. Pure logic: the wizard's editable grid calls
//! [`TableSpec::validate`] and [`TableSpec::ddl`] on every edit; `init-table` runs the DDL.
//!
//! Every type proposed here loads with StarRocks' conversion rules (protocol reference §5.2):
//! DATETIME only for strings in the shapes StarRocks parses, VARCHAR long enough with headroom.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One column of a proposed (or described) table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSpec {
    pub name: String,
    /// The type as written in the DDL: `BIGINT`, `VARCHAR(64)`, `DATETIME`, `DECIMAL(18, 4)`, …
    pub sql_type: String,
    pub nullable: bool,
    /// Part of the sort key (DUPLICATE KEY). Key columns come first, in order.
    pub key: bool,
    /// The JSON field the column takes its value from, when it differs from `name` (a field
    /// whose name is not a valid column name, e.g. `price-usd` → column `price_usd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl ColumnSpec {
    /// A nullable, non-key column fed by the field of the same name.
    pub fn new(name: impl Into<String>, sql_type: impl Into<String>) -> ColumnSpec {
        ColumnSpec {
            name: name.into(),
            sql_type: sql_type.into(),
            nullable: true,
            key: false,
            source: None,
        }
    }

    /// The JSON field this column reads.
    pub fn field(&self) -> &str {
        self.source.as_deref().unwrap_or(&self.name)
    }

    /// The `jsonpaths` entry for this column (`$.price`, `$."a.b"`).
    pub fn jsonpath(&self) -> String {
        jsonpath_for(self.field())
    }

    /// The column's definition inside CREATE TABLE / ADD COLUMN: `` `name` TYPE [NOT] NULL ``.
    pub fn definition(&self) -> String {
        format!(
            "{} {} {}",
            quote_ident(&self.name),
            self.sql_type.trim(),
            if self.nullable { "NULL" } else { "NOT NULL" }
        )
    }

    /// The parsed type (None when it does not parse; see [`parse_type`]).
    pub fn column_type(&self) -> Option<ColumnType> {
        parse_type(&self.sql_type).ok()
    }
}

/// A table to create: the wizard's grid, or what [`infer_table`] proposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSpec {
    pub database: String,
    pub table: String,
    pub columns: Vec<ColumnSpec>,
    /// `BUCKETS n` (None: StarRocks picks the bucket count, 2.5.7+).
    #[serde(default)]
    pub buckets: Option<u32>,
    /// `PROPERTIES("replication_num" = "n")`: 1 on a single-BE self-managed cluster (the default
    /// of 3 fails there); None leaves the cluster default (CelerData, 3+ BEs).
    #[serde(default)]
    pub replication_num: Option<u32>,
}

/// Backquotes an identifier (a backquote inside is doubled).
pub fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The StarRocks JSON path of a top-level field: `$.a`, or `$."a.b"` when the name has a dot.
pub fn jsonpath_for(field: &str) -> String {
    if field.contains('.') {
        format!("$.\"{field}\"")
    } else {
        format!("$.{field}")
    }
}

/// Whether a JSON field name can be addressed by a StarRocks jsonpath at all (`"`, `[` and `]`
/// cannot be written inside one).
pub fn field_addressable(field: &str) -> bool {
    !field.is_empty() && !field.contains(['"', '[', ']'])
}

/// Whether `name` is a table/column name StarRocks accepts unquoted-equivalent: starts with a
/// letter or `_`, then letters, digits, `_`; at most 64 characters.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A column name for a JSON field: invalid characters become `_`, a leading digit gets a `_`.
pub fn column_name_for(field: &str) -> String {
    let mut s: String = field
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s.truncate(64);
    s
}

impl TableSpec {
    /// `CREATE DATABASE IF NOT EXISTS `db``.
    pub fn create_database_ddl(&self) -> String {
        format!(
            "CREATE DATABASE IF NOT EXISTS {}",
            quote_ident(&self.database)
        )
    }

    /// `` `db`.`table` ``.
    pub fn qualified_name(&self) -> String {
        format!(
            "{}.{}",
            quote_ident(&self.database),
            quote_ident(&self.table)
        )
    }

    /// The key columns, in order.
    pub fn key_columns(&self) -> Vec<&ColumnSpec> {
        self.columns.iter().filter(|c| c.key).collect()
    }

    /// The CREATE TABLE statement: a DUPLICATE KEY table (appends every record; the
    /// pipeline's exactly-once labels keep duplicates out) hash-distributed on its key.
    pub fn ddl(&self) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("    {}", c.definition()))
            .collect();
        let keys: Vec<String> = self
            .key_columns()
            .iter()
            .map(|c| quote_ident(&c.name))
            .collect();
        let mut out = format!(
            "CREATE TABLE IF NOT EXISTS {} (\n{}\n)",
            self.qualified_name(),
            cols.join(",\n")
        );
        if keys.is_empty() {
            // No column can be a key (all DOUBLE/JSON): random distribution needs none.
            out.push_str("\nDISTRIBUTED BY RANDOM");
        } else {
            let keys = keys.join(", ");
            out.push_str(&format!(
                "\nDUPLICATE KEY({keys})\nDISTRIBUTED BY HASH({keys})"
            ));
        }
        if let Some(b) = self.buckets {
            out.push_str(&format!(" BUCKETS {b}"));
        }
        if let Some(r) = self.replication_num {
            out.push_str(&format!("\nPROPERTIES (\"replication_num\" = \"{r}\")"));
        }
        out
    }

    /// The `properties.jsonpaths` value matching the columns in order: `["$.a","$.b"]`.
    pub fn jsonpaths(&self) -> String {
        jsonpaths(&self.columns)
    }

    /// The `[sink]` properties a JSON pipeline into this table needs (`init-table` prints them,
    /// the wizard writes them): `format` and `jsonpaths`.
    pub fn config_properties(&self) -> Vec<(String, String)> {
        vec![
            ("format".to_string(), "json".to_string()),
            ("jsonpaths".to_string(), self.jsonpaths()),
        ]
    }

    /// Checks a (user-edited) table: names, types, key columns. Every error names its column.
    pub fn validate(&self) -> Result<(), Vec<SchemaError>> {
        let mut errors = Vec::new();
        if !valid_name(&self.database) {
            errors.push(SchemaError::table(format!(
                "database name {:?} is not valid: start with a letter or '_', then letters, digits or '_'",
                self.database
            )));
        }
        if !valid_name(&self.table) {
            errors.push(SchemaError::table(format!(
                "table name {:?} is not valid: start with a letter or '_', then letters, digits or '_'",
                self.table
            )));
        }
        errors.extend(validate_columns(&self.columns));
        if self.buckets == Some(0) {
            errors.push(SchemaError::table("BUCKETS must be at least 1".to_string()));
        }
        if self.replication_num == Some(0) {
            errors.push(SchemaError::table(
                "replication_num must be at least 1".to_string(),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The `jsonpaths` value for these columns, in order.
pub fn jsonpaths(columns: &[ColumnSpec]) -> String {
    let paths: Vec<String> = columns.iter().map(ColumnSpec::jsonpath).collect();
    serde_json::to_string(&paths).unwrap_or_else(|_| "[]".to_string())
}

/// `ALTER TABLE `db`.`t` ADD COLUMN `c` TYPE NULL`: new columns are nullable (existing rows and
/// records without the field get NULL).
pub fn add_column_ddl(database: &str, table: &str, column: &ColumnSpec) -> String {
    let col = ColumnSpec {
        nullable: true,
        key: false,
        ..column.clone()
    };
    format!(
        "ALTER TABLE {}.{} ADD COLUMN {}",
        quote_ident(database),
        quote_ident(table),
        col.definition()
    )
}

/// A problem with the table or one of its columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaError {
    /// 0-based row of the grid (None: the table itself).
    pub index: Option<usize>,
    /// The column's name as typed (None: the table itself).
    pub column: Option<String>,
    pub message: String,
}

impl SchemaError {
    fn table(message: String) -> SchemaError {
        SchemaError {
            index: None,
            column: None,
            message,
        }
    }

    fn column(index: usize, name: &str, message: String) -> SchemaError {
        SchemaError {
            index: Some(index),
            column: Some(name.to_string()),
            message,
        }
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.index, &self.column) {
            (Some(i), Some(c)) if c.is_empty() => write!(f, "column {}: {}", i + 1, self.message),
            (Some(i), Some(c)) => write!(f, "column {} ({c}): {}", i + 1, self.message),
            _ => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for SchemaError {}

/// Checks a column grid: at least one column, valid and unique names, known types, key columns
/// a prefix of key-able types.
pub fn validate_columns(columns: &[ColumnSpec]) -> Vec<SchemaError> {
    let mut errors = Vec::new();
    if columns.is_empty() {
        errors.push(SchemaError::table(
            "the table has no columns: add at least one".to_string(),
        ));
        return errors;
    }
    let mut seen_non_key = false;
    for (i, c) in columns.iter().enumerate() {
        let err = |m: String| SchemaError::column(i, &c.name, m);
        if c.name.trim().is_empty() {
            errors.push(err("the name is empty".to_string()));
        } else if !valid_name(&c.name) {
            errors.push(err(format!(
                "{:?} is not a valid column name: start with a letter or '_', then letters, digits or '_' (at most 64)",
                c.name
            )));
        }
        if let Some(first) = columns[..i]
            .iter()
            .position(|o| !c.name.is_empty() && o.name.eq_ignore_ascii_case(&c.name))
        {
            errors.push(err(format!(
                "duplicate column name (also column {}; names are case-insensitive)",
                first + 1
            )));
        }
        let ty = match parse_type(&c.sql_type) {
            Ok(t) => Some(t),
            Err(m) => {
                errors.push(err(m));
                None
            }
        };
        if c.key {
            if seen_non_key {
                errors.push(err(
                    "key columns must come first: move it above the non-key columns or untick key"
                        .to_string(),
                ));
            }
            if let Some(t) = &ty
                && !t.can_be_key()
            {
                errors.push(err(format!(
                    "a {t} column cannot be a key column (FLOAT, DOUBLE, JSON and complex types cannot)"
                )));
            }
        } else {
            seen_non_key = true;
        }
        if let Some(src) = &c.source
            && !field_addressable(src)
        {
            errors.push(err(format!(
                "source field {src:?} cannot be written as a jsonpath (it contains '\"', '[' or ']')"
            )));
        }
    }
    errors
}

/// The column types StarRocks has (what the stand-in models).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnType {
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
    String,
    Json,
    Varbinary,
    /// ARRAY<…>, MAP<…>, STRUCT<…>, HLL, BITMAP, as written.
    Complex(String),
}

/// Longest VARCHAR StarRocks (2.1+) accepts, in bytes.
pub const MAX_VARCHAR_BYTES: u32 = 1_048_576;

impl ColumnType {
    pub fn can_be_key(&self) -> bool {
        !matches!(
            self,
            ColumnType::Float | ColumnType::Double | ColumnType::Json | ColumnType::Complex(_)
        )
    }

    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            ColumnType::TinyInt
                | ColumnType::SmallInt
                | ColumnType::Int
                | ColumnType::BigInt
                | ColumnType::LargeInt
        )
    }

    pub fn is_numeric(&self) -> bool {
        self.is_integer()
            || matches!(
                self,
                ColumnType::Float | ColumnType::Double | ColumnType::Decimal { .. }
            )
    }

    pub fn is_temporal(&self) -> bool {
        matches!(self, ColumnType::Date | ColumnType::DateTime)
    }

    pub fn is_string(&self) -> bool {
        matches!(
            self,
            ColumnType::Char(_) | ColumnType::Varchar(_) | ColumnType::String
        )
    }
}

impl fmt::Display for ColumnType {
    /// The canonical DDL spelling (`VARCHAR(64)`, `DECIMAL(18, 4)`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnType::Boolean => write!(f, "BOOLEAN"),
            ColumnType::TinyInt => write!(f, "TINYINT"),
            ColumnType::SmallInt => write!(f, "SMALLINT"),
            ColumnType::Int => write!(f, "INT"),
            ColumnType::BigInt => write!(f, "BIGINT"),
            ColumnType::LargeInt => write!(f, "LARGEINT"),
            ColumnType::Float => write!(f, "FLOAT"),
            ColumnType::Double => write!(f, "DOUBLE"),
            ColumnType::Decimal { precision, scale } => write!(f, "DECIMAL({precision}, {scale})"),
            ColumnType::Date => write!(f, "DATE"),
            ColumnType::DateTime => write!(f, "DATETIME"),
            ColumnType::Char(n) => write!(f, "CHAR({n})"),
            ColumnType::Varchar(n) => write!(f, "VARCHAR({n})"),
            ColumnType::String => write!(f, "STRING"),
            ColumnType::Json => write!(f, "JSON"),
            ColumnType::Varbinary => write!(f, "VARBINARY"),
            ColumnType::Complex(t) => write!(f, "{t}"),
        }
    }
}

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

/// Parses a column type as CREATE TABLE accepts it (case-insensitive, `int(11)` display widths
/// allowed). The error says what is wrong and what is accepted.
pub fn parse_type(text: &str) -> Result<ColumnType, String> {
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
            return Ok(ColumnType::Complex(format!(
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
    let no_args = |ty: ColumnType| -> Result<ColumnType, String> {
        if args.is_empty() {
            Ok(ty)
        } else {
            Err(format!("{text:?}: {} takes no arguments", ty))
        }
    };
    let int = |ty: ColumnType| -> Result<ColumnType, String> {
        // `int(11)`: a display width, accepted and ignored.
        if args.len() <= 1 {
            Ok(ty)
        } else {
            Err(format!("{text:?}: only a display width is allowed"))
        }
    };
    match name.as_str() {
        "boolean" | "bool" => no_args(ColumnType::Boolean),
        "tinyint" => int(ColumnType::TinyInt),
        "smallint" => int(ColumnType::SmallInt),
        "int" | "integer" => int(ColumnType::Int),
        "bigint" => int(ColumnType::BigInt),
        "largeint" => int(ColumnType::LargeInt),
        "float" => no_args(ColumnType::Float),
        "double" => no_args(ColumnType::Double),
        "date" => no_args(ColumnType::Date),
        "datetime" => no_args(ColumnType::DateTime),
        "string" => no_args(ColumnType::String),
        "json" => no_args(ColumnType::Json),
        "hll" | "bitmap" => no_args(ColumnType::Complex(name.to_ascii_uppercase())),
        "varbinary" | "binary" => Ok(ColumnType::Varbinary),
        "decimal" | "decimalv2" | "decimal32" | "decimal64" | "decimal128" | "numeric" => {
            let max = match name.as_str() {
                "decimal32" => 9,
                "decimal64" => 18,
                "decimalv2" => 27,
                _ => 38,
            };
            let (p, s) = match args.as_slice() {
                [] => (10, 0),
                [p] => (*p, 0),
                [p, s] => (*p, *s),
                _ => return Err(format!("{text:?}: expected DECIMAL(precision[, scale])")),
            };
            if p == 0 || p > max {
                return Err(format!(
                    "{text:?}: DECIMAL precision must be 1 to {max}, not {p}"
                ));
            }
            if s > p {
                return Err(format!(
                    "{text:?}: DECIMAL scale ({s}) must not exceed its precision ({p})"
                ));
            }
            Ok(ColumnType::Decimal {
                precision: p as u8,
                scale: s as u8,
            })
        }
        "char" | "varchar" => {
            let max = if name == "char" {
                255
            } else {
                u64::from(MAX_VARCHAR_BYTES)
            };
            let n = match args.as_slice() {
                [] => 1,
                [n] => *n,
                _ => return Err(format!("{text:?}: expected one length")),
            };
            if n == 0 || n > max {
                return Err(format!(
                    "{text:?}: {} length must be 1 to {max} bytes, not {n}",
                    name.to_ascii_uppercase()
                ));
            }
            Ok(if name == "char" {
                ColumnType::Char(n as u32)
            } else {
                ColumnType::Varchar(n as u32)
            })
        }
        _ => Err(format!(
            "unknown type {text:?}: use one of {}",
            TYPE_NAMES.join(", ")
        )),
    }
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

/// The shape of a date/time string, when it is one StarRocks parses (protocol reference §5.2):
/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.f…]`, the same with `T`, optionally ending in `Z`.
/// UTC offsets (`+02:00`) are not parsed by a Stream Load into DATETIME, so they are not dates here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemporalShape {
    Date,
    DateTime,
}

pub fn temporal_shape(s: &str) -> Option<TemporalShape> {
    let t = s.trim();
    let t = t.strip_suffix('Z').unwrap_or(t);
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = t.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let _ = date;
    if b.len() == 10 {
        return Some(TemporalShape::Date);
    }
    if (b[10] != b'T' && b[10] != b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    chrono::NaiveTime::from_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)?;
    match &t[19..] {
        "" => Some(TemporalShape::DateTime),
        frac => {
            let digits = frac.strip_prefix('.')?;
            (!digits.is_empty() && digits.len() <= 9 && digits.bytes().all(|c| c.is_ascii_digit()))
                .then_some(TemporalShape::DateTime)
        }
    }
}

/// VARCHAR length for a longest value of `longest` bytes: the next power of two ≥ twice it
/// (room for longer values later), at least 64, at most 65533 (StarRocks' classic maximum and
/// STRING's size); longer values get the 1 MiB maximum.
pub fn varchar_len(longest: usize) -> u32 {
    if longest > 65533 {
        return MAX_VARCHAR_BYTES;
    }
    let want = (longest.max(1) * 2).next_power_of_two().max(64);
    want.min(65533) as u32
}

#[derive(Default)]
struct FieldStats {
    present_non_null: usize,
    nulls_or_missing: usize,
    bools: usize,
    ints: usize,
    big_uints: usize,
    floats: usize,
    strings: usize,
    dates: usize,
    datetimes: usize,
    nested: usize,
    longest_text: usize,
}

/// Proposes columns for the top-level fields of JSON object samples, in first-seen order.
///
/// Types: BIGINT for integers (LARGEINT past i64), DOUBLE for fractional numbers or a mix of
/// integers and fractions, BOOLEAN, DATE/DATETIME for strings in the shapes StarRocks parses,
/// JSON for objects and arrays, VARCHAR otherwise (and for mixed scalar kinds). DOUBLE rather
/// than DECIMAL: JSON numbers arrive as binary floats, and a DECIMAL(p, s) guessed from a few
/// samples turns the first larger or more precise value into NULL (non-strict mode); switch to
/// DECIMAL in the grid for money that must sum exactly. A field missing or null in any sample
/// is nullable. A sort key is proposed (see [`propose_key`]) and its columns moved first.
/// Non-object samples are ignored; no objects → no columns.
pub fn infer(samples: &[serde_json::Value]) -> Vec<ColumnSpec> {
    let objects: Vec<&serde_json::Map<String, serde_json::Value>> =
        samples.iter().filter_map(|s| s.as_object()).collect();
    let mut order: Vec<String> = Vec::new();
    for o in &objects {
        for k in o.keys() {
            if field_addressable(k) && !order.contains(k) {
                order.push(k.clone());
            }
        }
    }
    let mut columns = Vec::new();
    let mut used: Vec<String> = Vec::new();
    for field in &order {
        let mut st = FieldStats::default();
        for o in &objects {
            observe(&mut st, o.get(field));
        }
        let mut name = column_name_for(field);
        let mut n = 2;
        while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
            name = format!("{}_{n}", column_name_for(field));
            n += 1;
        }
        used.push(name.clone());
        columns.push(ColumnSpec {
            source: (name != *field).then(|| field.clone()),
            name,
            sql_type: type_for(&st).to_string(),
            nullable: st.nulls_or_missing > 0,
            key: false,
        });
    }
    propose_key(&mut columns);
    columns
}

/// [`infer`] as a whole table.
pub fn infer_table(database: &str, table: &str, samples: &[serde_json::Value]) -> TableSpec {
    TableSpec {
        database: database.to_string(),
        table: table.to_string(),
        columns: infer(samples),
        buckets: None,
        replication_num: None,
    }
}

fn observe(st: &mut FieldStats, v: Option<&serde_json::Value>) {
    use serde_json::Value;
    let v = match v {
        None | Some(Value::Null) => {
            st.nulls_or_missing += 1;
            return;
        }
        Some(v) => v,
    };
    st.present_non_null += 1;
    let text_len = match v {
        Value::String(s) => s.len(),
        other => other.to_string().len(),
    };
    st.longest_text = st.longest_text.max(text_len);
    match v {
        Value::Bool(_) => st.bools += 1,
        Value::Number(n) => {
            if n.as_i64().is_some() {
                st.ints += 1;
            } else if n.as_u64().is_some() {
                st.big_uints += 1;
            } else {
                st.floats += 1;
            }
        }
        Value::String(s) => {
            st.strings += 1;
            match temporal_shape(s) {
                Some(TemporalShape::Date) => st.dates += 1,
                Some(TemporalShape::DateTime) => st.datetimes += 1,
                None => {}
            }
        }
        Value::Array(_) | Value::Object(_) => st.nested += 1,
        Value::Null => {}
    }
}

fn type_for(st: &FieldStats) -> ColumnType {
    let n = st.present_non_null;
    if n == 0 {
        // Never seen with a value: a modest VARCHAR takes whatever scalar comes.
        return ColumnType::Varchar(64);
    }
    if st.nested > 0 {
        // A JSON column takes objects, arrays and scalars alike.
        return ColumnType::Json;
    }
    let numbers = st.ints + st.big_uints + st.floats;
    if st.bools == n {
        ColumnType::Boolean
    } else if numbers == n {
        if st.floats > 0 {
            ColumnType::Double
        } else if st.big_uints > 0 {
            ColumnType::LargeInt
        } else {
            ColumnType::BigInt
        }
    } else if st.strings == n && st.dates == n {
        ColumnType::Date
    } else if st.strings == n && st.dates + st.datetimes == n {
        ColumnType::DateTime
    } else {
        ColumnType::Varchar(varchar_len(st.longest_text))
    }
}

/// Picks the sort key and moves it first: an id-like column (`id`, `…_id`, `…Id`) of an
/// integer or string type, else the first DATETIME/DATE column (events sort by time), else the
/// first column that can be a key. DOUBLE/JSON columns cannot be keys; with none left, no key
/// (the DDL then distributes randomly).
pub fn propose_key(columns: &mut Vec<ColumnSpec>) {
    for c in columns.iter_mut() {
        c.key = false;
    }
    let ty = |c: &ColumnSpec| parse_type(&c.sql_type).ok();
    let id_like = |name: &str| {
        let l = name.to_ascii_lowercase();
        l == "id" || l.ends_with("_id") || (name.ends_with("Id") && name.len() > 2)
    };
    let pick = columns
        .iter()
        .position(|c| id_like(&c.name) && ty(c).is_some_and(|t| t.is_integer() || t.is_string()))
        .or_else(|| {
            columns
                .iter()
                .position(|c| ty(c).is_some_and(|t| t.is_temporal()))
        })
        .or_else(|| {
            columns
                .iter()
                .position(|c| ty(c).is_some_and(|t| t.can_be_key() && t != ColumnType::Boolean))
        });
    if let Some(i) = pick {
        let mut c = columns.remove(i);
        c.key = true;
        columns.insert(0, c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stock(id: u64) -> serde_json::Value {
        let ticker = ["AAPL", "AMZN", "MSFT"][(id % 3) as usize];
        json!({
            "event_time": format!("2024-05-28T19:53:{:02}.497201", id % 60),
            "ticker": ticker,
            "price": id as f64 / 100.0 + 0.5,
            "id": id,
        })
    }

    #[test]
    fn stock_records_infer_the_expected_table() {
        let samples: Vec<_> = (0..20).map(stock).collect();
        let cols = infer(&samples);
        let got: Vec<(&str, &str, bool, bool)> = cols
            .iter()
            .map(|c| (c.name.as_str(), c.sql_type.as_str(), c.nullable, c.key))
            .collect();
        assert_eq!(
            got,
            vec![
                ("id", "BIGINT", false, true),
                ("event_time", "DATETIME", false, false),
                ("ticker", "VARCHAR(64)", false, false),
                ("price", "DOUBLE", false, false),
            ]
        );
        let spec = TableSpec {
            database: "example_db".into(),
            table: "stock".into(),
            columns: cols,
            buckets: Some(4),
            replication_num: None,
        };
        assert_eq!(spec.validate(), Ok(()));
        assert_eq!(
            spec.ddl(),
            "CREATE TABLE IF NOT EXISTS `example_db`.`stock` (\n    `id` BIGINT NOT NULL,\n    \
             `event_time` DATETIME NOT NULL,\n    `ticker` VARCHAR(64) NOT NULL,\n    `price` DOUBLE NOT NULL\n)\n\
             DUPLICATE KEY(`id`)\nDISTRIBUTED BY HASH(`id`) BUCKETS 4"
        );
        assert_eq!(
            spec.jsonpaths(),
            r#"["$.id","$.event_time","$.ticker","$.price"]"#
        );
        assert_eq!(
            spec.create_database_ddl(),
            "CREATE DATABASE IF NOT EXISTS `example_db`"
        );
    }

    #[test]
    fn types_nullability_and_mixed_kinds() {
        let samples = vec![
            json!({"n": 1, "mix": 1, "flag": true, "d": "2024-05-28", "when": "2024-05-28 19:53:17",
                   "z": "2024-05-28T19:53:17Z", "off": "2024-05-28T19:53:17+02:00", "nested": {"a": 1},
                   "arr": [1], "s": 5, "maybe": null, "big": 18446744073709551615u64}),
            json!({"n": 2, "mix": 2.5, "flag": false, "d": "2024-05-29", "when": "2024-05-28T19:53:17.5",
                   "z": "2024-05-28T19:53:17.1Z", "off": "x", "nested": 3, "arr": [], "s": "five",
                   "extra": "later", "big": 1}),
        ];
        let cols = infer(&samples);
        let t = |n: &str| {
            let c = cols.iter().find(|c| c.name == n).unwrap();
            (c.sql_type.clone(), c.nullable)
        };
        assert_eq!(t("n"), ("BIGINT".into(), false));
        assert_eq!(t("mix"), ("DOUBLE".into(), false));
        assert_eq!(t("flag"), ("BOOLEAN".into(), false));
        assert_eq!(t("d"), ("DATE".into(), false));
        assert_eq!(t("when"), ("DATETIME".into(), false));
        assert_eq!(t("z"), ("DATETIME".into(), false));
        // StarRocks does not parse offsets into DATETIME: text it is.
        assert_eq!(t("off"), ("VARCHAR(64)".into(), false));
        assert_eq!(t("nested"), ("JSON".into(), false));
        assert_eq!(t("arr"), ("JSON".into(), false));
        assert_eq!(t("s"), ("VARCHAR(64)".into(), false));
        assert_eq!(t("maybe"), ("VARCHAR(64)".into(), true));
        assert_eq!(t("extra"), ("VARCHAR(64)".into(), true));
        assert_eq!(t("big"), ("LARGEINT".into(), false));
        // No id column: the first DATE/DATETIME column is the key, moved first.
        assert_eq!(cols[0].name, "d");
        assert!(cols[0].key);
        assert_eq!(cols.iter().filter(|c| c.key).count(), 1);
    }

    #[test]
    fn empty_and_non_object_samples_give_no_columns() {
        assert!(infer(&[]).is_empty());
        assert!(infer(&[json!(1), json!("x"), json!([1, 2])]).is_empty());
        let spec = infer_table("db", "t", &[]);
        let errs = spec.validate().unwrap_err();
        assert!(errs[0].message.contains("no columns"), "{errs:?}");
    }

    #[test]
    fn field_names_become_valid_columns_with_their_source_kept() {
        let cols = infer(&[
            json!({"price-usd": 1.5, "a.b": "x", "9lives": 1, "price_usd": 2.5,
                                  "bad\"key": 1}),
        ]);
        let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["a_b", "price_usd", "_9lives", "price_usd_2"]);
        assert_eq!(cols[0].jsonpath(), "$.\"a.b\"");
        assert_eq!(cols[1].source.as_deref(), Some("price-usd"));
        assert_eq!(cols[3].source.as_deref(), Some("price_usd"));
        assert_eq!(
            jsonpaths(&cols),
            r#"["$.\"a.b\"","$.price-usd","$.9lives","$.price_usd"]"#
        );
    }

    #[test]
    fn identifiers_are_backquoted_and_escaped() {
        assert_eq!(quote_ident("a`b"), "`a``b`");
        let spec = TableSpec {
            database: "d`b".into(),
            table: "order".into(),
            columns: vec![ColumnSpec::new("select", "INT")],
            buckets: None,
            replication_num: Some(1),
        };
        assert!(
            spec.ddl().starts_with(
                "CREATE TABLE IF NOT EXISTS `d``b`.`order` (\n    `select` INT NULL\n)"
            )
        );
        assert!(
            spec.ddl()
                .ends_with("DISTRIBUTED BY RANDOM\nPROPERTIES (\"replication_num\" = \"1\")")
        );
        assert_eq!(
            spec.create_database_ddl(),
            "CREATE DATABASE IF NOT EXISTS `d``b`"
        );
        assert_eq!(
            add_column_ddl(
                "db",
                "t",
                &ColumnSpec {
                    nullable: false,
                    ..ColumnSpec::new("x", "BIGINT")
                }
            ),
            "ALTER TABLE `db`.`t` ADD COLUMN `x` BIGINT NULL"
        );
        let errs = spec.validate().unwrap_err();
        assert!(
            errs[0].message.contains("database name \"d`b\""),
            "{errs:?}"
        );
    }

    #[test]
    fn grid_validation_names_the_column() {
        let mut k = ColumnSpec::new("id", "BIGINT");
        k.key = true;
        let mut late_key = ColumnSpec::new("ts", "DATETIME");
        late_key.key = true;
        let mut dkey = ColumnSpec::new("score", "DOUBLE");
        dkey.key = true;
        let cols = vec![
            dkey,
            k,
            ColumnSpec::new("", "INT"),
            ColumnSpec::new("ID", "INT"),
            ColumnSpec::new("price", "MONEY"),
            ColumnSpec::new("name", "VARCHAR(0)"),
            late_key,
        ];
        let errs: Vec<String> = validate_columns(&cols)
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert!(errs.contains(&"column 1 (score): a DOUBLE column cannot be a key column (FLOAT, DOUBLE, JSON and complex types cannot)".to_string()), "{errs:#?}");
        assert!(
            errs.contains(&"column 3: the name is empty".to_string()),
            "{errs:#?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("column 4 (ID): duplicate column name (also column 2")),
            "{errs:#?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("column 5 (price): unknown type \"MONEY\"")),
            "{errs:#?}"
        );
        assert!(
            errs.iter().any(|e| e.starts_with(
                "column 6 (name): \"VARCHAR(0)\": VARCHAR length must be 1 to 1048576"
            )),
            "{errs:#?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("column 7 (ts): key columns must come first")),
            "{errs:#?}"
        );
        assert_eq!(errs.len(), 6, "{errs:#?}");
    }

    #[test]
    fn type_parsing_and_lengths() {
        assert_eq!(parse_type("varchar(20)"), Ok(ColumnType::Varchar(20)));
        assert_eq!(parse_type(" int(11) "), Ok(ColumnType::Int));
        assert_eq!(
            parse_type("DECIMAL(18, 4)"),
            Ok(ColumnType::Decimal {
                precision: 18,
                scale: 4
            })
        );
        assert!(parse_type("decimal(4, 5)").is_err());
        assert_eq!(
            parse_type("ARRAY<INT>"),
            Ok(ColumnType::Complex("ARRAY<INT>".into()))
        );
        assert!(parse_type("double(3)").is_err());
        assert_eq!(varchar_len(0), 64);
        assert_eq!(varchar_len(32), 64);
        assert_eq!(varchar_len(33), 128);
        assert_eq!(varchar_len(40_000), 65533);
        assert_eq!(varchar_len(70_000), MAX_VARCHAR_BYTES);
        assert_eq!(
            temporal_shape("2024-05-28T19:53:17.497201"),
            Some(TemporalShape::DateTime)
        );
        assert_eq!(temporal_shape("2024-02-30"), None);
        assert_eq!(temporal_shape("2024-05-28 25:00:00"), None);
        assert_eq!(temporal_shape("20240528"), None);
    }
}
