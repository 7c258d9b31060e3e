//! The commands, each a short pipeline over the stages: `get` (resolve → fetch → merge →
//! print), `groups` (resolve → table) and `apis` (list → table).

use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::aws::Aws;
use crate::cli::{self, Cli, Command, OutputFormat};
use crate::config::{Env, GetConfig, Selection};
use crate::error::{self, Hinted, classify, warn};
use crate::fetch::{self, Outcome, Stats};
use crate::merge::Merger;
use crate::model::{LogGroup, Source};
use crate::output::Printer;
use crate::resolve::{self, Resolution};

/// Set while coloured output may be on the terminal, so Ctrl-C can reset it.
static COLOUR_ON_TERMINAL: AtomicBool = AtomicBool::new(false);
/// Set on SIGINT, SIGTERM or SIGHUP: the output thread stops at its next event.
static STOPPING: AtomicBool = AtomicBool::new(false);
/// True while the output thread holds printed events it has not flushed yet.
static UNFLUSHED: AtomicBool = AtomicBool::new(false);

pub async fn run(cli: Cli, env: Env) -> Result<u8> {
    error::set_quiet(cli.quiet);
    crate::debug::enable(cli.debug || env.rust_log);
    match cli.command {
        Command::Get(args) => get(args, env).await,
        Command::Groups(args) => groups(args).await,
        Command::Trace(args) => {
            let cfg = GetConfig::for_trace(&args, &env)?;
            trace(cfg, &args.aws, true).await
        }
        Command::Errors(args) => errors(&args, GetConfig::for_errors(&args, &env)?, &env).await,
        Command::Summary(args) => summary(&args, GetConfig::for_summary(&args, &env)?).await,
        Command::Compare(args) => crate::gate::compare(&args, &env).await,
        Command::Completions { shell } => {
            // Generated into memory: clap_complete panics when its writer fails (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cli::command(), "apitrace", &mut script);
            let mut out = io::stdout().lock();
            finish_write(out.write_all(&script).and_then(|_| out.flush()))
        }
        Command::Man { page, dir } => man(page.as_deref(), dir.as_deref()),
        Command::Apis(args) => apis(args).await,
        Command::Query(args) => query(&args, GetConfig::for_query(&args, &env)?).await,
    }
}

