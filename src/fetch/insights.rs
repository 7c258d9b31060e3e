//! `--engine insights`: run the search on CloudWatch Logs Insights instead of paging
//! FilterLogEvents on the client's clock.
//!
//! - One StartQuery per batch of at most [`MAX_GROUPS`] groups of one region, returning the
//!   fields `get` prints (`@timestamp`, `@message`, `@logStream`, `@log`,
//!   `@ingestionTime`, `@ptr` as the event id), sorted by time.
//! - StartQuery takes whole seconds and the service converts them straight to
//!   milliseconds: `endTime = E` reaches `E.000` only (aws/aws-sdk#280). Each query covers
//!   its millisecond slice rounded out to whole seconds, and only the slice's own rows are
//!   kept, so slices never lose or double an event at a second boundary.
//! - A query whose result count reaches the cap ([`ROW_CAP`]) keeps its rows before its
//!   last timestamp and the rest of its slice is queried again from there, in two halves
//!   (as AWS's large-query example does), recursively; slices run in time order, so each
//!   batch stays one sorted source for `merge.rs`. GetQueryResults is paged by `nextToken`
//!   where the service offers it. A query may run for Insights' 60 minutes; `Timeout`,
//!   `Failed`, `Cancelled` and a lasting `Unknown` end it with a one-line reason.
//! - The filter: a quoted phrase, bare words (AND) or `?term` alternatives (OR) become
//!   `filter @message like "…"`; any other pattern has no Insights equivalent and the
//!   caller keeps `--engine filter` (see [`translate`]). The same match is applied to every
//!   row here too, so a server that ignores `filter` (the emulator) gives the same events.
//! - StartQuery and GetQueryResults share a small rate limiter (the quotas are 10/s each);
//!   queries still running when the reader goes away or on Ctrl-C are stopped (StopQuery).
//! - Bytes scanned (Insights is billed per GB scanned) are added up for the caller to report.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::QueryStatus;
use tokio::sync::mpsc;

use crate::aws::Aws;
use crate::aws::ratelimit::RateLimiter;
use crate::config::Window;
use crate::core::model::{Event, LogGroup};
use crate::ui::error::{AwsFault, classify, warn};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Log groups per StartQuery.
pub const MAX_GROUPS: usize = 50;
/// Rows per query (the `limit` we ask for); a query that returns this many is split.
pub const ROW_CAP: usize = 10_000;
/// How long one query may run: Logs Insights' own limit is 60 minutes (aws-notes.md §7),
/// after which the service answers `Timeout`; we wait a minute longer than that.
const QUERY_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// A filter pattern as Insights terms: every entry of `all` must occur, and at least one
/// of `any` (when not empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    pub all: Vec<String>,
    pub any: Vec<String>,
}

impl Terms {
    pub fn matches(&self, msg: &str) -> bool {
        self.all.iter().all(|t| msg.contains(t.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|t| msg.contains(t.as_str())))
    }

    /// The `filter` clause, or "" when there is nothing to filter.
    pub fn clause(&self) -> String {
        let lit = |t: &str| {
            format!(
                "@message like \"{}\"",
                t.replace('\\', "\\\\").replace('"', "\\\"")
            )
        };
        let mut parts: Vec<String> = self.all.iter().map(|t| lit(t)).collect();
        if !self.any.is_empty() {
            let ors: Vec<String> = self.any.iter().map(|t| lit(t)).collect();
            parts.push(format!("({})", ors.join(" or ")));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("| filter {} ", parts.join(" and "))
        }
    }
}

/// Translate a CloudWatch filter pattern, or `None` when Insights has no equivalent
/// (exclusions, JSON and space-delimited patterns, regexes).
pub fn translate(pattern: Option<&str>) -> Option<Terms> {
    let Some(p) = pattern.map(str::trim).filter(|p| !p.is_empty()) else {
        return Some(Terms::default());
    };
    let mut terms = Terms::default();
    let mut rest = p;
    while !rest.is_empty() {
        let (optional, r) = match rest.strip_prefix('?') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let (term, after) = if let Some(q) = r.strip_prefix('"') {
            let end = q.find('"')?;
            (&q[..end], &q[end + 1..])
        } else {
            let end = r.find(char::is_whitespace).unwrap_or(r.len());
            let t = &r[..end];
            if t.is_empty() || !t.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return None;
            }
            (t, &r[end..])
        };
        if term.is_empty() || term.contains(['%', '{', '[']) {
            return None;
        }
        if optional {
            terms.any.push(term.to_string());
        } else {
            terms.all.push(term.to_string());
        }
        rest = after.trim_start();
    }
    // CloudWatch does not mix `?` alternatives with required terms.
    if !terms.any.is_empty() && !terms.all.is_empty() {
        return None;
    }
    Some(terms)
}

