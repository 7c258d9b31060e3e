#!/usr/bin/env python3
"""Seed a realistic API Gateway + Lambda + CloudWatch Logs "world" into an AWS emulator.

Used by the apitrace integration tests and benchmarks. Everything goes through boto3
against ``--endpoint`` (normally a local ``moto_server``); every resource name starts with
``--prefix`` so that many tests can seed distinct worlds into one shared emulator in
parallel (the emulator is never reset).

    python world.py --endpoint http://127.0.0.1:5123 [--region us-east-1] [--prefix shop]
                    [--requests 40] [--minutes-ago 30] [--noise 0] [--out manifest.json]

What gets created (p = prefix):

* IAM role ``{p}-lambda-role``; Lambda functions ``{p}-users`` (Text logs, version 1 and
  alias ``live``), ``{p}-orders`` (JSON log format, version 1), ``{p}-auth`` (TOKEN
  authorizer), ``{p}-backend`` (only reached through a stage variable) and ``{p}-reports``
  (in eu-west-1).
* REST API ``{p}-api`` with GET /users, GET /users/{id}, POST /orders, GET /orders/{id},
  ANY /backend, GET /reports, GET /health (MOCK), GET /legacy (undefined stage variable),
  TOKEN authorizer ``{p}-authorizer``; stage ``prod`` (variables, access + execution
  logging) and stage ``dev`` (no logging, no variables).
* HTTP API ``{p}-http`` with GET /items (``${stageVariables.fn}``) and POST /items
  (plain ARN), stage ``$default`` with access logging (destination ARN ending in ``:*``).
* Lambda permissions (resource policy) for each API that invokes a function; ``{p}-users``
  and ``{p}-orders`` are behind both APIs (manifest ``shared_functions``: name → API ids).
* Log groups and events: REST execution log, REST access log, HTTP access log and the
  ``/aws/lambda/...`` groups, with lines in the real formats (see
  the team notes ../shared/aws-notes.md, sections 1-4). One event lies 2 h before the window.

Everything except the ids AWS assigns and "now" is deterministic: all random choices
come from ``random.Random(seed derived from the prefix)``.

The manifest (``--out``) describes the world, every simulated request and every event put
(message byte-for-byte, in generation order). The script prints a one-line JSON summary
on stdout (or the whole manifest when ``--out`` is not given). It exits non-zero if any
call fails or PutLogEvents rejects anything.
"""

import argparse
import base64
import bisect
import hashlib
import io
import ipaddress
import json
import math
import os
import random
import sys
import time
import uuid
import zipfile
from datetime import datetime, timezone
from email.utils import formatdate
from urllib.parse import urlparse

import boto3
from botocore.config import Config

SECOND_REGION = "eu-west-1"
STAGE = "prod"
RUNTIME = "python3.12"
RUNTIME_VERSION = "python:3.12.v40"
OLD_EVENT_OFFSET_MS = 2 * 3600 * 1000
# Room kept between the last request start and the window end: the longest request
# (integration_timeout: authorizer + 29 s + Lambda finishing up to ~36 s) must fit.
REQUEST_TAIL_MS = 45_000
PUT_MAX_EVENTS = 10_000
PUT_MAX_BYTES = 1_000_000  # AWS: 1,048,576 bytes incl. 26 bytes per event

KINDS = [
    "ok",
    "ok_alias",
    "order",
    "backend",
    "reports",
    "function_error",
    "timeout",
    "integration_timeout",
    "auth_denied",
    "mock",
]

# The kinds that end in a 5xx (function error 502, Lambda timeout and integration timeout
# 504): what --failures counts.
FAILING_KINDS = ("function_error", "timeout", "integration_timeout")

# key -> static configuration of each Lambda function
FUNCTIONS = {
    "users": {"memory": 128, "timeout": 3, "log_format": "Text", "tracing": True, "second_region": False},
    "orders": {"memory": 256, "timeout": 10, "log_format": "JSON", "tracing": False, "second_region": False},
    "auth": {"memory": 128, "timeout": 5, "log_format": "Text", "tracing": False, "second_region": False},
    "backend": {"memory": 512, "timeout": 60, "log_format": "Text", "tracing": False, "second_region": False},
    "reports": {"memory": 1024, "timeout": 15, "log_format": "Text", "tracing": False, "second_region": True},
}

ACCESS_FORMAT = (
    '{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId",'
    '"ip":"$context.identity.sourceIp","requestTime":"$context.requestTime",'
    '"httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath",'
    '"status":"$context.status","integrationRequestId":"$context.integration.requestId",'
    '"authorizerRequestId":"$context.authorizer.requestId",'
    '"integrationLatency":"$context.integrationLatency","responseLatency":"$context.responseLatency",'
    '"xrayTraceId":"$context.xrayTraceId","requestTimeEpoch":"$context.requestTimeEpoch"}'
)
HTTP_ACCESS_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",'
    '"routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol",'
    '"responseLength":"$context.responseLength",'
    '"integrationRequestId":"$context.integration.requestId",'
    '"integrationLatency":"$context.integrationLatency"}'
)

LAMBDA_CODE = b'''import json, logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)

def handler(event, context):
    logger.info("correlation_id=%s", event.get("requestContext", {}).get("requestId"))
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
'''


# --------------------------------------------------------------------------- helpers

def iso(ms):
    """Epoch ms -> 2026-11-29T10:11:12.345Z (the format Lambda runtimes log)."""
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def clf_time(ms):
    """Epoch ms -> 29/Nov/2026:10:11:12 +0000 ($context.requestTime)."""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")


def http_date(ms):
    return formatdate(ms / 1000, usegmt=True)