/// `apitrace man [COMMAND]` prints one page; `--dir DIR` writes them all and lists them.
fn man(page: Option<&str>, dir: Option<&std::path::Path>) -> Result<u8> {
    let mut out = io::stdout().lock();
    let Some(dir) = dir else {
        let page = crate::manpage::one(page).map_err(|names| {
            Hinted::usage(
                format!("there is no manual page '{}'", page.unwrap_or_default()),
                format!("the pages are apitrace, {}", names.join(", ")),
            )
        })?;
        return finish_write(out.write_all(&page.text).and_then(|_| out.flush()));
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the directory {}", dir.display()))?;
    for page in crate::manpage::all() {
        let path = dir.join(&page.file_name);
        std::fs::write(&path, &page.text).with_context(|| format!("writing {}", path.display()))?;
        if let Err(e) = writeln!(out, "{}", path.display()) {
            return finish_write(Err(e));
        }
    }
    finish_write(out.flush())
}

/// The signals that end a run, installed before the command starts: SIGINT (Ctrl-C),
/// SIGTERM (CI cancellation, `timeout`, `kill`) and SIGHUP (the terminal went away).
pub struct Signals {
    #[cfg(unix)]
    unix: Vec<(tokio::signal::unix::Signal, u8)>,
}

impl Signals {
    /// Must run inside the runtime. A signal that cannot be watched keeps its default.
    pub fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let unix = [
                (SignalKind::interrupt(), error::EXIT_INTERRUPTED),
                (SignalKind::terminate(), error::EXIT_TERMINATED),
                (SignalKind::hangup(), error::EXIT_HANGUP),
            ]
            .into_iter()
            .filter_map(|(kind, code)| signal(kind).ok().map(|s| (s, code)))
            .collect();
            Signals { unix }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The exit code of the first signal received (128 + its number).
    pub async fn recv(&mut self) -> u8 {
        #[cfg(unix)]
        if !self.unix.is_empty() {
            let waits = self.unix.iter_mut().map(|(s, code)| {
                let code = *code;
                Box::pin(async move {
                    s.recv().await;
                    code
                })
            });
            return futures::future::select_all(waits).await.0;
        }
        let _ = tokio::signal::ctrl_c().await;
        error::EXIT_INTERRUPTED
    }
}

/// After SIGINT, SIGTERM or SIGHUP: stop the Insights queries still running (they bill
/// until they end), let the output thread flush what it has printed (it stops at its next
/// event; bounded wait), leave the terminal with its colours reset, and exit `code`.
pub async fn interrupted(code: u8) -> u8 {
    STOPPING.store(true, Ordering::SeqCst);
    crate::insights::stop_all().await;
    let t0 = std::time::Instant::now();
    while UNFLUSHED.load(Ordering::Acquire) && t0.elapsed() < std::time::Duration::from_secs(2) {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    if COLOUR_ON_TERMINAL.load(Ordering::SeqCst) {
        // Not through `io::stdout()`: the output thread may hold its lock.
        write_stdout_raw(b"\x1b[0m\n");
    }
    code
}

#[cfg(unix)]
fn write_stdout_raw(b: &[u8]) {
    // SAFETY: a valid buffer and length for the duration of the call; fd 1 may be closed,
    // which write reports as an error that we ignore.
    let _ = unsafe { libc::write(1, b.as_ptr().cast(), b.len()) };
}

#[cfg(not(unix))]
fn write_stdout_raw(b: &[u8]) {
    let _ = io::stdout().write_all(b);
}

/// Resolve, and split the groups into the ones to read and the missing ones (warned
/// about). With `keep_missing` (follow mode) missing groups are kept, flagged in the
/// second vector, to be read when they appear.
pub(crate) async fn resolve_readable(
    aws: &Aws,
    target: Option<&(String, String)>,
    select: &Selection,
    keep_missing: bool,
) -> Result<(Resolution, Vec<LogGroup>, Vec<bool>)> {
    let res = resolve::resolve(aws, target, select).await?;
    // Only --log-group groups, and none exists: say so plainly, with close names (not a
    // warning per group plus a hint about stage logging). Follow mode waits for them.
    if target.is_none() && !keep_missing && !res.groups.is_empty() {
        let missing: Vec<&LogGroup> = res
            .groups
            .iter()
            .filter(|g| g.exists == Some(false))
            .collect();
        if missing.len() == res.groups.len() {
            let names: Vec<&str> = missing.iter().map(|g| g.name.as_str()).collect();
            let mut similar = Vec::new();
            for g in &missing {
                similar.extend(resolve::similar_groups(aws, &g.region, &g.name).await);
            }
            let hint = if similar.is_empty() {
                format!(
                    "log group names are case-sensitive; check --region (this is {}); \
                     `apitrace groups --api-id ID --stage STAGE` lists the groups behind a stage",
                    res.region
                )
            } else {
                format!("similar names: {}", similar.join(", "))
            };
            let what = match names.as_slice() {
                [one] => format!("log group {one} does not exist in {}", res.region),
                _ => format!(
                    "none of the log groups {} exists in {}",
                    names.join(", "),
                    res.region
                ),
            };
            return Err(Hinted::new(what, hint).into());
        }
    }
    let mut readable = Vec::new();
    let mut absent = Vec::new();
    for g in &res.groups {
        match g.exists {
            Some(false) if keep_missing => {
                readable.push(g.clone());
                absent.push(true);
            }
            Some(false) => warn(format!(
                "log group {} does not exist ({}); {}",
                g.name,
                g.reasons
                    .first()
                    .map(String::as_str)
                    .unwrap_or(g.source.as_str()),
                resolve::missing_hint(g)
            )),
            _ => {
                readable.push(g.clone());
                absent.push(false);
            }
        }
    }
    if readable.is_empty() {
        let what = if res.groups.is_empty() {
            "no log groups were found".to_string()
        } else {
            format!("none of the {} log groups found exists", res.groups.len())
        };
        return Err(Hinted::new(
            format!("{what} for {}", resolve::describe(&res)),
            "enable execution or access logging on the stage, invoke the functions, or check --only/--function; \
             `apitrace groups` shows what was resolved and why",
        )
        .into());
    }
    Ok((res, readable, absent))
}

async fn get(args: cli::GetArgs, env: Env) -> Result<u8> {
    let cfg = GetConfig::new(&args, &env)?;
    if cfg.request_id.is_some() {
        return trace(cfg, &args.aws, false).await;
    }
    let mut cfg = cfg;
    let aws = connect(&args.aws, &mut cfg).await?;
    since_deploy(&aws, &mut cfg).await?;
    let (_res, groups, absent) =
        resolve_readable(&aws, cfg.target.as_ref(), &cfg.select, cfg.watch.is_some()).await?;
    if let Some(w) = cfg.watch {
        follows_no_infrequent_access(&groups, if w.live { "--live" } else { "--watch" })?;
    }

    let stats = Arc::new(Stats::default());
    let outcome = Arc::new(Outcome::default());
    let present: Vec<usize> = (0..groups.len()).filter(|&i| !absent[i]).collect();
    let mut spec = cfg.fetch_spec();
    spec.engine = engine(&aws, &cfg, &groups, cfg.filter_pattern.as_deref(), false).await;
    let receivers = fetch::open(
        &aws,
        &groups,
        &present,
        &spec,
        stats.clone(),
        outcome.clone(),
    );
    let progress = crate::progress::Progress::start(
        stats.clone(),
        present.len(),
        cfg.watch.is_none()
            && crate::progress::wanted(
                env.stdout_is_tty,
                env.stderr_is_tty,
                env.ci,
                error::quiet(),
            ),
    );
    if cfg.output.color && cfg.output.terminal {
        COLOUR_ON_TERMINAL.store(true, Ordering::SeqCst);
    }
    let out_cfg = cfg.output.clone();
    let total_groups = groups.len();
    let insights_stats = spec.insights.clone();
    let watch = cfg.watch;
    let window_end = cfg.window.end_ms;
    let printed = tokio::task::spawn_blocking(move || -> io::Result<u64> {
        let stdout = io::stdout();
        let mut printer = Printer::new(
            BufWriter::with_capacity(64 * 1024, stdout.lock()),
            out_cfg,
            &groups,
        );
        let mut merger = Merger::new(receivers);
        let mut n = 0u64;
        let mut flush_err = None;
        // In follow mode, the ids of the window's last seconds, which the first poll sees again.
        let from = window_end - crate::watch::OVERLAP_MS;
        let mut recent = Vec::new();
        while let Some(ev) = merger.next_event(&mut || {
            if flush_err.is_none() {
                flush_err = printer.flush().err();
                UNFLUSHED.store(flush_err.is_some(), Ordering::Release);
            }
        }) {
            if let Some(e) = flush_err.take() {
                return Err(e);
            }
            UNFLUSHED.store(true, Ordering::Relaxed);
            printer.print(&ev)?;
            if STOPPING.load(Ordering::Relaxed) {
                printer.flush()?;
                UNFLUSHED.store(false, Ordering::Release);
                return Ok(n);
            }
            if watch.is_some() && ev.timestamp >= from {
                recent.push((ev.group, ev.event_id.to_string(), ev.timestamp));
            }
            n += 1;
        }
        drop(merger);
        let Some(w) = watch else {
            printer.finish()?;
            return Ok(n);
        };
        printer.flush()?;
        let seen = crate::watch::collect_seen(groups.len(), &recent, from);
        let resume = crate::watch::Resume { from, seen };
        let mut rx = crate::watch::start(&aws, &groups, &absent, &spec, w, resume, stats);
        let mut order = crate::watch::Orderer::new(groups.len(), w.lag_ms);
        while let Some(msg) = rx.blocking_recv() {
            UNFLUSHED.store(true, Ordering::Relaxed);
            for ev in order.take(msg) {
                printer.print(&ev)?;
                n += 1;
                if STOPPING.load(Ordering::Relaxed) {
                    break;
                }
            }
            printer.flush()?;
            UNFLUSHED.store(false, Ordering::Release);
            if STOPPING.load(Ordering::Relaxed) {
                return Ok(n);
            }
            // Follow mode may have nothing to write for a long time: notice `| head`
            // having had enough at the next watermark, not at the next event.
            if crate::output::stdout_gone() {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
        }
        printer.finish()?;
        Ok(n)
    })
    .await
    .context("the output thread failed")?;
    drop(progress);
    if let Some(r) = crate::insights::report(&insights_stats) {
        error::note(r);
    }
    COLOUR_ON_TERMINAL.store(false, Ordering::SeqCst);
    match printed {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(error::EXIT_OK),
        Err(e) => return Err(anyhow::Error::new(e).context("writing the output")),
    }
    let failed = outcome.failed_groups();
    if !failed.is_empty() {
        let msg = if total_groups == 1 {
            "the log group failed (see the warning above)".to_string()
        } else if failed.len() == total_groups {
            format!("all {total_groups} log groups failed (see the warnings above)")
        } else {
            format!(
                "{} of {total_groups} log groups failed (see the warnings above); the others were printed",
                failed.len()
            )
        };
        crate::progress::clear();
        eprintln!("apitrace: error: {msg}");
        return Ok(error::EXIT_FAILURE);
    }
    Ok(error::EXIT_OK)
}

/// Follow mode reads the window and polls with FilterLogEvents, which refuses the
/// Infrequent Access log class (aws/karpenter-provider-aws#9567); Live Tail is not known
/// to support it either (aws-notes.md §5.6, unverified). One line naming the group and the
/// reason, before anything is read, instead of a group failing on every poll.
fn follows_no_infrequent_access(groups: &[LogGroup], flag: &str) -> Result<()> {
    match groups.iter().find(|g| g.infrequent_access()) {
        None => Ok(()),
        Some(g) => Err(Hinted::new(
            format!(
                "{flag} cannot follow log group {}: it is of class INFREQUENT_ACCESS, which FilterLogEvents (and so follow mode) does not support",
                g.name
            ),
            "read it without --watch/--live (apitrace then uses Logs Insights), or leave it out with --only/--function",
        )
        .into()),
    }
}

/// Settle `--engine` for this command's search (follow mode always pages).
pub(crate) async fn engine(
    aws: &Aws,
    cfg: &GetConfig,
    groups: &[LogGroup],
    filter: Option<&str>,
    trace: bool,
) -> fetch::Engine {
    if cfg.watch.is_some() {
        return fetch::Engine::Filter;
    }
    crate::insights::choose(
        aws,
        cfg.engine,
        cfg.max_scan,
        groups,
        cfg.window,
        filter,
        trace,
    )
    .await
}

/// Connect to AWS, and settle `--api`/`--url` into `cfg.target` (#21).
pub(crate) async fn connect(aws_args: &cli::AwsArgs, cfg: &mut GetConfig) -> Result<Aws> {
    let aws = Aws::connect(aws_args).await?;
    let Some(lookup) = cfg.lookup.take() else {
        return Ok(aws);
    };
    let (aws, api_id, stage, path) = settle(aws, &lookup).await?;
    cfg.target = Some((api_id, stage));
    // A trace follows the URL's request: only the functions behind its route.
    if cfg.request_id.is_some() && cfg.select.route.is_none() {
        cfg.select.route_path = path;
    }
    Ok(aws)
}

/// `--api`/`--url` → the API's id and stage, and the client for the URL's region.
async fn settle(
    aws: Aws,
    lookup: &crate::lookup::Lookup,
) -> Result<(Aws, String, String, Option<String>)> {
    let s = crate::lookup::settle(&aws, lookup).await?;
    let aws = match &s.region {
        Some(r) => aws.in_region(r),
        None => aws,
    };
    error::note(format!(
        "API {} stage {} in {}{}",
        s.api_id,
        s.stage,
        aws.region,
        s.path
            .as_deref()
            .map(|p| format!(", path {p}"))
            .unwrap_or_default()
    ));
    Ok((aws, s.api_id, s.stage, s.path))
}

/// `--since-deploy`: start the window at the stage's current deployment, and say which.
async fn since_deploy(aws: &Aws, cfg: &mut GetConfig) -> Result<()> {
    let (true, Some((api, stage))) = (cfg.since_deploy, cfg.target.as_ref()) else {
        return Ok(());
    };
    let d = crate::deploy::current(aws, api, stage).await?;
    cfg.window.start_ms = d.created_ms - crate::deploy::MARGIN_MS;
    error::note(format!(
        "since deployment {} of stage {stage}, made {} (the window starts a minute earlier)",
        d.id.as_deref().unwrap_or("?"),
        crate::time::format_ms(d.created_ms)
    ));
    if cfg.window.start_ms > cfg.window.end_ms {
        return Err(Hinted::usage(
            format!(
                "the deployment ({}) is after --end",
                crate::time::format_ms(d.created_ms)
            ),
            "leave out --end, or use --start",
        )
        .into());
    }
    Ok(())
}

/// `trace` (with its summary) and `get --request-id` (the lines only).
async fn trace(mut cfg: GetConfig, aws_args: &cli::AwsArgs, summary: bool) -> Result<u8> {
    let id = cfg.request_id.clone().unwrap_or_default();
    let aws = connect(aws_args, &mut cfg).await?;
    since_deploy(&aws, &mut cfg).await?;
    let (res, groups, _) = resolve_readable(&aws, cfg.target.as_ref(), &cfg.select, false).await?;
    let mut spec = cfg.fetch_spec();
    spec.engine = engine(&aws, &cfg, &groups, None, true).await;
    let t = crate::trace::trace(&aws, &groups, &id, cfg.window, &spec).await?;
    if let Some(r) = crate::insights::report(&spec.insights) {
        error::note(r);
    }
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = (|| -> io::Result<()> {
        if summary && cfg.output.format == OutputFormat::Json {
            let j = trace_json_value(&t, &res.api_id, &res.stage, &groups, &cfg)?;
            serde_json::to_writer_pretty(&mut out, &j).map_err(io::Error::from)?;
            writeln!(out)?;
            for n in &t.notes {
                error::note(n);
            }
            return out.flush();
        }
        if summary {
            use owo_colors::OwoColorize;
            for (k, v) in crate::trace::summary_lines(&t, &res.api_id, &res.stage) {
                let v = if cfg.output.terminal {
                    crate::output::sanitize_field(&v).into_owned()
                } else {
                    v
                };
                let bad = v.contains("-> 5") || v.contains(" error:") || v.contains(" timeout:");
                if cfg.output.color && bad {
                    writeln!(out, "{:>10}  {}", k.bold(), v.red().bold())?;
                } else if cfg.output.color {
                    writeln!(out, "{:>10}  {}", k.bold(), v)?;
                } else {
                    writeln!(out, "{k:>10}  {v}")?;
                }
            }
            if cfg.links {
                write_trace_links(&mut out, &trace_links(&t, &groups, &cfg))?;
            }
            writeln!(out)?;
        }
        let mut printer = Printer::new(&mut out, cfg.output.clone(), &groups);
        for e in &t.events {
            printer.print(e)?;
        }
        drop(printer);
        out.flush()
    })();
    finish_write(written)
}

/// `apitrace errors`: find the failing requests, trace each, print them.
async fn errors(args: &cli::ErrorsArgs, mut cfg: GetConfig, env: &Env) -> Result<u8> {
    use crate::failures::{self, Finder};
    if args.output == cli::ErrorsFormat::Github {
        error::set_workflow_commands(true);
    }
    let aws = connect(&args.aws, &mut cfg).await?;
    since_deploy(&aws, &mut cfg).await?;
    let (res, groups, _) = resolve_readable(&aws, cfg.target.as_ref(), &cfg.select, false).await?;
    // The execution log decides; the access log only where there is none (HTTP APIs).
    let exec: Vec<usize> = (0..groups.len())
        .filter(|&i| groups[i].source == Source::Execution)
        .collect();
    let (which, pattern) = if exec.is_empty() {
        let access: Vec<usize> = (0..groups.len())
            .filter(|&i| groups[i].source == Source::Access)
            .collect();
        (access, None)
    } else {
        (exec, Some(failures::EXEC_PATTERN.to_string()))
    };
    if which.is_empty() {
        return Err(Hinted::new(
            format!(
                "{} has neither an execution log nor an access log to find failures in",
                resolve::describe(&res)
            ),
            "enable execution logging (REST) or access logging on the stage",
        )
        .into());
    }
    let mut spec = cfg.fetch_spec();
    spec.filter_pattern = pattern;
    let searched: Vec<LogGroup> = which.iter().map(|&i| groups[i].clone()).collect();
    spec.engine = engine(&aws, &cfg, &searched, spec.filter_pattern.as_deref(), false).await;
    // Streamed through the finder, which decides each request as its status line
    // arrives: memory does not grow with the traffic of the window.
    let linking = Arc::new(crate::link::Linking::default());
    let shown_progress = {
        let l = linking.clone();
        crate::progress::Progress::start_with(
            linking.stats.clone(),
            groups.len(),
            crate::progress::wanted(env.stdout_is_tty, env.stderr_is_tty, env.ci, error::quiet()),
            Arc::new(move || l.progress()),
        )
    };
    // Progress counts the calls of both passes, and the failures found and linked.
    let outcome = Arc::new(Outcome::default());
    let stats = linking.stats.clone();
    let mut receivers = fetch::open(&aws, &groups, &which, &spec, stats.clone(), outcome.clone());
    if pattern_used(&spec) {
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
                &aws,
                &groups,
                &access,
                &aspec,
                stats,
                outcome.clone(),
            ));
        }
    }
    // #22: grouping may need every failure (up to gate::GROUP_MAX), not only --limit.
    let (include_4xx, limit) = (args.include_4xx, crate::gate::keep_for(args));
    let scan_groups = groups.clone();
    let counter = linking.clone();
    let (found, total, unreadable) = tokio::task::spawn_blocking(move || {
        let mut finder = Finder::new(include_4xx, limit);
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
    let failed = outcome.failed_groups();
    if crate::gate::grouping(args, total) {
        let (api_id, stage) = (res.api_id.as_str(), res.stage.as_str());
        let ctx = crate::gate::ErrorsCtx {
            aws: &aws,
            groups: &groups,
            cfg: &cfg,
            api_id,
            stage,
            args,
        };
        return crate::gate::errors_grouped(
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
    let shown: Vec<&crate::failures::Failure> = found.iter().take(args.limit).collect();
    let mut tspec = cfg.fetch_spec();
    // One Logs Insights report for the whole command (bytes scanned, #15).
    tspec.insights = spec.insights.clone();
    // Printed as each trace is linked (text and github), in the failures' order.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let link = crate::link::link_all(
        &aws,
        &groups,
        &found[..shown.len()],
        cfg.window.end_ms,
        &tspec,
        &linking,
        tx,
    );
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let github = args.output == cli::ErrorsFormat::Github;
    let print_one = |out: &mut BufWriter<io::StdoutLock<'_>>,
                     f: &crate::failures::Failure,
                     t: Option<&crate::trace::Trace>|
     -> io::Result<()> {
        let mut stop = String::new();
        let title = failure_title(f, t);
        let detail = t.map(failure_detail).unwrap_or_default();
        // The request in the CloudWatch console (#21): a Logs Insights query for its ids.
        let insights = t
            .filter(|_| cfg.links)
            .map(|t| {
                trace_links(t, &groups, &cfg)["insights"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .filter(|u| !u.is_empty());
        if github {
            let link = insights
                .as_deref()
                .map(|u| format!("\nLogs Insights: {u}"))
                .unwrap_or_default();
            writeln!(
                out,
                "::error title={}::{}",
                failures::gh_escape_property(&title),
                failures::gh_escape_data(&format!(
                    "request {} at {}{detail}{link}",
                    f.request_id,
                    crate::time::format_ms(f.timestamp)
                ))
            )?;
            writeln!(out, "::group::{}", failures::gh_escape_data(&title))?;
            // The lines come from the logs: the runner must not execute a
            // `::command::` hidden in them (after a newline, or at column 0).
            let lines = t
                .iter()
                .flat_map(|t| t.events.iter().flat_map(|e| [&*e.message, &*e.stream]));
            stop = failures::gh_stop_token(lines);
            writeln!(out, "::stop-commands::{stop}")?;
        } else {
            use owo_colors::OwoColorize;
            let head = format!(
                "== {title} request {} at {}{detail}",
                f.request_id,
                crate::time::format_ms(f.timestamp)
            );
            // Method, path, ids and function names come from the logs.
            let head = if cfg.output.terminal {
                crate::output::sanitize_field(&head).into_owned()
            } else {
                head
            };
            if cfg.output.color {
                writeln!(out, "{}", head.red().bold())?;
            } else {
                writeln!(out, "{head}")?;
            }
            if let Some(u) = &insights {
                writeln!(out, "   insights  {u}")?;
            }
        }
        if let Some(t) = t {
            let mut printer = Printer::new(&mut *out, cfg.output.clone(), &groups);
            for e in &t.events {
                printer.print(e)?;
            }
        }
        if github {
            writeln!(out, "::{stop}::")?;
            writeln!(out, "::endgroup::")?;
        }
        out.flush()
    };
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
                    crate::progress::clear();
                    print_one(&mut out, shown[i], t.as_ref())
                }
            };
        }
    };
    tokio::join!(link, printing);
    drop(shown_progress);
    let mut failed = failed;
    failed.extend(linking.outcome.failed_groups());
    if let Some(r) = crate::insights::report(&spec.insights) {
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
            crate::time::format_ms(cfg.window.start_ms),
            crate::time::format_ms(cfg.window.end_ms)
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

/// Whether `errors` searched the execution log (so the access log is read besides).
pub(crate) fn pattern_used(spec: &fetch::FetchSpec) -> bool {
    spec.filter_pattern.is_some()
}

fn failure_title(f: &crate::failures::Failure, t: Option<&crate::trace::Trace>) -> String {
    let status = f.status.map_or("failed".to_string(), |s| s.to_string());
    match t {
        Some(t) => format!(
            "{status} {} {}",
            t.facts.method.as_deref().unwrap_or("?"),
            t.facts.path.as_deref().unwrap_or("?")
        ),
        None => status,
    }
}

fn failure_detail(t: &crate::trace::Trace) -> String {
    let mut s = String::new();
    for l in &t.lambdas {
        s.push_str(&format!(
            "; lambda {} {} {}",
            l.function.as_deref().unwrap_or(&l.log_group),
            l.request_id,
            l.status
        ));
    }
    if let Some(a) = &t.authorizer {
        s.push_str(&format!(
            "; authorizer {} {}",
            a.function.as_deref().unwrap_or("?"),
            a.status
        ));
    }
    if let Some(r) = &t.facts.rejected {
        s.push_str(&format!("; {r}"));
    }
    if t.facts.lambda_throttled {
        s.push_str("; Lambda throttled (429)");
    }
    s
}

/// One trace as the JSON object of `trace -o json`.
pub(crate) fn trace_json_value(
    t: &crate::trace::Trace,
    api_id: &str,
    stage: &str,
    groups: &[LogGroup],
    cfg: &GetConfig,
) -> io::Result<serde_json::Value> {
    let mut events = Vec::with_capacity(t.events.len());
    for e in &t.events {
        let mut line = Vec::new();
        let mut p = Printer::new(&mut line, cfg.output.clone(), groups);
        p.print(e)?;
        drop(p);
        events.push(serde_json::from_slice(&line).map_err(io::Error::other)?);
    }
    let j = crate::trace::TraceJson {
        request_id: t.facts.request_id.as_deref(),
        extended_request_id: t.facts.extended_request_id.as_deref(),
        api_id,
        stage,
        method: t.facts.method.as_deref(),
        path: t.facts.path.as_deref(),
        status: t.facts.status,
        latency_ms: t.facts.latency_ms,
        integration_latency_ms: t.facts.integration_latency_ms,
        xray_trace_id: t.facts.xray_trace_id.as_deref(),
        route: t.facts.route.as_deref(),
        error_type: t.facts.error_type.as_deref(),
        reason: t.facts.rejected.as_deref(),
        lambda_throttled: t.facts.lambda_throttled,
        lambdas: t.lambdas.iter().map(Into::into).collect(),
        authorizer: crate::trace::authorizer_json(t),
        notes: &t.notes,
        events,
    };
    let mut v = serde_json::to_value(&j).map_err(io::Error::other)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("links".into(), trace_links(t, groups, cfg));
    }
    Ok(v)
}

/// Console links of a trace (#21): a Logs Insights query for its ids over its groups and
/// time, each group, each Lambda invocation's stream, and the X-Ray trace.
pub(crate) fn trace_links(
    t: &crate::trace::Trace,
    groups: &[LogGroup],
    cfg: &GetConfig,
) -> serde_json::Value {
    use crate::links;
    let region = groups
        .first()
        .map(|g| g.region.as_str())
        .unwrap_or_default();
    let mut ids: Vec<&str> = Vec::new();
    for id in [&t.facts.request_id, &t.facts.extended_request_id]
        .into_iter()
        .flatten()
    {
        ids.push(id);
    }
    for l in t.lambdas.iter().chain(t.authorizer.as_ref()) {
        ids.push(&l.request_id);
    }
    if ids.is_empty() {
        ids.extend(cfg.request_id.as_deref());
    }
    ids.dedup();
    // The request's own minutes when its lines were found, else the searched window.
    let (start, end) = match (t.events.first(), t.events.last()) {
        (Some(a), Some(b)) => (a.timestamp - 60_000, b.timestamp + 60_000),
        _ => (cfg.window.start_ms, cfg.window.end_ms),
    };
    let same_region: Vec<&str> = groups
        .iter()
        .filter(|g| g.region == region)
        .map(|g| g.name.as_str())
        .collect();
    let streams: Vec<serde_json::Value> = t
        .lambdas
        .iter()
        .chain(t.authorizer.as_ref())
        .filter_map(|l| {
            let e = t.events.iter().find(|e| {
                groups.get(e.group).is_some_and(|g| g.name == l.log_group)
                    && e.message.contains(l.request_id.as_str())
            })?;
            let g = &groups[e.group];
            Some(serde_json::json!({
                "request_id": l.request_id,
                "log_group": g.name,
                "log_stream": &*e.stream,
                "url": links::log_stream(&g.region, &g.name, &e.stream),
            }))
        })
        .collect();
    serde_json::json!({
        "insights": links::insights(region, &same_region, &links::ids_query(&ids), start, end),
        "log_groups": groups.iter().map(|g| serde_json::json!({
            "log_group": g.name,
            "url": links::log_group(&g.region, &g.name),
        })).collect::<Vec<_>>(),
        "streams": streams,
        "xray": t.facts.xray_trace_id.as_deref().map(|x| links::xray(region, x)),
    })
}

/// The links of [`trace_links`] as text lines after the summary.
fn write_trace_links(out: &mut impl Write, links: &serde_json::Value) -> io::Result<()> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    writeln!(out, "{:>10}  {}", "insights", s(&links["insights"]))?;
    if !links["xray"].is_null() {
        writeln!(out, "{:>10}  {}", "x-ray", s(&links["xray"]))?;
    }
    for l in links["streams"].as_array().into_iter().flatten() {
        writeln!(out, "{:>10}  {}", "stream", s(&l["url"]))?;
    }
    for l in links["log_groups"].as_array().into_iter().flatten() {
        writeln!(out, "{:>10}  {}", "group", s(&l["url"]))?;
    }
    Ok(())
}

/// `apitrace summary`: stream every group of the window through the summary.
async fn summary(args: &cli::SummaryArgs, mut cfg: GetConfig) -> Result<u8> {
    let aws = connect(&args.aws, &mut cfg).await?;
    since_deploy(&aws, &mut cfg).await?;
    let (res, groups, _) = resolve_readable(&aws, cfg.target.as_ref(), &cfg.select, false).await?;
    let shared = crate::sharing::other_callers(&aws, &res.api_id, &res.stage, &groups).await;
    let outcome = Arc::new(Outcome::default());
    let all: Vec<usize> = (0..groups.len()).collect();
    let mut spec = cfg.fetch_spec();
    spec.engine = engine(&aws, &cfg, &groups, None, false).await;
    let receivers = fetch::open(
        &aws,
        &groups,
        &all,
        &spec,
        Arc::new(Stats::default()),
        outcome.clone(),
    );
    let report = tokio::task::spawn_blocking(move || {
        let mut s = crate::summary::Summary::new(&groups)
            .with_routes(res.routes)
            .with_shared(shared);
        for e in Merger::new(receivers) {
            s.observe(&e);
        }
        if let Some(w) = s.unreadable.warning() {
            warn(w);
        }
        s.finish()
    })
    .await
    .context("the summary thread failed")?;
    let terminal = io::stdout().is_terminal();
    if let Some(r) = crate::insights::report(&spec.insights) {
        error::note(r);
    }
    for n in crate::summary::shared_notes(&report) {
        error::note(n);
    }
    let mut out = io::stdout().lock();
    let written = match args.output {
        OutputFormat::Json => serde_json::to_writer_pretty(&mut out, &report)
            .map_err(io::Error::from)
            .and_then(|_| writeln!(out)),
        OutputFormat::Text => (|| {
            for (i, (header, rows)) in crate::summary::render_text(&report).into_iter().enumerate()
            {
                if i > 0 {
                    writeln!(out)?;
                }
                write_table(&mut out, &header, &rows, terminal)?;
            }
            Ok(())
        })(),
    };
    let code = finish_write(written)?;
    let failed = outcome.failed_groups();
    if !failed.is_empty() {
        eprintln!(
            "apitrace: error: {} log groups failed (see the warnings above); the summary is partial",
            failed.len()
        );
        return Ok(error::EXIT_FAILURE);
    }
    Ok(code)
}

#[derive(Serialize)]
struct GroupRow<'a> {
    log_group: &'a str,
    source: &'a str,
    function: Option<&'a str>,
    exists: Option<bool>,
    /// DescribeLogGroups' `logGroupClass`, when checked.
    class: Option<&'a str>,
    /// A function's log: the callers other than this stage its resource policy allows
    /// (`[]`: none; `null`: not a function's log, or the policy could not be read).
    shared_with: Option<Vec<String>>,
    reasons: &'a [String],
    /// The group in the CloudWatch console (#21).
    console_url: String,
}

async fn groups(args: cli::GroupsArgs) -> Result<u8> {
    crate::config::check_names(&args.api, &args.select)?;
    let aws = Aws::connect(&args.aws).await?;
    let (aws, target) = match args.api.lookup() {
        Some(l) => {
            let (aws, id, stage, _) = settle(aws, &l).await?;
            (aws, Some((id, stage)))
        }
        None => (aws, args.api.target()),
    };
    let select = Selection::new(&args.select);
    let res = resolve::resolve(&aws, target.as_ref(), &select).await?;
    let shared = crate::sharing::other_callers(&aws, &res.api_id, &res.stage, &res.groups).await;
    let rows: Vec<GroupRow> = res
        .groups
        .iter()
        .map(|g| GroupRow {
            log_group: &g.name,
            source: g.source.as_str(),
            function: g.function.as_deref(),
            exists: g.exists,
            class: g.class.as_deref(),
            shared_with: g
                .function
                .as_ref()
                .and_then(|f| shared.get(f).cloned().flatten()),
            reasons: &g.reasons,
            console_url: crate::links::log_group(&g.region, &g.name),
        })
        .collect();
    let mut out = io::stdout().lock();
    let written = match args.output {
        OutputFormat::Json => serde_json::to_writer_pretty(&mut out, &rows)
            .map_err(io::Error::from)
            .and_then(|_| writeln!(out)),
        OutputFormat::Text => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.log_group.to_string(),
                        r.source.to_string(),
                        r.function.unwrap_or("-").to_string(),
                        match r.exists {
                            Some(true) => "yes",
                            Some(false) => "no",
                            None => "?",
                        }
                        .to_string(),
                        group_class(r.class),
                        match &r.shared_with {
                            None if r.function.is_some() => "?".to_string(),
                            None => "-".to_string(),
                            Some(s) if !s.is_empty() => format!("yes: {}", s.join(", ")),
                            Some(_) => "no".to_string(),
                        },
                        r.reasons.join("; "),
                    ]
                })
                .collect();
            write_table(
                &mut out,
                &[
                    "LOG GROUP",
                    "SOURCE",
                    "FUNCTION",
                    "EXISTS",
                    "CLASS",
                    "SHARED",
                    "WHY",
                ],
                &table,
                io::stdout().is_terminal(),
            )
            .and_then(|_| {
                // The console link of each group, in the table's order (#21).
                if args.no_links || rows.is_empty() {
                    return Ok(());
                }
                writeln!(out)?;
                rows.iter()
                    .try_for_each(|r| writeln!(out, "{}", r.console_url))
            })
        }
    };
    finish_write(written)
}

