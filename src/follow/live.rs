//! `get --live`: follow through CloudWatch Live Tail (StartLiveTail) instead of polling.
//!
//! - The groups that exist are split into sessions of at most 10 (Live Tail's limit), per
//!   region; each session is a task that opens the stream, catches up, then forwards every
//!   update. Groups that do not exist yet are polled (`watch.rs`), on the slow schedule
//!   that picks them up when they appear.
//! - Live Tail only delivers events ingested after the session started, so a session first
//!   reads the gap since the previous window or session with one FilterLogEvents poll per
//!   group (`[from, start]`, through the same rate limiter as `get`). An event ingested
//!   while that poll runs can come both ways; Live Tail events carry no event id, so
//!   [`Printed`] matches them by content (group, stream, timestamp, ingestion time,
//!   message) and prints each one as many times as the busier of the two sources saw it:
//!   identical lines are kept, duplicates are not.
//! - Each update (Live Tail sends one every second, empty when nothing is new) is a
//!   watermark for the session's groups, so `watch::Orderer` orders live and polled
//!   groups together, with the same `--watch-lag`.
//! - When StartLiveTail is refused or unsupported (access denied, too many sessions, an
//!   endpoint that does not know it) the session's groups fall back to polling with one
//!   warning; a session that ends (the 3-hour limit, a dropped connection) is opened again
//!   and the gap is read as above; one that keeps failing falls back to polling too.
//! - When an update says it was sampled (more than 500 events a second matched), a warning
//!   says so, once, with how to get every event.
//! - With a custom endpoint (`--endpoint-url`), `aws/mod.rs` keeps the SDK from prefixing the
//!   host with `stream-`, which only AWS's own endpoints serve.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::StartLiveTailResponseStream as Stream;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio::sync::mpsc;

use crate::aws::Aws;
use crate::core::model::{Event, LogGroup, Text};
use crate::follow::watch::{Msg, OVERLAP_MS, PollError, Poller};
use crate::ui::error::{AwsFault, classify, note, warn};

/// Log groups per Live Tail session (the service's limit).
const GROUPS_PER_SESSION: usize = 10;
/// How long the first message of a new session (`sessionStart`) may take.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// With no update for this long (Live Tail sends one every second), the session is dead.
const SILENCE: Duration = Duration::from_secs(20);
/// Failed attempts in a row to (re)open a session before its groups are polled instead.
const OPEN_ATTEMPTS: u32 = 4;
/// A session that ends before this many updates counts as a failed attempt, and what it
/// sent is not printed: an endpoint that answers with one snapshot of old events and ends,
/// as the moto emulator does, is not live (the next session's catch-up reads the gap).
const MIN_UPDATES: u32 = 2;
/// Attempts of a session's catch-up poll of one group before its gap is reported missing.
const CATCH_UP_ATTEMPTS: u32 = 4;
/// How long [`Printed`] remembers an event regardless of its timestamp: the time within
/// which the same event can come from both sources.
const REMEMBER_MS: i64 = 60_000;

/// The once-per-run warnings shared by every session.
#[derive(Default)]
struct Once {
    fallback: AtomicBool,
    sampled: AtomicBool,
}

/// Open the sessions (or polling, where Live Tail cannot be used) for `pollers`.
pub fn start(
    aws: &Aws,
    groups: &[LogGroup],
    pollers: Vec<Poller>,
    filter: Option<String>,
    tx: mpsc::Sender<Msg>,
) {
    let once = Arc::new(Once::default());
    // Sessions are per region (one client each), in the order the groups were resolved.
    let mut by_region: Vec<(String, Vec<Poller>)> = Vec::new();
    for p in pollers {
        if p.absent {
            tokio::spawn(p.run(tx.clone()));
            continue;
        }
        let region = &groups[p.idx].region;
        match by_region.iter_mut().find(|(r, _)| r == region) {
            Some((_, v)) => v.push(p),
            None => by_region.push((region.clone(), vec![p])),
        }
    }
    let sts = aws.sts();
    let aws = aws.clone();
    let groups = groups.to_vec();
    tokio::spawn(async move {
        let ids = Identifiers::find(&sts).await;
        for (region, mut ps) in by_region {
            while !ps.is_empty() {
                let rest = ps.split_off(ps.len().min(GROUPS_PER_SESSION));
                let chunk = std::mem::replace(&mut ps, rest);
                let session = Session::new(aws.logs(&region), &groups, chunk, &ids, &filter);
                tokio::spawn(session.run(tx.clone(), once.clone()));
            }
        }
    });
}

