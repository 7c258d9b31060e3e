"""The command line: flags to data and knobs, then serve until SIGTERM or SIGINT."""

import argparse
import json
import os
import signal
import sys
import threading

from .model import generate, now_ms
from .server import Handler, Server
from .service import Fake


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

