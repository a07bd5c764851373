use super::rate::{RateLimiter, backoff};
use crate::reader_options::ReaderOptions;
use std::time::{Duration, Instant};

#[test]
fn rate_limiter_allows_five_calls_a_second() {
    let o = ReaderOptions::default();
    let mut r = RateLimiter::default();
    let t0 = Instant::now();
    for i in 0..5 {
        assert!(r.ready_at(&o).is_none_or(|t| t <= t0), "call {i}");
        r.record_call(t0, &o);
    }
    assert_eq!(r.ready_at(&o), Some(t0 + Duration::from_secs(1)));
}

#[test]
fn rate_limiter_spreads_bytes() {
    let o = ReaderOptions::default();
    let mut r = RateLimiter::default();
    let t0 = Instant::now();
    r.record_call(t0, &o);
    r.record_response(t0, 4 * 1024 * 1024, false, &o);
    assert_eq!(r.ready_at(&o), Some(t0 + Duration::from_secs(2)));
    r.record_response(t0, 0, true, &o);
    assert_eq!(r.ready_at(&o), Some(t0 + Duration::from_secs(2)));
    let u = ReaderOptions::unlimited();
    let mut r = RateLimiter::default();
    r.record_response(t0, 4 * 1024 * 1024, false, &u);
    assert_eq!(r.ready_at(&u), None);
}

#[test]
fn backoff_grows_and_caps() {
    let b = Duration::from_millis(100);
    let m = Duration::from_secs(1);
    assert!(backoff(b, m, 1) >= b && backoff(b, m, 1) < b * 2);
    assert!(backoff(b, m, 3) >= b * 4);
    assert!(backoff(b, m, 30) <= m.mul_f64(1.25));
}
