//! The engine's snapshot, event and command types live in `ks_core::snapshot` (the UI crate draws
//! them without depending on the engine); re-exported here.

pub use ks_core::snapshot::*;
