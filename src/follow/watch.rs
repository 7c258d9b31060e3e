//! Follow mode (`get --watch`): after the initial window, poll every group from a
//! per-group watermark, print new events once, in time order across groups.
//!
//! - Each group has a task that polls `[from, now]` every `--watch-interval`, paging to the
//!   end through the same rate limiter, semaphore and retries as `get` (`fetch::filter::GroupTask`).
//!   After a poll that ended at `now`, the next one starts at `now − OVERLAP`: events are
//!   often ingested seconds after their timestamp, and the overlap catches them.
//! - De-duplication is by event id, per group, remembering only ids with a timestamp in the
//!   overlap (older ones can never come back), so memory is bounded by the overlap, not by
//!   the length of the run.
//! - Ordering: each completed poll sends a watermark ("this group has everything up to
//!   T"). The printer holds events until every live group's watermark has passed them,
//!   less `--watch-lag` for late ingestion, then prints them in (timestamp, ingestion
//!   time, event id, group) order. An idle group still sends watermarks, so it never holds
//!   its partners back; a failing or not-yet-existing group is left out of the minimum
//!   (reported once, retried with backoff, picked up when it appears) instead of stalling
//!   everyone. An event that arrives later than the lag (rare) is printed when it arrives:
//!   late, but not lost and not repeated.
//! - Resolution happened once, before; nothing here calls API Gateway or Lambda.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};

use crate::aws::Aws;
use crate::aws::ratelimit::RateLimiter;
use crate::config::WatchSpec;
use crate::core::model::FetchStats;
use crate::core::model::{Event, LogGroup};
use crate::fetch::filter::GroupTask;
use crate::fetch::{self, CallError, FetchSpec};
use crate::ui::error::{note, warn};

/// How far back each poll reaches before the previous poll's end (late ingestion).
pub const OVERLAP_MS: i64 = 10_000;
/// How often a group that does not exist yet is looked for: every ten polls, between
/// 1 s and 15 s (a Lambda's group appears with its first invocation).
fn absent_retry(interval: Duration) -> Duration {
    (interval * 10).clamp(Duration::from_secs(1), Duration::from_secs(15))
}

/// What a group's task tells the printer.
#[derive(Debug)]
pub enum Msg {
    Events(Vec<Event>),
    /// Group `g` has every event with a timestamp ≤ `upto` (ingested by then).
    Mark {
        group: usize,
        upto: i64,
    },
    /// Group `g` is failing or absent: leave it out of the ordering minimum.
    Down {
        group: usize,
    },
}

/// Per group: the event ids already printed with a timestamp ≥ `from` (from the initial window).
pub type Seen = Vec<HashMap<String, i64>>;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Where follow mode starts: `from` (the end of the initial window less the overlap) and
/// the ids printed since then, per group.
pub struct Resume {
    pub from: i64,
    pub seen: Seen,
}

/// Start following every group: one polling task per group, or under `--live` Live Tail
/// sessions for the groups that exist (`live.rs`) and polling for the others. The pollers
/// share a semaphore and a rate limiter per region.
pub fn start(
    aws: &Aws,
    groups: &[LogGroup],
    absent: &[bool],
    spec: &FetchSpec,
    watch: WatchSpec,
    resume: Resume,
    stats: Arc<FetchStats>,
) -> mpsc::Receiver<Msg> {
    let (tx, rx) = mpsc::channel(64);
    let Resume { from, seen } = resume;
    let sem = Arc::new(Semaphore::new(spec.concurrency.max(1)));
    let mut limiters: HashMap<String, RateLimiter> = HashMap::new();
    let mut pollers = Vec::new();
    for ((idx, g), seen) in groups.iter().enumerate().zip(seen) {
        let limiter = limiters
            .entry(g.region.clone())
            .or_insert_with(|| {
                RateLimiter::new(
                    spec.max_tps
                        .unwrap_or_else(|| fetch::default_tps(&g.region)),
                )
            })
            .clone();
        let task = GroupTask::new(
            aws.logs(&g.region),
            g,
            idx,
            spec.clone(),
            sem.clone(),
            limiter,
            stats.clone(),
        );
        pollers.push(Poller {
            task,
            idx,
            from,
            seen,
            watch,
            absent: absent.get(idx).copied().unwrap_or(false),
            printed: None,
        });
    }
    if watch.live {
        crate::follow::live::start(aws, groups, pollers, spec.filter_pattern.clone(), tx);
    } else {
        for p in pollers {
            tokio::spawn(p.run(tx.clone()));
        }
    }
    rx
}

pub(crate) struct Poller {
    task: GroupTask,
    pub(crate) idx: usize,
    /// The start of the next poll.
    pub(crate) from: i64,
    seen: HashMap<String, i64>,
    watch: WatchSpec,
    pub(crate) absent: bool,
    /// After Live Tail gave way to polling: what the sessions printed, so that a poll
    /// over the same seconds does not print it again (Live Tail events carry no id).
    pub(crate) printed: Option<crate::follow::live::Printed>,
}

