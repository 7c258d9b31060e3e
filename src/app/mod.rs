//! The commands, each a short pipeline over the stages: `get` (resolve → fetch → merge →
//! print), `groups` (resolve → table) and `apis` (list → table).
//!
//! Layer `app`: may import every layer below it (`render`, `analyze`, `follow`, `fetch`,
//! `merge`, `resolve`, `aws`, `config`, `cli`, `ui`, `core`).

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;

use crate::aws::Aws;
use crate::cli::{self, Cli, Command};
use crate::config::{Env, GetConfig, Selection};
use crate::core::model::LogGroup;
use crate::fetch::{self};
use crate::resolve::{self, Resolution};
use crate::ui::error::{self, Hinted, warn};

mod apis;
mod errors;
mod get;
mod groups;
mod man;
mod query;
mod summary;
mod trace;

/// Set while coloured output may be on the terminal, so Ctrl-C can reset it.
static COLOUR_ON_TERMINAL: AtomicBool = AtomicBool::new(false);
/// Set on SIGINT, SIGTERM or SIGHUP: the output thread stops at its next event.
static STOPPING: AtomicBool = AtomicBool::new(false);
/// True while the output thread holds printed events it has not flushed yet.
static UNFLUSHED: AtomicBool = AtomicBool::new(false);

pub async fn run(cli: Cli, env: Env) -> Result<u8> {
    error::set_quiet(cli.quiet);
    crate::aws::debug::enable(cli.debug || env.rust_log);
    match cli.command {
        Command::Get(args) => get::get(args, env).await,
        Command::Groups(args) => groups::groups(args).await,
        Command::Trace(args) => {
            let cfg = GetConfig::for_trace(&args, &env)?;
            trace::trace(cfg, &args.aws, true).await
        }
        Command::Errors(args) => {
            errors::errors(&args, GetConfig::for_errors(&args, &env)?, &env).await
        }
        Command::Summary(args) => {
            summary::summary(&args, GetConfig::for_summary(&args, &env)?).await
        }
        Command::Completions { shell } => {
            // Generated into memory: clap_complete panics when its writer fails (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cli::command(), "apitrace", &mut script);
            let mut out = io::stdout().lock();
            finish_write(out.write_all(&script).and_then(|_| out.flush()))
        }
        Command::Man { page, dir } => man::man(page.as_deref(), dir.as_deref()),
        Command::Apis(args) => apis::apis(args).await,
        Command::Query(args) => query::query(&args, GetConfig::for_query(&args, &env)?).await,
    }
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
    crate::fetch::insights::stop_all().await;
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
async fn resolve_readable(
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
                similar.extend(resolve::exist::similar_groups(aws, &g.region, &g.name).await);
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
                resolve::exist::missing_hint(g)
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

/// Settle `--engine` for this command's search (follow mode always pages).
async fn engine(
    aws: &Aws,
    cfg: &GetConfig,
    groups: &[LogGroup],
    filter: Option<&str>,
    trace: bool,
) -> fetch::Engine {
    if cfg.watch.is_some() {
        return fetch::Engine::Filter;
    }
    crate::fetch::choose::choose(
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
async fn connect(aws_args: &cli::AwsArgs, cfg: &mut GetConfig) -> Result<Aws> {
    let by_path = cfg.request_id.is_some();
    connect_with(aws_args, cfg, by_path).await
}

/// [`connect`]; `by_path`: a `--url`'s path selects the route(s) (`summary` and `errors`
/// count only their requests, and every command reads only their functions).
async fn connect_with(aws_args: &cli::AwsArgs, cfg: &mut GetConfig, by_path: bool) -> Result<Aws> {
    let aws = Aws::connect(&aws_args.into()).await?;
    let Some(lookup) = cfg.lookup.take() else {
        return Ok(aws);
    };
    let (aws, target, path) = settle(aws, &lookup, &mut cfg.select).await?;
    if target.is_none() && cfg.since_deploy {
        return Err(Hinted::usage(
            "--since-deploy needs an API, and the stack defines none",
            "use --start",
        )
        .into());
    }
    cfg.target = target;
    // A trace follows the URL's request: only the functions behind its route.
    if by_path && cfg.select.route.is_none() {
        cfg.select.route_path = path;
    }
    Ok(aws)
}

/// `--api`/`--url`/`--stack` → the API's id and stage (none: a stack without an API), the
/// client for the URL's region and the URL's path; a stack's resources go into `select`.
async fn settle(
    aws: Aws,
    lookup: &crate::config::Lookup,
    select: &mut crate::config::Selection,
) -> Result<(Aws, Option<(String, String)>, Option<String>)> {
    if let Some(name) = &lookup.stack {
        let (found, resources) = crate::resolve::lookup::settle_stack(&aws, lookup).await?;
        let functions = resources
            .iter()
            .filter(|r| r.kind == crate::resolve::stack::FUNCTION)
            .count();
        error::note(format!(
            "stack {name}: {}, {functions} function{}",
            found
                .as_ref()
                .map(|s| format!("API {} stage {}", s.api_id, s.stage))
                .unwrap_or_else(|| "no API".into()),
            if functions == 1 { "" } else { "s" }
        ));
        select.stack = resources;
        return Ok((aws, found.map(|s| (s.api_id, s.stage)), None));
    }
    let s = crate::resolve::lookup::settle(&aws, lookup).await?;
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
    Ok((aws, Some((s.api_id, s.stage)), s.path))
}

/// `--since-deploy`: start the window at the stage's current deployment, and say which.
async fn since_deploy(aws: &Aws, cfg: &mut GetConfig) -> Result<()> {
    let (true, Some((api, stage))) = (cfg.since_deploy, cfg.target.as_ref()) else {
        return Ok(());
    };
    let d = crate::resolve::deploy::current(aws, api, stage).await?;
    cfg.window.start_ms = d.created_ms - crate::resolve::deploy::MARGIN_MS;
    error::note(format!(
        "since deployment {} of stage {stage}, made {} (the window starts a minute earlier)",
        d.id.as_deref().unwrap_or("?"),
        crate::core::time::format_ms(d.created_ms)
    ));
    if cfg.window.start_ms > cfg.window.end_ms {
        return Err(Hinted::usage(
            format!(
                "the deployment ({}) is after --end",
                crate::core::time::format_ms(d.created_ms)
            ),
            "leave out --end, or use --start",
        )
        .into());
    }
    Ok(())
}

/// A broken pipe is success; other write errors are errors.
fn finish_write(r: io::Result<()>) -> Result<u8> {
    match r {
        Ok(()) => Ok(error::EXIT_OK),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(error::EXIT_OK),
        Err(e) => Err(anyhow::Error::new(e).context("writing the output")),
    }
}
