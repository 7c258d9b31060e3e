"""Live Tail: StartLiveTail sessions (the ``LiveTail`` mixin of class Fake) and their AWS
event-stream framing over chunked HTTP (the ``LiveTailStream`` mixin of the handler)."""

import json
import struct
import time
import zlib

from .insights import refuse_infrequent_access, refuse_unlinked_account
from .model import ApiError, group_name_of, parse_pattern

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


class LiveTail:
    """StartLiveTail sessions: a mixin of class Fake."""

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


class LiveTailStream:
    """A session's event stream on the wire: a mixin of the HTTP handler."""

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