def amz_date(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def mask(value):
    """API Gateway masks identities/principals as ****<last 6 chars>."""
    return "****" + value[-6:]


class Ids:
    """Deterministic id factory on top of one random.Random."""

    B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    # last base64 digit before a single '=' only carries 4 bits: low 2 bits are zero
    B64_LAST = "AEIMQUYcgkosw048"

    def __init__(self, rng):
        self.rng = rng

    def uuid4(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex(self, n):
        return "%0*x" % (n, self.rng.getrandbits(4 * n))

    def apigw_id(self):
        """Extended request id / HTTP API request id: 16 chars ending with '='."""
        body = "".join(self.rng.choice(self.B64) for _ in range(14))
        return body + self.rng.choice(self.B64_LAST) + "="

    def trace_id(self, ms):
        return "1-%08x-%s" % (ms // 1000, self.hex(24))


# --------------------------------------------------------------------------- clients

def make_clients(endpoint, region):
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    cfg = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=60)

    def c(service, reg=region):
        return boto3.client(service, region_name=reg, endpoint_url=endpoint, config=cfg)

    return {
        "iam": c("iam"),
        "lambda": c("lambda"),
        "lambda2": c("lambda", SECOND_REGION),
        "apigw": c("apigateway"),
        "apigw2": c("apigatewayv2"),
        "logs": {region: c("logs"), SECOND_REGION: c("logs", SECOND_REGION)},
    }


def check_loopback(endpoint):
    host = urlparse(endpoint).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    sys.exit("world.py: refusing non-loopback endpoint %r (this seeds an emulator)" % endpoint)


# --------------------------------------------------------------------------- IAM + Lambda

def create_lambdas(cl, prefix, region):
    """IAM role, five functions (one in the second region), versions and the alias."""
    role_name = "%s-lambda-role" % prefix
    try:
        cl["iam"].get_role(RoleName=role_name)
        sys.exit("world.py: prefix %r is already seeded in this emulator (role %s exists); "
                 "use another --prefix" % (prefix, role_name))
    except cl["iam"].exceptions.NoSuchEntityException:
        pass
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }
    role_arn = cl["iam"].create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("app.py", date_time=(2026, 1, 1, 0, 0, 0))
        zf.writestr(info, LAMBDA_CODE)
    code = buf.getvalue()

    funcs = {}
    for key, spec in FUNCTIONS.items():
        name = "%s-%s" % (prefix, key)
        client = cl["lambda2"] if spec["second_region"] else cl["lambda"]
        kwargs = dict(
            FunctionName=name, Runtime=RUNTIME, Role=role_arn, Handler="app.handler",
            Code={"ZipFile": code}, Timeout=spec["timeout"], MemorySize=spec["memory"],
            Description="apitrace test world %s" % prefix,
            TracingConfig={"Mode": "Active" if spec["tracing"] else "PassThrough"},
        )
        if spec["log_format"] == "JSON":
            kwargs["LoggingConfig"] = {"LogFormat": "JSON"}  # moto accepts and drops it
        resp = client.create_function(**kwargs)
        funcs[key] = {
            "key": key,
            "name": name,
            "arn": resp["FunctionArn"],
            "region": SECOND_REGION if spec["second_region"] else region,
            "log_group": "/aws/lambda/%s" % name,
            **spec,
        }
    cl["lambda"].publish_version(FunctionName=funcs["users"]["name"])
    cl["lambda"].create_alias(FunctionName=funcs["users"]["name"], Name="live", FunctionVersion="1")
    cl["lambda"].publish_version(FunctionName=funcs["orders"]["name"])
    return funcs


# --------------------------------------------------------------------------- REST API

def lambda_uri(region, function_arn):
    return "arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations" % (region, function_arn)


def create_rest_api(cl, prefix, region, account, funcs):
    """REST API, resources, methods, integrations, authorizer, deployment and stages."""
    ag = cl["apigw"]
    api_id = ag.create_rest_api(name="%s-api" % prefix, description="apitrace test world")["id"]
    root = next(r["id"] for r in ag.get_resources(restApiId=api_id)["items"] if r["path"] == "/")

    def resource(parent, part):
        return ag.create_resource(restApiId=api_id, parentId=parent, pathPart=part)["id"]

    res = {"/users": resource(root, "users"), "/orders": resource(root, "orders"),
           "/backend": resource(root, "backend"), "/reports": resource(root, "reports"),
           "/health": resource(root, "health"), "/legacy": resource(root, "legacy")}
    res["/users/{id}"] = resource(res["/users"], "{id}")
    res["/orders/{id}"] = resource(res["/orders"], "{id}")

    authorizer_id = ag.create_authorizer(
        restApiId=api_id, name="%s-authorizer" % prefix, type="TOKEN",
        authorizerUri=lambda_uri(region, funcs["auth"]["arn"]),
        identitySource="method.request.header.Authorization",
        authorizerResultTtlInSeconds=0,
    )["id"]

    fn_prefix = "arn:aws:lambda:%s:%s:function:" % (region, account)
    routes = [
        # (path, method, integration uri or None for MOCK, authorized)
        ("/users", "GET", lambda_uri(region, funcs["users"]["arn"]), True),
        ("/users/{id}", "GET", lambda_uri(region, funcs["users"]["arn"] + ":live"), False),
        ("/orders", "POST", lambda_uri(region, funcs["orders"]["arn"]), True),
        ("/orders/{id}", "GET", lambda_uri(region, funcs["orders"]["arn"] + ":1"), False),
        ("/backend", "ANY", lambda_uri(region, fn_prefix + "${stageVariables.backend}"), False),
        # cross-region: the apigateway part names the function's region
        ("/reports", "GET", lambda_uri(funcs["reports"]["region"], funcs["reports"]["arn"]), False),
        ("/health", "GET", None, False),
        ("/legacy", "GET", lambda_uri(region, fn_prefix + "${stageVariables.missing}"), False),
    ]
    for path, method, uri, authorized in routes:
        rid = res[path]
        kwargs = {"authorizationType": "CUSTOM", "authorizerId": authorizer_id} if authorized \
            else {"authorizationType": "NONE"}
        if "{id}" in path:
            kwargs["requestParameters"] = {"method.request.path.id": True}
        ag.put_method(restApiId=api_id, resourceId=rid, httpMethod=method, **kwargs)
        if uri is None:
            ag.put_integration(restApiId=api_id, resourceId=rid, httpMethod=method, type="MOCK",
                               requestTemplates={"application/json": '{"statusCode": 200}'})
            ag.put_method_response(restApiId=api_id, resourceId=rid, httpMethod=method, statusCode="200")
            ag.put_integration_response(restApiId=api_id, resourceId=rid, httpMethod=method, statusCode="200",
                                        responseTemplates={"application/json": '{"status":"ok"}'})
        else:
            ag.put_integration(restApiId=api_id, resourceId=rid, httpMethod=method, type="AWS_PROXY",
                               integrationHttpMethod="POST", uri=uri)

    dep = ag.create_deployment(restApiId=api_id, stageName=STAGE,
                               variables={"backend": funcs["backend"]["name"]})["id"]
    ag.update_stage(restApiId=api_id, stageName=STAGE, patchOperations=[
        {"op": "replace", "path": "/accessLogSettings/destinationArn",
         "value": "arn:aws:logs:%s:%s:log-group:%s-access" % (region, account, prefix)},
        {"op": "replace", "path": "/accessLogSettings/format", "value": ACCESS_FORMAT},
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
        {"op": "replace", "path": "/*/*/logging/dataTrace", "value": "true"},
    ])
    ag.create_stage(restApiId=api_id, stageName="dev", deploymentId=dep, description="no logging")
    return {"id": api_id, "authorizer_id": authorizer_id, "deployment_id": dep}


# --------------------------------------------------------------------------- HTTP API

def create_http_api(cl, prefix, region, account, funcs):
    """HTTP API with a stage-variable integration, a plain-ARN integration and $default."""
    a2 = cl["apigw2"]
    api_id = a2.create_api(Name="%s-http" % prefix, ProtocolType="HTTP")["ApiId"]
    fn_prefix = "arn:aws:lambda:%s:%s:function:" % (region, account)
    int_var = a2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                    IntegrationUri=fn_prefix + "${stageVariables.fn}",
                                    PayloadFormatVersion="2.0")["IntegrationId"]
    int_orders = a2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                       IntegrationUri=funcs["orders"]["arn"],
                                       PayloadFormatVersion="2.0")["IntegrationId"]
    a2.create_route(ApiId=api_id, RouteKey="GET /items", Target="integrations/%s" % int_var)
    a2.create_route(ApiId=api_id, RouteKey="POST /items", Target="integrations/%s" % int_orders)
    a2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True,
                    StageVariables={"fn": funcs["users"]["name"]},
                    AccessLogSettings={
                        "DestinationArn": "arn:aws:logs:%s:%s:log-group:%s-http-access:*" % (region, account, prefix),
                        "Format": HTTP_ACCESS_FORMAT,
                    })
    return {"id": api_id}


