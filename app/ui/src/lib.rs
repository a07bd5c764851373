//! The kinesis-starrocks user interface: egui only, no tokio. It reaches the world only through
//! [`protocol`] (typed requests to the desktop binary's runtime thread, replies back).
//!
//! One screen or panel per file: `app.rs` (the shell), `welcome.rs`, `wizard/<step>.rs`,
//! `monitor/<panel>.rs`, `flink_export_panel.rs` (shared by the Review step and the monitor).

pub mod app;
pub mod flink_export_panel;
pub mod folder_picker;
pub mod frame_pace;
pub mod monitor;
pub mod protocol;
pub mod settings;
pub mod theme;

/// Kinesis Data Analytics properties import: it lives next to the config model in ks-core.
pub use ks_core::config::import;
pub mod welcome;
pub mod wizard;

pub use app::KsApp;
pub use welcome::{DESCRIPTION, PRODUCT_NAME};
