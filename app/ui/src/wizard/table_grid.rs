//! The Table step's editable column grid (name, type, nullable, key; add/remove rows) and the
//! mapping-preview grid. Pure drawing over ks-core types.
//!
//! Accessible names (the kittest tests use them): "Column N name", "Column N type",
//! "Column N nullable", "Column N key", "Remove column N", "Add column".

use super::super::protocol::PreviewAnswer;
use ks_core::preview::{MappingPreview, PreviewCell, RowOutcome};
use ks_core::schema::{ColumnSpec, TYPE_NAMES};

/// Draws the editable grid. Returns true when anything changed.
pub fn column_grid(ui: &mut egui::Ui, columns: &mut Vec<ColumnSpec>) -> bool {
    let mut changed = false;
    let mut remove = None;
    egui::Grid::new("column_grid")
        .striped(true)
        .num_columns(6)
        .show(ui, |ui| {
            for h in ["#", "Name", "Type", "Nullable", "Key", ""] {
                ui.strong(h);
            }
            ui.end_row();
            for (i, c) in columns.iter_mut().enumerate() {
                let n = i + 1;
                ui.label(n.to_string());
                changed |= ui
                    .add_sized([160.0, 20.0], egui::TextEdit::singleline(&mut c.name))
                    .accessible_name(format!("Column {n} name"))
                    .changed();
                ui.horizontal(|ui| {
                    changed |= ui
                        .add_sized([130.0, 20.0], egui::TextEdit::singleline(&mut c.sql_type))
                        .accessible_name(format!("Column {n} type"))
                        .changed();
                    ui.menu_button("▾", |ui| {
                        for t in TYPE_NAMES {
                            if ui.button(*t).clicked() {
                                c.sql_type = match *t {
                                    "VARCHAR" => "VARCHAR(255)".into(),
                                    "CHAR" => "CHAR(32)".into(),
                                    "DECIMAL" => "DECIMAL(18, 4)".into(),
                                    other => other.to_string(),
                                };
                                changed = true;
                                ui.close();
                            }
                        }
                    })
                    .response
                    .on_hover_text("Pick a type");
                });
                changed |= ui
                    .checkbox(&mut c.nullable, "")
                    .accessible_name(format!("Column {n} nullable"))
                    .changed();
                changed |= ui
                    .checkbox(&mut c.key, "")
                    .accessible_name(format!("Column {n} key"))
                    .changed();
                if ui
                    .small_button("✖")
                    .accessible_name(format!("Remove column {n}"))
                    .on_hover_text("Remove this column")
                    .clicked()
                {
                    remove = Some(i);
                }
                ui.end_row();
            }
        });
    if let Some(i) = remove {
        columns.remove(i);
        changed = true;
    }
    if ui.button("Add column").clicked() {
        let mut name = format!("column_{}", columns.len() + 1);
        while columns.iter().any(|c| c.name.eq_ignore_ascii_case(&name)) {
            name.push('_');
        }
        columns.push(ColumnSpec::new(name, "VARCHAR(255)"));
        changed = true;
    }
    changed
}

/// A preview cell as the grid shows it.
pub fn cell_text(cell: &PreviewCell) -> String {
    match cell {
        PreviewCell::Value(v) => v.clone(),
        PreviewCell::Null => "NULL".into(),
        PreviewCell::NullMissing { .. } => "NULL (missing)".into(),
        PreviewCell::NullNotConvertible { .. } => "NULL (does not convert)".into(),
        PreviewCell::Default { value: Some(v) } => v.clone(),
        PreviewCell::Default { value: None } => "NULL (no source)".into(),
    }
}

fn cell_hover(cell: &PreviewCell) -> Option<String> {
    match cell {
        PreviewCell::NullMissing { path } => Some(format!("no field at {path} in this record")),
        PreviewCell::NullNotConvertible {
            value,
            to_type,
            reason,
        } => Some(format!("{value:?} does not convert to {to_type}: {reason}")),
        _ => None,
    }
}

/// Columns that load no value from any sample (every cell NULL, or every row filtered).
pub fn empty_columns(preview: &MappingPreview) -> Vec<String> {
    if preview.rows.is_empty() {
        return Vec::new();
    }
    // A value shown in a row counts, loaded or filtered: a column is called out only when no
    // sample gives it a value at all (a filtered row's cells are what it would have held; why the
    // row is filtered is said on its own line).
    preview
        .columns
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            preview.rows.iter().all(|r| match &r.outcome {
                RowOutcome::Loaded(cells) | RowOutcome::Filtered { cells, .. } => {
                    cells.get(*i).is_none_or(PreviewCell::is_null)
                }
                RowOutcome::Unselected => true,
            })
        })
        .map(|(_, c)| c.clone())
        .collect()
}

