//! `apitrace errors`: the requests of a window that failed — final status 5xx (4xx too
//! with `--include-4xx`), or an execution failure / Lambda error line — found from the
//! execution log (or, for APIs without one, the access log's status field), then each
//! traced as `apitrace trace` would.
//!
//! The server-side pattern only narrows what is downloaded; the decision is made here on
//! each line, so a server that ignores the pattern (the emulator) gives the same answer.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use crate::core::extract;
use crate::core::model::{Event, LogGroup, Source};

/// FilterLogEvents pattern for the execution log lines that decide.
pub const EXEC_PATTERN: &str = r#"?"Method completed with status" ?"Execution failed" ?"Lambda execution failed" ?"Unauthorized request""#;

/// One failing request.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub request_id: String,
    pub timestamp: i64,
    pub status: Option<u16>,
    /// What showed the failure, e.g. `status 502`, `Execution failed due to a timeout error`.
    pub reasons: Vec<String>,
    /// Its API Gateway lines (execution and access) when the search read them all
    /// ([`Finder::keep_lines`]): the linking then reads those groups no more for it.
    /// `None`: not kept (a pattern read, or past the memory bound), the linking reads
    /// them.
    pub lines: Option<Vec<Event>>,
}

/// How long, in log time, a request's failure lines wait for its status line, and a
/// decided request is remembered (so that a late or repeated line of it changes nothing).
/// A request's lines come within milliseconds of each other (the failure lines right
/// before the status line); a minute is a wide margin.
const HORIZON_MS: i64 = 60_000;
/// Requests waiting or remembered at most, whatever the traffic within the horizon.
const MAX_TRACKED: usize = 100_000;

/// Collects failing requests from execution or access lines, in log-time order, in
/// bounded memory: each request is decided as its status line arrives (failure lines
/// wait for it for up to [`HORIZON_MS`]); only the first `limit` failing requests are
/// kept whole, the others are counted; succeeded requests are not kept beyond the
/// horizon. Memory is O(limit + [`MAX_TRACKED`]), not O(requests in the window).
#[derive(Debug)]
pub struct Finder {
    include_4xx: bool,
    limit: usize,
    /// Requests with a failure line and no status line yet.
    pending: HashMap<Arc<str>, Failure>,
    /// Requests decided within the horizon: `Some(first timestamp)` if failing.
    decided: HashMap<Arc<str>, Option<i64>>,
    /// When each pending or decided entry was made, oldest first, for expiry.
    order: VecDeque<(i64, Arc<str>, Entry)>,
    /// The first `limit` failing requests by (timestamp, request id).
    kept: BTreeMap<(i64, Arc<str>), Failure>,
    /// Failing requests found, kept or not.
    total: usize,
    /// The newest event time seen.
    now: i64,
    /// Access lines that could not be read (counted, never silently skipped).
    pub unreadable: extract::Unreadable,
    /// The lines of undecided requests, when [`Finder::keep_lines`] is on.
    lines: Option<Lines>,
    /// `--route` ([`Finder::only_routes`]): the API's routes and the chosen ones, and the
    /// route each undecided request logged.
    routes: Option<RouteFilter>,
}

/// Only the failing requests of some routes (#21).
#[derive(Debug)]
struct RouteFilter {
    known: Vec<String>,
    chosen: Vec<String>,
    of: HashMap<String, String>,
}

/// The lines of undecided requests ([`Finder::keep_lines`]).
#[derive(Debug)]
struct Lines {
    open: HashMap<Arc<str>, Vec<Event>>,
    /// When each open request's first line came, oldest first.
    order: VecDeque<(i64, Arc<str>)>,
    /// Lines in `open`.
    buffered: usize,
    cap: usize,
    /// Requests whose lines were dropped (within the horizon), and when.
    lost: HashMap<Arc<str>, i64>,
    lost_order: VecDeque<(i64, Arc<str>)>,
}

