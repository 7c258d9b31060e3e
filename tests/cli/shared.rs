//! A Lambda function behind two APIs (#18): `summary` for one stage counts only the
//! invocations its requests name, and `groups` says which functions other callers share.
//! In the seeded world `users` and `orders` serve the REST API and the HTTP API, and their
//! resource policies allow both (manifest `shared_functions`).

use std::collections::HashSet;

use serde_json::Value;

use crate::support::*;

/// REPORT lines seeded in `function`'s group for requests of `api` (`rest` or `http`).
fn reports(w: &World, function: &str, api: &str) -> usize {
    let ids: HashSet<&str> = w
        .requests()
        .iter()
        .filter(|r| r["api"] == api)
        .filter_map(|r| r["request_id"].as_str())
        .collect();
    let group = format!("/aws/lambda/{function}");
    w.events()
        .iter()
        .filter(|e| e["log_group"] == group.as_str() && !e["old"].as_bool().unwrap())
        .filter(|e| {
            let m = e["message"].as_str().unwrap();
            m.starts_with("REPORT RequestId:") || m.contains("\"platform.report\"")
        })
        .filter(|e| ids.contains(e["request_id"].as_str().unwrap_or("")))
        .count()
}

#[test]
fn summary_of_a_stage_counts_only_its_invocations_of_a_shared_function() {
    let w = World::shared();
    let users = w.m["functions"]["users"].as_str().unwrap();
    let orders = w.m["functions"]["orders"].as_str().unwrap();
    let mut shared: Vec<&String> = w.m["shared_functions"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    shared.sort();
    assert_eq!(shared, [orders, users], "the world shares users and orders");
    let r = w.http(&["summary", "-o", "json"]).window().ok();
    let v: Value = r.json();
    let http_requests = w.requests().iter().filter(|r| r["api"] == "http").count();
    assert_eq!(v["requests"].as_u64().unwrap() as usize, http_requests);
    for name in [users, orders] {
        let f = v["functions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["function"] == name)
            .unwrap_or_else(|| panic!("{name}: {v}"));
        let (mine, theirs) = (reports(w, name, "http"), reports(w, name, "rest"));
        assert!(mine > 0 && theirs > 0, "{name}: {mine} {theirs}");
        assert_eq!(
            f["invocations"].as_u64().unwrap() as usize,
            mine,
            "{name}: {f}"
        );
        assert_eq!(f["not_linked"].as_u64().unwrap() as usize, theirs, "{name}");
        assert_eq!(f["counted"], "linked");
        // The REST API's timeouts and errors are not this stage's.
        assert_eq!(
            (&f["timeouts"], &f["errors"]),
            (&Value::from(0), &Value::from(0))
        );
        assert_eq!(
            f["shared_with"],
            serde_json::json!([format!("API {}", w.rest_api())]),
            "{name}"
        );
        assert!(
            r.stderr.contains(&format!("function {name} is shared"))
                && r.stderr.contains(&format!("{theirs} others are left out")),
            "{}",
            r.stderr
        );
    }
    // The text table says it too.
    let t = w.http(&["summary"]).window().ok();
    let line = t
        .stdout
        .lines()
        .find(|l| l.starts_with(users))
        .unwrap_or_else(|| panic!("{}", t.stdout));
    assert!(
        line.contains(&format!(
            "with API {}: only this stage's invocations counted",
            w.rest_api()
        )),
        "{line}"
    );
}

#[test]
fn groups_say_which_functions_are_shared() {
    let w = World::shared();
    let users = w.m["functions"]["users"].as_str().unwrap();
    let backend = w.m["functions"]["backend"].as_str().unwrap();
    let r = w.rest(&["groups", "-o", "json"]).ok();
    let rows: Vec<Value> = r.json();
    let row = |f: &str| {
        rows.iter()
            .find(|r| r["function"] == f)
            .unwrap_or_else(|| panic!("{f}: {rows:?}"))
            .clone()
    };
    assert_eq!(
        row(users)["shared_with"],
        serde_json::json!([format!("API {}", w.http_api())])
    );
    assert_eq!(row(backend)["shared_with"], serde_json::json!([]));
    let exec = rows.iter().find(|r| r["source"] == "execution").unwrap();
    assert_eq!(exec["shared_with"], Value::Null);
    let t = w.rest(&["groups"]).run();
    assert!(
        t.stdout.lines().next().unwrap().contains("SHARED"),
        "{}",
        t.stdout
    );
    let line = t.stdout.lines().find(|l| l.contains(users)).unwrap();
    assert!(
        line.contains(&format!("yes: API {}", w.http_api())),
        "{line}"
    );
    let line = t.stdout.lines().find(|l| l.contains(backend)).unwrap();
    assert!(line.contains("  no  "), "{line}");
    // Not a function's group: no verdict.
    let line = t
        .stdout
        .lines()
        .find(|l| l.contains(" execution "))
        .unwrap();
    let cells: Vec<&str> = line
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(cells[5], "-", "{line}");
}
