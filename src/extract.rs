//! Reading ids and facts out of log lines: API Gateway execution and access logs, Lambda
//! START/END/REPORT lines (Text and JSON log formats) and application lines.
//!
//! Formats are those of ../shared/aws-notes.md §1–4 (real captures); every line is
//! optional and every field may be missing, so each extractor returns `Option`s and never
//! panics (they are fuzzed in the tests below). Pure functions only.

use serde_json::Value;

/// Is this an API request id (`$context.requestId`, a UUID) rather than an extended id?
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The `(<request id>) ` prefix of an execution-log line, and the rest.
pub fn exec_prefix(msg: &str) -> Option<(&str, &str)> {
    let rest = msg.strip_prefix('(')?;
    let end = rest.find(") ")?;
    let id = &rest[..end];
    if id.is_empty() || id.len() > 64 || id.contains(char::is_whitespace) {
        return None;
    }
    Some((id, &rest[end + 2..]))
}

/// The first UUID-looking token after `marker` in `s`.
fn uuid_after<'a>(s: &'a str, marker: &str) -> Option<&'a str> {
    let i = s.find(marker)?;
    let rest = s[i + marker.len()..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .unwrap_or(rest.len());
    let id = &rest[..end];
    is_uuid(id).then_some(id)
}

/// The token after `marker`, up to whitespace or one of `,;}]"`.
fn token_after<'a>(s: &'a str, marker: &str) -> Option<&'a str> {
    let i = s.find(marker)?;
    let rest = s[i + marker.len()..].trim_start();
    let end = rest
        .find(|c: char| c.is_whitespace() || ",;}]\"".contains(c))
        .unwrap_or(rest.len());
    let t = &rest[..end];
    (!t.is_empty()).then_some(t)
}

