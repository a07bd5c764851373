//! "Export as Flink job…": the pipeline as a Managed Service for Apache Flink application
//! (docs/flink-export.md), from the wizard's Review step and from the monitor. A collapsible
//! section: the folder, Export, then what was written (the folder, its files, the settings that
//! do not carry over) and the next commands with a Copy button, or the error.

use crate::folder_picker::{self, FolderPicker};
use crate::protocol::{BackendLink, FlinkExportDone, Request, Ticket};
use egui::{RichText, Ui};
use ks_core::{PipelineConfig, Secret};
use std::path::PathBuf;

/// The section's header (tests open it by this label).
pub const OPEN: &str = "Export as Flink job…";
/// The folder field's label.
pub const FOLDER: &str = "Folder";
/// The button that writes the export.
pub const EXPORT: &str = "Export";
/// Copies the next commands.
pub const COPY: &str = "Copy";

/// Where an export goes unless the user says otherwise: `<home>/kinesis-starrocks-flink/<name>`.
pub fn default_folder(name: &str) -> String {
    let name = if name.trim().is_empty() {
        "pipeline"
    } else {
        name.trim()
    };
    let base = std::env::home_dir().unwrap_or_else(|| PathBuf::from("~"));
    base.join("kinesis-starrocks-flink")
        .join(name)
        .display()
        .to_string()
}

/// The folder typed, as a path: `~/…` is the home folder; a relative path is refused (the app's
/// working directory is nothing the user chose).
pub fn folder_path(text: &str) -> Result<PathBuf, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("required: the folder to write the job's files to".into());
    }
    let path = match t.strip_prefix("~/").or((t == "~").then_some("")) {
        Some(rest) => std::env::home_dir()
            .ok_or("no home folder is known: give an absolute path")?
            .join(rest),
        None => PathBuf::from(t),
    };
    if path.is_relative() {
        return Err(format!(
            "{t}: give an absolute path (or one under ~/), e.g. {}",
            default_folder("stock")
        ));
    }
    Ok(path)
}

/// What the panel exports: pipeline `name`'s `config` (or why there is nothing to export yet),
/// and the `password` that reads the table's columns (`None`: the backend uses the one the
/// pipeline starts with).
pub struct ExportSubject<'a> {
    pub name: &'a str,
    pub config: Result<&'a PipelineConfig, String>,
    pub password: Option<&'a Secret>,
}

/// The export panel of one page (the Review step, a pipeline's monitor).
#[derive(Default)]
pub struct FlinkExportPanel {
    folder: String,
    /// The user typed or chose a folder: it no longer follows the pipeline's name.
    folder_edited: bool,
    picker: FolderPicker,
    ticket: Option<Ticket>,
    result: Option<Result<FlinkExportDone, String>>,
}

impl FlinkExportPanel {
    /// Whether an export is in flight.
    pub fn pending(&self) -> bool {
        self.ticket.is_some()
    }

    /// The last export's answer.
    pub fn result(&self) -> Option<&Result<FlinkExportDone, String>> {
        self.result.as_ref()
    }

    /// Draws the section for `subject`'s pipeline.
    pub fn ui(&mut self, ui: &mut Ui, subject: ExportSubject<'_>, backend: &BackendLink) {
        let name = subject.name;
        if !self.folder_edited {
            self.folder = default_folder(name);
        }
        egui::CollapsingHeader::new(OPEN)
            .id_salt(("flink-export", name))
            .show(ui, |ui| {
                ui.add(
                    egui::Label::new(
                        RichText::new(
                            "Writes this pipeline as a Managed Service for Apache Flink \
                             application: the Flink SQL, a Java runner and its Maven build, the \
                             CreateApplication request, the IAM policy and a README. The \
                             password is never written.",
                        )
                        .weak(),
                    )
                    .wrap(),
                );
                ui.add_space(4.0);
                self.form(ui, &subject, backend);
                self.outcome(ui);
                ui.add_space(6.0);
            });
    }

