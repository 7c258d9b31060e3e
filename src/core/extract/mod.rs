//! Reading ids and facts out of log lines: API Gateway execution and access logs, Lambda
//! START/END/REPORT lines (Text and JSON log formats) and application lines.
//!
//! Formats are those of ../shared/aws-notes.md §1–4 (real captures); every line is
//! optional and every field may be missing, so each extractor returns `Option`s and never
//! panics (they are fuzzed in the tests below). Pure functions only.

use serde_json::Value;

mod lambda;

pub use lambda::{LambdaLine, LambdaReport, is_failure_line, lambda_line, parse_report};

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
    /// The route as the API defines it: `GET /users/{id}` (resource template or route key).
    pub route: Option<String>,
    /// `$context.error.responseType` (`UNAUTHORIZED`, `THROTTLED`, `WAF_FILTERED`, …).
    pub error_type: Option<String>,
    /// `$context.error.message` (or a rejection read from the execution log).
    pub error_message: Option<String>,
    /// Why API Gateway answered without calling the integration, when a line says.
    pub rejected: Option<String>,
    /// `$context.authorizer.status` / `.latency` (or `.integrationLatency`).
    pub authorizer_status: Option<u16>,
    pub authorizer_latency_ms: Option<f64>,
    /// The authorizer function (from its `Endpoint request URI` line).
    pub authorizer_function_arn: Option<String>,
    /// The execution log shows the authorizer ran (`Starting authorizer`) or called Lambda.
    pub authorizer_started: bool,
    pub authorizer_called: bool,
    /// The Lambda service refused the integration call (429 / TooManyRequestsException).
    pub lambda_throttled: bool,
    /// `Starting execution` was seen (later Lambda URIs are the integration's).
    pub execution_started: bool,
    /// The integration is not a Lambda function (HTTP, AWS service): the request ids of
    /// its response headers are the backend's, not a Lambda invocation's.
    pub integration_not_lambda: bool,
}

