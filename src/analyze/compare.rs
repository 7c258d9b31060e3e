//! `apitrace compare` (#22): two `summary` reports (the baseline and the current window)
//! side by side, the new failure causes, and the `--fail-on` rules of the gate. Pure: no
//! AWS, no printing.
//!
//! Statistics (README, "Gate a deploy in CI"):
//! - a rate is a count over the window's requests (invocations for functions);
//! - latency percentiles come from `summary`'s log-bucketed histograms (2 % relative
//!   error), per route from the access log's response latency;
//! - a rule judges a route or function only when the current window has at least
//!   `min_samples` requests (invocations), and, when it compares with the baseline
//!   (`+` thresholds), the baseline too: three requests never fail a deploy;
//! - `+X%` is a relative increase over the baseline (from a baseline of 0, any increase
//!   holds), `+Xpp` an increase in percentage points, `+Xms` an increase in milliseconds;
//!   a plain value (`1%`, `800ms`) is a limit on the current window alone;
//! - `new-errors` holds when a cause (a fingerprint, `cause.rs`) of the current window was
//!   not seen in the baseline; `new-errors>N` when such a cause has more than N requests.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::analyze::summary::{Report, Stats};

/// The exit code when a `--fail-on` rule holds (1 stays "an error").
pub const EXIT_GATE: u8 = 3;

/// One window's figures for a route.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RouteSide {
    pub requests: u64,
    #[serde(rename = "4xx_rate")]
    pub rate_4xx: Option<f64>,
    #[serde(rename = "5xx_rate")]
    pub rate_5xx: Option<f64>,
    /// Requests with a latency (the percentiles' sample size).
    pub latency_samples: u64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RouteDelta {
    pub route: String,
    pub baseline: RouteSide,
    pub current: RouteSide,
}

/// One window's figures for a function.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FunctionSide {
    pub invocations: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub cold_starts: u64,
    pub error_rate: Option<f64>,
    pub timeout_rate: Option<f64>,
    pub p95_ms: Option<f64>,
    pub max_memory_mb: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FunctionDelta {
    pub function: String,
    pub baseline: FunctionSide,
    pub current: FunctionSide,
}

/// A failure cause of the current window, and whether the baseline had it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CauseDelta {
    pub cause: String,
    pub current: usize,
    pub baseline: usize,
    pub new: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Comparison {
    pub routes: Vec<RouteDelta>,
    pub functions: Vec<FunctionDelta>,
    /// Causes of the current window (new ones first), then those only the baseline had.
    pub causes: Vec<CauseDelta>,
}

fn rate(n: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| n as f64 / of as f64)
}

fn route_side(r: &crate::analyze::summary::RouteRow, lat: Option<&Stats>) -> RouteSide {
    RouteSide {
        requests: r.requests,
        rate_4xx: rate(r.c4xx, r.requests),
        rate_5xx: rate(r.c5xx, r.requests),
        latency_samples: lat.map_or(0, |l| l.count),
        p50_ms: lat.and_then(|l| l.p50),
        p95_ms: lat.and_then(|l| l.p95),
        p99_ms: lat.and_then(|l| l.p99),
    }
}

fn function_side(f: &crate::analyze::summary::FunctionRow) -> FunctionSide {
    FunctionSide {
        invocations: f.invocations,
        errors: f.errors,
        timeouts: f.timeouts,
        cold_starts: f.cold_starts,
        error_rate: rate(f.errors, f.invocations),
        timeout_rate: rate(f.timeouts, f.invocations),
        p95_ms: f.duration_ms.p95,
        max_memory_mb: f.max_memory_mb,
    }
}

/// Relative change of `cur` over `base` (`None` when either is missing or base is 0).
fn relative(base: Option<f64>, cur: Option<f64>) -> Option<f64> {
    match (base, cur) {
        (Some(b), Some(c)) if b > 0.0 => Some(c / b - 1.0),
        _ => None,
    }
}

/// How much worse a route got, for "worst first": the larger of its 5xx-rate increase in
/// percentage points and its p95 increase in percent, counted only with `min` samples on
/// both sides.
fn route_badness(r: &RouteDelta, min: u64) -> f64 {
    let (b, c) = (&r.baseline, &r.current);
    let mut worst = f64::NEG_INFINITY;
    if b.requests >= min && c.requests >= min {
        worst = worst.max((c.rate_5xx.unwrap_or(0.0) - b.rate_5xx.unwrap_or(0.0)) * 100.0);
    }
    if b.latency_samples >= min
        && c.latency_samples >= min
        && let Some(d) = relative(b.p95_ms, c.p95_ms)
    {
        worst = worst.max(d * 100.0);
    }
    worst
}

