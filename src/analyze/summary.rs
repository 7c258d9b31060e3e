//! `apitrace summary`: requests by status class, route and function; Lambda durations,
//! cold starts, timeouts, errors; integration latency percentiles — computed while the
//! merged events stream past, in bounded memory.
//!
//! Percentiles come from a log-bucketed histogram (2 % relative error, a fixed ~1,000
//! buckets), not from stored samples. Routes are joined to statuses through the request id
//! of the execution log (`HTTP Method: … Resource Path: …` then `Method completed with
//! status: …`); the map of requests in flight is bounded. For APIs without an execution log
//! (HTTP APIs) the access log's JSON fields are read instead.
//!
//! One pass: cold starts (REPORT `Init Duration`) and timeouts (`Task timed out` lines and
//! REPORT `Status: timeout`) come from the same stream, never from a second read. Lambda
//! invocations are linked to this stage's requests by the Lambda request id its execution
//! or access log names (see `link`); an invocation waits for its link at most
//! [`LINK_HORIZON_MS`] of log time (and the maps are capped), so memory stays bounded. A
//! function other callers share (`sharing.rs`) is counted from its linked invocations only,
//! when there are any. The route table keeps at most [`MAX_ROUTES`] rows.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde::Serialize;

use crate::core::extract::{self, LambdaLine};
use crate::core::model::{Event, LogGroup, Source};
use crate::resolve::route::match_route;

/// Requests whose route is remembered while waiting for their status line.
const MAX_IN_FLIGHT: usize = 100_000;

/// Distinct rows of the route table; beyond them requests count under [`OTHER_ROUTES`].
const MAX_ROUTES: usize = 1_000;
const OTHER_ROUTES: &str = "(other routes)";

/// A log-bucketed histogram of positive values (milliseconds).
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    n: u64,
    max: f64,
}

const RATIO: f64 = 1.02;
const MIN_VALUE: f64 = 0.01;
const BUCKETS: usize = 1_200; // 0.01 ms · 1.02^1200 ≈ 2e8 ms

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; BUCKETS],
            n: 0,
            max: 0.0,
        }
    }
}

impl Histogram {
    pub fn add(&mut self, v: f64) {
        if !v.is_finite() || v < 0.0 {
            return;
        }
        let i = if v <= MIN_VALUE {
            0
        } else {
            ((v / MIN_VALUE).ln() / RATIO.ln()).ceil() as usize
        };
        self.counts[i.min(BUCKETS - 1)] += 1;
        self.n += 1;
        self.max = self.max.max(v);
    }

    pub fn count(&self) -> u64 {
        self.n
    }

    /// The value at quantile `q` (0..=1), to within the bucket width; `None` if empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let upper = MIN_VALUE * RATIO.powi(i as i32);
                return Some(round2(upper.min(self.max)));
            }
        }
        Some(self.max)
    }

    fn stats(&self) -> Stats {
        Stats {
            count: self.n,
            p50: self.quantile(0.5),
            p95: self.quantile(0.95),
            p99: self.quantile(0.99),
            max: (self.n > 0).then_some(round2(self.max)),
        }
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[derive(Debug, Serialize, PartialEq, Clone, Default)]
pub struct Stats {
    pub count: u64,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Default)]
struct FunctionAcc {
    durations: Histogram,
    cold_starts: u64,
    timeouts: u64,
    errors: u64,
    /// #22: the most memory an invocation used (REPORT `Max Memory Used`).
    max_memory_mb: Option<f64>,
}

impl FunctionAcc {
    fn add(&mut self, i: &Invocation) {
        if let Some(m) = i.max_memory_mb {
            self.max_memory_mb = Some(self.max_memory_mb.map_or(m, |x: f64| x.max(m)));
        }
        if let Some(d) = i.duration_ms {
            self.durations.add(d);
        }
        self.cold_starts += u64::from(i.cold);
        self.timeouts += u64::from(i.timed_out);
        self.errors += u64::from(i.error);
    }
}

/// Per function: every invocation its log shows, and those a request of this stage names.
#[derive(Debug, Default)]
struct FunctionTotals {
    all: FunctionAcc,
    linked: FunctionAcc,
    settled: u64,
    /// Invocations no request of this stage named (`all` − `linked`).
    not_linked: u64,
}

/// One invocation waiting for its REPORT or for the line of this stage that names it.
#[derive(Debug, Default)]
struct Invocation {
    function: String,
    /// Timestamp of its last line seen, for the horizon.
    ts: i64,
    reported: bool,
    /// A line of this stage named it.
    linked: bool,
    duration_ms: Option<f64>,
    cold: bool,
    timed_out: bool,
    error: bool,
    max_memory_mb: Option<f64>,
}

