//! Real log lines (tests/data/realworld, sources in its SOURCES.md) seeded into the
//! emulator: `trace`, `errors` and `summary` checked field by field against what a careful
//! reader of those lines says.

use std::sync::OnceLock;

use serde_json::Value;

use crate::support::*;

/// The real-world corpus, seeded by scripts/realworld.py (a world of its own: the REST
/// API's `prod` stage over the corpus' window).
struct Rw;

impl Rw {
    fn get() -> &'static World {
        static W: OnceLock<World> = OnceLock::new();
        W.get_or_init(|| Rw::seed("rw", &[]))
    }

    fn seed(name: &str, extra: &[&str]) -> World {
        let prefix = format!("{name}{}", std::process::id());
        World::seed_with("realworld.py", &prefix, extra)
    }
}

/// `trace ID -o json` of the corpus.
fn trace(w: &World, id: &str) -> Value {
    let r = w.rest(&["trace", id, "-o", "json", "-q"]).window().run();
    assert_eq!(r.code, 0, "trace {id}: {}", r.stderr);
    r.json()
}

fn messages(t: &Value) -> Vec<String> {
    t["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn realworld_success_with_a_cold_start_and_extensions() {
    let w = Rw::get();
    let t = trace(w, "515f1e99-39db-11e9-9e96-01e5c04505b9");
    assert_eq!(t["status"], 200);
    assert_eq!(t["method"], "POST");
    assert_eq!(t["path"], "/verifyReceipt");
    assert_eq!(t["extended_request_id"], "Vts2pH6ArPEFcuQ=");
    assert_eq!(t["integration_latency_ms"], 40.0);
    assert_eq!(t["xray_trace_id"], "1-5c755b5d-07b29b94e632d3da19d88789");
    assert_eq!(t["authorizer"], Value::Null);
    let l = &t["lambdas"][0];
    assert_eq!(t["lambdas"].as_array().unwrap().len(), 1, "{t}");
    assert_eq!(l["request_id"], "57593f79-6e46-4a6f-91b1-f5d848cc2059");
    assert_eq!(l["status"], "success");
    assert_eq!(l["duration_ms"], 128.83);
    assert_eq!(l["init_duration_ms"], 166.62);
    let msgs = messages(&t);
    // The environment's whole life: INIT_START, the extension registrations, START … REPORT.
    for needle in [
        "INIT_START Runtime Version",
        "TELEMETRY\tName: datadog-agent\tState: Subscribed",
        "EXTENSION\tName: datadog-agent\tState: Ready",
        "START RequestId: 57593f79",
        "WARN\tEvent not processed.",
        "REPORT RequestId: 57593f79",
    ] {
        assert!(
            msgs.iter().any(|m| m.contains(needle)),
            "{needle}: {msgs:#?}"
        );
    }
}

#[test]
fn realworld_lambda_timeout_and_integration_timeout() {
    let w = Rw::get();
    let t = trace(w, "286364ab-3a83-11e9-8dc8-db3cf4c83204");
    assert_eq!(t["status"], 502);
    assert_eq!(
        t["lambdas"][0]["request_id"],
        "71952965-d5cc-4974-ae08-6e2138b2275c"
    );
    assert_eq!(t["lambdas"][0]["status"], "timeout");
    assert_eq!(t["lambdas"][0]["duration_ms"], 3000.0);
    assert_eq!(t["xray_trace_id"], "1-5c7674f4-a3491d0a9c8012c191821b83");

    let t = trace(w, "fbcaf9e5-d535-40a1-891c-7b70118cf7e8");
    assert_eq!(t["status"], 504);
    assert_eq!(t["lambdas"].as_array().unwrap().len(), 0);
    assert!(
        t["notes"][0]
            .as_str()
            .unwrap()
            .contains("API Gateway timed out before the integration answered"),
        "{t}"
    );
}

#[test]
fn realworld_lambda_throttled_is_said_so() {
    let w = Rw::get();
    let t = trace(w, "a5e3de30-8d59-11e8-b2f5-9339f1c001b0");
    assert_eq!(t["status"], 502);
    assert_eq!(t["lambda_throttled"], true);
    assert_eq!(t["lambdas"].as_array().unwrap().len(), 0);
    let notes: Vec<&str> = t["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(notes.iter().any(|n| n.contains("throttled")), "{notes:?}");
    assert!(
        !notes.iter().any(|n| n.contains("was not found")),
        "{notes:?}"
    );
}

#[test]
fn realworld_authorizer_verdicts_and_rejections() {
    let w = Rw::get();
    let t = trace(w, "fd443056-60d0-425f-874e-e93e5d61351e");
    assert_eq!(t["authorizer"]["result"], "denied", "{t}");
    assert_eq!(t["reason"], "the authorizer denied the request");

    let t = trace(w, "cf101403-4a17-11e7-935f-35dfc4618b7d");
    assert_eq!(t["authorizer"]["result"], "allowed", "{t}");
    assert_eq!(t["authorizer"]["function"], "ExtensionGatewayAuthorizer");

    let t = trace(w, "9c0b1a52-0000-4000-8000-000000000429");
    assert_eq!(t["status"], 429);
    assert_eq!(t["reason"], "throttled by API Gateway (429)");

    // Text: the status and the reason.
    let r = w
        .rest(&["trace", "fd443056-60d0-425f-874e-e93e5d61351e"])
        .window()
        .ok();
    assert!(
        r.stdout
            .contains("    reason  the authorizer denied the request"),
        "{}",
        r.stdout
    );
}

#[test]
fn realworld_invalid_json_access_line_is_read() {
    let w = Rw::get();
    // The extended id is only in the access line, which is not valid JSON.
    let t = trace(w, "YIwYiFstIAMESqA=");
    assert_eq!(t["error_type"], "INTEGRATION_TIMEOUT", "{t}");
    assert_eq!(t["method"], "POST");
    assert_eq!(
        t["reason"],
        "the integration timed out (INTEGRATION_TIMEOUT)"
    );
}

#[test]
fn realworld_http_integration_has_no_lambda() {
    let w = Rw::get();
    let t = trace(w, "184996c0-dfb8-4095-9305-59b46a06f147");
    assert_eq!(t["status"], 403);
    assert_eq!(t["path"], "/webpage-vpc");
    assert_eq!(t["integration_latency_ms"], 19.0);
    // The backend's x-amzn-RequestId is no Lambda invocation: nothing to look for.
    assert_eq!(t["lambdas"].as_array().unwrap().len(), 0);
    assert_eq!(t["notes"].as_array().unwrap().len(), 0, "{t}");
}

#[test]
fn realworld_lambda_json_log_format_links_like_text() {
    let w = Rw::get();
    let t = trace(w, "e2b8a3d0-5c1f-4d6e-9a7b-3c2d1e0f9a8b");
    assert_eq!(t["status"], 502);
    let l = &t["lambdas"][0];
    assert_eq!(
        l["request_id"], "79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36",
        "{t}"
    );
    assert_eq!(l["function"], w.m["functions"]["orders"]);
    assert_eq!(l["duration_ms"], 1233.96);
    assert_eq!(l["billed_duration_ms"], 1698.0);
    assert_eq!(l["max_memory_mb"], 123.0);
    assert_eq!(l["init_duration_ms"], 463.512);
    // platform.report says success, but the function logged an ERROR line.
    assert_eq!(l["status"], "error");
    let msgs = messages(&t);
    assert!(
        msgs[0..]
            .iter()
            .any(|m| m.contains("\"type\":\"platform.initStart\"")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter().any(|m| m.contains("Widget update failed")),
        "{msgs:#?}"
    );
    // Not the next invocation of the same environment.
    assert!(!msgs.iter().any(|m| m.contains("f0c9f58b")), "{msgs:#?}");

    // get --request-id: the same lines.
    let r = w
        .rest(&["get", "-o", "json"])
        .args(["--request-id", "e2b8a3d0-5c1f-4d6e-9a7b-3c2d1e0f9a8b"])
        .window()
        .ok();
    let got: Vec<String> = json_lines(&r.stdout)
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, msgs);
}

#[test]
fn summary_routes_are_the_apis_routes() {
    // The generated world: GET /users/{id} requests log concrete paths (/users/828).
    let w = World::shared();
    let r = w.rest(&["summary", "-o", "json"]).window().ok();
    let s: Value = r.json();
    let routes: Vec<&str> = s["by_route"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["route"].as_str().unwrap())
        .collect();
    assert!(routes.contains(&"GET /users/{id}"), "{routes:?}");
    assert!(
        !routes
            .iter()
            .any(|r| r.starts_with("GET /users/") && !r.ends_with("{id}")),
        "{routes:?}"
    );
    let want = w
        .requests()
        .iter()
        .filter(|q| q["api"] == "rest" && q["kind"] == "ok_alias")
        .count();
    let row = s["by_route"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["route"] == "GET /users/{id}")
        .unwrap();
    assert_eq!(row["requests"], want, "{s}");
    // Every REST request counted once although both logs name it.
    let rest = w.requests().iter().filter(|q| q["api"] == "rest").count();
    assert_eq!(s["requests"], rest, "{s}");
}

#[test]
fn realworld_errors_lists_failures_and_rejections() {
    let w = Rw::get();
    let ids = |extra: &[&str]| -> Vec<(String, Value)> {
        let r = w
            .rest(&[&["errors", "-o", "json"], extra].concat())
            .window()
            .ok();
        let v: Value = r.json();
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| (t["request_id"].as_str().unwrap().to_string(), t.clone()))
            .collect()
    };
    let five: Vec<String> = ids(&[]).into_iter().map(|x| x.0).collect();
    assert_eq!(
        five,
        vec![
            "286364ab-3a83-11e9-8dc8-db3cf4c83204",
            "fbcaf9e5-d535-40a1-891c-7b70118cf7e8",
            "a5e3de30-8d59-11e8-b2f5-9339f1c001b0",
            "e2b8a3d0-5c1f-4d6e-9a7b-3c2d1e0f9a8b",
        ]
    );
    let all = ids(&["--include-4xx"]);
    let got: Vec<&str> = all.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(
        got,
        vec![
            "286364ab-3a83-11e9-8dc8-db3cf4c83204",
            "fbcaf9e5-d535-40a1-891c-7b70118cf7e8",
            "a5e3de30-8d59-11e8-b2f5-9339f1c001b0",
            "fd443056-60d0-425f-874e-e93e5d61351e",
            "9c0b1a52-0000-4000-8000-000000000429",
            "e2b8a3d0-5c1f-4d6e-9a7b-3c2d1e0f9a8b",
            "184996c0-dfb8-4095-9305-59b46a06f147",
        ]
    );
    let denied = &all[3].1;
    assert_eq!(denied["authorizer"]["result"], "denied");
    let throttled = &all[2].1;
    assert_eq!(throttled["lambda_throttled"], true);
}

#[test]
fn realworld_summary_counts_every_request_and_function() {
    let w = Rw::get();
    let r = w.rest(&["summary", "-o", "json"]).window().ok();
    let s: Value = r.json();
    // 200, 502, 504, 502, 502, 429, 403 from their status lines; the authorizer's deny
    // logs none and counts as 4xx.
    assert_eq!(s["requests"], 8, "{s}");
    assert_eq!(s["by_status_class"]["2xx"], 1);
    assert_eq!(s["by_status_class"]["4xx"], 3);
    assert_eq!(s["by_status_class"]["5xx"], 4);
    assert_eq!(s["throttles"], 1);
    let f = |name: &str| -> Value {
        let full = w.m["functions"][name].as_str().unwrap();
        s["functions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["function"] == full)
            .cloned()
            .unwrap_or_else(|| panic!("{name}: {s}"))
    };
    let users = f("users");
    assert_eq!(
        (
            &users["invocations"],
            &users["cold_starts"],
            &users["timeouts"]
        ),
        (&Value::from(2), &Value::from(1), &Value::from(1))
    );
    // Lambda's JSON log format: two invocations, the first cold.
    let orders = f("orders");
    assert_eq!(
        (
            &orders["invocations"],
            &orders["cold_starts"],
            &orders["timeouts"]
        ),
        (&Value::from(2), &Value::from(1), &Value::from(0))
    );
    assert_eq!(orders["duration_ms"]["max"], 1233.96);
    // Out of memory: an error.
    let backend = f("backend");
    assert_eq!(backend["errors"], 1);
}

#[test]
fn unreadable_access_lines_are_counted_and_said_once() {
    // The corpus plus three synthetic access lines that name no request.
    let w = Rw::seed("rwu", &["--unreadable", "3"]);
    for cmd in [&["summary"][..], &["errors", "--include-4xx"][..]] {
        let r = w.rest(cmd).window().run();
        assert_eq!(r.code, 0, "{cmd:?}: {}", r.stderr);
        let warnings: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.contains("access log line"))
            .collect();
        assert_eq!(
            warnings,
            vec![
                "apitrace: warning: 3 access log lines could not be read, e.g. \"synthetic line 0 without a request id\"; see the README (access log formats) for what is understood"
            ],
            "{cmd:?}: {}",
            r.stderr
        );
    }
}
