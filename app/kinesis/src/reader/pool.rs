//! Buffers reused across GetRecords answers: the decode buffers the records' payloads live in
//! until their batch is loaded, and the buffers the answers' JSON is received into.
//!
//! A fresh buffer per answer is memory the allocator gives back at once (the binaries' setting,
//! for flat memory) and the kernel faults in and zeroes again for the next answer: with only 4
//! buffers kept, that was a fifth of the engine's CPU during a catch-up (BENCHMARKS.md), since a
//! load gives back a whole batch of buffers at once and the readers need as many again within
//! moments. So a pool keeps every buffer that came back within the last [`KEPT_WARM`], and 4
//! however old. New buffers are made only when none is free, so a pool never holds more than
//! were in use at once: the peak does not grow, and what was kept goes back once reading slows.
//!
//! Public so that `ks-bench`'s floor of (a) moves its bytes with the same buffers as the engine.

use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Buffers kept however long unused: about one answer per shard reader of a small stream.
const KEPT_ALWAYS: usize = 4;
/// Beyond [`KEPT_ALWAYS`], a buffer is kept this long after it came back.
const KEPT_WARM: Duration = Duration::from_secs(1);
/// A bound on the buffers kept at all: a 64 MiB batch of 2 MiB answers. More measured the same
/// in `ks-bench` (up to 256), fewer gave back part of the CPU saved (16: −8 %).
const KEPT_MAX: usize = 32;

#[derive(Debug, Default)]
pub struct BufferPool {
    /// Oldest first.
    free: Mutex<VecDeque<Kept>>,
}

#[derive(Debug)]
struct Kept {
    buffer: Vec<u8>,
    since: Instant,
}

impl BufferPool {
    /// An empty buffer of at least `capacity` bytes: the newest kept one that is large enough.
    /// Else a kept one is replaced by a fresh one a quarter larger than asked (answers vary in
    /// size), so that the pool holds about as many buffers as are in use at once, not one per
    /// size seen.
    pub fn take(&self, capacity: usize) -> Vec<u8> {
        let mut expired = Vec::new();
        let kept = self.free.lock().ok().and_then(|mut free| {
            expired = trim(&mut free, Instant::now());
            let i = free
                .iter()
                .rposition(|k| k.buffer.capacity() >= capacity)
                .or_else(|| free.len().checked_sub(1))?;
            free.remove(i)
        });
        // Freed outside the lock: giving memory back is a system call.
        drop(expired);
        match kept {
            Some(k) if k.buffer.capacity() >= capacity => k.buffer,
            // Dropped, not grown: growing would copy its old capacity for nothing.
            _ => Vec::with_capacity(capacity.saturating_add(capacity / 4)),
        }
    }

    pub fn give_back(&self, mut buffer: Vec<u8>) {
        let mut expired = Vec::new();
        if let Ok(mut free) = self.free.lock() {
            buffer.clear();
            let now = Instant::now();
            free.push_back(Kept { buffer, since: now });
            expired = trim(&mut free, now);
        }
        drop(expired);
    }

    /// `buffer` as shared bytes that return it to this pool when the last slice is dropped.
    pub fn share(self: &Arc<Self>, buffer: Vec<u8>) -> Bytes {
        Bytes::from_owner(Pooled {
            buffer,
            pool: self.clone(),
        })
    }

    /// Buffers waiting in the pool.
    #[cfg(test)]
    pub(crate) fn kept(&self) -> usize {
        self.free.lock().map(|f| f.len()).unwrap_or(0)
    }
}

/// Takes out what is kept too long (beyond [`KEPT_ALWAYS`]) or too many, oldest first.
fn trim(free: &mut VecDeque<Kept>, now: Instant) -> Vec<Kept> {
    let mut expired = Vec::new();
    while free.len() > KEPT_MAX
        || (free.len() > KEPT_ALWAYS
            && free
                .front()
                .is_some_and(|k| now.duration_since(k.since) > KEPT_WARM))
    {
        expired.extend(free.pop_front());
    }
    expired
}

struct Pooled {
    buffer: Vec<u8>,
    pool: Arc<BufferPool>,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buffer
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        self.pool.give_back(std::mem::take(&mut self.buffer));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_larger_answer_replaces_a_kept_buffer_instead_of_adding_one() {
        let pool = BufferPool::default();
        pool.give_back(Vec::with_capacity(1000));
        let larger = pool.take(2000);
        assert!(larger.capacity() >= 2500, "a quarter of headroom");
        assert_eq!(pool.kept(), 0, "the small one was let go");
        pool.give_back(larger);
        let again = pool.take(2100);
        assert!(again.capacity() >= 2500, "the headroom took the next one");
        assert_eq!(pool.kept(), 0);
    }

    #[test]
    fn a_batch_of_buffers_is_kept_while_warm_then_all_but_four_go_back() {
        let pool = BufferPool::default();
        // A load gives back a whole batch's buffers at once.
        let batch: Vec<Vec<u8>> = (0..32).map(|_| pool.take(1 << 16)).collect();
        let addresses: std::collections::HashSet<usize> =
            batch.iter().map(|b| b.as_ptr() as usize).collect();
        for b in batch {
            pool.give_back(b);
        }
        assert_eq!(pool.kept(), 32, "all kept while warm");
        // The readers take them again: no new memory.
        let again: Vec<Vec<u8>> = (0..32).map(|_| pool.take(1 << 16)).collect();
        assert!(
            again
                .iter()
                .all(|b| addresses.contains(&(b.as_ptr() as usize)))
        );
        for b in again {
            pool.give_back(b);
        }
        // Reading slows: once they are older than KEPT_WARM, only KEPT_ALWAYS stay.
        {
            let mut free = pool.free.lock().unwrap();
            let long_ago = Instant::now() - KEPT_WARM * 2;
            free.iter_mut().for_each(|k| k.since = long_ago);
        }
        let one = pool.take(1 << 16);
        assert_eq!(pool.kept(), KEPT_ALWAYS - 1);
        pool.give_back(one);
        assert_eq!(pool.kept(), KEPT_ALWAYS);
    }
}