/// How long after an invocation's REPORT (or a link) the other half may still come: the
/// longest Lambda run (15 min) plus a minute. Both halves are logged when the invocation
/// ends, so in practice they lie milliseconds to seconds apart.
const LINK_HORIZON_MS: i64 = 16 * 60_000;

#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct RouteRow {
    pub route: String,
    pub requests: u64,
    #[serde(rename = "4xx")]
    pub c4xx: u64,
    #[serde(rename = "5xx")]
    pub c5xx: u64,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct FunctionRow {
    pub function: String,
    pub invocations: u64,
    pub cold_starts: u64,
    pub timeouts: u64,
    pub errors: u64,
    pub duration_ms: Stats,
    /// Which invocations the figures cover: `linked` (only those a request of this stage
    /// names: the function is shared) or `all` (every invocation in its log).
    pub counted: &'static str,
    /// Invocations in the function's log that no request of this stage named (left out
    /// when `counted` is `linked`, included when `all`).
    pub not_linked: u64,
    /// Callers other than this stage that the function's resource policy allows; `null`
    /// when it could not be read.
    pub shared_with: Option<Vec<String>>,
    /// #22 (`compare`): the most memory an invocation used.
    #[serde(skip)]
    pub max_memory_mb: Option<f64>,
}

/// The result, as printed by `summary -o json`.
#[derive(Debug, Serialize, PartialEq)]
pub struct Report {
    pub requests: u64,
    pub by_status_class: BTreeMap<String, u64>,
    pub by_route: Vec<RouteRow>,
    pub integration_latency_ms: Stats,
    pub functions: Vec<FunctionRow>,
    pub throttles: u64,
    /// #22 (`compare`): per route, the access log's response latency (or integration
    /// latency where the format has no response latency).
    #[serde(skip)]
    pub route_latency_ms: BTreeMap<String, Stats>,
}

/// Accumulates a summary from events of `groups`.
pub struct Summary<'a> {
    groups: &'a [LogGroup],
    /// Requests counted from one log and not yet seen in the other (both logs name every
    /// request they saw; a request is counted once).
    counted: HashSet<String>,
    /// Requests whose integration latency one log gave and the other has not yet: the
    /// execution log's `Received response.` and the access log's `integrationLatency` are
    /// the same call, counted once.
    latency_seen: HashSet<String>,
    /// The API's routes (resource templates / route keys), to name a concrete path by.
    routes_known: Vec<String>,
    /// `--route`: only these routes' requests are counted.
    only_routes: Option<Vec<String>>,
    in_flight: HashMap<String, String>,
    pub unreadable: extract::Unreadable,
    /// Requests an authorizer denied, until their status line (some never log one).
    denied: HashSet<String>,
    requests: u64,
    classes: BTreeMap<String, u64>,
    routes: BTreeMap<String, RouteRow>,
    integration: Histogram,
    functions: BTreeMap<String, FunctionTotals>,
    /// Invocations seen in a function's log, by Lambda request id, until they are settled
    /// (linked, or past the horizon); `pending_order` gives their age.
    pending: HashMap<String, Invocation>,
    pending_order: VecDeque<(i64, String)>,
    /// Lambda request ids this stage's logs named before their invocation was seen.
    links: HashMap<String, i64>,
    links_order: VecDeque<(i64, String)>,
    /// The newest timestamp seen.
    now: i64,
    /// Per function: callers other than this stage (from `sharing`).
    shared: crate::resolve::sharing::Shared,
    throttles: u64,
    /// #22: latency per route (see [`Report::route_latency_ms`]).
    route_latency: HashMap<String, Histogram>,
}

