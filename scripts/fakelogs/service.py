"""The service: class Fake holds the groups, the configuration and the counters, and
answers DescribeLogGroups, FilterLogEvents and the control API's put and events; its
mixins add the faults, Live Tail and Logs Insights."""

import hashlib
import json
import sys
import threading

from .faults import KNOBS, Faults
from .insights import Insights, refuse_infrequent_access, refuse_unlinked_account
from .livetail import LiveTail
from .model import (ACCOUNT, BAD_SURROGATE, EVENT_OVERHEAD, MAX_LIMIT, PAGE_BYTES, ApiError, Group, b64,
                    group_name_of, matches, now_ms, parse_pattern, stream_names, unb64)


class Fake(Faults, LiveTail, Insights):
    """The fake CloudWatch Logs: data, knobs, counters and the operations."""

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

    def next_nonce(self):
        with self.lock:
            self.nonce += 1
            return self.nonce

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
