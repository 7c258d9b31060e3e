//! `--engine insights` gives the same events as `--engine filter` on the same world
//! (the emulator ignores Insights' `filter`; apitrace applies the match itself).

use crate::support::*;

fn events(w: &World, engine: &str, extra: &[&str]) -> (Vec<Tuple>, String) {
    let r = w
        .rest(&["get", "-o", "json", "--engine", engine])
        .window()
        .args(extra)
        .ok();
    (tuples(&json_lines(&r.stdout)), r.stderr)
}

#[test]
fn both_engines_give_the_same_events() {
    let w = World::shared();
    let (filter, _) = events(w, "filter", &[]);
    let (insights, stderr) = events(w, "insights", &[]);
    assert!(stderr.contains("engine: Logs Insights"), "{stderr}");
    assert!(stderr.contains("MB scanned"), "{stderr}");
    assert!(filter.len() > 500);
    assert_eq!(insights, filter);

    // A request id as the pattern: translated into an Insights filter, same lines.
    let id = w.requests()[3]["request_id"].as_str().unwrap();
    let pattern = format!("\"{id}\"");
    let (f, _) = events(w, "filter", &["-f", &pattern]);
    let (i, _) = events(w, "insights", &["-f", &pattern]);
    assert!(!f.is_empty());
    assert_eq!(i, f);
    assert!(i.iter().all(|e| e.3.contains(id)));
}

#[test]
fn untranslatable_patterns_keep_the_filter_engine() {
    let w = World::shared();
    let (_, stderr) = events(w, "insights", &["-f", "ERROR -DEBUG"]);
    assert!(
        stderr.contains("no Logs Insights equivalent: using --engine filter"),
        "{stderr}"
    );
    assert!(!stderr.contains("MB scanned"), "{stderr}");
}

#[test]
fn trace_through_insights_matches_trace_through_filter() {
    let w = World::shared();
    let req = w
        .requests()
        .iter()
        .find(|r| r["kind"] == "function_error")
        .unwrap();
    let id = req["request_id"].as_str().unwrap();
    let t = |engine: &str| {
        let r = w
            .rest(&["trace", id, "-o", "json", "--engine", engine])
            .window()
            .ok();
        let v: serde_json::Value = r.json();
        tuples(v["events"].as_array().unwrap())
    };
    assert_eq!(t("insights"), t("filter"));
}
