//! `errors` and `trace` at the cost of one pass (#17): FilterLogEvents calls counted from
//! `--debug` (one `→` line per request sent, with its `x-amz-target`), on seeded worlds.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::*;

/// FilterLogEvents requests sent, from `--debug` stderr.
fn filter_calls(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|l| l.starts_with("apitrace: debug: → ") && l.contains("FilterLogEvents"))
        .count()
}

/// (calls of `get`, calls of `errors --limit 100000`, the requests `errors` traced).
fn costs(w: &World) -> (usize, usize, BTreeSet<String>) {
    let base = |cmd: &str| w.rest(&[cmd, "--debug"]).window();
    let g = base("get").args(["-o", "json"]).ok();
    let e = base("errors")
        .args(["-o", "json", "--limit", "100000"])
        .ok();
    let arr: Vec<Value> = e.json();
    for t in &arr {
        assert!(!t["events"].as_array().unwrap().is_empty(), "{t}");
    }
    let traced = request_ids(&arr).into_iter().collect();
    (filter_calls(&g.stderr), filter_calls(&e.stderr), traced)
}

#[test]
fn errors_calls_stay_within_3x_get_and_flat_as_failures_grow() {
    let few = World::seed("fewfail", &["--requests", "40"]);
    let many = World::seed("manyfail", &["--requests", "400"]);
    let (get_few, err_few, traced_few) = costs(&few);
    let (get_many, err_many, traced_many) = costs(&many);
    let (want_few, want_many) = (few.failing(false), many.failing(false));
    assert!(
        want_few.len() >= 10 && want_many.len() >= 100,
        "{want_few:?}"
    );
    assert_eq!(traced_few, want_few);
    assert_eq!(traced_many, want_many);
    eprintln!(
        "FilterLogEvents calls: {} failures: get {get_few}, errors {err_few}; \
         {} failures: get {get_many}, errors {err_many}",
        want_few.len(),
        want_many.len()
    );
    assert!(get_few > 0 && get_many > 0);
    assert!(err_few <= 3 * get_few, "errors {err_few} vs get {get_few}");
    assert!(
        err_many <= 3 * get_many,
        "errors {err_many} vs get {get_many}"
    );
    // Ten times the failures: (about) the same calls, not ten times as many.
    assert!(
        err_many <= err_few + 3,
        "{} failures: {err_few} calls; {}: {err_many}",
        want_few.len(),
        want_many.len()
    );
}

/// Each failure `errors` links is the trace `trace` makes of it over the same window:
/// same linked invocations, statuses, notes and lines.
#[test]
fn errors_links_like_trace() {
    let w = World::shared();
    let r = w
        .rest(&["errors", "-o", "json", "--limit", "100", "--include-4xx"])
        .window()
        .ok();
    let arr: Vec<Value> = r.json();
    assert!(arr.len() >= 6, "{}", r.stdout);
    for e in &arr {
        let id = e["request_id"].as_str().unwrap();
        let ts = e["events"][0]["timestamp"].as_i64().unwrap();
        let t = w
            .rest(&["trace", id, "-o", "json"])
            .args(["--start", &(ts - 60_000).to_string()])
            .args(["--end", &(w.window().1 + 60_000).to_string()])
            .run();
        assert_eq!(t.code, 0, "{id}: {}", t.stderr);
        let t: Value = t.json();
        for k in [
            "lambdas",
            "authorizer",
            "notes",
            "events",
            "status",
            "reason",
        ] {
            assert_eq!(e[k], t[k], "{id}: {k}");
        }
    }
}

/// `trace` reads the function its execution log names, not every function of the stage,
/// and says why each search is made.
#[test]
fn trace_reads_only_the_groups_the_request_points_to() {
    let w = World::shared();
    let req = w
        .requests()
        .iter()
        .find(|r| r["kind"] == "order")
        .expect("an order request");
    let id = req["request_id"].as_str().unwrap();
    let r = w.rest(&["trace", id, "--debug"]).window().ok();
    let why: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("apitrace: debug: trace: "))
        .collect();
    assert!(why.len() >= 3, "{}", r.stderr);
    let searches: Vec<&&str> = why
        .iter()
        .filter(|l| l.contains(" searching /aws/lambda/"))
        .collect();
    assert_eq!(searches.len(), 1, "{why:#?}");
    let orders = w.m["functions"]["orders"].as_str().unwrap();
    assert!(
        searches[0].contains(&format!("/aws/lambda/{orders}")),
        "{why:#?}"
    );
    for other in ["users", "backend", "reports"] {
        let f = w.m["functions"][other].as_str().unwrap();
        assert!(!searches[0].contains(f), "{other}: {why:#?}");
    }
    assert!(
        searches[0].contains("a few seconds either side"),
        "{why:#?}"
    );
    // One call per group searched: the execution and access logs, the function and its
    // authorizer, each invocation's stream.
    let calls = filter_calls(&r.stderr);
    assert!(calls <= 6, "{calls} calls: {why:#?}");
}
