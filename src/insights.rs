//! `--engine insights`: run the search on CloudWatch Logs Insights instead of paging
//! FilterLogEvents on the client's clock.
//!
//! - One StartQuery per batch of at most [`MAX_GROUPS`] groups of one region, returning the
//!   fields `get` prints (`@timestamp`, `@message`, `@logStream`, `@log`,
//!   `@ingestionTime`, `@ptr` as the event id), sorted by time.
//! - A query whose result count reaches the cap ([`ROW_CAP`]) is split in two by time and
//!   each half re-run, recursively, so no row is lost; slices run in time order, so each
//!   batch stays one sorted source for `merge.rs`.
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
use crate::config::Window;
use crate::error::{AwsFault, classify, warn};
use crate::model::{Event, LogGroup};
use crate::ratelimit::RateLimiter;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Log groups per StartQuery.
pub const MAX_GROUPS: usize = 50;
/// Rows per query (the `limit` we ask for); a query that returns this many is split.
pub const ROW_CAP: usize = 10_000;
/// How long one query may run before we give up on it.
const QUERY_TIMEOUT: Duration = Duration::from_secs(15 * 60);

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

/// Windows at least this long may go to Insights under `--engine auto`.
const AUTO_HOURS: f64 = 6.0;
/// …when the groups hold at least this much (DescribeLogGroups `storedBytes`).
const AUTO_BYTES: u64 = 1 << 30;

/// Settle `--engine` for a search of `groups` over `window`, and say why on stderr when
/// Insights is chosen (it is billed) or refused.
pub async fn choose(
    aws: &Aws,
    asked: crate::cli::Engine,
    groups: &[LogGroup],
    window: Window,
    filter: Option<&str>,
    trace: bool,
) -> crate::fetch::Engine {
    use crate::cli::Engine as Asked;
    use crate::error::note;
    use crate::fetch::Engine;
    let translatable = translate(filter).is_some();
    let hours = (window.end_ms - window.start_ms) as f64 / 3_600_000.0;
    match asked {
        Asked::Filter => Engine::Filter,
        Asked::Insights if !translatable => {
            note("the filter pattern has no Logs Insights equivalent: using --engine filter");
            Engine::Filter
        }
        Asked::Insights => {
            note("engine: Logs Insights (--engine insights)");
            Engine::Insights
        }
        Asked::Auto if !translatable => Engine::Filter,
        Asked::Auto if trace && hours > AUTO_HOURS => {
            note(format!(
                "engine: Logs Insights (a trace over {hours:.0} h; --engine filter to page instead)"
            ));
            Engine::Insights
        }
        Asked::Auto if hours >= AUTO_HOURS => {
            let bytes = stored_bytes(aws, groups).await;
            if bytes >= AUTO_BYTES {
                note(format!(
                    "engine: Logs Insights ({hours:.0} h over {:.1} GiB of logs; --engine filter to page instead)",
                    bytes as f64 / (1u64 << 30) as f64
                ));
                Engine::Insights
            } else {
                Engine::Filter
            }
        }
        Asked::Auto => Engine::Filter,
    }
}

/// The groups' stored bytes (DescribeLogGroups); 0 for what cannot be read.
async fn stored_bytes(aws: &Aws, groups: &[LogGroup]) -> u64 {
    let calls = groups.iter().map(|g| {
        let client = aws.logs(&g.region);
        let name = g.name.clone();
        async move {
            match client
                .describe_log_groups()
                .log_group_name_prefix(&name)
                .send()
                .await
            {
                Ok(o) => o
                    .log_groups()
                    .iter()
                    .find(|x| x.log_group_name() == Some(name.as_str()))
                    .and_then(|x| x.stored_bytes())
                    .unwrap_or(0)
                    .max(0) as u64,
                Err(_) => 0,
            }
        }
    });
    futures::future::join_all(calls).await.into_iter().sum()
}