/// A bare X-Ray trace id out of `Root=1-…;Parent=…` or `1-…`.
pub fn bare_trace_id(s: &str) -> String {
    let s = s.trim();
    let s = s
        .split(';')
        .find_map(|p| {
            let p = p.trim();
            p.strip_prefix("Root=").or_else(|| p.strip_prefix("root="))
        })
        .unwrap_or_else(|| s.split(';').next().unwrap_or(s));
    s.trim().to_string()
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
            if let Some(id) = uuid_after(text, ":")
                && !self.integration_not_lambda
            {
                self.add_lambda_id(id);
            }
        } else if text.starts_with("Endpoint response headers:") {
            if text.contains("x-amzn-ErrorType=TooManyRequestsException") {
                // The Lambda service's own request id, not an invocation's.
                self.lambda_throttled = true;
            } else if let Some(id) = uuid_after(text, "x-amzn-RequestId=")
                && !self.integration_not_lambda
            {
                self.add_lambda_id(id);
            }
        } else if text.contains("Lambda request id:") {
            if let Some(id) = uuid_after(text, "Lambda request id:") {
                self.add_lambda_id(id);
            }
        } else if let Some(rest) = text.strip_prefix("X-ray Tracing ID : ") {
            self.xray_trace_id = Some(bare_trace_id(rest));
        } else if text.starts_with("Unauthorized request:")
            || text.contains("Authorizer result: Deny")
        {
            self.authorizer_result = Some("denied".into());
            self.rejected
                .get_or_insert_with(|| "the authorizer denied the request".into());
        } else if text.starts_with("Successfully completed authorizer execution")
            || text.starts_with("Using valid authorizer policy")
        {
            self.authorizer_result
                .get_or_insert_with(|| "allowed".into());
        } else if text.starts_with("Starting authorizer:") {
            self.authorizer_started = true;
        } else if text.contains("Authorizer error") {
            self.authorizer_result = Some("error".into());
        } else if text.starts_with("Execution failed due to a timeout error") {
            self.integration_timed_out = true;
        } else if text.starts_with("Lambda invocation failed with status: 429")
            || text.contains("TooManyRequestsException")
        {
            self.lambda_throttled = true;
        } else if let Some(why) = exec_rejection(text) {
            self.rejected.get_or_insert_with(|| why.to_string());
        } else if text.starts_with("Sending request to ")
            || text.starts_with("Endpoint request URI: ")
        {
            // The authorizer's call has the same lines; they come before "Starting execution".
            if !text.contains("/functions/") && (self.execution_started || !self.authorizer_started)
            {
                self.integration_not_lambda = true;
            }
            if let Some(i) = text.find("/functions/") {
                let arn = &text[i + "/functions/".len()..];
                let arn = arn.split("/invocations").next().unwrap_or(arn).trim();
                if self.authorizer_started && !self.execution_started {
                    self.authorizer_called = true;
                    self.authorizer_function_arn
                        .get_or_insert_with(|| arn.to_string());
                } else if !self.integration_function_arns.iter().any(|a| a == arn) {
                    self.integration_function_arns.push(arn.to_string());
                }
            }
        } else if text.starts_with("Starting execution for request") {
            self.execution_started = true;
        }
    }

    /// Read one access-log line if it belongs to `id` (request id or extended id).
    /// Any format `parse_access` reads; a line it cannot read only tells (by the id
    /// appearing in it) that it belongs to the request.
    pub fn scan_access(&mut self, msg: &str, id: &str) -> bool {
        let Some(rec) = parse_access(msg) else {
            return msg
                .split(|c: char| c.is_whitespace() || ",;\"'{}[]<>=".contains(c))
                .any(|t| t == id);
        };
        if rec.request_id.as_deref() != Some(id) && rec.extended_request_id.as_deref() != Some(id) {
            return false;
        }
        self.apply_access(rec);
        true
    }

    /// Take what an access record says (first value wins, except the latency, which the
    /// access log knows best).
    pub fn apply_access(&mut self, r: AccessRecord) {
        let (route, route_path, rejection) = (r.route(), r.route_path(), r.rejection());
        if let Some(v) = r.request_id {
            self.request_id.get_or_insert(v);
        }
        if let Some(v) = r.extended_request_id {
            self.extended_request_id.get_or_insert(v);
        }
        if let Some(v) = r.method.clone() {
            self.method.get_or_insert(v);
        }
        if let Some(v) = r.path.clone().or(route_path) {
            self.path.get_or_insert(v);
        }
        if let Some(v) = route {
            self.route.get_or_insert(v);
        }
        if let Some(v) = r.status {
            self.status.get_or_insert(v);
        }
        if let Some(v) = r.latency_ms {
            self.latency_ms = Some(v);
        }
        if let Some(v) = r.integration_latency_ms {
            self.integration_latency_ms.get_or_insert(v);
        }
        if let Some(v) = r.xray_trace_id {
            self.xray_trace_id.get_or_insert(bare_trace_id(&v));
        }
        if let Some(v) = r.authorizer_request_id {
            self.authorizer_request_id.get_or_insert(v);
        }
        if let Some(v) = r.authorizer_status {
            self.authorizer_status.get_or_insert(v);
        }
        if let Some(v) = r.authorizer_latency_ms {
            self.authorizer_latency_ms.get_or_insert(v);
        }
        if let Some(v) = r.error_type.clone() {
            self.error_type.get_or_insert(v);
        }
        if let Some(v) = r.error_message.clone() {
            self.error_message.get_or_insert(v);
        }
        if let Some(why) = rejection {
            self.rejected.get_or_insert(why);
        }
        if r.authorizer_error.is_some() || r.error_type.as_deref() == Some("AUTHORIZER_FAILURE") {
            self.authorizer_result = Some("error".into());
        }
        match (r.error_type.as_deref(), r.authorizer_status) {
            (Some("UNAUTHORIZED" | "ACCESS_DENIED"), _) if r.authorizer_status.is_some() => {
                self.authorizer_result = Some("denied".into());
            }
            (_, Some(s)) if s >= 400 => {
                self.authorizer_result
                    .get_or_insert_with(|| "denied".into());
            }
            (_, Some(_)) => {
                self.authorizer_result
                    .get_or_insert_with(|| "allowed".into());
            }
            _ => {}
        }
        if let Some(l) = r.integration_request_id {
            self.add_lambda_id(&l);
        }
        if r.integration_status == Some(429) {
            self.lambda_throttled = true;
        }
    }
}