fn query_string(terms: &Terms) -> String {
    format!(
        "fields @timestamp, @message, @logStream, @log, @ingestionTime {}| sort @timestamp asc | limit {ROW_CAP}",
        terms.clause()
    )
}

/// Counters for the report on stderr.
#[derive(Debug, Default)]
pub struct InsightsStats {
    pub queries: AtomicU64,
    pub bytes_scanned: AtomicU64,
    pub splits: AtomicU64,
    /// Result rows left out: no readable `@timestamp`, or an `@log` naming no group
    /// searched (#16); warned about once, at the first, and counted in [`report`].
    pub skipped: AtomicU64,
    pub skipped_warned: std::sync::atomic::AtomicBool,
}

/// The line for stderr after a run that used Insights.
pub fn usage_note(stats: &InsightsStats) -> Option<String> {
    let q = stats.queries.load(Ordering::Relaxed);
    let skipped = stats.skipped.load(Ordering::Relaxed);
    (q > 0).then(|| {
        format!(
            "Logs Insights: {q} quer{} ({} continued past the {ROW_CAP}-row cap), {:.1} MB scanned (billed per GB scanned){}",
            if q == 1 { "y" } else { "ies" },
            stats.splits.load(Ordering::Relaxed),
            stats.bytes_scanned.load(Ordering::Relaxed) as f64 / 1e6,
            if skipped > 0 {
                format!("; {skipped} rows left out (no readable @timestamp, or an unknown @log)")
            } else {
                String::new()
            }
        )
    })
}

/// Queries running now, so they can be stopped on Ctrl-C.
static RUNNING: Mutex<Vec<(Client, String)>> = Mutex::new(Vec::new());

pub(super) fn running() -> std::sync::MutexGuard<'static, Vec<(Client, String)>> {
    RUNNING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Stop every query still running (Ctrl-C); waits at most two seconds.
pub async fn stop_all() {
    let queries: Vec<(Client, String)> = running().drain(..).collect();
    let stops = queries
        .into_iter()
        .map(|(c, id)| async move { c.stop_query().query_id(id).send().await });
    let _ = tokio::time::timeout(Duration::from_secs(2), futures::future::join_all(stops)).await;
}