/// The text of `apitrace query`: the argument, or `--query-file` (`-`: standard input).
fn query_text(args: &cli::QueryArgs) -> Result<String> {
    let text = match (&args.query, &args.query_file) {
        // `@NAME`: a query saved in the config file as `query.NAME = "…"`.
        (Some(q), _) if q.starts_with('@') => {
            crate::userconfig::saved_query(&q[1..]).map_err(|names| {
                let hint = if names.is_empty() {
                    "save one in the config file as query.NAME = \"…\" (see `apitrace man`, FILES)"
                        .to_string()
                } else {
                    format!("the saved queries are @{}", names.join(", @"))
                };
                Hinted::usage(format!("there is no saved query '{q}'"), hint)
            })?
        }
        (Some(q), _) => q.clone(),
        (None, Some(p)) if p.as_os_str() == "-" => {
            let mut s = String::new();
            io::Read::read_to_string(&mut io::stdin(), &mut s)
                .context("reading the query from standard input")?;
            s
        }
        (None, Some(p)) => std::fs::read_to_string(p).map_err(|e| {
            Hinted::usage(
                format!("cannot read the query file {}: {e}", p.display()),
                "give a readable text file, or the query itself as an argument",
            )
        })?,
        (None, None) => String::new(),
    };
    if text.trim().is_empty() {
        return Err(Hinted::usage(
            "the query is empty",
            "give a Logs Insights query, e.g. apitrace query 'fields @timestamp, @message | limit 20' --api NAME",
        )
        .into());
    }
    Ok(text)
}

