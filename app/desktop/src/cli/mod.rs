//! The headless subcommands.

pub mod run;
pub mod secrets;

/// Exit codes: 0 success, 1 a failed check or run, 2 bad usage or config (DESIGN.md §3).
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
