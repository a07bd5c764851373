//! Pacing: the per-shard call and byte limits, and the back-off between retries.

use crate::reader_options::ReaderOptions;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Calls and bytes of the last second, for the per-shard limits.
#[derive(Debug, Default)]
pub(super) struct RateLimiter {
    calls: VecDeque<Instant>,
    bytes_free_at: Option<Instant>,
    idle_until: Option<Instant>,
}

impl RateLimiter {
    pub(super) fn ready_at(&self, o: &ReaderOptions) -> Option<Instant> {
        let max = o.max_calls_per_second as usize;
        let by_calls = (max > 0 && self.calls.len() >= max)
            .then(|| self.calls[self.calls.len() - max] + Duration::from_secs(1));
        [by_calls, self.bytes_free_at, self.idle_until]
            .into_iter()
            .flatten()
            .max()
    }

    pub(super) fn record_call(&mut self, now: Instant, o: &ReaderOptions) {
        self.calls.push_back(now);
        let keep = (o.max_calls_per_second as usize).max(1);
        while self.calls.len() > keep {
            self.calls.pop_front();
        }
    }

    pub(super) fn record_response(
        &mut self,
        now: Instant,
        bytes: u64,
        idle: bool,
        o: &ReaderOptions,
    ) {
        if o.max_bytes_per_second > 0 && bytes > 0 {
            let debt = Duration::from_secs_f64(bytes as f64 / o.max_bytes_per_second as f64);
            let base = self.bytes_free_at.filter(|t| *t > now).unwrap_or(now);
            self.bytes_free_at = Some(base + debt);
        }
        self.idle_until = idle.then(|| now + o.idle_wait);
    }
}

/// `base · 2^(n-1)`, capped, plus up to 25 % jitter.
pub(super) fn backoff(base: Duration, max: Duration, n: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << n.saturating_sub(1).min(16));
    let d = exp.min(max);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    d + d.mul_f64(f64::from(nanos % 250) / 1000.0)
}
