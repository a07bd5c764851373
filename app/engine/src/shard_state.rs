//! The per-shard state machine: each shard's phase, the moves between phases, and whether every
//! shard is read to its tip ("caught up"). The snapshot's shard rows are a view of it.
//!
//! | phase | entered when | moved by | next phases |
//! |---|---|---|---|
//! | `WaitingOnParents` | the shard is first seen: a checkpointed position at start, a replayed intent, or a ListShards pass | created by any writer (`ShardTable::shard`) | `Initializing` (reader spawned), `Done` (discovery finds it finished, or an intent ending it is confirmed during replay) |
//! | `Initializing` | its parents are drained (KCL's rule) and a reader task is spawned | shard manager (`pipeline/shards.rs`, [`ShardEvent::ReaderSpawned`]) | `Reading` |
//! | `Reading` | the reader task runs and is behind the tip (records came, or `MillisBehindLatest` > 0) | shard reader (`ReaderStarted`, `Read { at_tip: false }`) | `AtTip`, `ShardEnd`, `Done` (see below) |
//! | `AtTip` | a GetRecords answer was empty with `MillisBehindLatest` 0 | shard reader (`Read { at_tip: true }`) | `Reading`, `ShardEnd`, `Done` |
//! | `ShardEnd` | the reader read the last record of a closed shard (after a reshard) and sent the shard's end to the batcher | shard reader (`EndReached`) | `Done` |
//! | `Done` | the batch holding the shard's end is confirmed (the checkpoint marks the shard finished), or the shard was finished in an earlier run | main loop after a confirm (`pipeline/load.rs`, `EndConfirmed`); shard manager (`Discovered { finished: true }`) | none (terminal) |
//!
//! Throttling (ProvisionedThroughputExceeded) and expired iterators are events, not phases: the
//! reader counts them in the shard's row ([`Shard::row`]) and the phase stays as it is.
//!
//! `Reading`/`AtTip` → `Done` happens when the main loop confirms the shard's end before the
//! reader recorded `EndReached` (the reader sends the end to the batcher first); the late
//! `EndReached` then leaves `Done` as it is.
//!
//! Caught up ([`ShardTable::read_to_tip`]): at least one discovery pass since the last drain
//! (children of a drained parent may be ready), no shard ready but unstarted, and every known
//! shard `AtTip`, `ShardEnd` or `Done`.

use crate::snapshot::{ShardSnapshot, ShardState};
use ks_core::ShardId;
use std::collections::BTreeMap;

/// Where one shard is in its life in this run (the table above).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShardPhase {
    WaitingOnParents,
    Initializing,
    Reading,
    AtTip,
    ShardEnd,
    Done,
}

/// What happened to a shard; [`ShardPhase::next`] says where it leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShardEvent {
    /// A ListShards pass saw the shard, not yet started; `finished`: drained in an earlier run
    /// (the checkpoint) or in this one.
    Discovered { finished: bool },
    /// The shard manager spawned its reader.
    ReaderSpawned,
    /// The reader task built its reader and starts reading.
    ReaderStarted,
    /// A GetRecords answer: `at_tip` when it was empty and nothing is behind.
    Read { at_tip: bool },
    /// The reader read the shard's last record and sent its end to the batcher.
    EndReached,
    /// A batch holding the shard's end is confirmed.
    EndConfirmed,
}

/// A move the table does not allow; the shard keeps its phase.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("shard phase {from:?} cannot take {event:?}")]
pub(crate) struct IllegalMove {
    pub from: ShardPhase,
    pub event: ShardEvent,
}

impl ShardPhase {
    /// The phase `event` leads to from `self`, or why it cannot happen.
    pub(crate) fn next(self, event: ShardEvent) -> Result<ShardPhase, IllegalMove> {
        use ShardEvent as E;
        use ShardPhase as P;
        let next = match (self, event) {
            (P::WaitingOnParents, E::Discovered { finished: true }) => P::Done,
            (P::WaitingOnParents, E::Discovered { finished: false }) => P::WaitingOnParents,
            // Ended during replay, before the first pass saw it.
            (P::Done, E::Discovered { .. }) => P::Done,
            (P::WaitingOnParents, E::ReaderSpawned) => P::Initializing,
            (P::Initializing, E::ReaderStarted) => P::Reading,
            (P::Reading | P::AtTip, E::Read { at_tip: true }) => P::AtTip,
            (P::Reading | P::AtTip, E::Read { at_tip: false }) => P::Reading,
            (P::Reading | P::AtTip, E::EndReached) => P::ShardEnd,
            // The confirm came first (see the module doc): stays done.
            (P::Done, E::EndReached) => P::Done,
            (
                P::WaitingOnParents | P::Reading | P::AtTip | P::ShardEnd | P::Done,
                E::EndConfirmed,
            ) => P::Done,
            (from, event) => return Err(IllegalMove { from, event }),
        };
        Ok(next)
    }

