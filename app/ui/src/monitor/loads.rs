//! Recent loads: label, rows, bytes, ms, status (newest first).

use super::{Monitor, bytes, thousands};

pub fn ui(ui: &mut egui::Ui, m: &Monitor) {
    ui.label(egui::RichText::new("Recent loads").strong());
    let Some(s) = &m.snapshot else {
        ui.weak("no loads yet");
        return;
    };
    if s.recent_loads.is_empty() {
        ui.weak("no loads yet");
        return;
    }
    egui::Grid::new(("loads", &m.name))
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            for h in ["label", "rows", "bytes", "ms", "status"] {
                ui.label(egui::RichText::new(h).weak());
            }
            ui.end_row();
            for l in s.recent_loads.iter().take(12) {
                ui.label(egui::RichText::new(&l.label).monospace());
                ui.label(thousands(l.rows));
                ui.label(bytes(l.bytes));
                ui.label(l.ms.to_string());
                let status = if l.filtered_rows > 0 {
                    format!("{} ({} filtered)", l.status, l.filtered_rows)
                } else {
                    l.status.clone()
                };
                ui.label(status);
                ui.end_row();
            }
        });
}
