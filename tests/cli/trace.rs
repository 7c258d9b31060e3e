//! `apitrace trace` and `get --request-id`: every request of the seeded world traces to
//! exactly its own lines, with the right summary.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;

use crate::support::*;

/// The `trace -o json` contract.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct TraceJson {
    request_id: Option<String>,
    extended_request_id: Option<String>,
    api_id: String,
    stage: String,
    method: Option<String>,
    path: Option<String>,
    status: Option<u16>,
    latency_ms: Option<f64>,
    integration_latency_ms: Option<f64>,
    xray_trace_id: Option<String>,
    route: Option<String>,
    error_type: Option<String>,
    reason: Option<String>,
    lambda_throttled: bool,
    lambdas: Vec<Invocation>,
    authorizer: Option<Authorizer>,
    notes: Vec<String>,
    events: Vec<Value>,
    /// Console links (#21): insights, log_groups, streams, xray.
    links: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Authorizer {
    result: String,
    status: Option<u16>,
    function: Option<String>,
    request_id: Option<String>,
    latency_ms: Option<f64>,
    invocation: Option<Invocation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Invocation {
    function: Option<String>,
    request_id: String,
    log_group: String,
    duration_ms: Option<f64>,
    billed_duration_ms: Option<f64>,
    max_memory_mb: Option<f64>,
    init_duration_ms: Option<f64>,
    status: String,
}

type Line = Tuple;

/// The seeded lines of a request, plus the INIT_START that opened a cold invocation of it.
fn expected_lines(w: &World, rid: &str) -> BTreeSet<Line> {
    let evs = w.events();
    let line = tuple;
    let mut want: BTreeSet<Line> = evs
        .iter()
        .filter(|e| e["request_id"] == rid)
        .map(line)
        .collect();
    let starts: Vec<Line> = want
        .iter()
        .filter(|l| l.3.starts_with("START RequestId:") || l.3.contains("\"platform.start\""))
        .cloned()
        .collect();
    for s in starts {
        // The event just before START in its stream, if it is an INIT_START.
        let prev = evs
            .iter()
            .map(line)
            .filter(|l| l.0 == s.0 && l.1 == s.1 && l.2 <= s.2 && *l != s)
            .max_by_key(|l| l.2);
        if let Some(p) = prev
            && (p.3.starts_with("INIT_START") || p.3.contains("platform.initStart"))
        {
            want.insert(p);
        }
    }
    want
}

fn trace_json(w: &World, api: &str, stage: &str, id: &str) -> TraceJson {
    let r = w
        .stage(api, stage, &["trace", id, "-o", "json", "-q"])
        .window()
        .run();
    assert_eq!(r.code, 0, "trace {id}: {}", r.stderr);
    r.json()
}

#[test]
fn every_request_traces_to_exactly_its_own_lines() {
    let w = World::shared();
    let mut kinds = BTreeSet::new();
    for req in w.requests() {
        let kind = req["kind"].as_str().unwrap();
        let rid = req["request_id"].as_str().unwrap();
        let (api, stage) = if req["api"] == "rest" {
            (w.rest_api(), "prod")
        } else {
            (w.http_api(), "$default")
        };
        let t = trace_json(w, api, stage, rid);
        let got: BTreeSet<Line> = tuples(&t.events).into_iter().collect();
        let want = expected_lines(w, rid);
        assert_eq!(got.len(), t.events.len(), "{kind} {rid}: duplicated lines");
        if got != want {
            let missing: Vec<_> = want.difference(&got).take(3).collect();
            let extra: Vec<_> = got.difference(&want).take(3).collect();
            panic!("{kind} {rid}: missing {missing:#?}\nextra {extra:#?}");
        }
        let times: Vec<i64> = t
            .events
            .iter()
            .map(|e| e["timestamp"].as_i64().unwrap())
            .collect();
        assert!(
            times.windows(2).all(|p| p[0] <= p[1]),
            "{kind}: not in time order"
        );

        // The summary.
        assert_eq!(t.request_id.as_deref(), Some(rid), "{kind}");
        assert_eq!(t.status, req["status"].as_u64().map(|s| s as u16), "{kind}");
        assert_eq!(t.method.as_deref(), req["method"].as_str(), "{kind}");
        let lambda_ids: Vec<&str> = t.lambdas.iter().map(|l| l.request_id.as_str()).collect();
        match req["lambda_request_id"].as_str() {
            Some(lid) => {
                assert_eq!(lambda_ids, vec![lid], "{kind}");
                let l = &t.lambdas[0];
                assert_eq!(l.function.as_deref(), req["function"].as_str(), "{kind}");
                assert!(
                    l.duration_ms.is_some()
                        && l.billed_duration_ms.is_some()
                        && l.max_memory_mb.is_some(),
                    "{kind}: {l:?}"
                );
                let want_status = match kind {
                    "timeout" => "timeout",
                    "function_error" => "error",
                    _ => "success",
                };
                assert_eq!(l.status, want_status, "{kind}");
            }
            None => assert!(lambda_ids.is_empty(), "{kind}: {lambda_ids:?}"),
        }
        assert_eq!(
            t.authorizer
                .as_ref()
                .and_then(|a| a.invocation.as_ref())
                .map(|a| a.request_id.as_str()),
            req["authorizer_request_id"].as_str(),
            "{kind}"
        );
        if req["api"] == "rest" {
            assert_eq!(
                t.extended_request_id.as_deref(),
                req["extended_request_id"].as_str(),
                "{kind}"
            );
            assert_eq!(
                t.xray_trace_id.as_deref(),
                req["xray_trace_id"].as_str(),
                "{kind}"
            );
            assert!(t.latency_ms.is_some(), "{kind}");
        }
        kinds.insert(kind.to_string());
    }
    for k in [
        "ok",
        "function_error",
        "timeout",
        "integration_timeout",
        "auth_denied",
        "mock",
        "http_get",
    ] {
        assert!(kinds.contains(k), "the world has no {k} request");
    }
}

#[test]
fn extended_id_and_text_summary() {
    let w = World::shared();
    let req = w
        .requests()
        .iter()
        .find(|r| r["kind"] == "function_error")
        .unwrap();
    let ext = req["extended_request_id"].as_str().unwrap();
    let rid = req["request_id"].as_str().unwrap();
    let by_ext = trace_json(w, w.rest_api(), "prod", ext);
    assert_eq!(by_ext.request_id.as_deref(), Some(rid));
    assert_eq!(
        tuples(&by_ext.events),
        tuples(&trace_json(w, w.rest_api(), "prod", rid).events)
    );

    let r = w.rest(&["trace", rid]).window().ok();
    let head: Vec<&str> = r.stdout.lines().take_while(|l| !l.is_empty()).collect();
    let text = head.join("\n");
    assert!(text.contains(&format!("request  {rid}")), "{text}");
    assert!(text.contains("-> 502"), "{text}");
    let lid = req["lambda_request_id"].as_str().unwrap();
    assert!(
        head.iter().any(|l| l.trim_start().starts_with("lambda")
            && l.contains(lid)
            && l.contains("error")),
        "{text}"
    );
    assert!(
        head.iter()
            .any(|l| l.trim_start().starts_with("authorizer")),
        "{text}"
    );
}

#[test]
fn get_request_id_prints_the_trace_lines_in_get_format() {
    let w = World::shared();
    let req = w
        .requests()
        .iter()
        .find(|r| r["kind"] == "timeout")
        .unwrap();
    let rid = req["request_id"].as_str().unwrap();
    let r = w
        .rest(&["get", "--request-id", rid, "-o", "json", "-q"])
        .window()
        .ok();
    let got: BTreeSet<Line> = tuples(&json_lines(&r.stdout)).into_iter().collect();
    assert_eq!(got, expected_lines(w, rid));
}

#[test]
fn unknown_request_id_is_exit_1_with_a_hint() {
    let w = World::shared();
    let r = w
        .rest(&["trace", "00000000-0000-0000-0000-000000000000"])
        .window()
        .run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "apitrace: error: no log line mentions request 00000000-0000-0000-0000-000000000000"
        ),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--start"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}
