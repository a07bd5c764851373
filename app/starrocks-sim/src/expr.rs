//! The expressions of the Stream Load `columns` and `where` parameters, e.g.
//! `tmp_ts, event_time = from_unixtime(tmp_ts / 1000)` or `where: price > 0`.
//! A small evaluator with the functions users reach for when mapping Kinesis records.

use crate::types::{Cell, SourceValue, SqlType, convert, parse_datetime};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use std::collections::HashMap;

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    DateTime(NaiveDateTime),
    Json(serde_json::Value),
}

impl Val {
    pub fn from_source(v: &SourceValue) -> Val {
        match v {
            SourceValue::Null => Val::Null,
            SourceValue::Text(s) => Val::Str(s.clone()),
            SourceValue::Json(j) => match j {
                serde_json::Value::Null => Val::Null,
                serde_json::Value::Bool(b) => Val::Bool(*b),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => Val::Int(i128::from(i)),
                    None => match n.as_u64() {
                        Some(u) => Val::Int(i128::from(u)),
                        None => Val::Float(n.as_f64().unwrap_or(f64::NAN)),
                    },
                },
                serde_json::Value::String(s) => Val::Str(s.clone()),
                other => Val::Json(other.clone()),
            },
        }
    }

    /// Back to a source value, to be converted into the target column's type.
    pub fn to_source(&self) -> SourceValue {
        match self {
            Val::Null => SourceValue::Null,
            Val::Bool(b) => SourceValue::Json(serde_json::Value::Bool(*b)),
            Val::Int(i) => match i64::try_from(*i) {
                Ok(v) => SourceValue::Json(v.into()),
                Err(_) => SourceValue::Text(i.to_string()),
            },
            Val::Float(x) => serde_json::Number::from_f64(*x)
                .map(|n| SourceValue::Json(serde_json::Value::Number(n)))
                .unwrap_or(SourceValue::Null),
            Val::Str(s) => SourceValue::Text(s.clone()),
            Val::DateTime(dt) => SourceValue::Text(fmt_datetime(dt)),
            Val::Json(j) => SourceValue::Json(j.clone()),
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::Float(x) => Some(*x),
            Val::Bool(b) => Some(f64::from(u8::from(*b))),
            Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn as_i128(&self) -> Option<i128> {
        match self {
            Val::Int(i) => Some(*i),
            Val::Float(x) => Some(x.trunc() as i128),
            Val::Bool(b) => Some(i128::from(*b)),
            Val::Str(s) => s
                .trim()
                .parse::<i128>()
                .ok()
                .or_else(|| s.trim().parse::<f64>().ok().map(|x| x.trunc() as i128)),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<String> {
        match self {
            Val::Null => None,
            Val::Bool(b) => Some(if *b { "1" } else { "0" }.into()),
            Val::Int(i) => Some(i.to_string()),
            Val::Float(x) => Some(x.to_string()),
            Val::Str(s) => Some(s.clone()),
            Val::DateTime(dt) => Some(fmt_datetime(dt)),
            Val::Json(j) => Some(j.to_string()),
        }
    }

    fn truthy(&self) -> Option<bool> {
        match self {
            Val::Null => None,
            Val::Bool(b) => Some(*b),
            other => other.as_f64().map(|x| x != 0.0),
        }
    }
}

fn fmt_datetime(dt: &NaiveDateTime) -> String {
    Cell::DateTime(*dt).to_text().unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Val),
    Col(String),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(Box<Expr>, BinOp, Box<Expr>),
    IsNull(Box<Expr>, bool),
    In(Box<Expr>, Vec<Expr>, bool),
    Call(String, Vec<Expr>),
    Cast(Box<Expr>, SqlType),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// One item of the `columns` parameter: a source column, or a column computed from an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnItem {
    Source(String),
    Derived(String, Expr),
}

impl ColumnItem {
    pub fn name(&self) -> &str {
        match self {
            ColumnItem::Source(n) | ColumnItem::Derived(n, _) => n,
        }
    }
}

/// Evaluation context: the source values of one row by (lower-case) name, and the load's timezone.
pub struct Row<'a> {
    pub values: &'a HashMap<String, Val>,
    pub tz: FixedOffset,
}

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

/// Parses the `timezone` parameter: UTC/GMT, Asia/Shanghai-style names StarRocks users set most,
/// or a `+08:00` offset.
pub fn parse_timezone(name: &str) -> Result<FixedOffset, String> {
    let hours = |h: i32| FixedOffset::east_opt(h * 3600).ok_or_else(|| name.to_string());
    match name.trim() {
        "UTC" | "utc" | "GMT" | "Etc/UTC" | "Etc/GMT" | "Z" => hours(0),
        "Asia/Shanghai" | "Asia/Hong_Kong" | "Asia/Singapore" | "Asia/Taipei" | "PRC" => hours(8),
        "Asia/Tokyo" | "Asia/Seoul" => hours(9),
        "Asia/Kolkata" => FixedOffset::east_opt(5 * 3600 + 1800).ok_or_else(|| name.into()),
        "Europe/London" => hours(0),
        "Europe/Berlin" | "Europe/Paris" | "CET" => hours(1),
        "America/New_York" => hours(-5),
        "America/Los_Angeles" => hours(-8),
        other => {
            let (sign, rest) = match other.as_bytes().first() {
                Some(b'+') => (1, &other[1..]),
                Some(b'-') => (-1, &other[1..]),
                _ => return Err(format!("Unknown or incorrect time zone: '{other}'")),
            };
            let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
            let (h, m): (i32, i32) = (
                h.parse()
                    .map_err(|_| format!("Unknown or incorrect time zone: '{other}'"))?,
                m.parse()
                    .map_err(|_| format!("Unknown or incorrect time zone: '{other}'"))?,
            );
            FixedOffset::east_opt(sign * (h * 3600 + m * 60))
                .ok_or_else(|| format!("Unknown or incorrect time zone: '{other}'"))
        }
    }
}

impl Expr {
    /// Evaluates against one row. `Err` means the load cannot run this expression at all
    /// (an unknown column or function), not a per-row conversion failure (that is `Val::Null`).
    pub fn eval(&self, row: &Row<'_>) -> Result<Val, String> {
        Ok(match self {
            Expr::Lit(v) => v.clone(),
            Expr::Col(name) => row
                .values
                .get(&name.to_ascii_lowercase())
                .cloned()
                .ok_or_else(|| format!("Unknown column '{name}' in the columns/where parameter"))?,
            Expr::Neg(e) => match e.eval(row)? {
                Val::Int(i) => Val::Int(-i),
                v => v.as_f64().map(|x| Val::Float(-x)).unwrap_or(Val::Null),
            },
            Expr::Not(e) => match e.eval(row)?.truthy() {
                Some(b) => Val::Bool(!b),
                None => Val::Null,
            },
            Expr::IsNull(e, negated) => Val::Bool((e.eval(row)? == Val::Null) != *negated),
            Expr::In(e, list, negated) => {
                let v = e.eval(row)?;
                if v == Val::Null {
                    return Ok(Val::Null);
                }
                let mut found = false;
                for item in list {
                    if compare(&v, &item.eval(row)?) == Some(std::cmp::Ordering::Equal) {
                        found = true;
                    }
                }
                Val::Bool(found != *negated)
            }
            Expr::Bin(a, op, b) => binary(*op, a.eval(row)?, b.eval(row)?),
            Expr::Cast(e, ty) => {
                let v = e.eval(row)?;
                match convert(&v.to_source(), ty) {
                    Ok(cell) => cell_to_val(&cell),
                    Err(_) => Val::Null,
                }
            }
            Expr::Call(name, args) => {
                let vals = args
                    .iter()
                    .map(|a| a.eval(row))
                    .collect::<Result<Vec<_>, _>>()?;
                call(name, &vals, row.tz)?
            }
        })
    }

    /// Source columns the expression reads.
    pub fn columns(&self, out: &mut Vec<String>) {
        match self {
            Expr::Col(c) => out.push(c.clone()),
            Expr::Lit(_) => {}
            Expr::Neg(e) | Expr::Not(e) | Expr::IsNull(e, _) | Expr::Cast(e, _) => e.columns(out),
            Expr::In(e, list, _) => {
                e.columns(out);
                list.iter().for_each(|x| x.columns(out));
            }
            Expr::Bin(a, _, b) => {
                a.columns(out);
                b.columns(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|x| x.columns(out)),
        }
    }
}

fn cell_to_val(cell: &Cell) -> Val {
    match cell {
        Cell::Null => Val::Null,
        Cell::Bool(b) => Val::Bool(*b),
        Cell::Int(i) => Val::Int(*i),
        Cell::Float(x) => Val::Float(*x),
        Cell::DateTime(dt) => Val::DateTime(*dt),
        Cell::Json(j) => serde_json::from_str(j).map(Val::Json).unwrap_or(Val::Null),
        other => other.to_text().map(Val::Str).unwrap_or(Val::Null),
    }
}

fn compare(a: &Val, b: &Val) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Val::Null, _) | (_, Val::Null) => None,
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::DateTime(x), other) | (other, Val::DateTime(x)) => {
            let y = match other {
                Val::DateTime(d) => *d,
                o => parse_datetime(&o.as_string()?)?,
            };
            let ord = x.cmp(&y);
            Some(if matches!(a, Val::DateTime(_)) {
                ord
            } else {
                ord.reverse()
            })
        }
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn binary(op: BinOp, a: Val, b: Val) -> Val {
    use std::cmp::Ordering::*;
    match op {
        BinOp::And => match (a.truthy(), b.truthy()) {
            (Some(false), _) | (_, Some(false)) => Val::Bool(false),
            (Some(true), Some(true)) => Val::Bool(true),
            _ => Val::Null,
        },
        BinOp::Or => match (a.truthy(), b.truthy()) {
            (Some(true), _) | (_, Some(true)) => Val::Bool(true),
            (Some(false), Some(false)) => Val::Bool(false),
            _ => Val::Null,
        },
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            match compare(&a, &b) {
                None => Val::Null,
                Some(o) => Val::Bool(match op {
                    BinOp::Eq => o == Equal,
                    BinOp::Ne => o != Equal,
                    BinOp::Lt => o == Less,
                    BinOp::Le => o != Greater,
                    BinOp::Gt => o == Greater,
                    _ => o != Less,
                }),
            }
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Mod => {
            if let (Val::Int(x), Val::Int(y)) = (&a, &b) {
                return match op {
                    BinOp::Add => x.checked_add(*y).map(Val::Int),
                    BinOp::Sub => x.checked_sub(*y).map(Val::Int),
                    BinOp::Mul => x.checked_mul(*y).map(Val::Int),
                    _ => x.checked_rem(*y).map(Val::Int),
                }
                .unwrap_or(Val::Null);
            }
            match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => Val::Float(match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    _ => x % y,
                }),
                _ => Val::Null,
            }
        }
        // Division is DOUBLE in StarRocks; by zero is NULL.
        BinOp::Div => match (a.as_f64(), b.as_f64()) {
            (Some(_), Some(0.0)) => Val::Null,
            (Some(x), Some(y)) => Val::Float(x / y),
            _ => Val::Null,
        },
    }
}

