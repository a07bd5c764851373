//! Monitor panels from snapshots alone (no backend): the catch-up bar with its ETA, the stalled
//! state with its reason, the Start / Stop buttons and the requests they send.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use ks_core::ShardId;
use ks_core::snapshot::{PipelineState, ShardSnapshot, ShardState, Snapshot};
use ks_tests::kittest::themed;
use ks_ui::monitor::Monitor;
use ks_ui::protocol::{BackendLink, Request};
use std::sync::mpsc::{Receiver, sync_channel};

fn shard(id: &str, lag_ms: i64) -> ShardSnapshot {
    ShardSnapshot {
        millis_behind_latest: Some(lag_ms),
        records_read: 1000,
        bytes_read: 100_000,
        ..ShardSnapshot::new(ShardId(id.into()), ShardState::Reading)
    }
}

fn harness(monitor: Monitor) -> (Harness<'static, Monitor>, Receiver<Request>) {
    let (tx, rx) = sync_channel(ks_ui::protocol::REQUEST_QUEUE);
    let link = BackendLink::new(tx);
    let h = Harness::builder()
        .with_size(egui::vec2(1100.0, 700.0))
        .build_ui_state(
            themed(ks_ui::theme::install, move |ui, m: &mut Monitor| {
                m.ui(ui, &link);
            }),
            monitor,
        );
    (h, rx)
}

#[test]
fn catching_up_shows_the_remaining_lag_and_an_eta() {
    let mut m = Monitor::new("stock");
    m.on_started();
    let mut s = Snapshot::new("stock");
    s.state = PipelineState::CatchingUp;
    s.shards = vec![
        shard("shardId-000000000000", 90_000),
        shard("shardId-000000000001", 60_000),
    ];
    m.on_snapshot_at(s.clone(), 0.0);
    s.shards = vec![
        shard("shardId-000000000000", 60_000),
        shard("shardId-000000000001", 30_000),
    ];
    m.on_snapshot_at(s, 10.0);
    let (mut h, _rx) = harness(m);
    h.run_steps(2);
    h.get_by_label("Catching up");
    // 30 s of lag gone in 10 s: 60 s left at 3 s/s → 20 s.
    h.get_by_label_contains("1 min 0 s behind the tip · ETA about 20.0 s");
    h.get_by_label_contains("catching up");
}

#[test]
fn stalled_shows_its_reason_and_stop_sends_a_stop() {
    let mut m = Monitor::new("stock");
    m.on_started();
    let mut s = Snapshot::new("stock");
    s.state = PipelineState::Stalled {
        reason: "the load URL does not answer".into(),
        since_ms: 0,
    };
    m.on_snapshot_at(s, 0.0);
    let (mut h, rx) = harness(m);
    h.run_steps(2);
    h.get_by_label_contains("stalled: the load URL does not answer");
    assert!(h.query_by_label("Catching up").is_none());
    h.get_by_label("Stop").click();
    h.run_steps(2);
    assert!(matches!(rx.try_recv(), Ok(Request::Stop { name }) if name == "stock"));
}

#[test]
fn a_long_stall_reason_wraps_inside_the_window() {
    let reason = "load ks-stock-0a1b2c3d-42 to http://starrocks-be-3.internal.example.com:8040 \
                  failed: connection refused (os error 111) after the FE redirected it; the BE may \
                  be restarting or its port is not reachable from this machine: check the \
                  security group of the BE nodes and sink.load-url"
        .replace("  ", "");
    let mut m = Monitor::new("stock");
    m.on_started();
    let mut s = Snapshot::new("stock");
    s.state = PipelineState::Stalled {
        reason: reason.clone(),
        since_ms: 0,
    };
    m.on_snapshot_at(s, 0.0);
    let (mut h, _rx) = harness(m);
    h.run_steps(3);
    h.get_by_label(&format!("stalled: {reason}"));
    h.get_by_label("Stop");
    let clipped: Vec<String> = h
        .query_all(egui_kittest::kittest::by())
        .filter_map(|n| {
            let text = n.accesskit_node().label()?;
            (n.rect().max.x > 1100.5).then(|| format!("{text:?} ends at {:.0}", n.rect().max.x))
        })
        .collect();
    assert!(clipped.is_empty(), "{clipped:#?}");
}

