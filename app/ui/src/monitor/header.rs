//! The monitor's header: the pipeline's name and state, the big Start / Stop, totals since start.

use super::{Monitor, bytes, duration_ms, thousands};
use crate::protocol::RunStatus;
use ks_core::snapshot::PipelineState;

pub enum Action {
    Start,
    Stop,
    Edit,
    Delete,
}

/// Label of the start button (tests click it by this label).
pub const START: &str = "Start";
/// Label of the stop button.
pub const STOP: &str = "Stop";
/// Label of the button that copies the support bundle (ks_core::diagnostics).
pub const COPY_DIAGNOSTICS: &str = "Copy diagnostics";

/// The state in words, and a colour.
pub fn state_text(
    status: &RunStatus,
    snapshot_state: Option<&PipelineState>,
) -> (String, egui::Color32) {
    let green = egui::Color32::from_rgb(0x2e, 0xa0, 0x43);
    let amber = egui::Color32::from_rgb(0xd2, 0x99, 0x22);
    let red = egui::Color32::from_rgb(0xd1, 0x24, 0x2f);
    let grey = egui::Color32::GRAY;
    match status {
        RunStatus::Idle => ("stopped".into(), grey),
        RunStatus::Ended(Ok(_)) => ("stopped".into(), grey),
        RunStatus::Ended(Err(e)) => (format!("failed: {e}"), red),
        RunStatus::Running(state) => match snapshot_state.unwrap_or(state) {
            PipelineState::Starting => ("starting".into(), amber),
            PipelineState::Recovering => ("recovering (replaying the last batch)".into(), amber),
            PipelineState::Running => ("running".into(), green),
            PipelineState::CatchingUp => ("catching up".into(), amber),
            PipelineState::Stalled { reason, .. } => (format!("stalled: {reason}"), red),
            PipelineState::Stopping => ("stopping (flushing and checkpointing)".into(), amber),
            PipelineState::Stopped => ("stopped".into(), grey),
            PipelineState::Failed { error } => (format!("failed: {error}"), red),
        },
    }
}

