//! FilterLogEvents for every group, concurrently, under a shared rate limit, into bounded
//! channels (one per group) that `merge.rs` reads.
//!
//! - A group whose first page was slow (≥ [`SLICE_MIN_LATENCY`]) and shows a long chain of
//!   dependent pages ahead (at least [`SLICE_MIN_PAGES`] more at that density) has the rest
//!   of its window cut into slices of about [`SLICE_PAGES`] pages, each paged by its own
//!   loop, up to `--concurrency` of them ahead of the one being passed on; their pages are
//!   passed on in slice order, so the group stays one sorted source. A busy group is then
//!   bounded by the quota, not by latency × pages. `--concurrency 1` pages strictly one
//!   call at a time.
//! - One paging loop per chain, written by hand: the SDK paginator stops silently when the
//!   service repeats a token. We follow `nextToken` through empty pages until it is absent.
//! - Every call takes a permit from a semaphore (`--concurrency`) and a token from the
//!   region's [`RateLimiter`] (`--max-tps`, default under the region's quota).
//! - Retries are ours (the logs client has SDK retries off, see `aws.rs`): throttling
//!   slows the shared limiter and is retried with jittered backoff for up to
//!   the throttle budget per call (`--throttle-budget`, 120 s); 5xx, timeouts and connection failures are retried
//!   [`TRANSIENT_ATTEMPTS`] times; an expired or rejected token restarts the group from the
//!   last event's timestamp, de-duplicating by event id.
//! - A failed group is a warning (printed here, as it happens) and a line in [`Outcome`];
//!   the other groups go on.
//! - Channels are bounded (a few pages per group), so memory does not grow with the window;
//!   when the reader goes away (`| head`) every task sees its channel closed and stops
//!   before making another call.
//!
//! Layer `fetch`: reading log groups — FilterLogEvents (here; `page` parses its pages), Logs
//! Insights (`insights`), what a misbehaving service did (`anomalies`).
//! May import: `merge`, `resolve`, `aws`, `config`, `cli`, `ui`, `core`.

pub mod anomalies;
pub mod insights;
pub mod page;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};

use crate::aws::Aws;
use crate::aws::ratelimit::RateLimiter;
use crate::aws::retry::backoff;
use crate::config::{GetConfig, Window};
use crate::core::model::{Event, FetchStats, LogGroup, Text};
use crate::ui::error::{AwsFault, classify, warn};

/// Attempts for a call that fails with a 5xx, a timeout or a connection error.
pub const TRANSIENT_ATTEMPTS: u32 = 6;
/// Pages buffered per group between the fetch task and the merge.
const CHANNEL_PAGES: usize = 1;
/// Events per page we ask for (the service maximum).
const PAGE_LIMIT: i32 = 10_000;

/// Bytes of pages (estimated as held in memory) that slices may keep ahead of the slice
/// being passed on, across the whole run: what bounds memory when busy groups are sliced.
const READ_AHEAD_BYTES: usize = 16 << 20;
/// The read-ahead budget's unit.
const READ_AHEAD_UNIT: usize = 16 << 10;

/// The run's read-ahead budget (shared by every clone of a [`FetchSpec`]).
#[derive(Debug, Clone)]
pub struct ReadAhead(Arc<Semaphore>);

impl Default for ReadAhead {
    fn default() -> ReadAhead {
        ReadAhead(Arc::new(Semaphore::new(READ_AHEAD_BYTES / READ_AHEAD_UNIT)))
    }
}

/// What a slice that is not (yet) being passed on needs to hold a page back.
struct Gate {
    budget: ReadAhead,
    /// The number of the slice being passed on.
    head: watch::Receiver<usize>,
    me: usize,
    /// One entry per page sent, in order: its share of the budget, released when the page
    /// is passed on (None for pages sent while this slice was the one passed on).
    held: Arc<std::sync::Mutex<std::collections::VecDeque<Option<OwnedSemaphorePermit>>>>,
    /// Signalled each time one of this slice's pages has been passed on.
    passed: Arc<tokio::sync::Notify>,
    /// Budget units taken before fetching: the size of this slice's last page.
    estimate: u32,
}

