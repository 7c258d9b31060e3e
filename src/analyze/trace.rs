//! `apitrace trace <request-id>`: follow one API request into the Lambda invocations it
//! caused (aws-notes.md §7 is the recipe).
//!
//! 1. Search the execution and access log groups for the id (quoted, server-side). An
//!    extended id is turned into the request id through its `Extended Request Id:` line.
//! 2. Read the linked ids out of those lines (`core::extract`): the backend Lambda request id
//!    (`AWS Integration Endpoint RequestId :`, `x-amzn-RequestId=`, `Lambda request id:`,
//!    access-log `integrationRequestId`), the authorizer's (`authorizerRequestId`), the
//!    X-Ray trace id. For HTTP APIs the access log is the only link.
//! 3. Search every resolved Lambda group for those ids and for the API request id itself
//!    (functions that log it as a correlation id), in a window narrowed around the request
//!    (first line − 1 min … last line + 15 min, the longest a function can run).
//! 4. For each invocation found, read its whole stream between INIT_START/START and REPORT,
//!    so application lines that do not repeat the id (plain `print`s) are included.
//!
//! Every fetch goes through `fetch::collect` (same rate limit, retries and errors as `get`).

use std::collections::{BTreeMap, HashSet};

use anyhow::Result;
use serde::Serialize;

use crate::aws::Aws;
use crate::aws::debug;
use crate::config::Window;
use crate::core::extract::{self, ApiFacts, LambdaLine, LambdaReport};
use crate::core::model::{Event, LogGroup, Source};
use crate::core::time::format_ms;
use crate::fetch::{self, FetchSpec};
use crate::ui::error::{Hinted, warn};

/// How far before the request's first line a Lambda line may be (clock skew, START
/// before API Gateway logs "Sending request").
const BEFORE_MS: i64 = 60_000;
/// How far after its last line: the longest Lambda timeout (15 min).
const AFTER_MS: i64 = 15 * 60_000;

/// One Lambda invocation linked to the request.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub function: Option<String>,
    pub request_id: String,
    pub log_group: String,
    pub source: Source,
    pub report: LambdaReport,
    /// `success`, `timeout`, `error`, or `unknown` (no REPORT seen).
    pub status: String,
    pub first_ms: i64,
}

#[derive(Debug)]
pub struct Trace {
    pub facts: ApiFacts,
    pub lambdas: Vec<Invocation>,
    pub authorizer: Option<Invocation>,
    /// Every line, merged in time order.
    pub events: Vec<Event>,
    /// What could not be linked, for the reader.
    pub notes: Vec<String>,
}

