//! Exit codes, user-facing errors with hints, warnings, and how AWS errors are described.
//!
//! The exit-code contract (also in the README; CI scripts depend on it):
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | success, with or without events; also when the reader closed the pipe (`\| head`) |
//! | 1 | runtime error (credentials, API or stage not found, …), or some log group failed while the rest printed |
//! | 2 | usage error: bad flag, bad TIME, start after end, bad region name, a number out of its bounds, an empty name, a bad config file |
//! | 129, 130, 143 | ended by SIGHUP, SIGINT (Ctrl-C), SIGTERM: Insights queries stopped, output flushed |
//!
//! Errors are printed once, in `main`, as `apitrace: error: …` plus an optional
//! `apitrace: hint: …` line. Warnings go to stderr as `apitrace: warning: …` as they happen.

use std::fmt;
use std::io::Write;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_INTERRUPTED: u8 = 130;
/// SIGTERM (128 + 15).
pub const EXIT_TERMINATED: u8 = 143;
/// SIGHUP (128 + 1).
pub const EXIT_HANGUP: u8 = 129;

/// An error the user can act on: a message, a hint, and the exit code it maps to.
#[derive(Debug)]
pub struct Hinted {
    pub message: String,
    pub hint: Option<String>,
    pub code: u8,
}

impl Hinted {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Hinted {
        Hinted {
            message: message.into(),
            hint: Some(hint.into()),
            code: EXIT_FAILURE,
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Hinted {
        Hinted {
            code: EXIT_USAGE,
            ..Hinted::new(message, hint)
        }
    }
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--quiet`: no warnings or notes from now on.
pub fn set_quiet(q: bool) {
    QUIET.store(q, std::sync::atomic::Ordering::Relaxed);
}

pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Where warnings, notes and errors go: stderr; in unit tests a per-thread buffer
/// ([`take_captured`]), so that a green `cargo test` prints no stray `apitrace: error:`
/// lines and tests can check what was said.
#[cfg(not(test))]
fn sink() -> std::io::StderrLock<'static> {
    std::io::stderr().lock()
}

#[cfg(test)]
fn sink() -> Captured {
    Captured
}

#[cfg(test)]
thread_local! {
    static CAPTURED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

#[cfg(test)]
struct Captured;

#[cfg(test)]
impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED.with(|c| c.borrow_mut().extend_from_slice(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What this thread's warnings, notes and errors said since the last call (unit tests).
#[cfg(test)]
pub fn take_captured() -> String {
    CAPTURED.with(|c| String::from_utf8_lossy(&std::mem::take(&mut *c.borrow_mut())).into_owned())
}

/// Print `apitrace: warning: …` on stderr (one line; errors writing stderr are ignored).
pub fn warn(msg: impl fmt::Display) {
    if quiet() {
        return;
    }
    crate::ui::progress::clear();
    let mut e = sink();
    let _ = writeln!(e, "apitrace: warning: {}", shown(&msg.to_string()));
}

/// Print `apitrace: note: …` on stderr: information that is not a problem.
pub fn note(msg: impl fmt::Display) {
    if quiet() {
        return;
    }
    crate::ui::progress::clear();
    let mut e = sink();
    let _ = writeln!(e, "apitrace: note: {}", shown(&msg.to_string()));
}

static WORKFLOW_COMMANDS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `errors --output github`: a GitHub runner reads stderr too, and runs a legacy
/// `##[command]` found anywhere in a line; from now on stderr lines never hold one.
pub fn set_workflow_commands(on: bool) {
    WORKFLOW_COMMANDS.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// A diagnostic as written to stderr: on one line, and neutralised like a terminal field
/// (it may quote AWS names, log text or a server's error text, and stderr is usually a
/// terminal, or a CI log that renders escape sequences), so it can never clear the
/// screen, set the title or the clipboard, or (under `--output github`) run a workflow
/// command.
pub fn shown(s: &str) -> String {
    let s = crate::core::text::sanitize_field(&one_line(s)).into_owned();
    if WORKFLOW_COMMANDS.load(std::sync::atomic::Ordering::Relaxed) {
        s.replace("##[", "# #[")
    } else {
        s
    }
}

/// Collapse whitespace runs with newlines so a message stays on one line.
pub fn one_line(s: &str) -> String {
    if !s.contains(['\n', '\r']) {
        return s.to_string();
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Print the error and return its exit code. A broken pipe anywhere in the chain is a
/// success that prints nothing (the reader, e.g. `head`, has what it wanted).
pub fn report(err: &anyhow::Error) -> u8 {
    if is_broken_pipe(err) {
        return EXIT_OK;
    }
    let (code, hint) = match err.downcast_ref::<Hinted>() {
        Some(h) => (h.code, h.hint.clone()),
        None => (EXIT_FAILURE, None),
    };
    crate::ui::progress::clear();
    let mut e = sink();
    let _ = writeln!(e, "apitrace: error: {}", shown(&format!("{err:#}")));
    if let Some(h) = hint {
        let _ = writeln!(e, "apitrace: hint: {}", shown(&h));
    }
    code
}

pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    // An io::Error may wrap a serde_json::Error that wraps the real io::Error (a writer
    // failing inside `serde_json::to_writer`): look through both.
    fn io_broken(io: &std::io::Error) -> bool {
        io.kind() == BrokenPipe
            || io
                .get_ref()
                .and_then(|e| e.downcast_ref::<serde_json::Error>())
                .is_some_and(|j| j.io_error_kind() == Some(BrokenPipe))
    }
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(io_broken)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(BrokenPipe))
    })
}

/// What went wrong in one AWS call, classified for retries and messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsFault {
    /// ThrottlingException and friends: slow down and retry.
    Throttled,
    /// 5xx, connection reset, timeout: retry a few times.
    Transient(String),
    /// The resource does not exist.
    NotFound(String),
    /// Credentials missing, expired or not allowed.
    Auth(String),
    /// Anything else the service said (InvalidParameterException, …): do not retry.
    Fatal(String),
}

/// Classify an SDK error. The message is the service's code and message, never the raw
/// response dump that `DisplayErrorContext` would give.
pub fn classify<E>(err: &SdkError<E, HttpResponse>) -> AwsFault
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let code = e.code().unwrap_or("");
            let msg = e.message().unwrap_or("");
            let text = if msg.is_empty() {
                code.to_string()
            } else if code.is_empty() {
                msg.to_string()
            } else {
                format!("{code}: {msg}")
            };
            let status = se.raw().status().as_u16();
            match code {
                "ThrottlingException"
                | "Throttling"
                | "ThrottledException"
                | "TooManyRequestsException"
                | "RequestLimitExceeded"
                | "RequestThrottledException" => AwsFault::Throttled,
                "ResourceNotFoundException" | "NotFoundException" => AwsFault::NotFound(text),
                "AccessDeniedException"
                | "AccessDenied"
                | "UnauthorizedOperation"
                | "UnrecognizedClientException"
                | "InvalidClientTokenId"
                | "ExpiredTokenException"
                | "ExpiredToken"
                | "InvalidSignatureException"
                | "SignatureDoesNotMatch" => AwsFault::Auth(text),
                _ if status >= 500 => AwsFault::Transient(if text.is_empty() {
                    format!("HTTP {status}")
                } else {
                    format!("{text} (HTTP {status})")
                }),
                _ if status == 429 => AwsFault::Throttled,
                _ if status == 403 => AwsFault::Auth(if text.is_empty() {
                    "access denied (HTTP 403)".into()
                } else {
                    text
                }),
                // A 2xx that could not be read as the service's answer (a proxy's HTML page,
                // a cut body): the next attempt will likely do better.
                _ if (200..300).contains(&status) => AwsFault::Transient(format!(
                    "an unreadable answer (HTTP {status}{})",
                    if text.is_empty() {
                        String::new()
                    } else {
                        format!(": {text}")
                    }
                )),
                _ => AwsFault::Fatal(if text.is_empty() {
                    format!("HTTP {status}")
                } else {
                    text
                }),
            }
        }
        SdkError::TimeoutError(_) => AwsFault::Transient("the call timed out".into()),
        SdkError::DispatchFailure(d) if d.is_user() => AwsFault::Fatal(source_text(err)),
        SdkError::DispatchFailure(_) => {
            AwsFault::Transient(format!("cannot reach the endpoint: {}", source_text(err)))
        }
        SdkError::ResponseError(_) => {
            AwsFault::Transient(format!("bad or interrupted response: {}", source_text(err)))
        }
        SdkError::ConstructionFailure(_) => {
            let text = source_text(err);
            if text.to_ascii_lowercase().contains("credential") {
                AwsFault::Auth(text)
            } else {
                AwsFault::Fatal(text)
            }
        }
        _ => AwsFault::Fatal(source_text(err)),
    }
}

