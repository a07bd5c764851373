//! What a BE does with a Stream Load body: read the per-load parameters (protocol reference §1.4),
//! decompress, split into rows (CSV or JSON), map source values onto table columns (`columns`,
//! `jsonpaths`, `json_root`), convert them (§5.2), filter, and produce the row changes plus the
//! ErrorURL lines. Used by plain Stream Load and the transaction API's `load`.

use crate::catalog::{ColumnDef, DefaultValue, KeysType, LoadStats, RowOp, TableDef};
use crate::expr::{ColumnItem, Expr, Row, Val, parse_columns, parse_expr, parse_timezone};
use crate::types::{Cell, SourceValue, convert};
use chrono::FixedOffset;
use std::collections::HashMap;
use std::io::Read;

/// The JSON body limit (BE `streaming_load_max_batch_size_mb`, 100 MB).
pub const DEFAULT_MAX_JSON_BYTES: u64 = 104_857_600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Deflate,
    Lz4Frame,
}

/// The per-load parameters, from the request headers.
#[derive(Debug, Clone)]
pub struct LoadParams {
    pub format: Format,
    pub column_separator: Vec<u8>,
    pub row_delimiter: Vec<u8>,
    pub columns: Option<Vec<ColumnItem>>,
    pub jsonpaths: Option<Vec<JsonPath>>,
    pub json_root: Option<JsonPath>,
    pub strip_outer_array: bool,
    pub max_filter_ratio: f64,
    pub strict_mode: bool,
    pub timeout_s: u64,
    pub where_expr: Option<Expr>,
    pub timezone: FixedOffset,
    pub ignore_json_size: bool,
    pub compression: Option<Compression>,
    pub skip_header: usize,
    pub trim_space: bool,
    pub enclose: Option<u8>,
    pub escape: Option<u8>,
    /// How many rejected rows the error log keeps (`log_rejected_record_num`; −1 = all).
    pub log_rejected_record_num: i64,
}

/// Reads the load parameters from headers (`get` is a case-insensitive header lookup).
/// The error text is the `Message` StarRocks answers with.
pub fn parse_params(get: &dyn Fn(&str) -> Option<String>) -> Result<LoadParams, String> {
    let format = match get("format").map(|f| f.to_ascii_lowercase()) {
        None => Format::Csv,
        Some(f) if f == "csv" => Format::Csv,
        Some(f) if f == "json" => Format::Json,
        Some(f) => return Err(format!("unknown data format, format={f}")),
    };
    let bool_param = |name: &str, what: &str| -> Result<bool, String> {
        match get(name).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(false),
            Some(v) if v == "true" => Ok(true),
            Some(v) if v == "false" => Ok(false),
            Some(_) => Err(format!("Invalid {what} format. Must be bool type")),
        }
    };
    let strip_outer_array = bool_param("strip_outer_array", "strip outer array")?;
    let strict_mode = bool_param("strict_mode", "strict mode")?;
    let ignore_json_size = bool_param("ignore_json_size", "ignore json size")?;
    let trim_space = bool_param("trim_space", "trim space")?;
    let max_filter_ratio = match get("max_filter_ratio") {
        None => 0.0,
        Some(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|r| (0.0..=1.0).contains(r))
            .ok_or_else(|| format!("Invalid max_filter_ratio: {v}"))?,
    };
    let timeout_s = match get("timeout") {
        None => 600,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|t| (1..=259_200).contains(t))
            .ok_or_else(|| "Invalid timeout format".to_string())?,
    };
    let separator = |name: &str, default: &[u8]| -> Result<Vec<u8>, String> {
        match get(name) {
            None => Ok(default.to_vec()),
            Some(v) => parse_separator(&v).ok_or_else(|| format!("Invalid {name}: {v}")),
        }
    };
    let column_separator = separator("column_separator", b"\t")?;
    let row_delimiter = separator("row_delimiter", b"\n")?;
    let columns = match get("columns") {
        None => None,
        Some(c) if c.trim().is_empty() => None,
        Some(c) => {
            Some(parse_columns(&c).map_err(|e| format!("failed to parse columns header: {e}"))?)
        }
    };
    let jsonpaths = match get("jsonpaths") {
        None => None,
        Some(j) => {
            let list: Vec<String> =
                serde_json::from_str(&j).map_err(|_| format!("Invalid json path: {j}"))?;
            Some(
                list.iter()
                    .map(|p| JsonPath::parse(p))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        }
    };
    let json_root = get("json_root").map(|r| JsonPath::parse(&r)).transpose()?;
    let where_expr = get("where")
        .map(|w| parse_expr(&w).map_err(|e| format!("failed to parse where header: {e}")))
        .transpose()?;
    let timezone = parse_timezone(&get("timezone").unwrap_or_else(|| "Asia/Shanghai".into()))?;
    let compression = match (get("content-encoding"), get("compression")) {
        (Some(_), Some(_)) => {
            return Err(
                "Only one of http header content-encoding and compression can be set".into(),
            );
        }
        (Some(c), None) | (None, Some(c)) => match c.trim().to_ascii_lowercase().as_str() {
            "gzip" => Some(Compression::Gzip),
            "deflate" => Some(Compression::Deflate),
            "lz4_frame" | "lz4" => Some(Compression::Lz4Frame),
            "identity" | "" => None,
            other => return Err(format!("Unsupported compression type: {other}")),
        },
        (None, None) => None,
    };
    let skip_header = match get("skip_header") {
        None => 0,
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("Invalid skip_header: {v}"))?,
    };
    let byte_param = |name: &str| -> Result<Option<u8>, String> {
        match get(name) {
            None => Ok(None),
            Some(v) if v.len() == 1 => Ok(Some(v.as_bytes()[0])),
            Some(v) => Err(format!("Invalid {name}: '{v}' must be a single byte")),
        }
    };
    let enclose = byte_param("enclose")?;
    let escape = byte_param("escape")?;
    let log_rejected_record_num = match get("log_rejected_record_num") {
        None => 0,
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= -1)
            .ok_or_else(|| format!("Invalid log_rejected_record_num: {v}"))?,
    };
    Ok(LoadParams {
        format,
        column_separator,
        row_delimiter,
        columns,
        jsonpaths,
        json_root,
        strip_outer_array,
        max_filter_ratio,
        strict_mode,
        timeout_s,
        where_expr,
        timezone,
        ignore_json_size,
        compression,
        skip_header,
        trim_space,
        enclose,
        escape,
        log_rejected_record_num,
    })
}

