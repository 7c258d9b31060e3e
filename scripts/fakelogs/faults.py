"""The fault knobs: their defaults (every one a flag and a key of POST /_fake/config), the
runtime configuration, and the ``Faults`` mixin of class Fake that decides, call by call and
deterministically, which faults hit."""

import hashlib
import time

from .insights import INSIGHTS_KNOBS
from .model import MAX_LIMIT, ApiError, group_name_of

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

KNOBS.update(INSIGHTS_KNOBS)


class Faults:
    """The configuration and the fault decisions: a mixin of class Fake."""

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

    # Deterministic randomness: hash of (seed, knob, key, n).
    def frac(self, knob, key, n):
        h = hashlib.blake2b(("%s|%s|%s|%d" % (self.seed, knob, key, n)).encode(), digest_size=8)
        return int.from_bytes(h.digest(), "big") / 2.0 ** 64

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
