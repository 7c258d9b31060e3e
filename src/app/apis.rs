//! `apitrace apis`: the region's APIs and stages as a table or JSON.

use super::finish_write;
use crate::aws::Aws;
use crate::cli::{self, OutputFormat};
use crate::render::table::write_table;
use crate::ui::error::{self, classify, warn};
use anyhow::Result;
use serde::Serialize;
use std::io::{self, IsTerminal, Write};

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

pub async fn apis(args: cli::ApisArgs) -> Result<u8> {
    let aws = Aws::connect(&(&args.aws).into()).await?;
    let mut rows = Vec::new();
    for a in crate::resolve::lookup::list_apis(&aws).await? {
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