/// Why API Gateway stopped a request before (or instead of) its integration, from an
/// execution-log line.
fn exec_rejection(text: &str) -> Option<&'static str> {
    if text.contains("throttle limit exceeded") || text.starts_with("Rate exceeded") {
        Some("throttled by API Gateway (429)")
    } else if text.starts_with("API Key") && text.contains("not authorized") {
        Some("API key not authorized")
    } else if text.starts_with("Forbidden: ") || text.contains("Invalid API Key") {
        Some("API key rejected (403)")
    } else if text.starts_with("Usage Plan check failed") || text.contains("quota exceeded") {
        Some("usage plan rejected the request")
    } else if text.starts_with("Request body does not match model schema")
        || text.starts_with("Request validation failed")
        || text.starts_with("Missing required request parameters")
    {
        Some("request validation failed (400)")
    } else {
        None
    }
}

/// One access-log line, read whatever its format: the usual `$context` fields under
/// whatever names the user chose, where they can be recognised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccessRecord {
    pub request_id: Option<String>,
    pub extended_request_id: Option<String>,
    pub method: Option<String>,
    /// `$context.resourcePath` (the template, `/users/{id}`).
    pub resource_path: Option<String>,
    /// `$context.routeKey` (`GET /items`, `$default`, `$connect`).
    pub route_key: Option<String>,
    /// `$context.path` (the concrete path).
    pub path: Option<String>,
    pub status: Option<u16>,
    pub latency_ms: Option<f64>,
    pub integration_latency_ms: Option<f64>,
    pub integration_status: Option<u16>,
    pub integration_request_id: Option<String>,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub authorizer_request_id: Option<String>,
    pub authorizer_status: Option<u16>,
    pub authorizer_latency_ms: Option<f64>,
    pub authorizer_error: Option<String>,
    pub event_type: Option<String>,
    pub connection_id: Option<String>,
    pub xray_trace_id: Option<String>,
}

const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY",
];

/// An extended request id / HTTP API request id: `Vts2pH6ArPEFcuQ=`.
fn is_apigw_id(s: &str) -> bool {
    s.len() >= 12
        && s.len() <= 24
        && s.ends_with('=')
        && s.trim_end_matches('=')
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/_-".contains(c))
}

impl AccessRecord {
    /// The route as the API defines it: the route key, or method and resource path.
    pub fn route(&self) -> Option<String> {
        if let Some(k) = &self.route_key {
            return Some(match &self.method {
                Some(m) if !k.contains(' ') && k.starts_with('/') => format!("{m} {k}"),
                _ => k.clone(),
            });
        }
        Some(format!(
            "{} {}",
            self.method.as_ref()?,
            self.resource_path.as_ref()?
        ))
    }

    /// The path part of the route (`/items` of `GET /items`).
    fn route_path(&self) -> Option<String> {
        if let Some(p) = &self.resource_path {
            return Some(p.clone());
        }
        let k = self.route_key.as_ref()?;
        Some(k.split_once(' ').map_or(k.as_str(), |(_, p)| p).to_string())
    }

    /// Why API Gateway answered without the integration, when the record says.
    pub fn rejection(&self) -> Option<String> {
        let t = self.error_type.as_deref()?;
        let why = match t {
            "UNAUTHORIZED" => "the authorizer denied the request (UNAUTHORIZED)",
            "ACCESS_DENIED" => "access denied by the authorizer or policy (ACCESS_DENIED)",
            "MISSING_AUTHENTICATION_TOKEN" => {
                "no such route, or no authentication token (MISSING_AUTHENTICATION_TOKEN)"
            }
            "WAF_FILTERED" => "blocked by AWS WAF (WAF_FILTERED)",
            "THROTTLED" => "throttled by API Gateway (THROTTLED)",
            "QUOTA_EXCEEDED" => "usage plan quota exceeded (QUOTA_EXCEEDED)",
            "INVALID_API_KEY" => "invalid API key (INVALID_API_KEY)",
            "EXPIRED_TOKEN" => "expired token (EXPIRED_TOKEN)",
            "INVALID_SIGNATURE" => "invalid signature (INVALID_SIGNATURE)",
            "BAD_REQUEST_BODY" => "request body failed validation (BAD_REQUEST_BODY)",
            "BAD_REQUEST_PARAMETERS" => {
                "request parameters failed validation (BAD_REQUEST_PARAMETERS)"
            }
            "AUTHORIZER_FAILURE" => "the authorizer failed (AUTHORIZER_FAILURE)",
            "AUTHORIZER_CONFIGURATION_ERROR" => {
                "the authorizer is misconfigured (AUTHORIZER_CONFIGURATION_ERROR)"
            }
            "INTEGRATION_TIMEOUT" => "the integration timed out (INTEGRATION_TIMEOUT)",
            "INTEGRATION_FAILURE" => "the integration failed (INTEGRATION_FAILURE)",
            "REQUEST_TOO_LARGE" => "request too large (REQUEST_TOO_LARGE)",
            "RESOURCE_NOT_FOUND" => "no such resource (RESOURCE_NOT_FOUND)",
            "-" | "" => return None,
            other => return Some(other.to_string()),
        };
        Some(why.to_string())
    }