/// An error and its sources, de-duplicated, on one line.
pub fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let s = one_line(&e.to_string());
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// The innermost useful sentence of an error chain, on one line.
fn source_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let s = e.to_string();
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    // The outer SDK layers say "dispatch failure", "service error": keep the last two.
    let n = parts.len();
    one_line(&parts[n.saturating_sub(2)..].join(": "))
}

impl AwsFault {
    /// The text shown to the user.
    pub fn text(&self) -> String {
        match self {
            AwsFault::Throttled => "throttled by AWS (Rate exceeded)".into(),
            AwsFault::Transient(s) | AwsFault::NotFound(s) | AwsFault::Fatal(s) => s.clone(),
            AwsFault::Auth(s) => s.clone(),
        }
    }

    /// A hint for errors that usually mean the credentials are wrong or missing.
    pub fn auth_hint(&self) -> Option<&'static str> {
        let AwsFault::Auth(s) = self else { return None };
        let s = s.to_ascii_lowercase();
        Some(
            if s.contains("sso") || s.contains("token") && s.contains("expired") {
                "the SSO session may have expired: run `aws sso login` (with --profile if you use one)"
            } else if s.contains("credential") || s.contains("no provider") {
                "no AWS credentials found: set AWS_PROFILE or pass --profile, or export \
             AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
            } else {
                "check the credentials and that they allow this call (logs:FilterLogEvents, \
             apigateway:GET, lambda:GetFunctionConfiguration)"
            },
        )
    }

    /// Turn into a user-facing error with `what` as context.
    pub fn into_error(self, what: &str) -> anyhow::Error {
        match self.auth_hint() {
            Some(h) => Hinted::new(format!("{what}: {}", self.text()), h).into(),
            None => anyhow::anyhow!("{what}: {}", self.text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipe_is_found_in_the_chain() {
        let io = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "pipe");
        let e = anyhow::Error::new(io).context("writing output");
        assert!(is_broken_pipe(&e));
        assert_eq!(report(&e), EXIT_OK);
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }

    /// A writer failing inside serde_json: the pipe error is inside a serde_json::Error,
    /// whether or not that was wrapped again in an io::Error.
    #[test]
    fn broken_pipe_inside_serde_json_is_found() {
        struct Closed;
        impl std::io::Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let j = || serde_json::to_writer(Closed, &vec![1, 2, 3]).unwrap_err();
        assert!(is_broken_pipe(&anyhow::Error::new(j())));
        let wrapped = std::io::Error::other(j());
        assert!(is_broken_pipe(
            &anyhow::Error::new(wrapped).context("writing")
        ));
        let other = std::io::Error::other(serde_json::from_str::<u8>("x").unwrap_err());
        assert!(!is_broken_pipe(&anyhow::Error::new(other)));
    }

    #[test]
    fn hinted_errors_keep_their_code() {
        let e: anyhow::Error = Hinted::usage("bad", "fix it").into();
        assert_eq!(report(&e), EXIT_USAGE);
        assert_eq!(
            take_captured(),
            "apitrace: error: bad\napitrace: hint: fix it\n"
        );
        let e: anyhow::Error = Hinted::new("bad", "fix it").into();
        assert_eq!(report(&e), EXIT_FAILURE);
        take_captured();
    }

    #[test]
    fn diagnostics_are_neutralised() {
        let evil =
            "group \u{1b}]52;c;cm0gLXJmIH4=\u{7} \u{1b}[2J\u{1b}]0;title\u{9c}\nnext\u{202e}";
        let s = shown(evil);
        assert!(
            !s.contains(|c: char| c.is_control() || c == '\u{202e}'),
            "{s:?}"
        );
        assert_eq!(
            s,
            "group \\u{1b}]52;c;cm0gLXJmIH4=\\u{7} \\u{1b}[2J\\u{1b}]0;title\\u{9c} next\\u{202e}"
        );
        assert_eq!(shown("x ##[add-mask]y"), "x ##[add-mask]y");
        set_workflow_commands(true);
        assert_eq!(shown("x ##[add-mask]y"), "x # #[add-mask]y");
        set_workflow_commands(false);
    }

    #[test]
    fn one_line_collapses_newlines() {
        assert_eq!(one_line("a\n  b\r\nc"), "a b c");
        assert_eq!(one_line("plain  text"), "plain  text");
    }
}
