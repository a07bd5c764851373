//! The desktop binary's library half: the backend (the tokio runtime thread that answers the UI's
//! requests by calling ks-preflight and ks-engine), pipeline storage, the local demo and desktop
//! notifications. The binary (`main.rs`) adds the CLI and opens the window; tests drive the same
//! backend under egui_kittest.

pub mod allocator;
pub mod backend;
pub mod flink_export;
pub mod notify;
