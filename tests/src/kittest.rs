//! egui_kittest helpers shared by the UI tests (app/ui, app/desktop): find widgets by their
//! accessible labels, click and type into them, step the UI until something shows, and say what
//! was on screen when it did not.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use std::time::{Duration, Instant};

/// Whether some widget's label contains `text`.
pub fn has<S>(h: &Harness<'_, S>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// Every label (or value) on screen, for failure messages.
pub fn screen_text<S>(h: &Harness<'_, S>) -> String {
    h.query_all(egui_kittest::kittest::by())
        .filter_map(|n| n.accesskit_node().label().or_else(|| n.value()))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Clicks the widget labelled `label` and lets the UI settle.
pub fn click<S>(h: &mut Harness<'_, S>, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(2);
}

/// [`click`] after scrolling the widget into view: on long, scrolling pages a click lands where
/// the widget is drawn.
pub fn scroll_click<S>(h: &mut Harness<'_, S>, label: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run_steps(2);
    click(h, label);
}

/// Whether the widget labelled `label` is enabled; panics when there is none.
pub fn enabled<S>(h: &Harness<'_, S>, label: &str) -> bool {
    !h.get_by_label(label).accesskit_node().is_disabled()
}

/// Whether a widget labelled `label` is shown and enabled.
pub fn shown_enabled<S>(h: &Harness<'_, S>, label: &str) -> bool {
    h.query_by_label(label)
        .is_some_and(|n| !n.accesskit_node().is_disabled())
}

/// Replaces a text field's value, found by its accessible name.
pub fn set_text<S>(h: &mut Harness<'_, S>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run_steps(1);
    h.get_by_label(label).type_text(text);
    h.run_steps(2);
}

/// Steps the UI (replies arrive from other threads) until `pred` holds, then lets the layout
/// settle; on a timeout panics naming `what`, with the screen's text.
pub fn step_until<S>(
    h: &mut Harness<'_, S>,
    what: &str,
    secs: u64,
    pred: impl Fn(&Harness<'_, S>) -> bool,
) {
    step_until_explained(h, what, secs, pred, |_| String::new());
}

/// [`step_until`], with what `explain` says of the state (backend errors, messages) in the
/// timeout's message. A timed-out screen is also rendered to a PNG (wgpu harnesses only).
pub fn step_until_explained<S>(
    h: &mut Harness<'_, S>,
    what: &str,
    secs: u64,
    pred: impl Fn(&Harness<'_, S>) -> bool,
    explain: impl Fn(&S) -> String,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        h.step();
        if pred(h) {
            // A reply can change sizes: let the layout settle.
            h.run_steps(2);
            return;
        }
        if Instant::now() >= deadline {
            if let Ok(image) = h.render() {
                let out = std::env::temp_dir()
                    .join(format!("kittest-failure-{}.png", std::process::id()));
                if image.save(&out).is_ok() {
                    eprintln!("the screen at the failure: {}", out.display());
                }
            }
            panic!(
                "timed out waiting for {what}; {}; on screen: {}",
                explain(h.state()),
                screen_text(h)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Renders the window to `tmp_dir` (a test's `CARGO_TARGET_TMPDIR`) as `name`.png, and to
/// assets/screenshots with UPDATE_SCREENSHOTS=1 ([`crate::save_screenshot`]).
pub fn screenshot<S>(h: &mut Harness<'_, S>, tmp_dir: &str, name: &str) {
    let image = h.render().expect("render");
    crate::save_screenshot(&image, tmp_dir, name);
}

/// `ui` with `install` (the app's fonts and style, e.g. `ks_ui::theme::install`) run once, on the
/// first frame, as the app does: for `Harness::builder().build_ui_state(themed(..), state)`.
pub fn themed<S>(
    install: fn(&egui::Context),
    mut ui: impl FnMut(&mut egui::Ui, &mut S),
) -> impl FnMut(&mut egui::Ui, &mut S) {
    let mut installed = false;
    move |u, state| {
        if !installed {
            install(u.ctx());
            installed = true;
        }
        ui(u, state);
    }
}
