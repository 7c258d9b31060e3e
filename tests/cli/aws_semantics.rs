//! Where AWS behaves differently from the emulator (issue #15; aws-notes.md §7): each
//! behaviour is modelled in `scripts/fakelogs.py` (Logs Insights block, log classes) and
//! tested here against the real binary.

use serde_json::Value;

use crate::support::*;

/// `--start FROM --end TO`.
fn between(from: i64, to: i64) -> [String; 4] {
    [
        "--start".into(),
        from.to_string(),
        "--end".into(),
        to.to_string(),
    ]
}

/// `apitrace get -o json` on `groups` over `[from, to]` against the fake, with `extra`.
fn get(fake: &Fake, groups: &[&str], from: i64, to: i64, extra: &[&str]) -> Run {
    fake.cmd(&["get", "-o", "json"])
        .args(between(from, to))
        .log_groups(groups)
        .args(extra)
        .run()
}

fn engine(fake: &Fake, groups: &[&str], from: i64, to: i64, engine: &str) -> (Vec<Value>, Run) {
    let r = get(fake, groups, from, to, &["--engine", engine]);
    (json_lines(&r.stdout), r)
}

/// The fake's events of `groups` in `[from, to]` ms, as (group, stream, timestamp, message).
fn content_in(fake: &Fake, groups: &[&str], from: i64, to: i64) -> Vec<Tuple> {
    let mut v: Vec<_> = fake
        .content(groups)
        .into_iter()
        .filter(|e| e.2 >= from && e.2 <= to)
        .collect();
    v.sort();
    v
}

const GROUPS: [&str; 3] = ["fake-0", "fake-1", "fake-2"];

/// Item 1: Insights takes whole seconds and `endTime=E` reaches `E.000` only. 27,000
/// events with sub-second timestamps in one batch force the 10,000-row cap several times;
/// `--engine insights` must return exactly what `--engine filter` returns — also for a
/// window whose ends are not whole seconds.
#[test]
fn insights_returns_exactly_what_filter_returns_across_second_boundaries() {
    let fake = Fake::with_span(10 * 60_000, &["--events", "9000"]);
    let (from, to) = (fake.start_ms + 1_234, fake.start_ms + 10 * 60_000 - 567);
    let (filter, rf) = engine(&fake, &GROUPS, from, to, "filter");
    assert_eq!(rf.code, 0, "{}", rf.stderr);
    let (insights, ri) = engine(&fake, &GROUPS, from, to, "insights");
    assert_eq!(ri.code, 0, "{}", ri.stderr);
    assert!(ri.stderr.contains("engine: Logs Insights"), "{}", ri.stderr);
    let want = content_in(&fake, &GROUPS, from, to);
    assert!(want.len() > 20_000, "{}", want.len());
    assert_eq!(tuples(&filter), want, "--engine filter");
    let got = tuples(&insights);
    let missing = want
        .iter()
        .filter(|e| got.binary_search(e).is_err())
        .count();
    assert_eq!(
        (got.len(), missing),
        (want.len(), 0),
        "--engine insights: {} events, {missing} of the {} missing",
        got.len(),
        want.len()
    );
    assert_eq!(got, want);
    // In time order, as printed.
    let ts: Vec<i64> = insights
        .iter()
        .map(|e| e["timestamp"].as_i64().unwrap())
        .collect();
    assert!(ts.windows(2).all(|p| p[0] <= p[1]));
}

/// Item 6: one group that StartQuery does not find (listed by DescribeLogGroups, deleted
/// since) must not sink the batch: the others print, that one group is warned about.
#[test]
fn a_missing_group_does_not_sink_an_insights_batch() {
    let fake = Fake::start(&["--vanish-group", "fake-1"]);
    let (from, to) = (fake.start_ms, fake.start_ms + 30 * 60_000);
    let (got, r) = engine(&fake, &GROUPS, from, to, "insights");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        tuples(&got),
        content_in(&fake, &["fake-0", "fake-2"], from, to),
        "{}",
        r.stderr
    );
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", r.stderr);
    assert!(
        warnings[0].contains("fake-1") && !warnings[0].contains("fake-0"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("1 of 3 log groups failed"),
        "{}",
        r.stderr
    );
}

/// Item 5: GetQueryResults pages its rows by `nextToken`: every page is read.
#[test]
fn insights_results_are_read_page_by_page() {
    let fake = Fake::start(&["--insights-page-rows", "1000"]);
    let (from, to) = (fake.start_ms, fake.start_ms + 30 * 60_000);
    let (got, r) = engine(&fake, &GROUPS, from, to, "insights");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(tuples(&got), content_in(&fake, &GROUPS, from, to));
    assert!(r.stderr.contains("MB scanned"), "{}", r.stderr);
}