fn function_badness(f: &FunctionDelta, min: u64) -> f64 {
    let (b, c) = (&f.baseline, &f.current);
    if b.invocations < min || c.invocations < min {
        return f64::NEG_INFINITY;
    }
    let fails = |s: &FunctionSide| s.error_rate.unwrap_or(0.0) + s.timeout_rate.unwrap_or(0.0);
    let mut worst = (fails(c) - fails(b)) * 100.0;
    if let Some(d) = relative(b.p95_ms, c.p95_ms) {
        worst = worst.max(d * 100.0);
    }
    worst
}

/// Put the two reports side by side; `causes_*` are the fingerprints and their counts.
pub fn compare(
    base: &Report,
    cur: &Report,
    causes_base: &[(String, usize)],
    causes_cur: &[(String, usize)],
    min_samples: u64,
) -> Comparison {
    let names: BTreeSet<&str> = base
        .by_route
        .iter()
        .chain(&cur.by_route)
        .map(|r| r.route.as_str())
        .collect();
    let side = |rep: &Report, name: &str| {
        rep.by_route
            .iter()
            .find(|r| r.route == name)
            .map(|r| route_side(r, rep.route_latency_ms.get(name)))
            .unwrap_or_default()
    };
    let mut routes: Vec<RouteDelta> = names
        .into_iter()
        .map(|n| RouteDelta {
            route: n.to_string(),
            baseline: side(base, n),
            current: side(cur, n),
        })
        .collect();
    routes.sort_by(|a, b| {
        route_badness(b, min_samples)
            .total_cmp(&route_badness(a, min_samples))
            .then(b.current.requests.cmp(&a.current.requests))
            .then(a.route.cmp(&b.route))
    });
    let fnames: BTreeSet<&str> = base
        .functions
        .iter()
        .chain(&cur.functions)
        .map(|f| f.function.as_str())
        .collect();
    let fside = |rep: &Report, name: &str| {
        rep.functions
            .iter()
            .find(|f| f.function == name)
            .map(function_side)
            .unwrap_or_default()
    };
    let mut functions: Vec<FunctionDelta> = fnames
        .into_iter()
        .map(|n| FunctionDelta {
            function: n.to_string(),
            baseline: fside(base, n),
            current: fside(cur, n),
        })
        .collect();
    functions.sort_by(|a, b| {
        function_badness(b, min_samples)
            .total_cmp(&function_badness(a, min_samples))
            .then(b.current.invocations.cmp(&a.current.invocations))
            .then(a.function.cmp(&b.function))
    });
    let before: BTreeMap<&str, usize> = causes_base.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    let mut causes: Vec<CauseDelta> = causes_cur
        .iter()
        .map(|(k, n)| CauseDelta {
            cause: k.clone(),
            current: *n,
            baseline: before.get(k.as_str()).copied().unwrap_or(0),
            new: !before.contains_key(k.as_str()),
        })
        .collect();
    for (k, n) in causes_base {
        if !causes_cur.iter().any(|(c, _)| c == k) {
            causes.push(CauseDelta {
                cause: k.clone(),
                current: 0,
                baseline: *n,
                new: false,
            });
        }
    }
    causes.sort_by(|a, b| {
        b.new
            .cmp(&a.new)
            .then(b.current.cmp(&a.current))
            .then(a.cause.cmp(&b.cause))
    });
    Comparison {
        routes,
        functions,
        causes,
    }
}

// ------------------------------------------------------------------ rules

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Rate5xx,
    Rate4xx,
    P50,
    P95,
    P99,
    FnErrorRate,
    FnTimeoutRate,
    FnP95,
    NewErrors,
}

const METRICS: &[(&str, Metric)] = &[
    ("5xx-rate", Metric::Rate5xx),
    ("4xx-rate", Metric::Rate4xx),
    ("p50", Metric::P50),
    ("p95", Metric::P95),
    ("p99", Metric::P99),
    ("fn-error-rate", Metric::FnErrorRate),
    ("fn-timeout-rate", Metric::FnTimeoutRate),
    ("fn-p95", Metric::FnP95),
    ("new-errors", Metric::NewErrors),
];

