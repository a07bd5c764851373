//! The syntax tree the parser builds and the executor runs.

use crate::catalog::{ColumnDef, TableDef};

#[derive(Debug, Clone, PartialEq)]
pub(super) struct TableRef {
    pub(super) db: Option<String>,
    pub(super) name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Lit {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CmpOp {
    Eq,
    NullSafeEq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Lit(Lit),
    Param(usize),
    SysVar(String),
    UserVar,
    Column(String),
    /// `*`, only inside `count(*)`.
    Star,
    Func {
        name: String,
        args: Vec<Expr>,
        distinct: bool,
    },
    Neg(Box<Expr>),
    Cmp(Box<Expr>, CmpOp, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    IsNull(Box<Expr>, bool),
    In(Box<Expr>, Vec<Expr>, bool),
    Like(Box<Expr>, Box<Expr>, bool),
}

pub(super) const AGGREGATES: &[&str] = &["count", "sum", "min", "max", "avg"];

impl Expr {
    pub(super) fn has_aggregate(&self) -> bool {
        match self {
            Expr::Func { name, args, .. } => {
                AGGREGATES.contains(&name.as_str()) || args.iter().any(Expr::has_aggregate)
            }
            Expr::Neg(e) | Expr::Not(e) | Expr::IsNull(e, _) => e.has_aggregate(),
            Expr::Cmp(a, _, b) | Expr::And(a, b) | Expr::Or(a, b) | Expr::Like(a, b, _) => {
                a.has_aggregate() || b.has_aggregate()
            }
            Expr::In(e, list, _) => e.has_aggregate() || list.iter().any(Expr::has_aggregate),
            _ => false,
        }
    }

    pub(super) fn columns<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Column(c) => out.push(c),
            Expr::Func { args, .. } => args.iter().for_each(|a| a.columns(out)),
            Expr::Neg(e) | Expr::Not(e) | Expr::IsNull(e, _) => e.columns(out),
            Expr::Cmp(a, _, b) | Expr::And(a, b) | Expr::Or(a, b) | Expr::Like(a, b, _) => {
                a.columns(out);
                b.columns(out);
            }
            Expr::In(e, list, _) => {
                e.columns(out);
                list.iter().for_each(|a| a.columns(out));
            }
            _ => {}
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum SelectItem {
    /// `*` or `t.*`.
    Wildcard,
    Expr {
        expr: Expr,
        /// The expression as written: the column name when there is no alias.
        text: String,
        alias: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct OrderKey {
    pub(super) expr: Expr,
    pub(super) desc: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Select {
    pub(super) distinct: bool,
    pub(super) items: Vec<SelectItem>,
    pub(super) from: Option<TableRef>,
    pub(super) filter: Option<Expr>,
    pub(super) group_by: Vec<Expr>,
    pub(super) order_by: Vec<OrderKey>,
    pub(super) limit: Option<u64>,
    pub(super) offset: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Statement {
    Select(Box<Select>),
    /// `SET …`, `BEGIN`, `COMMIT`, …: accepted, nothing happens.
    NoOp,
    Use(String),
    ShowDatabases {
        like: Option<String>,
    },
    ShowTables {
        db: Option<String>,
        full: bool,
        like: Option<String>,
    },
    ShowVariables {
        like: Option<String>,
        filter: Option<Expr>,
    },
    ShowCreateTable(TableRef),
    ShowCreateDatabase(String),
    Describe(TableRef),
    ShowGrants,
    ShowBackends,
    /// `SHOW COMPUTE NODES`: none (the stand-in's one node is a BE).
    ShowComputeNodes,
    ShowFrontends,
    ShowProcesslist,
    /// `SHOW WARNINGS`, `SHOW ERRORS`, `SHOW STATUS`, …: empty results with these columns.
    ShowEmpty(Vec<&'static str>),
    CreateDatabase {
        name: String,
        if_not_exists: bool,
    },
    DropDatabase {
        name: String,
        if_exists: bool,
    },
    CreateTable {
        table: TableRef,
        if_not_exists: bool,
        def: Box<TableDef>,
    },
    DropTable {
        table: TableRef,
        if_exists: bool,
    },
    /// `ALTER TABLE t ADD COLUMN c TYPE …` (one column; StarRocks' light schema change).
    AddColumn {
        table: TableRef,
        column: Box<ColumnDef>,
    },
    Insert {
        table: TableRef,
        label: Option<String>,
        columns: Option<Vec<String>>,
        rows: Vec<Vec<Expr>>,
    },
}

/// StarRocks' database-name rule (FeNameFormat `DB_NAME_REGEX`): a letter, or '_' and a letter
/// or digit, then up to 255 of ASCII letters, digits and '_' (`\w` in Java is ASCII).
pub(super) fn valid_db_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => true,
        Some('_') => matches!(chars.clone().next(), Some(c) if c.is_ascii_alphanumeric()),
        _ => false,
    };
    first_ok
        && name.chars().count() <= 256
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// StarRocks' table-name rule (FeNameFormat `TABLE_NAME_REGEX`): 1 to 1024 characters, any but
/// NUL — 股票 行情 is a table name (quoted with backticks in SQL).
pub(super) fn valid_table_name(name: &str) -> bool {
    (1..=1024).contains(&name.chars().count()) && !name.contains('\0')
}

/// StarRocks' column-name rule (FeNameFormat `COLUMN_NAME_REGEX`): 1 to 1024 characters, none of
/// NUL, '=', '<', '>', '!', '*' (delete conditions could not tell them from operators).
pub(super) fn valid_column_name(name: &str) -> bool {
    (1..=1024).contains(&name.chars().count()) && !name.contains(['\0', '=', '<', '>', '!', '*'])
}
