#!/usr/bin/env python3
"""The bare sequential pager: FilterLogEvents over the given groups, one page after the
other (limit 10,000, interleaved, as apitrace asks), parsing each page with boto3 and
printing nothing. It is the serving floor of the endpoint for an SDK client.

    pager.py --endpoint URL --start-ms A --end-ms B --group REGION:NAME [--group ...]

Prints a JSON summary (pages, events, per group) on stderr. Run it with a Python that has
boto3 (the bench virtualenv).
"""
import argparse
import json
import sys
import time

import boto3
from botocore.config import Config


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--start-ms", type=int, required=True)
    p.add_argument("--end-ms", type=int, required=True)
    p.add_argument("--group", action="append", required=True, help="REGION:NAME")
    p.add_argument("--limit", type=int, default=10_000)
    a = p.parse_args()
    clients = {}
    out = {"pages": 0, "events": 0, "groups": {}}
    t0 = time.perf_counter()
    for spec in a.group:
        region, _, name = spec.partition(":")
        if region not in clients:
            clients[region] = boto3.client(
                "logs", region_name=region, endpoint_url=a.endpoint,
                config=Config(retries={"mode": "standard", "max_attempts": 10}))
        c = clients[region]
        kw = {"logGroupName": name, "startTime": a.start_ms, "endTime": a.end_ms, "limit": a.limit,
              "interleaved": True}
        pages = events = 0
        while True:
            r = c.filter_log_events(**kw)
            pages += 1
            events += len(r.get("events", []))
            tok = r.get("nextToken")
            if not tok:
                break
            kw["nextToken"] = tok
        out["groups"][name] = {"pages": pages, "events": events}
        out["pages"] += pages
        out["events"] += events
    out["seconds"] = round(time.perf_counter() - t0, 3)
    sys.stderr.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
