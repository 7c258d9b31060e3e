//! A streaming k-way merge of per-group event streams into one global time order.
//!
//! Each source (one log group) yields pages of events sorted by [`Event::sort_key`]
//! (FilterLogEvents sorts within a page; `fetch/` sorts each page again, since the
//! emulator does not). The merge keeps exactly one event per live source — the source's
//! current head — and prints the smallest (found by a scan of the heads: an API has a few
//! tens of groups at most, and a scan moves no events). It only waits on a source when that
//! source's buffered page is used up, so the first lines appear as soon as every source
//! has delivered its first page, and memory is bounded by the pages in flight.
//!
//! Ties are broken by ingestion time, event id and group index, so the output is
//! deterministic across runs. This module is synchronous: it runs on a blocking thread and
//! never touches the network; closing the receivers (dropping the merger) is how the
//! fetch tasks learn that the reader went away.
//!
//! Layer `merge`: may import `core` only.

use crate::core::model::Event;

/// Something that yields pages of sorted events; `None` when the source is finished.
pub trait PageSource {
    /// `idle` is called before blocking, so the printer can flush what it has.
    fn next_page(&mut self, idle: &mut dyn FnMut()) -> Option<Vec<Event>>;
}

/// A fetch channel as a page source.
impl PageSource for tokio::sync::mpsc::Receiver<Vec<Event>> {
    fn next_page(&mut self, idle: &mut dyn FnMut()) -> Option<Vec<Event>> {
        use tokio::sync::mpsc::error::TryRecvError;
        match self.try_recv() {
            Ok(p) => Some(p),
            Err(TryRecvError::Disconnected) => None,
            Err(TryRecvError::Empty) => {
                idle();
                self.blocking_recv()
            }
        }
    }
}

/// Pages from memory (tests, and sources that are already complete).
impl PageSource for std::vec::IntoIter<Vec<Event>> {
    fn next_page(&mut self, _idle: &mut dyn FnMut()) -> Option<Vec<Event>> {
        self.next()
    }
}

pub struct Merger<S: PageSource> {
    sources: Vec<S>,
    /// Each source's current head (None: finished, or not started).
    heads: Vec<Option<Event>>,
    /// The rest of each source's current page.
    pages: Vec<std::vec::IntoIter<Event>>,
    started: bool,
}

impl<S: PageSource> Merger<S> {
    pub fn new(sources: Vec<S>) -> Merger<S> {
        let n = sources.len();
        Merger {
            sources,
            heads: (0..n).map(|_| None).collect(),
            pages: (0..n).map(|_| Vec::new().into_iter()).collect(),
            started: false,
        }
    }

    /// Make the next event of `source` its head, waiting for a page if needed.
    fn refill(&mut self, source: usize, idle: &mut dyn FnMut()) {
        loop {
            if let Some(event) = self.pages[source].next() {
                self.heads[source] = Some(event);
                return;
            }
            match self.sources[source].next_page(idle) {
                Some(page) => self.pages[source] = page.into_iter(),
                None => return,
            }
        }
    }

    /// The next event in global order, or `None` when every source is finished.
    pub fn next_event(&mut self, idle: &mut dyn FnMut()) -> Option<Event> {
        if !self.started {
            self.started = true;
            for s in 0..self.sources.len() {
                self.refill(s, idle);
            }
        }
        // The smallest head, by a scan: cheaper than a heap for the few tens of groups
        // an API has (no moves of whole events, two integers compared first).
        let mut best: Option<(usize, &Event)> = None;
        for (s, head) in self.heads.iter().enumerate() {
            if let Some(e) = head {
                let better = match best {
                    None => true,
                    Some((_, b)) => {
                        (e.timestamp, e.ingestion_time) < (b.timestamp, b.ingestion_time)
                            || ((e.timestamp, e.ingestion_time) == (b.timestamp, b.ingestion_time)
                                && e.sort_key() < b.sort_key())
                    }
                };
                if better {
                    best = Some((s, e));
                }
            }
        }
        let source = best?.0;
        let event = self.heads[source].take();
        self.refill(source, idle);
        event
    }
}

impl<S: PageSource> Iterator for Merger<S> {
    type Item = Event;
    fn next(&mut self) -> Option<Event> {
        self.next_event(&mut || {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(ts: i64, id: &str, group: usize) -> Event {
        Event {
            ingestion_time: ts + 5,
            ..Event::test(group, ts, id, &format!("{group}:{id}"))
        }
    }

    /// xorshift, so the property test is deterministic.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn merges_pages_from_many_sources_into_the_sorted_permutation() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for round in 0..200 {
            let k = 1 + (rng.next() % 6) as usize;
            let mut all = Vec::new();
            let mut sources = Vec::new();
            for g in 0..k {
                let n = (rng.next() % 40) as usize;
                let mut evs: Vec<Event> = (0..n)
                    .map(|i| ev((rng.next() % 50) as i64, &format!("{}", 1000 + i), g))
                    .collect();
                evs.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                all.extend(evs.iter().cloned());
                // Split into pages of random sizes, including empty pages.
                let mut pages = Vec::new();
                let mut rest = evs.as_slice();
                while !rest.is_empty() {
                    let take = ((rng.next() % 7) as usize).min(rest.len());
                    pages.push(rest[..take].to_vec());
                    rest = &rest[take..];
                }
                sources.push(pages.into_iter());
            }
            let merged: Vec<Event> = Merger::new(sources).collect();
            all.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            assert_eq!(merged, all, "round {round}");
        }
    }

    #[test]
    fn ties_are_deterministic() {
        // Same millisecond in two groups: ingestion time, then event id, then group.
        let a = vec![vec![ev(10, "7", 0)]].into_iter();
        let b = vec![vec![ev(10, "7", 1), ev(10, "8", 1)]].into_iter();
        let got: Vec<String> = Merger::new(vec![a, b])
            .map(|e| e.message.to_string())
            .collect();
        assert_eq!(got, vec!["0:7", "1:7", "1:8"]);
    }

    #[test]
    fn numeric_ids_of_different_widths_order_numerically() {
        let a = vec![vec![ev(10, "9", 0), ev(10, "10", 0)]].into_iter();
        let got: Vec<String> = Merger::new(vec![a])
            .map(|e| e.event_id.to_string())
            .collect();
        assert_eq!(got, vec!["9", "10"]);
    }

    #[test]
    fn empty_and_no_sources() {
        let none: Vec<std::vec::IntoIter<Vec<Event>>> = vec![];
        assert_eq!(Merger::new(none).count(), 0);
        let empty = vec![Vec::<Event>::new(), vec![]].into_iter();
        assert_eq!(Merger::new(vec![empty]).count(), 0);
    }

    #[test]
    fn idle_is_called_before_blocking_on_a_channel() {
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            tx.blocking_send(vec![ev(1, "1", 0)]).unwrap();
        });
        let mut m = Merger::new(vec![rx]);
        let mut idles = 0;
        let e = m.next_event(&mut || idles += 1).unwrap();
        assert_eq!(e.timestamp, 1);
        assert!(m.next_event(&mut || idles += 1).is_none());
        assert!(idles >= 1);
        t.join().unwrap();
    }
}
