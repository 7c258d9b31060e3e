#!/usr/bin/env python3
"""Run a command with `--debug` and time-stamp each AWS request/response line on stderr as it
arrives, to see where the wall time of a run goes (resolution calls, FilterLogEvents pages,
how many are in flight). stdout is discarded.

    timeline.py OUT.txt -- apitrace get ... --debug
"""
import re
import subprocess
import sys
import time


def main():
    out = sys.argv[1]
    argv = sys.argv[sys.argv.index("--") + 1:]
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    rows = []
    for raw in p.stderr:
        rows.append((time.perf_counter() - t0, raw.decode("utf-8", "replace").rstrip()))
    p.wait()
    wall = time.perf_counter() - t0
    with open(out, "w") as fh:
        for t, line in rows:
            fh.write("%8.3f %s\n" % (t, line))
    # Summary: requests (→) and responses (←), the REST calls of the resolution (GET) and
    # the JSON-protocol calls (POST: DescribeLogGroups, FilterLogEvents), in-flight peak.
    reqs = [(t, l) for t, l in rows if "debug: \u2192" in l]
    resps = [(t, l) for t, l in rows if "debug: \u2190" in l]
    gets = [t for t, l in reqs if "\u2192 GET" in l]
    posts = [t for t, l in reqs if "\u2192 POST" in l]
    ev = sorted([(t, 1) for t, _ in reqs] + [(t, -1) for t, _ in resps])
    cur = peak = 0
    for _, d in ev:
        cur += d
        peak = max(peak, cur)
    print("wall %.2f s; %d requests (%d GET: resolution, last at %.3f s; %d POST: DescribeLogGroups/"
          "FilterLogEvents, first at %.3f s); peak in flight %d; last response at %.3f s"
          % (wall, len(reqs), len(gets), max(gets) if gets else 0, len(posts), min(posts) if posts else 0,
             peak, resps[-1][0] if resps else 0))

if __name__ == "__main__":
    main()
