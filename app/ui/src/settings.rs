//! What the app remembers between runs (the desktop binary stores it with eframe's storage):
//! theme, zoom, the last pipeline shown and an unfinished wizard. Never a password.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    pub fn preference(self) -> egui::ThemePreference {
        match self {
            Theme::System => egui::ThemePreference::System,
            Theme::Light => egui::ThemePreference::Light,
            Theme::Dark => egui::ThemePreference::Dark,
        }
    }
}

pub const MIN_ZOOM: f32 = 0.5;
pub const MAX_ZOOM: f32 = 3.0;
pub const ZOOM_STEP: f32 = 0.1;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub theme: Theme,
    pub zoom: f32,
    pub last_pipeline: Option<String>,
    /// An unfinished wizard (resumed at its first incomplete step).
    pub wizard_draft: Option<crate::wizard::WizardDraft>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            theme: Theme::System,
            zoom: 1.0,
            last_pipeline: None,
            wizard_draft: None,
        }
    }
}

impl Settings {
    /// The storage key (eframe's key-value store).
    pub const KEY: &'static str = "kinesis-starrocks-settings";

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Unreadable settings (an older version, a hand edit) are the defaults, not an error.
    pub fn from_json(text: &str) -> Settings {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn clamp_zoom(zoom: f32) -> f32 {
        zoom.clamp(MIN_ZOOM, MAX_ZOOM)
    }
}
