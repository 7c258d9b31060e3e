//! Numbers in text output are printed one way (#18): durations with three significant
//! figures and a unit, in the summary tables and in the trace summary.

use crate::support::*;

/// Every `<number> ms` / `<number> s` in `text`: (the number, its unit).
fn durations(text: &str) -> Vec<(String, String)> {
    let words: Vec<&str> = text.split([' ', '(', ')', ',']).collect();
    words
        .windows(2)
        .filter(|w| (w[1] == "ms" || w[1] == "s") && w[0].parse::<f64>().is_ok())
        .map(|w| (w[0].to_string(), w[1].to_string()))
        .collect()
}

fn significant_digits(n: &str) -> usize {
    n.trim_start_matches(['0', '.'])
        .chars()
        .filter(char::is_ascii_digit)
        .count()
}

#[test]
fn durations_read_alike_in_summary_and_trace() {
    let w = World::shared();
    let t = w.rest(&["summary"]).window().ok();
    let table: Vec<&str> = t
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("FUNCTION"))
        .collect();
    assert!(table[0].contains("P50") && table.len() > 1, "{}", t.stdout);
    for row in &table[1..] {
        // P50 P95 P99 MAX: each a number with a unit.
        assert_eq!(durations(row).len(), 4, "{row}");
    }
    let latency = t
        .stdout
        .lines()
        .find(|l| l.starts_with("integration latency"))
        .unwrap();
    assert_eq!(durations(latency).len(), 4, "{latency}");
    let mut seen = Vec::new();
    for r in w
        .requests()
        .iter()
        .filter(|r| r["api"] == "rest" && r["lambda_request_id"].is_string())
        .take(6)
    {
        let rid = r["request_id"].as_str().unwrap();
        let t = w.rest(&["trace", rid]).window().ok();
        let head: String = t
            .stdout
            .lines()
            .take_while(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        seen.extend(durations(&head));
    }
    assert!(seen.len() > 12, "{seen:?}");
    for (n, unit) in &seen {
        assert!(significant_digits(n) <= 3, "{n} {unit} in {seen:?}");
        assert!(!n.contains('.') || !n.ends_with('0'), "{n} {unit}");
    }
}