/// `apitrace query` (#21): the user's Logs Insights query over the resolved groups.
async fn query(args: &cli::QueryArgs, mut cfg: GetConfig) -> Result<u8> {
    let text = query_text(args)?;
    let aws = connect(&args.aws, &mut cfg).await?;
    since_deploy(&aws, &mut cfg).await?;
    let (_res, groups, _) = resolve_readable(&aws, cfg.target.as_ref(), &cfg.select, false).await?;
    let batches = groups.len().div_ceil(crate::insights::MAX_GROUPS);
    if batches > 1 {
        error::note(format!(
            "{} groups: the query runs {batches} times, over at most {} groups each; sort, limit and stats apply to each run",
            groups.len(),
            crate::insights::MAX_GROUPS
        ));
    }
    let stats = Arc::new(crate::insights::InsightsStats::default());
    let (rows, failed) =
        crate::insights::user_query(&aws, &groups, &text, cfg.window, &stats).await;
    if let Some(r) = crate::insights::report(&stats) {
        error::note(r);
    }
    if !failed.is_empty() && rows.is_empty() && failed.len() == batches {
        return Err(Hinted::new(
            format!("the query failed: {}", failed[0].1),
            "check the query's syntax in the CloudWatch console, or narrow the window",
        )
        .into());
    }
    let mut columns: Vec<&str> = Vec::new();
    for r in &rows {
        for (k, _) in r {
            if !columns.contains(&k.as_str()) {
                columns.push(k);
            }
        }
    }
    let cell = |r: &crate::insights::Row, c: &str| {
        r.iter()
            .find(|(k, _)| k == c)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let terminal = io::stdout().is_terminal();
    let mut out = BufWriter::new(io::stdout().lock());
    let written = (|| -> io::Result<()> {
        match args.output {
            OutputFormat::Json => {
                for r in &rows {
                    let o: serde_json::Map<String, serde_json::Value> = r
                        .iter()
                        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                        .collect();
                    serde_json::to_writer(&mut out, &o).map_err(io::Error::from)?;
                    writeln!(out)?;
                }
            }
            OutputFormat::Text if terminal => {
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        columns
                            .iter()
                            .map(|c| cell(r, c).replace('\n', " "))
                            .collect()
                    })
                    .collect();
                write_table(&mut out, &columns, &table, true)?;
            }
            OutputFormat::Text => {
                // TSV: tabs, newlines and backslashes escaped, so a row is one line.
                let esc = |v: String| {
                    v.replace('\\', "\\\\")
                        .replace('\t', "\\t")
                        .replace('\n', "\\n")
                        .replace('\r', "\\r")
                };
                writeln!(out, "{}", columns.join("\t"))?;
                for r in &rows {
                    let line: Vec<String> = columns.iter().map(|c| esc(cell(r, c))).collect();
                    writeln!(out, "{}", line.join("\t"))?;
                }
            }
        }
        out.flush()
    })();
    if rows.is_empty() {
        error::note("the query returned no rows");
    }
    let code = finish_write(written)?;
    Ok(if failed.is_empty() {
        code
    } else {
        error::EXIT_FAILURE.max(code)
    })
}