/// How log groups are named to StartLiveTail: by ARN (as the API asks), built from the
/// caller's account and partition; by name when STS cannot say.
struct Identifiers {
    account: Option<(String, String)>,
}

impl Identifiers {
    async fn find(sts: &aws_sdk_sts::Client) -> Identifiers {
        let account = match sts.get_caller_identity().send().await {
            Ok(o) => {
                let partition = o
                    .arn()
                    .and_then(|a| a.split(':').nth(1))
                    .filter(|p| !p.is_empty())
                    .unwrap_or("aws")
                    .to_string();
                o.account().map(|a| (partition, a.to_string()))
            }
            Err(_) => None,
        };
        Identifiers { account }
    }

    fn of(&self, g: &LogGroup) -> String {
        if let Some(arn) = g.cross_account_arn() {
            return arn;
        }
        match &self.account {
            Some((partition, account)) => format!(
                "arn:{partition}:logs:{}:{account}:log-group:{}",
                g.region, g.name
            ),
            None => g.name.clone(),
        }
    }
}

/// The group name inside a Live Tail `logGroupIdentifier` (an ARN, with or without `:*`,
/// or a name).
fn name_of(ident: &str) -> &str {
    let name = match ident.split_once(":log-group:") {
        Some((_, n)) if ident.starts_with("arn:") => n,
        _ => ident,
    };
    name.strip_suffix(":*").unwrap_or(name)
}

/// What one group printed lately, by content, from either source (see the module doc).
#[derive(Default)]
pub struct Printed {
    /// Content hash → (timestamp, when first seen, polled count, live count).
    seen: HashMap<u64, (i64, i64, u32, u32)>,
}

impl Printed {
    fn key(e: &Event) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (e.timestamp, e.ingestion_time, &e.stream, &e.message).hash(&mut h);
        h.finish()
    }

    /// Count `e` from one source; true when it is to be printed (this source has now seen
    /// it more often than the other).
    pub fn admit(&mut self, e: &Event, live: bool) -> bool {
        let now = chrono::Utc::now().timestamp_millis();
        let c = self
            .seen
            .entry(Self::key(e))
            .or_insert((e.timestamp, now, 0, 0));
        if live {
            c.3 += 1;
            c.3 > c.2
        } else {
            c.2 += 1;
            c.2 > c.3
        }
    }

    /// Forget what neither source can send again: timestamps before `from` (no later poll
    /// reaches them), first seen more than a minute before `now`.
    pub fn prune(&mut self, from: i64, now: i64) {
        self.seen
            .retain(|_, (ts, first, _, _)| *ts >= from || *first >= now - REMEMBER_MS);
    }
}

/// One Live Tail session: up to ten groups of one region.
struct Session {
    client: Client,
    pollers: Vec<Poller>,
    printed: Vec<Printed>,
    idents: Vec<String>,
    /// Group name → position in `pollers`.
    by_name: HashMap<String, usize>,
    filter: Option<String>,
    names: String,
}

/// What the reader task passes on.
enum Item {
    /// Events with the position of their group in the session, and whether sampled.
    Update(Vec<(usize, Event)>, bool),
    End(String, bool),
}

impl Session {
    fn new(
        client: Client,
        groups: &[LogGroup],
        pollers: Vec<Poller>,
        ids: &Identifiers,
        filter: &Option<String>,
    ) -> Session {
        let idents = pollers.iter().map(|p| ids.of(&groups[p.idx])).collect();
        let by_name = pollers
            .iter()
            .enumerate()
            .map(|(i, p)| (groups[p.idx].name.clone(), i))
            .collect();
        let names = match pollers.as_slice() {
            [one] => format!("log group {}", one.group()),
            many => format!("{} log groups", many.len()),
        };
        Session {
            client,
            printed: pollers.iter().map(|_| Printed::default()).collect(),
            pollers,
            idents,
            by_name,
            filter: filter.clone(),
            names,
        }
    }

