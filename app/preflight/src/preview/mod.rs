//! The mapping preview and the conversion helpers. Each sampled record goes through the
//! Stream Load code the stand-in runs (`starrocks_model::load::execute`: `columns`, `jsonpaths`,
//! `json_root`, expressions, conversion §5.2, strict mode, NOT NULL filtering, `where`) in the
//! body shape the engine sends, so what the preview says is what a load does. A second pass over
//! the same mapping says *why* a cell is NULL (missing field, value that does not convert).
mod fixes;
mod mapping;

pub use fixes::{
    ConversionFix, FixOptions, properties_with_fixes, suggest_fixes, suggest_fixes_with,
};
pub(crate) use mapping::{Locator, Mapping};

use ks_core::preview::{MappingPreview, PreviewCell, PreviewRow, RowOutcome};
use ks_core::sample::SampledRecord;
use ks_core::schema::{ColumnSpec, parse_type};
use mapping::{RecordView, Target};
use starrocks_model::convert::{SourceValue, convert};
use starrocks_model::expr::Row;
use starrocks_model::load::{Format, LoadParams, parse_params};
use starrocks_model::table::{ColumnDef, KeysType, RowOp, TableDef};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreviewError {
    /// A column's type does not parse.
    #[error("column {column}: {message}")]
    Column { column: String, message: String },
    /// The Stream Load properties are rejected the way StarRocks rejects them.
    #[error("sink.properties: {0}")]
    Properties(String),
    /// The whole load would fail (e.g. jsonpaths and columns disagree, an unknown function).
    #[error("the load would fail: {0}")]
    Load(String),
}

fn table_def(columns: &[ColumnSpec]) -> Result<TableDef, PreviewError> {
    let mut cols = Vec::with_capacity(columns.len());
    for c in columns {
        let ty = parse_type(&c.sql_type).map_err(|message| PreviewError::Column {
            column: c.name.clone(),
            message,
        })?;
        let mut def = ColumnDef::new(&c.name, ty);
        def.nullable = c.nullable;
        cols.push(def);
    }
    Ok(TableDef {
        name: "preview".into(),
        key_columns: columns
            .iter()
            .filter(|c| c.key)
            .map(|c| c.name.clone())
            .collect(),
        columns: cols,
        keys_type: KeysType::Duplicate,
        ..Default::default()
    })
}

/// The load parameters StarRocks would see: the headers the engine sends for these properties
/// (`stream_load_properties`, the same function the Stream Load client uses), parsed by the
/// stand-in's rules.
pub(crate) fn load_params(
    properties: &BTreeMap<String, String>,
) -> Result<LoadParams, PreviewError> {
    let properties = ks_core::config::stream_load_properties(properties);
    parse_params(&|k: &str| {
        properties
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    })
    .map_err(PreviewError::Properties)
}

pub(crate) fn property(props: &BTreeMap<String, String>, key: &str) -> Option<String> {
    ks_core::config::property(props, key).map(str::to_string)
}

/// The body the engine would send for this one record (a JSON array, or one CSV row).
fn body_for(rec: &SampledRecord, params: &LoadParams) -> Vec<u8> {
    match params.format {
        Format::Json => {
            let mut b = Vec::with_capacity(rec.data.len() + 2);
            b.push(b'[');
            b.extend_from_slice(&rec.data);
            b.push(b']');
            b
        }
        Format::Csv => {
            let mut b = rec.data.clone();
            b.extend_from_slice(&params.row_delimiter);
            b
        }
    }
}

fn shown(v: &SourceValue) -> String {
    match v {
        SourceValue::Null => "NULL".into(),
        SourceValue::Text(t) => t.clone(),
        SourceValue::Json(serde_json::Value::String(s)) => s.clone(),
        SourceValue::Json(j) => j.to_string(),
    }
}