/// Follow `id` through `groups` (the readable resolved groups) within `window`.
pub async fn trace(
    aws: &Aws,
    groups: &[LogGroup],
    id: &str,
    window: Window,
    base: &FetchSpec,
) -> Result<Trace> {
    let api_groups: Vec<usize> = (0..groups.len())
        .filter(|&i| {
            matches!(
                groups[i].source,
                Source::Execution | Source::Access | Source::Extra
            )
        })
        .collect();
    // The first search covers the whole window (Insights when the caller chose it); the
    // later ones are narrow windows and single streams, which paging does best.
    let spec = |filter: Option<String>, w: Window, streams: Vec<String>| FetchSpec {
        engine: if w == window && streams.is_empty() {
            base.engine
        } else {
            fetch::Engine::Filter
        },
        window: w,
        filter_pattern: filter,
        streams,
        ..base.clone()
    };
    let names = |which: &[usize]| -> String {
        which
            .iter()
            .map(|&i| groups[i].name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut failed = Vec::new();

    // 1. The API Gateway lines.
    debug::log(format!(
        "trace: searching {} for \"{id}\" between {} and {} (the request's own API Gateway lines)",
        names(&api_groups),
        format_ms(window.start_ms),
        format_ms(window.end_ms)
    ));
    let (mut api_events, f) = fetch::collect(
        aws,
        groups,
        &api_groups,
        &spec(Some(quoted(id)), window, vec![]),
    )
    .await;
    failed.extend(f);
    let mut facts = ApiFacts::default();
    if !extract::is_uuid(id) {
        // An extended id: its `Extended Request Id:` line names the request id.
        let req = api_events.iter().find_map(|e| {
            let (rid, rest) = extract::exec_prefix(&e.message)?;
            (rest.trim() == format!("Extended Request Id: {id}")).then(|| rid.to_string())
        });
        if let Some(rid) = req {
            let execs: Vec<usize> = (0..groups.len())
                .filter(|&i| groups[i].source == Source::Execution)
                .collect();
            debug::log(format!(
                "trace: searching {} for \"{rid}\" (the request id that extended id {id} names)",
                names(&execs)
            ));
            let (more, f) = fetch::collect(
                aws,
                groups,
                &execs,
                &spec(Some(quoted(&rid)), window, vec![]),
            )
            .await;
            failed.extend(f);
            api_events.extend(more);
            facts.request_id = Some(rid);
        }
    }
    for (g, why) in &failed {
        warn(format!("log group {g}: {why}"));
    }
    let found = Found::new(groups, id, facts, api_events, window)?;

    // 2–3. Lambda lines that mention a linked id or the request id itself: only in the
    // groups the request points to, a few seconds either side of it first.
    let lambda_groups = found.lambda_groups.clone();
    let search = |w: Window, why: String| {
        debug::log(format!(
            "trace: searching {} for {} between {} and {} ({why})",
            names(&lambda_groups),
            found.ids.join(", "),
            format_ms(w.start_ms),
            format_ms(w.end_ms)
        ));
        let s = spec(Some(found.pattern()), w, vec![]);
        let lg = &lambda_groups;
        async move { fetch::collect(aws, groups, lg, &s).await }
    };
    let (mut searched, mut why) = (found.near, found.why_near());
    let (mut matched, f) = search(searched, why.clone()).await;
    for (g, why) in &f {
        warn(format!("log group {g}: {why}"));
    }
    // The server may not support every pattern form (the emulator matches everything for
    // `?a ?b`): keep what really mentions an id.
    matched.retain(|e| found.mentions(&e.message));
    if found.near != found.wide && !found.all_known_found(&matched) {
        (searched, why) = (
            found.wide,
            "not all the invocations the API lines name were within seconds of the request: \
             as far as a function can run"
                .to_string(),
        );
        let (more, f) = search(searched, why).await;
        for (g, why) in &f {
            warn(format!("log group {g}: {why}"));
        }
        matched = more;
        matched.retain(|e| found.mentions(&e.message));
    }

    // 4. Each invocation's whole stream between START and REPORT.
    let wants = found.invocations(&matched, searched);
    let reads = wants.into_iter().map(|w| {
        let s = spec(None, w.window, vec![w.stream.clone()]);
        debug::log(format!(
            "trace: reading stream {} of {} between {} and {} (invocation {}: its START … REPORT)",
            w.stream,
            groups[w.group].name,
            format_ms(w.window.start_ms),
            format_ms(w.window.end_ms),
            w.lid
        ));
        async move {
            let (evs, f) = fetch::collect(aws, groups, &[w.group], &s).await;
            for (g, why) in &f {
                warn(format!("log group {g}: {why}"));
            }
            (w, evs)
        }
    });
    let results = futures::future::join_all(reads).await;
    Ok(found.assemble(groups, matched, results, searched))
}

/// One request's API Gateway lines, what they say, and where its Lambda lines can be:
/// the linking rules `trace` and `errors` share (`errors` feeds it events read for many
/// requests at once, `trace` the answers of its searches).
#[derive(Debug)]
pub struct Found {
    pub facts: ApiFacts,
    pub api_events: Vec<Event>,
    /// Ids whose mention links a Lambda line to the request.
    pub ids: Vec<String>,
    /// Where Lambda lines are looked for first: a few seconds either side of the request
    /// when the API lines name its invocations, else [`Found::wide`].
    pub near: Window,
    /// The request's first line − 1 min … last line + 15 min (the longest a function can run).
    pub wide: Window,
    /// The Lambda (and authorizer) groups the request points to: the functions its
    /// execution log names, or every one when it names none found among `groups`.
    pub lambda_groups: Vec<usize>,
    first: i64,
    last: i64,
}

/// Seconds either side of the request's API lines where its invocations' START lines are.
const NEAR_MS: i64 = 10_000;

/// An invocation to read whole: its stream between START and REPORT.
#[derive(Debug, Clone)]
pub struct Want {
    pub group: usize,
    pub lid: String,
    pub stream: String,
    pub window: Window,
}

impl Found {
    /// From the API Gateway lines that mention `id` (more may be given; those of other
    /// requests are dropped) within `window`. `facts` may already hold the request id (an
    /// extended `id`). Fails when no line is the request's.
    pub fn new(
        groups: &[LogGroup],
        id: &str,
        mut facts: ApiFacts,
        mut api_events: Vec<Event>,
        window: Window,
    ) -> Result<Found> {
        let rid = facts.request_id.clone().unwrap_or_else(|| id.to_string());
        api_events.retain(|e| {
            let g = &groups[e.group];
            match g.source {
                Source::Execution => match extract::exec_prefix(&e.message) {
                    Some((p, _)) => p == rid,
                    None => e.message.contains(&rid),
                },
                Source::Access => {
                    facts.clone().scan_access(&e.message, id)
                        || facts.clone().scan_access(&e.message, &rid)
                }
                _ => e.message.contains(id) || e.message.contains(&rid),
            }
        });
        dedup(&mut api_events);
        for e in &api_events {
            match groups[e.group].source {
                Source::Execution => facts.scan_exec(&e.message),
                Source::Access if !facts.scan_access(&e.message, id) => {
                    facts.scan_access(&e.message, &rid);
                }
                _ => {}
            }
        }
        if api_events.is_empty() {
            return Err(Hinted::new(
                format!(
                    "no log line mentions request {id} between {} and {}",
                    format_ms(window.start_ms),
                    format_ms(window.end_ms)
                ),
                "widen the window with --start (e.g. --start '3d ago'), and check --api-id, --stage and --region; \
                 request ids are case-sensitive",
            )
            .into());
        }
        facts.request_id.get_or_insert_with(|| rid.clone());
        let first = api_events.first().map_or(window.start_ms, |e| e.timestamp);
        let last = api_events.last().map_or(window.end_ms, |e| e.timestamp);
        if facts.latency_ms.is_none() && last > first {
            // No access log with the latency: the span of the execution log is the best estimate.
            facts.latency_ms = Some((last - first) as f64);
        }
        let mut ids: Vec<String> = facts.lambda_request_ids.clone();
        ids.extend(facts.authorizer_request_id.clone());
        ids.push(rid.clone());
        ids.extend(facts.extended_request_id.clone());
        if id != rid && !ids.iter().any(|x| x == id) {
            ids.push(id.to_string());
        }
        ids.dedup();
        let now = chrono::Utc::now().timestamp_millis().max(last);
        let wide = Window {
            start_ms: first.saturating_sub(BEFORE_MS),
            end_ms: last.saturating_add(AFTER_MS).min(now),
        };
        let known = !facts.lambda_request_ids.is_empty() || facts.authorizer_request_id.is_some();
        let near = if known {
            Window {
                start_ms: first.saturating_sub(NEAR_MS),
                end_ms: last.saturating_add(NEAR_MS).min(now),
            }
        } else {
            wide
        };
        let lambda_groups = pointed_groups(groups, &facts);
        Ok(Found {
            facts,
            api_events,
            ids,
            near,
            wide,
            lambda_groups,
            first,
            last,
        })
    }

    /// Why [`Found::near`] is what it is (for `--debug`).
    pub fn why_near(&self) -> String {
        if self.near == self.wide {
            "no API line names an invocation: as far as a function can run after the request".into()
        } else {
            "the invocations the API lines name, a few seconds either side of the request".into()
        }
    }

    /// The server-side pattern for the ids.
    pub fn pattern(&self) -> String {
        if self.ids.len() == 1 {
            quoted(&self.ids[0])
        } else {
            self.ids
                .iter()
                .map(|i| format!("?{}", quoted(i)))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }

    /// Whether a Lambda line mentions one of the request's ids.
    pub fn mentions(&self, msg: &str) -> bool {
        self.ids.iter().any(|i| msg.contains(i.as_str()))
    }

    /// Whether every invocation the API lines name is among `matched` (else the wide
    /// window is searched).
    pub fn all_known_found(&self, matched: &[Event]) -> bool {
        self.facts
            .lambda_request_ids
            .iter()
            .chain(self.facts.authorizer_request_id.iter())
            .all(|k| matched.iter().any(|e| e.message.contains(k.as_str())))
    }

    /// The invocations of the matched lines (already limited to what mentions an id, in
    /// the searched window): the stream and time range to read each one whole.
    pub fn invocations(&self, matched: &[Event], searched: Window) -> Vec<Want> {
        let (first, last) = (self.first, self.last);
        let mut invocations: BTreeMap<(usize, String), Vec<&Event>> = BTreeMap::new();
        for e in matched {
            if let (_, Some(lid)) = extract::lambda_line(&e.message) {
                invocations.entry((e.group, lid)).or_default().push(e);
            }
        }
        invocations
            .into_iter()
            .map(|((group, lid), evs)| {
                let stream = evs
                    .iter()
                    .find(|e| extract::lambda_line(&e.message).0 == LambdaLine::Start)
                    .unwrap_or(&evs[0])
                    .stream
                    .to_string();
                let lo = evs.iter().map(|e| e.timestamp).min().unwrap_or(first);
                let hi = evs.iter().map(|e| e.timestamp).max().unwrap_or(last);
                let kinds: Vec<LambdaLine> = evs
                    .iter()
                    .map(|e| extract::lambda_line(&e.message).0)
                    .collect();
                let init_ms = evs
                    .iter()
                    .find_map(|e| {
                        extract::parse_report(&e.message).and_then(|r| r.init_duration_ms)
                    })
                    .unwrap_or(0.0) as i64;
                // Read the stream from before START (and its INIT_START) to REPORT; where
                // those were not matched, as far as an invocation can reach.
                let window = Window {
                    start_ms: if kinds.contains(&LambdaLine::Start) {
                        lo - init_ms - 2_000
                    } else {
                        (lo - AFTER_MS).max(searched.start_ms - AFTER_MS)
                    },
                    end_ms: if kinds.contains(&LambdaLine::Report) {
                        hi + 1_000
                    } else {
                        (hi + AFTER_MS).min(searched.end_ms.max(hi + 1_000))
                    },
                };
                Want {
                    group,
                    lid,
                    stream,
                    window,
                }
            })
            .collect()
    }

    /// The trace, from the matched Lambda lines and each invocation's stream read over
    /// its [`Want::window`] (more lines may be given: only that stream and range count).
    pub fn assemble(
        self,
        groups: &[LogGroup],
        matched: Vec<Event>,
        reads: Vec<(Want, Vec<Event>)>,
        searched: Window,
    ) -> Trace {
        let Found {
            facts, api_events, ..
        } = self;
        let mut lambdas = Vec::new();
        let mut lambda_events: Vec<Event> = matched;
        for (w, evs) in reads {
            let in_window: Vec<Event> = evs
                .into_iter()
                .filter(|e| {
                    e.group == w.group
                        && e.timestamp >= w.window.start_ms
                        && e.timestamp <= w.window.end_ms
                })
                .collect();
            let lines = invocation_lines(&in_window, &w.lid, &w.stream);
            let report = lines
                .iter()
                .find_map(|e| extract::parse_report(&e.message))
                .unwrap_or_default();
            let failure = lines
                .iter()
                .find_map(|e| extract::is_failure_line(&e.message));
            let saw_report = lines
                .iter()
                .any(|e| extract::lambda_line(&e.message).0 == LambdaLine::Report);
            let status = match (report.status.as_deref(), failure) {
                (Some("success"), Some(f)) => f.to_string(),
                (Some(s), _) => s.to_string(),
                (None, Some(f)) => f.to_string(),
                (None, None) if saw_report => "success".to_string(),
                (None, None) => "unknown".to_string(),
            };
            let g = &groups[w.group];
            lambdas.push(Invocation {
                function: g.function.clone(),
                request_id: w.lid,
                log_group: g.name.clone(),
                source: g.source,
                report,
                status,
                first_ms: lines.first().map_or(0, |e| e.timestamp),
            });
            lambda_events.extend(lines);
        }
        lambdas.sort_by_key(|l| l.first_ms);
        let near = searched;
        // Which invocation is the authorizer's.
        let auth_pos = lambdas.iter().position(|l| {
            Some(&l.request_id) == facts.authorizer_request_id.as_ref()
                || (l.source == Source::Authorizer
                    && !facts.lambda_request_ids.contains(&l.request_id))
        });
        let authorizer = auth_pos.map(|i| lambdas.remove(i));

        let mut notes = Vec::new();
        if facts.integration_timed_out && facts.lambda_request_ids.is_empty() {
            notes.push(
                "API Gateway timed out before the integration answered, so the execution log names no Lambda request id"
                    .to_string()
                    + if lambdas.is_empty() {
                        "; no function logged this request id either"
                    } else {
                        "; the invocation was found through the request id the function logged"
                    },
            );
        }
        if facts.lambda_throttled {
            notes.push(
                "the Lambda service refused the integration call (429 TooManyRequestsException): throttled, no invocation ran"
                    .to_string(),
            );
        }
        for lid in &facts.lambda_request_ids {
            if !lambdas.iter().any(|l| &l.request_id == lid) && !facts.lambda_throttled {
                notes.push(format!(
                    "Lambda request {lid} was not found in the function log groups within {} … {}",
                    format_ms(near.start_ms),
                    format_ms(near.end_ms)
                ));
            }
        }
        if let Some(a) = &facts.authorizer_request_id
            && authorizer.is_none()
        {
            notes.push(format!(
                "the authorizer's invocation {a} was not found in its log group"
            ));
        }
        if authorizer_cached(&facts, authorizer.as_ref()) {
            notes.push(
                "the authorizer's result came from its cache: no authorizer invocation ran for this request"
                    .into(),
            );
        } else if facts.authorizer_result.is_some()
            && facts.authorizer_request_id.is_none()
            && authorizer.is_none()
        {
            notes.push(
                "the authorizer ran, but no log names its invocation: add $context.authorizer.requestId to the \
                 stage's access log format to link it"
                    .into(),
            );
        }

        let mut events = api_events;
        events.extend(lambda_events);
        dedup(&mut events);
        Trace {
            facts,
            lambdas,
            authorizer,
            events,
            notes,
        }
    }
}

/// The Lambda groups a request points to: those of the functions its execution log names
/// (integration and authorizer), plus the authorizer groups when it ran but no line names
/// its function; every Lambda group when none of those is among `groups`.
fn pointed_groups(groups: &[LogGroup], facts: &ApiFacts) -> Vec<usize> {
    let all: Vec<usize> = (0..groups.len())
        .filter(|&i| matches!(groups[i].source, Source::Lambda | Source::Authorizer))
        .collect();
    let named: Vec<String> = facts
        .integration_function_arns
        .iter()
        .chain(facts.authorizer_function_arn.iter())
        .filter_map(|a| crate::resolve::arn::parse_function(a).map(|f| f.name))
        .collect();
    if named.is_empty() {
        return all;
    }
    let authorizer_unnamed = facts.authorizer_function_arn.is_none()
        && (facts.authorizer_started
            || facts.authorizer_called
            || facts.authorizer_request_id.is_some()
            || facts.authorizer_result.is_some());
    let pointed: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| {
            groups[i]
                .function
                .as_ref()
                .is_some_and(|f| named.contains(f))
                || (authorizer_unnamed && groups[i].source == Source::Authorizer)
        })
        .collect();
    if pointed.is_empty() { all } else { pointed }
}

/// The lines of one invocation in its stream: START … REPORT (inclusive) of `lid`, plus
/// the INIT_START just before START (a cold start).
fn invocation_lines(evs: &[Event], lid: &str, stream: &str) -> Vec<Event> {
    let in_stream: Vec<&Event> = evs.iter().filter(|e| &*e.stream == stream).collect();
    let start = in_stream.iter().position(|e| {
        let (k, id) = extract::lambda_line(&e.message);
        k == LambdaLine::Start && id.as_deref() == Some(lid)
    });
    let Some(start) = start else {
        // No START in reach: keep the lines that name the invocation.
        return in_stream
            .into_iter()
            .filter(|e| e.message.contains(lid))
            .cloned()
            .collect();
    };
    // A cold start: the environment's whole init before START (INIT_START, extension
    // and telemetry registrations, runtime output, init reports), back to INIT_START.
    // Lines after another invocation's END/REPORT belong to that one's environment life.
    let cold = in_stream[start..].iter().any(|e| {
        extract::lambda_line(&e.message) == (LambdaLine::Report, Some(lid.to_string()))
            && extract::parse_report(&e.message).is_some_and(|r| r.init_duration_ms.is_some())
    });
    let mut from = start;
    for i in (0..start).rev() {
        match extract::lambda_line(&in_stream[i].message).0 {
            LambdaLine::InitStart => {
                from = i;
                break;
            }
            // Runtimes without INIT_START: a cold REPORT says all before START is init.
            LambdaLine::Other if i == 0 && cold => from = 0,
            LambdaLine::Other => {}
            _ => break,
        }
    }
    let mut out = Vec::new();
    for e in &in_stream[from..] {
        let (k, id) = extract::lambda_line(&e.message);
        if k == LambdaLine::Start && id.as_deref() != Some(lid) {
            break; // the next invocation
        }
        out.push((*e).clone());
        if k == LambdaLine::Report && id.as_deref() == Some(lid) {
            break;
        }
    }
    out
}

fn quoted(id: &str) -> String {
    format!("\"{}\"", id.replace('"', ""))
}

/// Sort by the merge key and drop repeats of the same event (same group and event id).
fn dedup(events: &mut Vec<Event>) {
    events.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut seen = HashSet::new();
    events.retain(|e| seen.insert((e.group, e.event_id.clone())));
}

/// The authorizer's verdict, whenever an authorizer was involved.
#[derive(Serialize)]
pub struct AuthorizerJson<'a> {
    /// `allowed`, `denied`, `error` or `cached`.
    pub result: &'static str,
    /// `$context.authorizer.status`, or the request's 401/403 when it denied.
    pub status: Option<u16>,
    pub function: Option<String>,
    pub request_id: Option<&'a str>,
    pub latency_ms: Option<f64>,
    /// Its Lambda invocation, when found.
    pub invocation: Option<InvocationJson<'a>>,
}

/// A cached authorizer result: the execution log shows the authorizer's verdict but
/// neither `Starting authorizer` nor a call to its function, and no log names an
/// authorizer invocation. (No real capture of a cache hit was found: when in doubt this
/// says nothing, and the "no log names its invocation" note stands.)
fn authorizer_cached(f: &ApiFacts, inv: Option<&Invocation>) -> bool {
    f.authorizer_result.as_deref() == Some("allowed")
        && !f.authorizer_started
        && !f.authorizer_called
        && f.authorizer_request_id.is_none()
        && inv.is_none()
        && f.authorizer_latency_ms.is_none_or(|l| l == 0.0)
}

/// The authorizer verdict of a trace, if an authorizer was involved.
pub fn authorizer_json(t: &Trace) -> Option<AuthorizerJson<'_>> {
    let f = &t.facts;
    let inv = t.authorizer.as_ref();
    let involved = f.authorizer_result.is_some()
        || f.authorizer_request_id.is_some()
        || f.authorizer_status.is_some()
        || f.authorizer_started
        || inv.is_some();
    if !involved {
        return None;
    }
    let failed = inv.is_some_and(|i| i.status == "error" || i.status == "timeout");
    let result = match f.authorizer_result.as_deref() {
        Some("error") => "error",
        _ if failed => "error",
        Some("denied") => "denied",
        _ if authorizer_cached(f, inv) => "cached",
        _ => "allowed",
    };
    let status = f.authorizer_status.or(match (result, f.status) {
        ("denied", Some(s)) if s == 401 || s == 403 => Some(s),
        _ => None,
    });
    let function = inv.and_then(|i| i.function.clone()).or_else(|| {
        let arn = f.authorizer_function_arn.as_deref()?;
        Some(arn.split(":function:").nth(1).unwrap_or(arn).to_string())
    });
    Some(AuthorizerJson {
        result,
        status,
        function,
        request_id: f
            .authorizer_request_id
            .as_deref()
            .or(inv.map(|i| i.request_id.as_str())),
        latency_ms: f
            .authorizer_latency_ms
            .or(inv.and_then(|i| i.report.duration_ms)),
        invocation: inv.map(Into::into),
    })
}