#[test]
fn a_stopped_pipeline_offers_start() {
    let (mut h, rx) = harness(Monitor::new("stock"));
    h.run_steps(1);
    assert!(h.query_by_label("Stop").is_none());
    h.get_by_label("Start").click();
    h.run_steps(2);
    assert!(matches!(rx.try_recv(), Ok(Request::Start { name }) if name == "stock"));
}

#[test]
fn kpl_records_outside_their_shard_are_explained_once_when_kept() {
    let mut m = Monitor::new("stock");
    m.on_started();
    let mut s = Snapshot::new("stock");
    s.state = PipelineState::Running;
    let mut sh = shard("shardId-000000000000", 0);
    sh.kpl_out_of_range = 372;
    s.shards = vec![sh, shard("shardId-000000000001", 0)];
    s.totals.kpl_out_of_range = 372;
    m.on_snapshot_at(s, 0.0);
    let (mut h, _rx) = harness(m);
    h.run_steps(2);
    h.get_by_label(ks_ui::monitor::kpl::KEPT_HEADING);
    h.get_by_label_contains("372 records arrived inside KPL aggregates");
    h.get_by_label_contains("they are kept and loaded");
    // The shards table counts them per shard.
    h.get_by_label(ks_ui::monitor::shards::KPL_COLUMN);
    h.get_by_label("372 kept");
    h.get_by_label("0 kept");
    // Once read, the notice goes; the counts stay.
    h.get_by_label(ks_ui::monitor::kpl::GOT_IT).click();
    h.run_steps(2);
    assert!(
        h.query_by_label(ks_ui::monitor::kpl::KEPT_HEADING)
            .is_none()
    );
    h.get_by_label("372 kept");
}

#[test]
fn dropping_kpl_records_is_always_shown_with_the_count() {
    let mut m = Monitor::new("stock");
    m.on_started();
    let mut s = Snapshot::new("stock");
    s.state = PipelineState::Running;
    s.kpl_drops_out_of_range = true;
    let mut sh = shard("shardId-000000000000", 0);
    sh.kpl_out_of_range = 12;
    sh.kpl_dropped = 12;
    s.shards = vec![sh];
    s.totals.kpl_out_of_range = 12;
    s.totals.kpl_dropped = 12;
    m.on_snapshot_at(s, 0.0);
    let (mut h, _rx) = harness(m);
    h.run_steps(2);
    h.get_by_label(ks_ui::monitor::kpl::DROPPED_HEADING);
    h.get_by_label_contains("12 dropped so far in this run");
    h.get_by_label("12 dropped");
    assert!(h.query_by_label(ks_ui::monitor::kpl::GOT_IT).is_none());
}

#[test]
fn a_pipeline_held_by_another_engine_cannot_be_started() {
    let mut m = Monitor::new("stock");
    m.held_elsewhere = Some("pid 4242 on host, since 10:02:11, kinesis-starrocks run".into());
    let (mut h, rx) = harness(m);
    h.run_steps(2);
    h.get_by_label_contains(
        "pipeline stock is already running (pid 4242 on host, since 10:02:11, kinesis-starrocks run); stop it first",
    );
    h.get_by_label("Start").click();
    h.run_steps(2);
    assert!(rx.try_recv().is_err(), "a disabled Start sent a request");
    h.state_mut().held_elsewhere = None;
    h.run_steps(2);
    h.get_by_label("Start").click();
    h.run_steps(2);
    assert!(matches!(rx.try_recv(), Ok(Request::Start { name }) if name == "stock"));
}
