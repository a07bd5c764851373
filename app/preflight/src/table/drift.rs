//! Schema drift: sampled JSON fields no column takes in, the `ALTER TABLE` and property changes
//! that would take them, and the `table.drift` check.

use super::{G, skipped_with};
use crate::preview::{Locator, Mapping, PreviewError};
use ks_core::check::{CheckFix, CheckResult};
use ks_core::sample::SampledRecord;
use ks_core::schema::{ColumnSpec, add_column_ddl, infer};
use std::collections::BTreeMap;

/// Fields the samples carry that no column takes in (schema drift).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The new columns, typed from the samples (all nullable).
    pub columns: Vec<ColumnSpec>,
    /// `ALTER TABLE … ADD COLUMN …`, one per column.
    pub statements: Vec<String>,
    /// The property changes that take the new columns in (`jsonpaths`, `columns`); empty when
    /// the load matches JSON fields by column name (no jsonpaths, no columns).
    pub properties: Vec<(String, String)>,
}

/// Compares sampled JSON records with the table's columns and the sink's mapping. `None`: no
/// drift (or a CSV load, which has no field names).
pub fn drift(
    samples: &[SampledRecord],
    database: &str,
    table: &str,
    columns: &[ColumnSpec],
    properties: &BTreeMap<String, String>,
) -> Result<Option<Drift>, PreviewError> {
    let params = crate::preview::load_params(properties)?;
    if params.format != starrocks_model::load::Format::Json {
        return Ok(None);
    }
    let mapping = Mapping::build(columns, &params, properties);
    let mut used: Vec<String> = Vec::new();
    for s in &mapping.sources {
        match &s.locator {
            Locator::Path(p) => {
                // The top-level field of any path (`$.a.b[0]` reads `a`).
                let t = p.text.trim();
                let t = t
                    .strip_prefix("$.")
                    .or_else(|| t.strip_prefix('$'))
                    .unwrap_or(t);
                let first = match t.strip_prefix('"') {
                    Some(q) => q.split('"').next().unwrap_or_default().to_string(),
                    None => t.split(['.', '[']).next().unwrap_or_default().to_string(),
                };
                used.push(first);
            }
            other => used.extend(other.top_field()),
        }
    }
    used.extend(columns.iter().map(|c| c.name.clone()));
    let docs: Vec<serde_json::Value> = samples.iter().filter_map(|s| s.json()).collect();
    let docs: Vec<serde_json::Value> = match &params.json_root {
        Some(root) => docs.iter().filter_map(|d| root.extract(d)).collect(),
        None => docs,
    };
    let taken = |f: &str| used.iter().any(|u| u.eq_ignore_ascii_case(f));
    let mut new: Vec<ColumnSpec> = infer(&docs)
        .into_iter()
        .filter(|c| !taken(c.field()))
        .collect();
    if new.is_empty() {
        return Ok(None);
    }
    // Keep the fields' first-seen order (inference moved a key candidate first).
    let order: Vec<String> = docs
        .iter()
        .filter_map(|d| d.as_object())
        .flat_map(|o| o.keys().cloned())
        .collect();
    new.sort_by_key(|c| {
        order
            .iter()
            .position(|k| k == c.field())
            .unwrap_or(usize::MAX)
    });
    for c in &mut new {
        c.key = false;
        c.nullable = true;
        // A name clash with an existing column (different case or sanitised): suffix it.
        let mut k = 2;
        let base = c.name.clone();
        while columns.iter().any(|e| e.name.eq_ignore_ascii_case(&c.name)) {
            c.name = format!("{base}_{k}");
            c.source.get_or_insert_with(|| base.clone());
            k += 1;
        }
    }
    let statements = new
        .iter()
        .map(|c| add_column_ddl(database, table, c))
        .collect();
    let mut props = Vec::new();
    let jsonpaths = crate::preview::property(properties, "jsonpaths");
    let cols_prop = crate::preview::property(properties, "columns");
    if let Some(jp) = &jsonpaths {
        let mut list: Vec<String> = serde_json::from_str(jp).unwrap_or_default();
        list.extend(new.iter().map(|c| c.jsonpath()));
        props.push((
            "jsonpaths".to_string(),
            serde_json::to_string(&list).unwrap_or_default(),
        ));
    }
    if let Some(cp) = &cols_prop {
        let mut text = cp.trim().trim_end_matches(',').to_string();
        for c in &new {
            text.push_str(", ");
            text.push_str(&c.name);
        }
        props.push(("columns".to_string(), text));
    } else if jsonpaths.is_none() && new.iter().any(|c| c.source.is_some()) {
        // A field whose name is not its column's cannot be matched by name: map every column.
        let mut all: Vec<ColumnSpec> = columns.to_vec();
        all.extend(new.iter().cloned());
        props.push(("jsonpaths".to_string(), ks_core::schema::jsonpaths(&all)));
    }
    Ok(Some(Drift {
        columns: new,
        statements,
        properties: props,
    }))
}

/// `table.drift`: sampled fields the table does not take in.
pub fn drift_check(
    samples: &[SampledRecord],
    database: &str,
    table: &str,
    columns: &[ColumnSpec],
    properties: &BTreeMap<String, String>,
) -> CheckResult {
    let (id, title) = ("table.drift", "No unmapped record fields");
    match drift(samples, database, table, columns, properties) {
        Err(e) => skipped_with(id, title, format!("not checked: {e}")),
        Ok(None) => CheckResult::pass(
            G,
            id,
            title,
            format!(
                "every field of the {} sampled records has a column",
                samples.len()
            ),
        ),
        Ok(Some(d)) => {
            let fields: Vec<String> = d.columns.iter().map(|c| c.field().to_string()).collect();
            let mut detail = format!(
                "sampled records carry fields the table does not load: {}\n{};",
                fields.join(", "),
                d.statements.join(";\n")
            );
            if d.properties.is_empty() {
                detail.push_str(
                    "\nno jsonpaths change needed: the load matches JSON fields by column name",
                );
            }
            for (k, v) in &d.properties {
                detail.push_str(&format!("\nsink.properties.{k} = '{v}'"));
            }
            CheckResult::warn(
                G,
                id,
                title,
                detail,
                "those fields are not loaded: add the columns (ALTER TABLE below) and the properties change to take them in, or ignore this",
            )
            .with_fix(CheckFix::Sql {
                statements: d.statements,
            })
        }
    }
}
