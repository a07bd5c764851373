//! The local demo's producer rate: a slider (10–2,000 records/s, logarithmic) under the demo
//! pipeline's header, so the plot has something to show and batches visibly fill.

use super::Monitor;
use crate::protocol::{BackendLink, DEMO_RECORDS_PER_S, Request};

/// The slider's label (tests find it by this text).
pub const LABEL: &str = "Demo producer (records/s)";

pub fn ui(ui: &mut egui::Ui, m: &mut Monitor, backend: &BackendLink) {
    let Some(rate) = m.demo_rate.as_mut() else {
        return;
    };
    ui.horizontal(|ui| {
        let label = ui.label(LABEL);
        let slider = egui::Slider::new(rate, DEMO_RECORDS_PER_S).logarithmic(true);
        let response = ui.add(slider).labelled_by(label.id);
        if response.changed() {
            backend.send(Request::SetDemoRate {
                records_per_s: *rate,
            });
        }
    });
    ui.add_space(4.0);
}