/// Start one task per batch (region, ≤ 50 groups) of the groups `which` names; each
/// receiver yields sorted pages of that batch, like `fetch::start`'s. Groups known to exist
/// (DescribeLogGroups) are batched apart from those whose existence is unknown, so an
/// unknown one can only hold up a batch of unknowns; a batch that StartQuery refuses with
/// ResourceNotFoundException goes on without its missing groups (see [`Batch::run`]). A
/// failed batch or group is a warning and a line in `failed`.
pub fn start(
    aws: &Aws,
    groups: &[LogGroup],
    which: &[usize],
    spec: &crate::fetch::FetchSpec,
    terms: &Terms,
    outcome: Arc<crate::fetch::Outcome>,
) -> Vec<mpsc::Receiver<Vec<Event>>> {
    let (window, stats) = (spec.window, spec.insights.clone());
    let limiter = RateLimiter::new(5.0);
    let mut by_region: Vec<(String, bool, Vec<usize>)> = Vec::new();
    for &i in which {
        let r = &groups[i].region;
        let known = groups[i].exists == Some(true);
        match by_region
            .iter_mut()
            .find(|(reg, k, v)| reg == r && *k == known && v.len() < MAX_GROUPS)
        {
            Some((_, _, v)) => v.push(i),
            None => by_region.push((r.clone(), known, vec![i])),
        }
    }
    by_region
        .into_iter()
        .map(|(region, _, idx)| {
            let (tx, rx) = mpsc::channel(2);
            let mut batch = Batch {
                client: aws.logs(&region),
                names: idx.iter().map(|&i| groups[i].name.clone()).collect(),
                arns: idx
                    .iter()
                    .filter_map(|&i| Some((groups[i].name.clone(), groups[i].cross_account_arn()?)))
                    .collect(),
                idx,
                terms: terms.clone(),
                streams: spec.streams.clone(),
                stream_prefixes: spec.stream_prefixes.clone(),
                limiter: limiter.clone(),
                stats: stats.clone(),
                outcome: outcome.clone(),
            };
            let outcome = outcome.clone();
            tokio::spawn(async move {
                if let Err(msg) = batch.run(window, &tx).await {
                    let names = batch
                        .names
                        .iter()
                        .map(|n| match batch.arns.get(n) {
                            Some(arn) => format!("{n} ({arn}, cross-account observability)"),
                            None => n.clone(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    warn(format!("Logs Insights query over {names}: {msg}"));
                    outcome
                        .failed
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((names, msg));
                }
            });
            rx
        })
        .collect()
}

struct Batch {
    client: Client,
    names: Vec<String>,
    /// ARNs of the groups in other accounts, by name: StartQuery then gets
    /// `logGroupIdentifiers` (cross-account observability), names and ARNs.
    arns: std::collections::HashMap<String, String>,
    idx: Vec<usize>,
    terms: Terms,
    /// Only these streams (as FilterLogEvents' `logStreamNames`), matched here; empty: all.
    streams: Vec<String>,
    /// `--stream-prefix`, matched here.
    stream_prefixes: Vec<String>,
    limiter: RateLimiter,
    stats: Arc<InsightsStats>,
    outcome: Arc<crate::fetch::Outcome>,
}

/// Why StartQuery refused a query.
enum StartError {
    /// ResourceNotFoundException: a group of the batch does not exist (any of them).
    Missing(String),
    Other(String),
}

/// How many `Unknown` answers in a row end a query (the status is not documented further).
const UNKNOWN_POLLS: u32 = 5;

/// The whole seconds StartQuery is asked for to cover `[lo, hi]` ms. The service converts
/// seconds straight to milliseconds, so `endTime = E` reaches `E.000` only, not `E.999`
/// (the CloudWatch team in aws/aws-sdk#280, from boto/boto3#3282; aws-notes.md §7): the end
/// is rounded up, and the rows are cut to `[lo, hi]` here.
pub(super) fn query_seconds(lo: i64, hi: i64) -> (i64, i64) {
    (
        lo.div_euclid(1000),
        hi.div_euclid(1000) + (hi.rem_euclid(1000) > 0) as i64,
    )
}

impl Batch {
    /// Query the window slice by slice, in time order. Slices are millisecond ranges that
    /// partition the window, and each keeps only its own rows (whatever whole seconds its
    /// query covers), so no event is returned twice and none falls between two slices.
    /// A query whose rows reach the cap keeps them — all but those at its last timestamp,
    /// which may be incomplete — and the rest of its slice, from that timestamp on, is
    /// queried again in two halves (AWS's large-query example does the same).
    async fn run(&mut self, window: Window, tx: &mpsc::Sender<Vec<Event>>) -> Result<(), String> {
        let mut todo = vec![(window.start_ms, window.end_ms)];
        while let Some((lo, hi)) = todo.pop() {
            if tx.is_closed() {
                return Ok(());
            }
            let rows = self.query_present(lo, hi, tx).await?;
            let last = rows.iter().map(|e| e.timestamp).max();
            // Rows below `keep_below` are complete; the rest of the slice is queried again.
            let keep_below = match last {
                Some(last) if rows.len() >= ROW_CAP && last <= hi => {
                    self.stats.splits.fetch_add(1, Ordering::Relaxed);
                    if last > lo {
                        if hi - last >= 2_000 {
                            let mid = last + (hi - last) / 2;
                            todo.push((mid + 1, hi));
                            todo.push((last, mid));
                        } else {
                            todo.push((last, hi));
                        }
                        last
                    } else {
                        // The cap is full of rows at or before `lo`, in `lo`'s second:
                        // Insights cannot start a query inside a second.
                        let next = (lo.div_euclid(1000) + 1) * 1000;
                        warn(format!(
                            "more than {ROW_CAP} events in one second of {}; some in [{lo}, {next}) ms may be missing (use --engine filter)",
                            self.names.join(", ")
                        ));
                        if next <= hi {
                            todo.push((next, hi));
                        }
                        next
                    }
                }
                _ => hi + 1,
            };
            let mut page: Vec<Event> = rows
                .into_iter()
                .filter(|ev| ev.timestamp >= lo && ev.timestamp <= hi && ev.timestamp < keep_below)
                .filter(|ev| self.terms.matches(&ev.message))
                .filter(|ev| {
                    self.streams.is_empty() || self.streams.iter().any(|s| **s == *ev.stream)
                })
                .filter(|ev| crate::fetch::stream_wanted(&self.stream_prefixes, &ev.stream))
                .collect();
            page.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            if !page.is_empty() && tx.send(page).await.is_err() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// [`Self::query`], going on without the groups that do not exist: a batch refused
    /// with ResourceNotFoundException is probed (halves, recursively) for its missing
    /// groups, each is warned about and recorded as failed, and the rest is queried.
    async fn query_present(
        &mut self,
        lo: i64,
        hi: i64,
        tx: &mpsc::Sender<Vec<Event>>,
    ) -> Result<Vec<Event>, String> {
        loop {
            let msg = match self.query(lo, hi, tx).await {
                Ok(rows) => return Ok(rows),
                Err(StartError::Other(m)) => return Err(m),
                Err(StartError::Missing(m)) => m,
            };
            if self.names.len() < 2 {
                return Err(format!("the log group does not exist ({msg})"));
            }
            let missing = self.find_missing(self.names.clone(), lo).await?;
            if missing.is_empty() {
                return Err(format!("StartQuery failed: {msg}"));
            }
            for name in &missing {
                let why =
                    "the log group does not exist (ResourceNotFoundException from StartQuery)";
                warn(format!(
                    "log group {name}: {why}; the other groups of the query go on"
                ));
                self.outcome
                    .failed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((name.clone(), why.to_string()));
                if let Some(p) = self.names.iter().position(|n| n == name) {
                    self.names.remove(p);
                    self.idx.remove(p);
                }
            }
            if self.names.is_empty() {
                return Ok(Vec::new());
            }
        }
    }

    /// The groups of `names` StartQuery says do not exist: probe queries (two seconds, one
    /// row, stopped at once) over halves of `names`, recursively.
    async fn find_missing(&self, names: Vec<String>, at_ms: i64) -> Result<Vec<String>, String> {
        let mut missing = Vec::new();
        let mut todo = vec![names];
        while let Some(set) = todo.pop() {
            let s = at_ms.div_euclid(1000);
            match self.start(&set, s, s + 1, 1).await {
                Ok(id) => {
                    let _ = self.client.stop_query().query_id(id).send().await;
                }
                Err(StartError::Missing(_)) if set.len() == 1 => missing.extend(set),
                Err(StartError::Missing(_)) => {
                    let mut a = set;
                    let b = a.split_off(a.len() / 2);
                    todo.push(b);
                    todo.push(a);
                }
                Err(StartError::Other(m)) => return Err(m),
            }
        }
        Ok(missing)
    }

    /// StartQuery over `names` for `[s, e]` seconds; the query id. StartQuery is limited to
    /// 10/s and to a number of concurrent queries per account (LimitExceededException):
    /// wait and try again, for up to two minutes.
    async fn start(
        &self,
        names: &[String],
        s: i64,
        e: i64,
        limit: usize,
    ) -> Result<String, StartError> {
        let mut waited = Duration::ZERO;
        let mut attempt = 0;
        loop {
            self.limiter.acquire().await;
            let cross = names.iter().any(|n| self.arns.contains_key(n));
            let idents = cross.then(|| {
                names
                    .iter()
                    .map(|n| self.arns.get(n).unwrap_or(n).clone())
                    .collect()
            });
            let out = self
                .client
                .start_query()
                .set_log_group_names((!cross).then(|| names.to_vec()))
                .set_log_group_identifiers(idents)
                .start_time(s)
                .end_time(e)
                .query_string(query_string(&self.terms))
                .limit(limit as i32)
                .send()
                .await;
            match out {
                Ok(o) => {
                    self.stats.queries.fetch_add(1, Ordering::Relaxed);
                    return Ok(o.query_id().unwrap_or_default().to_string());
                }
                Err(err) if err.code() == Some("ResourceNotFoundException") => {
                    return Err(StartError::Missing(classify(&err).text()));
                }
                Err(err) => {
                    let busy =
                        matches!(classify(&err), AwsFault::Throttled | AwsFault::Transient(_))
                            || err.code() == Some("LimitExceededException");
                    if !busy || waited >= Duration::from_secs(120) {
                        return Err(StartError::Other(format!(
                            "StartQuery failed: {}",
                            classify(&err).text()
                        )));
                    }
                    self.limiter.on_throttle();
                    let wait = crate::aws::retry::backoff(
                        attempt,
                        Duration::from_millis(500),
                        Duration::from_secs(10),
                    );
                    attempt += 1;
                    waited += wait;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// One query covering `[lo, hi]` ms (see [`query_seconds`]); all its rows.
    async fn query(
        &self,
        lo: i64,
        hi: i64,
        tx: &mpsc::Sender<Vec<Event>>,
    ) -> Result<Vec<Event>, StartError> {
        let (s, e) = query_seconds(lo, hi);
        let id = self.start(&self.names, s, e, ROW_CAP).await?;
        running().push((self.client.clone(), id.clone()));
        let result = self.wait(&id, tx).await;
        running().retain(|(_, q)| *q != id);
        if result.is_err() || tx.is_closed() {
            let _ = self.client.stop_query().query_id(&id).send().await;
        }
        result.map_err(StartError::Other)
    }

    /// Poll until the query ends; its rows, every GetQueryResults page of them (none when
    /// the reader has gone).
    async fn wait(&self, id: &str, tx: &mpsc::Sender<Vec<Event>>) -> Result<Vec<Event>, String> {
        let mut rows = Vec::new();
        let finished = poll_query(
            &self.client,
            id,
            &self.limiter,
            &self.stats,
            "narrow the window or use --engine filter",
            || tx.is_closed(),
            |page| {
                let before = rows.len();
                rows.extend(page.iter().filter_map(|r| self.row(r)));
                self.skipped(page.len() - (rows.len() - before));
            },
        )
        .await?;
        Ok(if finished { rows } else { Vec::new() })
    }

    /// Count rows [`Self::row`] could not use, and say so the first time.
    fn skipped(&self, n: usize) {
        if n == 0 {
            return;
        }
        self.stats.skipped.fetch_add(n as u64, Ordering::Relaxed);
        if !self.stats.skipped_warned.swap(true, Ordering::Relaxed) {
            warn(format!(
                "Logs Insights returned {n} row{} with no readable @timestamp or with an @log that \
                 names none of the groups searched ({}); left out (the closing note counts them all)",
                if n == 1 { "" } else { "s" },
                self.names.join(", ")
            ));
        }
    }

    /// One result row → an event (`None` for rows without a time or a known group).
    fn row(&self, fields: &[aws_sdk_cloudwatchlogs::types::ResultField]) -> Option<Event> {
        let get = |k: &str| {
            fields
                .iter()
                .find(|f| f.field() == Some(k))
                .and_then(|f| f.value())
        };
        let timestamp = parse_insights_time(get("@timestamp")?)?;
        // `@log` is `account-id:group-name` on AWS, the bare name on the emulator.
        let log = get("@log").unwrap_or_default();
        let pos = self
            .names
            .iter()
            .position(|n| {
                n == log
                    || log
                        .strip_suffix(n.as_str())
                        .is_some_and(|p| p.ends_with(':'))
            })
            .or((self.names.len() == 1).then_some(0))?;
        Some(Event {
            timestamp,
            ingestion_time: get("@ingestionTime")
                .and_then(parse_insights_time)
                .unwrap_or(timestamp),
            event_id: get("@ptr").unwrap_or_default().into(),
            stream: get("@logStream").unwrap_or_default().into(),
            message: get("@message").unwrap_or_default().into(),
            group: self.idx[pos],
        })
    }
}

/// Insights prints `@timestamp` as `2026-11-29 18:53:04.421` (UTC); the emulator as epoch ms.
pub fn parse_insights_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let dt = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").ok()?;
    Some(dt.and_utc().timestamp_millis())
}

// ---- `apitrace query` (#21): a user's own query -------------------------------------

/// Poll query `id` with GetQueryResults until it ends, handing each page of rows to
/// `page` (the service pages results by `nextToken`; a token handed back twice ends the
/// paging, see `paging.rs`) and adding the bytes scanned to `stats`. `Ok(false)` when
/// `gone()` says the reader has gone before the end. The query may run for
/// [`QUERY_TIMEOUT`] (AWS's limit); `Timeout`, `Failed`, `Cancelled` end it with the
/// reason (`timeout_hint` says what to try), and [`UNKNOWN_POLLS`] `Unknown` (or absent)
/// statuses in a row end it rather than polling for an hour. Shared by `--engine
/// insights` and `apitrace query`.
pub(super) async fn poll_query(
    client: &Client,
    id: &str,
    limiter: &RateLimiter,
    stats: &InsightsStats,
    timeout_hint: &str,
    gone: impl Fn() -> bool,
    mut page: impl FnMut(&[Vec<aws_sdk_cloudwatchlogs::types::ResultField>]),
) -> Result<bool, String> {
    let t0 = tokio::time::Instant::now();
    let mut delay = Duration::from_millis(200);
    let mut unknown = 0u32;
    let mut token: Option<String> = None;
    let mut pages = crate::aws::paging::PageGuard::default();
    loop {
        if gone() {
            return Ok(false);
        }
        limiter.acquire().await;
        let out = client
            .get_query_results()
            .query_id(id)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|err| format!("GetQueryResults failed: {}", classify(&err).text()))?;
        match out.status() {
            Some(QueryStatus::Complete) => {
                page(out.results());
                if let Some(t) = pages.next(out.next_token(), "the rows of a Logs Insights query") {
                    token = Some(t);
                    continue;
                }
                if let Some(st) = out.statistics() {
                    stats
                        .bytes_scanned
                        .fetch_add(st.bytes_scanned().max(0.0) as u64, Ordering::Relaxed);
                }
                return Ok(true);
            }
            Some(QueryStatus::Timeout) => {
                return Err(format!(
                    "the query timed out on the service (Logs Insights stops queries after {} minutes); {timeout_hint}",
                    QUERY_TIMEOUT.as_secs() / 60
                ));
            }
            Some(QueryStatus::Failed) | Some(QueryStatus::Cancelled) => {
                return Err(format!(
                    "the query ended as {}",
                    out.status().map(|s| s.as_str()).unwrap_or("?")
                ));
            }
            Some(QueryStatus::Running) | Some(QueryStatus::Scheduled) => unknown = 0,
            // `Unknown`, a status this build does not know, or none: a few in a row
            // end the query rather than polling it for an hour.
            other => {
                unknown += 1;
                if unknown >= UNKNOWN_POLLS {
                    return Err(format!(
                        "the query's status stayed {} ({UNKNOWN_POLLS} answers in a row)",
                        other.map(|s| s.as_str()).unwrap_or("absent")
                    ));
                }
            }
        }
        if t0.elapsed() > QUERY_TIMEOUT + Duration::from_secs(60) {
            return Err(format!(
                "the query did not complete in {} minutes",
                QUERY_TIMEOUT.as_secs() / 60
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::choose::{GroupInfo, estimate, human_bytes};

    #[test]
    fn estimate_scales_stored_bytes_by_the_window_share() {
        let day = 86_400_000;
        let now = 100 * day;
        let w = |h: i64| Window {
            start_ms: now - h * 3_600_000,
            end_ms: now,
        };
        let g = |bytes: u64, retention: Option<i64>, age_days: i64| GroupInfo {
            known: true,
            stored_bytes: bytes,
            retention_days: retention,
            created_ms: Some(now - age_days * day),
        };
        // 30 days kept, a day's window: a thirtieth.
        assert_eq!(
            estimate(&[g(30_000, Some(30), 90)], w(24), now).bytes,
            1_000
        );
        // Younger than its retention: its age is the span.
        assert_eq!(
            estimate(&[g(10_000, Some(30), 10)], w(24), now).bytes,
            1_000
        );
        // Never expires: its age.
        assert_eq!(estimate(&[g(50_000, None, 50)], w(24), now).bytes, 1_000);
        // A window longer than the data: all of it, never more.
        assert_eq!(estimate(&[g(7_000, Some(1), 9)], w(240), now).bytes, 7_000);
        // A window before the oldest kept event: nothing.
        let old = Window {
            start_ms: now - 40 * day,
            end_ms: now - 35 * day,
        };
        assert_eq!(estimate(&[g(30_000, Some(30), 90)], old, now).bytes, 0);
        // Groups that could not be described are counted apart.
        let e = estimate(&[g(30_000, Some(30), 90), GroupInfo::default()], w(24), now);
        assert_eq!((e.bytes, e.unknown), (1_000, 1));
        assert!(
            e.describe().contains("not counting 1 group that"),
            "{}",
            e.describe()
        );
        assert_eq!(human_bytes(1_500_000_000), "1.5 GB");
        assert_eq!(human_bytes(350_000_000), "350 MB");
        assert_eq!(human_bytes(999), "999 B");
    }

    #[test]
    fn translation() {
        assert_eq!(translate(None), Some(Terms::default()));
        assert_eq!(translate(Some("  ")), Some(Terms::default()));
        let t = translate(Some(r#""c6e17a88-708c""#)).unwrap();
        assert_eq!(t.all, vec!["c6e17a88-708c"]);
        let t = translate(Some("ERROR database")).unwrap();
        assert_eq!(t.all, vec!["ERROR", "database"]);
        let t = translate(Some(r#"?"a b" ?"c" ?WARN"#)).unwrap();
        assert_eq!(t.any, vec!["a b", "c", "WARN"]);
        assert!(t.matches("x c y") && !t.matches("nothing"));
        for untranslatable in [
            "ERROR -stream",
            "{ $.level = \"ERROR\" }",
            "[ip, user]",
            "%ERR.R%",
            "?a b",
            "\"open",
        ] {
            assert_eq!(translate(Some(untranslatable)), None, "{untranslatable}");
        }
    }

    #[test]
    fn query_strings() {
        assert_eq!(
            query_string(&Terms::default()),
            "fields @timestamp, @message, @logStream, @log, @ingestionTime | sort @timestamp asc | limit 10000"
        );
        let t = Terms {
            all: vec!["a\"b".into()],
            any: vec!["x".into(), "y".into()],
        };
        assert_eq!(
            t.clause(),
            r#"| filter @message like "a\"b" and (@message like "x" or @message like "y") "#
        );
    }

    mod mocked {
        use super::*;
        use aws_config::{BehaviorVersion, Region};
        use aws_credential_types::Credentials;
        use aws_sdk_cloudwatchlogs::operation::get_query_results::GetQueryResultsOutput;
        use aws_sdk_cloudwatchlogs::operation::start_query::StartQueryOutput;
        use aws_sdk_cloudwatchlogs::types::{QueryStatistics, ResultField};
        use aws_smithy_mocks::{
            MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock,
        };
        use aws_smithy_types::retry::RetryConfig;

        const EVENTS: i64 = 25_000;
        const FROM_S: i64 = 1_000;
        const TO_S: i64 = 1_999;

        fn client(rules: &[&Rule]) -> Client {
            let mut i = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
            for r in rules {
                i = i.with_rule(r);
            }
            Client::from_conf(
                aws_sdk_cloudwatchlogs::Config::builder()
                    .behavior_version(BehaviorVersion::latest())
                    .region(Region::new("us-east-1"))
                    .credentials_provider(Credentials::new("a", "b", None, None, "t"))
                    .retry_config(RetryConfig::disabled())
                    .http_client(create_mock_http_client())
                    .interceptor(i)
                    .build(),
            )
        }

        /// 25,000 events, 25 a second over [1000 s, 1999 s], like Insights would answer:
        /// the query id carries its range; rows sorted by time, at most the cap.
        fn rows(query_id: &str) -> Vec<Vec<ResultField>> {
            let (s, e) = query_id.split_once('-').unwrap();
            let (s, e): (i64, i64) = (s.parse().unwrap(), e.parse().unwrap());
            (0..EVENTS)
                .map(|i| FROM_S * 1000 + i * 40)
                // AWS: the seconds are converted straight to ms, `e` reaches `e.000` only.
                .filter(|ts| *ts >= s * 1000 && *ts <= e * 1000)
                .take(ROW_CAP)
                .map(|ts| {
                    let f = |k: &str, v: String| ResultField::builder().field(k).value(v).build();
                    vec![
                        f("@timestamp", ts.to_string()),
                        f("@message", format!("event {ts}")),
                        f("@logStream", "s".into()),
                        f("@log", "123:g".into()),
                        f("@ptr", format!("p{ts}")),
                    ]
                })
                .collect()
        }

        fn batch(client: Client) -> Batch {
            Batch {
                client,
                names: vec!["g".into()],
                arns: Default::default(),
                idx: vec![0],
                terms: Terms::default(),
                streams: Vec::new(),
                stream_prefixes: Vec::new(),
                limiter: RateLimiter::new(1000.0),
                stats: Arc::default(),
                outcome: Arc::default(),
            }
        }

        async fn run(b: &mut Batch) -> Result<Vec<Event>, String> {
            let (tx, mut rx) = mpsc::channel(100);
            let w = Window {
                start_ms: FROM_S * 1000,
                end_ms: TO_S * 1000 + 999,
            };
            b.run(w, &tx).await?;
            drop(tx);
            let mut all = Vec::new();
            while let Some(p) = rx.recv().await {
                all.extend(p);
            }
            Ok(all)
        }

        #[tokio::test]
        async fn results_at_the_cap_are_split_until_nothing_is_lost() {
            let start = mock!(Client::start_query).then_compute_output(|r| {
                StartQueryOutput::builder()
                    .query_id(format!(
                        "{}-{}",
                        r.start_time().unwrap(),
                        r.end_time().unwrap()
                    ))
                    .build()
            });
            let results = mock!(Client::get_query_results).then_compute_output(|r| {
                GetQueryResultsOutput::builder()
                    .status(QueryStatus::Complete)
                    .set_results(Some(rows(r.query_id().unwrap())))
                    .statistics(QueryStatistics::builder().bytes_scanned(1000.0).build())
                    .build()
            });
            let mut b = batch(client(&[&start, &results]));
            let got = run(&mut b).await.unwrap();
            assert_eq!(got.len() as i64, EVENTS, "every event once");
            assert!(
                got.windows(2).all(|p| p[0].timestamp < p[1].timestamp),
                "in order, no repeats"
            );
            // 25,000 rows: the whole window hits the cap; its first 10,000 rows are kept
            // and the rest of the window, from the last row's time on, is queried in two
            // halves, which do not (no row is fetched twice but those at that time).
            assert_eq!(b.stats.splits.load(Ordering::Relaxed), 1);
            assert_eq!(start.num_calls(), 3);
            assert_eq!(b.stats.bytes_scanned.load(Ordering::Relaxed), 3000);
        }

        /// Issue #15: a stream-limited search (a trace's second pass) that goes to Insights
        /// (an Infrequent Access group) keeps only those streams, as FilterLogEvents would.
        #[tokio::test]
        async fn only_the_asked_streams_are_kept() {
            let start = mock!(Client::start_query).then_compute_output(|r| {
                StartQueryOutput::builder()
                    .query_id(format!(
                        "{}-{}",
                        r.start_time().unwrap(),
                        r.end_time().unwrap()
                    ))
                    .build()
            });
            let results = mock!(Client::get_query_results).then_compute_output(|r| {
                GetQueryResultsOutput::builder()
                    .status(QueryStatus::Complete)
                    .set_results(Some(rows(r.query_id().unwrap())))
                    .build()
            });
            let mut b = batch(client(&[&start, &results]));
            b.streams = vec!["another".into()];
            assert!(run(&mut b).await.unwrap().is_empty());
            b.streams = vec!["another".into(), "s".into()];
            assert_eq!(run(&mut b).await.unwrap().len() as i64, EVENTS);
        }

        /// Rows without a readable `@timestamp` or whose `@log` names no group searched
        /// are left out, counted (#16), not dropped silently.
        #[tokio::test]
        async fn rows_that_cannot_be_placed_are_counted() {
            let start = mock!(Client::start_query)
                .then_output(|| StartQueryOutput::builder().query_id("q2").build());
            let results = mock!(Client::get_query_results).then_output(|| {
                let row = |ts: &str, log: &str| {
                    let f = |k: &str, v: &str| ResultField::builder().field(k).value(v).build();
                    vec![f("@timestamp", ts), f("@message", "m"), f("@log", log)]
                };
                GetQueryResultsOutput::builder()
                    .status(QueryStatus::Complete)
                    .set_results(Some(vec![
                        row("1000000", "123:g"),
                        row("1000001", "123:h"),
                        row("yesterday", "123:g"),
                        row("1000002", "123:other"),
                    ]))
                    .build()
            });
            let mut b = batch(client(&[&start, &results]));
            b.names = vec!["g".into(), "h".into()];
            b.idx = vec![0, 1];
            let (tx, mut rx) = mpsc::channel(10);
            let w = Window {
                start_ms: 1_000_000,
                end_ms: 1_000_999,
            };
            b.run(w, &tx).await.unwrap();
            drop(tx);
            let got = rx.recv().await.unwrap();
            assert_eq!(got.iter().map(|e| e.group).collect::<Vec<_>>(), [0, 1]);
            assert_eq!(b.stats.skipped.load(Ordering::Relaxed), 2);
            assert!(usage_note(&b.stats).unwrap().contains("2 rows left out"));
        }

        #[tokio::test]
        async fn a_failed_query_is_an_error() {
            let start = mock!(Client::start_query)
                .then_output(|| StartQueryOutput::builder().query_id("q").build());
            let results = mock!(Client::get_query_results).then_output(|| {
                GetQueryResultsOutput::builder()
                    .status(QueryStatus::Failed)
                    .build()
            });
            let stop = mock!(Client::stop_query).then_output(|| {
                aws_sdk_cloudwatchlogs::operation::stop_query::StopQueryOutput::builder().build()
            });
            let err = run(&mut batch(client(&[&start, &results, &stop])))
                .await
                .unwrap_err();
            assert!(err.contains("Failed"), "{err}");
            assert!(
                !running().iter().any(|(_, id)| id == "q"),
                "the failed query is not left registered as running"
            );
        }

        #[tokio::test(start_paused = true)]
        async fn too_many_concurrent_queries_is_waited_out() {
            let start = mock!(Client::start_query)
                .sequence()
                .http_status(
                    400,
                    Some(
                        r#"{"__type":"LimitExceededException","message":"too many queries"}"#
                            .into(),
                    ),
                )
                .times(3)
                .output(|| StartQueryOutput::builder().query_id("1000-1002").build())
                .build();
            let results = mock!(Client::get_query_results).then_compute_output(|r| {
                GetQueryResultsOutput::builder()
                    .status(QueryStatus::Complete)
                    .set_results(Some(rows(r.query_id().unwrap())))
                    .build()
            });
            // A two-second window: one query, after three refusals.
            let mut b = batch(client(&[&start, &results]));
            let (tx, mut rx) = mpsc::channel(10);
            b.run(
                Window {
                    start_ms: 1_000_000,
                    end_ms: 1_001_999,
                },
                &tx,
            )
            .await
            .unwrap();
            drop(tx);
            assert_eq!(rx.recv().await.unwrap().len(), 50);
            assert_eq!(start.num_calls(), 4);
        }
    }

    #[test]
    fn times() {
        assert_eq!(
            parse_insights_time("1795978351398"),
            Some(1_795_978_351_398)
        );
        assert_eq!(
            parse_insights_time("2026-11-29 10:00:00.250"),
            Some(1_795_946_400_250)
        );
        assert_eq!(
            parse_insights_time("2026-11-29 10:00:00"),
            Some(1_795_946_400_000)
        );
        assert_eq!(parse_insights_time("yesterday"), None);
    }
}
