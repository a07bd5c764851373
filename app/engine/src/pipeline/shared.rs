//! The state every pipeline task writes (snapshot fields, shard table, stop and stall flags) and
//! the snapshot published from it.

use crate::shard_state::{Shard, ShardEvent, ShardTable};
use crate::snapshot::{ErrorEntry, Event, RECENT_ERRORS, Snapshot};
use ks_core::ShardId;
use std::collections::HashSet;
use std::sync::Mutex;
use tokio::sync::{Notify, mpsc, watch};

/// Shared, mutable view the snapshot is published from.
pub(super) struct Shared {
    /// Everything but the shards (its `shards` stay empty: [`Shared::snapshot`] fills them).
    pub(super) snap: Mutex<Snapshot>,
    /// Every shard's phase and counters.
    pub(super) shards: Mutex<ShardTable>,
    pub(super) events: mpsc::Sender<Event>,
    /// Shards whose reader reached the end in this run (for lineage).
    pub(super) drained: Mutex<HashSet<ShardId>>,
    pub(super) drained_notify: Notify,
    /// Bumped when a shard is drained (the shard manager then asks for a pass before "caught up").
    pub(super) drain_count: std::sync::atomic::AtomicU64,
    /// Set when a stop is requested: a load that keeps failing is then given up (its intent
    /// stays and is replayed on the next start) instead of holding the stop forever.
    pub(super) stopping: watch::Sender<bool>,
    /// A stall was reported (errors panel, notification) and no load succeeded since.
    pub(super) stall_reported: std::sync::atomic::AtomicBool,
    /// The pipeline shows "stalled" because ListShards keeps failing.
    pub(super) discovery_stalled: std::sync::atomic::AtomicBool,
}

impl Shared {
    pub(super) fn emit(&self, ev: Event) {
        // Bounded: a slow consumer loses events, never stalls the engine.
        let _ = self.events.try_send(ev);
    }

    pub(super) fn with<R>(&self, f: impl FnOnce(&mut Snapshot) -> R) -> R {
        f(&mut self.snap.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub(super) fn error(
        &self,
        context: String,
        status: Option<String>,
        message: String,
        error_url: Option<String>,
        lines: Vec<String>,
    ) {
        let entry = ErrorEntry {
            at_ms: now_ms(),
            context,
            status,
            message,
            error_url,
            error_lines: lines,
        };
        // Headless users see only the log: give them what the errors panel shows, the
        // ErrorURL and the first few of StarRocks' error lines.
        let mut detail = String::new();
        if let Some(url) = &entry.error_url {
            detail.push_str(&format!("\n  ErrorURL: {url}"));
        }
        for line in entry.error_lines.iter().take(LOGGED_ERROR_LINES) {
            detail.push_str(&format!("\n  {line}"));
        }
        if entry.error_lines.len() > LOGGED_ERROR_LINES {
            detail.push_str(&format!(
                "\n  … {} more line(s) at the ErrorURL",
                entry.error_lines.len() - LOGGED_ERROR_LINES
            ));
        }
        tracing::warn!(target: super::LOG, "{}: {}{detail}", entry.context, entry.message);
        self.with(|s| {
            s.errors.push_back(entry.clone());
            while s.errors.len() > RECENT_ERRORS {
                s.errors.pop_front();
            }
        });
        self.emit(Event::Error { entry });
    }

    /// The shard table (phases and counters) under its lock.
    pub(super) fn shards<R>(&self, f: impl FnOnce(&mut ShardTable) -> R) -> R {
        f(&mut self.shards.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// One shard's entry (added as waiting on its parents when first seen).
    pub(super) fn shard<R>(&self, id: &ShardId, f: impl FnOnce(&mut Shard) -> R) -> R {
        self.shards(|t| f(t.shard(id)))
    }

    /// Moves shard `id` on `event` (the table in `crate::shard_state`).
    pub(super) fn shard_event(&self, id: &ShardId, event: ShardEvent) {
        self.shards(|t| t.apply(id, event));
    }

    /// The snapshot to publish: the pipeline's fields and a view of the shard table.
    pub(super) fn snapshot(&self) -> Snapshot {
        let mut snap = self.with(|s| s.clone());
        snap.shards = self.shards(|t| t.view());
        snap.taken_ms = now_ms();
        snap
    }
}

/// How many of StarRocks' error lines an error's log line carries (the errors panel has them all).
const LOGGED_ERROR_LINES: usize = 5;

pub(super) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