impl Lines {
    fn lose(&mut self, id: Arc<str>, now: i64) {
        self.lost.insert(id.clone(), now);
        self.lost_order.push_back((now, id));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Pending,
    Decided,
}

impl Finder {
    /// `limit`: how many failing requests (the oldest) to keep whole; all are counted.
    pub fn new(include_4xx: bool, limit: usize) -> Finder {
        Finder {
            include_4xx,
            limit,
            pending: HashMap::new(),
            decided: HashMap::new(),
            order: VecDeque::new(),
            kept: BTreeMap::new(),
            total: 0,
            now: i64::MIN,
            unreadable: extract::Unreadable::default(),
            lines: None,
            routes: None,
        }
    }

    /// Count only the failing requests of the `chosen` routes (`--route`), among the
    /// API's `known` routes (a logged path is named by the route it matches, as `summary`
    /// does). A request whose route is not logged (an authorizer's deny) is left out.
    /// The execution log's `HTTP Method: …, Resource Path: …` line or the access log's
    /// route says it.
    pub fn only_routes(mut self, known: Vec<String>, chosen: Option<Vec<String>>) -> Finder {
        self.routes = chosen.map(|chosen| RouteFilter {
            known,
            chosen,
            of: HashMap::new(),
        });
        self
    }

    /// Note the route a request logged.
    fn route_line(&mut self, rid: &str, route: String) {
        if self.decided.contains_key(rid) {
            return;
        }
        if let Some(r) = self.routes.as_mut() {
            if r.of.len() >= MAX_TRACKED {
                r.of.clear();
            }
            r.of.insert(rid.to_string(), route);
        }
    }

    /// Whether a failing request is of the chosen routes (always, without `--route`).
    fn of_chosen_route(&mut self, rid: &str) -> bool {
        let Some(r) = self.routes.as_mut() else {
            return true;
        };
        let Some(route) = r.of.remove(rid) else {
            return false;
        };
        let route = crate::resolve::route::match_route(&r.known, &route).unwrap_or(route);
        r.chosen.contains(&route)
    }

    fn failing(&self, status: u16) -> bool {
        status >= 500 || (self.include_4xx && status >= 400)
    }

    /// Failing requests decided so far (for progress; [`Finder::finish`] has the count).
    pub fn found(&self) -> usize {
        self.total
    }

    /// Requests tracked (waiting or remembered): what bounds memory besides `limit`.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.pending.len() + self.decided.len()
    }

    /// A failure line: wait for the request's status line (or add to a kept failure).
    fn note(&mut self, rid: &str, ts: i64, reason: String) {
        if let Some(d) = self.decided.get(rid) {
            if let Some(first) = *d
                && let Some(f) = self.kept.get_mut(&(first, Arc::from(rid)))
                && !f.reasons.contains(&reason)
            {
                f.reasons.push(reason);
            }
            return;
        }
        if let Some(f) = self.pending.get_mut(rid) {
            f.timestamp = f.timestamp.min(ts);
            if !f.reasons.contains(&reason) {
                f.reasons.push(reason);
            }
            return;
        }
        let id: Arc<str> = Arc::from(rid);
        self.pending.insert(
            id.clone(),
            Failure {
                request_id: rid.to_string(),
                timestamp: ts,
                status: None,
                reasons: vec![reason],
                lines: None,
            },
        );
        self.order.push_back((self.now, id, Entry::Pending));
    }

    /// A status line: the request is decided now.
    fn status(&mut self, rid: &str, ts: i64, status: u16) {
        if self.decided.contains_key(rid) {
            return; // a repeated line
        }
        let id: Arc<str> = Arc::from(rid);
        let pending = self.pending.remove(rid);
        let first = if self.failing(status) && self.of_chosen_route(rid) {
            let mut f = pending.unwrap_or_else(|| Failure {
                request_id: rid.to_string(),
                timestamp: ts,
                status: None,
                reasons: Vec::new(),
                lines: None,
            });
            f.timestamp = f.timestamp.min(ts);
            f.status = Some(status);
            f.lines = self.take_lines(rid);
            let reason = format!("status {status}");
            if !f.reasons.contains(&reason) {
                f.reasons.push(reason);
            }
            let first = f.timestamp;
            self.fail(f);
            Some(first)
        } else {
            // Failure lines of a request that still completed with a status we do not
            // report (e.g. 200 through an error mapping): not a failing request.
            self.take_lines(rid);
            if let Some(r) = self.routes.as_mut() {
                r.of.remove(rid);
            }
            None
        };
        self.decided.insert(id.clone(), first);
        self.order.push_back((self.now, id, Entry::Decided));
    }

