//! `apitrace groups` and `apitrace apis`: what resolution finds, and why.

use serde::Deserialize;

use crate::support::*;

/// The `groups --output json` contract.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Row {
    log_group: String,
    source: String,
    function: Option<String>,
    exists: Option<bool>,
    /// DescribeLogGroups' `logGroupClass` (null when not checked).
    class: Option<String>,
    /// A function's callers other than this stage, from its resource policy.
    shared_with: Option<Vec<String>>,
    reasons: Vec<String>,
    /// The group in the CloudWatch console (#21).
    console_url: String,
}

fn rows(w: &World, api: &str, stage: &str, extra: &[&str]) -> (Vec<Row>, String) {
    let r = w
        .stage(api, stage, &["groups", "-o", "json"])
        .args(extra)
        .ok();
    (r.json(), r.stderr)
}

fn find<'a>(rows: &'a [Row], name: &str) -> &'a Row {
    rows.iter()
        .find(|r| r.log_group == name)
        .unwrap_or_else(|| panic!("{name} not in {rows:#?}"))
}

#[test]
fn rest_stage_resolves_every_group_with_a_reason() {
    let w = World::shared();
    let p = w.prefix();
    let (rows, stderr) = rows(w, w.rest_api(), "prod", &[]);
    let exec = find(&rows, w.group("execution"));
    assert_eq!(
        (exec.source.as_str(), exec.exists),
        ("execution", Some(true))
    );
    let access = find(&rows, &format!("{p}-access"));
    assert_eq!(
        (access.source.as_str(), access.exists),
        ("access", Some(true))
    );
    let users = find(&rows, &format!("/aws/lambda/{p}-users"));
    assert_eq!(users.source, "lambda");
    assert_eq!(
        users.function.as_deref(),
        Some(format!("{p}-users").as_str())
    );
    assert!(
        users
            .reasons
            .contains(&"GET /users integration".to_string()),
        "{:?}",
        users.reasons
    );
    assert!(
        users
            .reasons
            .iter()
            .any(|r| r.starts_with("GET /users/{id} integration") && r.contains("alias live")),
        "{:?}",
        users.reasons
    );
    let backend = find(&rows, &format!("/aws/lambda/{p}-backend"));
    assert_eq!(
        backend.reasons,
        vec!["ANY /backend integration (stage variable backend)"]
    );
    let auth = find(&rows, &format!("/aws/lambda/{p}-auth"));
    assert_eq!(auth.source, "authorizer");
    assert_eq!(auth.reasons, vec![format!("authorizer {p}-authorizer")]);
    let reports = find(&rows, &format!("/aws/lambda/{p}-reports"));
    assert_eq!(
        reports.exists,
        Some(true),
        "read in eu-west-1, where it exists"
    );
    assert!(
        reports.reasons.iter().any(|r| r.contains("eu-west-1")),
        "{:?}",
        reports.reasons
    );
    assert!(rows.iter().all(|r| r.exists == Some(true)), "{rows:#?}");
    assert_eq!(rows.len(), 7, "{rows:#?}");
    // The undefined stage variable is a warning naming the route.
    assert!(
        stderr.contains("GET /legacy") && stderr.contains("'missing'"),
        "{stderr}"
    );
}

#[test]
fn a_stage_without_logging_reports_missing_groups_with_the_cause() {
    let w = World::shared();
    let (rows, _) = rows(w, w.rest_api(), "dev", &[]);
    let exec = find(
        &rows,
        &format!("API-Gateway-Execution-Logs_{}/dev", w.rest_api()),
    );
    assert_eq!(exec.exists, Some(false));
    assert!(rows.iter().all(|r| r.source != "access"));
    // `get` warns once for the missing execution group and still prints the functions.
    let r = w
        .stage(w.rest_api(), "dev", &["get", "-o", "json"])
        .window()
        .ok();
    assert_eq!(
        r.stderr
            .matches("is execution logging enabled for this stage?")
            .count(),
        1,
        "{}",
        r.stderr
    );
    assert!(!r.stdout.is_empty());
}

#[test]
fn http_api_resolves_access_log_and_stage_variable_integration() {
    let w = World::shared();
    let p = w.prefix();
    let (rows, stderr) = rows(w, w.http_api(), "$default", &[]);
    assert!(
        stderr.contains("HTTP APIs have no execution logs"),
        "{stderr}"
    );
    assert!(rows.iter().all(|r| r.source != "execution"));
    let access = find(&rows, &format!("{p}-http-access"));
    assert_eq!(
        (access.source.as_str(), access.exists),
        ("access", Some(true))
    );
    let users = find(&rows, &format!("/aws/lambda/{p}-users"));
    assert_eq!(
        users.reasons,
        vec!["GET /items integration (stage variable fn)"]
    );
    let orders = find(&rows, &format!("/aws/lambda/{p}-orders"));
    assert_eq!(orders.reasons, vec!["POST /items integration"]);
}

#[test]
fn only_and_function_filter_the_groups() {
    let w = World::shared();
    let p = w.prefix();
    let (only, _) = rows(w, w.rest_api(), "prod", &["--only", "authorizer,access"]);
    let mut sources: Vec<&str> = only.iter().map(|r| r.source.as_str()).collect();
    sources.sort();
    assert_eq!(sources, vec!["access", "authorizer"]);
    let (func, _) = rows(
        w,
        w.rest_api(),
        "prod",
        &["--function", &format!("{p}-orders")],
    );
    let names: Vec<&str> = func.iter().map(|r| r.log_group.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&format!("/aws/lambda/{p}-orders").as_str()));
}

#[test]
fn groups_text_is_a_table() {
    let w = World::shared();
    let r = w.rest(&["groups"]).ok();
    let mut lines = r.stdout.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("LOG GROUP") && header.contains("SOURCE") && header.ends_with("WHY"),
        "{header}"
    );
    assert_eq!(
        lines.count(),
        7 + 1 + 7,
        "the table, a blank line, a link per group"
    );
    let r = w.rest(&["groups", "--no-links"]).ok();
    assert_eq!(r.stdout.lines().count(), 1 + 7);
}

#[test]
fn apis_lists_rest_and_http_apis_with_stages() {
    let w = World::shared();
    let r = run(apitrace().args(["apis", "-o", "json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = r.json();
    let find = |id: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .cloned()
            .unwrap()
    };
    let rest = find(w.rest_api());
    assert_eq!(rest["type"], "REST");
    let mut stages: Vec<&str> = rest["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    stages.sort();
    assert_eq!(stages, vec!["dev", "prod"]);
    let http = find(w.http_api());
    assert_eq!(http["type"], "HTTP");
    assert_eq!(http["stages"], serde_json::json!(["$default"]));
    let text = run(apitrace().arg("apis"));
    assert!(
        text.stdout
            .lines()
            .any(|l| l.starts_with(w.rest_api()) && l.contains("prod")),
        "{}",
        text.stdout
    );
}
