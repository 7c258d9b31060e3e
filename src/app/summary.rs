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
    let (report, spec) = report(
        &aws,
        &groups,
        (res.routes, only_routes),
        shared,
        &cfg,
        &outcome,
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

/// One window's summary: every group read once, streamed through `analyze::summary`.
/// `routes`: the API's routes, and those `--route` keeps. Shared by `summary` and
/// `compare` (#22); the spec it read with (its Logs Insights usage) comes back too.
pub(super) async fn report(
    aws: &crate::aws::Aws,
    groups: &[crate::core::model::LogGroup],
    (routes, only_routes): (Vec<String>, Option<Vec<String>>),
    shared: crate::resolve::sharing::Shared,
    cfg: &GetConfig,
    outcome: &Arc<Outcome>,
) -> Result<(crate::analyze::summary::Report, FetchSpec)> {
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
    let report = tokio::task::spawn_blocking(move || {
        let mut s = crate::analyze::summary::Summary::new(&groups)
            .with_routes(routes)
            .only_routes(only_routes)
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
    Ok((report, spec))
}
