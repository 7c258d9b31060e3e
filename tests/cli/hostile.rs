//! Hostile data, odd inputs and signals (#16): log lines that carry GitHub workflow
//! commands or terminal escape sequences, unbounded inputs, signals. Each test puts the
//! hostile thing where it arrives in real life (a log line, an AWS name, a flag, a config
//! file, a signal) and checks what the user's machine sees.

use crate::support::*;

// ---------------------------------------------------------------------------------------
// GitHub workflow commands (`errors --output github`)

/// The workflow commands a GitHub runner would execute from this output, as its
/// `ActionCommandManager` reads lines: a line is split at `\n`, `\r` or `\r\n`; `::name …::`
/// after leading whitespace, else a legacy `##[name …]` anywhere in the line, for a known
/// command name (case-insensitive); after `::stop-commands::TOKEN` nothing runs until a
/// line that is the command `TOKEN`. Returns (name, line) of each executed command.
fn runner_commands(out: &str) -> Vec<(String, String)> {
    const KNOWN: [&str; 15] = [
        "error",
        "warning",
        "notice",
        "debug",
        "group",
        "endgroup",
        "add-mask",
        "set-output",
        "save-state",
        "stop-commands",
        "echo",
        "add-matcher",
        "remove-matcher",
        "set-env",
        "add-path",
    ];
    fn name_v2(line: &str) -> Option<(String, String)> {
        let t = line.trim_start().strip_prefix("::")?;
        let end = t.find("::")?;
        let info = &t[..end];
        let name = info.split(' ').next().unwrap_or("").to_ascii_lowercase();
        Some((name, t[end + 2..].to_string()))
    }
    fn name_legacy(line: &str) -> Option<(String, String)> {
        let i = line.find("##[")?;
        let rest = &line[i + 3..];
        let end = rest.find(']')?;
        let name = rest[..end]
            .split(' ')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Some((name, rest[end + 1..].to_string()))
    }
    let mut stop: Option<String> = None;
    let mut done = Vec::new();
    for line in out.split("\r\n").flat_map(|l| l.split(['\r', '\n'])) {
        let known = |n: &str| KNOWN.contains(&n) || stop.as_deref() == Some(n);
        let cmd = name_v2(line)
            .filter(|(n, _)| known(n))
            .or_else(|| name_legacy(line).filter(|(n, _)| known(n)));
        let Some((name, data)) = cmd else { continue };
        if let Some(token) = &stop {
            if name == *token {
                stop = None;
            }
            continue;
        }
        if name == "stop-commands" {
            stop = Some(data.to_ascii_lowercase());
        }
        done.push((name, line.to_string()));
    }
    done
}

#[test]
fn the_runner_model_executes_what_a_runner_would() {
    let out = "a\n::add-mask::x\r  ::ERROR::y\nz ##[warning]w\n::stop-commands::T1\n::error::no\n\
               ##[add-mask]no\n::t1::\n::notice::yes";
    let names: Vec<String> = runner_commands(out).into_iter().map(|c| c.0).collect();
    assert_eq!(
        names,
        ["add-mask", "error", "warning", "stop-commands", "notice"]
    );
}

