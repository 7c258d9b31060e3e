//! A traced request on stdout: the JSON object of `trace -o json` / `errors -o json`, the text summary's console links.

use std::io::{self, Write};

use crate::config::GetConfig;
use crate::core::model::LogGroup;
use crate::render::output::Printer;

/// One trace as the JSON object of `trace -o json`.
pub fn trace_json_value(
    t: &crate::analyze::trace::Trace,
    api_id: &str,
    stage: &str,
    groups: &[LogGroup],
    cfg: &GetConfig,
) -> io::Result<serde_json::Value> {
    let mut events = Vec::with_capacity(t.events.len());
    for e in &t.events {
        let mut line = Vec::new();
        let mut p = Printer::new(&mut line, cfg.output.clone(), groups);
        p.print(e)?;
        drop(p);
        events.push(serde_json::from_slice(&line).map_err(io::Error::other)?);
    }
    let j = crate::analyze::trace::TraceJson {
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
        authorizer: crate::analyze::trace::authorizer_json(t),
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
pub fn trace_links(
    t: &crate::analyze::trace::Trace,
    groups: &[LogGroup],
    cfg: &GetConfig,
) -> serde_json::Value {
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