fn number_after(s: &str, marker: &str) -> Option<f64> {
    let i = s.find(marker)?;
    let rest = s[i + marker.len()..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// What the API Gateway lines of one request say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiFacts {
    pub request_id: Option<String>,
    pub extended_request_id: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub status: Option<u16>,
    pub latency_ms: Option<f64>,
    pub integration_latency_ms: Option<f64>,
    pub xray_trace_id: Option<String>,
    /// Backend (integration) Lambda request ids, in the order found.
    pub lambda_request_ids: Vec<String>,
    pub authorizer_request_id: Option<String>,
    /// `allowed`, `denied` or `error`, when the execution log says.
    pub authorizer_result: Option<String>,
    /// The function the integration called (from `Endpoint request URI` / `Sending request to`).
    pub integration_function_arns: Vec<String>,
    /// API Gateway gave up waiting for the integration (504, no Lambda id logged).
    pub integration_timed_out: bool,
}

impl ApiFacts {
    fn add_lambda_id(&mut self, id: &str) {
        if Some(id) != self.authorizer_request_id.as_deref()
            && !self.lambda_request_ids.iter().any(|x| x == id)
        {
            self.lambda_request_ids.push(id.to_string());
        }
    }

    /// Read one execution-log line (with or without its `(id) ` prefix).
    pub fn scan_exec(&mut self, msg: &str) {
        let text = match exec_prefix(msg) {
            Some((id, rest)) => {
                self.request_id.get_or_insert_with(|| id.to_string());
                rest
            }
            None => msg,
        };
        if let Some(ext) = text.strip_prefix("Extended Request Id: ") {
            self.extended_request_id = Some(ext.trim().to_string());
        } else if let Some(rest) = text.strip_prefix("HTTP Method: ") {
            // `HTTP Method: GET, Resource Path: /users`
            if let Some((m, p)) = rest.split_once(", Resource Path: ") {
                self.method = Some(m.trim().to_string());
                self.path = Some(p.trim().to_string());
            }
        } else if let Some(rest) = text.strip_prefix("Method completed with status: ") {
            self.status = rest.trim().parse().ok();
        } else if text.starts_with("Received response.") {
            self.integration_latency_ms = number_after(text, "Integration latency:");
        } else if text.starts_with("AWS Integration Endpoint RequestId") {
            if let Some(id) = uuid_after(text, ":") {
                self.add_lambda_id(id);
            }
        } else if text.starts_with("Endpoint response headers:") {
            if let Some(id) = uuid_after(text, "x-amzn-RequestId=") {
                self.add_lambda_id(id);
            }
        } else if text.contains("Lambda request id:") {
            if let Some(id) = uuid_after(text, "Lambda request id:") {
                self.add_lambda_id(id);
            }
        } else if let Some(rest) = text.strip_prefix("X-ray Tracing ID : ") {
            self.xray_trace_id = Some(rest.trim().to_string());
        } else if text.starts_with("Unauthorized request:")
            || text.contains("Authorizer result: Deny")
        {
            self.authorizer_result = Some("denied".into());
        } else if text.starts_with("Successfully completed authorizer execution") {
            self.authorizer_result
                .get_or_insert_with(|| "allowed".into());
        } else if text.contains("Authorizer error") {
            self.authorizer_result = Some("error".into());
        } else if text.starts_with("Execution failed due to a timeout error") {
            self.integration_timed_out = true;
        } else if text.starts_with("Sending request to ")
            || text.starts_with("Endpoint request URI: ")
        {
            // The authorizer's call has the same lines; they come before "Starting execution".
            if let Some(i) = text.find("/functions/") {
                let arn = &text[i + "/functions/".len()..];
                let arn = arn.split("/invocations").next().unwrap_or(arn).trim();
                if !self.integration_function_arns.iter().any(|a| a == arn) {
                    self.integration_function_arns.push(arn.to_string());
                }
            }
        }
    }

    /// Read one access-log line if it belongs to `id` (request id or extended id).
    /// JSON formats are read by field name (any of the usual names, case-insensitive);
    /// other formats only tell that the line belongs to the request.
    pub fn scan_access(&mut self, msg: &str, id: &str) -> bool {
        let trimmed = msg.trim();
        if !trimmed.starts_with('{') {
            return trimmed
                .split(|c: char| c.is_whitespace() || c == ',' || c == '"')
                .any(|t| t == id);
        }
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(trimmed) else {
            return trimmed.contains(id);
        };
        let mut flat: Vec<(String, String)> = Vec::new();
        flatten("", &Value::Object(map), &mut flat);
        let get = |names: &[&str]| -> Option<String> {
            flat.iter()
                .find(|(k, v)| names.contains(&k.as_str()) && !v.is_empty() && v != "-")
                .map(|(_, v)| v.clone())
        };
        let rid = get(&["requestid"]);
        let ext = get(&["extendedrequestid"]);
        if rid.as_deref() != Some(id) && ext.as_deref() != Some(id) {
            return false;
        }
        if let Some(r) = rid {
            self.request_id.get_or_insert(r);
        }
        if let Some(e) = ext {
            self.extended_request_id.get_or_insert(e);
        }
        if let Some(m) = get(&["httpmethod", "method"]) {
            self.method.get_or_insert(m);
        }
        if let Some(p) = get(&["resourcepath", "path", "routekey"]) {
            // An HTTP API route key is "GET /items": keep the path part.
            let p = p.split_once(' ').map(|(_, p)| p.to_string()).unwrap_or(p);
            self.path.get_or_insert(p);
        }
        if let Some(s) = get(&["status"]).and_then(|s| s.parse().ok()) {
            self.status.get_or_insert(s);
        }
        if let Some(l) = get(&["responselatency", "latency"]).and_then(|s| s.parse().ok()) {
            self.latency_ms = Some(l);
        }
        if let Some(l) = get(&["integrationlatency", "integrationintegrationlatency"])
            .and_then(|s| s.parse().ok())
        {
            self.integration_latency_ms.get_or_insert(l);
        }
        if let Some(x) = get(&["xraytraceid"]) {
            self.xray_trace_id.get_or_insert(x);
        }
        if let Some(a) = get(&["authorizerrequestid"]) {
            self.authorizer_request_id.get_or_insert(a);
        }
        if let Some(l) = get(&["integrationrequestid", "awsendpointrequestid"]) {
            self.add_lambda_id(&l);
        }
        true
    }
}

/// Flatten a JSON object into (normalised key, scalar as text): keys lower-cased, with
/// non-alphanumerics removed, nested keys joined (`integration.requestId` →
/// `integrationrequestid`).
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key: String = k
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase();
                flatten(&format!("{prefix}{key}"), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Number(n) => out.push((prefix.to_string(), n.to_string())),
        Value::Bool(b) => out.push((prefix.to_string(), b.to_string())),
        _ => {}
    }
}

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
pub struct Report {
    pub duration_ms: Option<f64>,
    pub billed_duration_ms: Option<f64>,
    pub max_memory_mb: Option<f64>,
    pub init_duration_ms: Option<f64>,
    /// `timeout`, `error`, … when the line says; `None` = no status (success on old runtimes).
    pub status: Option<String>,
}

