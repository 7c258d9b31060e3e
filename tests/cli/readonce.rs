//! `errors` reads the execution and access logs once (#17): the search reads them whole
//! and keeps the failing requests' lines, so the linking does not read them again.
//! FilterLogEvents calls counted from `--debug` (one `→` line per request sent).

use serde_json::Value;

use crate::support::*;

fn filter_calls(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|l| l.starts_with("apitrace: debug: → ") && l.contains("FilterLogEvents"))
        .count()
}

/// With only the API Gateway groups (no Lambda group to link), `errors` costs what `get`
/// costs: one read of each. Before, it read them twice (the search with a pattern, then
/// the failures' lines): 4 calls where `get` makes 2 on this world.
#[test]
fn errors_reads_the_execution_and_access_logs_once() {
    // Its own world: tests that share one add lines to it.
    let w = &World::seed("readonce", &[]);
    let (s, e) = w.window();
    // A window that starts over 5 minutes before the first request: `errors` looks for a
    // failure's lines up to 5 minutes before it, as `trace` does, and reads what is
    // before the window for failures closer to its start.
    let window = [
        "--start".to_string(),
        (s - 360_000).to_string(),
        "--end".to_string(),
        (e + 60_000).to_string(),
    ];
    let base = |cmd: &str| {
        let mut c = apitrace();
        c.args([cmd, "--api-id", w.rest_api(), "--stage", "prod", "--debug"])
            .args(["--only", "execution,access"])
            .args(&window);
        c
    };
    let g = run(base("get").args(["-o", "json"]));
    assert_eq!(g.code, 0, "{}", g.stderr);
    let r = run(base("errors").args(["-o", "json", "--limit", "100000"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let arr: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
    let failing = w
        .requests()
        .iter()
        .filter(|q| q["api"] == "rest" && q["status"].as_u64().unwrap() >= 500)
        .count();
    assert!(failing >= 10);
    assert_eq!(arr.len(), failing, "{}", r.stdout);
    for t in &arr {
        let id = t["request_id"].as_str().unwrap();
        let lines = t["events"].as_array().unwrap();
        // Every execution line of the request, as the world wrote them.
        let want = w
            .events()
            .iter()
            .filter(|ev| {
                ev["request_id"] == id
                    && ev["log_group"] == w.m["log_groups"]["execution"]
                    && !ev["old"].as_bool().unwrap_or(false)
            })
            .count();
        let got = lines
            .iter()
            .filter(|l| l["log_group"] == w.m["log_groups"]["execution"])
            .count();
        assert_eq!(got, want, "{id}: {t}");
    }
    let (get_calls, errors_calls) = (filter_calls(&g.stderr), filter_calls(&r.stderr));
    eprintln!("FilterLogEvents calls: get {get_calls}, errors {errors_calls}");
    assert!(get_calls > 0);
    assert_eq!(errors_calls, get_calls, "{}", r.stderr);
}

/// `compare` (#22) reads each window once: the summary and the search for failing
/// requests share one pass, and the failures' lines come with it. With only the API
/// Gateway groups its calls are `get`'s for the baseline plus `get`'s for the current
/// window; before, it read each window twice (the summary, then the failures): 8 calls
/// where `get` makes 4. The baseline holds the whole traffic and starts over 5 minutes
/// before it (see above); the current window, after it, is empty.
#[test]
fn compare_reads_each_window_once() {
    let w = &World::seed("cmponce", &[]);
    let (s, e) = w.window();
    let (start, mid, end) = (s - 360_000, e + 60_000, e + 120_000);
    let base = |cmd: &str| {
        let mut c = apitrace();
        c.args([cmd, "--api-id", w.rest_api(), "--stage", "prod", "--debug"])
            .args(["--only", "execution,access"]);
        c
    };
    let get = |from: i64, to: i64| {
        let r = run(base("get")
            .args(["-o", "json", "--start", &from.to_string()])
            .args(["--end", &to.to_string()]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        filter_calls(&r.stderr)
    };
    let want = get(start, mid) + get(mid, end);
    let r = run(base("compare").args([
        "-o",
        "json",
        "--baseline-start",
        &start.to_string(),
        "--baseline-end",
        &mid.to_string(),
        "--start",
        &mid.to_string(),
        "--end",
        &end.to_string(),
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got = filter_calls(&r.stderr);
    eprintln!("FilterLogEvents calls: get over both windows {want}, compare {got}");
    assert!(want > 0);
    assert_eq!(got, want, "{}", r.stderr);
}
