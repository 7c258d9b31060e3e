//! For CI after a deploy: `errors`, `summary`, `--since-deploy`, `--output github`,
//! `--fail-on-errors`, checked against the seeded truth.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::support::*;

fn errors_json(w: &World, extra: &[&str]) -> (Vec<Value>, Run) {
    let r = w
        .rest(&["errors", "-o", "json", "--limit", "100"])
        .window()
        .args(extra)
        .ok();
    (r.json::<Vec<Value>>(), r)
}

#[test]
fn errors_finds_exactly_the_failing_requests_and_traces_them() {
    let w = World::shared();
    let (arr, _) = errors_json(w, &[]);
    let got: BTreeSet<String> = request_ids(&arr).into_iter().collect();
    let want = w.failing(false);
    assert!(want.len() >= 6, "the world has too few failures: {want:?}");
    assert_eq!(got, want);
    for t in &arr {
        let kind = w
            .requests()
            .iter()
            .find(|r| r["request_id"] == t["request_id"])
            .unwrap()["kind"]
            .clone();
        assert!(t["status"].as_u64().unwrap() >= 500);
        assert!(!t["events"].as_array().unwrap().is_empty());
        if kind == "function_error" || kind == "timeout" {
            assert_eq!(t["lambdas"].as_array().unwrap().len(), 1, "{kind}: {t}");
        }
    }
    let (arr, _) = errors_json(w, &["--include-4xx"]);
    let got: BTreeSet<String> = request_ids(&arr).into_iter().collect();
    assert_eq!(got, w.failing(true));
}

#[test]
fn limit_github_output_and_fail_on_errors() {
    let w = World::shared();
    let r = w
        .rest(&["errors", "-o", "json", "--limit", "2"])
        .window()
        .ok();
    assert_eq!(r.json::<Vec<Value>>().len(), 2);
    let n = w.failing(false).len();
    assert!(
        r.stderr.contains(&format!(
            "{n} failing requests; the first 2 traced, {} left out by --limit",
            n - 2
        )),
        "{}",
        r.stderr
    );

    let r = w
        .rest(&[
            "errors",
            "-o",
            "github",
            "--fail-on-errors",
            "--limit",
            "100",
        ])
        .window()
        .run();
    assert_eq!(r.code, 1, "--fail-on-errors with failures: {}", r.stderr);
    let errors: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error title="))
        .collect();
    assert_eq!(errors.len(), n);
    assert!(
        errors.iter().all(|l| l.contains("::request ")),
        "{errors:?}"
    );
    assert_eq!(r.stdout.matches("::group::").count(), n);
    assert_eq!(r.stdout.matches("::endgroup::").count(), n);
    assert!(!r.stdout.contains('\x1b'));
    // Each annotation links the request's lines in the console (#21), on a line of its own.
    assert!(
        errors.iter().all(|l| l.contains(
            "%0ALogs Insights: https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights"
        )),
        "{errors:?}"
    );

    // Text: under each failure's header, the same link; --no-links leaves it out.
    let text = |extra: &[&str]| {
        w.rest(&["errors", "--limit", "100"])
            .args(extra)
            .window()
            .run()
            .stdout
    };
    let with = text(&[]);
    let heads = with.lines().filter(|l| l.starts_with("== ")).count();
    assert_eq!(heads, n, "{with}");
    let lines: Vec<&str> = with.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("== ") {
            assert!(
                lines[i + 1].starts_with("   insights  https://"),
                "{}",
                lines[i + 1]
            );
        }
    }
    let without = text(&["--no-links"]);
    assert!(!without.contains("   insights  "), "{without}");
    assert_eq!(without.lines().count(), with.lines().count() - n);

    // No failures in the window: exit 0 even with --fail-on-errors.
    let (s, _) = w.window();
    let r = w
        .rest(&["errors", "--fail-on-errors"])
        .args(["--start", &(s - 3_600_000).to_string()])
        .args(["--end", &(s - 1_800_000).to_string()])
        .ok();
    assert!(
        r.stderr.contains("no failing (5xx) requests"),
        "{}",
        r.stderr
    );
}