/// `\t`, `,`, `\x01`, `\\x0D0A`, `|` … (UTF-8, at most 50 bytes; hex forms allowed).
fn parse_separator(v: &str) -> Option<Vec<u8>> {
    let s = v.strip_prefix('\\').unwrap_or(v);
    if let Some(hex) = s
        .strip_prefix("\\x")
        .or_else(|| s.strip_prefix("x"))
        .filter(|_| v.starts_with('\\'))
    {
        if hex.is_empty() || hex.len() % 2 != 0 {
            return None;
        }
        return (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
            .collect();
    }
    let bytes = match v {
        "\\t" => b"\t".to_vec(),
        "\\n" => b"\n".to_vec(),
        "\\r\\n" => b"\r\n".to_vec(),
        other => other.as_bytes().to_vec(),
    };
    (!bytes.is_empty() && bytes.len() <= 50).then_some(bytes)
}

/// A StarRocks JSON path: `$.a.b`, `a.b` (implicit `$`), `$."a.b".c`, `$.a[0]`, `$.a[*]`.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    pub text: String,
    pieces: Vec<PathPiece>,
}

#[derive(Debug, Clone, PartialEq)]
struct PathPiece {
    key: Option<String>,
    selectors: Vec<Selector>,
}

#[derive(Debug, Clone, PartialEq)]
enum Selector {
    Index(usize),
    All,
}

