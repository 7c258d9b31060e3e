//! Test support: the emulator endpoint, seeded worlds, and an `apitrace` command with an
//! isolated environment (dummy keys, fixed region, no profile files, no IMDS, no colour
//! variables), as in xh's `get_command`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

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

fn python() -> String {
    std::env::var("APITRACE_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
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
        let out = std::env::temp_dir().join(format!("apitrace-world-{prefix}.json"));
        let status = Command::new(python())
            .arg(repo().join("scripts/world.py"))
            .args(["--endpoint", &endpoint(), "--prefix", &prefix, "--out"])
            .arg(&out)
            .args(extra)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .status()
            .expect("run scripts/world.py (is APITRACE_TEST_PYTHON the emulator's venv python?)");
        assert!(status.success(), "seeding the world failed");
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
    pub fn expected(&self, groups: &[&str]) -> Vec<(String, String, i64, String)> {
        let (s, e) = self.window();
        let mut v: Vec<_> = self
            .events()
            .iter()
            .filter(|ev| !ev["old"].as_bool().unwrap_or(false))
            .filter(|ev| groups.contains(&ev["log_group"].as_str().unwrap()))
            .map(|ev| {
                (
                    ev["log_group"].as_str().unwrap().to_string(),
                    ev["log_stream"].as_str().unwrap().to_string(),
                    ev["timestamp"].as_i64().unwrap(),
                    ev["message"].as_str().unwrap().to_string(),
                )
            })
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

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
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
pub fn run_within(cmd: &mut Command, limit: std::time::Duration, what: &str) -> Run {
    use std::io::Read;
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run apitrace");
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
    let t0 = std::time::Instant::now();
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
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(out_t.join().unwrap()).expect("stdout is UTF-8"),
        stderr: String::from_utf8(err_t.join().unwrap()).expect("stderr is UTF-8"),
    }
}

/// Parse JSON Lines output.
pub fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// (group, stream, timestamp, message) of JSON Lines events, sorted.
pub fn tuples(events: &[Value]) -> Vec<(String, String, i64, String)> {
    let mut v: Vec<_> = events
        .iter()
        .map(|e| {
            (
                e["log_group"].as_str().unwrap().to_string(),
                e["log_stream"].as_str().unwrap().to_string(),
                e["timestamp"].as_i64().unwrap(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
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
    let status = Command::new(python())
        .args([
            "-c",
            script,
            &endpoint(),
            group,
            stream,
            &serde_json::to_string(&evs).unwrap(),
        ])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .status()
        .expect("run python");
    assert!(status.success(), "put_events failed");
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
        use std::io::BufRead;
        let mut child = cmd
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run apitrace");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for l in std::io::BufReader::new(out).lines() {
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
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let out = self.child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}