impl<'a> Summary<'a> {
    pub fn new(groups: &'a [LogGroup]) -> Summary<'a> {
        Summary {
            groups,
            counted: HashSet::new(),
            latency_seen: HashSet::new(),
            routes_known: Vec::new(),
            only_routes: None,
            in_flight: HashMap::new(),
            unreadable: extract::Unreadable::default(),
            denied: HashSet::new(),
            requests: 0,
            classes: BTreeMap::new(),
            routes: BTreeMap::new(),
            integration: Histogram::default(),
            functions: BTreeMap::new(),
            pending: HashMap::new(),
            pending_order: VecDeque::new(),
            links: HashMap::new(),
            links_order: VecDeque::new(),
            now: i64::MIN,
            shared: crate::resolve::sharing::Shared::new(),
            throttles: 0,
            route_latency: HashMap::new(),
        }
    }

    /// Name concrete paths by these routes (`GET /users/{id}`, `ANY /v2/{proxy+}`).
    pub fn with_routes(mut self, routes: Vec<String>) -> Self {
        self.routes_known = routes;
        self
    }

    /// Whether a request of this logged route (`None`: not logged) is counted.
    fn route_wanted(&self, route: Option<&str>) -> bool {
        let Some(only) = &self.only_routes else {
            return true;
        };
        route.is_some_and(|r| {
            let r = match_route(&self.routes_known, r).unwrap_or_else(|| r.to_string());
            only.contains(&r)
        })
    }

    /// Count only the requests of these routes (`--route`, #21; as the API defines them).
    pub fn only_routes(mut self, routes: Option<Vec<String>>) -> Self {
        self.only_routes = routes;
        self
    }

    /// What each function's resource policy says about other callers.
    pub fn with_shared(mut self, shared: crate::resolve::sharing::Shared) -> Self {
        self.shared = shared;
        self
    }

    /// Count a request once, whichever log names it first.
    fn count_once(&mut self, rid: &str, route: String, status: u16) {
        if !self.counted.remove(rid) {
            if self.counted.len() >= MAX_IN_FLIGHT {
                self.counted.clear();
            }
            self.counted.insert(rid.to_string());
            if !self.route_wanted(Some(&route)) {
                return;
            }
            let route = match_route(&self.routes_known, &route).unwrap_or(route);
            self.count_request(route, status);
        }
    }

    /// Add a request's integration latency once, whichever log gives it first.
    fn integration_once(&mut self, rid: &str, ms: f64) {
        if rid.is_empty() {
            self.integration.add(ms);
            return;
        }
        if !self.latency_seen.remove(rid) {
            if self.latency_seen.len() >= MAX_IN_FLIGHT {
                self.latency_seen.clear();
            }
            self.latency_seen.insert(rid.to_string());
            self.integration.add(ms);
        }
    }

    fn count_request(&mut self, route: String, status: u16) {
        self.requests += 1;
        *self
            .classes
            .entry(format!("{}xx", status / 100))
            .or_default() += 1;
        // Routes that match none of the API's (scanners' random paths on a `--log-group`
        // run without routes) would grow the table without end: past MAX_ROUTES distinct
        // rows, new ones are folded into one row.
        let route = if self.routes.len() >= MAX_ROUTES && !self.routes.contains_key(&route) {
            OTHER_ROUTES.to_string()
        } else {
            route
        };
        let r = self
            .routes
            .entry(route.clone())
            .or_insert_with(|| RouteRow {
                route,
                ..RouteRow::default()
            });
        r.requests += 1;
        match status {
            400..=499 => r.c4xx += 1,
            500..=599 => r.c5xx += 1,
            _ => {}
        }
        if status == 429 {
            self.throttles += 1;
        }
    }

    pub fn observe(&mut self, e: &Event) {
        let g = &self.groups[e.group];
        self.now = self.now.max(e.timestamp);
        match g.source {
            Source::Execution => self.exec_line(&e.message),
            Source::Access => self.access_line(&e.message),
            Source::Lambda | Source::Authorizer => {
                let name = g.function.clone().unwrap_or_else(|| g.name.clone());
                self.lambda_line(name, &e.message);
            }
            _ => {}
        }
        self.expire();
    }

    /// A line of this stage names Lambda request `id` (integration or authorizer).
    fn link(&mut self, id: &str) {
        if !extract::is_uuid(id) {
            return;
        }
        if let Some(inv) = self.pending.get_mut(id) {
            inv.linked = true;
            if inv.reported
                && let Some(inv) = self.pending.remove(id)
            {
                self.settle(inv);
            }
        } else if self.links.insert(id.to_string(), self.now).is_none() {
            self.links_order.push_back((self.now, id.to_string()));
        }
    }

    fn settle(&mut self, inv: Invocation) {
        let t = self.functions.entry(inv.function.clone()).or_default();
        t.settled += 1;
        t.all.add(&inv);
        if inv.linked {
            t.linked.add(&inv);
        } else {
            t.not_linked += 1;
        }
    }

    /// Settle invocations and forget links past the horizon (or beyond the memory bound).
    fn expire(&mut self) {
        let horizon = self.now.saturating_sub(LINK_HORIZON_MS);
        while let Some((ts, _)) = self.pending_order.front() {
            if *ts >= horizon && self.pending_order.len() <= MAX_IN_FLIGHT {
                break;
            }
            let (ts, id) = self.pending_order.pop_front().expect("front");
            if self.pending.get(&id).is_some_and(|i| i.ts == ts)
                && let Some(inv) = self.pending.remove(&id)
            {
                self.settle(inv);
            }
        }
        while let Some((ts, _)) = self.links_order.front() {
            if *ts >= horizon && self.links_order.len() <= MAX_IN_FLIGHT {
                break;
            }
            let (ts, id) = self.links_order.pop_front().expect("front");
            if self.links.get(&id) == Some(&ts) {
                self.links.remove(&id);
            }
        }
    }

    fn exec_line(&mut self, msg: &str) {
        let Some((rid, text)) = extract::exec_prefix(msg) else {
            return;
        };
        if text.starts_with("Endpoint response headers:")
            || text.starts_with("AWS Integration Endpoint RequestId")
            || text.contains("Lambda request id:")
        {
            let mut f = extract::ApiFacts::default();
            f.scan_exec(text);
            for id in &f.lambda_request_ids {
                self.link(id);
            }
        }
        if let Some(rest) = text.strip_prefix("HTTP Method: ") {
            if let Some((m, p)) = rest.split_once(", Resource Path: ") {
                if self.in_flight.len() >= MAX_IN_FLIGHT {
                    self.in_flight.clear();
                }
                self.in_flight
                    .insert(rid.to_string(), format!("{} {}", m.trim(), p.trim()));
            }
        } else if text.starts_with("Unauthorized request:") {
            if self.denied.len() >= MAX_IN_FLIGHT {
                self.denied.clear();
            }
            self.denied.insert(rid.to_string());
        } else if let Some(rest) = text.strip_prefix("Method completed with status: ") {
            self.denied.remove(rid);
            if let Ok(status) = rest.trim().parse::<u16>() {
                // Requests stopped before execution (an authorizer's deny) log no route.
                let route = self
                    .in_flight
                    .remove(rid)
                    .unwrap_or_else(|| "(no route logged)".into());
                self.count_once(rid, route, status);
            }
        } else if text.starts_with("Received response.") {
            let mut f = extract::ApiFacts::default();
            f.scan_exec(text);
            if let Some(l) = f.integration_latency_ms
                && self.route_wanted(self.in_flight.get(rid).map(String::as_str))
            {
                self.integration_once(rid, l);
            }
        }
    }

    fn access_line(&mut self, msg: &str) {
        let Some(r) = extract::parse_access(msg) else {
            self.unreadable.note(msg);
            return;
        };
        let Some(status) = r.status else {
            return;
        };
        let route = r
            .route()
            .or_else(|| Some(format!("{} {}", r.method.as_ref()?, r.path.as_ref()?)))
            .unwrap_or_else(|| "(no route logged)".into());
        let rid = r
            .request_id
            .clone()
            .or(r.extended_request_id.clone())
            .unwrap_or_default();
        let wanted = self.route_wanted(Some(&route));
        self.count_once(&rid, route.clone(), status);
        if let Some(l) = r.latency_ms.or(r.integration_latency_ms)
            && wanted
        {
            self.add_route_latency(&route, l);
        }
        if let Some(l) = r.integration_latency_ms
            && wanted
        {
            self.integration_once(&rid, l);
        }
        for id in [&r.integration_request_id, &r.authorizer_request_id]
            .into_iter()
            .flatten()
        {
            self.link(id);
        }
    }

    /// #22: a request's latency, under the row `count_once` counted it in.
    fn add_route_latency(&mut self, route: &str, ms: f64) {
        let route = match_route(&self.routes_known, route).unwrap_or_else(|| route.to_string());
        let route = if self.routes.contains_key(&route) {
            route
        } else {
            OTHER_ROUTES.to_string()
        };
        self.route_latency.entry(route).or_default().add(ms);
    }

    fn lambda_line(&mut self, function: String, msg: &str) {
        let (kind, id) = extract::lambda_line(msg);
        let report = if kind == LambdaLine::Report {
            extract::parse_report(msg)
        } else {
            None
        };
        let timed_out_line = report.is_none() && msg.contains("Task timed out after");
        if report.is_none() && !timed_out_line {
            self.functions.entry(function).or_default();
            return;
        }
        let mut inv = match &id {
            Some(id) => self.pending.remove(id).unwrap_or_default(),
            None => Invocation::default(),
        };
        inv.function = function;
        inv.ts = self.now;
        if let Some(id) = &id
            && self.links.remove(id).is_some()
        {
            inv.linked = true;
        }
        if let Some(r) = report {
            inv.reported = true;
            inv.duration_ms = r.duration_ms;
            inv.max_memory_mb = r.max_memory_mb;
            inv.cold = r.init_duration_ms.is_some();
            match r.status.as_deref() {
                Some("timeout") => inv.timed_out = true,
                Some("error") | Some("failure") => inv.error = true,
                _ => {}
            }
        } else {
            inv.timed_out = true;
        }
        match id {
            Some(id) if !(inv.reported && inv.linked) => {
                self.pending_order.push_back((inv.ts, id.clone()));
                self.pending.insert(id, inv);
            }
            _ => self.settle(inv),
        }
    }

    pub fn finish(mut self) -> Report {
        // Denied requests that logged no status (and no access line counted them): 4xx.
        // They logged no route: not counted under `--route`.
        for rid in std::mem::take(&mut self.denied) {
            if !self.counted.contains(&rid) && self.only_routes.is_none() {
                self.requests += 1;
                *self.classes.entry("4xx".into()).or_default() += 1;
                let r = self
                    .routes
                    .entry("(no route logged)".into())
                    .or_insert_with(|| RouteRow {
                        route: "(no route logged)".into(),
                        ..RouteRow::default()
                    });
                r.requests += 1;
                r.c4xx += 1;
            }
        }
        for (_, inv) in std::mem::take(&mut self.pending) {
            self.settle(inv);
        }
        let mut by_route: Vec<RouteRow> = self.routes.into_values().collect();
        by_route.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.route.cmp(&b.route)));
        Report {
            requests: self.requests,
            by_status_class: self.classes,
            by_route,
            integration_latency_ms: self.integration.stats(),
            functions: self
                .functions
                .into_iter()
                .map(|(function, t)| {
                    let shared_with = self.shared.get(&function).cloned().flatten();
                    // Shared, and this stage's logs name invocations: count only those.
                    let linked = shared_with.as_ref().is_some_and(|s| !s.is_empty())
                        && t.settled > t.not_linked;
                    let a = if linked { &t.linked } else { &t.all };
                    FunctionRow {
                        invocations: a.durations.count(),
                        cold_starts: a.cold_starts,
                        timeouts: a.timeouts,
                        errors: a.errors,
                        duration_ms: a.durations.stats(),
                        counted: if linked { "linked" } else { "all" },
                        not_linked: t.not_linked,
                        shared_with,
                        max_memory_mb: a.max_memory_mb,
                        function,
                    }
                })
                .collect(),
            throttles: self.throttles,
            route_latency_ms: self
                .route_latency
                .iter()
                .map(|(k, h)| (k.clone(), h.stats()))
                .collect(),
        }
    }
}

