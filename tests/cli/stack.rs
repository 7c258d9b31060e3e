//! `--stack NAME` (#21): a CloudFormation stack's API and every function it defines,
//! nested stacks included, against stacks the emulator's CloudFormation created
//! (scripts/stackworld.py).

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::*;

struct Stacks {
    prefix: String,
    manifest: Value,
}

/// The stacks, seeded once per test binary.
fn stacks() -> &'static Stacks {
    static S: OnceLock<Stacks> = OnceLock::new();
    S.get_or_init(|| {
        let prefix = format!("stk{}", std::process::id());
        let out = Command::new(python())
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scripts/stackworld.py"
            ))
            .args(["--endpoint", &endpoint(), "--prefix", &prefix])
            .output()
            .expect("run scripts/stackworld.py");
        assert!(
            out.status.success(),
            "seeding the stacks failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Stacks {
            prefix,
            manifest: serde_json::from_slice(&out.stdout).expect("stackworld manifest"),
        }
    })
}

/// `groups -o json` → log group name → its reasons.
fn groups(args: &[&str]) -> BTreeMap<String, Vec<String>> {
    let v: Value = Cmd::new(&["groups"])
        .args(args)
        .args(["-o", "json"])
        .ok()
        .json();
    v.as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let reasons = g["reasons"].as_array().unwrap();
            (
                g["log_group"].as_str().unwrap().to_string(),
                reasons
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn a_stack_gives_its_api_and_every_function_with_the_resource_each_came_from() {
    let s = stacks();
    let p = &s.prefix;
    let api = s.manifest["api_id"].as_str().unwrap();
    let shop = format!("{p}-shop");
    let g = groups(&["--stack", &shop]);
    let exec = format!("API-Gateway-Execution-Logs_{api}/prod");
    let names: Vec<&str> = g.keys().map(String::as_str).collect();
    let mut want = vec![
        exec.clone(),
        format!("/aws/lambda/{p}-orders"),
        format!("/aws/lambda/{p}-nightly"),
        format!("/aws/lambda/{p}-worker"),
    ];
    want.sort();
    assert_eq!(names, want);
    assert!(g[&exec].contains(&format!("stack {shop}: Api")), "{g:?}");
    let orders = &g[&format!("/aws/lambda/{p}-orders")];
    assert!(
        orders.iter().any(|r| r.contains("GET /orders")),
        "{orders:?}"
    );
    assert!(
        orders.contains(&format!("stack {shop}: OrdersFunction")),
        "{orders:?}"
    );
    assert_eq!(
        g[&format!("/aws/lambda/{p}-nightly")],
        vec![format!(
            "stack {shop}: NightlyFunction, not behind the stage"
        )]
    );
    // The nested stack's function, named by the nested stack.
    let worker = &g[&format!("/aws/lambda/{p}-worker")];
    assert!(
        worker.len() == 1
            && worker[0].starts_with(&format!("stack {shop}-Workers"))
            && worker[0].ends_with(": WorkerFunction, not behind the stage"),
        "{worker:?}"
    );
    // The same API by id: the stack adds its functions and labels, nothing else.
    let by_id = groups(&["--api-id", api, "--stage", "prod"]);
    assert_eq!(
        by_id.keys().collect::<Vec<_>>(),
        vec![&format!("/aws/lambda/{p}-orders"), &exec]
    );
}

#[test]
fn get_with_a_stack_prints_every_groups_lines() {
    let s = stacks();
    let shop = format!("{}-shop", s.prefix);
    let r = Cmd::new(&["get", "--stack", &shop, "--start", "1h ago", "-o", "json"]).ok();
    let mut messages: Vec<String> = json_lines(&r.stdout)
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    messages.sort();
    assert_eq!(
        messages,
        [
            "execution log line (stackworld.py)",
            "nightly function line (stackworld.py)",
            "orders function line (stackworld.py)",
            "worker function line (stackworld.py)",
        ]
    );
    assert!(r.stderr.contains("stage prod, 3 functions"), "{}", r.stderr);
}

#[test]
fn a_route_keeps_only_the_functions_behind_it() {
    let s = stacks();
    let p = &s.prefix;
    let g = groups(&["--stack", &format!("{p}-shop"), "--route", "GET /orders"]);
    assert!(g.contains_key(&format!("/aws/lambda/{p}-orders")), "{g:?}");
    assert!(
        !g.contains_key(&format!("/aws/lambda/{p}-nightly")),
        "{g:?}"
    );
    assert!(!g.contains_key(&format!("/aws/lambda/{p}-worker")), "{g:?}");
}

#[test]
fn a_stack_with_several_apis_names_them_and_api_picks_one() {
    let s = stacks();
    let two = format!("{}-two", s.prefix);
    let r = run(apitrace().args(["groups", "--stack", &two]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let a = s.manifest["two"]["ApiA"].as_str().unwrap();
    let b = s.manifest["two"]["ApiB"].as_str().unwrap();
    assert!(
        r.stderr.contains(&format!("stack {two} has 2 APIs")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!("ApiA ({a}, REST)"))
            && r.stderr.contains(&format!("ApiB ({b}, REST)")),
        "{}",
        r.stderr
    );
    for pick in ["ApiB", b] {
        let g = groups(&["--stack", &two, "--api", pick]);
        assert_eq!(
            g.keys().collect::<Vec<_>>(),
            vec![&format!("API-Gateway-Execution-Logs_{b}/prod")],
            "--api {pick}"
        );
    }
    let r = run(apitrace().args(["groups", "--stack", &two, "--api", "Nope"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("has no API 'Nope'"), "{}", r.stderr);
}

#[test]
fn a_stack_without_an_api_reads_its_functions() {
    let s = stacks();
    let p = &s.prefix;
    let g = groups(&["--stack", &format!("{p}-fns")]);
    assert_eq!(
        g,
        BTreeMap::from([(
            format!("/aws/lambda/{p}-job"),
            vec![format!("stack {p}-fns: JobFunction")]
        )])
    );
}

#[test]
fn an_unknown_stack_is_an_error_with_a_hint() {
    let r = run(apitrace().args(["groups", "--stack", "no-such-stack-here"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("apitrace: error: no stack 'no-such-stack-here' in region us-east-1\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("hint: stack names are case-sensitive"),
        "{}",
        r.stderr
    );
}
