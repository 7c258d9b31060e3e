"""Logs Insights (issue #15) and the other places AWS differs from the emulator: log
classes, log deliveries of execution logs, cross-account log groups. The ``Insights``
mixin gives class Fake its StartQuery / GetQueryResults / StopQuery and DescribeDeliver*
operations."""

import base64
import time

from .model import ACCOUNT, MAX_LIMIT, ApiError, group_name_of

# Logs Insights (issue #15): its own block, see Fake.insights_call.
INSIGHTS_OPS = ("StartQuery", "GetQueryResults", "StopQuery",
                "DescribeDeliverySources", "DescribeDeliveries", "DescribeDeliveryDestinations")


# Logs Insights and log-class knobs (issue #15), kept apart from the FilterLogEvents ones.
INSIGHTS_KNOBS = {
    # GetQueryResults answers Running this many times before the final status.
    "insights_polls": 0,
    # The final status of every query: Complete, or Timeout / Unknown / Failed.
    "insights_status": "Complete",
    # Groups of class INFREQUENT_ACCESS: FilterLogEvents and Live Tail refuse them.
    "ia_group": [],
    # Rows per GetQueryResults page (nextToken paging).
    "insights_page_rows": 10_000,
    # DescribeLogGroups: storedBytes is the groups' message bytes times this (a small fake
    # group can pose as a big one, for --engine auto and --max-scan, issue #18), and
    # retentionInDays (0: never expire, the field left out).
    "stored_bytes_scale": 1.0,
    "retention_days": 0,
    # FilterLogEvents leaves out an event exactly at endTime (reported in aws/aws-cli#4262;
    # documented as inclusive).
    "end_exclusive": False,
    # Source accounts linked to this (monitoring) account by cross-account observability:
    # their log group ARNs are accepted as logGroupIdentifier(s); other accounts' ARNs are
    # refused with AccessDeniedException (the fake's choice: AWS's exact answer unverified).
    "linked_account": [],
    # Log deliveries of REST execution logs: "API_ID/STAGE=KIND:TARGET", KIND in CWL (TARGET
    # a log group name), S3 (a bucket), FH (a Firehose stream); see Fake.deliveries.
    "execution_delivery": [],
}


class Insights:
    """Logs Insights and log deliveries: a mixin of class Fake."""

    # --- Logs Insights (issue #15) ------------------------------------------------------
    #
    # StartQuery / GetQueryResults / StopQuery over the same data as FilterLogEvents, with
    # AWS's semantics where they differ from the emulator's:
    # - startTime/endTime are epoch seconds converted straight to milliseconds: a query
    #   covers [startTime*1000, endTime*1000], so endTime=E reaches E.000 only, not E.999
    #   (the CloudWatch team in aws/aws-sdk#280, from boto/boto3#3282).
    # - rows are sorted by @timestamp and cut at the query's limit (at most 10,000 rows:
    #   the cap the client asks for); statistics.recordsMatched counts them all.
    # - GetQueryResults pages the rows by nextToken (--insights-page-rows a page), as the
    #   service does since the 100,000-row limit (aws-notes §5.7).
    # - a group that does not exist (--missing-group, --vanish-group) fails the whole
    #   StartQuery with ResourceNotFoundException, whatever the other groups.
    # - @timestamp is "YYYY-MM-DD HH:MM:SS.mmm" (UTC), @log "account:group", @ptr opaque.
    # The query string's filter is not applied (like the emulator): the client matches.

    def insights_call(self, op, body, c):
        if op.startswith("DescribeDeliver"):
            return self.deliveries(op, c)
        queries = self.__dict__.setdefault("queries", {})
        if op == "StartQuery":
            return self.start_query(body, c, queries)
        q = queries.get(str(body.get("queryId") or ""))
        if q is None:
            raise ApiError(400, "ResourceNotFoundException", "The specified query does not exist.")
        if op == "StopQuery":
            q["stopped"] = True
            return {"success": True}
        with self.lock:
            q["polls"] += 1
            polls = q["polls"]
        stats = {"recordsMatched": float(q["matched"]), "recordsScanned": float(q["scanned"]),
                 "bytesScanned": float(q["bytes"])}
        if q.get("stopped"):
            return {"status": "Cancelled", "results": [], "statistics": stats}
        if polls <= int(c["insights_polls"]):
            return {"status": "Running", "results": [], "statistics": stats}
        status = str(c["insights_status"])
        if status != "Complete":
            return {"status": status, "results": [], "statistics": stats}
        page = max(1, int(c["insights_page_rows"]))
        token = body.get("nextToken")
        at = int(token.split(":", 1)[1]) if token else 0
        rows = q["rows"][at:at + page]
        out = {"status": "Complete", "results": rows, "statistics": stats}
        if at + page < len(q["rows"]):
            out["nextToken"] = "%s:%d" % (body["queryId"], at + page)
        return out

    def deliveries(self, op, c):
        """DescribeDeliverySources / DescribeDeliveries / DescribeDeliveryDestinations (one
        page each) over --execution-delivery."""
        rows = _deliveries(self, c)
        if op == "DescribeDeliverySources":
            seen = {}
            for s, _, _ in rows:
                seen[s["name"]] = s
            return {"deliverySources": list(seen.values())}
        if op == "DescribeDeliveries":
            return {"deliveries": [d for _, d, _ in rows]}
        return {"deliveryDestinations": [x for _, _, x in rows]}

    def start_query(self, body, c, queries):
        idents = body.get("logGroupIdentifiers") or body.get("logGroupNames") or (
            [body["logGroupName"]] if body.get("logGroupName") else [])
        if not idents or len(idents) > 50:
            raise ApiError(400, "InvalidParameterException", "a query needs 1 to 50 log groups")
        st, et = body.get("startTime"), body.get("endTime")
        if not isinstance(st, int) or not isinstance(et, int) or st > et:
            raise ApiError(400, "InvalidParameterException", "startTime and endTime are epoch seconds, start <= end")
        limit = body.get("limit", MAX_LIMIT)
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise ApiError(400, "InvalidParameterException", "limit must be 1..10000")
        for ident in idents:
            refuse_unlinked_account(c, str(ident), "StartQuery")
        names = [group_name_of({"logGroupIdentifier": str(i)}) for i in idents]
        lo, hi = st * 1000, et * 1000
        found = []
        scanned = 0
        nbytes = 0
        with self.data_lock:
            for name in names:
                g = self.groups.get(name)
                if g is None or name in c["missing_group"] or name in c["vanish_group"]:
                    with self.lock:
                        self.stats["not_found"] += 1
                    raise ApiError(400, "ResourceNotFoundException", "The specified log group does not exist.")
                i = g.first_at_or_after_ts(lo)
                while i < len(g) and g.ts[i] <= hi:
                    msg = g.message(i)
                    scanned += 1
                    nbytes += len(msg.encode("utf-8"))
                    found.append((g.ts[i], g.ing[i], g.idx, g.seq[i], g, i))
                    i += 1
        found.sort(key=lambda r: r[:4])
        rows = []
        for ts, ing, _, seq, g, i in found[:limit]:
            def f(k, v):
                return {"field": k, "value": v}
            rows.append([
                f("@timestamp", insights_time(ts)),
                f("@message", g.message(i)),
                f("@logStream", g.streams[g.stream[i]]),
                f("@log", "%s:%s" % (ACCOUNT, g.name)),
                f("@ingestionTime", insights_time(ing)),
                f("@ptr", base64.b64encode(("%d/%d" % (g.idx, seq)).encode()).decode()),
            ])
        qid = "fake-query-%d" % self.next_nonce()
        with self.lock:
            queries[qid] = {"rows": rows, "matched": len(found), "scanned": scanned, "bytes": nbytes,
                            "polls": 0}
            self.stats.setdefault("insights_queries", []).append(
                {"groups": names, "startTime": st, "endTime": et})
        return {"queryId": qid}


