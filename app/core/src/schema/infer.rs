//! Schema inference: column names and types proposed from sampled JSON records, and the
//! proposed sort key. Every type proposed here loads with StarRocks' conversion rules.

use super::{
    ColumnSpec, ColumnType, MAX_VARCHAR_BYTES, TableSpec, column_name_for, field_addressable,
    parse_type,
};

/// The shape of a date/time string, when it is one StarRocks parses (protocol reference §5.2):
/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.f…]`, the same with `T`, optionally ending in `Z`.
/// UTC offsets (`+02:00`) are not parsed by a Stream Load into DATETIME, so they are not dates here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemporalShape {
    Date,
    DateTime,
}

pub fn temporal_shape(s: &str) -> Option<TemporalShape> {
    let t = s.trim();
    let t = t.strip_suffix('Z').unwrap_or(t);
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = t.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let _ = date;
    if b.len() == 10 {
        return Some(TemporalShape::Date);
    }
    if (b[10] != b'T' && b[10] != b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    chrono::NaiveTime::from_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)?;
    match &t[19..] {
        "" => Some(TemporalShape::DateTime),
        frac => {
            let digits = frac.strip_prefix('.')?;
            (!digits.is_empty() && digits.len() <= 9 && digits.bytes().all(|c| c.is_ascii_digit()))
                .then_some(TemporalShape::DateTime)
        }
    }
}

/// VARCHAR length for a longest value of `longest` bytes: the next power of two ≥ twice it
/// (room for longer values later), at least 64, at most 65533 (StarRocks' classic maximum and
/// STRING's size); longer values get the 1 MiB maximum.
pub fn varchar_len(longest: usize) -> u32 {
    if longest > 65533 {
        return MAX_VARCHAR_BYTES;
    }
    let want = (longest.max(1) * 2).next_power_of_two().max(64);
    want.min(65533) as u32
}

#[derive(Default)]
struct FieldStats {
    present_non_null: usize,
    nulls_or_missing: usize,
    bools: usize,
    ints: usize,
    big_uints: usize,
    floats: usize,
    strings: usize,
    dates: usize,
    datetimes: usize,
    nested: usize,
    longest_text: usize,
}

/// Proposes columns for the top-level fields of JSON object samples, in first-seen order.
///
/// Types: BIGINT for integers (LARGEINT past i64), DOUBLE for fractional numbers or a mix of
/// integers and fractions, BOOLEAN, DATE/DATETIME for strings in the shapes StarRocks parses,
/// JSON for objects and arrays, VARCHAR otherwise (and for mixed scalar kinds). DOUBLE rather
/// than DECIMAL: JSON numbers arrive as binary floats, and a DECIMAL(p, s) guessed from a few
/// samples turns the first larger or more precise value into NULL (non-strict mode); switch to
/// DECIMAL in the grid for money that must sum exactly. A field missing or null in any sample
/// is nullable. A sort key is proposed (see [`propose_key`]) and its columns moved first.
/// Non-object samples are ignored; no objects → no columns.
pub fn infer(samples: &[serde_json::Value]) -> Vec<ColumnSpec> {
    let objects: Vec<&serde_json::Map<String, serde_json::Value>> =
        samples.iter().filter_map(|s| s.as_object()).collect();
    let mut order: Vec<String> = Vec::new();
    for o in &objects {
        for k in o.keys() {
            if field_addressable(k) && !order.contains(k) {
                order.push(k.clone());
            }
        }
    }
    let mut columns = Vec::new();
    let mut used: Vec<String> = Vec::new();
    for field in &order {
        let mut st = FieldStats::default();
        for o in &objects {
            observe(&mut st, o.get(field));
        }
        let mut name = column_name_for(field);
        let mut n = 2;
        while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
            name = format!("{}_{n}", column_name_for(field));
            n += 1;
        }
        used.push(name.clone());
        columns.push(ColumnSpec {
            source: (name != *field).then(|| field.clone()),
            name,
            sql_type: type_for(&st).ddl(),
            nullable: st.nulls_or_missing > 0,
            key: false,
        });
    }
    propose_key(&mut columns);
    columns
}

/// [`infer`] as a whole table.
pub fn infer_table(database: &str, table: &str, samples: &[serde_json::Value]) -> TableSpec {
    TableSpec {
        database: database.to_string(),
        table: table.to_string(),
        columns: infer(samples),
        buckets: None,
        replication_num: None,
        ..TableSpec::default()
    }
}

fn observe(st: &mut FieldStats, v: Option<&serde_json::Value>) {
    use serde_json::Value;
    let v = match v {
        None | Some(Value::Null) => {
            st.nulls_or_missing += 1;
            return;
        }
        Some(v) => v,
    };
    st.present_non_null += 1;
    let text_len = match v {
        Value::String(s) => s.len(),
        other => other.to_string().len(),
    };
    st.longest_text = st.longest_text.max(text_len);
    match v {
        Value::Bool(_) => st.bools += 1,
        Value::Number(n) => {
            if n.as_i64().is_some() {
                st.ints += 1;
            } else if n.as_u64().is_some() {
                st.big_uints += 1;
            } else {
                st.floats += 1;
            }
        }
        Value::String(s) => {
            st.strings += 1;
            match temporal_shape(s) {
                Some(TemporalShape::Date) => st.dates += 1,
                Some(TemporalShape::DateTime) => st.datetimes += 1,
                None => {}
            }
        }
        Value::Array(_) | Value::Object(_) => st.nested += 1,
        Value::Null => {}
    }
}

fn type_for(st: &FieldStats) -> ColumnType {
    let n = st.present_non_null;
    if n == 0 {
        // Never seen with a value: a modest VARCHAR takes whatever scalar comes.
        return ColumnType::Varchar(64);
    }
    if st.nested > 0 {
        // A JSON column takes objects, arrays and scalars alike.
        return ColumnType::Json;
    }
    let numbers = st.ints + st.big_uints + st.floats;
    if st.bools == n {
        ColumnType::Boolean
    } else if numbers == n {
        if st.floats > 0 {
            ColumnType::Double
        } else if st.big_uints > 0 {
            ColumnType::LargeInt
        } else {
            ColumnType::BigInt
        }
    } else if st.strings == n && st.dates == n {
        ColumnType::Date
    } else if st.strings == n && st.dates + st.datetimes == n {
        ColumnType::DateTime
    } else {
        ColumnType::Varchar(varchar_len(st.longest_text))
    }
}

/// Picks the sort key and moves it first: an id-like column (`id`, `…_id`, `…Id`) of an
/// integer or string type, else the first DATETIME/DATE column (events sort by time), else the
/// first column that can be a key. DOUBLE/JSON columns cannot be keys; with none left, no key
/// (the DDL then distributes randomly).
pub fn propose_key(columns: &mut Vec<ColumnSpec>) {
    for c in columns.iter_mut() {
        c.key = false;
    }
    let ty = |c: &ColumnSpec| parse_type(&c.sql_type).ok();
    let id_like = |name: &str| {
        let l = name.to_ascii_lowercase();
        l == "id" || l.ends_with("_id") || (name.ends_with("Id") && name.len() > 2)
    };
    let pick = columns
        .iter()
        .position(|c| id_like(&c.name) && ty(c).is_some_and(|t| t.is_integer() || t.is_string()))
        .or_else(|| {
            columns
                .iter()
                .position(|c| ty(c).is_some_and(|t| t.is_temporal()))
        })
        .or_else(|| {
            columns
                .iter()
                .position(|c| ty(c).is_some_and(|t| t.can_be_key() && t != ColumnType::Boolean))
        });
    if let Some(i) = pick {
        let mut c = columns.remove(i);
        c.key = true;
        columns.insert(0, c);
    }
}
