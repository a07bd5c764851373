//! The per-load parameters a Stream Load carries in its headers (protocol reference §1.4).

use super::jsonpath::JsonPath;
use crate::expr::{ColumnItem, Expr, parse_columns, parse_expr, parse_timezone};
use chrono::FixedOffset;

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
    /// `partial_update`: rows update only the columns `columns` names (Primary Key tables).
    pub partial_update: bool,
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
    let partial_update = bool_param("partial_update", "partial update")?;
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
        partial_update,
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