impl JsonPath {
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let bad = || format!("Invalid json path: {text}");
        let mut raw: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        for c in text.trim().chars() {
            match c {
                '"' => quoted = !quoted,
                '.' if !quoted => raw.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        if quoted {
            return Err(bad());
        }
        raw.push(cur);
        if raw.first().map(String::as_str) != Some("$")
            && !raw.first().is_some_and(|p| p.starts_with("$["))
        {
            raw.insert(0, "$".into());
        }
        let mut pieces = Vec::new();
        for (i, part) in raw.iter().enumerate() {
            let (name, rest) = match part.find('[') {
                Some(b) => (&part[..b], &part[b..]),
                None => (part.as_str(), ""),
            };
            let key = if i == 0 {
                if !name.starts_with('$') {
                    return Err(bad());
                }
                None
            } else if name.is_empty() {
                return Err(bad());
            } else {
                Some(name.to_string())
            };
            let mut selectors = Vec::new();
            let mut rest = rest;
            while let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']').ok_or_else(bad)?;
                let sel = &r[..end];
                selectors.push(if sel == "*" {
                    Selector::All
                } else {
                    Selector::Index(sel.trim().parse().map_err(|_| bad())?)
                });
                rest = &r[end + 1..];
            }
            if !rest.is_empty() {
                return Err(bad());
            }
            pieces.push(PathPiece { key, selectors });
        }
        Ok(JsonPath {
            text: text.to_string(),
            pieces,
        })
    }

    /// The value at this path, or `None` when a key is missing.
    pub fn extract(&self, doc: &serde_json::Value) -> Option<serde_json::Value> {
        let mut cur = doc.clone();
        for piece in &self.pieces {
            if let Some(k) = &piece.key {
                cur = match cur {
                    serde_json::Value::Array(items) => {
                        // A key applied to an array maps over it (`$.a[*].b`).
                        serde_json::Value::Array(
                            items.iter().filter_map(|v| v.get(k).cloned()).collect(),
                        )
                    }
                    other => other.get(k)?.clone(),
                };
            }
            for sel in &piece.selectors {
                cur = match (sel, cur) {
                    (Selector::Index(i), serde_json::Value::Array(items)) => items.get(*i)?.clone(),
                    (Selector::All, v @ serde_json::Value::Array(_)) => v,
                    _ => return None,
                };
            }
        }
        Some(cur)
    }

    /// The top-level key of a simple `$.key` path.
    pub fn simple_key(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [
                _,
                PathPiece {
                    key: Some(k),
                    selectors,
                },
            ] if selectors.is_empty() => Some(k),
            _ => None,
        }
    }
}

/// Undoes `Content-Encoding` / `compression`.
pub fn decompress(body: &[u8], compression: Option<Compression>) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let res = match compression {
        None => return Ok(body.to_vec()),
        Some(Compression::Gzip) => flate2::read::MultiGzDecoder::new(body).read_to_end(&mut out),
        Some(Compression::Deflate) => flate2::read::ZlibDecoder::new(body).read_to_end(&mut out),
        Some(Compression::Lz4Frame) => {
            lz4_flex::frame::FrameDecoder::new(body).read_to_end(&mut out)
        }
    };
    res.map(|_| out)
        .map_err(|e| format!("Failed to decompress the body ({compression:?}): {e}"))
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
    if let Some((col, _)) = def
        .columns
        .iter()
        .zip(&cells)
        .find(|(c, v)| !c.nullable && v.is_null() && !c.auto_increment)
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
        } else {
            RowOp::Upsert(cells)
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

fn split_rows<'a>(body: &'a [u8], delim: &[u8]) -> Vec<&'a [u8]> {
    let mut rows = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + delim.len() <= body.len() {
        if &body[i..i + delim.len()] == delim {
            rows.push(&body[start..i]);
            i += delim.len();
            start = i;
        } else {
            i += 1;
        }
    }
    if start < body.len() {
        rows.push(&body[start..]);
    }
    // A trailing empty line (body ends with the delimiter) is not a row; blank lines inside are.
    rows
}

/// Splits a CSV row into fields; `\N` is NULL; `enclose`/`escape` as StarRocks' CSV options.
fn split_fields(row: &[u8], params: &LoadParams) -> Vec<Option<String>> {
    let sep = &params.column_separator;
    let mut fields = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut in_quotes = false;
    let mut i = 0;
    while i < row.len() {
        let b = row[i];
        if Some(b) == params.escape && i + 1 < row.len() {
            cur.push(row[i + 1]);
            i += 2;
            continue;
        }
        if Some(b) == params.enclose {
            if in_quotes && row.get(i + 1) == Some(&b) {
                cur.push(b);
                i += 2;
                continue;
            }
            in_quotes = !in_quotes;
            i += 1;
            continue;
        }
        if !in_quotes && row[i..].starts_with(sep) {
            fields.push(std::mem::take(&mut cur));
            i += sep.len();
            continue;
        }
        cur.push(b);
        i += 1;
    }
    fields.push(cur);
    fields
        .into_iter()
        .map(|f| {
            let s = String::from_utf8_lossy(&f).into_owned();
            let s = if params.trim_space {
                s.trim().to_string()
            } else {
                s
            };
            if s == "\\N" { None } else { Some(s) }
        })
        .collect()
}

type JsonDoc = Result<(serde_json::Value, String), (String, String)>;