    /// Fill the record from (normalised key, value) pairs.
    fn from_pairs(pairs: &[(String, String)]) -> AccessRecord {
        let get = |names: &[&str]| -> Option<String> {
            pairs.iter().find_map(|(k, v)| {
                let k = k.strip_prefix("context").unwrap_or(k);
                (names.contains(&k) && !v.is_empty() && v != "-").then(|| v.trim().to_string())
            })
        };
        let num = |names: &[&str]| get(names).and_then(|v| v.parse::<f64>().ok());
        let status = |names: &[&str]| get(names).and_then(|v| v.parse::<u16>().ok());
        AccessRecord {
            request_id: get(&["requestid", "reqid", "apigwrequestid"]),
            extended_request_id: get(&["extendedrequestid", "extendedid", "apigwid"]),
            method: get(&["httpmethod", "method", "requesthttpmethod"]),
            resource_path: get(&["resourcepath", "resource"]),
            route_key: get(&["routekey", "route"]),
            path: get(&["path", "requestpath", "uri", "requesturi"]),
            status: status(&[
                "status",
                "statuscode",
                "httpstatus",
                "responsestatus",
                "responsecode",
            ]),
            latency_ms: num(&[
                "responselatency",
                "latency",
                "responselatencyms",
                "latencyms",
            ]),
            integration_latency_ms: num(&["integrationlatency", "integrationintegrationlatency"]),
            integration_status: status(&[
                "integrationintegrationstatus",
                "integrationstatus",
                "integrationservicestatus",
            ]),
            integration_request_id: get(&[
                "integrationrequestid",
                "awsendpointrequestid",
                "integrationawsendpointrequestid",
            ]),
            error_type: get(&["errorresponsetype", "responsetype", "errortype"]),
            error_message: get(&["errormessage", "errormessagestring", "error"])
                .map(|m| m.trim().trim_matches('"').trim().to_string()),
            authorizer_request_id: get(&["authorizerrequestid"]),
            authorizer_status: status(&["authorizerstatus"]),
            authorizer_latency_ms: num(&["authorizerlatency", "authorizerintegrationlatency"]),
            authorizer_error: get(&["authorizererror"]),
            event_type: get(&["eventtype"]),
            connection_id: get(&["connectionid"]),
            xray_trace_id: get(&["xraytraceid", "traceid"]),
        }
    }

    fn readable(&self) -> bool {
        self.request_id.is_some() || self.extended_request_id.is_some()
    }
}

/// Access lines that could not be read: how many, and the first, for one warning.
#[derive(Debug, Default)]
pub struct Unreadable {
    pub count: u64,
    pub example: Option<String>,
}

impl Unreadable {
    pub fn note(&mut self, msg: &str) {
        if msg.trim().is_empty() {
            return;
        }
        self.count += 1;
        if self.example.is_none() {
            self.example = Some(msg.trim().chars().take(200).collect());
        }
    }

    /// The one warning for stderr, if any line could not be read.
    pub fn warning(&self) -> Option<String> {
        let ex = self.example.as_ref()?;
        Some(format!(
            "{} access log line{} could not be read, e.g. {ex:?}; \
             see the README (access log formats) for what is understood",
            self.count,
            if self.count == 1 { "" } else { "s" }
        ))
    }
}

