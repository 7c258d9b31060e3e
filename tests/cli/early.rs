//! `errors` prints each traced failure as soon as it is linked (#17): the first failure's
//! trace is on stdout before the last CloudWatch Logs call is sent, when the reads take
//! several pages. The world's logs are served by `scripts/fakelogs.py` (small pages, some
//! latency), API Gateway and Lambda by the emulator, through `bench/splitproxy.py`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::support::*;

struct Proxy {
    child: Child,
    port: u16,
}

impl Proxy {
    fn start(logs: &str) -> Proxy {
        let python = std::env::var("APITRACE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let script =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench/splitproxy.py");
        let mut child = Command::new(&python)
            .arg(&script)
            .args(["--port", "0", "--logs", logs, "--other", &endpoint()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run bench/splitproxy.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the proxy's port line");
        let v: Value = serde_json::from_str(&line).expect("the proxy started");
        Proxy {
            child,
            port: v["port"].as_u64().unwrap() as u16,
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn errors_prints_the_first_failure_before_the_last_call() {
    let w = World::seed("early", &[]);
    // 20 events a page and 20 ms a call: every read is a chain of pages.
    let fake = Fake::start(&[
        "--group-names",
        w.m["log_groups"]["execution"].as_str().unwrap(),
        "--events",
        "0",
        "--late-events",
        "--page-events",
        "20",
    ]);
    let mut by_group: std::collections::BTreeMap<&str, Vec<Value>> = Default::default();
    for e in w.events() {
        by_group
            .entry(e["log_group"].as_str().unwrap())
            .or_default()
            .push(json!({
                "timestamp": e["timestamp"],
                "message": e["message"],
                "logStreamName": e["log_stream"],
            }));
    }
    for (g, mut evs) in by_group {
        evs.sort_by_key(|e| e["timestamp"].as_i64().unwrap());
        fake.http(
            "POST",
            "/_fake/put",
            Some(&json!({"group": g, "events": evs})),
        );
    }
    fake.http("POST", "/_fake/config", Some(&json!({"latency_ms": 20})));
    let proxy = Proxy::start(&fake.url());
    // stdout and stderr into one file, in the order they were written.
    let path = std::env::temp_dir().join(format!("apitrace-early-{}.txt", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    let status = apitrace()
        .args([
            "errors",
            "--api-id",
            w.rest_api(),
            "--stage",
            "prod",
            "--debug",
        ])
        .args([
            "--endpoint-url",
            &format!("http://127.0.0.1:{}", proxy.port),
        ])
        .args(["--max-tps", "1000", "--no-links"])
        .args(w.window_args())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .status()
        .unwrap();
    let out = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(status.code(), Some(0), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let first_trace = lines
        .iter()
        .position(|l| l.starts_with("== 5"))
        .unwrap_or_else(|| panic!("no failure printed:\n{out}"));
    let last_call = lines
        .iter()
        .rposition(|l| l.starts_with("apitrace: debug: → ") && l.contains("FilterLogEvents"))
        .expect("FilterLogEvents calls");
    let failing = w
        .requests()
        .iter()
        .filter(|r| r["api"] == "rest" && r["status"].as_u64().unwrap() >= 500)
        .count();
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("== 5")).count(),
        failing,
        "{out}"
    );
    let calls_after = lines[first_trace..]
        .iter()
        .filter(|l| l.starts_with("apitrace: debug: → ") && l.contains("FilterLogEvents"))
        .count();
    assert!(
        first_trace < last_call,
        "the first failure was printed after every call was sent:\n{out}"
    );
    eprintln!("{calls_after} FilterLogEvents calls sent after the first failure was printed");
}
