//! The columns of a table, read from a `CREATE TABLE` statement: the export's offline input
//! (`--table-ddl FILE`) when the cluster is not reachable from where the export runs.

use crate::ExportError;
use starrocks_model::sql_type::SqlType;
use starrocks_model::type_parser::parse_type;

/// One column of the target table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableColumn {
    pub name: String,
    pub sql_type: SqlType,
}

/// The columns of the first `CREATE TABLE` in `text`, in order. Index, key and constraint
/// clauses inside the parentheses are skipped; everything after the column list is ignored.
pub fn columns_from_create_table(text: &str) -> Result<Vec<TableColumn>, ExportError> {
    let lower = text.to_ascii_lowercase();
    let start = lower
        .find("create table")
        .ok_or_else(|| ExportError::Table("no CREATE TABLE statement found".into()))?;
    let open = text[start..]
        .find('(')
        .map(|i| start + i)
        .ok_or_else(|| ExportError::Table("CREATE TABLE has no column list".into()))?;
    let body = balanced(&text[open..])
        .ok_or_else(|| ExportError::Table("the column list's parentheses do not close".into()))?;
    let mut columns = Vec::new();
    for item in split_top_level(body) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let first_word = item
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        if matches!(
            first_word.as_str(),
            "INDEX" | "PRIMARY" | "KEY" | "UNIQUE" | "CONSTRAINT"
        ) {
            continue;
        }
        columns.push(column(item)?);
    }
    if columns.is_empty() {
        return Err(ExportError::Table("CREATE TABLE lists no columns".into()));
    }
    Ok(columns)
}

/// `name TYPE [more]` → the column; the type ends where a keyword of the column definition starts.
fn column(item: &str) -> Result<TableColumn, ExportError> {
    let (name, rest) = if let Some(quoted) = item.strip_prefix('`') {
        let end = quoted
            .find('`')
            .ok_or_else(|| ExportError::Table(format!("unclosed ` in {item:?}")))?;
        (quoted[..end].to_string(), &quoted[end + 1..])
    } else {
        let end = item.find(char::is_whitespace).unwrap_or(item.len());
        (item[..end].to_string(), &item[end..])
    };
    let rest = rest.trim_start();
    let mut depth = 0i32;
    let mut type_end = rest.len();
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '<' => depth += 1,
            ')' | '>' => depth -= 1,
            c if c.is_whitespace() && depth == 0 => {
                let word = rest[i..].trim_start().to_ascii_uppercase();
                if ["NOT", "NULL", "DEFAULT", "COMMENT", "AUTO_INCREMENT", "AS"]
                    .iter()
                    .chain(["KEY", "SUM", "MAX", "MIN", "REPLACE", "REPLACE_IF_NOT_NULL"].iter())
                    .any(|k| word.starts_with(k))
                {
                    type_end = i;
                    break;
                }
            }
            _ => {}
        }
    }
    let type_text = rest[..type_end].trim();
    let sql_type = parse_type(type_text)
        .map_err(|e| ExportError::Table(format!("column `{name}`: type {type_text:?}: {e}")))?;
    Ok(TableColumn { name, sql_type })
}

/// The text inside the parentheses that open at the start of `text`.
fn balanced(text: &str) -> Option<&str> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(&text[1..i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits on commas outside parentheses, angle brackets and quotes.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0usize);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(' | '<') => depth += 1,
            (None, ')' | '>') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_seed_table() {
        let ddl = "CREATE TABLE example_db.stock (
            `id` BIGINT NOT NULL,
            `event_time` DATETIME NULL COMMENT 'when, (UTC)',
            `ticker` VARCHAR(20) NOT NULL,
            `price` DECIMAL(10, 2) NULL DEFAULT \"0\",
            tags ARRAY<VARCHAR(10)>,
            INDEX idx_ticker (ticker) USING BITMAP
        ) ENGINE=OLAP DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`) BUCKETS 4";
        let columns = columns_from_create_table(ddl).unwrap();
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "event_time", "ticker", "price", "tags"]);
        assert_eq!(columns[0].sql_type, SqlType::BigInt);
        assert_eq!(columns[2].sql_type, SqlType::Varchar(20));
        assert_eq!(
            columns[3].sql_type,
            SqlType::Decimal {
                precision: 10,
                scale: 2
            }
        );
    }

    #[test]
    fn names_the_column_with_a_bad_type() {
        let err =
            columns_from_create_table("CREATE TABLE t (a BIGINT, b FROBNICATE(3))").unwrap_err();
        assert!(err.to_string().contains("column `b`"), "{err}");
        assert!(columns_from_create_table("select 1").is_err());
    }
}
