#!/usr/bin/env python3
"""apitrace benchmarks (issue #10): apitrace against apilogs, awslogs, the AWS CLI and bare
pagers, on the moto emulator (S1), a simulated AWS with latency and a quota (S2) and a
zero-latency fake for client throughput (S3), plus `apitrace --help` start-up.

Run through bench/run.sh, which installs the tools, builds apitrace and starts moto; this
script only measures. Standard library only (the boto3 pager runs in the bench venv).

Every command is measured the same way: started with subprocess, its stdout read
incrementally into a file (lines counted, time to the first line noted) or sent to
/dev/null, and its wall time, user+sys CPU and peak RSS taken from os.wait4() (the
child's own rusage). For servers (moto, the fakes) the CPU they used during the run is
read from /proc/PID/stat before and after.
"""

import argparse
import builtins
import collections
import datetime
import json
import math
import os
import platform
import re
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TICK = os.sysconf("SC_CLK_TCK")
COMMANDS = []  # (scenario, label, argv) of everything measured, for BENCHMARKS.md
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


# ----------------------------------------------------------------------------- helpers

def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


def proc_cpu(pid):
    """user+sys CPU seconds of a running process (all its threads), or None."""
    if not pid:
        return None
    try:
        with open("/proc/%d/stat" % pid) as fh:
            f = fh.read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / TICK
    except (OSError, IndexError, ValueError):
        return None


def loadavg():
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def show_cmd(argv, env_extra=None):
    pre = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in (env_extra or {}).items())
    cmd = " ".join(shlex.quote(a) for a in argv)
    cmd = cmd.replace(sys.executable, "python3").replace(ROOT + "/", "").replace(os.path.expanduser("~"), "~")
    return (pre + " " + cmd).strip()


def run(argv, env, out=None, timeout=1800, server_pid=None, label=None, scenario=None, env_shown=None,
        stdin=subprocess.DEVNULL, err=None):
    """Run argv; stdout to the file `out` (read incrementally) or /dev/null (out=None).

    Returns wall, user, sys, cpu, rss_mib, lines, bytes, ttfl, rc, server_cpu."""
    if label:
        COMMANDS.append((scenario, label, show_cmd(argv, env_shown)))
    errf = open(err or (out or os.path.join(env["BENCH_OUT"], "devnull-run")) + ".stderr", "wb")
    # CPU and peak RSS from GNU time: a child forked from this (big) Python process would
    # report this process's RSS as its own peak (Linux keeps the pre-exec high-water mark).
    tfile = os.path.join(env["BENCH_OUT"], "time.out")
    timed = [TIME, "-f", "%e %U %S %M", "-o", tfile, "--"] + list(argv) if TIME else list(argv)
    s_cpu0 = proc_cpu(server_pid)
    t0 = time.perf_counter()
    # `> /dev/null` as a shell opens it: write-only (apitrace takes the read-write /dev/null
    # of subprocess.DEVNULL for a stdout closed with `>&-`, which the Rust runtime replaces so).
    sink = None if out else open(os.devnull, "wb")
    p = subprocess.Popen(timed, stdin=stdin, stdout=subprocess.PIPE if out else sink,
                         stderr=errf, env=env)
    killed = []

    def kill():
        killed.append(True)
        try:
            os.kill(p.pid, signal.SIGKILL)
        except OSError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    lines = nbytes = 0
    ttfl = None
    if out:
        fd = p.stdout.fileno()
        with open(out, "wb") as fh:
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                if ttfl is None and b"\n" in chunk:
                    ttfl = time.perf_counter() - t0
                lines += chunk.count(b"\n")
                nbytes += len(chunk)
                fh.write(chunk)
        p.stdout.close()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    timer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    errf.close()
    if sink:
        sink.close()
    s_cpu1 = proc_cpu(server_pid)
    user, sys_, rss_kib = ru.ru_utime, ru.ru_stime, ru.ru_maxrss
    if TIME:
        try:
            _, user, sys_, rss_kib = open(tfile).read().strip().splitlines()[-1].split()
            user, sys_, rss_kib = float(user), float(sys_), int(rss_kib)
        except (OSError, ValueError, IndexError):
            log("could not read %s" % tfile)
    r = {
        "wall": wall, "user": user, "sys": sys_, "cpu": user + sys_,
        "rss_mib": rss_kib / 1024.0, "lines": lines if out else None, "bytes": nbytes if out else None,
        "ttfl": ttfl, "rc": p.returncode, "timeout": bool(killed),
        "server_cpu": (s_cpu1 - s_cpu0) if s_cpu0 is not None and s_cpu1 is not None else None,
    }
    if r["rc"] != 0:
        tail = open(errf.name, "rb").read()[-600:].decode("utf-8", "replace")
        log("%s exited %s%s; stderr tail:\n%s" % (label or argv[0], r["rc"], " (TIMEOUT)" if killed else "", tail))
    return r


