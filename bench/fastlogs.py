#!/usr/bin/env python3
"""fastlogs: a pre-rendered loopback server of CloudWatch Logs FilterLogEvents, for S3.

scripts/fakelogs.py builds every event of a page as a Python dict and JSON-encodes it on
each call: a few microseconds per event, so a client that can take a million events a
second waits on the fake instead (bench/run.sh measures both). This server generates the
same data (it imports the generator of the fake's package, scripts/fakelogs/: same groups,
timestamps, streams, messages, event ids), renders every event's JSON once at start-up, and serves a page as one
``b",".join`` of those fragments; each distinct page (group + request body) is then kept
as a whole HTTP response and served again from memory, so that a benchmark's timed runs
(after a first, untimed one) measure the client, not the fake. Paging follows AWS: at most ``limit`` (<= 10,000)
events and 1 MB (message bytes + 26 per event) per page, ``nextToken`` absent on the last
page, startTime and endTime inclusive. No filter patterns, no faults, no quota: it is a
throughput floor, not a fake of AWS's behaviour.

Operations: FilterLogEvents (logGroupName, startTime, endTime, limit, nextToken),
DescribeLogGroups (logGroupNamePrefix). Control: GET /_fake/stats, POST
/_fake/reset-stats, GET /_fake/groups (as fakelogs.py).

    python3 bench/fastlogs.py --port 0 --groups 4 --events 250000 --message-bytes 100 \
        --start-ms A --end-ms B

prints ``{"port": P, "pid": N, "render_s": S}`` on stdout once it listens; SIGTERM stops it.
Binds 127.0.0.1 only.
"""

import argparse
import bisect
import json
import os
import signal
import sys
import threading
import time
from array import array
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
# The fake's package, scripts/fakelogs/: its data generator and AWS's paging limits.
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
from fakelogs.model import EVENT_OVERHEAD, MAX_LIMIT, PAGE_BYTES, generate  # noqa: E402


class Rendered:
    """One group: sorted timestamps, each event's JSON, cumulative page-size bytes."""

    def __init__(self, g):
        n = len(g)
        self.name = g.name
        self.ts = g.ts
        streams = [json.dumps(s, ensure_ascii=False) for s in g.streams]
        frags = [None] * n
        cum = array("q", [0]) * (n + 1)
        total = 0
        dumps = json.dumps
        for i in range(n):
            msg = g.message(i)
            frags[i] = ('{"logStreamName":%s,"timestamp":%d,"message":%s,"ingestionTime":%d,"eventId":"%s"}' % (
                streams[g.stream[i]], g.ts[i], dumps(msg, ensure_ascii=False), g.ing[i], g.event_id(i))).encode()
            total += len(msg.encode("utf-8")) + EVENT_OVERHEAD
            cum[i + 1] = total
        self.frags = frags
        self.cum = cum


class State:
    def __init__(self, groups):
        self.groups = groups
        self.pages = {}  # (group, request body) -> (whole HTTP response, events, body bytes)
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.stats = {"calls": {}, "throttled": 0, "errors": 0, "pages": 0, "events_returned": 0,
                          "bytes_sent": 0, "serve_s": 0.0}


