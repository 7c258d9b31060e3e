//! `errors`: link every failing request at once, with `trace`'s rules (`trace::Found`),
//! at a cost bounded by the pages of the window rather than by the number of failures.
//!
//! `trace` searches per request; here each phase reads each group it needs once, for all
//! the requests together, and keeps only the lines of those requests:
//!
//! 1. The API Gateway groups (execution, access, extra) over the failures' span (each
//!    failure's ±5 min): their lines give each request's facts and linked ids. When the
//!    search read the execution and access logs whole it kept the failing requests' lines
//!    (`Failure::lines`), and only the extra groups, and the failures whose lines it could
//!    not keep, are read here: the API groups are then read once in all.
//! 2. The Lambda groups the requests point to, over the span where their invocations can
//!    be (first line − 1 min … last line + 15 min): the lines that mention a linked id.
//! 3. The streams of the invocations found, over the span of their START … REPORT ranges
//!    (`logStreamNames`, 100 a call): each invocation's whole lines.
//!
//! Each read is either a filter pattern with every id (`?"id1" ?"id2" …`) when the ids
//! fit in one pattern (FilterLogEvents allows 1,024 characters), which never returns more
//! than a full read, or a full read of the span otherwise: so a phase costs at most the
//! pages of a full read, whatever the number of failures, and `errors` at most about
//! three times what `get` reads for the same window. Memory holds only the lines of the
//! requests and invocations being linked, never the whole span.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::analyze::failures::Failure;
use crate::analyze::trace::{self, Found, Trace, Want};
use crate::aws::Aws;
use crate::aws::debug;
use crate::config::Window;
use crate::core::extract::{self, ApiFacts};
use crate::core::model::FetchStats;
use crate::core::model::{Event, LogGroup, Source};
use crate::core::time::format_ms;
use crate::fetch::{self, FetchSpec, Outcome};
use crate::merge::Merger;
use crate::ui::error::warn;

/// FilterLogEvents' limit on a filter pattern's length.
pub const MAX_PATTERN: usize = 1024;

/// How far either side of a failure its API Gateway lines are looked for (as `errors`
/// always traced them).
const API_MS: i64 = 5 * 60_000;

/// What the linking shares with the command: counters for the progress line, the fetch
/// counters and the failed groups.
#[derive(Debug, Default)]
pub struct Linking {
    /// Failing requests found (all, not only those traced).
    pub found: AtomicU64,
    /// Traces assembled so far.
    pub linked: AtomicU64,
    pub stats: Arc<FetchStats>,
    pub outcome: Arc<Outcome>,
}

impl Linking {
    /// The progress line's addition: `12 failures found, 3 linked`.
    pub fn progress(&self) -> String {
        format!(
            "{} failures found, {} linked",
            self.found.load(Ordering::Relaxed),
            self.linked.load(Ordering::Relaxed)
        )
    }
}

/// One pattern matching any of `ids`, if it fits in FilterLogEvents' limit.
pub fn ids_pattern(ids: &[&str]) -> Option<String> {
    let p = match ids {
        [] => return None,
        [one] => format!("\"{}\"", one.replace('"', "")),
        _ => ids
            .iter()
            .map(|i| format!("?\"{}\"", i.replace('"', "")))
            .collect::<Vec<_>>()
            .join(" "),
    };
    (p.len() <= MAX_PATTERN).then_some(p)
}

/// Finds every id of a set in a line.
struct Ids {
    ids: Vec<String>,
    re: Option<regex::Regex>,
}

impl Ids {
    fn new(ids: Vec<String>) -> Ids {
        let re = (!ids.is_empty())
            .then(|| {
                regex::RegexBuilder::new(
                    &ids.iter()
                        .map(|i| regex::escape(i))
                        .collect::<Vec<_>>()
                        .join("|"),
                )
                .size_limit(1 << 28)
                .dfa_size_limit(1 << 26)
                .build()
                .ok()
            })
            .flatten();
        Ids { ids, re }
    }

