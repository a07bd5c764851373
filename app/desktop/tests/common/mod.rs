//! Helpers shared by the app's egui_kittest tests (each test binary uses some of them).
#![allow(dead_code)]

pub mod ec2;

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