/// Normalise a key: lower case, alphanumerics only (`integration.requestId`,
/// `integration_requestId` and `IntegrationRequestID` all become `integrationrequestid`).
fn norm_key(k: &str) -> String {
    k.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Read an access-log line in any of the formats API Gateway users write: JSON, a
/// JSON-like line that is not valid JSON (doubled braces, `""quoted""` values), XML,
/// CLF (the console default) and CSV. `None` when no request id can be found in it.
pub fn parse_access(msg: &str) -> Option<AccessRecord> {
    let t = msg.trim();
    if t.is_empty() {
        return None;
    }
    let rec = if t.starts_with('{') {
        let mut pairs = Vec::new();
        match serde_json::from_str::<Value>(t) {
            Ok(v @ Value::Object(_)) => flatten("", &v, &mut pairs),
            _ => scan_json_like(t, &mut pairs),
        }
        AccessRecord::from_pairs(&pairs)
    } else if t.starts_with('<') {
        AccessRecord::from_pairs(&scan_xml(t))
    } else {
        positional(t)
    };
    rec.readable().then_some(rec)
}

/// A forgiving key/value scan of a JSON-like line: `"key": value` pairs, values quoted
/// (a quote ends a value only when `,` `}` or the end follows) or bare; nested objects
/// prefix their keys. Braces may be doubled.
fn scan_json_like(t: &str, out: &mut Vec<(String, String)>) {
    let b = t.as_bytes();
    let mut i = 0;
    let mut stack: Vec<String> = Vec::new();
    let mut pending: Option<String> = None;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    while i < b.len() {
        skip_ws(&mut i);
        if i >= b.len() {
            break;
        }
        match b[i] {
            b'{' => {
                if let Some(k) = pending.take() {
                    stack.push(k);
                }
                i += 1;
            }
            b'}' => {
                stack.pop();
                i += 1;
            }
            b',' => i += 1,
            b'"' => {
                // A key.
                let start = i + 1;
                let Some(len) = t[start..].find('"') else {
                    break;
                };
                let key = &t[start..start + len];
                i = start + len + 1;
                skip_ws(&mut i);
                if i >= b.len() || b[i] != b':' {
                    continue;
                }
                i += 1;
                skip_ws(&mut i);
                let prefix: String = stack.concat();
                let full = format!("{prefix}{}", norm_key(key));
                if i < b.len() && b[i] == b'{' {
                    pending = Some(full);
                    continue;
                }
                if i < b.len() && b[i] == b'"' {
                    // A quoted value: ends at the quote that a separator or the end follows.
                    let vs = i + 1;
                    let mut j = vs;
                    let mut end = None;
                    while j < b.len() {
                        if b[j] == b'\\' {
                            j += 2;
                            continue;
                        }
                        if b[j] == b'"' {
                            let mut k = j + 1;
                            while k < b.len() && b[k].is_ascii_whitespace() {
                                k += 1;
                            }
                            if k >= b.len() || b[k] == b',' || b[k] == b'}' {
                                end = Some(j);
                                break;
                            }
                        }
                        j += 1;
                    }
                    let end = end.unwrap_or(b.len());
                    let raw = t.get(vs..end).unwrap_or("");
                    let v = raw.trim().trim_matches('"').trim();
                    out.push((full, v.replace("\\\"", "\"")));
                    i = (end + 1).min(b.len());
                } else {
                    let end = t[i..].find([',', '}']).map_or(b.len(), |e| i + e);
                    out.push((full, t[i..end].trim().to_string()));
                    i = end;
                }
            }
            _ => {
                // Not JSON-like here: skip to the next separator.
                i = t[i..]
                    .find([',', '{', '}', '"'])
                    .map_or(b.len(), |e| i + e.max(1));
            }
        }
    }
}

/// `<request id="…"> <status>…</status> … </request>`: elements and attributes.
fn scan_xml(t: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else { break };
        let tag = &after[..close];
        rest = &after[close + 1..];
        if tag.starts_with('/') || tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        let mut parts = tag.trim_end_matches('/').split_whitespace();
        let name = parts.next().unwrap_or("");
        // Attributes: `id="…"` on `request` → `requestid`.
        let mut attrs = &tag[name.len()..];
        while let Some(eq) = attrs.find("=\"") {
            let key = attrs[..eq].trim();
            let v = &attrs[eq + 2..];
            let Some(end) = v.find('"') else { break };
            out.push((norm_key(&format!("{name}{key}")), v[..end].to_string()));
            if key == "id" || key == "requestId" {
                out.push(("requestid".into(), v[..end].to_string()));
            }
            attrs = &v[end + 1..];
        }
        if let Some(end) = rest.find(&format!("</{name}>")) {
            let v = &rest[..end];
            if !v.contains('<') {
                out.push((norm_key(name), v.trim().to_string()));
                rest = &rest[end + name.len() + 3..];
            }
        }
    }
    out
}

