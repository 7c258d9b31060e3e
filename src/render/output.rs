//! Printing events: text lines or JSON Lines, into any `W: Write`.
//!
//! Text: `GROUP STREAM [TIMESTAMP] [INGESTION] MESSAGE` (apilogs/awslogs layout; `-G`/`-S`
//! drop the first two). Colour, when on, gives each log group a stable colour (chosen
//! from its name, so the same group has the same colour in every run), dims the stream,
//! and highlights error lines. One trailing newline of the message is dropped (Lambda ends
//! every message with one); the lines after the first of a multi-line message are
//! indented under the prefix (at least two spaces), so a line at column 0 always starts a
//! new event. JSON keeps the message verbatim.
//!
//! On a terminal, log messages are neutralised: they are attacker-controlled (any client
//! can put text in them), so control characters, escape sequences and bidi overrides are
//! shown escaped and can never move the cursor, set the title or hide text. In pipes and
//! in JSON the message passes through unchanged (JSON-escaped).
//!
//! JSON Lines schema (one object per event, keys in this order; documented in the README):
//! `timestamp` (epoch ms), `ingestion_time` (epoch ms), `log_group`, `log_stream`,
//! `event_id`, `source` (`execution`, `access`, `lambda`, `authorizer`, `extra`),
//! `function` (name or null), `message`.

use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};

use crate::cli::OutputFormat;
use crate::config::OutputConfig;
use crate::core::model::{Event, LogGroup};
use crate::core::text::{sanitize, sanitize_field};

/// The colours a group can get (readable on dark and light backgrounds).
const PALETTE: [owo_colors::AnsiColors; 6] = {
    use owo_colors::AnsiColors::*;
    [Cyan, Green, Yellow, Blue, Magenta, BrightCyan]
};

pub struct Printer<W: Write> {
    out: W,
    cfg: OutputConfig,
    groups: Vec<GroupLabel>,
    line: Vec<u8>,
}

struct GroupLabel {
    name: String,
    source: &'static str,
    function: Option<String>,
    style: Style,
}

/// A stable palette index for a group name (FNV-1a).
fn palette_index(name: &str) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    (h as usize) % PALETTE.len()
}

/// Whether standard output is a pipe whose reader has gone (`| head` has had enough):
/// `poll` reports an error on the write end then, before anything is written.
#[cfg(unix)]
pub fn stdout_gone() -> bool {
    let mut fd = libc::pollfd {
        fd: 1,
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid `pollfd` for the duration of the call, and a zero timeout.
    let n = unsafe { libc::poll(&mut fd, 1, 0) };
    n > 0 && fd.revents & (libc::POLLERR | libc::POLLHUP) != 0
}

/// Elsewhere (Windows) there is no such check without writing: a closed pipe is noticed at
/// the next write, which fails with `BrokenPipe` as on Unix.
#[cfg(not(unix))]
pub fn stdout_gone() -> bool {
    false
}

/// One event as the JSON object of a JSON Lines line ([`Printer`] writes the same fields
/// in the same order, straight into bytes); `trace -o json` and `errors -o json` nest it.
pub fn json_value(e: &Event, g: &LogGroup) -> serde_json::Value {
    serde_json::json!({
        "timestamp": e.timestamp,
        "ingestion_time": e.ingestion_time,
        "log_group": g.name,
        "log_stream": &*e.stream,
        "event_id": &*e.event_id,
        "source": g.source.as_str(),
        "function": g.function,
        "message": &*e.message,
    })
}

/// Whether the process was started with its stdout closed (`>&-`): every event would be
/// lost. The Rust runtime puts `/dev/null` in place of a closed standard descriptor before
/// `main`, so the descriptor is looked at before that, by a constructor the C runtime runs
/// (`.init_array`, macOS `__mod_init_func`). A `/dev/null` the caller opened, write-only
/// by a shell's `> /dev/null` or read-write by Python's `subprocess.DEVNULL`, is not closed.
/// Where no constructor runs, stdout is never taken for closed.
pub fn stdout_closed_at_start() -> bool {
    STDOUT_CLOSED_AT_EXEC.load(std::sync::atomic::Ordering::Relaxed)
}

static STDOUT_CLOSED_AT_EXEC: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn probe_stdout() {
    // SAFETY: fcntl(F_GETFD) on a descriptor number only reads its flags; -1 = not open.
    if unsafe { libc::fcntl(1, libc::F_GETFD) } == -1 {
        STDOUT_CLOSED_AT_EXEC.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris"
))]
#[used]
#[unsafe(link_section = ".init_array")]
static PROBE_STDOUT: extern "C" fn() = probe_stdout;

