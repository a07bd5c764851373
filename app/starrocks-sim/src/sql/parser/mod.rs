//! The recursive-descent parser: token helpers and the statement dispatch; each statement
//! family is parsed in its own file.

mod create_table;
mod ddl;
mod dml;
mod expression;
mod show;
mod table_def;

use super::SqlError;
use super::ast::{Statement, TableRef};
use super::lexer::{Tok, Token, syntax_error_at, tokenize};

/// Words that end an expression where an implicit alias could otherwise start.
const RESERVED: &[&str] = &[
    "from", "where", "order", "limit", "group", "having", "union", "into", "offset", "for", "lock",
    "and", "or", "not", "is", "in", "like", "between", "asc", "desc", "as", "on", "join", "inner",
    "left", "right", "cross", "natural", "using", "select", "values", "set", "with",
];

pub(super) fn parse(sql: &str) -> Result<(Statement, usize), SqlError> {
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

impl Parser<'_> {
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
}

const STATEMENT_STARTS: &str = "'SELECT', 'SHOW', 'SET', 'USE', 'CREATE', 'DROP', 'ALTER', \
                                'DESC', 'INSERT', 'BEGIN', 'COMMIT', 'ROLLBACK'";
