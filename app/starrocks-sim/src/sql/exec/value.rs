//! Values while evaluating: typed cells, comparison with coercion, and LIKE.

use crate::sql::Param;
use crate::sql::ast::Lit;
use crate::types::{Cell, SqlType, convert_text};
use std::cmp::Ordering;

/// A value while evaluating: a cell and, when it comes from a column, the column's type (literals
/// are converted into it before comparing).
#[derive(Debug, Clone)]
pub(super) struct V {
    pub(super) cell: Cell,
    pub(super) ty: Option<SqlType>,
}

impl V {
    pub(super) fn untyped(cell: Cell) -> V {
        V { cell, ty: None }
    }

    pub(super) fn text(s: impl Into<String>) -> V {
        V::untyped(Cell::Str(s.into()))
    }

    pub(super) fn null() -> V {
        V::untyped(Cell::Null)
    }

    pub(super) fn truth(&self) -> Option<bool> {
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

pub(super) fn bool_v(b: Option<bool>) -> V {
    V::untyped(b.map_or(Cell::Null, Cell::Bool))
}

pub(super) fn lit_cell(l: &Lit) -> Cell {
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

pub(super) fn param_cell(p: &Param) -> Cell {
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

pub(super) fn compare(a: &V, b: &V) -> Option<Ordering> {
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
pub(super) fn like_match(s: &str, pat: &str, case_insensitive: bool) -> bool {
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
