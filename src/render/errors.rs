//! A failing request as `apitrace errors` prints it: its title and one-line detail, its
//! heading and lines in text, or its GitHub Actions annotation.

use std::io::{self, Write};

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
    let mut stop = String::new();
    let title = failure_title(f, t);
    let detail = t.map(failure_detail).unwrap_or_default();
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
            failures::gh_escape_property(&title),
            failures::gh_escape_data(&format!(
                "request {} at {}{detail}{link}",
                f.request_id,
                crate::core::time::format_ms(f.timestamp)
            ))
        )?;
        writeln!(out, "::group::{}", failures::gh_escape_data(&title))?;
        // The lines come from the logs: the runner must not execute a
        // `::command::` hidden in them (after a newline, or at column 0).
        let lines = t
            .iter()
            .flat_map(|t| t.events.iter().flat_map(|e| [&*e.message, &*e.stream]));
        stop = failures::gh_stop_token(lines);
        writeln!(out, "::stop-commands::{stop}")?;
    } else {
        use owo_colors::OwoColorize;
        let head = format!(
            "== {title} request {} at {}{detail}",
            f.request_id,
            crate::core::time::format_ms(f.timestamp)
        );
        // Method, path, ids and function names come from the logs.
        let head = if cfg.output.terminal {
            crate::core::text::sanitize_field(&head).into_owned()
        } else {
            head
        };
        if cfg.output.color {
            writeln!(out, "{}", head.red().bold())?;
        } else {
            writeln!(out, "{head}")?;
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
