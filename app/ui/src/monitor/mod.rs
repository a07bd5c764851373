//! A pipeline's page: Start / Stop, state, throughput, shards, recent loads, errors, catch-up,
//! "Export as Flink job…" (crate::flink_export_panel).
//! One panel per file; this file keeps the per-pipeline state fed by the backend's replies.

mod catchup;
pub mod dead_letters;
pub mod demo_rate;
mod errors;
pub mod header;
pub mod kpl;
pub mod load_frequency;
mod loads;
pub mod shards;
pub mod throttling;
pub mod throughput;

use crate::flink_export_panel::{ExportSubject, FlinkExportPanel};
use crate::protocol::{BackendLink, Request, RunStatus};
use ks_core::snapshot::{Event, PipelineState, Snapshot};
use std::collections::VecDeque;

/// The plot's window.
pub const HISTORY_S: f64 = 15.0 * 60.0;
/// While a pipeline runs, its snapshots (4 a second) wake the monitor; this timer only keeps the
/// page moving when none come. Shorter, it would add frames between the paced ones of an
/// unwatched window (`crate::frame_pace`), which a software renderer pays in full.
pub const REPAINT_FALLBACK_MS: u64 = crate::frame_pace::UNFOCUSED_FRAME_MS;
/// While a start is pending (no snapshots yet).
pub const REPAINT_PENDING_MS: u64 = 250;
/// Rates are averaged over at least this long (s). Shards are read in answers (an idle shard
/// about once a second), so a steady 100 records/s showed as 50–150 over 1 s; over 3 s it stays
/// within about ±10 %.
pub const RATE_WINDOW_S: f64 = 3.0;

/// One plot point: seconds since the monitor opened, records/s, MB/s, the largest
/// MillisBehindLatest over the shards (s), and the slowest load confirmed since the previous
/// point (ms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub t_s: f64,
    pub records_per_s: f64,
    pub mb_per_s: f64,
    pub lag_s: Option<f64>,
    pub load_ms: Option<f64>,
}

/// A lag observation for the catch-up ETA.
#[derive(Debug, Clone, Copy)]
struct LagPoint {
    t_s: f64,
    lag_ms: i64,
}

/// The monitor of one pipeline.
pub struct Monitor {
    pub name: String,
    pub snapshot: Option<Snapshot>,
    pub status: RunStatus,
    pub rates: VecDeque<Rate>,
    /// Set when Start was pressed and the backend has not answered yet.
    pub start_pending: bool,
    pub stop_pending: bool,
    /// Rows StarRocks filtered, from events (the errors panel's counter).
    pub filtered_events: u64,
    /// Another engine holds this pipeline's lock (who): Start stays disabled until it is free.
    pub held_elsewhere: Option<String>,
    /// The user read the notice about KPL sub-records outside their shard.
    pub kpl_notice_dismissed: bool,
    /// The pipeline's config, from the backend's list (or why it could not be read): what
    /// "Export as Flink job…" exports. `None` until the list names the pipeline.
    pub config: Option<Result<ks_core::PipelineConfig, String>>,
    /// "Export as Flink job…".
    pub flink_export: FlinkExportPanel,
    /// The local demo's pipeline: its producer's rate (records/s), set with a slider.
    pub demo_rate: Option<u64>,
    /// How far back the plots look (s): their y-axes fit what is in this window, so a backlog's
    /// spike does not flatten the steady rate once it has scrolled out.
    pub plot_window_s: f64,
    /// When the monitor opened (epoch ms): the plot's time 0.
    epoch_ms: i64,
    /// When the last point was plotted (or the first snapshot of the run came).
    last_point_s: Option<f64>,
    /// Totals of the last few seconds' snapshots: rates are averaged over at least
    /// [`RATE_WINDOW_S`], since records arrive in bursts (a reader's answer, a flush) and a rate
    /// per 250 ms snapshot swung between 0 and 3 × the real rate.
    recent_totals: VecDeque<(f64, u64, u64)>,
    /// The newest load already plotted (its `finished_ms`).
    last_load_ms: i64,
    lags: VecDeque<LagPoint>,
    /// The largest lag seen this run: the catch-up bar's 0 %.
    max_lag_seen_ms: i64,
    confirm_delete: bool,
}

/// What the monitor asks of the app shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellAction {
    /// Open the pipeline in the wizard.
    Edit(String),
    /// The pipeline was deleted: leave its page.
    Deleted(String),
}