/// The preview: each sampled record as the row StarRocks would store (or filter), cell by cell.
/// `properties` are the sink's Stream Load properties (`format`, `jsonpaths`, `columns`,
/// `strict_mode`, `json_root`, `where`, `timezone`, …) as in the config.
pub fn preview(
    samples: &[SampledRecord],
    columns: &[ColumnSpec],
    properties: &BTreeMap<String, String>,
) -> Result<MappingPreview, PreviewError> {
    let mut def = table_def(columns)?;
    let params = load_params(properties)?;
    if params.partial_update {
        // A column list does not say the table's model; a partial update says the user means a
        // PRIMARY KEY table (StarRocks refuses it on others, at the load).
        def.keys_type = KeysType::Primary;
    }
    let mapping = Mapping::build(columns, &params, properties);
    let mut rows = Vec::with_capacity(samples.len());
    for (i, rec) in samples.iter().enumerate() {
        if params.format == Format::Json
            && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&rec.data)
        {
            rows.push(PreviewRow {
                source_index: i,
                outcome: RowOutcome::Filtered {
                    reason: format!(
                        "not JSON ({e}): the pipeline sets the record aside (sink on-data-error) and never sends it"
                    ),
                    cells: Vec::new(),
                },
            });
            continue;
        }
        let out = starrocks_model::load::execute(&def, &params, &body_for(rec, &params))
            .map_err(|e| PreviewError::Load(e.0))?;
        let view = mapping.view(rec, &params);
        let explained = explain(&mapping, &def, columns, &params, &view);
        let outcome = if let Some(op) = out.ops.first() {
            let cells = match op {
                RowOp::Upsert(c) | RowOp::Delete(c) | RowOp::Update { row: c, .. } => c,
            };
            RowOutcome::Loaded(
                cells
                    .iter()
                    .enumerate()
                    .map(|(j, cell)| match (cell.to_text(), explained.get(j)) {
                        (Some(_), Some(PreviewCell::Default { .. })) => PreviewCell::Default {
                            value: cell.to_text(),
                        },
                        (Some(t), _) => PreviewCell::Value(t),
                        (None, Some(e)) if e.is_null() => e.clone(),
                        (None, _) => PreviewCell::Null,
                    })
                    .collect(),
            )
        } else if out.stats.filtered_rows > 0 {
            let line = out.error_lines.first().cloned().unwrap_or_default();
            let reason = line
                .strip_prefix("Error: ")
                .unwrap_or(&line)
                .split(". Row: ")
                .next()
                .unwrap_or_default()
                .to_string();
            let reason = if reason.starts_with("NULL value in non-nullable column") {
                format!("{reason}: the row is filtered")
            } else {
                reason
            };
            RowOutcome::Filtered {
                reason,
                cells: explained,
            }
        } else {
            RowOutcome::Unselected
        };
        rows.push(PreviewRow {
            source_index: i,
            outcome,
        });
    }
    Ok(MappingPreview {
        columns: columns.iter().map(|c| c.name.clone()).collect(),
        rows,
    })
}

/// Every cell of one record with the reason for each NULL (same rules as the load).
fn explain(
    mapping: &Mapping,
    def: &TableDef,
    specs: &[ColumnSpec],
    params: &LoadParams,
    view: &RecordView,
) -> Vec<PreviewCell> {
    if matches!(view, RecordView::Unreadable) {
        return Vec::new();
    }
    let names = mapping.names(view);
    let row = Row {
        values: &names,
        tz: params.timezone,
    };
    def.columns
        .iter()
        .zip(&mapping.targets)
        .zip(specs)
        .map(|((col, target), spec)| {
            let (source, missing) = match target {
                Target::Source(i) => match mapping.raw(view, *i) {
                    None => {
                        return PreviewCell::NullMissing {
                            path: mapping.sources[*i].locator.describe(),
                        };
                    }
                    Some(v) => (v, None),
                },
                Target::Expr(e) => {
                    let mut refs = Vec::new();
                    e.columns(&mut refs);
                    let missing = refs.iter().find_map(|r| {
                        mapping
                            .sources
                            .iter()
                            .position(|s| s.name.eq_ignore_ascii_case(r))
                            .filter(|i| mapping.raw(view, *i).is_none())
                            .map(|i| mapping.sources[i].locator.describe())
                    });
                    match e.eval(&row) {
                        Ok(v) => (v.to_source(), missing),
                        Err(_) => (SourceValue::Null, missing),
                    }
                }
                Target::Default => return PreviewCell::Default { value: None },
            };
            match convert(&source, &col.ty) {
                Ok(cell) => match cell.to_text() {
                    Some(t) => PreviewCell::Value(t),
                    None => match missing {
                        Some(path) => PreviewCell::NullMissing { path },
                        None => PreviewCell::Null,
                    },
                },
                Err(e) => PreviewCell::NullNotConvertible {
                    value: shown(&source),
                    // The grid's spelling of the type (`TINYINT`, not `tinyint(4)`).
                    to_type: parse_type(&spec.sql_type)
                        .map(|t| t.ddl())
                        .unwrap_or_else(|_| col.ty.to_string().to_ascii_uppercase()),
                    reason: e.reason,
                },
            }
        })
        .collect()
}
