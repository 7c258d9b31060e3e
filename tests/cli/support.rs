//! Test support: the emulator endpoint, seeded worlds, and an `apitrace` command with an
//! isolated environment (dummy keys, fixed region, no profile files, no IMDS, no colour
//! variables), as in xh's `get_command`; the loopback fake (`scripts/fakelogs.py`).
//!
//! Tests build their command lines with [`Cmd`]: `w.rest(&["get", "-o", "json"])` is
//! `apitrace get -o json --api-id <the REST API> --stage prod`, `.window()` adds the seeded
//! window, `.ok()` runs it and requires exit 0; `fake.cmd(&["get"])` points at the fake.

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The emulator's URL. Its absence is a failure, never a skip.
pub fn endpoint() -> String {
    match std::env::var("APITRACE_TEST_ENDPOINT") {
        Ok(e) if !e.is_empty() => e,
        _ => panic!(
            "\n\nThe AWS emulator is not running, so the integration tests cannot run.\n\
             Run the suite with `scripts/test.sh` (it installs moto into a local virtualenv, \
             starts it, runs `cargo test` and stops it),\n\
             or start `moto_server -H 127.0.0.1 -p PORT` yourself and set \
             APITRACE_TEST_ENDPOINT=http://127.0.0.1:PORT and APITRACE_TEST_PYTHON=<venv>/bin/python.\n\n"
        ),
    }
}

