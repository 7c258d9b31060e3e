//! A shared, adaptive token bucket for AWS calls.
//!
//! CloudWatch Logs quotas are per account and region, shared by every caller, and
//! FilterLogEvents' is not adjustable (25/s in us-east-1, 10/s in most regions, 5/s in a
//! few; ../shared/aws-notes.md §5.7). Every FilterLogEvents call of a run takes a token here
//! first, whatever group it reads, so the run as a whole stays under the budget however
//! many groups and slices are in flight. When AWS still throttles us (someone else is using
//! the quota), `on_throttle` halves the rate; each success wins a little of it back
//! (AIMD), up to the configured ceiling. The SDK's own adaptive mode is not used: it
//! starves an interactive tool (38 s for two throttles, rust-sdk.md §5).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
struct State {
    /// Current rate, tokens per second.
    rate: f64,
    /// Tokens available now (may be negative: reservations made by waiting callers).
    tokens: f64,
    last: Instant,
}

#[derive(Debug, Clone)]
pub struct RateLimiter {
    max_rate: f64,
    min_rate: f64,
    burst: f64,
    state: Arc<Mutex<State>>,
}

impl RateLimiter {
    /// `rate` calls per second at most, with a burst of about one second's worth.
    pub fn new(rate: f64) -> RateLimiter {
        let rate = rate.max(0.01);
        let burst = rate.clamp(1.0, 10.0);
        RateLimiter {
            max_rate: rate,
            min_rate: (rate / 16.0).max(0.2).min(rate),
            burst,
            state: Arc::new(Mutex::new(State {
                rate,
                tokens: burst,
                last: Instant::now(),
            })),
        }
    }

    /// Wait until a call may be made.
    pub async fn acquire(&self) {
        let wait = {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let elapsed = now.duration_since(s.last).as_secs_f64();
            s.last = now;
            s.tokens = (s.tokens + elapsed * s.rate).min(self.burst);
            s.tokens -= 1.0;
            if s.tokens >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-s.tokens / s.rate)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// AWS said "Rate exceeded": halve the rate and drain the bucket.
    pub fn on_throttle(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.rate = (s.rate / 2.0).max(self.min_rate);
        s.tokens = s.tokens.min(0.0);
    }

    /// A call succeeded: win back a little of the rate.
    pub fn on_success(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.rate < self.max_rate {
            s.rate = (s.rate + self.max_rate / 20.0).min(self.max_rate);
        }
    }

    #[cfg(test)]
    pub fn current_rate(&self) -> f64 {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn holds_the_rate_after_the_burst() {
        let rl = RateLimiter::new(10.0);
        let t0 = Instant::now();
        for _ in 0..30 {
            rl.acquire().await;
        }
        // 10 from the burst, 20 more at 10/s = 2 s (paused clock: exact).
        let took = t0.elapsed().as_secs_f64();
        assert!((1.9..=2.1).contains(&took), "{took}");
    }

    #[tokio::test(start_paused = true)]
    async fn throttles_halve_and_successes_recover() {
        let rl = RateLimiter::new(8.0);
        rl.on_throttle();
        assert_eq!(rl.current_rate(), 4.0);
        for _ in 0..10 {
            rl.on_throttle();
        }
        assert_eq!(rl.current_rate(), 0.5);
        for _ in 0..100 {
            rl.on_success();
        }
        assert_eq!(rl.current_rate(), 8.0);
    }

    #[tokio::test(start_paused = true)]
    async fn shared_between_clones() {
        let rl = RateLimiter::new(2.0);
        let t0 = Instant::now();
        let a = rl.clone();
        let b = rl.clone();
        let h1 = tokio::spawn(async move {
            for _ in 0..4 {
                a.acquire().await
            }
        });
        let h2 = tokio::spawn(async move {
            for _ in 0..4 {
                b.acquire().await
            }
        });
        h1.await.unwrap();
        h2.await.unwrap();
        // 8 calls at 2/s with a burst of 2: 3 s.
        let took = t0.elapsed().as_secs_f64();
        assert!((2.9..=3.1).contains(&took), "{took}");
    }
}
