#!/usr/bin/env python3
"""Seed a world with a deployment in the middle (#22: `errors --group`, `compare`, `--fail-on`).

The resources are world.py's (same functions, REST API, stages, log groups and line
formats); only the traffic differs. Two windows of REST requests:

* baseline = [now - 64 min, now - 33 min], before the deployment;
* current  = [now - 32 min, now - 1 min], after it.

Seeded regressions (in the current window only):

* a new failure cause: GET /users times out in its function (``Task timed out``), 4 times;
* GET /reports: its function works twice as long (200-240 ms before, 400-480 ms after),
  so the route's latency doubles.

Noise that a gate must not take for a regression:

* POST /orders fails with the same ``KeyError: 'sku'`` 5 times in each window (other
  request ids, times and numbers: one cause);
* ANY /backend gets 5 requests a window: 2 time out at API Gateway (29 s, the same cause
  in both windows) and 3 run three times longer after the deployment (too few requests
  for any rule);
* the other routes keep their random latencies.

At the end a second deployment of stage ``prod`` is made (now), as a deploy pipeline would.

    python deployworld.py --endpoint http://127.0.0.1:5123 --prefix p --out manifest.json

The manifest is world.py's, plus ``windows`` (baseline, current: start_ms, end_ms), a
``phase`` on every request, ``seeded_causes`` (per window: kind → count) and
``new_deployment_id``.
"""

import argparse
import hashlib
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world as W  # noqa: E402

# kind -> requests per window
BEFORE = {"ok": 30, "order": 20, "function_error": 5, "reports": 30, "backend": 3, "integration_timeout": 2}
AFTER = dict(BEFORE, timeout=4)


class DeployWorld(W.World):
    """world.py's generator; after the deployment, reports and backend work longer."""

    phase = "baseline"

    def invoke(self, key, version, begin_ms, work_ms, *args, **kwargs):
        if key == "reports":
            # a narrow spread, so that "doubled" shows in any seed's percentiles
            work_ms = 200 + self.rng.randint(0, 40)
            if self.phase == "current":
                work_ms *= 2
        if self.phase == "current" and key == "backend" and work_ms < 1000:
            work_ms *= 3
        return W.World.invoke(self, key, version, begin_ms, work_ms, *args, **kwargs)

    def generate_deploy(self, now_ms):
        windows = {
            "baseline": (now_ms - 64 * 60_000, now_ms - 33 * 60_000),
            "current": (now_ms - 32 * 60_000, now_ms - 60_000),
        }
        for phase, mix in (("baseline", BEFORE), ("current", AFTER)):
            self.phase = phase
            lo, hi = windows[phase]
            kinds = [k for k in sorted(mix) for _ in range(mix[k])]
            self.rng.shuffle(kinds)
            r = random.Random("%s/%s" % (self.rng.random(), phase))
            starts = sorted(r.randint(lo, hi - W.REQUEST_TAIL_MS) for _ in kinds)
            for kind, t0 in zip(kinds, starts):
                self.rest_request(kind, t0, self.rng.choice(self.exec_streams))
                self.requests[-1]["phase"] = phase
        return windows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--prefix", default="deploy")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    W.check_loopback(args.endpoint)

    seed = int.from_bytes(hashlib.sha256(args.prefix.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    now_ms = int(time.time() * 1000)
    cl = W.make_clients(args.endpoint, args.region)
    funcs = W.create_lambdas(cl, args.prefix, args.region)
    account = funcs["users"]["arn"].split(":")[4]
    rest = W.create_rest_api(cl, args.prefix, args.region, account, funcs)
    http = W.create_http_api(cl, args.prefix, args.region, account, funcs)
    W.grant_invoke(cl, args.region, account, funcs, rest, http)

    world = DeployWorld(rng, args.prefix, args.region, account, funcs, rest, http, now_ms, 64)
    windows = world.generate_deploy(now_ms)
    W.put_events(cl, world, funcs)
    # A deployment, then the stage pointed at it (the emulator's create_deployment with
    # stageName replaces the stage and drops its access log settings).
    time.sleep(1.1)  # creation times in whole seconds: the new one must be later
    new_dep = cl["apigw"].create_deployment(restApiId=rest["id"])["id"]
    cl["apigw"].update_stage(restApiId=rest["id"], stageName=W.STAGE, patchOperations=[
        {"op": "replace", "path": "/deploymentId", "value": new_dep}])

    manifest = {
        "prefix": args.prefix,
        "region": args.region,
        "rest_api_id": rest["id"],
        "stage": W.STAGE,
        "deployment_id": rest["deployment_id"],
        "new_deployment_id": new_dep,
        "functions": {k: f["name"] for k, f in funcs.items()},
        "windows": {p: {"start_ms": a, "end_ms": b} for p, (a, b) in windows.items()},
        "seeded_causes": {"baseline": BEFORE, "current": AFTER},
        "requests": world.requests,
    }
    with open(args.out, "w") as fh:
        json.dump(manifest, fh, indent=1)
    print(json.dumps({"prefix": args.prefix, "rest_api_id": rest["id"], "requests": len(world.requests)}))


if __name__ == "__main__":
    main()
