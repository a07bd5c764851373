//! The kinesis-starrocks user interface: egui only, no tokio. It reaches the world only through
//! [`protocol`] (typed requests to the desktop binary's runtime thread, replies back).
//!
//! One screen or panel per file: `welcome.rs`, `wizard/<step>.rs`, `monitor/<panel>.rs`.

pub mod protocol;
pub mod theme;
mod welcome;
pub mod wizard;

pub use welcome::{COMING_SOON, DESCRIPTION, PRODUCT_NAME, welcome_page};
