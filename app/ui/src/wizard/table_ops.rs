//! The Table step's updates and deletes, for PRIMARY KEY tables: a record field that marks
//! deletes (applied through `__op`, or ignored: left out and counted), and partial updates (only
//! the mapped columns change). "Apply to the mapping" rewrites `columns`, `jsonpaths`, `where`
//! and `partial_update` (`ks_core::schema::ops`); the mapping preview then shows the result.
//!
//! Labels the tests drive: "Records can delete rows", "Delete field", "Delete value",
//! "Ignore deletes", "Partial update", "Apply to the mapping".

use super::Draft;
use ks_core::schema::ColumnSpec;
use ks_core::schema::ops::{OpsChoice, apply_ops};

pub struct OpsForm {
    deletes: bool,
    field: String,
    value: String,
    ignore: bool,
    partial: bool,
    /// The last "Apply" went wrong: why.
    error: Option<String>,
}

impl Default for OpsForm {
    fn default() -> Self {
        OpsForm {
            deletes: false,
            field: "op".into(),
            value: "d".into(),
            ignore: false,
            partial: false,
            error: None,
        }
    }
}

impl OpsForm {
    pub fn ui(&mut self, ui: &mut egui::Ui, draft: &mut Draft, columns: &[ColumnSpec]) {
        egui::CollapsingHeader::new("Updates and deletes (PRIMARY KEY tables)")
            .default_open(false)
            .show(ui, |ui| {
                ui.add(
                    egui::Label::new(
                        egui::RichText::new(
                            "On a PRIMARY KEY table every record replaces the row with its key. \
                             Records can also delete rows, and can update only the columns they \
                             carry.",
                        )
                        .weak(),
                    )
                    .wrap(),
                );
                ui.checkbox(&mut self.deletes, "Records can delete rows");
                if self.deletes {
                    ui.horizontal(|ui| {
                        let l = ui.label("Delete field");
                        ui.add(egui::TextEdit::singleline(&mut self.field).desired_width(120.0))
                            .labelled_by(l.id);
                        let l = ui.label("Delete value");
                        ui.add(egui::TextEdit::singleline(&mut self.value).desired_width(120.0))
                            .labelled_by(l.id);
                    });
                    ui.horizontal(|ui| {
                        ui.checkbox(&mut self.ignore, "Ignore deletes");
                        ui.label(
                            egui::RichText::new("leave those records out (they are counted)")
                                .weak(),
                        );
                    });
                }
                ui.horizontal(|ui| {
                    ui.checkbox(&mut self.partial, "Partial update");
                    ui.label(
                        egui::RichText::new("change only the mapped columns, keep the others")
                            .weak(),
                    );
                });
                if ui.button("Apply to the mapping").clicked() {
                    let choice = OpsChoice {
                        delete_when: self.deletes.then(|| {
                            (self.field.trim().to_string(), self.value.trim().to_string())
                        }),
                        ignore_deletes: self.deletes && self.ignore,
                        partial_update: self.partial,
                    };
                    let mut properties = draft.properties.clone();
                    self.error = apply_ops(columns, &mut properties, &choice).err();
                    if self.error.is_none() {
                        draft.properties = properties;
                    }
                }
                if let Some(e) = &self.error {
                    super::super::fields::error_line(ui, Some(e));
                }
            });
    }
}
