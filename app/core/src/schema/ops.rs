//! Updates and deletes on PRIMARY KEY tables, as Stream Load properties: a record field that
//! marks deletes becomes `__op` (StarRocks deletes the row with that key), or, to ignore
//! deletes, a `where` that leaves those records out (StarRocks counts them as unselected); a
//! partial update sends `partial_update` with the `columns` the mapping fills, so the columns it
//! does not name keep their values (the connector's trap is NULL in all of them).
//!
//! The mapping is rewritten in place: the `columns` items (sources in `jsonpaths` order, then
//! expressions), with the delete field added as one more source.

use super::{ColumnSpec, jsonpath_for, valid_name};
use crate::config::{property, set_property};
use std::collections::BTreeMap;

/// What the user chose for updates and deletes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpsChoice {
    /// The record field that marks a delete and the value that does (`op`, `d`).
    pub delete_when: Option<(String, String)>,
    /// Leave the records that mark deletes out instead of deleting.
    pub ignore_deletes: bool,
    /// Update only the columns the mapping fills.
    pub partial_update: bool,
}

/// Splits a `columns` value at top-level commas (not inside parentheses or quotes).
pub fn split_columns(text: &str) -> Vec<String> {
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
                '(' | ')' => {
                    depth += if c == '(' { 1 } else { -1 };
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

/// The item of a `columns` list that is an expression (`name = expr`), and its name.
fn derived_name(item: &str) -> Option<String> {
    let (name, _) = item.split_once('=')?;
    Some(name.trim().trim_matches('`').to_string())
}

/// Rewrites the JSON mapping in `properties` (into a table with `columns`) for `choice`.
/// Errors name what cannot be written (a field or value with quotes, CSV).
pub fn apply_ops(
    columns: &[ColumnSpec],
    properties: &mut BTreeMap<String, String>,
    choice: &OpsChoice,
) -> Result<(), String> {
    if property(properties, "format").is_none_or(|f| !f.trim().eq_ignore_ascii_case("json")) {
        return Err("updates and deletes are set up here for JSON records only".into());
    }
    // Sources and their paths, in order; expressions kept (but an earlier __op).
    let paths: Vec<String> = match property(properties, "jsonpaths") {
        Some(j) => {
            serde_json::from_str(j).map_err(|e| format!("jsonpaths is not a JSON list: {e}"))?
        }
        None => Vec::new(),
    };
    let items: Vec<String> = property(properties, "columns")
        .map(split_columns)
        .unwrap_or_default();
    let (mut sources, mut derived): (Vec<String>, Vec<String>) = if items.is_empty() {
        (columns.iter().map(|c| c.name.clone()).collect(), Vec::new())
    } else {
        items.into_iter().partition(|i| derived_name(i).is_none())
    };
    let mut paths: Vec<String> = if paths.is_empty() {
        // Matched by name: each source reads the field of its name.
        sources
            .iter()
            .map(|s| jsonpath_for(s.trim_matches('`')))
            .collect()
    } else {
        paths
    };
    sources.truncate(paths.len());
    paths.truncate(sources.len());
    derived.retain(|d| !derived_name(d).is_some_and(|n| n.eq_ignore_ascii_case("__op")));
    let mut filter = None;
    if let Some((field, value)) = &choice.delete_when {
        let plain = |s: &str| !s.is_empty() && !s.contains(['\'', '"', '\\', '`', '[', ']']);
        if !plain(field) || !plain(value) {
            return Err(format!(
                "the delete field {field:?} and value {value:?} must be non-empty, without quotes, \
                 backslashes or brackets"
            ));
        }
        let path = jsonpath_for(field);
        let name = match paths.iter().position(|p| *p == path) {
            Some(i) => sources[i].clone(),
            None => {
                let mut name = format!("{field}_src");
                let mut k = 2;
                while columns.iter().any(|c| c.name.eq_ignore_ascii_case(&name))
                    || sources
                        .iter()
                        .any(|s| s.trim_matches('`').eq_ignore_ascii_case(&name))
                {
                    name = format!("{field}_src{k}");
                    k += 1;
                }
                if !valid_name(&name) {
                    name = format!("`{name}`");
                }
                sources.push(name.clone());
                paths.push(path);
                name
            }
        };
        if choice.ignore_deletes {
            filter = Some(format!("ifnull({name}, '') != '{value}'"));
        } else {
            derived.push(format!("__op = if(ifnull({name}, '') = '{value}', 1, 0)"));
        }
    }
    let mut all = sources;
    all.extend(derived);
    set_property(properties, "columns", Some(all.join(", ")));
    set_property(
        properties,
        "jsonpaths",
        Some(serde_json::to_string(&paths).unwrap_or_default()),
    );
    set_property(properties, "where", filter);
    set_property(
        properties,
        "partial_update",
        choice.partial_update.then(|| "true".to_string()),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Vec<ColumnSpec> {
        ["id", "price", "note"]
            .iter()
            .map(|n| ColumnSpec::new(*n, "VARCHAR(8)"))
            .collect()
    }

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn deletes_add_the_field_and_an_op_expression() {
        let mut p = props(&[
            ("format", "json"),
            ("jsonpaths", r#"["$.id","$.price","$.note"]"#),
        ]);
        let choice = OpsChoice {
            delete_when: Some(("op".into(), "d".into())),
            ..OpsChoice::default()
        };
        apply_ops(&cols(), &mut p, &choice).unwrap();
        assert_eq!(
            p["columns"],
            "id, price, note, op_src, __op = if(ifnull(op_src, '') = 'd', 1, 0)"
        );
        assert_eq!(p["jsonpaths"], r#"["$.id","$.price","$.note","$.op"]"#);
        // Applied again (e.g. to ignore deletes): the same source, no second __op.
        let ignore = OpsChoice {
            ignore_deletes: true,
            ..choice
        };
        apply_ops(&cols(), &mut p, &ignore).unwrap();
        assert_eq!(p["columns"], "id, price, note, op_src");
        assert_eq!(p["where"], "ifnull(op_src, '') != 'd'");
    }

    #[test]
    fn fixes_stay_and_partial_updates_name_the_mapped_columns() {
        let mut p = props(&[
            ("format", "json"),
            ("jsonpaths", r#"["$.id","$.ts"]"#),
            ("columns", "id, ts_src, price=from_unixtime(ts_src/1000)"),
        ]);
        let choice = OpsChoice {
            partial_update: true,
            ..OpsChoice::default()
        };
        apply_ops(&cols(), &mut p, &choice).unwrap();
        assert_eq!(p["columns"], "id, ts_src, price=from_unixtime(ts_src/1000)");
        assert_eq!(p["partial_update"], "true");
        apply_ops(&cols(), &mut p, &OpsChoice::default()).unwrap();
        assert!(!p.contains_key("partial_update"));
        // Matched by name (no jsonpaths): every source gets its path.
        let mut p = props(&[("format", "json")]);
        apply_ops(&cols(), &mut p, &choice).unwrap();
        assert_eq!(p["jsonpaths"], r#"["$.id","$.price","$.note"]"#);
        assert_eq!(p["columns"], "id, price, note");
        let bad = OpsChoice {
            delete_when: Some(("op".into(), "it's".into())),
            ..OpsChoice::default()
        };
        assert!(
            apply_ops(&cols(), &mut p, &bad)
                .unwrap_err()
                .contains("without quotes")
        );
    }
}