def filter_page(g, body):
    limit = body.get("limit", MAX_LIMIT)
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError("limit must be 1..10000")
    if body.get("filterPattern"):
        raise ValueError("fastlogs serves no filter patterns")
    start = body.get("startTime")
    end = body.get("endTime")
    lo = bisect.bisect_left(g.ts, start) if start is not None else 0
    hi = bisect.bisect_right(g.ts, end) if end is not None else len(g.ts)
    token = body.get("nextToken")
    if token:
        try:
            pos, q = token.split(":", 1)
            pos = int(pos)
            if q != "%s/%s" % (start, end):
                raise ValueError
        except ValueError:
            raise ValueError("The specified nextToken is invalid.")
        lo = max(lo, pos)
    j = min(hi, lo + limit)
    # the 1 MB cap: the last j with cum[j] - cum[lo] <= PAGE_BYTES (at least one event)
    jb = bisect.bisect_right(g.cum, g.cum[lo] + PAGE_BYTES, lo, j + 1) - 1
    j = max(lo + 1, jb) if lo < hi else lo
    parts = [b'{"events":[', b",".join(g.frags[lo:j]), b'],"searchedLogStreams":[]']
    if j < hi:
        parts.append(b',"nextToken":"%d:%s/%s"' % (j, str(start).encode(), str(end).encode()))
    parts.append(b"}")
    return b"".join(parts), j - lo


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in one write with TCP_NODELAY: http.server's two writes
    # (headers, then body) meet the client's delayed ACK and can stall each page ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype="application/x-amz-json-1.1", extra=None):
        head = ["HTTP/1.1 %d %s" % (status, "OK" if status == 200 else "Error"), "Content-Type: " + ctype,
                "Content-Length: %d" % len(body), "x-amzn-RequestId: fast"]
        head += ["%s: %s" % kv for kv in (extra or {}).items()]
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def error(self, status, type_, msg):
        self.send(status, json.dumps({"__type": type_, "message": msg}).encode(), extra={"x-amzn-ErrorType": type_})

    def do_GET(self):
        st = self.server.state
        if self.path.startswith("/_fake/stats"):
            with st.lock:
                return self.send(200, json.dumps(st.stats).encode(), "application/json")
        if self.path.startswith("/_fake/groups"):
            return self.send(200, json.dumps({n: len(g.ts) for n, g in st.groups.items()}).encode(),
                             "application/json")
        self.send(404, b"{}", "application/json")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        st = self.server.state
        if self.path.startswith("/_fake/reset-stats"):
            st.reset()
            return self.send(200, b'{"ok":true}', "application/json")
        t0 = time.perf_counter()
        op = (self.headers.get("X-Amz-Target") or "").partition(".")[2]
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self.error(400, "SerializationException", "the body is not a JSON object")
        with st.lock:
            st.stats["calls"][op] = st.stats["calls"].get(op, 0) + 1
        if op == "FilterLogEvents":
            g = st.groups.get(body.get("logGroupName") or "")
            if g is None:
                return self.error(400, "ResourceNotFoundException", "The specified log group does not exist.")
            # Each distinct page is built once and then served from memory: the runs of a
            # benchmark ask for the same pages, and the fake should cost as little as it can.
            key = (g.name, raw)
            hit = st.pages.get(key)
            if hit is None:
                try:
                    out, count = filter_page(g, body)
                except ValueError as e:
                    return self.error(400, "InvalidParameterException", str(e))
                head = ("HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n"
                        "x-amzn-RequestId: fast\r\n\r\n" % len(out)).encode()
                hit = (head + out, count, len(out))
                st.pages[key] = hit
            response, count, size = hit
            self.wfile.write(response)
            with st.lock:
                s = st.stats
                s["pages"] += 1
                s["events_returned"] += count
                s["bytes_sent"] += size
                s["serve_s"] += time.perf_counter() - t0
            return None
        if op == "DescribeLogGroups":
            prefix = body.get("logGroupNamePrefix") or ""
            names = sorted(n for n in st.groups if n.startswith(prefix))[:50]
            out = {"logGroups": [{"logGroupName": n, "arn": "arn:aws:logs:us-east-1:123456789012:log-group:%s:*" % n,
                                  "creationTime": 0, "storedBytes": st.groups[n].cum[-1]} for n in names]}
            return self.send(200, json.dumps(out).encode())
        return self.error(400, "UnknownOperationException", "fastlogs does not implement %r" % op)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--groups", type=int, default=4)
    p.add_argument("--events", type=int, default=250_000, help="events per group")
    p.add_argument("--streams", type=int, default=4)
    p.add_argument("--message-bytes", type=int, default=0)
    p.add_argument("--start-ms", type=int, required=True)
    p.add_argument("--end-ms", type=int, required=True)
    a = p.parse_args()
    names = ["fake-%d" % i for i in range(a.groups)]
    t0 = time.perf_counter()
    data = generate(names, [a.events] * len(names), a.start_ms, a.end_ms, a.streams, a.message_bytes,
                    False, a.seed)
    groups = {n: Rendered(g) for n, g in data.items()}
    del data
    render_s = time.perf_counter() - t0
    server = Server(("127.0.0.1", a.port), Handler)
    server.state = State(groups)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write(json.dumps({"port": server.server_address[1], "pid": os.getpid(),
                                 "render_s": round(render_s, 2)}) + "\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