    async fn run(mut self, tx: mpsc::Sender<Msg>, once: Arc<Once>) {
        let mut failures = 0u32;
        loop {
            if tx.is_closed() {
                return;
            }
            let (mut items, started) = match self.open().await {
                Ok(opened) => opened,
                Err((why, refused)) => {
                    failures += 1;
                    if refused || failures >= OPEN_ATTEMPTS {
                        return self.fall_back(&why, &tx, &once);
                    }
                    self.down(&tx).await;
                    tokio::time::sleep(crate::aws::retry::backoff(
                        failures,
                        Duration::from_millis(500),
                        Duration::from_secs(10),
                    ))
                    .await;
                    continue;
                }
            };
            if !self.catch_up(started, &tx).await {
                return;
            }
            let (why, timed_out, updates) = match self.forward(&mut items, &tx, &once).await {
                Some(end) => end,
                None => return,
            };
            // Read the gap from the last update on, in the next session's catch-up.
            let last = chrono::Utc::now().timestamp_millis();
            for p in &mut self.pollers {
                p.from = p.from.max(last - OVERLAP_MS);
            }
            if timed_out {
                note(format!(
                    "Live Tail session of {} reached its time limit; starting a new one",
                    self.names
                ));
                failures = 0;
            } else if updates < MIN_UPDATES {
                failures += 1;
                if failures >= OPEN_ATTEMPTS {
                    return self.fall_back(&why, &tx, &once);
                }
            } else {
                note(format!(
                    "Live Tail session of {} ended ({why}); starting a new one",
                    self.names
                ));
                failures = 0;
            }
        }
    }

    /// StartLiveTail, up to its `sessionStart`; then a task that reads the stream. The
    /// error says why, and whether it was a refusal (not worth retrying).
    async fn open(&self) -> Result<(mpsc::UnboundedReceiver<Item>, i64), (String, bool)> {
        let out = self
            .client
            .start_live_tail()
            .set_log_group_identifiers(Some(self.idents.clone()))
            .set_log_event_filter_pattern(self.filter.clone())
            .send()
            .await
            .map_err(|e| match classify(&e) {
                AwsFault::Throttled => ("throttled".to_string(), false),
                AwsFault::Transient(t) => (t, false),
                AwsFault::NotFound(t) | AwsFault::Auth(t) | AwsFault::Fatal(t) => (t, true),
            })?;
        let mut stream = out.response_stream;
        let first = tokio::time::timeout(START_TIMEOUT, stream.recv()).await;
        match first {
            Ok(Ok(Some(Stream::SessionStart(_)))) => {}
            Ok(Ok(_)) => return Err(("the session did not start".into(), false)),
            Ok(Err(e)) => return Err((stream_error(&e), false)),
            Err(_) => return Err(("no sessionStart within 15 s".into(), false)),
        }
        let started = chrono::Utc::now().timestamp_millis();
        let (tx, rx) = mpsc::unbounded_channel();
        let by_name = self.by_name.clone();
        let idx: Vec<usize> = self.pollers.iter().map(|p| p.idx).collect();
        tokio::spawn(async move {
            loop {
                let item = match tokio::time::timeout(SILENCE, stream.recv()).await {
                    Err(_) => Item::End("no update for 20 s".into(), false),
                    Ok(Ok(Some(Stream::SessionUpdate(u)))) => {
                        let sampled = u.session_metadata().is_some_and(|m| m.sampled());
                        let events = u
                            .session_results()
                            .iter()
                            .filter_map(|r| {
                                let pos = *by_name.get(name_of(r.log_group_identifier()?))?;
                                let event = Event {
                                    timestamp: r.timestamp()?,
                                    ingestion_time: r.ingestion_time().unwrap_or(0),
                                    event_id: Text::default(),
                                    stream: r.log_stream_name().unwrap_or("").into(),
                                    message: r.message().unwrap_or("").into(),
                                    group: idx[pos],
                                };
                                Some((pos, event))
                            })
                            .collect();
                        Item::Update(events, sampled)
                    }
                    Ok(Ok(Some(_))) => continue,
                    Ok(Ok(None)) => Item::End("the stream ended".into(), false),
                    Ok(Err(e)) => {
                        let timed_out = match &e {
                            aws_sdk_cloudwatchlogs::error::SdkError::ServiceError(s) => {
                                s.err().is_session_timeout_exception()
                            }
                            _ => false,
                        };
                        Item::End(stream_error(&e), timed_out)
                    }
                };
                let end = matches!(item, Item::End(..));
                if tx.send(item).is_err() || end {
                    return;
                }
            }
        });
        Ok((rx, started))
    }

