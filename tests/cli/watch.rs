//! `get --watch`: new events appear once, in order, within a few polls; a group created
//! after the start is picked up; Ctrl-C ends with 130.

use std::time::Duration;

use crate::support::*;

fn start(w: &World, extra: &[&str]) -> Follow {
    w.rest(&["get", "-o", "json", "--watch"])
        .args(["--watch-interval", "300ms", "--watch-lag", "1s", "-s", "5m"])
        .args(extra)
        .follow()
}

#[test]
fn watch_prints_new_events_once_in_order_and_picks_up_new_groups() {
    let w = World::seed("watch", &["--requests", "4"]);
    let p = w.prefix().to_string();
    let exec = w.group("execution");
    let access = format!("{p}-access");
    let users = format!("/aws/lambda/{p}-users");
    let late_group = format!("/custom/{p}-late");
    let mut watch = start(&w, &["--log-group", &late_group]);
    // The initial window is printed first.
    watch.until(&[], Duration::from_secs(1));
    std::thread::sleep(Duration::from_secs(2));

    let now = now_ms();
    // The same millisecond in three streams of three groups, and older events.
    put_events(
        exec,
        "w-exec",
        &[(now - 4_000, "older exec"), (now, "same ms exec")],
    );
    put_events(&access, "w-access", &[(now, "same ms access")]);
    put_events(&users, "w-users-1", &[(now, "same ms users 1")]);
    put_events(
        &users,
        "w-users-2",
        &[(now, "same ms users 2"), (now + 5, "after")],
    );
    watch.until(
        &[
            "older exec",
            "same ms exec",
            "same ms access",
            "same ms users 1",
            "same ms users 2",
            "after",
        ],
        Duration::from_secs(20),
    );
    // A group that did not exist when the watch started.
    put_events(&late_group, "s", &[(now_ms(), "from a new group")]);
    watch.until(&["from a new group"], Duration::from_secs(20));

    for m in [
        "older exec",
        "same ms exec",
        "same ms access",
        "same ms users 1",
        "same ms users 2",
        "after",
        "from a new group",
    ] {
        assert_eq!(watch.count(m), 1, "{m} printed {} times", watch.count(m));
    }
    // The same-millisecond batch and what followed it came out in time order.
    let idx = |m: &str| watch.got.iter().position(|e| e["message"] == m).unwrap();
    let batch = [
        "same ms exec",
        "same ms access",
        "same ms users 1",
        "same ms users 2",
    ];
    assert!(batch.iter().all(|m| idx(m) < idx("after")));
    let ts: Vec<i64> = watch
        .got
        .iter()
        .map(|e| e["timestamp"].as_i64().unwrap())
        .collect();
    let newest_first = ts.iter().position(|&t| t >= now - 4_000).unwrap();
    assert!(
        ts[newest_first..].windows(2).all(|p| p[0] <= p[1]),
        "new events out of order: {ts:?}"
    );
    // No id twice anywhere.
    let mut ids: Vec<(String, String)> = watch
        .got
        .iter()
        .map(|e| {
            (
                e["log_group"].as_str().unwrap().into(),
                e["event_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "an event was printed twice");

    let (code, stderr) = watch.interrupt();
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains(&late_group),
        "the missing group is reported: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn watch_takes_no_end() {
    let r = run(apitrace().args([
        "get", "--api-id", "a", "--stage", "b", "--watch", "--end", "1h ago",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--watch follows from now on"),
        "{}",
        r.stderr
    );
}
