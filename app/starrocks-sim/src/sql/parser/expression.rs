//! Parsing expressions: OR < AND < NOT < comparison < unary < primary.

use super::{Parser, RESERVED};
use crate::sql::SqlError;
use crate::sql::ast::{CmpOp, Expr, Lit};
use crate::sql::lexer::Tok;

impl Parser<'_> {
    pub(super) fn expr(&mut self) -> Result<Expr, SqlError> {
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
}