    /// Read up to the tip (or the end): nothing more to read now.
    pub(crate) fn is_read_to_tip(self) -> bool {
        matches!(
            self,
            ShardPhase::AtTip | ShardPhase::ShardEnd | ShardPhase::Done
        )
    }

    /// How the snapshot shows the phase: its state word and `at_tip`.
    pub(crate) fn display(self) -> (ShardState, bool) {
        match self {
            ShardPhase::WaitingOnParents => (ShardState::WaitingOnParents, false),
            ShardPhase::Initializing => (ShardState::Initializing, false),
            ShardPhase::Reading => (ShardState::Reading, false),
            ShardPhase::AtTip => (ShardState::Reading, true),
            ShardPhase::ShardEnd => (ShardState::ShardEnd, true),
            ShardPhase::Done => (ShardState::Done, true),
        }
    }
}

/// One shard: its phase and its row in the snapshot.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shard {
    phase: ShardPhase,
    /// What the snapshot shows of the shard: the reader's counters and position (shown, never
    /// deciding anything), and the phase's state word and `at_tip`, which `apply` keeps current.
    pub row: ShardSnapshot,
}

impl Shard {
    fn new(id: &ShardId) -> Shard {
        let phase = ShardPhase::WaitingOnParents;
        let (state, at_tip) = phase.display();
        Shard {
            phase,
            row: ShardSnapshot {
                at_tip,
                ..ShardSnapshot::new(id.clone(), state)
            },
        }
    }

    #[cfg(test)]
    pub(crate) fn phase(&self) -> ShardPhase {
        self.phase
    }

    /// Moves the shard on `event`; an illegal move leaves it where it is and says so.
    pub(crate) fn apply(&mut self, event: ShardEvent) -> Result<ShardPhase, IllegalMove> {
        self.phase = self.phase.next(event)?;
        (self.row.state, self.row.at_tip) = self.phase.display();
        Ok(self.phase)
    }

    /// [`Shard::apply`] for the engine's tasks: an illegal move (a bug in the engine, never the
    /// stream's doing) is logged and ignored rather than ending the run.
    pub(crate) fn on(&mut self, id: &ShardId, event: ShardEvent) {
        if let Err(e) = self.apply(event) {
            tracing::warn!(target: crate::PIPELINE_LOG, "{id}: {e}");
        }
    }
}

/// Every shard this run knows, and the discovery bookkeeping "caught up" needs.
#[derive(Debug, Default)]
pub(crate) struct ShardTable {
    shards: BTreeMap<ShardId, Shard>,
    /// ListShards passes completed.
    discovery_passes: u64,
    /// A shard was drained since the last pass: its children may be ready but unstarted.
    pass_needed: bool,
}

impl ShardTable {
    /// The shard `id`, added as `WaitingOnParents` when first seen.
    pub(crate) fn shard(&mut self, id: &ShardId) -> &mut Shard {
        if !self.shards.contains_key(id) {
            self.shards.insert(id.clone(), Shard::new(id));
        }
        self.shards.get_mut(id).expect("just inserted")
    }

    /// Moves `id` on `event` ([`Shard::on`]).
    pub(crate) fn apply(&mut self, id: &ShardId, event: ShardEvent) {
        self.shard(id).on(id, event);
    }

    /// The shard manager finished a ListShards pass (and started every ready shard).
    pub(crate) fn discovery_pass_done(&mut self) {
        self.pass_needed = false;
        self.discovery_passes += 1;
    }

    /// A parent was drained: a pass is needed before "caught up".
    pub(crate) fn need_pass(&mut self) {
        self.pass_needed = true;
    }

    /// Every shard read to its tip or end, whatever is still buffered or loading.
    pub(crate) fn read_to_tip(&self) -> bool {
        self.discovery_passes > 0
            && !self.pass_needed
            && !self.shards.is_empty()
            && self.shards.values().all(|s| s.phase.is_read_to_tip())
    }

    /// The largest MillisBehindLatest over the shards.
    pub(crate) fn max_lag_ms(&self) -> Option<i64> {
        self.shards
            .values()
            .filter_map(|s| s.row.millis_behind_latest)
            .max()
    }

    /// The snapshot's shard rows, in shard order.
    pub(crate) fn view(&self) -> Vec<ShardSnapshot> {
        self.shards.values().map(|s| s.row.clone()).collect()
    }
}

#[cfg(test)]
mod tests;