    fn form(&mut self, ui: &mut Ui, subject: &ExportSubject<'_>, backend: &BackendLink) {
        let ExportSubject {
            name,
            config,
            password,
        } = subject;
        let folder = folder_path(&self.folder);
        egui::Grid::new(("flink-export-form", name))
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                // Typed, or chosen with the app's own folder picker (crate::folder_picker).
                let label = ui.label(FOLDER);
                ui.vertical(|ui| {
                    ui.horizontal(|ui| {
                        let resp = ui
                            .add(
                                egui::TextEdit::singleline(&mut self.folder)
                                    .hint_text("an absolute path, or ~/… (created if missing)")
                                    .desired_width(crate::wizard::fields::FIELD_WIDTH + 120.0),
                            )
                            .labelled_by(label.id);
                        if resp.changed() {
                            self.folder_edited = true;
                        }
                        if ui.button(folder_picker::CHOOSE).clicked() {
                            let start = folder.clone().unwrap_or_else(|_| {
                                std::env::home_dir().unwrap_or_else(|| PathBuf::from("/"))
                            });
                            self.picker.open_at(&start);
                        }
                    });
                    if let Some(chosen) = self.picker.show(ui.ctx(), name) {
                        self.folder = chosen.display().to_string();
                        self.folder_edited = true;
                    }
                    crate::wizard::fields::error_line(
                        ui,
                        folder.as_ref().err().map(String::as_str),
                    );
                });
                ui.end_row();
            });
        ui.horizontal(|ui| {
            let ready = config.is_ok() && folder.is_ok() && self.ticket.is_none();
            let export = ui
                .add_enabled(ready, egui::Button::new(EXPORT))
                .on_hover_text("Write the job's files to the folder (existing ones are replaced)");
            if let (true, Ok(config), Ok(out_dir)) = (export.clicked(), &config, &folder) {
                let ticket = backend.ticket();
                backend.send(Request::ExportFlink {
                    ticket,
                    name: name.to_string(),
                    config: Box::new((*config).clone()),
                    password: password.cloned(),
                    out_dir: out_dir.clone(),
                });
                self.ticket = Some(ticket);
                self.result = None;
            }
            if self.ticket.is_some() {
                ui.add(egui::Spinner::new());
                ui.label("exporting… (reading the table's columns and the stream's shards)");
            } else if let Err(why) = &config {
                ui.label(RichText::new(why).weak());
            }
        });
    }

    fn outcome(&self, ui: &mut Ui) {
        let Some(result) = &self.result else {
            return;
        };
        ui.add_space(6.0);
        let done = match result {
            Ok(done) => done,
            Err(e) => {
                ui.add(
                    egui::Label::new(
                        RichText::new(format!("Not exported: {e}"))
                            .color(ui.visuals().error_fg_color),
                    )
                    .selectable(true)
                    .wrap(),
                );
                return;
            }
        };
        ui.add(
            egui::Label::new(
                RichText::new(format!(
                    "Wrote {} files to {} (parallelism {}: one per open shard)",
                    done.files.len(),
                    done.dir.display(),
                    done.parallelism
                ))
                .color(crate::wizard::checks::pass_color(ui)),
            )
            .selectable(true)
            .wrap(),
        );
        ui.horizontal_wrapped(|ui| {
            ui.strong("Files:");
            for file in &done.files {
                ui.add(egui::Label::new(RichText::new(file).monospace()).selectable(true));
            }
        });
        if !done.warnings.is_empty() {
            ui.add_space(4.0);
            ui.label(RichText::new("Your settings that do not carry over to Flink:").strong());
            for w in &done.warnings {
                ui.add(
                    egui::Label::new(
                        RichText::new(format!("{} {w}", crate::wizard::checks::MARK_WARN))
                            .color(ui.visuals().warn_fg_color),
                    )
                    .selectable(true)
                    .wrap(),
                );
            }
        }
        let others = done.notes.len() - done.warnings.len().min(done.notes.len());
        if others > 0 {
            egui::CollapsingHeader::new(format!("Other differences from the app ({others})"))
                .id_salt(("flink-export-notes", &done.dir))
                .show(ui, |ui| {
                    for n in done.notes.iter().filter(|n| !done.warnings.contains(n)) {
                        ui.add(
                            egui::Label::new(RichText::new(n).weak())
                                .selectable(true)
                                .wrap(),
                        );
                    }
                });
        }
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            ui.strong("Next:");
            if ui
                .small_button(COPY)
                .on_hover_text("Copy the commands")
                .clicked()
            {
                ui.ctx().copy_text(done.next_steps.clone());
            }
        });
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.add(
                egui::Label::new(RichText::new(&done.next_steps).monospace())
                    .selectable(true)
                    .wrap(),
            );
        });
    }

    /// The answer to this panel's export (answers to other panels' are ignored). True when it
    /// was this panel's.
    pub fn on_reply(&mut self, ticket: Ticket, result: &Result<FlinkExportDone, String>) -> bool {
        if self.ticket != Some(ticket) {
            return false;
        }
        self.ticket = None;
        self.result = Some(result.clone());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders() {
        let home = std::env::home_dir().expect("a home folder");
        assert_eq!(
            default_folder("stock"),
            home.join("kinesis-starrocks-flink/stock")
                .display()
                .to_string()
        );
        assert_eq!(
            folder_path(" ~/jobs/stock ").unwrap(),
            home.join("jobs/stock")
        );
        assert_eq!(folder_path("/tmp/x").unwrap(), PathBuf::from("/tmp/x"));
        assert!(folder_path("").unwrap_err().starts_with("required"));
        assert!(folder_path("jobs/x").unwrap_err().contains("absolute path"));
    }
}
