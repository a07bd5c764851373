//! Retrying one batch: exponential backoff with jitter over retryable errors, under the same
//! label (which is what makes a retry safe). After `max_attempts_before_stall` attempts the last
//! error is returned; the engine then reports the pipeline as stalled and decides to go on.

use crate::error::LoadError;
use crate::stream_load::{LoadBody, LoadOutcome, StreamLoadClient};
use ks_core::Label;
use ks_core::config::SinkConfig;
use std::time::Duration;

/// How hard [`StreamLoadClient::load_with_retries`] tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts (the first one included) before the last error is returned.
    pub max_attempts_before_stall: u32,
    /// The first delay; doubled per attempt.
    pub base_ms: u64,
    /// The longest delay.
    pub max_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts_before_stall: 11,
            base_ms: 1_000,
            max_ms: 60_000,
        }
    }
}

impl RetryPolicy {
    /// `max-retries` retries after the first attempt, starting at `retry-interval-ms`, capped at
    /// a minute.
    pub fn from_sink(sink: &SinkConfig) -> RetryPolicy {
        RetryPolicy {
            max_attempts_before_stall: sink.max_retries.saturating_add(1),
            base_ms: sink.retry_interval_ms.max(1),
            max_ms: 60_000.max(sink.retry_interval_ms),
        }
    }

    /// The delay after failed attempt `attempt` (1-based): `base · 2^(attempt-1)`, capped at
    /// `max_ms`, with "equal jitter" (half fixed, half random) so that several pipelines
    /// retrying together spread out.
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(32);
        let full = self
            .base_ms
            .saturating_mul(1u64 << exp)
            .min(self.max_ms.max(self.base_ms));
        let half = full / 2;
        let jitter = if full - half > 0 {
            rand::random::<u64>() % (full - half + 1)
        } else {
            0
        };
        Duration::from_millis(half + jitter)
    }
}

/// One failed attempt, as the engine shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptReport {
    /// 1-based.
    pub attempt: u32,
    pub label: String,
    /// The error's message (names the node and what to do).
    pub error: String,
    /// [`LoadError::kind`].
    pub error_kind: &'static str,
    pub retryable: bool,
    /// When the next attempt starts; `None` when this was the last one.
    pub next_delay: Option<Duration>,
}

impl StreamLoadClient {
    /// Loads `body` under `label`, retrying retryable errors (and `LabelRunning`, which means
    /// "ask again later") with backoff. Non-retryable errors return at once; after
    /// `policy.max_attempts_before_stall` attempts the last error is returned. `on_attempt` is
    /// called after every failed attempt.
    pub async fn load_with_retries(
        &self,
        label: &Label,
        body: impl Into<LoadBody>,
        policy: RetryPolicy,
        on_attempt: impl FnMut(&AttemptReport),
    ) -> Result<LoadOutcome, LoadError> {
        let body = body.into();
        with_retries(label, policy, on_attempt, || self.load(label, body.clone())).await
    }
}

/// Runs `attempt` until it succeeds, fails for good, or `policy.max_attempts_before_stall`
/// attempts failed (the last error is returned); `on_attempt` sees every failed attempt. The
/// same loop serves a plain Stream Load and the transaction API's prepare and commit steps.
pub async fn with_retries<T, Fut>(
    label: &Label,
    policy: RetryPolicy,
    mut on_attempt: impl FnMut(&AttemptReport),
    mut attempt: impl FnMut() -> Fut,
) -> Result<T, LoadError>
where
    Fut: Future<Output = Result<T, LoadError>>,
{
    let max = policy.max_attempts_before_stall.max(1);
    let mut n = 0;
    loop {
        n += 1;
        let err = match attempt().await {
            Ok(done) => return Ok(done),
            Err(e) => e,
        };
        let retry = err.is_retryable() && n < max;
        let next_delay = retry.then(|| policy.delay_after(n).max(err.min_retry_delay()));
        on_attempt(&AttemptReport {
            attempt: n,
            label: label.to_string(),
            error: err.to_string(),
            error_kind: err.kind(),
            retryable: err.is_retryable(),
            next_delay,
        });
        match next_delay {
            Some(d) => {
                tracing::debug!(label = %label, attempt = n, delay_ms = d.as_millis() as u64, error = %err, "load step will be retried");
                tokio::time::sleep(d).await;
            }
            None => return Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let p = RetryPolicy {
            max_attempts_before_stall: 5,
            base_ms: 100,
            max_ms: 1_000,
        };
        for _ in 0..50 {
            let d1 = p.delay_after(1).as_millis();
            assert!((50..=100).contains(&d1), "{d1}");
            let d3 = p.delay_after(3).as_millis();
            assert!((200..=400).contains(&d3), "{d3}");
            let d10 = p.delay_after(10).as_millis();
            assert!((500..=1000).contains(&d10), "{d10}");
            let huge = p.delay_after(u32::MAX).as_millis();
            assert!(huge <= 1000);
        }
        let sink = SinkConfig {
            max_retries: 3,
            retry_interval_ms: 250,
            ..Default::default()
        };
        assert_eq!(
            RetryPolicy::from_sink(&sink),
            RetryPolicy {
                max_attempts_before_stall: 4,
                base_ms: 250,
                max_ms: 60_000
            }
        );
    }
}
