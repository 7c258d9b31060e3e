//! Retry waits shared by every loop that retries an AWS call itself (FilterLogEvents,
//! Logs Insights, Live Tail, the Lambda listings): exponential backoff with full jitter.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Exponential backoff with full jitter: a random wait in [base·2ⁿ/2, base·2ⁿ], capped.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16)).min(cap);
    let half = exp / 2;
    half + Duration::from_secs_f64(half.as_secs_f64() * jitter())
}

/// A number in [0, 1): xorshift seeded from the clock and a counter; good enough for
/// spreading retries, no dependency needed.
fn jitter() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x >> 11) as f64 / (1u64 << 53) as f64
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_grows() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(2);
        for attempt in 0..40 {
            let d = backoff(attempt, base, cap);
            let exp = base.saturating_mul(1 << attempt.min(16)).min(cap);
            assert!(d >= exp / 2 && d <= exp, "{attempt}: {d:?}");
        }
    }
}
