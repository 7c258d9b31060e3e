//! Every command and every output format ends quietly with exit 0 when its reader has gone
//! (`| head -c 1`): the read end of stdout is closed before apitrace writes a byte, so the
//! first write fails with EPIPE whatever the size of the output.

use std::process::Stdio;

use crate::support::*;

/// Run with stdout a pipe whose read end is already closed; return (exit code, stderr).
fn into_closed_pipe(args: &[String]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = apitrace()
        .args(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("run apitrace");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_command_and_format_ends_quietly_on_a_closed_pipe() {
    let w = World::shared();
    let rid = w
        .requests()
        .iter()
        .find(|r| r["api"] == "rest" && r["status"].as_u64() == Some(200))
        .expect("a successful REST request")["request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let stage = |api: &str| -> Vec<String> {
        ["--api-id", api, "--stage", "prod"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let s = |v: &[&str]| -> Vec<String> { v.iter().map(|s| s.to_string()).collect() };
    let mut cases: Vec<Vec<String>> = Vec::new();
    for fmt in ["text", "json"] {
        cases.push([s(&["get"]), stage(w.rest_api()), s(&["-o", fmt])].concat());
        cases.push([s(&["trace", &rid]), stage(w.rest_api()), s(&["-o", fmt])].concat());
        cases.push([s(&["summary"]), stage(w.rest_api()), s(&["-o", fmt])].concat());
        cases.push([s(&["groups"]), stage(w.rest_api()), s(&["-o", fmt])].concat());
        cases.push(s(&["apis", "-o", fmt]));
    }
    for fmt in ["text", "json", "github"] {
        cases.push([s(&["errors"]), stage(w.rest_api()), s(&["-o", fmt])].concat());
    }
    cases.push(s(&["completions", "bash"]));
    cases.push(s(&["man"]));
    let mut failed = Vec::new();
    for mut args in cases {
        if matches!(args[0].as_str(), "get" | "trace" | "summary" | "errors") {
            args.extend(w.window_args());
        }
        args.push("--quiet".into());
        let (code, stderr) = into_closed_pipe(&args);
        if code != Some(0) || !stderr.is_empty() {
            failed.push(format!(
                "apitrace {}: exit {code:?}, stderr {stderr:?}",
                args.join(" ")
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