fn call(name: &str, args: &[Val], tz: FixedOffset) -> Result<Val, String> {
    let lower = name.to_ascii_lowercase();
    let arity = |n: std::ops::RangeInclusive<usize>| {
        if n.contains(&args.len()) {
            Ok(())
        } else {
            Err(format!(
                "No matching function with signature: {lower}({} arguments).",
                args.len()
            ))
        }
    };
    let s = |i: usize| args.get(i).and_then(Val::as_string);
    Ok(match lower.as_str() {
        "from_unixtime" => {
            arity(1..=2)?;
            let Some(secs) = args[0].as_i128() else {
                return Ok(Val::Null);
            };
            let Ok(secs) = i64::try_from(secs) else {
                return Ok(Val::Null);
            };
            let Some(dt) = DateTime::from_timestamp(secs, 0) else {
                return Ok(Val::Null);
            };
            let local = tz.from_utc_datetime(&dt.naive_utc()).naive_local();
            match s(1) {
                Some(fmt) => Val::Str(mysql_format(&local, &fmt)),
                None => Val::Str(local.format("%Y-%m-%d %H:%M:%S").to_string()),
            }
        }
        "unix_timestamp" => {
            arity(0..=1)?;
            match args.first() {
                None => Val::Int(i128::from(chrono::Utc::now().timestamp())),
                Some(v) => match v.as_string().and_then(|t| parse_datetime(&t)) {
                    Some(dt) => Val::Int(i128::from(
                        tz.from_local_datetime(&dt)
                            .single()
                            .map(|d| d.timestamp())
                            .unwrap_or(0),
                    )),
                    None => Val::Null,
                },
            }
        }
        "now" | "current_timestamp" => {
            arity(0..=0)?;
            Val::DateTime(
                tz.from_utc_datetime(&chrono::Utc::now().naive_utc())
                    .naive_local(),
            )
        }
        "str_to_date" => {
            arity(2..=2)?;
            match (s(0), s(1)) {
                (Some(v), Some(fmt)) => str_to_date(&v, &fmt)
                    .map(Val::DateTime)
                    .unwrap_or(Val::Null),
                _ => Val::Null,
            }
        }
        "ifnull" | "nvl" => {
            arity(2..=2)?;
            if args[0] == Val::Null {
                args[1].clone()
            } else {
                args[0].clone()
            }
        }
        "coalesce" => args
            .iter()
            .find(|v| **v != Val::Null)
            .cloned()
            .unwrap_or(Val::Null),
        "nullif" => {
            arity(2..=2)?;
            if compare(&args[0], &args[1]) == Some(std::cmp::Ordering::Equal) {
                Val::Null
            } else {
                args[0].clone()
            }
        }
        "if" => {
            arity(3..=3)?;
            if args[0].truthy() == Some(true) {
                args[1].clone()
            } else {
                args[2].clone()
            }
        }
        "trim" | "ltrim" | "rtrim" | "upper" | "lower" | "ucase" | "lcase" | "length"
        | "char_length" => {
            arity(1..=1)?;
            let Some(v) = s(0) else { return Ok(Val::Null) };
            match lower.as_str() {
                "trim" => Val::Str(v.trim().to_string()),
                "ltrim" => Val::Str(v.trim_start().to_string()),
                "rtrim" => Val::Str(v.trim_end().to_string()),
                "upper" | "ucase" => Val::Str(v.to_uppercase()),
                "lower" | "lcase" => Val::Str(v.to_lowercase()),
                "length" => Val::Int(v.len() as i128),
                _ => Val::Int(v.chars().count() as i128),
            }
        }
        "concat" => {
            let mut out = String::new();
            for a in args {
                match a.as_string() {
                    Some(p) => out.push_str(&p),
                    None => return Ok(Val::Null),
                }
            }
            Val::Str(out)
        }
        "concat_ws" => {
            arity(1..=usize::MAX)?;
            let Some(sep) = s(0) else {
                return Ok(Val::Null);
            };
            let parts: Vec<String> = args[1..].iter().filter_map(Val::as_string).collect();
            Val::Str(parts.join(&sep))
        }
        "substr" | "substring" => {
            arity(2..=3)?;
            let Some(v) = s(0) else { return Ok(Val::Null) };
            let chars: Vec<char> = v.chars().collect();
            let pos = args[1].as_i128().unwrap_or(1);
            let start = if pos > 0 {
                (pos - 1) as usize
            } else if pos < 0 {
                chars.len().saturating_sub(pos.unsigned_abs() as usize)
            } else {
                return Ok(Val::Str(String::new()));
            };
            let len = args
                .get(2)
                .and_then(Val::as_i128)
                .unwrap_or(i128::MAX)
                .max(0) as usize;
            Val::Str(chars.iter().skip(start).take(len).collect())
        }
        "replace" => {
            arity(3..=3)?;
            match (s(0), s(1), s(2)) {
                (Some(v), Some(a), Some(b)) => Val::Str(v.replace(&a, &b)),
                _ => Val::Null,
            }
        }
        "abs" | "floor" | "ceil" | "ceiling" | "round" => {
            arity(1..=2)?;
            if let (Val::Int(i), "abs") = (&args[0], lower.as_str()) {
                return Ok(Val::Int(i.abs()));
            }
            let Some(x) = args[0].as_f64() else {
                return Ok(Val::Null);
            };
            match lower.as_str() {
                "abs" => Val::Float(x.abs()),
                "floor" => Val::Int(x.floor() as i128),
                "ceil" | "ceiling" => Val::Int(x.ceil() as i128),
                _ => {
                    let d = args.get(1).and_then(Val::as_i128).unwrap_or(0) as i32;
                    let m = 10f64.powi(d);
                    let r = (x * m).round() / m;
                    if d == 0 {
                        Val::Int(r as i128)
                    } else {
                        Val::Float(r)
                    }
                }
            }
        }
        "parse_json" | "json_parse" => {
            arity(1..=1)?;
            match s(0).and_then(|t| serde_json::from_str(&t).ok()) {
                Some(j) => Val::Json(j),
                None => Val::Null,
            }
        }
        "json_query" | "get_json_string" | "get_json_int" | "get_json_double" => {
            arity(2..=2)?;
            let doc = match &args[0] {
                Val::Json(j) => Some(j.clone()),
                other => other
                    .as_string()
                    .and_then(|t| serde_json::from_str(&t).ok()),
            };
            let (Some(doc), Some(path)) = (doc, s(1)) else {
                return Ok(Val::Null);
            };
            let mut cur = &doc;
            for part in path
                .trim_start_matches('$')
                .split('.')
                .filter(|p| !p.is_empty())
            {
                match cur.get(part) {
                    Some(v) => cur = v,
                    None => return Ok(Val::Null),
                }
            }
            Val::from_source(&SourceValue::Json(cur.clone()))
        }
        _ => {
            return Err(format!(
                "No matching function with signature: {lower}({}).",
                args.iter().map(|_| "?").collect::<Vec<_>>().join(", ")
            ));
        }
    })
}

