//! The SQL the stand-in answers on its MySQL port (protocol reference §5, §5.1): a hand-written
//! tokenizer and recursive-descent parser for the statements clients and tests send, and an
//! executor over the [`Catalog`](crate::catalog::Catalog).
//!
//! Covered: `SELECT` of constants, functions (`current_version()`, `version()`, `database()`, …)
//! and `@@` variables; `SELECT` over tables and `information_schema` (`COLUMNS`, `TABLES`,
//! `SCHEMATA`) with `WHERE`, aggregates, `GROUP BY`, `ORDER BY`, `LIMIT`; `SET` (accepted and
//! ignored), `USE`; `SHOW DATABASES / TABLES / VARIABLES / CREATE TABLE / GRANTS / BACKENDS /
//! FRONTENDS`, `DESC`; `CREATE / DROP DATABASE`, `CREATE / DROP TABLE` (the §5.1 grammar) and
//! `INSERT … VALUES`. Anything else is a StarRocks-style 1064 syntax error.

use crate::SimContext;
use crate::catalog::{
    AggType, CatalogError, ColumnDef, DefaultValue, Distribution, KeysType, RowOp, TableDef,
};
use crate::types::{Cell, MAX_VARCHAR_BYTES, SqlType, convert_text};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// Per-connection state.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub current_db: Option<String>,
    pub user: String,
    pub tls: bool,
    pub connection_id: u32,
}

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

/// An error as the MySQL client shows it: `ERROR code (sqlstate): message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ERROR {code} ({sqlstate}): {message}")]
pub struct SqlError {
    pub code: u16,
    pub sqlstate: String,
    pub message: String,
}

impl SqlError {
    pub fn new(code: u16, sqlstate: &str, message: impl Into<String>) -> SqlError {
        SqlError {
            code,
            sqlstate: sqlstate.to_string(),
            message: message.into(),
        }
    }

    /// 1064 with StarRocks' "Getting analyzing error" wording.
    pub fn analysis(detail: impl fmt::Display) -> SqlError {
        SqlError::new(
            1064,
            "42000",
            format!("Getting analyzing error. Detail message: {detail}."),
        )
    }

    pub fn unknown_database(db: &str) -> SqlError {
        SqlError::new(1049, "42000", format!("Unknown database '{db}'"))
    }

    pub fn no_database() -> SqlError {
        SqlError::new(1046, "3D000", "No database selected")
    }

    fn unknown_table(db: &str, table: &str) -> SqlError {
        SqlError::analysis(format_args!("Unknown table '{db}.{table}'"))
    }

    fn unknown_variable(name: &str) -> SqlError {
        SqlError::new(1193, "HY000", format!("Unknown system variable '{name}'"))
    }
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

/// What `COM_STMT_PREPARE` answers: how many `?` and which result columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub params: usize,
    pub columns: Vec<(String, ColType)>,
}

/// Runs one statement (a trailing `;` is fine).
pub fn execute(
    ctx: &SimContext,
    session: &mut Session,
    sql: &str,
) -> Result<QueryResult, SqlError> {
    execute_with_params(ctx, session, sql, &[])
}

/// Runs one statement with `?` bound to `params`, in order.
pub fn execute_with_params(
    ctx: &SimContext,
    session: &mut Session,
    sql: &str,
    params: &[Param],
) -> Result<QueryResult, SqlError> {
    let (stmt, nparams) = parse(sql)?;
    if params.len() < nparams {
        return Err(SqlError::new(
            1210,
            "HY000",
            format!(
                "Incorrect arguments to EXECUTE: {nparams} parameters expected, {} given",
                params.len()
            ),
        ));
    }
    Exec {
        ctx,
        session,
        params,
    }
    .run(stmt)
}

/// Parses a statement for `COM_STMT_PREPARE`; for queries the result columns come from a dry
/// run with NULL parameters (statements that change state are not run).
pub fn prepare(ctx: &SimContext, session: &Session, sql: &str) -> Result<Prepared, SqlError> {
    let (stmt, nparams) = parse(sql)?;
    let read_only = matches!(
        stmt,
        Statement::Select(_)
            | Statement::ShowDatabases { .. }
            | Statement::ShowTables { .. }
            | Statement::ShowVariables { .. }
            | Statement::ShowCreateTable(_)
            | Statement::Describe(_)
            | Statement::ShowGrants
            | Statement::ShowBackends
            | Statement::ShowFrontends
    );
    let mut columns = Vec::new();
    if read_only {
        let mut s = session.clone();
        let nulls = vec![Param::Null; nparams];
        if let QueryResult::Rows { columns: c, .. } = (Exec {
            ctx,
            session: &mut s,
            params: &nulls,
        })
        .run(stmt)?
        {
            columns = c;
        }
    }
    Ok(Prepared {
        params: nparams,
        columns,
    })
}

/// `USE db` / `COM_INIT_DB`.
pub fn use_database(ctx: &SimContext, session: &mut Session, db: &str) -> Result<(), SqlError> {
    let db = db.trim().trim_end_matches(';').trim().trim_matches('`');
    let db = match db.split_once('.') {
        Some((catalog, name)) if catalog.trim_matches('`') == "default_catalog" => {
            name.trim_matches('`')
        }
        _ => db,
    };
    if is_virtual_db(db) || ctx.catalog.database_exists(db) {
        session.current_db = Some(db.to_string());
        Ok(())
    } else {
        Err(SqlError::unknown_database(db))
    }
}

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word (identifier or keyword).
    Word(String),
    /// A `backquoted` identifier.
    Quoted(String),
    /// A '…' or "…" literal.
    Str(String),
    Num(String),
    /// `@@name` (the name may carry `session.`/`global.`).
    SysVar(String),
    /// `@name`.
    UserVar(String),
    Param,
    Sym(&'static str),
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

const SYMBOLS: &[&str] = &[
    "<=>", "!=", "<>", "<=", ">=", "||", "&&", "(", ")", ",", ";", ".", "=", "<", ">", "*", "+",
    "-", "/", "%", "[", "]", ":", "{", "}", "!",
];

fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
    (line, col)
}