/// The CLASS column of `groups`: the log class, with how an Infrequent Access group is read.
fn group_class(class: Option<&str>) -> String {
    match class {
        None => "-".into(),
        Some(crate::model::INFREQUENT_ACCESS) => {
            "INFREQUENT_ACCESS (read with Logs Insights)".into()
        }
        Some(c) => c.to_string(),
    }
}

/// A broken pipe is success; other write errors are errors.
pub(crate) fn finish_write(r: io::Result<()>) -> Result<u8> {
    match r {
        Ok(()) => Ok(error::EXIT_OK),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(error::EXIT_OK),
        Err(e) => Err(anyhow::Error::new(e).context("writing the output")),
    }
}

/// Left-aligned columns separated by two spaces; the last column is not padded. On a
/// terminal every cell (names from AWS and routes from the logs) is neutralised.
pub(crate) fn write_table(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<String>],
    terminal: bool,
) -> io::Result<()> {
    let safe: Vec<Vec<String>>;
    let rows = if terminal {
        safe = rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| crate::output::sanitize_field(c).into_owned())
                    .collect()
            })
            .collect();
        &safe
    } else {
        rows
    };
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut line = |cells: Vec<&str>| -> io::Result<()> {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(header.to_vec())?;
    for r in rows {
        line(r.iter().map(String::as_str).collect())?;
    }
    Ok(())
}

