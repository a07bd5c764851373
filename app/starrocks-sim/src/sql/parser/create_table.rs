//! Parsing the body of `CREATE TABLE` (§5.1): columns, types, defaults, keys, partitioning,
//! distribution and properties.

use super::Parser;
use super::table_def::build_table_def;
use crate::catalog::{AggType, ColumnDef, DefaultValue, Distribution, KeysType, TableDef};
use crate::sql::SqlError;
use crate::sql::lexer::Tok;
use crate::types::SqlType;
use starrocks_model::{TypeArgsError, type_from_parts};

impl Parser<'_> {
    pub(super) fn table_body(&mut self, table: &str) -> Result<TableDef, SqlError> {
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
    pub(super) fn column_def(&mut self) -> Result<(ColumnDef, bool, usize), SqlError> {
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

    /// A column type: the name and `(…)` arguments are read here, the rules are the model's
    /// (`starrocks_model::type_from_parts`, the same parser the app's schema uses), worded as
    /// StarRocks words them; ARRAY/MAP/STRUCT keep their `<…>` text.
    fn sql_type(&mut self) -> Result<SqlType, SqlError> {
        let start_tok = self.pos;
        let Tok::Word(w) = self.peek().clone() else {
            return Err(self.unexpected("a column type"));
        };
        let lower = w.to_ascii_lowercase();
        self.advance();
        if matches!(lower.as_str(), "array" | "map" | "struct") {
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
            return Ok(SqlType::Complex(self.src[start..end].to_string()));
        }
        // Only these take `(…)`; after any other type a `(` is the statement's to reject.
        let takes_args = matches!(
            lower.as_str(),
            "tinyint"
                | "smallint"
                | "int"
                | "integer"
                | "bigint"
                | "largeint"
                | "varbinary"
                | "binary"
                | "decimal"
                | "decimalv2"
                | "decimal32"
                | "decimal64"
                | "decimal128"
                | "numeric"
                | "char"
                | "varchar"
        );
        let args = if takes_args {
            self.type_args()?
        } else {
            Vec::new()
        };
        match type_from_parts(&lower, &args) {
            Ok(ty) => Ok(ty),
            Err(TypeArgsError::Unknown) => {
                self.pos = start_tok;
                Err(self.unexpected(
                    "TINYINT, SMALLINT, INT, BIGINT, LARGEINT, FLOAT, DOUBLE, DECIMAL, DATE, \
                     DATETIME, CHAR, VARCHAR, STRING, BOOLEAN, JSON, VARBINARY, ARRAY, MAP, \
                     STRUCT, HLL, BITMAP",
                ))
            }
            Err(e) => Err(SqlError::analysis(format_args!(
                "{}",
                starrocks_message(&lower, &e)
            ))),
        }
    }
}

/// StarRocks' wording of a type-argument error for type `lower`.
fn starrocks_message(lower: &str, e: &TypeArgsError) -> String {
    match e {
        TypeArgsError::OnlyDisplayWidth => {
            format!("Invalid type arguments for {lower}: only a display width is allowed")
        }
        TypeArgsError::DecimalArity => {
            format!("Invalid type arguments for {lower}: expected (precision[, scale])")
        }
        TypeArgsError::DecimalPrecision { max, got } => {
            format!("DECIMAL's precision should range from 1 to {max}, but got {got}")
        }
        TypeArgsError::DecimalScale { precision, scale } => format!(
            "DECIMAL's scale should be less than or equal to its precision, but got \
             DECIMAL({precision}, {scale})"
        ),
        TypeArgsError::LengthArity => {
            format!("Invalid type arguments for {lower}: expected a length")
        }
        TypeArgsError::Length { name, max, got } => {
            format!("{name}'s length should range from 1 to {max}, but got {got}")
        }
        TypeArgsError::NoArguments(_) | TypeArgsError::Unknown => {
            format!("Invalid type arguments for {lower}")
        }
    }
}