impl Monitor {
    pub fn new(name: &str) -> Monitor {
        Monitor {
            name: name.to_string(),
            snapshot: None,
            status: RunStatus::Idle,
            rates: VecDeque::new(),
            start_pending: false,
            stop_pending: false,
            filtered_events: 0,
            held_elsewhere: None,
            kpl_notice_dismissed: false,
            config: None,
            flink_export: FlinkExportPanel::default(),
            demo_rate: None,
            plot_window_s: throughput::DEFAULT_WINDOW_S,
            epoch_ms: chrono::Utc::now().timestamp_millis(),
            last_point_s: None,
            recent_totals: VecDeque::new(),
            last_load_ms: 0,
            lags: VecDeque::new(),
            max_lag_seen_ms: 0,
            confirm_delete: false,
        }
    }

    /// Whether the engine runs (or is being started/stopped).
    pub fn is_running(&self) -> bool {
        matches!(self.status, RunStatus::Running(_))
    }

    pub fn on_started(&mut self) {
        self.start_pending = false;
        self.status = RunStatus::Running(PipelineState::Starting);
        self.last_point_s = None;
        self.recent_totals.clear();
        self.lags.clear();
        self.max_lag_seen_ms = 0;
    }

    pub fn on_ended(&mut self, result: Result<String, String>) {
        self.start_pending = false;
        self.stop_pending = false;
        self.status = RunStatus::Ended(result);
    }

    /// Feeds a snapshot at the time the engine took it (the window may get several in one
    /// frame, and later than they were taken).
    pub fn on_snapshot(&mut self, snapshot: Snapshot) {
        let t_s = (snapshot.taken_ms - self.epoch_ms) as f64 / 1000.0;
        self.on_snapshot_at(snapshot, t_s);
    }

    /// Feeds a snapshot observed at `t_s` (seconds since the monitor opened): rates come from the
    /// difference of the totals over at least [`RATE_WINDOW_S`].
    pub fn on_snapshot_at(&mut self, snapshot: Snapshot, t_s: f64) {
        let (records, bytes) = (snapshot.totals.records_read, snapshot.totals.bytes_read);
        // The base of the rate: the newest totals at least RATE_WINDOW_S old (or the oldest
        // kept, in the first second).
        while self.recent_totals.len() >= 2 && self.recent_totals[1].0 <= t_s - RATE_WINDOW_S {
            self.recent_totals.pop_front();
        }
        let base = self.recent_totals.front().copied();
        self.recent_totals.push_back((t_s, records, bytes));
        match (self.last_point_s, base) {
            (Some(t_last), Some((t0, r0, b0))) if t_s - t_last >= 0.2 => {
                let dt = t_s - t0;
                let newest = snapshot
                    .recent_loads
                    .iter()
                    .map(|l| l.finished_ms)
                    .max()
                    .unwrap_or(self.last_load_ms);
                let load_ms = snapshot
                    .recent_loads
                    .iter()
                    .filter(|l| l.finished_ms > self.last_load_ms)
                    .map(|l| l.ms as f64)
                    .reduce(f64::max);
                self.last_load_ms = self.last_load_ms.max(newest);
                self.rates.push_back(Rate {
                    t_s,
                    records_per_s: records.saturating_sub(r0) as f64 / dt,
                    mb_per_s: bytes.saturating_sub(b0) as f64 / dt / 1e6,
                    lag_s: snapshot.max_lag_ms().map(|ms| ms as f64 / 1000.0),
                    load_ms,
                });
                self.last_point_s = Some(t_s);
            }
            (Some(_), _) => {}
            (None, _) => self.last_point_s = Some(t_s),
        }
        while self.rates.front().is_some_and(|r| t_s - r.t_s > HISTORY_S) {
            self.rates.pop_front();
        }
        if let Some(lag_ms) = snapshot.max_lag_ms() {
            self.max_lag_seen_ms = self.max_lag_seen_ms.max(lag_ms);
            self.lags.push_back(LagPoint { t_s, lag_ms });
            while self.lags.front().is_some_and(|l| t_s - l.t_s > 60.0) {
                self.lags.pop_front();
            }
        }
        if !matches!(self.status, RunStatus::Ended(_)) || self.is_running() {
            self.status = RunStatus::Running(snapshot.state.clone());
        }
        if matches!(snapshot.state, PipelineState::Stopped) {
            self.stop_pending = false;
        }
        self.snapshot = Some(snapshot);
    }

    pub fn on_event(&mut self, event: &Event) {
        if let Event::RowsFiltered { rows, .. } = event {
            self.filtered_events += rows;
        }
    }

    /// Seconds until caught up, from the lag's slope over the last minute (None: not shrinking).
    pub fn catch_up_eta_s(&self) -> Option<f64> {
        let (first, last) = (self.lags.front()?, self.lags.back()?);
        let dt = last.t_s - first.t_s;
        if dt < 1.0 {
            return None;
        }
        let shrink_ms_per_s = (first.lag_ms - last.lag_ms) as f64 / dt;
        (shrink_ms_per_s > 0.0).then(|| last.lag_ms as f64 / shrink_ms_per_s)
    }

