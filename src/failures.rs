//! `apitrace errors`: the requests of a window that failed — final status 5xx (4xx too
//! with `--include-4xx`), or an execution failure / Lambda error line — found from the
//! execution log (or, for APIs without one, the access log's status field), then each
//! traced as `apitrace trace` would.
//!
//! The server-side pattern only narrows what is downloaded; the decision is made here on
//! each line, so a server that ignores the pattern (the emulator) gives the same answer.

use std::collections::HashMap;

use crate::extract;
use crate::model::{Event, LogGroup, Source};

/// FilterLogEvents pattern for the execution log lines that decide.
pub const EXEC_PATTERN: &str = r#"?"Method completed with status" ?"Execution failed" ?"Lambda execution failed" ?"Unauthorized request""#;

/// One failing request.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub request_id: String,
    pub timestamp: i64,
    pub status: Option<u16>,
    /// What showed the failure, e.g. `status 502`, `Execution failed due to a timeout error`.
    pub reasons: Vec<String>,
}

/// Collects failing requests from execution or access lines.
#[derive(Debug, Default)]
pub struct Finder {
    include_4xx: bool,
    found: HashMap<String, Failure>,
    /// Requests that completed with a status we do not report (to drop their failure
    /// lines, e.g. a Lambda error mapped to 200 by the method response).
    ok: HashMap<String, u16>,
    /// Access lines that could not be read (counted, never silently skipped).
    pub unreadable: extract::Unreadable,
}

impl Finder {
    pub fn new(include_4xx: bool) -> Finder {
        Finder {
            include_4xx,
            ..Finder::default()
        }
    }

    fn failing(&self, status: u16) -> bool {
        status >= 500 || (self.include_4xx && status >= 400)
    }

    fn note(&mut self, rid: &str, ts: i64, status: Option<u16>, reason: String) {
        let f = self
            .found
            .entry(rid.to_string())
            .or_insert_with(|| Failure {
                request_id: rid.to_string(),
                timestamp: ts,
                status: None,
                reasons: Vec::new(),
            });
        f.timestamp = f.timestamp.min(ts);
        if status.is_some() {
            f.status = status;
        }
        if !f.reasons.contains(&reason) {
            f.reasons.push(reason);
        }
    }

    pub fn observe(&mut self, e: &Event, groups: &[LogGroup]) {
        match groups[e.group].source {
            Source::Execution => {
                let Some((rid, text)) = extract::exec_prefix(&e.message) else {
                    return;
                };
                if let Some(rest) = text.strip_prefix("Method completed with status: ") {
                    let Ok(status) = rest.trim().parse::<u16>() else {
                        return;
                    };
                    if self.failing(status) {
                        self.note(rid, e.timestamp, Some(status), format!("status {status}"));
                    } else {
                        self.ok.insert(rid.to_string(), status);
                    }
                } else if self.include_4xx && text.starts_with("Unauthorized request:") {
                    // An authorizer's deny may log no `Method completed` line.
                    self.note(
                        rid,
                        e.timestamp,
                        None,
                        "the authorizer denied the request".into(),
                    );
                } else if text.starts_with("Execution failed")
                    || text.starts_with("Lambda execution failed")
                {
                    let reason: String = text.chars().take(160).collect();
                    self.note(rid, e.timestamp, None, reason);
                }
            }
            Source::Access => {
                let Some(rec) = extract::parse_access(&e.message) else {
                    self.unreadable.note(&e.message);
                    return;
                };
                let Some(rid) = rec.request_id.clone().or(rec.extended_request_id.clone()) else {
                    return;
                };
                let reason = rec.rejection();
                match rec.status {
                    Some(status) if self.failing(status) => {
                        self.note(&rid, e.timestamp, Some(status), format!("status {status}"));
                        if let Some(r) = reason {
                            self.note(&rid, e.timestamp, Some(status), r);
                        }
                    }
                    Some(status) => {
                        self.ok.insert(rid, status);
                    }
                    // No status in the format: the execution log decides.
                    None => {}
                }
            }
            _ => {}
        }
    }