/// A failing request whose lines carry workflow commands after newlines and carriage
/// returns, at column 0 and indented, in the v2 and the legacy syntax.
#[test]
fn errors_github_runs_no_workflow_command_from_a_log_line() {
    let w = World::shared();
    let exec = w.group("execution");
    let rid = "91c0ffee-0000-4000-8000-00000000dead";
    let t = now_ms() - 60_000;
    let evil = "\n::error title=All checks passed::pwned\n::add-mask::secret\n::endgroup::\n  \
                ::warning::indented\r::notice::after a CR\n##[add-mask]legacy\n::set-output name=x::y";
    let lines = [
        format!("({rid}) HTTP Method: GET, Resource Path: /a\n::add-mask::path,x:y"),
        format!("({rid}) Method request body before transformations: {{\"a\":\"{evil}\"}}"),
        format!("({rid}) Endpoint response body before transformations: {evil}"),
        format!("({rid}) Method completed with status: 502"),
    ];
    let events: Vec<(i64, &str)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (t + i as i64, l.as_str()))
        .collect();
    put_events(exec, "gh-inject", &events);
    let github = || {
        w.rest(&["errors", "-o", "github"])
            .args(["--start", &(t - 1).to_string()])
            .args(["--end", &(t + 10).to_string()])
    };
    let r = github().ok();
    let names: Vec<String> = runner_commands(&r.stdout)
        .iter()
        .map(|c| c.0.clone())
        .collect();
    assert_eq!(
        names,
        ["error", "group", "stop-commands", "endgroup"],
        "{}",
        r.stdout
    );
    let title = r.stdout.lines().next().unwrap();
    assert!(
        title.starts_with("::error title=502 GET /a%0A%3A%3Aadd-mask%3A%3Apath%2Cx%3Ay::request "),
        "{title}"
    );
    // The lines are all there, fenced, not dropped.
    // (Continuation lines of a multi-line message are indented under the prefix.)
    assert!(r.stdout.contains("::add-mask::secret\n"), "{}", r.stdout);
    assert!(r.stdout.contains("##[add-mask]legacy"), "{}", r.stdout);
    // The fence's token is fresh each run.
    let token = |s: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix("::stop-commands::"))
            .unwrap()
            .to_string()
    };
    let again = github().run();
    assert_ne!(token(&r.stdout), token(&again.stdout));
}

// ---------------------------------------------------------------------------------------
// Terminal escape sequences in fields other than the message

/// OSC 52 (write the clipboard), OSC 0 (set the title), CSI 2J (clear the screen), and a
/// C1 CSI: what a hostile name or log line carries.
const EVIL: &str = "\u{1b}]52;c;cm0gLXJmIH4K\u{7}\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m";

/// Run `cmd` with its stdout on a pseudo-terminal (raw mode, so bytes arrive unchanged);
/// stderr stays a pipe. Returns what it wrote.
fn on_a_terminal(cmd: &std::process::Command) -> Run {
    const PTY: &str = r#"
import os, pty, subprocess, sys, tty
m, s = pty.openpty()
tty.setraw(s)
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=s)
os.close(s)
out = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
code = p.wait()
sys.stdout.buffer.write(out)
sys.stdout.flush()
sys.exit(code if code >= 0 else 128 - code)
"#;
    let mut py = std::process::Command::new(python());
    py.args(["-c", PTY]);
    run(&mut wrap(py, cmd))
}

/// `outer` with `cmd` (its program and arguments) as its last arguments, in `cmd`'s
/// environment.
fn wrap(mut outer: std::process::Command, cmd: &std::process::Command) -> std::process::Command {
    outer.arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => outer.env(k, v),
            None => outer.env_remove(k),
        };
    }
    outer
}

/// Create, through the emulator, a REST and an HTTP API and their stages with hostile
/// names, and a log group whose stream name is hostile, holding one event at `ts`.
fn seed_hostile_names(prefix: &str, ts: i64) {
    let script = r#"
import boto3, sys
ep, prefix, evil, ts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
kw = dict(endpoint_url=ep, region_name="us-east-1")
ag, a2, logs = (boto3.client(s, **kw) for s in ("apigateway", "apigatewayv2", "logs"))
api = ag.create_rest_api(name=prefix + evil)["id"]
root = next(r["id"] for r in ag.get_resources(restApiId=api)["items"] if r["path"] == "/")
ag.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
ag.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
ag.create_deployment(restApiId=api, stageName="st" + evil)
h = a2.create_api(Name=prefix + "h" + evil, ProtocolType="HTTP")["ApiId"]
a2.create_stage(ApiId=h, StageName="s" + evil)
g = prefix + "-streams"
logs.create_log_group(logGroupName=g)
logs.create_log_stream(logGroupName=g, logStreamName="stream" + evil)
logs.put_log_events(logGroupName=g, logStreamName="stream" + evil,
                    logEvents=[{"timestamp": ts, "message": "a plain line"}])
"#;
    python_c(
        script,
        &[prefix, EVIL, &ts.to_string()],
        "seeding hostile names",
    );
}

