//! What a statement answers: a [`QueryResult`], its column types, and a [`Prepared`] shape.

/// How a result column is typed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// VAR_STRING.
    Text,
    /// LONGLONG (counts, positions, TINYINT…BIGINT columns).
    Int,
    /// DOUBLE (FLOAT/DOUBLE columns, averages).
    Double,
    /// NEWDECIMAL (DECIMAL columns, sums).
    Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QueryResult {
    Ok {
        affected_rows: u64,
    },
    Rows {
        columns: Vec<(String, ColType)>,
        rows: Vec<Vec<Option<String>>>,
    },
}

/// What `COM_STMT_PREPARE` answers: how many `?` and which result columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub params: usize,
    pub columns: Vec<(String, ColType)>,
}