    /// The failing requests in time order.
    pub fn finish(mut self) -> Vec<Failure> {
        // A failure line whose request still completed with a status we do not report
        // (e.g. 200 through an error mapping) is not a failing request.
        let ok = std::mem::take(&mut self.ok);
        let mut v: Vec<Failure> = self
            .found
            .into_values()
            .filter(|f| f.status.is_some() || !ok.contains_key(&f.request_id))
            .collect();
        v.sort_by(|a, b| (a.timestamp, &a.request_id).cmp(&(b.timestamp, &b.request_id)));
        v
    }
}

/// Escape data for a GitHub Actions workflow command (`::error title=…::data`).
pub fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (`title=…`) of a workflow command.
pub fn gh_escape_property(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<LogGroup> {
        [Source::Execution, Source::Access]
            .into_iter()
            .map(|source| LogGroup {
                name: "g".into(),
                region: "r".into(),
                source,
                function: None,
                reasons: vec![],
                exists: Some(true),
            })
            .collect()
    }

    fn ev(group: usize, ts: i64, msg: &str) -> Event {
        Event {
            timestamp: ts,
            ingestion_time: ts,
            event_id: ts.to_string().into(),
            stream: "s".into(),
            message: msg.into(),
            group,
        }
    }

    #[test]
    fn finds_5xx_and_failures_and_4xx_on_request() {
        let g = groups();
        let lines = [
            ev(0, 1, "(a) Method completed with status: 200"),
            ev(
                0,
                2,
                "(b) Lambda execution failed with status 200 due to customer function error: boom. Lambda request id: x",
            ),
            ev(0, 3, "(b) Method completed with status: 502"),
            ev(0, 4, "(c) Execution failed due to a timeout error"),
            ev(0, 5, "(c) Method completed with status: 504"),
            ev(0, 6, "(d) Method completed with status: 401"),
            ev(0, 7, "(e) Execution failed due to configuration error: x"),
            ev(0, 8, "(e) Method completed with status: 200"),
            ev(1, 9, r#"{"requestId":"f","status":"503"}"#),
        ];
        let mut f = Finder::new(false);
        for l in &lines {
            f.observe(l, &g);
        }
        let got: Vec<(String, Option<u16>)> = f
            .finish()
            .into_iter()
            .map(|x| (x.request_id, x.status))
            .collect();
        assert_eq!(
            got,
            vec![
                ("b".into(), Some(502)),
                ("c".into(), Some(504)),
                ("f".into(), Some(503))
            ]
        );
        let mut f = Finder::new(true);
        for l in &lines {
            f.observe(l, &g);
        }
        assert_eq!(f.finish().len(), 4);
    }

    #[test]
    fn access_log_rejections_and_unreadable_lines() {
        let g = groups();
        let lines = [
            // Rejected before the integration: only the access log knows.
            ev(
                1,
                1,
                r#"{"requestId":"w","status":"403","error":{"responseType":"WAF_FILTERED"}}"#,
            ),
            // Not JSON (real shape, tests/data/realworld Z1), a 504.
            ev(
                1,
                2,
                r#"{"requestId": "t", "status": "504", "error_messageString": " "Endpoint request timed out"", "error_responseType": "INTEGRATION_TIMEOUT"}"#,
            ),
            ev(1, 3, r#"{"requestId":"ok","status":"200"}"#),
            ev(1, 4, "nothing to read here"),
            ev(0, 5, "(d) Unauthorized request: d"),
        ];
        let mut f = Finder::new(true);
        for l in &lines {
            f.observe(l, &g);
        }
        assert_eq!(f.unreadable.count, 1);
        let got: Vec<(String, Option<u16>, Vec<String>)> = f
            .finish()
            .into_iter()
            .map(|x| (x.request_id, x.status, x.reasons))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "w".into(),
                    Some(403),
                    vec![
                        "status 403".into(),
                        "blocked by AWS WAF (WAF_FILTERED)".into()
                    ]
                ),
                (
                    "t".into(),
                    Some(504),
                    vec![
                        "status 504".into(),
                        "the integration timed out (INTEGRATION_TIMEOUT)".into()
                    ]
                ),
                (
                    "d".into(),
                    None,
                    vec!["the authorizer denied the request".into()]
                ),
            ]
        );
    }

    #[test]
    fn github_escaping() {
        assert_eq!(gh_escape_data("a%b\nc\r"), "a%25b%0Ac%0D");
        assert_eq!(gh_escape_property("502 GET /a:b,c"), "502 GET /a%3Ab%2Cc");
    }
}
