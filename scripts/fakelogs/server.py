"""HTTP: the JSON 1.1 protocol of the AWS SDKs on 127.0.0.1, the faults that live in the
transport (resets, stalls, truncated and endless bodies), STS GetCallerIdentity and the
control API (``/_fake/...``)."""

import json
import socket
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from .insights import INSIGHTS_OPS
from .livetail import LiveTailStream
from .model import ACCOUNT, BAD_SURROGATE, OPS, ApiError

class Handler(LiveTailStream, BaseHTTPRequestHandler):
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

