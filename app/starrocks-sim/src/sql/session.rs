//! What a connection brings to a statement: its [`Session`] state and bound [`Param`]s.

/// Per-connection state.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub current_db: Option<String>,
    pub user: String,
    pub tls: bool,
    pub connection_id: u32,
}

/// A bound parameter of a server-side prepared statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Null,
    Int(i64),
    UInt(u64),
    Double(f64),
    Text(String),
}
