//! What a BE does with a Stream Load body: read the per-load parameters (protocol reference §1.4),
//! split the (decompressed) body into rows (CSV or JSON), map source values onto table columns
//! (`columns`, `jsonpaths`, `json_root`), convert them (§5.2), filter, and produce the row
//! changes plus the ErrorURL lines. Used by plain Stream Load, the transaction API's `load` and
//! the app's mapping preview.

mod body;
mod jsonpath;
mod params;
#[cfg(test)]
mod tests;

pub use jsonpath::JsonPath;
pub use params::{Compression, DEFAULT_MAX_JSON_BYTES, Format, LoadParams, parse_params};

use crate::cell::Cell;
use crate::convert::{SourceValue, convert};
use crate::expr::{ColumnItem, Expr, Row, Val};
use crate::table::{ColumnDef, DefaultValue, KeysType, RowOp, TableDef};
use body::{json_documents, split_fields, split_rows};
use chrono::FixedOffset;
use std::collections::HashMap;

/// Row and byte counters of one load or transaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadStats {
    pub total_rows: u64,
    pub loaded_rows: u64,
    pub filtered_rows: u64,
    pub unselected_rows: u64,
    pub load_bytes: u64,
}

impl LoadStats {
    pub fn add(&mut self, other: &LoadStats) {
        self.total_rows += other.total_rows;
        self.loaded_rows += other.loaded_rows;
        self.filtered_rows += other.filtered_rows;
        self.unselected_rows += other.unselected_rows;
        self.load_bytes += other.load_bytes;
    }
}

/// The result of converting one body.
#[derive(Debug, Default)]
pub struct LoadOutcome {
    pub ops: Vec<RowOp>,
    pub stats: LoadStats,
    /// `Error: <reason>. Row: <row>` lines for the ErrorURL.
    pub error_lines: Vec<String>,
}

/// A data error that fails the whole load (not a filtered row).
#[derive(Debug)]
pub struct LoadError(pub String);

/// Where a source slot's value comes from.
enum Slot {
    /// CSV field i / jsonpath i.
    Positional(usize),
    /// JSON key (simple mode).
    Key(String),
}

/// Where a table column's value comes from.
enum Target {
    Slot(usize),
    Expr(Expr),
    Default,
}

struct Plan {
    slots: Vec<Slot>,
    /// Lower-case source names, parallel to `slots` (for expressions and `where`).
    slot_names: Vec<String>,
    targets: Vec<Target>,
    op: Option<Target>,
    needs_names: bool,
}

fn build_plan(def: &TableDef, params: &LoadParams) -> Result<Plan, LoadError> {
    let mut slots = Vec::new();
    let mut slot_names = Vec::new();
    let mut targets: Vec<Target> = Vec::new();
    let mut op = None;
    let mut needs_names = params.where_expr.is_some();
    match &params.columns {
        Some(items) => {
            let sources: Vec<&str> = items
                .iter()
                .filter_map(|i| match i {
                    ColumnItem::Source(n) => Some(n.as_str()),
                    ColumnItem::Derived(..) => None,
                })
                .collect();
            if let Some(paths) = &params.jsonpaths
                && paths.len() != sources.len()
            {
                return Err(LoadError(format!(
                    "The number of jsonpaths ({}) does not match the number of source columns in the columns parameter ({})",
                    paths.len(),
                    sources.len()
                )));
            }
            for (i, name) in sources.iter().enumerate() {
                slots.push(match (params.format, &params.jsonpaths) {
                    (Format::Json, None) => Slot::Key(name.to_string()),
                    _ => Slot::Positional(i),
                });
                slot_names.push(name.to_ascii_lowercase());
            }
            for col in &def.columns {
                let item = items
                    .iter()
                    .find(|i| i.name().eq_ignore_ascii_case(&col.name));
                targets.push(match item {
                    Some(ColumnItem::Source(n)) => Target::Slot(
                        slot_names
                            .iter()
                            .position(|s| s.eq_ignore_ascii_case(n))
                            .unwrap_or(0),
                    ),
                    Some(ColumnItem::Derived(_, e)) => {
                        needs_names = true;
                        Target::Expr(e.clone())
                    }
                    None => Target::Default,
                });
            }
            for item in items {
                if item.name().eq_ignore_ascii_case("__op") {
                    op = Some(match item {
                        ColumnItem::Source(n) => Target::Slot(
                            slot_names
                                .iter()
                                .position(|s| s.eq_ignore_ascii_case(n))
                                .unwrap_or(0),
                        ),
                        ColumnItem::Derived(_, e) => {
                            needs_names = true;
                            Target::Expr(e.clone())
                        }
                    });
                } else if def.column_index(item.name()).is_none()
                    && matches!(item, ColumnItem::Derived(..))
                {
                    return Err(LoadError(format!(
                        "Unknown column '{}' in '{}'",
                        item.name(),
                        def.name
                    )));
                }
            }
        }
        None => {
            let n = match &params.jsonpaths {
                Some(paths) => paths.len().min(def.columns.len()),
                None => def.columns.len(),
            };
            for (i, col) in def.columns.iter().enumerate() {
                if i < n {
                    slots.push(match (params.format, &params.jsonpaths) {
                        (Format::Json, None) => Slot::Key(col.name.clone()),
                        _ => Slot::Positional(i),
                    });
                    slot_names.push(col.name.to_ascii_lowercase());
                    targets.push(Target::Slot(i));
                } else {
                    targets.push(Target::Default);
                }
            }
        }
    }
    Ok(Plan {
        slots,
        slot_names,
        targets,
        op,
        needs_names,
    })
}