/// The emulator's venv Python (boto3 is there).
pub fn python() -> String {
    std::env::var("APITRACE_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Run Python code (`-c`) with the emulator's URL as its first argument, then `args`, and
/// the test keys; `what` names it if it fails.
pub fn python_c(script: &str, args: &[&str], what: &str) {
    let status = Command::new(python())
        .args(["-c", script, &endpoint()])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .status()
        .expect("run python");
    assert!(status.success(), "{what} failed");
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A seeded world: the manifest that scripts/world.py wrote.
pub struct World {
    pub m: Value,
}

impl World {
    /// Seed a new world with a unique prefix (`extra` = more world.py arguments).
    pub fn seed(name: &str, extra: &[&str]) -> World {
        static N: AtomicU32 = AtomicU32::new(0);
        let prefix = format!(
            "{name}{}x{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        World::seed_with("world.py", &prefix, extra)
    }

    /// Seed with `scripts/SCRIPT` (world.py, realworld.py), which writes the manifest.
    pub fn seed_with(script: &str, prefix: &str, extra: &[&str]) -> World {
        let out = std::env::temp_dir().join(format!("apitrace-{script}-{prefix}.json"));
        let status = Command::new(python())
            .arg(repo().join("scripts").join(script))
            .args(["--endpoint", &endpoint(), "--prefix", prefix, "--out"])
            .arg(&out)
            .args(extra)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .status()
            .unwrap_or_else(|e| {
                panic!("run scripts/{script} (is APITRACE_TEST_PYTHON the emulator's venv python?): {e}")
            });
        assert!(status.success(), "seeding the world with {script} failed");
        let m: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let _ = std::fs::remove_file(&out);
        World { m }
    }

    /// The world most tests share (seeded once per test binary).
    pub fn shared() -> &'static World {
        static W: OnceLock<World> = OnceLock::new();
        W.get_or_init(|| World::seed("shared", &[]))
    }

    pub fn rest_api(&self) -> &str {
        self.m["rest_api_id"].as_str().unwrap()
    }

    pub fn http_api(&self) -> &str {
        self.m["http_api_id"].as_str().unwrap()
    }

    pub fn prefix(&self) -> &str {
        self.m["prefix"].as_str().unwrap()
    }

    pub fn window(&self) -> (i64, i64) {
        (
            self.m["window"]["start_ms"].as_i64().unwrap(),
            self.m["window"]["end_ms"].as_i64().unwrap(),
        )
    }

    /// `--start`/`--end` arguments covering the seeded window (epoch ms).
    pub fn window_args(&self) -> Vec<String> {
        let (s, e) = self.window();
        vec![
            "--start".into(),
            (s - 1).to_string(),
            "--end".into(),
            (e + 60_000).to_string(),
        ]
    }

    pub fn events(&self) -> &Vec<Value> {
        self.m["events"].as_array().unwrap()
    }

    pub fn requests(&self) -> &Vec<Value> {
        self.m["requests"].as_array().unwrap()
    }

    /// Events of these groups inside the seeded window, as (group, stream, timestamp, message).
    pub fn expected(&self, groups: &[&str]) -> Vec<Tuple> {
        let (s, e) = self.window();
        let mut v: Vec<_> = self
            .events()
            .iter()
            .filter(|ev| !ev["old"].as_bool().unwrap_or(false))
            .filter(|ev| groups.contains(&ev["log_group"].as_str().unwrap()))
            .map(tuple)
            .filter(|t| t.2 >= s - 1 && t.2 <= e + 60_000)
            .collect();
        v.sort();
        v
    }

    /// Every log group of the REST API's `prod` stage (all exist in the world).
    pub fn rest_groups(&self) -> Vec<String> {
        let lg = &self.m["log_groups"];
        let mut v = vec![
            lg["execution"].as_str().unwrap().to_string(),
            lg["access"].as_str().unwrap().to_string(),
        ];
        for g in lg["lambda"].as_object().unwrap().values() {
            v.push(g.as_str().unwrap().to_string());
        }
        v
    }

    /// A log group of the manifest (`execution`, `access`, `http_access`).
    pub fn group(&self, key: &str) -> &str {
        self.m["log_groups"][key].as_str().unwrap()
    }

    /// The request ids of the REST API's failing requests (5xx, and 4xx with `include_4xx`).
    pub fn failing(&self, include_4xx: bool) -> BTreeSet<String> {
        self.requests()
            .iter()
            .filter(|r| r["api"] == "rest")
            .filter(|r| {
                let s = r["status"].as_u64().unwrap();
                s >= 500 || (include_4xx && s >= 400)
            })
            .map(|r| r["request_id"].as_str().unwrap().to_string())
            .collect()
    }

    /// `apitrace ARGS --api-id <the REST API> --stage prod`; `.window()` adds the seeded
    /// window.
    pub fn rest(&self, args: &[&str]) -> Cmd {
        self.stage(self.rest_api(), "prod", args)
    }

    /// `apitrace ARGS --api-id <the HTTP API> --stage $default`.
    pub fn http(&self, args: &[&str]) -> Cmd {
        self.stage(self.http_api(), "$default", args)
    }

    /// `apitrace ARGS --api-id API --stage STAGE`.
    pub fn stage(&self, api: &str, stage: &str, args: &[&str]) -> Cmd {
        Cmd::new(args)
            .args(["--api-id", api, "--stage", stage])
            .with_window(self.window_args())
    }
}

/// `apitrace` with an isolated environment pointed at the emulator.
pub fn apitrace() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_apitrace"));
    let home = std::env::temp_dir().join("apitrace-test-home");
    let _ = std::fs::create_dir_all(&home);
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_")
            || k == "NO_COLOR"
            || k == "CLICOLOR_FORCE"
            || k == "RUST_BACKTRACE"
            || k == "RUST_LOG"
        {
            c.env_remove(&k);
        }
    }
    c.env("HOME", &home)
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", endpoint())
        .env_remove("APITRACE_CONFIG")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("CI")
        .env("TERM", "xterm-256color");
    c
}

/// An `apitrace` command line being built ([`World::rest`], [`Fake::cmd`], [`Cmd::new`]),
/// then run: each test says only what differs.
pub struct Cmd {
    cmd: Command,
    /// `--start`/`--end` of the world or the fake, added by [`Cmd::window`].
    window: Vec<String>,
}

impl Cmd {
    /// `apitrace ARGS` in the isolated environment of [`apitrace()`].
    pub fn new(args: &[&str]) -> Cmd {
        let mut cmd = apitrace();
        cmd.args(args);
        Cmd {
            cmd,
            window: Vec::new(),
        }
    }

    fn with_window(mut self, window: Vec<String>) -> Cmd {
        self.window = window;
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Cmd {
        self.cmd.arg(arg);
        self
    }

    pub fn env(mut self, k: impl AsRef<OsStr>, v: impl AsRef<OsStr>) -> Cmd {
        self.cmd.env(k, v);
        self
    }

    pub fn env_remove(mut self, k: impl AsRef<OsStr>) -> Cmd {
        self.cmd.env_remove(k);
        self
    }

    /// The `--start`/`--end` of the seeded world (or of the fake's data).
    pub fn window(mut self) -> Cmd {
        assert!(!self.window.is_empty(), "this command has no window");
        self.cmd.args(&self.window);
        self
    }

    /// `--log-group G` for each group.
    pub fn log_groups(mut self, groups: &[&str]) -> Cmd {
        for g in groups {
            self.cmd.args(["--log-group", g]);
        }
        self
    }

    pub fn run(mut self) -> Run {
        run(&mut self.cmd)
    }

    /// Run, and require exit 0.
    pub fn ok(self) -> Run {
        let r = self.run();
        assert_eq!(r.code, 0, "stderr: {}", r.stderr);
        r
    }

    /// Run, failing the test after `limit` (see [`run_within`]).
    pub fn run_within(mut self, limit: Duration, what: &str) -> Run {
        run_within(&mut self.cmd, limit, what)
    }

    /// Run with stdout and stderr piped, not waited for.
    pub fn spawn(mut self) -> Child {
        spawn_piped(&mut self.cmd)
    }

    /// Follow its JSON lines (`get -o json --watch`/`--live`).
    pub fn follow(mut self) -> Follow {
        Follow::spawn(&mut self.cmd)
    }

    pub fn command(self) -> Command {
        self.cmd
    }
}

/// Start `cmd` with no stdin and stdout and stderr piped.
pub fn spawn_piped(cmd: &mut Command) -> Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run apitrace")
}

/// Send `signal` (`-INT`, `-TERM`…) to a running apitrace.
pub fn kill(signal: &str, child: &Child) {
    let _ = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status();
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as one JSON document (`-o json` of `trace`, `errors`, `summary`, `groups`).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

pub fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("run apitrace");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Run to the end, or kill it and fail after `limit` (a guard for behaviour that once
/// hung, not a timing assertion); `what` names the case in the failure.
pub fn run_within(cmd: &mut Command, limit: Duration, what: &str) -> Run {
    run_timed(cmd, limit, what).0
}

/// [`run_within`], and how long it took.
pub fn run_timed(cmd: &mut Command, limit: Duration, what: &str) -> (Run, Duration) {
    let t0 = Instant::now();
    let mut child = spawn_piped(cmd);
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{what}: apitrace still running after {limit:?}; stderr: {}",
                String::from_utf8_lossy(&err_t.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = t0.elapsed();
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(out_t.join().unwrap()).expect("stdout is UTF-8"),
        stderr: String::from_utf8(err_t.join().unwrap()).expect("stderr is UTF-8"),
    };
    (run, took)
}

/// Parse JSON Lines output.
pub fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// An event as (group, stream, timestamp, message).
pub type Tuple = (String, String, i64, String);

/// (group, stream, timestamp, message) of an event of apitrace's JSON or of the manifest.
pub fn tuple(e: &Value) -> Tuple {
    (
        e["log_group"].as_str().unwrap().to_string(),
        e["log_stream"].as_str().unwrap().to_string(),
        e["timestamp"].as_i64().unwrap(),
        e["message"].as_str().unwrap().to_string(),
    )
}

/// (group, stream, timestamp, message) of JSON Lines events, sorted.
pub fn tuples(events: &[Value]) -> Vec<Tuple> {
    let mut v: Vec<_> = events.iter().map(tuple).collect();
    v.sort();
    v
}

/// The `request_id`s of `errors -o json` (or any array of traces), in order.
pub fn request_ids(traces: &[Value]) -> Vec<String> {
    traces
        .iter()
        .map(|t| t["request_id"].as_str().unwrap().to_string())
        .collect()
}

/// Count of each element, for multiset comparisons with readable diffs.
#[allow(dead_code)]
pub fn counts<T: std::hash::Hash + Eq + Clone>(v: &[T]) -> HashMap<T, usize> {
    let mut m = HashMap::new();
    for x in v {
        *m.entry(x.clone()).or_insert(0) += 1;
    }
    m
}

/// Put events into a group (creating the group and stream if needed) through the emulator.
pub fn put_events(group: &str, stream: &str, events: &[(i64, &str)]) {
    let evs: Vec<serde_json::Value> = events
        .iter()
        .map(|(ts, m)| serde_json::json!({"timestamp": ts, "message": m}))
        .collect();
    let script = r#"
import boto3, json, sys
c = boto3.client("logs", endpoint_url=sys.argv[1], region_name="us-east-1")
group, stream, events = sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
for f, kw in ((c.create_log_group, {"logGroupName": group}),
              (c.create_log_stream, {"logGroupName": group, "logStreamName": stream})):
    try:
        f(**kw)
    except c.exceptions.ResourceAlreadyExistsException:
        pass
r = c.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
assert not r.get("rejectedLogEventsInfo"), r
"#;
    python_c(
        script,
        &[group, stream, &serde_json::to_string(&evs).unwrap()],
        "put_events",
    );
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A following `apitrace get -o json` (`--watch`, `--live`): its JSON lines as they come,
/// read by a thread, and Ctrl-C to end it.
pub struct Follow {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<Value>,
    pub got: Vec<Value>,
}

impl Follow {
    pub fn spawn(cmd: &mut Command) -> Follow {
        let mut child = spawn_piped(cmd);
        let out = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { return };
                if tx
                    .send(serde_json::from_str(&l).expect("JSON line"))
                    .is_err()
                {
                    return;
                }
            }
        });
        Follow {
            child,
            lines,
            got: Vec::new(),
        }
    }

    /// Read until `done(lines so far)` (or fail after `deadline`), then 1.5 s more to
    /// catch duplicates.
    pub fn until_with(&mut self, done: &dyn Fn(&[Value]) -> bool, what: &str, deadline: Duration) {
        let t0 = Instant::now();
        while !done(&self.got) {
            assert!(
                t0.elapsed() < deadline,
                "{what}: not printed within {deadline:?}; got {} lines",
                self.got.len()
            );
            if let Ok(v) = self.lines.recv_timeout(Duration::from_millis(100)) {
                self.got.push(v);
            }
        }
        let end = Instant::now() + Duration::from_millis(1500);
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            if let Ok(v) = self.lines.recv_timeout(left) {
                self.got.push(v);
            }
        }
    }

    /// Read until every message in `want` has been printed.
    pub fn until(&mut self, want: &[&str], deadline: Duration) {
        self.until_with(
            &|got| want.iter().all(|m| got.iter().any(|e| e["message"] == *m)),
            &format!("{want:?}"),
            deadline,
        );
    }

    pub fn count(&self, msg: &str) -> usize {
        self.got.iter().filter(|e| e["message"] == msg).count()
    }

    /// Ctrl-C, which must end it with exit 130: the lines printed and stderr.
    pub fn stop(mut self) -> (Vec<Value>, String) {
        let got = std::mem::take(&mut self.got);
        let (code, stderr) = self.interrupt();
        assert_eq!(code, Some(130), "{stderr}");
        (got, stderr)
    }

    /// Ctrl-C: the exit code and everything on stderr.
    pub fn interrupt(self) -> (Option<i32>, String) {
        kill("-INT", &self.child);
        let out = self.child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

// ---------------------------------------------------------------------------------------
// The fake (`scripts/fakelogs.py`)

/// How long a run against the fake may take before it counts as a hang.
pub const LIMIT: Duration = Duration::from_secs(120);

/// `scripts/fakelogs.py`, a loopback fake of CloudWatch Logs with fault knobs, on a port
/// of its own; killed on drop.
pub struct Fake {
    child: Child,
    /// Kept open so that the fake never writes to a closed pipe.
    _stdout: BufReader<std::process::ChildStdout>,
    port: u16,
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Fake {
    /// 3 groups × 3,000 events over 30 minutes, 500 a page; `args` add or override flags.
    pub fn start(args: &[&str]) -> Fake {
        Fake::with_span(30 * 60_000, args)
    }

    /// The same over `span_ms` (a short span packs many events into each millisecond).
    pub fn with_span(span_ms: i64, args: &[&str]) -> Fake {
        let start_ms = (now_ms() - 45 * 60_000) / 1000 * 1000;
        let end_ms = start_ms + span_ms;
        let python = python();
        let script = repo().join("scripts/fakelogs.py");
        let mut child = Command::new(&python)
            .arg(&script)
            .args([
                "--port", "0", "--seed", "7", "--groups", "3", "--events", "3000",
            ])
            .args(["--page-events", "500"])
            .args(["--start-ms", &start_ms.to_string()])
            .args(["--end-ms", &end_ms.to_string()])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {python} {}: {e}", script.display()));
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout
            .read_line(&mut line)
            .expect("read the fake's port line");
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            let _ = child.kill();
            panic!("the fake did not start ({e}): {line:?} (args {args:?})")
        });
        Fake {
            child,
            _stdout: stdout,
            port: v["port"].as_u64().unwrap() as u16,
            start_ms,
            end_ms,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `apitrace ARGS --endpoint-url <the fake>` (and AWS_ENDPOINT_URL); `.window()` adds
    /// the fake's data window.
    pub fn cmd(&self, args: &[&str]) -> Cmd {
        let url = self.url();
        Cmd::new(args)
            .env("AWS_ENDPOINT_URL", &url)
            .args(["--endpoint-url", &url])
            .with_window(vec![
                "--start".into(),
                self.start_ms.to_string(),
                "--end".into(),
                self.end_ms.to_string(),
            ])
    }

    /// One request to the fake's control API (HTTP/1.1, Connection: close).
    pub fn http(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to the fake");
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut resp = Vec::new();
        s.read_to_end(&mut resp).expect("read the fake's answer");
        let resp = String::from_utf8(resp).expect("UTF-8 from the fake");
        let (head, body) = resp.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(
            head.starts_with("HTTP/1.1 200"),
            "{method} {path}: {head}\n{body}"
        );
        serde_json::from_str(body).expect("JSON from the fake")
    }

    /// Zero the counters and the per-group fault state (call numbers, expired and repeated
    /// tokens), so the next run sees the same faults as the first.
    pub fn reset_stats(&self) {
        self.http("POST", "/_fake/reset-stats", None);
    }

    pub fn stats(&self) -> Value {
        self.http("GET", "/_fake/stats", None)
    }

    pub fn config(&self, knobs: Value) -> Value {
        self.http("POST", "/_fake/config", Some(&knobs))
    }

    /// Every event of `groups` as (group, stream, timestamp, message), in the service's
    /// order within each group.
    pub fn content(&self, groups: &[&str]) -> Vec<Tuple> {
        let mut out = Vec::new();
        for g in groups {
            for e in self.events(g) {
                out.push((
                    g.to_string(),
                    e["logStreamName"].as_str().unwrap().to_string(),
                    e["timestamp"].as_i64().unwrap(),
                    e["message"].as_str().unwrap().to_string(),
                ));
            }
        }
        out
    }

    /// Wait until the fake's counter `key` reaches `n` (e.g. Live Tail updates sent).
    pub fn wait_stat(&self, key: &str, n: u64, what: &str) {
        let t0 = Instant::now();
        while stat(self, key) < n {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "{what}: {}",
                self.stats()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Every event of `group`, in the service's order.
    pub fn events(&self, group: &str) -> Vec<Value> {
        match self.http("GET", &format!("/_fake/events?group={group}"), None) {
            Value::Array(v) => v,
            other => panic!("{other}"),
        }
    }

    /// `apitrace get -o json` on `groups` from the fake's window's start on, following
    /// (`extra` has `--watch` or `--live`).
    pub fn follow(&self, groups: &[&str], extra: &[&str]) -> Follow {
        self.cmd(&["get", "-o", "json"])
            .args(["--start", &self.start_ms.to_string()])
            .log_groups(groups)
            .args(extra)
            .follow()
    }

    /// [`Fake::follow`] with `how` (`--watch` or `--live`) polling every 300 ms, 500 ms
    /// behind, then `extra`.
    pub fn follow_fast(&self, groups: &[&str], how: &str, extra: &[&str]) -> Follow {
        let fast = [how, "--watch-interval", "300ms", "--watch-lag", "500ms"];
        self.follow(groups, &[&fast[..], extra].concat())
    }

    /// Append events to `group` (ingested now; needs --late-events).
    pub fn put_many(&self, group: &str, events: &[(i64, &str)]) {
        let events: Vec<Value> = events
            .iter()
            .map(|(ts, m)| json!({"timestamp": ts, "message": m, "logStreamName": "late"}))
            .collect();
        self.http(
            "POST",
            "/_fake/put",
            Some(&json!({"group": group, "events": events})),
        );
    }

    pub fn put(&self, group: &str, ts: i64, msg: &str) {
        self.put_many(group, &[(ts, msg)]);
    }

    /// `apitrace get -o json` on `groups` over the fake's window, killed after `limit`.
    pub fn get(&self, groups: &[&str], extra: &[&str], limit: Duration) -> (Run, Duration) {
        let mut cmd = self
            .cmd(&["get", "-o", "json"])
            .window()
            .log_groups(groups)
            .args(extra)
            .command();
        run_timed(&mut cmd, limit, "apitrace get against the fake")
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fake's counter `key`.
pub fn stat(fake: &Fake, key: &str) -> u64 {
    fake.stats()[key].as_u64().unwrap()
}
