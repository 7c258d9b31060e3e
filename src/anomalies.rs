//! What a misbehaving service or hostile data did to one log group, counted so it can be
//! said once instead of per event (#16): text that could not be decoded (shown with
//! U+FFFD), the same event sent twice (printed once), events sent out of time order
//! (printed late, never dropped), a page token the service had already given (a cycle).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::error::warn;

/// The kinds, each with its counter and whether it has been reported.
const KINDS: usize = 3;
pub const REPAIRED: usize = 0;
pub const DUPLICATES: usize = 1;
pub const OUT_OF_ORDER: usize = 2;

/// One group's counters, shared by every paging loop (slice) of the group.
#[derive(Debug, Default)]
pub struct Anomalies {
    counts: [AtomicU64; KINDS],
    reported: [AtomicBool; KINDS],
}

impl Anomalies {
    pub fn add(&self, kind: usize, n: usize) {
        if n > 0 {
            self.counts[kind].fetch_add(n as u64, Ordering::Relaxed);
        }
    }

    pub fn count(&self, kind: usize) -> u64 {
        self.counts[kind].load(Ordering::Relaxed)
    }

    /// One warning per kind seen and not yet reported, with the count so far. Called when
    /// a group has been read (`get`, `trace`: the whole count) and after each poll of
    /// follow mode (the first time only).
    pub fn report(&self, group: &str) {
        for kind in 0..KINDS {
            let n = self.count(kind);
            if n == 0 || self.reported[kind].swap(true, Ordering::Relaxed) {
                continue;
            }
            let s = if n == 1 { "" } else { "s" };
            warn(match kind {
                REPAIRED => format!(
                    "log group {group}: {n} event{s} had text that could not be decoded \
                     (a lone UTF-16 surrogate, a bad escape or invalid UTF-8); shown with U+FFFD"
                ),
                DUPLICATES => format!(
                    "log group {group}: CloudWatch sent {n} event{s} a second time; each was printed once"
                ),
                _ => format!(
                    "log group {group}: CloudWatch sent {n} event{s} out of time order (a page went \
                     back in time); they were printed as they came, out of order"
                ),
            });
        }
    }
}
