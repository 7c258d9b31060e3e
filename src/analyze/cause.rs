//! Failure causes (#22): a fingerprint of what failed, and failing requests grouped by it.
//!
//! A cause is what API Gateway said (integration timeout, Lambda error, authorizer, WAF,
//! throttling, …), which function failed, and the function's own error: the `errorType` /
//! `errorMessage` of a JSON line, the first line of a Python `[ERROR]` line, `Task timed
//! out after …`, `Runtime.*` (REPORT `Error Type:`); else an error the function logged
//! (an ERROR-level line, the first line of a stack trace); else the message the execution
//! log quotes. Ids, UUIDs, hex, timestamps and numbers are masked, so the same bug in 400
//! requests is one cause. Pure: no AWS, no printing.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::analyze::failures::Failure;
use crate::analyze::trace::Trace;
use crate::core::model::{LogGroup, Source};

/// What failed, masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// API Gateway's side: `Lambda error`, `integration timeout`, `Lambda throttled`,
    /// `authorizer denied`, `authorizer error`, `WAF`, `throttled`, `configuration error`,
    /// or `status NNN` when nothing more is known.
    pub gateway: String,
    /// The function that failed (Lambda causes only).
    pub function: Option<String>,
    /// The function's error, masked (`KeyError: 'sku'`, `Task timed out after <n> seconds`).
    pub error: Option<String>,
}

impl Cause {
    /// The fingerprint: one line, the same for every request of the cause.
    pub fn key(&self) -> String {
        let mut s = self.gateway.clone();
        for part in [&self.function, &self.error].into_iter().flatten() {
            s.push_str(" · ");
            s.push_str(part);
        }
        s
    }
}

static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b").unwrap()
});
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?").unwrap()
});
/// Hex runs of 8+ characters with a digit (X-Ray ids, hashes), and 0x literals.
static HEX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b0x[0-9a-f]+\b|\b[0-9a-f]*\d[0-9a-f]*\b").unwrap());
static NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+(\.\d+)?").unwrap());

/// Mask what differs between requests of one cause: UUIDs, timestamps, hex, numbers.
pub fn mask(s: &str) -> String {
    let s = UUID.replace_all(s, "<id>");
    let s = TIMESTAMP.replace_all(&s, "<time>");
    let s = HEX.replace_all(&s, |c: &regex::Captures| {
        let m = &c[0];
        if m.len() >= 8 || m.to_ascii_lowercase().starts_with("0x") {
            "<hex>".to_string()
        } else {
            m.to_string()
        }
    });
    let s = NUMBER.replace_all(&s, "<n>");
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    s.chars().take(200).collect()
}

/// The function's error in one of its log lines, unmasked, if the line states one.
pub fn lambda_error(msg: &str) -> Option<String> {
    let m = msg.trim();
    // A JSON error object: the whole line (JSON log format) or after Node's tab prefix.
    let whole =
        m.starts_with('{') && (m.contains("\"errorType\"") || m.contains("\"errorMessage\""));
    let json = if whole {
        Some(m)
    } else {
        m.find("{\"errorType\"")
            .or_else(|| m.find("{\"errorMessage\""))
            .map(|at| &m[at..])
    };
    if let Some(v) = json.and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok()) {
        let t = v["errorType"].as_str();
        let e = v["errorMessage"].as_str().map(first_line);
        match (t, e) {
            (Some(t), Some(e)) if !e.is_empty() => return Some(format!("{t}: {e}")),
            (Some(t), _) => return Some(t.to_string()),
            (None, Some(e)) if !e.is_empty() => return lambda_error(e).or(Some(e.into())),
            _ => {}
        }
    }
    if let Some(at) = m.find("Task timed out after") {
        return Some(first_line(&m[at..]).to_string());
    }
    // Python's unhandled exception: `[ERROR] KeyError: 'sku'` then the traceback (the
    // logger's `[ERROR]\tts\tid\tmsg` is only a logged error: `logged_error`).
    if let Some(rest) = m.strip_prefix("[ERROR] ") {
        let text = first_line(rest);
        if !text.is_empty() {
            return Some(text.to_string());
        }
    }
    // REPORT … Status: error  Error Type: Runtime.OutOfMemory (text and JSON platform lines).
    if let Some(at) = m.find("Error Type: ") {
        let t = m[at + 12..].split(['\t', '\n', ' ']).next().unwrap_or("");
        if !t.is_empty() {
            return Some(t.to_string());
        }
    }
    if let Some(at) = m.find("\"errorType\":\"") {
        let t = m[at + 13..].split('"').next().unwrap_or("");
        if !t.is_empty() {
            return Some(t.to_string());
        }
    }
    if let Some(at) = m.find("Runtime.") {
        let t: String = m[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        if t.len() > "Runtime.".len() {
            return Some(t);
        }
    }
    None
}

