//! No surprise bills (issue #18): before any Logs Insights query the bytes it would scan
//! are estimated and said; under `--engine auto` a query estimated over `--max-scan` is not
//! run (FilterLogEvents pages instead, and the note says how to run it anyway), and
//! `--engine insights` runs it whatever the estimate. Against the fake, whose
//! DescribeLogGroups can pose small groups as big ones (`--stored-bytes-scale`).

use crate::support::*;

const GROUPS: [&str; 3] = ["fake-0", "fake-1", "fake-2"];

/// `get -o json` over the last seven hours (long enough for auto to consider Insights).
fn get(fake: &Fake, extra: &[&str]) -> Run {
    fake.cmd(&["get", "-o", "json", "--start", "7h ago"])
        .log_groups(&GROUPS)
        .args(extra)
        .run()
}

fn engine_note(r: &Run) -> &str {
    r.stderr
        .lines()
        .find(|l| l.starts_with("apitrace: note: engine: "))
        .unwrap_or_else(|| panic!("no engine note: {}", r.stderr))
}

fn scanned(r: &Run) -> bool {
    r.stderr.contains("Logs Insights: ") && r.stderr.contains("scanned")
}

#[test]
fn auto_runs_insights_only_within_max_scan_and_says_the_estimate() {
    // 3 groups of about 0.6 GB each by storedBytes (51-byte messages): over auto's 1 GiB.
    let fake = Fake::start(&["--stored-bytes-scale", "4000"]);
    let want = {
        let mut v = fake.content(&GROUPS);
        v.sort();
        v
    };
    // Within the default budget (1GB): Insights, with the estimate said first.
    let r = get(&fake, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let note = engine_note(&r);
    assert!(
        note.starts_with("apitrace: note: engine: Logs Insights (7 h over ")
            && note.contains(" to scan, billed per GB scanned; --engine filter to page instead)"),
        "{note}"
    );
    assert!(scanned(&r), "{}", r.stderr);
    assert_eq!(tuples(&json_lines(&r.stdout)), want);
    // Over --max-scan: no query; FilterLogEvents reads the same events.
    let r = get(&fake, &["--max-scan", "10MB"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let note = engine_note(&r);
    assert!(
        note.starts_with("apitrace: note: engine: FilterLogEvents, not Logs Insights (7 h over ")
            && note.contains("over --max-scan 10 MB; --engine insights runs it anyway"),
        "{note}"
    );
    assert!(!scanned(&r), "no query may run: {}", r.stderr);
    assert_eq!(tuples(&json_lines(&r.stdout)), want);
    // --engine insights runs it anyway, and still says what it will cost.
    let r = get(&fake, &["--max-scan", "10MB", "--engine", "insights"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let note = engine_note(&r);
    assert!(
        note.starts_with("apitrace: note: engine: Logs Insights (--engine insights; about "),
        "{note}"
    );
    assert!(scanned(&r), "{}", r.stderr);
    assert_eq!(tuples(&json_lines(&r.stdout)), want);
    // --max-scan 0: auto never runs a query.
    let r = get(&fake, &["--max-scan", "0"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!scanned(&r), "{}", r.stderr);
    // A bad size is a usage error.
    let r = get(&fake, &["--max-scan", "lots"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is not a size"), "{}", r.stderr);
}
