//! The values that flow between the stages: log groups (what `resolve` finds) and events
//! (what `fetch` reads and `merge` orders). Kept apart from the stages so that each stage
//! depends only on these types, not on the others.

use std::fmt;
use std::sync::atomic::AtomicU64;

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

/// One resource of a CloudFormation stack (`--stack`, #21), as ListStackResources gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackResource {
    /// The (nested) stack's name.
    pub stack: String,
    pub logical_id: String,
    /// An API id, a function name, a log group name, a stage name, a nested stack's ARN.
    pub physical_id: String,
    /// `AWS::Lambda::Function`, `AWS::ApiGateway::RestApi`, …
    pub kind: String,
}

/// DescribeLogGroups' `logGroupClass` of an Infrequent Access group.
pub const INFREQUENT_ACCESS: &str = "INFREQUENT_ACCESS";

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
    /// DescribeLogGroups' `logGroupClass` (`STANDARD`, `INFREQUENT_ACCESS`, `DELIVERY`),
    /// when it was checked.
    pub class: Option<String>,
}

#[cfg(test)]
impl LogGroup {
    /// A test group (every layer's tests build theirs from this): an existing group of
    /// `source` in us-east-1, `/aws/lambda/NAME` for a function's, else `g`.
    pub fn test(source: Source, function: Option<&str>) -> LogGroup {
        LogGroup {
            name: function.map_or("g".into(), |f| format!("/aws/lambda/{f}")),
            region: "us-east-1".into(),
            source,
            function: function.map(String::from),
            reasons: vec![],
            exists: Some(true),
            class: None,
        }
    }
}

impl LogGroup {
    /// The reason `resolve` gives a group in another account (a function's, or a
    /// `--log-group` ARN's), read by ARN through cross-account observability.
    pub fn other_account_reason(reason: &str, account: &str) -> String {
        format!("{reason}, account {account}")
    }

    /// Class `INFREQUENT_ACCESS`: FilterLogEvents refuses it ("FilterLogEvents is not
    /// supported for this log class", aws/karpenter-provider-aws#9567) and so does Live
    /// Tail; Logs Insights reads it (CloudWatch Logs "log classes" page).
    pub fn infrequent_access(&self) -> bool {
        self.class.as_deref() == Some(INFREQUENT_ACCESS)
    }

    /// A group in another account: its existence is not checked, and it is read by ARN.
    pub fn in_other_account(&self) -> bool {
        self.other_account().is_some()
    }

    /// The account of a group in another account (see [`Self::other_account_reason`]).
    pub fn other_account(&self) -> Option<&str> {
        self.reasons.iter().find_map(|r| {
            let (_, acct) = r.rsplit_once(", account ")?;
            (!acct.is_empty() && acct.bytes().all(|b| b.is_ascii_digit())).then_some(acct)
        })
    }

    /// How to name the group to FilterLogEvents (`logGroupIdentifier`), StartQuery
    /// (`logGroupIdentifiers`) and StartLiveTail: its ARN when it is in another account —
    /// in a CloudWatch cross-account observability monitoring account these calls accept
    /// a source account's log group ARN (aws-notes.md §5.1, §7) — else `None` (the name).
    pub fn cross_account_arn(&self) -> Option<String> {
        let account = self.other_account()?;
        let partition = if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        Some(format!(
            "arn:{partition}:logs:{}:{account}:log-group:{}",
            self.region, self.name
        ))
    }
}

/// One log event, as FilterLogEvents returned it, plus the index of its group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub timestamp: i64,
    pub ingestion_time: i64,
    pub event_id: Text,
    /// Shared by the events of one stream in a page (see `page.rs`).
    pub stream: std::sync::Arc<str>,
    pub message: Text,
    /// Index into the run's `Vec<LogGroup>`.
    pub group: usize,
}

#[cfg(test)]
impl Event {
    /// A test event (every layer's tests build theirs from this): group `group`, stream
    /// `s`, at `ts` and ingested then, with this id and message.
    pub fn test(group: usize, ts: i64, id: &str, message: &str) -> Event {
        Event {
            timestamp: ts,
            ingestion_time: ts,
            event_id: id.into(),
            stream: "s".into(),
            message: message.into(),
            group,
        }
    }
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

/// An event's text (message, event id): a slice of the page it came in, shared with the
/// page's other events, or an owned string (an unescaped message, or made here). Reads as
/// a `&str`.
#[derive(Clone, Default)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    /// Valid UTF-8 (checked when the page was parsed).
    Shared(bytes::Bytes),
    Owned(Box<str>),
}

impl Default for Repr {
    fn default() -> Repr {
        Repr::Owned(Box::from(""))
    }
}

impl Text {
    /// `s`, which lies inside `page`, without copying it.
    pub fn shared(page: &bytes::Bytes, s: &str) -> Text {
        Text(Repr::Shared(page.slice_ref(s.as_bytes())))
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        match &self.0 {
            // SAFETY: only made by `Text::shared` from a `&str`, so valid UTF-8.
            Repr::Shared(b) => unsafe { std::str::from_utf8_unchecked(b) },
            Repr::Owned(s) => s,
        }
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(Repr::Owned(s.into_boxed_str()))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(Repr::Owned(Box::from(s)))
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        **self == **other
    }
}
impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &**self == other
    }
}
impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &**self == *other
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (**self).hash(h)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

/// Counters for the run, shared by all tasks.
#[derive(Debug, Default)]
pub struct FetchStats {
    pub calls: AtomicU64,
    pub throttles: AtomicU64,
    pub events: AtomicU64,
    pub pages: AtomicU64,
    pub groups_done: AtomicU64,
    /// Extra slices cut from big groups' windows.
    pub slices: AtomicU64,
}
