//! The mapping preview (pure types, drawn by the wizard): sampled records → the rows StarRocks
//! would store, cell by cell. Computed by `ks_preflight::preview` with the stand-in's conversion
//! rules, so what the preview says is what a load does.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingPreview {
    /// The table's column names, in order (the header of the grid).
    pub columns: Vec<String>,
    /// One row per sampled record, in sample order.
    pub rows: Vec<PreviewRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// Index into the samples the preview was computed from.
    pub source_index: usize,
    pub outcome: RowOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RowOutcome {
    /// The row loads with these cells (one per column).
    Loaded(Vec<PreviewCell>),
    /// StarRocks filters the row (counted in NumberFilteredRows; the load fails unless
    /// `max_filter_ratio` allows it). `reason` is StarRocks' error-log reason.
    Filtered {
        reason: String,
        /// The cells as far as they were computed (empty when the record did not parse).
        cells: Vec<PreviewCell>,
    },
    /// The `where` property does not select the row (NumberUnselectedRows): not loaded, not an error.
    Unselected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PreviewCell {
    /// The stored value as `SELECT` shows it.
    Value(String),
    /// NULL because the record has `null` there (or an expression gave NULL).
    Null,
    /// NULL because the record has no such field (`path` is the jsonpath / key / CSV position).
    NullMissing { path: String },
    /// NULL because the value does not convert (non-strict mode; strict mode filters the row).
    NullNotConvertible {
        value: String,
        to_type: String,
        reason: String,
    },
    /// NULL or the column default: no source feeds this column.
    Default { value: Option<String> },
}

impl PreviewCell {
    pub fn is_null(&self) -> bool {
        !matches!(
            self,
            PreviewCell::Value(_) | PreviewCell::Default { value: Some(_) }
        )
    }

    /// Short text for a grid cell.
    pub fn text(&self) -> String {
        match self {
            PreviewCell::Value(v) => v.clone(),
            PreviewCell::Null => "NULL".to_string(),
            PreviewCell::NullMissing { path } => format!("NULL (no field {path})"),
            PreviewCell::NullNotConvertible { value, to_type, .. } => {
                format!("NULL ({value} is not a {to_type})")
            }
            PreviewCell::Default { value: Some(v) } => v.clone(),
            PreviewCell::Default { value: None } => "NULL (no source)".to_string(),
        }
    }
}

impl MappingPreview {
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    }

    /// The cells of one column across the rows that have cells.
    pub fn column_cells(&self, name: &str) -> Vec<&PreviewCell> {
        let Some(i) = self.column_index(name) else {
            return Vec::new();
        };
        self.rows
            .iter()
            .filter_map(|r| match &r.outcome {
                RowOutcome::Loaded(c) => c.get(i),
                RowOutcome::Filtered { cells, .. } => cells.get(i),
                RowOutcome::Unselected => None,
            })
            .collect()
    }

    pub fn loaded(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.outcome, RowOutcome::Loaded(_)))
            .count()
    }

    pub fn filtered(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.outcome, RowOutcome::Filtered { .. }))
            .count()
    }
}
