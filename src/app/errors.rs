//! `apitrace errors`: resolve → find the failing requests → link each → print them.

use super::{connect_with, engine, finish_write, resolve_readable, since_deploy};
use crate::cli::{self};
use crate::config::{Env, GetConfig};
use crate::core::model::{LogGroup, Source};
use crate::fetch::{self, FetchSpec, Outcome};
use crate::merge::Merger;
use crate::render::errors::write_failure;
use crate::render::trace::trace_json_value;
use crate::resolve::{self};
use crate::ui::error::{self, Hinted, warn};
use anyhow::{Context, Result};
use std::io::{self, BufWriter, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// `apitrace errors`: find the failing requests, trace each, print them.
pub async fn errors(args: &cli::ErrorsArgs, mut cfg: GetConfig, env: &Env) -> Result<u8> {
    if args.output == cli::ErrorsFormat::Github {
        error::set_workflow_commands(true);
    }
    let aws = connect_with(&args.aws, &mut cfg, true).await?;
    since_deploy(&aws, &mut cfg).await?;
    let (res, groups, _) = resolve_readable(&aws, cfg.target.as_ref(), &cfg.select, false).await?;
    // Streamed through the finder, which decides each request as its status line
    // arrives: memory does not grow with the traffic of the window.
    let linking = Arc::new(crate::analyze::link::Linking::default());
    let shown_progress = {
        let l = linking.clone();
        crate::ui::progress::Progress::start_with(
            linking.stats.clone(),
            groups.len(),
            crate::ui::progress::wanted(
                env.stdout_is_tty,
                env.stderr_is_tty,
                env.ci,
                error::quiet(),
            ),
            Arc::new(move || l.progress()),
        )
    };
    // Progress counts the calls of both passes, and the failures found and linked.
    let outcome = Arc::new(Outcome::default());
    let search = Search {
        include_4xx: args.include_4xx,
        // #22: grouping may need every failure (up to compare::GROUP_MAX), not --limit.
        limit: super::compare::keep_for(args),
        // `--route`: only its requests' failures (#21).
        routes: (
            res.routes.clone(),
            resolve::chosen_routes(&res, &cfg.select)?,
        ),
    };
    let Some((found, total, spec)) = find(&aws, &groups, &cfg, search, &linking, &outcome).await?
    else {
        return Err(Hinted::new(
            format!(
                "{} has neither an execution log nor an access log to find failures in",
                resolve::describe(&res)
            ),
            "enable execution logging (REST) or access logging on the stage",
        )
        .into());
    };
    let failed = outcome.failed_groups();
    if super::compare::grouping(args, total) {
        let (api_id, stage) = (res.api_id.as_str(), res.stage.as_str());
        let ctx = super::compare::ErrorsCtx {
            aws: &aws,
            groups: &groups,
            cfg: &cfg,
            api_id,
            stage,
            args,
        };
        return super::compare::errors_grouped(
            ctx,
            &found,
            total,
            &spec,
            &linking,
            shown_progress,
            failed,
        )
        .await;
    }
    let left_out = total.saturating_sub(args.limit);

    let (api_id, stage) = (res.api_id.as_str(), res.stage.as_str());
    // Every failure linked in one pass (`link.rs`): the calls do not grow with their number.
    let shown: Vec<&crate::analyze::failures::Failure> = found.iter().take(args.limit).collect();
    let mut tspec = FetchSpec::new(&cfg);
    // One Logs Insights report for the whole command (bytes scanned, #15).
    tspec.insights = spec.insights.clone();
    // Printed as each trace is linked (text and github), in the failures' order.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let link = crate::analyze::link::link_all(
        &aws,
        &groups,
        &found[..shown.len()],
        cfg.window,
        &tspec,
        &linking,
        tx,
    );
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let github = args.output == cli::ErrorsFormat::Github;
    let mut arr = Vec::new();
    let mut written: io::Result<()> = Ok(());
    let printing = async {
        while let Some((i, t)) = rx.recv().await {
            if written.is_err() {
                continue; // a closed pipe: the linking finishes, nothing more is printed
            }
            written = match (args.output, &t) {
                (cli::ErrorsFormat::Json, Some(t)) => {
                    trace_json_value(t, api_id, stage, &groups, &cfg).map(|v| arr.push(v))
                }
                (cli::ErrorsFormat::Json, None) => Ok(()),
                _ => {
                    crate::ui::progress::clear();
                    write_failure(&mut out, shown[i], t.as_ref(), github, &groups, &cfg)
                }
            };
        }
    };
    tokio::join!(link, printing);
    drop(shown_progress);
    let mut failed = failed;
    failed.extend(linking.outcome.failed_groups());
    if let Some(r) = crate::fetch::insights::usage_note(&spec.insights) {
        error::note(r);
    }
    if written.is_ok() && args.output == cli::ErrorsFormat::Json {
        written = (|| -> io::Result<()> {
            serde_json::to_writer_pretty(&mut out, &arr).map_err(io::Error::from)?;
            writeln!(out)?;
            out.flush()
        })();
    }
    let code = finish_write(written)?;
    let what = if args.include_4xx { "4xx/5xx" } else { "5xx" };
    if total == 0 {
        error::note(format!(
            "no failing ({what}) requests between {} and {}",
            crate::core::time::format_ms(cfg.window.start_ms),
            crate::core::time::format_ms(cfg.window.end_ms)
        ));
    } else if left_out > 0 {
        error::note(format!(
            "{total} failing requests; the first {} traced, {left_out} left out by --limit",
            args.limit
        ));
    } else {
        error::note(format!(
            "{total} failing request{}",
            if total == 1 { "" } else { "s" }
        ));
    }
    if !failed.is_empty() {
        return Ok(error::EXIT_FAILURE);
    }
    if args.fail_on_errors && total > 0 {
        return Ok(error::EXIT_FAILURE);
    }
    Ok(code)
}

