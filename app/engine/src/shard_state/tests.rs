use super::*;
use ShardEvent as E;
use ShardPhase as P;

const ALL_PHASES: [ShardPhase; 6] = [
    P::WaitingOnParents,
    P::Initializing,
    P::Reading,
    P::AtTip,
    P::ShardEnd,
    P::Done,
];

const ALL_EVENTS: [ShardEvent; 7] = [
    E::Discovered { finished: false },
    E::Discovered { finished: true },
    E::ReaderSpawned,
    E::ReaderStarted,
    E::Read { at_tip: false },
    E::Read { at_tip: true },
    E::EndReached,
];

fn id(n: u32) -> ShardId {
    ShardId(format!("shardId-{n:012}"))
}

#[test]
fn a_shard_lives_through_every_phase_in_order() {
    let mut s = Shard::new(&id(1));
    assert_eq!(s.phase(), P::WaitingOnParents);
    for (event, phase) in [
        (E::Discovered { finished: false }, P::WaitingOnParents),
        (E::ReaderSpawned, P::Initializing),
        (E::ReaderStarted, P::Reading),
        (E::Read { at_tip: true }, P::AtTip),
        (E::Read { at_tip: false }, P::Reading),
        (E::Read { at_tip: true }, P::AtTip),
        (E::EndReached, P::ShardEnd),
        (E::EndConfirmed, P::Done),
    ] {
        assert_eq!(s.apply(event), Ok(phase), "{event:?}");
    }
}

#[test]
fn finished_shards_are_done_without_a_reader() {
    assert_eq!(
        P::WaitingOnParents.next(E::Discovered { finished: true }),
        Ok(P::Done)
    );
    // Ended by a replayed intent before the first pass: the pass leaves it done.
    assert_eq!(P::WaitingOnParents.next(E::EndConfirmed), Ok(P::Done));
    assert_eq!(P::Done.next(E::Discovered { finished: false }), Ok(P::Done));
}

#[test]
fn a_confirm_before_the_readers_own_end_stays_done() {
    for from in [P::Reading, P::AtTip] {
        assert_eq!(from.next(E::EndConfirmed), Ok(P::Done));
    }
    assert_eq!(P::Done.next(E::EndReached), Ok(P::Done));
}

#[test]
fn illegal_moves_are_refused_and_keep_the_phase() {
    let illegal = [
        (P::WaitingOnParents, E::ReaderStarted),
        (P::WaitingOnParents, E::Read { at_tip: true }),
        (P::WaitingOnParents, E::EndReached),
        (P::Initializing, E::ReaderSpawned),
        (P::Initializing, E::Read { at_tip: false }),
        (P::Initializing, E::EndConfirmed),
        (P::Reading, E::ReaderSpawned),
        (P::Reading, E::Discovered { finished: true }),
        (P::AtTip, E::ReaderStarted),
        (P::ShardEnd, E::Read { at_tip: false }),
        (P::ShardEnd, E::ReaderSpawned),
        (P::ShardEnd, E::EndReached),
        (P::Done, E::ReaderSpawned),
        (P::Done, E::Read { at_tip: true }),
    ];
    for (from, event) in illegal {
        assert_eq!(from.next(event), Err(IllegalMove { from, event }));
    }
    let mut s = Shard::new(&id(1));
    assert!(s.apply(E::EndReached).is_err());
    assert_eq!(s.phase(), P::WaitingOnParents);
}

#[test]
fn done_is_terminal() {
    for event in ALL_EVENTS.into_iter().chain([E::EndConfirmed]) {
        if let Ok(next) = P::Done.next(event) {
            assert_eq!(next, P::Done, "{event:?}");
        }
    }
}

#[test]
fn the_snapshot_shows_each_phase() {
    let shown: Vec<(ShardState, bool)> = ALL_PHASES.iter().map(|p| p.display()).collect();
    assert_eq!(
        shown,
        [
            (ShardState::WaitingOnParents, false),
            (ShardState::Initializing, false),
            (ShardState::Reading, false),
            (ShardState::Reading, true),
            (ShardState::ShardEnd, true),
            (ShardState::Done, true),
        ]
    );
}

#[test]
fn caught_up_needs_a_pass_and_every_shard_at_its_tip() {
    let mut t = ShardTable::default();
    assert!(!t.read_to_tip(), "no shards, no pass");
    for n in [1, 2] {
        t.apply(&id(n), E::ReaderSpawned);
        t.apply(&id(n), E::ReaderStarted);
    }
    t.discovery_pass_done();
    assert!(!t.read_to_tip(), "both reading");
    t.apply(&id(1), E::Read { at_tip: true });
    assert!(!t.read_to_tip(), "one behind");
    t.apply(&id(2), E::Read { at_tip: true });
    assert!(t.read_to_tip());
    // A parent drains: its children may be ready; a pass must see them first.
    t.apply(&id(1), E::EndReached);
    t.need_pass();
    assert!(!t.read_to_tip(), "pass needed");
    t.discovery_pass_done();
    assert!(t.read_to_tip());
    // The pass found a child waiting on its parents: not caught up.
    t.apply(&id(3), E::Discovered { finished: false });
    assert!(!t.read_to_tip(), "a shard waits");
}

#[test]
fn the_view_is_in_shard_order_with_the_stats() {
    let mut t = ShardTable::default();
    t.shard(&id(2)).row.records_read = 7;
    t.shard(&id(1)).row.millis_behind_latest = Some(90_000);
    t.shard(&id(2)).row.millis_behind_latest = Some(5);
    let view = t.view();
    assert_eq!(
        view.iter().map(|s| s.shard.clone()).collect::<Vec<_>>(),
        [id(1), id(2)]
    );
    assert_eq!(view[1].records_read, 7);
    assert_eq!(view[0].state, ShardState::WaitingOnParents);
    assert_eq!(t.max_lag_ms(), Some(90_000));
}