    /// The ids `msg` mentions (each once).
    fn in_line<'a>(&'a self, msg: &'a str) -> Vec<&'a str> {
        let mut out: Vec<&str> = match &self.re {
            // Request ids do not overlap one another (UUIDs, base64 extended ids).
            Some(re) => re.find_iter(msg).map(|m| m.as_str()).collect(),
            None => self
                .ids
                .iter()
                .filter(|i| msg.contains(i.as_str()))
                .map(|i| i.as_str())
                .collect(),
        };
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Read `which` with `spec`, passing every event to `f` (on a blocking thread, in merged
/// order), and return the state.
async fn scan<S: Send + 'static>(
    aws: &Aws,
    groups: &[LogGroup],
    reads: Vec<(Vec<usize>, FetchSpec)>,
    stats: &Arc<FetchStats>,
    outcome: &Arc<Outcome>,
    state: S,
    f: impl Fn(&mut S, Event) + Send + 'static,
) -> S {
    // The progress line's `groups` counts this phase's.
    stats.groups_done.store(0, Ordering::Relaxed);
    let mut receivers = Vec::new();
    for (which, spec) in &reads {
        receivers.extend(fetch::open(
            aws,
            groups,
            which,
            spec,
            stats.clone(),
            outcome.clone(),
        ));
    }
    tokio::task::spawn_blocking(move || {
        let mut s = state;
        for e in Merger::new(receivers) {
            f(&mut s, e);
        }
        s
    })
    .await
    .expect("the linking thread panicked")
}

fn names(groups: &[LogGroup], which: &[usize]) -> String {
    which
        .iter()
        .map(|&i| groups[i].name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The span covering every window.
fn span(ws: impl Iterator<Item = Window>) -> Option<Window> {
    ws.reduce(|a, b| Window {
        start_ms: a.start_ms.min(b.start_ms),
        end_ms: a.end_ms.max(b.end_ms),
    })
}

/// A spec for one read of the span, with the ids' pattern when they fit in one.
fn read_spec(
    base: &FetchSpec,
    w: Window,
    pattern: Option<String>,
    streams: Vec<String>,
) -> FetchSpec {
    FetchSpec {
        engine: fetch::Engine::Filter,
        window: w,
        filter_pattern: pattern,
        streams,
        ..base.clone()
    }
}

/// Trace every failure and send each trace on `tx` with the failure's index, in order, as
/// soon as it is linked; `None` where it could not be (warned). `searched` is the window
/// the failures were found in (a failure's API lines are looked for up to its end; the
/// lines the search kept begin at its start).
pub async fn link_all(
    aws: &Aws,
    groups: &[LogGroup],
    failures: &[Failure],
    searched: Window,
    base: &FetchSpec,
    progress: &Arc<Linking>,
    tx: tokio::sync::mpsc::UnboundedSender<(usize, Option<Trace>)>,
) {
    let (stats, outcome) = (&progress.stats, &progress.outcome);
    let end_ms = searched.end_ms;
    let mut emit = Emit {
        done: (0..failures.len()).map(|_| None).collect(),
        next: 0,
        tx,
    };
    let windows: Vec<Window> = failures
        .iter()
        .map(|f| Window {
            start_ms: f.timestamp - API_MS,
            end_ms: (f.timestamp + API_MS).min(end_ms.max(f.timestamp)),
        })
        .collect();
    // Extended ids (an access log without `requestId`) need their own lookup: traced one
    // by one, as `trace` does.
    let (batch, single): (Vec<usize>, Vec<usize>) =
        (0..failures.len()).partition(|&i| extract::is_uuid(&failures[i].request_id));
    for i in single {
        let mut spec = base.clone();
        spec.window = windows[i];
        match trace::trace(aws, groups, &failures[i].request_id, windows[i], &spec).await {
            Ok(t) => {
                progress.linked.fetch_add(1, Ordering::Relaxed);
                emit.set(i, Some(t));
            }
            Err(e) => {
                warn(format!(
                    "request {}: cannot trace it: {e:#}",
                    failures[i].request_id
                ));
                emit.set(i, None);
            }
        }
    }
    if batch.is_empty() {
        return;
    }

    // 1. The API Gateway lines of every failing request.
    let mut api_lines = api_lines(
        aws,
        groups,
        failures,
        &batch,
        &windows,
        searched.start_ms,
        base,
        stats,
        outcome,
    )
    .await;
    let mut found: BTreeMap<usize, Found> = BTreeMap::new();
    for &i in &batch {
        let f = &failures[i];
        let evs = api_lines.remove(&i).unwrap_or_default();
        match Found::new(groups, &f.request_id, ApiFacts::default(), evs, windows[i]) {
            Ok(x) => {
                found.insert(i, x);
            }
            Err(e) => {
                warn(format!("request {}: cannot trace it: {e:#}", f.request_id));
                emit.set(i, None);
            }
        }
    }
    drop(api_lines);

    // 2. The Lambda lines that mention a linked id.
    let mut lambda: Vec<usize> = found
        .values()
        .flat_map(|f| f.lambda_groups.iter().copied())
        .collect();
    lambda.sort_unstable();
    lambda.dedup();
    let mut matched: BTreeMap<usize, Vec<Event>> = BTreeMap::new();
    if !lambda.is_empty() {
        let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
        for (&i, f) in &found {
            for id in &f.ids {
                let v = by_id.entry(id.clone()).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
        let all: Vec<&str> = by_id.keys().map(String::as_str).collect();
        let pattern = ids_pattern(&all);
        let w = span(found.values().map(|f| f.wide)).expect("a request");
        debug::log(format!(
            "errors: reading {} between {} and {} {} (the Lambda lines that mention the {} linked ids)",
            names(groups, &lambda),
            format_ms(w.start_ms),
            format_ms(w.end_ms),
            if pattern.is_some() {
                "with a pattern of the ids"
            } else {
                "whole: the ids do not fit in one pattern"
            },
            all.len()
        ));
        let reach: HashMap<usize, (Window, Vec<usize>)> = found
            .iter()
            .map(|(&i, f)| (i, (f.wide, f.lambda_groups.clone())))
            .collect();
        let ids = Ids::new(by_id.keys().cloned().collect());
        let (_, _, _, m) = scan(
            aws,
            groups,
            vec![(lambda.clone(), read_spec(base, w, pattern, vec![]))],
            stats,
            outcome,
            (ids, by_id, reach, BTreeMap::<usize, Vec<Event>>::new()),
            |(ids, by_id, reach, keep), e| {
                let mut to: Vec<usize> = Vec::new();
                for id in ids.in_line(&e.message) {
                    for &i in by_id.get(id).into_iter().flatten() {
                        let (w, gs) = &reach[&i];
                        if !to.contains(&i)
                            && gs.contains(&e.group)
                            && e.timestamp >= w.start_ms
                            && e.timestamp <= w.end_ms
                        {
                            to.push(i);
                        }
                    }
                }
                for i in to {
                    keep.entry(i).or_default().push(e.clone());
                }
            },
        )
        .await;
        matched = m;
    }

    // Per request, the lines of the window `trace` would have settled on.
    let mut wants: Vec<(usize, Window, Vec<Event>, Vec<Want>)> = Vec::new();
    for (&i, f) in &found {
        let all = matched.remove(&i).unwrap_or_default();
        let in_near: Vec<Event> = all
            .iter()
            .filter(|e| e.timestamp >= f.near.start_ms && e.timestamp <= f.near.end_ms)
            .cloned()
            .collect();
        let (searched, lines) = if f.near != f.wide && !f.all_known_found(&in_near) {
            (f.wide, all)
        } else {
            (f.near, in_near)
        };
        let ws = f.invocations(&lines, searched);
        wants.push((i, searched, lines, ws));
    }

    // 3. The invocations' streams, each group's read once (100 streams a call).
    let mut per_group: BTreeMap<usize, BTreeMap<String, Vec<Window>>> = BTreeMap::new();
    for (_, _, _, ws) in &wants {
        for w in ws {
            per_group
                .entry(w.group)
                .or_default()
                .entry(w.stream.clone())
                .or_default()
                .push(w.window);
        }
    }
    let mut reads = Vec::new();
    for (&g, streams) in &per_group {
        let names: Vec<&String> = streams.keys().collect();
        for chunk in names.chunks(100) {
            let w = span(chunk.iter().flat_map(|s| streams[*s].iter().copied())).expect("a stream");
            debug::log(format!(
                "errors: reading {} stream(s) of {} between {} and {} (the whole lines of the invocations found)",
                chunk.len(),
                groups[g].name,
                format_ms(w.start_ms),
                format_ms(w.end_ms)
            ));
            reads.push((
                vec![g],
                read_spec(base, w, None, chunk.iter().map(|s| s.to_string()).collect()),
            ));
        }
    }
    // Each trace is passed on as soon as the merged read is past its invocations' ranges
    // (the read is in time order), in the failures' order.
    let mut pending: std::collections::VecDeque<Pending> = wants
        .into_iter()
        .filter_map(|(i, searched, lines, ws)| {
            let found = found.remove(&i)?;
            let end = ws.iter().map(|w| w.window.end_ms).max().unwrap_or(i64::MIN);
            Some(Pending {
                i,
                end,
                searched,
                lines,
                wants: ws,
                found,
            })
        })
        .collect();
    pending.make_contiguous().sort_by_key(|p| p.i);
    let mut state = Streams {
        windows: per_group,
        lines: HashMap::new(),
        pending,
        emit,
        groups: groups.to_vec(),
        progress: progress.clone(),
    };
    if !reads.is_empty() {
        state = scan(aws, groups, reads, stats, outcome, state, |st, e| {
            let inside = st
                .windows
                .get(&e.group)
                .and_then(|s| s.get(&*e.stream))
                .is_some_and(|ws| {
                    ws.iter()
                        .any(|w| e.timestamp >= w.start_ms && e.timestamp <= w.end_ms)
                });
            let ts = e.timestamp;
            if inside {
                st.lines
                    .entry((e.group, e.stream.to_string()))
                    .or_default()
                    .push(e);
            }
            st.ready(ts);
        })
        .await;
    }
    state.ready(i64::MAX);
}

/// The API Gateway lines of the failures `batch`: those the search kept
/// ([`Failure::lines`], from `kept_from` on), and what is read for the rest — the
/// execution, access and extra groups over each failure's window (or, for a failure
/// whose lines were kept, only the part of its window before `kept_from`), in one read
/// (a pattern of their ids when they fit in one). The extra (`--log-group`) groups are
/// read for every failure, the search never reads them. Nothing is read when the search
/// kept every failure's lines and no window reaches before `kept_from`.
#[allow(clippy::too_many_arguments)]
async fn api_lines(
    aws: &Aws,
    groups: &[LogGroup],
    failures: &[Failure],
    batch: &[usize],
    windows: &[Window],
    kept_from: i64,
    base: &FetchSpec,
    stats: &Arc<FetchStats>,
    outcome: &Arc<Outcome>,
) -> HashMap<usize, Vec<Event>> {
    let of = |want: &dyn Fn(Source) -> bool| -> Vec<usize> {
        (0..groups.len())
            .filter(|&g| want(groups[g].source))
            .collect()
    };
    let api = of(&|s| matches!(s, Source::Execution | Source::Access | Source::Extra));
    let extra = of(&|s| s == Source::Extra);
    let mut kept: HashMap<usize, Vec<Event>> = HashMap::new();
    // Per failure, the end of what is read in every API group (absent: nothing).
    let mut read_to: HashMap<usize, i64> = HashMap::new();
    for &i in batch {
        let w = windows[i];
        match &failures[i].lines {
            Some(v) => {
                let v = v
                    .iter()
                    .filter(|e| e.timestamp >= w.start_ms && e.timestamp <= w.end_ms);
                kept.insert(i, v.cloned().collect());
                if w.start_ms < kept_from {
                    read_to.insert(i, kept_from - 1);
                }
            }
            None => {
                read_to.insert(i, w.end_ms);
            }
        }
    }
    // (groups, failures, span) of each read: the failures with something to read in every
    // API group; the others in the extra groups only.
    let mut plan: Vec<(Vec<usize>, Vec<usize>, Window)> = Vec::new();
    let mut full: Vec<usize> = read_to.keys().copied().collect();
    full.sort_unstable();
    if !full.is_empty() && !api.is_empty() {
        let w = span(full.iter().map(|&i| Window {
            start_ms: windows[i].start_ms,
            end_ms: read_to[&i],
        }))
        .expect("a failure");
        plan.push((api.clone(), full, w));
    }
    let read_extra: Vec<usize> = batch
        .iter()
        .copied()
        .filter(|i| !read_to.contains_key(i))
        .collect();
    if !read_extra.is_empty() && !extra.is_empty() {
        let w = span(read_extra.iter().map(|&i| windows[i])).expect("a failure");
        plan.push((extra.clone(), read_extra, w));
    }
    if !kept.is_empty() {
        debug::log(format!(
            "errors: the execution and access lines of {} failing requests came with the search",
            kept.len()
        ));
    }
    let mut reads = Vec::new();
    for (gs, which, w) in &plan {
        let w = *w;
        let rids: Vec<&str> = which
            .iter()
            .map(|&i| failures[i].request_id.as_str())
            .collect();
        let pattern = ids_pattern(&rids);
        debug::log(format!(
            "errors: reading {} between {} and {} {} (the API Gateway lines of {} failing requests)",
            names(groups, gs),
            format_ms(w.start_ms),
            format_ms(w.end_ms),
            if pattern.is_some() {
                "with a pattern of their ids"
            } else {
                "whole: their ids do not fit in one pattern"
            },
            which.len()
        ));
        reads.push((gs.clone(), read_spec(base, w, pattern, vec![])));
    }
    if reads.is_empty() {
        return kept;
    }
    let by_rid: HashMap<String, usize> = batch
        .iter()
        .map(|&i| (failures[i].request_id.clone(), i))
        .collect();
    let rids: Vec<String> = by_rid.keys().cloned().collect();
    let state = (
        Ids::new(rids),
        by_rid,
        windows.to_vec(),
        groups.to_vec(),
        read_to,
        HashMap::<usize, Vec<Event>>::new(),
    );
    let (_, _, _, _, _, read) = scan(
        aws,
        groups,
        reads,
        stats,
        outcome,
        state,
        |(ids, by_rid, windows, groups, read_to, keep), e| {
            let extra = groups[e.group].source == Source::Extra;
            let mut hit = |rid: &str, e: &Event| {
                if let Some(&i) = by_rid.get(rid)
                    && (extra || read_to.get(&i).is_some_and(|&to| e.timestamp <= to))
                    && e.timestamp >= windows[i].start_ms
                    && e.timestamp <= windows[i].end_ms
                {
                    keep.entry(i).or_default().push(e.clone());
                }
            };
            if groups[e.group].source == Source::Execution
                && let Some((rid, _)) = extract::exec_prefix(&e.message)
            {
                hit(rid, &e);
                return;
            }
            for rid in ids.in_line(&e.message) {
                hit(rid, &e);
            }
        },
    )
    .await;
    for (i, v) in read {
        kept.entry(i).or_default().extend(v);
    }
    kept
}

/// A request whose API and Lambda lines are known, waiting for its invocations' streams.
struct Pending {
    i: usize,
    /// The end of its last invocation's range.
    end: i64,
    searched: Window,
    lines: Vec<Event>,
    wants: Vec<Want>,
    found: Found,
}

/// The state of the streams' read.
struct Streams {
    /// Per group and stream, the ranges of the invocations in it.
    windows: BTreeMap<usize, BTreeMap<String, Vec<Window>>>,
    /// Their lines.
    lines: HashMap<(usize, String), Vec<Event>>,
    /// In the failures' order.
    pending: std::collections::VecDeque<Pending>,
    emit: Emit,
    groups: Vec<LogGroup>,
    progress: Arc<Linking>,
}

impl Streams {
    /// Assemble and pass on the traces whose ranges end before `now` (the read's time).
    fn ready(&mut self, now: i64) {
        while self
            .pending
            .front()
            .is_some_and(|p| p.end < now || now == i64::MAX)
        {
            let Some(p) = self.pending.pop_front() else {
                break;
            };
            let reads: Vec<(Want, Vec<Event>)> = p
                .wants
                .into_iter()
                .map(|w| {
                    // A stream's lines come in time order.
                    let evs = self
                        .lines
                        .get(&(w.group, w.stream.clone()))
                        .map(|v| {
                            let a = v.partition_point(|e| e.timestamp < w.window.start_ms);
                            let b = v.partition_point(|e| e.timestamp <= w.window.end_ms);
                            v[a..b.max(a)].to_vec()
                        })
                        .unwrap_or_default();
                    (w, evs)
                })
                .collect();
            let t = p.found.assemble(&self.groups, p.lines, reads, p.searched);
            self.progress.linked.fetch_add(1, Ordering::Relaxed);
            self.emit.set(p.i, Some(t));
        }
    }
}

/// Passes traces on in the failures' order, each as soon as it and those before it are
/// final.
pub struct Emit {
    /// Per failure: `Some` once final (`Some(None)`: it could not be traced).
    done: Vec<Option<Option<Trace>>>,
    next: usize,
    tx: tokio::sync::mpsc::UnboundedSender<(usize, Option<Trace>)>,
}

impl Emit {
    fn set(&mut self, i: usize, t: Option<Trace>) {
        self.done[i] = Some(t);
        while self.next < self.done.len() {
            let Some(t) = self.done[self.next].take() else {
                break;
            };
            // The printer may have gone (a closed pipe): the rest is still linked, unread.
            let _ = self.tx.send((self.next, t));
            self.next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_fit_the_limit_or_are_not_made() {
        assert_eq!(ids_pattern(&["a"]).as_deref(), Some("\"a\""));
        assert_eq!(ids_pattern(&["a", "b"]).as_deref(), Some("?\"a\" ?\"b\""));
        let id = "11111111-2222-4333-8444-555555555555";
        let many: Vec<&str> = std::iter::repeat_n(id, 25).collect();
        assert!(ids_pattern(&many).is_some_and(|p| p.len() <= MAX_PATTERN));
        let too_many: Vec<&str> = std::iter::repeat_n(id, 26).collect();
        assert!(ids_pattern(&too_many).is_none());
        assert!(ids_pattern(&[]).is_none());
    }

    #[test]
    fn traces_are_passed_on_in_order_as_soon_as_those_before_are_final() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut emit = Emit {
            done: (0..3).map(|_| None).collect(),
            next: 0,
            tx,
        };
        emit.set(1, None);
        assert!(rx.try_recv().is_err(), "1 waits for 0");
        emit.set(0, None);
        assert_eq!(rx.try_recv().unwrap().0, 0);
        assert_eq!(rx.try_recv().unwrap().0, 1);
        assert!(rx.try_recv().is_err());
        emit.set(2, None);
        assert_eq!(rx.try_recv().unwrap().0, 2);
    }

    #[test]
    fn progress_says_failures_found_and_linked() {
        let l = Linking::default();
        l.found.store(12, Ordering::Relaxed);
        l.linked.store(3, Ordering::Relaxed);
        assert_eq!(l.progress(), "12 failures found, 3 linked");
    }

    #[test]
    fn every_id_in_a_line_is_found() {
        let ids = Ids::new(vec!["abc".into(), "bcd".into(), "zz".into()]);
        assert_eq!(ids.in_line("x abc bcd zz abc"), vec!["abc", "bcd", "zz"]);
        assert!(ids.in_line("nothing").is_empty());
    }
}
