"""fakelogs: a loopback fake of CloudWatch Logs with fault knobs, for apitrace's tests.

Python 3 standard library only. It speaks the JSON 1.1 protocol the AWS SDKs use
(``POST /``, ``X-Amz-Target: Logs_20140328.<Operation>``, content type
``application/x-amz-json-1.1``, JSON body; errors are ``{"__type": ..., "message": ...}``
with HTTP 400, or 5xx for server errors) and ignores SigV4 (any Authorization is accepted).
It binds 127.0.0.1 only.

Operations
    FilterLogEvents    logGroupName (or logGroupIdentifier, name or ARN), startTime,
                       endTime (inclusive), filterPattern (empty, "quoted phrases", bare
                       words ANDed as case-sensitive substrings, -word excludes, ?word ORs),
                       logStreamNames / logStreamNamePrefix, limit (1..10,000), nextToken.
    DescribeLogGroups  logGroupNamePrefix or logGroupNamePattern, limit (1..50), nextToken;
                       returns logGroupName, arn, storedBytes, creationTime (name order).
    StartLiveTail      logGroupIdentifiers (1..10, ARNs or names), logEventFilterPattern.
                       Answers with an AWS event stream (``application/vnd.amazon.eventstream``,
                       chunked): one ``sessionStart``, then a ``sessionUpdate`` every
                       --live-interval-ms (empty when nothing is new) holding the events put
                       through /_fake/put since the last one (each event's
                       logGroupIdentifier is the identifier the client sent). Above
                       --live-max-events per update it sends an evenly spaced sample and
                       ``sessionMetadata.sampled = true``. After --live-session-ms the
                       session ends with a ``SessionTimeoutException`` message (like AWS's
                       3-hour limit), or with a TCP reset under --live-end reset.
    GetCallerIdentity  STS (query protocol, XML): account 123456789012, for Live Tail ARNs.
    StartQuery, GetQueryResults, StopQuery
                       Logs Insights on the same data, with AWS's whole-second bounds
                       (endTime=E reaches E.000 only), rows sorted by time and cut at the
                       limit (<= 10,000), nextToken paging, @ptr per event; the query's
                       filter is not applied (see the "Logs Insights" block).
    DescribeDeliverySources, DescribeDeliveries, DescribeDeliveryDestinations
                       the log deliveries of --execution-delivery (one page each).
    anything else      400 UnknownOperationException.

Data is generated deterministically from the flags and --seed: groups ``fake-0`` ..
``fake-{N-1}`` (or --group-names), --events per group spread uniformly over
[--start-ms, --end-ms] (default now-1h .. now-1m), several streams per group, about 5 % of
the events on "hot" milliseconds shared by every group (so many events share a
millisecond across groups and streams), messages ``fake-3 event 000123 INFO req-… …``
padded to --message-bytes, 56-digit event ids unique per group, ingestionTime = timestamp
+ 1..1999 ms. Each group is a set of compact sorted arrays (about 26 bytes per event plus
the late events' messages), so a million events fit easily.

Paging is like AWS: a group's events are sorted by (timestamp, ingestionTime, eventId); a
page holds at most min(limit, --page-events) events and at most 1 MB counted as message
bytes (UTF-8) + 26 per event; nextToken is absent on the last page; tokens are opaque
(base64 of JSON: group, position, query hash, nonce) and only valid for the query that
made them (same group, startTime, endTime, filterPattern, streams).

Fault knobs (every one is also a key of ``POST /_fake/config``, with ``_`` for ``-``).
Random decisions are a hash of (--seed, knob, group, n-th call to that group), so a run is
reproducible whatever the thread interleaving; only --tps and storms depend on the clock.
Faults hit the operations in --fault-ops (default FilterLogEvents; ``all`` for every
operation) and, with --fault-groups A,B, only calls about those groups (FilterLogEvents'
logGroupName, DescribeLogGroups' prefix or pattern); --latency-ms delays every call.

    --latency-ms L --jitter-ms J   delay each call by L + [0, J) ms
    --tps Q [--tps-burst B]        account-wide token bucket (burst Q by default); calls
                                   above it get ThrottlingException
    --throttle-first N             the first N faultable calls are throttled
    --throttle-rate P              each call is throttled with probability P
    --storm-ms D [--storm-rate P]  a throttle storm: for D ms from the next faultable call
                                   (or from when it is set by /_fake/config), calls are
                                   throttled with probability P (default 1)
    --error-rate P --error-status S  5xx (500, 502, 503 or 504) ServiceUnavailableException
    --error-first N                the first N faultable calls after --throttle-first get
                                   the 5xx
    --reset-rate P                 close the connection with a TCP reset, no response
    --stall-ms S [--stall-rate P]  send the headers and half the body, wait S ms, send the
                                   rest (P defaults to 1: every call)
    --hang-rate P                  accept the call and never answer (until shutdown)
    --truncate-rate P              send the headers and half the body, then reset the
                                   connection
    --garbage-rate P               answer HTTP 200 with an HTML body (not JSON)
    --empty-pages K                before each real page, K empty pages carrying a token
                                   (the last real page then also carries one)
    --repeat-token K               answer a token with K empty pages carrying that same
                                   token before moving on (-1: forever)
    --repeat-token-mode page       instead, answer it with the real page but the request's
                                   own token, K times (the same page comes back again)
    --expire-token-after N         after N pages of a group, reject its next token with
                                   InvalidParameterException "The specified nextToken has
                                   expired" (once per group; --expire-always: every N pages)
    --token-error-first N          the next N FilterLogEvents calls carrying a nextToken
                                   (counted from start, or from when it is set by
                                   /_fake/config) fail with --token-error-status: 400
                                   (InvalidParameterException, default) or a 5xx; a poll's
                                   first page succeeds, its token page fails
    --bad-surrogate-every N        in FilterLogEvents answers, the message of every event
                                   whose number (seq) is a multiple of N ends with a lone
                                   UTF-16 surrogate escape, ``\\udc00`` (valid JSON syntax,
                                   undecodable text); /_fake/events shows it without
    --overlap-pages K              a page asked for with a token starts K events early: it
                                   repeats the previous page's last K events (the same
                                   event ids on two pages, a page going back in time);
                                   K must be less than the page size
    --token-cycle N                page tokens go round in a cycle: the page asked for with
                                   a query's N-th token carries its first token again
                                   (N=2: A, B, A, B, ... forever), for every query
    --endless-rate P               answer HTTP 200 with a chunked body that never ends (a
                                   page's start, then events forever, until the client
                                   goes); stats "endless" and "endless_max_bytes" (the most
                                   bytes one such answer got written)
    --deny-group NAME              AccessDeniedException on FilterLogEvents (repeatable)
    --missing-group NAME           ResourceNotFoundException on FilterLogEvents, absent from
                                   DescribeLogGroups (repeatable)
    --vanish-group NAME            listed by DescribeLogGroups, but ResourceNotFoundException
                                   on FilterLogEvents (deleted in between) (repeatable)
    --page-events N                at most N events per page (partial pages, as AWS may)
    --scan-limit N                 look at most at N events per call (a "time-bounded scan
                                   window": partial or empty pages with a filter)
    --late-events                  enable POST /_fake/put
    --live-refuse TYPE             answer StartLiveTail with HTTP 400 TYPE (e.g.
                                   AccessDeniedException, UnknownOperationException)
    --live-interval-ms I           Live Tail update period (default 1000, as AWS)
    --live-max-events N            events per update before sampling (default 500, as AWS)
    --live-session-ms D            end each Live Tail session after D ms (0: never)
    --live-end timeout|reset       how it ends: SessionTimeoutException, or a TCP reset
    --live-max-sessions N          concurrent sessions before LimitExceededException (15)
    --insights-polls N             GetQueryResults says Running N times before the end
    --insights-status S            how queries end: Complete, Timeout, Unknown, Failed
    --insights-page-rows N         rows per GetQueryResults page (nextToken paging)
    --end-exclusive                FilterLogEvents leaves out events exactly at endTime
                                   (reported in aws/aws-cli#4262; AWS documents it inclusive)
    --execution-delivery API/STAGE=KIND:TARGET
                                   a log delivery of that REST stage's execution logs to a
                                   CloudWatch Logs group (CWL), S3 bucket or Firehose
                                   stream (FH): DescribeDeliverySources, DescribeDeliveries
                                   and DescribeDeliveryDestinations describe it (repeatable)
    --linked-account ACCOUNT       accept that account's log group ARNs as
                                   logGroupIdentifier(s) (cross-account observability);
                                   other accounts' ARNs get AccessDeniedException (repeatable)
    --ia-group NAME                class INFREQUENT_ACCESS: DescribeLogGroups says so,
                                   FilterLogEvents and StartLiveTail refuse it with
                                   InvalidOperationException (repeatable)

Introspection and control (not AWS):
    GET  /_fake/stats           {"calls": {op: n}, "throttled", "errors" (5xx), "pages"
                                 (FilterLogEvents pages built, empty ones and those then
                                 cut by a fault included), "events_returned",
                                 "max_in_flight", "in_flight" (API calls being handled),
                                 "max_in_flight_by_op", "in_flight_by_op", "resets",
                                 "stalls", "hangs", "truncated", "garbage", "expired",
                                 "repeated", "empty_pages", "denied", "not_found",
                                 "token_errors", "cycled", "endless",
                                 "endless_max_bytes",
                                 "live_started", "live_open", "live_max_open",
                                 "live_updates", "live_events", "live_sampled",
                                 "live_identifiers" (the last session's),
                                 "groups": {name: {"calls", "pages", "events",
                                 "throttled", "errors"}}}
    POST /_fake/reset-stats     zero the counters and the fault state that depends on the
                                calls so far (call numbers, --throttle-first/--error-first
                                counts, repeated and expired tokens), so that a second
                                run sees the same faults as the first
    GET  /_fake/config          the current knobs; POST /_fake/config {"knob": value, ...}
                                changes them at once and returns the new ones
    GET  /_fake/events?group=G  every event of G in service order, as FilterLogEvents
                                returns them (optional startTime, endTime, filterPattern)
    GET  /_fake/groups          the group names and event counts
    POST /_fake/put             {"group": G, "events": [{"timestamp", "message",
                                "logStreamName"}]} appends events (ingestionTime = now),
                                keeping the sort order (needs --late-events)

Start: ``python3 scripts/fakelogs.py --port 0 --groups 3 --events 3000`` prints one JSON
line ``{"port": P, "pid": N}`` on stdout once it listens, then stays quiet (--verbose logs
each call to stderr). SIGTERM or SIGINT stops it.

Modules: ``model`` (the data, paging constants, filter patterns), ``faults`` (the knobs and
the fault decisions), ``service`` (class Fake: the operations and the control API's
state), ``livetail`` (StartLiveTail sessions and their event-stream framing),
``insights`` (Logs Insights, log classes, log deliveries, linked accounts), ``server``
(HTTP), ``cli`` (the command line). ``python3 scripts/fakelogs.py`` and
``python3 -m fakelogs`` (with scripts/ on the path) run ``cli.main``.
"""
