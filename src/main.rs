//! apitrace: find, fetch and merge the CloudWatch logs behind an AWS API Gateway API.
//!
//! This file is the contents page: parse the command line, run the command on a tokio
//! runtime, race it against Ctrl-C, SIGTERM and SIGHUP, and map the result to an exit
//! code (the contract is in `ui/error.rs` and the README).
//!
//! The modules are layers, top to bottom; each imports only layers below it (each
//! layer's `mod.rs` says which), so there is no import cycle between them:
//!
//! | layer | what |
//! | --- | --- |
//! | `app` | one file per command, each a pipeline over the layers below |
//! | `render` | every byte on stdout: event lines, JSON Lines, tables, the trace view |
//! | `analyze` | computations over events: trace, link, failures, summary |
//! | `follow` | `get --watch` and `--live` |
//! | `fetch` | FilterLogEvents, Logs Insights |
//! | `merge` | the k-way merge |
//! | `resolve` | API → log groups; deployments, lookups, sharing, log deliveries |
//! | `aws` | clients, retries, rate limit, paging guard, `--debug` |
//! | `config` | command line + environment → plain settings |
//! | `cli` | clap definitions, the config file, usage errors, man pages |
//! | `ui` | stderr: errors with hints, warnings, notes, the progress line |
//! | `core` | events, groups, time, text, extract: imports nothing of the crate |

mod analyze;
mod app;
mod aws;
mod cli;
mod config;
mod core;
mod fetch;
mod follow;
mod merge;
mod render;
mod resolve;
mod ui;

use std::process::ExitCode;

fn main() -> ExitCode {
    if render::output::stdout_closed_at_start() {
        return ExitCode::from(ui::error::report(&anyhow::Error::new(
            ui::error::Hinted::new(
                "standard output is closed: nothing could be printed",
                "give apitrace somewhere to write: a terminal, a pipe, a file (> out.txt) or > /dev/null",
            ),
        )));
    }
    let cli = cli::parse();
    let env = config::Env::from_process();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return ExitCode::from(ui::error::report(
                &anyhow::Error::new(e).context("starting the runtime"),
            ));
        }
    };
    let code = runtime.block_on(async {
        let mut signals = app::Signals::install();
        tokio::select! {
            r = app::run(cli, env) => match r {
                Ok(code) => code,
                Err(e) => ui::error::report(&e),
            },
            code = signals.recv() => app::interrupted(code).await,
        }
    });
    // Do not wait for fetch tasks still in flight (after an error or a closed pipe).
    runtime.shutdown_background();
    ExitCode::from(code)
}
