//! Per-shard table: state, lag, last sequence (abbreviated), records.

use super::{Monitor, duration_ms, thousands};
use ks_core::snapshot::ShardState;

/// "…4141" (the last digits identify a sequence number at a glance; hover shows all).
pub fn abbreviate(seq: &str) -> String {
    let n = seq.chars().count();
    if n <= 8 {
        seq.to_string()
    } else {
        format!("…{}", seq.chars().skip(n - 6).collect::<String>())
    }
}

fn state(s: ShardState) -> &'static str {
    match s {
        ShardState::WaitingOnParents => "waiting on parents",
        ShardState::Initializing => "starting",
        ShardState::Reading => "reading",
        ShardState::ShardEnd => "at shard end",
        ShardState::Done => "done",
    }
}

pub fn ui(ui: &mut egui::Ui, m: &Monitor) {
    ui.label(egui::RichText::new("Shards").strong());
    let Some(s) = &m.snapshot else {
        ui.weak("no shards yet");
        return;
    };
    egui::Grid::new(("shards", &m.name))
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            for h in ["shard", "state", "lag", "last sequence", "records"] {
                ui.label(egui::RichText::new(h).weak());
            }
            ui.end_row();
            for shard in &s.shards {
                ui.label(shard.shard.to_string());
                ui.label(state(shard.state));
                ui.label(
                    shard
                        .millis_behind_latest
                        .map_or("–".to_string(), duration_ms),
                );
                match &shard.last_sequence {
                    Some(seq) => {
                        let full = seq.to_string();
                        ui.label(abbreviate(&full)).on_hover_text(full);
                    }
                    None => {
                        ui.label("–");
                    }
                }
                ui.label(thousands(shard.records_read));
                ui.end_row();
            }
        });
}
