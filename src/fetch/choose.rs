//! `--engine auto`: whether a search goes to Logs Insights (billed by the bytes scanned) or
//! FilterLogEvents, from the window's length and the groups' stored bytes, with the scan
//! estimated and said before any query runs.

use super::insights::translate;
use crate::aws::Aws;
use crate::config::Window;
use crate::core::model::LogGroup;

/// Windows at least this long may go to Insights under `--engine auto`.
const AUTO_HOURS: f64 = 6.0;

/// …when the groups hold at least this much (DescribeLogGroups `storedBytes`).
const AUTO_BYTES: u64 = 1 << 30;

/// Settle `--engine` for a search of `groups` over `window`, and say why on stderr when
/// Insights is chosen (it is billed) or refused. Before any query the bytes it would scan
/// are estimated ([`estimate`]) and said; under `auto` a query estimated over `max_scan`
/// is not run (FilterLogEvents pages instead, and the note says how to run it anyway).
pub async fn choose(
    aws: &Aws,
    asked: crate::cli::EngineArg,
    max_scan: u64,
    groups: &[LogGroup],
    window: Window,
    filter: Option<&str>,
    trace: bool,
) -> crate::fetch::Engine {
    use crate::cli::EngineArg as Asked;
    use crate::fetch::Engine;
    use crate::ui::error::note;
    let translatable = translate(filter).is_some();
    let hours = (window.end_ms - window.start_ms) as f64 / 3_600_000.0;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let why = match asked {
        Asked::Filter => return Engine::Filter,
        Asked::Insights if !translatable => {
            note("the filter pattern has no Logs Insights equivalent: using --engine filter");
            return Engine::Filter;
        }
        Asked::Insights => {
            let est = estimate(&describe(aws, groups).await, window, now_ms);
            note(format!(
                "engine: Logs Insights (--engine insights; {}, billed per GB scanned)",
                est.describe()
            ));
            return Engine::Insights;
        }
        Asked::Auto if !translatable => return Engine::Filter,
        Asked::Auto if trace && hours > AUTO_HOURS => None,
        Asked::Auto if hours >= AUTO_HOURS => Some(describe(aws, groups).await),
        Asked::Auto => return Engine::Filter,
    };
    let (infos, reason) = match why {
        // A trace over a long window: one query finds the request wherever it is.
        None => (
            describe(aws, groups).await,
            format!("a trace over {hours:.0} h"),
        ),
        Some(infos) => {
            let stored: u64 = infos.iter().map(|i| i.stored_bytes).sum();
            if stored < AUTO_BYTES {
                return Engine::Filter;
            }
            let reason = format!(
                "{hours:.0} h over {:.1} GiB of logs",
                stored as f64 / (1u64 << 30) as f64
            );
            (infos, reason)
        }
    };
    let est = estimate(&infos, window, now_ms);
    if est.bytes > max_scan {
        note(format!(
            "engine: FilterLogEvents, not Logs Insights ({reason}): a query would scan {}, over \
             --max-scan {}; --engine insights runs it anyway",
            est.describe(),
            human_bytes(max_scan)
        ));
        return Engine::Filter;
    }
    note(format!(
        "engine: Logs Insights ({reason}; {}, billed per GB scanned; --engine filter to page \
         instead)",
        est.describe()
    ));
    Engine::Insights
}

/// What DescribeLogGroups says of one group, for the estimate.
#[derive(Debug, Clone, Default)]
pub struct GroupInfo {
    /// False: the group could not be described (missing, denied, another account).
    pub known: bool,
    pub stored_bytes: u64,
    pub retention_days: Option<i64>,
    pub created_ms: Option<i64>,
}

/// DescribeLogGroups for each group (one call each, concurrently).
async fn describe(aws: &Aws, groups: &[LogGroup]) -> Vec<GroupInfo> {
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
                    .map(|x| GroupInfo {
                        known: true,
                        stored_bytes: x.stored_bytes().unwrap_or(0).max(0) as u64,
                        retention_days: x.retention_in_days().map(i64::from),
                        created_ms: x.creation_time(),
                    })
                    .unwrap_or_default(),
                Err(_) => GroupInfo::default(),
            }
        }
    });
    futures::future::join_all(calls).await
}

/// Bytes a query over `window` would scan, estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub bytes: u64,
    /// Groups that could not be described (left out of the estimate).
    pub unknown: usize,
}

impl Estimate {
    pub(super) fn describe(&self) -> String {
        let mut s = format!("about {} to scan", human_bytes(self.bytes));
        if self.unknown > 0 {
            s.push_str(&format!(
                " (not counting {} group{} that could not be described)",
                self.unknown,
                if self.unknown == 1 { "" } else { "s" }
            ));
        }
        s
    }
}

/// Each group's stored bytes times the share of its stored time that the window covers:
/// its data spans its retention (or, when it never expires or is younger, its age), so a
/// window of a tenth of that span reads about a tenth of the bytes, when traffic is even.
/// Insights bills the bytes of the log events in the time range it queries; storedBytes
/// is the compressed size CloudWatch reports and is updated with a delay, so this is an
/// estimate, said as such.
pub fn estimate(infos: &[GroupInfo], window: Window, now_ms: i64) -> Estimate {
    let mut bytes = 0f64;
    let mut unknown = 0;
    for i in infos {
        if !i.known {
            unknown += 1;
            continue;
        }
        let age = i.created_ms.map(|c| (now_ms - c).max(1));
        let kept = i.retention_days.map(|d| d.max(1) * 86_400_000);
        let span = match (age, kept) {
            (Some(a), Some(k)) => a.min(k),
            (Some(a), None) => a,
            (None, Some(k)) => k,
            (None, None) => {
                bytes += i.stored_bytes as f64;
                continue;
            }
        };
        let oldest = now_ms - span;
        let covered = (window.end_ms.min(now_ms) - window.start_ms.max(oldest)).max(0);
        bytes += i.stored_bytes as f64 * (covered as f64 / span as f64).min(1.0);
    }
    Estimate {
        bytes: bytes.round() as u64,
        unknown,
    }
}

/// `1.2 GB`, `350 MB`, `12 kB`, `0 B` (powers of 1000, as AWS bills).
pub fn human_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.0} kB", b / 1e3)
    } else {
        format!("{b:.0} B")
    }
}
