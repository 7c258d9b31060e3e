//! `apitrace summary`: resolve → stream every group through the summary → print it.

use super::{connect_with, engine, finish_write, resolve_readable, since_deploy};
use crate::cli::{self, OutputFormat};
use crate::config::GetConfig;
use crate::core::model::FetchStats;
use crate::fetch::{self, FetchSpec, Outcome};
use crate::merge::Merger;
use crate::render::table::write_table;
use crate::ui::error::{self, warn};
use anyhow::{Context, Result};
use std::io::{self, IsTerminal, Write};
use std::sync::Arc;

/// `apitrace summary`: stream every group of the window through the summary.
pub async fn summary(args: &cli::SummaryArgs, mut cfg: GetConfig) -> Result<u8> {
    let aws = connect_with(&args.aws, &mut cfg, true).await?;
    since_deploy(&aws, &mut cfg).await?;
    let (res, groups, _) = resolve_readable(&aws, cfg.target.as_ref(), &cfg.select, false).await?;
    let only_routes = crate::resolve::chosen_routes(&res, &cfg.select)?;
    let shared =
        crate::resolve::sharing::other_callers(&aws, &res.api_id, &res.stage, &groups).await;
    let outcome = Arc::new(Outcome::default());
    let (report, spec, _) = report(
        &aws,
        &groups,
        (res.routes, only_routes),
        shared,
        &cfg,
        &outcome,
        None,
    )
    .await?;
    let terminal = io::stdout().is_terminal();
    if let Some(r) = crate::fetch::insights::usage_note(&spec.insights) {
        error::note(r);
    }
    for n in crate::analyze::summary::shared_notes(&report) {
        error::note(n);
    }
    let mut out = io::stdout().lock();
    let written = match args.output {
        OutputFormat::Json => serde_json::to_writer_pretty(&mut out, &report)
            .map_err(io::Error::from)
            .and_then(|_| writeln!(out)),
        OutputFormat::Text => (|| {
            for (i, (header, rows)) in crate::analyze::summary::render_text(&report)
                .into_iter()
                .enumerate()
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

/// What a [`report`] pass also found: the failing requests (those kept, with their lines)
/// and how many failed.
pub(super) type Failing = (Vec<crate::analyze::failures::Failure>, usize);

/// One window's summary: every group read once, streamed through `analyze::summary`.
/// `routes`: the API's routes, and those `--route` keeps. With `finder`, the same pass
/// also finds the failing requests in the execution and access logs (`compare`, #22: one
/// read of the window, not one for the summary and one for the failures). Shared by
/// `summary` and `compare`; the spec it read with (its Logs Insights usage) comes back too.
pub(super) async fn report(
    aws: &crate::aws::Aws,
    groups: &[crate::core::model::LogGroup],
    (routes, only_routes): (Vec<String>, Option<Vec<String>>),
    shared: crate::resolve::sharing::Shared,
    cfg: &GetConfig,
    outcome: &Arc<Outcome>,
    mut finder: Option<crate::analyze::failures::Finder>,
) -> Result<(crate::analyze::summary::Report, FetchSpec, Option<Failing>)> {
    use crate::core::model::Source;
    let all: Vec<usize> = (0..groups.len()).collect();
    let mut spec = FetchSpec::new(cfg);
    spec.engine = engine(aws, cfg, groups, None, false).await;
    let receivers = fetch::open(
        aws,
        groups,
        &all,
        &spec,
        Arc::new(FetchStats::default()),
        outcome.clone(),
    );
    let groups = groups.to_vec();
    // The finder reads what `errors` reads: the execution log, with the access log beside
    // it (its status lines for requests rejected before the integration), or the access
    // log alone.
    let api_log = |s: Source| matches!(s, Source::Execution | Source::Access);
    let (report, failing) = tokio::task::spawn_blocking(move || {
        let mut s = crate::analyze::summary::Summary::new(&groups)
            .with_routes(routes)
            .only_routes(only_routes)
            .with_shared(shared);
        for e in Merger::new(receivers) {
            s.observe(&e);
            if let Some(f) = finder.as_mut()
                && api_log(groups[e.group].source)
            {
                f.observe(&e, &groups);
            }
        }
        // The finder's unreadable lines are the summary's: warned about once.
        if let Some(w) = s.unreadable.warning() {
            warn(w);
        }
        (s.finish(), finder.map(|f| f.finish()))
    })
    .await
    .context("the summary thread failed")?;
    Ok((report, spec, failing))
}