#[test]
fn summary_counts_match_the_seeded_truth() {
    let w = World::shared();
    let r = w.rest(&["summary", "-o", "json"]).window().ok();
    let v: Value = r.json();
    let rest: Vec<&Value> = w.requests().iter().filter(|r| r["api"] == "rest").collect();
    assert_eq!(v["requests"].as_u64().unwrap() as usize, rest.len());
    let mut classes: BTreeMap<String, u64> = BTreeMap::new();
    for r in &rest {
        *classes
            .entry(format!("{}xx", r["status"].as_u64().unwrap() / 100))
            .or_default() += 1;
    }
    let got: BTreeMap<String, u64> = serde_json::from_value(v["by_status_class"].clone()).unwrap();
    assert_eq!(got, classes);
    // Invocations per function = REPORT lines seeded in its group (of a function the HTTP
    // API shares too: only those of REST requests); timeouts = timeout requests.
    let rest_ids: std::collections::HashSet<&str> = rest
        .iter()
        .filter_map(|r| r["request_id"].as_str())
        .collect();
    for f in v["functions"].as_array().unwrap() {
        let name = f["function"].as_str().unwrap();
        let group = format!("/aws/lambda/{name}");
        let shared = w.m["shared_functions"].get(name).is_some();
        let reports = w
            .events()
            .iter()
            .filter(|e| e["log_group"] == group.as_str() && !e["old"].as_bool().unwrap())
            .filter(|e| !shared || rest_ids.contains(e["request_id"].as_str().unwrap_or("")))
            .filter(|e| {
                let m = e["message"].as_str().unwrap();
                m.starts_with("REPORT RequestId:") || m.contains("\"platform.report\"")
            })
            .count();
        assert_eq!(
            f["invocations"].as_u64().unwrap() as usize,
            reports,
            "{name}"
        );
        let timeouts = w
            .requests()
            .iter()
            .filter(|r| r["kind"] == "timeout" && r["function"] == name)
            .count();
        assert_eq!(f["timeouts"].as_u64().unwrap() as usize, timeouts, "{name}");
        let d = &f["duration_ms"];
        assert!(
            d["p50"].as_f64().unwrap() <= d["p99"].as_f64().unwrap()
                && d["p99"].as_f64().unwrap() <= d["max"].as_f64().unwrap()
        );
    }
    // Text output is a set of tables.
    let t = w.rest(&["summary"]).window().run();
    assert!(
        t.stdout.starts_with("REQUESTS") && t.stdout.contains("FUNCTION"),
        "{}",
        t.stdout
    );
}

#[test]
fn since_deploy_starts_at_the_deployment() {
    let w = World::seed("deploy", &["--requests", "8"]);
    let exec = w.group("execution");
    // A failing request after the deployment (the seeded ones all came before it).
    let rid = "d0d0d0d0-1111-2222-3333-444444444444";
    let now = now_ms();
    put_events(
        exec,
        "after-deploy",
        &[
            (
                now,
                &format!("({rid}) HTTP Method: GET, Resource Path: /users") as &str,
            ),
            (
                now + 1,
                &format!(
                    "({rid}) Execution failed due to configuration error: Invalid permissions on Lambda function"
                ),
            ),
            (
                now + 2,
                &format!("({rid}) Method completed with status: 500"),
            ),
        ],
    );
    let r = w.rest(&["errors", "--since-deploy", "-o", "json"]).ok();
    let arr: Vec<Value> = r.json();
    assert_eq!(request_ids(&arr), vec![rid]);
    assert!(
        r.stderr.contains("since deployment")
            && r.stderr.contains(w.m["deployment_id"].as_str().unwrap()),
        "{}",
        r.stderr
    );

    let r = w.rest(&["get", "--since-deploy", "-o", "json", "-q"]).ok();
    let msgs: Vec<String> = json_lines(&r.stdout)
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        msgs.len(),
        3,
        "only the lines after the deployment: {msgs:?}"
    );
    let r = w.rest(&["get", "--since-deploy", "--start", "1h"]).run();
    assert_eq!(
        r.code, 2,
        "--since-deploy conflicts with --start: {}",
        r.stderr
    );
}
