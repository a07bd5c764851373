//! The process allocator's settings of ours: freed memory goes back to the OS within 10 ms, in
//! small pages.
//!
//! mimalloc v3 keeps freed pages for a second before it returns them (`purge_delay` = 1000 ms in
//! its `options.c`; v2 and the header's comment say 10 ms). The engine frees GetRecords answers
//! at hundreds of MB/s during a catch-up, so that second held 60–90 MiB of garbage at the peak:
//! the rise of the peak RSS since mimalloc became the allocator (BENCHMARKS.md, (c)). A delay of
//! 0 gave it back at once, but then every answer's large vectors (its records, parsed and read)
//! were faulted in again and their release shot down the other core's TLB: ~8 % of the engine's
//! CPU. 10 ms (mimalloc v2's default) keeps the peak within 2–4 MiB of 0 and takes ~13 % off the
//! CPU per MB (BENCHMARKS.md, the purge delays of 2026-12-06). `MIMALLOC_PURGE_DELAY` in the
//! environment still wins.
//!
//! mimalloc also asks for transparent huge pages (`allow_thp` = 1, `madvise(MADV_HUGEPAGE)` on its
//! arenas). Memory given back so soon then comes back as a whole 2 MiB page, zeroed by the kernel
//! on the next touch: peak RSS 161–169 MiB against 126–129 without (`ks-bench engine-run`, 1 GB
//! backlog, 64 MiB max-bytes), and page zeroing the first item of the profile. Off here, for the
//! whole process, by `prctl(PR_SET_THP_DISABLE)` (mimalloc's own option, set after start, would
//! miss the arena it mapped before `main`). `MIMALLOC_ALLOW_THP` in the environment still wins.
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
/// Ours: short enough that memory stays flat, long enough that the next answer reuses the pages
/// the last one freed.
pub const PURGE_DELAY_MS: c_long = 10;

unsafe extern "C" {
    fn mi_option_get(option: c_int) -> c_long;
    fn mi_option_set(option: c_int, value: c_long);
}

/// Makes mimalloc return freed memory within [`PURGE_DELAY_MS`], and turns transparent huge
/// pages off for the process. Each setting yields to its environment variable
/// (`MIMALLOC_PURGE_DELAY`, `MIMALLOC_ALLOW_THP`). Returns whether the purge delay was set: not
/// when the environment sets it, nor when the option does not hold its default (another
/// mimalloc, whose option numbers and defaults may differ).
pub fn configure_for_flat_memory() -> bool {
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        no_transparent_huge_pages();
    }
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return false;
    }
    // SAFETY: reads and writes of mimalloc's option table, valid at any time from any thread;
    // the index is checked against the option's default first.
    unsafe {
        if mi_option_get(MI_OPTION_PURGE_DELAY) != PURGE_DELAY_DEFAULT_MS {
            return false;
        }
        mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
        mi_option_get(MI_OPTION_PURGE_DELAY) == PURGE_DELAY_MS
    }
}

/// Transparent huge pages off for this process, mappings made before included. Its error is
/// ignored on purpose: a kernel that refuses (built without THP) has no huge pages to turn off,
/// and this runs before logging starts.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
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
        assert!(super::configure_for_flat_memory());
        assert!(
            !super::configure_for_flat_memory(),
            "set once: no longer the default"
        );
        // The kernel's word for the whole process (`THP_enabled` since Linux 5.0).
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        assert!(
            status.lines().any(|l| l == "THP_enabled:\t0"),
            "transparent huge pages still on: {status}"
        );
    }
}
