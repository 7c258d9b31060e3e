//! TIME arguments (`--start`, `--end`) → epoch milliseconds.
//!
//! CloudWatch Logs works in epoch milliseconds, so every accepted form is converted once,
//! here, against an explicit `now` (no hidden clock: tests pass a fixed one).
//!
//! Accepted forms (naive dates and times are UTC):
//! - `now`, `today` (00:00 UTC today), `yesterday` (00:00 UTC yesterday);
//! - relative spans, all meaning "that long before now": `2h`, `2h ago`, `90m`, `1d2h`,
//!   `30s`, `2 hours ago`, `1 week`, `-15m`;
//! - RFC 3339 with an offset or `Z`: `2026-11-29T10:00:00Z`, `2026-11-29T10:00:00.250+01:00`;
//! - `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff]]`, `YYYY-MM-DDTHH:MM[:SS[.fff]]`;
//! - epoch seconds (10 digits) or epoch milliseconds (13 digits).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// The message shown for an unparseable TIME: it lists every accepted form.
pub const ACCEPTED_FORMS: &str = "accepted forms: now, today, yesterday; a span before now such as \
    2h, '2h ago', 90m, 1d2h, 30s, '2 hours ago', '1 week'; RFC 3339 such as \
    2026-11-29T10:00:00Z or 2026-11-29T10:00:00+01:00; 2026-11-29, '2026-11-29 10:00[:00]', \
    2026-11-29T10:00[:00] (UTC); epoch seconds (10 digits) or milliseconds (13 digits)";

/// Parse one TIME argument into epoch milliseconds, relative to `now_ms`.
pub fn parse_time(input: &str, now_ms: i64) -> Result<i64, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(format!("empty time; {ACCEPTED_FORMS}"));
    }
    let lower = s.to_ascii_lowercase();
    let day_start = |offset_days: i64| {
        let ms_per_day = 86_400_000;
        (now_ms.div_euclid(ms_per_day))
            .saturating_sub(offset_days)
            .saturating_mul(ms_per_day)
    };
    match lower.as_str() {
        "now" => return Ok(now_ms),
        "today" => return Ok(day_start(0)),
        "yesterday" => return Ok(day_start(1)),
        _ => {}
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.len() {
            10 => Ok(s.parse::<i64>().map_err(|e| e.to_string())? * 1000),
            13 => s.parse::<i64>().map_err(|e| e.to_string()),
            _ => Err(format!(
                "'{s}' is a number of {} digits: epoch seconds have 10 digits and epoch \
                 milliseconds 13 (for a span, add a unit: {s}m, {s}h); {ACCEPTED_FORMS}",
                s.len()
            )),
        };
    }
    if let Some(ms) = parse_absolute(s) {
        return Ok(ms);
    }
    if let Some(span) = parse_relative(&lower) {
        return Ok(now_ms.saturating_sub(span));
    }
    Err(format!("cannot parse time '{s}'; {ACCEPTED_FORMS}"))
}

/// A span before now, in milliseconds: `2h`, `2h ago`, `-2h`, `2 hours ago`, `1d2h`.
fn parse_relative(lower: &str) -> Option<i64> {
    let mut s = lower.trim();
    if let Some(rest) = s.strip_suffix("ago") {
        s = rest.trim_end();
    } else if let Some(rest) = s.strip_prefix('-') {
        s = rest.trim_start();
    }
    // A span must start with a digit: this keeps words like "tomorrow" out of humantime.
    if !s.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let d = humantime::parse_duration(s).ok()?;
    i64::try_from(d.as_millis()).ok()
}

/// RFC 3339 with an offset, or a naive date / date-time read as UTC.
fn parse_absolute(s: &str) -> Option<i64> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_millis());
    }
    // RFC 3339 allows a space instead of the T; chrono's parser does not.
    if let Ok(dt) = DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1)) {
        return Some(dt.timestamp_millis());
    }
    const NAIVE: [&str; 6] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ];
    for fmt in NAIVE {
        if let Ok(ndt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Utc.from_utc_datetime(&ndt).timestamp_millis());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(
            Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?)
                .timestamp_millis(),
        );
    }
    None
}

/// How times are printed (`--utc`, `--local`, `--timestamp-format`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeStyle {
    pub local: bool,
    /// A checked strftime format; `None` = ISO 8601 with milliseconds.
    pub format: Option<String>,
}

impl TimeStyle {
    /// Check a strftime format (chrono would panic on a bad one while printing).
    pub fn new(local: bool, format: Option<&str>) -> Result<TimeStyle, String> {
        if let Some(f) = format {
            use chrono::format::{Item, StrftimeItems};
            if StrftimeItems::new(f).any(|i| matches!(i, Item::Error)) {
                return Err(format!("'{f}' is not a valid strftime format"));
            }
        }
        Ok(TimeStyle {
            local,
            format: format.map(String::from),
        })
    }

