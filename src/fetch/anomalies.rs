//! What a misbehaving service or hostile data did to one log group, counted so it can be
//! said once instead of per event (#16): text that could not be decoded (shown with
//! U+FFFD), the same event sent twice (printed once), events sent out of time order
//! (printed late, never dropped), a page token the service had already given (a cycle).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::ui::error::{note, warn};

/// The kinds, each with its counter and whether it has been reported.
const KINDS: usize = 4;
pub const REPAIRED: usize = 0;
pub const DUPLICATES: usize = 1;
pub const OUT_OF_ORDER: usize = 2;
/// Page tokens handed back (a cycle), each overcome by reading on from the newest event.
pub const CYCLES: usize = 3;

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
            if kind == CYCLES {
                note(format!(
                    "log group {group}: CloudWatch handed back a page token it had already given \
                     (a cycle) {n} time{s}; read on from the newest event each time"
                ));
                continue;
            }
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

/// Events of a paging chain remembered to recognise one sent again: the last [`RECENT`]
/// (about one full page).
const RECENT: usize = 10_000;

/// What a paging chain sent lately, as (timestamp, hash of the event id), to drop what a
/// misbehaving service sends again on a later page. On the normal path (each page newer
/// than the last) this costs a hash and a push per event, never an allocation once the
/// ring is full; it is only searched when a page goes back in time.
#[derive(Debug, Default)]
pub struct Recent {
    ring: std::collections::VecDeque<(i64, u64)>,
}

/// A hash of an event id (56 digits on AWS): word by word, multiply and rotate.
fn id_hash(id: &str) -> u64 {
    let mut h = 0x9E37_79B9_7F4A_7C15u64 ^ id.len() as u64;
    for chunk in id.as_bytes().chunks(8) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(w))
            .wrapping_mul(0xFF51_AFD7_ED55_8CCD)
            .rotate_left(31);
    }
    h ^ (h >> 29)
}

impl Recent {
    /// Screen a sorted page of the chain, `newest` being the newest timestamp the chain
    /// sent before it: drop the events it repeats (the same id twice in the page, or an
    /// event older than `newest` that was sent already) and remember the rest. Returns
    /// (events dropped, events older than `newest` kept: new, but out of order).
    pub fn screen(
        &mut self,
        events: &mut Vec<crate::core::model::Event>,
        newest: i64,
    ) -> (usize, usize) {
        let n = events.len();
        let mut late = 0;
        if events.first().is_some_and(|e| e.timestamp < newest) {
            // The page went back in time: what was sent already goes, the rest is late.
            let sent: std::collections::HashSet<(i64, u64)> = self.ring.iter().copied().collect();
            events.retain(|e| {
                if e.timestamp >= newest {
                    return true;
                }
                let again = sent.contains(&(e.timestamp, id_hash(&e.event_id)));
                late += usize::from(!again);
                !again
            });
        }
        // The same event twice in one page: adjacent once sorted.
        events.dedup_by(|a, b| a.timestamp == b.timestamp && a.event_id == b.event_id);
        let skip = events.len().saturating_sub(RECENT);
        for e in &events[skip..] {
            if self.ring.len() == RECENT {
                self.ring.pop_front();
            }
            self.ring.push_back((e.timestamp, id_hash(&e.event_id)));
        }
        (n - events.len(), late)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::Event;

    fn ev(ts: i64, id: &str) -> Event {
        Event::test(0, ts, id, id)
    }

    fn ids(evs: &[Event]) -> Vec<&str> {
        evs.iter().map(|e| &*e.event_id).collect()
    }

    #[test]
    fn pages_that_repeat_or_go_back_in_time() {
        let mut r = Recent::default();
        let mut p1 = vec![ev(1, "a"), ev(2, "b"), ev(3, "c")];
        assert_eq!(r.screen(&mut p1, i64::MIN), (0, 0));
        assert_eq!(ids(&p1), ["a", "b", "c"]);
        // The next page starts with the last two of the previous one again.
        let mut p2 = vec![ev(2, "b"), ev(3, "c"), ev(4, "d")];
        assert_eq!(
            r.screen(&mut p2, 3),
            (1, 0),
            "c is at the newest ms: left to fetch/"
        );
        assert_eq!(ids(&p2), ["c", "d"]);
        // A page going back in time with an event never sent: kept, counted late; the
        // same event twice in a page: once.
        let mut p3 = vec![ev(1, "a"), ev(2, "x"), ev(5, "e"), ev(5, "e")];
        assert_eq!(r.screen(&mut p3, 4), (2, 1));
        assert_eq!(ids(&p3), ["x", "e"]);
        // Remembered are ids with their timestamp: the same id at another time is another event.
        let mut p4 = vec![ev(2, "a")];
        assert_eq!(r.screen(&mut p4, 5), (0, 1));
    }

    #[test]
    fn the_ring_is_bounded() {
        let mut r = Recent::default();
        let mut page: Vec<Event> = (0..RECENT as i64 + 500)
            .map(|i| ev(i, &format!("{i:056}")))
            .collect();
        r.screen(&mut page, i64::MIN);
        assert_eq!(r.ring.len(), RECENT);
        // Distinct ids of one millisecond hash apart.
        let hashes: std::collections::HashSet<u64> = (0..100_000u64)
            .map(|i| id_hash(&format!("{:020}{:036}", 7, i)))
            .collect();
        assert_eq!(hashes.len(), 100_000);
    }
}
