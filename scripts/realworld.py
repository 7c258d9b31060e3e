#!/usr/bin/env python3
"""Seed the real-world corpus (tests/data/realworld/corpus.jsonl) into an AWS emulator.

    python realworld.py --endpoint http://127.0.0.1:5123 --prefix rw1 --out manifest.json

The APIs and functions are those of world.py (same names for a prefix); the log events are
the corpus's real lines instead of generated ones, put into the stage's execution and
access groups and the functions' groups. Event times: window start + the line's `t`.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "realworld", "corpus.jsonl")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--unreadable", type=int, default=0,
                    help="also put N synthetic access lines without any request id (not from the corpus)")
    args = ap.parse_args(argv)
    world.check_loopback(args.endpoint)
    cl = world.make_clients(args.endpoint, args.region)
    funcs = world.create_lambdas(cl, args.prefix, args.region)
    account = funcs["users"]["arn"].split(":")[4]
    rest = world.create_rest_api(cl, args.prefix, args.region, account, funcs)
    http = world.create_http_api(cl, args.prefix, args.region, account, funcs)
    groups = {
        "execution": (args.region, "API-Gateway-Execution-Logs_%s/%s" % (rest["id"], world.STAGE)),
        "access": (args.region, "%s-access" % args.prefix),
        "http_access": (args.region, "%s-http-access" % args.prefix),
    }
    for k, f in funcs.items():
        groups["lambda:" + k] = (f["region"], f["log_group"])
    now = int(time.time() * 1000)
    start = now - 20 * 60_000
    events = []
    with open(CORPUS) as fh:
        for line in fh:
            r = json.loads(line)
            region, group = groups[r["group"]]
            stream = r.get("stream", "s")
            if r["group"].startswith("lambda:"):
                stream = "2026/01/01/[$LATEST]" + stream
            events.append({"region": region, "log_group": group, "log_stream": stream,
                           "timestamp": start + r["t"], "message": r["message"]})
    for i in range(args.unreadable):
        region, group = groups["access"]
        events.append({"region": region, "log_group": group, "log_stream": "synthetic",
                       "timestamp": start + 130_000 + i, "message": "synthetic line %d without a request id" % i})
    logs = cl["logs"]
    for region, group in sorted(set(groups.values())):
        logs[region].create_log_group(logGroupName=group)
    by_stream = {}
    for e in events:
        by_stream.setdefault((e["region"], e["log_group"], e["log_stream"]), []).append(e)
    for (region, group, stream), evs in sorted(by_stream.items()):
        logs[region].create_log_stream(logGroupName=group, logStreamName=stream)
        evs.sort(key=lambda e: e["timestamp"])
        resp = logs[region].put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
            {"timestamp": e["timestamp"], "message": e["message"]} for e in evs])
        if resp.get("rejectedLogEventsInfo"):
            sys.exit("realworld.py: rejected events in %s/%s" % (group, stream))
    manifest = {
        "prefix": args.prefix, "rest_api_id": rest["id"], "http_api_id": http["id"],
        "functions": {k: f["name"] for k, f in funcs.items()},
        "log_groups": {k: v[1] for k, v in groups.items()},
        "window": {"start_ms": start, "end_ms": start + 200_000},
        "events": events,
    }
    with open(args.out, "w") as fh:
        json.dump(manifest, fh, indent=1)


if __name__ == "__main__":
    main()
