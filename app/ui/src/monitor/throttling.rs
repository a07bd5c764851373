//! GetRecords throttling: which shards Kinesis throttled in the last 30 s, how often, and what it
//! means. Shown while it lasts; the shards table keeps the counts.

use super::{Monitor, thousands};
use ks_core::snapshot::THROTTLING_MEANS;

/// The notice's heading (tests look for it).
pub const HEADING: &str = "GetRecords throttled";

pub fn ui(ui: &mut egui::Ui, m: &Monitor, now_ms: i64) {
    let Some(s) = &m.snapshot else { return };
    let shards = s.throttled_shards(now_ms);
    if shards.is_empty() {
        return;
    }
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(
            egui::RichText::new(format!("{HEADING} on {} shard(s)", shards.len()))
                .strong()
                .color(ui.visuals().warn_fg_color),
        );
        for sh in &shards {
            ui.label(format!(
                "{}: {} of {} calls throttled",
                sh.shard,
                thousands(sh.throttled),
                thousands(sh.get_records_calls)
            ));
        }
        ui.add(egui::Label::new(THROTTLING_MEANS).wrap());
    });
    ui.add_space(6.0);
}