fn syntax_error_at(src: &str, offset: usize, found: &str, expected: &str) -> SqlError {
    let (line, col) = line_col(src, offset);
    SqlError::new(
        1064,
        "42000",
        format!(
            "Getting syntax error at line {line}, column {col}. Detail message: Unexpected input \
             '{found}', the most similar input is {{{expected}}}."
        ),
    )
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

fn tokenize(src: &str) -> Result<Vec<Token>, SqlError> {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|(_, c)| *c);
    let off = |i: usize| chars.get(i).map_or(src.len(), |(o, _)| *o);
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let start = off(i);
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // Comments: `-- …`, `# …`, `/* … */`.
        if (c == '-' && at(i + 1) == Some('-')) || c == '#' {
            while i < chars.len() && chars[i].1 != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && at(i + 1) == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i].1 == '*' && at(i + 1) == Some('/')) {
                i += 1;
            }
            if i >= chars.len() {
                return Err(syntax_error_at(src, start, "/*", "'*/'"));
            }
            i += 2;
            continue;
        }
        let tok = if c == '\'' || c == '"' || c == '`' {
            let quote = c;
            let mut s = String::new();
            i += 1;
            loop {
                match at(i) {
                    None => {
                        return Err(syntax_error_at(
                            src,
                            start,
                            &src[start..],
                            &format!("'{quote}'"),
                        ));
                    }
                    Some(ch) if ch == quote => {
                        if at(i + 1) == Some(quote) {
                            s.push(quote);
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                    Some('\\') if quote != '`' => {
                        let esc = at(i + 1).unwrap_or('\\');
                        s.push(match esc {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            '0' => '\0',
                            other => other,
                        });
                        i += 2;
                    }
                    Some(ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            if quote == '`' {
                Tok::Quoted(s)
            } else {
                Tok::Str(s)
            }
        } else if c.is_ascii_digit() {
            let mut j = i;
            while at(j).is_some_and(|d| d.is_ascii_digit()) {
                j += 1;
            }
            if at(j) == Some('.') && at(j + 1).is_some_and(|d| d.is_ascii_digit()) {
                j += 1;
                while at(j).is_some_and(|d| d.is_ascii_digit()) {
                    j += 1;
                }
            }
            if matches!(at(j), Some('e' | 'E'))
                && (at(j + 1).is_some_and(|d| d.is_ascii_digit())
                    || (matches!(at(j + 1), Some('+' | '-'))
                        && at(j + 2).is_some_and(|d| d.is_ascii_digit())))
            {
                j += 2;
                while at(j).is_some_and(|d| d.is_ascii_digit()) {
                    j += 1;
                }
            }
            if at(j).is_some_and(is_ident_char) {
                // `2024_events`: an identifier that starts with digits.
                while at(j).is_some_and(is_ident_char) {
                    j += 1;
                }
                i = j;
                Tok::Word(src[start..off(j)].to_string())
            } else {
                i = j;
                Tok::Num(src[start..off(j)].to_string())
            }
        } else if is_ident_char(c) {
            let mut j = i;
            while at(j).is_some_and(is_ident_char) {
                j += 1;
            }
            i = j;
            Tok::Word(src[start..off(j)].to_string())
        } else if c == '@' {
            let sys = at(i + 1) == Some('@');
            let mut j = if sys { i + 2 } else { i + 1 };
            let name_start = j;
            if at(j) == Some('`') {
                return Err(syntax_error_at(src, start, "@`", "a variable name"));
            }
            while at(j).is_some_and(|ch| is_ident_char(ch) || ch == '.') {
                j += 1;
            }
            if j == name_start {
                return Err(syntax_error_at(src, start, "@", "a variable name"));
            }
            let name = src[off(name_start)..off(j)].to_string();
            i = j;
            if sys {
                Tok::SysVar(name)
            } else {
                Tok::UserVar(name)
            }
        } else if c == '?' {
            i += 1;
            Tok::Param
        } else {
            let rest = &src[start..];
            match SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
                Some(s) => {
                    i += s.chars().count();
                    Tok::Sym(s)
                }
                None => {
                    return Err(syntax_error_at(src, start, &c.to_string(), "a legal token"));
                }
            }
        };
        toks.push(Token {
            tok,
            start,
            end: off(i),
        });
    }
    toks.push(Token {
        tok: Tok::Eof,
        start: src.len(),
        end: src.len(),
    });
    Ok(toks)
}

// ---------------------------------------------------------------------------------------------
// Syntax tree
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
struct TableRef {
    db: Option<String>,
    name: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    NullSafeEq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
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

const AGGREGATES: &[&str] = &["count", "sum", "min", "max", "avg"];

impl Expr {
    fn has_aggregate(&self) -> bool {
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

    fn columns<'a>(&'a self, out: &mut Vec<&'a str>) {
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
enum SelectItem {
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
struct OrderKey {
    expr: Expr,
    desc: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct Select {
    distinct: bool,
    items: Vec<SelectItem>,
    from: Option<TableRef>,
    filter: Option<Expr>,
    group_by: Vec<Expr>,
    order_by: Vec<OrderKey>,
    limit: Option<u64>,
    offset: u64,
}

#[derive(Debug, Clone, PartialEq)]
enum Statement {
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

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/// Words that end an expression where an implicit alias could otherwise start.
const RESERVED: &[&str] = &[
    "from", "where", "order", "limit", "group", "having", "union", "into", "offset", "for", "lock",
    "and", "or", "not", "is", "in", "like", "between", "asc", "desc", "as", "on", "join", "inner",
    "left", "right", "cross", "natural", "using", "select", "values", "set", "with",
];

fn parse(sql: &str) -> Result<(Statement, usize), SqlError> {
    let toks = tokenize(sql)?;
    let mut p = Parser {
        src: sql,
        toks,
        pos: 0,
        nparams: 0,
    };
    let stmt = p.statement()?;
    while p.eat_sym(";") {}
    if !matches!(p.peek(), Tok::Eof) {
        return Err(p.unexpected("';'"));
    }
    Ok((stmt, p.nparams))
}

struct Parser<'s> {
    src: &'s str,
    toks: Vec<Token>,
    pos: usize,
    nparams: usize,
}

impl<'s> Parser<'s> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].tok
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)].tok
    }

    fn advance(&mut self) -> Token {
        let t = self.toks[self.pos].clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn unexpected(&self, expected: &str) -> SqlError {
        let t = &self.toks[self.pos];
        let found = match &t.tok {
            Tok::Eof => "<EOF>",
            _ => &self.src[t.start..t.end],
        };
        syntax_error_at(self.src, t.start, found, expected)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    fn is_kw_at(&self, n: usize, kw: &str) -> bool {
        matches!(self.peek_at(n), Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), SqlError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{}'", kw.to_ascii_uppercase())))
        }
    }

    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Sym(x) if *x == s)
    }

    fn eat_sym(&mut self, s: &str) -> bool {
        if self.is_sym(s) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, s: &str) -> Result<(), SqlError> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{s}'")))
        }
    }

    fn ident(&mut self) -> Result<String, SqlError> {
        match self.peek().clone() {
            Tok::Word(w) | Tok::Quoted(w) => {
                self.advance();
                Ok(w)
            }
            _ => Err(self.unexpected("a legal identifier")),
        }
    }

    fn string(&mut self) -> Result<String, SqlError> {
        match self.peek().clone() {
            Tok::Str(s) => {
                self.advance();
                Ok(s)
            }
            _ => Err(self.unexpected("a string literal")),
        }
    }

    fn number(&mut self) -> Result<u64, SqlError> {
        match self.peek().clone() {
            Tok::Num(n) => match n.parse::<u64>() {
                Ok(v) => {
                    self.advance();
                    Ok(v)
                }
                Err(_) => Err(self.unexpected("an integer")),
            },
            _ => Err(self.unexpected("an integer")),
        }
    }

    fn table_ref(&mut self) -> Result<TableRef, SqlError> {
        let first = self.ident()?;
        if self.eat_sym(".") {
            let second = self.ident()?;
            // `default_catalog.db.t`
            if self.eat_sym(".") {
                let third = self.ident()?;
                return Ok(TableRef {
                    db: Some(second),
                    name: third,
                });
            }
            Ok(TableRef {
                db: Some(first),
                name: second,
            })
        } else {
            Ok(TableRef {
                db: None,
                name: first,
            })
        }
    }

    fn ident_list(&mut self) -> Result<Vec<String>, SqlError> {
        self.expect_sym("(")?;
        let mut out = vec![self.ident()?];
        while self.eat_sym(",") {
            out.push(self.ident()?);
        }
        self.expect_sym(")")?;
        Ok(out)
    }

    fn skip_rest(&mut self) {
        while !matches!(self.peek(), Tok::Eof) {
            self.advance();
        }
    }

    fn statement(&mut self) -> Result<Statement, SqlError> {
        let Tok::Word(w) = self.peek().clone() else {
            if matches!(self.peek(), Tok::Sym("(")) {
                return Err(self.unexpected("'SELECT'"));
            }
            if matches!(self.peek(), Tok::Eof | Tok::Sym(";")) {
                // Only comments or `;`.
                return Ok(Statement::NoOp);
            }
            return Err(self.unexpected(STATEMENT_STARTS));
        };
        match w.to_ascii_lowercase().as_str() {
            "select" => Ok(Statement::Select(Box::new(self.select()?))),
            "set" => {
                self.skip_rest();
                Ok(Statement::NoOp)
            }
            "begin" | "commit" | "rollback" => {
                self.advance();
                self.eat_kw("work");
                Ok(Statement::NoOp)
            }
            "start" if self.is_kw_at(1, "transaction") => {
                self.advance();
                self.advance();
                Ok(Statement::NoOp)
            }
            "use" => {
                self.advance();
                let r = self.table_ref()?;
                // `USE db` or `USE catalog.db`.
                Ok(Statement::Use(r.name))
            }
            "show" => {
                self.advance();
                self.show()
            }
            "desc" | "describe" => {
                self.advance();
                let t = self.table_ref()?;
                self.eat_kw("all");
                Ok(Statement::Describe(t))
            }
            "create" => {
                self.advance();
                self.create()
            }
            "drop" => {
                self.advance();
                self.drop()
            }
            "alter" => {
                self.advance();
                self.alter()
            }
            "insert" => {
                self.advance();
                self.insert()
            }
            _ => Err(self.unexpected(STATEMENT_STARTS)),
        }
    }

    fn like_clause(&mut self) -> Result<Option<String>, SqlError> {
        if self.eat_kw("like") {
            Ok(Some(self.string()?))
        } else {
            Ok(None)
        }
    }

    fn show(&mut self) -> Result<Statement, SqlError> {
        let full = self.eat_kw("full");
        if self.eat_kw("global") || self.eat_kw("session") || self.eat_kw("local") {
            if self.eat_kw("variables") {
                return self.show_variables();
            }
            if self.eat_kw("status") {
                self.skip_rest();
                return Ok(Statement::ShowEmpty(vec!["Variable_name", "Value"]));
            }
            return Err(self.unexpected("'VARIABLES'"));
        }
        let Tok::Word(w) = self.peek().clone() else {
            return Err(self.unexpected(SHOW_TARGETS));
        };
        let w = w.to_ascii_lowercase();
        self.advance();
        match w.as_str() {
            "databases" | "schemas" => Ok(Statement::ShowDatabases {
                like: self.like_clause()?,
            }),
            "tables" => {
                let db = if self.eat_kw("from") || self.eat_kw("in") {
                    let r = self.table_ref()?;
                    Some(r.name)
                } else {
                    None
                };
                Ok(Statement::ShowTables {
                    db,
                    full,
                    like: self.like_clause()?,
                })
            }
            "variables" => self.show_variables(),
            "create" => {
                if self.eat_kw("database") || self.eat_kw("schema") {
                    return Ok(Statement::ShowCreateDatabase(self.ident()?));
                }
                self.eat_kw("table");
                Ok(Statement::ShowCreateTable(self.table_ref()?))
            }
            "columns" | "fields" => {
                if !(self.eat_kw("from") || self.eat_kw("in")) {
                    return Err(self.unexpected("'FROM'"));
                }
                let mut t = self.table_ref()?;
                if self.eat_kw("from") || self.eat_kw("in") {
                    t.db = Some(self.ident()?);
                }
                Ok(Statement::Describe(t))
            }
            "grants" => {
                self.skip_rest();
                Ok(Statement::ShowGrants)
            }
            "backends" => Ok(Statement::ShowBackends),
            "frontends" => Ok(Statement::ShowFrontends),
            "compute" if self.eat_kw("nodes") => Ok(Statement::ShowEmpty(vec![
                "ComputeNodeId",
                "IP",
                "HeartbeatPort",
                "BePort",
                "HttpPort",
                "BrpcPort",
                "LastStartTime",
                "LastHeartbeat",
                "Alive",
                "SystemDecommissioned",
                "ErrMsg",
                "Version",
            ])),
            "processlist" => Ok(Statement::ShowProcesslist),
            "warnings" | "errors" => {
                self.skip_rest();
                Ok(Statement::ShowEmpty(vec!["Level", "Code", "Message"]))
            }
            "status" => {
                self.skip_rest();
                Ok(Statement::ShowEmpty(vec!["Variable_name", "Value"]))
            }
            _ => {
                self.pos -= 1;
                Err(self.unexpected(SHOW_TARGETS))
            }
        }
    }

    fn show_variables(&mut self) -> Result<Statement, SqlError> {
        if self.eat_kw("where") {
            let filter = self.expr()?;
            return Ok(Statement::ShowVariables {
                like: None,
                filter: Some(filter),
            });
        }
        Ok(Statement::ShowVariables {
            like: self.like_clause()?,
            filter: None,
        })
    }

    fn if_not_exists(&mut self) -> Result<bool, SqlError> {
        if self.eat_kw("if") {
            self.expect_kw("not")?;
            self.expect_kw("exists")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn if_exists(&mut self) -> Result<bool, SqlError> {
        if self.eat_kw("if") {
            self.expect_kw("exists")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn create(&mut self) -> Result<Statement, SqlError> {
        if self.eat_kw("database") || self.eat_kw("schema") {
            let if_not_exists = self.if_not_exists()?;
            let r = self.table_ref()?;
            self.skip_properties()?;
            return Ok(Statement::CreateDatabase {
                name: r.name,
                if_not_exists,
            });
        }
        for unsupported in ["temporary", "external"] {
            if self.is_kw(unsupported) && self.is_kw_at(1, "table") {
                return Err(SqlError::analysis(format_args!(
                    "CREATE {} TABLE is not supported by this StarRocks stand-in",
                    unsupported.to_ascii_uppercase()
                )));
            }
        }
        if !self.is_kw("table") {
            return Err(self.unexpected("'DATABASE', 'TABLE'"));
        }
        self.advance();
        let if_not_exists = self.if_not_exists()?;
        let table = self.table_ref()?;
        if self.is_kw("as") || self.is_kw("like") {
            return Err(SqlError::analysis(
                "CREATE TABLE … AS SELECT and CREATE TABLE … LIKE are not supported by this \
                 StarRocks stand-in",
            ));
        }
        let def = self.table_body(&table.name)?;
        Ok(Statement::CreateTable {
            table,
            if_not_exists,
            def: Box::new(def),
        })
    }

    /// `PROPERTIES (…)` after CREATE DATABASE: accepted and ignored.
    fn skip_properties(&mut self) -> Result<(), SqlError> {
        if self.eat_kw("properties") {
            self.properties_body()?;
        }
        Ok(())
    }

    fn properties_body(&mut self) -> Result<Vec<(String, String)>, SqlError> {
        self.expect_sym("(")?;
        let mut props = Vec::new();
        if self.eat_sym(")") {
            return Ok(props);
        }
        loop {
            let k = match self.peek().clone() {
                Tok::Str(s) | Tok::Word(s) | Tok::Quoted(s) => {
                    self.advance();
                    s
                }
                _ => return Err(self.unexpected("a property name")),
            };
            self.expect_sym("=")?;
            let v = match self.peek().clone() {
                Tok::Str(s) | Tok::Word(s) | Tok::Num(s) => {
                    self.advance();
                    s
                }
                _ => return Err(self.unexpected("a property value")),
            };
            props.push((k, v));
            if self.eat_sym(")") {
                return Ok(props);
            }
            self.expect_sym(",")?;
        }
    }

    /// `ALTER TABLE t ADD COLUMN c TYPE [NULL | NOT NULL] [DEFAULT …] [COMMENT …]` (the
    /// stand-in models this one schema change).
    fn alter(&mut self) -> Result<Statement, SqlError> {
        self.expect_kw("table")?;
        let table = self.table_ref()?;
        self.expect_kw("add")?;
        self.expect_kw("column")?;
        let (column, _, _) = self.column_def()?;
        Ok(Statement::AddColumn {
            table,
            column: Box::new(column),
        })
    }

    fn drop(&mut self) -> Result<Statement, SqlError> {
        if self.eat_kw("database") || self.eat_kw("schema") {
            let if_exists = self.if_exists()?;
            let name = self.table_ref()?.name;
            self.eat_kw("force");
            return Ok(Statement::DropDatabase { name, if_exists });
        }
        if self.eat_kw("table") {
            let if_exists = self.if_exists()?;
            let table = self.table_ref()?;
            self.eat_kw("force");
            return Ok(Statement::DropTable { table, if_exists });
        }
        Err(self.unexpected("'DATABASE', 'TABLE'"))
    }

    fn insert(&mut self) -> Result<Statement, SqlError> {
        self.expect_kw("into")?;
        let table = self.table_ref()?;
        let label = if self.eat_kw("with") {
            self.expect_kw("label")?;
            Some(self.ident()?)
        } else {
            None
        };
        let columns = if self.is_sym("(") {
            Some(self.ident_list()?)
        } else {
            None
        };
        if !(self.eat_kw("values") || self.eat_kw("value")) {
            return Err(self.unexpected("'VALUES'"));
        }
        let mut rows = Vec::new();
        loop {
            self.expect_sym("(")?;
            let mut row = Vec::new();
            if !self.is_sym(")") {
                row.push(self.expr()?);
                while self.eat_sym(",") {
                    row.push(self.expr()?);
                }
            }
            self.expect_sym(")")?;
            rows.push(row);
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(Statement::Insert {
            table,
            label,
            columns,
            rows,
        })
    }

    // --- SELECT --------------------------------------------------------------------------------

    fn select(&mut self) -> Result<Select, SqlError> {
        self.expect_kw("select")?;
        let distinct = self.eat_kw("distinct");
        self.eat_kw("all");
        let mut items = vec![self.select_item()?];
        while self.eat_sym(",") {
            items.push(self.select_item()?);
        }
        let mut sel = Select {
            distinct,
            items,
            from: None,
            filter: None,
            group_by: Vec::new(),
            order_by: Vec::new(),
            limit: None,
            offset: 0,
        };
        if self.eat_kw("from") {
            let t = self.table_ref()?;
            if !(t.db.is_none() && t.name.eq_ignore_ascii_case("dual")) {
                sel.from = Some(t);
            }
            // An optional table alias.
            if self.eat_kw("as") {
                self.ident()?;
            } else if matches!(self.peek(), Tok::Word(w) if !RESERVED.contains(&w.to_ascii_lowercase().as_str()))
                || matches!(self.peek(), Tok::Quoted(_))
            {
                self.advance();
            }
            if self.is_kw("join")
                || self.is_kw("inner")
                || self.is_kw("left")
                || self.is_kw("right")
                || self.is_kw("cross")
                || self.is_sym(",")
            {
                return Err(SqlError::analysis(
                    "joins are not supported by this StarRocks stand-in",
                ));
            }
        }
        if self.eat_kw("where") {
            sel.filter = Some(self.expr()?);
        }
        if self.is_kw("group") {
            self.advance();
            self.expect_kw("by")?;
            sel.group_by.push(self.expr()?);
            while self.eat_sym(",") {
                sel.group_by.push(self.expr()?);
            }
        }
        if self.is_kw("having") {
            return Err(SqlError::analysis(
                "HAVING is not supported by this StarRocks stand-in",
            ));
        }
        if self.is_kw("order") {
            self.advance();
            self.expect_kw("by")?;
            loop {
                let expr = self.expr()?;
                let desc = if self.eat_kw("desc") {
                    true
                } else {
                    self.eat_kw("asc");
                    false
                };
                sel.order_by.push(OrderKey { expr, desc });
                if !self.eat_sym(",") {
                    break;
                }
            }
        }
        if self.eat_kw("limit") {
            let first = self.number()?;
            if self.eat_sym(",") {
                sel.offset = first;
                sel.limit = Some(self.number()?);
            } else {
                sel.limit = Some(first);
                if self.eat_kw("offset") {
                    sel.offset = self.number()?;
                }
            }
        }
        Ok(sel)
    }

    fn select_item(&mut self) -> Result<SelectItem, SqlError> {
        if self.eat_sym("*") {
            return Ok(SelectItem::Wildcard);
        }
        // `t.*`
        if matches!(self.peek(), Tok::Word(_) | Tok::Quoted(_))
            && matches!(self.peek_at(1), Tok::Sym("."))
            && matches!(self.peek_at(2), Tok::Sym("*"))
        {
            self.advance();
            self.advance();
            self.advance();
            return Ok(SelectItem::Wildcard);
        }
        let start = self.toks[self.pos].start;
        let expr = self.expr()?;
        let end = self.toks[self.pos - 1].end;
        // A column is named as written without its quotes; other expressions by their text.
        let text = match &expr {
            Expr::Column(c) => c.clone(),
            _ => self.src[start..end].trim().to_string(),
        };
        let alias = if self.eat_kw("as") {
            match self.peek().clone() {
                Tok::Word(w) | Tok::Quoted(w) | Tok::Str(w) => {
                    self.advance();
                    Some(w)
                }
                _ => return Err(self.unexpected("a legal identifier")),
            }
        } else {
            match self.peek().clone() {
                Tok::Word(w) if !RESERVED.contains(&w.to_ascii_lowercase().as_str()) => {
                    self.advance();
                    Some(w)
                }
                Tok::Quoted(w) | Tok::Str(w) => {
                    self.advance();
                    Some(w)
                }
                _ => None,
            }
        };
        Ok(SelectItem::Expr { expr, text, alias })
    }

    // --- expressions: OR < AND < NOT < comparison < unary < primary ------------------------

    fn expr(&mut self) -> Result<Expr, SqlError> {
        let mut left = self.and_expr()?;
        while self.eat_kw("or") || self.eat_sym("||") {
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, SqlError> {
        let mut left = self.not_expr()?;
        while self.eat_kw("and") || self.eat_sym("&&") {
            let right = self.not_expr()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_expr(&mut self) -> Result<Expr, SqlError> {
        if self.eat_kw("not") || self.eat_sym("!") {
            return Ok(Expr::Not(Box::new(self.not_expr()?)));
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr, SqlError> {
        let left = self.unary()?;
        let op = match self.peek() {
            Tok::Sym("=") => Some(CmpOp::Eq),
            Tok::Sym("<=>") => Some(CmpOp::NullSafeEq),
            Tok::Sym("!=") | Tok::Sym("<>") => Some(CmpOp::Ne),
            Tok::Sym("<") => Some(CmpOp::Lt),
            Tok::Sym("<=") => Some(CmpOp::Le),
            Tok::Sym(">") => Some(CmpOp::Gt),
            Tok::Sym(">=") => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.advance();
            let right = self.unary()?;
            return Ok(Expr::Cmp(Box::new(left), op, Box::new(right)));
        }
        if self.eat_kw("is") {
            let neg = self.eat_kw("not");
            self.expect_kw("null")?;
            return Ok(Expr::IsNull(Box::new(left), neg));
        }
        let neg = if self.is_kw("not")
            && (self.is_kw_at(1, "in") || self.is_kw_at(1, "like") || self.is_kw_at(1, "between"))
        {
            self.advance();
            true
        } else {
            false
        };
        if self.eat_kw("in") {
            self.expect_sym("(")?;
            let mut list = vec![self.expr()?];
            while self.eat_sym(",") {
                list.push(self.expr()?);
            }
            self.expect_sym(")")?;
            return Ok(Expr::In(Box::new(left), list, neg));
        }
        if self.eat_kw("like") {
            let pat = self.unary()?;
            return Ok(Expr::Like(Box::new(left), Box::new(pat), neg));
        }
        if self.eat_kw("between") {
            let lo = self.unary()?;
            self.expect_kw("and")?;
            let hi = self.unary()?;
            let e = Expr::And(
                Box::new(Expr::Cmp(Box::new(left.clone()), CmpOp::Ge, Box::new(lo))),
                Box::new(Expr::Cmp(Box::new(left), CmpOp::Le, Box::new(hi))),
            );
            return Ok(if neg { Expr::Not(Box::new(e)) } else { e });
        }
        if neg {
            return Err(self.unexpected("'IN', 'LIKE', 'BETWEEN'"));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, SqlError> {
        if self.eat_sym("-") {
            if let Tok::Num(n) = self.peek().clone() {
                self.advance();
                return Ok(Expr::Lit(Lit::Num(format!("-{n}"))));
            }
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        if self.eat_sym("+") {
            return self.unary();
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, SqlError> {
        let t = self.peek().clone();
        match t {
            Tok::Num(n) => {
                self.advance();
                Ok(Expr::Lit(Lit::Num(n)))
            }
            Tok::Str(s) => {
                self.advance();
                Ok(Expr::Lit(Lit::Str(s)))
            }
            Tok::Param => {
                self.advance();
                self.nparams += 1;
                Ok(Expr::Param(self.nparams - 1))
            }
            Tok::SysVar(v) => {
                self.advance();
                Ok(Expr::SysVar(v))
            }
            Tok::UserVar(_) => {
                self.advance();
                Ok(Expr::UserVar)
            }
            Tok::Sym("(") => {
                self.advance();
                let e = self.expr()?;
                self.expect_sym(")")?;
                Ok(e)
            }
            Tok::Sym("*") => {
                self.advance();
                Ok(Expr::Star)
            }
            Tok::Word(w) => {
                let lower = w.to_ascii_lowercase();
                if matches!(self.peek_at(1), Tok::Sym("(")) {
                    self.advance();
                    self.advance();
                    return self.call(lower);
                }
                match lower.as_str() {
                    "null" => {
                        self.advance();
                        return Ok(Expr::Lit(Lit::Null));
                    }
                    "true" | "false" => {
                        self.advance();
                        return Ok(Expr::Lit(Lit::Bool(lower == "true")));
                    }
                    // Functions MySQL allows without parentheses.
                    "current_user" | "current_timestamp" | "current_date" | "localtime"
                    | "localtimestamp" => {
                        self.advance();
                        return Ok(Expr::Func {
                            name: lower,
                            args: Vec::new(),
                            distinct: false,
                        });
                    }
                    _ => {}
                }
                if RESERVED.contains(&lower.as_str()) {
                    return Err(self.unexpected("an expression"));
                }
                self.column_ref()
            }
            Tok::Quoted(_) => self.column_ref(),
            _ => Err(self.unexpected("an expression")),
        }
    }

    /// `col`, `t.col` or `db.t.col`: the last part names the column.
    fn column_ref(&mut self) -> Result<Expr, SqlError> {
        let mut name = self.ident()?;
        while self.is_sym(".") && matches!(self.peek_at(1), Tok::Word(_) | Tok::Quoted(_)) {
            self.advance();
            name = self.ident()?;
        }
        Ok(Expr::Column(name))
    }

    fn call(&mut self, name: String) -> Result<Expr, SqlError> {
        let distinct = self.eat_kw("distinct");
        let mut args = Vec::new();
        if !self.is_sym(")") {
            args.push(self.expr()?);
            while self.eat_sym(",") {
                args.push(self.expr()?);
            }
        }
        self.expect_sym(")")?;
        if args.contains(&Expr::Star) && !(name == "count" && args.len() == 1 && !distinct) {
            return Err(SqlError::analysis(format_args!(
                "'*' is only allowed in count(*), not in {name}()"
            )));
        }
        Ok(Expr::Func {
            name,
            args,
            distinct,
        })
    }

    // --- CREATE TABLE ------------------------------------------------------------------------

    fn table_body(&mut self, table: &str) -> Result<TableDef, SqlError> {
        self.expect_sym("(")?;
        let mut cols: Vec<(ColumnDef, bool, usize)> = Vec::new();
        let mut indexes: Vec<(String, Vec<String>)> = Vec::new();
        loop {
            if self.is_kw("index") {
                self.advance();
                let name = self.ident()?;
                let on = self.ident_list()?;
                if self.eat_kw("using") {
                    self.ident()?;
                }
                if self.is_sym("(") {
                    self.properties_body()?;
                }
                if self.eat_kw("comment") {
                    self.string()?;
                }
                indexes.push((name, on));
            } else {
                cols.push(self.column_def()?);
            }
            if self.eat_sym(")") {
                break;
            }
            self.expect_sym(",")?;
        }
        let mut keys: Option<(KeysType, Vec<String>)> = None;
        let mut comment = String::new();
        let mut partition = None;
        let mut distribution = None;
        let mut order_by = Vec::new();
        let mut properties = Vec::new();
        loop {
            if self.eat_kw("engine") {
                self.eat_sym("=");
                let e = self.ident()?;
                if !e.eq_ignore_ascii_case("olap") {
                    return Err(SqlError::analysis(format_args!(
                        "ENGINE={e} is not supported by this StarRocks stand-in (only OLAP tables)"
                    )));
                }
            } else if let Some(kt) = [
                ("duplicate", KeysType::Duplicate),
                ("aggregate", KeysType::Aggregate),
                ("unique", KeysType::Unique),
                ("primary", KeysType::Primary),
            ]
            .iter()
            .find(|(kw, _)| self.is_kw(kw) && self.is_kw_at(1, "key"))
            .map(|(_, kt)| *kt)
            {
                if keys.is_some() {
                    return Err(self.unexpected("'COMMENT', 'PARTITION', 'DISTRIBUTED'"));
                }
                self.advance();
                self.advance();
                keys = Some((kt, self.ident_list()?));
            } else if self.eat_kw("comment") {
                comment = self.string()?;
            } else if self.is_kw("partition") {
                partition = Some(self.raw_partition()?);
            } else if self.is_kw("distributed") {
                self.advance();
                self.expect_kw("by")?;
                distribution = Some(if self.eat_kw("hash") {
                    let columns = self.ident_list()?;
                    Distribution::Hash {
                        columns,
                        buckets: self.buckets()?,
                    }
                } else if self.eat_kw("random") {
                    Distribution::Random {
                        buckets: self.buckets()?,
                    }
                } else {
                    return Err(self.unexpected("'HASH', 'RANDOM'"));
                });
            } else if self.is_kw("order") {
                self.advance();
                self.expect_kw("by")?;
                if self.is_sym("(") {
                    order_by = self.ident_list()?;
                } else {
                    order_by.push(self.ident()?);
                    while self.eat_sym(",") {
                        order_by.push(self.ident()?);
                    }
                }
            } else if self.eat_kw("properties") {
                properties = self.properties_body()?;
            } else if matches!(self.peek(), Tok::Eof | Tok::Sym(";")) {
                break;
            } else {
                return Err(self.unexpected(
                    "'ENGINE', 'DUPLICATE', 'AGGREGATE', 'UNIQUE', 'PRIMARY', 'COMMENT', \
                     'PARTITION', 'DISTRIBUTED', 'ORDER', 'PROPERTIES'",
                ));
            }
        }
        build_table_def(
            table,
            cols,
            indexes,
            keys,
            comment,
            partition,
            distribution,
            order_by,
            properties,
        )
    }

    fn buckets(&mut self) -> Result<Option<u32>, SqlError> {
        if !self.eat_kw("buckets") {
            return Ok(None);
        }
        let n = self.number()?;
        if n == 0 || n > u64::from(u32::MAX) {
            return Err(SqlError::analysis(
                "Number of hash distribution should be greater than zero",
            ));
        }
        Ok(Some(n as u32))
    }

    /// `PARTITION BY …` kept as its text: everything up to the next table clause, with
    /// balanced parentheses.
    fn raw_partition(&mut self) -> Result<String, SqlError> {
        let start = self.toks[self.pos].start;
        self.advance();
        self.expect_kw("by")?;
        let mut depth = 0usize;
        loop {
            match self.peek() {
                Tok::Eof => break,
                Tok::Sym(";") if depth == 0 => break,
                Tok::Sym("(") => depth += 1,
                Tok::Sym(")") => {
                    if depth == 0 {
                        return Err(self.unexpected("'DISTRIBUTED', 'ORDER', 'PROPERTIES'"));
                    }
                    depth -= 1;
                }
                Tok::Word(w)
                    if depth == 0
                        && ["distributed", "order", "properties"]
                            .contains(&w.to_ascii_lowercase().as_str()) =>
                {
                    break;
                }
                _ => {}
            }
            self.advance();
        }
        if depth != 0 {
            return Err(self.unexpected("')'"));
        }
        let end = self.toks[self.pos - 1].end;
        if end <= start {
            return Err(self.unexpected("a partition description"));
        }
        Ok(self.src[start..end].trim().to_string())
    }

    /// One column: returns the definition, whether NULL / NOT NULL was written, and where it
    /// started (for error positions).
    fn column_def(&mut self) -> Result<(ColumnDef, bool, usize), SqlError> {
        let at = self.toks[self.pos].start;
        let name = self.ident()?;
        let ty = self.sql_type()?;
        let mut col = ColumnDef::new(&name, ty);
        let mut explicit_null = false;
        loop {
            if self.eat_kw("not") {
                self.expect_kw("null")?;
                col.nullable = false;
                explicit_null = true;
            } else if self.eat_kw("null") {
                col.nullable = true;
                explicit_null = true;
            } else if self.is_kw("charset") || (self.is_kw("character") && self.is_kw_at(1, "set"))
            {
                // `CHARSET x` / `CHARACTER SET x`: accepted and ignored.
                if self.eat_kw("character") {
                    self.advance();
                } else {
                    self.eat_kw("charset");
                }
                self.ident()?;
            } else if self.eat_kw("key") {
                // `col type KEY` marks a key column in StarRocks' grammar; the KEY clause decides.
            } else if self.eat_kw("default") {
                col.default = self.default_value()?;
            } else if self.eat_kw("auto_increment") {
                col.auto_increment = true;
            } else if self.eat_kw("comment") {
                col.comment = self.string()?;
            } else if self.is_kw("as") {
                return Err(SqlError::analysis(format_args!(
                    "generated columns (`{name} … AS expr`) are not supported by this StarRocks \
                     stand-in"
                )));
            } else if let Some(agg) = self.agg_type() {
                if col.agg.is_some() {
                    return Err(self.unexpected("'NULL', 'NOT', 'DEFAULT', 'COMMENT'"));
                }
                col.agg = Some(agg);
            } else {
                break;
            }
        }
        Ok((col, explicit_null, at))
    }

    fn agg_type(&mut self) -> Option<AggType> {
        let Tok::Word(w) = self.peek() else {
            return None;
        };
        let agg = match w.to_ascii_lowercase().as_str() {
            "sum" => AggType::Sum,
            "max" => AggType::Max,
            "min" => AggType::Min,
            "replace" => AggType::Replace,
            "replace_if_not_null" => AggType::ReplaceIfNotNull,
            "hll_union" => AggType::HllUnion,
            "bitmap_union" => AggType::BitmapUnion,
            _ => return None,
        };
        self.advance();
        Some(agg)
    }

    fn default_value(&mut self) -> Result<Option<DefaultValue>, SqlError> {
        match self.peek().clone() {
            Tok::Str(s) | Tok::Num(s) => {
                self.advance();
                Ok(Some(DefaultValue::Literal(s)))
            }
            Tok::Sym("-") if matches!(self.peek_at(1), Tok::Num(_)) => {
                self.advance();
                let Tok::Num(n) = self.advance().tok else {
                    unreachable!("checked above")
                };
                Ok(Some(DefaultValue::Literal(format!("-{n}"))))
            }
            Tok::Sym("(") => {
                self.advance();
                let start = self.toks[self.pos].start;
                let mut depth = 0usize;
                loop {
                    match self.peek() {
                        Tok::Eof => return Err(self.unexpected("')'")),
                        Tok::Sym("(") => depth += 1,
                        Tok::Sym(")") if depth == 0 => break,
                        Tok::Sym(")") => depth -= 1,
                        _ => {}
                    }
                    self.advance();
                }
                let end = self.toks[self.pos].start;
                self.advance();
                let text = self.src[start..end].trim().to_string();
                if text.is_empty() {
                    return Err(self.unexpected("an expression"));
                }
                Ok(Some(DefaultValue::Expr(text)))
            }
            Tok::Word(w) => {
                let lower = w.to_ascii_lowercase();
                match lower.as_str() {
                    "null" => {
                        self.advance();
                        Ok(None)
                    }
                    "current_timestamp" | "now" => {
                        self.advance();
                        if self.eat_sym("(") {
                            self.expect_sym(")")?;
                        }
                        Ok(Some(DefaultValue::CurrentTimestamp))
                    }
                    _ => Err(self.unexpected("a string literal, 'CURRENT_TIMESTAMP', '('")),
                }
            }
            _ => Err(self.unexpected("a string literal, 'CURRENT_TIMESTAMP', '('")),
        }
    }

    /// `(n)` or `(p, s)` after a type name.
    fn type_args(&mut self) -> Result<Vec<u64>, SqlError> {
        if !self.eat_sym("(") {
            return Ok(Vec::new());
        }
        let mut args = vec![self.number()?];
        while self.eat_sym(",") {
            args.push(self.number()?);
        }
        self.expect_sym(")")?;
        Ok(args)
    }

    fn sql_type(&mut self) -> Result<SqlType, SqlError> {
        let start_tok = self.pos;
        let Tok::Word(w) = self.peek().clone() else {
            return Err(self.unexpected("a column type"));
        };
        let lower = w.to_ascii_lowercase();
        self.advance();
        let int = |p: &mut Self, ty: SqlType| -> Result<SqlType, SqlError> {
            // `int(11)`: a display width, accepted and ignored.
            let args = p.type_args()?;
            if args.len() > 1 {
                return Err(SqlError::analysis(format_args!(
                    "Invalid type arguments for {lower}: only a display width is allowed"
                )));
            }
            Ok(ty)
        };
        let ty = match lower.as_str() {
            "tinyint" => int(self, SqlType::TinyInt)?,
            "smallint" => int(self, SqlType::SmallInt)?,
            "int" | "integer" => int(self, SqlType::Int)?,
            "bigint" => int(self, SqlType::BigInt)?,
            "largeint" => int(self, SqlType::LargeInt)?,
            "float" => SqlType::Float,
            "double" => SqlType::Double,
            "boolean" | "bool" => SqlType::Boolean,
            "date" => SqlType::Date,
            "datetime" => SqlType::DateTime,
            "string" => SqlType::String,
            "json" => SqlType::Json,
            "varbinary" | "binary" => {
                self.type_args()?;
                SqlType::Varbinary
            }
            "decimal" | "decimalv2" | "decimal32" | "decimal64" | "decimal128" | "numeric" => {
                let max = match lower.as_str() {
                    "decimal32" => 9,
                    "decimal64" => 18,
                    "decimalv2" => 27,
                    _ => 38,
                };
                let args = self.type_args()?;
                let (p, s) = match args.as_slice() {
                    [] => (10, 0),
                    [p] => (*p, 0),
                    [p, s] => (*p, *s),
                    _ => {
                        return Err(SqlError::analysis(format_args!(
                            "Invalid type arguments for {lower}: expected (precision[, scale])"
                        )));
                    }
                };
                if p == 0 || p > max {
                    return Err(SqlError::analysis(format_args!(
                        "DECIMAL's precision should range from 1 to {max}, but got {p}"
                    )));
                }
                if s > p {
                    return Err(SqlError::analysis(format_args!(
                        "DECIMAL's scale should be less than or equal to its precision, but got \
                         DECIMAL({p}, {s})"
                    )));
                }
                SqlType::Decimal {
                    precision: p as u8,
                    scale: s as u8,
                }
            }
            "char" | "varchar" => {
                let args = self.type_args()?;
                let (max, is_char) = if lower == "char" {
                    (255u64, true)
                } else {
                    (u64::from(MAX_VARCHAR_BYTES), false)
                };
                let n = match args.as_slice() {
                    [] => 1,
                    [n] => *n,
                    _ => {
                        return Err(SqlError::analysis(format_args!(
                            "Invalid type arguments for {lower}: expected a length"
                        )));
                    }
                };
                if n == 0 || n > max {
                    return Err(SqlError::analysis(format_args!(
                        "{}'s length should range from 1 to {max}, but got {n}",
                        lower.to_ascii_uppercase()
                    )));
                }
                if is_char {
                    SqlType::Char(n as u32)
                } else {
                    SqlType::Varchar(n as u32)
                }
            }
            "hll" | "bitmap" => SqlType::Complex(lower.to_ascii_uppercase()),
            "array" | "map" | "struct" => {
                self.expect_sym("<")?;
                let mut depth = 1usize;
                while depth > 0 {
                    match self.peek() {
                        Tok::Sym("<") => depth += 1,
                        Tok::Sym(">") => depth -= 1,
                        Tok::Eof => return Err(self.unexpected("'>'")),
                        _ => {}
                    }
                    self.advance();
                }
                let start = self.toks[start_tok].start;
                let end = self.toks[self.pos - 1].end;
                SqlType::Complex(self.src[start..end].to_string())
            }
            _ => {
                self.pos = start_tok;
                return Err(self.unexpected(
                    "TINYINT, SMALLINT, INT, BIGINT, LARGEINT, FLOAT, DOUBLE, DECIMAL, DATE, \
                     DATETIME, CHAR, VARCHAR, STRING, BOOLEAN, JSON, VARBINARY, ARRAY, MAP, \
                     STRUCT, HLL, BITMAP",
                ));
            }
        };
        Ok(ty)
    }
}

const STATEMENT_STARTS: &str = "'SELECT', 'SHOW', 'SET', 'USE', 'CREATE', 'DROP', 'ALTER', \
                                'DESC', 'INSERT', 'BEGIN', 'COMMIT', 'ROLLBACK'";

const SHOW_TARGETS: &str = "'DATABASES', 'TABLES', 'VARIABLES', 'CREATE', 'COLUMNS', 'GRANTS', \
                            'BACKENDS', 'FRONTENDS', 'PROCESSLIST', 'WARNINGS', 'STATUS'";

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Applies StarRocks' CREATE TABLE rules (§5.1) and builds the definition.
#[allow(clippy::too_many_arguments)]
fn build_table_def(
    table: &str,
    cols: Vec<(ColumnDef, bool, usize)>,
    indexes: Vec<(String, Vec<String>)>,
    keys: Option<(KeysType, Vec<String>)>,
    comment: String,
    partition: Option<String>,
    distribution: Option<Distribution>,
    order_by: Vec<String>,
    properties: Vec<(String, String)>,
) -> Result<TableDef, SqlError> {
    if !valid_name(table) {
        return Err(SqlError::analysis(format_args!(
            "Incorrect table name '{table}'. Table names start with a letter or '_' and contain \
             only letters, digits and '_'"
        )));
    }
    let mut columns: Vec<ColumnDef> = Vec::with_capacity(cols.len());
    let mut explicit_null = Vec::with_capacity(cols.len());
    for (col, explicit, _) in cols {
        if !valid_name(&col.name) {
            return Err(SqlError::analysis(format_args!(
                "Incorrect column name '{}'. Column names start with a letter or '_' and contain \
                 only letters, digits and '_'",
                col.name
            )));
        }
        let lower = col.name.to_ascii_lowercase();
        if lower.starts_with("__op") || lower.starts_with("__row") {
            return Err(SqlError::analysis(format_args!(
                "Column name '{}' is reserved: names starting with '__op' or '__row' are used by \
                 StarRocks itself",
                col.name
            )));
        }
        if columns
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case(&col.name))
        {
            return Err(SqlError::analysis(format_args!(
                "Duplicate column name '{}'",
                col.name
            )));
        }
        columns.push(col);
        explicit_null.push(explicit);
    }
    let find = |columns: &[ColumnDef], name: &str| {
        columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    };

    let (keys_type, key_names) = match keys {
        Some(k) => k,
        None => {
            let first: Vec<String> = columns
                .first()
                .filter(|c| c.ty.can_be_key())
                .map(|c| vec![c.name.clone()])
                .unwrap_or_default();
            (KeysType::Duplicate, first)
        }
    };
    let mut key_columns = Vec::with_capacity(key_names.len());
    for (i, k) in key_names.iter().enumerate() {
        let Some(pos) = find(&columns, k) else {
            return Err(SqlError::analysis(format_args!(
                "Key column '{k}' does not exist in the column list"
            )));
        };
        if key_columns
            .iter()
            .any(|c: &String| c.eq_ignore_ascii_case(k))
        {
            return Err(SqlError::analysis(format_args!(
                "Duplicate key column '{k}'"
            )));
        }
        if pos != i {
            return Err(SqlError::analysis(format_args!(
                "Key columns should be a ordered prefix of the schema. KeyColumns[{i}] (starts \
                 from zero) is {k}, but corresponding column is {} in the previous columns \
                 declaration",
                columns[i].name
            )));
        }
        let c = &columns[pos];
        if !c.ty.can_be_key() {
            return Err(match c.ty {
                SqlType::Float | SqlType::Double => SqlError::analysis(format_args!(
                    "Invalid key column '{}': float or double can not used as a key, use decimal \
                     instead",
                    c.name
                )),
                _ => SqlError::analysis(format_args!(
                    "Invalid key column '{}': type {} can not be used as a key",
                    c.name, c.ty
                )),
            });
        }
        key_columns.push(c.name.clone());
    }

    for (i, c) in columns.iter_mut().enumerate() {
        let is_key = i < key_columns.len();
        match (keys_type, is_key, c.agg) {
            (KeysType::Aggregate, true, Some(agg)) => {
                return Err(SqlError::analysis(format_args!(
                    "Key column '{}' can not have an aggregate type ({})",
                    c.name,
                    agg.sql()
                )));
            }
            (KeysType::Aggregate, false, None) => {
                return Err(SqlError::analysis(format_args!(
                    "AGG_KEYS table should specify aggregate type for non-key column[{}]",
                    c.name
                )));
            }
            (KeysType::Aggregate, _, _) => {}
            (_, _, Some(agg)) => {
                return Err(SqlError::analysis(format_args!(
                    "Column '{}' has aggregate type {}, but aggregate types are only allowed on \
                     the value columns of an AGGREGATE KEY table (this is a {} table)",
                    c.name,
                    agg.sql(),
                    keys_type.sql()
                )));
            }
            _ => {}
        }
        if keys_type == KeysType::Primary && is_key {
            if explicit_null[i] && c.nullable {
                return Err(SqlError::analysis(format_args!(
                    "primary key column[{}] cannot be nullable",
                    c.name
                )));
            }
            c.nullable = false;
        }
        if c.auto_increment && c.ty != SqlType::BigInt {
            return Err(SqlError::analysis(format_args!(
                "The AUTO_INCREMENT column '{}' must be BIGINT",
                c.name
            )));
        }
        match &c.default {
            Some(DefaultValue::Literal(v)) => {
                if let Err(e) = convert_text(v, &c.ty) {
                    return Err(SqlError::analysis(format_args!(
                        "Invalid default value for '{}': {}",
                        c.name, e.reason
                    )));
                }
            }
            Some(DefaultValue::CurrentTimestamp) if c.ty != SqlType::DateTime => {
                return Err(SqlError::analysis(format_args!(
                    "Invalid default value for '{}': CURRENT_TIMESTAMP is only allowed for \
                     DATETIME columns",
                    c.name
                )));
            }
            _ => {}
        }
    }

    let distribution = match distribution {
        Some(Distribution::Hash {
            columns: dist,
            buckets,
        }) => {
            let mut names = Vec::with_capacity(dist.len());
            for d in &dist {
                let Some(pos) = find(&columns, d) else {
                    return Err(SqlError::analysis(format_args!(
                        "Distribution column[{d}] does not exist"
                    )));
                };
                if keys_type != KeysType::Duplicate && pos >= key_columns.len() {
                    return Err(SqlError::analysis(format_args!(
                        "Distribution column[{d}] is not key column"
                    )));
                }
                if !columns[pos].ty.can_be_key() {
                    return Err(SqlError::analysis(format_args!(
                        "Distribution column[{d}] of type {} can not be used for hash \
                         distribution",
                        columns[pos].ty
                    )));
                }
                names.push(columns[pos].name.clone());
            }
            Some(Distribution::Hash {
                columns: names,
                buckets,
            })
        }
        Some(Distribution::Random { buckets }) => {
            if keys_type != KeysType::Duplicate {
                return Err(SqlError::analysis(format_args!(
                    "RANDOM distribution is only supported by DUPLICATE KEY tables, not by {} \
                     tables",
                    keys_type.sql()
                )));
            }
            Some(Distribution::Random { buckets })
        }
        None => None,
    };
    let mut order = Vec::with_capacity(order_by.len());
    for o in &order_by {
        let Some(pos) = find(&columns, o) else {
            return Err(SqlError::analysis(format_args!(
                "Unknown column '{o}' in ORDER BY"
            )));
        };
        order.push(columns[pos].name.clone());
    }
    for (idx, on) in &indexes {
        for c in on {
            if find(&columns, c).is_none() {
                return Err(SqlError::analysis(format_args!(
                    "Column '{c}' of index '{idx}' does not exist"
                )));
            }
        }
    }
    for (k, v) in &properties {
        if k == "replication_num" && v.parse::<u32>().map_or(true, |n| n == 0) {
            return Err(SqlError::analysis(format_args!(
                "Invalid replication_num \"{v}\": it must be a positive integer"
            )));
        }
    }
    Ok(TableDef {
        name: table.to_string(),
        columns,
        keys_type,
        key_columns,
        comment,
        partition_desc: partition,
        distribution,
        order_by: order,
        properties,
    })
}

// ---------------------------------------------------------------------------------------------
// Executor
// ---------------------------------------------------------------------------------------------

const VIRTUAL_DBS: &[&str] = &["information_schema", "_statistics_"];

fn is_virtual_db(db: &str) -> bool {
    VIRTUAL_DBS.iter().any(|v| v.eq_ignore_ascii_case(db))
}

fn is_information_schema(db: &str) -> bool {
    db.eq_ignore_ascii_case("information_schema")
}

fn catalog_error(e: CatalogError, db: &str) -> SqlError {
    match e {
        CatalogError::UnknownDatabase(d) => SqlError::unknown_database(&d),
        CatalogError::UnknownTable(t) => SqlError::unknown_table(db, &t),
        CatalogError::DatabaseExists(d) => SqlError::new(
            1007,
            "HY000",
            format!("Can't create database '{d}'; database exists"),
        ),
        CatalogError::TableExists(t) => {
            SqlError::new(1050, "42S01", format!("Table '{t}' already exists"))
        }
        CatalogError::LabelAlreadyExists { label, .. } => {
            SqlError::analysis(format_args!("Label [{label}] has already been used"))
        }
        other => SqlError::new(1064, "42000", other.to_string()),
    }
}

/// A value while evaluating: a cell and, when it comes from a column, the column's type (literals
/// are converted into it before comparing).
#[derive(Debug, Clone)]
struct V {
    cell: Cell,
    ty: Option<SqlType>,
}

impl V {
    fn untyped(cell: Cell) -> V {
        V { cell, ty: None }
    }

    fn text(s: impl Into<String>) -> V {
        V::untyped(Cell::Str(s.into()))
    }

    fn null() -> V {
        V::untyped(Cell::Null)
    }

    fn truth(&self) -> Option<bool> {
        match &self.cell {
            Cell::Null => None,
            Cell::Bool(b) => Some(*b),
            Cell::Int(i) => Some(*i != 0),
            Cell::Float(x) => Some(*x != 0.0),
            Cell::Decimal(v, _) => Some(*v != 0),
            Cell::Str(s) => Some(s.trim().parse::<f64>().is_ok_and(|x| x != 0.0)),
            _ => Some(true),
        }
    }
}

fn bool_v(b: Option<bool>) -> V {
    V::untyped(b.map_or(Cell::Null, Cell::Bool))
}

fn lit_cell(l: &Lit) -> Cell {
    match l {
        Lit::Null => Cell::Null,
        Lit::Bool(b) => Cell::Bool(*b),
        Lit::Str(s) => Cell::Str(s.clone()),
        Lit::Num(n) => match n.parse::<i128>() {
            Ok(i) => Cell::Int(i),
            Err(_) => n
                .parse::<f64>()
                .map_or_else(|_| Cell::Str(n.clone()), Cell::Float),
        },
    }
}

fn param_cell(p: &Param) -> Cell {
    match p {
        Param::Null => Cell::Null,
        Param::Int(i) => Cell::Int(i128::from(*i)),
        Param::UInt(u) => Cell::Int(i128::from(*u)),
        Param::Double(x) => Cell::Float(*x),
        Param::Text(s) => Cell::Str(s.clone()),
    }
}

/// Brings an untyped value into `ty` (for comparisons with a column).
fn coerce(cell: &Cell, ty: &SqlType) -> Option<Cell> {
    let text = cell.to_text()?;
    convert_text(&text, ty).ok()
}

fn compare(a: &V, b: &V) -> Option<Ordering> {
    if a.cell.is_null() || b.cell.is_null() {
        return None;
    }
    let (x, y) = match (&a.ty, &b.ty) {
        (Some(t), None) => match coerce(&b.cell, t) {
            Some(c) => (a.cell.clone(), c),
            None => (a.cell.clone(), b.cell.clone()),
        },
        (None, Some(t)) => match coerce(&a.cell, t) {
            Some(c) => (c, b.cell.clone()),
            None => (a.cell.clone(), b.cell.clone()),
        },
        _ => (a.cell.clone(), b.cell.clone()),
    };
    // A number against a numeric string compares as numbers.
    let ord = match (&x, &y) {
        (Cell::Str(s), other) | (other, Cell::Str(s))
            if other.as_f64().is_some() && s.trim().parse::<f64>().is_ok() =>
        {
            let sv = s.trim().parse::<f64>().unwrap_or(0.0);
            let ov = other.as_f64().unwrap_or(0.0);
            if matches!(x, Cell::Str(_)) {
                sv.partial_cmp(&ov)
            } else {
                ov.partial_cmp(&sv)
            }
            .unwrap_or(Ordering::Equal)
        }
        _ => x.sort_cmp(&y),
    };
    Some(ord)
}

/// SQL LIKE: `%` any run, `_` one character, `\` escapes.
fn like_match(s: &str, pat: &str, case_insensitive: bool) -> bool {
    let (s, pat) = if case_insensitive {
        (s.to_lowercase(), pat.to_lowercase())
    } else {
        (s.to_string(), pat.to_string())
    };
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pat.chars().collect();
    fn go(s: &[char], p: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('%') => (0..=s.len()).any(|i| go(&s[i..], &p[1..])),
            Some('_') => !s.is_empty() && go(&s[1..], &p[1..]),
            Some('\\') if p.len() > 1 => s.first() == Some(&p[1]) && go(&s[1..], &p[2..]),
            Some(c) => s.first() == Some(c) && go(&s[1..], &p[1..]),
        }
    }
    go(&s, &p)
}

/// Column names and types of a relation.
type Columns = Vec<(String, SqlType)>;

/// One GROUP BY group: its key and its rows.
type Group<'r> = (Vec<Option<String>>, Vec<&'r Vec<Cell>>);

/// Rows to query: column names and types, and the cells.
struct Relation<'r> {
    columns: &'r [(String, SqlType)],
}

impl Relation<'_> {
    fn index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

fn col_type_of(ty: &SqlType) -> ColType {
    match ty {
        SqlType::Boolean
        | SqlType::TinyInt
        | SqlType::SmallInt
        | SqlType::Int
        | SqlType::BigInt => ColType::Int,
        SqlType::Float | SqlType::Double => ColType::Double,
        SqlType::Decimal { .. } => ColType::Decimal,
        _ => ColType::Text,
    }
}

struct Exec<'e> {
    ctx: &'e SimContext,
    session: &'e mut Session,
    params: &'e [Param],
}

impl Exec<'_> {
    fn run(&mut self, stmt: Statement) -> Result<QueryResult, SqlError> {
        match stmt {
            Statement::NoOp => Ok(QueryResult::Ok { affected_rows: 0 }),
            Statement::Use(db) => {
                use_database(self.ctx, self.session, &db)?;
                Ok(QueryResult::Ok { affected_rows: 0 })
            }
            Statement::Select(sel) => self.select(&sel),
            Statement::ShowDatabases { like } => {
                let mut names: Vec<String> = VIRTUAL_DBS.iter().map(|s| (*s).to_string()).collect();
                names.extend(self.ctx.catalog.database_names());
                let rows = names
                    .into_iter()
                    .filter(|n| like.as_deref().is_none_or(|p| like_match(n, p, true)))
                    .map(|n| vec![Some(n)])
                    .collect();
                Ok(text_rows(&["Database"], rows))
            }
            Statement::ShowTables { db, full, like } => {
                let db = self.db_or_current(db.as_deref())?;
                let names = self.table_names(&db)?;
                let title = format!("Tables_in_{db}");
                let table_type = if is_information_schema(&db) {
                    "SYSTEM VIEW"
                } else {
                    "BASE TABLE"
                };
                let rows = names
                    .into_iter()
                    .filter(|n| like.as_deref().is_none_or(|p| like_match(n, p, true)))
                    .map(|n| {
                        let mut r = vec![Some(n)];
                        if full {
                            r.push(Some(table_type.to_string()));
                        }
                        r
                    })
                    .collect();
                let mut cols = vec![(title, ColType::Text)];
                if full {
                    cols.push(("Table_type".to_string(), ColType::Text));
                }
                Ok(QueryResult::Rows {
                    columns: cols,
                    rows,
                })
            }
            Statement::ShowVariables { like, filter } => self.show_variables(like, filter),
            Statement::ShowCreateTable(t) => {
                let (_, def) = self.table_def(&t)?;
                Ok(text_rows(
                    &["Table", "Create Table"],
                    vec![vec![Some(def.name.clone()), Some(def.show_create())]],
                ))
            }
            Statement::ShowCreateDatabase(db) => {
                if !(is_virtual_db(&db) || self.ctx.catalog.database_exists(&db)) {
                    return Err(SqlError::unknown_database(&db));
                }
                Ok(text_rows(
                    &["Database", "Create Database"],
                    vec![vec![
                        Some(db.clone()),
                        Some(format!("CREATE DATABASE `{db}`")),
                    ]],
                ))
            }
            Statement::Describe(t) => self.describe(&t),
            Statement::ShowGrants => Ok(self.show_grants()),
            Statement::ShowBackends => Ok(self.show_backends()),
            Statement::ShowFrontends => Ok(self.show_frontends()),
            Statement::ShowProcesslist => Err(SqlError::analysis(
                "SHOW PROCESSLIST is not supported by this StarRocks stand-in",
            )),
            Statement::ShowEmpty(cols) => Ok(text_rows(&cols, Vec::new())),
            Statement::CreateDatabase {
                name,
                if_not_exists,
            } => {
                if !valid_name(&name) {
                    return Err(SqlError::analysis(format_args!(
                        "Incorrect database name '{name}'"
                    )));
                }
                if is_virtual_db(&name) {
                    if if_not_exists {
                        return Ok(QueryResult::Ok { affected_rows: 0 });
                    }
                    return Err(catalog_error(CatalogError::DatabaseExists(name), ""));
                }
                self.ctx
                    .catalog
                    .create_database(&name, if_not_exists)
                    .map_err(|e| catalog_error(e, &name))?;
                Ok(QueryResult::Ok { affected_rows: 0 })
            }
            Statement::DropDatabase { name, if_exists } => {
                if is_virtual_db(&name) {
                    return Err(SqlError::analysis(format_args!(
                        "Access denied; you can not drop the system database '{name}'"
                    )));
                }
                match self.ctx.catalog.drop_database(&name, if_exists) {
                    Ok(()) => {}
                    Err(CatalogError::UnknownDatabase(_)) => {
                        return Err(SqlError::new(
                            1008,
                            "HY000",
                            format!("Can't drop database '{name}'; database doesn't exist"),
                        ));
                    }
                    Err(e) => return Err(catalog_error(e, &name)),
                }
                if self.session.current_db.as_deref() == Some(name.as_str()) {
                    self.session.current_db = None;
                }
                Ok(QueryResult::Ok { affected_rows: 0 })
            }
            Statement::CreateTable {
                table,
                if_not_exists,
                def,
            } => {
                let db = self.db_or_current(table.db.as_deref())?;
                if is_virtual_db(&db) {
                    return Err(SqlError::analysis(format_args!(
                        "Access denied; you can not create tables in the system database '{db}'"
                    )));
                }
                if !self.ctx.catalog.database_exists(&db) {
                    return Err(SqlError::unknown_database(&db));
                }
                self.ctx
                    .catalog
                    .create_table(&db, *def, if_not_exists)
                    .map_err(|e| catalog_error(e, &db))?;
                Ok(QueryResult::Ok { affected_rows: 0 })
            }
            Statement::AddColumn { table, column } => {
                let db = self.db_or_current(table.db.as_deref())?;
                if !self.ctx.catalog.database_exists(&db) {
                    return Err(SqlError::unknown_database(&db));
                }
                self.ctx
                    .catalog
                    .add_column(&db, &table.name, *column)
                    .map_err(|e| catalog_error(e, &db))?;
                Ok(QueryResult::Ok { affected_rows: 0 })
            }
            Statement::DropTable { table, if_exists } => {
                let db = self.db_or_current(table.db.as_deref())?;
                if !self.ctx.catalog.database_exists(&db) {
                    return Err(SqlError::unknown_database(&db));
                }
                self.ctx
                    .catalog
                    .drop_table(&db, &table.name, if_exists)
                    .map_err(|e| catalog_error(e, &db))?;
                Ok(QueryResult::Ok { affected_rows: 0 })
            }
            Statement::Insert {
                table,
                label,
                columns,
                rows,
            } => self.insert(&table, label, columns, rows),
        }
    }

    fn db_or_current(&self, db: Option<&str>) -> Result<String, SqlError> {
        match db {
            Some(d) => Ok(d.to_string()),
            None => self
                .session
                .current_db
                .clone()
                .ok_or_else(SqlError::no_database),
        }
    }

    fn table_names(&self, db: &str) -> Result<Vec<String>, SqlError> {
        if is_information_schema(db) {
            return Ok(INFO_TABLES.iter().map(|s| (*s).to_string()).collect());
        }
        if is_virtual_db(db) {
            return Ok(Vec::new());
        }
        self.ctx
            .catalog
            .table_names(db)
            .map_err(|e| catalog_error(e, db))
    }

    fn table_def(&self, t: &TableRef) -> Result<(String, TableDef), SqlError> {
        let db = self.db_or_current(t.db.as_deref())?;
        if !is_virtual_db(&db) && !self.ctx.catalog.database_exists(&db) {
            return Err(SqlError::unknown_database(&db));
        }
        let def = self
            .ctx
            .catalog
            .table_def(&db, &t.name)
            .map_err(|e| catalog_error(e, &db))?;
        Ok((db, def))
    }

    fn describe(&self, t: &TableRef) -> Result<QueryResult, SqlError> {
        let (_, def) = self.table_def(t)?;
        let rows = def
            .columns
            .iter()
            .map(|c| {
                let default = match &c.default {
                    None => None,
                    Some(DefaultValue::Literal(v)) => Some(v.clone()),
                    Some(DefaultValue::CurrentTimestamp) => Some("CURRENT_TIMESTAMP".to_string()),
                    Some(DefaultValue::Expr(e)) => Some(e.clone()),
                };
                let extra = match (c.agg, c.auto_increment) {
                    (Some(a), _) => a.sql().to_string(),
                    (None, true) => "AUTO_INCREMENT".to_string(),
                    _ => String::new(),
                };
                vec![
                    Some(c.name.clone()),
                    Some(c.ty.to_string()),
                    Some(if c.nullable { "YES" } else { "NO" }.to_string()),
                    Some(def.is_key(&c.name).to_string()),
                    default,
                    Some(extra),
                ]
            })
            .collect();
        Ok(text_rows(
            &["Field", "Type", "Null", "Key", "Default", "Extra"],
            rows,
        ))
    }

    fn show_variables(
        &mut self,
        like: Option<String>,
        filter: Option<Expr>,
    ) -> Result<QueryResult, SqlError> {
        let columns = vec![
            ("Variable_name".to_string(), SqlType::String),
            ("Value".to_string(), SqlType::String),
        ];
        let mut out = Vec::new();
        for (name, _) in SYSVARS {
            let value = self.sysvar(name)?;
            let row = vec![Cell::Str((*name).to_string()), value.cell];
            if let Some(p) = &like
                && !like_match(name, p, true)
            {
                continue;
            }
            if let Some(f) = &filter {
                let rel = Relation { columns: &columns };
                let v = self.eval(f, &rel, Some(&row))?;
                if v.truth() != Some(true) {
                    continue;
                }
            }
            out.push(row.iter().map(Cell::to_text).collect());
        }
        Ok(text_rows(&["Variable_name", "Value"], out))
    }

    fn show_grants(&self) -> QueryResult {
        let user = &self.ctx.info.user;
        let ident = format!("'{user}'@'%'");
        let rows = match &self.ctx.info.insert_grants {
            None => vec![vec![
                Some(ident.clone()),
                None,
                Some(format!("GRANT 'root' TO {ident}")),
            ]],
            Some(grants) => {
                let mut rows = Vec::new();
                for g in grants {
                    rows.push(vec![
                        Some(ident.clone()),
                        Some("default".to_string()),
                        Some(format!("GRANT SELECT, INSERT ON TABLE {g} TO USER {ident}")),
                    ]);
                    if let Some(db) = g.strip_suffix(".*") {
                        let on = if db == "*" {
                            "ALL DATABASES".to_string()
                        } else {
                            format!("DATABASE {db}")
                        };
                        rows.push(vec![
                            Some(ident.clone()),
                            Some("default".to_string()),
                            Some(format!("GRANT CREATE TABLE ON {on} TO USER {ident}")),
                        ]);
                    }
                }
                rows
            }
        };
        text_rows(&["UserIdentity", "Catalog", "Grants"], rows)
    }

    fn show_backends(&self) -> QueryResult {
        let info = &self.ctx.info;
        let started = fmt_ms(info.started_ms);
        let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
        let tablets: usize = self
            .ctx
            .catalog
            .database_names()
            .iter()
            .map(|d| self.ctx.catalog.table_names(d).map_or(0, |t| t.len()))
            .sum();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let row = [
            "10001".to_string(),
            info.be_host.clone(),
            "9050".to_string(),
            "9060".to_string(),
            info.be_redirect_port.to_string(),
            "8060".to_string(),
            started.clone(),
            now.clone(),
            "true".to_string(),
            "false".to_string(),
            "false".to_string(),
            tablets.to_string(),
            "0.000 B".to_string(),
            "1.000 TB".to_string(),
            "1.000 TB".to_string(),
            "0.00 %".to_string(),
            "0.00 %".to_string(),
            String::new(),
            format!("{}-{}", info.version, info.commit_hash),
            format!("{{\"lastSuccessReportTabletsTime\":\"{now}\"}}"),
            "1.000 TB".to_string(),
            "0.00 %".to_string(),
            cores.to_string(),
        ];
        text_rows(
            &[
                "BackendId",
                "IP",
                "HeartbeatPort",
                "BePort",
                "HttpPort",
                "BrpcPort",
                "LastStartTime",
                "LastHeartbeat",
                "Alive",
                "SystemDecommissioned",
                "ClusterDecommissioned",
                "TabletNum",
                "DataUsedCapacity",
                "AvailCapacity",
                "TotalCapacity",
                "UsedPct",
                "MaxDiskUsedPct",
                "ErrMsg",
                "Version",
                "Status",
                "DataTotalCapacity",
                "DataUsedPct",
                "CpuCores",
            ],
            vec![row.into_iter().map(Some).collect()],
        )
    }

    fn show_frontends(&self) -> QueryResult {
        let info = &self.ctx.info;
        let ip = info.mysql_addr.ip().to_string();
        let started = fmt_ms(info.started_ms);
        let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
        let row = [
            format!("{ip}_9010_{}", info.started_ms),
            ip,
            "9010".to_string(),
            info.http_addr.port().to_string(),
            info.mysql_addr.port().to_string(),
            "9020".to_string(),
            "LEADER".to_string(),
            "1787392349".to_string(),
            "true".to_string(),
            "true".to_string(),
            "1001".to_string(),
            now,
            "true".to_string(),
            String::new(),
            started,
            format!("{}-{}", info.version, info.commit_hash),
        ];
        text_rows(
            &[
                "Name",
                "IP",
                "EditLogPort",
                "HttpPort",
                "QueryPort",
                "RpcPort",
                "Role",
                "ClusterId",
                "Join",
                "Alive",
                "ReplayedJournalId",
                "LastHeartbeat",
                "IsHelper",
                "ErrMsg",
                "StartTime",
                "Version",
            ],
            vec![row.into_iter().map(Some).collect()],
        )
    }

    fn insert(
        &mut self,
        table: &TableRef,
        label: Option<String>,
        columns: Option<Vec<String>>,
        rows: Vec<Vec<Expr>>,
    ) -> Result<QueryResult, SqlError> {
        let (db, def) = self.table_def(table)?;
        if is_virtual_db(&db) {
            return Err(SqlError::analysis(format_args!(
                "Access denied; you can not insert into the system database '{db}'"
            )));
        }
        let targets: Vec<usize> = match &columns {
            None => (0..def.columns.len()).collect(),
            Some(names) => {
                let mut t = Vec::with_capacity(names.len());
                for n in names {
                    let Some(i) = def.column_index(n) else {
                        return Err(SqlError::analysis(format_args!(
                            "Unknown column '{n}' in '{}'",
                            def.name
                        )));
                    };
                    t.push(i);
                }
                t
            }
        };
        let empty: [(String, SqlType); 0] = [];
        let rel = Relation { columns: &empty };
        let mut ops = Vec::with_capacity(rows.len());
        for row in &rows {
            if row.len() != targets.len() {
                return Err(SqlError::analysis(format_args!(
                    "Column count doesn't match value count: {} columns, {} values",
                    targets.len(),
                    row.len()
                )));
            }
            let mut cells: Vec<Option<Cell>> = vec![None; def.columns.len()];
            for (expr, &ci) in row.iter().zip(&targets) {
                let v = self.eval(expr, &rel, None)?;
                let col = &def.columns[ci];
                let cell = match v.cell.to_text() {
                    None => Cell::Null,
                    Some(text) => convert_text(&text, &col.ty).map_err(|e| {
                        SqlError::analysis(format_args!(
                            "Insert has filtered data in strict mode: column '{}': {}",
                            col.name, e.reason
                        ))
                    })?,
                };
                cells[ci] = Some(cell);
            }
            let mut full = Vec::with_capacity(def.columns.len());
            for (cell, col) in cells.into_iter().zip(&def.columns) {
                let cell = match cell {
                    Some(c) => c,
                    None => match &col.default {
                        Some(DefaultValue::Literal(v)) => {
                            convert_text(v, &col.ty).unwrap_or(Cell::Null)
                        }
                        Some(DefaultValue::CurrentTimestamp) => {
                            Cell::DateTime(chrono::Local::now().naive_local())
                        }
                        _ => Cell::Null,
                    },
                };
                if cell.is_null() && !col.nullable {
                    return Err(SqlError::analysis(format_args!(
                        "Insert has filtered data in strict mode: NULL value in non-nullable \
                         column '{}'",
                        col.name
                    )));
                }
                full.push(cell);
            }
            ops.push(RowOp::Upsert(full));
        }
        let label = label.unwrap_or_else(|| {
            format!(
                "insert_{:016x}{:016x}",
                rand::random::<u64>(),
                rand::random::<u64>()
            )
        });
        let n = ops.len() as u64;
        self.ctx
            .catalog
            .begin(&db, &def.name, &label)
            .map_err(|e| catalog_error(e, &db))?;
        self.ctx
            .catalog
            .commit(&db, &label, ops)
            .map_err(|e| catalog_error(e, &db))?;
        Ok(QueryResult::Ok { affected_rows: n })
    }

    // --- SELECT --------------------------------------------------------------------------------

    fn select(&mut self, sel: &Select) -> Result<QueryResult, SqlError> {
        let Some(from) = &sel.from else {
            let no_cols: [(String, SqlType); 0] = [];
            let one_row: Vec<Cell> = Vec::new();
            return self.query(sel, &no_cols, std::iter::once(&one_row));
        };
        let db = self.db_or_current(from.db.as_deref())?;
        if is_information_schema(&db) {
            let (columns, rows) = self.information_schema(&from.name)?;
            return self.query(sel, &columns, rows.iter());
        }
        if is_virtual_db(&db) {
            return Err(SqlError::unknown_table(&db, &from.name));
        }
        if !self.ctx.catalog.database_exists(&db) {
            return Err(SqlError::unknown_database(&db));
        }
        let catalog = self.ctx.catalog.clone();
        catalog
            .with_table(&db, &from.name, |t| {
                let columns: Vec<(String, SqlType)> = t
                    .def
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), c.ty.clone()))
                    .collect();
                self.query(sel, &columns, t.rows())
            })
            .map_err(|e| catalog_error(e, &db))?
    }

    /// Runs a SELECT over rows. Must not touch the catalog (it may be locked by the caller).
    fn query<'r>(
        &mut self,
        sel: &Select,
        columns: &[(String, SqlType)],
        rows: impl Iterator<Item = &'r Vec<Cell>>,
    ) -> Result<QueryResult, SqlError> {
        let rel = Relation { columns };
        // Expand `*` and name the output columns.
        let mut items: Vec<(Expr, String)> = Vec::new();
        for it in &sel.items {
            match it {
                SelectItem::Wildcard => {
                    if columns.is_empty() {
                        return Err(SqlError::analysis("No tables used"));
                    }
                    items.extend(
                        columns
                            .iter()
                            .map(|(n, _)| (Expr::Column(n.clone()), n.clone())),
                    );
                }
                SelectItem::Expr { expr, text, alias } => {
                    items.push((expr.clone(), alias.clone().unwrap_or_else(|| text.clone())));
                }
            }
        }
        // Resolve ORDER BY: ordinals and aliases name select items.
        let mut order: Vec<(Expr, bool)> = Vec::new();
        for k in &sel.order_by {
            let e = match &k.expr {
                Expr::Lit(Lit::Num(n)) => {
                    let i: usize = n.parse().unwrap_or(0);
                    if i == 0 || i > items.len() {
                        return Err(SqlError::analysis(format_args!(
                            "ORDER BY position {n} is not in select list"
                        )));
                    }
                    items[i - 1].0.clone()
                }
                Expr::Column(c) if rel.index(c).is_none() => {
                    match items.iter().find(|(_, name)| name.eq_ignore_ascii_case(c)) {
                        Some((e, _)) => e.clone(),
                        None => k.expr.clone(),
                    }
                }
                other => other.clone(),
            };
            order.push((e, k.desc));
        }
        // Every column reference must resolve.
        let mut refs = Vec::new();
        items.iter().for_each(|(e, _)| e.columns(&mut refs));
        order.iter().for_each(|(e, _)| e.columns(&mut refs));
        sel.group_by.iter().for_each(|e| e.columns(&mut refs));
        if let Some(f) = &sel.filter {
            f.columns(&mut refs);
            if f.has_aggregate() {
                return Err(SqlError::analysis(
                    "WHERE clause cannot contain aggregations",
                ));
            }
        }
        if let Some(missing) = refs.iter().find(|c| rel.index(c).is_none()) {
            return Err(SqlError::analysis(format_args!(
                "Column '{missing}' cannot be resolved"
            )));
        }

        // Filter.
        let mut kept: Vec<&Vec<Cell>> = Vec::new();
        for row in rows {
            if let Some(f) = &sel.filter
                && self.eval(f, &rel, Some(row))?.truth() != Some(true)
            {
                continue;
            }
            kept.push(row);
        }

        let aggregate = !sel.group_by.is_empty() || items.iter().any(|(e, _)| e.has_aggregate());
        let out_types: Vec<ColType> = items.iter().map(|(e, _)| self.col_type(e, &rel)).collect();
        let mut out: Vec<Vec<V>> = Vec::new();
        if aggregate {
            // Group (one group for the whole input without GROUP BY, even when it is empty).
            let mut groups: Vec<Group<'_>> = Vec::new();
            if sel.group_by.is_empty() {
                groups.push((Vec::new(), kept));
            } else {
                for row in kept {
                    let key = sel
                        .group_by
                        .iter()
                        .map(|g| self.eval(g, &rel, Some(row)).map(|v| v.cell.to_text()))
                        .collect::<Result<Vec<_>, _>>()?;
                    match groups.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, g)) => g.push(row),
                        None => groups.push((key, vec![row])),
                    }
                }
            }
            for (e, name) in &items {
                if !e.has_aggregate() && !sel.group_by.contains(e) && {
                    let mut c = Vec::new();
                    e.columns(&mut c);
                    !c.is_empty()
                } {
                    return Err(SqlError::analysis(format_args!(
                        "'{name}' must be an aggregate expression or appear in GROUP BY clause"
                    )));
                }
            }
            for (_, group) in &groups {
                let mut row = Vec::with_capacity(items.len());
                for (e, _) in &items {
                    row.push(self.eval_agg(e, &rel, group)?);
                }
                out.push(row);
            }
            // ORDER BY over the output: keys must name output columns.
            if !order.is_empty() {
                let mut keys = Vec::new();
                for (e, desc) in &order {
                    let pos = items.iter().position(|(ie, name)| {
                        ie == e || matches!(e, Expr::Column(c) if name.eq_ignore_ascii_case(c))
                    });
                    match pos {
                        Some(p) => keys.push((p, *desc)),
                        None => {
                            return Err(SqlError::analysis(
                                "ORDER BY expression must appear in the select list of an \
                                 aggregate query",
                            ));
                        }
                    }
                }
                out.sort_by(|a, b| {
                    for (p, desc) in &keys {
                        let o = a[*p].cell.sort_cmp(&b[*p].cell);
                        let o = if *desc { o.reverse() } else { o };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    Ordering::Equal
                });
            }
        } else {
            if !order.is_empty() {
                let mut keyed = Vec::with_capacity(kept.len());
                for row in kept {
                    let k = order
                        .iter()
                        .map(|(e, _)| self.eval(e, &rel, Some(row)).map(|v| v.cell))
                        .collect::<Result<Vec<_>, _>>()?;
                    keyed.push((k, row));
                }
                keyed.sort_by(|(a, _), (b, _)| {
                    for (i, (_, desc)) in order.iter().enumerate() {
                        let o = a[i].sort_cmp(&b[i]);
                        let o = if *desc { o.reverse() } else { o };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    Ordering::Equal
                });
                kept = keyed.into_iter().map(|(_, r)| r).collect();
            }
            // Without DISTINCT, stop projecting once LIMIT is reached.
            let needed = match (sel.distinct, sel.limit) {
                (false, Some(l)) => Some(sel.offset.saturating_add(l) as usize),
                _ => None,
            };
            for row in kept {
                if needed.is_some_and(|n| out.len() >= n) {
                    break;
                }
                let mut r = Vec::with_capacity(items.len());
                for (e, _) in &items {
                    r.push(self.eval(e, &rel, Some(row))?);
                }
                out.push(r);
            }
        }
        let mut text: Vec<Vec<Option<String>>> = out
            .into_iter()
            .map(|r| r.into_iter().map(|v| v.cell.to_text()).collect())
            .collect();
        if sel.distinct {
            let mut seen = HashSet::new();
            text.retain(|r| seen.insert(r.clone()));
        }
        let text: Vec<Vec<Option<String>>> = text
            .into_iter()
            .skip(sel.offset as usize)
            .take(sel.limit.map_or(usize::MAX, |l| l as usize))
            .collect();
        Ok(QueryResult::Rows {
            columns: items.into_iter().map(|(_, n)| n).zip(out_types).collect(),
            rows: text,
        })
    }

    fn col_type(&self, e: &Expr, rel: &Relation<'_>) -> ColType {
        match e {
            Expr::Column(c) => rel
                .index(c)
                .map_or(ColType::Text, |i| col_type_of(&rel.columns[i].1)),
            Expr::Lit(Lit::Num(n)) if n.parse::<i64>().is_ok() => ColType::Int,
            Expr::Lit(Lit::Num(_)) => ColType::Decimal,
            Expr::Lit(Lit::Bool(_)) => ColType::Int,
            Expr::SysVar(v) => match SYSVARS.iter().find(|(n, _)| *n == sysvar_name(v)) {
                Some((_, SysVal::Int(_))) => ColType::Int,
                _ => ColType::Text,
            },
            Expr::Func { name, args, .. } => match name.as_str() {
                "count" | "connection_id" | "last_insert_id" => ColType::Int,
                "avg" => ColType::Double,
                "sum" => match args.first().map(|a| self.col_type(a, rel)) {
                    Some(ColType::Double) => ColType::Double,
                    _ => ColType::Decimal,
                },
                "min" | "max" => args
                    .first()
                    .map_or(ColType::Text, |a| self.col_type(a, rel)),
                _ => ColType::Text,
            },
            Expr::Cmp(..)
            | Expr::And(..)
            | Expr::Or(..)
            | Expr::Not(_)
            | Expr::IsNull(..)
            | Expr::In(..)
            | Expr::Like(..) => ColType::Int,
            Expr::Neg(inner) => self.col_type(inner, rel),
            _ => ColType::Text,
        }
    }

    fn eval_agg(
        &mut self,
        e: &Expr,
        rel: &Relation<'_>,
        rows: &[&Vec<Cell>],
    ) -> Result<V, SqlError> {
        let Expr::Func {
            name,
            args,
            distinct,
        } = e
        else {
            if e.has_aggregate() {
                return Err(SqlError::analysis(
                    "aggregate functions inside expressions are not supported by this StarRocks \
                     stand-in",
                ));
            }
            return self.eval(e, rel, rows.first().map(|r| r.as_slice()));
        };
        if !AGGREGATES.contains(&name.as_str()) {
            if e.has_aggregate() {
                return Err(SqlError::analysis(
                    "aggregate functions inside expressions are not supported by this StarRocks \
                     stand-in",
                ));
            }
            return self.eval(e, rel, rows.first().map(|r| r.as_slice()));
        }
        if name == "count" && args.as_slice() == [Expr::Star] {
            return Ok(V::untyped(Cell::Int(rows.len() as i128)));
        }
        if args.is_empty() || (name != "count" && args.len() != 1) {
            return Err(SqlError::analysis(format_args!(
                "No matching function with signature: {name}() with {} arguments",
                args.len()
            )));
        }
        // The argument values per row; NULLs are skipped by every aggregate.
        let mut values: Vec<Vec<V>> = Vec::with_capacity(rows.len());
        for row in rows {
            let vs = args
                .iter()
                .map(|a| self.eval(a, rel, Some(row)))
                .collect::<Result<Vec<_>, _>>()?;
            if vs.iter().any(|v| v.cell.is_null()) {
                continue;
            }
            values.push(vs);
        }
        if *distinct {
            let mut seen = HashSet::new();
            values
                .retain(|vs| seen.insert(vs.iter().map(|v| v.cell.to_text()).collect::<Vec<_>>()));
        }
        let first = || values.iter().map(|vs| &vs[0]);
        Ok(match name.as_str() {
            "count" => V::untyped(Cell::Int(values.len() as i128)),
            "min" | "max" => {
                let mut best: Option<&V> = None;
                for v in first() {
                    best = match best {
                        None => Some(v),
                        Some(b) => {
                            let o = v.cell.sort_cmp(&b.cell);
                            if (name == "min" && o == Ordering::Less)
                                || (name == "max" && o == Ordering::Greater)
                            {
                                Some(v)
                            } else {
                                Some(b)
                            }
                        }
                    };
                }
                best.cloned().unwrap_or_else(V::null)
            }
            "sum" => {
                if values.is_empty() {
                    return Ok(V::null());
                }
                let mut int_sum: Option<i128> = Some(0);
                let mut dec: Option<(i128, u8)> = None;
                let mut float_sum = 0.0;
                let mut all_int = true;
                let mut all_dec = true;
                for v in first() {
                    match &v.cell {
                        Cell::Int(i) => {
                            int_sum = int_sum.and_then(|s| s.checked_add(*i));
                            all_dec = false;
                        }
                        Cell::Decimal(x, s) => {
                            all_int = false;
                            dec = match dec {
                                None => Some((*x, *s)),
                                Some((acc, sc)) if sc == *s => Some((acc + x, sc)),
                                Some(_) => {
                                    all_dec = false;
                                    None
                                }
                            };
                        }
                        _ => {
                            all_int = false;
                            all_dec = false;
                        }
                    }
                    float_sum += v.cell.as_f64().unwrap_or(0.0);
                }
                match (all_int, all_dec, int_sum, dec) {
                    (true, _, Some(s), _) => V::untyped(Cell::Int(s)),
                    (false, true, _, Some((x, s))) => V::untyped(Cell::Decimal(x, s)),
                    _ => V::untyped(Cell::Float(float_sum)),
                }
            }
            "avg" => {
                if values.is_empty() {
                    return Ok(V::null());
                }
                let sum: f64 = first().map(|v| v.cell.as_f64().unwrap_or(0.0)).sum();
                V::untyped(Cell::Float(sum / values.len() as f64))
            }
            _ => unreachable!("checked against AGGREGATES"),
        })
    }

    fn eval(&mut self, e: &Expr, rel: &Relation<'_>, row: Option<&[Cell]>) -> Result<V, SqlError> {
        Ok(match e {
            Expr::Lit(l) => V::untyped(lit_cell(l)),
            Expr::Param(i) => V::untyped(self.params.get(*i).map_or(Cell::Null, param_cell)),
            Expr::SysVar(name) => self.sysvar(name)?,
            Expr::UserVar => V::null(),
            Expr::Star => {
                return Err(SqlError::analysis("'*' is only allowed in count(*)"));
            }
            Expr::Column(c) => {
                let Some(i) = rel.index(c) else {
                    return Err(SqlError::analysis(format_args!(
                        "Column '{c}' cannot be resolved"
                    )));
                };
                V {
                    cell: row.and_then(|r| r.get(i)).cloned().unwrap_or(Cell::Null),
                    ty: Some(rel.columns[i].1.clone()),
                }
            }
            Expr::Neg(inner) => {
                let v = self.eval(inner, rel, row)?;
                V::untyped(match v.cell {
                    Cell::Int(i) => Cell::Int(-i),
                    Cell::Float(x) => Cell::Float(-x),
                    Cell::Decimal(x, s) => Cell::Decimal(-x, s),
                    Cell::Null => Cell::Null,
                    other => other
                        .to_text()
                        .and_then(|t| t.trim().parse::<f64>().ok())
                        .map_or(Cell::Null, |x| Cell::Float(-x)),
                })
            }
            Expr::Cmp(a, op, b) => {
                let (x, y) = (self.eval(a, rel, row)?, self.eval(b, rel, row)?);
                if *op == CmpOp::NullSafeEq {
                    let both_null = x.cell.is_null() && y.cell.is_null();
                    return Ok(bool_v(Some(
                        both_null || compare(&x, &y) == Some(Ordering::Equal),
                    )));
                }
                bool_v(compare(&x, &y).map(|o| match op {
                    CmpOp::Eq | CmpOp::NullSafeEq => o == Ordering::Equal,
                    CmpOp::Ne => o != Ordering::Equal,
                    CmpOp::Lt => o == Ordering::Less,
                    CmpOp::Le => o != Ordering::Greater,
                    CmpOp::Gt => o == Ordering::Greater,
                    CmpOp::Ge => o != Ordering::Less,
                }))
            }
            Expr::And(a, b) => {
                let x = self.eval(a, rel, row)?.truth();
                if x == Some(false) {
                    return Ok(bool_v(Some(false)));
                }
                let y = self.eval(b, rel, row)?.truth();
                bool_v(match (x, y) {
                    (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                })
            }
            Expr::Or(a, b) => {
                let x = self.eval(a, rel, row)?.truth();
                if x == Some(true) {
                    return Ok(bool_v(Some(true)));
                }
                let y = self.eval(b, rel, row)?.truth();
                bool_v(match (x, y) {
                    (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                })
            }
            Expr::Not(inner) => bool_v(self.eval(inner, rel, row)?.truth().map(|b| !b)),
            Expr::IsNull(inner, neg) => {
                let is_null = self.eval(inner, rel, row)?.cell.is_null();
                bool_v(Some(is_null != *neg))
            }
            Expr::In(inner, list, neg) => {
                let x = self.eval(inner, rel, row)?;
                if x.cell.is_null() {
                    return Ok(V::null());
                }
                let mut found = false;
                let mut saw_null = false;
                for item in list {
                    let y = self.eval(item, rel, row)?;
                    match compare(&x, &y) {
                        Some(Ordering::Equal) => {
                            found = true;
                            break;
                        }
                        None => saw_null = true,
                        _ => {}
                    }
                }
                if found {
                    bool_v(Some(!*neg))
                } else if saw_null {
                    V::null()
                } else {
                    bool_v(Some(*neg))
                }
            }
            Expr::Like(inner, pat, neg) => {
                let (x, p) = (self.eval(inner, rel, row)?, self.eval(pat, rel, row)?);
                match (x.cell.to_text(), p.cell.to_text()) {
                    (Some(s), Some(p)) => bool_v(Some(like_match(&s, &p, false) != *neg)),
                    _ => V::null(),
                }
            }
            Expr::Func {
                name,
                args,
                distinct: _,
            } => {
                if AGGREGATES.contains(&name.as_str()) {
                    return Err(SqlError::analysis(format_args!(
                        "aggregate function {name}() is not allowed here"
                    )));
                }
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, rel, row)?);
                }
                self.call(name, vals)?
            }
        })
    }

    fn call(&mut self, name: &str, args: Vec<V>) -> Result<V, SqlError> {
        let arity = |n: usize| -> Result<(), SqlError> {
            if args.len() == n {
                Ok(())
            } else {
                Err(SqlError::analysis(format_args!(
                    "No matching function with signature: {name}() with {} arguments",
                    args.len()
                )))
            }
        };
        let info = &self.ctx.info;
        Ok(match name {
            "current_version" => {
                arity(0)?;
                V::text(info.current_version())
            }
            "version" => {
                arity(0)?;
                V::text(MYSQL_SERVER_VERSION)
            }
            "database" | "schema" => {
                arity(0)?;
                V::untyped(
                    self.session
                        .current_db
                        .clone()
                        .map_or(Cell::Null, Cell::Str),
                )
            }
            "connection_id" => {
                arity(0)?;
                V::untyped(Cell::Int(i128::from(self.session.connection_id)))
            }
            "user" | "current_user" | "session_user" | "system_user" => {
                arity(0)?;
                V::text(format!("'{}'@'%'", self.session.user))
            }
            "now" | "current_timestamp" | "localtime" | "localtimestamp" | "sysdate" => {
                V::text(chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string())
            }
            "curdate" | "current_date" => {
                arity(0)?;
                V::text(chrono::Local::now().format("%Y-%m-%d").to_string())
            }
            "last_insert_id" => V::untyped(Cell::Int(0)),
            "lower" | "lcase" | "upper" | "ucase" => {
                arity(1)?;
                let up = name.starts_with('u');
                V::untyped(match args[0].cell.to_text() {
                    None => Cell::Null,
                    Some(s) if up => Cell::Str(s.to_uppercase()),
                    Some(s) => Cell::Str(s.to_lowercase()),
                })
            }
            "length" | "char_length" | "character_length" => {
                arity(1)?;
                V::untyped(match args[0].cell.to_text() {
                    None => Cell::Null,
                    Some(s) if name == "length" => Cell::Int(s.len() as i128),
                    Some(s) => Cell::Int(s.chars().count() as i128),
                })
            }
            "concat" => {
                let mut out = String::new();
                for a in &args {
                    match a.cell.to_text() {
                        Some(t) => out.push_str(&t),
                        None => return Ok(V::null()),
                    }
                }
                V::text(out)
            }
            "coalesce" | "ifnull" => args
                .into_iter()
                .find(|a| !a.cell.is_null())
                .unwrap_or_else(V::null),
            _ => {
                return Err(SqlError::analysis(format_args!(
                    "No matching function with signature: {name}()"
                )));
            }
        })
    }

    fn sysvar(&self, raw: &str) -> Result<V, SqlError> {
        let name = sysvar_name(raw);
        let Some((_, val)) = SYSVARS.iter().find(|(n, _)| *n == name) else {
            return Err(SqlError::unknown_variable(&name));
        };
        let info = &self.ctx.info;
        Ok(match val {
            SysVal::Int(i) => V::untyped(Cell::Int(i128::from(*i))),
            SysVal::Text(t) => V::text(*t),
            SysVal::VersionComment => V::text(format!("StarRocks version {}", info.version)),
            SysVal::Port => V::untyped(Cell::Int(i128::from(info.mysql_addr.port()))),
            SysVal::HaveSsl => V::text(if self.ctx.tls.is_some() {
                "YES"
            } else {
                "DISABLED"
            }),
            SysVal::RequireSecure => V::text(if info.require_secure_transport {
                "ON"
            } else {
                "OFF"
            }),
        })
    }

    // --- information_schema ------------------------------------------------------------------

    fn information_schema(&self, table: &str) -> Result<(Columns, Vec<Vec<Cell>>), SqlError> {
        let s = |v: &str| Cell::Str(v.to_string());
        let opt_int = |v: Option<u64>| v.map_or(Cell::Null, |n| Cell::Int(i128::from(n)));
        let cols = |names: &[(&str, SqlType)]| -> Vec<(String, SqlType)> {
            names
                .iter()
                .map(|(n, t)| ((*n).to_string(), t.clone()))
                .collect()
        };
        let catalog = &self.ctx.catalog;
        let mut dbs: Vec<String> = VIRTUAL_DBS.iter().map(|d| (*d).to_string()).collect();
        dbs.extend(catalog.database_names());
        match table.to_ascii_lowercase().as_str() {
            "schemata" => {
                let columns = cols(&[
                    ("CATALOG_NAME", SqlType::String),
                    ("SCHEMA_NAME", SqlType::String),
                    ("DEFAULT_CHARACTER_SET_NAME", SqlType::String),
                    ("DEFAULT_COLLATION_NAME", SqlType::String),
                    ("SQL_PATH", SqlType::String),
                ]);
                let rows = dbs
                    .iter()
                    .map(|d| vec![s("def"), s(d), s("utf8"), s("utf8_general_ci"), Cell::Null])
                    .collect();
                Ok((columns, rows))
            }
            "tables" => {
                let columns = cols(&[
                    ("TABLE_CATALOG", SqlType::String),
                    ("TABLE_SCHEMA", SqlType::String),
                    ("TABLE_NAME", SqlType::String),
                    ("TABLE_TYPE", SqlType::String),
                    ("ENGINE", SqlType::String),
                    ("VERSION", SqlType::BigInt),
                    ("ROW_FORMAT", SqlType::String),
                    ("TABLE_ROWS", SqlType::BigInt),
                    ("AVG_ROW_LENGTH", SqlType::BigInt),
                    ("DATA_LENGTH", SqlType::BigInt),
                    ("CREATE_TIME", SqlType::DateTime),
                    ("UPDATE_TIME", SqlType::DateTime),
                    ("TABLE_COLLATION", SqlType::String),
                    ("TABLE_COMMENT", SqlType::String),
                ]);
                let mut rows = Vec::new();
                for t in INFO_TABLES {
                    rows.push(vec![
                        s("def"),
                        s("information_schema"),
                        s(t),
                        s("SYSTEM VIEW"),
                        s("MEMORY"),
                        Cell::Null,
                        Cell::Null,
                        Cell::Int(0),
                        Cell::Int(0),
                        Cell::Int(0),
                        Cell::Null,
                        Cell::Null,
                        s("utf8_general_ci"),
                        s(""),
                    ]);
                }
                for db in catalog.database_names() {
                    for t in catalog.table_names(&db).unwrap_or_default() {
                        let Ok((count, comment)) = catalog
                            .with_table(&db, &t, |tb| (tb.row_count(), tb.def.comment.clone()))
                        else {
                            continue;
                        };
                        rows.push(vec![
                            s("def"),
                            s(&db),
                            s(&t),
                            s("BASE TABLE"),
                            s("StarRocks"),
                            Cell::Null,
                            Cell::Null,
                            Cell::Int(count as i128),
                            Cell::Int(0),
                            Cell::Int(0),
                            Cell::Null,
                            Cell::Null,
                            s("utf8_general_ci"),
                            s(&comment),
                        ]);
                    }
                }
                Ok((columns, rows))
            }
            "columns" => {
                let columns = cols(&[
                    ("TABLE_CATALOG", SqlType::String),
                    ("TABLE_SCHEMA", SqlType::String),
                    ("TABLE_NAME", SqlType::String),
                    ("COLUMN_NAME", SqlType::String),
                    ("ORDINAL_POSITION", SqlType::BigInt),
                    ("COLUMN_DEFAULT", SqlType::String),
                    ("IS_NULLABLE", SqlType::String),
                    ("DATA_TYPE", SqlType::String),
                    ("CHARACTER_MAXIMUM_LENGTH", SqlType::BigInt),
                    ("CHARACTER_OCTET_LENGTH", SqlType::BigInt),
                    ("NUMERIC_PRECISION", SqlType::BigInt),
                    ("NUMERIC_SCALE", SqlType::BigInt),
                    ("DATETIME_PRECISION", SqlType::BigInt),
                    ("CHARACTER_SET_NAME", SqlType::String),
                    ("COLLATION_NAME", SqlType::String),
                    ("COLUMN_TYPE", SqlType::String),
                    ("COLUMN_KEY", SqlType::String),
                    ("EXTRA", SqlType::String),
                    ("PRIVILEGES", SqlType::String),
                    ("COLUMN_COMMENT", SqlType::String),
                    ("COLUMN_SIZE", SqlType::BigInt),
                    ("DECIMAL_DIGITS", SqlType::BigInt),
                    ("GENERATION_EXPRESSION", SqlType::String),
                    ("SRS_ID", SqlType::BigInt),
                ]);
                let mut rows = Vec::new();
                for db in catalog.database_names() {
                    for t in catalog.table_names(&db).unwrap_or_default() {
                        let Ok(def) = catalog.table_def(&db, &t) else {
                            continue;
                        };
                        for (i, c) in def.columns.iter().enumerate() {
                            let is_text = matches!(
                                c.ty,
                                SqlType::Char(_) | SqlType::Varchar(_) | SqlType::String
                            );
                            let default = match &c.default {
                                None => Cell::Null,
                                Some(DefaultValue::Literal(v)) => s(v),
                                Some(DefaultValue::CurrentTimestamp) => s("CURRENT_TIMESTAMP"),
                                Some(DefaultValue::Expr(e)) => s(e),
                            };
                            let key = if def.is_key(&c.name) {
                                def.keys_type.column_key()
                            } else {
                                ""
                            };
                            let extra = match (c.agg, c.auto_increment) {
                                (Some(a), _) => a.sql(),
                                (None, true) => "auto_increment",
                                _ => "",
                            };
                            let numeric = c.ty.is_numeric();
                            rows.push(vec![
                                s("def"),
                                s(&db),
                                s(&t),
                                s(&c.name),
                                Cell::Int(i as i128 + 1),
                                default,
                                s(if c.nullable { "YES" } else { "NO" }),
                                s(&c.ty.data_type_name()),
                                if is_text {
                                    opt_int(c.ty.column_size())
                                } else {
                                    Cell::Null
                                },
                                if is_text {
                                    opt_int(c.ty.column_size())
                                } else {
                                    Cell::Null
                                },
                                if numeric {
                                    opt_int(c.ty.column_size())
                                } else {
                                    Cell::Null
                                },
                                if numeric {
                                    opt_int(c.ty.decimal_digits())
                                } else {
                                    Cell::Null
                                },
                                if c.ty == SqlType::DateTime {
                                    Cell::Int(0)
                                } else {
                                    Cell::Null
                                },
                                if is_text { s("utf8") } else { Cell::Null },
                                if is_text {
                                    s("utf8_general_ci")
                                } else {
                                    Cell::Null
                                },
                                s(&c.ty.to_string()),
                                s(key),
                                s(extra),
                                s("SELECT,INSERT,UPDATE,REFERENCES"),
                                s(&c.comment),
                                opt_int(c.ty.column_size()),
                                opt_int(c.ty.decimal_digits()),
                                Cell::Null,
                                Cell::Null,
                            ]);
                        }
                    }
                }
                Ok((columns, rows))
            }
            _ => Err(SqlError::unknown_table("information_schema", table)),
        }
    }
}

const INFO_TABLES: &[&str] = &["COLUMNS", "SCHEMATA", "TABLES"];

fn text_rows(cols: &[&str], rows: Vec<Vec<Option<String>>>) -> QueryResult {
    QueryResult::Rows {
        columns: cols
            .iter()
            .map(|c| ((*c).to_string(), ColType::Text))
            .collect(),
        rows,
    }
}

fn fmt_ms(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// System variables
// ---------------------------------------------------------------------------------------------

/// The handshake version and `select version()` (FE `Config.mysql_server_version`).
pub const MYSQL_SERVER_VERSION: &str = "5.1.0";

enum SysVal {
    Int(i64),
    Text(&'static str),
    VersionComment,
    Port,
    HaveSsl,
    RequireSecure,
}

/// `@@session.x` / `@@global.x` / `@@X` → `x`.
fn sysvar_name(raw: &str) -> String {
    let lower = raw.to_ascii_lowercase();
    for scope in ["session.", "global.", "local."] {
        if let Some(rest) = lower.strip_prefix(scope) {
            return rest.to_string();
        }
    }
    lower
}

/// The variables `@@` reads and `SHOW VARIABLES` answer, sorted by name.
const SYSVARS: &[(&str, SysVal)] = &[
    ("auto_increment_increment", SysVal::Int(1)),
    ("autocommit", SysVal::Int(1)),
    ("character_set_client", SysVal::Text("utf8")),
    ("character_set_connection", SysVal::Text("utf8")),
    ("character_set_database", SysVal::Text("utf8")),
    ("character_set_results", SysVal::Text("utf8")),
    ("character_set_server", SysVal::Text("utf8")),
    ("collation_connection", SysVal::Text("utf8_general_ci")),
    ("collation_database", SysVal::Text("utf8_general_ci")),
    ("collation_server", SysVal::Text("utf8_general_ci")),
    ("default_storage_engine", SysVal::Text("olap")),
    ("div_precision_increment", SysVal::Int(4)),
    ("error_count", SysVal::Int(0)),
    ("have_ssl", SysVal::HaveSsl),
    ("init_connect", SysVal::Text("")),
    ("interactive_timeout", SysVal::Int(3600)),
    ("language", SysVal::Text("/starrocks/share/english/")),
    ("license", SysVal::Text("Apache License 2.0")),
    ("lower_case_table_names", SysVal::Int(0)),
    ("max_allowed_packet", SysVal::Int(67_108_864)),
    ("max_execution_time", SysVal::Int(3_000_000)),
    ("net_buffer_length", SysVal::Int(16384)),
    ("net_read_timeout", SysVal::Int(60)),
    ("net_write_timeout", SysVal::Int(60)),
    ("performance_schema", SysVal::Int(0)),
    ("port", SysVal::Port),
    ("query_cache_size", SysVal::Int(0)),
    ("query_cache_type", SysVal::Text("OFF")),
    ("query_timeout", SysVal::Int(300)),
    ("require_secure_transport", SysVal::RequireSecure),
    // Empty, not NULL: the `mysql` crate reads it as a String (and skips an empty one).
    ("socket", SysVal::Text("")),
    ("sql_auto_is_null", SysVal::Int(0)),
    ("sql_mode", SysVal::Text("")),
    ("sql_select_limit", SysVal::Int(i64::MAX)),
    ("system_time_zone", SysVal::Text("UTC")),
    ("time_zone", SysVal::Text("Asia/Shanghai")),
    ("transaction_isolation", SysVal::Text("REPEATABLE-READ")),
    ("transaction_read_only", SysVal::Int(0)),
    ("tx_isolation", SysVal::Text("REPEATABLE-READ")),
    ("tx_read_only", SysVal::Int(0)),
    ("version", SysVal::Text(MYSQL_SERVER_VERSION)),
    ("version_comment", SysVal::VersionComment),
    ("wait_timeout", SysVal::Int(28800)),
    ("warning_count", SysVal::Int(0)),
];

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::faults::Faults;
    use crate::{SimContext, SimInfo};
    use std::sync::Arc;

    const SEED_DDL: &str = r#"CREATE TABLE stock (
    `EVENT_TIME` datetime NOT NULL,
    `TICKER` varchar(65533) NOT NULL,
    `PRICE` float NULL
) ENGINE=OLAP 
DUPLICATE KEY(`EVENT_TIME`)
DISTRIBUTED BY HASH(`EVENT_TIME`) BUCKETS 2
PROPERTIES (
    "replication_num" = "1"
);"#;

    fn ctx() -> SimContext {
        let addr: std::net::SocketAddr = "127.0.0.1:9030".parse().unwrap();
        SimContext {
            info: SimInfo {
                version: "3.3.5".into(),
                commit_hash: "a1b2c3d".into(),
                user: "root".into(),
                password: String::new(),
                mysql_addr: addr,
                http_addr: "127.0.0.1:8030".parse().unwrap(),
                be_addr: "127.0.0.1:8040".parse().unwrap(),
                be_host: "127.0.0.1".into(),
                be_redirect_port: 8040,
                https: false,
                require_secure_transport: false,
                insert_grants: None,
                started_ms: 0,
                max_json_bytes: crate::load::DEFAULT_MAX_JSON_BYTES,
            },
            catalog: Arc::new(Catalog::in_memory()),
            faults: Arc::new(Faults::default()),
            tls: None,
        }
    }

    fn session() -> Session {
        Session {
            user: "root".into(),
            connection_id: 7,
            ..Default::default()
        }
    }

    fn rows_of(r: QueryResult) -> Vec<Vec<Option<String>>> {
        match r {
            QueryResult::Rows { rows, .. } => rows,
            other => panic!("expected rows, got {other:?}"),
        }
    }

    fn one(ctx: &SimContext, s: &mut Session, sql: &str) -> String {
        let r = rows_of(execute(ctx, s, sql).unwrap());
        r[0][0].clone().unwrap_or_else(|| "NULL".into())
    }

    fn err(ctx: &SimContext, s: &mut Session, sql: &str) -> SqlError {
        execute(ctx, s, sql).expect_err(sql)
    }

    fn seeded() -> (SimContext, Session) {
        let c = ctx();
        let mut s = session();
        execute(&c, &mut s, "CREATE DATABASE IF NOT EXISTS example_db;").unwrap();
        execute(&c, &mut s, "USE example_db;").unwrap();
        execute(&c, &mut s, SEED_DDL).unwrap();
        (c, s)
    }

    #[test]
    fn seed_ddl_parses_verbatim() {
        let (c, _) = seeded();
        let def = c.catalog.table_def("example_db", "stock").unwrap();
        assert_eq!(def.keys_type, KeysType::Duplicate);
        assert_eq!(def.key_columns, vec!["EVENT_TIME"]);
        assert_eq!(def.columns.len(), 3);
        assert_eq!(def.columns[1].ty, SqlType::Varchar(65533));
        assert!(!def.columns[1].nullable);
        assert!(def.columns[2].nullable);
        assert_eq!(def.columns[2].ty, SqlType::Float);
        assert_eq!(
            def.distribution,
            Some(Distribution::Hash {
                columns: vec!["EVENT_TIME".into()],
                buckets: Some(2)
            })
        );
        assert_eq!(def.properties, vec![("replication_num".into(), "1".into())]);
    }

    #[test]
    fn version_and_variables() {
        let c = ctx();
        let mut s = session();
        let r = execute(&c, &mut s, "select current_version() as ver;").unwrap();
        let QueryResult::Rows { columns, rows } = r else {
            panic!()
        };
        assert_eq!(columns, vec![("ver".to_string(), ColType::Text)]);
        assert_eq!(rows[0][0].as_deref(), Some("3.3.5 a1b2c3d"));
        assert_eq!(
            one(&c, &mut s, "select @@version_comment limit 1"),
            "StarRocks version 3.3.5"
        );
        assert_eq!(one(&c, &mut s, "SELECT version()"), "5.1.0");
        let r = execute(
            &c,
            &mut s,
            "SELECT @@max_allowed_packet,@@wait_timeout,@@socket",
        )
        .unwrap();
        let QueryResult::Rows { columns, rows } = r else {
            panic!()
        };
        assert_eq!(
            columns[0],
            ("@@max_allowed_packet".to_string(), ColType::Int)
        );
        assert_eq!(
            rows[0],
            vec![
                Some("67108864".into()),
                Some("28800".into()),
                Some(String::new())
            ]
        );
        let r = execute(
            &c,
            &mut s,
            "SELECT @@session.auto_increment_increment AS auto_increment_increment, \
             @@character_set_client AS character_set_client, @@tx_isolation AS tx_isolation",
        )
        .unwrap();
        let QueryResult::Rows { columns, rows: r } = r else {
            panic!()
        };
        assert_eq!(columns[0].0, "auto_increment_increment");
        assert_eq!(r[0][1].as_deref(), Some("utf8"));
        assert_eq!(r[0][2].as_deref(), Some("REPEATABLE-READ"));
        let e = err(&c, &mut s, "select @@nosuch");
        assert_eq!(
            (e.code, e.message.as_str()),
            (1193, "Unknown system variable 'nosuch'")
        );
        assert_eq!(one(&c, &mut s, "select 1"), "1");
        assert_eq!(one(&c, &mut s, "select user()"), "'root'@'%'");
        assert_eq!(one(&c, &mut s, "select connection_id()"), "7");
        assert_eq!(one(&c, &mut s, "select database()"), "NULL");
        assert!(matches!(
            execute(&c, &mut s, "SET NAMES utf8mb4").unwrap(),
            QueryResult::Ok { .. }
        ));
        assert!(matches!(
            execute(&c, &mut s, "set session query_timeout = 600").unwrap(),
            QueryResult::Ok { .. }
        ));
        let vars = rows_of(execute(&c, &mut s, "show variables like '%timeout%'").unwrap());
        assert!(vars.iter().any(|r| r[0].as_deref() == Some("wait_timeout")));
        let vars = rows_of(
            execute(
                &c,
                &mut s,
                "SHOW VARIABLES WHERE Variable_name = 'time_zone'",
            )
            .unwrap(),
        );
        assert_eq!(
            vars,
            vec![vec![Some("time_zone".into()), Some("Asia/Shanghai".into())]]
        );
    }

    /// What JDBC (Connector/J 8, as the Flink connector uses it), sqlx and mysql_async send on
    /// connect.
    #[test]
    fn driver_connect_queries() {
        let c = ctx();
        let mut s = session();
        let jdbc = "/* mysql-connector-java-8.0.28 (Revision: 7ff2161da3899f379fb3171b6538b191b1c5c7e2) \
                    */SELECT  @@session.auto_increment_increment AS auto_increment_increment, \
                    @@character_set_client AS character_set_client, @@character_set_connection AS \
                    character_set_connection, @@character_set_results AS character_set_results, \
                    @@character_set_server AS character_set_server, @@collation_server AS \
                    collation_server, @@collation_connection AS collation_connection, \
                    @@init_connect AS init_connect, @@interactive_timeout AS interactive_timeout, \
                    @@license AS license, @@lower_case_table_names AS lower_case_table_names, \
                    @@max_allowed_packet AS max_allowed_packet, @@net_write_timeout AS \
                    net_write_timeout, @@performance_schema AS performance_schema, \
                    @@query_cache_size AS query_cache_size, @@query_cache_type AS \
                    query_cache_type, @@sql_mode AS sql_mode, @@system_time_zone AS \
                    system_time_zone, @@time_zone AS time_zone, @@transaction_isolation AS \
                    transaction_isolation, @@wait_timeout AS wait_timeout";
        let r = execute(&c, &mut s, jdbc).unwrap();
        let QueryResult::Rows { columns, rows: r } = r else {
            panic!()
        };
        assert_eq!(columns.len(), 21);
        assert_eq!(columns[20].0, "wait_timeout");
        assert_eq!(r[0][9].as_deref(), Some("Apache License 2.0"));
        for sql in [
            "SET NAMES utf8mb4",
            "SET character_set_results = NULL",
            "SET autocommit=1",
            "SET sql_mode=(SELECT CONCAT(@@sql_mode, ',PIPES_AS_CONCAT,NO_ENGINE_SUBSTITUTION')),\
             time_zone='+00:00',NAMES utf8mb4 COLLATE utf8mb4_unicode_ci",
        ] {
            assert_eq!(
                execute(&c, &mut s, sql).unwrap(),
                QueryResult::Ok { affected_rows: 0 },
                "{sql}"
            );
        }
        assert_eq!(one(&c, &mut s, "SELECT @@session.tx_read_only"), "0");
        let old_jdbc = rows_of(
            execute(
                &c,
                &mut s,
                "SHOW VARIABLES WHERE Variable_name ='language' OR Variable_name = \
                 'net_write_timeout' OR Variable_name = 'interactive_timeout'",
            )
            .unwrap(),
        );
        assert_eq!(old_jdbc.len(), 3);
    }

    #[test]
    fn show_and_describe() {
        let (c, mut s) = seeded();
        assert_eq!(one(&c, &mut s, "select database()"), "example_db");
        let dbs = rows_of(execute(&c, &mut s, "SHOW DATABASES").unwrap());
        let names: Vec<_> = dbs.iter().map(|r| r[0].clone().unwrap()).collect();
        assert!(names.contains(&"information_schema".to_string()));
        assert!(names.contains(&"_statistics_".to_string()));
        assert!(names.contains(&"example_db".to_string()));
        let r = execute(&c, &mut s, "show tables").unwrap();
        let QueryResult::Rows { columns, rows: t } = r else {
            panic!()
        };
        assert_eq!(columns[0].0, "Tables_in_example_db");
        assert_eq!(t, vec![vec![Some("stock".into())]]);
        let d = rows_of(execute(&c, &mut s, "DESC example_db.stock").unwrap());
        assert_eq!(
            d[0],
            vec![
                Some("EVENT_TIME".into()),
                Some("datetime".into()),
                Some("NO".into()),
                Some("true".into()),
                None,
                Some(String::new())
            ]
        );
        assert_eq!(d[2][2].as_deref(), Some("YES"));
        assert_eq!(d[2][3].as_deref(), Some("false"));
        let sc = rows_of(execute(&c, &mut s, "SHOW CREATE TABLE stock").unwrap());
        assert_eq!(sc[0][0].as_deref(), Some("stock"));
        assert!(
            sc[0][1]
                .as_ref()
                .unwrap()
                .contains("DUPLICATE KEY(`EVENT_TIME`)")
        );
        let b = execute(&c, &mut s, "SHOW BACKENDS").unwrap();
        let QueryResult::Rows { columns, rows: b } = b else {
            panic!()
        };
        assert_eq!(columns.len(), 23);
        assert_eq!(b[0][1].as_deref(), Some("127.0.0.1"));
        assert_eq!(b[0][4].as_deref(), Some("8040"));
        assert_eq!(b[0][18].as_deref(), Some("3.3.5-a1b2c3d"));
        let f = execute(&c, &mut s, "SHOW FRONTENDS").unwrap();
        let QueryResult::Rows { columns, rows: f } = f else {
            panic!()
        };
        assert_eq!(columns.len(), 16);
        assert_eq!(f[0][4].as_deref(), Some("9030"));
        assert_eq!(f[0][6].as_deref(), Some("LEADER"));
        let g = rows_of(execute(&c, &mut s, "SHOW GRANTS").unwrap());
        assert_eq!(
            g,
            vec![vec![
                Some("'root'@'%'".into()),
                None,
                Some("GRANT 'root' TO 'root'@'%'".into())
            ]]
        );
    }

    #[test]
    fn grants_for_a_limited_user() {
        let mut c = ctx();
        c.info.user = "loader".into();
        c.info.insert_grants = Some(vec!["example_db.stock".into(), "other.*".into()]);
        let mut s = session();
        let g = rows_of(execute(&c, &mut s, "show grants").unwrap());
        assert_eq!(
            g[0][2].as_deref(),
            Some("GRANT SELECT, INSERT ON TABLE example_db.stock TO USER 'loader'@'%'")
        );
        assert_eq!(g[0][1].as_deref(), Some("default"));
        assert!(g.iter().any(|r| r[2].as_deref()
            == Some("GRANT CREATE TABLE ON DATABASE other TO USER 'loader'@'%'")));
    }

    #[test]
    fn errors_have_starrocks_codes() {
        let c = ctx();
        let mut s = session();
        let e = err(&c, &mut s, "FROBNICATE everything");
        assert_eq!(e.code, 1064);
        assert_eq!(e.sqlstate, "42000");
        assert!(
            e.message
                .starts_with("Getting syntax error at line 1, column 0."),
            "{}",
            e.message
        );
        assert!(e.message.contains("'FROBNICATE'"));
        let e = err(&c, &mut s, "use nosuchdb");
        assert_eq!(
            (e.code, e.message.as_str()),
            (1049, "Unknown database 'nosuchdb'")
        );
        let e = err(&c, &mut s, "show tables");
        assert_eq!(e.code, 1046);
        let e = err(&c, &mut s, "create table t (a int)");
        assert_eq!((e.code, e.message.as_str()), (1046, "No database selected"));
        let e = err(&c, &mut s, "select * from nosuch.t");
        assert_eq!(e.code, 1049);
        execute(&c, &mut s, "create database d").unwrap();
        let e = err(&c, &mut s, "select * from d.t");
        assert_eq!(e.code, 1064);
        assert_eq!(
            e.message,
            "Getting analyzing error. Detail message: Unknown table 'd.t'."
        );
        let e = err(&c, &mut s, "create database d");
        assert_eq!(e.code, 1007);
        assert!(err(&c, &mut s, "SHOW PROCESSLIST").code == 1064);
    }

    fn ddl_err(sql: &str) -> String {
        let c = ctx();
        let mut s = session();
        execute(&c, &mut s, "create database d").unwrap();
        execute(&c, &mut s, "use d").unwrap();
        let e = err(&c, &mut s, sql);
        assert_eq!(e.code, 1064, "{sql}: {e}");
        e.message
    }

    #[test]
    fn bad_ddl_names_the_problem() {
        let m = ddl_err("create table t (a int, b float) duplicate key(b)");
        assert!(m.contains("ordered prefix"), "{m}");
        let m = ddl_err("create table t (a float, b int) duplicate key(a)");
        assert!(m.contains("float or double can not used as a key"), "{m}");
        let m = ddl_err("create table t (a int, b int) primary key(c)");
        assert!(m.contains("'c'"), "{m}");
        let m = ddl_err("create table t (a int, b int sum) duplicate key(a)");
        assert!(m.contains("aggregate type SUM"), "{m}");
        let m = ddl_err("create table t (a int, b int) aggregate key(a)");
        assert!(m.contains("non-key column[b]"), "{m}");
        let m = ddl_err("create table t (a int, a int)");
        assert!(m.contains("Duplicate column name 'a'"), "{m}");
        let m = ddl_err("create table t (__op int)");
        assert!(m.contains("reserved"), "{m}");
        let m = ddl_err("create table t (`a-b` int)");
        assert!(m.contains("Incorrect column name 'a-b'"), "{m}");
        let m = ddl_err("create table t (a int, b int) primary key(a) distributed by hash(b)");
        assert!(
            m.contains("Distribution column[b] is not key column"),
            "{m}"
        );
        let m = ddl_err("create table t (a int) distributed by hash(z) buckets 1");
        assert!(m.contains("Distribution column[z] does not exist"), "{m}");
        let m = ddl_err("create table t (a decimal(40, 2))");
        assert!(m.contains("precision"), "{m}");
        let m = ddl_err("create table t (a varchar(2000000))");
        assert!(m.contains("length"), "{m}");
        let m = ddl_err("create table t (a char(256))");
        assert!(m.contains("CHAR"), "{m}");
        let m = ddl_err("create table t (a int null, b int) primary key(a)");
        assert!(m.contains("cannot be nullable"), "{m}");
        let m = ddl_err("create table t (a int, b int as a + 1)");
        assert!(m.contains("generated columns"), "{m}");
        let m = ddl_err("create temporary table t (a int)");
        assert!(m.contains("TEMPORARY"), "{m}");
        let m = ddl_err("create table t (a int, b json) duplicate key(a, b)");
        assert!(m.contains("key"), "{m}");
        let m = ddl_err("create table t (a int, b int) primary key(a) distributed by random");
        assert!(m.contains("RANDOM"), "{m}");
        let m = ddl_err("create table t (a frobtype)");
        assert!(m.starts_with("Getting syntax error"), "{m}");
        let m = ddl_err("create table t (a int default 'x')");
        assert!(m.contains("Invalid default value for 'a'"), "{m}");
    }

    #[test]
    fn full_create_table_grammar() {
        let c = ctx();
        let mut s = session();
        execute(&c, &mut s, "create database d").unwrap();
        execute(
            &c,
            &mut s,
            r#"CREATE TABLE IF NOT EXISTS d.orders (
                -- the key
                order_id BIGINT NOT NULL COMMENT "id",
                dt DATE NOT NULL,
                /* values */
                amount DECIMAL(18, 2) DEFAULT "0",
                note VARCHAR(200) DEFAULT (uuid()),
                created DATETIME DEFAULT CURRENT_TIMESTAMP,
                tags ARRAY<VARCHAR(20)>,
                props MAP<VARCHAR(10), STRUCT<a INT, b ARRAY<INT>>>,
                n int(11) NULL,
                seq bigint AUTO_INCREMENT,
                INDEX idx_note (note) USING BITMAP COMMENT 'bitmap'
            ) ENGINE=OLAP
            PRIMARY KEY(order_id, dt)
            COMMENT "orders table"
            PARTITION BY RANGE(dt) (
                PARTITION p1 VALUES LESS THAN ("2024-01-01"),
                PARTITION p2 VALUES LESS THAN ("2025-01-01")
            )
            DISTRIBUTED BY HASH(order_id) BUCKETS 8
            ORDER BY (dt, amount)
            PROPERTIES ("replication_num" = "1", "enable_persistent_index" = "true");"#,
        )
        .unwrap();
        let def = c.catalog.table_def("d", "orders").unwrap();
        assert_eq!(def.keys_type, KeysType::Primary);
        assert!(!def.columns[0].nullable && !def.columns[1].nullable);
        assert!(def.columns[2].nullable);
        assert_eq!(
            def.columns[2].ty,
            SqlType::Decimal {
                precision: 18,
                scale: 2
            }
        );
        assert_eq!(
            def.columns[3].default,
            Some(DefaultValue::Expr("uuid()".into()))
        );
        assert_eq!(def.columns[4].default, Some(DefaultValue::CurrentTimestamp));
        assert_eq!(
            def.columns[5].ty,
            SqlType::Complex("ARRAY<VARCHAR(20)>".into())
        );
        assert_eq!(def.columns[7].ty, SqlType::Int);
        assert!(def.columns[8].auto_increment);
        assert_eq!(def.comment, "orders table");
        assert!(
            def.partition_desc
                .as_ref()
                .unwrap()
                .starts_with("PARTITION BY RANGE(dt) (")
        );
        assert!(def.partition_desc.as_ref().unwrap().ends_with(')'));
        assert_eq!(def.order_by, vec!["dt", "amount"]);
        execute(
            &c,
            &mut s,
            "create table d.agg (k int, v bigint sum, m int max, r varchar(10) replace_if_not_null) \
             aggregate key(k) distributed by hash(k)",
        )
        .unwrap();
        execute(
            &c,
            &mut s,
            "create table d.p (dt datetime, v int) partition by date_trunc('day', dt) \
             distributed by random buckets 3",
        )
        .unwrap();
        let p = c.catalog.table_def("d", "p").unwrap();
        assert_eq!(
            p.partition_desc.as_deref(),
            Some("partition by date_trunc('day', dt)")
        );
        // information_schema sees the PRIMARY KEY columns.
        let r = execute(
            &c,
            &mut s,
            "select `COLUMN_NAME`, `ORDINAL_POSITION`, `COLUMN_KEY`, `DATA_TYPE`, `COLUMN_SIZE`, \
             `DECIMAL_DIGITS` from `information_schema`.`COLUMNS` where `TABLE_SCHEMA`='d' and \
             `TABLE_NAME`='orders'",
        )
        .unwrap();
        let QueryResult::Rows { columns, rows } = r else {
            panic!()
        };
        assert_eq!(columns[1], ("ORDINAL_POSITION".to_string(), ColType::Int));
        assert_eq!(rows.len(), 9);
        assert_eq!(
            rows[0],
            vec![
                Some("order_id".into()),
                Some("1".into()),
                Some("PRI".into()),
                Some("bigint".into()),
                Some("19".into()),
                Some("0".into())
            ]
        );
        assert_eq!(rows[2][5].as_deref(), Some("2"));
        assert_eq!(rows[3][2].as_deref(), Some(""));
    }

    #[test]
    fn information_schema_with_params() {
        let (c, mut s) = seeded();
        let sql = "select `COLUMN_NAME`, `ORDINAL_POSITION`, `COLUMN_KEY`, `DATA_TYPE`, \
                   `COLUMN_SIZE`, `DECIMAL_DIGITS` from `information_schema`.`COLUMNS` where \
                   `TABLE_SCHEMA`=? and `TABLE_NAME`=?";
        let p = prepare(&c, &s, sql).unwrap();
        assert_eq!(p.params, 2);
        assert_eq!(p.columns.len(), 6);
        let r = rows_of(
            execute_with_params(
                &c,
                &mut s,
                sql,
                &[
                    Param::Text("example_db".into()),
                    Param::Text("stock".into()),
                ],
            )
            .unwrap(),
        );
        assert_eq!(r.len(), 3);
        assert_eq!(r[0][2].as_deref(), Some("DUP"));
        assert_eq!(r[2][0].as_deref(), Some("PRICE"));
        assert_eq!(r[2][3].as_deref(), Some("float"));
        let t = rows_of(
            execute(
                &c,
                &mut s,
                "select table_name, table_rows from information_schema.tables where \
                 table_schema = database()",
            )
            .unwrap(),
        );
        assert_eq!(t, vec![vec![Some("stock".into()), Some("0".into())]]);
        let sc = rows_of(
            execute(
                &c,
                &mut s,
                "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'example_db'",
            )
            .unwrap(),
        );
        assert_eq!(sc.len(), 1);
    }

    #[test]
    fn select_over_rows() {
        let (c, mut s) = seeded();
        execute(
            &c,
            &mut s,
            "insert into stock values ('2024-05-28 10:00:00', 'AAPL', 190.5), \
             ('2024-05-28 10:00:01', 'AAPL', 191.25), ('2024-05-28 10:00:02', 'MSFT', 420), \
             ('2024-05-28 10:00:03', 'AAPL', 189.75), ('2024-05-28 10:00:04', 'AMZN', NULL)",
        )
        .unwrap();
        assert_eq!(one(&c, &mut s, "select count(*) from stock"), "5");
        assert_eq!(
            one(&c, &mut s, "select count(DISTINCT ticker) from stock"),
            "3"
        );
        assert_eq!(one(&c, &mut s, "select count(price) from stock"), "4");
        assert_eq!(
            one(
                &c,
                &mut s,
                "select count(*) from example_db.stock where ticker = 'AAPL'"
            ),
            "3"
        );
        let r = rows_of(
            execute(
                &c,
                &mut s,
                "select ticker, price from example_db.stock where ticker = 'AAPL' order by price \
                 desc limit 2",
            )
            .unwrap(),
        );
        assert_eq!(
            r,
            vec![
                vec![Some("AAPL".into()), Some("191.25".into())],
                vec![Some("AAPL".into()), Some("190.5".into())]
            ]
        );
        assert_eq!(one(&c, &mut s, "select max(price) from stock"), "420");
        assert_eq!(
            one(&c, &mut s, "select min(event_time) from stock"),
            "2024-05-28 10:00:00"
        );
        assert_eq!(
            one(&c, &mut s, "select count(*) from stock where price is null"),
            "1"
        );
        assert_eq!(
            one(
                &c,
                &mut s,
                "select count(*) from stock where price > 190 and ticker != 'MSFT'"
            ),
            "2"
        );
        assert_eq!(
            one(
                &c,
                &mut s,
                "select count(*) from stock where event_time >= '2024-05-28 10:00:02'"
            ),
            "3"
        );
        let r = rows_of(
            execute(
                &c,
                &mut s,
                "select * from stock order by event_time limit 1, 2",
            )
            .unwrap(),
        );
        assert_eq!(r.len(), 2);
        assert_eq!(r[0][0].as_deref(), Some("2024-05-28 10:00:01"));
        let r = rows_of(execute(&c, &mut s, "select * from stock limit 2 offset 4").unwrap());
        assert_eq!(r.len(), 1);
        let r = rows_of(
            execute(
                &c,
                &mut s,
                "select ticker, count(*) as n from stock group by ticker order by n desc, ticker",
            )
            .unwrap(),
        );
        assert_eq!(r[0], vec![Some("AAPL".into()), Some("3".into())]);
        assert_eq!(r.len(), 3);
        let e = err(&c, &mut s, "select nosuch from stock");
        assert!(
            e.message.contains("Column 'nosuch' cannot be resolved"),
            "{e}"
        );
        assert_eq!(
            one(
                &c,
                &mut s,
                "select sum(price) from stock where ticker = 'MSFT'"
            ),
            "420"
        );
        let r = rows_of(
            execute(
                &c,
                &mut s,
                "select distinct ticker from stock order by ticker",
            )
            .unwrap(),
        );
        assert_eq!(r.len(), 3);
        assert_eq!(
            one(
                &c,
                &mut s,
                "select count(*) from stock where ticker in ('MSFT', 'AMZN')"
            ),
            "2"
        );
        assert_eq!(
            one(
                &c,
                &mut s,
                "select count(*) from stock where ticker like 'A%'"
            ),
            "4"
        );
    }

    #[test]
    fn drop_statements() {
        let (c, mut s) = seeded();
        execute(&c, &mut s, "drop table stock").unwrap();
        assert!(
            err(&c, &mut s, "drop table stock")
                .message
                .contains("Unknown table")
        );
        execute(&c, &mut s, "drop table if exists stock").unwrap();
        execute(&c, &mut s, "drop database example_db").unwrap();
        assert_eq!(s.current_db, None);
        assert_eq!(err(&c, &mut s, "drop database example_db").code, 1008);
        execute(&c, &mut s, "drop database if exists example_db").unwrap();
    }

    #[test]
    fn alter_table_add_column() {
        let (c, mut s) = seeded();
        execute(
            &c,
            &mut s,
            "insert into stock values ('2024-05-28 19:53:17', 'AAPL', 1.5)",
        )
        .unwrap();
        execute(
            &c,
            &mut s,
            "ALTER TABLE `example_db`.`stock` ADD COLUMN `ts` BIGINT NULL",
        )
        .unwrap();
        execute(
            &c,
            &mut s,
            "alter table stock add column venue varchar(8) not null default 'X'",
        )
        .unwrap();
        let def = c.catalog.table_def("example_db", "stock").unwrap();
        let names: Vec<&str> = def.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names[3..], ["ts", "venue"]);
        assert_eq!(
            one(&c, &mut s, "select count(*) from stock where ts is null"),
            "1"
        );
        assert_eq!(one(&c, &mut s, "select venue from stock"), "X");
        assert!(
            err(&c, &mut s, "alter table stock add column ts int")
                .message
                .contains("already exists")
        );
        assert!(
            err(&c, &mut s, "alter table stock add column n int not null")
                .message
                .contains("NOT NULL")
        );
        assert!(
            err(&c, &mut s, "alter table nope add column n int")
                .message
                .contains("Unknown table")
        );
    }

    #[test]
    fn tokenizer_details() {
        let c = ctx();
        let mut s = session();
        assert_eq!(one(&c, &mut s, "select 'it''s' -- comment\n"), "it's");
        assert_eq!(one(&c, &mut s, "/* hi */ select \"a\\\"b\";"), "a\"b");
        let r = execute(&c, &mut s, "SELECT @@version_comment").unwrap();
        let QueryResult::Rows { columns, .. } = r else {
            panic!()
        };
        assert_eq!(columns[0].0, "@@version_comment");
        let e = err(&c, &mut s, "select 1 frob frob");
        assert_eq!(e.code, 1064, "{e}");
        let e = err(&c, &mut s, "select\n  1 +");
        assert!(e.message.contains("line 2"), "{e}");
        assert!(matches!(
            execute(&c, &mut s, "-- nothing\n;").unwrap(),
            QueryResult::Ok { .. }
        ));
    }
}