/// Draws the mapping preview grid: one row per sample, filtered rows marked with the reason.
pub fn preview_grid(ui: &mut egui::Ui, answer: &PreviewAnswer) {
    let p = &answer.preview;
    ui.label(format!(
        "{} of {} sampled records load, {} filtered",
        p.loaded(),
        p.rows.len(),
        p.filtered()
    ));
    let null_color = ui.visuals().warn_fg_color;
    let error_color = ui.visuals().error_fg_color;
    egui::ScrollArea::horizontal()
        .id_salt("preview_scroll")
        .show(ui, |ui| {
            egui::Grid::new("preview_grid")
                .striped(true)
                .num_columns(p.columns.len() + 2)
                .show(ui, |ui| {
                    ui.strong("Record");
                    for c in &p.columns {
                        ui.strong(c);
                    }
                    ui.strong("Outcome");
                    ui.end_row();
                    for row in &p.rows {
                        ui.label((row.source_index + 1).to_string());
                        let (cells, outcome): (&[PreviewCell], egui::RichText) = match &row.outcome
                        {
                            RowOutcome::Loaded(cells) => (cells, egui::RichText::new("loads")),
                            RowOutcome::Filtered { reason, cells } => (
                                cells,
                                egui::RichText::new(format!("filtered: {reason}"))
                                    .color(error_color),
                            ),
                            RowOutcome::Unselected => {
                                (&[], egui::RichText::new("not selected by `where`").weak())
                            }
                        };
                        for i in 0..p.columns.len() {
                            let Some(cell) = cells.get(i) else {
                                ui.label("");
                                continue;
                            };
                            let text = egui::RichText::new(cell_text(cell));
                            let r = ui.add(
                                egui::Label::new(if cell.is_null() {
                                    text.color(null_color)
                                } else {
                                    text
                                })
                                .selectable(true),
                            );
                            if let Some(h) = cell_hover(cell) {
                                r.on_hover_text(h);
                            }
                        }
                        ui.add(egui::Label::new(outcome).selectable(true));
                        ui.end_row();
                    }
                });
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use ks_core::preview::PreviewRow;

    fn preview(rows: Vec<RowOutcome>) -> MappingPreview {
        MappingPreview {
            columns: vec!["id".into(), "ts".into()],
            rows: rows
                .into_iter()
                .enumerate()
                .map(|(source_index, outcome)| PreviewRow {
                    source_index,
                    outcome,
                })
                .collect(),
        }
    }

    fn not_convertible() -> PreviewCell {
        PreviewCell::NullNotConvertible {
            value: "1716925997497".into(),
            to_type: "DATETIME".into(),
            reason: "not a date".into(),
        }
    }

    #[test]
    fn a_column_no_sample_fills_is_called_out() {
        let p = preview(vec![
            RowOutcome::Loaded(vec![PreviewCell::Value("1".into()), not_convertible()]),
            RowOutcome::Loaded(vec![
                PreviewCell::Value("2".into()),
                PreviewCell::NullMissing {
                    path: "$.ts".into(),
                },
            ]),
        ]);
        assert_eq!(empty_columns(&p), ["ts"]);
        assert_eq!(cell_text(&not_convertible()), "NULL (does not convert)");
        assert_eq!(
            cell_text(&PreviewCell::NullMissing {
                path: "$.ts".into()
            }),
            "NULL (missing)"
        );
    }

    #[test]
    fn filtered_rows_count_the_values_they_show() {
        // Every row filtered for ts, but id has values: only ts is called out.
        let p = preview(vec![RowOutcome::Filtered {
            reason: "NULL value in non-nullable column 'ts'".into(),
            cells: vec![PreviewCell::Value("1".into()), not_convertible()],
        }]);
        assert_eq!(empty_columns(&p), ["ts"]);
        // A record that did not parse shows no cells.
        let p = preview(vec![RowOutcome::Filtered {
            reason: "not JSON".into(),
            cells: vec![],
        }]);
        assert_eq!(empty_columns(&p), ["id", "ts"]);
        let ok = preview(vec![RowOutcome::Loaded(vec![
            PreviewCell::Value("1".into()),
            PreviewCell::Value("2024-05-29 03:53:17".into()),
        ])]);
        assert!(empty_columns(&ok).is_empty());
        assert!(
            empty_columns(&preview(vec![])).is_empty(),
            "no samples: nothing to say"
        );
    }
}
