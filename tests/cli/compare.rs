//! #22: `errors --group`, `compare` and its `--fail-on` gate, against a world with a
//! deployment in the middle (scripts/deployworld.py: its docstring lists the seeded
//! regressions and the noise).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::*;

/// The deploy world, seeded once per test binary.
fn world() -> &'static Value {
    static W: OnceLock<Value> = OnceLock::new();
    W.get_or_init(|| {
        let prefix = format!("dep{}", std::process::id());
        let out = std::env::temp_dir().join(format!("apitrace-deployworld-{prefix}.json"));
        let python = std::env::var("APITRACE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let status = Command::new(python)
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/deployworld.py"))
            .args(["--endpoint", &endpoint(), "--prefix", &prefix, "--out"])
            .arg(&out)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .status()
            .expect("run scripts/deployworld.py");
        assert!(status.success(), "seeding the deploy world failed");
        let m: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let _ = std::fs::remove_file(&out);
        m
    })
}

fn s(v: &Value) -> String {
    v.as_str().unwrap().to_string()
}

fn window(phase: &str) -> (String, String) {
    let w = &world()["windows"][phase];
    (w["start_ms"].to_string(), w["end_ms"].to_string())
}

fn api() -> Vec<String> {
    let w = world();
    vec![
        "--api-id".into(),
        s(&w["rest_api_id"]),
        "--stage".into(),
        s(&w["stage"]),
    ]
}

fn fname(key: &str) -> String {
    s(&world()["functions"][key])
}

/// The seeded causes of a phase, as `errors --group` must name and count them.
fn seeded(phases: &[&str]) -> BTreeMap<String, usize> {
    let kinds = [
        (
            "function_error",
            format!("Lambda error · {} · KeyError: 'sku'", fname("orders")),
        ),
        (
            "timeout",
            format!(
                "Lambda error · {} · Task timed out after <n> seconds",
                fname("users")
            ),
        ),
        (
            "integration_timeout",
            format!("integration timeout · {}", fname("backend")),
        ),
    ];
    let mut want = BTreeMap::new();
    for r in world()["requests"].as_array().unwrap() {
        if !phases.contains(&r["phase"].as_str().unwrap()) {
            continue;
        }
        if let Some((_, cause)) = kinds.iter().find(|(k, _)| r["kind"] == *k) {
            *want.entry(cause.clone()).or_insert(0) += 1;
        }
    }
    want
}

/// The most recent request of a kind in a phase.
fn newest(kind: &str, phase: &str) -> String {
    let r = world()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == kind && r["phase"] == phase)
        .max_by_key(|r| r["first_ms"].as_i64().unwrap())
        .unwrap();
    s(&r["request_id"])
}

fn errors(extra: &[&str], start: &str, end: &str) -> Run {
    run(apitrace()
        .arg("errors")
        .args(api())
        .args(["-s", start, "-e", end, "--no-config"])
        .args(extra))
}

