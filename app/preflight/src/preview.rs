//! The mapping preview and the conversion helpers. Each sampled record goes through the
//! Stream Load code the stand-in runs (`starrocks_model::load::execute`: `columns`, `jsonpaths`,
//! `json_root`, expressions, conversion §5.2, strict mode, NOT NULL filtering, `where`) in the
//! body shape the engine sends, so what the preview says is what a load does. A second pass over
//! the same mapping says *why* a cell is NULL (missing field, value that does not convert).

use ks_core::preview::{MappingPreview, PreviewCell, PreviewRow, RowOutcome};
use ks_core::sample::SampledRecord;
use ks_core::schema::{ColumnSpec, ColumnType, parse_type, valid_name};
use starrocks_model::convert::{SourceValue, convert};
use starrocks_model::expr::{ColumnItem, Expr, Row, Val};
use starrocks_model::load::{Format, JsonPath, LoadParams, parse_params};
use starrocks_model::table::{ColumnDef, KeysType, RowOp, TableDef};
use std::collections::{BTreeMap, HashMap};

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

/// Where a source value comes from.
#[derive(Debug, Clone)]
pub(crate) enum Locator {
    /// A jsonpath (`jsonpaths` given).
    Path(JsonPath),
    /// A top-level key (JSON without jsonpaths: matched by name, case-insensitively as a fallback).
    Key(String),
    /// A CSV field (0-based).
    Field(usize),
}

impl Locator {
    pub(crate) fn describe(&self) -> String {
        match self {
            Locator::Path(p) => p.text.clone(),
            Locator::Key(k) => format!("$.{k}"),
            Locator::Field(i) => format!("CSV field {}", i + 1),
        }
    }