    /// Count a failing request, and keep it if it is among the first `limit`.
    fn fail(&mut self, f: Failure) {
        self.total += 1;
        if self.limit == 0 {
            return;
        }
        self.kept
            .insert((f.timestamp, Arc::from(f.request_id.as_str())), f);
        if self.kept.len() > self.limit {
            self.kept.pop_last();
        }
    }

    /// Decide what has waited past the horizon (or past the size bound): failure lines
    /// whose status line never came make a failing request; decided requests are
    /// forgotten.
    fn expire(&mut self) {
        while let Some((at, _, _)) = self.order.front() {
            let over = self.pending.len() + self.decided.len() > MAX_TRACKED;
            if !over && *at >= self.now.saturating_sub(HORIZON_MS) {
                break;
            }
            let Some((_, id, entry)) = self.order.pop_front() else {
                break;
            };
            match entry {
                Entry::Pending => {
                    if let Some(mut f) = self.pending.remove(&id) {
                        let first = f.timestamp;
                        f.lines = self.take_lines(&id);
                        if !self.of_chosen_route(&id) {
                            self.decided.insert(id.clone(), None);
                            self.order.push_back((self.now, id, Entry::Decided));
                            continue;
                        }
                        self.fail(f);
                        self.decided.insert(id.clone(), Some(first));
                        self.order.push_back((self.now, id, Entry::Decided));
                    }
                }
                Entry::Decided => {
                    self.decided.remove(&id);
                }
            }
        }
    }

    pub fn observe(&mut self, e: &Event, groups: &[LogGroup]) {
        self.now = self.now.max(e.timestamp);
        match groups[e.group].source {
            Source::Execution => {
                let Some((rid, text)) = extract::exec_prefix(&e.message) else {
                    return;
                };
                self.keep_line(rid, e);
                if self.routes.is_some()
                    && let Some(rest) = text.strip_prefix("HTTP Method: ")
                    && let Some((m, p)) = rest.split_once(", Resource Path: ")
                {
                    self.route_line(rid, format!("{} {}", m.trim(), p.trim()));
                }
                if let Some(rest) = text.strip_prefix("Method completed with status: ") {
                    let Ok(status) = rest.trim().parse::<u16>() else {
                        return;
                    };
                    self.status(rid, e.timestamp, status);
                } else if self.include_4xx && text.starts_with("Unauthorized request:") {
                    // An authorizer's deny may log no `Method completed` line: it waits
                    // for one like any failure line, and fails the request without it.
                    self.note(rid, e.timestamp, "the authorizer denied the request".into());
                } else if text.starts_with("Execution failed")
                    || text.starts_with("Lambda execution failed")
                {
                    let reason: String = text.chars().take(160).collect();
                    self.note(rid, e.timestamp, reason);
                }
            }
            Source::Access => {
                let Some(rec) = extract::parse_access(&e.message) else {
                    self.unreadable.note(&e.message);
                    return;
                };
                let Some(rid) = rec.request_id.clone().or(rec.extended_request_id.clone()) else {
                    return;
                };
                self.keep_line(&rid, e);
                if self.routes.is_some()
                    && let Some(route) = rec.route().or_else(|| {
                        Some(format!("{} {}", rec.method.as_ref()?, rec.path.as_ref()?))
                    })
                {
                    self.route_line(&rid, route);
                }
                // No status in the format: the execution log decides.
                if let Some(status) = rec.status {
                    self.status(&rid, e.timestamp, status);
                    if self.failing(status)
                        && let Some(r) = rec.rejection()
                    {
                        self.note(&rid, e.timestamp, r);
                    }
                }
            }
            _ => {}
        }
        self.expire();
    }