/// Converts a whole (decompressed) body for `def`.
pub fn execute(def: &TableDef, params: &LoadParams, body: &[u8]) -> Result<LoadOutcome, LoadError> {
    let plan = build_plan(def, params)?;
    if params.partial_update {
        if def.keys_type != KeysType::Primary {
            return Err(LoadError(format!(
                "partial update is only supported by PRIMARY KEY tables, and '{}' is not one",
                def.name
            )));
        }
        if let Some((col, _)) = def
            .columns
            .iter()
            .zip(&plan.targets)
            .find(|(c, t)| def.is_key(&c.name) && matches!(t, Target::Default))
        {
            return Err(LoadError(format!(
                "partial update must load every key column, and '{}' is not in the columns",
                col.name
            )));
        }
    }
    let mut out = LoadOutcome::default();
    let mut log_budget = match params.log_rejected_record_num {
        0 => 1000,
        -1 => usize::MAX,
        n => n as usize,
    };
    let mut reject = |out: &mut LoadOutcome, reason: String, row: String| {
        out.stats.filtered_rows += 1;
        if log_budget > 0 {
            log_budget -= 1;
            out.error_lines.push(format!("Error: {reason}. Row: {row}"));
        }
    };
    match params.format {
        Format::Csv => {
            let rows = split_rows(body, &params.row_delimiter);
            for raw in rows.into_iter().skip(params.skip_header) {
                out.stats.total_rows += 1;
                let text = String::from_utf8_lossy(raw).into_owned();
                let fields = split_fields(raw, params);
                let expected = plan.slots.len();
                if fields.len() != expected {
                    reject(
                        &mut out,
                        format!(
                            "Value count does not match column count. Expect {expected}, but got {}",
                            fields.len()
                        ),
                        text,
                    );
                    continue;
                }
                let values: Vec<SourceValue> = fields
                    .into_iter()
                    .map(|f| match f {
                        None => SourceValue::Null,
                        Some(s) => SourceValue::Text(s),
                    })
                    .collect();
                finish_row(def, params, &plan, values, text, &mut out, &mut reject)?;
            }
        }
        Format::Json => {
            for doc in json_documents(body, params.strip_outer_array) {
                out.stats.total_rows += 1;
                let (value, text) = match doc {
                    Ok(v) => v,
                    Err((reason, text)) => {
                        reject(&mut out, reason, text);
                        continue;
                    }
                };
                let value = match &params.json_root {
                    Some(root) => match root.extract(&value) {
                        Some(v) => v,
                        None => {
                            reject(
                                &mut out,
                                format!("JSON root not found: {}", root.text),
                                text,
                            );
                            continue;
                        }
                    },
                    None => value,
                };
                if !value.is_object() && params.jsonpaths.is_none() {
                    reject(
                        &mut out,
                        if value.is_array() {
                            "JSON data is an array, strip_outer_array must be set true".to_string()
                        } else {
                            "JSON data is not an object".to_string()
                        },
                        text,
                    );
                    continue;
                }
                let values: Vec<SourceValue> = plan
                    .slots
                    .iter()
                    .map(|slot| {
                        let v = match slot {
                            Slot::Key(k) => value.get(k).cloned().or_else(|| {
                                value.as_object().and_then(|o| {
                                    o.iter()
                                        .find(|(key, _)| key.eq_ignore_ascii_case(k))
                                        .map(|(_, v)| v.clone())
                                })
                            }),
                            Slot::Positional(i) => params
                                .jsonpaths
                                .as_ref()
                                .and_then(|p| p.get(*i))
                                .and_then(|p| p.extract(&value)),
                        };
                        v.map(SourceValue::Json).unwrap_or(SourceValue::Null)
                    })
                    .collect();
                finish_row(def, params, &plan, values, text, &mut out, &mut reject)?;
            }
        }
    }
    out.stats.loaded_rows = out.ops.len() as u64;
    Ok(out)
}