/// Item 5: the `Unknown` and `Timeout` statuses end the query with a one-line reason
/// instead of polling on (the old code polled `Unknown` for 15 minutes).
#[test]
fn insights_unknown_and_timeout_statuses_end_the_query() {
    for (status, says) in [
        ("Unknown", "stayed Unknown"),
        ("Timeout", "timed out on the service"),
    ] {
        let fake = Fake::start(&["--insights-status", status]);
        let (from, to) = (fake.start_ms, fake.start_ms + 60_000);
        // The old code polled `Unknown` for 15 minutes.
        let r = fake
            .cmd(&["get", "-o", "json"])
            .args(["--engine", "insights", "--log-group", "fake-0"])
            .args(between(from, to))
            .run_within(LIMIT, status);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains(says), "{status}: {}", r.stderr);
    }
}

/// Item 2: an Infrequent Access group refuses FilterLogEvents; under `--engine auto` it is
/// read with Logs Insights (said once), the others are paged, and the run exits 0.
#[test]
fn an_infrequent_access_group_is_read_with_insights_under_auto() {
    let fake = Fake::start(&["--ia-group", "fake-1"]);
    let (from, to) = (fake.start_ms, fake.start_ms + 30 * 60_000);
    let r = get(&fake, &GROUPS, from, to, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        tuples(&json_lines(&r.stdout)),
        content_in(&fake, &GROUPS, from, to)
    );
    let said: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("INFREQUENT_ACCESS"))
        .collect();
    assert_eq!(said.len(), 1, "{}", r.stderr);
    assert!(
        said[0].contains("fake-1") && said[0].contains("Logs Insights"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("warning:"), "{}", r.stderr);

    // --engine filter: the group fails with the service's reason, the others print.
    let r = get(&fake, &GROUPS, from, to, &["--engine", "filter"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("not supported for this log class")
            && r.stderr.contains("--engine auto or --engine insights"),
        "{}",
        r.stderr
    );

    // `groups` shows the class, as text and as JSON.
    let groups = |format: &str| {
        fake.cmd(&["groups", "-o", format])
            .log_groups(&["fake-0", "fake-1"])
            .run()
    };
    let t = groups("text");
    assert_eq!(t.code, 0, "{}", t.stderr);
    assert!(
        t.stdout.lines().next().unwrap().contains("CLASS"),
        "{}",
        t.stdout
    );
    let line = t.stdout.lines().find(|l| l.starts_with("fake-1")).unwrap();
    assert!(line.contains("INFREQUENT_ACCESS"), "{}", t.stdout);
    let j = groups("json");
    let v: Value = j.json();
    let class = |name: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|g| g["log_group"] == name)
            .map(|g| g["class"].clone())
            .unwrap()
    };
    assert_eq!(class("fake-1"), "INFREQUENT_ACCESS");
    assert_eq!(class("fake-0"), "STANDARD");

    // Follow mode cannot read it: one line naming the group and why, nothing else.
    for flag in ["--watch", "--live"] {
        let r = fake
            .cmd(&["get", "-o", "json", flag])
            .args(["--start", &from.to_string()])
            .log_groups(&GROUPS)
            .run_within(LIMIT, "following an Infrequent Access group");
        assert_eq!(r.code, 1, "{flag}: {}", r.stderr);
        let err: Vec<&str> = r.stderr.lines().filter(|l| l.contains("error:")).collect();
        assert_eq!(err.len(), 1, "{}", r.stderr);
        assert!(
            err[0].contains("fake-1") && err[0].contains("INFREQUENT_ACCESS"),
            "{}",
            r.stderr
        );
        assert!(r.stdout.is_empty());
    }
}