/// An error the function logged (an ERROR-level line, or the first line of a stack trace),
/// when no line states how the invocation failed ([`lambda_error`]).
pub fn logged_error(msg: &str) -> Option<String> {
    let m = msg.trim();
    // Python logger `[ERROR]\tts\tid\tmsg`, Node `ts\tid\tERROR\tmsg`.
    let tabbed = m
        .strip_prefix("[ERROR]\t")
        .map(|r| r.splitn(3, '\t').nth(2).unwrap_or(r))
        .or_else(|| m.split_once("\tERROR\t").map(|(_, r)| r));
    if let Some(t) = tabbed.map(first_line).filter(|t| !t.is_empty()) {
        return Some(t.to_string());
    }
    // JSON log format: {"level":"ERROR","message":…}.
    if m.starts_with('{')
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(m)
        && v["level"]
            .as_str()
            .is_some_and(|l| l.eq_ignore_ascii_case("error"))
        && let Some(t) = v["message"]
            .as_str()
            .map(first_line)
            .filter(|t| !t.is_empty())
    {
        // A structured logger's record inside the message: its own message.
        return logged_error(t).or_else(|| Some(t.to_string()));
    }
    // A stack trace (Java `\tat …`, Node `    at …`): its first line.
    let mut lines = m.lines();
    let first = lines.next()?.trim();
    let next = lines.next()?.trim_start();
    (next.starts_with("at ") && !first.is_empty()).then(|| first.to_string())
}

fn first_line(s: &str) -> &str {
    s.trim().lines().next().unwrap_or("").trim()
}

/// The error in API Gateway's `Lambda execution failed … customer function error: MSG.
/// Lambda request id: ID` line, if a reason quotes one.
fn quoted_error(reasons: &[String]) -> Option<String> {
    reasons.iter().find_map(|r| {
        let (_, msg) = r.split_once("customer function error: ")?;
        let msg = msg.split(". Lambda request id:").next().unwrap_or(msg);
        let msg = msg.trim().trim_end_matches('.');
        (!msg.is_empty()).then(|| lambda_error(msg).unwrap_or_else(|| msg.to_string()))
    })
}