/// CLF, CSV and other positional formats: no names, so fields are recognised by shape —
/// an HTTP method followed by a path or route key, a 3-digit status after them, a UUID
/// request id, an extended id (`…=`).
fn positional(t: &str) -> AccessRecord {
    let tokens: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ',' || c == '"' || c == '[' || c == ']')
        .filter(|s| !s.is_empty())
        .collect();
    let mut r = AccessRecord::default();
    let mut after_route = None;
    for (i, tok) in tokens.iter().enumerate() {
        if METHODS.contains(tok) && r.method.is_none() {
            r.method = Some(tok.to_string());
            // `GET /users/{id} HTTP/1.1`, or HTTP APIs' `GET GET /items HTTP/1.1`.
            let mut j = i + 1;
            if tokens.get(j).is_some_and(|t| METHODS.contains(t))
                && tokens.get(j + 1).is_some_and(|t| t.starts_with('/'))
            {
                r.route_key = Some(format!("{} {}", tokens[j], tokens[j + 1]));
                j += 2;
            } else if let Some(p) = tokens
                .get(j)
                .filter(|t| t.starts_with('/') || t.starts_with('$'))
            {
                if p.starts_with('$') {
                    r.route_key = Some(p.to_string());
                } else {
                    r.resource_path = Some(p.to_string());
                }
                j += 1;
            }
            after_route = Some(j);
        }
    }
    if let Some(j) = after_route {
        r.status = tokens[j.min(tokens.len())..]
            .iter()
            .filter(|t| !t.starts_with("HTTP/"))
            .find_map(|t| t.parse::<u16>().ok().filter(|s| (100..600).contains(s)));
    }
    r.request_id = tokens.iter().find(|t| is_uuid(t)).map(|s| s.to_string());
    r.extended_request_id = tokens
        .iter()
        .find(|t| is_apigw_id(t))
        .map(|s| s.to_string());
    if r.request_id.is_none() {
        // HTTP APIs: the request id is the `…=` id.
        r.request_id = r.extended_request_id.clone();
    }
    r
}

