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

/// Lets the window's clear colour stand in for the panels' background: the panels draw no fill,
/// and the renderer clears the window to [`clear_color`] instead. The same picture, but without
/// a software rasterizer (Mesa's llvmpipe, where there is no GPU) shading every pixel of the
/// window once more each frame for the panels' fills (BENCHMARKS.md, the app's idle CPU).
///
/// Only for a renderer that clears to [`clear_color`] (the desktop window); call it after
/// [`install`].
pub fn panels_drawn_by_clearing(ctx: &egui::Context) {
    ctx.all_styles_mut(|style| style.visuals.panel_fill = egui::Color32::TRANSPARENT);
}

/// The colour to clear the window to: the panels' background of the theme in use.
pub fn clear_color(visuals: &egui::Visuals) -> egui::Color32 {
    if visuals.dark_mode {
        egui::Visuals::dark().panel_fill
    } else {
        egui::Visuals::light().panel_fill
    }
}

/// The user's current preference (system, light or dark).
pub fn preference(ctx: &egui::Context) -> ThemePreference {
    ctx.options(|o| o.theme_preference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_drawn_by_clearing_keep_their_colour_in_both_themes() {
        let ctx = egui::Context::default();
        install(&ctx);
        let before =
            [egui::Theme::Dark, egui::Theme::Light].map(|t| ctx.style_of(t).visuals.panel_fill);
        panels_drawn_by_clearing(&ctx);
        for (theme, fill) in [egui::Theme::Dark, egui::Theme::Light]
            .into_iter()
            .zip(before)
        {
            let visuals = &ctx.style_of(theme).visuals;
            assert_eq!(visuals.panel_fill, egui::Color32::TRANSPARENT, "{theme:?}");
            assert_eq!(
                clear_color(visuals),
                fill,
                "{theme:?}: the window clears to the panels' colour"
            );
        }
    }
}
