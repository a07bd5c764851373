//! The welcome page: what the product does, the saved pipelines with their status, and the ways
//! in: a new pipeline, the local demo, importing Kinesis Data Analytics runtime properties.

use crate::protocol::PipelineEntry;

/// The product name, as shown in the window title and on the welcome page.
pub const PRODUCT_NAME: &str = "kinesis-starrocks";

/// One line that says what the product does.
pub const DESCRIPTION: &str = "Kinesis Data Streams → StarRocks / CelerData, exactly once";

/// Button labels (tests click them by these).
pub const NEW_PIPELINE: &str = "New pipeline";
pub const TRY_DEMO: &str = "Try a local demo";
pub const IMPORT: &str = "Import Kinesis Data Analytics properties…";
pub const IMPORT_APPLY: &str = "Fill the wizard";

const BUTTON_SIZE: egui::Vec2 = egui::vec2(300.0, 32.0);

/// What the user asked for on the welcome page.
pub enum Action {
    New,
    Demo,
    Open(String),
    Import,
}

/// Draws the welcome page. `import` holds the import text area's contents while it is open.
pub fn ui(
    ui: &mut egui::Ui,
    pipelines: &[PipelineEntry],
    import: &mut Option<String>,
    import_error: Option<&str>,
    demo_pending: bool,
) -> Option<Action> {
    let mut action = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.vertical_centered(|ui| {
            ui.add_space(32.0);
            ui.label(
                egui::RichText::new(PRODUCT_NAME)
                    .heading()
                    .size(32.0)
                    .strong(),
            );
            ui.add_space(8.0);
            ui.label(egui::RichText::new(DESCRIPTION).size(18.0));
            ui.add_space(24.0);
            if ui
                .add(egui::Button::new(NEW_PIPELINE).min_size(BUTTON_SIZE))
                .on_hover_text("Set up a stream → table pipeline step by step")
                .clicked()
            {
                action = Some(Action::New);
            }
            ui.add_space(6.0);
            let demo = ui
                .add_enabled(
                    !demo_pending,
                    egui::Button::new(TRY_DEMO).min_size(BUTTON_SIZE),
                )
                .on_hover_text(
                    "Starts a local Kinesis and a StarRocks stand-in on this machine with a \
                     stock-ticker producer, and walks the wizard against them",
                );
            if demo.clicked() {
                action = Some(Action::Demo);
            }
            if demo_pending {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("starting the local demo…");
                });
            }
            ui.add_space(6.0);
            if ui
                .add(egui::Button::new(IMPORT).min_size(BUTTON_SIZE))
                .on_hover_text("Paste the runtime properties (ProducerConfigProperties) of the Flink application")
                .clicked()
                && import.is_none()
            {
                *import = Some(String::new());
            }
        });
        if let Some(text) = import {
            ui.add_space(12.0);
            let label = ui.label("Runtime properties JSON (ProducerConfigProperties):");
            ui.add(
                egui::TextEdit::multiline(text)
                    .code_editor()
                    .desired_rows(8)
                    .desired_width(f32::INFINITY)
                    .hint_text(r#"[{"PropertyGroupId": "ProducerConfigProperties", "PropertyMap": {"jdbc-url": "jdbc:mysql://…:9030", …}}]"#),
            )
            .labelled_by(label.id);
            if let Some(e) = import_error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            ui.horizontal(|ui| {
                if ui.button(IMPORT_APPLY).clicked() {
                    action = Some(Action::Import);
                }
                if ui.button("Cancel import").clicked() {
                    *import = None;
                }
            });
        }
        ui.add_space(24.0);
        ui.label(egui::RichText::new("Saved pipelines").strong().size(16.0));
        if pipelines.is_empty() {
            ui.weak("none yet");
        }
        egui::Grid::new("welcome-pipelines")
            .striped(true)
            .num_columns(3)
            .show(ui, |ui| {
                for p in pipelines {
                    let (text, colour) = crate::monitor::header_state_text(&p.status);
                    ui.label(egui::RichText::new("●").color(colour));
                    if ui.link(&p.name).clicked() {
                        action = Some(Action::Open(p.name.clone()));
                    }
                    let what = match &p.config {
                        Ok(c) => format!(
                            "{text} · {} → {}.{}{}",
                            c.source.stream_name,
                            c.sink.database_name,
                            c.sink.table_name,
                            if p.demo { " (local demo)" } else { "" }
                        ),
                        Err(e) => format!("cannot read {}: {e}", p.path.display()),
                    };
                    ui.label(what);
                    ui.end_row();
                }
            });
    });
    action
}
