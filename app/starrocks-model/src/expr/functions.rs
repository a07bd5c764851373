//! The functions an expression may call (`from_unixtime`, `str_to_date`, `concat`, …).

use super::{Val, compare};
use crate::convert::SourceValue;
use crate::literals::parse_datetime;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone};

pub(super) fn call(name: &str, args: &[Val], tz: FixedOffset) -> Result<Val, String> {
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
        "convert_tz" => {
            // A wall-clock time in one zone as the wall-clock time in another; NULL for a
            // value that is no datetime or a zone StarRocks does not know.
            arity(3..=3)?;
            let at = match &args[0] {
                Val::DateTime(dt) => Some(*dt),
                v => v.as_string().and_then(|t| parse_datetime(&t)),
            };
            match (at, s(1), s(2)) {
                (Some(at), Some(from), Some(to)) => convert_tz(at, &from, &to)
                    .map(Val::DateTime)
                    .unwrap_or(Val::Null),
                _ => Val::Null,
            }
        }
        "regexp_extract" => {
            // The group'th group of the first match; '' when nothing matches (as StarRocks).
            arity(3..=3)?;
            let (Some(v), Some(pattern), Some(group)) = (s(0), s(1), args[2].as_i128()) else {
                return Ok(Val::Null);
            };
            with_regex(&pattern, |re| {
                let text = re
                    .captures(&v)
                    .and_then(|c| c.get(usize::try_from(group).ok()?))
                    .map_or("", |m| m.as_str());
                Val::Str(text.to_string())
            })?
        }
        "regexp_replace" => {
            arity(3..=3)?;
            let (Some(v), Some(pattern), Some(with)) = (s(0), s(1), s(2)) else {
                return Ok(Val::Null);
            };
            with_regex(&pattern, |re| {
                Val::Str(re.replace_all(&v, with.as_str()).into_owned())
            })?
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

/// A zone by IANA name (with its daylight-saving rules) or as an offset (`+08:00`, `UTC`).
fn zone_offset_at_local(zone: &str, at: NaiveDateTime) -> Option<FixedOffset> {
    match zone.trim().parse::<chrono_tz::Tz>() {
        Ok(tz) => tz
            .offset_from_local_datetime(&at)
            .earliest()
            .map(|o| o.fix()),
        Err(_) => super::parse_timezone(zone).ok(),
    }
}

fn zone_offset_at_utc(zone: &str, at: NaiveDateTime) -> Option<FixedOffset> {
    match zone.trim().parse::<chrono_tz::Tz>() {
        Ok(tz) => Some(tz.offset_from_utc_datetime(&at).fix()),
        Err(_) => super::parse_timezone(zone).ok(),
    }
}

/// `convert_tz(at, from, to)`: `at` read as a wall clock in `from`, shown in `to`; `None` for
/// a zone that is neither an IANA name nor an offset.
pub fn convert_tz(at: NaiveDateTime, from: &str, to: &str) -> Option<NaiveDateTime> {
    let utc = at - zone_offset_at_local(from, at)?;
    Some(utc + zone_offset_at_utc(to, utc)?)
}

/// Runs `f` with the compiled `pattern`; compiled patterns are kept per thread (a load
/// evaluates the same few for every row).
fn with_regex(pattern: &str, f: impl FnOnce(&regex::Regex) -> Val) -> Result<Val, String> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static COMPILED: RefCell<HashMap<String, regex::Regex>> = RefCell::new(HashMap::new());
    }
    COMPILED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(pattern) {
            let re = regex::Regex::new(pattern)
                .map_err(|e| format!("Invalid regex expression: {pattern}: {e}"))?;
            if cache.len() > 64 {
                cache.clear();
            }
            cache.insert(pattern.to_string(), re);
        }
        Ok(f(&cache[pattern]))
    })
}
