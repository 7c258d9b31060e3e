//! A failing request, or a cause of `errors --group`, as `apitrace errors` prints it: its
//! title and one-line detail, its heading and lines in text, or its GitHub Actions
//! annotation.

use std::io::{self, Write};

use crate::analyze::cause::Group;
use crate::analyze::failures::{self, Failure};
use crate::analyze::trace::Trace;
use crate::config::GetConfig;
use crate::core::model::LogGroup;
use crate::render::output::Printer;
use crate::render::trace::trace_links;

pub fn failure_title(f: &Failure, t: Option<&Trace>) -> String {
    let status = f.status.map_or("failed".to_string(), |s| s.to_string());
    match t {
        Some(t) => format!(
            "{status} {} {}",
            t.facts.method.as_deref().unwrap_or("?"),
            t.facts.path.as_deref().unwrap_or("?")
        ),
        None => status,
    }
}

pub fn failure_detail(t: &Trace) -> String {
    let mut s = String::new();
    for l in &t.lambdas {
        s.push_str(&format!(
            "; lambda {} {} {}",
            l.function.as_deref().unwrap_or(&l.log_group),
            l.request_id,
            l.status
        ));
    }
    if let Some(a) = &t.authorizer {
        s.push_str(&format!(
            "; authorizer {} {}",
            a.function.as_deref().unwrap_or("?"),
            a.status
        ));
    }
    if let Some(r) = &t.facts.rejected {
        s.push_str(&format!("; {r}"));
    }
    if t.facts.lambda_throttled {
        s.push_str("; Lambda throttled (429)");
    }
    s
}

/// One failing request as `errors` prints it in text (a red heading, its console link,
/// its lines) or for GitHub Actions (`github`: an `::error` annotation, then its lines in
/// a group, with workflow commands hidden in them stopped).
pub fn write_failure(
    out: &mut impl Write,
    f: &Failure,
    t: Option<&Trace>,
    github: bool,
    groups: &[LogGroup],
    cfg: &GetConfig,
) -> io::Result<()> {
    let title = failure_title(f, t);
    let detail = t.map(failure_detail).unwrap_or_default();
    let at = crate::core::time::format_ms(f.timestamp);
    let entry = Entry {
        title: &title,
        message: &format!("request {} at {at}{detail}", f.request_id),
        heading: &[format!(
            "== {title} request {} at {at}{detail}",
            f.request_id
        )],
    };
    write_entry(out, entry, t, github, groups, cfg)
}

/// One cause of `errors --group` (#22), as [`write_failure`] prints a request: its count
/// and cause, when it was seen, its statuses, routes and functions, and its most recent
/// request traced (`t`).
pub fn write_cause(
    out: &mut impl Write,
    g: &Group,
    t: Option<&Trace>,
    github: bool,
    groups: &[LogGroup],
    cfg: &GetConfig,
) -> io::Result<()> {
    let title = format!("{}× {}", g.count, g.cause);
    let facts = cause_facts(g);
    let entry = Entry {
        title: &title,
        message: &format!("{facts}\nexample: request {}", g.example_request_id),
        heading: &[
            format!("== {title}"),
            format!("   {facts}"),
            format!(
                "   example: request {} at {}",
                g.example_request_id,
                crate::core::time::format_ms(g.last_seen_ms)
            ),
        ],
    };
    write_entry(out, entry, t, github, groups, cfg)
}

/// When a cause was seen, its statuses, routes and functions, on one line.
fn cause_facts(g: &Group) -> String {
    format!(
        "first {}  last {}  status {}  routes {}  functions {}",
        crate::core::time::format_ms(g.first_seen_ms),
        crate::core::time::format_ms(g.last_seen_ms),
        list(&g.statuses),
        list(&g.routes),
        list(&g.functions)
    )
}

/// `a, b, c`, or `-` for none.
fn list<T: ToString>(it: impl IntoIterator<Item = T>) -> String {
    let v: Vec<String> = it.into_iter().map(|x| x.to_string()).collect();
    if v.is_empty() {
        "-".into()
    } else {
        v.join(", ")
    }
}

/// What an entry of `errors`' output says before its trace's lines.
struct Entry<'a> {
    /// The annotation's title (GitHub).
    title: &'a str,
    /// The annotation's text, before the console link (GitHub).
    message: &'a str,
    /// The lines of its text heading, the first in red.
    heading: &'a [String],
}

/// An entry of `errors`' output, a request or a cause: in text its heading, its console
/// link and its trace's lines; for GitHub an `::error` annotation, then the lines in a
/// group, with workflow commands hidden in them stopped.
fn write_entry(
    out: &mut impl Write,
    entry: Entry<'_>,
    t: Option<&Trace>,
    github: bool,
    groups: &[LogGroup],
    cfg: &GetConfig,
) -> io::Result<()> {
    let mut stop = String::new();
    // The request in the CloudWatch console (#21): a Logs Insights query for its ids.
    let insights = t
        .filter(|_| cfg.links)
        .map(|t| {
            trace_links(t, groups, cfg)["insights"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .filter(|u| !u.is_empty());
    if github {
        let link = insights
            .as_deref()
            .map(|u| format!("\nLogs Insights: {u}"))
            .unwrap_or_default();
        writeln!(
            out,
            "::error title={}::{}",
            failures::gh_escape_property(entry.title),
            failures::gh_escape_data(&format!("{}{link}", entry.message))
        )?;
        writeln!(out, "::group::{}", failures::gh_escape_data(entry.title))?;
        // The lines come from the logs: the runner must not execute a
        // `::command::` hidden in them (after a newline, or at column 0).
        let lines = t
            .iter()
            .flat_map(|t| t.events.iter().flat_map(|e| [&*e.message, &*e.stream]));
        stop = failures::gh_stop_token(lines);
        writeln!(out, "::stop-commands::{stop}")?;
    } else {
        use owo_colors::OwoColorize;
        for (n, line) in entry.heading.iter().enumerate() {
            // Method, path, ids, causes and function names come from the logs.
            let line = if cfg.output.terminal {
                crate::core::text::sanitize_field(line)
            } else {
                std::borrow::Cow::Borrowed(line.as_str())
            };
            if n == 0 && cfg.output.color {
                writeln!(out, "{}", line.red().bold())?;
            } else {
                writeln!(out, "{line}")?;
            }
        }
        if let Some(u) = &insights {
            writeln!(out, "   insights  {u}")?;
        }
    }
    if let Some(t) = t {
        let mut printer = Printer::new(&mut *out, cfg.output.clone(), groups);
        for e in &t.events {
            printer.print(e)?;
        }
    }
    if github {
        writeln!(out, "::{stop}::")?;
        writeln!(out, "::endgroup::")?;
    }
    out.flush()
}