    /// Keep the execution and access lines of the failing requests (their
    /// [`Failure::lines`]), for a search that reads those groups whole: the linking then
    /// does not read them again. Lines wait in memory until their request is decided (a
    /// succeeded request's are dropped then), at most `cap` lines in all: past it the
    /// oldest undecided request's lines are dropped and that request, should it fail,
    /// is linked by reading again.
    pub fn keep_lines(mut self, cap: usize) -> Finder {
        self.lines = Some(Lines {
            open: HashMap::new(),
            order: VecDeque::new(),
            buffered: 0,
            cap,
            lost: HashMap::new(),
            lost_order: VecDeque::new(),
        });
        self
    }

    /// A line of request `rid`: kept while it is undecided, added to its failure once it
    /// failed, dropped once it succeeded.
    fn keep_line(&mut self, rid: &str, e: &Event) {
        let Some(l) = self.lines.as_mut() else {
            return;
        };
        if let Some(d) = self.decided.get(rid) {
            if let Some(first) = *d
                && let Some(f) = self.kept.get_mut(&(first, Arc::from(rid)))
                && let Some(v) = f.lines.as_mut()
            {
                v.push(e.clone());
            }
            return;
        }
        let now = self.now;
        // Forget what waited past the horizon (a request decided later is re-read).
        while let Some((at, _)) = l.order.front() {
            if *at >= now.saturating_sub(HORIZON_MS) {
                break;
            }
            let Some((_, id)) = l.order.pop_front() else {
                break;
            };
            if !self.pending.contains_key(&id)
                && let Some(v) = l.open.remove(&id)
            {
                l.buffered -= v.len();
                l.lose(id, now);
            }
        }
        while let Some((at, _)) = l.lost_order.front() {
            if *at >= now.saturating_sub(HORIZON_MS) {
                break;
            }
            if let Some((at, id)) = l.lost_order.pop_front()
                && l.lost.get(&id) == Some(&at)
            {
                l.lost.remove(&id);
            }
        }
        if l.lost.contains_key(rid) {
            return;
        }
        match l.open.get_mut(rid) {
            Some(v) => v.push(e.clone()),
            None => {
                let id: Arc<str> = Arc::from(rid);
                l.open.insert(id.clone(), vec![e.clone()]);
                l.order.push_back((now, id));
            }
        }
        l.buffered += 1;
        // Over the bound: drop the oldest undecided request's lines.
        while l.buffered > l.cap {
            let Some((_, id)) = l.order.pop_front() else {
                break;
            };
            if let Some(v) = l.open.remove(&id) {
                l.buffered -= v.len();
                l.lose(id, now);
            }
        }
        if l.lost.len() > MAX_TRACKED {
            // Traffic too dense to keep up: every failure from now on is read again.
            self.lines = None;
        }
    }

    /// The kept lines of a request being decided (`None` if some were dropped).
    fn take_lines(&mut self, rid: &str) -> Option<Vec<Event>> {
        let l = self.lines.as_mut()?;
        if l.lost.contains_key(rid) {
            return None;
        }
        let v = l.open.remove(rid).unwrap_or_default();
        l.buffered -= v.len();
        Some(v)
    }

    /// The first `limit` failing requests in time order, and how many were found in all.
    pub fn finish(mut self) -> (Vec<Failure>, usize) {
        let pending: Vec<Failure> = self.pending.drain().map(|(_, f)| f).collect();
        for mut f in pending {
            f.lines = self.take_lines(&f.request_id);
            if self.of_chosen_route(&f.request_id) {
                self.fail(f);
            }
        }
        (self.kept.into_values().collect(), self.total)
    }
}

