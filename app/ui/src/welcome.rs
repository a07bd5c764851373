//! The welcome page. For now a placeholder: the setup wizard and the local demo are not built yet,
//! so their buttons are drawn disabled and say so when hovered.

/// The product name, as shown in the window title and on the welcome page.
pub const PRODUCT_NAME: &str = "kinesis-starrocks";

/// One line that says what the product does.
pub const DESCRIPTION: &str = "Kinesis Data Streams → StarRocks / CelerData, exactly once";

/// Hover text of the buttons whose feature is not built yet.
pub const COMING_SOON: &str = "coming soon";

const BUTTON_SIZE: egui::Vec2 = egui::vec2(220.0, 32.0);

/// Draws the welcome page into `ui`.
///
/// Every widget carries a visible text, which is also its accessible (AccessKit) label.
pub fn welcome_page(ui: &mut egui::Ui) {
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.2);
        ui.label(
            egui::RichText::new(PRODUCT_NAME)
                .heading()
                .size(32.0)
                .strong(),
        );
        ui.add_space(8.0);
        ui.label(egui::RichText::new(DESCRIPTION).size(18.0));
        ui.add_space(16.0);
        ui.label(
            "This build shows a placeholder welcome page. \
             The setup wizard arrives with a later release.",
        );
        ui.add_space(24.0);
        ui.add_enabled(
            false,
            egui::Button::new("New pipeline").min_size(BUTTON_SIZE),
        )
        .on_disabled_hover_text(COMING_SOON);
        ui.add_space(8.0);
        ui.add_enabled(
            false,
            egui::Button::new("Try a local demo").min_size(BUTTON_SIZE),
        )
        .on_disabled_hover_text(COMING_SOON);
    });
}
