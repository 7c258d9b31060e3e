//! The values that flow between the stages: log groups (what `resolve` finds) and events
//! (what `fetch` reads and `merge` orders). Kept apart from the stages so that each stage
//! depends only on these types, not on the others.

use std::fmt;

/// Why a log group is read: the `source` field of the JSON output and of `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Execution,
    Access,
    Authorizer,
    Lambda,
    Extra,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Execution => "execution",
            Source::Access => "access",
            Source::Lambda => "lambda",
            Source::Authorizer => "authorizer",
            Source::Extra => "extra",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<crate::cli::SourceArg> for Source {
    fn from(s: crate::cli::SourceArg) -> Source {
        use crate::cli::SourceArg as A;
        match s {
            A::Execution => Source::Execution,
            A::Access => Source::Access,
            A::Lambda => Source::Lambda,
            A::Authorizer => Source::Authorizer,
            A::Extra => Source::Extra,
        }
    }
}

/// One log group to read, with everything known about it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogGroup {
    pub name: String,
    /// The region whose CloudWatch Logs holds it (a function may live in another region).
    pub region: String,
    pub source: Source,
    /// The Lambda function (name, without qualifier) whose logs these are.
    pub function: Option<String>,
    /// Why it was chosen, e.g. `GET /users/{id} integration`.
    pub reasons: Vec<String>,
    /// Whether DescribeLogGroups found it; `None` when it was not checked (no permission,
    /// or another account).
    pub exists: Option<bool>,
}

impl LogGroup {
    /// The reason `resolve` gives a group of a function in another account (whose logs
    /// these credentials cannot read).
    pub fn other_account_reason(reason: &str, account: &str) -> String {
        format!("{reason}, account {account}")
    }

    /// A group of a function in another account: not checked, not read.
    pub fn in_other_account(&self) -> bool {
        self.reasons.iter().any(|r| r.contains(", account "))
    }
}

/// One log event, as FilterLogEvents returned it, plus the index of its group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub timestamp: i64,
    pub ingestion_time: i64,
    pub event_id: String,
    /// Shared by the events of one stream in a page (see `page.rs`).
    pub stream: std::sync::Arc<str>,
    pub message: String,
    /// Index into the run's `Vec<LogGroup>`.
    pub group: usize,
}

impl Event {
    /// The total order of the merged output: timestamp, ingestion time, event id, group.
    /// CloudWatch sorts within a page by (timestamp, ingestion time, PutLogEvents id); the
    /// event id and the group index make the order deterministic across groups.
    /// Event ids compare by length first so that numeric ids of different widths (the
    /// emulator's are small integers) order numerically; AWS's all have 56 digits.
    pub fn sort_key(&self) -> (i64, i64, usize, &str, usize) {
        (
            self.timestamp,
            self.ingestion_time,
            self.event_id.len(),
            &self.event_id,
            self.group,
        )
    }
}
