//! The `table.mapping` check: what the mapping preview of the samples says about each column.

use super::G;
use crate::preview::{preview, properties_with_fixes, suggest_fixes};
use ks_core::check::{CheckFix, CheckResult};
use ks_core::preview::{PreviewCell, RowOutcome};
use ks_core::sample::SampledRecord;
use ks_core::schema::ColumnSpec;
use std::collections::BTreeMap;

/// Top-level fields of the JSON samples that no jsonpath (or, without jsonpaths, no column name)
/// takes, in first-seen order.
fn unmapped_fields(
    samples: &[SampledRecord],
    columns: &[ColumnSpec],
    properties: &BTreeMap<String, String>,
) -> Vec<String> {
    let taken: Vec<String> = match crate::preview::property(properties, "jsonpaths")
        .and_then(|v| serde_json::from_str::<Vec<String>>(&v).ok())
    {
        Some(paths) => paths
            .iter()
            .map(|p| {
                let p = p.trim();
                let p = p.strip_prefix("$.").unwrap_or(p);
                p.split(['.', '[']).next().unwrap_or(p).to_ascii_lowercase()
            })
            .collect(),
        None => columns
            .iter()
            .map(|c| c.field().to_ascii_lowercase())
            .collect(),
    };
    let mut out: Vec<String> = Vec::new();
    for record in samples {
        if let Some(serde_json::Value::Object(map)) = record.json() {
            for key in map.keys() {
                if !taken.contains(&key.to_ascii_lowercase()) && !out.contains(key) {
                    out.push(key.clone());
                }
            }
        }
    }
    out
}

/// `table.mapping`: what the preview of the samples says about each column.
pub fn mapping_check(
    samples: &[SampledRecord],
    columns: &[ColumnSpec],
    properties: &BTreeMap<String, String>,
) -> CheckResult {
    let (id, title) = ("table.mapping", "Records map onto the columns");
    let n = samples.len();
    let p = match preview(samples, columns, properties) {
        Ok(p) => p,
        Err(e) => {
            return CheckResult::fail(
                G,
                id,
                title,
                format!("{e}"),
                "correct sink.properties (jsonpaths, columns, format) so that they match the table",
            );
        }
    };
    let mut fails: Vec<String> = Vec::new();
    let mut warns: Vec<String> = Vec::new();
    // Fields the records have that no column takes: the likely intended targets of a path that
    // matches nothing ("cost" when the records say "price").
    let unmapped = unmapped_fields(samples, columns, properties);
    let mut all_missing = false;
    let filtered: Vec<&str> = p
        .rows
        .iter()
        .filter_map(|r| match &r.outcome {
            RowOutcome::Filtered { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    for (j, col) in columns.iter().enumerate() {
        let cells: Vec<&PreviewCell> = p
            .rows
            .iter()
            .filter_map(|r| match &r.outcome {
                RowOutcome::Loaded(c) | RowOutcome::Filtered { cells: c, .. } => c.get(j),
                RowOutcome::Unselected => None,
            })
            .collect();
        if cells.is_empty() {
            continue;
        }
        let missing: Vec<&str> = cells
            .iter()
            .filter_map(|c| match c {
                PreviewCell::NullMissing { path } => Some(path.as_str()),
                _ => None,
            })
            .collect();
        if missing.len() == cells.len() {
            all_missing = true;
            let what = format!(
                "every row would load NULL into {}: {} matches no field in any of the {} sampled records",
                col.name,
                missing[0],
                cells.len()
            );
            if col.nullable {
                warns.push(what);
            } else {
                fails.push(format!(
                    "{what}, and {} is NOT NULL, so every row would be filtered",
                    col.name
                ));
            }
            continue;
        }
        let bad: Vec<(&str, &str, &str)> = cells
            .iter()
            .filter_map(|c| match c {
                PreviewCell::NullNotConvertible {
                    value,
                    to_type,
                    reason,
                } => Some((value.as_str(), to_type.as_str(), reason.as_str())),
                _ => None,
            })
            .collect();
        if let Some((value, to_type, reason)) = bad.first() {
            let every = if bad.len() == cells.len() {
                "every row".to_string()
            } else {
                format!("{} of {} sampled rows", bad.len(), cells.len())
            };
            let what = format!(
                "{every} would load NULL into {}: '{value}' does not convert to {to_type} ({reason}); \
                 non-strict StarRocks stores NULL, strict mode filters the row",
                col.name
            );
            if col.nullable {
                warns.push(what);
            } else {
                fails.push(what);
            }
        }
    }
    if !filtered.is_empty() {
        let ratio: f64 = crate::preview::property(properties, "max_filter_ratio")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0);
        let what = if filtered.len() == n {
            format!("every sampled row would be filtered: {}", filtered[0])
        } else {
            format!(
                "{} of {n} sampled rows would be filtered: {}",
                filtered.len(),
                filtered[0]
            )
        };
        if ratio == 0.0 || filtered.len() == n {
            fails.push(format!(
                "{what} (with max_filter_ratio {ratio} a batch with a filtered row fails)"
            ));
        } else {
            warns.push(what);
        }
    }
    let fixes = suggest_fixes(samples, columns, properties).unwrap_or_default();
    let mut detail_lines: Vec<String> = fails.iter().chain(warns.iter()).cloned().collect();
    for f in &fixes {
        detail_lines.push(format!(
            "fix for {}: {} → add `{}` to properties.columns ({})",
            f.column, f.problem, f.columns_expression, f.explanation
        ));
    }
    let config_fix = if fixes.is_empty() {
        None
    } else {
        properties_with_fixes(columns, properties, &fixes)
            .ok()
            .map(|new| {
                let changes: Vec<(String, String)> = new
                    .iter()
                    .filter(|(k, v)| properties.get(*k) != Some(*v))
                    .map(|(k, v)| (format!("sink.properties.{k}"), v.clone()))
                    .collect();
                for (k, v) in &changes {
                    detail_lines.push(format!("{k} = '{v}'"));
                }
                CheckFix::Config { changes }
            })
    };
    if all_missing && !unmapped.is_empty() {
        detail_lines.push(format!(
            "fields in the records that no column takes: {}",
            unmapped.join(", ")
        ));
    }
    let missing_hint = if all_missing && !unmapped.is_empty() {
        format!(
            "point properties.jsonpaths (or the column names) at fields the records have; unused: {}",
            unmapped.join(", ")
        )
    } else if all_missing {
        "point properties.jsonpaths (or the column names) at fields the records have, or drop the column from the mapping".to_string()
    } else {
        String::new()
    };
    let detail = detail_lines.join("\n");
    let mut result = if !fails.is_empty() {
        CheckResult::fail(
            G,
            id,
            title,
            detail,
            if missing_hint.is_empty() {
                "make the jsonpaths/columns match the records (or the records the table): see the detail for each column".to_string()
            } else {
                missing_hint.clone()
            },
        )
    } else if !warns.is_empty() {
        CheckResult::warn(
            G,
            id,
            title,
            detail,
            if missing_hint.is_empty() {
                "check the columns listed: they would be NULL in the table (a conversion fix in the detail, or a column type that fits the values)".to_string()
            } else {
                missing_hint
            },
        )
    } else {
        CheckResult::pass(
            G,
            id,
            title,
            format!(
                "{} sampled records map onto the {} columns{}",
                n,
                columns.len(),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!("\n{detail}")
                }
            ),
        )
    };
    if let Some(f) = config_fix {
        result = result.with_fix(f);
    }
    result
}
