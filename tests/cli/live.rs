//! `get --live`: CloudWatch Live Tail against the project's fake (`scripts/fakelogs.py`
//! speaks StartLiveTail's event stream; moto's cannot be used, see ../shared/emulator.md).
//! Each test puts events while apitrace follows and checks that every event of the fake
//! comes out exactly once. Live Tail events carry no event id, so events are compared as
//! (group, stream, timestamp, message).

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

const T: Duration = Duration::from_secs(30);

/// A fake of `groups` groups × 200 events whose Live Tail updates come every 200 ms.
fn fake(groups: usize, more: &[&str]) -> Fake {
    let n = groups.to_string();
    let mut args = vec![
        "--groups",
        &n,
        "--events",
        "200",
        "--late-events",
        "--live-interval-ms",
        "200",
    ];
    args.extend_from_slice(more);
    Fake::start(&args)
}

/// Every event of the fake's `groups` printed exactly once.
fn assert_each_once(fake: &Fake, groups: &[&str], got: &[Value]) {
    let mut want = fake.content(groups);
    want.sort();
    let mut printed: Vec<_> = got.iter().map(tuple).collect();
    printed.sort();
    let mut distinct = printed.clone();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        printed.len(),
        "an event was printed twice: {}",
        printed.len() - distinct.len()
    );
    let missing: Vec<_> = want.iter().filter(|w| !printed.contains(w)).collect();
    assert!(missing.is_empty(), "not printed: {missing:?}");
    assert_eq!(printed, want);
}

#[test]
fn live_tail_delivers_new_events_once_in_order_without_polling() {
    let fake = fake(2, &[]);
    let groups = ["fake-0", "fake-1"];
    let mut f = fake.follow_fast(&groups, "--live", &[]);
    f.until_with(&|g| g.len() >= 400, "the initial window", T);
    // The session is up once updates flow; from then on nothing is polled.
    fake.wait_stat("live_updates", 3, "no Live Tail session");
    let polls = fake.stats()["calls"]["FilterLogEvents"].as_u64().unwrap();
    let now = now_ms();
    // The same millisecond in both groups, then later ones, in several batches.
    fake.put_many("fake-0", &[(now, "same ms 0"), (now + 2, "later 0")]);
    fake.put_many("fake-1", &[(now, "same ms 1"), (now + 1, "later 1")]);
    std::thread::sleep(Duration::from_millis(300));
    fake.put("fake-1", now + 400, "next batch");
    f.until(
        &["same ms 0", "later 0", "same ms 1", "later 1", "next batch"],
        T,
    );
    let stats = fake.stats();
    assert_eq!(
        stats["calls"]["FilterLogEvents"].as_u64().unwrap(),
        polls,
        "events came by polling, not Live Tail: {stats}"
    );
    assert_eq!(
        stats["live_identifiers"],
        json!([
            "arn:aws:logs:us-east-1:123456789012:log-group:fake-0",
            "arn:aws:logs:us-east-1:123456789012:log-group:fake-1"
        ]),
        "Live Tail takes ARNs"
    );
    let live: Vec<&Value> = f
        .got
        .iter()
        .filter(|e| e["timestamp"].as_i64().unwrap() >= now)
        .collect();
    let ts: Vec<i64> = live
        .iter()
        .map(|e| e["timestamp"].as_i64().unwrap())
        .collect();
    assert!(ts.windows(2).all(|p| p[0] <= p[1]), "out of order: {ts:?}");
    assert!(
        live.iter()
            .all(|e| e["source"] == "extra" && e["event_id"] == "")
    );
    let (got, stderr) = f.stop();
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_each_once(&fake, &groups, &got);
}

