//! apitrace: find, fetch and merge the CloudWatch logs behind an AWS API Gateway API.
//!
//! This file is the contents page: parse the command line, run the command on a tokio
//! runtime, race it against Ctrl-C, SIGTERM and SIGHUP, and map the result to an exit
//! code (the contract is in `error.rs` and the README). The stages, in order: `cli` →
//! `config` → `resolve` → `fetch` → `merge` → `output`; `app` strings them together per
//! command.

mod anomalies;
mod app;
mod aws;
mod bodycap;
mod cli;
mod config;
mod debug;
mod delivery;
mod deploy;
mod error;
mod extract;
mod failures;
mod fetch;
mod insights;
mod link;
mod links;
mod live;
mod lookup;
mod manpage;
mod merge;
mod model;
mod numfmt;
mod output;
mod page;
mod paging;
mod progress;
mod ratelimit;
mod resolve;
mod sharing;
mod summary;
mod time;
mod trace;
mod usage;
mod userconfig;
mod watch;

// #22: failure causes, deploy comparison and its gate.
mod cause;
mod compare;
mod gate;

use std::process::ExitCode;

fn main() -> ExitCode {
    if output::stdout_closed_at_start() {
        return ExitCode::from(error::report(&anyhow::Error::new(error::Hinted::new(
            "standard output is closed: nothing could be printed",
            "give apitrace somewhere to write: a terminal, a pipe, a file (> out.txt) or > /dev/null",
        ))));
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
            return ExitCode::from(error::report(
                &anyhow::Error::new(e).context("starting the runtime"),
            ));
        }
    };
    let code = runtime.block_on(async {
        let mut signals = app::Signals::install();
        tokio::select! {
            r = app::run(cli, env) => match r {
                Ok(code) => code,
                Err(e) => error::report(&e),
            },
            code = signals.recv() => app::interrupted(code).await,
        }
    });
    // Do not wait for fetch tasks still in flight (after an error or a closed pipe).
    runtime.shutdown_background();
    ExitCode::from(code)
}