impl Gate {
    /// Budget units for `events` (their estimated size in memory).
    fn units(events: &[Event]) -> u32 {
        let bytes: usize = events
            .iter()
            .map(|e| e.message.len() + e.event_id.len() + 150 + std::mem::size_of::<Event>())
            .sum();
        (bytes / READ_AHEAD_UNIT).clamp(1, READ_AHEAD_BYTES / READ_AHEAD_UNIT) as u32
    }

    /// Before fetching a page. The slice being passed on never needs budget: it only
    /// waits until its previous page has been passed on (so it holds one page at most),
    /// and the output always moves and frees budget. A slice ahead takes budget for a
    /// page like its last one, before the page exists, so pages being fetched count too.
    async fn before(&mut self) -> Option<OwnedSemaphorePermit> {
        let me = self.me;
        loop {
            let passed = self.passed.clone();
            let passed = passed.notified();
            tokio::pin!(passed);
            passed.as_mut().enable();
            if *self.head.borrow() == me {
                if self
                    .held
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .is_empty()
                {
                    return None;
                }
                passed.await;
                continue;
            }
            tokio::select! {
                p = self.budget.0.clone().acquire_many_owned(self.estimate) => return p.ok(),
                r = self.head.changed() => {
                    if r.is_err() {
                        return None; // the group is done or gone
                    }
                }
            }
        }
    }

    /// After fetching: true up the page's share (never waiting: a page bigger than the
    /// estimate goes over the budget by the difference) and queue it with the page.
    fn after(&mut self, permit: Option<OwnedSemaphorePermit>, events: &[Event]) {
        let units = Self::units(events);
        self.estimate = units;
        let permit = permit.map(|mut p| {
            let have = p.num_permits() as u32;
            if units < have {
                drop(p.split((have - units) as usize));
            } else if units > have
                && let Ok(extra) = self.budget.0.clone().try_acquire_many_owned(units - have)
            {
                p.merge(extra);
            }
            p
        });
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(permit);
    }
}

/// What went wrong, per group: the run exits 1 when this is not empty.
#[derive(Debug, Default)]
pub struct Outcome {
    pub failed: Mutex<Vec<(String, String)>>,
}

