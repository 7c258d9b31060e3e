//! `--route` narrows what `summary` counts and what `errors` lists to that route's
//! requests (#21), not only which Lambda groups are read.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::*;

fn rest(w: &World, method: &str, path: &str) -> Vec<Value> {
    w.requests()
        .iter()
        .filter(|r| r["api"] == "rest" && r["method"] == method && r["resource_path"] == path)
        .cloned()
        .collect()
}

#[test]
fn errors_lists_only_the_failures_of_the_route() {
    let w = World::seed("routeerr", &[]);
    let want: BTreeSet<String> = rest(&w, "POST", "/orders")
        .iter()
        .filter(|r| r["status"].as_u64().unwrap() >= 500)
        .map(|r| r["request_id"].as_str().unwrap().to_string())
        .collect();
    let others = w
        .requests()
        .iter()
        .filter(|r| r["api"] == "rest" && r["status"].as_u64().unwrap() >= 500)
        .count();
    assert!(!want.is_empty() && others > want.len(), "{want:?}");
    for route in ["POST /orders", "post /orders"] {
        let r = run(apitrace()
            .args(["errors", "--api-id", w.rest_api(), "--stage", "prod"])
            .args(["--route", route, "-o", "json", "--limit", "1000"])
            .args(w.window_args()));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let arr: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
        let got: BTreeSet<String> = arr
            .iter()
            .map(|t| t["request_id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "{route}");
        for t in &arr {
            assert_eq!(t["route"], "POST /orders", "{t}");
        }
        assert!(
            r.stderr
                .contains(&format!("{} failing requests", want.len())),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn summary_counts_only_the_requests_of_the_route() {
    let w = World::seed("routesum", &[]);
    // The authorizer's denials log no route: left out, as summary's table shows them.
    let users: Vec<Value> = rest(&w, "GET", "/users")
        .into_iter()
        .filter(|r| r["kind"] != "auth_denied")
        .collect();
    let failed = users
        .iter()
        .filter(|r| r["status"].as_u64().unwrap() >= 500)
        .count();
    assert!(failed > 0 && users.len() > failed);
    // A called path names its route too.
    for route in ["GET /users", "GET /users/"] {
        let r = run(apitrace()
            .args(["summary", "--api-id", w.rest_api(), "--stage", "prod"])
            .args(["--route", route, "-o", "json"])
            .args(w.window_args()));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let s: Value = serde_json::from_str(&r.stdout).unwrap();
        let routes: Vec<&str> = s["by_route"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["route"].as_str().unwrap())
            .collect();
        assert_eq!(routes, ["GET /users"], "{route}: {s}");
        assert_eq!(s["requests"].as_u64().unwrap() as usize, users.len(), "{s}");
        assert_eq!(s["by_route"][0]["5xx"].as_u64().unwrap() as usize, failed);
    }
    // A --url's path selects its route.
    let alias = rest(&w, "GET", "/users/{id}").len();
    let url = format!(
        "https://{}.execute-api.us-east-1.amazonaws.com/prod/users/42",
        w.rest_api()
    );
    let r = run(apitrace()
        .args(["summary", "--url", &url, "-o", "json"])
        .args(w.window_args()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(alias > 0);
    assert_eq!(s["requests"].as_u64().unwrap() as usize, alias, "{s}");
    assert_eq!(s["by_route"][0]["route"], "GET /users/{id}", "{s}");
    // An HTTP API's route key.
    let items = w
        .requests()
        .iter()
        .filter(|r| r["api"] == "http" && r["method"] == "GET")
        .count();
    let r = run(apitrace()
        .args(["summary", "--api-id", w.http_api(), "--stage", "$default"])
        .args(["--route", "GET /items", "-o", "json"])
        .args(w.window_args()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(items > 0);
    assert_eq!(s["requests"].as_u64().unwrap() as usize, items, "{s}");
    assert_eq!(s["by_route"][0]["route"], "GET /items", "{s}");
    assert_eq!(s["by_route"].as_array().unwrap().len(), 1, "{s}");
}