    /// The top-level field a locator reads, when it reads one.
    pub(crate) fn top_field(&self) -> Option<String> {
        match self {
            Locator::Path(p) => p.simple_key().map(str::to_string),
            Locator::Key(k) => Some(k.clone()),
            Locator::Field(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct SourceSlot {
    /// The name expressions refer to (as written).
    pub name: String,
    pub locator: Locator,
}

#[derive(Debug, Clone)]
pub(crate) enum Target {
    Source(usize),
    Expr(Expr),
    Default,
}

/// How a load maps source values onto the table's columns (the stand-in's plan, for explaining).
#[derive(Debug, Clone)]
pub(crate) struct Mapping {
    pub sources: Vec<SourceSlot>,
    pub targets: Vec<Target>,
    /// `columns` items that are expressions, as written (`name = expr`), for rebuilding.
    pub derived_text: Vec<String>,
    pub format: Format,
    pub json_root: Option<JsonPath>,
}

impl Mapping {
    pub(crate) fn build(
        columns: &[ColumnSpec],
        params: &LoadParams,
        properties: &BTreeMap<String, String>,
    ) -> Mapping {
        let json = params.format == Format::Json;
        let locator = |i: usize, name: &str| match (&params.jsonpaths, json) {
            (Some(paths), _) => paths
                .get(i)
                .cloned()
                .map(Locator::Path)
                .unwrap_or(Locator::Field(i)),
            (None, true) => Locator::Key(name.to_string()),
            (None, false) => Locator::Field(i),
        };
        let mut sources = Vec::new();
        let mut targets = Vec::new();
        match &params.columns {
            Some(items) => {
                for item in items {
                    if let ColumnItem::Source(n) = item {
                        let i = sources.len();
                        sources.push(SourceSlot {
                            name: n.clone(),
                            locator: locator(i, n),
                        });
                    }
                }
                for col in columns {
                    let item = items
                        .iter()
                        .find(|i| i.name().eq_ignore_ascii_case(&col.name));
                    targets.push(match item {
                        Some(ColumnItem::Source(n)) => Target::Source(
                            sources
                                .iter()
                                .position(|s| s.name.eq_ignore_ascii_case(n))
                                .unwrap_or(0),
                        ),
                        Some(ColumnItem::Derived(_, e)) => Target::Expr(e.clone()),
                        None => Target::Default,
                    });
                }
            }
            None => {
                let n = match &params.jsonpaths {
                    Some(p) => p.len().min(columns.len()),
                    None => columns.len(),
                };
                for (i, col) in columns.iter().enumerate() {
                    if i < n {
                        sources.push(SourceSlot {
                            name: col.name.clone(),
                            locator: locator(i, &col.name),
                        });
                        targets.push(Target::Source(i));
                    } else {
                        targets.push(Target::Default);
                    }
                }
            }
        }
        let derived_text = property(properties, "columns")
            .map(|c| {
                split_top_level(&c)
                    .into_iter()
                    .filter(|item| is_derived_item(item))
                    .collect()
            })
            .unwrap_or_default();
        Mapping {
            sources,
            targets,
            derived_text,
            format: params.format,
            json_root: params.json_root.clone(),
        }
    }

    /// The record as the load sees it: a JSON document (after `json_root`) or CSV fields.
    fn view(&self, rec: &SampledRecord, params: &LoadParams) -> RecordView {
        match self.format {
            Format::Json => match serde_json::from_slice::<serde_json::Value>(&rec.data) {
                Ok(v) => match &self.json_root {
                    Some(root) => root
                        .extract(&v)
                        .map(RecordView::Json)
                        .unwrap_or(RecordView::Unreadable),
                    None => RecordView::Json(v),
                },
                Err(_) => RecordView::Unreadable,
            },
            Format::Csv => {
                let text = String::from_utf8_lossy(&rec.data).into_owned();
                let sep = String::from_utf8_lossy(&params.column_separator).into_owned();
                RecordView::Csv(
                    text.split(sep.as_str())
                        .map(|f| {
                            let f = if params.trim_space { f.trim() } else { f };
                            (f != "\\N").then(|| f.to_string())
                        })
                        .collect(),
                )
            }
        }
    }

    /// A source's raw value: `None` when the field is missing.
    fn raw(&self, view: &RecordView, slot: usize) -> Option<SourceValue> {
        let s = &self.sources[slot];
        match (view, &s.locator) {
            (RecordView::Json(doc), Locator::Path(p)) => p.extract(doc).map(SourceValue::Json),
            (RecordView::Json(doc), Locator::Key(k)) => doc
                .get(k)
                .cloned()
                .or_else(|| {
                    doc.as_object().and_then(|o| {
                        o.iter()
                            .find(|(key, _)| key.eq_ignore_ascii_case(k))
                            .map(|(_, v)| v.clone())
                    })
                })
                .map(SourceValue::Json),
            (RecordView::Csv(fields), Locator::Field(i)) => fields.get(*i).map(|f| match f {
                None => SourceValue::Null,
                Some(t) => SourceValue::Text(t.clone()),
            }),
            _ => None,
        }
    }

    /// Every source's value by lower-case name, as expressions see them.
    fn names(&self, view: &RecordView) -> HashMap<String, Val> {
        (0..self.sources.len())
            .map(|i| {
                (
                    self.sources[i].name.to_ascii_lowercase(),
                    Val::from_source(&self.raw(view, i).unwrap_or(SourceValue::Null)),
                )
            })
            .collect()
    }
}

enum RecordView {
    Json(serde_json::Value),
    Csv(Vec<Option<String>>),
    Unreadable,
}

pub(crate) fn property(props: &BTreeMap<String, String>, key: &str) -> Option<String> {
    props
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.clone())
}

/// Splits a `columns` header at top-level commas (not inside parentheses or quotes).
pub(crate) fn split_top_level(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' | '`' => {
                    quote = Some(c);
                    cur.push(c);
                }
                '(' => {
                    depth += 1;
                    cur.push(c);
                }
                ')' => {
                    depth -= 1;
                    cur.push(c);
                }
                ',' if depth == 0 => out.push(std::mem::take(&mut cur).trim().to_string()),
                _ => cur.push(c),
            },
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

fn is_derived_item(item: &str) -> bool {
    item.contains('=')
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
    let def = table_def(columns)?;
    let params = load_params(properties)?;
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
                RowOp::Upsert(c) | RowOp::Delete(c) => c,
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
    Epoch { divisor: u64, unit: &'static str },
    Trim,
    Default(&'static str),
}

fn fix_expr(kind: &FixKind, src: &str) -> String {
    match kind {
        FixKind::Epoch { divisor: 1, .. } => format!("from_unixtime({src})"),
        FixKind::Epoch { divisor, .. } => format!("from_unixtime({src}/{divisor})"),
        FixKind::Trim => format!("trim({src})"),
        FixKind::Default(d) => format!("ifnull({src}, {d})"),
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