/// Nothing that a terminal would act on: no C0 control but newline, no DEL, no C1, and
/// no escape sequence but apitrace's own colours (SGR, `ESC [ digits/; m`).
fn assert_inert(what: &str, s: &str) {
    let mut plain = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\u{1b}[") {
        plain.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let n = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[n..].starts_with('m') {
            rest = &after[n + 1..];
        } else {
            plain.push('\u{1b}');
            rest = &rest[i + 1..];
        }
    }
    plain.push_str(rest);
    let bad: Vec<char> = plain
        .chars()
        .filter(|&c| c != '\n' && c.is_control())
        .collect();
    assert!(bad.is_empty(), "{what}: {bad:?} in {s:?}");
}

#[test]
fn names_from_aws_and_logs_are_neutralised_on_a_terminal() {
    let w = World::shared();
    let prefix = format!("hostile{}", std::process::id());
    let t = now_ms() - 90_000;
    seed_hostile_names(&prefix, t);
    // A failing request whose path (the `errors` header, the `summary` route) is hostile.
    let exec = w.group("execution");
    let rid = "5e5e5e5e-0000-4000-8000-00000000beef";
    let lines = [
        format!("({rid}) HTTP Method: GET, Resource Path: /r{EVIL}"),
        format!("({rid}) Method completed with status: 503"),
    ];
    put_events(
        exec,
        &format!("{prefix}-exec"),
        &[(t, lines[0].as_str()), (t + 1, lines[1].as_str())],
    );
    let window = [
        "--start".to_string(),
        (t - 1).to_string(),
        "--end".into(),
        (t + 10).to_string(),
    ];
    let streams = format!("{prefix}-streams");
    let stage = |args: &[&str]| w.rest(args).args(&window).command();
    let runs: Vec<(&str, std::process::Command)> = vec![
        ("apis", Cmd::new(&["apis"]).command()),
        (
            "groups",
            Cmd::new(&["groups", "--log-group", &format!("g{EVIL}")]).command(),
        ),
        (
            "get",
            Cmd::new(&["get", "--log-group", &streams])
                .args(&window)
                .command(),
        ),
        ("errors", stage(&["errors"])),
        ("trace", stage(&["trace", rid])),
        ("summary", stage(&["summary"])),
    ];
    for (what, cmd) in runs {
        let r = on_a_terminal(&cmd);
        assert!(r.code == 0 || what == "groups", "{what}: {}", r.stderr);
        assert_inert(what, &r.stdout);
        assert_inert(what, &r.stderr);
        // Shown escaped, not dropped.
        let shown = r.stdout.clone() + &r.stderr;
        assert!(
            shown.contains(r"\u{1b}]52;c;cm0gLXJmIH4K\u{7}\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m"),
            "{what}: {shown}"
        );
    }
}

/// A loopback server that answers every request with `status` and a JSON error whose
/// message is `message` (for the service's error text echoed in warnings and errors).
/// Killed on drop.
pub(crate) struct Hostile {
    child: std::process::Child,
    pub(crate) url: String,
}