/// What the SHARED column of the function table says.
fn shared_cell(f: &FunctionRow) -> String {
    match &f.shared_with {
        Some(w) if !w.is_empty() && f.counted == "linked" => format!(
            "with {}: only this stage's invocations counted ({} others left out)",
            w.join(", "),
            f.not_linked
        ),
        Some(w) if !w.is_empty() => format!(
            "with {}: figures include other callers (no request of this stage names an invocation)",
            w.join(", ")
        ),
        Some(_) => "no".into(),
        None => "?".into(),
    }
}

/// One note per shared function, for stderr: what its figures cover.
pub fn shared_notes(r: &Report) -> Vec<String> {
    r.functions
        .iter()
        .filter(|f| f.shared_with.as_ref().is_some_and(|w| !w.is_empty()))
        .map(|f| {
            let with = f.shared_with.as_deref().unwrap_or_default().join(", ");
            if f.counted == "linked" {
                format!(
                    "function {} is shared (its resource policy allows {with}); only the {} invocations this stage's requests name are counted, {} others are left out",
                    f.function, f.invocations, f.not_linked
                )
            } else {
                format!(
                    "function {} is shared (its resource policy allows {with}) and this stage's logs name none of its invocations (log the Lambda request id: $context.integration.requestId in the access log, or INFO execution logging); its figures include other callers",
                    f.function
                )
            }
        })
        .collect()
}

