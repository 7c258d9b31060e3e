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
//! - Retries are ours (the logs client has SDK retries off, see `aws/mod.rs`): throttling
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
//! Layer `fetch`: reading log groups — FilterLogEvents (here: specs, `start`, `open`,
//! `collect`; `filter` runs one group's loop and its slices; `page` parses its pages),
//! Logs Insights (`insights`; `choose` settles `--engine auto`; `query` runs `apitrace
//! query`), what a misbehaving service did (`anomalies`).
//! May import: `merge`, `resolve`, `aws`, `config`, `cli`, `ui`, `core`.

pub mod anomalies;
pub mod choose;
pub mod filter;
pub mod insights;
pub mod page;
pub mod query;

use filter::GroupTask;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};

use crate::aws::Aws;
use crate::aws::ratelimit::RateLimiter;
use crate::config::{GetConfig, Window};
use crate::core::model::{Event, FetchStats, LogGroup};
use crate::ui::error::warn;

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
    /// FilterLogEvents; `fetch::choose` settles `--engine auto`).
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
            infrequent_via_insights: cfg.engine == crate::cli::EngineArg::Auto,
            insights: Default::default(),
            read_ahead: Default::default(),
        }
    }
}

/// How a window is searched (settled: `auto` is decided by `fetch::choose`).
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
