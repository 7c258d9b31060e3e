//! `apitrace compare`'s text tables (#22): the two windows, then routes, functions and
//! failure causes, each cell `baseline → current`, the worst rows first.

use std::io::{self, Write};

use crate::analyze::compare::Comparison;
use crate::config::Window;
use crate::core::time::format_ms;
use crate::render::table::write_table;

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn pair(a: String, b: String) -> String {
    format!("{a} → {b}")
}

/// The text tables: windows, routes, functions, causes (each worst first).
pub fn render_text(c: &Comparison, windows: [(Window, u64); 2], terminal: bool) -> Vec<String> {
    let ms = crate::core::numfmt::opt_duration_ms;
    let mut buf: Vec<u8> = Vec::new();
    let _ = (|| -> io::Result<()> {
        let w =
            |(w, n): (Window, u64)| vec![format_ms(w.start_ms), format_ms(w.end_ms), n.to_string()];
        let mut rows = vec![w(windows[0]), w(windows[1])];
        rows[0].insert(0, "baseline".into());
        rows[1].insert(0, "current".into());
        write_table(
            &mut buf,
            &["WINDOW", "START", "END", "REQUESTS"],
            &rows,
            terminal,
        )?;
        writeln!(buf)?;
        let rows: Vec<Vec<String>> = c
            .routes
            .iter()
            .map(|r| {
                let (b, k) = (&r.baseline, &r.current);
                vec![
                    r.route.clone(),
                    pair(b.requests.to_string(), k.requests.to_string()),
                    pair(pct(b.rate_5xx), pct(k.rate_5xx)),
                    pair(pct(b.rate_4xx), pct(k.rate_4xx)),
                    pair(ms(b.p50_ms), ms(k.p50_ms)),
                    pair(ms(b.p95_ms), ms(k.p95_ms)),
                    pair(ms(b.p99_ms), ms(k.p99_ms)),
                ]
            })
            .collect();
        write_table(
            &mut buf,
            &["ROUTE", "REQUESTS", "5XX", "4XX", "P50", "P95", "P99"],
            &rows,
            terminal,
        )?;
        writeln!(buf)?;
        let rows: Vec<Vec<String>> = c
            .functions
            .iter()
            .map(|f| {
                let (b, k) = (&f.baseline, &f.current);
                let mem = |m: Option<f64>| m.map_or("-".into(), crate::core::numfmt::megabytes);
                vec![
                    f.function.clone(),
                    pair(b.invocations.to_string(), k.invocations.to_string()),
                    pair(b.errors.to_string(), k.errors.to_string()),
                    pair(b.timeouts.to_string(), k.timeouts.to_string()),
                    pair(b.cold_starts.to_string(), k.cold_starts.to_string()),
                    pair(ms(b.p95_ms), ms(k.p95_ms)),
                    pair(mem(b.max_memory_mb), mem(k.max_memory_mb)),
                ]
            })
            .collect();
        write_table(
            &mut buf,
            &[
                "FUNCTION",
                "INVOCATIONS",
                "ERRORS",
                "TIMEOUTS",
                "COLD",
                "P95",
                "MAX MEMORY",
            ],
            &rows,
            terminal,
        )?;
        writeln!(buf)?;
        let rows: Vec<Vec<String>> = c
            .causes
            .iter()
            .map(|x| {
                vec![
                    if x.new { "new".into() } else { String::new() },
                    pair(x.baseline.to_string(), x.current.to_string()),
                    x.cause.clone(),
                ]
            })
            .collect();
        write_table(
            &mut buf,
            &["", "REQUESTS", "FAILURE CAUSE"],
            &rows,
            terminal,
        )?;
        Ok(())
    })();
    String::from_utf8_lossy(&buf)
        .lines()
        .map(String::from)
        .collect()
}
