//! Parsing `INSERT … VALUES` and `SELECT`.

use super::{Parser, RESERVED};
use crate::sql::SqlError;
use crate::sql::ast::{Expr, OrderKey, Select, SelectItem, Statement};
use crate::sql::lexer::Tok;

impl Parser<'_> {
    pub(super) fn insert(&mut self) -> Result<Statement, SqlError> {
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

    pub(super) fn select(&mut self) -> Result<Select, SqlError> {
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
}