/// The line for stderr after a run that used Insights.
pub fn report(stats: &InsightsStats) -> Option<String> {
    let q = stats.queries.load(Ordering::Relaxed);
    let skipped = stats.skipped.load(Ordering::Relaxed);
    (q > 0).then(|| {
        format!(
            "Logs Insights: {q} quer{} ({} split at the {ROW_CAP}-row cap), {:.1} MB scanned (billed per GB scanned){}",
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

fn running() -> std::sync::MutexGuard<'static, Vec<(Client, String)>> {
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
/// receiver yields sorted pages of that batch, like `fetch::start`'s. A failed batch is a
/// warning and a line in `failed`.
pub fn start(
    aws: &Aws,
    groups: &[LogGroup],
    which: &[usize],
    window: Window,
    terms: &Terms,
    stats: Arc<InsightsStats>,
    outcome: Arc<crate::fetch::Outcome>,
) -> Vec<mpsc::Receiver<Vec<Event>>> {
    let limiter = RateLimiter::new(5.0);
    let mut by_region: Vec<(String, Vec<usize>)> = Vec::new();
    for &i in which {
        let r = &groups[i].region;
        match by_region
            .iter_mut()
            .find(|(reg, v)| reg == r && v.len() < MAX_GROUPS)
        {
            Some((_, v)) => v.push(i),
            None => by_region.push((r.clone(), vec![i])),
        }
    }
    by_region
        .into_iter()
        .map(|(region, idx)| {
            let (tx, rx) = mpsc::channel(2);
            let batch = Batch {
                client: aws.logs(&region),
                names: idx.iter().map(|&i| groups[i].name.clone()).collect(),
                idx,
                terms: terms.clone(),
                limiter: limiter.clone(),
                stats: stats.clone(),
            };
            let outcome = outcome.clone();
            tokio::spawn(async move {
                if let Err(msg) = batch.run(window, &tx).await {
                    let names = batch.names.join(", ");
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
    idx: Vec<usize>,
    terms: Terms,
    limiter: RateLimiter,
    stats: Arc<InsightsStats>,
}

impl Batch {
    /// Query the window slice by slice, in time order, splitting slices that hit the cap.
    async fn run(&self, window: Window, tx: &mpsc::Sender<Vec<Event>>) -> Result<(), String> {
        // Insights takes whole seconds, both ends inclusive.
        let mut todo = vec![(
            window.start_ms.div_euclid(1000),
            window.end_ms.div_euclid(1000),
        )];
        while let Some((s, e)) = todo.pop() {
            if tx.is_closed() {
                return Ok(());
            }
            let rows = self.query(s, e, tx).await?;
            if rows.len() >= ROW_CAP && e > s {
                // Split: run the earlier half first (the stack pops the last pushed).
                let mid = s + (e - s) / 2;
                self.stats.splits.fetch_add(1, Ordering::Relaxed);
                todo.push((mid + 1, e));
                todo.push((s, mid));
                continue;
            }
            if rows.len() >= ROW_CAP {
                warn(format!(
                    "more than {ROW_CAP} events in one second of {}; some may be missing (use --engine filter)",
                    self.names.join(", ")
                ));
            }
            let mut page: Vec<Event> = rows
                .into_iter()
                .filter(|ev| ev.timestamp >= window.start_ms && ev.timestamp <= window.end_ms)
                .filter(|ev| self.terms.matches(&ev.message))
                .collect();
            page.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            if !page.is_empty() && tx.send(page).await.is_err() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// One query over `[s, e]` seconds; all its rows.
    async fn query(
        &self,
        s: i64,
        e: i64,
        tx: &mpsc::Sender<Vec<Event>>,
    ) -> Result<Vec<Event>, String> {
        // StartQuery is limited to 10/s and to a number of concurrent queries per account
        // (LimitExceededException): wait and try again, for up to two minutes.
        let mut waited = Duration::ZERO;
        let mut attempt = 0;
        let started = loop {
            self.limiter.acquire().await;
            let out = self
                .client
                .start_query()
                .set_log_group_names(Some(self.names.clone()))
                .start_time(s)
                .end_time(e)
                .query_string(query_string(&self.terms))
                .limit(ROW_CAP as i32)
                .send()
                .await;
            match out {
                Ok(o) => break o,
                Err(err) => {
                    let busy =
                        matches!(classify(&err), AwsFault::Throttled | AwsFault::Transient(_))
                            || err.code() == Some("LimitExceededException");
                    if !busy || waited >= Duration::from_secs(120) {
                        return Err(format!("StartQuery failed: {}", classify(&err).text()));
                    }
                    self.limiter.on_throttle();
                    let wait = crate::fetch::backoff(
                        attempt,
                        Duration::from_millis(500),
                        Duration::from_secs(10),
                    );
                    attempt += 1;
                    waited += wait;
                    tokio::time::sleep(wait).await;
                }
            }
        };
        let id = started.query_id().unwrap_or_default().to_string();
        self.stats.queries.fetch_add(1, Ordering::Relaxed);
        running().push((self.client.clone(), id.clone()));
        let result = self.wait(&id, tx).await;
        running().retain(|(_, q)| *q != id);
        if result.is_err() || tx.is_closed() {
            let _ = self.client.stop_query().query_id(&id).send().await;
        }
        result
    }

    async fn wait(&self, id: &str, tx: &mpsc::Sender<Vec<Event>>) -> Result<Vec<Event>, String> {
        let t0 = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(200);
        loop {
            if tx.is_closed() {
                return Ok(Vec::new());
            }
            self.limiter.acquire().await;
            let out = self
                .client
                .get_query_results()
                .query_id(id)
                .send()
                .await
                .map_err(|err| format!("GetQueryResults failed: {}", classify(&err).text()))?;
            match out.status() {
                Some(QueryStatus::Complete) => {
                    if let Some(st) = out.statistics() {
                        self.stats
                            .bytes_scanned
                            .fetch_add(st.bytes_scanned().max(0.0) as u64, Ordering::Relaxed);
                    }
                    let rows = out.results();
                    let events: Vec<Event> = rows.iter().filter_map(|r| self.row(r)).collect();
                    self.skipped(rows.len() - events.len());
                    return Ok(events);
                }
                Some(QueryStatus::Failed)
                | Some(QueryStatus::Cancelled)
                | Some(QueryStatus::Timeout) => {
                    return Err(format!(
                        "the query ended as {}",
                        out.status().map(|s| s.as_str()).unwrap_or("?")
                    ));
                }
                _ => {}
            }
            if t0.elapsed() > QUERY_TIMEOUT {
                return Err("the query did not complete in 15 minutes".into());
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
                .filter(|ts| *ts >= s * 1000 && *ts <= e * 1000 + 999)
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
                idx: vec![0],
                terms: Terms::default(),
                limiter: RateLimiter::new(1000.0),
                stats: Arc::default(),
            }
        }

        async fn run(b: &Batch) -> Result<Vec<Event>, String> {
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
            let b = batch(client(&[&start, &results]));
            let got = run(&b).await.unwrap();
            assert_eq!(got.len() as i64, EVENTS, "every event once");
            assert!(
                got.windows(2).all(|p| p[0].timestamp < p[1].timestamp),
                "in order, no repeats"
            );
            // 25,000 rows: the whole window and each half hit the cap; the quarters do not.
            assert_eq!(b.stats.splits.load(Ordering::Relaxed), 3);
            assert_eq!(start.num_calls(), 7);
            assert_eq!(b.stats.bytes_scanned.load(Ordering::Relaxed), 7000);
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
            assert!(report(&b.stats).unwrap().contains("2 rows left out"));
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
            let err = run(&batch(client(&[&start, &results, &stop])))
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
                .output(|| StartQueryOutput::builder().query_id("1000-1001").build())
                .build();
            let results = mock!(Client::get_query_results).then_compute_output(|r| {
                GetQueryResultsOutput::builder()
                    .status(QueryStatus::Complete)
                    .set_results(Some(rows(r.query_id().unwrap())))
                    .build()
            });
            // A two-second window: one query, after three refusals.
            let b = batch(client(&[&start, &results]));
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
