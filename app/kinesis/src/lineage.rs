//! KCL's lineage rule: a child shard starts only after its parents are drained.

use crate::source::ShardInfo;
use ks_core::ShardId;
use std::collections::HashSet;

/// Which shards may start now, in the order of `all`.
///
/// A shard that is neither started nor finished may start when every parent of it that is still
/// listed in `all` is in `finished` (read to a null NextShardIterator). A parent no longer listed
/// (its data expired and Kinesis dropped it) does not block: the child then starts at
/// TRIM_HORIZON, like KCL and Flink do. Children of a reshard should start at TRIM_HORIZON.
pub fn ready_to_start(
    all: &[ShardInfo],
    finished: &HashSet<ShardId>,
    started: &HashSet<ShardId>,
) -> Vec<ShardId> {
    let listed: HashSet<&ShardId> = all.iter().map(|s| &s.id).collect();
    all.iter()
        .filter(|s| !started.contains(&s.id) && !finished.contains(&s.id))
        .filter(|s| {
            s.parents()
                .all(|p| finished.contains(p) || !listed.contains(p))
        })
        .map(|s| s.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(id: &str, parent: Option<&str>, adjacent: Option<&str>) -> ShardInfo {
        ShardInfo {
            id: id.into(),
            parent: parent.map(ShardId::from),
            adjacent_parent: adjacent.map(ShardId::from),
            hash_key_start: 0,
            hash_key_end: u128::MAX,
            seq_start: ks_core::SeqNum::ZERO,
            seq_end: None,
        }
    }

    fn set(ids: &[&str]) -> HashSet<ShardId> {
        ids.iter().map(|s| ShardId::from(*s)).collect()
    }

    #[test]
    fn split_children_wait_for_the_parent() {
        let all = [
            shard("p", None, None),
            shard("c1", Some("p"), None),
            shard("c2", Some("p"), None),
        ];
        assert_eq!(
            ready_to_start(&all, &set(&[]), &set(&[])),
            vec![ShardId::from("p")]
        );
        assert!(ready_to_start(&all, &set(&[]), &set(&["p"])).is_empty());
        assert_eq!(
            ready_to_start(&all, &set(&["p"]), &set(&["p"])),
            vec![ShardId::from("c1"), ShardId::from("c2")]
        );
        assert!(ready_to_start(&all, &set(&["p"]), &set(&["p", "c1", "c2"])).is_empty());
    }

    #[test]
    fn merge_child_waits_for_both_parents() {
        let all = [
            shard("a", None, None),
            shard("b", None, None),
            shard("m", Some("a"), Some("b")),
        ];
        let started = set(&["a", "b"]);
        assert!(ready_to_start(&all, &set(&["a"]), &started).is_empty());
        assert!(ready_to_start(&all, &set(&["b"]), &started).is_empty());
        assert_eq!(
            ready_to_start(&all, &set(&["a", "b"]), &started),
            vec![ShardId::from("m")]
        );
    }

    #[test]
    fn expired_parents_do_not_block() {
        // The parent's data expired: Kinesis no longer lists it.
        let all = [
            shard("c", Some("gone"), None),
            shard("m", Some("c"), Some("gone2")),
        ];
        assert_eq!(
            ready_to_start(&all, &set(&[]), &set(&[])),
            vec![ShardId::from("c")]
        );
        assert_eq!(
            ready_to_start(&all, &set(&["c"]), &set(&["c"])),
            vec![ShardId::from("m")]
        );
    }
}
