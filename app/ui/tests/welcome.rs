//! The welcome page, driven headlessly through its accessibility tree (egui_kittest).
//! kittest's accessibility check also fails the test if any widget lacks an accessible label.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

/// The welcome page as the app shows it: theme installed on the first frame, inside a central panel.
fn harness() -> Harness<'static> {
    let mut theme_installed = false;
    Harness::builder()
        .with_size(egui::vec2(960.0, 640.0))
        .build_ui(move |ui| {
            if !theme_installed {
                ks_ui::theme::install(ui.ctx());
                theme_installed = true;
            }
            egui::CentralPanel::default().show(ui, ks_ui::welcome_page);
        })
}

#[test]
fn shows_the_product_and_what_it_does() {
    let mut harness = harness();
    harness.run();
    harness.get_by_label(ks_ui::PRODUCT_NAME);
    harness.get_by_label("Kinesis Data Streams → StarRocks / CelerData, exactly once");
    assert!(
        harness
            .query_by_label_contains("The setup wizard arrives with a later release")
            .is_some()
    );
}

#[test]
fn unbuilt_features_are_disabled_buttons() {
    let mut harness = harness();
    harness.run();
    for label in ["New pipeline", "Try a local demo"] {
        let button = harness.get_by_label(label);
        assert_eq!(
            button.accesskit_node().role(),
            egui::accesskit::Role::Button
        );
        assert!(button.accesskit_node().is_disabled(), "{label} is enabled");
    }
}

#[test]
fn hovering_a_disabled_button_says_coming_soon() {
    let mut harness = harness();
    harness.run();
    harness.get_by_label("New pipeline").hover();
    for _ in 0..60 {
        harness.step();
        if harness.query_by_label(ks_ui::COMING_SOON).is_some() {
            return;
        }
    }
    panic!("no \"{}\" tooltip appeared", ks_ui::COMING_SOON);
}

#[test]
fn the_fonts_cover_the_symbols_the_ui_uses() {
    let fonts = ks_ui::theme::fonts();
    let proportional = &fonts.families[&egui::FontFamily::Proportional];
    let main = proportional
        .iter()
        .position(|f| f == "Ubuntu-Light")
        .unwrap();
    let hack = proportional.iter().position(|f| f == "Hack").unwrap();
    assert!(
        main < hack,
        "Hack is a fallback, after the main font: {proportional:?}"
    );
}

#[test]
fn the_theme_follows_the_system_and_can_be_overridden() {
    let ctx = egui::Context::default();
    ks_ui::theme::install(&ctx);
    assert_eq!(
        ks_ui::theme::preference(&ctx),
        egui::ThemePreference::System
    );
    ks_ui::theme::set_preference(&ctx, egui::ThemePreference::Light);
    assert_eq!(ctx.theme(), egui::Theme::Light);
    ks_ui::theme::set_preference(&ctx, egui::ThemePreference::Dark);
    assert_eq!(ctx.theme(), egui::Theme::Dark);
}
