#!/usr/bin/env python3
"""The serving floor of a fake without any SDK: POST FilterLogEvents (unsigned: the fakes
ignore SigV4) over one keep-alive connection, page after page, reading each body and
taking the nextToken off its end without parsing the events. Stdlib only.

    nullclient.py --port P --start-ms A --end-ms B --group NAME [--group ...]

Prints a JSON summary (pages, events, bytes, seconds) on stdout.
"""
import argparse
import http.client
import json
import time

TARGET = "Logs_20140328.FilterLogEvents"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--start-ms", type=int, required=True)
    p.add_argument("--end-ms", type=int, required=True)
    p.add_argument("--group", action="append", required=True)
    a = p.parse_args()
    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=120)
    hdr = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET}
    pages = events = nbytes = 0
    t0 = time.perf_counter()
    for g in a.group:
        req = {"logGroupName": g, "startTime": a.start_ms, "endTime": a.end_ms, "limit": 10000,
               "interleaved": True}
        while True:
            conn.request("POST", "/", body=json.dumps(req), headers=hdr)
            r = conn.getresponse()
            body = r.read()
            if r.status != 200:
                raise SystemExit("nullclient: HTTP %d: %s" % (r.status, body[:200]))
            pages += 1
            nbytes += len(body)
            events += body.count(b'"eventId"')
            k = body.rfind(b'"nextToken":"', max(0, len(body) - 4096))
            if k < 0:
                break
            req["nextToken"] = body[k + 13:body.index(b'"', k + 13)].decode()
    dt = time.perf_counter() - t0
    print(json.dumps({"pages": pages, "events": events, "bytes": nbytes, "seconds": round(dt, 3),
                      "events_per_s": round(events / dt) if dt else None}))


if __name__ == "__main__":
    main()
