//! The `columns`/`where` expressions live in `starrocks_model::expr`; re-exported at their old
//! path.

pub use starrocks_model::expr::*;