/// The fingerprint of a failing request, from its failure lines and (when linked) trace.
pub fn fingerprint(f: &Failure, t: Option<&Trace>, groups: &[LogGroup]) -> Cause {
    let has = |needle: &str| f.reasons.iter().any(|r| r.contains(needle));
    let facts = t.map(|t| &t.facts);
    let error_type = facts.and_then(|x| x.error_type.as_deref()).unwrap_or("");
    let failed_lambda = t.and_then(|t| {
        t.lambdas
            .iter()
            .find(|l| l.status != "success" && l.status != "unknown")
    });
    // The function's own error, from its lines (the failed invocation's first).
    let from_lines = t.and_then(|t| {
        let in_fn = |e: &&crate::core::model::Event| {
            groups
                .get(e.group)
                .is_some_and(|g| matches!(g.source, Source::Lambda))
        };
        let lines = || {
            t.events.iter().filter(in_fn).filter(|e| {
                failed_lambda.is_none_or(|l| {
                    groups[e.group].name == l.log_group
                        && (e.message.contains(&l.request_id) || !e.message.contains("RequestId:"))
                })
            })
        };
        lines()
            .find_map(|e| lambda_error(&e.message))
            .or_else(|| lines().find_map(|e| logged_error(&e.message)))
    });
    let error = from_lines
        .or_else(|| quoted_error(&f.reasons))
        .map(|e| mask(&e));
    let fn_name = |arn: &str| {
        arn.rsplit(':')
            .find(|p| !p.is_empty() && *p != "$LATEST")
            .map(String::from)
    };
    let function = failed_lambda
        .and_then(|l| l.function.clone())
        .or_else(|| t.and_then(|t| t.lambdas.first().and_then(|l| l.function.clone())))
        .or_else(|| {
            facts
                .and_then(|x| x.integration_function_arns.first())
                .and_then(|a| function_of_arn(a).or_else(|| fn_name(a)))
        });
    let authorizer_failed = t
        .and_then(|t| t.authorizer.as_ref())
        .is_some_and(|a| a.status != "success" && a.status != "unknown");
    let gateway = if facts.is_some_and(|x| x.lambda_throttled) {
        "Lambda throttled"
    } else if facts.is_some_and(|x| x.integration_timed_out)
        || error_type == "INTEGRATION_TIMEOUT"
        || has("due to a timeout error")
    {
        "integration timeout"
    } else if has("customer function error") || failed_lambda.is_some() {
        "Lambda error"
    } else if matches!(error_type, "UNAUTHORIZED" | "ACCESS_DENIED")
        || has("authorizer denied")
        || facts.and_then(|x| x.authorizer_result.as_deref()) == Some("denied")
    {
        "authorizer denied"
    } else if matches!(
        error_type,
        "AUTHORIZER_FAILURE" | "AUTHORIZER_CONFIGURATION_ERROR"
    ) || authorizer_failed
    {
        "authorizer error"
    } else if error_type == "WAF_FILTERED" || has("WAF") {
        "WAF"
    } else if matches!(error_type, "THROTTLED" | "QUOTA_EXCEEDED") || f.status == Some(429) {
        "throttled"
    } else if has("configuration error") {
        "configuration error"
    } else {
        ""
    };
    let lambda_side = matches!(
        gateway,
        "Lambda throttled" | "integration timeout" | "Lambda error"
    );
    let (gateway, error) = match gateway {
        "" => {
            // What the failure lines say, masked; else the status.
            let said = facts
                .and_then(|x| x.rejected.clone().or(x.error_message.clone()))
                .or_else(|| {
                    f.reasons
                        .iter()
                        .find(|r| !r.starts_with("status "))
                        .cloned()
                });
            let status = f.status.map_or("failed without a status".to_string(), |s| {
                format!("status {s}")
            });
            (status, said.map(|s| mask(&s)).or(error))
        }
        "configuration error" => (
            gateway.to_string(),
            f.reasons
                .iter()
                .find_map(|r| r.split_once("configuration error: ").map(|(_, m)| mask(m))),
        ),
        g => (
            g.to_string(),
            if lambda_side || authorizer_failed {
                error
            } else {
                None
            },
        ),
    };
    let function = if lambda_side {
        function
    } else if authorizer_failed {
        t.and_then(|t| t.authorizer.as_ref()?.function.clone())
    } else {
        None
    };
    Cause {
        gateway,
        function,
        error,
    }
}

/// The function name in an integration ARN (`…:function:NAME[:ALIAS]`).
fn function_of_arn(arn: &str) -> Option<String> {
    let (_, rest) = arn.split_once(":function:")?;
    let name = rest.split([':', '/']).next()?;
    (!name.is_empty()).then(|| name.to_string())
}

/// One cause and the failing requests that share it.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// The fingerprint ([`Cause::key`]).
    pub cause: String,
    #[serde(flatten)]
    pub parts: Cause,
    pub count: usize,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    pub routes: BTreeSet<String>,
    pub functions: BTreeSet<String>,
    pub statuses: BTreeSet<u16>,
    /// The most recent request of the group (its example).
    pub example_request_id: String,
}

/// Groups failing requests by cause as they come.
#[derive(Debug, Default)]
pub struct Grouper {
    groups: Vec<Group>,
    by_key: HashMap<String, usize>,
}

impl Grouper {
    /// Add one failing request; returns its group's index and whether the request is now
    /// the group's example (the most recent so far).
    pub fn add(&mut self, f: &Failure, t: Option<&Trace>, groups: &[LogGroup]) -> (usize, bool) {
        let cause = fingerprint(f, t, groups);
        let key = cause.key();
        let route = t
            .map(route_of)
            .unwrap_or_else(|| "(not linked)".to_string());
        let i = *self.by_key.entry(key.clone()).or_insert_with(|| {
            self.groups.push(Group {
                cause: key,
                parts: cause.clone(),
                count: 0,
                first_seen_ms: f.timestamp,
                last_seen_ms: i64::MIN,
                routes: BTreeSet::new(),
                functions: BTreeSet::new(),
                statuses: BTreeSet::new(),
                example_request_id: f.request_id.clone(),
            });
            self.groups.len() - 1
        });
        let g = &mut self.groups[i];
        g.count += 1;
        g.first_seen_ms = g.first_seen_ms.min(f.timestamp);
        g.routes.insert(route);
        if let Some(t) = t {
            for l in &t.lambdas {
                g.functions
                    .insert(l.function.clone().unwrap_or_else(|| l.log_group.clone()));
            }
        }
        if let Some(s) = f.status.or(t.and_then(|t| t.facts.status)) {
            g.statuses.insert(s);
        }
        let newest = f.timestamp >= g.last_seen_ms;
        if newest {
            g.last_seen_ms = f.timestamp;
            g.example_request_id = f.request_id.clone();
        }
        (i, newest)
    }

