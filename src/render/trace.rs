//! A traced request on stdout: the JSON object of `trace -o json` / `errors -o json`, the text summary's console links.

use std::io::{self, Write};

use serde::Serialize;

use crate::analyze::trace::{AuthorizerJson, Invocation, InvocationJson, Trace, authorizer_json};

use crate::config::GetConfig;
use crate::core::model::LogGroup;
use crate::render::output::json_value;

/// One trace as the JSON object of `trace -o json`.
pub fn trace_json_value(
    t: &Trace,
    api_id: &str,
    stage: &str,
    groups: &[LogGroup],
    cfg: &GetConfig,
) -> io::Result<serde_json::Value> {
    let events = t
        .events
        .iter()
        .filter(|e| {
            cfg.output
                .grep
                .as_ref()
                .is_none_or(|g| g.is_match(&e.message))
        })
        .map(|e| json_value(e, &groups[e.group]))
        .collect();
    let j = TraceJson {
        request_id: t.facts.request_id.as_deref(),
        extended_request_id: t.facts.extended_request_id.as_deref(),
        api_id,
        stage,
        method: t.facts.method.as_deref(),
        path: t.facts.path.as_deref(),
        status: t.facts.status,
        latency_ms: t.facts.latency_ms,
        integration_latency_ms: t.facts.integration_latency_ms,
        xray_trace_id: t.facts.xray_trace_id.as_deref(),
        route: t.facts.route.as_deref(),
        error_type: t.facts.error_type.as_deref(),
        reason: t.facts.rejected.as_deref(),
        lambda_throttled: t.facts.lambda_throttled,
        lambdas: t.lambdas.iter().map(Into::into).collect(),
        authorizer: authorizer_json(t),
        notes: &t.notes,
        events,
    };
    let mut v = serde_json::to_value(&j).map_err(io::Error::other)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("links".into(), trace_links(t, groups, cfg));
    }
    Ok(v)
}

/// Console links of a trace (#21): a Logs Insights query for its ids over its groups and
/// time, each group, each Lambda invocation's stream, and the X-Ray trace.
pub fn trace_links(t: &Trace, groups: &[LogGroup], cfg: &GetConfig) -> serde_json::Value {
    use crate::render::links;
    let region = groups
        .first()
        .map(|g| g.region.as_str())
        .unwrap_or_default();
    let mut ids: Vec<&str> = Vec::new();
    for id in [&t.facts.request_id, &t.facts.extended_request_id]
        .into_iter()
        .flatten()
    {
        ids.push(id);
    }
    for l in t.lambdas.iter().chain(t.authorizer.as_ref()) {
        ids.push(&l.request_id);
    }
    if ids.is_empty() {
        ids.extend(cfg.request_id.as_deref());
    }
    ids.dedup();
    // The request's own minutes when its lines were found, else the searched window.
    let (start, end) = match (t.events.first(), t.events.last()) {
        (Some(a), Some(b)) => (a.timestamp - 60_000, b.timestamp + 60_000),
        _ => (cfg.window.start_ms, cfg.window.end_ms),
    };
    let same_region: Vec<&str> = groups
        .iter()
        .filter(|g| g.region == region)
        .map(|g| g.name.as_str())
        .collect();
    let streams: Vec<serde_json::Value> = t
        .lambdas
        .iter()
        .chain(t.authorizer.as_ref())
        .filter_map(|l| {
            let e = t.events.iter().find(|e| {
                groups.get(e.group).is_some_and(|g| g.name == l.log_group)
                    && e.message.contains(l.request_id.as_str())
            })?;
            let g = &groups[e.group];
            Some(serde_json::json!({
                "request_id": l.request_id,
                "log_group": g.name,
                "log_stream": &*e.stream,
                "url": links::log_stream(&g.region, &g.name, &e.stream),
            }))
        })
        .collect();
    serde_json::json!({
        "insights": links::insights(region, &same_region, &links::ids_query(&ids), start, end),
        "log_groups": groups.iter().map(|g| serde_json::json!({
            "log_group": g.name,
            "url": links::log_group(&g.region, &g.name),
        })).collect::<Vec<_>>(),
        "streams": streams,
        "xray": t.facts.xray_trace_id.as_deref().map(|x| links::xray(region, x)),
    })
}

