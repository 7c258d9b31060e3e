"""The service model: the data (log groups of generated events, in AWS's sort order), the
paging constants, the text filter patterns, and the error type every operation raises."""

import base64
import bisect
import hashlib
import json
import random
import time
from array import array

PAGE_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_LIMIT = 10_000
ACCOUNT = "123456789012"
LEVELS = ("INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR", "INFO", "DEBUG")
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")
# Stands for a lone surrogate escape until the answer is serialised (--bad-surrogate-every).
BAD_SURROGATE = "\ue000"

# The operations served (Logs Insights' are insights.INSIGHTS_OPS).
OPS = ("FilterLogEvents", "DescribeLogGroups", "StartLiveTail")


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