#[cfg(target_vendor = "apple")]
#[used]
#[unsafe(link_section = "__DATA,__mod_init_func")]
static PROBE_STDOUT: extern "C" fn() = probe_stdout;

/// `s` as a JSON string, escaped exactly as `serde_json` does (`\"`, `\\`, `\b \f \n \r
/// \t`, other control characters as `\u00xx`; everything else as is). Written by hand
/// for speed (#10): eight bytes at a time are checked for anything to escape, and runs
/// without any are copied in one go.
fn json_str(out: &mut Vec<u8>, s: &str) {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // A byte of `v` is zero / below 0x20 (valid because every byte is compared < 0x80).
    let has_zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    let special = |w: u64| {
        has_zero(w ^ (LO * b'"' as u64))
            | has_zero(w ^ (LO * b'\\' as u64))
            | (w.wrapping_sub(LO * 0x20) & !w & HI)
    };
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        if i + 8 <= b.len() {
            let w = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
            if special(w) == 0 {
                i += 8;
                continue;
            }
        }
        let c = b[i];
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            c if c < 0x20 => {
                out.extend_from_slice(&b[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(c >> 4) as usize],
                    HEX[(c & 0xf) as usize],
                ]);
                i += 1;
                start = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&b[start..i]);
        out.extend_from_slice(esc);
        i += 1;
        start = i;
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

impl<W: Write> Printer<W> {
    pub fn new(out: W, cfg: OutputConfig, groups: &[LogGroup]) -> Printer<W> {
        let groups = groups
            .iter()
            .map(|g| GroupLabel {
                name: if cfg.terminal && cfg.format == OutputFormat::Text {
                    sanitize_field(&g.name).into_owned()
                } else {
                    g.name.clone()
                },
                source: g.source.as_str(),
                function: g.function.clone(),
                style: Style::new().color(PALETTE[palette_index(&g.name)]),
            })
            .collect();
        Printer {
            out,
            cfg,
            groups,
            line: Vec::with_capacity(512),
        }
    }

    pub fn print(&mut self, e: &Event) -> io::Result<()> {
        if let Some(g) = &self.cfg.grep
            && !g.is_match(&e.message)
        {
            return Ok(());
        }
        self.line.clear();
        match self.cfg.format {
            OutputFormat::Json => self.json_line(e)?,
            OutputFormat::Text => self.text_line(e),
        }
        self.out.write_all(&self.line)?;
        if self.cfg.terminal {
            self.out.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// End of output: flush, and reset the terminal's colours if we used any.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }

    /// One JSON Lines object, keys in the order of the README's table.
    fn json_line(&mut self, e: &Event) -> io::Result<()> {
        let g = &self.groups[e.group];
        let line = &mut self.line;
        // Writing into a Vec<u8> cannot fail.
        let _ = write!(
            line,
            "{{\"timestamp\":{},\"ingestion_time\":{},\"log_group\":",
            e.timestamp, e.ingestion_time
        );
        json_str(line, &g.name);
        line.extend_from_slice(b",\"log_stream\":");
        json_str(line, &e.stream);
        line.extend_from_slice(b",\"event_id\":");
        json_str(line, &e.event_id);
        line.extend_from_slice(b",\"source\":");
        json_str(line, g.source);
        line.extend_from_slice(b",\"function\":");
        match &g.function {
            Some(f) => json_str(line, f),
            None => line.extend_from_slice(b"null"),
        }
        line.extend_from_slice(b",\"message\":");
        json_str(line, &e.message);
        line.extend_from_slice(b"}\n");
        Ok(())
    }

    fn text_line(&mut self, e: &Event) {
        let g = &self.groups[e.group];
        let color = self.cfg.color;
        let line = &mut self.line;
        // Writing into a Vec<u8> cannot fail.
        if self.cfg.show_group {
            if color {
                let _ = write!(line, "{} ", g.name.style(g.style));
            } else {
                line.extend_from_slice(g.name.as_bytes());
                line.push(b' ');
            }
        }
        if self.cfg.show_stream {
            // Stream names are chosen by whoever writes the logs (any character but `:`
            // and `*`): neutralised on a terminal like the message.
            let stream = if self.cfg.terminal {
                sanitize_field(&e.stream)
            } else {
                std::borrow::Cow::Borrowed(&*e.stream)
            };
            if color {
                let _ = write!(line, "{} ", stream.dimmed());
            } else {
                line.extend_from_slice(stream.as_bytes());
                line.push(b' ');
            }
        }
        if self.cfg.show_timestamp {
            let _ = write!(line, "{} ", self.cfg.time.format(e.timestamp));
        }
        if self.cfg.show_ingestion_time {
            let _ = write!(line, "{} ", self.cfg.time.format(e.ingestion_time));
        }
        let msg = e.message.strip_suffix('\n').unwrap_or(&e.message);
        let msg = msg.strip_suffix('\r').unwrap_or(msg);
        let msg = if self.cfg.terminal {
            sanitize(msg)
        } else {
            std::borrow::Cow::Borrowed(msg)
        };
        // Multi-line messages (a REPORT and its XRAY line, stack traces): continuation
        // lines are indented under the prefix, so every line that starts at column 0 is
        // a new event.
        let msg = if msg.contains('\n') {
            let mut width = 0;
            if self.cfg.show_group {
                width += g.name.chars().count() + 1;
            }
            if self.cfg.show_stream {
                width += e.stream.chars().count() + 1;
            }
            if self.cfg.show_timestamp {
                width += self.cfg.time.format(e.timestamp).chars().count() + 1;
            }
            if self.cfg.show_ingestion_time {
                width += self.cfg.time.format(e.ingestion_time).chars().count() + 1;
            }
            std::borrow::Cow::Owned(indent_continuations(&msg, width.max(2)))
        } else {
            msg
        };
        if color {
            write_coloured(line, &msg, self.cfg.highlight.as_ref());
        } else {
            line.extend_from_slice(msg.as_bytes());
        }
        line.push(b'\n');
    }
}

/// `msg` with every line after the first indented by `width` spaces (`\r\n` as `\n`).
fn indent_continuations(msg: &str, width: usize) -> String {
    let pad = " ".repeat(width);
    let mut out = String::with_capacity(msg.len() + 16);
    for (i, l) in msg.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&pad);
        }
        out.push_str(l.strip_suffix('\r').unwrap_or(l));
    }
    out
}

