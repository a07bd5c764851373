//! The process allocator's one setting of ours: freed memory goes back to the OS at once.
//!
//! mimalloc v3 keeps freed pages for a second before it returns them (`purge_delay` = 1000 ms in
//! its `options.c`; v2 and the header's comment say 10 ms). The engine frees GetRecords answers
//! (~14 MB of JSON per shard and call, twice: the SDK joins the received chunks into one buffer)
//! at hundreds of MB/s during a catch-up, so that second held 60–90 MiB of garbage at the peak:
//! the rise of the peak RSS since mimalloc became the allocator (BENCHMARKS.md, (c)).
//! `MIMALLOC_PURGE_DELAY` in the environment still wins.
//!
//! mimalloc reads its environment before `main`, and its option table has no safe API: this
//! module is the workspace's one `unsafe` (the lint is `deny` elsewhere).
#![allow(unsafe_code)]

// Linked for its static mimalloc, which defines the two functions below.
use mimalloc as _;
use std::os::raw::{c_int, c_long};

/// `mi_option_purge_delay` in the mimalloc v3 that `libmimalloc-sys` builds (its
/// `include/mimalloc.h`; the Rust crate names no constant for it).
const MI_OPTION_PURGE_DELAY: c_int = 15;
/// Its default there (`options.c`), to check that the index is the option meant.
const PURGE_DELAY_DEFAULT_MS: c_long = 1000;

unsafe extern "C" {
    fn mi_option_get(option: c_int) -> c_long;
    fn mi_option_set(option: c_int, value: c_long);
}

/// Makes mimalloc return freed memory at once. Returns whether it did: not when the environment
/// sets the delay, nor when the option does not hold its default (another mimalloc, whose option
/// numbers and defaults may differ).
pub fn return_freed_memory_at_once() -> bool {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return false;
    }
    // SAFETY: reads and writes of mimalloc's option table, valid at any time from any thread;
    // the index is checked against the option's default first.
    unsafe {
        if mi_option_get(MI_OPTION_PURGE_DELAY) != PURGE_DELAY_DEFAULT_MS {
            return false;
        }
        mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        mi_option_get(MI_OPTION_PURGE_DELAY) == 0
    }
}

#[cfg(test)]
mod tests {
    /// The index names the purge delay of the mimalloc linked here: it holds the default, and
    /// setting it takes.
    #[test]
    fn the_purge_delay_is_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            panic!("unset MIMALLOC_PURGE_DELAY to run this test");
        }
        assert!(super::return_freed_memory_at_once());
        assert!(
            !super::return_freed_memory_at_once(),
            "set once: no longer the default"
        );
    }
}
