//! The catch-up bar: shown while the pipeline is behind the tip (TRIM_HORIZON, AT_TIMESTAMP, a
//! long stop), with the remaining lag and an ETA from the lag's slope.

use super::{Monitor, duration_ms};
use ks_core::snapshot::PipelineState;

/// Behind by more than this counts as catching up.
pub const BEHIND_MS: i64 = 5_000;

pub fn ui(ui: &mut egui::Ui, m: &Monitor) {
    let Some(s) = &m.snapshot else { return };
    if !m.is_running() {
        return;
    }
    let lag = s.max_lag_ms().unwrap_or(0);
    if !(matches!(s.state, PipelineState::CatchingUp) || lag > BEHIND_MS) {
        return;
    }
    let progress = if m.max_lag_seen_ms > 0 {
        1.0 - lag as f32 / m.max_lag_seen_ms as f32
    } else {
        0.0
    };
    let eta = m.catch_up_eta_s().map_or("estimating…".to_string(), |s| {
        format!("about {}", duration_ms((s * 1000.0) as i64))
    });
    ui.label(egui::RichText::new("Catching up").strong());
    ui.add(
        egui::ProgressBar::new(progress.clamp(0.0, 1.0))
            .text(format!("{} behind the tip · ETA {eta}", duration_ms(lag))),
    );
    ui.add_space(6.0);
}