def _deliveries(fake, c):
    """The --execution-delivery entries as (source, delivery, destination) objects, as the
    CloudWatch Logs delivery APIs describe them (API Gateway developer guide, "Create a log
    delivery for REST API execution logs": log type EXECUTION_LOGS, resource ARN
    arn:aws:apigateway:{region}:{account-id}:/restapis/{id}/stages/{stage})."""
    out = []
    for n, spec in enumerate(c["execution_delivery"]):
        where, _, dest = spec.partition("=")
        api, _, stage = where.partition("/")
        kind, _, target = dest.partition(":")
        resource = {
            "CWL": "arn:aws:logs:%s:%s:log-group:%s:*" % (fake.region, ACCOUNT, target),
            "S3": "arn:aws:s3:::%s" % target,
            "FH": "arn:aws:firehose:%s:%s:deliverystream/%s" % (fake.region, ACCOUNT, target),
        }.get(kind, target)
        dest_arn = "arn:aws:logs:%s:%s:delivery-destination:dest-%d" % (fake.region, ACCOUNT, n)
        out.append((
            {"name": "src-%s-%s" % (api, stage), "logType": "EXECUTION_LOGS", "service": "apigateway",
             "arn": "arn:aws:logs:%s:%s:delivery-source:src-%s-%s" % (fake.region, ACCOUNT, api, stage),
             "resourceArns": ["arn:aws:apigateway:%s:%s:/restapis/%s/stages/%s" % (fake.region, ACCOUNT, api, stage)]},
            {"id": "del-%d" % n, "deliverySourceName": "src-%s-%s" % (api, stage),
             "deliveryDestinationArn": dest_arn, "deliveryDestinationType": kind},
            {"name": "dest-%d" % n, "arn": dest_arn, "deliveryDestinationType": kind,
             "deliveryDestinationConfiguration": {"destinationResourceArn": resource}},
        ))
    return out


def insights_time(ms):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000)) + ".%03d" % (ms % 1000)


def refuse_unlinked_account(c, ident, op):
    """A log group ARN of another account than the fake's is only readable when that
    account is linked (cross-account observability, --linked-account)."""
    if not ident or not str(ident).startswith("arn:"):
        return
    parts = str(ident).split(":")
    account = parts[4] if len(parts) > 4 else ""
    if account and account != ACCOUNT and account not in c["linked_account"]:
        raise ApiError(400, "AccessDeniedException",
                       "User: arn:aws:iam::%s:user/fake is not authorized to perform: logs:%s on resource: %s "
                       "(the fake: account %s is not linked to this monitoring account)"
                       % (ACCOUNT, op, ident, account))


def refuse_infrequent_access(c, name, op):
    """FilterLogEvents refuses a group of class INFREQUENT_ACCESS (the error as quoted in
    aws/karpenter-provider-aws#9567). Live Tail is refused the same way here, which is
    unverified (aws-notes.md §5.6)."""
    if name in c["ia_group"]:
        raise ApiError(400, "InvalidOperationException",
                       "The log group %s is of log-group-class INFREQUENT_ACCESS. %s is not supported "
                       "for this log class." % (name, op))