def median_run(results):
    """The run with the median wall time (its own CPU/RSS/etc. go with it)."""
    s = sorted(results, key=lambda r: r["wall"])
    m = dict(s[(len(s) - 1) // 2])
    m["walls"] = [round(r["wall"], 3) for r in results]
    return m


def http_json(url, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def msg_lines(message):
    """The output lines one event's message becomes. Empty lines and trailing blanks are not
    compared (awslogs strips them)."""
    return [l.rstrip() for l in message.split("\n") if l.strip()]


def compare_lines(expected, path, strip_prefix=None):
    """Multiset comparison of the non-empty lines of `path` with `expected` (a Counter)."""
    got = collections.Counter()
    with open(path, "rb") as fh:
        for raw in fh:
            line = raw.decode("utf-8", "replace").rstrip()
            if strip_prefix:
                line = strip_prefix(line)
            if line:
                got[line] += 1
    missing = sum((expected - got).values())
    extra = sum((got - expected).values())
    return {"missing": missing, "extra": extra, "exact": missing == 0 and extra == 0}


def start_server(argv, env, cpu=None):
    """Start a fake that prints {"port": P, ...} on its first stdout line."""
    if cpu is not None:
        argv = ["taskset", "-c", str(cpu)] + argv
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    line = p.stdout.readline()
    if not line:
        raise SystemExit("bench: %s did not start: %s" % (argv, p.stderr.read().decode()[-2000:]))
    info = json.loads(line)
    info["proc"] = p
    return info


def stop_server(info):
    p = info["proc"]
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def f(x, nd=2, unit=""):
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    if isinstance(x, int):
        return "{:,}".format(x) + unit
    if nd == 0:
        return "{:,.0f}".format(x) + unit
    return ("%." + str(nd) + "f%s") % (x, unit)


def table(headers, rows):
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def verdict(ok):
    return "**PASS**" if ok else "**MISS**"


def row(name, r, extra=None):
    """A standard table row: wall, CPU, RSS, lines, first line, then `extra`."""
    walls = r.get("walls")
    wall = f(r["wall"]) + (" (%s)" % ", ".join("%.2f" % w for w in walls) if walls and len(walls) > 1 else "")
    if r.get("timeout"):
        wall += " TIMEOUT"
    elif r.get("rc"):
        wall += " (exit %s)" % r["rc"]
    return [name, wall, f(r["cpu"]), f(r["rss_mib"], 1), f(r.get("lines")), f(r.get("ttfl"))] + (extra or [])


# ----------------------------------------------------------------------------- setup

class Ctx:
    def __init__(self, a):
        self.a = a
        self.quick = a.quick
        self.bin = a.bin
        self.venv = a.bench_venv
        self.out = a.out
        self.reps = a.reps if a.reps else (1 if a.quick else 3)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
            env.pop(k, None)
        env.update({
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.path.join(a.out, "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(a.out, "no-aws-credentials"),
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            "PYTHONWARNINGS": "ignore", "BENCH_OUT": a.out, "NO_COLOR": "1",
        })
        env.pop("RUST_LOG", None)
        self.env = env
        self.results = {"mode": "quick" if a.quick else "full", "reps": self.reps}

    def tool(self, name):
        return os.path.join(self.venv, "bin", name)

    def path(self, name):
        return os.path.join(self.out, name)


def machine_info(ctx):
    info = {"nproc": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version()}
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                info["mem_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    info["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    info["load_start"] = loadavg()

    def cmd(argv, cwd=ROOT):
        try:
            return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=30).stdout.strip()
        except OSError:
            return ""

    info["git"] = cmd(["git", "rev-parse", "--short", "HEAD"])
    dirty = cmd(["git", "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"])
    info["dirty"] = [l[3:] for l in dirty.splitlines()]
    info["rustc"] = cmd(["rustc", "--version"])
    info["apitrace"] = cmd([ctx.bin, "--version"])
    freeze = cmd([ctx.tool("python"), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"])
    try:
        pk = {p["name"].lower(): p["version"] for p in json.loads(freeze)}
    except ValueError:
        pk = {}
    info["tools"] = {k: pk.get(k) for k in ("apilogs", "awslogs", "awscli", "boto3", "botocore", "setuptools")}
    info["moto"] = cmd([ctx.a.emu_python, "-c", "import moto; print(moto.__version__)"])
    info["bin_bytes"] = os.path.getsize(ctx.bin)
    return info


# ----------------------------------------------------------------------------- S1

def s1(ctx):
    a = ctx.a
    endpoint = "http://127.0.0.1:%d" % a.moto_port
    requests, noise = (330, 4) if ctx.quick else (3300, 20)
    manifest_path = ctx.path("s1-manifest.json")
    log("S1: seeding a world (--requests %d --noise %d) into moto on %s" % (requests, noise, endpoint))
    t0 = time.perf_counter()
    seed_cmd = [a.emu_python, os.path.join(ROOT, "scripts", "world.py"), "--endpoint", endpoint,
                "--requests", str(requests), "--noise", str(noise), "--prefix", "bench", "--out", manifest_path]
    COMMANDS.append(("S1", "seed", show_cmd(seed_cmd)))
    subprocess.run(seed_cmd, check=True, env=ctx.env, stdout=subprocess.DEVNULL)
    seed_s = time.perf_counter() - t0
    m = json.load(open(manifest_path))
    api, stage = m["rest_api_id"], m["stage"]
    region = m["region"]
    # the groups behind the REST stage: execution, access, every function (in its region)
    groups = [(region, m["log_groups"]["execution"]), (region, m["log_groups"]["access"])]
    for fn, g in sorted(m["log_groups"]["lambda"].items()):
        groups.append((m["function_regions"][fn], g))
    exec_group = m["log_groups"]["execution"]
    start_s = m["window"]["start_ms"] // 1000
    end_s = -(-m["window"]["end_ms"] // 1000)
    lo, hi = start_s * 1000, end_s * 1000
    wanted = {g for _, g in groups}
    per_group = collections.Counter()
    expected = collections.Counter()
    exp_by_group = collections.defaultdict(collections.Counter)
    for e in m["events"]:
        if e["log_group"] in wanted and lo <= e["timestamp"] <= hi:
            per_group[e["log_group"]] += 1
            for l in msg_lines(e["message"]):
                expected[l] += 1
                exp_by_group[e["log_group"]][l] += 1
    total = sum(per_group.values())
    log("S1: %d events in the stage's %d groups (execution log %d); %d in the manifest"
        % (total, len(groups), per_group[exec_group], len(m["events"])))
    res = {"seed_s": seed_s, "events": total, "manifest_events": len(m["events"]),
           "per_group": dict(per_group), "groups": ["%s:%s" % g for g in groups], "api_id": api,
           "window": [start_s, end_s]}
    env = dict(ctx.env)
    env_url = dict(env, AWS_ENDPOINT_URL=endpoint)

    # what apitrace resolves, for the record
    gr = subprocess.run([ctx.bin, "groups", "--api-id", api, "--stage", stage, "-o", "json", "--endpoint-url",
                         endpoint], capture_output=True, text=True, env=env)
    try:
        resolved = sorted(x["log_group"] for x in json.loads(gr.stdout) if x.get("exists") is not False)
    except ValueError:
        resolved = []
    res["apitrace_groups"] = resolved
    res["groups_match"] = sorted(wanted) == resolved

    naive = lambda s: datetime.datetime.fromtimestamp(s, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    t_start, t_end = naive(start_s), naive(end_s)
    runs = {}

    # apitrace, whole stage
    argv = [ctx.bin, "get", "--api-id", api, "--stage", stage, "--start", str(start_s), "--end", str(end_s),
            "-G", "-S", "--endpoint-url", endpoint]
    rs = []
    for i in range(ctx.reps):
        log("S1: apitrace get (run %d/%d)" % (i + 1, ctx.reps))
        out = ctx.path("s1-apitrace.out")
        r = run(argv, env, out, server_pid=a.moto_pid, label="apitrace get, whole stage" if i == 0 else None,
                scenario="S1")
        # apitrace indents a multi-line message's continuation lines by two spaces (under
        # its prefix, here empty): take them off to compare with the seeded lines.
        r.update(compare_lines(expected, out, strip_prefix=lambda l: l[2:] if l.startswith("  ") else l))
        rs.append(r)
    runs["apitrace"] = median_run(rs)

    # bare sequential pager (boto3)
    argv = [ctx.tool("python"), os.path.join(HERE, "pager.py"), "--endpoint", endpoint, "--start-ms", str(lo),
            "--end-ms", str(hi)] + sum((["--group", "%s:%s" % g] for g in groups), [])
    rs = []
    for i in range(ctx.reps):
        log("S1: bare pager (run %d/%d)" % (i + 1, ctx.reps))
        err = ctx.path("s1-pager.stderr")
        r = run(argv, env, None, server_pid=a.moto_pid, label="bare sequential pager (boto3)" if i == 0 else None,
                scenario="S1", err=err)
        try:
            r["pager"] = json.loads(open(err).read().strip().splitlines()[-1])
        except (ValueError, IndexError):
            r["pager"] = None
        rs.append(r)
    runs["pager"] = median_run(rs)
    pg = runs["pager"].get("pager") or {}
    res["pages"] = pg.get("pages")
    res["pages_by_group"] = {k: v["pages"] for k, v in (pg.get("groups") or {}).items()}

    # apilogs
    log("S1: apilogs get")
    out = ctx.path("s1-apilogs.out")
    argv = [ctx.tool("apilogs"), "get", "--api-id", api, "--stage", stage, "-s", t_start, "-e", t_end, "-G", "-S",
            "--no-color"]
    r = run(argv, env_url, out, server_pid=a.moto_pid, label="apilogs get", scenario="S1",
            env_shown={"AWS_ENDPOINT_URL": endpoint})
    r.update(compare_lines(expected, out))
    runs["apilogs"] = r

    # awslogs, each group in turn; then the execution group alone
    def awslogs(g_region, g, out, label):
        argv = [ctx.tool("awslogs"), "get", g, "ALL", "-s", t_start, "-e", t_end, "-G", "-S", "--no-color",
                "--aws-endpoint-url", endpoint, "--aws-region", g_region]
        return run(argv, env, out, server_pid=a.moto_pid, label=label, scenario="S1")

    parts = []
    for i, (g_region, g) in enumerate(groups):
        log("S1: awslogs get %s" % g)
        out = ctx.path("s1-awslogs-%d.out" % i)
        r = awslogs(g_region, g, out, "awslogs get GROUP ALL (each group in turn)" if i == 0 else None)
        r.update(compare_lines(exp_by_group[g], out))
        r["group"] = g
        parts.append(r)
    runs["awslogs_all"] = combine(parts)
    log("S1: awslogs get (execution group only)")
    out = ctx.path("s1-awslogs-exec.out")
    r = awslogs(region, exec_group, out, "awslogs get EXECUTION-GROUP ALL")
    r.update(compare_lines(exp_by_group[exec_group], out))
    runs["awslogs_exec"] = r

    # AWS CLI v1, each group in turn (JSON output, as it prints by default)
    parts = []
    for i, (g_region, g) in enumerate(groups):
        log("S1: aws logs filter-log-events %s" % g)
        out = ctx.path("s1-awscli-%d.json" % i)
        argv = [ctx.tool("aws"), "--endpoint-url", endpoint, "--region", g_region, "logs", "filter-log-events",
                "--log-group-name", g, "--start-time", str(lo), "--end-time", str(hi), "--interleaved"]
        r = run(argv, env, out, server_pid=a.moto_pid,
                label="aws logs filter-log-events (each group in turn)" if i == 0 else None, scenario="S1")
        try:
            evs = json.load(open(out)).get("events", [])
        except ValueError:
            evs = []
        got = collections.Counter(l for e in evs for l in msg_lines(e["message"]))
        r["events"] = len(evs)
        r["missing"] = sum((exp_by_group[g] - got).values())
        r["extra"] = sum((got - exp_by_group[g]).values())
        r["exact"] = r["missing"] == 0 and r["extra"] == 0
        r["group"] = g
        parts.append(r)
    runs["awscli_all"] = combine(parts)
    res["runs"] = runs
    return res


def combine(parts):
    """Sequential runs (one per group) as one: times add up, RSS is the max."""
    r = {"wall": sum(p["wall"] for p in parts), "cpu": sum(p["cpu"] for p in parts),
         "rss_mib": max(p["rss_mib"] for p in parts),
         "lines": sum(p["lines"] or 0 for p in parts), "ttfl": parts[0]["ttfl"],
         "missing": sum(p.get("missing", 0) for p in parts), "extra": sum(p.get("extra", 0) for p in parts),
         "rc": max(p["rc"] for p in parts), "timeout": any(p["timeout"] for p in parts),
         "server_cpu": sum(p["server_cpu"] or 0 for p in parts),
         "parts": [{k: p.get(k) for k in ("group", "wall", "cpu", "lines", "events", "missing", "extra")}
                   for p in parts]}
    if all("events" in p for p in parts):
        r["events"] = sum(p["events"] for p in parts)
    r["exact"] = r["missing"] == 0 and r["extra"] == 0
    return r


def s1_report(ctx, res):
    runs = res["runs"]
    at = runs["apitrace"]
    rows = []

    def once(r):
        if r.get("missing") is None:
            return "–"
        if r["exact"]:
            return "yes"
        return "no: %s missing, %s extra" % (f(r["missing"]), f(r["extra"]))

    def busy(r):
        return f(100.0 * r["server_cpu"] / r["wall"], 0, " %") if r.get("server_cpu") is not None else "–"

    pg = runs["pager"]
    rows.append(row("apitrace get (whole stage)", at, [once(at), busy(at), "1.00"]))
    rows.append(row("bare sequential pager (boto3, limit 10000)", pg,
                    ["%s events, %s pages" % (f((pg.get("pager") or {}).get("events")),
                                              f((pg.get("pager") or {}).get("pages"))), busy(pg),
                     f(at["wall"] / pg["wall"]) + " (apitrace / pager)"]))
    for key, name in (("apilogs", "apilogs get"), ("awslogs_exec", "awslogs get (execution group only)"),
                      ("awslogs_all", "awslogs get, each group in turn"),
                      ("awscli_all", "aws logs filter-log-events, each group in turn")):
        r = dict(runs[key])
        if key == "awscli_all":
            r["lines"] = "%s events (JSON)" % f(r.get("events"))
        rows.append(row(name, r, [once(r), busy(r), f(r["wall"] / at["wall"]) + "x slower"]))
    headers = ["command", "wall s", "CPU s", "peak RSS MiB", "lines out", "first line s", "every event once",
               "moto CPU busy", "ratio"]
    t1 = table(headers, rows)
    r_awslogs = runs["awslogs_exec"]["wall"] / at["wall"]
    r_apilogs = runs["apilogs"]["wall"] / at["wall"]
    r_pager = at["wall"] / pg["wall"]
    targets = [
        ["≥ 3x faster than awslogs reading only the execution group", "%.2fx" % r_awslogs, verdict(r_awslogs >= 3)],
        ["≥ 8x faster than apilogs", "%.2fx" % r_apilogs, verdict(r_apilogs >= 8)],
        ["within 1.3x of the bare pager", "%.2fx" % r_pager, verdict(r_pager <= 1.3)],
        ["every event exactly once", once(at), verdict(at.get("exact"))],
    ]
    t2 = table(["S1 target", "measured", ""], targets)
    per = ", ".join("%s %s" % (g.split("/")[-1] if g.startswith("/aws") else g, f(n))
                    for g, n in sorted(res["per_group"].items(), key=lambda kv: -kv[1]))
    pages = res.get("pages_by_group") or {}
    head = ("%s events in %d groups (%s); FilterLogEvents pages at limit 10,000: %s (%s). "
            "World seeded in %.0f s. apitrace resolves the same groups as the manifest: %s."
            % (f(res["events"]), len(res["per_group"]), per, f(res.get("pages")),
               ", ".join("%s %d" % (g.split("/")[-1], n) for g, n in pages.items() if n > 1) or "all 1",
               res["seed_s"], "yes" if res["groups_match"] else "NO (%s)" % ", ".join(res["apitrace_groups"])))
    parts = "\n".join("  - %s: %.2f s, %s lines, %s" % (p["group"], p["wall"], f(p["lines"] if p["lines"] else p.get("events")),
                                                     "exact" if not p["missing"] and not p["extra"]
                                                     else "%s missing / %s extra" % (p["missing"], p["extra"]))
                      for p in runs["awslogs_all"]["parts"])
    return head, t1, t2, parts, {"awslogs_exec": r_awslogs, "apilogs": r_apilogs, "pager": r_pager}


# ----------------------------------------------------------------------------- S2

S2_LATENCY, S2_JITTER, S2_TPS, S2_MSG = 125.0, 50.0, 10.0, 800
# S2b: the same groups with typical lines (API Gateway execution and Lambda lines are mostly
# 100-200 bytes): pages are capped by the 10,000-event limit instead of the 1 MB one, so the
# quota floor is far lower and the client's own speed shows.
S2B_MSG = 150


def s2(ctx, msg=S2_MSG, tag="s2"):
    now = int(time.time()) * 1000
    start, end = now - 3_600_000, now - 60_000
    if ctx.quick:
        counts = [15_000, 1_200, 1_200, 1_000, 1_000, 800, 800, 500]
    else:
        counts = [76_000, 5_000, 4_000, 3_000, 2_500, 2_000, 1_500, 1_000]
    names = ["fake-%d" % i for i in range(len(counts))]
    argv = [sys.executable, os.path.join(ROOT, "scripts", "fakelogs.py"), "--port", "0", "--seed", "10",
            "--groups", str(len(counts)), "--events-per-group", ",".join(map(str, counts)),
            "--message-bytes", str(msg), "--start-ms", str(start), "--end-ms", str(end)]
    log("S2: starting fakelogs (%s events in %d groups)" % (f(sum(counts)), len(counts)))
    COMMANDS.append(("S2", "fake", show_cmd(argv) + "  # then POST /_fake/config "
                     + json.dumps({"latency_ms": S2_LATENCY, "jitter_ms": S2_JITTER, "tps": S2_TPS})))
    srv = start_server(argv, ctx.env)
    base = "http://127.0.0.1:%d" % srv["port"]
    res = {"counts": dict(zip(names, counts)), "window": [start, end], "msg": msg}
    try:
        env = dict(ctx.env)
        # Calibration, no latency, no quota: pages per group (the ground truth of the fake's
        # paging), and what the fake costs to serve them.
        argv = [ctx.tool("python"), os.path.join(HERE, "pager.py"), "--endpoint", base, "--start-ms", str(start),
                "--end-ms", str(end)] + sum((["--group", "us-east-1:" + n] for n in names), [])
        http_json(base + "/_fake/reset-stats", {})
        log("S2: calibration pager (no latency, no quota)")
        err = ctx.path("%s-pager.stderr" % tag)
        cal = run(argv, env, None, server_pid=srv["pid"], label="calibration: bare pager, no latency", scenario="S2",
                  err=err)
        pg = json.loads(open(err).read().strip().splitlines()[-1])
        res["pages_by_group"] = {k: v["pages"] for k, v in pg["groups"].items()}
        res["pages"] = pg["pages"]
        res["serve_s_per_page"] = cal["server_cpu"] / pg["pages"] if cal["server_cpu"] else None
        res["calibration"] = cal
        chain = max(res["pages_by_group"].values())
        res["chain"] = chain
        mean_lat = (S2_LATENCY + S2_JITTER / 2) / 1000.0
        res["floor_quota"] = pg["pages"] / S2_TPS
        res["floor_chain"] = chain * mean_lat
        res["floor"] = max(res["floor_quota"], res["floor_chain"])
        # With the fake's own serving time (it serves under one GIL): a dependent chain
        # waits for latency + serving on each page; all pages' serving is serialised.
        sp = res["serve_s_per_page"] or 0.0
        res["floor_fake"] = max(res["floor_quota"], chain * (mean_lat + sp), pg["pages"] * sp)
        cfg = {"latency_ms": S2_LATENCY, "jitter_ms": S2_JITTER, "tps": S2_TPS}

        def fresh():
            http_json(base + "/_fake/config", cfg)  # also resets the token bucket (full)
            http_json(base + "/_fake/reset-stats", {})
            time.sleep(1.2)

        def stats():
            st = http_json(base + "/_fake/stats")
            return {"calls": sum(st["calls"].values()), "filter_calls": st["calls"].get("FilterLogEvents", 0),
                    "throttled": st["throttled"], "max_in_flight": st["max_in_flight"],
                    "events_returned": st["events_returned"]}

        lg = sum((["--log-group", n] for n in names), [])
        runs = {}
        for key, extra, label in (("apitrace", [], "apitrace get --log-group ... (8 groups)"),
                                  ("apitrace_tps10", ["--max-tps", "10"], "apitrace get ... --max-tps 10")):
            rs = []
            reps = ctx.reps if key == "apitrace" else 1
            for i in range(reps):
                fresh()
                log("S2: %s (run %d/%d)" % (label, i + 1, reps))
                out = ctx.path("%s-%s.out" % (tag, key))
                argv = [ctx.bin, "get"] + lg + ["--start", str(start), "--end", str(end), "-G", "-S",
                                                "--endpoint-url", base] + extra
                r = run(argv, env, out, server_pid=srv["pid"], label=label if i == 0 else None, scenario="S2")
                r.update(stats())
                r.update(check_unique(out, sum(counts)))
                rs.append(r)
            runs[key] = median_run(rs)
        fresh()
        parts = []
        for i, n in enumerate(names):
            log("S2: awslogs get %s" % n)
            out = ctx.path("%s-awslogs-%d.out" % (tag, i))
            argv = [ctx.tool("awslogs"), "get", n, "ALL", "-s", iso(start), "-e", iso(end), "-G", "-S",
                    "--no-color", "--aws-endpoint-url", base]
            r = run(argv, env, out, server_pid=srv["pid"], label="awslogs get GROUP ALL (each group in turn)"
                    if i == 0 else None, scenario="S2")
            r.update(check_unique(out, counts[i]))
            r["group"] = n
            parts.append(r)
        aw = combine(parts)
        aw.update(stats())
        runs["awslogs"] = aw
        res["runs"] = runs
    finally:
        stop_server(srv)
    return res


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def check_unique(path, expected):
    """fakelogs' messages are unique (group name + sequence number): count, duplicates."""
    seen = set()
    n = dup = 0
    with open(path, "rb") as fh:
        for line in fh:
            if not line.strip():
                continue
            n += 1
            if line in seen:
                dup += 1
            seen.add(line)
    return {"missing": max(0, expected - (n - dup)), "extra": dup, "exact": n == expected and dup == 0}


def s2_report(ctx, res):
    runs = res["runs"]
    at = runs["apitrace"]
    rows = []
    for key, name in (("apitrace", "apitrace get (default --max-tps 20)"),
                      ("apitrace_tps10", "apitrace get --max-tps 10"),
                      ("awslogs", "awslogs get, each group in turn")):
        r = runs[key]
        once = "yes" if r.get("exact") else "no: %s missing, %s extra" % (f(r.get("missing")), f(r.get("extra")))
        calls = "%s (%s)" % (f(r.get("filter_calls")), f(r.get("calls")))
        rows.append(row(name, r, [calls, f(r.get("throttled")), once, f(r["wall"] / res["floor"]),
                                  f(r["wall"] / at["wall"])]))
    t1 = table(["command", "wall s", "CPU s", "peak RSS MiB", "lines out", "first line s",
                "FilterLogEvents calls (all calls)",
                "throttled", "every event once", "x floor", "x apitrace"], rows)
    r_floor = at["wall"] / res["floor"]
    r_awslogs = runs["awslogs"]["wall"] / at["wall"]
    best = runs["awslogs"]["wall"] / res["floor"]
    t2 = table(["S2 target", "measured", ""], [
        ["within 1.25x of the floor (%.2f s)" % res["floor"], "%.2fx" % r_floor, verdict(r_floor <= 1.25)],
        ["≥ 5x faster than awslogs", "%.2fx (a client at the floor: %.2fx)" % (r_awslogs, best),
         verdict(r_awslogs >= 5)],
    ])
    sp = res.get("serve_s_per_page")
    head = ("fakelogs.py: %d groups, %s events (%s), %d-byte messages, %.0f ms + [0, %.0f) ms latency per call, "
            "%.0f calls/s account quota (token bucket, burst %.0f). Pages needed (from a calibration pager, "
            "1 MB cap): %d in all, the biggest group a chain of %d. Floor = max(%d pages / %.0f per s = %.2f s, "
            "%d dependent pages x %.0f ms = %.2f s) = **%.2f s**. The fake itself spends %s ms of CPU per page "
            "(one Python process): counting that, the reachable floor is %.2f s."
            % (len(res["counts"]), f(sum(res["counts"].values())),
               ", ".join("%s %s" % (k, f(v)) for k, v in res["counts"].items()), res.get("msg", S2_MSG),
               S2_LATENCY, S2_JITTER,
               S2_TPS, S2_TPS, res["pages"], res["chain"], res["pages"], S2_TPS, res["floor_quota"], res["chain"],
               S2_LATENCY + S2_JITTER / 2, res["floor_chain"], res["floor"],
               f(sp * 1000 if sp else None, 0), res["floor_fake"]))
    return head, t1, t2, {"floor": r_floor, "awslogs": r_awslogs}


# ----------------------------------------------------------------------------- cost (#17)

# What `errors`, `summary` and `trace` cost against `get` on the same window: FilterLogEvents
# calls (counted from --debug: one `→` line per request sent; they do not depend on the
# build) and wall time, on moto and on the simulated AWS of S2 (the worlds' log events
# loaded into fakelogs with S2's latency and quota; API Gateway and Lambda from moto through
# bench/splitproxy.py). Worlds: the S1 world (its own mix: 3 in 10 requests fail), and the
# same traffic (--requests) with exactly 10, 100 and 1,000 failing requests.
COST_FLAT = (10, 100, 1000)
COST_COMMANDS = ("get", "errors", "summary", "trace")


def cost_seed(ctx, prefix, requests, noise, failures):
    endpoint = "http://127.0.0.1:%d" % ctx.a.moto_port
    path = ctx.path("cost-%s.json" % prefix)
    argv = [ctx.a.emu_python, os.path.join(ROOT, "scripts", "world.py"), "--endpoint", endpoint,
            "--requests", str(requests), "--noise", str(noise), "--prefix", prefix, "--out", path]
    if failures is not None:
        argv += ["--failures", str(failures)]
    COMMANDS.append(("cost", "seed %s" % prefix, show_cmd(argv)))
    subprocess.run(argv, check=True, env=ctx.env, stdout=subprocess.DEVNULL)
    return json.load(open(path))


def cost_argvs(ctx, m):
    """The four commands over the world's window (trace: its first failing request)."""
    w = m["window"]
    win = ["--start", str(w["start_ms"] - 1), "--end", str(w["end_ms"] + 60_000)]
    api = ["--api-id", m["rest_api_id"], "--stage", m["stage"]]
    bad = [r for r in m["requests"] if r["api"] == "rest" and r["status"] >= 500]
    return {
        "get": [ctx.bin, "get"] + api + win + ["-o", "json"],
        "errors": [ctx.bin, "errors"] + api + win + ["-o", "json", "--limit", "100000"],
        "summary": [ctx.bin, "summary"] + api + win,
        "trace": [ctx.bin, "trace", bad[0]["request_id"]] + api + win,
    }, len(bad)


def cost_measure(ctx, tag, argvs, env, server_pid=None, before=None, after=None):
    out = {}
    for cmd in COST_COMMANDS:
        if before:
            before()
        err = ctx.path("cost-%s-%s.stderr" % (tag, cmd))
        log("cost: %s: %s" % (tag, cmd))
        # stdout to a file: /dev/null opened read-write (subprocess.DEVNULL) is what a
        # launcher leaves for a closed stdout, and apitrace refuses it.
        r = run(argvs[cmd] + ["--debug"], env, ctx.path("cost-%s-%s.out" % (tag, cmd)), server_pid=server_pid,
                err=err,
                label="%s (%s)" % (cmd, tag), scenario="cost")
        with open(err, errors="replace") as fh:
            r["calls"] = sum(1 for l in fh if l.startswith("apitrace: debug: → ") and "FilterLogEvents" in l)
        if after:
            r.update(after())
        out[cmd] = r
    return out


def cost_fake(ctx, m, argvs):
    """The world's log events served by fakelogs (S2's latency and quota), the rest by moto."""
    env = dict(ctx.env)
    fake = start_server([sys.executable, os.path.join(ROOT, "scripts", "fakelogs.py"), "--port", "0",
                         "--group-names", m["log_groups"]["execution"], "--events", "0", "--late-events"], env)
    base = "http://127.0.0.1:%d" % fake["port"]
    proxy = None
    try:
        by_group = collections.defaultdict(list)
        for e in m["events"]:
            by_group[e["log_group"]].append(e)
        for g, evs in sorted(by_group.items()):
            evs.sort(key=lambda e: e["timestamp"])
            for i in range(0, len(evs), 5000):
                http_json(base + "/_fake/put", {"group": g, "events": [
                    {"timestamp": e["timestamp"], "message": e["message"], "logStreamName": e["log_stream"]}
                    for e in evs[i:i + 5000]]}, timeout=300)
        proxy = start_server([sys.executable, os.path.join(HERE, "splitproxy.py"), "--port", "0", "--logs", base,
                              "--other", "http://127.0.0.1:%d" % ctx.a.moto_port], env)
        cfg = {"latency_ms": S2_LATENCY, "jitter_ms": S2_JITTER, "tps": S2_TPS}

        def fresh():
            http_json(base + "/_fake/config", cfg)  # also refills the token bucket
            http_json(base + "/_fake/reset-stats", {})
            time.sleep(1.2)

        def stats():
            st = http_json(base + "/_fake/stats")
            return {"fake_calls": st["calls"].get("FilterLogEvents", 0), "throttled": st["throttled"]}

        pargv = {k: v + ["--endpoint-url", "http://127.0.0.1:%d" % proxy["port"]] for k, v in argvs.items()}
        return cost_measure(ctx, "s2-" + m["prefix"], pargv, env, fake["pid"], fresh, stats)
    finally:
        if proxy:
            stop_server(proxy)
        stop_server(fake)


def cost(ctx):
    requests, noise = (330, 4) if ctx.quick else (3300, 20)
    flat = (1, 10, 100) if ctx.quick else COST_FLAT
    res = {"requests": requests, "noise": noise, "worlds": [],
           "debug_build": "/debug/" in os.path.realpath(ctx.bin)}
    worlds = [("S1 world", "costs1", None)] + [("%s failures" % f(n), "costf%d" % n, n) for n in flat]
    env = dict(ctx.env)
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:%d" % ctx.a.moto_port
    for name, prefix, failures in worlds:
        log("cost: seeding %s (--requests %d --noise %d%s)" % (
            name, requests, noise, "" if failures is None else " --failures %d" % failures))
        m = cost_seed(ctx, prefix, requests, noise, failures)
        argvs, nbad = cost_argvs(ctx, m)
        w = {"name": name, "failures": nbad, "events": len(m["events"]), "flat": failures is not None}
        w["moto"] = cost_measure(ctx, "moto-" + prefix, argvs, env, ctx.a.moto_pid)
        w["s2"] = cost_fake(ctx, m, argvs)
        res["worlds"].append(w)
        render(ctx, {"cost": res})
    return res


def cost_report(ctx, res):
    def cell(r, g):
        c = "%s (%.1fx)" % (f(r["calls"]), r["calls"] / g["calls"] if g["calls"] else float("nan"))
        wall = "%.2f s (%.1fx)" % (r["wall"], r["wall"] / g["wall"] if g["wall"] else float("nan"))
        if r.get("rc"):
            wall += " exit %s" % r["rc"]
        return c + ", " + wall + ", CPU %.2f s" % r["cpu"]

    tables = []
    for key, what in (("moto", "moto (S1's emulator)"), ("s2", "simulated AWS (S2: %.0f ms + [0, %.0f) ms a call, "
                                                             "%.0f calls/s quota)" % (S2_LATENCY, S2_JITTER, S2_TPS))):
        rows = []
        for w in res["worlds"]:
            r = w[key]
            g = r["get"]
            rows.append([w["name"], f(w["failures"]), f(w["events"]),
                         "%s, %.2f s, CPU %.2f s" % (f(g["calls"]), g["wall"], g["cpu"]),
                         f(r["errors"].get("lines"))] + [cell(r[c], g) for c in COST_COMMANDS[1:]])
        tables.append("On %s; FilterLogEvents calls (x get), wall (x get), apitrace's CPU:\n\n" % what + table(
            ["world", "5xx requests", "events", "get: calls, wall, CPU", "errors: lines out", "errors", "summary",
             "trace"], rows))
    s1w = [w for w in res["worlds"] if not w["flat"]]
    flat = [w for w in res["worlds"] if w["flat"]]
    checks = []
    for key, label in (("moto", "moto"), ("s2", "S2")):
        for w in s1w:
            ratio = w[key]["errors"]["calls"] / max(1, w[key]["get"]["calls"])
            checks.append(["%s, %s: `errors --limit 100000` calls ≤ 3x `get`" % (label, w["name"]),
                           "%.2fx" % ratio, verdict(ratio <= 3)])
        if len(flat) >= 2:
            calls = [w[key]["errors"]["calls"] for w in flat]
            walls = [w[key]["errors"]["wall"] for w in flat]
            spread = max(calls) / max(1, min(calls))
            checks.append(["%s: `errors` calls flat from %s to %s failures (max / min ≤ 1.5)"
                           % (label, f(flat[0]["failures"]), f(flat[-1]["failures"])),
                           "%s calls (%.2fx); wall %s s" % (" / ".join(f(c) for c in calls), spread,
                                                            " / ".join("%.2f" % x for x in walls)),
                           verdict(spread <= 1.5)])
    debug = res.get("debug_build")
    head = (("Measured by `bench/run.sh --only cost` with **a debug build** (`APITRACE_BIN=target/debug/apitrace`): "
             "the machine is 2 cores shared with other builds, and a release build takes ~10 min of them. Calls "
             "do not depend on the build; on S2 the wall time is mostly the simulated latency and quota; on moto "
             "it is mostly moto's (each call costs it O(events in the group)), so compare ratios. " if debug else
             "Calls do not depend on the build; on S2 the wall time is mostly the simulated latency and quota; "
             "on moto it is mostly moto's (each call costs it O(events in the group)), so compare ratios. ") +
            "Worlds: "
            "`scripts/world.py --requests %d --noise %d` (the S1 world: its own mix, 3 in 10 requests fail with a "
            "5xx) and the same traffic with `--failures N` (exactly N requests fail with a 5xx, the others "
            "succeed or get a 4xx). Commands over the world's window: `get -o json`, `errors -o json --limit "
            "100000`, `summary`, `trace ID` (the first failing request); calls counted from `--debug` (one `→` "
            "line per request sent). On S2 the world's log events are loaded into fakelogs.py and "
            "bench/splitproxy.py sends the CloudWatch Logs calls there, the API Gateway and Lambda calls to "
            "moto; apitrace's default budget (20 calls/s) is above the 10/s quota, so some calls are throttled "
            "and retried (counted). Calls stay flat as failures grow; wall time does not quite: what grows "
            "is apitrace's own CPU (the CPU column), assembling and printing every trace (see the lines it "
            "prints: `-o json` pretty-prints each trace with all its lines), which a debug build does several times slower than a release one; "
            "the CloudWatch reads do not grow." % (res["requests"], res["noise"]))
    return head, "\n\n".join(tables), table(["cost target", "measured", ""], checks)


COST_TITLE = "Cost: `errors`, `summary` and `trace` against `get` (issue #17)"


def splice_section(path, title, body):
    """Put `## title` + body into the report at `path`, in place of the section of that
    title (or before `## Exact commands`): a run of only some scenarios keeps the rest."""
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    sec = "## %s\n\n%s\n" % (title, body.rstrip())
    lines = text.split("\n")
    start = next((i for i, l in enumerate(lines) if l == "## " + title), None)
    if start is None:
        at = next((i for i, l in enumerate(lines) if l == "## Exact commands"), len(lines))
        lines[at:at] = sec.split("\n")
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = sec.split("\n")
    with open(path, "w") as fh:
        fh.write("\n".join(lines))


# ----------------------------------------------------------------------------- S3

S3_MSG = 100


def s3(ctx):
    total = 100_000 if ctx.quick else 1_000_000
    ngroups = 4
    per = total // ngroups
    names = ["fake-%d" % i for i in range(ngroups)]
    now = int(time.time()) * 1000
    start, end = now - 3_600_000, now - 60_000
    env = dict(ctx.env)
    res = {"events": per * ngroups, "groups": ngroups, "window": [start, end]}
    lg = sum((["--log-group", n] for n in names), [])
    window = ["--start", str(start), "--end", str(end)]
    data_args = ["--seed", "3", "--groups", str(ngroups), "--events", str(per), "--message-bytes", str(S3_MSG),
                 "--start-ms", str(start), "--end-ms", str(end)]
    null = lambda port: [sys.executable, os.path.join(HERE, "nullclient.py"), "--port", str(port), "--start-ms",
                         str(start), "--end-ms", str(end)] + sum((["--group", n] for n in names), [])
    pin_server, pin_client = ("1", "0") if (os.cpu_count() or 1) >= 2 else (None, None)
    taskset = (lambda argv: ["taskset", "-c", pin_client] + argv) if pin_client else (lambda argv: argv)

    # 1. scripts/fakelogs.py itself, zero latency, no quota: is the fake the bottleneck?
    log("S3: fakelogs.py with %s events (zero latency, no quota)" % f(total))
    argv = [sys.executable, os.path.join(ROOT, "scripts", "fakelogs.py"), "--port", "0"] + data_args
    COMMANDS.append(("S3", "fake (scripts/fakelogs.py)", show_cmd(argv)))
    srv = start_server(argv, env, cpu=pin_server)
    try:
        log("S3: null client against fakelogs.py")
        out = ctx.path("s3-null-fakelogs.json")
        r = run(null(srv["port"]), env, out, server_pid=srv["pid"], label="null client (no SDK) vs fakelogs.py",
                scenario="S3")
        r["null"] = json.load(open(out))
        res["null_fakelogs"] = r
        log("S3: apitrace text vs fakelogs.py")
        argv = taskset([ctx.bin, "get"] + lg + window + ["--endpoint-url", "http://127.0.0.1:%d" % srv["port"]])
        res["apitrace_fakelogs"] = run(argv, env, None, server_pid=srv["pid"],
                                       label="apitrace get ... > /dev/null vs fakelogs.py", scenario="S3")
    finally:
        stop_server(srv)

    # 2. bench/fastlogs.py: the same data, pre-rendered
    log("S3: fastlogs.py (pre-rendering %s events)" % f(total))
    argv = [sys.executable, os.path.join(HERE, "fastlogs.py"), "--port", "0"] + data_args
    COMMANDS.append(("S3", "fast fake (bench/fastlogs.py), pinned to CPU %s" % pin_server, show_cmd(argv)))
    srv = start_server(argv, env, cpu=pin_server)
    res["render_s"] = srv.get("render_s")
    base = "http://127.0.0.1:%d" % srv["port"]
    try:
        out = ctx.path("s3-null-fastlogs.json")
        # fastlogs builds each distinct page on first request and keeps it: one untimed run
        # first, so that the null client, like apitrace's timed runs, is served from memory.
        log("S3: null client against fastlogs.py (warm-up, not timed)")
        subprocess.run(null(srv["port"]), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log("S3: null client against fastlogs.py")
        r = run(null(srv["port"]), env, out, server_pid=srv["pid"], label="null client (no SDK) vs fastlogs.py",
                scenario="S3")
        r["null"] = json.load(open(out))
        res["null_fastlogs"] = r
        # apitrace's own budget (20 calls/s in us-east-1) caps it at ~20 pages/s: one run with
        # it, for the record; the throughput runs lift it (the fake has no quota).
        http_json(base + "/_fake/reset-stats", {})
        log("S3: apitrace text > /dev/null with the default --max-tps")
        argv = taskset([ctx.bin, "get"] + lg + window + ["--endpoint-url", base])
        r = run(argv, env, None, server_pid=srv["pid"], scenario="S3",
                label="apitrace get ... > /dev/null, default budget (--max-tps 20 in us-east-1)")
        r["calls"] = sum(http_json(base + "/_fake/stats")["calls"].values())
        res["apitrace_default_tps"] = r
        for fmt in ("text", "json"):
            argv = taskset([ctx.bin, "get"] + lg + window + ["--endpoint-url", base, "--max-tps", "1000"] +
                           (["-o", "json"] if fmt == "json" else []))
            # one run into a file: lines and order checked
            out = ctx.path("s3-apitrace-%s.out" % fmt)
            http_json(base + "/_fake/reset-stats", {})
            log("S3: apitrace %s into a file (checked)" % fmt)
            chk = run(argv, env, out, server_pid=srv["pid"], scenario="S3")
            chk.update(check_s3(out, fmt, res["events"]))
            rs = []
            for i in range(ctx.reps):
                http_json(base + "/_fake/reset-stats", {})
                log("S3: apitrace %s > /dev/null (run %d/%d)" % (fmt, i + 1, ctx.reps))
                r = run(argv, env, None, server_pid=srv["pid"], scenario="S3",
                        label=("apitrace get ... --max-tps 1000 %s> /dev/null, pinned to CPU %s"
                               % ("-o json " if fmt == "json" else "", pin_client)) if i == 0 else None)
                st = http_json(base + "/_fake/stats")
                r["calls"] = sum(st["calls"].values())
                r["events_served"] = st["events_returned"]
                r["bytes_served"] = st["bytes_sent"]
                rs.append(r)
            m = median_run(rs)
            m["check"] = chk
            res["apitrace_" + fmt] = m
    finally:
        stop_server(srv)
    return res


def check_s3(path, fmt, expected):
    """Lines, and that the output is in time order (json: by timestamp; text has no time column)."""
    n = 0
    last = -1
    ordered = True
    with open(path, "rb") as fh:
        for line in fh:
            n += 1
            if fmt == "json":
                try:
                    ts = json.loads(line)["timestamp"]
                except (ValueError, KeyError):
                    ordered = False
                    continue
                if ts < last:
                    ordered = False
                last = ts
    return {"lines": n, "exact": n == expected, "ordered": ordered if fmt == "json" else None}


def s3_report(ctx, res):
    n = res["events"]
    rows = []
    nf = res["null_fakelogs"]["null"]
    nq = res["null_fastlogs"]["null"]
    af = res["apitrace_fakelogs"]
    rows.append(["null client (no SDK, no parsing) vs fakelogs.py", f(nf["seconds"]), "–", "–", f(nf["events"]),
                 f(nf["events"] / nf["seconds"], 0), "–", f(res["null_fakelogs"]["server_cpu"]), "–"])
    rows.append(["apitrace get (text) vs fakelogs.py", f(af["wall"]), f(af["cpu"]), f(af["rss_mib"], 1), "–",
                 f(n / af["wall"], 0), f(n / af["cpu"], 0) if af["cpu"] else "–", f(af["server_cpu"]), "–"])
    rows.append(["null client vs fastlogs.py (pre-rendered)", f(nq["seconds"]), "–", "–", f(nq["events"]),
                 f(nq["events"] / nq["seconds"], 0), "–", f(res["null_fastlogs"]["server_cpu"]), "–"])
    d = res.get("apitrace_default_tps")
    if d:
        rows.append(["apitrace get > /dev/null vs fastlogs.py, default --max-tps (20/s)", f(d["wall"]), f(d["cpu"]),
                     f(d["rss_mib"], 1), "–", f(n / d["wall"], 0), f(n / d["cpu"], 0), f(d["server_cpu"]),
                     f(d.get("calls"))])
    for fmt in ("text", "json"):
        r = res["apitrace_" + fmt]
        c = r["check"]
        chk = "%s lines%s%s" % (f(c["lines"]), ", all there" if c["exact"] else ", EXPECTED %s" % f(n),
                                ", in time order" if c.get("ordered") else (", NOT in order" if c.get("ordered") is False else ""))
        walls = r.get("walls") or [r["wall"]]
        rows.append(["apitrace get%s --max-tps 1000 > /dev/null vs fastlogs.py" % (" -o json" if fmt == "json" else ""),
                     f(r["wall"]) + (" (%s)" % ", ".join("%.2f" % w for w in walls) if len(walls) > 1 else ""),
                     f(r["cpu"]), f(r["rss_mib"], 1), chk, f(n / r["wall"], 0), f(n / r["cpu"], 0),
                     f(r["server_cpu"]), f(r.get("calls"))])
    t1 = table(["run", "wall s", "CPU s", "peak RSS MiB", "events / lines", "events/s (wall)", "events per CPU-s",
                "server CPU s", "API calls"], rows)
    tt, tj = res["apitrace_text"], res["apitrace_json"]
    eps_t, eps_j = n / tt["wall"], n / tj["wall"]
    t2 = table(["S3 target", "measured", ""], [
        ["≥ 1M events/s on one core, text", f(eps_t, 0) + " events/s", verdict(eps_t >= 1e6)],
        ["≥ 1M events/s on one core, -o json", f(eps_j, 0) + " events/s", verdict(eps_j >= 1e6)],
        ["peak RSS < 64 MiB, text", f(tt["rss_mib"], 1) + " MiB", verdict(tt["rss_mib"] < 64)],
        ["peak RSS < 64 MiB, -o json", f(tj["rss_mib"], 1) + " MiB", verdict(tj["rss_mib"] < 64)],
    ])
    served = tt.get("bytes_served")
    head = ("%s events in %d groups (%s-byte messages; about %s bytes of JSON per event on the wire), zero latency, "
            "no quota. apitrace pinned to CPU 0 (`taskset -c 0`), the fake to CPU 1. scripts/fakelogs.py builds "
            "each event as a dict per call and serves about %s events/s to a client that does nothing: the fake, "
            "not apitrace, would be measured, so bench/fastlogs.py serves the same data pre-rendered (%s events/s "
            "to the null client; rendering took %s s at start-up)."
            % (f(n), res["groups"], S3_MSG, f(served // n if served else None), f(nf["events"] / nf["seconds"], 0),
               f(nq["events"] / nq["seconds"], 0), f(res.get("render_s"))))
    return head, t1, t2, {"text_eps": eps_t, "json_eps": eps_j}


# ----------------------------------------------------------------------------- --help

def help_bench(ctx):
    runs = 50
    COMMANDS.append(("help", "startup", show_cmd([ctx.bin, "--help"])))
    if ctx.a.hyperfine:
        jpath = ctx.path("help-hyperfine.json")
        subprocess.run([ctx.a.hyperfine, "-N", "--warmup", "5", "--runs", str(runs), "--export-json", jpath,
                        "--style", "none", "%s --help" % ctx.bin], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=ctx.env)
        j = json.load(open(jpath))["results"][0]
        return {"tool": "hyperfine -N --warmup 5 --runs 50", "mean_ms": j["mean"] * 1000,
                "stddev_ms": j["stddev"] * 1000, "min_ms": j["min"] * 1000, "max_ms": j["max"] * 1000}
    ts = []
    for i in range(runs + 5):
        t0 = time.perf_counter()
        subprocess.run([ctx.bin, "--help"], stdout=subprocess.DEVNULL, env=ctx.env)
        if i >= 5:
            ts.append(time.perf_counter() - t0)
    return {"tool": "subprocess loop, 50 runs after 5 warm-ups", "mean_ms": statistics.mean(ts) * 1000,
            "stddev_ms": statistics.stdev(ts) * 1000, "min_ms": min(ts) * 1000, "max_ms": max(ts) * 1000}


# ----------------------------------------------------------------------------- report

LIMITS = """\
- **S1, the emulator.** moto answers one call at a time (one Python process, the GIL) and each
  FilterLogEvents call costs it O(events in the group) plus the events of the window it asks for:
  it filters the whole group, sorts and serialises the window's events, and finds the token's
  position by a linear scan (the team notes `../shared/emulator.md` §6). The "moto CPU busy" column is the
  emulator's own CPU time over the command's wall time: near 100 % means the emulator, not the
  client, sets the wall time. The bare pager (boto3, full-window pages one after the other) is
  the floor of a plain sequential SDK client; a client that cuts the window into slices asks moto
  for less work per call and can go under it, as apitrace does. Resolving the stage (API Gateway,
  Lambda, DescribeLogGroups: ~60 ms here) is apitrace's only extra cost. awslogs and apilogs are
  slow client-side (their CPU seconds in the table: Python formatting each event), and apilogs
  re-reads the first Lambda group for every execution-log page and never reads the other functions.
- **S2, simulated AWS.** The floor is set by the quota (pages / 10 per s) or by the longest chain of
  dependent pages (each waits for the previous page's nextToken: pages x latency), whichever is
  longer. A group read as one chain cannot go faster than its chain; splitting its window into
  slices fetched in parallel turns the chain term into pages / quota. The fake serves every page
  under one Python GIL, and its per-page CPU cost is added to each dependent page: the
  "reachable floor" counts that. apitrace's default budget in us-east-1 is 20 calls/s, above this
  simulated 10/s quota, so it gets throttled and halves its rate: the `--max-tps 10` row shows
  the run with the budget set to the quota. awslogs reads the groups one after the other, one page at
  a time, and its CPU per event (Python) adds up.
- **S3, client throughput.** With the pre-rendered fake on its own core, apitrace's wall time is its
  own CPU: reading ~300 MB of JSON over HTTP, deserialising it through the SDK (every event becomes
  owned strings), the per-group sort and the k-way merge, then formatting and writing. "events per
  CPU-s" is what one core does; a wall rate below it means waiting on the fake. Peak RSS is set by
  the pages in flight: each page is up to 1 MB of JSON plus its parsed events, times the groups
  and the pages buffered per group.
- **--help.** Process start-up: dynamic loading, clap building the command tree, writing the help.
  Measured by hyperfine without a shell.
"""



def no_abs_paths(text):
    """Absolute paths of this machine (a cache or home directory) left out of the report:
    `/x/y/target/release/apitrace` is shown as `target/release/apitrace`."""
    return re.sub(r"(?<![\w.])/(?:[^\s/]+/)*?(target/)", r"\1", text)

def write_md(ctx, info, sections, path):
    L = []
    L.append("# Benchmarks\n")
    L.append("Measured by `bench/run.sh%s` (issue #10). Everything runs on this machine over loopback: the moto "
             "emulator, `scripts/fakelogs.py`, and `bench/fastlogs.py`. Numbers from a shared, busy machine "
             "vary by ±10–20 %%; compare ratios more than absolute times.\n" % (" --quick" if ctx.quick else ""))
    L.append("## Machine\n")
    L.append(table(["", ""], [
        ["date", info["date"] + (" (%s)" % info["note"] if info.get("note") else "")],
        ["CPU", "%s, %d cores (nproc)" % (info.get("cpu"), info["nproc"])],
        ["memory", "%s GiB" % info.get("mem_gib")],
        ["kernel", info["kernel"]],
        ["load average (1, 5, 15 min) at start / end", "%s / %s" % (info["load_start"], info.get("load_end"))],
        ["apitrace", "%s, release build (`cargo build --release --locked`, %s bytes) of %s"
         % (info["apitrace"], f(info["bin_bytes"]), no_abs_paths(ctx.a.source) if ctx.a.source != "working tree" else
            "the working tree at git %s%s" % (info["git"], " + uncommitted changes in " + ", ".join(info["dirty"])
                                              if info["dirty"] else ""))],
        ["rustc", info["rustc"]],
        ["Python tools (bench venv)", ", ".join("%s %s" % kv for kv in info["tools"].items())],
        ["emulator", "moto[server] %s" % info["moto"]],
        ["mode", "%s; %d run(s) of apitrace and the pagers per scenario (the median is shown, all walls in "
                 "brackets), 1 of the other tools" % (ctx.results["mode"], ctx.reps)],
    ]))
    L.append("")
    L.append("Wall = elapsed time of the command; CPU = its user + sys time; peak RSS = its maximum resident "
             "set (both from GNU time, `/usr/bin/time -f '%e %U %S %M'`, which every command runs under); first line = time to the first line on stdout, read as it arrives. Every "
             "command prints messages only (`-G -S`, or the AWS CLI's JSON), so the outputs can be compared "
             "line by line with what was seeded.\n")
    summary = []
    for name, (head, t1, t2) in sections:
        L.append("## %s\n" % name)
        L.append(head + "\n")
        if t1:
            L.append(t1 + "\n")
        L.append(t2 + "\n")
        for line in t2.splitlines()[2:]:
            summary.append("| %s |%s" % (name.split(":")[0], line[1:]))
    L.append("## All targets\n")
    L.append("| scenario | target | measured | |\n| --- | --- | --- | --- |\n" + "\n".join(summary) + "\n")
    L.append("## What limits each number\n")
    L.append(LIMITS)
    notes = os.path.join(HERE, "analysis.md")
    if os.path.exists(notes):
        L.append(open(notes).read().rstrip() + "\n")
    L.append("## Exact commands\n")
    L.append("Ports are free loopback ports picked at run time; `~` is the home directory.\n")
    L.append("```")
    for sc, label, cmd in COMMANDS:
        L.append("# %s: %s" % (sc, label))
        L.append(cmd)
    L.append("```\n")
    with open(path, "w") as fh:
        fh.write("\n".join(L))


def render(ctx, all_res, md=None, show=True):
    """Tables to stdout (show), and the report to `md`, from the results of a run."""
    sections = []
    print = builtins.print if show else (lambda *a, **k: None)
    if "s1" in all_res:
        r = all_res["s1"]
        head, t1, t2, parts, _ = s1_report(ctx, r)
        sections.append(("S1: the moto emulator, a seeded API (%s events)" % f(r["events"]),
                         (head + "\n\nawslogs per group:\n\n" + parts, t1, t2)))
        print("\n" + t1 + "\n\n" + t2 + "\n", flush=True)
    for key, name in (("s2", "S2: a simulated AWS (latency, quota, page caps), long lines"),
                      ("s2b", "S2b: the same simulated AWS, typical lines")):
        if key in all_res:
            head, t1, t2, _ = s2_report(ctx, all_res[key])
            sections.append((name, (head, t1, t2)))
            print("\n" + t1 + "\n\n" + t2 + "\n", flush=True)
    if "s3" in all_res:
        r = all_res["s3"]
        head, t1, t2, _ = s3_report(ctx, r)
        sections.append(("S3: client throughput (%s events, zero latency)" % f(r["events"]), (head, t1, t2)))
        print("\n" + t1 + "\n\n" + t2 + "\n", flush=True)
    if "cost" in all_res:
        head, t1, t2 = cost_report(ctx, all_res["cost"])
        sections.append((COST_TITLE, (head, t1, t2)))
        print("\n" + t1 + "\n\n" + t2 + "\n", flush=True)
    if "help" in all_res:
        h = all_res["help"]
        t2 = table(["--help target", "measured", ""], [
            ["`apitrace --help` < 10 ms (mean of 50)", "%.2f ms (± %.2f, min %.2f, max %.2f)"
             % (h["mean_ms"], h["stddev_ms"], h["min_ms"], h["max_ms"]), verdict(h["mean_ms"] < 10)]])
        sections.append(("Start-up: `apitrace --help`", ("Measured with %s." % h["tool"], "", t2)))
        print("\n" + t2 + "\n", flush=True)
    if md:
        write_md(ctx, all_res["info"], sections, md)


class Saved:
    """What the report needs of a Ctx, from a saved results.json."""

    def __init__(self, all_res):
        self.quick = all_res["mode"] == "quick"
        self.reps = all_res["reps"]
        self.results = {"mode": all_res["mode"]}
        self.a = argparse.Namespace(source=all_res.get("source", "working tree"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin")
    p.add_argument("--bench-venv")
    p.add_argument("--emu-python")
    p.add_argument("--moto-port", type=int)
    p.add_argument("--moto-pid", type=int)
    p.add_argument("--out")
    p.add_argument("--md", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--reps", type=int)
    p.add_argument("--only", default="s1,s2,s2b,s3,cost,help")
    p.add_argument("--hyperfine")
    p.add_argument("--source", default="working tree")
    p.add_argument("--from-results", metavar="RESULTS_JSON",
                   help="only write the report again from a run's results.json (e.g. after editing "
                        "bench/analysis.md)")
    a = p.parse_args()
    if a.from_results:
        all_res = json.load(open(a.from_results))
        COMMANDS[:] = [tuple(c) for c in all_res.get("commands", [])]
        render(Saved(all_res), all_res, a.md)
        log("wrote %s from %s" % (a.md, a.from_results))
        return
    if not (a.bin and a.bench_venv and a.emu_python and a.out):
        p.error("--bin, --bench-venv, --emu-python and --out are needed to measure")
    os.makedirs(a.out, exist_ok=True)
    ctx = Ctx(a)
    only = set(a.only.split(","))
    info = machine_info(ctx)
    log("apitrace %s (git %s), %s mode, results in %s" % (info["apitrace"], info["git"], ctx.results["mode"], a.out))
    all_res = {"info": info, "mode": ctx.results["mode"], "reps": ctx.reps, "source": a.source}
    for key, fn in (("help", help_bench), ("s1", s1), ("s2", s2),
                    ("s2b", lambda c: s2(c, S2B_MSG, "s2b")), ("s3", s3), ("cost", cost)):
        if key in only:
            all_res[key] = fn(ctx)
            if key != "help":
                render(ctx, {key: all_res[key]})
    info["load_end"] = loadavg()
    all_res["commands"] = COMMANDS
    with open(os.path.join(a.out, "results.json"), "w") as fh:
        json.dump(all_res, fh, indent=1, default=str)
    if only == {"cost"}:
        # Only the cost section: the rest of the report stays as it was measured.
        head, t1, t2 = cost_report(ctx, all_res["cost"])
        cmds = "\n".join("# %s: %s\n%s" % c for c in COMMANDS)
        # No path of this machine in the report: the binary, the emulator's python, the
        # output folder.
        for path, shown in ((ctx.bin, "apitrace"), (a.emu_python, "python3"), (a.out + "/", "")):
            for b in (path, show_cmd([path])):
                cmds = cmds.replace(b + ("" if path.endswith("/") else " "), shown + ("" if not shown else " "))
        stamp = "%s; %s; load %s / %s." % (info["date"], info["apitrace"], info["load_start"], info["load_end"])
        splice_section(a.md, COST_TITLE, "\n\n".join([head + " " + stamp, t1, t2, "```\n" + no_abs_paths(cmds)
                                                       + "\n```"]))
        log("wrote the cost section of %s (raw results: %s)" % (a.md, os.path.join(a.out, "results.json")))
        return
    render(ctx, all_res, a.md, show=False)
    if "help" in all_res:
        render(ctx, {"help": all_res["help"]})
    log("wrote %s (raw results: %s)" % (a.md, os.path.join(a.out, "results.json")))

if __name__ == "__main__":
    main()
