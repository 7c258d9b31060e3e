//! One way to print numbers in text output (summary tables, the trace summary and its
//! Lambda lines): three significant figures, no trailing zeros and always a unit, so `1.02 ms`, `26.4 ms`,
//! `264 ms`, `3.19 s` read alike wherever they appear. JSON keeps the raw numbers.

/// `v` to three significant figures (at most two decimals, none from 100 on), without
/// trailing zeros.
fn sig3(v: f64) -> String {
    let a = v.abs();
    let decimals = if a < 10.0 {
        2
    } else if a < 100.0 {
        1
    } else {
        0
    };
    // Rounding may carry into the next decade (9.999 → 10.00): re-pick the precision.
    let s = format!("{v:.decimals$}");
    let r: f64 = s.parse().unwrap_or(v);
    if decimals > 0 && (r.abs() >= 10.0 && a < 10.0 || r.abs() >= 100.0 && a < 100.0) {
        return sig3(r);
    }
    // No trailing zeros: `4 ms` (a billed duration), `1.5 ms`.
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A duration in milliseconds: `0.42 ms`, `1.02 ms`, `26.4 ms`, `264 ms`, `3.19 s`,
/// `26.4 s`, `900 s`.
pub fn duration_ms(ms: f64) -> String {
    if !ms.is_finite() {
        return "?".into();
    }
    if ms.abs() < 999.5 {
        let s = sig3(ms);
        if s != "1000" {
            return format!("{s} ms");
        }
    }
    format!("{} s", sig3(ms / 1000.0))
}

/// An optional duration: `-` when absent.
pub fn opt_duration_ms(ms: Option<f64>) -> String {
    ms.map_or_else(|| "-".into(), duration_ms)
}

/// A size in megabytes as Lambda reports memory (`Max Memory Used: 67 MB`): whole MB.
pub fn megabytes(mb: f64) -> String {
    format!("{mb:.0} MB")
}

/// The percentiles of a latency distribution on one line: `p50 26.4 ms  p95 1.02 s …`.
pub fn percentiles(
    p50: Option<f64>,
    p95: Option<f64>,
    p99: Option<f64>,
    max: Option<f64>,
) -> String {
    format!(
        "p50 {}  p95 {}  p99 {}  max {}",
        opt_duration_ms(p50),
        opt_duration_ms(p95),
        opt_duration_ms(p99),
        opt_duration_ms(max)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_have_three_significant_figures_and_a_unit() {
        for (v, want) in [
            (0.0, "0 ms"),
            (0.424, "0.42 ms"),
            (1.02, "1.02 ms"),
            (1.0, "1 ms"),
            (1.5, "1.5 ms"),
            (9.999, "10 ms"),
            (26.408, "26.4 ms"),
            (99.96, "100 ms"),
            (264.4, "264 ms"),
            (999.4, "999 ms"),
            (999.6, "1 s"),
            (3194.0, "3.19 s"),
            (26_408.0, "26.4 s"),
            (900_000.0, "900 s"),
            (f64::NAN, "?"),
        ] {
            assert_eq!(duration_ms(v), want, "{v}");
        }
        assert_eq!(opt_duration_ms(None), "-");
        assert_eq!(
            percentiles(Some(1.02), Some(26.408), Some(3194.0), None),
            "p50 1.02 ms  p95 26.4 ms  p99 3.19 s  max -"
        );
    }

    #[test]
    fn memory_is_whole_megabytes() {
        assert_eq!(megabytes(67.0), "67 MB");
        assert_eq!(megabytes(66.6), "67 MB");
    }
}