pub(crate) enum PollError {
    Missing,
    Other(String),
}

impl Poller {
    /// The group's name, for messages.
    pub(crate) fn group(&self) -> &str {
        &self.task.group
    }

    pub(crate) async fn run(mut self, tx: mpsc::Sender<Msg>) {
        let mut failures = 0u32;
        let mut reported_missing = self.absent;
        if self.absent {
            let _ = tx.send(Msg::Down { group: self.idx }).await;
        }
        loop {
            if tx.is_closed() {
                return;
            }
            let upto = now_ms();
            match self.poll(upto).await {
                Ok(events) => {
                    if failures > 0 || reported_missing {
                        note(format!("log group {}: reading it again", self.task.group));
                        failures = 0;
                        reported_missing = false;
                    }
                    self.task.anomalies.report(&self.task.group);
                    if !events.is_empty() && tx.send(Msg::Events(events)).await.is_err() {
                        return;
                    }
                    if tx
                        .send(Msg::Mark {
                            group: self.idx,
                            upto,
                        })
                        .await
                        .is_err()
                    {
                        return;
                    }
                    self.from = self.from.max(upto - OVERLAP_MS);
                    let from = self.from;
                    self.seen.retain(|_, ts| *ts >= from);
                    if let Some(p) = &mut self.printed {
                        p.prune(from, now_ms());
                    }
                    tokio::time::sleep(self.watch.interval).await;
                }
                Err(PollError::Missing) => {
                    if !reported_missing {
                        note(format!(
                            "log group {} does not exist yet; it is read as soon as it appears",
                            self.task.group
                        ));
                        reported_missing = true;
                    }
                    let _ = tx.send(Msg::Down { group: self.idx }).await;
                    tokio::time::sleep(absent_retry(self.watch.interval)).await;
                }
                Err(PollError::Other(msg)) => {
                    let wait = crate::aws::retry::backoff(
                        failures.min(6),
                        Duration::from_secs(2),
                        Duration::from_secs(60),
                    );
                    if failures == 0 {
                        warn(format!(
                            "log group {}: {msg}; retrying with backoff (reported once)",
                            self.task.group
                        ));
                    }
                    failures += 1;
                    let _ = tx.send(Msg::Down { group: self.idx }).await;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Every new event of `[from, upto]`, sorted, each id once. Nothing is remembered
    /// (ids as seen, events as printed) until every page of the poll has been read: a poll
    /// that fails part-way is retried from its own start and loses nothing.
    pub(crate) async fn poll(&mut self, upto: i64) -> Result<Vec<Event>, PollError> {
        let mut token: Option<String> = None;
        let mut out = Vec::new();
        let keep_from = upto - OVERLAP_MS;
        let mut repaired = 0;
        // A token given before (A→A, A→B→A) is not followed: the poll reads on from its
        // newest event instead (a new query), and fails if that makes no progress.
        let mut guard = crate::aws::paging::PageGuard::default();
        let (mut start, mut newest, mut restarts) = (self.from, i64::MIN, 0);
        for _ in 0..10_000 {
            let page = match self.task.page(start, upto, token.clone()).await {
                Ok(p) => p,
                Err(CallError::Missing) => return Err(PollError::Missing),
                Err(e) => return Err(PollError::Other(e.text())),
            };
            let before = out.len();
            newest = page
                .events
                .iter()
                .map(|e| e.timestamp)
                .fold(newest, i64::max);
            out.extend(
                page.events
                    .into_iter()
                    .filter(|e| !self.seen.contains_key(&*e.event_id)),
            );
            if page.repaired > 0 {
                // The new ones among the page's repaired events (those seen were counted).
                let new = out[before..]
                    .iter()
                    .filter(|e| e.message.contains('\u{FFFD}'))
                    .count();
                repaired += new.min(page.repaired);
            }
            match page.next_token {
                None => break,
                Some(t) if guard.fresh(&t) => token = Some(t),
                Some(_) => {
                    restarts = if newest > start { 0 } else { restarts + 1 };
                    if restarts >= 5 {
                        return Err(PollError::Other(
                            "CloudWatch's page tokens go round in a cycle".into(),
                        ));
                    }
                    self.task.anomalies.add(crate::fetch::anomalies::CYCLES, 1);
                    start = start.max(newest);
                    token = None;
                    guard = Default::default();
                }
            }
        }
        out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        // The same event on two pages of this poll: adjacent once sorted.
        out.dedup_by(|b, a| a.timestamp == b.timestamp && a.event_id == b.event_id);
        // The poll succeeded: only now are its events seen and counted as printed.
        self.task
            .anomalies
            .add(crate::fetch::anomalies::REPAIRED, repaired);
        for e in &out {
            if e.timestamp >= keep_from {
                self.seen.insert(e.event_id.to_string(), e.timestamp);
            }
        }
        if let Some(p) = &mut self.printed {
            out.retain(|e| p.admit(e, false));
        }
        Ok(out)
    }
}

/// Orders what the pollers send: holds events until every live group's watermark (less
/// the lag) has passed them.
pub struct Orderer {
    pending: BinaryHeap<Reverse<Keyed>>,
    marks: Vec<Option<i64>>,
    lag_ms: i64,
}

#[derive(Debug, PartialEq, Eq)]
struct Keyed(Event);

impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Keyed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.sort_key().cmp(&other.0.sort_key())
    }
}

impl Orderer {
    /// `groups` groups, all live; a group is held back until its first watermark.
    pub fn new(groups: usize, lag_ms: i64) -> Orderer {
        Orderer {
            pending: BinaryHeap::new(),
            marks: vec![Some(i64::MIN); groups],
            lag_ms,
        }
    }

    /// Take one message; return the events that may be printed now, in order.
    pub fn take(&mut self, msg: Msg) -> Vec<Event> {
        match msg {
            Msg::Events(evs) => self
                .pending
                .extend(evs.into_iter().map(|e| Reverse(Keyed(e)))),
            Msg::Mark { group, upto } => {
                if let Some(m) = self.marks.get_mut(group) {
                    *m = Some(m.map_or(upto, |old| old.max(upto)));
                }
            }
            Msg::Down { group } => {
                if let Some(m) = self.marks.get_mut(group) {
                    *m = None;
                }
            }
        }
        let frontier = match self.marks.iter().flatten().min() {
            Some(&m) if m == i64::MIN => return Vec::new(),
            Some(&m) => m - self.lag_ms,
            // Every group is down: nothing holds the pending events back.
            None => i64::MAX,
        };
        let mut out = Vec::new();
        while let Some(Reverse(Keyed(e))) = self.pending.peek() {
            if e.timestamp > frontier {
                break;
            }
            let Some(Reverse(Keyed(e))) = self.pending.pop() else {
                break;
            };
            out.push(e);
        }
        out
    }
}

/// Ids printed by the initial window that a first poll from `from` could return again.
pub fn collect_seen(groups: usize, printed: &[(usize, String, i64)], from: i64) -> Seen {
    let mut seen: Seen = (0..groups).map(|_| HashMap::new()).collect();
    for (g, id, ts) in printed {
        if *ts >= from
            && let Some(m) = seen.get_mut(*g)
        {
            m.insert(id.clone(), *ts);
        }
    }
    seen
}

/// For tests of the ordering: how many distinct ids came out.
#[cfg(test)]
fn ids(evs: &[Event]) -> std::collections::HashSet<(usize, String)> {
    evs.iter()
        .map(|e| (e.group, e.event_id.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(group: usize, ts: i64, id: &str) -> Event {
        Event::test(group, ts, id, id)
    }

    #[test]
    fn holds_events_until_every_live_group_has_passed_them() {
        let mut o = Orderer::new(2, 0);
        assert!(
            o.take(Msg::Events(vec![ev(0, 10, "a"), ev(0, 30, "b")]))
                .is_empty()
        );
        // Group 0 is at 40 but group 1 has not polled yet: nothing.
        assert!(o.take(Msg::Mark { group: 0, upto: 40 }).is_empty());
        // Group 1 (idle) reaches 20: events up to 20 go out.
        let out = o.take(Msg::Mark { group: 1, upto: 20 });
        assert_eq!(
            out.iter().map(|e| e.timestamp).collect::<Vec<_>>(),
            vec![10]
        );
        // A slower group's older event still comes out in order.
        assert!(o.take(Msg::Events(vec![ev(1, 25, "c")])).is_empty());
        let out = o.take(Msg::Mark { group: 1, upto: 50 });
        assert_eq!(
            out.iter().map(|e| &*e.event_id).collect::<Vec<_>>(),
            vec!["c", "b"]
        );
    }

    #[test]
    fn lag_and_down_groups() {
        let mut o = Orderer::new(2, 5);
        o.take(Msg::Events(vec![ev(0, 10, "a"), ev(0, 15, "b")]));
        o.take(Msg::Mark { group: 0, upto: 20 });
        let out = o.take(Msg::Mark { group: 1, upto: 19 });
        assert_eq!(out.len(), 1, "15 > 19 - 5 is held");
        // A failing group stops holding the others back.
        let out = o.take(Msg::Down { group: 1 });
        assert_eq!(out.len(), 1);
        assert_eq!(ids(&out).len(), 1);
    }

    #[test]
    fn seen_keeps_only_the_overlap() {
        let printed = vec![
            (0, "a".to_string(), 5),
            (0, "b".to_string(), 15),
            (1, "c".to_string(), 20),
        ];
        let seen = collect_seen(2, &printed, 10);
        assert_eq!(seen[0].len(), 1);
        assert!(seen[0].contains_key("b") && seen[1].contains_key("c"));
    }
}