/// The text rendering: three small tables. Durations go through `numfmt`.
pub fn render_text(r: &Report) -> Vec<(Vec<&'static str>, Vec<Vec<String>>)> {
    let opt = crate::core::numfmt::opt_duration_ms;
    let mut status_rows: Vec<Vec<String>> = r
        .by_status_class
        .iter()
        .map(|(k, v)| vec![k.clone(), v.to_string()])
        .collect();
    status_rows.push(vec!["total".into(), r.requests.to_string()]);
    status_rows.push(vec!["throttled (429)".into(), r.throttles.to_string()]);
    let l = &r.integration_latency_ms;
    status_rows.push(vec![
        "integration latency".into(),
        crate::core::numfmt::percentiles(l.p50, l.p95, l.p99, l.max),
    ]);
    let routes = r
        .by_route
        .iter()
        .map(|x| {
            vec![
                x.route.clone(),
                x.requests.to_string(),
                x.c4xx.to_string(),
                x.c5xx.to_string(),
            ]
        })
        .collect();
    let funcs = r
        .functions
        .iter()
        .map(|f| {
            vec![
                f.function.clone(),
                f.invocations.to_string(),
                f.cold_starts.to_string(),
                f.timeouts.to_string(),
                f.errors.to_string(),
                opt(f.duration_ms.p50),
                opt(f.duration_ms.p95),
                opt(f.duration_ms.p99),
                opt(f.duration_ms.max),
                shared_cell(f),
            ]
        })
        .collect();
    vec![
        (vec!["REQUESTS", "COUNT"], status_rows),
        (vec!["ROUTE", "REQUESTS", "4XX", "5XX"], routes),
        (
            vec![
                "FUNCTION",
                "INVOCATIONS",
                "COLD",
                "TIMEOUTS",
                "ERRORS",
                "P50",
                "P95",
                "P99",
                "MAX",
                "SHARED",
            ],
            funcs,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_within_two_percent() {
        let mut h = Histogram::default();
        for i in 1..=1000 {
            h.add(i as f64);
        }
        for (q, want) in [(0.5, 500.0), (0.95, 950.0), (0.99, 990.0)] {
            let got = h.quantile(q).unwrap();
            assert!((got - want).abs() / want <= 0.021, "q{q}: {got}");
        }
        assert_eq!(h.stats().max, Some(1000.0));
        assert_eq!(Histogram::default().quantile(0.5), None);
        let mut one = Histogram::default();
        one.add(12.34);
        assert_eq!(one.quantile(0.99), Some(12.34));
        one.add(f64::NAN);
        one.add(-1.0);
        assert_eq!(one.count(), 1);
    }

    fn group(source: Source, function: Option<&str>) -> LogGroup {
        LogGroup::test(source, function)
    }

    fn ev(group: usize, msg: &str) -> Event {
        Event::test(group, 0, "1", msg)
    }

    #[test]
    fn counts_requests_routes_and_functions() {
        let groups = vec![
            group(Source::Execution, None),
            group(Source::Lambda, Some("f")),
            group(Source::Access, None),
        ];
        let mut s = Summary::new(&groups);
        for (rid, route, status) in [
            ("a", "/users", 200),
            ("b", "/users", 502),
            ("c", "/orders", 404),
        ] {
            s.observe(&ev(
                0,
                &format!("({rid}) HTTP Method: GET, Resource Path: {route}"),
            ));
            s.observe(&ev(
                0,
                &format!("({rid}) Received response. Status: 200, Integration latency: 40 ms"),
            ));
            s.observe(&ev(
                0,
                &format!("({rid}) Method completed with status: {status}"),
            ));
        }
        // Access lines are not counted again when the execution log is read.
        s.observe(&ev(
            2,
            r#"{"requestId":"a","status":"200","routeKey":"GET /users"}"#,
        ));
        let id = "11111111-1111-1111-1111-111111111111";
        s.observe(&ev(1, &format!("REPORT RequestId: {id}\tDuration: 10.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\tInit Duration: 100.00 ms")));
        s.observe(&ev(
            1,
            &format!("2024-04-14T01:17:35.426Z {id} Task timed out after 3.00 seconds"),
        ));
        let id2 = "22222222-2222-2222-2222-222222222222";
        s.observe(&ev(1, &format!("REPORT RequestId: {id2}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\tStatus: timeout")));
        let r = s.finish();
        assert_eq!(r.requests, 3);
        assert_eq!(r.by_status_class.get("2xx"), Some(&1));
        assert_eq!(r.by_status_class.get("5xx"), Some(&1));
        assert_eq!(r.by_status_class.get("4xx"), Some(&1));
        assert_eq!(
            r.by_route[0],
            RouteRow {
                route: "GET /users".into(),
                requests: 2,
                c4xx: 0,
                c5xx: 1
            }
        );
        assert_eq!(r.integration_latency_ms.count, 3);
        let f = &r.functions[0];
        assert_eq!((f.invocations, f.cold_starts, f.timeouts), (2, 1, 2));
        assert_eq!(f.duration_ms.max, Some(3000.0));
    }

    #[test]
    fn routes_are_templates_not_concrete_paths() {
        let routes: Vec<String> = [
            "GET /users",
            "GET /users/{id}",
            "ANY /v2/{proxy+}",
            "DELETE /v2/jobs/{id}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = |c: &str| match_route(&routes, c);
        assert_eq!(m("GET /users/42").as_deref(), Some("GET /users/{id}"));
        assert_eq!(m("GET /users").as_deref(), Some("GET /users"));
        assert_eq!(
            m("DELETE /v2/jobs/259bebd2").as_deref(),
            Some("DELETE /v2/jobs/{id}")
        );
        assert_eq!(
            m("POST /v2/jobs/259bebd2/run").as_deref(),
            Some("ANY /v2/{proxy+}")
        );
        assert_eq!(m("GET /nothing/here"), None);
        assert_eq!(m("GET /users/{id}"), None);
        let groups = vec![group(Source::Execution, None), group(Source::Access, None)];
        let mut s = Summary::new(&groups).with_routes(routes.clone());
        for (i, id) in ["259bebd2", "3f1c0aa7", "9d2e11b4"].iter().enumerate() {
            s.observe(&ev(
                0,
                &format!("(r{i}) HTTP Method: DELETE, Resource Path: /v2/jobs/{id}"),
            ));
            s.observe(&ev(0, &format!("(r{i}) Method completed with status: 204")));
            // The same request in the access log is not counted twice.
            s.observe(&ev(1, &format!(r#"{{"requestId":"r{i}","status":"204","httpMethod":"DELETE","resourcePath":"/v2/jobs/{{id}}"}}"#)));
        }
        // Rejected before the integration: only the access log has it.
        s.observe(&ev(1, r#"{"requestId":"r9","status":"403","httpMethod":"GET","resourcePath":"/users","error":{"responseType":"WAF_FILTERED"}}"#));
        // An authorizer's deny with no status line at all.
        s.observe(&ev(0, "(r8) Unauthorized request: r8"));
        s.observe(&ev(1, "{{not readable"));
        assert_eq!(s.unreadable.count, 1);
        let r = s.finish();
        assert_eq!(r.requests, 5);
        assert_eq!(r.by_route[0].route, "DELETE /v2/jobs/{id}");
        assert_eq!(r.by_route[0].requests, 3);
        assert_eq!(r.by_status_class.get("4xx"), Some(&2));
    }

    #[test]
    fn http_apis_count_from_the_access_log() {
        let groups = vec![group(Source::Access, None)];
        let mut s = Summary::new(&groups);
        s.observe(&ev(
            0,
            r#"{"requestId":"x","routeKey":"GET /items","status":"200","integrationLatency":"12"}"#,
        ));
        s.observe(&ev(
            0,
            r#"{"requestId":"y","routeKey":"GET /items","status":503}"#,
        ));
        s.observe(&ev(0, "not json"));
        let r = s.finish();
        assert_eq!(r.requests, 2);
        assert_eq!(r.by_route[0].c5xx, 1);
        assert_eq!(r.integration_latency_ms.count, 1);
    }

    /// Both logs give a request's integration latency: it is one sample, not two.
    #[test]
    fn integration_latency_is_counted_once_per_request() {
        let groups = vec![group(Source::Execution, None), group(Source::Access, None)];
        let mut s = Summary::new(&groups);
        for rid in ["a", "b"] {
            s.observe(&ev(
                0,
                &format!("({rid}) HTTP Method: GET, Resource Path: /x"),
            ));
            s.observe(&ev(
                0,
                &format!("({rid}) Received response. Status: 200, Integration latency: 40 ms"),
            ));
            s.observe(&ev(
                0,
                &format!("({rid}) Method completed with status: 200"),
            ));
            s.observe(&ev(
                1,
                &format!(
                    r#"{{"requestId":"{rid}","httpMethod":"GET","resourcePath":"/x","status":"200","integrationLatency":"40"}}"#
                ),
            ));
        }
        let r = s.finish();
        assert_eq!(r.requests, 2);
        assert_eq!(r.integration_latency_ms.count, 2);
    }

    fn report(id: &str, ms: f64, extra: &str) -> String {
        format!(
            "REPORT RequestId: {id}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\t{extra}",
            ms.ceil()
        )
    }

    fn at(group: usize, ts: i64, msg: &str) -> Event {
        Event {
            timestamp: ts,
            ..ev(group, msg)
        }
    }

    #[test]
    fn shared_functions_count_only_this_stages_invocations() {
        let groups = vec![
            group(Source::Access, None),
            group(Source::Lambda, Some("f")),
            group(Source::Lambda, Some("g")),
        ];
        let mine = [
            "11111111-1111-1111-1111-111111111111",
            "22222222-2222-2222-2222-222222222222",
        ];
        let theirs = [
            "33333333-3333-3333-3333-333333333333",
            "44444444-4444-4444-4444-444444444444",
            "55555555-5555-5555-5555-555555555555",
        ];
        let run = |shared: crate::resolve::sharing::Shared| {
            let mut s = Summary::new(&groups).with_shared(shared);
            // This stage's first request: its access line comes after the REPORT; the
            // second names its invocation before the REPORT (and the timeout line).
            s.observe(&at(
                1,
                10,
                &report(mine[0], 10.0, "Init Duration: 100.00 ms"),
            ));
            s.observe(&at(0, 11, &format!(r#"{{"requestId":"a","status":"200","routeKey":"GET /x","integrationRequestId":"{}"}}"#, mine[0])));
            s.observe(&at(0, 20, &format!(r#"{{"requestId":"b","status":"200","routeKey":"GET /x","integrationRequestId":"{}"}}"#, mine[1])));
            s.observe(&at(
                1,
                21,
                &format!(
                    "2024-04-14T01:17:35.426Z {} Task timed out after 3.00 seconds",
                    mine[1]
                ),
            ));
            s.observe(&at(1, 22, &report(mine[1], 3000.0, "Status: timeout")));
            // Another API's invocations of the same function: errors and timeouts.
            s.observe(&at(1, 30, &report(theirs[0], 5.0, "Status: error")));
            s.observe(&at(1, 31, &report(theirs[1], 3000.0, "Status: timeout")));
            // g: not shared, one unnamed invocation, long after: past the horizon.
            s.observe(&at(2, 40, &report(theirs[2], 7.0, "")));
            s.observe(&at(
                0,
                40 + LINK_HORIZON_MS + 1,
                r#"{"requestId":"c","status":"200","routeKey":"GET /x"}"#,
            ));
            s.finish()
        };
        let shared: crate::resolve::sharing::Shared = [
            ("f".to_string(), Some(vec!["API other".to_string()])),
            ("g".to_string(), Some(vec![])),
        ]
        .into_iter()
        .collect();
        let r = run(shared);
        let f = &r.functions[0];
        assert_eq!(
            (
                f.invocations,
                f.cold_starts,
                f.timeouts,
                f.errors,
                f.not_linked,
                f.counted
            ),
            (2, 1, 1, 0, 2, "linked")
        );
        assert_eq!(f.duration_ms.max, Some(3000.0));
        let g = &r.functions[1];
        assert_eq!((g.invocations, g.not_linked, g.counted), (1, 1, "all"));
        let notes = shared_notes(&r);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("only the 2 invocations"), "{notes:?}");
        assert!(render_text(&r)[2].1[0][9].contains("2 others left out"));
        // Without the policy: every invocation is counted, and none is called shared.
        let r = run(crate::resolve::sharing::Shared::new());
        let f = &r.functions[0];
        assert_eq!(
            (f.invocations, f.timeouts, f.errors, f.not_linked, f.counted),
            (4, 2, 1, 2, "all")
        );
        assert!(shared_notes(&r).is_empty());
    }

    #[test]
    fn the_route_table_is_bounded() {
        let groups = vec![group(Source::Access, None)];
        let mut s = Summary::new(&groups);
        for i in 0..5_000 {
            s.observe(&ev(
                0,
                &format!(
                    r#"{{"requestId":"r{i}","status":"404","httpMethod":"GET","path":"/scan/{i}"}}"#
                ),
            ));
        }
        let r = s.finish();
        assert_eq!(r.requests, 5_000);
        assert_eq!(r.by_route.len(), MAX_ROUTES + 1);
        assert_eq!(r.by_route[0].route, OTHER_ROUTES);
        assert_eq!(r.by_route[0].requests, 5_000 - MAX_ROUTES as u64);
        assert_eq!(r.by_route.iter().map(|x| x.c4xx).sum::<u64>(), 5_000);
    }
}
