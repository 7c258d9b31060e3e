//! #22: `errors --group` (failing requests by cause, `analyze/cause.rs`) and `apitrace
//! compare` (two windows through `summary`, their causes, and the `--fail-on` gate of
//! `analyze/compare.rs`): the pipelines. `compare`'s tables are `render/compare.rs`; the
//! grouped `errors` output and the gate's verdict are still written here (a departure
//! from "app prints nothing": they interleave with the linking as it streams).

use std::collections::HashMap;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::Arc;

use anyhow::Result;

use super::{self as app, finish_write};
use crate::analyze::cause::{Group, Grouper};
use crate::analyze::compare::{self, Breach, EXIT_GATE};
use crate::analyze::failures::{self, Failure};
use crate::analyze::link::{self, Linking};
use crate::analyze::trace::Trace;
use crate::aws::Aws;
use crate::cli::{self, ErrorsFormat};
use crate::config::{Env, GetConfig, Window};
use crate::core::model::LogGroup;
use crate::core::time::format_ms;
use crate::fetch::{FetchSpec, Outcome};
use crate::ui::error::{self, Hinted};

/// The most failing requests linked and grouped in one window (the rest are counted).
pub const GROUP_MAX: usize = 10_000;

/// Whether `errors` groups: `--group`; else, unless `--no-group`, text and github output
/// when more requests failed than `--limit`.
pub fn grouping(args: &cli::ErrorsArgs, total: usize) -> bool {
    args.group || (!args.no_group && args.output != ErrorsFormat::Json && total > args.limit)
}

/// How many failing requests `errors` keeps whole while scanning.
pub fn keep_for(args: &cli::ErrorsArgs) -> usize {
    if args.no_group || (args.output == ErrorsFormat::Json && !args.group) {
        args.limit
    } else {
        args.limit.max(GROUP_MAX)
    }
}

/// Link every failure and group them; each group's example trace (its most recent).
async fn link_and_group(
    aws: &Aws,
    groups: &[LogGroup],
    found: &[Failure],
    window: Window,
    spec: &FetchSpec,
    linking: &Arc<Linking>,
) -> (Vec<(usize, Group)>, HashMap<usize, Trace>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let link = link::link_all(aws, groups, found, window, spec, linking, tx);
    let mut grouper = Grouper::default();
    let mut examples: HashMap<usize, Trace> = HashMap::new();
    let collect = async {
        while let Some((i, t)) = rx.recv().await {
            let (g, newest) = grouper.add(&found[i], t.as_ref(), groups);
            if newest {
                match t {
                    Some(t) => {
                        examples.insert(g, t);
                    }
                    None => {
                        examples.remove(&g);
                    }
                }
            }
        }
    };
    tokio::join!(link, collect);
    (grouper.finish(), examples)
}

/// What `errors --group` needs from the command.
pub struct ErrorsCtx<'a> {
    pub aws: &'a Aws,
    pub groups: &'a [LogGroup],
    pub cfg: &'a GetConfig,
    pub api_id: &'a str,
    pub stage: &'a str,
    pub args: &'a cli::ErrorsArgs,
}

