//! Errors: StarRocks' Status / Message, filtered rows, the ErrorURL and its lines fetched inline;
//! each entry has a Copy button (the whole entry as text).

use super::{Monitor, time_of_day};
use ks_core::snapshot::ErrorEntry;

/// The entry as plain text (what Copy puts on the clipboard).
pub fn entry_text(e: &ErrorEntry) -> String {
    let mut out = format!("{} UTC {}", time_of_day(e.at_ms), e.context);
    if let Some(status) = &e.status {
        out.push_str(&format!("\nStatus: {status}"));
    }
    out.push_str(&format!("\nMessage: {}", e.message));
    if let Some(url) = &e.error_url {
        out.push_str(&format!("\nErrorURL: {url}"));
    }
    for line in &e.error_lines {
        out.push('\n');
        out.push_str(line);
    }
    out
}

pub fn ui(ui: &mut egui::Ui, m: &Monitor) {
    let errors = m.snapshot.as_ref().map(|s| &s.errors);
    let n = errors.map_or(0, |e| e.len());
    ui.label(egui::RichText::new(format!("Errors ({n})")).strong());
    let Some(errors) = errors.filter(|e| !e.is_empty()) else {
        ui.weak("no errors");
        return;
    };
    for (i, e) in errors.iter().rev().take(20).enumerate() {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                let head = match &e.status {
                    Some(status) => format!("{} {status}: {}", time_of_day(e.at_ms), e.message),
                    None => format!("{} {}", time_of_day(e.at_ms), e.message),
                };
                ui.label(egui::RichText::new(head).color(ui.visuals().error_fg_color));
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui
                        .button("Copy")
                        .on_hover_text("Copy this error with its ErrorURL lines")
                        .clicked()
                    {
                        ui.ctx().copy_text(entry_text(e));
                    }
                });
            });
            ui.label(egui::RichText::new(&e.context).weak());
            if let Some(url) = &e.error_url {
                ui.label(egui::RichText::new(format!("ErrorURL: {url}")).monospace());
            }
            if !e.error_lines.is_empty() {
                egui::CollapsingHeader::new(format!("ErrorURL lines ({})", e.error_lines.len()))
                    .id_salt(("error-lines", i, e.at_ms))
                    .default_open(true)
                    .show(ui, |ui| {
                        for line in e.error_lines.iter().take(50) {
                            ui.label(egui::RichText::new(line).monospace());
                        }
                    });
            }
        });
    }
}