/// Item 7: FilterLogEvents may leave out an event exactly at `endTime` (aws/aws-cli#4262).
/// Neither the window's last millisecond nor a slice boundary may lose it: a big, slow
/// group is sliced (several events every millisecond), and the window ends on an event.
#[test]
fn events_exactly_at_end_time_are_read() {
    let fake = Fake::with_span(3_000, &["--end-exclusive", "--latency-ms", "60"]);
    let evs = fake.events("fake-0");
    let end = evs[evs.len() - 100]["timestamp"].as_i64().unwrap();
    let (from, to) = (fake.start_ms, end);
    let r = get(&fake, &GROUPS, from, to, &["--engine", "filter"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got = tuples(&json_lines(&r.stdout));
    let want = content_in(&fake, &GROUPS, from, to);
    assert!(want.iter().any(|e| e.2 == end));
    let missing: Vec<_> = want
        .iter()
        .filter(|e| got.binary_search(e).is_err())
        .collect();
    assert!(
        missing.is_empty(),
        "{} missing, e.g. {:?}",
        missing.len(),
        missing.first()
    );
    assert_eq!(got, want);
}

/// Item 8: a log group in another account is read by ARN (`logGroupIdentifier`,
/// `logGroupIdentifiers`) when this account is linked to it by cross-account observability,
/// with either engine; without the link it is reported unreadable, with the reason, and
/// the rest prints.
#[test]
fn another_accounts_group_is_read_by_arn_when_linked() {
    let arn = "arn:aws:logs:us-east-1:222222222222:log-group:fake-0";
    let both = [arn, "fake-1"];
    let fake = Fake::start(&["--linked-account", "222222222222"]);
    let (from, to) = (fake.start_ms, fake.start_ms + 30 * 60_000);
    let want = content_in(&fake, &["fake-0", "fake-1"], from, to);
    for engine_name in ["filter", "insights"] {
        let (got, r) = engine(&fake, &both, from, to, engine_name);
        assert_eq!(r.code, 0, "{engine_name}: {}", r.stderr);
        assert!(!r.stderr.contains("warning:"), "{}", r.stderr);
        assert_eq!(tuples(&got), want, "{engine_name}");
    }

    let fake = Fake::start(&[]);
    for engine_name in ["filter", "insights"] {
        let (got, r) = engine(&fake, &both, from, to, engine_name);
        assert_eq!(r.code, 1, "{engine_name}: {}", r.stderr);
        assert_eq!(
            tuples(&got),
            content_in(&fake, &["fake-1"], from, to),
            "{engine_name}: {}",
            r.stderr
        );
        let warnings: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.contains("warning:"))
            .collect();
        assert_eq!(warnings.len(), 1, "{}", r.stderr);
        assert!(
            warnings[0].contains("fake-0")
                && warnings[0].contains("222222222222")
                && warnings[0].contains("AccessDenied"),
            "{engine_name}: {}",
            r.stderr
        );
    }
}

/// Item 3: a REST stage whose execution logs go through log deliveries (the API in the
/// emulator, CloudWatch Logs in the fake, which describes the deliveries): `groups`
/// shows the delivered log group as an execution group and names the S3 destination it
/// cannot read; `get` reads the delivered group.
#[test]
fn execution_logs_sent_through_a_log_delivery_are_read() {
    let w = World::shared();
    let fake = Fake::start(&["--group-names", "delivered-exec"]);
    let api = w.rest_api();
    fake.config(serde_json::json!({"execution_delivery": [
        format!("{api}/prod=CWL:delivered-exec"),
        format!("{api}/prod=S3:exec-bucket"),
    ]}));
    let url = fake.url();
    let r = w
        .rest(&["groups", "-o", "json"])
        .env("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", &url)
        .ok();
    let rows: Value = r.json();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["log_group"] == "delivered-exec")
        .unwrap_or_else(|| panic!("{rows:#}\n{}", r.stderr));
    assert_eq!(row["source"], "execution");
    assert!(
        row["reasons"][0]
            .as_str()
            .unwrap()
            .contains("log delivery del-0"),
        "{row}"
    );
    assert!(
        r.stderr.contains("S3 bucket arn:aws:s3:::exec-bucket") && r.stderr.contains("cannot read"),
        "{}",
        r.stderr
    );

    let (from, to) = (fake.start_ms, fake.start_ms + 30 * 60_000);
    let r = w
        .rest(&[
            "get",
            "-o",
            "json",
            "--only",
            "execution",
            "--engine",
            "filter",
        ])
        .env("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", &url)
        .args(between(from, to))
        .ok();
    assert_eq!(
        tuples(&json_lines(&r.stdout)),
        content_in(&fake, &["delivered-exec"], from, to)
    );
}

/// Item 5: every command that searches with Logs Insights reports the bytes it scanned
/// (Insights is billed per GB scanned) — `summary` too, not only `get` (`errors` needs an
/// execution or access log, which `--log-group` does not give).
#[test]
fn summary_reports_the_bytes_insights_scanned() {
    let fake = Fake::start(&[]);
    let (from, to) = (fake.start_ms, fake.start_ms + 30 * 60_000);
    let r = fake
        .cmd(&["summary", "--engine", "insights"])
        .log_groups(&["fake-0"])
        .args(between(from, to))
        .ok();
    assert!(r.stderr.contains("MB scanned"), "{}", r.stderr);
}

/// Item 8, Live Tail: another account's group is tailed by its own ARN (not one built from
/// the caller's account), and its new events arrive.
#[test]
fn another_accounts_group_is_live_tailed_by_its_arn() {
    let arn = "arn:aws:logs:us-east-1:222222222222:log-group:fake-0";
    let fake = Fake::start(&[
        "--linked-account",
        "222222222222",
        "--events",
        "200",
        "--late-events",
        "--live-interval-ms",
        "200",
    ]);
    let mut f = fake.follow_fast(&[arn], "--live", &[]);
    fake.wait_stat("live_updates", 2, "no Live Tail session");
    assert_eq!(fake.stats()["live_identifiers"], serde_json::json!([arn]));
    fake.put("fake-0", now_ms(), "tailed across accounts");
    f.until(
        &["tailed across accounts"],
        std::time::Duration::from_secs(30),
    );
    let (got, _) = f.stop();
    assert_eq!(
        got.iter()
            .filter(|e| e["message"] == "tailed across accounts")
            .count(),
        1
    );
}