/// A message in colour: errors red, warnings and 4xx dim, highlight matches bold yellow.
fn write_coloured(line: &mut Vec<u8>, msg: &str, highlight: Option<&regex::Regex>) {
    let base = if is_error_line(msg) {
        Style::new().red().bold()
    } else if is_warn_line(msg) {
        Style::new().dimmed()
    } else {
        Style::new()
    };
    let mark = Style::new().yellow().bold();
    let mut last = 0;
    if let Some(re) = highlight {
        for m in re.find_iter(msg) {
            if m.start() > last {
                let _ = write!(line, "{}", base.style(&msg[last..m.start()]));
            }
            if !m.as_str().is_empty() {
                let _ = write!(line, "{}", mark.style(m.as_str()));
            }
            last = m.end();
        }
    }
    if last < msg.len() || msg.is_empty() {
        let _ = write!(line, "{}", base.style(&msg[last..]));
    }
}

/// Lines to show dimmer: warnings and 4xx statuses.
pub fn is_warn_line(msg: &str) -> bool {
    msg.contains("WARN") || msg.contains("Method completed with status: 4")
}

/// Lines worth seeing first: errors, exceptions, timeouts, 5xx statuses.
pub fn is_error_line(msg: &str) -> bool {
    const NEEDLES: [&str; 8] = [
        "ERROR",
        "Error:",
        "Exception",
        "Task timed out",
        "Execution failed",
        "Lambda execution failed",
        "Status: timeout",
        "Status: error",
    ];
    if NEEDLES.iter().any(|n| msg.contains(n)) {
        return true;
    }
    // `Method completed with status: 5xx`
    msg.find("Method completed with status: 5").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped_exactly_as_serde_json_does() {
        let mut cases: Vec<String> = vec![
            String::new(),
            "plain ascii text, longer than eight bytes".into(),
            "q\"uote\\ back\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f} café 🚀 \u{2028}".into(),
            "\"".into(),
            "1234567\"".into(),
            "12345678\\".into(),
        ];
        // Every ASCII byte at every offset of a 17-byte string.
        for c in 0u8..0x80 {
            for at in 0..17 {
                let mut s = "abcdefghijklmnopq".to_string().into_bytes();
                s[at] = c;
                cases.push(String::from_utf8(s).unwrap());
            }
        }
        for s in cases {
            let mut out = Vec::new();
            json_str(&mut out, &s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&s).unwrap(),
                "{s:?}"
            );
        }
    }
    use crate::core::model::Source;

    fn groups() -> Vec<LogGroup> {
        vec![
            LogGroup {
                name: "API-Gateway-Execution-Logs_abc/prod".into(),
                ..LogGroup::test(Source::Execution, None)
            },
            LogGroup::test(Source::Lambda, Some("users")),
        ]
    }

    fn cfg(format: OutputFormat, color: bool, terminal: bool) -> OutputConfig {
        OutputConfig {
            format,
            color,
            terminal,
            show_group: true,
            show_stream: true,
            show_timestamp: false,
            show_ingestion_time: false,
            grep: None,
            highlight: None,
            time: crate::core::time::TimeStyle::default(),
        }
    }

    fn event(group: usize, msg: &str) -> Event {
        Event {
            ingestion_time: 1_795_955_696_800,
            stream: "2026/11/29/[$LATEST]abc".into(),
            ..Event::test(group, 1_795_955_696_789, "42", msg)
        }
    }

    fn render(c: OutputConfig, events: &[Event]) -> String {
        let mut p = Printer::new(Vec::new(), c, &groups());
        for e in events {
            p.print(e).unwrap();
        }
        String::from_utf8(p.finish().unwrap()).unwrap()
    }

    #[test]
    fn plain_text() {
        let out = render(
            cfg(OutputFormat::Text, false, false),
            &[
                event(0, "(id) Method completed with status: 200"),
                event(1, "START RequestId: x\n"),
            ],
        );
        assert_eq!(
            out,
            "API-Gateway-Execution-Logs_abc/prod 2026/11/29/[$LATEST]abc (id) Method completed with status: 200\n\
             /aws/lambda/users 2026/11/29/[$LATEST]abc START RequestId: x\n"
        );
    }

    #[test]
    fn flags_drop_and_add_columns() {
        let mut c = cfg(OutputFormat::Text, false, false);
        c.show_group = false;
        c.show_stream = false;
        c.show_timestamp = true;
        c.show_ingestion_time = true;
        let out = render(c, &[event(1, "multi\r\nline\n")]);
        // Continuation lines are indented under the prefix (two timestamps and spaces).
        assert_eq!(
            out,
            format!(
                "2026-11-29T12:34:56.789Z 2026-11-29T12:34:56.800Z multi\n{}line\n",
                " ".repeat(50)
            )
        );
        let mut bare = cfg(OutputFormat::Text, false, false);
        bare.show_group = false;
        bare.show_stream = false;
        assert_eq!(render(bare, &[event(1, "a\nb")]), "a\n  b\n");
    }

    #[test]
    fn coloured_text_has_ansi_and_the_same_words() {
        let out = render(
            cfg(OutputFormat::Text, true, false),
            &[event(0, "ERROR boom"), event(1, "fine")],
        );
        assert!(out.contains("\x1b["), "{out:?}");
        let stripped = strip_ansi(&out);
        assert_eq!(
            stripped,
            "API-Gateway-Execution-Logs_abc/prod 2026/11/29/[$LATEST]abc ERROR boom\n\
             /aws/lambda/users 2026/11/29/[$LATEST]abc fine\n"
        );
    }

    fn strip_ansi(s: &str) -> String {
        let re = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
        re.replace_all(s, "").into_owned()
    }

    #[test]
    fn json_value_is_the_json_line_parsed() {
        let events = [event(1, "hi \u{1b}[2J\n\"q\""), event(0, "x")];
        let out = render(cfg(OutputFormat::Json, false, true), &events);
        for (line, e) in out.lines().zip(&events) {
            let parsed: serde_json::Value = serde_json::from_str(line).unwrap();
            let built = json_value(e, &groups()[e.group]);
            assert_eq!(built, parsed);
            assert_eq!(built.to_string(), parsed.to_string());
        }
    }

    #[test]
    fn json_lines_schema() {
        let out = render(
            cfg(OutputFormat::Json, false, true),
            &[event(1, "hi \u{1b}[2J\n"), event(0, "x")],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0],
            r#"{"timestamp":1795955696789,"ingestion_time":1795955696800,"log_group":"/aws/lambda/users","log_stream":"2026/11/29/[$LATEST]abc","event_id":"42","source":"lambda","function":"users","message":"hi \u001b[2J\n"}"#
        );
        let v: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(v["function"], serde_json::Value::Null);
        assert_eq!(v["source"], "execution");
    }

    #[test]
    fn hostile_messages_are_neutralised_on_a_terminal_only() {
        let evil = "ok\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}txt\u{9b}31m\rX";
        let term = render(cfg(OutputFormat::Text, false, true), &[event(0, evil)]);
        assert!(!term.contains('\u{1b}') && !term.contains('\u{7}') && !term.contains('\u{202e}'));
        assert!(!term.contains('\u{9b}') && !term.contains('\r'));
        assert!(
            term.contains(&format!(
                "\\u{{1b}}]0;pwned\\u{{7}}\\u{{1b}}[2J\\u{{202e}}txt\\u{{9b}}31m\n{}X",
                " ".repeat(60)
            )),
            "{term:?}"
        );
        let piped = render(cfg(OutputFormat::Text, false, false), &[event(0, evil)]);
        assert!(piped.contains(evil), "pipes get the bytes unchanged");
    }

    #[test]
    fn hostile_stream_and_group_names_are_neutralised_on_a_terminal_only() {
        let evil = "s\u{1b}]52;c;eA==\u{7}\u{1b}[2J\n\t\u{9b}";
        let mut gs = groups();
        gs[0].name = format!("g{evil}");
        let mut e = event(0, "m");
        e.stream = evil.into();
        let term = |color| {
            let mut p = Printer::new(Vec::new(), cfg(OutputFormat::Text, color, true), &gs);
            p.print(&e).unwrap();
            String::from_utf8(p.finish().unwrap()).unwrap()
        };
        let plain = term(false);
        assert_eq!(
            plain,
            "gs\\u{1b}]52;c;eA==\\u{7}\\u{1b}[2J\\u{a}\\u{9}\\u{9b} \
             s\\u{1b}]52;c;eA==\\u{7}\\u{1b}[2J\\u{a}\\u{9}\\u{9b} m\n"
        );
        assert_eq!(strip_ansi(&term(true)), plain);
        let mut p = Printer::new(Vec::new(), cfg(OutputFormat::Text, false, false), &gs);
        p.print(&e).unwrap();
        let piped = String::from_utf8(p.finish().unwrap()).unwrap();
        assert_eq!(piped, format!("g{evil} {evil} m\n"), "pipes get the bytes");
    }

    #[test]
    fn sanitize_keeps_ordinary_text_borrowed() {
        assert!(matches!(
            sanitize("plain\ttext\nnext"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(sanitize("a\r\nb"), "a\nb");
        assert_eq!(sanitize("日本語 ✓"), "日本語 ✓");
    }

    #[test]
    fn group_colours_are_stable() {
        assert_eq!(
            palette_index("/aws/lambda/users"),
            palette_index("/aws/lambda/users")
        );
        let distinct: std::collections::HashSet<_> = ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .map(|s| palette_index(s))
            .collect();
        assert!(distinct.len() > 2);
    }

    #[test]
    fn highlight_grep_and_times() {
        let mut c = cfg(OutputFormat::Text, true, false);
        c.highlight = Some(
            regex::Regex::new(
                "needle|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            )
            .unwrap(),
        );
        let out = render(
            c,
            &[event(
                0,
                "a needle and 515f1e99-39db-11e9-9e96-01e5c04505b9 here",
            )],
        );
        assert!(
            out.contains("\x1b[1;33mneedle\x1b[0m")
                || out.contains("\x1b[33;1mneedle\x1b[0m")
                || out.contains("needle\x1b[0m"),
            "{out:?}"
        );
        assert_eq!(
            strip_ansi(&out),
            "API-Gateway-Execution-Logs_abc/prod 2026/11/29/[$LATEST]abc a needle and 515f1e99-39db-11e9-9e96-01e5c04505b9 here\n"
        );
        assert!(out.matches("\x1b[").count() >= 4, "{out:?}");

        let mut c = cfg(OutputFormat::Text, false, false);
        c.grep = Some(regex::Regex::new("^START").unwrap());
        c.show_group = false;
        c.show_stream = false;
        c.show_timestamp = true;
        c.time = crate::core::time::TimeStyle::new(false, Some("%H:%M:%S")).unwrap();
        let out = render(c, &[event(1, "START x\n"), event(1, "other\n")]);
        assert_eq!(out, "12:34:56 START x\n");
    }

    #[test]
    fn error_lines() {
        assert!(is_error_line("(x) Method completed with status: 502"));
        assert!(!is_error_line("(x) Method completed with status: 200"));
        assert!(is_error_line(
            "2024-04-14T01:17:35.426Z 6ac6 Task timed out after 3.05 seconds"
        ));
        assert!(!is_error_line("START RequestId: x Version: $LATEST"));
    }
}