# --------------------------------------------------------------------------- Lambda permissions

def grant_invoke(cl, region, account, funcs, rest, http):
    """The resource-policy statements AWS needs before API Gateway may invoke a function
    (as the console adds them: one per API, any stage): ``users`` and ``orders`` are behind
    both APIs, so each one's policy names both (a shared function)."""
    uses = [  # (function key, source ARN resource part)
        ("users", "%s/*/GET/users" % rest["id"]),
        ("users", "%s/*/GET/users/*" % rest["id"]),
        ("orders", "%s/*/POST/orders" % rest["id"]),
        ("orders", "%s/*/GET/orders/*" % rest["id"]),
        ("backend", "%s/*/*/backend" % rest["id"]),
        ("reports", "%s/*/GET/reports" % rest["id"]),
        ("auth", "%s/authorizers/%s" % (rest["id"], rest["authorizer_id"])),
        ("users", "%s/*/*/items" % http["id"]),
        ("orders", "%s/*/*/items" % http["id"]),
    ]
    shared = {}
    for n, (key, resource) in enumerate(uses):
        f = funcs[key]
        client = cl["lambda2"] if f["second_region"] else cl["lambda"]
        client.add_permission(
            FunctionName=f["name"], StatementId="apigateway-%d" % n, Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn="arn:aws:execute-api:%s:%s:%s" % (region, account, resource))
        api = resource.split("/")[0]
        if api not in shared.setdefault(f["name"], []):
            shared[f["name"]].append(api)
    return {name: apis for name, apis in shared.items() if len(apis) > 1}


# --------------------------------------------------------------------------- log generation

class Env:
    """One Lambda execution environment == one log stream."""

    def __init__(self, func, version):
        self.func = func
        self.version = version
        self.stream = None
        self.busy = []  # (first_ms, last_ms) per invocation, incl. INIT
        self.free_at = 0


