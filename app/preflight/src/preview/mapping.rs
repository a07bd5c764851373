//! How a load maps source values onto the table's columns (the stand-in's plan, rebuilt here to
//! explain cells and to rewrite `columns`), and a record as the load reads it.

use super::property;
use ks_core::sample::SampledRecord;
use ks_core::schema::ColumnSpec;
use starrocks_model::convert::SourceValue;
use starrocks_model::expr::{ColumnItem, Expr, Val};
use starrocks_model::load::{Format, JsonPath, LoadParams};
use std::collections::{BTreeMap, HashMap};

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
                ks_core::schema::ops::split_columns(&c)
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
    pub(super) fn view(&self, rec: &SampledRecord, params: &LoadParams) -> RecordView {
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
    pub(super) fn raw(&self, view: &RecordView, slot: usize) -> Option<SourceValue> {
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
    pub(super) fn names(&self, view: &RecordView) -> HashMap<String, Val> {
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

pub(super) enum RecordView {
    Json(serde_json::Value),
    Csv(Vec<Option<String>>),
    Unreadable,
}

fn is_derived_item(item: &str) -> bool {
    item.contains('=')
}