/// Flatten a JSON object into (normalised key, scalar as text): nested keys joined
/// (`integration.requestId` → `integrationrequestid`).
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                flatten(&format!("{prefix}{}", norm_key(k)), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Number(n) => out.push((prefix.to_string(), n.to_string())),
        Value::Bool(b) => out.push((prefix.to_string(), b.to_string())),
        _ => {}
    }
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

    /// Every access-log format API Gateway users write. The JSON-like line is real
    /// (tests/data/realworld, source Z1); no real CLF/CSV/XML line was found, so those are
    /// the console templates of the developer guide (aws-notes 2.2) rendered with the
    /// values of the real capture N1.3 (IP from the documentation range).
    #[test]
    fn access_formats() {
        let rid = "515f1e99-39db-11e9-9e96-01e5c04505b9";
        let check = |line: &str, route: &str| {
            let r = parse_access(line).unwrap_or_else(|| panic!("unread: {line}"));
            assert_eq!(r.request_id.as_deref(), Some(rid), "{line}");
            assert_eq!(
                r.extended_request_id.as_deref(),
                Some("Vts2pH6ArPEFcuQ="),
                "{line}"
            );
            assert_eq!(r.status, Some(200), "{line}");
            assert_eq!(r.route().as_deref(), Some(route), "{line}");
        };
        let json = format!(
            r#"{{ "requestId":"{rid}", "extendedRequestId":"Vts2pH6ArPEFcuQ=", "ip": "203.0.113.1", "caller":"-", "user":"-", "requestTime":"26/Feb/2019:15:29:33 +0000", "httpMethod":"POST", "resourcePath":"/verifyReceipt", "status":"200", "protocol":"HTTP/1.1", "responseLength":"1136" }}"#
        );
        check(&json, "POST /verifyReceipt");
        // The same template wrapped in doubled braces: not JSON, read by the key/value scan.
        check(&format!("{{{json}}}"), "POST /verifyReceipt");
        check(
            &format!(
                r#"203.0.113.1 - - [26/Feb/2019:15:29:33 +0000] "POST /verifyReceipt HTTP/1.1" 200 1136 {rid} Vts2pH6ArPEFcuQ="#
            ),
            "POST /verifyReceipt",
        );
        check(
            &format!(
                "203.0.113.1,-,-,26/Feb/2019:15:29:33 +0000,POST,/verifyReceipt,HTTP/1.1,200,1136,{rid},Vts2pH6ArPEFcuQ="
            ),
            "POST /verifyReceipt",
        );
        check(
            &format!(
                r#"<request id="{rid}"> <extendedRequestId>Vts2pH6ArPEFcuQ=</extendedRequestId> <ip>203.0.113.1</ip> <caller>-</caller> <user>-</user> <requestTime>26/Feb/2019:15:29:33 +0000</requestTime> <httpMethod>POST</httpMethod> <resourcePath>/verifyReceipt</resourcePath> <status>200</status> <protocol>HTTP/1.1</protocol> <responseLength>1136</responseLength> </request>"#
            ),
            "POST /verifyReceipt",
        );
        // HTTP API CLF: "$context.httpMethod $context.routeKey $context.protocol".
        let h = parse_access(
            r#"203.0.113.1 - - [26/Feb/2019:15:29:33 +0000] "GET GET /items HTTP/1.1" 503 33 WSg1ihmdliAEJXA="#,
        )
        .unwrap();
        assert_eq!(
            (h.request_id.as_deref(), h.status, h.route().as_deref()),
            (Some("WSg1ihmdliAEJXA="), Some(503), Some("GET /items"))
        );
        // Real (Z1): `error_messageString` quoted twice, so not JSON.
        let z = parse_access(r#"{"accountId": "542754589326", "apiId": "ccp122p730", "authorizer_error": "-", "awsEndpointRequestId": "-", "error_message": "Endpoint request timed out", "error_messageString": " "Endpoint request timed out"", "error_responseType": "INTEGRATION_TIMEOUT", "extendedRequestId": "YIwYiFstIAMESqA=", "httpMethod": "POST", "identity_caller": "-"}"#).unwrap();
        assert_eq!(z.extended_request_id.as_deref(), Some("YIwYiFstIAMESqA="));
        assert_eq!(z.error_type.as_deref(), Some("INTEGRATION_TIMEOUT"));
        assert_eq!(
            z.error_message.as_deref(),
            Some("Endpoint request timed out")
        );
        assert_eq!(z.method.as_deref(), Some("POST"));
        assert_eq!(z.integration_request_id, None);
        // The doubled quote right after the colon, and nested objects in a JSON-like line.
        let q = parse_access(r#"{"requestId":"abc-1","status":"504","error":{"messageString":""Endpoint request timed out"","responseType":"INTEGRATION_TIMEOUT"},"integration":{"requestId":"-","status":"-"}}"#).unwrap();
        assert_eq!(
            (
                q.status,
                q.error_type.as_deref(),
                q.error_message.as_deref()
            ),
            (
                Some(504),
                Some("INTEGRATION_TIMEOUT"),
                Some("Endpoint request timed out")
            )
        );
        // WebSocket: route keys and event types.
        let ws = parse_access(r#"{"requestId":"Rk0gIF1dvHcFqmw=","eventType":"MESSAGE","connectionId":"RkZ14dZOvHcCGWA=","routeKey":"sendmessage","status":"500"}"#).unwrap();
        assert_eq!(
            (ws.route().as_deref(), ws.status, ws.event_type.as_deref()),
            (Some("sendmessage"), Some(500), Some("MESSAGE"))
        );
        // Rejections before the integration.
        let d = parse_access(r#"{"requestId":"x-1","status":"403","responseType":"WAF_FILTERED"}"#)
            .unwrap();
        assert_eq!(
            d.rejection().as_deref(),
            Some("blocked by AWS WAF (WAF_FILTERED)")
        );
        // Nothing to read.
        assert_eq!(parse_access("START of something else"), None);
        assert_eq!(parse_access("{not json and no id}"), None);
        let mut u = Unreadable::default();
        u.note("plain text");
        u.note("more text");
        assert!(
            u.warning()
                .unwrap()
                .starts_with("2 access log lines could not be read, e.g. \"plain text\"")
        );
    }

    #[test]
    fn throttled_lambda_and_authorizer_lines() {
        // Real (C2): Lambda refused the call; its x-amzn-RequestId is no invocation's.
        let mut f = ApiFacts::default();
        f.scan_exec("(a5e3de30-8d59-11e8-b2f5-9339f1c001b0) Endpoint response headers: {Connection=keep-alive, x-amzn-RequestId=a5e453c2-8d59-11e8-bf58-f5dde8cf91a3, x-amzn-ErrorType=TooManyRequestsException, Content-Length=104, Date=Sun, 22 Jul 2018 02:48:00 GMT, Content-Type=application/json}");
        assert!(f.lambda_throttled && f.lambda_request_ids.is_empty());
        // Real (N1.6): the authorizer's URI is not the integration's.
        let mut a = ApiFacts::default();
        a.scan_exec("(cf101403-4a17-11e7-935f-35dfc4618b7d) Starting authorizer: elkw5b for request: cf101403-4a17-11e7-935f-35dfc4618b7d");
        a.scan_exec("(cf101403-4a17-11e7-935f-35dfc4618b7d) Endpoint request URI: https://lambda.us-west-2.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-west-2:919586034543:function:ExtensionGatewayAuthorizer/invocations");
        assert!(a.authorizer_called && a.integration_function_arns.is_empty());
        assert_eq!(
            bare_trace_id("Root=1-65479a59-76319ad94b4c895479306cd7;Parent=x;Sampled=1"),
            "1-65479a59-76319ad94b4c895479306cd7"
        );
        assert_eq!(
            bare_trace_id("1-65479a59-76319ad94b4c895479306cd7"),
            "1-65479a59-76319ad94b4c895479306cd7"
        );
        // Real (H1): an HTTP integration's response headers name the backend's request id.
        let mut h = ApiFacts::default();
        for l in [
            "Starting execution for request: 184996c0-dfb8-4095-9305-59b46a06f147",
            "Endpoint request URI: https://3i95y1yx06.execute-api.cn-northwest-1.amazonaws.com.cn",
            "Received response. Status: 403, Integration latency: 19 ms",
            "Endpoint response headers: {Server=Server, Date=Tue, 23 Jun 2020 05:56:11 GMT, Content-Type=application/json, Content-Length=23, Connection=keep-alive, x-amzn-RequestId=da814d3f-8d91-4eae-94a9-f2b283ed0cf7, x-amzn-ErrorType=ForbiddenException, x-amz-apigw-id=OkTrUEOEZPgFQFw=}",
            "Method completed with status: 403",
        ] {
            h.scan_exec(&format!("(184996c0-dfb8-4095-9305-59b46a06f147) {l}"));
        }
        assert!(h.integration_not_lambda && h.lambda_request_ids.is_empty());
        assert_eq!(
            (h.status, h.integration_latency_ms),
            (Some(403), Some(19.0))
        );
        let mut k = ApiFacts::default();
        k.scan_exec("(x) Key throttle limit exceeded for RestApi uwe3g5jm54, Stage Prod, Resource k0w8mc, HttpMethod POST. Limit: 1.00 Burst: 1");
        assert_eq!(
            k.rejected.as_deref(),
            Some("throttled by API Gateway (429)")
        );
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
            LambdaReport {
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
        // JSON log format (real, tests/data/realworld C3): level ERROR as text's ERROR.
        assert_eq!(
            is_failure_line(
                r#"{"timestamp":"2026-10-08T07:30:29.443Z","level":"ERROR","requestId":"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36","message":"x"}"#
            ),
            Some("error")
        );
        assert_eq!(
            is_failure_line(r#"{"timestamp":"t","level":"INFO","requestId":"r","message":"x"}"#),
            None
        );
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
            let _ = parse_access(&s);
            let _ = lambda_line(&s);
            let _ = parse_report(&s);
            let _ = is_failure_line(&s);
            let _ = exec_prefix(&s);
        }
    }
}