pub fn ui(ui: &mut egui::Ui, m: &Monitor) -> Option<Action> {
    let mut action = None;
    let (state_text, state_colour) = state_text(&m.status, m.snapshot.as_ref().map(|s| &s.state));
    ui.horizontal(|ui| {
        ui.heading(egui::RichText::new(&m.name).strong().size(22.0));
        // The state word stays in the row; its reason (a stall's, a failure's) can be long and
        // goes on its own wrapped line below, so nothing runs off the window's edge.
        let word = state_text.split(": ").next().unwrap_or_default();
        ui.label(egui::RichText::new("●").color(state_colour).size(18.0));
        ui.label(egui::RichText::new(word).color(state_colour).size(16.0));
        if let Some(s) = &m.snapshot {
            if !s.shards.is_empty() {
                ui.label(format!("· {} shard(s)", s.shards.len()));
            }
            if let Some(lag) = s.max_lag_ms() {
                ui.label(format!("· lag {}", duration_ms(lag)));
            }
            let throttled = s
                .throttled_shards(chrono::Utc::now().timestamp_millis())
                .len();
            if throttled > 0 {
                ui.label(
                    egui::RichText::new(format!("· GetRecords throttled on {throttled} shard(s)"))
                        .color(ui.visuals().warn_fg_color),
                );
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let size = egui::vec2(120.0, 36.0);
            if m.is_running() {
                let stop = egui::Button::new(egui::RichText::new(STOP).size(18.0)).min_size(size);
                if ui
                    .add_enabled(!m.stop_pending, stop)
                    .on_hover_text("Stop reading, load and confirm what was read, checkpoint")
                    .clicked()
                {
                    action = Some(Action::Stop);
                }
            } else {
                let start = egui::Button::new(egui::RichText::new(START).size(18.0)).min_size(size);
                let hover = match &m.held_elsewhere {
                    Some(h) => format!("Another engine runs this pipeline ({h}); stop it first"),
                    None => "Start loading this stream into StarRocks".into(),
                };
                if ui
                    .add_enabled(!m.start_pending && m.held_elsewhere.is_none(), start)
                    .on_hover_text(hover)
                    .on_disabled_hover_text(
                        "Another engine runs this pipeline: stop it first (Start is enabled again once it is free)",
                    )
                    .clicked()
                {
                    action = Some(Action::Start);
                }
                if ui
                    .button("Delete…")
                    .on_hover_text("Delete this pipeline's config (asks first)")
                    .clicked()
                {
                    action = Some(Action::Delete);
                }
                if ui
                    .button("Edit")
                    .on_hover_text("Open this pipeline in the setup wizard")
                    .clicked()
                {
                    action = Some(Action::Edit);
                }
            }
            if ui
                .button(COPY_DIAGNOSTICS)
                .on_hover_text(
                    "Copy the config, versions, the last snapshot and the recent errors (with \
                     their ErrorURL lines) as one text for a support ticket; credentials are masked",
                )
                .clicked()
            {
                let config = m.config.as_ref().and_then(|c| c.as_ref().ok());
                ui.ctx().copy_text(ks_core::diagnostics::bundle(
                    env!("CARGO_PKG_VERSION"),
                    config,
                    m.snapshot.as_ref(),
                ));
            }
        });
    });
    if state_text.contains(": ") {
        ui.add(egui::Label::new(egui::RichText::new(&state_text).color(state_colour)).wrap());
    }
    if let Some(holder) = m.held_elsewhere.as_ref().filter(|_| !m.is_running()) {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "pipeline {} is already running ({holder}); stop it first. Start is enabled again once it is free.",
                m.name
            ),
        );
    }
    if let Some(s) = &m.snapshot {
        let t = &s.totals;
        ui.horizontal_wrapped(|ui| {
            let rate = m.rates.back();
            let (records, mb) = rate.map_or((0.0, 0.0), |r| (r.records_per_s, r.mb_per_s));
            ui.label(format!(
                "{} records/s · {}/s",
                records.round(),
                bytes((mb * 1e6) as u64)
            ));
            ui.separator();
            ui.label(format!(
                "read {} records ({})",
                thousands(t.records_read),
                bytes(t.bytes_read)
            ));
            ui.separator();
            ui.label(format!(
                "loaded {} rows in {} loads",
                thousands(t.rows_loaded),
                thousands(t.loads_ok)
            ));
            ui.separator();
            ui.label(format!("filtered {}", thousands(t.rows_filtered)));
            if t.rows_unselected > 0 {
                ui.separator();
                ui.label(format!(
                    "left out by where {}",
                    thousands(t.rows_unselected)
                ));
            }
            if t.rows_dead_lettered > 0 || t.records_malformed > 0 {
                ui.separator();
                ui.label(format!(
                    "dead-lettered {} · malformed {}",
                    thousands(t.rows_dead_lettered),
                    thousands(t.records_malformed)
                ));
            }
            if t.loads_failed_attempts > 0 {
                ui.separator();
                ui.label(format!(
                    "failed attempts {}",
                    thousands(t.loads_failed_attempts)
                ));
            }
            ui.separator();
            ui.label(format!("since {} UTC", super::time_of_day(s.started_ms)));
            if let Some(consumer) = &s.efo_consumer {
                ui.separator();
                ui.label(format!("enhanced fan-out: consumer {consumer}"))
                    .on_hover_text(
                        "Each shard is pushed to this pipeline by SubscribeToShard, with its own \
                         2 MB/s; AWS bills the consumer per consumer-shard-hour and per GB.",
                    );
            }
        });
    } else if let RunStatus::Ended(Err(e)) = &m.status {
        ui.colored_label(ui.visuals().error_fg_color, e);
    } else {
        ui.label("Not running. Start reads the stream from its checkpoint (or the configured start position).");
    }
    action
}