    /// Read `[from, started]` of every group by polling, print what is new, mark the
    /// groups as complete up to `started`. False when the output is gone.
    async fn catch_up(&mut self, started: i64, tx: &mpsc::Sender<Msg>) -> bool {
        // A poll that fails is tried again from its own start (it remembered nothing).
        let polls = self.pollers.iter_mut().map(|p| async move {
            let mut failures = 0;
            loop {
                match p.poll(started).await {
                    Err(PollError::Other(_)) if failures + 1 < CATCH_UP_ATTEMPTS => {
                        tokio::time::sleep(crate::aws::retry::backoff(
                            failures,
                            Duration::from_secs(1),
                            Duration::from_secs(8),
                        ))
                        .await;
                        failures += 1;
                    }
                    r => return (p.group().to_string(), r),
                }
            }
        });
        let results = futures::future::join_all(polls).await;
        let mut out = Vec::new();
        for (pos, (name, r)) in results.into_iter().enumerate() {
            match r {
                Ok(events) => out.extend(
                    events
                        .into_iter()
                        .filter(|e| self.printed[pos].admit(e, false)),
                ),
                Err(PollError::Missing) => warn(format!(
                    "log group {name} was deleted; its events since the last update are missing"
                )),
                Err(PollError::Other(m)) => warn(format!(
                    "log group {name}: cannot read the events since the last update ({m}); they are missing"
                )),
            }
        }
        out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        if !out.is_empty() && tx.send(Msg::Events(out)).await.is_err() {
            return false;
        }
        self.mark(started, tx).await
    }

    /// Pass every update on until the stream ends: `Some((why, timed out, updates))`, or
    /// `None` when the output is gone.
    async fn forward(
        &mut self,
        items: &mut mpsc::UnboundedReceiver<Item>,
        tx: &mpsc::Sender<Msg>,
        once: &Once,
    ) -> Option<(String, bool, u32)> {
        let mut updates = 0;
        // The first update waits for the second: a stream that ends after one update is a
        // snapshot, not a live session, and its events are not printed (see MIN_UPDATES).
        let mut first: Vec<(usize, Event)> = Vec::new();
        let mut first_sampled = false;
        while let Some(item) = items.recv().await {
            match item {
                Item::Update(mut events, sampled) => {
                    updates += 1;
                    if updates < MIN_UPDATES {
                        first.append(&mut events);
                        first_sampled |= sampled;
                        continue;
                    }
                    let sampled = sampled || std::mem::take(&mut first_sampled);
                    if !first.is_empty() {
                        first.append(&mut events);
                        events = std::mem::take(&mut first);
                    }
                    if sampled && !once.sampled.swap(true, Ordering::SeqCst) {
                        warn(format!(
                            "Live Tail sent only a sample of the events of {} (more than 500 a second \
                             matched): some lines are missing; narrow it with --filter-pattern or \
                             --only, or use --watch without --live to get every event",
                            self.names
                        ));
                    }
                    let mut out: Vec<Event> = events
                        .into_iter()
                        .filter(|(pos, e)| self.printed[*pos].admit(e, true))
                        .map(|(_, e)| e)
                        .collect();
                    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                    if !out.is_empty() && tx.send(Msg::Events(out)).await.is_err() {
                        return None;
                    }
                    let now = chrono::Utc::now().timestamp_millis();
                    if !self.mark(now, tx).await {
                        return None;
                    }
                    // The next catch-up starts at most OVERLAP before the session's end.
                    for p in &mut self.printed {
                        p.prune(now - OVERLAP_MS, now);
                    }
                }
                Item::End(why, timed_out) => return Some((why, timed_out, updates)),
            }
        }
        Some(("the stream ended".into(), false, updates))
    }