/// The links of [`trace_links`] as text lines after the summary.
pub fn write_trace_links(out: &mut impl Write, links: &serde_json::Value) -> io::Result<()> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    writeln!(out, "{:>10}  {}", "insights", s(&links["insights"]))?;
    if !links["xray"].is_null() {
        writeln!(out, "{:>10}  {}", "x-ray", s(&links["xray"]))?;
    }
    for l in links["streams"].as_array().into_iter().flatten() {
        writeln!(out, "{:>10}  {}", "stream", s(&l["url"]))?;
    }
    for l in links["log_groups"].as_array().into_iter().flatten() {
        writeln!(out, "{:>10}  {}", "group", s(&l["url"]))?;
    }
    Ok(())
}

/// The JSON object of `trace -o json`.
#[derive(Serialize)]
pub struct TraceJson<'a> {
    pub request_id: Option<&'a str>,
    pub extended_request_id: Option<&'a str>,
    pub api_id: &'a str,
    pub stage: &'a str,
    pub method: Option<&'a str>,
    pub path: Option<&'a str>,
    pub status: Option<u16>,
    pub latency_ms: Option<f64>,
    pub integration_latency_ms: Option<f64>,
    pub xray_trace_id: Option<&'a str>,
    /// The route as the API defines it (`GET /users/{id}`), when a log names it.
    pub route: Option<&'a str>,
    /// `$context.error.responseType` (`UNAUTHORIZED`, `THROTTLED`, …).
    pub error_type: Option<&'a str>,
    /// Why API Gateway answered without (or instead of) the integration.
    pub reason: Option<&'a str>,
    /// The Lambda service refused the integration call (429).
    pub lambda_throttled: bool,
    pub lambdas: Vec<InvocationJson<'a>>,
    pub authorizer: Option<AuthorizerJson<'a>>,
    pub notes: &'a [String],
    pub events: Vec<serde_json::Value>,
}

/// One line of the summary block: a key, its value, and whether it is a failure (a 5xx
/// status, a Lambda invocation or authorizer that errored or timed out), which text
/// output shows in red.
pub struct SummaryRow {
    pub key: &'static str,
    pub value: String,
    pub failed: bool,
}

impl SummaryRow {
    fn new(key: &'static str, value: impl Into<String>) -> SummaryRow {
        SummaryRow {
            key,
            value: value.into(),
            failed: false,
        }
    }
}

/// The summary block printed before the timeline.
pub fn summary_lines(t: &Trace, api_id: &str, stage: &str) -> Vec<SummaryRow> {
    let f = &t.facts;
    let ms = |v: Option<f64>| v.map_or_else(|| "?".into(), crate::core::numfmt::duration_ms);
    let failed = |l: &Invocation| l.status == "error" || l.status == "timeout";
    let mut rows = vec![SummaryRow::new(
        "request",
        match &f.extended_request_id {
            Some(x) if Some(x) != f.request_id.as_ref() => {
                format!("{} (extended {x})", f.request_id.as_deref().unwrap_or("?"))
            }
            _ => f.request_id.clone().unwrap_or_else(|| "?".into()),
        },
    )];
    rows.push(SummaryRow::new("api", format!("{api_id} stage {stage}")));
    rows.push(SummaryRow {
        failed: f.status.is_some_and(|s| (500..600).contains(&s)),
        ..SummaryRow::new(
            "route",
            format!(
                "{} {} -> {}",
                f.method.as_deref().unwrap_or("?"),
                f.path.as_deref().unwrap_or("?"),
                f.status.map_or("?".to_string(), |s| s.to_string())
            ),
        )
    });
    rows.push(SummaryRow::new(
        "latency",
        format!(
            "{} (integration {})",
            ms(f.latency_ms),
            ms(f.integration_latency_ms)
        ),
    ));
    if let Some(r) = &f.route {
        rows.push(SummaryRow::new("resource", r.clone()));
    }
    if let Some(x) = &f.xray_trace_id {
        rows.push(SummaryRow::new("x-ray", x.clone()));
    }
    let describe = |l: &Invocation| {
        let r = &l.report;
        let mut s = format!(
            "{} {} {}: {}",
            l.function.as_deref().unwrap_or(&l.log_group),
            l.request_id,
            l.status,
            ms(r.duration_ms)
        );
        if let Some(b) = r.billed_duration_ms {
            s.push_str(&format!(", billed {}", ms(Some(b))));
        }
        if let Some(m) = r.max_memory_mb {
            s.push_str(&format!(", {} max", crate::core::numfmt::megabytes(m)));
        }
        if let Some(i) = r.init_duration_ms {
            s.push_str(&format!(", cold start (init {})", ms(Some(i))));
        }
        s
    };
    if let Some(r) = &f.rejected {
        rows.push(SummaryRow::new("reason", r.clone()));
    }
    if let Some(v) = authorizer_json(t) {
        let mut s = match &t.authorizer {
            Some(a) => format!("{}; {}", describe(a), v.result),
            None => v.result.to_string(),
        };
        if t.authorizer.is_none()
            && let Some(fun) = &v.function
        {
            s.push_str(&format!(" ({fun})"));
        }
        if let Some(st) = v.status {
            s.push_str(&format!(", status {st}"));
        }
        rows.push(SummaryRow {
            failed: t.authorizer.as_ref().is_some_and(failed),
            ..SummaryRow::new("authorizer", s)
        });
    }
    if t.lambdas.is_empty() {
        rows.push(SummaryRow::new("lambda", "none linked"));
    }
    for l in &t.lambdas {
        rows.push(SummaryRow {
            failed: failed(l),
            ..SummaryRow::new("lambda", describe(l))
        });
    }
    for n in &t.notes {
        rows.push(SummaryRow::new("note", n.clone()));
    }
    rows
}