    /// The groups, the biggest first (then the most recent), with their indexes.
    pub fn finish(self) -> Vec<(usize, Group)> {
        let mut v: Vec<(usize, Group)> = self.groups.into_iter().enumerate().collect();
        v.sort_by(|(_, a), (_, b)| {
            b.count
                .cmp(&a.count)
                .then(b.last_seen_ms.cmp(&a.last_seen_ms))
                .then(a.cause.cmp(&b.cause))
        });
        v
    }
}

/// The route of a traced request: the API's template, else `METHOD path`.
pub fn route_of(t: &Trace) -> String {
    if let Some(r) = &t.facts.route {
        return r.clone();
    }
    match (&t.facts.method, &t.facts.path) {
        (Some(m), Some(p)) => format!("{m} {p}"),
        _ => "(no route logged)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real lines, from tests/data/realworld/corpus.jsonl (sources in SOURCES.md there).
    /// N1.5 (as the function logs it, N4.3 format).
    const REAL_TIMEOUT: &str = "2019-02-27T11:31:11.456Z 71952965-d5cc-4974-ae08-6e2138b2275c Task timed out after 10.00 seconds\n";
    /// C4.
    const REAL_OOM: &str = "REPORT RequestId: 806ab12b-e660-4a4a-8d9a-eee01e457f98\tDuration: 376256.59 ms\tBilled Duration: 376257 ms\tMemory Size: 10239 MB\tMax Memory Used: 10239 MB\tInit Duration: 551.73 ms\tStatus: error\tError Type: Runtime.OutOfMemory\n";
    /// N1.5, the execution log's line for the same timeout.
    const REAL_EXEC: &str = "Lambda execution failed with status 200 due to customer function error: 2019-02-27T11:31:11.456Z 71952965-d5cc-4974-ae08-6e2138b2275c Task timed out after 10.00 seconds. Lambda request id: 71952965-d5cc-4974-ae08-6e2138b2275c";

    #[test]
    fn real_lines_give_their_error() {
        assert_eq!(
            lambda_error(REAL_TIMEOUT).map(|e| mask(&e)).as_deref(),
            Some("Task timed out after <n> seconds")
        );
        assert_eq!(
            lambda_error(REAL_OOM).as_deref(),
            Some("Runtime.OutOfMemory")
        );
        // C3: an application's ERROR record (JSON log format), a logged error only.
        let c3 = "{\"timestamp\":\"2026-10-08T07:30:29.443Z\",\"level\":\"ERROR\",\"requestId\":\"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36\",\"message\":\"{\\\"level\\\":\\\"ERROR\\\",\\\"message\\\":\\\"Widget update failed\\\",\\\"component\\\":\\\"notifier\\\",\\\"event\\\":\\\"WidgetUpdateFailed\\\",\\\"error\\\":\\\"SecretUnavailableError\\\"}\"}";
        assert_eq!(lambda_error(c3), None);
        assert_eq!(logged_error(c3).as_deref(), Some("Widget update failed"));
        assert_eq!(
            quoted_error(&[REAL_EXEC.to_string()])
                .map(|e| mask(&e))
                .as_deref(),
            Some("Task timed out after <n> seconds")
        );
        // Not errors: START, a successful REPORT (real, N4.3).
        assert_eq!(
            lambda_error(
                "START RequestId: 57593f79-6e46-4a6f-91b1-f5d848cc2059 Version: $LATEST\n"
            ),
            None
        );
        assert_eq!(
            lambda_error(
                "REPORT RequestId: 57593f79-6e46-4a6f-91b1-f5d848cc2059\tDuration: 128.83 ms\tBilled Duration: 200 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\tInit Duration: 166.62 ms\tXRAY TraceId: 1-5d9d007f-0a8c7fd02xmpl480aed55ef0\tSegmentId: 3d752xmpl1bbe37e\tSampled: true\t\n"
            ),
            None
        );
    }

    #[test]
    fn synthetic_error_shapes() {
        // Synthetic lines in the documented shapes (aws-notes.md §4): JSON log format,
        // Node's `Invoke Error`, Python's unhandled exception.
        assert_eq!(
            lambda_error(r#"{"timestamp":"2026-12-06T01:00:00Z","log_level":"ERROR","errorMessage":"'sku'","errorType":"KeyError","requestId":"x","stackTrace":["a"]}"#).as_deref(),
            Some("KeyError: 'sku'")
        );
        assert_eq!(
            lambda_error("2026-12-06T01:00:00.000Z\t0f1e2d3c-0000-4000-8000-000000000001\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\",\"errorMessage\":\"Cannot read properties of undefined (reading 'id')\",\"stack\":[\"TypeError: x\"]}").as_deref(),
            Some("TypeError: Cannot read properties of undefined (reading 'id')")
        );
        assert_eq!(
            lambda_error("[ERROR] KeyError: 'sku'\nTraceback (most recent call last):\n  File \"/var/task/app.py\", line 21, in handler\n").as_deref(),
            Some("KeyError: 'sku'")
        );
        assert_eq!(lambda_error("[INFO] all good"), None);
        // Logged errors (synthetic, in the runtimes' documented formats): used only when
        // no line says how the invocation failed.
        assert_eq!(
            lambda_error(
                "[ERROR]\t2026-12-06T01:00:00.000Z\t0f1e2d3c-0000-4000-8000-000000000001\tdb timeout\n"
            ),
            None
        );
        assert_eq!(
            logged_error("[ERROR]\t2026-12-06T01:00:00.000Z\t0f1e2d3c-0000-4000-8000-000000000001\tdb timeout\n").as_deref(),
            Some("db timeout")
        );
        assert_eq!(
            logged_error("2026-12-06T01:00:00.000Z\t0f1e2d3c-0000-4000-8000-000000000001\tERROR\tTypeError: x is undefined\n    at handler (/var/task/index.js:3:9)\n").as_deref(),
            Some("TypeError: x is undefined")
        );
        assert_eq!(
            logged_error("java.lang.IllegalStateException: no stock\n\tat com.example.Handler.handleRequest(Handler.java:42)\n").as_deref(),
            Some("java.lang.IllegalStateException: no stock")
        );
        assert_eq!(logged_error("plain line\nsecond line"), None);
    }

    #[test]
    fn masking_makes_one_cause_of_many_requests() {
        let a = mask(
            "order 81f0c2d4-0000-4000-8000-00000000abcd failed at 2026-12-06T01:02:03.456Z after 1234 ms (trace 1-5d9d007f-0a8c7fd02a480aed55ef0a1b, 0xdeadbeef)",
        );
        let b = mask(
            "order 0f1e2d3c-1111-4111-8111-111111111111 failed at 2026-12-06T09:08:07Z after 7 ms (trace 1-6e9d007f-1b8c7fd02a480aed55ef0a1b, 0xcafe)",
        );
        assert_eq!(a, b);
        assert_eq!(
            a,
            "order <id> failed at <time> after <n> ms (trace <n>-<hex>-<hex>, <hex>)"
        );
        // Words are kept: the error's own text tells causes apart.
        assert_eq!(mask("KeyError: 'sku'"), "KeyError: 'sku'");
        assert_ne!(mask("KeyError: 'sku'"), mask("KeyError: 'price'"));
    }

    fn failure(id: &str, ts: i64, status: u16, reasons: &[&str]) -> Failure {
        Failure {
            request_id: id.into(),
            timestamp: ts,
            status: Some(status),
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            lines: None,
        }
    }

    #[test]
    fn unlinked_failures_group_by_what_api_gateway_said() {
        let mut g = Grouper::default();
        let exec2 = REAL_EXEC
            .replace(
                "71952965-d5cc-4974-ae08-6e2138b2275c",
                "11111111-d5cc-4974-ae08-6e2138b2275c",
            )
            .replace("11:31:11.456", "12:00:00.001");
        for (i, (id, r)) in [
            ("a", REAL_EXEC.to_string()),
            ("b", exec2),
            ("c", "Execution failed due to a timeout error".to_string()),
        ]
        .into_iter()
        .enumerate()
        {
            g.add(&failure(id, i as i64, 502, &["status 502", &r]), None, &[]);
        }
        g.add(&failure("d", 9, 503, &["status 503"]), None, &[]);
        let got: Vec<(String, usize, String)> = g
            .finish()
            .into_iter()
            .map(|(_, x)| (x.cause, x.count, x.example_request_id))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "Lambda error · Task timed out after <n> seconds".into(),
                    2,
                    "b".into()
                ),
                ("status 503".into(), 1, "d".into()),
                ("integration timeout".into(), 1, "c".into()),
            ]
        );
    }
}