impl Outcome {
    pub fn failed_groups(&self) -> Vec<(String, String)> {
        self.failed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// What every group's loop needs.
#[derive(Clone)]
pub struct FetchSpec {
    pub window: Window,
    pub filter_pattern: Option<String>,
    pub concurrency: usize,
    pub max_tps: Option<f64>,
    /// Only these streams (FilterLogEvents `logStreamNames`, at most 100); empty = all.
    pub streams: Vec<String>,
    /// `get --stream-prefix` (#21): only streams whose name starts with one of these. One
    /// prefix (and no `streams`) is also sent as `logStreamNamePrefix`; the events are
    /// matched here in every case (the API takes a single prefix, the emulator ignores it).
    pub stream_prefixes: Vec<String>,
    /// How long one call may keep being throttled before its group fails.
    pub throttle_budget: Duration,
    /// Which engine [`collect`] uses.
    pub engine: Engine,
    /// Read Infrequent Access groups, which FilterLogEvents refuses, with Logs Insights
    /// (`--engine auto`); otherwise they fail with the service's reason.
    pub infrequent_via_insights: bool,
    /// Insights counters, shared by every query of the run.
    pub insights: Arc<crate::fetch::insights::InsightsStats>,
    /// How much sliced groups may read ahead, shared by every group of the run.
    pub read_ahead: ReadAhead,
}

impl FetchSpec {
    /// What the fetch stage needs of a command's settings (`engine` starts as
    /// FilterLogEvents; `insights::choose` settles `--engine auto`).
    pub fn new(cfg: &GetConfig) -> FetchSpec {
        FetchSpec {
            window: cfg.window,
            filter_pattern: cfg.filter_pattern.clone(),
            concurrency: cfg.concurrency,
            max_tps: cfg.max_tps,
            streams: Vec::new(),
            stream_prefixes: cfg.stream_prefixes.clone(),
            throttle_budget: cfg.throttle_budget,
            engine: Engine::Filter,
            infrequent_via_insights: cfg.engine == crate::cli::Engine::Auto,
            insights: Default::default(),
            read_ahead: Default::default(),
        }
    }
}

/// How a window is searched (settled: `auto` is decided by `insights::choose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Filter,
    Insights,
}

/// The default FilterLogEvents budget for a region: its quota (aws-notes.md §5.7) less
/// headroom for the other callers sharing it.
/// Whether `stream` starts with one of `prefixes` (`--stream-prefix`; empty: every stream).
pub fn stream_wanted(prefixes: &[String], stream: &str) -> bool {
    prefixes.is_empty() || prefixes.iter().any(|p| stream.starts_with(p.as_str()))
}

pub fn default_tps(region: &str) -> f64 {
    match region {
        "us-east-1" => 20.0,
        "ap-northeast-3" | "ap-southeast-3" | "ca-west-1" | "eu-central-1" | "il-central-1" => 4.0,
        _ => 8.0,
    }
}

/// Start one task for each group `which` names (indices into `groups`, which the events'
/// `group` fields use); returns one receiver per task, in the order of `which`.
pub fn start(
    aws: &Aws,
    groups: &[LogGroup],
    which: &[usize],
    spec: &FetchSpec,
    stats: Arc<FetchStats>,
    outcome: Arc<Outcome>,
) -> Vec<mpsc::Receiver<Vec<Event>>> {
    let sem = Arc::new(Semaphore::new(spec.concurrency.max(1)));
    let mut limiters: HashMap<String, RateLimiter> = HashMap::new();
    which
        .iter()
        .map(|&idx| {
            let g = &groups[idx];
            let (tx, rx) = mpsc::channel(CHANNEL_PAGES);
            let limiter = limiters
                .entry(g.region.clone())
                .or_insert_with(|| {
                    RateLimiter::new(spec.max_tps.unwrap_or_else(|| default_tps(&g.region)))
                })
                .clone();
            let task = GroupTask {
                client: aws.logs(&g.region),
                group: g.name.clone(),
                arn: g.cross_account_arn(),
                idx,
                spec: spec.clone(),
                sem: sem.clone(),
                limiter,
                stats: stats.clone(),
                anomalies: Default::default(),
            };
            let outcome = outcome.clone();
            let label = match g.other_account() {
                Some(a) => format!(
                    "{} (account {a}, read through cross-account observability)",
                    g.name
                ),
                None => g.name.clone(),
            };
            tokio::spawn(async move {
                let name = label;
                let stats = task.stats.clone();
                let anomalies = task.anomalies.clone();
                // Keep the channel open until a failure is on record: the reader must not
                // see the group end before it can know that it failed.
                let open = tx.clone();
                let result = task.run(tx).await;
                anomalies.report(&name);
                stats.groups_done.fetch_add(1, Ordering::Relaxed);
                if let Err(msg) = result {
                    warn(format!("log group {name}: {msg}"));
                    outcome
                        .failed
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((name, msg));
                }
                drop(open);
            });
            rx
        })
        .collect()
}

/// Pages through one group; also used by follow mode (`watch.rs`) for its polls.
#[derive(Clone)]
pub struct GroupTask {
    client: Client,
    pub group: String,
    /// The group's ARN when it is in another account (`logGroupIdentifier`).
    arn: Option<String>,
    idx: usize,
    spec: FetchSpec,
    sem: Arc<Semaphore>,
    limiter: RateLimiter,
    stats: Arc<FetchStats>,
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

/// One FilterLogEvents page, reduced to what we keep.
pub struct Page {
    pub events: Vec<Event>,
    pub next_token: Option<String>,
    /// The service's latency (to the answer's headers), when known.
    pub latency: Option<Duration>,
    /// Events whose undecodable text was replaced with U+FFFD (see `page::Parsed`).
    pub repaired: usize,
}

impl GroupTask {
    /// Page through the group. `Err` is the one-line reason the group failed.
    async fn run(self, tx: mpsc::Sender<Vec<Event>>) -> Result<(), String> {
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
                        return Ok(Page {
                            events: p.events,
                            next_token: p.next_token,
                            latency: p.latency,
                            repaired: p.repaired,
                        });
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

/// The sources for `which` with the spec's engine: Insights batches, or one FilterLogEvents
/// task per group (also when the filter pattern has no Insights equivalent).
pub fn open(
    aws: &Aws,
    groups: &[LogGroup],
    which: &[usize],
    spec: &FetchSpec,
    stats: Arc<FetchStats>,
    outcome: Arc<Outcome>,
) -> Vec<mpsc::Receiver<Vec<Event>>> {
    if spec.engine == Engine::Insights
        && let Some(terms) = crate::fetch::insights::translate(spec.filter_pattern.as_deref())
    {
        return crate::fetch::insights::start(aws, groups, which, spec, &terms, outcome);
    }
    // Infrequent Access groups refuse FilterLogEvents ("FilterLogEvents is not supported
    // for this log class", aws/karpenter-provider-aws#9567) but Insights reads them (the
    // CloudWatch Logs "log classes" page): under --engine auto they go to Insights.
    let (ia, rest): (Vec<usize>, Vec<usize>) = which
        .iter()
        .partition(|&&i| spec.infrequent_via_insights && groups[i].infrequent_access());
    if ia.is_empty() {
        return start(aws, groups, which, spec, stats, outcome);
    }
    let names: Vec<&str> = ia.iter().map(|&i| groups[i].name.as_str()).collect();
    let Some(terms) = crate::fetch::insights::translate(spec.filter_pattern.as_deref()) else {
        for name in names {
            let why = "it is of class INFREQUENT_ACCESS, which FilterLogEvents cannot read, \
                       and the filter pattern has no Logs Insights equivalent";
            warn(format!("log group {name}: {why}"));
            outcome
                .failed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((name.to_string(), why.to_string()));
        }
        return start(aws, groups, &rest, spec, stats, outcome);
    };
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        crate::ui::error::note(format!(
            "{} of class INFREQUENT_ACCESS, which FilterLogEvents cannot read: reading {} with Logs Insights (billed per GB scanned)",
            names.join(", "),
            if names.len() == 1 { "it" } else { "them" }
        ))
    });
    let mut receivers =
        crate::fetch::insights::start(aws, groups, &ia, spec, &terms, outcome.clone());
    receivers.extend(start(aws, groups, &rest, spec, stats, outcome));
    receivers
}

/// Fetch the groups `which` (indices into `groups`) to the end and return their events in
/// merged order (for commands that need the whole answer before printing, like `trace`),
/// with the failed groups. Event `group` fields index into `groups`.
pub async fn collect(
    aws: &Aws,
    groups: &[LogGroup],
    which: &[usize],
    spec: &FetchSpec,
) -> (Vec<Event>, Vec<(String, String)>) {
    let outcome = Arc::new(Outcome::default());
    let receivers = open(
        aws,
        groups,
        which,
        spec,
        Arc::new(FetchStats::default()),
        outcome.clone(),
    );
    let events = tokio::task::spawn_blocking(move || {
        crate::merge::Merger::new(receivers).collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    (events, outcome.failed_groups())
}

pub enum CallError {
    BadToken(String),
    /// ResourceNotFoundException: the group does not exist (follow mode waits for it).
    Missing,
    Fatal(String),
}

impl CallError {
    pub fn text(self) -> String {
        match self {
            CallError::BadToken(s) | CallError::Fatal(s) => s,
            CallError::Missing => "the log group does not exist (ResourceNotFoundException)".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_budgets_stay_under_the_quotas() {
        assert_eq!(default_tps("us-east-1"), 20.0);
        assert_eq!(default_tps("eu-central-1"), 4.0);
        assert_eq!(default_tps("eu-west-1"), 8.0);
    }
}
