//! DECIMAL, floating-point and DATE/DATETIME literals, parsed the way StarRocks reads them.

use crate::cell::Cell;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

pub(crate) fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim();
    // Rust accepts "inf"/"NaN"; StarRocks does not load them as numbers.
    if t.is_empty()
        || t.chars()
            .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Parses a decimal literal into DECIMAL(precision, scale), rounding half away from zero.
pub fn parse_decimal(s: &str, precision: u8, scale: u8) -> Option<Cell> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        // Exponent forms go through f64.
        let x: f64 = parse_float(s)?;
        return parse_decimal(
            &format!("{:.*}", usize::from(scale) + 1, x),
            precision,
            scale,
        );
    }
    let scale_us = usize::from(scale);
    let mut frac: String = frac_part.chars().take(scale_us).collect();
    while frac.len() < scale_us {
        frac.push('0');
    }
    let round_up = frac_part
        .as_bytes()
        .get(scale_us)
        .is_some_and(|d| *d >= b'5');
    let int_trimmed = int_part.trim_start_matches('0');
    if int_trimmed.len() > usize::from(precision.saturating_sub(scale)) {
        return None;
    }
    let digits = format!("{int_trimmed}{frac}");
    let mut v: i128 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    if round_up {
        v += 1;
    }
    if v >= 10i128.checked_pow(u32::from(precision))? {
        return None;
    }
    Some(Cell::Decimal(if neg { -v } else { v }, scale))
}

/// Parses a DATE/DATETIME string as StarRocks does: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.ffffff]`,
/// the ISO-8601 form with `T` (optionally ending in `Z`), and MySQL's compact forms.
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let t = s.trim();
    let t = t.strip_suffix('Z').unwrap_or(t);
    if t.is_empty() {
        return None;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return parse_compact(t);
    }
    let (date_part, time_part) = match t.find(['T', ' ']) {
        Some(i) => (&t[..i], Some(t[i + 1..].trim_start())),
        None => (t, None),
    };
    let mut it = date_part.split(['-', '/']);
    let year = it.next()?;
    let month: u32 = it.next()?.parse().ok()?;
    let day: u32 = it.next()?.parse().ok()?;
    if it.next().is_some() || year.is_empty() || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = match year.len() {
        2 => {
            let y: i32 = year.parse().ok()?;
            if y < 70 { 2000 + y } else { 1900 + y }
        }
        4 => year.parse().ok()?,
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let time = match time_part {
        None | Some("") => NaiveTime::MIN,
        Some(tp) => parse_time(tp)?,
    };
    Some(NaiveDateTime::new(date, time))
}

fn parse_time(tp: &str) -> Option<NaiveTime> {
    let (hms, frac) = match tp.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (tp, None),
    };
    let mut parts = hms.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next().map(str::parse).transpose().ok()?.unwrap_or(0);
    let sec: u32 = parts.next().map(str::parse).transpose().ok()?.unwrap_or(0);
    if parts.next().is_some() {
        return None;
    }
    let micros = match frac {
        None => 0,
        Some(f) => {
            if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // Shorter fractions are scaled (.5 → 500000 µs); longer ones are truncated.
            let six: String = f.chars().chain(std::iter::repeat('0')).take(6).collect();
            six.parse::<u32>().ok()?
        }
    };
    NaiveTime::from_hms_micro_opt(h, m, sec, micros)
}

/// `yymmdd` as `yyyymmdd`: years 00–69 are 20xx, 70–99 are 19xx.
fn with_century(yymmdd: &str) -> Option<String> {
    let century = if yymmdd[..2].parse::<u32>().ok()? < 70 {
        "20"
    } else {
        "19"
    };
    Some(format!("{century}{yymmdd}"))
}

fn parse_compact(t: &str) -> Option<NaiveDateTime> {
    let (date_digits, time_digits) = match t.len() {
        6 => (with_century(t)?, ""),
        8 => (t.to_string(), ""),
        12 => (with_century(&t[..6])?, &t[6..]),
        14 => (t[..8].to_string(), &t[8..]),
        _ => return None,
    };
    let y: i32 = date_digits[..4].parse().ok()?;
    let mo: u32 = date_digits[4..6].parse().ok()?;
    let d: u32 = date_digits[6..8].parse().ok()?;
    let date = NaiveDate::from_ymd_opt(y, mo, d)?;
    let time = if time_digits.is_empty() {
        NaiveTime::MIN
    } else {
        NaiveTime::from_hms_opt(
            time_digits[..2].parse().ok()?,
            time_digits[2..4].parse().ok()?,
            time_digits[4..6].parse().ok()?,
        )?
    };
    Some(NaiveDateTime::new(date, time))
}
