//! The record → row mapping on Flink. The job does not re-implement StarRocks' `jsonpaths`,
//! `columns` and `where`: the Kinesis table reads the JSON fields the mapping binds (as STRING,
//! so no value is re-typed on the way), the sink hands them to StarRocks under their binding
//! names, and StarRocks evaluates the same `columns` expressions, conversions and `where` it
//! evaluates for the app's Stream Loads — same functions, same time zone, same filter rules.

use crate::ExportError;
use crate::ddl::TableColumn;
use starrocks_model::expr::{ColumnItem, parse_columns};
use starrocks_model::load::JsonPath;
use std::collections::BTreeMap;

/// A field of the Kinesis source table: a leaf read as STRING, or a JSON object (ROW) of fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceField {
    pub name: String,
    pub children: Vec<SourceField>,
}

/// One value the mapping binds: its name (the JSON key the sink sends) and where it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub name: String,
    /// The object keys from the record's root (`json_root` included).
    pub keys: Vec<String>,
}

/// The mapping as the exported job runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlinkMapping {
    pub source_fields: Vec<SourceField>,
    pub bindings: Vec<Binding>,
    /// `sink.properties.*` without the prefix: the config's properties with the mapping restated
    /// over the bound names.
    pub sink_properties: BTreeMap<String, String>,
}

/// Stream Load properties the mapping replaces or the connector sets itself.
const RESTATED: [&str; 5] = [
    "format",
    "jsonpaths",
    "columns",
    "json_root",
    "strip_outer_array",
];

pub fn flink_mapping(
    properties: &BTreeMap<String, String>,
    columns: &[TableColumn],
) -> Result<FlinkMapping, ExportError> {
    let get = |key: &str| {
        properties
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim().to_string())
    };
    let unsupported = |key: &str, value: &str, why: String| ExportError::Unsupported {
        key: format!("sink.properties.{key}"),
        value: value.to_string(),
        why,
    };
    let format = get("format").unwrap_or_else(|| "csv".into());
    if !format.eq_ignore_ascii_case("json") {
        return Err(unsupported(
            "format",
            &format,
            "the Flink export reads JSON records (set properties.format = \"json\")".into(),
        ));
    }
    let root_keys: Vec<String> = match get("json_root") {
        None => Vec::new(),
        Some(root) => object_keys(&root).ok_or_else(|| {
            unsupported(
                "json_root",
                &root,
                "the Flink export reads object keys only (no array index or wildcard)".into(),
            )
        })?,
    };
    let columns_text = get("columns");
    let items = match &columns_text {
        Some(text) => parse_columns(text).map_err(|e| unsupported("columns", text, e))?,
        None => Vec::new(),
    };
    let bound: Vec<String> = if columns_text.is_some() {
        items
            .iter()
            .filter_map(|item| match item {
                ColumnItem::Source(name) => Some(name.clone()),
                ColumnItem::Derived(..) => None,
            })
            .collect()
    } else {
        columns.iter().map(|c| c.name.clone()).collect()
    };
    let paths: Vec<String> = match get("jsonpaths") {
        None => bound.iter().map(|name| format!("$.{name}")).collect(),
        Some(text) => {
            let paths: Vec<String> = serde_json::from_str(&text).map_err(|e| {
                unsupported(
                    "jsonpaths",
                    &text,
                    format!("not a JSON array of strings: {e}"),
                )
            })?;
            if paths.len() != bound.len() {
                return Err(unsupported(
                    "jsonpaths",
                    &text,
                    format!(
                        "{} paths for {} columns ({}); StarRocks rejects such a load too",
                        paths.len(),
                        bound.len(),
                        bound.join(", ")
                    ),
                ));
            }
            paths
        }
    };
    let mut bindings = Vec::with_capacity(bound.len());
    for (name, path) in bound.iter().zip(&paths) {
        let keys = object_keys(path).ok_or_else(|| {
            unsupported(
                "jsonpaths",
                path,
                "the Flink export reads object keys only (no array index or wildcard)".into(),
            )
        })?;
        bindings.push(Binding {
            name: name.clone(),
            keys: root_keys.iter().cloned().chain(keys).collect(),
        });
    }
    let mut source_fields: Vec<SourceField> = Vec::new();
    for binding in &bindings {
        insert(&mut source_fields, &binding.keys).map_err(|key| {
            unsupported(
                "jsonpaths",
                &paths.join(", "),
                format!("`{key}` is read both as a value and as an object"),
            )
        })?;
    }
    let mut sink_properties: BTreeMap<String, String> = properties
        .iter()
        .filter(|(k, _)| !RESTATED.iter().any(|r| k.eq_ignore_ascii_case(r)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    sink_properties.insert("format".into(), "json".into());
    sink_properties.insert("strip_outer_array".into(), "true".into());
    let restated_paths: Vec<String> = bindings.iter().map(|b| format!("$.{}", b.name)).collect();
    sink_properties.insert(
        "jsonpaths".into(),
        serde_json::to_string(&restated_paths).unwrap_or_default(),
    );
    // An explicit `columns` also stops the connector from comparing the STRING fields with the
    // table's types: StarRocks converts them, as it converts the app's JSON values.
    let columns_header = columns_text.unwrap_or_else(|| {
        bound
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    });
    sink_properties.insert("columns".into(), columns_header);
    Ok(FlinkMapping {
        source_fields,
        bindings,
        sink_properties,
    })
}

fn object_keys(path: &str) -> Option<Vec<String>> {
    let path = JsonPath::parse(path).ok()?;
    Some(path.object_keys()?.into_iter().map(String::from).collect())
}

/// Adds the chain of keys to the tree; `Err(key)` when a key is both a leaf and an object.
fn insert(fields: &mut Vec<SourceField>, keys: &[String]) -> Result<(), String> {
    let Some((first, rest)) = keys.split_first() else {
        return Ok(());
    };
    let position = fields.iter().position(|f| &f.name == first);
    let field = match position {
        Some(i) => &mut fields[i],
        None => {
            fields.push(SourceField {
                name: first.clone(),
                children: Vec::new(),
            });
            fields.last_mut().expect("just pushed")
        }
    };
    let is_leaf = field.children.is_empty();
    match (position.is_some(), is_leaf, rest.is_empty()) {
        // The same leaf bound twice (two names for one path) is fine.
        (true, true, true) => Ok(()),
        (true, true, false) | (true, false, true) => Err(first.clone()),
        _ => insert(&mut field.children, rest),
    }
}