/// Put an event into each group every 25 ms for `ms` milliseconds, from another thread.
fn keep_putting(fake: &Fake, groups: &[&str], ms: i64) {
    let end = now_ms() + ms;
    let mut i = 0;
    while now_ms() < end {
        for g in groups {
            fake.put(g, now_ms(), &format!("{g} steady {i}"));
        }
        i += 1;
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Events put without a pause from before the start, through the window, the catch-up and
/// sessions that keep ending (`how`: the time limit, or a dropped connection).
fn across_sessions(how: &str) {
    let fake = fake(2, &["--live-session-ms", "1500", "--live-end", how]);
    let groups = ["fake-0", "fake-1"];
    std::thread::scope(|s| {
        let putter = s.spawn(|| keep_putting(&fake, &groups, 6_000));
        std::thread::sleep(Duration::from_millis(300));
        let mut f = fake.follow_fast(&groups, "--live", &[]);
        putter.join().unwrap();
        fake.put("fake-0", now_ms(), "the last one");
        f.until(&["the last one"], T);
        let (got, stderr) = f.stop();
        assert!(stat(&fake, "live_started") >= 3, "{}", fake.stats());
        if how == "timeout" {
            assert!(stderr.contains("reached its time limit"), "{stderr}");
        }
        assert!(!stderr.contains("not available"), "{stderr}");
        assert_each_once(&fake, &groups, &got);
    });
}

#[test]
fn events_around_session_starts_and_time_limits_print_exactly_once() {
    across_sessions("timeout");
}

#[test]
fn a_dropped_live_tail_connection_is_reopened_without_loss_or_repeats() {
    across_sessions("reset");
}

#[test]
fn a_refused_live_tail_falls_back_to_polling_with_one_warning() {
    let fake = fake(2, &["--live-refuse", "AccessDeniedException"]);
    let groups = ["fake-0", "fake-1"];
    let mut f = fake.follow_fast(&groups, "--live", &[]);
    f.until_with(&|g| g.len() >= 400, "the initial window", T);
    let now = now_ms();
    fake.put("fake-0", now, "polled 0");
    fake.put("fake-1", now + 1, "polled 1");
    f.until(&["polled 0", "polled 1"], T);
    let (got, stderr) = f.stop();
    assert_eq!(
        stderr.matches("Live Tail is not available").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("AccessDeniedException"), "{stderr}");
    assert_eq!(stat(&fake, "live_started"), 0);
    assert_each_once(&fake, &groups, &got);
}

#[test]
fn a_sampled_update_is_reported_once() {
    let fake = fake(1, &["--live-max-events", "3"]);
    let mut f = fake.follow_fast(&["fake-0"], "--live", &[]);
    f.until_with(&|g| g.len() >= 200, "the initial window", T);
    fake.wait_stat("live_updates", 2, "no Live Tail session");
    let now = now_ms();
    let burst: Vec<(i64, String)> = (0..10).map(|i| (now + i, format!("burst {i}"))).collect();
    let burst: Vec<(i64, &str)> = burst.iter().map(|(t, m)| (*t, m.as_str())).collect();
    fake.put_many("fake-0", &burst);
    f.until_with(
        &|g| {
            g.iter()
                .filter(|e| e["timestamp"].as_i64().unwrap() >= now)
                .count()
                >= 3
        },
        "the sample",
        T,
    );
    std::thread::sleep(Duration::from_millis(1000));
    let (_, stderr) = f.stop();
    assert!(stat(&fake, "live_sampled") >= 1, "{}", fake.stats());
    assert_eq!(stderr.matches("only a sample").count(), 1, "{stderr}");
}

#[test]
fn more_than_ten_groups_take_several_sessions_and_a_missing_group_is_polled() {
    let fake = fake(12, &[]);
    let names: Vec<String> = (0..12).map(|i| format!("fake-{i}")).collect();
    let mut groups: Vec<&str> = names.iter().map(String::as_str).collect();
    groups.push("not-yet");
    let mut f = fake.follow_fast(&groups, "--live", &[]);
    f.until_with(&|g| g.len() >= 2400, "the initial window", T);
    fake.wait_stat("live_open", 2, "not two sessions");
    let now = now_ms();
    fake.put("fake-0", now, "first session");
    fake.put("fake-11", now, "second session");
    fake.put("not-yet", now, "a new group");
    f.until(&["first session", "second session", "a new group"], T);
    let (got, stderr) = f.stop();
    assert_eq!(stat(&fake, "live_max_open"), 2, "{}", fake.stats());
    assert!(stderr.contains("not-yet"), "{stderr}");
    assert_each_once(&fake, &groups, &got);
}

#[test]
fn the_filter_pattern_applies_to_the_window_the_catch_up_and_live_tail() {
    let fake = fake(1, &[]);
    let mut f = fake.follow_fast(&["fake-0"], "--live", &["-f", "keep"]);
    fake.wait_stat("live_updates", 2, "no Live Tail session");
    let now = now_ms();
    fake.put_many("fake-0", &[(now, "keep this"), (now + 1, "drop this")]);
    f.until(&["keep this"], T);
    let (got, _) = f.stop();
    assert!(
        got.iter()
            .all(|e| e["message"].as_str().unwrap().contains("keep"))
    );
    assert!(!got.iter().any(|e| e["message"] == "drop this"));
}

#[test]
fn following_ends_with_exit_0_when_the_reader_has_had_enough() {
    use std::io::BufRead;
    let fake = fake(1, &[]);
    for how in ["--watch", "--live"] {
        let mut child = fake
            .cmd(&["get", "--log-group", "fake-0", how])
            .args(["--start", &fake.start_ms.to_string()])
            .spawn();
        // `| head -1`: one line, then the pipe is closed, and nothing new arrives.
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert!(line.contains("fake-0 event"), "{line}");
        drop(out);
        let t0 = std::time::Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if t0.elapsed() > Duration::from_secs(15) {
                let _ = child.kill();
                panic!("{how}: still running 15 s after its reader went away");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(0), "{how}: {stderr}");
        assert!(!stderr.contains("error"), "{how}: {stderr}");
    }
}

#[test]
fn live_takes_no_end() {
    let r = run(apitrace().args(["get", "--log-group", "g", "--live", "--end", "1h ago"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--live follows from now on"),
        "{}",
        r.stderr
    );
}
