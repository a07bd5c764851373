//! The headless subcommands.

pub mod assets;
pub mod check;
pub mod demo;
pub mod export;
pub mod import_kda;
pub mod init_table;
pub mod run;
pub mod sample;
pub mod secrets;

use std::io::{BufRead, Write};

/// Exit codes: 0 success, 1 a failed check or run, 2 bad usage or config (docs/config.md §5).
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// The pipeline config at `path`, or the exit code after printing the error (it names the key).
fn load_config(path: &std::path::Path) -> Result<ks_core::PipelineConfig, i32> {
    ks_core::PipelineConfig::load(path).map_err(|e| {
        eprintln!("error: {e}");
        EXIT_USAGE
    })
}

/// A multi-thread tokio runtime, or None after printing why it could not start.
fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            None
        }
    }
}

/// Asks a yes/no question on the terminal; anything but y/yes (or a closed stdin) is no.
fn confirm(question: &str) -> bool {
    print!("{question}");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim(), "y" | "Y" | "yes" | "Yes")
}
