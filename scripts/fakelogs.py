#!/usr/bin/env python3
"""fakelogs: a loopback fake of CloudWatch Logs with fault knobs, for apitrace's tests.

Python 3 standard library only. It speaks the JSON 1.1 protocol the AWS SDKs use
(``POST /``, ``X-Amz-Target: Logs_20140328.<Operation>``, content type
``application/x-amz-json-1.1``, JSON body; errors are ``{"__type": ..., "message": ...}``
with HTTP 400, or 5xx for server errors) and ignores SigV4 (any Authorization is accepted).
It binds 127.0.0.1 only.

Operations
    FilterLogEvents    logGroupName (or logGroupIdentifier, name or ARN), startTime,
                       endTime (inclusive), filterPattern (empty, "quoted phrases", bare
                       words ANDed as case-sensitive substrings, -word excludes, ?word ORs),
                       logStreamNames / logStreamNamePrefix, limit (1..10,000), nextToken.
    DescribeLogGroups  logGroupNamePrefix or logGroupNamePattern, limit (1..50), nextToken;
                       returns logGroupName, arn, storedBytes, creationTime (name order).
    StartLiveTail      logGroupIdentifiers (1..10, ARNs or names), logEventFilterPattern.
                       Answers with an AWS event stream (``application/vnd.amazon.eventstream``,
                       chunked): one ``sessionStart``, then a ``sessionUpdate`` every
                       --live-interval-ms (empty when nothing is new) holding the events put
                       through /_fake/put since the last one (each event's
                       logGroupIdentifier is the identifier the client sent). Above
                       --live-max-events per update it sends an evenly spaced sample and
                       ``sessionMetadata.sampled = true``. After --live-session-ms the
                       session ends with a ``SessionTimeoutException`` message (like AWS's
                       3-hour limit), or with a TCP reset under --live-end reset.
    GetCallerIdentity  STS (query protocol, XML): account 123456789012, for Live Tail ARNs.
    StartQuery, GetQueryResults, StopQuery
                       Logs Insights on the same data, with AWS's whole-second bounds
                       (endTime=E reaches E.000 only), rows sorted by time and cut at the
                       limit (<= 10,000), nextToken paging, @ptr per event; the query's
                       filter is not applied (see the "Logs Insights" block).
    DescribeDeliverySources, DescribeDeliveries, DescribeDeliveryDestinations
                       the log deliveries of --execution-delivery (one page each).
    anything else      400 UnknownOperationException.

Data is generated deterministically from the flags and --seed: groups ``fake-0`` ..
``fake-{N-1}`` (or --group-names), --events per group spread uniformly over
[--start-ms, --end-ms] (default now-1h .. now-1m), several streams per group, about 5 % of
the events on "hot" milliseconds shared by every group (so many events share a
millisecond across groups and streams), messages ``fake-3 event 000123 INFO req-… …``
padded to --message-bytes, 56-digit event ids unique per group, ingestionTime = timestamp
+ 1..1999 ms. Each group is a set of compact sorted arrays (about 26 bytes per event plus
the late events' messages), so a million events fit easily.

Paging is like AWS: a group's events are sorted by (timestamp, ingestionTime, eventId); a
page holds at most min(limit, --page-events) events and at most 1 MB counted as message
bytes (UTF-8) + 26 per event; nextToken is absent on the last page; tokens are opaque
(base64 of JSON: group, position, query hash, nonce) and only valid for the query that
made them (same group, startTime, endTime, filterPattern, streams).

Fault knobs (every one is also a key of ``POST /_fake/config``, with ``_`` for ``-``).
Random decisions are a hash of (--seed, knob, group, n-th call to that group), so a run is
reproducible whatever the thread interleaving; only --tps and storms depend on the clock.
Faults hit the operations in --fault-ops (default FilterLogEvents; ``all`` for every
operation) and, with --fault-groups A,B, only calls about those groups (FilterLogEvents'
logGroupName, DescribeLogGroups' prefix or pattern); --latency-ms delays every call.

    --latency-ms L --jitter-ms J   delay each call by L + [0, J) ms
    --tps Q [--tps-burst B]        account-wide token bucket (burst Q by default); calls
                                   above it get ThrottlingException
    --throttle-first N             the first N faultable calls are throttled
    --throttle-rate P              each call is throttled with probability P
    --storm-ms D [--storm-rate P]  a throttle storm: for D ms from the next faultable call
                                   (or from when it is set by /_fake/config), calls are
                                   throttled with probability P (default 1)
    --error-rate P --error-status S  5xx (500, 502, 503 or 504) ServiceUnavailableException
    --error-first N                the first N faultable calls after --throttle-first get
                                   the 5xx
    --reset-rate P                 close the connection with a TCP reset, no response
    --stall-ms S [--stall-rate P]  send the headers and half the body, wait S ms, send the
                                   rest (P defaults to 1: every call)
    --hang-rate P                  accept the call and never answer (until shutdown)
    --truncate-rate P              send the headers and half the body, then reset the
                                   connection
    --garbage-rate P               answer HTTP 200 with an HTML body (not JSON)
    --empty-pages K                before each real page, K empty pages carrying a token
                                   (the last real page then also carries one)
    --repeat-token K               answer a token with K empty pages carrying that same
                                   token before moving on (-1: forever)
    --repeat-token-mode page       instead, answer it with the real page but the request's
                                   own token, K times (the same page comes back again)
    --expire-token-after N         after N pages of a group, reject its next token with
                                   InvalidParameterException "The specified nextToken has
                                   expired" (once per group; --expire-always: every N pages)
    --token-error-first N          the next N FilterLogEvents calls carrying a nextToken
                                   (counted from start, or from when it is set by
                                   /_fake/config) fail with --token-error-status: 400
                                   (InvalidParameterException, default) or a 5xx; a poll's
                                   first page succeeds, its token page fails
    --bad-surrogate-every N        in FilterLogEvents answers, the message of every event
                                   whose number (seq) is a multiple of N ends with a lone
                                   UTF-16 surrogate escape, ``\\udc00`` (valid JSON syntax,
                                   undecodable text); /_fake/events shows it without
    --overlap-pages K              a page asked for with a token starts K events early: it
                                   repeats the previous page's last K events (the same
                                   event ids on two pages, a page going back in time);
                                   K must be less than the page size
    --token-cycle N                page tokens go round in a cycle: the page asked for with
                                   a query's N-th token carries its first token again
                                   (N=2: A, B, A, B, ... forever), for every query
    --endless-rate P               answer HTTP 200 with a chunked body that never ends (a
                                   page's start, then events forever, until the client
                                   goes); stats "endless" and "endless_max_bytes" (the most
                                   bytes one such answer got written)
    --deny-group NAME              AccessDeniedException on FilterLogEvents (repeatable)
    --missing-group NAME           ResourceNotFoundException on FilterLogEvents, absent from
                                   DescribeLogGroups (repeatable)
    --vanish-group NAME            listed by DescribeLogGroups, but ResourceNotFoundException
                                   on FilterLogEvents (deleted in between) (repeatable)
    --page-events N                at most N events per page (partial pages, as AWS may)
    --scan-limit N                 look at most at N events per call (a "time-bounded scan
                                   window": partial or empty pages with a filter)
    --late-events                  enable POST /_fake/put
    --live-refuse TYPE             answer StartLiveTail with HTTP 400 TYPE (e.g.
                                   AccessDeniedException, UnknownOperationException)
    --live-interval-ms I           Live Tail update period (default 1000, as AWS)
    --live-max-events N            events per update before sampling (default 500, as AWS)
    --live-session-ms D            end each Live Tail session after D ms (0: never)
    --live-end timeout|reset       how it ends: SessionTimeoutException, or a TCP reset
    --live-max-sessions N          concurrent sessions before LimitExceededException (15)
    --insights-polls N             GetQueryResults says Running N times before the end
    --insights-status S            how queries end: Complete, Timeout, Unknown, Failed
    --insights-page-rows N         rows per GetQueryResults page (nextToken paging)
    --end-exclusive                FilterLogEvents leaves out events exactly at endTime
                                   (reported in aws/aws-cli#4262; AWS documents it inclusive)
    --execution-delivery API/STAGE=KIND:TARGET
                                   a log delivery of that REST stage's execution logs to a
                                   CloudWatch Logs group (CWL), S3 bucket or Firehose
                                   stream (FH): DescribeDeliverySources, DescribeDeliveries
                                   and DescribeDeliveryDestinations describe it (repeatable)
    --linked-account ACCOUNT       accept that account's log group ARNs as
                                   logGroupIdentifier(s) (cross-account observability);
                                   other accounts' ARNs get AccessDeniedException (repeatable)
    --ia-group NAME                class INFREQUENT_ACCESS: DescribeLogGroups says so,
                                   FilterLogEvents and StartLiveTail refuse it with
                                   InvalidOperationException (repeatable)

Introspection and control (not AWS):
    GET  /_fake/stats           {"calls": {op: n}, "throttled", "errors" (5xx), "pages"
                                 (FilterLogEvents pages built, empty ones and those then
                                 cut by a fault included), "events_returned",
                                 "max_in_flight", "in_flight" (API calls being handled),
                                 "max_in_flight_by_op", "in_flight_by_op", "resets",
                                 "stalls", "hangs", "truncated", "garbage", "expired",
                                 "repeated", "empty_pages", "denied", "not_found",
                                 "token_errors", "cycled", "endless",
                                 "endless_max_bytes",
                                 "live_started", "live_open", "live_max_open",
                                 "live_updates", "live_events", "live_sampled",
                                 "live_identifiers" (the last session's),
                                 "groups": {name: {"calls", "pages", "events",
                                 "throttled", "errors"}}}
    POST /_fake/reset-stats     zero the counters and the fault state that depends on the
                                calls so far (call numbers, --throttle-first/--error-first
                                counts, repeated and expired tokens), so that a second
                                run sees the same faults as the first
    GET  /_fake/config          the current knobs; POST /_fake/config {"knob": value, ...}
                                changes them at once and returns the new ones
    GET  /_fake/events?group=G  every event of G in service order, as FilterLogEvents
                                returns them (optional startTime, endTime, filterPattern)
    GET  /_fake/groups          the group names and event counts
    POST /_fake/put             {"group": G, "events": [{"timestamp", "message",
                                "logStreamName"}]} appends events (ingestionTime = now),
                                keeping the sort order (needs --late-events)

Start: ``python3 scripts/fakelogs.py --port 0 --groups 3 --events 3000`` prints one JSON
line ``{"port": P, "pid": N}`` on stdout once it listens, then stays quiet (--verbose logs
each call to stderr). SIGTERM or SIGINT stops it.
"""