impl Hostile {
    pub(crate) fn start(status: u16, kind: &str, message: &str) -> Hostile {
        use std::io::BufRead;
        const SERVER: &str = r#"
import http.server, json, sys
status, kind, message = int(sys.argv[1]), sys.argv[2], sys.argv[3]
body = json.dumps({"__type": kind, "message": message}).encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;
        let mut child = std::process::Command::new(python())
            .args(["-c", SERVER, &status.to_string(), kind, message])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("run python");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Hostile {
            child,
            url: format!("http://127.0.0.1:{}", line.trim()),
        }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_servers_error_text_is_neutralised_on_stderr() {
    let server = Hostile::start(400, "AccessDeniedException", &format!("denied{EVIL}\nnext"));
    let r = run(apitrace().args([
        "get",
        "--log-group",
        "g",
        "--endpoint-url",
        &server.url,
        "--call-timeout",
        "5",
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_inert("stderr", &r.stderr);
    assert!(
        r.stderr.contains(
            r"denied\u{1b}]52;c;cm0gLXJmIH4K\u{7}\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m next"
        ),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------
// Signals

/// A loopback CloudWatch Logs whose Insights queries never finish: StartQuery answers
/// `q-1`, GetQueryResults always `Running`; it prints `StartQuery`, `GetQueryResults` and
/// `StopQuery <id>` on its stdout as they come. Killed on drop.
pub(crate) struct EndlessQueries {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    pub(crate) url: String,
}

impl EndlessQueries {
    pub(crate) fn start() -> EndlessQueries {
        use std::io::BufRead;
        const SERVER: &str = r#"
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        q = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        op = self.headers.get("X-Amz-Target", "").split(".")[-1]
        status, out = 200, {}
        if op == "DescribeLogGroups":
            name = q.get("logGroupNamePrefix", "g")
            out = {"logGroups": [{"logGroupName": name, "storedBytes": 1, "creationTime": 0,
                   "arn": "arn:aws:logs:us-east-1:123456789012:log-group:%s:*" % name}]}
        elif op == "StartQuery":
            out = {"queryId": "q-1"}
        elif op == "GetQueryResults":
            out = {"status": "Running", "results": [], "statistics": {}}
        elif op == "StopQuery":
            out = {"success": True}
            print("StopQuery " + q.get("queryId", ""), flush=True)
        else:
            status, out = 400, {"__type": "UnknownOperationException", "message": op}
        if op in ("StartQuery", "GetQueryResults"):
            print(op, flush=True)
        b = json.dumps(out).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;
        let mut child = std::process::Command::new(python())
            .args(["-c", SERVER])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("run python");
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut port = String::new();
        out.read_line(&mut port).unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for l in out.lines() {
                let Ok(l) = l else { return };
                if tx.send(l).is_err() {
                    return;
                }
            }
        });
        EndlessQueries {
            child,
            lines,
            url: format!("http://127.0.0.1:{}", port.trim()),
        }
    }

    /// Wait (up to a minute) for a line from the server.
    pub(crate) fn wait_for(&self, want: &str) -> bool {
        let end = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while let Some(left) = end.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(l) if l == want => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    }
}

impl Drop for EndlessQueries {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SIGTERM (CI cancellation, `timeout`) and SIGHUP end a run as Ctrl-C does: the running
/// Insights query is stopped (it would bill on), and the exit code says which signal.
#[test]
fn sigterm_and_sighup_stop_insights_queries_and_exit_143_and_129() {
    for (signal, code) in [("-TERM", 143), ("-HUP", 129), ("-INT", 130)] {
        let server = EndlessQueries::start();
        let child = Cmd::new(&[
            "get",
            "--log-group",
            "g",
            "--engine",
            "insights",
            "--start",
            "2h ago",
            "--endpoint-url",
            &server.url,
        ])
        .spawn();
        // Polled: the query is running and apitrace knows its id.
        assert!(
            server.wait_for("GetQueryResults"),
            "{signal}: no query started"
        );
        kill(signal, &child);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{signal}: {stderr}");
        assert!(
            server.wait_for("StopQuery q-1"),
            "{signal}: the query was not stopped"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

// ---------------------------------------------------------------------------------------
// Out-of-range numbers and odd inputs

/// Run with a deadline (so that a hang fails the test instead of blocking it).
fn run_bounded(cmd: &mut std::process::Command) -> Run {
    let what = format!("{:?}", cmd.get_args().collect::<Vec<_>>());
    run_within(cmd, std::time::Duration::from_secs(60), &what)
}

/// One `apitrace: error:` line naming `needle`, a hint, exit 2, no panic, nothing on stdout.
fn assert_usage_error(r: &Run, needle: &str, what: &str) {
    assert_eq!(r.code, 2, "{what}: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
    let errors: Vec<&str> = r.stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(errors.len(), 1, "{what}: {}", r.stderr);
    assert!(errors[0].contains(needle), "{what}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{what}: {}", r.stdout);
}

#[test]
fn every_number_flag_is_bounded_with_a_usage_error_not_a_panic_or_a_hang() {
    let get = [
        "get",
        "--log-group",
        "g",
        "--endpoint-url",
        "http://127.0.0.1:9",
    ];
    let follow = ["--watch", "--start", "1m"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--call-timeout", "1e30"], "--call-timeout"),
        (vec!["--call-timeout", "inf"], "--call-timeout"),
        (vec!["--call-timeout", "NaN"], "--call-timeout"),
        (vec!["--call-timeout", "0"], "--call-timeout"),
        (vec!["--throttle-budget", "1e30"], "--throttle-budget"),
        (vec!["--throttle-budget", "NaN"], "--throttle-budget"),
        (vec!["--max-tps", "1e-9"], "--max-tps"),
        (vec!["--max-tps", "1e30"], "--max-tps"),
        (
            [&follow[..], &["--watch-interval", "99999999999s"]].concat(),
            "--watch-interval",
        ),
        (
            [&follow[..], &["--watch-lag", "99999999999s"]].concat(),
            "--watch-lag",
        ),
    ];
    for (extra, flag) in cases {
        let r = run_bounded(apitrace().args(get).args(&extra));
        assert_usage_error(&r, flag, &format!("{extra:?}"));
    }
    // The AWS options of every command: `apis` too.
    let r = run_bounded(apitrace().args(["apis", "--call-timeout", "1e30"]));
    assert_usage_error(&r, "--call-timeout", "apis");
    let r = run_bounded(apitrace().args([
        "errors",
        "--api-id",
        "a",
        "--stage",
        "s",
        "--limit",
        "1000000000",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--limit"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------
// Secrets in --debug

#[test]
fn debug_output_redacts_a_password_in_the_endpoint_url() {
    let with_password = endpoint().replacen("://", "://usr:PASSWORD-do-not-print@", 1);
    for how in ["--endpoint-url", "AWS_ENDPOINT_URL"] {
        let mut cmd = apitrace();
        cmd.args(["--debug", "groups", "--log-group", "g"]);
        if how == "--endpoint-url" {
            cmd.args(["--endpoint-url", &with_password]);
        } else {
            cmd.env("AWS_ENDPOINT_URL", &with_password);
        }
        let r = run(&mut cmd);
        assert_eq!(r.code, 0, "{how}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("apitrace: debug: → POST http://<redacted>@127.0.0.1:"),
            "{how}: {}",
            r.stderr
        );
        assert!(
            !r.stderr.contains("PASSWORD"),
            "{how}: a password was printed: {}",
            r.stderr
        );
    }
}

/// `apitrace ARGS` started by `sh` with `redirect` applied to it (e.g. `>&-`), in the
/// environment of [`apitrace()`].
fn through_shell(redirect: &str, args: &[&str]) -> std::process::Command {
    let mut sh = std::process::Command::new("sh");
    sh.args(["-c", &format!("exec \"$0\" \"$@\" {redirect}")]);
    wrap(sh, &Cmd::new(args).command())
}

#[test]
fn a_closed_stdout_is_an_error_not_a_silent_success() {
    let w = World::shared();
    let exec = w.group("execution");
    let window = w.window_args();
    let mut args = vec!["get", "--log-group", exec];
    args.extend(window.iter().map(String::as_str));
    // `>&-`: the shell closes descriptor 1 before starting apitrace.
    let r = run_bounded(&mut through_shell(">&-", &args));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let errors: Vec<&str> = r.stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(
        errors,
        ["apitrace: error: standard output is closed: nothing could be printed"],
        "{}",
        r.stderr
    );
    // `> /dev/null` is not a closed stdout, nor is a /dev/null opened read-write (as
    // Python's subprocess.DEVNULL opens it), which is what the runtime puts in place of a
    // closed descriptor.
    for redirect in ["> /dev/null", "1<> /dev/null"] {
        let r = run_bounded(&mut through_shell(redirect, &args));
        assert_eq!(r.code, 0, "{redirect}: {}", r.stderr);
    }
}

fn config_file(name: &str, text: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("apitrace-{}-{name}.toml", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_bad_config_value_names_its_file_line_and_key() {
    for (text, key, needle) in [
        (
            "# mine\nmax-tps = \"fast\"\n",
            "max-tps",
            "invalid value `fast`",
        ),
        ("\n\nconcurrency = 0\n", "concurrency", "invalid value `0`"),
        ("color = \"purple\"\n", "color", "auto, always, never"),
        ("local = 5\n", "local", "expected true or false"),
        ("max_tps = 1e-9\n", "max_tps", "from 0.1 to 10000"),
    ] {
        let path = config_file(key, text);
        let line = text.lines().position(|l| l.starts_with(key)).unwrap() + 1;
        let r = run_bounded(apitrace().env("APITRACE_CONFIG", &path).args([
            "groups",
            "--log-group",
            "g",
        ]));
        let _ = std::fs::remove_file(&path);
        assert_usage_error(&r, &format!("{}:{line}: {key}: ", path.display()), text);
        assert!(r.stderr.contains(needle), "{text}: {}", r.stderr);
        assert!(!r.stderr.contains("--max-tps <"), "{text}: {}", r.stderr);
    }
}

#[test]
fn a_config_path_that_is_a_fifo_or_a_device_is_refused_at_once() {
    let fifo = std::env::temp_dir().join(format!("apitrace-{}-fifo", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for path in [fifo.as_path(), std::path::Path::new("/dev/zero")] {
        let r = run_bounded(apitrace().env("APITRACE_CONFIG", path).args([
            "groups",
            "--log-group",
            "g",
        ]));
        assert_usage_error(&r, "not a regular file", &path.display().to_string());
        assert!(
            r.stderr.contains(&path.display().to_string()),
            "{}",
            r.stderr
        );
    }
    let _ = std::fs::remove_file(&fifo);
    // A file too big to be a config file is not read into memory.
    let big = config_file("big", &"# padding\n".repeat(10_000));
    let r =
        run_bounded(
            apitrace()
                .env("APITRACE_CONFIG", &big)
                .args(["groups", "--log-group", "g"]),
        );
    let _ = std::fs::remove_file(&big);
    assert_usage_error(&r, "larger than 64 KiB", "big");
}

#[test]
fn empty_api_ids_and_stages_are_usage_errors() {
    for (args, flag) in [
        (
            vec!["get", "--api-id", "", "--stage", "prod"],
            "--api-id is empty",
        ),
        (
            vec!["groups", "--api-id", "abc", "--stage", ""],
            "--stage is empty",
        ),
        (
            vec!["errors", "--api-id", "abc", "--stage", ""],
            "--stage is empty",
        ),
        (
            vec!["trace", "r", "--api-id", " ", "--stage", "x"],
            "--api-id is empty",
        ),
        (
            vec!["summary", "--api-id", "a", "--stage", ""],
            "--stage is empty",
        ),
        (vec!["get", "--log-group", ""], "--log-group is empty"),
    ] {
        let r = run_bounded(apitrace().args(&args));
        assert_usage_error(&r, flag, &format!("{args:?}"));
        if flag.starts_with("--stage") {
            assert!(r.stderr.contains("--stage '$default'"), "{}", r.stderr);
        }
    }
}