/// Which failing requests [`find`] looks for.
struct Search {
    include_4xx: bool,
    /// How many are kept whole (the rest are counted).
    limit: usize,
    /// The API's routes, and those `--route` keeps.
    routes: (Vec<String>, Option<Vec<String>>),
}

/// The window's failing requests, in order, with their count: the execution log decides
/// (the access log only where there is none, HTTP APIs), read once through the finder;
/// with FilterLogEvents each failure keeps its lines, so the linking reads those groups no
/// more (#17). Also the spec the search read with (its Logs Insights usage). `None`: the
/// stage has neither log. (`compare` finds its failures in its summary's pass instead:
/// `app::summary::report`.)
async fn find(
    aws: &crate::aws::Aws,
    groups: &[LogGroup],
    cfg: &GetConfig,
    search: Search,
    linking: &Arc<crate::analyze::link::Linking>,
    outcome: &Arc<Outcome>,
) -> Result<Option<(Vec<crate::analyze::failures::Failure>, usize, FetchSpec)>> {
    use crate::analyze::failures::{self, Finder};
    let Search {
        include_4xx,
        limit,
        routes: (known_routes, only_routes),
    } = search;
    let exec: Vec<usize> = (0..groups.len())
        .filter(|&i| groups[i].source == Source::Execution)
        .collect();
    let (which, pattern) = if exec.is_empty() {
        let access: Vec<usize> = (0..groups.len())
            .filter(|&i| groups[i].source == Source::Access)
            .collect();
        (access, None)
    } else if only_routes.is_some() {
        // The route of each request too (a pattern read: Logs Insights).
        (
            exec,
            Some(format!("{} ?\"HTTP Method\"", failures::EXEC_PATTERN)),
        )
    } else {
        (exec, Some(failures::EXEC_PATTERN.to_string()))
    };
    if which.is_empty() {
        return Ok(None);
    }
    let mut spec = FetchSpec::new(cfg);
    spec.filter_pattern = pattern;
    let searched: Vec<LogGroup> = which.iter().map(|&i| groups[i].clone()).collect();
    spec.engine = engine(aws, cfg, &searched, spec.filter_pattern.as_deref(), false).await;
    let stats = linking.stats.clone();
    let access_too = pattern_used(&spec);
    let keep = read_whole_once(&mut spec);
    let mut receivers = fetch::open(aws, groups, &which, &spec, stats.clone(), outcome.clone());
    if access_too {
        // Requests rejected before the integration (authorizer, WAF, throttling, missing
        // token) may log no `Method completed` line: their status is in the access log,
        // read whole next to the execution log's failure lines.
        let access: Vec<usize> = (0..groups.len())
            .filter(|&i| groups[i].source == Source::Access)
            .collect();
        if !access.is_empty() {
            let mut aspec = spec.clone();
            aspec.filter_pattern = None;
            receivers.extend(fetch::open(
                aws,
                groups,
                &access,
                &aspec,
                stats,
                outcome.clone(),
            ));
        }
    }
    let scan_groups = groups.to_vec();
    let counter = linking.clone();
    let (found, total, unreadable) = tokio::task::spawn_blocking(move || {
        let mut finder = Finder::new(include_4xx, limit).only_routes(known_routes, only_routes);
        if keep {
            finder = finder.keep_lines(KEPT_LINES);
        }
        for e in Merger::new(receivers) {
            finder.observe(&e, &scan_groups);
            counter
                .found
                .store(finder.found() as u64, Ordering::Relaxed);
        }
        let unreadable = finder.unreadable.warning();
        let (found, total) = finder.finish();
        (found, total, unreadable)
    })
    .await
    .context("the search thread failed")?;
    linking.found.store(total as u64, Ordering::Relaxed);
    if let Some(w) = unreadable {
        warn(w);
    }
    Ok(Some((found, total, spec)))
}

/// Whether `errors` searched the execution log (so the access log is read besides).
fn pattern_used(spec: &fetch::FetchSpec) -> bool {
    spec.filter_pattern.is_some()
}

/// Undecided requests' lines `errors` keeps at most while it searches (#17): past it the
/// oldest request's are dropped, and it is read again should it fail.
pub(super) const KEPT_LINES: usize = 200_000;

/// `errors` with FilterLogEvents: search the execution log whole (no pattern), so that the
/// failing requests' lines come with the search and the linking does not read the API
/// groups again. On AWS a pattern saves bytes, not calls (a filtered page holds what one
/// time-bounded scan found, aws-notes §5.3); a second read costs the calls of the window
/// again. A Logs Insights search keeps its pattern (its rows are capped). Whether the
/// lines are kept.
fn read_whole_once(spec: &mut fetch::FetchSpec) -> bool {
    if spec.engine != fetch::Engine::Filter {
        return false;
    }
    spec.filter_pattern = None;
    true
}
