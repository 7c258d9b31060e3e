//! One group's FilterLogEvents loop ([`GroupTask`]): paging, retries under the throttle
//! budget, de-duplication and ordering, and the slicing of a busy group's window (see the
//! layer's notes in `fetch/mod.rs`).

use crate::aws::ratelimit::RateLimiter;
use crate::aws::retry::backoff;
use crate::core::model::{Event, FetchStats, LogGroup, Text};
use crate::ui::error::{AwsFault, classify};
use aws_sdk_cloudwatchlogs::Client;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::page::Page;
use tokio::sync::{Semaphore, mpsc, watch};

/// Pages through one group; also used by follow mode (`watch.rs`) for its polls.
#[derive(Clone)]
pub struct GroupTask {
    pub(super) client: Client,
    pub group: String,
    /// The group's ARN when it is in another account (`logGroupIdentifier`).
    pub(super) arn: Option<String>,
    pub(super) idx: usize,
    pub(super) spec: FetchSpec,
    pub(super) sem: Arc<Semaphore>,
    pub(super) limiter: RateLimiter,
    pub(super) stats: Arc<FetchStats>,
    /// What the service or the data did wrong, said once (`anomalies.rs`).
    pub anomalies: Arc<crate::fetch::anomalies::Anomalies>,
}

/// Expected further pages (at the first page's density) from which a window is sliced.
const SLICE_MIN_PAGES: i64 = 3;

/// Slices of one group's window at most.
const MAX_SLICES: usize = 64;

/// Pages per slice, at the first page's density.
const SLICE_PAGES: i64 = 2;

/// Slices paged or waiting ahead of the one being passed on, at most (each holds up to
/// about [`SLICE_PAGES`] pages: this bounds a sliced group's read-ahead memory).
const SLICE_AHEAD: usize = 4;

/// A first page faster than this does not make a group sliced.
const SLICE_MIN_LATENCY: Duration = Duration::from_millis(40);
use super::{
    CallError, FetchSpec, Gate, PAGE_LIMIT, READ_AHEAD_UNIT, TRANSIENT_ATTEMPTS, stream_wanted,
};

/// One paging chain over `[start, end]` and what it needs to de-duplicate.
struct Chain {
    start: i64,
    end: i64,
    token: Option<String>,
    /// Event ids at the newest timestamp sent so far: enough to de-duplicate a restart
    /// from that timestamp, and bounded by the events of one millisecond.
    newest_ts: i64,
    newest_ids: HashSet<Text>,
    prev_page: HashSet<Text>,
    /// The service's latency on the chain's first answer (see [`Page::latency`]).
    latency: Option<Duration>,
    repeated: u32,
    restarts: u32,
    /// What the chain sent lately, for pages that repeat events or go back in time.
    recent: crate::fetch::anomalies::Recent,
    /// The tokens of this chain's query, for cycles (A→B→A).
    guard: crate::aws::paging::PageGuard,
}

impl Chain {
    fn new(start: i64, end: i64) -> Chain {
        Chain {
            start,
            end,
            token: None,
            newest_ts: i64::MIN,
            newest_ids: HashSet::new(),
            latency: None,
            prev_page: HashSet::new(),
            repeated: 0,
            restarts: 0,
            recent: Default::default(),
            guard: Default::default(),
        }
    }

