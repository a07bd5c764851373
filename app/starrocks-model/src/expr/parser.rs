//! The tokenizer and recursive-descent parser of `columns` and `where` expressions.

use super::{BinOp, ColumnItem, Expr, Val};
use crate::sql_type::SqlType;

/// Parses the `columns` header: `a, b, tmp, c = expr, …` (names may be back-quoted).
pub fn parse_columns(text: &str) -> Result<Vec<ColumnItem>, String> {
    let toks = tokenize(text)?;
    let mut p = Parser { toks, pos: 0 };
    let mut items = Vec::new();
    loop {
        let name = match p.next() {
            Some(Tok::Ident(n)) => n,
            other => {
                return Err(format!(
                    "columns: expected a column name, got {}",
                    show(&other)
                ));
            }
        };
        if p.eat(&Tok::Op("=".into())) {
            items.push(ColumnItem::Derived(name, p.expr()?));
        } else {
            items.push(ColumnItem::Source(name));
        }
        match p.next() {
            None => break,
            Some(Tok::Comma) => continue,
            other => return Err(format!("columns: unexpected {}", show(&other))),
        }
    }
    Ok(items)
}

/// Parses a boolean expression (the `where` parameter).
pub fn parse_expr(text: &str) -> Result<Expr, String> {
    let mut p = Parser {
        toks: tokenize(text)?,
        pos: 0,
    };
    let e = p.expr()?;
    match p.next() {
        None => Ok(e),
        other => Err(format!("unexpected {} after the expression", show(&other))),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Num(String),
    Str(String),
    Op(String),
    LParen,
    RParen,
    Comma,
}

fn show(t: &Option<Tok>) -> String {
    match t {
        None => "end of input".into(),
        Some(Tok::Ident(s)) | Some(Tok::Num(s)) | Some(Tok::Op(s)) => format!("'{s}'"),
        Some(Tok::Str(s)) => format!("'\"{s}\"'"),
        Some(Tok::LParen) => "'('".into(),
        Some(Tok::RParen) => "')'".into(),
        Some(Tok::Comma) => "','".into(),
    }
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Tok::LParen);
            i += 1;
        } else if c == ')' {
            out.push(Tok::RParen);
            i += 1;
        } else if c == ',' {
            out.push(Tok::Comma);
            i += 1;
        } else if c == '`' {
            let end = chars[i + 1..]
                .iter()
                .position(|&x| x == '`')
                .ok_or("unterminated back-quoted name")?;
            out.push(Tok::Ident(chars[i + 1..i + 1 + end].iter().collect()));
            i += end + 2;
        } else if c == '\'' || c == '"' {
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err("unterminated string literal".into()),
                    Some('\\') => {
                        if let Some(n) = chars.get(j + 1) {
                            s.push(*n);
                        }
                        j += 2;
                    }
                    Some(&q) if q == c => {
                        if chars.get(j + 1) == Some(&c) {
                            s.push(c);
                            j += 2;
                        } else {
                            break;
                        }
                    }
                    Some(&x) => {
                        s.push(x);
                        j += 1;
                    }
                }
            }
            out.push(Tok::Str(s));
            i = j + 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            out.push(Tok::Num(chars[start..i].iter().collect()));
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if ["<=", ">=", "!=", "<>", "=="].contains(&two.as_str()) {
                out.push(Tok::Op(two));
                i += 2;
            } else if "+-*/%=<>".contains(c) {
                out.push(Tok::Op(c.to_string()));
                i += 1;
            } else {
                return Err(format!("unexpected character '{c}'"));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut e = self.and()?;
        while self.eat_kw("or") {
            e = Expr::Bin(Box::new(e), BinOp::Or, Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut e = self.not()?;
        while self.eat_kw("and") {
            e = Expr::Bin(Box::new(e), BinOp::And, Box::new(self.not()?));
        }
        Ok(e)
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.eat_kw("not") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Expr, String> {
        let left = self.add()?;
        if self.eat_kw("is") {
            let negated = self.eat_kw("not");
            if !self.eat_kw("null") {
                return Err("expected NULL after IS".into());
            }
            return Ok(Expr::IsNull(Box::new(left), negated));
        }
        let negated = self.eat_kw("not");
        if self.eat_kw("in") {
            if !self.eat(&Tok::LParen) {
                return Err("expected ( after IN".into());
            }
            let mut list = vec![self.expr()?];
            while self.eat(&Tok::Comma) {
                list.push(self.expr()?);
            }
            if !self.eat(&Tok::RParen) {
                return Err("expected ) to close IN".into());
            }
            return Ok(Expr::In(Box::new(left), list, negated));
        } else if negated {
            return Err("expected IN after NOT".into());
        }
        let op = match self.peek() {
            Some(Tok::Op(o)) => match o.as_str() {
                "=" | "==" => BinOp::Eq,
                "!=" | "<>" => BinOp::Ne,
                "<" => BinOp::Lt,
                "<=" => BinOp::Le,
                ">" => BinOp::Gt,
                ">=" => BinOp::Ge,
                _ => return Ok(left),
            },
            _ => return Ok(left),
        };
        self.pos += 1;
        Ok(Expr::Bin(Box::new(left), op, Box::new(self.add()?)))
    }

    fn add(&mut self) -> Result<Expr, String> {
        let mut e = self.mul()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Op(o)) if o == "+" => BinOp::Add,
                Some(Tok::Op(o)) if o == "-" => BinOp::Sub,
                _ => return Ok(e),
            };
            self.pos += 1;
            e = Expr::Bin(Box::new(e), op, Box::new(self.mul()?));
        }
    }

    fn mul(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Op(o)) if o == "*" => BinOp::Mul,
                Some(Tok::Op(o)) if o == "/" => BinOp::Div,
                Some(Tok::Op(o)) if o == "%" => BinOp::Mod,
                Some(Tok::Ident(k)) if k.eq_ignore_ascii_case("div") => BinOp::Div,
                Some(Tok::Ident(k)) if k.eq_ignore_ascii_case("mod") => BinOp::Mod,
                _ => return Ok(e),
            };
            self.pos += 1;
            e = Expr::Bin(Box::new(e), op, Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat(&Tok::Op("-".into())) {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        if self.eat(&Tok::Op("+".into())) {
            return self.unary();
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::Num(n)) => {
                if let Ok(i) = n.parse::<i128>() {
                    Ok(Expr::Lit(Val::Int(i)))
                } else {
                    n.parse::<f64>()
                        .map(|x| Expr::Lit(Val::Float(x)))
                        .map_err(|_| format!("bad number '{n}'"))
                }
            }
            Some(Tok::Str(s)) => Ok(Expr::Lit(Val::Str(s))),
            Some(Tok::LParen) => {
                let e = self.expr()?;
                if !self.eat(&Tok::RParen) {
                    return Err("expected )".into());
                }
                Ok(e)
            }
            Some(Tok::Ident(id)) => {
                let lower = id.to_ascii_lowercase();
                match lower.as_str() {
                    "null" => return Ok(Expr::Lit(Val::Null)),
                    "true" => return Ok(Expr::Lit(Val::Bool(true))),
                    "false" => return Ok(Expr::Lit(Val::Bool(false))),
                    _ => {}
                }
                if !self.eat(&Tok::LParen) {
                    return Ok(Expr::Col(id));
                }
                if lower == "cast" {
                    let e = self.expr()?;
                    if !self.eat_kw("as") {
                        return Err("expected AS in CAST".into());
                    }
                    let ty = self.type_name()?;
                    if !self.eat(&Tok::RParen) {
                        return Err("expected ) to close CAST".into());
                    }
                    return Ok(Expr::Cast(Box::new(e), ty));
                }
                let mut args = Vec::new();
                if !self.eat(&Tok::RParen) {
                    args.push(self.expr()?);
                    while self.eat(&Tok::Comma) {
                        args.push(self.expr()?);
                    }
                    if !self.eat(&Tok::RParen) {
                        return Err(format!("expected ) to close {id}("));
                    }
                }
                Ok(Expr::Call(id, args))
            }
            other => Err(format!("unexpected {}", show(&other))),
        }
    }

    fn type_name(&mut self) -> Result<SqlType, String> {
        let name = match self.next() {
            Some(Tok::Ident(n)) => n.to_ascii_lowercase(),
            other => return Err(format!("expected a type, got {}", show(&other))),
        };
        let mut params = Vec::new();
        if self.eat(&Tok::LParen) {
            loop {
                match self.next() {
                    Some(Tok::Num(n)) => params.push(n.parse::<u32>().map_err(|e| e.to_string())?),
                    other => return Err(format!("expected a number, got {}", show(&other))),
                }
                if self.eat(&Tok::RParen) {
                    break;
                }
                if !self.eat(&Tok::Comma) {
                    return Err("expected , or )".into());
                }
            }
        }
        let p = |i: usize, d: u32| params.get(i).copied().unwrap_or(d);
        Ok(match name.as_str() {
            "boolean" | "bool" => SqlType::Boolean,
            "tinyint" => SqlType::TinyInt,
            "smallint" => SqlType::SmallInt,
            "int" | "integer" | "signed" => SqlType::Int,
            "bigint" => SqlType::BigInt,
            "largeint" => SqlType::LargeInt,
            "float" => SqlType::Float,
            "double" => SqlType::Double,
            "decimal" | "decimalv2" | "decimal32" | "decimal64" | "decimal128" => {
                SqlType::Decimal {
                    precision: p(0, 10) as u8,
                    scale: p(1, 0) as u8,
                }
            }
            "date" => SqlType::Date,
            "datetime" => SqlType::DateTime,
            "char" => SqlType::Char(p(0, 1)),
            "varchar" => SqlType::Varchar(p(0, 1)),
            "string" => SqlType::String,
            "json" => SqlType::Json,
            other => return Err(format!("unsupported type {other} in CAST")),
        })
    }
}
