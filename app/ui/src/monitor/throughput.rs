//! Throughput over the last 15 minutes: records/s and MB/s (two plots sharing the time axis).

use super::Monitor;
use egui_plot::{Legend, Line, Plot, PlotPoints};

pub fn ui(ui: &mut egui::Ui, m: &Monitor) {
    ui.label(egui::RichText::new("Throughput, last 15 minutes").strong());
    let now = m.rates.back().map_or(0.0, |r| r.t_s);
    let records: PlotPoints = m
        .rates
        .iter()
        .map(|r| [r.t_s - now, r.records_per_s])
        .collect();
    let mb: PlotPoints = m.rates.iter().map(|r| [r.t_s - now, r.mb_per_s]).collect();
    let height = 140.0;
    ui.columns(2, |cols| {
        Plot::new(("throughput-records", &m.name))
            .height(height)
            .legend(Legend::default())
            .x_axis_label("seconds ago")
            .include_y(0.0)
            .allow_scroll(false)
            .show(&mut cols[0], |p| p.line(Line::new("records/s", records)));
        Plot::new(("throughput-mb", &m.name))
            .height(height)
            .legend(Legend::default())
            .x_axis_label("seconds ago")
            .include_y(0.0)
            .allow_scroll(false)
            .show(&mut cols[1], |p| p.line(Line::new("MB/s", mb)));
    });
}
