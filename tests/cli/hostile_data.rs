//! Hostile servers and hostile data (#16, the data path): the real binary against
//! `scripts/fakelogs.py` misbehaving in ways AWS should not, but a proxy, an emulator or a
//! bad day might: a poll that fails after its first page, undecodable text, the same event
//! on two pages, pages going back in time, token cycles, endless bodies. Nothing fetched
//! may be lost, nothing printed twice, nothing may hang.
//!
//! `scripts/test.sh hostile_data::` runs just these.

use std::time::Duration;

use serde_json::json;

use crate::faults::{
    MODES, assert_clean_success, assert_complete, get_complete, one_chain, paging,
};
use crate::support::*;

/// Each message of `want` printed exactly once.
fn assert_once(got: &[serde_json::Value], want: &[&str]) {
    for m in want {
        let n = got.iter().filter(|e| e["message"] == *m).count();
        assert_eq!(n, 1, "{m:?} printed {n} times");
    }
}

#[test]
fn a_watch_poll_that_fails_after_its_first_page_loses_nothing() {
    // Two events a page: a poll that finds three new events reads two pages, and the
    // token page fails — once with a 400, then with six 503s (more than a call's retries).
    let fake = Fake::start(&[
        "--groups",
        "1",
        "--events",
        "20",
        "--page-events",
        "2",
        "--late-events",
    ]);
    let mut f = fake.follow_fast(&["fake-0"], "--watch", &[]);
    let t = Duration::from_secs(40);
    f.until_with(&|g| g.len() >= 20, "the initial window", t);
    let mut want = Vec::new();
    for (status, n) in [(400, 1), (503, 6)] {
        fake.config(json!({"token_error_first": n, "token_error_status": status}));
        let msgs: Vec<String> = (1..=3).map(|i| format!("after a {status}: {i}")).collect();
        let now = now_ms();
        fake.put_many(
            "fake-0",
            &[
                (now, msgs[0].as_str()),
                (now + 1, msgs[1].as_str()),
                (now + 2, msgs[2].as_str()),
            ],
        );
        let refs: Vec<&str> = msgs.iter().map(String::as_str).collect();
        f.until(&refs, t);
        assert!(
            stat(&fake, "token_errors") >= n,
            "the token page did not fail: {}",
            fake.stats()
        );
        fake.reset_stats();
        want.extend(msgs);
    }
    let (got, stderr) = f.stop();
    assert_once(&got, &want.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(got.len(), 20 + want.len(), "{stderr}");
}

#[test]
fn an_undecodable_message_is_repaired_and_the_group_read_to_the_end() {
    // Every 7th event's message ends with a lone surrogate escape (`\udc00`): the event is
    // printed with U+FFFD there, the other events as they are, and one warning per group
    // says how many were repaired.
    let fake = Fake::start(&["--bad-surrogate-every", "7"]);
    let groups = ["fake-0", "fake-1", "fake-2"];
    let (r, _) = fake.get(&groups, &[], LIMIT);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut want = Vec::new();
    let mut repaired = std::collections::HashMap::new();
    for (g, stream, ts, msg) in fake.content(&groups) {
        // `fake-0 event 000123 …`: the event's number.
        let seq: u64 = msg.split(' ').nth(2).unwrap().parse().unwrap();
        let msg = if seq.is_multiple_of(7) {
            *repaired.entry(g.clone()).or_insert(0) += 1;
            format!("{msg}\u{FFFD}")
        } else {
            msg
        };
        want.push((g, stream, ts, msg));
    }
    want.sort();
    let got = tuples(&json_lines(&r.stdout));
    assert_eq!(got.len(), want.len(), "{}", r.stderr);
    assert!(got == want, "the messages differ from the fake's");
    for g in groups {
        let line = format!(
            "apitrace: warning: log group {g}: {} events had text that could not be decoded",
            repaired[g]
        );
        assert_eq!(r.stderr.matches(&line).count(), 1, "{line}\n{}", r.stderr);
    }
    assert_eq!(r.stderr.lines().count(), 3, "{}", r.stderr);
}

#[test]
fn events_a_page_repeats_print_once_and_in_order() {
    // Every page asked for with a token starts with the previous page's last 3 events
    // again (the same event ids on two pages, a page going back in time): 15 pages a
    // group, paged as one chain and in slices.
    let fake = Fake::start(&paging(&["--overlap-pages", "3"]));
    let groups = ["fake-0", "fake-1", "fake-2"];
    for mode in MODES {
        let (r, _) = fake.get(&groups, mode, LIMIT);
        assert_eq!(r.code, 0, "{mode:?}: {}", r.stderr);
        assert_complete(&fake, &groups, &r);
        // One line per group says what was dropped; nothing else.
        for l in r.stderr.lines() {
            assert!(
                l.contains("a second time; each was printed once"),
                "{mode:?}: {l}\n{}",
                r.stderr
            );
        }
        for g in groups {
            let n = r
                .stderr
                .lines()
                .filter(|l| l.starts_with(&format!("apitrace: warning: log group {g}: ")))
                .count();
            assert_eq!(n, 1, "{mode:?}: {}", r.stderr);
        }
    }
}

#[test]
fn page_tokens_that_go_round_in_a_cycle_end_with_every_event_once() {
    // Every query's tokens go A, B, A, B, ...: following them would print the same pages
    // forever. apitrace reads on from the newest event instead, to the end.
    let fake = Fake::start(&paging(&["--token-cycle", "2"]));
    let groups = ["fake-0", "fake-1", "fake-2"];
    for mode in MODES {
        fake.reset_stats();
        let (r, took) = fake.get(&groups, mode, Duration::from_secs(60));
        assert_clean_success(&r);
        assert_complete(&fake, &groups, &r);
        assert!(took < Duration::from_secs(30), "{mode:?}: {took:?}");
        // Slices are about two pages long: only the one chain meets the cycle for sure.
        if one_chain(mode) {
            assert!(stat(&fake, "cycled") >= 3, "{mode:?}: {}", fake.stats());
            assert!(r.stderr.contains("(a cycle)"), "{mode:?}: {}", r.stderr);
        }
    }
}

#[test]
fn a_response_body_that_never_ends_is_cut_off_and_retried() {
    // A fifth of the answers are HTTP 200 with a body that never ends. Each is read up to
    // the cap (32 MiB), failed and retried: every event, and memory does not follow the
    // body (the fake counts what it could write before apitrace hung up).
    let fake = Fake::start(&["--endless-rate", "0.2"]);
    let groups = ["fake-0", "fake-1", "fake-2"];
    get_complete(&fake, &groups, &["--call-timeout", "10"]);
    let s = fake.stats();
    assert!(s["endless"].as_u64().unwrap() >= 2, "{s}");
    let most = s["endless_max_bytes"].as_u64().unwrap();
    assert!(
        most < 96 << 20,
        "one answer got {most} bytes into apitrace: {s}"
    );
}

#[test]
fn a_watch_poll_whose_tokens_go_round_in_a_cycle_reads_on() {
    // Two events a page and tokens going A, B, A, ...: a poll that finds seven new events
    // meets the cycle on its third page and reads on from its newest event.
    let fake = Fake::start(&[
        "--groups",
        "1",
        "--events",
        "20",
        "--page-events",
        "2",
        "--token-cycle",
        "2",
        "--late-events",
    ]);
    let mut f = fake.follow_fast(&["fake-0"], "--watch", &[]);
    let t = Duration::from_secs(30);
    f.until_with(&|g| g.len() >= 20, "the initial window", t);
    fake.reset_stats();
    let msgs: Vec<String> = (1..=7).map(|i| format!("new {i}")).collect();
    let now = now_ms();
    let events: Vec<(i64, &str)> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| (now + i as i64, m.as_str()))
        .collect();
    fake.put_many("fake-0", &events);
    let want: Vec<&str> = msgs.iter().map(String::as_str).collect();
    f.until(&want, t);
    assert!(stat(&fake, "cycled") >= 1, "{}", fake.stats());
    let (got, stderr) = f.stop();
    assert_once(&got, &want);
    assert_eq!(got.len(), 27, "{stderr}");
}