/// The summary block of `trace` in text: one `key  value` line per [`SummaryRow`] (a
/// failure in red when colour is on), the console links unless `--no-links`, a blank line.
pub fn write_summary(
    out: &mut impl Write,
    t: &Trace,
    api_id: &str,
    stage: &str,
    groups: &[LogGroup],
    cfg: &GetConfig,
) -> io::Result<()> {
    use owo_colors::OwoColorize;
    for row in summary_lines(t, api_id, stage) {
        let (k, v) = (row.key, row.value);
        let v = if cfg.output.terminal {
            crate::core::text::sanitize_field(&v).into_owned()
        } else {
            v
        };
        if cfg.output.color && row.failed {
            writeln!(out, "{:>10}  {}", k.bold(), v.red().bold())?;
        } else if cfg.output.color {
            writeln!(out, "{:>10}  {}", k.bold(), v)?;
        } else {
            writeln!(out, "{k:>10}  {v}")?;
        }
    }
    if cfg.links {
        write_trace_links(out, &trace_links(t, groups, cfg))?;
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::extract::{ApiFacts, LambdaReport};
    use crate::core::model::Source;

    fn invocation(status: &str) -> Invocation {
        Invocation {
            function: Some("users".into()),
            request_id: "7c9f5d1e-0000-4000-8000-000000000001".into(),
            log_group: "/aws/lambda/users".into(),
            source: Source::Lambda,
            report: LambdaReport::default(),
            status: status.into(),
            first_ms: 0,
        }
    }

    fn trace(status: u16, path: &str, lambda: &str) -> Trace {
        Trace {
            facts: ApiFacts {
                request_id: Some("r1".into()),
                method: Some("GET".into()),
                path: Some(path.into()),
                status: Some(status),
                ..ApiFacts::default()
            },
            lambdas: vec![invocation(lambda)],
            authorizer: None,
            events: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn failed_keys(t: &Trace) -> Vec<&'static str> {
        summary_lines(t, "abc", "prod")
            .into_iter()
            .filter(|r| r.failed)
            .map(|r| r.key)
            .collect()
    }

    #[test]
    fn failures_come_from_the_statuses_not_from_the_text() {
        assert_eq!(failed_keys(&trace(502, "/users", "success")), ["route"]);
        assert_eq!(failed_keys(&trace(200, "/users", "timeout")), ["lambda"]);
        assert_eq!(failed_keys(&trace(200, "/users", "error")), ["lambda"]);
        // A path or a function that reads like a failure is not one.
        assert!(failed_keys(&trace(200, "/a -> 5 error: x", "success")).is_empty());
    }
}
