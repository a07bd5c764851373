//! Conversion fixes: the `properties.columns` expressions (`from_unixtime`, `trim`, `ifnull`) that
//! make a column load what the samples hold, and the property changes that apply them.

use super::mapping::{Locator, Mapping, RecordView, SourceSlot, Target};
use super::{PreviewError, load_params, shown, table_def};
use ks_core::sample::SampledRecord;
use ks_core::schema::{ColumnSpec, ColumnType, parse_type, valid_name, zones};
use starrocks_model::convert::SourceValue;
use starrocks_model::load::{Format, LoadParams};
use std::collections::BTreeMap;

/// A `properties.columns` expression that makes a column load what the samples hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionFix {
    pub column: String,
    /// What goes wrong without it ("epoch milliseconds in a DATETIME column load as NULL").
    pub problem: String,
    /// The derived item to add, e.g. `event_time=from_unixtime(event_time_src/1000)`.
    pub columns_expression: String,
    pub explanation: String,
    /// The complete property changes that apply this fix alone (`columns`, and `jsonpaths`
    /// when the source had to be renamed in a JSON load without them).
    pub properties: Vec<(String, String)>,
}

enum FixKind {
    Epoch {
        divisor: u64,
        unit: &'static str,
    },
    Trim,
    Default(&'static str),
    /// Date-times with and without zones, into the table's zone (`ks_core::schema::zones`).
    Zone {
        naive: String,
        table: String,
    },
}

/// What the fixes assume beyond the samples and the properties.
#[derive(Debug, Clone, Default)]
pub struct FixOptions {
    /// The zone of date-times that carry none (the wizard asks); `None`: the table's zone,
    /// so they load as they are.
    pub naive_zone: Option<String>,
}

fn fix_expr(kind: &FixKind, src: &str) -> String {
    match kind {
        FixKind::Epoch { divisor: 1, .. } => format!("from_unixtime({src})"),
        FixKind::Epoch { divisor, .. } => format!("from_unixtime({src}/{divisor})"),
        FixKind::Trim => format!("trim({src})"),
        FixKind::Default(d) => format!("ifnull({src}, {d})"),
        FixKind::Zone { naive, table } => zones::zoned_datetime_expr(src, naive, table),
    }
}

/// Epoch unit of a number by magnitude: seconds (2001–2286), milliseconds, microseconds.
fn epoch_divisor(x: f64) -> Option<(u64, &'static str)> {
    let a = x.abs();
    if (1e9..1e10).contains(&a) {
        Some((1, "seconds"))
    } else if (1e12..1e13).contains(&a) {
        Some((1000, "milliseconds"))
    } else if (1e15..1e16).contains(&a) {
        Some((1_000_000, "microseconds"))
    } else {
        None
    }
}

fn as_number(v: &SourceValue) -> Option<f64> {
    match v {
        SourceValue::Json(serde_json::Value::Number(n)) => n.as_f64(),
        SourceValue::Json(serde_json::Value::String(s)) | SourceValue::Text(s) => {
            let t = s.trim();
            (!t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-'))
            .then(|| t.parse().ok())
            .flatten()
        }
        _ => None,
    }
}

/// Proposes `columns` expressions for what the samples show: epoch seconds/milliseconds/
/// microseconds in a DATETIME or DATE column (StarRocks loads NULL: use `from_unixtime`),
/// strings with surrounding spaces in a VARCHAR column (`trim`), a NOT NULL column that some
/// records leave empty (`ifnull` with the type's zero value). Only functions the stand-in's
/// (and StarRocks') Stream Load evaluates. Columns already computed by an expression are left
/// alone.
pub fn suggest_fixes(
    samples: &[SampledRecord],
    columns: &[ColumnSpec],
    properties: &BTreeMap<String, String>,
) -> Result<Vec<ConversionFix>, PreviewError> {
    suggest_fixes_with(samples, columns, properties, &FixOptions::default())
}

/// [`suggest_fixes`], and date-times whose zone differs from the table's (`timezone`, StarRocks'
/// Asia/Shanghai by default) get `convert_tz` ([`zones::zoned_datetime_expr`]).
pub fn suggest_fixes_with(
    samples: &[SampledRecord],
    columns: &[ColumnSpec],
    properties: &BTreeMap<String, String>,
    options: &FixOptions,
) -> Result<Vec<ConversionFix>, PreviewError> {
    let table_zone = ks_core::config::property(properties, "timezone")
        .map_or(zones::STARROCKS_DEFAULT_ZONE, str::trim)
        .to_string();
    let naive_zone = options
        .naive_zone
        .clone()
        .unwrap_or_else(|| table_zone.clone());
    let _ = table_def(columns)?;
    let params = load_params(properties)?;
    let mapping = Mapping::build(columns, &params, properties);
    let views: Vec<RecordView> = samples.iter().map(|r| mapping.view(r, &params)).collect();
    let mut fixes = Vec::new();
    for (j, col) in columns.iter().enumerate() {
        let Target::Source(slot) = &mapping.targets[j] else {
            continue;
        };
        let Ok(ty) = parse_type(&col.sql_type) else {
            continue;
        };
        let raws: Vec<Option<SourceValue>> = views
            .iter()
            .filter(|v| !matches!(v, RecordView::Unreadable))
            .map(|v| mapping.raw(v, *slot))
            .collect();
        let present: Vec<&SourceValue> = raws
            .iter()
            .flatten()
            .filter(|v| {
                !matches!(
                    v,
                    SourceValue::Null | SourceValue::Json(serde_json::Value::Null)
                )
            })
            .collect();
        let path = mapping.sources[*slot].locator.describe();
        let kind = if ty.is_temporal() && !present.is_empty() {
            let units: Vec<Option<(u64, &str)>> = present
                .iter()
                .map(|v| as_number(v).and_then(epoch_divisor))
                .collect();
            match units.first() {
                Some(Some((d, unit))) if units.iter().all(|u| u.map(|x| x.0) == Some(*d)) => {
                    Some((
                        FixKind::Epoch { divisor: *d, unit },
                        format!(
                            "{path} holds epoch {unit}; StarRocks loads a number into a {} column as NULL",
                            ty.ddl()
                        ),
                    ))
                }
                _ => None,
            }
        } else if ty.is_string()
            && present.iter().any(|v| {
                let s = shown(v);
                s.trim() != s
            })
        {
            Some((
                FixKind::Trim,
                format!(
                    "{path} has values with leading or trailing spaces; they would be stored with them"
                ),
            ))
        } else {
            None
        };
        let kind = kind.or_else(|| {
            (ty == ColumnType::DateTime)
                .then(|| zone_fix(&present, &path, &naive_zone, &table_zone))
                .flatten()
        });
        let kind = kind.or_else(|| {
            let empty = raws.len() - present.len();
            if col.nullable || empty == 0 {
                return None;
            }
            let zero = if ty.is_string() {
                "''"
            } else if ty.is_numeric() || ty == ColumnType::Boolean {
                "0"
            } else {
                return None;
            };
            Some((
                FixKind::Default(zero),
                format!(
                    "{empty} of {} sampled records have no value at {path}; NULL into the NOT NULL column {} filters those rows",
                    raws.len(),
                    col.name
                ),
            ))
        });
        let Some((kind, problem)) = kind else {
            continue;
        };
        let (props, expr) = rebuild(columns, &mapping, &params, &[(j, &kind)]);
        let explanation = match &kind {
            FixKind::Epoch { unit, .. } => format!(
                "from_unixtime() turns epoch seconds into a DATETIME in the load's timezone (the \
                 `timezone` property, Asia/Shanghai by default){}",
                if *unit == "seconds" {
                    String::new()
                } else {
                    format!("; the value is divided first because it is in {unit}")
                }
            ),
            FixKind::Trim => "trim() removes the spaces as the row is loaded".to_string(),
            FixKind::Default(d) => {
                format!(
                    "ifnull() stores {d} instead of NULL, so the rows load instead of being filtered"
                )
            }
            FixKind::Zone { naive, table } => format!(
                "convert_tz() reads each value in its own zone (Z, ±hh:mm), or in {naive} when it \
                 has none, and stores the time it names as {table} time (the table's zone: the \
                 `timezone` property)"
            ),
        };
        fixes.push(ConversionFix {
            column: col.name.clone(),
            problem,
            columns_expression: expr.into_iter().next().unwrap_or_default(),
            explanation,
            properties: props,
        });
    }
    Ok(fixes)
}

/// The property changes (`columns`, maybe `jsonpaths`) that apply all of `fixes` together.
pub fn properties_with_fixes(
    columns: &[ColumnSpec],
    properties: &BTreeMap<String, String>,
    fixes: &[ConversionFix],
) -> Result<BTreeMap<String, String>, PreviewError> {
    let params = load_params(properties)?;
    let mapping = Mapping::build(columns, &params, properties);
    let mut out = properties.clone();
    // Re-derive each fix's kind from its expression: the expression is the fix.
    let mut items: Vec<(usize, String)> = Vec::new();
    for f in fixes {
        if let Some(j) = columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(&f.column))
        {
            items.push((j, f.columns_expression.clone()));
        }
    }
    let (changes, _) = rebuild_with(columns, &mapping, &params, &items);
    for (k, v) in changes {
        out.retain(|key, _| !key.eq_ignore_ascii_case(&k));
        out.insert(k, v);
    }
    Ok(out)
}

fn ident(name: &str) -> String {
    if valid_name(name) {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// Rebuilds `columns` (and `jsonpaths` if needed) with derived items for the given columns.
fn rebuild(
    columns: &[ColumnSpec],
    mapping: &Mapping,
    params: &LoadParams,
    fixes: &[(usize, &FixKind)],
) -> (Vec<(String, String)>, Vec<String>) {
    let items: Vec<(usize, String)> = fixes
        .iter()
        .map(|(j, kind)| {
            (
                *j,
                fix_expr(kind, &src_name(columns, mapping, &columns[*j].name)),
            )
        })
        .map(|(j, e)| (j, format!("{}={e}", ident(&columns[j].name))))
        .collect();
    rebuild_with(columns, mapping, params, &items)
}

/// The temporary source name for a column's raw value: `<col>_src` (made unique).
fn src_name(columns: &[ColumnSpec], mapping: &Mapping, col: &str) -> String {
    let taken = |n: &str| {
        columns.iter().any(|c| c.name.eq_ignore_ascii_case(n))
            || mapping
                .sources
                .iter()
                .any(|s| s.name.eq_ignore_ascii_case(n))
    };
    let mut name = format!("{col}_src");
    let mut k = 2;
    while taken(&name) {
        name = format!("{col}_src{k}");
        k += 1;
    }
    name
}

fn rebuild_with(
    columns: &[ColumnSpec],
    mapping: &Mapping,
    params: &LoadParams,
    items: &[(usize, String)],
) -> (Vec<(String, String)>, Vec<String>) {
    let mut sources: Vec<SourceSlot> = mapping.sources.clone();
    let mut renamed = false;
    for (j, _) in items {
        if let Target::Source(i) = &mapping.targets[*j] {
            sources[*i].name = src_name(columns, mapping, &columns[*j].name);
            renamed = true;
        }
    }
    let mut parts: Vec<String> = sources.iter().map(|s| ident(&s.name)).collect();
    // Existing expressions stay, except those replaced by a fix for the same column.
    for d in &mapping.derived_text {
        let name = d
            .split('=')
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches('`');
        if !items
            .iter()
            .any(|(j, _)| columns[*j].name.eq_ignore_ascii_case(name))
        {
            parts.push(d.clone());
        }
    }
    let exprs: Vec<String> = items.iter().map(|(_, e)| e.clone()).collect();
    parts.extend(exprs.iter().cloned());
    let mut changes = vec![("columns".to_string(), parts.join(", "))];
    let keyed = sources.iter().any(|s| matches!(s.locator, Locator::Key(_)));
    if renamed && params.format == Format::Json && keyed {
        // Renamed sources are no longer found by name: address every source by path.
        let paths: Vec<String> = mapping
            .sources
            .iter()
            .map(|s| match &s.locator {
                Locator::Path(p) => p.text.clone(),
                Locator::Key(k) => ks_core::schema::jsonpath_for(k),
                Locator::Field(i) => format!("$[{i}]"),
            })
            .collect();
        changes.push((
            "jsonpaths".to_string(),
            serde_json::to_string(&paths).unwrap_or_default(),
        ));
    }
    (changes, exprs)
}

/// The zone fix for a DATETIME column whose string values would land at other times than they
/// name in `table_zone`: an offset (NULL in StarRocks), a `Z` or a naive value in a zone other
/// than the table's. `None` when every value already lands right, or one is no date-time.
fn zone_fix(
    present: &[&SourceValue],
    path: &str,
    naive_zone: &str,
    table_zone: &str,
) -> Option<(FixKind, String)> {
    if !zones::valid_zone(naive_zone) || !zones::valid_zone(table_zone) {
        return None;
    }
    let mut first_wrong: Option<(String, zones::Landing)> = None;
    let mut wrong = 0;
    for v in present {
        let text = match v {
            SourceValue::Json(serde_json::Value::String(s)) | SourceValue::Text(s) => s,
            _ => return None,
        };
        let landing = zones::landing(text, naive_zone, table_zone)?;
        if landing.as_is != landing.converted {
            wrong += 1;
            first_wrong.get_or_insert((text.clone(), landing));
        }
    }
    let (example, landing) = first_wrong?;
    let shown = |t: Option<chrono::NaiveDateTime>| {
        t.map_or("NULL".to_string(), |t| {
            t.format("%Y-%m-%d %H:%M:%S%.f").to_string()
        })
    };
    Some((
        FixKind::Zone {
            naive: naive_zone.to_string(),
            table: table_zone.to_string(),
        },
        format!(
            "{wrong} of {} sampled values at {path} would not land as {table_zone} time: \
             \"{example}\" lands as {} as it is, {} converted",
            present.len(),
            shown(landing.as_is),
            shown(landing.converted),
        ),
    ))
}
