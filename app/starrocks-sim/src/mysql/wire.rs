//! Values on the wire: SQL errors as MySQL error kinds, result sets (text and binary protocol),
//! and `COM_STMT_EXECUTE` parameters.

use crate::sql::{ColType, Param, QueryResult, SqlError};
use opensrv_mysql::{
    Column, ColumnFlags, ColumnType, ErrorKind, OkResponse, QueryResultWriter, ValueInner,
};
use std::io;
use tokio::io::AsyncWrite;

pub(super) fn error_kind(code: u16) -> ErrorKind {
    match code {
        1007 => ErrorKind::ER_DB_CREATE_EXISTS,
        1008 => ErrorKind::ER_DB_DROP_EXISTS,
        1045 => ErrorKind::ER_ACCESS_DENIED_ERROR,
        1046 => ErrorKind::ER_NO_DB_ERROR,
        1049 => ErrorKind::ER_BAD_DB_ERROR,
        1050 => ErrorKind::ER_TABLE_EXISTS_ERROR,
        1051 => ErrorKind::ER_BAD_TABLE_ERROR,
        1064 => ErrorKind::ER_PARSE_ERROR,
        1146 => ErrorKind::ER_NO_SUCH_TABLE,
        1193 => ErrorKind::ER_UNKNOWN_SYSTEM_VARIABLE,
        1210 => ErrorKind::ER_WRONG_ARGUMENTS,
        1243 => ErrorKind::ER_UNKNOWN_STMT_HANDLER,
        _ => ErrorKind::ER_UNKNOWN_ERROR,
    }
}

fn mysql_type(t: ColType) -> ColumnType {
    match t {
        ColType::Text => ColumnType::MYSQL_TYPE_VAR_STRING,
        ColType::Int => ColumnType::MYSQL_TYPE_LONGLONG,
        ColType::Double => ColumnType::MYSQL_TYPE_DOUBLE,
        ColType::Decimal => ColumnType::MYSQL_TYPE_NEWDECIMAL,
    }
}

pub(super) fn columns_of(cols: &[(String, ColType)]) -> Vec<Column> {
    cols.iter()
        .map(|(name, t)| Column {
            table: String::new(),
            column: name.clone(),
            coltype: mysql_type(*t),
            colflags: ColumnFlags::empty(),
        })
        .collect()
}

/// Writes a result (rows, OK or error). `binary` for `COM_STMT_EXECUTE`, where values must
/// match the column types.
pub(super) async fn write_result<W: AsyncWrite + Send + Unpin>(
    results: QueryResultWriter<'_, W>,
    result: Result<QueryResult, SqlError>,
    binary: bool,
) -> io::Result<()> {
    match result {
        Ok(QueryResult::Ok { affected_rows }) => {
            results
                .completed(OkResponse {
                    affected_rows,
                    ..Default::default()
                })
                .await
        }
        Ok(QueryResult::Rows { columns, rows }) => {
            let cols = columns_of(&columns);
            let mut w = results.start(&cols).await?;
            for row in &rows {
                for (value, (_, t)) in row.iter().zip(&columns) {
                    let v = value.as_deref();
                    match (binary, t, v) {
                        (_, _, None) => w.write_col(None::<&str>)?,
                        (true, ColType::Int, Some(s)) => match s.parse::<i64>() {
                            Ok(i) => w.write_col(i)?,
                            Err(_) => w.write_col(None::<i64>)?,
                        },
                        (true, ColType::Double, Some(s)) => match s.parse::<f64>() {
                            Ok(x) => w.write_col(x)?,
                            Err(_) => w.write_col(None::<f64>)?,
                        },
                        (_, _, Some(s)) => w.write_col(s)?,
                    }
                }
                w.end_row().await?;
            }
            w.finish().await
        }
        Err(e) => {
            results
                .error(error_kind(e.code), e.message.as_bytes())
                .await
        }
    }
}

pub(super) fn param_of(value: ValueInner<'_>) -> Param {
    match value {
        ValueInner::NULL => Param::Null,
        ValueInner::Bytes(b) => Param::Text(String::from_utf8_lossy(b).into_owned()),
        ValueInner::Int(i) => Param::Int(i),
        ValueInner::UInt(u) => Param::UInt(u),
        ValueInner::Double(x) => Param::Double(x),
        ValueInner::Date(b) | ValueInner::Datetime(b) => Param::Text(binary_datetime(b)),
        ValueInner::Time(_) => Param::Null,
    }
}

/// The binary DATE/DATETIME encoding: length-prefixed year (LE u16), month, day, h, m, s, µs.
pub(super) fn binary_datetime(b: &[u8]) -> String {
    let get = |i: usize| b.get(i).copied().unwrap_or(0);
    let year = u16::from_le_bytes([get(0), get(1)]);
    let mut s = format!("{year:04}-{:02}-{:02}", get(2), get(3));
    if b.len() >= 7 {
        s.push_str(&format!(" {:02}:{:02}:{:02}", get(4), get(5), get(6)));
    }
    if b.len() >= 11 {
        let us = u32::from_le_bytes([get(7), get(8), get(9), get(10)]);
        s.push_str(&format!(".{us:06}"));
    }
    s
}