/// MySQL `DATE_FORMAT`-style format specifiers, the common subset.
fn mysql_format(dt: &NaiveDateTime, fmt: &str) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let spec = match chars.next() {
            Some('Y') => "%Y",
            Some('m') => "%m",
            Some('d') => "%d",
            Some('H') => "%H",
            Some('i') => "%M",
            Some('s') | Some('S') => "%S",
            Some('f') => "%6f",
            Some('y') => "%y",
            Some(other) => {
                out.push(other);
                continue;
            }
            None => break,
        };
        out.push_str(&dt.format(spec).to_string());
    }
    out
}

fn str_to_date(v: &str, fmt: &str) -> Option<NaiveDateTime> {
    let mut chrono_fmt = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            chrono_fmt.push(c);
            continue;
        }
        chrono_fmt.push_str(match chars.next()? {
            'Y' => "%Y",
            'm' | 'c' => "%m",
            'd' | 'e' => "%d",
            'H' | 'k' => "%H",
            'i' => "%M",
            's' | 'S' => "%S",
            'f' => "%.f",
            'y' => "%y",
            _ => return None,
        });
    }
    NaiveDateTime::parse_from_str(v, &chrono_fmt)
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(v, &chrono_fmt)
                .ok()
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str, vals: &[(&str, Val)]) -> Val {
        let values: HashMap<String, Val> = vals
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let row = Row {
            values: &values,
            tz: parse_timezone("UTC").unwrap(),
        };
        parse_expr(text).unwrap().eval(&row).unwrap()
    }

    #[test]
    fn columns_header_with_from_unixtime() {
        let items =
            parse_columns("ts, ticker, price, event_time = from_unixtime(ts / 1000)").unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(items[3].name(), "event_time");
        let v = eval(
            "from_unixtime(ts / 1000)",
            &[("ts", Val::Int(1716925997497))],
        );
        assert_eq!(v, Val::Str("2024-05-28 19:53:17".into()));
    }

    #[test]
    fn where_expressions_compare_and_combine() {
        assert_eq!(
            eval(
                "price > 10 and ticker = 'AAPL'",
                &[
                    ("price", Val::Float(12.5)),
                    ("ticker", Val::Str("AAPL".into()))
                ]
            ),
            Val::Bool(true)
        );
        assert_eq!(
            eval("x in (1, 2, 3)", &[("x", Val::Int(4))]),
            Val::Bool(false)
        );
        assert_eq!(
            eval("ifnull(x, 'd')", &[("x", Val::Null)]),
            Val::Str("d".into())
        );
        assert_eq!(
            eval("trim(x)", &[("x", Val::Str("  a ".into()))]),
            Val::Str("a".into())
        );
    }
}
