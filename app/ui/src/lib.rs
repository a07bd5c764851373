//! The kinesis-starrocks user interface: egui only, no tokio.
//!
//! Each screen lives in its own file. Today there is one: the placeholder [`welcome_page`]. The
//! setup wizard and the monitor panels arrive with the GUI issue.

pub mod theme;
mod welcome;

pub use welcome::{COMING_SOON, DESCRIPTION, PRODUCT_NAME, welcome_page};
