//! Bad input and unreachable things: one `apitrace: error:` line, a hint, the documented
//! exit code, no panic.

use std::time::{Duration, Instant};

use crate::support::*;

fn assert_clean_error(r: &Run, code: i32, needle: &str) {
    assert_eq!(r.code, code, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    let first = r
        .stderr
        .lines()
        .find(|l| l.starts_with("apitrace: error:"))
        .unwrap_or_else(|| panic!("no error line: {}", r.stderr));
    assert!(first.contains(needle), "{first}");
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("stack backtrace"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

#[test]
fn unknown_api_names_the_apis_command() {
    let r = run(apitrace().args(["get", "--api-id", "nope123456", "--stage", "prod"]));
    assert_clean_error(&r, 1, "API 'nope123456' not found in region us-east-1");
    assert!(
        r.stderr.contains("apitrace: hint:") && r.stderr.contains("apitrace apis"),
        "{}",
        r.stderr
    );
}

#[test]
fn unknown_stage_lists_the_stages() {
    let w = World::shared();
    let r = w.stage(w.rest_api(), "prdo", &["get"]).run();
    assert_clean_error(&r, 1, "stage 'prdo' not found");
    assert!(
        r.stderr.contains("prod") && r.stderr.contains("dev"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_times_are_usage_errors_listing_the_forms() {
    let r = run(apitrace().args([
        "get",
        "--api-id",
        "x",
        "--stage",
        "y",
        "--start",
        "lunchtime",
    ]));
    assert_clean_error(&r, 2, "invalid --start 'lunchtime'");
    assert!(r.stderr.contains("accepted forms"), "{}", r.stderr);
    let r = run(apitrace().args([
        "get", "--api-id", "x", "--stage", "y", "--start", "now", "--end", "1h ago",
    ]));
    assert_clean_error(&r, 2, "is after --end");
}

#[test]
fn bad_flags_are_usage_errors() {
    let r = run(apitrace().args(["get", "--api-id", "x"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run(apitrace().args(["get", "--api-id", "x", "--stage", "y", "--region", "Mars"]));
    assert_clean_error(&r, 2, "'Mars' is not an AWS region name");
    let r = run(apitrace().args(["get", "--api-id", "x", "--stage", "y", "--max-tps", "0"]));
    assert_clean_error(&r, 2, "--max-tps");
}

#[test]
fn unreachable_endpoint_fails_fast_with_a_message() {
    let t0 = Instant::now();
    let r = run(apitrace().args([
        "get",
        "--api-id",
        "x",
        "--stage",
        "y",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--call-timeout",
        "2",
    ]));
    assert_clean_error(&r, 1, "cannot reach the endpoint");
    assert!(
        t0.elapsed() < Duration::from_secs(60),
        "took {:?}",
        t0.elapsed()
    );
}

#[test]
fn no_region_is_an_error_with_a_hint_not_an_imds_wait() {
    let r = run(apitrace().env_remove("AWS_REGION").args(["apis"]));
    assert_clean_error(&r, 1, "no AWS region is configured");
    assert!(r.stderr.contains("--region"), "{}", r.stderr);
}

#[test]
fn no_credentials_is_an_error_with_a_hint() {
    let r = run(apitrace()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["apis"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("apitrace: error:"), "{}", r.stderr);
    assert!(r.stderr.contains("credentials"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn unknown_profile_is_an_error() {
    let r = run(apitrace().args(["apis", "--profile", "nosuch"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("nosuch"), "{}", r.stderr);
}

#[test]
fn debug_output_redacts_secrets() {
    let w = World::shared();
    for how in ["--debug", "RUST_LOG"] {
        let cmd = w
            .rest(&["groups"])
            .env("AWS_SECRET_ACCESS_KEY", "supersecretkey-do-not-print")
            .env("AWS_SESSION_TOKEN", "supersecret-session-token");
        let r = if how == "--debug" {
            cmd.arg("--debug")
        } else {
            cmd.env("RUST_LOG", "debug")
        }
        .ok();
        assert!(
            r.stderr.contains("apitrace: debug: → GET"),
            "{how}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("authorization: <redacted>"), "{how}");
        assert!(
            r.stderr.contains("x-amz-security-token: <redacted>"),
            "{how}"
        );
        assert!(
            !r.stderr.contains("supersecret"),
            "{how}: a secret was printed"
        );
        assert!(
            !r.stderr.contains("Signature="),
            "{how}: the signature was printed"
        );
    }
}

#[test]
fn ctrl_c_during_a_fetch_exits_130() {
    let w = World::shared();
    // A slow fetch: one call per second.
    let child = w
        .rest(&["get", "--max-tps", "0.5", "--color", "always"])
        .window()
        .spawn();
    std::thread::sleep(Duration::from_millis(1500));
    kill("-INT", &child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