    async fn mark(&self, upto: i64, tx: &mpsc::Sender<Msg>) -> bool {
        for p in &self.pollers {
            if tx.send(Msg::Mark { group: p.idx, upto }).await.is_err() {
                return false;
            }
        }
        true
    }

    async fn down(&self, tx: &mpsc::Sender<Msg>) {
        for p in &self.pollers {
            let _ = tx.send(Msg::Down { group: p.idx }).await;
        }
    }

    /// Poll this session's groups from now on (one warning per run).
    fn fall_back(self, why: &str, tx: &mpsc::Sender<Msg>, once: &Once) {
        if !once.fallback.swap(true, Ordering::SeqCst) {
            warn(format!(
                "Live Tail is not available for {} ({why}); polling instead, as --watch does",
                self.names
            ));
        } else {
            note(format!(
                "{}: polling instead of Live Tail ({why})",
                self.names
            ));
        }
        for (mut p, printed) in self.pollers.into_iter().zip(self.printed) {
            p.printed = Some(printed);
            tokio::spawn(p.run(tx.clone()));
        }
    }
}

/// The text of an event-stream error: the service's code and message when it sent one.
fn stream_error<E, R>(e: &aws_sdk_cloudwatchlogs::error::SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match e {
        aws_sdk_cloudwatchlogs::error::SdkError::ServiceError(s) => {
            let err = s.err();
            match (err.code(), err.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                _ => crate::ui::error::chain_text(err),
            }
        }
        other => crate::ui::error::chain_text(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(ts: i64, msg: &str) -> Event {
        Event {
            ingestion_time: ts + 5,
            event_id: Text::default(),
            ..Event::test(0, ts, "", msg)
        }
    }

    #[test]
    fn an_event_from_both_sources_prints_once_and_identical_lines_are_kept() {
        let mut p = Printed::default();
        // Polled first, then the same event live: once.
        assert!(p.admit(&ev(1, "a"), false));
        assert!(!p.admit(&ev(1, "a"), true));
        // Live first, then polled: once.
        assert!(p.admit(&ev(2, "b"), true));
        assert!(!p.admit(&ev(2, "b"), false));
        // Two identical lines from one source, one of them also from the other: twice.
        assert!(p.admit(&ev(3, "c"), true));
        assert!(p.admit(&ev(3, "c"), true));
        assert!(!p.admit(&ev(3, "c"), false));
        assert!(!p.admit(&ev(3, "c"), false));
        // Anything else differing is another event.
        assert!(p.admit(&ev(3, "d"), false));
    }

    #[test]
    fn prune_keeps_what_a_later_poll_or_a_late_live_event_can_repeat() {
        let mut p = Printed::default();
        p.admit(&ev(1_000, "old"), false);
        p.admit(&ev(50_000, "recent"), false);
        let now = chrono::Utc::now().timestamp_millis();
        // Seen just now: kept whatever its timestamp.
        p.prune(10_000, now);
        assert_eq!(p.seen.len(), 2);
        // A minute later, only what a poll from 10 s can return again is kept.
        p.prune(10_000, now + REMEMBER_MS + 1);
        assert_eq!(p.seen.len(), 1);
        assert!(!p.admit(&ev(50_000, "recent"), true));
    }

    #[test]
    fn group_names_from_live_tail_identifiers() {
        assert_eq!(
            name_of("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/f"),
            "/aws/lambda/f"
        );
        assert_eq!(
            name_of("arn:aws-cn:logs:cn-north-1:1:log-group:API-Gateway-Execution-Logs_a/b:*"),
            "API-Gateway-Execution-Logs_a/b"
        );
        assert_eq!(name_of("/aws/lambda/f"), "/aws/lambda/f");
    }
}
