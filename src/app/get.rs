//! `apitrace get`: resolve → fetch → merge → print, or follow (`--watch`, `--live`).

use super::{
    COLOUR_ON_TERMINAL, STOPPING, UNFLUSHED, connect, engine, resolve_readable, since_deploy,
};
use crate::cli::{self};
use crate::config::{Env, GetConfig};
use crate::core::model::FetchStats;
use crate::core::model::LogGroup;
use crate::fetch::{self, FetchSpec, Outcome};
use crate::merge::Merger;
use crate::render::output::Printer;
use crate::ui::error::{self, Hinted};
use anyhow::{Context, Result};
use std::io::{self, BufWriter};
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub async fn get(args: cli::GetArgs, env: Env) -> Result<u8> {
    let cfg = GetConfig::new(&args, &env)?;
    if cfg.request_id.is_some() {
        return super::trace::trace(cfg, &args.aws, false).await;
    }
    let mut cfg = cfg;
    let aws = connect(&args.aws, &mut cfg).await?;
    since_deploy(&aws, &mut cfg).await?;
    let (_res, groups, absent) =
        resolve_readable(&aws, cfg.target.as_ref(), &cfg.select, cfg.watch.is_some()).await?;
    if let Some(w) = cfg.watch {
        follows_no_infrequent_access(&groups, if w.live { "--live" } else { "--watch" })?;
    }

    let stats = Arc::new(FetchStats::default());
    let outcome = Arc::new(Outcome::default());
    let present: Vec<usize> = (0..groups.len()).filter(|&i| !absent[i]).collect();
    let mut spec = FetchSpec::new(&cfg);
    spec.engine = engine(&aws, &cfg, &groups, cfg.filter_pattern.as_deref(), false).await;
    let receivers = fetch::open(
        &aws,
        &groups,
        &present,
        &spec,
        stats.clone(),
        outcome.clone(),
    );
    let progress = crate::ui::progress::Progress::start(
        stats.clone(),
        present.len(),
        cfg.watch.is_none()
            && crate::ui::progress::wanted(
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
        let from = window_end - crate::follow::watch::OVERLAP_MS;
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
        let seen = crate::follow::watch::collect_seen(groups.len(), &recent, from);
        let resume = crate::follow::watch::Resume { from, seen };
        let mut rx = crate::follow::watch::start(&aws, &groups, &absent, &spec, w, resume, stats);
        let mut order = crate::follow::watch::Orderer::new(groups.len(), w.lag_ms);
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
            if crate::render::output::stdout_gone() {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
        }
        printer.finish()?;
        Ok(n)
    })
    .await
    .context("the output thread failed")?;
    drop(progress);
    if let Some(r) = crate::fetch::insights::usage_note(&insights_stats) {
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
        crate::ui::progress::clear();
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