    /// Drop the token and start again from the newest timestamp sent.
    fn restart(&mut self) {
        self.restarts += 1;
        self.repeated = 0;
        self.token = None;
        self.guard = Default::default();
        if self.newest_ts != i64::MIN {
            self.start = self.newest_ts;
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Step {
    More,
    Done,
    Closed,
}

impl GroupTask {
    /// Page through the group. `Err` is the one-line reason the group failed.
    pub(super) async fn run(self, tx: mpsc::Sender<Vec<Event>>) -> Result<(), String> {
        let w = self.spec.window;
        let mut chain = Chain::new(w.start_ms, w.end_ms);
        // The first page shows how dense the group is: a long chain of dependent pages is
        // split into slices of the window fetched in parallel — when the service is slow
        // enough to answer for that to pay (on a fast endpoint the slices would only buffer
        // pages). What counts is the time to the answer's headers, not the whole call: a
        // big page that takes long to arrive and parse does not make slices pay.
        let t0 = tokio::time::Instant::now();
        if self.step(&mut chain, &tx, None).await? != Step::More {
            return Ok(());
        }
        if chain.latency.unwrap_or_else(|| t0.elapsed()) >= SLICE_MIN_LATENCY
            && let Some(bounds) = self.slices(&chain)
        {
            return self.run_sliced(chain, bounds, tx).await;
        }
        while self.step(&mut chain, &tx, None).await? == Step::More {}
        Ok(())
    }

    /// Where to cut the rest of the window, if the first page says the chain would be long:
    /// at least [`SLICE_MIN_PAGES`] more pages expected at the first page's density.
    fn slices(&self, chain: &Chain) -> Option<Vec<i64>> {
        if chain.token.is_none() || chain.newest_ts == i64::MIN {
            return None;
        }
        // `--concurrency 1` means one call at a time: nothing to gain from slices.
        if self.spec.concurrency < 2 {
            return None;
        }
        let covered = (chain.newest_ts - chain.start + 1).max(1);
        let rest = chain.end - chain.newest_ts;
        let pages = rest / covered;
        if pages < SLICE_MIN_PAGES {
            return None;
        }
        // Slices of about SLICE_PAGES pages each at the first page's density.
        let k = (pages / SLICE_PAGES + 1).clamp(2, MAX_SLICES as i64);
        let from = chain.newest_ts;
        let width = (chain.end - from + 1) / k;
        if width < 1 {
            return None;
        }
        Some((1..k).map(|i| from + i * width).collect())
    }

    /// The rest of the window in slices. The first continues this chain (restarting from
    /// its newest timestamp, de-duplicated); each slice is paged to its end by its own task,
    /// at most `--concurrency` (≤ [`SLICE_AHEAD`]) at a time. The slice being passed on
    /// streams its pages straight through; the pages of the slices ahead of it are held
    /// until their turn, and count against the run's read-ahead budget
    /// ([`READ_AHEAD_BYTES`], shared by all groups): a slice ahead that finds it spent
    /// waits — so memory stays bounded whatever the number of groups, while enough calls
    /// are in flight to use the quota.
    async fn run_sliced(
        self,
        mut chain: Chain,
        bounds: Vec<i64>,
        tx: mpsc::Sender<Vec<Event>>,
    ) -> Result<(), String> {
        self.stats
            .slices
            .fetch_add(bounds.len() as u64, Ordering::Relaxed);
        let end = chain.end;
        chain.token = None;
        chain.start = chain.newest_ts;
        chain.end = bounds[0] - 1;
        let mut chains = std::collections::VecDeque::with_capacity(bounds.len() + 1);
        chains.push_back(chain);
        for (n, &from) in bounds.iter().enumerate() {
            chains.push_back(Chain::new(
                from,
                bounds.get(n + 1).map_or(end, |next| next - 1),
            ));
        }
        let ahead = self.spec.concurrency.clamp(1, SLICE_AHEAD);
        let mut running = std::collections::VecDeque::new();
        let (head_tx, head_rx) = watch::channel(0usize);
        let mut spawned = 0usize;
        let mut passing = 0usize;
        loop {
            while running.len() < ahead
                && let Some(mut c) = chains.pop_front()
            {
                // Big enough that a slice never waits on its own buffer: the read-ahead
                // budget, not the channel, holds it back.
                let (stx, srx) = mpsc::channel(1024);
                let task = self.clone();
                let held = Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
                let passed = Arc::new(tokio::sync::Notify::new());
                let mut gate = Gate {
                    budget: self.spec.read_ahead.clone(),
                    head: head_rx.clone(),
                    me: spawned,
                    held: held.clone(),
                    passed: passed.clone(),
                    estimate: (1 << 20) / READ_AHEAD_UNIT as u32,
                };
                spawned += 1;
                running.push_back((
                    srx,
                    held,
                    passed,
                    tokio::spawn(async move {
                        while task.step(&mut c, &stx, Some(&mut gate)).await? == Step::More {}
                        Ok::<(), String>(())
                    }),
                ));
            }
            let Some((mut srx, held, passed, handle)) = running.pop_front() else {
                return Ok(());
            };
            head_tx.send_replace(passing);
            passing += 1;
            // Pass this slice's pages on as they come; each frees its share of the budget.
            loop {
                let Ok(slot) = tx.reserve().await else {
                    return Ok(()); // the reader has gone; dropping the slices stops them
                };
                let Some(page) = srx.recv().await else { break };
                slot.send(page);
                drop(held.lock().unwrap_or_else(|e| e.into_inner()).pop_front());
                passed.notify_one();
            }
            match handle.await {
                Ok(r) => r?,
                Err(e) => return Err(format!("a slice of the window failed: {e}")),
            }
        }
    }

    /// One page of a chain: fetch, de-duplicate, send, move the token on.
    async fn step(
        &self,
        chain: &mut Chain,
        tx: &mpsc::Sender<Vec<Event>>,
        mut gate: Option<&mut Gate>,
    ) -> Result<Step, String> {
        // Room for the page before asking for it: a page is never fetched only to wait in
        // memory for the reader (per group: the page being merged, one in the channel, and
        // at most the one being fetched).
        let Ok(slot) = tx.reserve().await else {
            return Ok(Step::Closed); // the reader has gone
        };
        let ticket = match gate.as_deref_mut() {
            Some(g) => g.before().await,
            None => None,
        };
        // FilterLogEvents documents `endTime` as inclusive, but an event exactly at it can be
        // missing (aws/aws-cli#4262; aws-notes.md §7): ask up to one millisecond past the
        // chain's end — the next slice's start — and drop what lies past the end here, so
        // the boundary millisecond is read once, whichever way the service counts it.
        let page = match self
            .page(
                chain.start,
                chain.end.saturating_add(1),
                chain.token.clone(),
            )
            .await
        {
            Ok(p) => p,
            Err(CallError::BadToken(_)) if chain.token.is_some() && chain.restarts < 5 => {
                // Expired (24 h) or rejected token: restart from the newest timestamp.
                chain.restart();
                return Ok(Step::More);
            }
            Err(e) => return Err(e.text()),
        };
        chain.latency = chain.latency.or(page.latency);
        let mut events = page.events;
        events.retain(|e| e.timestamp <= chain.end);
        // Drop what was already sent: the newest millisecond (a restart begins there) and,
        // when the service handed back the token it was given (we will ask again), the page
        // it served (it may serve the same page again, any number of times: so remember the
        // page as served, not what was left of it). Nothing is cloned on the normal path.
        let reask = page.next_token.is_some() && page.next_token == chain.token;
        let served: Option<HashSet<Text>> = (reask && !events.is_empty())
            .then(|| events.iter().map(|e| e.event_id.clone()).collect());
        let mut repaired = page.repaired;
        if !chain.newest_ids.is_empty() || !chain.prev_page.is_empty() {
            events.retain(|e| {
                let again =
                    e.timestamp == chain.newest_ts && chain.newest_ids.contains(&e.event_id);
                let drop = again || chain.prev_page.contains(&e.event_id);
                if drop && repaired > 0 && e.message.contains('\u{FFFD}') {
                    repaired -= 1; // counted when it was first sent
                }
                !drop
            });
        }
        self.anomalies
            .add(crate::fetch::anomalies::REPAIRED, repaired);
        match served {
            Some(ids) => chain.prev_page = ids,
            None if !reask => chain.prev_page.clear(),
            None => {}
        }
        // The service sorts a page; check before sorting (a sort allocates a scratch buffer).
        if !events.is_sorted_by(|a, b| a.sort_key() <= b.sort_key()) {
            events.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        }
        // A misbehaving service: the same event twice, a page going back in time.
        let (again, late) = chain.recent.screen(&mut events, chain.newest_ts);
        self.anomalies
            .add(crate::fetch::anomalies::DUPLICATES, again);
        self.anomalies
            .add(crate::fetch::anomalies::OUT_OF_ORDER, late);
        // The ids at the newest timestamp: the tail of the sorted page.
        if let Some(last) = events.last().map(|e| e.timestamp) {
            if last > chain.newest_ts {
                chain.newest_ts = last;
                chain.newest_ids.clear();
            }
            if last == chain.newest_ts {
                for e in events.iter().rev().take_while(|e| e.timestamp == last) {
                    chain.newest_ids.insert(e.event_id.clone());
                }
            }
        }
        if !self.spec.stream_prefixes.is_empty() {
            events.retain(|e| stream_wanted(&self.spec.stream_prefixes, &e.stream));
        }
        self.stats.pages.fetch_add(1, Ordering::Relaxed);
        self.stats
            .events
            .fetch_add(events.len() as u64, Ordering::Relaxed);
        if !events.is_empty() {
            // Progress since the last restart: the restart budget is for restarts that go
            // nowhere, not for a long chain whose tokens keep expiring.
            chain.restarts = 0;
            if let Some(gate) = gate {
                gate.after(ticket, &events);
            }
            slot.send(events);
        }
        match page.next_token {
            None => Ok(Step::Done),
            Some(next) if chain.token.as_deref() == Some(next.as_str()) => {
                // The same token again (seen on AWS, aws-cli#3191): ask again a few
                // times, then restart from the newest timestamp, then give up loudly.
                chain.repeated += 1;
                if chain.repeated > 3 {
                    if chain.restarts >= 5 {
                        return Err(
                            "CloudWatch keeps returning the same page token; the output of this group may be incomplete"
                                .into(),
                        );
                    }
                    chain.restart();
                }
                Ok(Step::More)
            }
            Some(next) if !chain.guard.fresh(&next) => {
                // A token this query was given before (A→B→A): following it would read the
                // same pages forever. Read on from the newest timestamp (a new query),
                // then give up loudly if that goes nowhere.
                if chain.restarts >= 5 {
                    return Err(
                        "CloudWatch's page tokens go round in a cycle; the output of this group may be incomplete"
                            .into(),
                    );
                }
                self.anomalies.add(crate::fetch::anomalies::CYCLES, 1);
                chain.restart();
                Ok(Step::More)
            }
            Some(next) => {
                chain.repeated = 0;
                chain.token = Some(next);
                Ok(Step::More)
            }
        }
    }

    /// One page, with our retries.
    /// A task for group `idx` of a run (see [`start`] for how the shared parts are made).
    pub fn new(
        client: Client,
        group: &LogGroup,
        idx: usize,
        spec: FetchSpec,
        sem: Arc<Semaphore>,
        limiter: RateLimiter,
        stats: Arc<FetchStats>,
    ) -> GroupTask {
        GroupTask {
            client,
            group: group.name.clone(),
            arn: group.cross_account_arn(),
            idx,
            spec,
            sem,
            limiter,
            stats,
            anomalies: Default::default(),
        }
    }

    /// One page of `[start, end]`, with our retries.
    pub async fn page(
        &self,
        start: i64,
        end: i64,
        token: Option<String>,
    ) -> Result<Page, CallError> {
        let mut transient_failures = 0u32;
        // The throttle budget is wall time since the first throttle of this call (backoff
        // and waiting for the rate limiter alike).
        let mut throttled_since: Option<tokio::time::Instant> = None;
        let mut throttle_streak = 0u32;
        loop {
            let slot = crate::fetch::page::Slot::default();
            let out = {
                let _permit = self
                    .sem
                    .acquire()
                    .await
                    .map_err(|_| CallError::Fatal("cancelled".into()))?;
                self.limiter.acquire().await;
                self.stats.calls.fetch_add(1, Ordering::Relaxed);
                #[allow(deprecated)] // `interleaved`: ignored by AWS, but the emulator sorts by it
                let req = self
                    .client
                    .filter_log_events()
                    .set_log_group_name(self.arn.is_none().then(|| self.group.clone()))
                    .set_log_group_identifier(self.arn.clone())
                    .start_time(start)
                    .end_time(end)
                    .limit(PAGE_LIMIT)
                    .interleaved(true)
                    .set_filter_pattern(self.spec.filter_pattern.clone())
                    .set_log_stream_names(
                        (!self.spec.streams.is_empty()).then(|| self.spec.streams.clone()),
                    )
                    .set_log_stream_name_prefix(match self.spec.stream_prefixes.as_slice() {
                        [one] if self.spec.streams.is_empty() => Some(one.clone()),
                        _ => None,
                    })
                    .set_next_token(token.clone());
                req.customize()
                    .interceptor(crate::fetch::page::Capture {
                        slot: slot.clone(),
                        group: self.idx,
                        sent: std::time::Instant::now(),
                    })
                    .send()
                    .await
            };
            match out {
                Ok(o) => {
                    self.limiter.on_success();
                    // Parsed by `page.rs`; the SDK's own output only when that could not be.
                    let parsed = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
                    if let Some(p) = parsed {
                        return Ok(p);
                    }
                    let events = o
                        .events
                        .unwrap_or_default()
                        .into_iter()
                        .map(|e| Event {
                            timestamp: e.timestamp.unwrap_or(0),
                            ingestion_time: e.ingestion_time.unwrap_or(0),
                            event_id: e.event_id.unwrap_or_default().into(),
                            stream: e.log_stream_name.unwrap_or_default().into(),
                            message: e.message.unwrap_or_default().into(),
                            group: self.idx,
                        })
                        .collect();
                    return Ok(Page {
                        events,
                        next_token: o.next_token.filter(|t| !t.is_empty()),
                        latency: None,
                        repaired: 0,
                    });
                }
                Err(e) => match classify(&e) {
                    AwsFault::Throttled => {
                        self.stats.throttles.fetch_add(1, Ordering::Relaxed);
                        self.limiter.on_throttle();
                        let since = *throttled_since.get_or_insert_with(tokio::time::Instant::now);
                        if since.elapsed() >= self.spec.throttle_budget {
                            return Err(CallError::Fatal(format!(
                                "still throttled by CloudWatch Logs (Rate exceeded) after {} s of retries; \
                                 other tools may be using this account's FilterLogEvents quota, try a lower --max-tps",
                                self.spec.throttle_budget.as_secs()
                            )));
                        }
                        let wait = backoff(
                            throttle_streak,
                            Duration::from_millis(250),
                            Duration::from_secs(10),
                        );
                        throttle_streak += 1;
                        tokio::time::sleep(wait).await;
                    }
                    AwsFault::Transient(msg) => {
                        transient_failures += 1;
                        if transient_failures >= TRANSIENT_ATTEMPTS {
                            return Err(CallError::Fatal(format!(
                                "{msg} (after {TRANSIENT_ATTEMPTS} attempts)"
                            )));
                        }
                        tokio::time::sleep(backoff(
                            transient_failures - 1,
                            Duration::from_millis(300),
                            Duration::from_secs(5),
                        ))
                        .await;
                    }
                    AwsFault::Fatal(msg)
                        if msg.starts_with("InvalidParameterException") && token.is_some() =>
                    {
                        return Err(CallError::BadToken(msg));
                    }
                    AwsFault::NotFound(_) => return Err(CallError::Missing),
                    other => {
                        let hint = other
                            .auth_hint()
                            .map(|h| format!("; {h}"))
                            .unwrap_or_default();
                        // An Infrequent Access group (#15): Insights can read it.
                        let hint = if other.text().contains("not supported for this log class") {
                            format!("{hint}; read it with --engine auto or --engine insights")
                        } else {
                            hint
                        };
                        return Err(CallError::Fatal(format!("{}{hint}", other.text())));
                    }
                },
            }
        }
    }
}
