//! `apitrace groups`: resolve → the log groups as a table or JSON.

use super::{finish_write, settle};
use crate::aws::Aws;
use crate::cli::{self, OutputFormat};
use crate::config::Selection;
use crate::render::table::write_table;
use crate::resolve::{self};
use anyhow::Result;
use serde::Serialize;
use std::io::{self, IsTerminal, Write};

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

pub async fn groups(args: cli::GroupsArgs) -> Result<u8> {
    crate::config::check_names(&args.api, &args.select)?;
    let aws = Aws::connect(&(&args.aws).into()).await?;
    let mut select = Selection::new(&args.select);
    let (aws, target) = match crate::config::lookup(&args.api) {
        Some(l) => {
            let (aws, target, _) = settle(aws, &l, &mut select).await?;
            (aws, target)
        }
        None => (aws, args.api.target()),
    };
    let res = resolve::resolve(&aws, target.as_ref(), &select).await?;
    let shared =
        crate::resolve::sharing::other_callers(&aws, &res.api_id, &res.stage, &res.groups).await;
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
            console_url: crate::render::links::log_group(&g.region, &g.name),
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

/// The CLASS column of `groups`: the log class, with how an Infrequent Access group is read.
fn group_class(class: Option<&str>) -> String {
    match class {
        None => "-".into(),
        Some(crate::core::model::INFREQUENT_ACCESS) => {
            "INFREQUENT_ACCESS (read with Logs Insights)".into()
        }
        Some(c) => c.to_string(),
    }
}
