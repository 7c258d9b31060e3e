//! `apitrace query`: one Logs Insights query the user wrote, its rows as they come (polled
//! through [`super::insights`]'s loop).

use super::insights::{InsightsStats, MAX_GROUPS, poll_query, query_seconds, running};
use crate::aws::Aws;
use crate::aws::ratelimit::RateLimiter;
use crate::config::Window;
use crate::core::model::LogGroup;
use crate::ui::error::{AwsFault, classify, warn};
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// One result row of a user's query: `(field, value)` in the service's order, `@ptr` left out.
pub type Row = Vec<(String, String)>;

/// Run `query` over `groups` in `window`: one StartQuery per batch (region, at most
/// [`MAX_GROUPS`] groups), one after the other, registered for Ctrl-C ([`stop_all`]) and
/// counted in `stats` (queries, bytes scanned). A batch that fails is a warning and a line
/// in the second vector; the rows of the others are returned.
pub async fn user_query(
    aws: &Aws,
    groups: &[LogGroup],
    query: &str,
    window: Window,
    stats: &Arc<InsightsStats>,
) -> (Vec<Row>, Vec<(String, String)>) {
    let mut batches: Vec<(String, Vec<&LogGroup>)> = Vec::new();
    for g in groups {
        match batches
            .iter_mut()
            .find(|(r, v)| *r == g.region && v.len() < MAX_GROUPS)
        {
            Some((_, v)) => v.push(g),
            None => batches.push((g.region.clone(), vec![g])),
        }
    }
    let (s, e) = query_seconds(window.start_ms, window.end_ms);
    let limiter = RateLimiter::new(5.0);
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (region, batch) in batches {
        let client = aws.logs(&region);
        let names: Vec<String> = batch.iter().map(|g| g.name.clone()).collect();
        let cross = batch.iter().any(|g| g.cross_account_arn().is_some());
        let idents: Option<Vec<String>> = cross.then(|| {
            batch
                .iter()
                .map(|g| g.cross_account_arn().unwrap_or_else(|| g.name.clone()))
                .collect()
        });
        let run = async {
            let mut attempt = 0;
            let id = loop {
                limiter.acquire().await;
                match client
                    .start_query()
                    .set_log_group_names((!cross).then(|| names.clone()))
                    .set_log_group_identifiers(idents.clone())
                    .start_time(s)
                    .end_time(e)
                    .query_string(query)
                    .send()
                    .await
                {
                    Ok(o) => {
                        stats.queries.fetch_add(1, Ordering::Relaxed);
                        break o.query_id().unwrap_or_default().to_string();
                    }
                    Err(err) => {
                        let busy =
                            matches!(classify(&err), AwsFault::Throttled | AwsFault::Transient(_))
                                || err.code() == Some("LimitExceededException");
                        if !busy || attempt >= 12 {
                            return Err(format!("StartQuery failed: {}", classify(&err).text()));
                        }
                        limiter.on_throttle();
                        tokio::time::sleep(crate::aws::retry::backoff(
                            attempt,
                            Duration::from_millis(500),
                            Duration::from_secs(10),
                        ))
                        .await;
                        attempt += 1;
                    }
                }
            };
            running().push((client.clone(), id.clone()));
            let result = user_results(&client, &id, &limiter, stats).await;
            running().retain(|(_, q)| *q != id);
            if result.is_err() {
                let _ = client.stop_query().query_id(&id).send().await;
            }
            result
        };
        match run.await {
            Ok(r) => rows.extend(r),
            Err(msg) => {
                let what = names.join(", ");
                warn(format!("Logs Insights query over {what}: {msg}"));
                failed.push((what, msg));
            }
        }
    }
    (rows, failed)
}

/// Poll one query until it ends; its rows (all GetQueryResults pages), `@ptr` left out.
async fn user_results(
    client: &Client,
    id: &str,
    limiter: &RateLimiter,
    stats: &InsightsStats,
) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    poll_query(
        client,
        id,
        limiter,
        stats,
        "narrow the window",
        || false,
        |page| {
            rows.extend(page.iter().map(|r| {
                r.iter()
                    .filter(|f| f.field() != Some("@ptr"))
                    .map(|f| {
                        (
                            f.field().unwrap_or_default().to_string(),
                            f.value().unwrap_or_default().to_string(),
                        )
                    })
                    .collect::<Row>()
            }))
        },
    )
    .await?;
    Ok(rows)
}