/// Splits a JSON body into row documents: the elements of the outer array(s) with
/// `strip_outer_array`, else each top-level value (NDJSON works too). A part that does not parse
/// becomes one filtered row with the parser's reason.
fn json_documents(body: &[u8], strip_outer_array: bool) -> Vec<JsonDoc> {
    let mut docs = Vec::new();
    let mut stream = serde_json::Deserializer::from_slice(body).into_iter::<serde_json::Value>();
    let mut offset = 0;
    loop {
        match stream.next() {
            None => break,
            Some(Ok(v)) => {
                offset = stream.byte_offset();
                if strip_outer_array {
                    match v {
                        serde_json::Value::Array(items) => {
                            for item in items {
                                let text = item.to_string();
                                docs.push(Ok((item, text)));
                            }
                        }
                        other => {
                            let text = other.to_string();
                            docs.push(Err((
                                "JSON data is not an array, but strip_outer_array is true".into(),
                                text,
                            )));
                        }
                    }
                } else {
                    let text = v.to_string();
                    docs.push(Ok((v, text)));
                }
            }
            Some(Err(e)) => {
                // Skip to the next line and carry on; the broken part is one filtered row.
                let skip = body[offset..]
                    .iter()
                    .position(|b| !b.is_ascii_whitespace())
                    .unwrap_or(body.len() - offset);
                let offset = offset + skip;
                let rest = &body[offset..];
                let line_end = rest
                    .iter()
                    .position(|b| *b == b'\n')
                    .map(|p| p + 1)
                    .unwrap_or(rest.len());
                let bad = String::from_utf8_lossy(&rest[..line_end])
                    .trim()
                    .to_string();
                docs.push(Err((
                    format!("parse json failed: {e}"),
                    truncate(&bad, 1000),
                )));
                let next = offset + line_end;
                if next >= body.len() {
                    break;
                }
                let tail = json_documents(&body[next..], strip_outer_array);
                docs.extend(tail);
                break;
            }
        }
    }
    docs
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ColumnDef;
    use crate::types::SqlType;

    fn stock() -> TableDef {
        let mut ticker = ColumnDef::new("ticker", SqlType::Varchar(20));
        ticker.nullable = false;
        TableDef {
            name: "stock".into(),
            columns: vec![
                ColumnDef::new("event_time", SqlType::DateTime),
                ticker,
                ColumnDef::new("price", SqlType::Double),
            ],
            key_columns: vec!["event_time".into()],
            ..Default::default()
        }
    }

    fn params(h: &[(&str, &str)]) -> LoadParams {
        let map: HashMap<String, String> = h
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse_params(&|k| map.get(k).cloned()).unwrap()
    }

    #[test]
    fn json_with_bare_jsonpaths_loads_and_filters_not_null() {
        let p = params(&[
            ("format", "json"),
            ("strip_outer_array", "true"),
            ("jsonpaths", r#"["event_time", "ticker", "price"]"#),
        ]);
        let body = br#"[{"event_time":"2024-05-28T19:53:17.497201","ticker":"AAPL","price":84.27},
                       {"event_time":"2024-05-28T19:53:18","price":1.5}]"#;
        let out = execute(&stock(), &p, body).unwrap();
        assert_eq!(out.stats.total_rows, 2);
        assert_eq!(out.stats.loaded_rows, 1);
        assert_eq!(out.stats.filtered_rows, 1);
        assert!(
            out.error_lines[0]
                .starts_with("Error: NULL value in non-nullable column 'ticker'. Row: [")
        );
    }

    #[test]
    fn csv_wrong_field_count_is_filtered_with_the_raw_row() {
        let p = params(&[("column_separator", ",")]);
        let out = execute(&stock(), &p, b"2024-05-28 10:00:00,AAPL,1.5\n0,aaaa\n").unwrap();
        assert_eq!(out.stats.loaded_rows, 1);
        assert_eq!(
            out.error_lines,
            vec![
                "Error: Value count does not match column count. Expect 3, but got 2. Row: 0,aaaa"
            ]
        );
    }

    #[test]
    fn columns_expression_converts_epoch_millis() {
        let p = params(&[
            ("format", "json"),
            (
                "columns",
                "ts, ticker, price, event_time = from_unixtime(ts / 1000)",
            ),
            ("timezone", "UTC"),
        ]);
        let out = execute(
            &stock(),
            &p,
            br#"{"ts":1716925997497,"ticker":"X","price":2}"#,
        )
        .unwrap();
        match &out.ops[0] {
            RowOp::Upsert(cells) => assert_eq!(cells[0].to_text().unwrap(), "2024-05-28 19:53:17"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_paths_parse_as_starrocks_accepts_them() {
        let doc = serde_json::json!({"a.b": {"c": [1, 2]}, "x": 1});
        assert_eq!(
            JsonPath::parse("$.\"a.b\".c[1]").unwrap().extract(&doc),
            Some(2.into())
        );
        assert_eq!(JsonPath::parse("x").unwrap().extract(&doc), Some(1.into()));
        assert_eq!(JsonPath::parse("$.missing").unwrap().extract(&doc), None);
    }
}