/// Escape data for a GitHub Actions workflow command (`::error title=…::data`).
pub fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (`title=…`) of a workflow command.
pub fn gh_escape_property(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A fresh random token for `::stop-commands::TOKEN` … `::TOKEN::`, GitHub's documented
/// way to print untrusted text without the runner executing workflow commands found in
/// it: 128 bits from the OS-seeded keys of `RandomState`, never one that occurs in
/// `text` (the lines it will fence).
pub fn gh_stop_token<'a>(text: impl Iterator<Item = &'a str> + Clone) -> String {
    use std::hash::{BuildHasher, Hasher};
    loop {
        let mut token = String::with_capacity(40);
        for _ in 0..2 {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0),
            );
            token.push_str(&format!("{:016x}", h.finish()));
        }
        let token = format!("apitrace-{token}");
        if !text.clone().any(|t| t.contains(&token)) {
            return token;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<LogGroup> {
        [Source::Execution, Source::Access]
            .into_iter()
            .map(|source| LogGroup::test(source, None))
            .collect()
    }

    fn ev(group: usize, ts: i64, msg: &str) -> Event {
        Event::test(group, ts, &ts.to_string(), msg)
    }

    #[test]
    fn finds_5xx_and_failures_and_4xx_on_request() {
        let g = groups();
        let lines = [
            ev(0, 1, "(a) Method completed with status: 200"),
            ev(
                0,
                2,
                "(b) Lambda execution failed with status 200 due to customer function error: boom. Lambda request id: x",
            ),
            ev(0, 3, "(b) Method completed with status: 502"),
            ev(0, 4, "(c) Execution failed due to a timeout error"),
            ev(0, 5, "(c) Method completed with status: 504"),
            ev(0, 6, "(d) Method completed with status: 401"),
            ev(0, 7, "(e) Execution failed due to configuration error: x"),
            ev(0, 8, "(e) Method completed with status: 200"),
            ev(1, 9, r#"{"requestId":"f","status":"503"}"#),
        ];
        let mut f = Finder::new(false, 20);
        for l in &lines {
            f.observe(l, &g);
        }
        let got: Vec<(String, Option<u16>)> = f
            .finish()
            .0
            .into_iter()
            .map(|x| (x.request_id, x.status))
            .collect();
        assert_eq!(
            got,
            vec![
                ("b".into(), Some(502)),
                ("c".into(), Some(504)),
                ("f".into(), Some(503))
            ]
        );
        let mut f = Finder::new(true, 20);
        for l in &lines {
            f.observe(l, &g);
        }
        assert_eq!(f.finish().1, 4);
    }

    /// A request's lines: maybe failure lines, then maybe a status line.
    fn request(i: u64, ts: i64, rng: &mut u64) -> (Vec<Event>, Option<(i64, Option<u16>)>) {
        let mut next = || {
            *rng ^= *rng << 13;
            *rng ^= *rng >> 7;
            *rng ^= *rng << 17;
            *rng % 100
        };
        let rid = format!("{i:08x}-0000-4000-8000-{i:012x}");
        let mut v = Vec::new();
        let failed_line = next() < 10;
        if failed_line {
            v.push(ev(
                0,
                ts,
                &format!("({rid}) Execution failed due to a timeout error"),
            ));
        }
        let status = match next() {
            0..3 => None,
            3..8 => Some(502),
            8..12 => Some(401),
            _ => Some(200),
        };
        if let Some(s) = status {
            v.push(ev(
                0,
                ts,
                &format!("({rid}) Method completed with status: {s}"),
            ));
        }
        // What the unbounded definition says: failing status, or a failure line and no
        // status line at all.
        let truth = match status {
            Some(s) if s >= 500 => Some((ts, Some(s))),
            None if failed_line => Some((ts, None)),
            _ => None,
        };
        (v, truth)
    }

    #[test]
    fn memory_stays_bounded_and_the_answer_exact_whatever_the_traffic() {
        let g = groups();
        // 300,000 requests: one a millisecond (the horizon bounds what is remembered),
        // then 150,000 in one millisecond (the size bound does).
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut f = Finder::new(false, 20);
        let mut truth = Vec::new();
        let mut peak = 0;
        for i in 0..300_000u64 {
            let ts = 1_000_000 + i as i64;
            let (lines, t) = request(i, ts, &mut rng);
            for l in &lines {
                f.observe(l, &g);
            }
            truth.extend(t.map(|(ts, s)| (ts, i, s)));
            peak = peak.max(f.tracked());
        }
        assert!(peak <= HORIZON_MS as usize + 10, "{peak}");
        for i in 300_000..450_000u64 {
            let (lines, t) = request(i, 5_000_000, &mut rng);
            for l in &lines {
                f.observe(l, &g);
            }
            truth.extend(t.map(|(ts, s)| (ts, i, s)));
            peak = peak.max(f.tracked());
        }
        assert!(peak <= MAX_TRACKED + 1, "{peak}");
        assert!(f.kept.len() <= 20);
        let (found, total) = f.finish();
        assert_eq!(total, truth.len());
        truth.sort_by_key(|&(ts, i, _)| (ts, format!("{i:08x}-0000-4000-8000-{i:012x}")));
        let want: Vec<(String, Option<u16>)> = truth
            .iter()
            .take(20)
            .map(|&(_, i, s)| (format!("{i:08x}-0000-4000-8000-{i:012x}"), s))
            .collect();
        let got: Vec<(String, Option<u16>)> = found
            .into_iter()
            .map(|x| (x.request_id, x.status))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_late_or_repeated_line_of_a_decided_request_changes_nothing() {
        let g = groups();
        let mut f = Finder::new(false, 20);
        for l in [
            ev(0, 1, "(a) Method completed with status: 200"),
            ev(0, 1, "(a) Lambda execution failed with status 200"),
            ev(0, 2, "(b) Method completed with status: 502"),
            ev(0, 2, "(b) Method completed with status: 502"),
            ev(0, 3, "(b) Execution failed due to a timeout error"),
        ] {
            f.observe(&l, &g);
        }
        let (found, total) = f.finish();
        assert_eq!(total, 1);
        assert_eq!(found[0].request_id, "b");
        assert_eq!(
            found[0].reasons,
            ["status 502", "Execution failed due to a timeout error"]
        );
        // A failure line whose status line never comes, within the horizon or past it.
        let mut f = Finder::new(false, 20);
        f.observe(
            &ev(0, 10, "(c) Execution failed due to a timeout error"),
            &g,
        );
        f.observe(
            &ev(
                0,
                10 + HORIZON_MS + 1,
                "(d) Method completed with status: 200",
            ),
            &g,
        );
        f.observe(
            &ev(
                0,
                20 + HORIZON_MS,
                "(e) Execution failed due to a timeout error",
            ),
            &g,
        );
        let (found, total) = f.finish();
        assert_eq!(total, 2);
        assert_eq!(
            found
                .iter()
                .map(|x| x.request_id.as_str())
                .collect::<Vec<_>>(),
            ["c", "e"]
        );
    }

    #[test]
    fn access_log_rejections_and_unreadable_lines() {
        let g = groups();
        let lines = [
            // Rejected before the integration: only the access log knows.
            ev(
                1,
                1,
                r#"{"requestId":"w","status":"403","error":{"responseType":"WAF_FILTERED"}}"#,
            ),
            // Not JSON (real shape, tests/data/realworld Z1), a 504.
            ev(
                1,
                2,
                r#"{"requestId": "t", "status": "504", "error_messageString": " "Endpoint request timed out"", "error_responseType": "INTEGRATION_TIMEOUT"}"#,
            ),
            ev(1, 3, r#"{"requestId":"ok","status":"200"}"#),
            ev(1, 4, "nothing to read here"),
            ev(0, 5, "(d) Unauthorized request: d"),
        ];
        let mut f = Finder::new(true, 20);
        for l in &lines {
            f.observe(l, &g);
        }
        assert_eq!(f.unreadable.count, 1);
        let (found, total) = f.finish();
        assert_eq!(total, 3);
        let got: Vec<(String, Option<u16>, Vec<String>)> = found
            .into_iter()
            .map(|x| (x.request_id, x.status, x.reasons))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "w".into(),
                    Some(403),
                    vec![
                        "status 403".into(),
                        "blocked by AWS WAF (WAF_FILTERED)".into()
                    ]
                ),
                (
                    "t".into(),
                    Some(504),
                    vec![
                        "status 504".into(),
                        "the integration timed out (INTEGRATION_TIMEOUT)".into()
                    ]
                ),
                (
                    "d".into(),
                    None,
                    vec!["the authorizer denied the request".into()]
                ),
            ]
        );
    }

    #[test]
    fn kept_lines_are_the_failing_requests_and_bounded() {
        let g = groups();
        let lines = [
            ev(0, 1, "(a) Extended Request Id: x"),
            ev(0, 2, "(b) Extended Request Id: y"),
            ev(0, 3, "(a) Method completed with status: 200"),
            ev(0, 4, "(b) Execution failed due to a timeout error"),
            ev(0, 5, "(b) Method completed with status: 504"),
            ev(1, 6, r#"{"requestId":"b","status":"504"}"#),
            ev(1, 7, r#"{"requestId":"a","status":"200"}"#),
        ];
        let mut f = Finder::new(false, 20).keep_lines(100);
        for l in &lines {
            f.observe(l, &g);
        }
        let (found, _) = f.finish();
        let kept: Vec<i64> = found[0]
            .lines
            .as_ref()
            .unwrap()
            .iter()
            .map(|e| e.timestamp)
            .collect();
        assert_eq!(
            kept,
            [2, 4, 5, 6],
            "b's lines, the access line after its status too"
        );
        // Without keep_lines, nothing is kept.
        let mut f = Finder::new(false, 20);
        for l in &lines {
            f.observe(l, &g);
        }
        assert!(f.finish().0[0].lines.is_none());
        // Past the bound the oldest undecided request's lines go: it is read again.
        let mut f = Finder::new(false, 20).keep_lines(2);
        for l in &lines {
            f.observe(l, &g);
        }
        let (found, total) = f.finish();
        assert_eq!(total, 1);
        assert!(found[0].lines.is_none());
        // Many succeeded requests, one failure: memory stays at the bound.
        let mut f = Finder::new(false, 20).keep_lines(50);
        for i in 0..10_000i64 {
            let rid = format!("r{i}");
            f.observe(&ev(0, i, &format!("({rid}) Extended Request Id: x")), &g);
            let status = if i == 5_000 { 502 } else { 200 };
            f.observe(
                &ev(
                    0,
                    i,
                    &format!("({rid}) Method completed with status: {status}"),
                ),
                &g,
            );
            assert!(f.lines.as_ref().unwrap().buffered <= 50);
        }
        let (found, _) = f.finish();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].lines.as_ref().map(Vec::len), Some(2));
    }

    #[test]
    fn github_escaping() {
        assert_eq!(gh_escape_data("a%b\nc\r"), "a%25b%0Ac%0D");
        assert_eq!(gh_escape_property("502 GET /a:b,c"), "502 GET /a%3Ab%2Cc");
        assert_eq!(
            gh_escape_property("x\n::add-mask::%0A"),
            "x%0A%3A%3Aadd-mask%3A%3A%250A"
        );
    }

    #[test]
    fn stop_tokens_are_random_and_absent_from_the_text() {
        let a = gh_stop_token(std::iter::empty());
        let b = gh_stop_token(std::iter::empty());
        assert_ne!(a, b);
        assert!(a.len() >= 32 && !a.contains(':'), "{a}");
        let text = [a.as_str(), "other"];
        let c = gh_stop_token(text.iter().copied());
        assert!(c != a && c != b);
    }
}