import argparse
import base64
import bisect
import hashlib
import json
import os
import random
import signal
import socket
import struct
import sys
import threading
import time
import zlib
from array import array
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PAGE_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_LIMIT = 10_000
ACCOUNT = "123456789012"
LEVELS = ("INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR", "INFO", "DEBUG")
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")
# Stands for a lone surrogate escape until the answer is serialised (--bad-surrogate-every).
BAD_SURROGATE = "\ue000"
OPS = ("FilterLogEvents", "DescribeLogGroups", "StartLiveTail")
# Logs Insights (issue #15): its own block, see Fake.insights_call.
INSIGHTS_OPS = ("StartQuery", "GetQueryResults", "StopQuery",
                "DescribeDeliverySources", "DescribeDeliveries", "DescribeDeliveryDestinations")

# Knobs settable at runtime, with their defaults and types.
KNOBS = {
    "latency_ms": 0.0,
    "jitter_ms": 0.0,
    "tps": 0.0,
    "tps_burst": 0.0,
    "throttle_first": 0,
    "throttle_rate": 0.0,
    "storm_ms": 0.0,
    "storm_rate": 1.0,
    "error_first": 0,
    "error_rate": 0.0,
    "error_status": 503,
    "reset_rate": 0.0,
    "stall_ms": 0.0,
    "stall_rate": 1.0,
    "hang_rate": 0.0,
    "truncate_rate": 0.0,
    "garbage_rate": 0.0,
    "empty_pages": 0,
    "repeat_token": 0,
    "repeat_token_mode": "empty",
    "expire_token_after": 0,
    "expire_always": False,
    "token_error_first": 0,
    "token_error_status": 400,
    "bad_surrogate_every": 0,
    "overlap_pages": 0,
    "token_cycle": 0,
    "endless_rate": 0.0,
    "deny_group": [],
    "missing_group": [],
    "vanish_group": [],
    "page_events": MAX_LIMIT,
    "scan_limit": 0,
    "fault_ops": ["FilterLogEvents"],
    "fault_groups": [],
    "late_events": False,
    "live_refuse": "",
    "live_interval_ms": 1000.0,
    "live_max_events": 500,
    "live_session_ms": 0.0,
    "live_end": "timeout",
    "live_max_sessions": 15,
}

# Logs Insights and log-class knobs (issue #15), kept apart from the FilterLogEvents ones.
INSIGHTS_KNOBS = {
    # GetQueryResults answers Running this many times before the final status.
    "insights_polls": 0,
    # The final status of every query: Complete, or Timeout / Unknown / Failed.
    "insights_status": "Complete",
    # Groups of class INFREQUENT_ACCESS: FilterLogEvents and Live Tail refuse them.
    "ia_group": [],
    # Rows per GetQueryResults page (nextToken paging).
    "insights_page_rows": 10_000,
    # DescribeLogGroups: storedBytes is the groups' message bytes times this (a small fake
    # group can pose as a big one, for --engine auto and --max-scan, issue #18), and
    # retentionInDays (0: never expire, the field left out).
    "stored_bytes_scale": 1.0,
    "retention_days": 0,
    # FilterLogEvents leaves out an event exactly at endTime (reported in aws/aws-cli#4262;
    # documented as inclusive).
    "end_exclusive": False,
    # Source accounts linked to this (monitoring) account by cross-account observability:
    # their log group ARNs are accepted as logGroupIdentifier(s); other accounts' ARNs are
    # refused with AccessDeniedException (the fake's choice: AWS's exact answer unverified).
    "linked_account": [],
    # Log deliveries of REST execution logs: "API_ID/STAGE=KIND:TARGET", KIND in CWL (TARGET
    # a log group name), S3 (a bucket), FH (a Firehose stream); see Fake.deliveries.
    "execution_delivery": [],
}
KNOBS.update(INSIGHTS_KNOBS)


class ApiError(Exception):
    """An AWS error response."""

    def __init__(self, status, type_, message):
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message


def now_ms():
    return int(time.time() * 1000)


def b64(obj):
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(s):
    pad = "=" * (-len(s) % 4)
    return json.loads(base64.urlsafe_b64decode(s + pad))


# ---------------------------------------------------------------------------------------
# Data