class World:
    """Generates every log event of the world, in generation order."""

    def __init__(self, rng, prefix, region, account, funcs, rest, http, now_ms, minutes_ago):
        self.rng = rng
        self.ids = Ids(rng)
        self.prefix = prefix
        self.region = region
        self.account = account
        self.funcs = funcs
        self.rest = rest
        self.http = http
        self.end_ms = now_ms - 60_000
        self.start_ms = now_ms - minutes_ago * 60_000
        self.events = []
        self.requests = []
        self.envs = {}  # (func key, version) -> [Env]
        self.env_target = {}
        self.runtime_arn = {r: "arn:aws:lambda:%s::runtime:%s" % (r, self.ids.hex(64))
                            for r in (region, SECOND_REGION)}
        self.exec_group = "API-Gateway-Execution-Logs_%s/%s" % (rest["id"], STAGE)
        self.access_group = "%s-access" % prefix
        self.http_access_group = "%s-http-access" % prefix
        self.exec_streams = [self.ids.hex(32) for _ in range(3)]
        self.access_stream = self.ids.hex(32)
        self.http_access_stream = self.ids.hex(32)

    # -- events ------------------------------------------------------------

    def emit(self, group, stream, ts, message, request_id, region=None, old=False):
        self.events.append({
            "log_group": group, "log_stream": stream, "timestamp": ts, "message": message,
            "region": region or self.region, "request_id": request_id, "old": old,
        })

    # -- Lambda --------------------------------------------------------------

    def pick_env(self, key, version, at_ms):
        pool = self.envs.setdefault((key, version), [])
        target = self.env_target.setdefault((key, version), 1 if version != "$LATEST" else self.rng.choice([2, 3]))
        free = [e for e in pool if e.free_at <= at_ms]
        if not free or (len(pool) < target and self.rng.random() < 0.5):
            env = Env(self.funcs[key], version)
            pool.append(env)
            return env
        return self.rng.choice(free)

    def invoke(self, key, version, begin_ms, work_ms, lambda_id, api_id, app_lines,
               outcome="success", error=None, trace=None):
        """Write one invocation's Lambda lines; returns the REPORT timestamp.

        app_lines: list of (level, text). outcome: success | error | timeout.
        error: (errorType, errorMessage, stack line) for outcome == "error".
        """
        rng = self.rng
        f = self.funcs[key]
        env = self.pick_env(key, version, begin_ms)
        cold = env.stream is None
        if cold:
            day = datetime.fromtimestamp(begin_ms / 1000, tz=timezone.utc).strftime("%Y/%m/%d")
            env.stream = "%s/[%s]%s" % (day, version, self.ids.hex(32))
        group, stream, region = f["log_group"], env.stream, f["region"]
        json_fmt = f["log_format"] == "JSON"

        def out(ts, msg, rid=api_id):
            self.emit(group, stream, ts, msg, rid, region)

        t = begin_ms
        init_ms = 0.0
        if cold:
            init_ms = rng.randint(140, 480) + rng.random()
            if json_fmt:
                out(t, json.dumps({"time": iso(t), "type": "platform.initStart", "record": {
                    "initializationType": "on-demand", "phase": "init", "runtimeVersion": RUNTIME_VERSION,
                    "runtimeVersionArn": self.runtime_arn[region], "functionName": f["name"],
                    "functionVersion": version}}, separators=(",", ":")), None)
            else:
                out(t, "INIT_START Runtime Version: %s\tRuntime Version ARN: %s\n"
                    % (RUNTIME_VERSION, self.runtime_arn[region]), None)
            t += int(init_ms) + 1
        start = t
        end = start + work_ms
        if json_fmt:
            out(start, json.dumps({"time": iso(start), "type": "platform.start",
                                   "record": {"requestId": lambda_id, "version": version}}, separators=(",", ":")))
        else:
            out(start, "START RequestId: %s Version: %s\n" % (lambda_id, version))

        # application lines, spread over the first part of the invocation
        last_app = end - 1 if outcome != "timeout" else start + min(work_ms - 1, 400)
        times = sorted(rng.randint(start + 1, max(start + 1, last_app)) for _ in app_lines)
        for ts, (level, text) in zip(times, app_lines):
            if json_fmt:
                msg = json.dumps({"timestamp": iso(ts), "level": level, "message": text,
                                  "logger": "root", "requestId": lambda_id}, separators=(",", ":"))
            else:
                msg = "[%s]\t%s\t%s\t%s\n" % (level, iso(ts), lambda_id, text)
            out(ts, msg)

        if outcome == "error":
            etype, emsg, stack = error
            if json_fmt:
                out(end, json.dumps({"timestamp": iso(end), "log_level": "ERROR", "errorMessage": emsg,
                                     "errorType": etype, "requestId": lambda_id, "stackTrace": [stack]},
                                    separators=(",", ":")))
            else:
                out(end, "[ERROR] %s: %s\nTraceback (most recent call last):\n%s" % (etype, emsg, stack))
        elif outcome == "timeout":
            out(end, "%s %s Task timed out after %.2f seconds\n" % (iso(end), lambda_id, f["timeout"]))

        if outcome == "timeout":
            duration = f["timeout"] * 1000.0
        else:
            duration = max(1.0, work_ms - 1 + rng.random())
        billed = int(math.ceil(duration))
        used = rng.randint(38, min(f["memory"], 60 + f["memory"] // 8))
        if json_fmt:
            metrics = {"durationMs": round(duration, 3), "billedDurationMs": billed,
                       "memorySizeMB": f["memory"], "maxMemoryUsedMB": used}
            if cold:
                metrics["initDurationMs"] = round(init_ms, 3)
            record = {"requestId": lambda_id, "metrics": metrics,
                      "status": {"success": "success", "error": "error", "timeout": "timeout"}[outcome]}
            out(end, json.dumps({"time": iso(end), "type": "platform.report", "record": record},
                                separators=(",", ":")))
        else:
            out(end, "END RequestId: %s\n" % lambda_id)
            report = "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\t" \
                     "Max Memory Used: %d MB\t" % (lambda_id, duration, billed, f["memory"], used)
            if cold:
                report += "Init Duration: %.2f ms\t" % init_ms
            if f["tracing"] and trace:
                report += "XRAY TraceId: %s\tSegmentId: %s\tSampled: true\t" % (trace, self.ids.hex(16))
            if outcome == "timeout":
                report += "Status: timeout"
            out(end, report + "\n")
        env.busy.append((begin_ms, end))
        env.free_at = end + 1
        return end

    def app_lines(self, key, api_id, method, path):
        """1-3 application lines; the first logs the API request id as correlation id."""
        rng = self.rng
        lines = [("INFO", "correlation_id=%s method=%s path=%s" % (api_id, method, path))]
        extra = {
            "users": ["loaded %d users from table %s-users" % (rng.randint(1, 40), self.prefix),
                      "cache hit ratio %.2f" % rng.random()],
            "orders": ["order %s accepted, total %d.%02d EUR" % (self.ids.hex(8), rng.randint(5, 300), rng.randint(0, 99)),
                       "reserved %d items" % rng.randint(1, 5)],
            "backend": ["proxying to https://inventory.internal/v2%s" % path, "downstream answered in %d ms" % rng.randint(3, 40)],
            "reports": ["rendering report %s" % self.ids.hex(6), "rows=%d" % rng.randint(10, 9000)],
        }[key]
        for text in extra[: rng.randint(0, 2)]:
            level = "WARNING" if rng.random() < 0.1 and key != "orders" else "INFO"
            lines.append((level, text))
        if rng.random() < 0.25:  # a multi-line message now and then
            lines.append(("INFO", "response preview:\n{\n  \"items\": %d,\n  \"next\": null\n}" % rng.randint(0, 20)))
        return lines

    # -- REST requests -------------------------------------------------------

    def rest_request(self, kind, t0, stream):
        rng, ids, f = self.rng, self.ids, self.funcs
        api = self.rest["id"]
        rid = ids.uuid4()
        ext = ids.apigw_id()
        trace = ids.trace_id(t0)
        host = "%s.execute-api.%s.amazonaws.com" % (api, self.region)
        ip = "203.0.113.%d" % rng.randint(1, 254)
        route = {
            "ok": ("GET", "/users", "/users", "users", "$LATEST", True),
            "ok_alias": ("GET", "/users/{id}", "/users/%d" % rng.randint(1, 999), "users", "1", False),
            "order": ("POST", "/orders", "/orders", "orders", "$LATEST", True),
            "backend": (rng.choice(["GET", "PUT", "DELETE"]), "/backend", "/backend", "backend", "$LATEST", False),
            "reports": ("GET", "/reports", "/reports", "reports", "$LATEST", False),
            "function_error": ("POST", "/orders", "/orders", "orders", "$LATEST", True),
            "timeout": ("GET", "/users", "/users", "users", "$LATEST", True),
            "integration_timeout": ("POST", "/backend", "/backend", "backend", "$LATEST", False),
            "auth_denied": ("GET", "/users", "/users", "users", "$LATEST", True),
            "mock": ("GET", "/health", "/health", None, None, False),
        }[kind]
        method, resource_path, path, fkey, version, authorized = route
        lambda_id = ids.uuid4() if fkey and kind != "auth_denied" else None
        auth_id = ids.uuid4() if authorized else None
        token = "Bearer " + ids.hex(40)

        n0 = len(self.events)
        t = t0
        lines = []  # (ts, text) of the execution log, in order

        def ex(text, gap=None):
            nonlocal t
            t += rng.choice([0, 0, 1, 1, 2]) if gap is None else gap
            if len(text) > 1000:
                text = text[:1000] + " [TRUNCATED]"
            lines.append((t, text))

        ex("Extended Request Id: %s" % ext, gap=0)
        status = 200
        auth_meta = None
        if authorized:
            fa = f["auth"]
            ex("Starting authorizer: %s for request: %s" % (self.rest["authorizer_id"], rid))
            ex("Incoming identity: %s" % mask(token))
            ex("Endpoint request URI: https://lambda.%s.amazonaws.com/2015-03-31/functions/%s/invocations"
               % (fa["region"], fa["arn"]))
            ex("Endpoint request headers: {x-amzn-lambda-integration-tag=%s, Authorization=****%s, X-Amz-Date=%s, "
               "x-amzn-apigateway-api-id=%s, X-Amz-Source-Arn=arn:aws:execute-api:%s:%s:%s/authorizers/%s, "
               "Accept=application/json, User-Agent=AmazonAPIGateway_%s, X-Amz-Security-Token=IQoJb3JpZ2luX2VjE%s "
               "[TRUNCATED]" % (rid, ids.hex(6), amz_date(t), api, self.region, self.account, api,
                                self.rest["authorizer_id"], api, ids.hex(40)))
            method_arn = "arn:aws:execute-api:%s:%s:%s/%s/%s%s" % (self.region, self.account, api, STAGE, method, path)
            ex('Endpoint request body after transformations: {"type":"TOKEN","authorizationToken":"%s",'
               '"methodArn":"%s"}' % (token, method_arn))
            denied = kind == "auth_denied"
            alines = [("INFO", "authorizing token %s for %s" % (mask(token), method_arn))]
            if denied:
                alines.append(("WARNING", "token rejected: expired %d s ago" % rng.randint(5, 5000)))
            a_end = self.invoke("auth", "$LATEST", t + rng.randint(1, 3), rng.randint(2, 25), auth_id, rid, alines,
                                outcome="error" if denied else "success",
                                error=("Exception", "Unauthorized",
                                       '  File "/var/task/app.py", line 14, in handler\n'
                                       '    raise Exception("Unauthorized")\n'))
            auth_meta = {"function": fa["name"], "end": a_end}
            t = a_end + rng.randint(1, 4)
            if denied:
                ex("Unauthorized request: %s" % rid, gap=0)
                status = 401
                ex("Method completed with status: 401")
            else:
                principal = "user-%d" % rng.randint(1000, 9999)
                ex('Authorizer result body before parsing: {"principalId":"%s","policyDocument":{"Version":'
                   '"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"%s"}]}}'
                   % (principal, method_arn), gap=0)
                ex("Using valid authorizer policy for principal: %s" % mask(principal))
                ex("Successfully completed authorizer execution")

        integration_latency = "-"
        if status != 401:
            ex("Verifying Usage Plan for request: %s. API Key: API Stage: %s/%s" % (rid, api, STAGE))
            ex("API Key authorized because method '%s %s' does not require API Key. Request will not contribute "
               "to throttle or quota limits" % (method if resource_path != "/backend" else "ANY", resource_path))
            ex("Usage Plan check succeeded for API Key and API Stage %s/%s" % (api, STAGE))
            ex("Starting execution for request: %s" % rid)
            ex("HTTP Method: %s, Resource Path: %s" % (method, path))
            ex("Method request path: %s" % ("{id=%s}" % path.rsplit("/", 1)[1] if "{id}" in resource_path else "{}"))
            ex("Method request query string: {}")
            hdrs = "Accept=application/json, Host=%s, User-Agent=curl/8.5.0, X-Amzn-Trace-Id=Root=%s, " \
                   "X-Forwarded-For=%s, X-Forwarded-Port=443, X-Forwarded-Proto=https" % (host, trace, ip)
            if authorized:
                hdrs = "Authorization=%s, " % mask(token) + hdrs
            ex("Method request headers: {%s}" % hdrs)
            body = '{"sku":"SKU-%d","qty":%d}' % (rng.randint(100, 999), rng.randint(1, 5)) \
                if kind == "order" else ('{"qty":1}' if kind == "function_error" else "")
            ex("Method request body before transformations: %s" % body)

            if fkey is None:  # MOCK
                ex('Method response body after transformations: {"status":"ok"}')
                ex("Method response headers: {X-Amzn-Trace-Id=Root=%s;Sampled=0, Content-Type=application/json}" % trace)
                ex("Successfully completed execution")
                ex("Method completed with status: 200")
                ex("X-ray Tracing ID : %s" % trace)
            else:
                fn = f[fkey]
                target = fn["arn"] + (":live" if version != "$LATEST" else "")
                endpoint = "https://lambda.%s.amazonaws.com/2015-03-31/functions/%s/invocations" % (fn["region"], target)
                ex("Endpoint request URI: %s" % endpoint)
                ex("Endpoint request headers: {x-amzn-lambda-integration-tag=%s, Authorization=****%s, X-Amz-Date=%s, "
                   "x-amzn-apigateway-api-id=%s, X-Amz-Source-Arn=arn:aws:execute-api:%s:%s:%s/%s/%s%s, "
                   "Accept=application/json, User-Agent=AmazonAPIGateway_%s, X-Amz-Security-Token=IQoJb3JpZ2luX2VjE%s "
                   "[TRUNCATED]" % (rid, ids.hex(6), amz_date(t), api, self.region, self.account, api, STAGE,
                                    method, resource_path, api, ids.hex(40)))
                ex('Endpoint request body after transformations: {"resource":"%s","path":"%s","httpMethod":"%s",'
                   '"headers":{"Accept":"application/json","Host":"%s"},"requestContext":{"requestId":"%s",'
                   '"extendedRequestId":"%s","stage":"%s"}} [TRUNCATED]'
                   % (resource_path, path, method, host, rid, ext, STAGE))
                ex("Sending request to %s" % endpoint)
                send = t
                app = self.app_lines(fkey, rid, method, path)
                outcome, error, work = "success", None, rng.randint(4, 120)
                if kind == "function_error":
                    outcome, work = "error", rng.randint(3, 30)
                    error = ("KeyError", "'sku'", '  File "/var/task/app.py", line 21, in handler\n'
                                                  '    sku = body["sku"]\n')
                elif kind == "timeout":
                    work = FUNCTIONS["users"]["timeout"] * 1000 + rng.randint(0, 9)
                    outcome = "timeout"
                    app = app[:1] + [("INFO", "fetching users from legacy-db.internal:5432")]
                elif kind == "integration_timeout":
                    work = rng.randint(31_000, 36_000)
                    app = app[:1] + [("INFO", "calling slow downstream https://inventory.internal/v2/rebuild")]
                elif fkey == "reports":
                    work = rng.randint(50, 400)
                l_end = self.invoke(fkey, version, send + rng.randint(1, 4), work, lambda_id, rid, app,
                                    outcome=outcome, error=error, trace=trace)
                if kind == "integration_timeout":
                    t = send + 29_000 + rng.randint(0, 3)
                    integration_latency = str(t - send)
                    ex("Execution failed due to a timeout error", gap=0)
                    status = 504
                    ex("Method completed with status: 504")
                else:
                    t = l_end + rng.randint(1, 6)
                    integration_latency = str(t - send)
                    executed = version
                    fn_error = outcome != "success"
                    if outcome == "timeout":
                        err_text = "%s %s Task timed out after %.2f seconds" % (iso(l_end), lambda_id, fn["timeout"])
                        resp_body = json.dumps({"errorMessage": err_text})
                    elif outcome == "error":
                        err_text = error[1]
                        resp_body = json.dumps({"errorMessage": error[1], "errorType": error[0],
                                                "requestId": lambda_id, "stackTrace": [error[2]]})
                    else:
                        resp_body = json.dumps({"statusCode": 200, "headers": {"Content-Type": "application/json"},
                                                "body": json.dumps({"ok": True, "path": path})})
                    ex("Received response. Status: 200, Integration latency: %s ms" % integration_latency, gap=0)
                    ex("Endpoint response body before transformations: %s" % resp_body)
                    ex("Endpoint response headers: {Date=%s, Content-Type=application/json, Content-Length=%d, "
                       "Connection=keep-alive, x-amzn-RequestId=%s, %sx-amzn-Remapped-Content-Length=0, "
                       "X-Amz-Executed-Version=%s, X-Amzn-Trace-Id=root=%s;sampled=1}"
                       % (http_date(t), len(resp_body), lambda_id,
                          "X-Amz-Function-Error=Unhandled, " if fn_error else "", executed, trace))
                    if fn_error:
                        ex("Lambda execution failed with status 200 due to customer function error: %s. "
                           "Lambda request id: %s" % (err_text, lambda_id))
                        status = 502
                        ex("Method completed with status: 502")
                    else:
                        ex('Method response body after transformations: {"ok":true,"path":"%s"}' % path)
                        ex("Method response headers: {X-Amzn-Trace-Id=Root=%s;Sampled=1, "
                           "Content-Type=application/json}" % trace)
                        ex("Successfully completed execution")
                        ex("Method completed with status: 200")
                    ex("AWS Integration Endpoint RequestId : %s" % lambda_id)
                    ex("X-ray Tracing ID : %s" % trace)

        for ts, text in lines:
            self.emit(self.exec_group, stream, ts, "(%s) %s" % (rid, text), rid)

        # access log line at the same millisecond as the last execution-log line
        done = lines[-1][0]
        values = {
            "requestId": rid, "extendedRequestId": ext, "identity.sourceIp": ip, "requestTime": clf_time(t0),
            "httpMethod": method, "resourcePath": resource_path, "status": str(status),
            "integration.requestId": lambda_id if lambda_id and status != 504 else "-",
            "authorizer.requestId": auth_id or "-", "integrationLatency": integration_latency,
            "responseLatency": str(done - t0), "xrayTraceId": trace, "requestTimeEpoch": str(t0),
        }
        self.emit(self.access_group, self.access_stream, done, render_format(ACCESS_FORMAT, values), rid)

        mine = [e["timestamp"] for e in self.events[n0:] if e["request_id"] == rid]
        self.requests.append({
            "kind": kind, "api": "rest", "request_id": rid, "extended_request_id": ext,
            "lambda_request_id": lambda_id, "authorizer_request_id": auth_id,
            "function": f[fkey]["name"] if lambda_id else None,
            "function_version": version if lambda_id else None,
            "authorizer_function": auth_meta["function"] if auth_meta else None,
            "method": method, "resource_path": resource_path, "path": path,
            "status": status, "xray_trace_id": trace, "exec_log_stream": stream,
            "first_ms": min(mine), "last_ms": max(mine),
        })

    # -- HTTP API requests ---------------------------------------------------

    def http_request(self, i, t0):
        rng, ids = self.rng, self.ids
        n0 = len(self.events)
        rid = ids.apigw_id()
        lambda_id = ids.uuid4()
        get = i % 2 == 0
        method = "GET" if get else "POST"
        fkey = "users" if get else "orders"
        begin = t0 + rng.randint(2, 8)
        app = self.app_lines(fkey, rid, method, "/items")
        l_end = self.invoke(fkey, "$LATEST", begin, rng.randint(4, 90), lambda_id, rid, app)
        done = l_end + rng.choice([0, 0, 1, 2])  # sometimes the very same ms as REPORT
        values = {
            "requestId": rid, "identity.sourceIp": "198.51.100.%d" % rng.randint(1, 254),
            "requestTime": clf_time(t0), "httpMethod": method, "routeKey": "%s /items" % method,
            "status": "200", "protocol": "HTTP/1.1", "responseLength": str(rng.randint(20, 900)),
            "integration.requestId": lambda_id, "integrationLatency": str(done - begin),
        }
        self.emit(self.http_access_group, self.http_access_stream, done, render_format(HTTP_ACCESS_FORMAT, values), rid)
        mine = [e["timestamp"] for e in self.events[n0:] if e["request_id"] == rid]
        self.requests.append({
            "kind": "http_get" if get else "http_post", "api": "http", "request_id": rid,
            "extended_request_id": rid, "lambda_request_id": lambda_id, "authorizer_request_id": None,
            "function": self.funcs[fkey]["name"], "function_version": "$LATEST", "authorizer_function": None,
            "method": method, "resource_path": "%s /items" % method, "path": "/items",
            "status": 200, "xray_trace_id": None, "exec_log_stream": None,
            "first_ms": min(mine), "last_ms": max(mine),
        })

    # -- whole world -------------------------------------------------------------

    def spread(self, n, salt):
        """n sorted start times in [start_ms, end_ms - REQUEST_TAIL_MS]."""
        hi = self.end_ms - REQUEST_TAIL_MS
        if hi <= self.start_ms:
            sys.exit("world.py: --minutes-ago too small for the request tail (need >= 2)")
        r = random.Random("%s/%s" % (self.rng.random(), salt))
        return sorted(r.randint(self.start_ms, hi) for _ in range(n))

    def kinds(self, n_requests, failures):
        """The kind of each REST request: KINDS in turn, or with --failures exactly that many
        5xx requests (function errors, Lambda timeouts, integration timeouts in turn),
        spread evenly, and the other kinds in turn for the rest (same traffic)."""
        if failures is None:
            return [KINDS[i % len(KINDS)] for i in range(n_requests)]
        if not 0 <= failures <= n_requests:
            sys.exit("world.py: --failures must be between 0 and --requests")
        failing = [k for k in KINDS if k in FAILING_KINDS]
        other = [k for k in KINDS if k not in FAILING_KINDS]
        at = {(j * n_requests) // failures for j in range(failures)} if failures else set()
        out, f, o = [], 0, 0
        for i in range(n_requests):
            if i in at:
                out.append(failing[f % len(failing)])
                f += 1
            else:
                out.append(other[o % len(other)])
                o += 1
        return out

    def generate(self, n_requests, noise, failures=None):
        starts = self.spread(n_requests, "rest")
        kinds = self.kinds(n_requests, failures)
        for i in range(n_requests):
            kind = kinds[i]
            stream = self.rng.choice(self.exec_streams)
            if kind == "reports" and i > 0:
                # a burst: this request arrives in the same ms as the previous one, on another stream
                starts[i] = starts[i - 1]
                prev = self.requests[-1]["exec_log_stream"]
                stream = self.rng.choice([s for s in self.exec_streams if s != prev])
            self.rest_request(kind, starts[i], stream)

        for i, t0 in enumerate(self.spread(n_requests // 4, "http")):
            self.http_request(i, t0)

        # one event 2 hours before the window: default time windows must exclude it
        old_id = self.ids.uuid4()
        old_ts = self.start_ms - OLD_EVENT_OFFSET_MS
        self.emit(self.exec_group, self.exec_streams[0], old_ts,
                  "(%s) Method completed with status: 200" % old_id, old_id, old=True)

        if noise:
            self.add_noise(noise)

    def add_noise(self, k):
        """k plain (print-style) lines per Lambda stream, only where the stream is idle."""
        rng = self.rng
        texts = ["heartbeat ok", "connection pool size=%d", "cache refreshed: %d keys", "gc: collected %d objects",
                 "config reloaded (rev %d)", "metrics flushed: %d datapoints"]
        for (key, _version), pool in sorted(self.envs.items()):
            f = self.funcs[key]
            for env in pool:
                busy = sorted(env.busy)
                lo = busy[0][0]
                gaps = []  # inclusive [a, b] idle ranges
                cur = lo
                for a, b in busy:
                    if a > cur:
                        gaps.append((cur, a - 1))
                    cur = max(cur, b + 1)
                if cur <= self.end_ms:
                    gaps.append((cur, self.end_ms))
                if not gaps:
                    continue
                cum, total = [], 0
                for a, b in gaps:
                    total += b - a + 1
                    cum.append(total)
                stamps = []
                for _ in range(k):
                    u = rng.randrange(total)
                    g = bisect.bisect_right(cum, u)
                    a, _b = gaps[g]
                    stamps.append(a + u - (cum[g - 1] if g else 0))
                for ts in sorted(stamps):
                    text = rng.choice(texts)
                    if "%d" in text:
                        text = text % rng.randint(1, 5000)
                    self.emit(f["log_group"], env.stream, ts, text + "\n", None, f["region"])


def render_format(fmt, values):
    """Substitute $context.X variables in an access-log format (longest names first)."""
    out = fmt
    for name in sorted(values, key=len, reverse=True):
        out = out.replace("$context." + name, values[name])
    return out


# --------------------------------------------------------------------------- put

def put_events(cl, world, funcs):
    """Create groups/streams and PutLogEvents per stream, sorted, in batches."""
    groups = {(world.region, world.exec_group), (world.region, world.access_group),
              (world.region, world.http_access_group)}
    groups |= {(f["region"], f["log_group"]) for f in funcs.values()}
    streams = {(world.region, world.exec_group, s) for s in world.exec_streams}
    streams |= {(world.region, world.access_group, world.access_stream),
                (world.region, world.http_access_group, world.http_access_stream)}
    by_stream = {}
    for e in world.events:
        by_stream.setdefault((e["region"], e["log_group"], e["log_stream"]), []).append(e)
    streams |= set(by_stream)

    for region, group in sorted(groups):
        cl["logs"][region].create_log_group(logGroupName=group)
    for region, group, stream in sorted(streams):
        cl["logs"][region].create_log_stream(logGroupName=group, logStreamName=stream)

    calls = 0
    for (region, group, stream), evs in sorted(by_stream.items()):
        evs = sorted(evs, key=lambda e: e["timestamp"])  # stable: generation order on ties
        batch, size = [], 0
        for e in evs + [None]:
            esize = len(e["message"].encode("utf-8")) + 26 if e else 0
            if batch and (e is None or len(batch) >= PUT_MAX_EVENTS or size + esize > PUT_MAX_BYTES):
                resp = cl["logs"][region].put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
                calls += 1
                if resp.get("rejectedLogEventsInfo"):
                    raise SystemExit("world.py: PutLogEvents rejected events in %s/%s: %r"
                                     % (group, stream, resp["rejectedLogEventsInfo"]))
                batch, size = [], 0
            if e is not None:
                batch.append({"timestamp": e["timestamp"], "message": e["message"]})
                size += esize
    return calls


# --------------------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--endpoint", required=True, help="emulator URL, e.g. http://127.0.0.1:5123")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--prefix", default="shop", help="prefix of every resource name (also seeds the RNG)")
    ap.add_argument("--requests", type=int, default=40, help="simulated REST requests (HTTP API: requests // 4)")
    ap.add_argument("--minutes-ago", type=int, default=30, help="window = [now - N min, now - 1 min]")
    ap.add_argument("--noise", type=int, default=0, help="extra plain app lines per Lambda stream")
    ap.add_argument("--out", help="manifest path (default: print the manifest on stdout)")
    ap.add_argument("--failures", type=int,
                    help="exactly N REST requests fail with a 5xx, spread evenly; the others succeed "
                         "or are rejected with a 4xx (default: the kinds in turn, 3 in 10 fail)")
    args = ap.parse_args(argv)
    if args.minutes_ago < 2:
        ap.error("--minutes-ago must be >= 2")
    if args.region == SECOND_REGION:
        ap.error("--region must differ from %s (the second region)" % SECOND_REGION)
    check_loopback(args.endpoint)

    t_begin = time.monotonic()
    seed = int.from_bytes(hashlib.sha256(args.prefix.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    now_ms = int(time.time() * 1000)
    cl = make_clients(args.endpoint, args.region)

    funcs = create_lambdas(cl, args.prefix, args.region)
    account = funcs["users"]["arn"].split(":")[4]
    rest = create_rest_api(cl, args.prefix, args.region, account, funcs)
    http = create_http_api(cl, args.prefix, args.region, account, funcs)
    shared = grant_invoke(cl, args.region, account, funcs, rest, http)

    world = World(rng, args.prefix, args.region, account, funcs, rest, http, now_ms, args.minutes_ago)
    world.generate(args.requests, args.noise, args.failures)
    put_calls = put_events(cl, world, funcs)

    manifest = {
        "prefix": args.prefix,
        "region": args.region,
        "second_region": SECOND_REGION,
        "account": account,
        "rest_api_id": rest["id"],
        "http_api_id": http["id"],
        "stage": STAGE,
        "other_stage": "dev",
        "http_stage": "$default",
        "authorizer_id": rest["authorizer_id"],
        "deployment_id": rest["deployment_id"],
        "functions": {k: f["name"] for k, f in funcs.items()},
        "function_arns": {k: f["arn"] for k, f in funcs.items()},
        "function_regions": {f["name"]: f["region"] for f in funcs.values()},
        "shared_functions": shared,
        "log_groups": {
            "execution": world.exec_group,
            "access": world.access_group,
            "http_access": world.http_access_group,
            "lambda": {f["name"]: f["log_group"] for f in funcs.values()},
        },
        "access_log_format": ACCESS_FORMAT,
        "http_access_log_format": HTTP_ACCESS_FORMAT,
        "window": {"start_ms": world.start_ms, "end_ms": world.end_ms},
        "requests": world.requests,
        "events": world.events,
    }
    elapsed = round(time.monotonic() - t_begin, 2)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(manifest, fh, indent=1)
        print(json.dumps({"prefix": args.prefix, "rest_api_id": rest["id"], "http_api_id": http["id"],
                          "requests": len(world.requests), "events": len(world.events),
                          "put_calls": put_calls, "seconds": elapsed, "out": args.out}))
    else:
        json.dump(manifest, sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