/// Maps one row's source values onto the table, converts, filters and applies `where`.
fn finish_row(
    def: &TableDef,
    params: &LoadParams,
    plan: &Plan,
    values: Vec<SourceValue>,
    text: String,
    out: &mut LoadOutcome,
    reject: &mut dyn FnMut(&mut LoadOutcome, String, String),
) -> Result<(), LoadError> {
    let names: HashMap<String, Val> = if plan.needs_names {
        plan.slot_names
            .iter()
            .zip(values.iter())
            .map(|(n, v)| (n.clone(), Val::from_source(v)))
            .collect()
    } else {
        HashMap::new()
    };
    let row_ctx = Row {
        values: &names,
        tz: params.timezone,
    };
    let mut cells = Vec::with_capacity(def.columns.len());
    for (col, target) in def.columns.iter().zip(&plan.targets) {
        let (source, strict_applies) = match target {
            Target::Slot(i) => (values.get(*i).cloned().unwrap_or(SourceValue::Null), true),
            Target::Expr(e) => (e.eval(&row_ctx).map_err(LoadError)?.to_source(), false),
            Target::Default => (default_value(col, params.timezone), false),
        };
        let cell = match convert(&source, &col.ty) {
            Ok(c) => c,
            Err(e) if params.strict_mode && strict_applies => {
                reject(out, e.reason, text);
                return Ok(());
            }
            Err(_) => Cell::Null,
        };
        cells.push(cell);
    }
    // A partial update leaves the columns it does not load as they are.
    let updated: Vec<bool> = plan
        .targets
        .iter()
        .map(|t| !params.partial_update || !matches!(t, Target::Default))
        .collect();
    if let Some((col, _)) = def
        .columns
        .iter()
        .zip(&cells)
        .zip(&updated)
        .find(|((c, v), u)| **u && !c.nullable && v.is_null() && !c.auto_increment)
        .map(|(cv, _)| cv)
    {
        let shown: Vec<String> = cells.iter().map(Cell::to_log_text).collect();
        reject(
            out,
            format!("NULL value in non-nullable column '{}'", col.name),
            format!("[{}]", shown.join(", ")),
        );
        return Ok(());
    }
    if let Some(w) = &params.where_expr {
        let mut env = names.clone();
        for (col, cell) in def.columns.iter().zip(&cells) {
            env.insert(
                col.name.to_ascii_lowercase(),
                Val::from_source(&SourceValue::from_cell(cell)),
            );
        }
        let keep = w
            .eval(&Row {
                values: &env,
                tz: params.timezone,
            })
            .map_err(LoadError)?;
        if keep != Val::Bool(true) && keep != Val::Int(1) {
            out.stats.unselected_rows += 1;
            return Ok(());
        }
    }
    let delete = match &plan.op {
        None => false,
        Some(target) => {
            let v = match target {
                Target::Slot(i) => Val::from_source(values.get(*i).unwrap_or(&SourceValue::Null)),
                Target::Expr(e) => e.eval(&row_ctx).map_err(LoadError)?,
                Target::Default => Val::Null,
            };
            matches!(v, Val::Int(1))
                || matches!(&v, Val::Str(s) if s.trim() == "1" || s.eq_ignore_ascii_case("delete"))
        }
    };
    out.ops
        .push(if delete && def.keys_type == KeysType::Primary {
            RowOp::Delete(cells)
        } else if updated.iter().all(|u| *u) {
            RowOp::Upsert(cells)
        } else {
            RowOp::Update {
                row: cells,
                columns: updated,
            }
        });
    Ok(())
}

fn default_value(col: &ColumnDef, tz: FixedOffset) -> SourceValue {
    match &col.default {
        Some(DefaultValue::Literal(v)) => SourceValue::Text(v.clone()),
        Some(DefaultValue::CurrentTimestamp) => {
            let now = chrono::Utc::now().with_timezone(&tz).naive_local();
            SourceValue::Text(now.format("%Y-%m-%d %H:%M:%S").to_string())
        }
        Some(DefaultValue::Expr(_)) | None => SourceValue::Null,
    }
}