class Group:
    """One log group as parallel arrays sorted by (timestamp, ingestionTime, seq).

    ``seq`` numbers the events of the group: generated events have seq = their index in
    the initial sorted order (so the message number is also the order), late events get
    seq >= n_generated and keep their message in ``late``. The event id is
    ts (20 digits) + group index (6) + seq (30): 56 digits, unique per group, and in the
    same order as seq for one timestamp.
    """

    def __init__(self, name, idx, streams, n_generated, message_bytes, unicode, seed):
        self.name = name
        self.idx = idx
        self.streams = streams
        self.n_generated = n_generated
        self.message_bytes = message_bytes
        self.unicode = unicode
        self.seed = seed
        self.ts = array("q")
        self.ing = array("q")
        self.seq = array("q")
        self.stream = array("H")
        self.late = {}
        self.created = 0

    def __len__(self):
        return len(self.ts)

    def key(self, i):
        return (self.ts[i], self.ing[i], self.seq[i])

    def event_id(self, i):
        return "%020d%06d%030d" % (self.ts[i], self.idx, self.seq[i])

    def message(self, i):
        seq = self.seq[i]
        if seq >= self.n_generated:
            return self.late[seq]
        h = ((seq + 1) * 0x9E3779B1 ^ (self.idx + 1) * 0x85EBCA77 ^ self.seed * 0xC2B2AE3D) & 0xFFFFFFFF
        h ^= h >> 15
        h = (h * 0x2C1B3C6D) & 0xFFFFFFFF
        h ^= h >> 12
        msg = "%s event %06d %s req-%08x %s stream=%d" % (
            self.name,
            seq,
            LEVELS[h % len(LEVELS)],
            h,
            WORDS[(h >> 8) % len(WORDS)],
            self.stream[i],
        )
        if self.unicode and seq % 3 == 0:
            msg += " caf\u00e9 \u2713 \U0001f680"
        if self.message_bytes:
            missing = self.message_bytes - len(msg.encode("utf-8")) - 1
            if missing > 0:
                pad = ("%06d." % seq) * (missing // 7 + 1)
                msg = msg + " " + pad[:missing]
        return msg

    def event(self, i):
        return {
            "logStreamName": self.streams[self.stream[i]],
            "timestamp": self.ts[i],
            "message": self.message(i),
            "ingestionTime": self.ing[i],
            "eventId": self.event_id(i),
        }

    def first_at_or_after_ts(self, ts):
        return bisect.bisect_left(self.ts, ts)

    def first_after_key(self, key):
        """Index of the first event whose sort key is greater than ``key``."""
        lo, hi = 0, len(self.ts)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.key(mid) <= key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def insert(self, ts, ing, stream_idx, message):
        seq = self.n_generated + len(self.late)
        self.late[seq] = message
        i = self.first_after_key((ts, ing, seq))
        self.ts.insert(i, ts)
        self.ing.insert(i, ing)
        self.seq.insert(i, seq)
        self.stream.insert(i, stream_idx)
        return i


def stream_names(seed, name, k, day_ms):
    day = time.strftime("%Y/%m/%d", time.gmtime(day_ms / 1000))
    out = []
    for s in range(k):
        h = hashlib.blake2b(("%s|%s|stream|%d" % (seed, name, s)).encode(), digest_size=16)
        out.append("%s/[$LATEST]%s" % (day, h.hexdigest()))
    return out


def generate(names, counts, start, end, streams, message_bytes, unicode, seed):
    total = sum(counts)
    hot_rng = random.Random("%s|hot" % seed)
    hot = [start + hot_rng.randrange(end - start + 1) for _ in range(max(8, total // 200))]
    groups = {}
    for idx, (name, n) in enumerate(zip(names, counts)):
        rng = random.Random("%s|%s" % (seed, name))
        span = end - start + 1
        rnd = rng.random
        rr = rng.randrange
        nhot = len(hot)
        keys = array("q")
        for _ in range(n):
            ts = hot[rr(nhot)] if rnd() < 0.05 else start + rr(span)
            keys.append((ts << 11) | (1 + rr(1999)))
        keys = array("q", sorted(keys))
        g = Group(name, idx, stream_names(seed, name, streams, start), n, message_bytes, unicode,
                  seed if isinstance(seed, int) else 0)
        g.ts = array("q", (k >> 11 for k in keys))
        g.ing = array("q", ((k >> 11) + (k & 0x7FF) for k in keys))
        g.seq = array("q", range(n))
        g.stream = array("H", (rr(streams) for _ in range(n)))
        g.created = start - 86_400_000 - idx * 1000
        groups[name] = g
    return groups


# ---------------------------------------------------------------------------------------
# Filter patterns


def parse_pattern(p):
    """Terms of a text filter pattern: [(kind, text)], kind in '+', '-', '?'."""
    p = (p or "").strip()
    if not p:
        return []
    if p[0] in "{[%":
        raise ApiError(400, "InvalidParameterException",
                       "fakelogs supports only text filter patterns (terms and \"phrases\")")
    terms = []
    i = 0
    while i < len(p):
        c = p[i]
        if c.isspace():
            i += 1
            continue
        kind = "+"
        if c in "-?" and i + 1 < len(p) and not p[i + 1].isspace():
            kind = c
            i += 1
            c = p[i]
        if c == '"':
            j = p.find('"', i + 1)
            if j < 0:
                raise ApiError(400, "InvalidParameterException", "Invalid filter pattern: unbalanced quote")
            terms.append((kind, p[i + 1:j]))
            i = j + 1
        else:
            j = i
            while j < len(p) and not p[j].isspace():
                j += 1
            terms.append((kind, p[i:j]))
            i = j
    return terms


def matches(terms, msg):
    any_or = False
    or_hit = False
    for kind, t in terms:
        if kind == "+":
            if t not in msg:
                return False
        elif kind == "-":
            if t in msg:
                return False
        else:
            any_or = True
            or_hit = or_hit or t in msg
    return or_hit or not any_or


# ---------------------------------------------------------------------------------------
# The service


class Fake:
    def __init__(self, args, groups):
        self.lock = threading.RLock()
        self.data_lock = threading.RLock()
        self.groups = groups
        self.region = args.region
        self.seed = args.seed
        self.verbose = args.verbose
        self.shutdown = threading.Event()
        self.config = {k: (list(v) if isinstance(v, list) else v) for k, v in KNOBS.items()}
        for k in KNOBS:
            v = getattr(args, k, None)
            if v is not None:
                self.config[k] = v
        self._normalize()
        self.nonce = 0
        self.reset_stats()
        self.bucket = None
        self.storm_until = None
        self.storm_armed = self.config["storm_ms"] > 0
        self.live_sessions = []

    def _normalize(self):
        c = self.config
        fo = c["fault_ops"]
        if isinstance(fo, str):
            fo = [x for x in fo.split(",") if x]
        c["fault_ops"] = list(fo)
        for k in ("deny_group", "missing_group", "vanish_group", "fault_groups"):
            v = c[k]
            if isinstance(v, str):
                v = [x for x in v.split(",") if x]
            c[k] = list(v)
        for k in ("ia_group", "linked_account", "execution_delivery"):
            if isinstance(c[k], str):
                c[k] = [x for x in c[k].split(",") if x]
        if c["repeat_token_mode"] not in ("empty", "page"):
            raise ValueError("repeat_token_mode must be 'empty' or 'page'")
        if c["live_end"] not in ("timeout", "reset"):
            raise ValueError("live_end must be 'timeout' or 'reset'")
        if c["error_status"] not in (500, 502, 503, 504):
            raise ValueError("error_status must be 500, 502, 503 or 504")
        if c["token_error_status"] not in (400, 500, 502, 503, 504):
            raise ValueError("token_error_status must be 400, 500, 502, 503 or 504")

    def set_config(self, changes):
        with self.lock:
            for k, v in changes.items():
                k = k.replace("-", "_")
                if k not in KNOBS:
                    raise ValueError("unknown knob %r (known: %s)" % (k, ", ".join(sorted(KNOBS))))
                default = KNOBS[k]
                if isinstance(default, bool):
                    v = bool(v)
                elif isinstance(default, int):
                    v = int(v)
                elif isinstance(default, float):
                    v = float(v)
                elif isinstance(default, str):
                    v = str(v)
                self.config[k] = v
                if k in ("tps", "tps_burst"):
                    self.bucket = None
                if k == "token_error_first":
                    self.token_calls = 0
                if k == "storm_ms":
                    self.storm_until = None
                    self.storm_armed = v > 0
            self._normalize()
            return dict(self.config)

    def reset_stats(self):
        with self.lock:
            self.stats = {
                "calls": {},
                "throttled": 0,
                "errors": 0,
                "pages": 0,
                "max_in_flight": 0,
                "in_flight": 0,
                "max_in_flight_by_op": {},
                "in_flight_by_op": {},
                "truncated": 0,
                "garbage": 0,
                "resets": 0,
                "stalls": 0,
                "hangs": 0,
                "expired": 0,
                "repeated": 0,
                "empty_pages": 0,
                "denied": 0,
                "token_errors": 0,
                "endless": 0,
                "endless_max_bytes": 0,
                "cycled": 0,
                "not_found": 0,
                "events_returned": 0,
                "live_started": 0,
                "live_open": 0,
                "live_max_open": 0,
                "live_updates": 0,
                "live_events": 0,
                "live_sampled": 0,
                "live_identifiers": [],
                "groups": {},
            }
            self.call_no = {}
            self.faulted_calls = 0
            self.group_pages = {}
            self.expired_once = set()
            self.repeats = {}
            self.token_calls = 0
            self.cycle_first = {}

    def gstat(self, name):
        return self.stats["groups"].setdefault(
            name, {"calls": 0, "pages": 0, "events": 0, "throttled": 0, "errors": 0})

    def log(self, fmt, *a):
        if self.verbose:
            sys.stderr.write("fakelogs: " + (fmt % a) + "\n")
            sys.stderr.flush()

    # Deterministic randomness: hash of (seed, knob, key, n).
    def frac(self, knob, key, n):
        h = hashlib.blake2b(("%s|%s|%s|%d" % (self.seed, knob, key, n)).encode(), digest_size=8)
        return int.from_bytes(h.digest(), "big") / 2.0 ** 64

    def next_nonce(self):
        with self.lock:
            self.nonce += 1
            return self.nonce

    def take_token(self, c):
        """The --tps bucket: True when the call may go on."""
        rate = c["tps"]
        if rate <= 0:
            return True
        burst = c["tps_burst"] or rate
        t = time.monotonic()
        if self.bucket is None:
            self.bucket = [burst, t]
        tokens, last = self.bucket
        tokens = min(burst, tokens + (t - last) * rate)
        if tokens >= 1.0:
            self.bucket = [tokens - 1.0, t]
            return True
        self.bucket = [tokens, t]
        return False

    def fault_key(self, op, body):
        if op == "FilterLogEvents":
            return group_name_of(body) or "?"
        if op == "DescribeLogGroups":
            return "describe:" + str(body.get("logGroupNamePrefix") or body.get("logGroupNamePattern") or "")
        return op

    def pre_call(self, op, body):
        """Count the call and decide on the faults before the operation runs.

        Returns (action, n, key, config) with action in None, 'hang', 'reset', or raises
        ApiError for throttling and 5xx."""
        key = self.fault_key(op, body)
        with self.lock:
            c = dict(self.config)
            calls = self.stats["calls"]
            calls[op] = calls.get(op, 0) + 1
            n = self.call_no.get((op, key), 0)
            self.call_no[(op, key)] = n + 1
            if op == "FilterLogEvents":
                self.gstat(key)["calls"] += 1
        delay = c["latency_ms"] + (c["jitter_ms"] * self.frac("jitter", key, n) if c["jitter_ms"] else 0)
        if delay > 0:
            self.shutdown.wait(delay / 1000.0)
        if not self.faultable(c, op, key):
            return None, n, key, c
        with self.lock:
            self.faulted_calls += 1
            nth = self.faulted_calls
        if c["hang_rate"] and self.frac("hang", key, n) < c["hang_rate"]:
            with self.lock:
                self.stats["hangs"] += 1
            return "hang", n, key, c
        if c["reset_rate"] and self.frac("reset", key, n) < c["reset_rate"]:
            with self.lock:
                self.stats["resets"] += 1
            return "reset", n, key, c
        throttled = False
        with self.lock:
            if c["throttle_first"] and nth <= c["throttle_first"]:
                throttled = True
            if not throttled and self.storm_armed and c["storm_ms"] > 0:
                t = time.monotonic()
                if self.storm_until is None:
                    self.storm_until = t + c["storm_ms"] / 1000.0
                if t < self.storm_until:
                    throttled = self.frac("storm", key, n) < c["storm_rate"]
                else:
                    self.storm_armed = False
            if not throttled and c["throttle_rate"] and self.frac("throttle", key, n) < c["throttle_rate"]:
                throttled = True
            if not throttled and op == "FilterLogEvents" and not self.take_token(c):
                throttled = True
            if throttled:
                self.stats["throttled"] += 1
                if op == "FilterLogEvents":
                    self.gstat(key)["throttled"] += 1
        if throttled:
            raise ApiError(400, "ThrottlingException", "Rate exceeded")
        if (c["error_first"] and nth <= c["throttle_first"] + c["error_first"]
                and nth > c["throttle_first"]) or (c["error_rate"] and self.frac("error", key, n) < c["error_rate"]):
            with self.lock:
                self.stats["errors"] += 1
                if op == "FilterLogEvents":
                    self.gstat(key)["errors"] += 1
            status = c["error_status"]
            raise ApiError(status, "ServiceUnavailableException",
                           "The service is unavailable. Please try again shortly.")
        return None, n, key, c

    def faultable(self, c, op, key):
        if "all" not in c["fault_ops"] and op not in c["fault_ops"]:
            return False
        if c["fault_groups"]:
            name = key[len("describe:"):] if key.startswith("describe:") else key
            return name in c["fault_groups"]
        return True

    def garbage(self, c, key, n, op):
        if self.faultable(c, op, key) and c["garbage_rate"] and self.frac("garbage", key, n) < c["garbage_rate"]:
            with self.lock:
                self.stats["garbage"] += 1
            return True
        return False

    def truncate(self, c, key, n, op):
        if self.faultable(c, op, key) and c["truncate_rate"] and self.frac("truncate", key, n) < c["truncate_rate"]:
            with self.lock:
                self.stats["truncated"] += 1
            return True
        return False

    def stall_for(self, c, key, n, op):
        if self.faultable(c, op, key) and c["stall_ms"] > 0 and self.frac("stall", key, n) < c["stall_rate"]:
            with self.lock:
                self.stats["stalls"] += 1
            return c["stall_ms"] / 1000.0
        return 0.0

    # --- operations -------------------------------------------------------------------

    def describe_log_groups(self, body, c):
        prefix = body.get("logGroupNamePrefix")
        pattern = body.get("logGroupNamePattern")
        if prefix is not None and pattern is not None:
            raise ApiError(400, "InvalidParameterException",
                           "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
        limit = body.get("limit", 50)
        if not isinstance(limit, int) or not 1 <= limit <= 50:
            raise ApiError(400, "InvalidParameterException",
                           "1 validation error detected: Value '%s' at 'limit' failed to satisfy constraint: "
                           "Member must have value less than or equal to 50" % limit)
        with self.data_lock:
            names = sorted(n for n in self.groups if n not in c["missing_group"])
            sizes = {n: len(self.groups[n]) for n in names}
        if prefix:
            names = [n for n in names if n.startswith(prefix)]
        if pattern:
            names = [n for n in names if pattern in n]
        token = body.get("nextToken")
        if token:
            try:
                after = unb64(token)["after"]
            except Exception:
                raise ApiError(400, "InvalidParameterException", "The specified nextToken is invalid.")
            names = [n for n in names if n > after]
        page, rest = names[:limit], names[limit:]
        out = {"logGroups": []}
        for n in page:
            g = self.groups[n]
            avg = len(g.message(0).encode()) if len(g) else 0
            out["logGroups"].append({
                "logGroupName": n,
                "creationTime": g.created,
                "metricFilterCount": 0,
                "arn": "arn:aws:logs:%s:%s:log-group:%s:*" % (self.region, ACCOUNT, n),
                "logGroupArn": "arn:aws:logs:%s:%s:log-group:%s" % (self.region, ACCOUNT, n),
                "storedBytes": int(avg * sizes[n] * c["stored_bytes_scale"]),
                "logGroupClass": "INFREQUENT_ACCESS" if n in c["ia_group"] else "STANDARD",
            })
            if c["retention_days"]:
                out["logGroups"][-1]["retentionInDays"] = c["retention_days"]
        if rest:
            out["nextToken"] = b64({"after": page[-1], "n": self.next_nonce()})
        return out

    def filter_log_events(self, body, c, key):
        name = group_name_of(body)
        if not name:
            raise ApiError(400, "InvalidParameterException",
                           "Either logGroupName or logGroupIdentifier must be specified.")
        if name in c["deny_group"]:
            with self.lock:
                self.stats["denied"] += 1
            raise ApiError(400, "AccessDeniedException",
                           "User: arn:aws:iam::%s:user/fake is not authorized to perform: logs:FilterLogEvents "
                           "on resource: arn:aws:logs:%s:%s:log-group:%s:log-stream: because no identity-based "
                           "policy allows the logs:FilterLogEvents action" % (ACCOUNT, self.region, ACCOUNT, name))
        with self.data_lock:
            g = self.groups.get(name)
        if g is None or name in c["missing_group"] or name in c["vanish_group"]:
            with self.lock:
                self.stats["not_found"] += 1
            raise ApiError(400, "ResourceNotFoundException", "The specified log group does not exist.")
        refuse_infrequent_access(c, name, "FilterLogEvents")
        refuse_unlinked_account(c, body.get("logGroupIdentifier"), "FilterLogEvents")
        limit = body.get("limit", MAX_LIMIT)
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise ApiError(400, "InvalidParameterException",
                           "1 validation error detected: Value '%s' at 'limit' failed to satisfy constraint: "
                           "Member must have value less than or equal to 10000" % limit)
        if body.get("startFromHead") is False:
            raise ApiError(400, "InvalidParameterException", "fakelogs does not support startFromHead=false")
        start = body.get("startTime")
        end = body.get("endTime")
        if start is not None and end is not None and start > end:
            raise ApiError(400, "InvalidParameterException",
                           "The specified startTime is after the specified endTime.")
        if start is None:
            start = -(2 ** 62)
        if end is None:
            end = 2 ** 62
        terms = parse_pattern(body.get("filterPattern"))
        stream_filter = None
        if body.get("logStreamNames") is not None and body.get("logStreamNamePrefix") is not None:
            raise ApiError(400, "InvalidParameterException",
                           "logStreamNames and logStreamNamePrefix are mutually exclusive")
        if body.get("logStreamNames") is not None:
            wanted = set(body["logStreamNames"])
            stream_filter = {i for i, s in enumerate(g.streams) if s in wanted}
        elif body.get("logStreamNamePrefix") is not None:
            p = body["logStreamNamePrefix"]
            stream_filter = {i for i, s in enumerate(g.streams) if s.startswith(p)}
        qhash = hashlib.blake2b(json.dumps(
            [name, body.get("startTime"), body.get("endTime"), body.get("filterPattern") or "",
             body.get("logStreamNames"), body.get("logStreamNamePrefix")]).encode(), digest_size=6).hexdigest()

        # The token: where to go on, and how many empty pages were served before it.
        token = body.get("nextToken")
        pos_key = None
        empties = 0
        page_no = 0
        if token:
            try:
                t = unb64(token)
                if t["g"] != name or t["q"] != qhash:
                    raise ValueError("token of another query")
                pos_key = tuple(t["k"]) if t["k"] is not None else None
                empties = int(t["e"])
                page_no = int(t.get("p", 0))
            except Exception:
                raise ApiError(400, "InvalidParameterException", "The specified nextToken is invalid.")
            self.token_error(c, key)
            with self.lock:
                pages = self.group_pages.get(name, 0)
                after = c["expire_token_after"]
                if after and pages >= after and (c["expire_always"] or name not in self.expired_once):
                    self.expired_once.add(name)
                    self.group_pages[name] = 0
                    self.stats["expired"] += 1
                    raise ApiError(400, "InvalidParameterException", "The specified nextToken has expired.")
                rep = c["repeat_token"]
                if rep and c["repeat_token_mode"] == "empty":
                    served = self.repeats.get(token, 0)
                    if rep < 0 or served < rep:
                        self.repeats[token] = served + 1
                        self.stats["repeated"] += 1
                        self.stats["empty_pages"] += 1
                        self._count_page(name, 0)
                        return {"events": [], "searchedLogStreams": [], "nextToken": token}

        def make_token(k, e):
            return b64({"g": name, "k": list(k) if k is not None else None, "e": e, "q": qhash,
                        "p": page_no + 1, "n": self.next_nonce()})

        if c["empty_pages"] and empties < c["empty_pages"]:
            with self.lock:
                self.stats["empty_pages"] += 1
            self._count_page(name, 0)
            return {"events": [], "searchedLogStreams": [], "nextToken": make_token(pos_key, empties + 1)}

        cap = min(limit, max(1, int(c["page_events"])))
        scan_limit = int(c["scan_limit"])
        events = []
        size = 0
        more = False
        with self.data_lock:
            i = g.first_after_key(pos_key) if pos_key is not None else g.first_at_or_after_ts(start)
            if pos_key is not None and c["overlap_pages"]:
                # Back K events that match the query (already sent), not before startTime.
                back = c["overlap_pages"]
                while back > 0 and i > 0 and g.ts[i - 1] >= start:
                    i -= 1
                    if (stream_filter is None or g.stream[i] in stream_filter) and (
                            not terms or matches(terms, g.message(i))):
                        back -= 1
            n = len(g)
            scanned = 0
            last_key = pos_key
            while i < n and (g.ts[i] < end if c["end_exclusive"] else g.ts[i] <= end):
                if scan_limit and scanned >= scan_limit:
                    more = True
                    break
                if g.ts[i] < start:
                    i += 1
                    continue
                if stream_filter is not None and g.stream[i] not in stream_filter:
                    last_key = g.key(i)
                    i += 1
                    scanned += 1
                    continue
                msg = g.message(i)
                if terms and not matches(terms, msg):
                    last_key = g.key(i)
                    i += 1
                    scanned += 1
                    continue
                esize = len(msg.encode("utf-8")) + EVENT_OVERHEAD
                if len(events) >= cap or (events and size + esize > PAGE_BYTES):
                    more = True
                    break
                ev = g.event(i)
                bad = c["bad_surrogate_every"]
                if bad and g.seq[i] % bad == 0:
                    ev["message"] += BAD_SURROGATE
                events.append(ev)
                size += esize
                last_key = g.key(i)
                i += 1
                scanned += 1
        out = {"events": events, "searchedLogStreams": []}
        if more:
            out["nextToken"] = make_token(last_key, 0)
        elif c["empty_pages"] and events:
            # The last real page also carries a token: K empty pages, then the end.
            out["nextToken"] = make_token(last_key, 0)
        rep = c["repeat_token"]
        if token and rep and c["repeat_token_mode"] == "page" and "nextToken" in out:
            # The real page, but with the request's own token: the next call gets it again.
            with self.lock:
                served = self.repeats.get(token, 0)
                if rep < 0 or served < rep:
                    self.repeats[token] = served + 1
                    self.stats["repeated"] += 1
                    out["nextToken"] = token
        cycle = c["token_cycle"]
        if cycle and "nextToken" in out:
            # --token-cycle: the first page's token again, after N pages.
            with self.lock:
                if page_no == 0:
                    self.cycle_first[qhash] = out["nextToken"]
                elif page_no >= cycle and qhash in self.cycle_first:
                    out["nextToken"] = self.cycle_first[qhash]
                    self.stats["cycled"] += 1
        if not events:
            with self.lock:
                self.stats["empty_pages"] += 1
        self._count_page(name, len(events))
        return out

    def token_error(self, c, key):
        """--token-error-first: fail this call carrying a token, if it is one of the next N."""
        if not c["token_error_first"] or not self.faultable(c, "FilterLogEvents", key):
            return
        with self.lock:
            self.token_calls += 1
            if self.token_calls > c["token_error_first"]:
                return
            self.stats["token_errors"] += 1
        status = c["token_error_status"]
        if status == 400:
            raise ApiError(400, "InvalidParameterException", "The specified nextToken is invalid.")
        raise ApiError(status, "ServiceUnavailableException",
                       "The service is unavailable. Please try again shortly.")

    def _count_page(self, name, n):
        with self.lock:
            self.stats["pages"] += 1
            self.stats["events_returned"] += n
            self.group_pages[name] = self.group_pages.get(name, 0) + 1
            gs = self.gstat(name)
            gs["pages"] += 1
            gs["events"] += n

    # --- introspection ----------------------------------------------------------------

    def all_events(self, name, start=None, end=None, pattern=None):
        with self.data_lock:
            g = self.groups.get(name)
            if g is None:
                return None
            terms = parse_pattern(pattern)
            out = []
            for i in range(len(g)):
                if start is not None and g.ts[i] < start:
                    continue
                if end is not None and g.ts[i] > end:
                    break
                if terms and not matches(terms, g.message(i)):
                    continue
                out.append(g.event(i))
            return out

    def put(self, body):
        name = body.get("group")
        if not isinstance(name, str) or not name:
            raise ValueError("'group' is required")
        evs = body.get("events") or []
        ids = []
        with self.data_lock:
            g = self.groups.get(name)
            if g is None:
                idx = len(self.groups)
                g = Group(name, idx, stream_names(self.seed, name, 1, now_ms()), 0, 0, False, 0)
                g.created = now_ms()
                self.groups[name] = g
            for e in evs:
                ts = int(e["timestamp"])
                msg = str(e["message"])
                sname = e.get("logStreamName") or g.streams[0]
                if sname not in g.streams:
                    g.streams.append(sname)
                si = g.streams.index(sname)
                ing = now_ms()
                i = g.insert(ts, ing, si, msg)
                ids.append(g.event_id(i))
                with self.lock:
                    for sess in self.live_sessions:
                        ident = sess.idents.get(name)
                        if ident is not None and (not sess.terms or matches(sess.terms, msg)):
                            sess.queue.append({"logStreamName": sname, "logGroupIdentifier": ident,
                                               "message": msg, "timestamp": ts, "ingestionTime": ing})
        return {"accepted": len(ids), "eventIds": ids}

    def start_live_tail(self, body, c):
        """Validate a StartLiveTail request and register its session (ApiError if refused)."""
        if c["live_refuse"]:
            raise ApiError(400, c["live_refuse"], "refused by the fake (--live-refuse)")
        idents = body.get("logGroupIdentifiers")
        if not isinstance(idents, list) or not 1 <= len(idents) <= 10:
            raise ApiError(400, "InvalidParameterException", "logGroupIdentifiers must hold 1 to 10 log groups")
        names = {}
        with self.data_lock:
            for ident in idents:
                ident = str(ident)
                if ident.endswith("*"):
                    raise ApiError(400, "InvalidParameterException", "an ARN can't end with an asterisk")
                name = group_name_of({"logGroupIdentifier": ident})
                if name not in self.groups or name in c["missing_group"]:
                    raise ApiError(400, "ResourceNotFoundException", "The specified log group does not exist.")
                refuse_infrequent_access(c, name, "StartLiveTail")
                refuse_unlinked_account(c, ident, "StartLiveTail")
                names[name] = ident
        sess = LiveSession(names, parse_pattern(body.get("logEventFilterPattern")))
        with self.lock:
            if len(self.live_sessions) >= c["live_max_sessions"]:
                raise ApiError(400, "LimitExceededException", "too many concurrent Live Tail sessions")
            self.live_sessions.append(sess)
            st = self.stats
            st["live_started"] += 1
            st["live_open"] = len(self.live_sessions)
            st["live_max_open"] = max(st["live_max_open"], st["live_open"])
            st["live_identifiers"] = [str(i) for i in idents]
        return sess

    def end_live(self, sess):
        with self.lock:
            if sess in self.live_sessions:
                self.live_sessions.remove(sess)
            self.stats["live_open"] = len(self.live_sessions)

    def live_update(self, sess, c):
        """The next sessionUpdate payload: the queued events, sampled above the limit."""
        with self.lock:
            evs, sess.queue = sess.queue, []
        evs.sort(key=lambda e: (e["timestamp"], e["ingestionTime"]))
        limit = max(1, c["live_max_events"])
        sampled = len(evs) > limit
        if sampled:
            step = len(evs) / limit
            evs = [evs[int(k * step)] for k in range(limit)]
        with self.lock:
            st = self.stats
            st["live_updates"] += 1
            st["live_events"] += len(evs)
            st["live_sampled"] += 1 if sampled else 0
        return {"sessionMetadata": {"sampled": sampled}, "sessionResults": evs}


    # --- Logs Insights (issue #15) ------------------------------------------------------
    #
    # StartQuery / GetQueryResults / StopQuery over the same data as FilterLogEvents, with
    # AWS's semantics where they differ from the emulator's:
    # - startTime/endTime are epoch seconds converted straight to milliseconds: a query
    #   covers [startTime*1000, endTime*1000], so endTime=E reaches E.000 only, not E.999
    #   (the CloudWatch team in aws/aws-sdk#280, from boto/boto3#3282).
    # - rows are sorted by @timestamp and cut at the query's limit (at most 10,000 rows:
    #   the cap the client asks for); statistics.recordsMatched counts them all.
    # - GetQueryResults pages the rows by nextToken (--insights-page-rows a page), as the
    #   service does since the 100,000-row limit (aws-notes §5.7).
    # - a group that does not exist (--missing-group, --vanish-group) fails the whole
    #   StartQuery with ResourceNotFoundException, whatever the other groups.
    # - @timestamp is "YYYY-MM-DD HH:MM:SS.mmm" (UTC), @log "account:group", @ptr opaque.
    # The query string's filter is not applied (like the emulator): the client matches.

    def insights_call(self, op, body, c):
        if op.startswith("DescribeDeliver"):
            return self.deliveries(op, c)
        queries = self.__dict__.setdefault("queries", {})
        if op == "StartQuery":
            return self.start_query(body, c, queries)
        q = queries.get(str(body.get("queryId") or ""))
        if q is None:
            raise ApiError(400, "ResourceNotFoundException", "The specified query does not exist.")
        if op == "StopQuery":
            q["stopped"] = True
            return {"success": True}
        with self.lock:
            q["polls"] += 1
            polls = q["polls"]
        stats = {"recordsMatched": float(q["matched"]), "recordsScanned": float(q["scanned"]),
                 "bytesScanned": float(q["bytes"])}
        if q.get("stopped"):
            return {"status": "Cancelled", "results": [], "statistics": stats}
        if polls <= int(c["insights_polls"]):
            return {"status": "Running", "results": [], "statistics": stats}
        status = str(c["insights_status"])
        if status != "Complete":
            return {"status": status, "results": [], "statistics": stats}
        page = max(1, int(c["insights_page_rows"]))
        token = body.get("nextToken")
        at = int(token.split(":", 1)[1]) if token else 0
        rows = q["rows"][at:at + page]
        out = {"status": "Complete", "results": rows, "statistics": stats}
        if at + page < len(q["rows"]):
            out["nextToken"] = "%s:%d" % (body["queryId"], at + page)
        return out

    def deliveries(self, op, c):
        """DescribeDeliverySources / DescribeDeliveries / DescribeDeliveryDestinations (one
        page each) over --execution-delivery."""
        rows = _deliveries(self, c)
        if op == "DescribeDeliverySources":
            seen = {}
            for s, _, _ in rows:
                seen[s["name"]] = s
            return {"deliverySources": list(seen.values())}
        if op == "DescribeDeliveries":
            return {"deliveries": [d for _, d, _ in rows]}
        return {"deliveryDestinations": [x for _, _, x in rows]}

    def start_query(self, body, c, queries):
        idents = body.get("logGroupIdentifiers") or body.get("logGroupNames") or (
            [body["logGroupName"]] if body.get("logGroupName") else [])
        if not idents or len(idents) > 50:
            raise ApiError(400, "InvalidParameterException", "a query needs 1 to 50 log groups")
        st, et = body.get("startTime"), body.get("endTime")
        if not isinstance(st, int) or not isinstance(et, int) or st > et:
            raise ApiError(400, "InvalidParameterException", "startTime and endTime are epoch seconds, start <= end")
        limit = body.get("limit", MAX_LIMIT)
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise ApiError(400, "InvalidParameterException", "limit must be 1..10000")
        for ident in idents:
            refuse_unlinked_account(c, str(ident), "StartQuery")
        names = [group_name_of({"logGroupIdentifier": str(i)}) for i in idents]
        lo, hi = st * 1000, et * 1000
        found = []
        scanned = 0
        nbytes = 0
        with self.data_lock:
            for name in names:
                g = self.groups.get(name)
                if g is None or name in c["missing_group"] or name in c["vanish_group"]:
                    with self.lock:
                        self.stats["not_found"] += 1
                    raise ApiError(400, "ResourceNotFoundException", "The specified log group does not exist.")
                i = g.first_at_or_after_ts(lo)
                while i < len(g) and g.ts[i] <= hi:
                    msg = g.message(i)
                    scanned += 1
                    nbytes += len(msg.encode("utf-8"))
                    found.append((g.ts[i], g.ing[i], g.idx, g.seq[i], g, i))
                    i += 1
        found.sort(key=lambda r: r[:4])
        rows = []
        for ts, ing, _, seq, g, i in found[:limit]:
            def f(k, v):
                return {"field": k, "value": v}
            rows.append([
                f("@timestamp", insights_time(ts)),
                f("@message", g.message(i)),
                f("@logStream", g.streams[g.stream[i]]),
                f("@log", "%s:%s" % (ACCOUNT, g.name)),
                f("@ingestionTime", insights_time(ing)),
                f("@ptr", base64.b64encode(("%d/%d" % (g.idx, seq)).encode()).decode()),
            ])
        qid = "fake-query-%d" % self.next_nonce()
        with self.lock:
            queries[qid] = {"rows": rows, "matched": len(found), "scanned": scanned, "bytes": nbytes,
                            "polls": 0}
            self.stats.setdefault("insights_queries", []).append(
                {"groups": names, "startTime": st, "endTime": et})
        return {"queryId": qid}


def _deliveries(fake, c):
    """The --execution-delivery entries as (source, delivery, destination) objects, as the
    CloudWatch Logs delivery APIs describe them (API Gateway developer guide, "Create a log
    delivery for REST API execution logs": log type EXECUTION_LOGS, resource ARN
    arn:aws:apigateway:{region}:{account-id}:/restapis/{id}/stages/{stage})."""
    out = []
    for n, spec in enumerate(c["execution_delivery"]):
        where, _, dest = spec.partition("=")
        api, _, stage = where.partition("/")
        kind, _, target = dest.partition(":")
        resource = {
            "CWL": "arn:aws:logs:%s:%s:log-group:%s:*" % (fake.region, ACCOUNT, target),
            "S3": "arn:aws:s3:::%s" % target,
            "FH": "arn:aws:firehose:%s:%s:deliverystream/%s" % (fake.region, ACCOUNT, target),
        }.get(kind, target)
        dest_arn = "arn:aws:logs:%s:%s:delivery-destination:dest-%d" % (fake.region, ACCOUNT, n)
        out.append((
            {"name": "src-%s-%s" % (api, stage), "logType": "EXECUTION_LOGS", "service": "apigateway",
             "arn": "arn:aws:logs:%s:%s:delivery-source:src-%s-%s" % (fake.region, ACCOUNT, api, stage),
             "resourceArns": ["arn:aws:apigateway:%s:%s:/restapis/%s/stages/%s" % (fake.region, ACCOUNT, api, stage)]},
            {"id": "del-%d" % n, "deliverySourceName": "src-%s-%s" % (api, stage),
             "deliveryDestinationArn": dest_arn, "deliveryDestinationType": kind},
            {"name": "dest-%d" % n, "arn": dest_arn, "deliveryDestinationType": kind,
             "deliveryDestinationConfiguration": {"destinationResourceArn": resource}},
        ))
    return out


def insights_time(ms):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000)) + ".%03d" % (ms % 1000)


def refuse_unlinked_account(c, ident, op):
    """A log group ARN of another account than the fake's is only readable when that
    account is linked (cross-account observability, --linked-account)."""
    if not ident or not str(ident).startswith("arn:"):
        return
    parts = str(ident).split(":")
    account = parts[4] if len(parts) > 4 else ""
    if account and account != ACCOUNT and account not in c["linked_account"]:
        raise ApiError(400, "AccessDeniedException",
                       "User: arn:aws:iam::%s:user/fake is not authorized to perform: logs:%s on resource: %s "
                       "(the fake: account %s is not linked to this monitoring account)"
                       % (ACCOUNT, op, ident, account))


def refuse_infrequent_access(c, name, op):
    """FilterLogEvents refuses a group of class INFREQUENT_ACCESS (the error as quoted in
    aws/karpenter-provider-aws#9567). Live Tail is refused the same way here, which is
    unverified (aws-notes.md §5.6)."""
    if name in c["ia_group"]:
        raise ApiError(400, "InvalidOperationException",
                       "The log group %s is of log-group-class INFREQUENT_ACCESS. %s is not supported "
                       "for this log class." % (name, op))


class LiveSession:
    def __init__(self, idents, terms):
        self.idents = idents  # group name -> identifier as the client sent it
        self.terms = terms
        self.queue = []
        self.started = time.monotonic()


def es_frame(headers, payload):
    """One AWS event-stream message: prelude, CRCs, string headers, payload."""
    hb = b""
    for name, value in headers:
        n, v = name.encode(), value.encode()
        hb += struct.pack(">B", len(n)) + n + b"\x07" + struct.pack(">H", len(v)) + v
    prelude = struct.pack(">II", 12 + len(hb) + len(payload) + 4, len(hb))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    msg = prelude + hb + payload
    return msg + struct.pack(">I", zlib.crc32(msg))


def es_event(event_type, obj):
    return es_frame([(":message-type", "event"), (":event-type", event_type),
                     (":content-type", "application/json")],
                    json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def es_exception(type_, message):
    return es_frame([(":message-type", "exception"), (":exception-type", type_),
                     (":content-type", "application/json")],
                    json.dumps({"message": message}).encode("utf-8"))


def group_name_of(body):
    name = body.get("logGroupName")
    if name:
        return str(name)
    ident = body.get("logGroupIdentifier")
    if ident:
        ident = str(ident)
        if ident.startswith("arn:"):
            # arn:aws:logs:region:account:log-group:NAME[:*]
            parts = ident.split(":log-group:", 1)
            if len(parts) == 2:
                n = parts[1]
                return n[:-2] if n.endswith(":*") else n
        return ident
    return None


# ---------------------------------------------------------------------------------------
# HTTP


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "fakelogs/1"

    def log_message(self, fmt, *args):
        self.server.fake.log("%s %s", self.address_string(), fmt % args)

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send_json(self, status, obj, content_type="application/x-amz-json-1.1", stall=0.0, extra=None,
                  truncate=False):
        if isinstance(obj, str):
            body = obj.encode("utf-8")
        else:
            body = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "fake-%d" % self.server.fake.next_nonce())
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if truncate:
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            return self.reset()
        if stall > 0:
            half = len(body) // 2
            self.wfile.write(body[:half])
            self.wfile.flush()
            self.server.fake.shutdown.wait(stall)
            self.wfile.write(body[half:])
        else:
            self.wfile.write(body)
        self.wfile.flush()

    def send_endless(self, fake):
        """--endless-rate: HTTP 200, then a chunked body that never ends."""
        with fake.lock:
            fake.stats["endless"] += 1
        sent = 0
        event = json.dumps({"logStreamName": "s", "timestamp": 1, "message": "x" * 1000,
                            "ingestionTime": 1, "eventId": "1"}).encode() + b","
        block = event * 64
        chunk = b"%x\r\n" % len(block) + block + b"\r\n"
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("x-amzn-RequestId", "fake-%d" % fake.next_nonce())
            self.end_headers()
            start = b'{"events":['
            self.wfile.write(b"%x\r\n" % len(start) + start + b"\r\n")
            while not fake.shutdown.is_set() and sent < (8 << 30):
                self.wfile.write(chunk)
                sent += len(block)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            with fake.lock:
                fake.stats["endless_max_bytes"] = max(fake.stats["endless_max_bytes"], sent)
            self.close_connection = True

    def get_caller_identity(self):
        """STS GetCallerIdentity (query protocol, XML): the account Live Tail ARNs use."""
        xml = ('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
               "<GetCallerIdentityResult><Arn>arn:aws:iam::%s:user/fake</Arn><UserId>AIDAFAKE</UserId>"
               "<Account>%s</Account></GetCallerIdentityResult>"
               "<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata>"
               "</GetCallerIdentityResponse>") % (ACCOUNT, ACCOUNT)
        self.send_json(200, xml, content_type="text/xml")

    def live_tail(self, fake, sess, req):
        """Stream a Live Tail session until it ends, the client goes, or shutdown."""
        def chunk(data):
            self.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n")
            self.wfile.flush()

        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.amazon.eventstream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("x-amzn-RequestId", "fake-%d" % fake.next_nonce())
            self.end_headers()
            chunk(es_event("sessionStart", {
                "requestId": "fake-live", "sessionId": "fake-session-%d" % fake.next_nonce(),
                "logGroupIdentifiers": list(sess.idents.values()),
                "logEventFilterPattern": req.get("logEventFilterPattern") or ""}))
            while True:
                c = dict(fake.config)
                if fake.shutdown.wait(max(0.01, c["live_interval_ms"] / 1000.0)):
                    return self.reset()
                if c["live_session_ms"] and (time.monotonic() - sess.started) * 1000 >= c["live_session_ms"]:
                    if c["live_end"] == "reset":
                        fake.log("StartLiveTail: session reset")
                        return self.reset()
                    chunk(es_exception("SessionTimeoutException", "Session timed out"))
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                    return
                chunk(es_event("sessionUpdate", fake.live_update(sess, c)))
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True
        finally:
            fake.end_live(sess)

    def send_error_json(self, e, content_type="application/x-amz-json-1.1"):
        self.send_json(e.status, {"__type": e.type, "message": e.message}, content_type,
                       extra={"x-amzn-ErrorType": e.type})

    def reset(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def do_GET(self):
        self.control("GET")

    def do_POST(self):
        body = self.read_body()
        if self.path.startswith("/_fake/"):
            return self.control("POST", body)
        if urlparse(self.path).path != "/":
            return self.send_json(404, {"__type": "UnknownOperationException", "message": "no such path"})
        fake = self.server.fake
        target = self.headers.get("X-Amz-Target") or ""
        if not target and b"Action=GetCallerIdentity" in body:
            return self.get_caller_identity()
        service, _, op = target.partition(".")
        try:
            req = json.loads(body or b"{}")
            if not isinstance(req, dict):
                raise ValueError
        except ValueError:
            return self.send_error_json(ApiError(400, "SerializationException", "the body is not a JSON object"))
        if service != "Logs_20140328" or op not in OPS + INSIGHTS_OPS:
            fake.log("unknown operation %r", target)
            return self.send_error_json(ApiError(400, "UnknownOperationException",
                                                 "fakelogs does not implement %r" % target))
        with fake.lock:
            st = fake.stats
            st["in_flight"] += 1
            st["max_in_flight"] = max(st["max_in_flight"], st["in_flight"])
            by_op = st["in_flight_by_op"]
            by_op[op] = by_op.get(op, 0) + 1
            st["max_in_flight_by_op"][op] = max(st["max_in_flight_by_op"].get(op, 0), by_op[op])
        try:
            self.api_call(fake, op, req)
        finally:
            with fake.lock:
                fake.stats["in_flight"] -= 1
                fake.stats["in_flight_by_op"][op] -= 1

    def api_call(self, fake, op, req):
        try:
            action, n, key, c = fake.pre_call(op, req)
            if action == "hang":
                fake.log("%s %s #%d: hang", op, key, n)
                fake.shutdown.wait()
                return self.reset()
            if action == "reset":
                fake.log("%s %s #%d: reset", op, key, n)
                return self.reset()
            if op == "StartLiveTail":
                sess = fake.start_live_tail(req, c)
                return self.live_tail(fake, sess, req)
            if op in INSIGHTS_OPS:
                out = fake.insights_call(op, req, c)
            elif op == "FilterLogEvents":
                out = fake.filter_log_events(req, c, key)
            else:
                out = fake.describe_log_groups(req, c)
        except ApiError as e:
            fake.log("%s %s: %d %s %s", op, fake.fault_key(op, req), e.status, e.type, e.message)
            return self.send_error_json(e)
        fake.log("%s %s #%d: %d events%s", op, key, n, len(out.get("events", out.get("logGroups", []))),
                 " +token" if out.get("nextToken") else "")
        if fake.faultable(c, op, key) and c["endless_rate"] and fake.frac("endless", key, n) < c["endless_rate"]:
            return self.send_endless(fake)
        stall = fake.stall_for(c, key, n, op)
        truncate = fake.truncate(c, key, n, op)
        if isinstance(out, dict) and c["bad_surrogate_every"]:
            out = json.dumps(out, separators=(",", ":"), ensure_ascii=False).replace(BAD_SURROGATE, "\\udc00")
        if fake.garbage(c, key, n, op):
            out = "<html><body>502 Bad Gateway (a proxy answered)</body></html>"
        try:
            self.send_json(200, out, stall=stall, truncate=truncate)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def control(self, method, body=b""):
        fake = self.server.fake
        u = urlparse(self.path)
        q = {k: v[-1] for k, v in parse_qs(u.query).items()}
        ct = "application/json"
        try:
            req = json.loads(body) if body else {}
            if method == "GET" and u.path == "/_fake/stats":
                with fake.lock:
                    return self.send_json(200, json.loads(json.dumps(fake.stats)), ct)
            if method == "POST" and u.path == "/_fake/reset-stats":
                fake.reset_stats()
                return self.send_json(200, {"ok": True}, ct)
            if u.path == "/_fake/config":
                if method == "POST":
                    return self.send_json(200, fake.set_config(req), ct)
                return self.send_json(200, fake.config, ct)
            if method == "GET" and u.path == "/_fake/events":
                name = q.get("group")
                evs = fake.all_events(
                    name,
                    int(q["startTime"]) if "startTime" in q else None,
                    int(q["endTime"]) if "endTime" in q else None,
                    q.get("filterPattern"),
                )
                if evs is None:
                    return self.send_json(404, {"error": "no such group: %r" % name}, ct)
                return self.send_json(200, evs, ct)
            if method == "GET" and u.path == "/_fake/groups":
                with fake.data_lock:
                    return self.send_json(200, {n: len(g) for n, g in fake.groups.items()}, ct)
            if method == "POST" and u.path == "/_fake/put":
                if not fake.config["late_events"]:
                    return self.send_json(403, {"error": "start fakelogs with --late-events to use /_fake/put"}, ct)
                return self.send_json(200, fake.put(req), ct)
            return self.send_json(404, {"error": "no such control endpoint: %s %s" % (method, u.path)}, ct)
        except (ValueError, KeyError, TypeError) as e:
            return self.send_json(400, {"error": str(e)}, ct)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


# ---------------------------------------------------------------------------------------
# Command line


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="fakelogs.py",
        description="A loopback fake of CloudWatch Logs (FilterLogEvents, DescribeLogGroups, "
                    "StartLiveTail) with fault knobs.",
        epilog="See the module docstring (python3 -c 'import pydoc' ... or read the file) for the knobs.",
    )
    a = p.add_argument
    a("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    a("--seed", type=int, default=1, help="seed of the data and of every random fault")
    a("--region", default="us-east-1", help="region in the ARNs")
    a("--verbose", action="store_true", help="log every call to stderr")
    d = p.add_argument_group("data")
    d.add_argument("--groups", type=int, default=3, help="number of groups fake-0..fake-{N-1}")
    d.add_argument("--group-names", help="comma-separated group names (instead of --groups)")
    d.add_argument("--events", type=int, default=1000, help="events per group")
    d.add_argument("--events-per-group", help="comma-separated event counts, one per group")
    d.add_argument("--start-ms", type=int, help="start of the data window (default: now - 1 h)")
    d.add_argument("--end-ms", type=int, help="end of the data window (default: now - 1 min)")
    d.add_argument("--streams", type=int, default=4, help="log streams per group")
    d.add_argument("--message-bytes", type=int, default=0, help="pad each message to this many bytes")
    d.add_argument("--unicode", action="store_true", help="put non-ASCII characters in every third message")
    f = p.add_argument_group("faults (also POST /_fake/config)")
    f.add_argument("--latency-ms", type=float)
    f.add_argument("--jitter-ms", type=float)
    f.add_argument("--tps", type=float, help="account-wide FilterLogEvents calls/s (token bucket)")
    f.add_argument("--tps-burst", type=float, help="bucket size (default: --tps)")
    f.add_argument("--throttle-first", type=int)
    f.add_argument("--throttle-rate", type=float)
    f.add_argument("--storm-ms", type=float, help="throttle storm length, from the next call")
    f.add_argument("--storm-rate", type=float, help="share of calls throttled in a storm (default 1)")
    f.add_argument("--error-first", type=int, help="the first N faultable calls (after --throttle-first) get a 5xx")
    f.add_argument("--error-rate", type=float)
    f.add_argument("--error-status", type=int, choices=(500, 502, 503, 504))
    f.add_argument("--reset-rate", type=float)
    f.add_argument("--stall-ms", type=float)
    f.add_argument("--stall-rate", type=float, help="share of calls that stall (default 1)")
    f.add_argument("--hang-rate", type=float)
    f.add_argument("--truncate-rate", type=float, help="send the headers and half the body, then reset")
    f.add_argument("--garbage-rate", type=float, help="answer 200 with a body that is not JSON")
    f.add_argument("--empty-pages", type=int)
    f.add_argument("--repeat-token", type=int, help="K repeats of each token (-1: forever)")
    f.add_argument("--repeat-token-mode", choices=("empty", "page"),
                   help="repeats are empty pages (default), or the real page again")
    f.add_argument("--expire-token-after", type=int)
    f.add_argument("--expire-always", action="store_const", const=True)
    f.add_argument("--token-error-first", type=int,
                   help="the next N calls carrying a nextToken fail (--token-error-status)")
    f.add_argument("--token-error-status", type=int, choices=(400, 500, 502, 503, 504))
    f.add_argument("--bad-surrogate-every", type=int,
                   help="every N-th event's message ends with a lone surrogate escape")
    f.add_argument("--overlap-pages", type=int,
                   help="a token's page repeats the previous page's last K events")
    f.add_argument("--token-cycle", type=int,
                   help="the page asked with a query's N-th token carries its first token again")
    f.add_argument("--endless-rate", type=float, help="answer 200 with a body that never ends")
    f.add_argument("--deny-group", action="append")
    f.add_argument("--missing-group", action="append")
    f.add_argument("--vanish-group", action="append")
    f.add_argument("--page-events", type=int)
    f.add_argument("--scan-limit", type=int)
    f.add_argument("--fault-ops", help="comma list of operations faults apply to, or 'all'")
    f.add_argument("--fault-groups", help="comma list: faults only hit calls about these groups")
    f.add_argument("--late-events", action="store_const", const=True)
    f.add_argument("--live-refuse", help="answer StartLiveTail with this error type")
    f.add_argument("--live-interval-ms", type=float, help="Live Tail update period (default 1000)")
    f.add_argument("--live-max-events", type=int, help="events per Live Tail update before sampling (500)")
    f.add_argument("--live-session-ms", type=float, help="end each Live Tail session after this long")
    f.add_argument("--live-end", choices=("timeout", "reset"), help="how a session ends")
    f.add_argument("--live-max-sessions", type=int, help="concurrent Live Tail sessions (15)")
    i = p.add_argument_group("Logs Insights and log classes (issue #15)")
    i.add_argument("--insights-polls", type=int, help="GetQueryResults answers Running this many times first")
    i.add_argument("--insights-status", help="final status of every query (Complete, Timeout, Unknown, Failed)")
    i.add_argument("--insights-page-rows", type=int, help="rows per GetQueryResults page (10000)")
    i.add_argument("--stored-bytes-scale", type=float,
                   help="DescribeLogGroups storedBytes = message bytes x this (1)")
    i.add_argument("--retention-days", type=int, help="DescribeLogGroups retentionInDays (none)")
    i.add_argument("--ia-group", action="append", help="a group of class INFREQUENT_ACCESS (repeatable)")
    i.add_argument("--execution-delivery", action="append",
                   help="API_ID/STAGE=CWL|S3|FH:TARGET, a log delivery of execution logs (repeatable)")
    i.add_argument("--linked-account", action="append",
                   help="a source account linked by cross-account observability (repeatable)")
    i.add_argument("--end-exclusive", action="store_const", const=True,
                   help="FilterLogEvents leaves out an event exactly at endTime (aws/aws-cli#4262)")
    args = p.parse_args(argv)

    if args.group_names:
        names = [n for n in args.group_names.split(",") if n]
    else:
        names = ["fake-%d" % i for i in range(args.groups)]
    if args.events_per_group:
        counts = [int(x) for x in args.events_per_group.split(",")]
        if len(counts) != len(names):
            p.error("--events-per-group needs one count per group (%d)" % len(names))
    else:
        counts = [args.events] * len(names)
    now = now_ms()
    start = args.start_ms if args.start_ms is not None else now - 3_600_000
    end = args.end_ms if args.end_ms is not None else now - 60_000
    if end < start:
        p.error("--end-ms is before --start-ms")
    if args.streams < 1 or args.streams > 65535:
        p.error("--streams must be 1..65535")

    groups = generate(names, counts, start, end, args.streams, args.message_bytes, args.unicode, args.seed)
    try:
        fake = Fake(args, groups)
    except ValueError as e:
        p.error(str(e))
    server = Server(("127.0.0.1", args.port), Handler)
    server.fake = fake

    def stop(*_):
        fake.shutdown.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write(json.dumps({"port": server.server_address[1], "pid": os.getpid()}) + "\n")
    sys.stdout.flush()
    fake.log("listening on 127.0.0.1:%d with %d groups, %d events", server.server_address[1], len(names),
             sum(counts))
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        fake.shutdown.set()
        server.server_close()


if __name__ == "__main__":
    main()
