//! The load-frequency notice: the running pipeline's flush settings over its open shards allow
//! more than one load a second, which StarRocks may answer with "too many tablet versions" (the
//! same estimate and words as `check`'s `aws.load-frequency`, ks_core::load_frequency).

use super::Monitor;
use ks_core::load_frequency::{LoadFrequency, REMEDY, WHY};
use ks_core::snapshot::ShardState;

/// The notice's heading (tests look for it).
pub const HEADING: &str = "Loads may come too often for StarRocks";

pub fn ui(ui: &mut egui::Ui, m: &Monitor) {
    let (Some(s), Some(Ok(config))) = (&m.snapshot, &m.config) else {
        return;
    };
    let open_shards = s
        .shards
        .iter()
        .filter(|sh| !matches!(sh.state, ShardState::ShardEnd | ShardState::Done))
        .count();
    if open_shards == 0 {
        return;
    }
    let f = LoadFrequency::estimate(
        &config.sink.buffer_flush,
        u32::try_from(open_shards).unwrap_or(u32::MAX),
    );
    if !f.likely_too_frequent() {
        return;
    }
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(
            egui::RichText::new(HEADING)
                .strong()
                .color(ui.visuals().warn_fg_color),
        );
        ui.add(
            egui::Label::new(format!(
                "With the stream written at full capacity this pipeline makes {}. {WHY} {REMEDY}",
                f.describe()
            ))
            .wrap(),
        );
    });
    ui.add_space(6.0);
}
