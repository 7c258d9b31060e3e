//! `apitrace query`: resolve → one Logs Insights query → print its rows.

use super::{connect, finish_write, resolve_readable, since_deploy};
use crate::cli::{self, OutputFormat};
use crate::config::GetConfig;
use crate::render::table::write_table;
use crate::ui::error::{self, Hinted};
use anyhow::{Context, Result};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::Arc;

/// The text of `apitrace query`: the argument, or `--query-file` (`-`: standard input).
fn query_text(args: &cli::QueryArgs) -> Result<String> {
    let text = match (&args.query, &args.query_file) {
        // `@NAME`: a query saved in the config file as `query.NAME = "…"`.
        (Some(q), _) if q.starts_with('@') => crate::cli::userconfig::saved_query(&q[1..])
            .map_err(|names| {
                let hint = if names.is_empty() {
                    "save one in the config file as query.NAME = \"…\" (see `apitrace man`, FILES)"
                        .to_string()
                } else {
                    format!("the saved queries are @{}", names.join(", @"))
                };
                Hinted::usage(format!("there is no saved query '{q}'"), hint)
            })?,
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
pub async fn query(args: &cli::QueryArgs, mut cfg: GetConfig) -> Result<u8> {
    let text = query_text(args)?;
    let aws = connect(&args.aws, &mut cfg).await?;
    since_deploy(&aws, &mut cfg).await?;
    let (_res, groups, _) = resolve_readable(&aws, cfg.target.as_ref(), &cfg.select, false).await?;
    let batches = groups.len().div_ceil(crate::fetch::insights::MAX_GROUPS);
    if batches > 1 {
        error::note(format!(
            "{} groups: the query runs {batches} times, over at most {} groups each; sort, limit and stats apply to each run",
            groups.len(),
            crate::fetch::insights::MAX_GROUPS
        ));
    }
    let stats = Arc::new(crate::fetch::insights::InsightsStats::default());
    let (rows, failed) =
        crate::fetch::query::user_query(&aws, &groups, &text, cfg.window, &stats).await;
    if let Some(r) = crate::fetch::insights::usage_note(&stats) {
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
    let cell = |r: &crate::fetch::query::Row, c: &str| {
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
