//! `apitrace trace`: resolve → trace one request → print its summary and lines.

use super::{connect, engine, finish_write, resolve_readable, since_deploy};
use crate::cli::{self, OutputFormat};
use crate::config::GetConfig;
use crate::fetch::FetchSpec;
use crate::render::output::Printer;
use crate::render::trace::{trace_json_value, write_summary};
use crate::ui::error::{self};
use anyhow::Result;
use std::io::{self, BufWriter, Write};

/// `trace` (with its summary) and `get --request-id` (the lines only).
pub async fn trace(mut cfg: GetConfig, aws_args: &cli::AwsArgs, summary: bool) -> Result<u8> {
    let id = cfg.request_id.clone().unwrap_or_default();
    let aws = connect(aws_args, &mut cfg).await?;
    since_deploy(&aws, &mut cfg).await?;
    let (res, groups, _) = resolve_readable(&aws, cfg.target.as_ref(), &cfg.select, false).await?;
    let mut spec = FetchSpec::new(&cfg);
    spec.engine = engine(&aws, &cfg, &groups, None, true).await;
    let t = crate::analyze::trace::trace(&aws, &groups, &id, cfg.window, &spec).await?;
    if let Some(r) = crate::fetch::insights::usage_note(&spec.insights) {
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
            write_summary(&mut out, &t, &res.api_id, &res.stage, &groups, &cfg)?;
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
