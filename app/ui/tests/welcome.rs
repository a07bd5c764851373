//! The app shell's welcome page, driven headlessly through its accessibility tree (egui_kittest),
//! with the test holding the backend's end of the link (the requests the UI sends are asserted).
//! kittest's accessibility check also fails the test if any widget lacks an accessible label.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ks_tests::kittest::themed;
use ks_ui::KsApp;
use ks_ui::app::Page;
use ks_ui::protocol::{BackendLink, Reply, Request};
use ks_ui::settings::{Settings, Theme};
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};

struct World {
    harness: Harness<'static, KsApp>,
    requests: Receiver<Request>,
    _replies: Sender<Reply>,
}

fn world(wgpu: bool) -> World {
    let (req_tx, requests) = sync_channel(ks_ui::protocol::REQUEST_QUEUE);
    let (replies, reply_rx) = channel();
    let app = KsApp::new(BackendLink::new(req_tx), reply_rx, Settings::default());
    let mut builder = Harness::builder().with_size(egui::vec2(1100.0, 720.0));
    if wgpu {
        builder = builder.wgpu();
    }
    let harness = builder.build_ui_state(
        themed(ks_ui::theme::install, |ui, app: &mut KsApp| {
            app.logic(ui.ctx());
            app.ui(ui);
        }),
        app,
    );
    World {
        harness,
        requests,
        _replies: replies,
    }
}

fn sent(requests: &Receiver<Request>) -> Vec<Request> {
    requests.try_iter().collect()
}

#[test]
fn shows_the_product_and_asks_for_the_pipeline_list() {
    let mut w = world(false);
    w.harness.run_steps(2);
    assert!(w.harness.query_all_by_label(ks_ui::PRODUCT_NAME).count() >= 1);
    w.harness.get_by_label(ks_ui::DESCRIPTION);
    w.harness.get_by_label(ks_ui::welcome::NEW_PIPELINE);
    w.harness.get_by_label(ks_ui::app::SIDE_NEW);
    assert!(matches!(
        sent(&w.requests).first(),
        Some(Request::ListPipelines)
    ));
}

#[test]
fn try_a_local_demo_asks_the_backend_and_the_reply_opens_the_wizard() {
    let mut w = world(false);
    w.harness.run_steps(1);
    w.harness.get_by_label(ks_ui::welcome::TRY_DEMO).click();
    w.harness.run_steps(2);
    assert!(
        sent(&w.requests)
            .iter()
            .any(|r| matches!(r, Request::StartDemo))
    );
    w.harness.get_by_label_contains("starting the local demo");
}

#[test]
fn importing_kda_properties_prefills_the_wizard() {
    let mut w = world(false);
    w.harness.run_steps(1);
    w.harness.get_by_label(ks_ui::welcome::IMPORT).click();
    w.harness.run_steps(2);
    // A bad paste: the error names the problem, the page stays.
    w.harness.get_by_label(ks_ui::welcome::IMPORT_APPLY).click();
    w.harness.run_steps(2);
    w.harness.get_by_label_contains("not valid JSON");
    let json = r#"{"ProducerConfigProperties": {"jdbc-url": "jdbc:mysql://abc.example:9030",
        "load-url": "https://abc.example", "username": "admin", "database-name": "example_db",
        "table-name": "stock"}}"#;
    w.harness.state_mut().page = Page::Welcome;
    w.harness
        .get_by_label("Runtime properties JSON (ProducerConfigProperties):")
        .focus();
    w.harness.run_steps(1);
    w.harness
        .get_by_label("Runtime properties JSON (ProducerConfigProperties):")
        .type_text(json);
    w.harness.run_steps(2);
    w.harness.get_by_label(ks_ui::welcome::IMPORT_APPLY).click();
    w.harness.run_steps(3);
    assert_eq!(w.harness.state().page, Page::Wizard);
    let draft = w.harness.state().wizard.as_ref().unwrap().draft();
    let json = serde_json::to_string(&draft).unwrap();
    assert!(json.contains("abc.example"), "{json}");
}

#[test]
fn theme_and_zoom_switches_change_the_settings() {
    let mut w = world(false);
    w.harness.run_steps(1);
    w.harness.get_by_label("Dark").click();
    w.harness.get_by_label("Zoom in").click();
    w.harness.run_steps(2);
    let s = w.harness.state().settings_to_save();
    assert_eq!(s.theme, Theme::Dark);
    assert!((s.zoom - 1.1).abs() < 1e-3, "{}", s.zoom);
    assert_eq!(
        w.harness.ctx.options(|o| o.theme_preference),
        egui::ThemePreference::Dark
    );
    let restored = Settings::from_json(&s.to_json());
    assert_eq!(restored.theme, Theme::Dark);
}

/// The welcome page's image (wgpu on lavapipe), kept in tests/snapshots/welcome.png.
#[test]
fn welcome_snapshot() {
    let mut w = world(true);
    w.harness.run_steps(3);
    w.harness.snapshot("welcome");
}

#[test]
fn a_demo_wizard_is_not_resumed_after_a_restart_but_a_real_one_is() {
    let mut w = world(false);
    w.harness.run_steps(1);
    let config = ks_ui::import::from_kda_properties(r#"{"jdbc-url": "jdbc:mysql://h:9030"}"#)
        .unwrap()
        .config;
    w._replies
        .send(Reply::DemoReady {
            name: "demo-stock".into(),
            config: Box::new(config),
            password: ks_core::Secret::new("demo"),
            records_per_s: 100,
        })
        .unwrap();
    w.harness.run_steps(2);
    assert_eq!(w.harness.state().page, Page::Wizard);
    assert!(w.harness.state().settings_to_save().wizard_draft.is_none());
    // "+ New pipeline" replaces the demo's wizard with an empty one, which is remembered.
    w.harness.get_by_label(ks_ui::app::SIDE_NEW).click();
    w.harness.run_steps(2);
    let saved = w.harness.state().settings_to_save();
    let draft = saved.wizard_draft.clone().expect("the wizard's draft");
    assert!(!serde_json::to_string(&draft).unwrap().contains("h:9030"));
    let restored = Settings::from_json(&saved.to_json());
    assert!(restored.wizard_draft.is_some());
}
