//! `apitrace get`: every event once, merged in time order, in both formats.

use std::io::{BufRead, BufReader};

use serde::Deserialize;

use crate::support::*;

/// The JSON Lines contract: exactly these keys (README "JSON output").
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct JsonEvent {
    timestamp: i64,
    ingestion_time: i64,
    log_group: String,
    log_stream: String,
    event_id: String,
    source: String,
    function: Option<String>,
    message: String,
}

fn get_json(w: &World, extra: &[&str]) -> Run {
    w.rest(&["get", "-o", "json"]).window().args(extra).ok()
}

#[test]
fn get_prints_every_event_of_every_group_once_in_time_order() {
    let w = World::shared();
    let r = get_json(w, &[]);
    let events = json_lines(&r.stdout);
    for e in &events {
        serde_json::from_value::<JsonEvent>(e.clone()).expect("schema");
    }
    let groups = w.rest_groups();
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    let want = w.expected(&groups);
    assert!(want.len() > 500, "the world is too small: {}", want.len());
    let got = tuples(&events);
    if got != want {
        let (g, wc) = (counts(&got), counts(&want));
        let missing: Vec<_> = wc
            .iter()
            .filter(|(k, n)| g.get(*k) != Some(n))
            .take(5)
            .collect();
        let extra: Vec<_> = g
            .iter()
            .filter(|(k, n)| wc.get(*k) != Some(n))
            .take(5)
            .collect();
        panic!(
            "{} events, want {}; missing or short: {missing:?}; extra: {extra:?}",
            got.len(),
            want.len()
        );
    }
    // One global time order, deterministic ties.
    let keys: Vec<(i64, i64)> = events
        .iter()
        .map(|e| {
            (
                e["timestamp"].as_i64().unwrap(),
                e["ingestion_time"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(keys.windows(2).all(|p| p[0] <= p[1]), "not in time order");
    // Groups really are interleaved (a concatenation would also be "all events").
    let switches = events
        .windows(2)
        .filter(|p| p[0]["log_group"] != p[1]["log_group"])
        .count();
    assert!(switches > 50, "only {switches} group switches: not merged");
    // Sources and functions are labelled.
    let exec = w.group("execution");
    for e in &events {
        let g = e["log_group"].as_str().unwrap();
        let (src, func) = (e["source"].as_str().unwrap(), &e["function"]);
        if g == exec {
            assert_eq!((src, func.is_null()), ("execution", true));
        } else if g.starts_with("/aws/lambda/") {
            assert!(src == "lambda" || src == "authorizer", "{src}");
            assert_eq!(func.as_str().unwrap(), g.trim_start_matches("/aws/lambda/"));
        } else {
            assert_eq!(src, "access");
        }
    }
    // The old event, 2 h before the window, is not printed.
    assert!(!r.stdout.contains("\"old\""));
    // A second run prints the same bytes (deterministic order).
    assert_eq!(get_json(w, &[]).stdout, r.stdout);
}

#[test]
fn text_output_is_the_json_output_as_lines_without_colour_in_a_pipe() {
    let w = World::shared();
    let json = json_lines(&get_json(w, &[]).stdout);
    let r = w.rest(&["get"]).window().ok();
    assert!(!r.stdout.contains('\x1b'), "colour in a pipe");
    let mut want = String::new();
    for e in &json {
        let msg = e["message"].as_str().unwrap();
        let msg = msg.strip_suffix('\n').unwrap_or(msg);
        let prefix = format!(
            "{} {} ",
            e["log_group"].as_str().unwrap(),
            e["log_stream"].as_str().unwrap()
        );
        // Continuation lines of a multi-line message are indented under the prefix.
        let msg = msg.replace('\n', &format!("\n{}", " ".repeat(prefix.chars().count())));
        want.push_str(&format!("{prefix}{msg}\n"));
    }
    assert_eq!(r.stdout, want);
}

#[test]
fn columns_and_colour_flags() {
    let w = World::shared();
    let base = |extra: &[&str]| {
        w.rest(&["get", "--only", "access"])
            .window()
            .args(extra)
            .ok()
            .stdout
    };
    let plain = base(&["-G", "-S"]);
    let first = plain.lines().next().unwrap();
    assert!(
        first.starts_with('{'),
        "access lines are JSON, nothing before them: {first}"
    );
    let ts = base(&["-G", "-S", "--timestamp", "--ingestion-time"]);
    let first = ts.lines().next().unwrap();
    let re = regex::Regex::new(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \{",
    )
    .unwrap();
    assert!(re.is_match(first), "{first}");
    let coloured = base(&["--color", "always"]);
    assert!(
        coloured.contains("\x1b["),
        "--color always must colour a pipe"
    );
    let never = base(&["--color", "always", "--no-color"]);
    assert!(!never.contains('\x1b'));
}

#[test]
fn filter_pattern_is_passed_to_cloudwatch() {
    let w = World::shared();
    let req = &w.requests()[0];
    let id = req["request_id"].as_str().unwrap();
    let r = get_json(w, &["-f", &format!("\"{id}\"")]);
    let events = json_lines(&r.stdout);
    assert!(events.len() >= 10, "{}", events.len());
    assert!(
        events
            .iter()
            .all(|e| e["message"].as_str().unwrap().contains(id))
    );
}

#[test]
fn only_function_and_log_group_select_groups() {
    let w = World::shared();
    let p = w.prefix();
    let users = format!("{p}-users");
    let r = get_json(w, &["--only", "lambda", "--function", &users]);
    let groups: std::collections::BTreeSet<String> = json_lines(&r.stdout)
        .iter()
        .map(|e| e["log_group"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        groups.into_iter().collect::<Vec<_>>(),
        vec![format!("/aws/lambda/{users}")]
    );

    // --function keeps the API's own groups; --log-group adds an extra one.
    let http_access = w.group("http_access");
    let r = get_json(w, &["--function", &users, "--log-group", http_access]);
    let events = json_lines(&r.stdout);
    let sources: std::collections::BTreeSet<&str> = events
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        vec!["access", "execution", "extra", "lambda"]
    );
    assert!(
        events
            .iter()
            .any(|e| e["log_group"] == http_access && e["source"] == "extra")
    );
}

#[test]
fn closing_the_pipe_early_exits_zero_silently() {
    let w = World::shared();
    let mut child = w.rest(&["get", "--quiet"]).window().spawn();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..3 {
        lines.next().unwrap().unwrap();
    }
    drop(lines); // like `| head -n 3`
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn http_api_reads_its_access_log_and_functions() {
    let w = World::shared();
    let r = w.http(&["get", "-o", "json"]).window().ok();
    assert!(
        r.stderr.contains("HTTP APIs have no execution logs"),
        "{}",
        r.stderr
    );
    let p = w.prefix();
    let groups = [
        w.group("http_access").to_string(),
        format!("/aws/lambda/{p}-users"),
        format!("/aws/lambda/{p}-orders"),
    ];
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    assert_eq!(tuples(&json_lines(&r.stdout)), w.expected(&groups));
}