#[derive(Serialize)]
pub struct InvocationJson<'a> {
    pub function: Option<&'a str>,
    pub request_id: &'a str,
    pub log_group: &'a str,
    pub duration_ms: Option<f64>,
    pub billed_duration_ms: Option<f64>,
    pub max_memory_mb: Option<f64>,
    pub init_duration_ms: Option<f64>,
    pub status: &'a str,
}

impl<'a> From<&'a Invocation> for InvocationJson<'a> {
    fn from(l: &'a Invocation) -> Self {
        InvocationJson {
            function: l.function.as_deref(),
            request_id: &l.request_id,
            log_group: &l.log_group,
            duration_ms: l.report.duration_ms,
            billed_duration_ms: l.report.billed_duration_ms,
            max_memory_mb: l.report.max_memory_mb,
            init_duration_ms: l.report.init_duration_ms,
            status: &l.status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(stream: &str, ts: i64, msg: &str) -> Event {
        Event {
            stream: stream.into(),
            ..Event::test(0, ts, &ts.to_string(), msg)
        }
    }

    #[test]
    fn invocation_lines_take_init_start_to_report() {
        let a = "11111111-1111-1111-1111-111111111111";
        let b = "22222222-2222-2222-2222-222222222222";
        let evs = vec![
            ev("s", 1, &format!("REPORT RequestId: {b}\tDuration: 1 ms")),
            ev("s", 2, "INIT_START Runtime Version: python:3.12"),
            ev("s", 3, &format!("START RequestId: {a} Version: $LATEST")),
            ev("other", 4, "another stream"),
            ev("s", 5, "print without id"),
            ev("s", 6, &format!("END RequestId: {a}")),
            ev("s", 7, &format!("REPORT RequestId: {a}\tDuration: 2 ms")),
            ev("s", 8, &format!("START RequestId: {b} Version: $LATEST")),
        ];
        let got: Vec<i64> = invocation_lines(&evs, a, "s")
            .iter()
            .map(|e| e.timestamp)
            .collect();
        assert_eq!(got, vec![2, 3, 5, 6, 7]);
        // Without its START in reach, only the lines naming it.
        let got: Vec<i64> = invocation_lines(&evs[4..], a, "s")
            .iter()
            .map(|e| e.timestamp)
            .collect();
        assert_eq!(got, vec![6, 7]);
    }

    /// A cold start with extensions (real lines, tests/data/realworld D1 and N4.3): the
    /// whole init belongs to the first invocation, none of it to the next.
    #[test]
    fn cold_start_keeps_extension_lines() {
        let a = "9f294aed-ba7e-49fe-a1b9-9a7ad6313712";
        let b = "22222222-2222-2222-2222-222222222222";
        let evs = vec![
            ev(
                "s",
                1,
                "INIT_START Runtime Version: python:3.11.v14\tRuntime Version ARN: x",
            ),
            ev(
                "s",
                2,
                "TELEMETRY\tName: datadog-agent\tState: Subscribed\tTypes: [Platform, Function, Extension]",
            ),
            ev(
                "s",
                3,
                "EXTENSION\tName: datadog-agent\tState: Ready\tEvents: [INVOKE,SHUTDOWN]",
            ),
            ev("s", 4, &format!("START RequestId: {a} Version: $LATEST")),
            ev("s", 5, &format!("END RequestId: {a}")),
            ev(
                "s",
                6,
                &format!("REPORT RequestId: {a}\tDuration: 1745.11 ms\tInit Duration: 300.00 ms"),
            ),
            ev("s", 7, "background output after the invocation"),
            ev("s", 8, &format!("START RequestId: {b} Version: $LATEST")),
            ev("s", 9, &format!("REPORT RequestId: {b}\tDuration: 2 ms")),
        ];
        let got = |id: &str| -> Vec<i64> {
            invocation_lines(&evs, id, "s")
                .iter()
                .map(|e| e.timestamp)
                .collect()
        };
        assert_eq!(got(a), vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(got(b), vec![8, 9]);
        // JSON format: platform.initStart opens it.
        let j = vec![
            ev(
                "s",
                1,
                r#"{"time":"2026-10-08T07:30:27.768Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init"}}"#,
            ),
            ev("s", 2, "EXTENSION\tName: x\tState: Ready\tEvents: []"),
            ev(
                "s",
                3,
                &format!(
                    r#"{{"time":"t","type":"platform.start","record":{{"requestId":"{a}"}}}}"#
                ),
            ),
            ev(
                "s",
                4,
                &format!(
                    r#"{{"time":"t","type":"platform.report","record":{{"requestId":"{a}","status":"success"}}}}"#
                ),
            ),
        ];
        let got: Vec<i64> = invocation_lines(&j, a, "s")
            .iter()
            .map(|e| e.timestamp)
            .collect();
        assert_eq!(got, vec![1, 2, 3, 4]);
    }

    #[test]
    fn authorizer_verdicts() {
        let t = |lines: &[&str], access: Option<&str>| {
            let mut facts = ApiFacts::default();
            for l in lines {
                facts.scan_exec(l);
            }
            if let Some(a) = access {
                facts.scan_access(a, "r");
            }
            Trace {
                facts,
                lambdas: vec![],
                authorizer: None,
                events: vec![],
                notes: vec![],
            }
        };
        let verdict = |t: &Trace| authorizer_json(t).map(|a| (a.result, a.status));
        // No authorizer at all.
        assert!(verdict(&t(&["(r) Method completed with status: 200"], None)).is_none());
        // Real lines (N1.6, K1).
        let allowed = t(
            &[
                "(r) Starting authorizer: elkw5b for request: r",
                "(r) Endpoint request URI: https://lambda.us-west-2.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-west-2:919586034543:function:ExtensionGatewayAuthorizer/invocations",
                "(r) Successfully completed authorizer execution",
            ],
            None,
        );
        assert_eq!(verdict(&allowed), Some(("allowed", None)));
        assert_eq!(
            authorizer_json(&allowed).unwrap().function.as_deref(),
            Some("ExtensionGatewayAuthorizer")
        );
        let denied = t(
            &[
                "(r) Starting authorizer: 62mgrc for request: r",
                "(r) Unauthorized request: r",
                "(r) Method completed with status: 401",
            ],
            None,
        );
        assert_eq!(verdict(&denied), Some(("denied", Some(401))));
        // The verdict without any authorizer call: its cache answered.
        let cached = t(&["(r) Successfully completed authorizer execution"], None);
        assert_eq!(verdict(&cached), Some(("cached", None)));
        // From the access log alone.
        let err = t(
            &[],
            Some(
                r#"{"requestId":"r","status":"500","authorizer":{"status":"500","error":"boom","latency":"12"}}"#,
            ),
        );
        let a = authorizer_json(&err).unwrap();
        assert_eq!(
            (a.result, a.status, a.latency_ms),
            ("error", Some(500), Some(12.0))
        );
    }

    #[test]
    fn quoting_and_dedup() {
        assert_eq!(quoted("abc"), "\"abc\"");
        assert_eq!(quoted("a\"b"), "\"ab\"");
        let mut v = vec![ev("s", 2, "b"), ev("s", 1, "a"), ev("s", 2, "b")];
        dedup(&mut v);
        assert_eq!(
            v.iter().map(|e| e.timestamp).collect::<Vec<_>>(),
            vec![1, 2]
        );
    }
}