#[test]
fn errors_group_collapses_the_seeded_causes_with_exact_counts() {
    let (cs, ce) = window("current");
    let r = errors(&["--group", "-o", "json"], &cs, &ce);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    let got: BTreeMap<String, usize> = j["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (s(&g["cause"]), g["count"].as_u64().unwrap() as usize))
        .collect();
    let want = seeded(&["current"]);
    assert_eq!(
        want.values().sum::<usize>(),
        11,
        "the world changed: {want:?}"
    );
    assert_eq!(got, want);
    assert_eq!(j["total"], 11);
    // The biggest first; each example is the group's most recent request, traced.
    let first = &j["groups"][0];
    assert_eq!(first["count"], 5);
    assert_eq!(
        s(&first["example_request_id"]),
        newest("function_error", "current")
    );
    assert_eq!(
        s(&first["example"]["request_id"]),
        newest("function_error", "current")
    );
    assert_eq!(first["statuses"], serde_json::json!([502]));
    assert_eq!(first["routes"], serde_json::json!(["POST /orders"]));
    assert_eq!(first["functions"], serde_json::json!([fname("orders")]));
    let timeouts = j["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["count"] == 4)
        .unwrap();
    assert_eq!(
        s(&timeouts["example_request_id"]),
        newest("timeout", "current")
    );

    // Both windows: the same causes (masked ids, times and numbers), counts added up.
    let (bs, _) = window("baseline");
    let r = errors(&["--group", "-o", "json"], &bs, &ce);
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    let got: BTreeMap<String, usize> = j["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (s(&g["cause"]), g["count"].as_u64().unwrap() as usize))
        .collect();
    assert_eq!(got, seeded(&["baseline", "current"]));
}

#[test]
fn errors_text_groups_past_the_limit_and_github_annotates_each_group_once() {
    let (cs, ce) = window("current");
    // 11 failures, --limit 3: grouped by default in text.
    let r = errors(&["--limit", "3"], &cs, &ce);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let heads: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("== ")).collect();
    assert_eq!(
        heads,
        vec![
            format!("== 5× Lambda error · {} · KeyError: 'sku'", fname("orders")),
            format!(
                "== 4× Lambda error · {} · Task timed out after <n> seconds",
                fname("users")
            ),
            format!("== 2× integration timeout · {}", fname("backend")),
        ]
    );
    assert!(
        r.stderr.contains("11 failing requests in 3 causes"),
        "{}",
        r.stderr
    );
    // --no-group: one trace per request, as before.
    let r = errors(&["--limit", "3", "--no-group"], &cs, &ce);
    assert_eq!(r.stdout.lines().filter(|l| l.starts_with("== ")).count(), 3);
    assert!(r.stderr.contains("left out by --limit"), "{}", r.stderr);
    // Within the limit: one trace per request.
    let r = errors(&[], &cs, &ce);
    assert_eq!(
        r.stdout.lines().filter(|l| l.starts_with("== ")).count(),
        11
    );
    // GitHub: one annotation per group.
    let r = errors(&["-o", "github", "--group"], &cs, &ce);
    let ann: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(ann.len(), 3, "{}", r.stdout);
    assert!(
        ann[0].starts_with("::error title=5× Lambda error · "),
        "{}",
        ann[0]
    );
}

fn compare(extra: &[&str]) -> Run {
    let (cs, ce) = window("current");
    let (bs, be) = window("baseline");
    run(apitrace()
        .arg("compare")
        .args(api())
        .args([
            "-s",
            &cs,
            "-e",
            &ce,
            "--baseline-start",
            &bs,
            "--baseline-end",
            &be,
        ])
        .arg("--no-config")
        .args(extra))
}

const RULES: [&str; 6] = [
    "p50>+50%",
    "5xx-rate>+5pp",
    "new-errors",
    "fn-error-rate>+5pp",
    "5xx-rate>30%",
    "4xx-rate>1%",
];

fn rule_args(rules: &[&str]) -> Vec<String> {
    rules
        .iter()
        .flat_map(|r| ["--fail-on".to_string(), r.to_string()])
        .collect()
}

fn breaches(j: &Value) -> Vec<(String, String)> {
    j["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (s(&b["rule"]), s(&b["subject"])))
        .collect()
}

#[test]
fn compare_reports_the_seeded_regressions_and_none_of_the_noise() {
    let mut args: Vec<String> = vec!["-o".into(), "json".into()];
    args.extend(rule_args(&RULES));
    let r = compare(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(r.code, 3, "{}", r.stderr);
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    let timeout_cause = format!(
        "Lambda error · {} · Task timed out after <n> seconds",
        fname("users")
    );
    assert_eq!(
        breaches(&j),
        vec![
            ("p50>+50%".into(), "GET /reports".into()),
            ("5xx-rate>+5pp".into(), "GET /users".into()),
            ("new-errors".into(), timeout_cause.clone()),
        ]
    );
    // The figures behind them.
    let route = |name: &str| {
        j["routes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["route"] == name)
            .unwrap()
            .clone()
    };
    let reports = route("GET /reports");
    let (b, c) = (
        reports["baseline"]["p50_ms"].as_f64().unwrap(),
        reports["current"]["p50_ms"].as_f64().unwrap(),
    );
    assert!(c > 1.6 * b, "p50 {b} → {c}");
    assert_eq!(route("GET /users")["current"]["requests"], 34);
    let causes: Vec<(String, bool)> = j["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (s(&c["cause"]), c["new"].as_bool().unwrap()))
        .collect();
    assert_eq!(causes[0], (timeout_cause, true));
    assert_eq!(causes.iter().filter(|c| c.1).count(), 1, "{causes:?}");
    // The noise is held back by the minimum sample size: with 5, ANY /backend (5
    // requests, 2 of them 504) trips the absolute 5xx rule.
    args.extend(["--min-samples".into(), "5".into()]);
    let r = compare(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        breaches(&j).contains(&("5xx-rate>30%".into(), "ANY /backend".into())),
        "{:?}",
        breaches(&j)
    );
}

#[test]
fn the_gate_exit_code_follows_its_rules() {
    // No rules: a report, exit 0.
    let r = compare(&[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("GET /reports"), "{}", r.stdout);
    // Rules that do not hold.
    let r = compare(
        &rule_args(&["p50>+200%", "5xx-rate>50%", "new-errors>10"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("gate passed: none of the 3 rules held"),
        "{}",
        r.stderr
    );
    // One that holds: exit 3, which rule and by how much.
    let r = compare(&["--fail-on", "new-errors", "--fail-on", "p50>+200%"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with("apitrace: gate: --fail-on 'new-errors' holds for Lambda error"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(
        line.ends_with("a new cause: 4 failing requests, none in the baseline"),
        "{line}"
    );
    assert!(
        r.stderr
            .contains("apitrace: gate failed: 1 of 2 rules held (exit 3)"),
        "{}",
        r.stderr
    );
    // GitHub: an annotation per rule that held.
    let r = compare(&["-o", "github", "--fail-on", "p50>+50%"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let ann: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(ann.len(), 1, "{}", r.stdout);
    assert!(
        ann[0].starts_with("::error title=apitrace gate%3A p50>+50%25::GET /reports: "),
        "{}",
        ann[0]
    );
    // A bad rule: a usage error naming the metrics, before any AWS call.
    let r = run(apitrace().args([
        "compare",
        "--api-id",
        "x",
        "--stage",
        "y",
        "--fail-on",
        "latency>1s",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("apitrace: error: --fail-on 'latency>1s': unknown metric 'latency'"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("metrics: 5xx-rate, 4xx-rate, p50"),
        "{}",
        r.stderr
    );
}

#[test]
fn compare_defaults_to_the_current_deployment() {
    let r = run(apitrace().arg("compare").args(api()).arg("--no-config"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dep = s(&world()["new_deployment_id"]);
    assert!(
        r.stderr.contains(&format!(
            "current window: since deployment {dep} of stage prod"
        )),
        "{}",
        r.stderr
    );
    // --previous-deploy: the baseline runs from the deployment before it.
    let r = run(apitrace().arg("compare").args(api()).args([
        "--no-config",
        "--previous-deploy",
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let old = s(&world()["deployment_id"]);
    assert!(
        r.stderr.contains(&format!(
            "baseline: since the previous deployment {old}, made"
        )),
        "{}",
        r.stderr
    );
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["baseline"]["end"], j["current"]["start"]);
}

/// `--include-4xx` counts 4xx requests' causes too (the shared world's authorizer
/// denies): the default compares 5xx causes only.
#[test]
fn include_4xx_adds_the_4xx_causes() {
    let w = World::shared();
    let (s, e) = w.window();
    let causes = |extra: &[&str]| -> Vec<String> {
        let r = run(apitrace()
            .args([
                "compare",
                "--api-id",
                w.rest_api(),
                "--stage",
                "prod",
                "-o",
                "json",
            ])
            .args([
                "--start",
                &(s - 60_000).to_string(),
                "--end",
                &(e + 60_000).to_string(),
            ])
            .args(["--baseline-start", &(s - 7_200_000).to_string()])
            .args(["--baseline-end", &(s - 3_600_000).to_string()])
            .args(extra));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).expect("compare JSON");
        v["causes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["cause"].as_str().unwrap().to_string())
            .collect()
    };
    let five = causes(&[]);
    let all = causes(&["--include-4xx"]);
    eprintln!("5xx causes: {five:?}\nwith 4xx: {all:?}");
    assert!(five.iter().all(|c| all.contains(c)), "{five:?} / {all:?}");
    let added: Vec<&String> = all.iter().filter(|c| !five.contains(c)).collect();
    assert_eq!(
        added,
        [&format!("authorizer denied · {}-auth", w.prefix())],
        "{all:?}"
    );
}
