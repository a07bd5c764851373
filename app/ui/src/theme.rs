//! Look and feel. The app follows the operating system's light/dark setting; a manual override
//! (for a settings menu) goes through [`set_preference`].

pub use egui::ThemePreference;

/// Installs the app's theme on `ctx`: the fonts, the style tweaks for both light and dark, and
/// "follow the system" (egui falls back to dark when the system does not say).
///
/// Call it once, before or during the first frame.
pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(fonts());
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 4.0);
        style.interaction.selectable_labels = true;
    });
    set_preference(ctx, ThemePreference::System);
}

/// egui's bundled fonts, with its monospace font (Hack) as a fallback for the proportional one:
/// Ubuntu-Light lacks symbols the UI uses, such as "→", "●" and "▶"; Hack has them. So these
/// draw the same everywhere, without depending on the fonts installed on the machine.
pub fn fonts() -> egui::FontDefinitions {
    let mut fonts = egui::FontDefinitions::default();
    if let Some(proportional) = fonts.families.get_mut(&egui::FontFamily::Proportional)
        && !proportional.iter().any(|name| name == "Hack")
    {
        let after_main = proportional
            .iter()
            .position(|name| name == "Ubuntu-Light")
            .map_or(0, |i| i + 1);
        proportional.insert(after_main, "Hack".to_owned());
    }
    fonts
}

/// Switches between following the system, light and dark.
pub fn set_preference(ctx: &egui::Context, preference: ThemePreference) {
    ctx.set_theme(preference);
}

/// The user's current preference (system, light or dark).
pub fn preference(ctx: &egui::Context) -> ThemePreference {
    ctx.options(|o| o.theme_preference)
}
