#!/usr/bin/env python3
"""splitproxy: one loopback endpoint whose CloudWatch Logs calls go to one server and every
other call to another, for the cost scenario of bench/run.sh (issue #17).

`errors`, `summary` and `trace` resolve a stage through API Gateway and Lambda (only the
moto emulator has those) and then read CloudWatch Logs. To measure them against the
simulated AWS of S2 (scripts/fakelogs.py: latency, an account quota, AWS's page caps), the
seeded world's log events are loaded into fakelogs and this proxy sends each request whose
``X-Amz-Target`` starts with ``Logs_20140328.`` to fakelogs, the rest to moto. Requests
and answers are passed through unchanged (bodies read whole; no signature is checked on
either side).

    python3 bench/splitproxy.py --port 0 --logs http://127.0.0.1:A --other http://127.0.0.1:B

prints ``{"port": P, "pid": N}`` on stdout once it listens; SIGTERM stops it. Binds
127.0.0.1 only. Standard library only.
"""

import argparse
import http.client
import json
import os
import signal
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "host"}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--logs", required=True, help="where CloudWatch Logs calls go")
    p.add_argument("--other", required=True, help="where every other call goes")
    a = p.parse_args()
    targets = {k: urllib.parse.urlsplit(v) for k, v in (("logs", a.logs), ("other", a.other))}
    for u in targets.values():
        if u.hostname not in ("127.0.0.1", "localhost", "::1"):
            sys.exit("splitproxy: loopback upstreams only")
    local = threading.local()

    def conn(which):
        c = getattr(local, which, None)
        if c is None:
            u = targets[which]
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
            setattr(local, which, c)
        return c

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def relay(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else None
            which = "logs" if (self.headers.get("X-Amz-Target") or "").startswith("Logs_20140328.") else "other"
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            u = targets[which]
            headers["Host"] = "%s:%d" % (u.hostname, u.port)
            for attempt in (0, 1):
                c = conn(which)
                try:
                    c.request(self.command, self.path, body=body, headers=headers)
                    r = c.getresponse()
                    data = r.read()
                    break
                except (OSError, http.client.HTTPException):
                    c.close()
                    setattr(local, which, None)
                    if attempt:
                        self.send_error(502, "upstream %s unreachable" % which)
                        return
            self.send_response(r.status, r.reason)
            for k, v in r.getheaders():
                if k.lower() not in HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = relay

    class S(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 128

    srv = S(("127.0.0.1", a.port), H)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    print(json.dumps({"port": srv.server_address[1], "pid": os.getpid()}), flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