    pub fn format(&self, ms: i64) -> String {
        let Some(utc) = Utc.timestamp_millis_opt(ms).single() else {
            return ms.to_string();
        };
        match (self.local, &self.format) {
            (false, None) => format_ms(ms),
            (false, Some(f)) => utc.format(f).to_string(),
            (true, None) => utc
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
                .to_string(),
            (true, Some(f)) => utc.with_timezone(&chrono::Local).format(f).to_string(),
        }
    }
}

/// Format epoch milliseconds as ISO 8601 UTC with milliseconds: `2026-11-29T10:00:00.250Z`.
pub fn format_ms(ms: i64) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-29T12:34:56.789Z
    const NOW: i64 = 1_795_955_696_789;
    const H: i64 = 3_600_000;

    fn ok(s: &str) -> i64 {
        parse_time(s, NOW).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn now_and_days() {
        assert_eq!(format_ms(NOW), "2026-11-29T12:34:56.789Z");
        assert_eq!(ok("now"), NOW);
        assert_eq!(ok("NOW"), NOW);
        assert_eq!(format_ms(ok("today")), "2026-11-29T00:00:00.000Z");
        assert_eq!(format_ms(ok("yesterday")), "2026-11-28T00:00:00.000Z");
    }

    #[test]
    fn relative_spans() {
        for (s, ms) in [
            ("2h", 2 * H),
            ("2h ago", 2 * H),
            ("2h  ago", 2 * H),
            ("-2h", 2 * H),
            ("90m", 90 * 60_000),
            ("1d2h", 26 * H),
            ("1d 2h", 26 * H),
            ("30s", 30_000),
            ("2 hours ago", 2 * H),
            ("1 week", 7 * 24 * H),
            ("5m", 300_000),
            ("1500ms", 1500),
        ] {
            assert_eq!(ok(s), NOW - ms, "{s}");
        }
    }

    #[test]
    fn absolute_forms() {
        for (s, want) in [
            ("2026-11-29T10:00:00Z", "2026-11-29T10:00:00.000Z"),
            ("2026-11-29T10:00:00.250Z", "2026-11-29T10:00:00.250Z"),
            ("2026-11-29T10:00:00+01:00", "2026-11-29T09:00:00.000Z"),
            ("2026-11-29 10:00:00Z", "2026-11-29T10:00:00.000Z"),
            ("2026-11-29", "2026-11-29T00:00:00.000Z"),
            ("2026-11-29 10:00", "2026-11-29T10:00:00.000Z"),
            ("2026-11-29 10:00:30", "2026-11-29T10:00:30.000Z"),
            ("2026-11-29T10:00", "2026-11-29T10:00:00.000Z"),
            ("2026-11-29T10:00:30", "2026-11-29T10:00:30.000Z"),
            ("2026-11-29T10:00:30.5", "2026-11-29T10:00:30.500Z"),
            ("1795946400", "2026-11-29T10:00:00.000Z"),
            ("1795946400250", "2026-11-29T10:00:00.250Z"),
        ] {
            assert_eq!(format_ms(ok(s)), want, "{s}");
        }
    }

    #[test]
    fn rejects_with_the_accepted_forms() {
        for s in [
            "",
            "   ",
            "tomorrow",
            "2x",
            "12345",
            "2026-13-01",
            "2026-11-29T25:00",
            "ago",
            "h2",
            "2026/11/29",
        ] {
            let e = parse_time(s, NOW).expect_err(s);
            assert!(e.contains("accepted forms"), "{s}: {e}");
        }
    }

    #[test]
    fn time_styles() {
        let utc = TimeStyle::new(false, None).unwrap();
        assert_eq!(utc.format(NOW), "2026-11-29T12:34:56.789Z");
        let custom = TimeStyle::new(false, Some("%H:%M:%S%.3f")).unwrap();
        assert_eq!(custom.format(NOW), "12:34:56.789");
        let local = TimeStyle::new(true, None).unwrap().format(NOW);
        assert!(local.starts_with("2026-11-"), "{local}");
        assert!(
            local.ends_with(":00") || local.contains('+') || local.contains('-'),
            "{local}"
        );
        assert!(TimeStyle::new(false, Some("%Q")).is_err());
    }

    /// A small deterministic fuzz: arbitrary strings never panic (issue #4 asks for no panics).
    #[test]
    fn never_panics_on_arbitrary_input() {
        let alphabet: Vec<char> = "0123456789 -:TZ.+hdmswago nowyesterday\u{0}\u{1b}é日"
            .chars()
            .collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let mut s = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 24) as usize;
            for i in 0..len {
                let r = x.rotate_left(i as u32 * 5);
                s.push(alphabet[(r % alphabet.len() as u64) as usize]);
            }
            let _ = parse_time(&s, NOW);
            let _ = parse_time(&s, i64::MAX);
            let _ = parse_time(&s, i64::MIN);
        }
        let _ = parse_time("99999999999999999999999999h", NOW);
        let _ = parse_time("9999999999", i64::MIN);
    }
}