/// `errors --group`: link every failure kept, group them by cause, print one block (one
/// annotation, one JSON object) per cause with its most recent request traced.
pub async fn errors_grouped(
    ctx: ErrorsCtx<'_>,
    found: &[Failure],
    total: usize,
    spec: &FetchSpec,
    linking: &Arc<Linking>,
    progress: crate::ui::progress::Progress,
    mut failed: Vec<(String, String)>,
) -> Result<u8> {
    let ErrorsCtx {
        aws,
        groups,
        cfg,
        api_id,
        stage,
        args,
    } = ctx;
    let mut tspec = FetchSpec::new(cfg);
    tspec.insights = spec.insights.clone();
    let (grouped, examples) = link_and_group(aws, groups, found, cfg.window, &tspec, linking).await;
    drop(progress);
    failed.extend(linking.outcome.failed_groups());
    if let Some(r) = crate::fetch::insights::usage_note(&spec.insights) {
        error::note(r);
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let written = (|| -> io::Result<()> {
        match args.output {
            ErrorsFormat::Json => {
                let mut arr = Vec::new();
                for (i, g) in &grouped {
                    let mut v = serde_json::to_value(g).map_err(io::Error::other)?;
                    let o = v.as_object_mut().expect("an object");
                    o.insert("first_seen".into(), format_ms(g.first_seen_ms).into());
                    o.insert("last_seen".into(), format_ms(g.last_seen_ms).into());
                    let ex = match examples.get(i) {
                        Some(t) => {
                            crate::render::trace::trace_json_value(t, api_id, stage, groups, cfg)?
                        }
                        None => serde_json::Value::Null,
                    };
                    o.insert("example".into(), ex);
                    arr.push(v);
                }
                let j = serde_json::json!({
                    "total": total,
                    "grouped": found.len(),
                    "groups": arr,
                });
                serde_json::to_writer_pretty(&mut out, &j).map_err(io::Error::from)?;
                writeln!(out)?;
            }
            ErrorsFormat::Github | ErrorsFormat::Text => {
                let github = args.output == ErrorsFormat::Github;
                for (n, (i, g)) in grouped.iter().enumerate() {
                    if n > 0 && !github {
                        writeln!(out)?;
                    }
                    let t = examples.get(i);
                    crate::render::errors::write_cause(&mut out, g, t, github, groups, cfg)?;
                }
            }
        }
        out.flush()
    })();
    let code = finish_write(written)?;
    let causes = grouped.len();
    if total == 0 {
        error::note(format!(
            "no failing requests between {} and {}",
            format_ms(cfg.window.start_ms),
            format_ms(cfg.window.end_ms)
        ));
    } else {
        let left = total.saturating_sub(found.len());
        error::note(format!(
            "{total} failing request{} in {causes} cause{}{}",
            if total == 1 { "" } else { "s" },
            if causes == 1 { "" } else { "s" },
            if left > 0 {
                format!(
                    "; the first {} grouped, {left} left out (at most {GROUP_MAX} are linked)",
                    found.len()
                )
            } else {
                String::new()
            }
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

// ------------------------------------------------------------------ compare

/// A window's failure causes and their counts: the failing requests its [`report`] pass
/// found, linked and grouped as `errors --group` does.
///
/// [`report`]: super::summary::report
async fn causes_of(
    aws: &Aws,
    groups: &[LogGroup],
    (found, total): super::summary::Failing,
    spec: &FetchSpec,
    cfg: &GetConfig,
    outcome: &Arc<Outcome>,
) -> Vec<(String, usize)> {
    if total > found.len() {
        error::note(format!(
            "{total} failing requests between {} and {}: the first {} grouped by cause",
            format_ms(cfg.window.start_ms),
            format_ms(cfg.window.end_ms),
            found.len()
        ));
    }
    let linking = Arc::new(Linking::default());
    let mut tspec = FetchSpec::new(cfg);
    tspec.insights = spec.insights.clone();
    let (grouped, _) = link_and_group(aws, groups, &found, cfg.window, &tspec, &linking).await;
    let linked_failed = linking.outcome.failed_groups();
    if let Ok(mut f) = outcome.failed.lock() {
        f.extend(linked_failed);
    }
    grouped
        .into_iter()
        .map(|(_, g)| (g.cause, g.count))
        .collect()
}

fn parse_at(flag: &str, s: &str, now_ms: i64) -> Result<i64> {
    crate::core::time::parse_time(s, now_ms).map_err(|e| {
        Hinted::usage(
            format!("{flag} '{s}': {e}"),
            "see TIME in `apitrace compare --help`",
        )
        .into()
    })
}

/// The baseline: `--baseline-start/--baseline-end`, else as long as the current window,
/// right before it.
pub fn baseline(current: Window, start: Option<i64>, end: Option<i64>) -> Window {
    let end = end.unwrap_or(current.start_ms);
    let start = start.unwrap_or(end - (current.end_ms - current.start_ms));
    Window {
        start_ms: start,
        end_ms: end,
    }
}

/// `apitrace compare`.
pub async fn compare(args: &cli::CompareArgs, env: &Env) -> Result<u8> {
    let rules = args
        .fail_on
        .iter()
        .map(|r| compare::parse_rule(r).map_err(|e| Hinted::usage(e, compare::rule_hint())))
        .collect::<Result<Vec<_>, _>>()?;
    if args.output == ErrorsFormat::Github {
        error::set_workflow_commands(true);
    }
    let b_start = args
        .baseline_start
        .as_deref()
        .map(|s| parse_at("--baseline-start", s, env.now_ms))
        .transpose()?;
    let b_end = args
        .baseline_end
        .as_deref()
        .map(|s| parse_at("--baseline-end", s, env.now_ms))
        .transpose()?;
    let mut cfg = GetConfig::for_compare(args, env)?;
    let aws = app::connect(&args.aws, &mut cfg).await?;
    let mut current_deploy = None;
    if cfg.since_deploy {
        // `for_compare` asks for --start when no API is named.
        let (api, stage) = cfg.target.clone().unwrap_or_default();
        let d = crate::resolve::deploy::current(&aws, &api, &stage).await?;
        cfg.window.start_ms = d.created_ms;
        current_deploy = Some(d.clone());
        error::note(format!(
            "current window: since deployment {} of stage {stage}, made {}",
            d.id.as_deref().unwrap_or("?"),
            format_ms(d.created_ms)
        ));
        if cfg.window.start_ms >= cfg.window.end_ms {
            return Err(Hinted::usage(
                format!(
                    "the deployment ({}) is not before --end",
                    format_ms(d.created_ms)
                ),
                "leave out --end, or give --start",
            )
            .into());
        }
    }
    let current = cfg.window;
    let (b_start, b_end) = match (&cfg.target, &current_deploy) {
        (Some((api, stage)), Some(d)) if args.previous_deploy => {
            let Some((id, at)) = crate::resolve::deploy::previous(&aws, api, d).await? else {
                return Err(Hinted::new(
                    format!(
                        "stage {stage} has no deployment before {}",
                        d.id.as_deref().unwrap_or("the current one")
                    ),
                    "give the baseline with --baseline-start/--baseline-end",
                )
                .into());
            };
            error::note(format!(
                "baseline: since the previous deployment {id}, made {}",
                format_ms(at)
            ));
            (Some(at), Some(d.created_ms))
        }
        _ => (b_start, b_end),
    };
    let base = baseline(current, b_start, b_end);
    if base.start_ms >= base.end_ms {
        return Err(Hinted::usage(
            format!(
                "the baseline starts ({}) at or after its end ({})",
                format_ms(base.start_ms),
                format_ms(base.end_ms)
            ),
            "give --baseline-start before --baseline-end",
        )
        .into());
    }
    let (res, groups, _) =
        app::resolve_readable(&aws, cfg.target.as_ref(), &cfg.select, false).await?;
    let shared =
        crate::resolve::sharing::other_callers(&aws, &res.api_id, &res.stage, &groups).await;
    // `--route`: only its requests (#21).
    let only_routes = crate::resolve::chosen_routes(&res, &cfg.select)?;
    let outcome = Arc::new(Outcome::default());
    let mut reports = Vec::new();
    let mut causes = Vec::new();
    for w in [base, current] {
        let mut c = cfg.clone();
        c.window = w;
        // One read of the window for the summary and the failing requests (5xx), whose
        // lines it keeps so that the linking reads only the Lambda groups.
        let finder = failures::Finder::new(args.include_4xx, GROUP_MAX)
            .only_routes(res.routes.clone(), only_routes.clone())
            .keep_lines(super::errors::KEPT_LINES);
        let routes = (res.routes.clone(), only_routes.clone());
        let (report, spec, failing) = super::summary::report(
            &aws,
            &groups,
            routes,
            shared.clone(),
            &c,
            &outcome,
            Some(finder),
        )
        .await?;
        reports.push(report);
        let failing = failing.unwrap_or_default();
        causes.push(causes_of(&aws, &groups, failing, &spec, &c, &outcome).await);
    }
    let cmp = compare::compare(
        &reports[0],
        &reports[1],
        &causes[0],
        &causes[1],
        args.min_samples,
    );
    let breaches = compare::evaluate(&rules, &cmp, args.min_samples);
    let windows = [(base, reports[0].requests), (current, reports[1].requests)];
    let mut out = BufWriter::new(io::stdout().lock());
    let written = (|| -> io::Result<()> {
        match args.output {
            ErrorsFormat::Json => {
                let w = |(w, n): (Window, u64)| serde_json::json!({"start": format_ms(w.start_ms), "end": format_ms(w.end_ms), "requests": n});
                let j = serde_json::json!({
                    "api_id": res.api_id,
                    "stage": res.stage,
                    "baseline": w(windows[0]),
                    "current": w(windows[1]),
                    "min_samples": args.min_samples,
                    "routes": cmp.routes,
                    "functions": cmp.functions,
                    "causes": cmp.causes,
                    "rules": args.fail_on,
                    "failed": breaches,
                });
                serde_json::to_writer_pretty(&mut out, &j).map_err(io::Error::from)?;
                writeln!(out)?;
            }
            ErrorsFormat::Github => {
                for b in &breaches {
                    writeln!(
                        out,
                        "::error title={}::{}",
                        failures::gh_escape_property(&format!("apitrace gate: {}", b.rule)),
                        failures::gh_escape_data(&format!("{}: {}", b.subject, b.detail))
                    )?;
                }
                for c in cmp.causes.iter().filter(|c| c.new) {
                    writeln!(
                        out,
                        "::warning title={}::{}",
                        failures::gh_escape_property("new failure cause"),
                        failures::gh_escape_data(&format!("{}× {}", c.current, c.cause))
                    )?;
                }
                let text = crate::render::compare::render_text(&cmp, windows, false);
                let stop = failures::gh_stop_token(text.iter().map(String::as_str));
                writeln!(out, "::group::apitrace compare")?;
                writeln!(out, "::stop-commands::{stop}")?;
                for l in &text {
                    writeln!(out, "{l}")?;
                }
                writeln!(out, "::{stop}::")?;
                writeln!(out, "::endgroup::")?;
            }
            ErrorsFormat::Text => {
                for l in
                    crate::render::compare::render_text(&cmp, windows, io::stdout().is_terminal())
                {
                    writeln!(out, "{l}")?;
                }
            }
        }
        out.flush()
    })();
    let code = finish_write(written)?;
    report_gate(&rules, &breaches);
    let failed = outcome.failed_groups();
    if !breaches.is_empty() {
        return Ok(EXIT_GATE);
    }
    if !failed.is_empty() {
        eprintln!(
            "apitrace: error: {} log groups failed (see the warnings above); the comparison is partial",
            failed.len()
        );
        return Ok(error::EXIT_FAILURE);
    }
    Ok(code)
}

/// The gate's verdict on stderr: one line per rule that held, by how much.
fn report_gate(rules: &[compare::Rule], breaches: &[Breach]) {
    if rules.is_empty() {
        return;
    }
    crate::ui::progress::clear();
    if breaches.is_empty() {
        error::note(format!(
            "gate passed: none of the {} rule{} held",
            rules.len(),
            if rules.len() == 1 { "" } else { "s" }
        ));
        return;
    }
    for b in breaches {
        eprintln!(
            "apitrace: gate: --fail-on '{}' holds for {}: {}",
            error::shown(&b.rule),
            error::shown(&b.subject),
            error::shown(&b.detail)
        );
    }
    let held: std::collections::BTreeSet<&str> = breaches.iter().map(|b| b.rule.as_str()).collect();
    eprintln!(
        "apitrace: gate failed: {} of {} rule{} held (exit {EXIT_GATE})",
        held.len(),
        rules.len(),
        if rules.len() == 1 { "" } else { "s" }
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_is_the_same_length_right_before_unless_given() {
        let cur = Window {
            start_ms: 10_000,
            end_ms: 13_000,
        };
        assert_eq!(
            baseline(cur, None, None),
            Window {
                start_ms: 7_000,
                end_ms: 10_000
            }
        );
        assert_eq!(
            baseline(cur, Some(1_000), None),
            Window {
                start_ms: 1_000,
                end_ms: 10_000
            }
        );
        assert_eq!(
            baseline(cur, None, Some(5_000)),
            Window {
                start_ms: 2_000,
                end_ms: 5_000
            }
        );
    }
}