    /// Draws the page. Requests go to `backend`; what only the shell can do (open the wizard,
    /// leave a deleted pipeline) is returned.
    pub fn ui(&mut self, ui: &mut egui::Ui, backend: &BackendLink) -> Option<ShellAction> {
        let mut shell = None;
        if self.start_pending {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(REPAINT_PENDING_MS));
        } else if self.is_running() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(REPAINT_FALLBACK_MS));
        }
        if let Some(action) = header::ui(ui, self) {
            match action {
                header::Action::Start => {
                    self.start_pending = true;
                    backend.send(Request::Start {
                        name: self.name.clone(),
                    });
                }
                header::Action::Stop => {
                    self.stop_pending = true;
                    backend.send(Request::Stop {
                        name: self.name.clone(),
                    });
                }
                header::Action::Edit => shell = Some(ShellAction::Edit(self.name.clone())),
                header::Action::Delete => self.confirm_delete = true,
            }
        }
        if self.confirm_delete {
            egui::Modal::new(egui::Id::unique(("confirm-delete", &self.name))).show(
                ui.ctx(),
                |ui| {
                    ui.heading(format!("Delete {}?", self.name));
                    ui.label(
                    "Its config file is removed. The checkpoints stay in its state directory and \
                     the password stays in the OS keyring.",
                );
                    if let Some(Ok(c)) = &self.config
                        && c.source.reader == ks_core::ReaderKind::Efo
                    {
                        ui.label(match c.source.efo_consumer {
                            ks_core::EfoConsumer::Pipeline => format!(
                                "Its enhanced fan-out consumer {} is deregistered (AWS stops \
                                 billing it).",
                                c.efo_consumer_name()
                            ),
                            ks_core::EfoConsumer::Keep => format!(
                                "Its enhanced fan-out consumer {} stays registered, and billed \
                                 (efo-consumer = \"keep\").",
                                c.efo_consumer_name()
                            ),
                        });
                    }
                    ui.horizontal(|ui| {
                        if ui.button("Delete pipeline").clicked() {
                            self.confirm_delete = false;
                            backend.send(Request::Delete {
                                name: self.name.clone(),
                            });
                            shell = Some(ShellAction::Deleted(self.name.clone()));
                        }
                        if ui.button("Keep it").clicked() {
                            self.confirm_delete = false;
                        }
                    });
                },
            );
        }
        ui.separator();
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let config = match &self.config {
                    Some(Ok(c)) => Ok(c),
                    Some(Err(e)) => Err(format!("the config cannot be read: {e}")),
                    None => Err("not in the pipeline list yet".to_string()),
                };
                // No password: the backend uses the one Start uses.
                let subject = ExportSubject {
                    name: &self.name,
                    config,
                    password: None,
                };
                self.flink_export.ui(ui, subject, backend);
                demo_rate::ui(ui, self, backend);
                catchup::ui(ui, self);
                kpl::ui(ui, self);
                dead_letters::ui(ui, self);
                throttling::ui(ui, self, chrono::Utc::now().timestamp_millis());
                load_frequency::ui(ui, self);
                throughput::ui(ui, self);
                ui.add_space(6.0);
                ui.columns(2, |cols| {
                    shards::ui(&mut cols[0], self);
                    loads::ui(&mut cols[1], self);
                });
                ui.add_space(6.0);
                errors::ui(ui, self);
            });
        shell
    }
}

/// "1,234,567".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "4.8 MB", "512 B".
pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1_000_000_000 => format!("{:.1} GB", n as f64 / 1e9),
        n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.1} kB", n as f64 / 1e3),
        n => format!("{n} B"),
    }
}

/// "1.2 s", "850 ms", "3 min 20 s".
pub fn duration_ms(ms: i64) -> String {
    match ms {
        ms if ms >= 60_000 => format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000),
        ms if ms >= 1_000 => format!("{:.1} s", ms as f64 / 1000.0),
        ms => format!("{ms} ms"),
    }
}

