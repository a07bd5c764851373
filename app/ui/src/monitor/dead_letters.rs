//! Dead letters: the rows set aside (`on-data-error = "dead-letter"`), where each file is, why,
//! and a button that copies the path. Counted apart from the rows StarRocks filtered.

use super::{Monitor, thousands, time_of_day};

/// The panel's heading.
pub const HEADING: &str = "Dead letters";
/// Label of the button that copies a file's path.
pub const COPY_PATH: &str = "Copy path";

pub fn ui(ui: &mut egui::Ui, m: &Monitor) {
    let Some(s) = &m.snapshot else { return };
    if s.dead_letters.is_empty() {
        return;
    }
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(
            egui::RichText::new(format!(
                "{HEADING}: {} rows set aside this run",
                thousands(s.totals.rows_dead_lettered)
            ))
            .strong()
            .color(ui.visuals().warn_fg_color),
        );
        ui.add(
            egui::Label::new(
                "These rows were not loaded and are not retried. Each file holds one line per row \
                 with its shard and sequence number (find the record in the stream) and \
                 StarRocks' reason. Fix the table or the mapping, then load the rows again.",
            )
            .wrap(),
        );
        for d in s.dead_letters.iter().take(5) {
            ui.separator();
            ui.horizontal_wrapped(|ui| {
                ui.label(format!(
                    "{} UTC · {} · {} rows",
                    time_of_day(d.at_ms),
                    d.label,
                    thousands(d.rows)
                ));
                if ui.button(COPY_PATH).clicked() {
                    ui.ctx().copy_text(d.path.clone());
                }
            });
            ui.add(egui::Label::new(egui::RichText::new(&d.path).monospace()).wrap());
            ui.add(egui::Label::new(format!("reason: {}", d.reason)).wrap());
        }
        if s.dead_letters.len() > 5 {
            ui.weak(format!(
                "… {} more file(s) in the same folder",
                s.dead_letters.len() - 5
            ));
        }
    });
    ui.add_space(6.0);
}