pub fn parse_report(msg: &str) -> Option<Report> {
    let m = msg.trim();
    if m.starts_with("REPORT RequestId:") {
        return Some(Report {
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
        return Some(Report {
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
        || m.contains("Runtime.ExitError")
        || m.contains("Runtime.Unhandled")
    {
        return Some("error");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "515f1e99-39db-11e9-9e96-01e5c04505b9";
    const LID: &str = "57593f79-6e46-4a6f-91b1-f5d848cc2059";

    #[test]
    fn ids() {
        assert!(is_uuid(ID));
        assert!(!is_uuid("Vts2pH6ArPEFcuQ="));
        assert!(!is_uuid("515f1e99-39db-11e9-9e96-01e5c04505bz"));
        assert_eq!(
            exec_prefix(&format!("({ID}) Extended Request Id: x")),
            Some((ID, "Extended Request Id: x"))
        );
        assert_eq!(exec_prefix("no prefix"), None);
        assert_eq!(exec_prefix("() x"), None);
    }

    /// The real capture of aws-notes.md §1.3 (shortened values).
    #[test]
    fn successful_rest_request() {
        let lines = [
            "Extended Request Id: Vts2pH6ArPEFcuQ=",
            "Starting execution for request: 515f1e99-39db-11e9-9e96-01e5c04505b9",
            "HTTP Method: POST, Resource Path: /verifyReceipt",
            "Endpoint request URI: https://lambda.eu-west-2.amazonaws.com/2015-03-31/functions/arn:aws:lambda:eu-west-2:958845080241:function:VerifyReceipt/invocations",
            "Received response. Integration latency: 40 ms",
            "Endpoint response headers: {Date=Tue, 26 Feb 2019 15:29:33 GMT, Content-Type=application/json, x-amzn-RequestId=57593f79-6e46-4a6f-91b1-f5d848cc2059, x-amzn-Remapped-Content-Length=0, X-Amz-Executed-Version=$LATEST}",
            "Method completed with status: 200",
            "AWS Integration Endpoint RequestId : 57593f79-6e46-4a6f-91b1-f5d848cc2059",
            "X-ray Tracing ID : 1-5c755b5d-07b29b94e632d3da19d88789",
        ];
        let mut f = ApiFacts::default();
        for l in lines {
            f.scan_exec(&format!("({ID}) {l}"));
        }
        assert_eq!(f.request_id.as_deref(), Some(ID));
        assert_eq!(f.extended_request_id.as_deref(), Some("Vts2pH6ArPEFcuQ="));
        assert_eq!(
            (f.method.as_deref(), f.path.as_deref()),
            (Some("POST"), Some("/verifyReceipt"))
        );
        assert_eq!(f.status, Some(200));
        assert_eq!(f.integration_latency_ms, Some(40.0));
        assert_eq!(f.lambda_request_ids, vec![LID]);
        assert_eq!(
            f.xray_trace_id.as_deref(),
            Some("1-5c755b5d-07b29b94e632d3da19d88789")
        );
        assert_eq!(
            f.integration_function_arns,
            vec!["arn:aws:lambda:eu-west-2:958845080241:function:VerifyReceipt"]
        );
    }

    #[test]
    fn failures_timeouts_and_authorizers() {
        let mut f = ApiFacts::default();
        f.scan_exec("(286364ab-3a83-11e9-8dc8-db3cf4c83204) Received response. Status: 200, Integration latency: 11029 ms");
        f.scan_exec("(286364ab-3a83-11e9-8dc8-db3cf4c83204) Lambda execution failed with status 200 due to customer function error: 2019-02-27T11:31:11.456Z 71952965-d5cc-4974-ae08-6e2138b2275c Task timed out after 10.00 seconds. Lambda request id: 71952965-d5cc-4974-ae08-6e2138b2275c");
        f.scan_exec("(286364ab-3a83-11e9-8dc8-db3cf4c83204) Method completed with status: 502");
        assert_eq!(
            f.lambda_request_ids,
            vec!["71952965-d5cc-4974-ae08-6e2138b2275c"]
        );
        assert_eq!(
            (f.status, f.integration_latency_ms),
            (Some(502), Some(11029.0))
        );

        let mut t = ApiFacts::default();
        t.scan_exec("(a) Execution failed due to a timeout error");
        t.scan_exec("(a) Method completed with status: 504");
        assert!(t.integration_timed_out && t.lambda_request_ids.is_empty());

        let mut d = ApiFacts::default();
        d.scan_exec(
            "Starting authorizer: 62mgrc for request: fd443056-60d0-425f-874e-e93e5d61351e",
        );
        d.scan_exec("Unauthorized request: fd443056-60d0-425f-874e-e93e5d61351e");
        assert_eq!(d.authorizer_result.as_deref(), Some("denied"));
        let mut a = ApiFacts::default();
        a.scan_exec("(x) Successfully completed authorizer execution");
        assert_eq!(a.authorizer_result.as_deref(), Some("allowed"));
    }

    #[test]
    fn access_lines() {
        let line = r#"{"requestId":"c6e17a88-708c-4b10-ab9f-6138d283ab3c","extendedRequestId":"ststgCQFKqfb41A=","httpMethod":"GET","resourcePath":"/users","status":"200","integrationRequestId":"7fb5ba4b-92db-4622-a4bc-5b9fa983e4d6","authorizerRequestId":"d77b6446-40d9-45ab-8c43-ddd9283cf5b4","integrationLatency":"318","responseLatency":"746","xrayTraceId":"1-6b0c7490-a7146ab4c3810f5b25f250f0"}"#;
        let mut f = ApiFacts::default();
        assert!(!f.scan_access(line, "other-id"));
        assert!(f.scan_access(line, "ststgCQFKqfb41A="));
        assert_eq!(
            f.request_id.as_deref(),
            Some("c6e17a88-708c-4b10-ab9f-6138d283ab3c")
        );
        assert_eq!(f.status, Some(200));
        assert_eq!(
            (f.latency_ms, f.integration_latency_ms),
            (Some(746.0), Some(318.0))
        );
        assert_eq!(
            f.lambda_request_ids,
            vec!["7fb5ba4b-92db-4622-a4bc-5b9fa983e4d6"]
        );
        assert_eq!(
            f.authorizer_request_id.as_deref(),
            Some("d77b6446-40d9-45ab-8c43-ddd9283cf5b4")
        );

        // Nested names ($context.integration.requestId as "integration": {"requestId": …}), "-" = none.
        let nested = r#"{"requestId":"WSg1ihmdliAEJXA=","routeKey":"GET /items","status":504,"integration":{"requestId":"-"}}"#;
        let mut h = ApiFacts::default();
        assert!(h.scan_access(nested, "WSg1ihmdliAEJXA="));
        assert_eq!((h.path.as_deref(), h.status), (Some("/items"), Some(504)));
        assert!(h.lambda_request_ids.is_empty());

        // CLF: only membership.
        let clf = r#"203.0.113.1 - - [29/Nov/2026:10:00:00 +0000] "GET /users HTTP/1.1" 200 12 c6e17a88-708c-4b10-ab9f-6138d283ab3c"#;
        assert!(ApiFacts::default().scan_access(clf, "c6e17a88-708c-4b10-ab9f-6138d283ab3c"));
    }

    #[test]
    fn lambda_lines() {
        let id = "c793869b-ee49-115b-a5b6-4fd21e8dedac";
        assert_eq!(
            lambda_line(&format!("START RequestId: {id} Version: $LATEST\n")),
            (LambdaLine::Start, Some(id.into()))
        );
        assert_eq!(
            lambda_line(&format!("END RequestId: {id}\n")),
            (LambdaLine::End, Some(id.into()))
        );
        assert_eq!(
            lambda_line("INIT_START Runtime Version: python:3.11.v14\tRuntime Version ARN: x").0,
            LambdaLine::InitStart
        );
        assert_eq!(
            lambda_line(&format!(
                "2019-06-07T19:11:20.564Z\t{id}\tWARN\tEvent not processed."
            ))
            .1,
            Some(id.into())
        );
        assert_eq!(
            lambda_line(&format!("[INFO]\t2020-01-31T22:12:58.534Z\t{id}\t## EVENT")).1,
            Some(id.into())
        );
        assert_eq!(
            lambda_line(&format!(
                "2024-04-14T01:17:35.426Z {id} Task timed out after 3.05 seconds"
            ))
            .1,
            Some(id.into())
        );
        let js = format!(
            r#"{{"time":"2024-05-20T16:29:45.008Z","type":"platform.start","record":{{"requestId":"{id}","version":"$LATEST"}}}}"#
        );
        assert_eq!(lambda_line(&js), (LambdaLine::Start, Some(id.into())));
        let app =
            format!(r#"{{"timestamp":"x","level":"INFO","requestId":"{id}","message":"hi"}}"#);
        assert_eq!(lambda_line(&app), (LambdaLine::Other, Some(id.into())));
        assert_eq!(lambda_line("plain print output"), (LambdaLine::Other, None));
    }

    #[test]
    fn reports() {
        let r = parse_report("REPORT RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\tDuration: 128.83 ms\tBilled Duration: 200 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\tInit Duration: 166.62 ms\tXRAY TraceId: 1-5d9d007f-0a8c7fd02xmpl480aed55ef0\tSegmentId: 3d752xmpl1bbe37e\tSampled: true").unwrap();
        assert_eq!(
            r,
            Report {
                duration_ms: Some(128.83),
                billed_duration_ms: Some(200.0),
                max_memory_mb: Some(74.0),
                init_duration_ms: Some(166.62),
                status: None
            }
        );
        let t = parse_report("REPORT RequestId: 13222b1e-f16b-4550-89df-869ab0a9806d\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 1024 MB\tMax Memory Used: 64 MB\tStatus: timeout").unwrap();
        assert_eq!(
            (t.duration_ms, t.status.as_deref()),
            (Some(3000.0), Some("timeout"))
        );
        let j = parse_report(r#"{"time":"2024-05-20T16:29:45.022Z","type":"platform.report","record":{"requestId":"4b142fc3-17b8-4cdb-a46b-a8dbe7918715","status":"success","metrics":{"durationMs":11.642,"billedDurationMs":12,"memorySizeMB":128,"maxMemoryUsedMB":67,"initDurationMs":174.055}}}"#).unwrap();
        assert_eq!(
            (j.duration_ms, j.init_duration_ms, j.status.as_deref()),
            (Some(11.642), Some(174.055), Some("success"))
        );
        assert!(parse_report("START RequestId: x").is_none());
        assert_eq!(
            is_failure_line("2024-04-14T01:17:35.426Z 6ac6 Task timed out after 3.05 seconds"),
            Some("timeout")
        );
        assert_eq!(
            is_failure_line("[ERROR] Exception: Unauthorized"),
            Some("error")
        );
        assert_eq!(is_failure_line("[INFO]\tx\ty\tfine"), None);
    }

    /// Extractors never panic on arbitrary input (issue #4).
    #[test]
    fn extractors_never_panic() {
        let pieces = [
            "(",
            ")",
            " ",
            "{",
            "}",
            "\"",
            ":",
            "REPORT RequestId:",
            "START RequestId:",
            "Duration:",
            "Status:",
            "x-amzn-RequestId=",
            "Lambda request id:",
            "HTTP Method: ",
            ", Resource Path: ",
            "Method completed with status: ",
            "Received response.",
            "Integration latency:",
            "\t",
            "é",
            "日",
            "515f1e99-39db-11e9-9e96-01e5c04505b9",
            "requestId",
            "\u{0}",
            "[",
            "]",
            "9999999999999999999999",
            "-",
            ".",
            "/functions/",
            "{\"type\":\"platform.report\",\"record\":",
            "}}",
        ];
        let mut x: u64 = 0x1234_5678_9ABC_DEF1;
        for _ in 0..30_000 {
            let mut s = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for i in 0..(x % 12) {
                s.push_str(pieces[(x.rotate_left(i as u32 * 7) % pieces.len() as u64) as usize]);
            }
            let mut f = ApiFacts::default();
            f.scan_exec(&s);
            f.scan_access(&s, "515f1e99-39db-11e9-9e96-01e5c04505b9");
            let _ = lambda_line(&s);
            let _ = parse_report(&s);
            let _ = is_failure_line(&s);
            let _ = exec_prefix(&s);
        }
    }
}