/// A wall-clock time of day (UTC) for epoch milliseconds.
pub fn time_of_day(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// The state in words and a colour, for places outside the monitor (the pipeline list).
pub fn header_state_text(status: &RunStatus) -> (String, egui::Color32) {
    header::state_text(status, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_come_from_successive_totals_and_age_out() {
        let mut m = Monitor::new("p");
        let mut s = Snapshot::new("p");
        m.on_snapshot_at(s.clone(), 0.0);
        s.totals.records_read = 100;
        s.totals.bytes_read = 2_000_000;
        m.on_snapshot_at(s.clone(), 2.0);
        assert_eq!(m.rates.len(), 1);
        assert_eq!(m.rates[0].records_per_s, 50.0);
        assert_eq!(m.rates[0].mb_per_s, 1.0);
        assert_eq!(m.rates[0].lag_s, None, "no shard reported a lag");
        s.totals.records_read = 400;
        m.on_snapshot_at(s.clone(), HISTORY_S + 10.0);
        assert_eq!(m.rates.len(), 1, "the first point is older than 15 minutes");
    }

    /// Records read in bursts (a reader's answer every second, snapshots every 250 ms) plot as
    /// their steady rate, not as 0, 0, 0, 400.
    #[test]
    fn bursts_plot_as_their_steady_rate() {
        let mut m = Monitor::new("p");
        let mut s = Snapshot::new("p");
        for step in 0..60u64 {
            let t = step as f64 * 0.25;
            s.totals.records_read = 100 * (step / 4);
            m.on_snapshot_at(s.clone(), t);
        }
        // Once a whole rate window has passed.
        let steady: Vec<f64> = m
            .rates
            .iter()
            .filter(|r| r.t_s >= RATE_WINDOW_S)
            .map(|r| r.records_per_s)
            .collect();
        assert!(steady.len() >= 30, "{steady:?}");
        assert!(
            steady.iter().all(|r| (r - 100.0).abs() < 1e-9),
            "not a steady 100 records/s: {steady:?}"
        );
    }

    /// Rates come from the engine's times, not from when the window got the snapshots: an unwatched
    /// window takes 4 snapshots at once, once a second (ks_ui::frame_pace).
    #[test]
    fn rates_use_the_times_the_engine_took_the_snapshots() {
        let mut m = Monitor::new("stock");
        m.on_started();
        let t0_ms = chrono::Utc::now().timestamp_millis();
        // 10 s of a steady 200 records/s, snapshots every 250 ms, handed over in fours.
        let mut batch = Vec::new();
        for i in 0..=40i64 {
            let mut s = Snapshot::new("stock");
            s.taken_ms = t0_ms + i * 250;
            s.totals.records_read = (i * 50) as u64;
            s.totals.bytes_read = (i * 50_000) as u64;
            batch.push(s);
            if batch.len() == 4 {
                for s in batch.drain(..) {
                    m.on_snapshot(s);
                }
            }
        }
        assert!(
            m.rates.len() >= 20,
            "a point per snapshot: {}",
            m.rates.len()
        );
        for r in &m.rates {
            assert!(
                (r.records_per_s - 200.0).abs() < 1.0 && (r.mb_per_s - 0.2).abs() < 0.001,
                "{r:?}"
            );
        }
    }

    /// A steady flow read in answers (two shards, each answered once a second, out of phase) plots
    /// close to its real rate, not a saw-tooth.
    #[test]
    fn a_steady_flow_read_in_bursts_plots_near_its_rate() {
        let mut m = Monitor::new("stock");
        m.on_started();
        let mut records = 0u64;
        // Snapshots every 300 ms (the engine's cadence) over 60 s; shard 0's answer of 50 records
        // comes at whole seconds, shard 1's at half seconds: 100 records/s.
        let mut next_answer_s = 0.0;
        for i in 0..200 {
            let t_s = i as f64 * 0.3;
            while next_answer_s <= t_s {
                records += 50;
                next_answer_s += 0.5;
            }
            let mut s = Snapshot::new("stock");
            s.totals.records_read = records;
            m.on_snapshot_at(s, t_s);
        }
        let settled: Vec<f64> = m
            .rates
            .iter()
            .filter(|r| r.t_s >= 5.0)
            .map(|r| r.records_per_s)
            .collect();
        assert!(!settled.is_empty());
        for rate in settled {
            assert!((85.0..=115.0).contains(&rate), "{rate} records/s for 100");
        }
    }

    #[test]
    fn eta_follows_the_lag_slope() {
        let mut m = Monitor::new("p");
        let mut s = Snapshot::new("p");
        let shard = |lag| ks_core::snapshot::ShardSnapshot {
            millis_behind_latest: Some(lag),
            ..ks_core::snapshot::ShardSnapshot::new(
                ks_core::ShardId("shardId-000000000000".into()),
                ks_core::snapshot::ShardState::Reading,
            )
        };
        s.shards = vec![shard(60_000)];
        m.on_snapshot_at(s.clone(), 0.0);
        s.shards = vec![shard(40_000)];
        m.on_snapshot_at(s.clone(), 10.0);
        // 20 s of lag gone in 10 s: 2 s/s; 40 s left → 20 s.
        assert_eq!(m.catch_up_eta_s(), Some(20.0));
        s.shards = vec![shard(50_000)];
        m.on_snapshot_at(s, 20.0);
        assert_eq!(m.catch_up_eta_s(), Some(100.0));
    }

    #[test]
    fn formats() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(bytes(4_800_000), "4.8 MB");
        assert_eq!(duration_ms(1200), "1.2 s");
        assert_eq!(duration_ms(200_000), "3 min 20 s");
    }
}
