//! Per-shard table: state, lag, last sequence (abbreviated), records.

use super::{Monitor, duration_ms, thousands};
use crate::protocol::RunStatus;
use ks_core::snapshot::{PipelineState, ShardState};

/// "…4141" (the last digits identify a sequence number at a glance; hover shows all).
pub fn abbreviate(seq: &str) -> String {
    let n = seq.chars().count();
    if n <= 8 {
        seq.to_string()
    } else {
        format!("…{}", seq.chars().skip(n - 6).collect::<String>())
    }
}

/// Heading of the shards table's KPL column.
pub const KPL_COLUMN: &str = "KPL outside shard";
/// Heading of the shards table's throttling column.
pub const THROTTLED_COLUMN: &str = "throttled";

/// A shard's state once the engine no longer runs (a finished shard stays "done").
pub const STOPPED: &str = "stopped";

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
    // The KPL column appears once a shard had sub-records outside its range.
    let kpl = s.shards.iter().any(|sh| sh.kpl_out_of_range > 0);
    // After Stop (or a failure) nothing reads: the last snapshot's phases would say otherwise.
    let stopped = matches!(m.status, RunStatus::Ended(_))
        || matches!(
            s.state,
            PipelineState::Stopped | PipelineState::Failed { .. }
        );
    // The throttling column appears once Kinesis throttled a shard.
    let throttled = s.shards.iter().any(|sh| sh.throttled > 0);
    egui::Grid::new(("shards", &m.name))
        .striped(true)
        .num_columns(5 + usize::from(kpl) + usize::from(throttled))
        .show(ui, |ui| {
            for h in ["shard", "state", "lag", "last sequence", "records"] {
                ui.label(egui::RichText::new(h).weak());
            }
            if kpl {
                ui.label(egui::RichText::new(KPL_COLUMN).weak())
                    .on_hover_text(
                        "KPL sub-records whose partition key hashes outside this shard's range \
                         (kept, unless kpl-out-of-range = \"drop\")",
                    );
            }
            if throttled {
                ui.label(egui::RichText::new(THROTTLED_COLUMN).weak())
                    .on_hover_text("GetRecords calls Kinesis throttled, of all calls on the shard");
            }
            ui.end_row();
            for shard in &s.shards {
                ui.label(shard.shard.to_string());
                ui.label(if stopped && shard.state != ShardState::Done {
                    STOPPED
                } else {
                    state(shard.state)
                });
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
                if kpl {
                    ui.label(if shard.kpl_dropped > 0 {
                        format!("{} dropped", thousands(shard.kpl_dropped))
                    } else {
                        format!("{} kept", thousands(shard.kpl_out_of_range))
                    });
                }
                if throttled {
                    ui.label(format!(
                        "{} of {}",
                        thousands(shard.throttled),
                        thousands(shard.get_records_calls)
                    ));
                }
                ui.end_row();
            }
        });
}
