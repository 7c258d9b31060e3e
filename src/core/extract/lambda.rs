//! Lambda's own lines: START/END/REPORT (Text and JSON `platform.*` formats), the runtimes'
//! application lines that carry a request id, and the lines that show an invocation failed.

use serde_json::Value;

use super::{is_uuid, number_after, token_after, uuid_after};

/// What kind of Lambda line this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LambdaLine {
    InitStart,
    Start,
    End,
    Report,
    Other,
}

/// Classify a Lambda line and return the Lambda request id it names, if any. Text
/// (`START RequestId: …`, Node `ts\tid\tLEVEL\tmsg`, Python `[LEVEL]\tts\tid\tmsg`,
/// `ts id Task timed out …`) and JSON (`platform.*` records, app lines with `requestId`)
/// formats.
pub fn lambda_line(msg: &str) -> (LambdaLine, Option<String>) {
    let m = msg.trim_start();
    if m.starts_with("INIT_START") {
        return (LambdaLine::InitStart, None);
    }
    for (prefix, kind) in [
        ("START RequestId:", LambdaLine::Start),
        ("END RequestId:", LambdaLine::End),
        ("REPORT RequestId:", LambdaLine::Report),
    ] {
        if m.starts_with(prefix) {
            return (kind, uuid_after(m, "RequestId:").map(String::from));
        }
    }
    if m.starts_with('{') {
        if let Ok(v) = serde_json::from_str::<Value>(m.trim_end()) {
            let kind = match v.get("type").and_then(Value::as_str) {
                Some("platform.initStart") => LambdaLine::InitStart,
                Some("platform.start") => LambdaLine::Start,
                Some("platform.runtimeDone") => LambdaLine::End,
                Some("platform.report") => LambdaLine::Report,
                _ => LambdaLine::Other,
            };
            let id = v
                .pointer("/record/requestId")
                .or_else(|| v.get("requestId"))
                .or_else(|| v.get("function_request_id"))
                .or_else(|| v.get("AWSRequestId"))
                .and_then(Value::as_str)
                .filter(|s| is_uuid(s))
                .map(String::from);
            return (kind, id);
        }
        return (LambdaLine::Other, None);
    }
    // Tab-separated runtime formats: the id is one of the first three fields.
    let id = m
        .split(['\t', ' '])
        .take(3)
        .find(|t| is_uuid(t))
        .map(String::from);
    (LambdaLine::Other, id)
}

/// The numbers of a REPORT line (Text or JSON `platform.report`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LambdaReport {
    pub duration_ms: Option<f64>,
    pub billed_duration_ms: Option<f64>,
    pub max_memory_mb: Option<f64>,
    pub init_duration_ms: Option<f64>,
    /// `timeout`, `error`, … when the line says; `None` = no status (success on old runtimes).
    pub status: Option<String>,
}

pub fn parse_report(msg: &str) -> Option<LambdaReport> {
    let m = msg.trim();
    if m.starts_with("REPORT RequestId:") {
        return Some(LambdaReport {
            duration_ms: number_after(m, "\tDuration:").or_else(|| number_after(m, " Duration:")),
            billed_duration_ms: number_after(m, "Billed Duration:"),
            max_memory_mb: number_after(m, "Max Memory Used:"),
            init_duration_ms: number_after(m, "Init Duration:"),
            status: token_after(m, "Status:").map(String::from),
        });
    }
    if m.starts_with('{') {
        let v: Value = serde_json::from_str(m).ok()?;
        if v.get("type").and_then(Value::as_str) != Some("platform.report") {
            return None;
        }
        let metric = |k: &str| {
            v.pointer(&format!("/record/metrics/{k}"))
                .and_then(Value::as_f64)
        };
        return Some(LambdaReport {
            duration_ms: metric("durationMs"),
            billed_duration_ms: metric("billedDurationMs"),
            max_memory_mb: metric("maxMemoryUsedMB"),
            init_duration_ms: metric("initDurationMs"),
            status: v
                .pointer("/record/status")
                .and_then(Value::as_str)
                .map(String::from),
        });
    }
    None
}

/// A line that shows the invocation failed (for the status when REPORT has none).
pub fn is_failure_line(msg: &str) -> Option<&'static str> {
    if msg.contains("Task timed out after") {
        return Some("timeout");
    }
    let m = msg.trim_start();
    if m.starts_with("[ERROR]")
        || m.contains("\tERROR\t")
        || m.contains("\"errorType\"")
        || (m.starts_with('{') && m.contains("\"level\":\"ERROR\""))
        || m.contains("Runtime.ExitError")
        || m.contains("Runtime.Unhandled")
    {
        return Some("error");
    }
    None
}