#[derive(Serialize)]
struct ApiRow {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    stages: Vec<String>,
}

/// Stage names, those that have one.
fn names<'a>(it: impl Iterator<Item = Option<&'a str>>) -> Vec<String> {
    it.flatten().map(String::from).collect()
}

async fn apis(args: cli::ApisArgs) -> Result<u8> {
    let aws = Aws::connect(&args.aws).await?;
    let mut rows = Vec::new();
    for a in crate::lookup::list_apis(&aws).await? {
        let listed = if a.kind == "REST" {
            aws.apigateway()
                .get_stages()
                .rest_api_id(&a.id)
                .send()
                .await
                .map(|s| names(s.item().iter().map(|s| s.stage_name())))
                .map_err(|e| classify(&e).text())
        } else {
            aws.apigatewayv2()
                .get_stages()
                .api_id(&a.id)
                .send()
                .await
                .map(|s| names(s.items().iter().map(|s| s.stage_name())))
                .map_err(|e| classify(&e).text())
        };
        let stages = listed.unwrap_or_else(|why| {
            warn(format!("cannot list the stages of {}: {why}", a.id));
            Vec::new()
        });
        rows.push(ApiRow {
            id: a.id,
            name: a.name,
            kind: a.kind,
            stages,
        });
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let mut out = io::stdout().lock();
    let written = match args.output {
        OutputFormat::Json => serde_json::to_writer_pretty(&mut out, &rows)
            .map_err(io::Error::from)
            .and_then(|_| writeln!(out)),
        OutputFormat::Text => {
            if rows.is_empty() {
                drop(out);
                error::note(format!("no APIs in region {}", aws.region));
                return Ok(error::EXIT_OK);
            }
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.id.clone(),
                        r.kind.clone(),
                        r.name.clone(),
                        r.stages.join(", "),
                    ]
                })
                .collect();
            write_table(
                &mut out,
                &["ID", "TYPE", "NAME", "STAGES"],
                &table,
                io::stdout().is_terminal(),
            )
        }
    };
    finish_write(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align() {
        let mut v = Vec::new();
        write_table(
            &mut v,
            &["ID", "NAME", "X"],
            &[
                vec!["a".into(), "longer".into(), "1".into()],
                vec!["bbb".into(), "n".into(), "".into()],
            ],
            false,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "ID   NAME    X\na    longer  1\nbbb  n\n"
        );
        let rows = [vec!["a\u{1b}[2J".into(), "b\nc".into()]];
        let mut v = Vec::new();
        write_table(&mut v, &["ID", "NAME"], &rows, true).unwrap();
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "ID          NAME\na\\u{1b}[2J  b\\u{a}c\n"
        );
        let mut v = Vec::new();
        write_table(&mut v, &["ID", "NAME"], &rows, false).unwrap();
        assert!(String::from_utf8(v).unwrap().contains("a\u{1b}[2J"));
    }
}
