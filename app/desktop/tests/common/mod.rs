//! Helpers shared by the app's egui_kittest tests (each test binary uses some of them).
#![allow(dead_code)]

use egui_kittest::Harness;
use ks_ui::KsApp;

/// The whole app in a wgpu harness of `size`, each frame run as the window runs it: `logic`, then
/// `ui`.
pub fn app_harness(app: KsApp, size: egui::Vec2) -> Harness<'static, KsApp> {
    Harness::builder().with_size(size).wgpu().build_ui_state(
        |ui, app: &mut KsApp| {
            app.logic(ui.ctx());
            app.ui(ui);
        },
        app,
    )
}

/// A test's app state that keeps the error replies of its backend.
pub trait BackendErrors {
    fn backend_errors(&self) -> &[String];
}

/// Steps the UI (replies arrive from the backend thread) until `pred` holds; a timeout shows the
/// backend's errors.
pub fn wait_until<S: BackendErrors>(
    h: &mut Harness<'_, S>,
    what: &str,
    secs: u64,
    pred: impl Fn(&Harness<'_, S>) -> bool,
) {
    ks_tests::kittest::step_until_explained(h, what, secs, pred, |app| {
        format!("backend errors: {:?}", app.backend_errors())
    });
}

/// The app on a real backend (pipelines under `dir`, no keyring: keyring.rs covers it) with
/// `configs` saved under their names (the password typed in this session, as the wizard's Save
/// leaves it) and the monitor of the first open.
pub fn monitor_app(
    dir: &std::path::Path,
    configs: Vec<ks_core::PipelineConfig>,
    password: &str,
) -> (kinesis_starrocks::backend::Backend, Harness<'static, KsApp>) {
    use kinesis_starrocks::backend::{self, BackendOptions};
    let mut options = BackendOptions::for_tests(dir.join("pipelines"));
    options.keyring = false;
    let backend = backend::spawn(options, |_| {});
    let first = configs[0].name.clone();
    for (i, config) in configs.into_iter().enumerate() {
        backend.link.send(ks_ui::protocol::Request::Save {
            ticket: i as u64 + 1,
            name: config.name.clone(),
            config: Box::new(config),
            password: Some(ks_core::Secret::new(password)),
        });
    }
    let app = KsApp::new(
        backend.link.clone(),
        backend.take_replies(),
        ks_ui::settings::Settings {
            last_pipeline: Some(first),
            ..Default::default()
        },
    );
    let harness = app_harness(app, egui::vec2(1200.0, 900.0));
    (backend, harness)
}