impl Metric {
    fn is_rate(self) -> bool {
        matches!(
            self,
            Metric::Rate5xx | Metric::Rate4xx | Metric::FnErrorRate | Metric::FnTimeoutRate
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// The current value above this (a rate as a fraction, a latency in ms, a count).
    Above(f64),
    /// The current value above the baseline's by more than this (fraction points or ms).
    Increase(f64),
    /// The current value above the baseline's by more than this fraction of it.
    Relative(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub text: String,
    pub metric: Metric,
    pub threshold: Threshold,
}

/// The hint of a bad rule.
pub fn rule_hint() -> String {
    format!(
        "a rule is METRIC>VALUE, e.g. '5xx-rate>1%', '5xx-rate>+2pp', 'p95>+20%', 'p99>800ms', 'fn-p95>+100ms', or new-errors; metrics: {}",
        METRICS
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Parse one `--fail-on` rule; the error says what is wrong (the hint is [`rule_hint`]).
pub fn parse_rule(text: &str) -> Result<Rule, String> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (name, value) = match t.split_once('>') {
        Some((n, v)) => (n.to_ascii_lowercase(), Some(v.to_string())),
        None => (t.to_ascii_lowercase(), None),
    };
    let metric = METRICS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, m)| *m)
        .ok_or_else(|| format!("--fail-on '{text}': unknown metric '{name}'"))?;
    let bad = |why: &str| format!("--fail-on '{text}': {why}");
    let Some(value) = value else {
        return if metric == Metric::NewErrors {
            Ok(Rule {
                text: text.trim().to_string(),
                metric,
                threshold: Threshold::Above(0.0),
            })
        } else {
            Err(bad("no threshold (METRIC>VALUE)"))
        };
    };
    let (plus, v) = match value.strip_prefix('+') {
        Some(v) => (true, v),
        None => (false, value.as_str()),
    };
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: f64 = num
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .ok_or_else(|| bad(&format!("'{value}' is not a number")))?;
    let unit = unit.to_ascii_lowercase();
    let threshold = match (metric, plus, unit.as_str()) {
        (Metric::NewErrors, false, "") => Threshold::Above(n.floor()),
        (Metric::NewErrors, _, _) => {
            return Err(bad("new-errors takes a count of requests (new-errors>5)"));
        }
        (m, false, "%") if m.is_rate() => Threshold::Above(n / 100.0),
        (m, true, "%") if m.is_rate() => Threshold::Relative(n / 100.0),
        (m, true, "pp") if m.is_rate() => Threshold::Increase(n / 100.0),
        (m, _, _) if m.is_rate() => {
            return Err(bad(
                "a rate takes 1% (the current rate), +2pp (points over the baseline) or +50% (relative to it)",
            ));
        }
        (_, true, "%") => Threshold::Relative(n / 100.0),
        (_, plus, "ms" | "s") => {
            let ms = if unit == "s" { n * 1000.0 } else { n };
            if plus {
                Threshold::Increase(ms)
            } else {
                Threshold::Above(ms)
            }
        }
        _ => {
            return Err(bad(
                "a latency takes 800ms or 1s (the current value), +100ms or +20% (over the baseline)",
            ));
        }
    };
    Ok(Rule {
        text: text.trim().to_string(),
        metric,
        threshold,
    })
}

/// A rule that held, for whom, and by how much.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Breach {
    pub rule: String,
    /// The route, function or cause.
    pub subject: String,
    pub baseline: Option<f64>,
    pub current: f64,
    /// One line: what the figures were.
    pub detail: String,
}

fn fmt_value(m: Metric, v: f64) -> String {
    if m.is_rate() {
        format!("{:.1}%", v * 100.0)
    } else {
        crate::core::numfmt::opt_duration_ms(Some(v))
    }
}

/// Whether `cur` (against `base`) passes `th`; `Some(detail)` when the rule holds.
fn judge(m: Metric, th: Threshold, base: Option<f64>, cur: f64) -> Option<String> {
    let f = |v| fmt_value(m, v);
    match th {
        Threshold::Above(x) => (cur > x).then(|| format!("{} > {}", f(cur), f(x))),
        Threshold::Increase(x) => {
            let b = base?;
            let d = cur - b;
            (d > x).then(|| {
                let by = if m.is_rate() {
                    format!("+{:.1}pp", d * 100.0)
                } else {
                    format!("+{}", f(d))
                };
                format!("{} → {} ({by})", f(b), f(cur))
            })
        }
        Threshold::Relative(x) => {
            let b = base?;
            if b <= 0.0 {
                return (cur > 0.0).then(|| format!("{} → {} (from none)", f(b), f(cur)));
            }
            let r = cur / b - 1.0;
            (r > x).then(|| format!("{} → {} (+{:.0}%)", f(b), f(cur), r * 100.0))
        }
    }
}

/// Every (rule, subject) that holds.
pub fn evaluate(rules: &[Rule], c: &Comparison, min_samples: u64) -> Vec<Breach> {
    let mut out = Vec::new();
    for rule in rules {
        let needs_base = !matches!(rule.threshold, Threshold::Above(_));
        let mut check =
            |subject: &str, n_base: u64, n_cur: u64, base: Option<f64>, cur: Option<f64>| {
                let Some(cur) = cur else { return };
                if n_cur < min_samples || (needs_base && n_base < min_samples) {
                    return;
                }
                if let Some(detail) = judge(rule.metric, rule.threshold, base, cur) {
                    out.push(Breach {
                        rule: rule.text.clone(),
                        subject: subject.to_string(),
                        baseline: base,
                        current: cur,
                        detail,
                    });
                }
            };
        match rule.metric {
            Metric::Rate5xx | Metric::Rate4xx | Metric::P50 | Metric::P95 | Metric::P99 => {
                for r in &c.routes {
                    let (b, k) = (&r.baseline, &r.current);
                    let (nb, nc, vb, vc) = match rule.metric {
                        Metric::Rate5xx => (b.requests, k.requests, b.rate_5xx, k.rate_5xx),
                        Metric::Rate4xx => (b.requests, k.requests, b.rate_4xx, k.rate_4xx),
                        Metric::P50 => (b.latency_samples, k.latency_samples, b.p50_ms, k.p50_ms),
                        Metric::P95 => (b.latency_samples, k.latency_samples, b.p95_ms, k.p95_ms),
                        _ => (b.latency_samples, k.latency_samples, b.p99_ms, k.p99_ms),
                    };
                    check(&r.route, nb, nc, vb, vc);
                }
            }
            Metric::FnErrorRate | Metric::FnTimeoutRate | Metric::FnP95 => {
                for f in &c.functions {
                    let (b, k) = (&f.baseline, &f.current);
                    let (vb, vc) = match rule.metric {
                        Metric::FnErrorRate => (b.error_rate, k.error_rate),
                        Metric::FnTimeoutRate => (b.timeout_rate, k.timeout_rate),
                        _ => (b.p95_ms, k.p95_ms),
                    };
                    check(&f.function, b.invocations, k.invocations, vb, vc);
                }
            }
            Metric::NewErrors => {
                let Threshold::Above(n) = rule.threshold else {
                    continue;
                };
                for x in c.causes.iter().filter(|x| x.new && x.current as f64 > n) {
                    out.push(Breach {
                        rule: rule.text.clone(),
                        subject: x.cause.clone(),
                        baseline: Some(0.0),
                        current: x.current as f64,
                        detail: format!(
                            "a new cause: {} failing request{}, none in the baseline",
                            x.current,
                            if x.current == 1 { "" } else { "s" }
                        ),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_bad_ones_say_why() {
        let r = |s: &str| parse_rule(s).map(|r| (r.metric, r.threshold));
        assert_eq!(
            r("5xx-rate>1%"),
            Ok((Metric::Rate5xx, Threshold::Above(0.01)))
        );
        assert_eq!(
            r("5xx-rate > +2pp"),
            Ok((Metric::Rate5xx, Threshold::Increase(0.02)))
        );
        assert_eq!(r("P95>+20%"), Ok((Metric::P95, Threshold::Relative(0.2))));
        assert_eq!(r("p99>1.5s"), Ok((Metric::P99, Threshold::Above(1500.0))));
        assert_eq!(
            r("fn-p95>+100ms"),
            Ok((Metric::FnP95, Threshold::Increase(100.0)))
        );
        assert_eq!(
            r("new-errors"),
            Ok((Metric::NewErrors, Threshold::Above(0.0)))
        );
        assert_eq!(
            r("new-errors>4"),
            Ok((Metric::NewErrors, Threshold::Above(4.0)))
        );
        assert!(
            r("latency>1s")
                .unwrap_err()
                .contains("unknown metric 'latency'")
        );
        assert!(r("p95").unwrap_err().contains("no threshold"));
        assert!(r("p95>fast").unwrap_err().contains("not a number"));
        assert!(r("5xx-rate>3ms").unwrap_err().contains("a rate takes"));
        assert!(r("p95>20%").unwrap_err().contains("a latency takes"));
        assert!(rule_hint().contains("5xx-rate, 4xx-rate, p50"));
    }

    fn route(name: &str, requests: u64, c5xx: u64) -> crate::analyze::summary::RouteRow {
        crate::analyze::summary::RouteRow {
            route: name.into(),
            requests,
            c4xx: 0,
            c5xx,
        }
    }

    fn report(routes: Vec<crate::analyze::summary::RouteRow>, p95: &[(&str, u64, f64)]) -> Report {
        Report {
            requests: routes.iter().map(|r| r.requests).sum(),
            by_status_class: BTreeMap::new(),
            by_route: routes,
            integration_latency_ms: Stats::default(),
            functions: Vec::new(),
            throttles: 0,
            route_latency_ms: p95
                .iter()
                .map(|(r, n, v)| {
                    (
                        r.to_string(),
                        Stats {
                            count: *n,
                            p95: Some(*v),
                            ..Stats::default()
                        },
                    )
                })
                .collect(),
        }
    }

    /// `summary`'s additions for `compare`: latency per route (the access log's response
    /// latency, under the route's template) and the most memory a function used.
    #[test]
    fn summary_gives_route_latency_and_max_memory() {
        use crate::core::model::{Event, LogGroup, Source};
        let groups: Vec<LogGroup> = [(Source::Access, None), (Source::Lambda, Some("f"))]
            .into_iter()
            .map(|(source, function)| LogGroup {
                name: "g".into(),
                ..LogGroup::test(source, function)
            })
            .collect();
        let ev = |group: usize, ts: i64, msg: String| Event::test(group, ts, &ts.to_string(), &msg);
        let mut s = crate::analyze::summary::Summary::new(&groups)
            .with_routes(vec!["GET /users/{id}".into()]);
        // Synthetic access lines in world.py's format; a REPORT line in Lambda's format.
        for i in 0..10 {
            s.observe(&ev(0, i, format!(
                r#"{{"requestId":"r{i}","httpMethod":"GET","path":"/users/{i}","status":"200","responseLatency":"{}"}}"#,
                100 + i * 10
            )));
        }
        for (i, mem) in [(1, 70), (2, 93), (3, 64)] {
            s.observe(&ev(1, 20 + i, format!(
                "REPORT RequestId: 0000000{i}-0000-4000-8000-000000000000\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: {mem} MB\t"
            )));
        }
        let r = s.finish();
        let lat = &r.route_latency_ms["GET /users/{id}"];
        assert_eq!(lat.count, 10);
        assert!((lat.p50.unwrap() - 140.0).abs() <= 3.0, "{lat:?}");
        assert_eq!(r.functions[0].max_memory_mb, Some(93.0));
    }

    #[test]
    fn rules_hold_only_above_the_minimum_samples() {
        let base = report(
            vec![route("GET /a", 100, 1), route("GET /tiny", 2, 0)],
            &[("GET /a", 100, 100.0), ("GET /tiny", 2, 10.0)],
        );
        let cur = report(
            vec![route("GET /a", 100, 5), route("GET /tiny", 3, 3)],
            &[("GET /a", 100, 250.0), ("GET /tiny", 3, 90.0)],
        );
        let causes_b = [("old".to_string(), 2)];
        let causes_c = [("old".to_string(), 3), ("new one".to_string(), 2)];
        let c = compare(&base, &cur, &causes_b, &causes_c, 20);
        // Worst first: /a (p95 +150%) before /tiny (too few samples to rank).
        assert_eq!(c.routes[0].route, "GET /a");
        assert_eq!(c.causes[0].cause, "new one");
        assert!(c.causes[0].new && !c.causes[1].new);
        let rules: Vec<Rule> = [
            "5xx-rate>+2pp",
            "p95>+20%",
            "new-errors",
            "new-errors>2",
            "5xx-rate>10%",
        ]
        .iter()
        .map(|r| parse_rule(r).unwrap())
        .collect();
        let got: Vec<(String, String, String)> = evaluate(&rules, &c, 20)
            .into_iter()
            .map(|b| (b.rule, b.subject, b.detail))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "5xx-rate>+2pp".into(),
                    "GET /a".into(),
                    "1.0% → 5.0% (+4.0pp)".into()
                ),
                (
                    "p95>+20%".into(),
                    "GET /a".into(),
                    "100 ms → 250 ms (+150%)".into()
                ),
                (
                    "new-errors".into(),
                    "new one".into(),
                    "a new cause: 2 failing requests, none in the baseline".into()
                ),
            ]
        );
        // With a minimum of 2 samples, /tiny (100% 5xx, p95 ×9) trips too.
        let loose = evaluate(&rules, &c, 2);
        assert!(
            loose
                .iter()
                .any(|b| b.subject == "GET /tiny" && b.rule == "5xx-rate>10%")
        );
    }
}
