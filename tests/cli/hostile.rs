//! Hostile data, odd inputs and signals (#16): log lines that carry GitHub workflow
//! commands or terminal escape sequences, unbounded inputs, signals. Each test puts the
//! hostile thing where it arrives in real life (a log line, an AWS name, a flag, a config
//! file, a signal) and checks what the user's machine sees.

use crate::support::*;

// ---------------------------------------------------------------------------------------
// GitHub workflow commands (`errors --output github`)

/// The workflow commands a GitHub runner would execute from this output, as its
/// `ActionCommandManager` reads lines: a line is split at `\n`, `\r` or `\r\n`; `::name …::`
/// after leading whitespace, else a legacy `##[name …]` anywhere in the line, for a known
/// command name (case-insensitive); after `::stop-commands::TOKEN` nothing runs until a
/// line that is the command `TOKEN`. Returns (name, line) of each executed command.
fn runner_commands(out: &str) -> Vec<(String, String)> {
    const KNOWN: [&str; 15] = [
        "error",
        "warning",
        "notice",
        "debug",
        "group",
        "endgroup",
        "add-mask",
        "set-output",
        "save-state",
        "stop-commands",
        "echo",
        "add-matcher",
        "remove-matcher",
        "set-env",
        "add-path",
    ];
    fn name_v2(line: &str) -> Option<(String, String)> {
        let t = line.trim_start().strip_prefix("::")?;
        let end = t.find("::")?;
        let info = &t[..end];
        let name = info.split(' ').next().unwrap_or("").to_ascii_lowercase();
        Some((name, t[end + 2..].to_string()))
    }
    fn name_legacy(line: &str) -> Option<(String, String)> {
        let i = line.find("##[")?;
        let rest = &line[i + 3..];
        let end = rest.find(']')?;
        let name = rest[..end]
            .split(' ')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Some((name, rest[end + 1..].to_string()))
    }
    let mut stop: Option<String> = None;
    let mut done = Vec::new();
    for line in out.split("\r\n").flat_map(|l| l.split(['\r', '\n'])) {
        let known = |n: &str| KNOWN.contains(&n) || stop.as_deref() == Some(n);
        let cmd = name_v2(line)
            .filter(|(n, _)| known(n))
            .or_else(|| name_legacy(line).filter(|(n, _)| known(n)));
        let Some((name, data)) = cmd else { continue };
        if let Some(token) = &stop {
            if name == *token {
                stop = None;
            }
            continue;
        }
        if name == "stop-commands" {
            stop = Some(data.to_ascii_lowercase());
        }
        done.push((name, line.to_string()));
    }
    done
}

#[test]
fn the_runner_model_executes_what_a_runner_would() {
    let out = "a\n::add-mask::x\r  ::ERROR::y\nz ##[warning]w\n::stop-commands::T1\n::error::no\n\
               ##[add-mask]no\n::t1::\n::notice::yes";
    let names: Vec<String> = runner_commands(out).into_iter().map(|c| c.0).collect();
    assert_eq!(
        names,
        ["add-mask", "error", "warning", "stop-commands", "notice"]
    );
}

/// A failing request whose lines carry workflow commands after newlines and carriage
/// returns, at column 0 and indented, in the v2 and the legacy syntax.
#[test]
fn errors_github_runs_no_workflow_command_from_a_log_line() {
    let w = World::shared();
    let exec = w.m["log_groups"]["execution"].as_str().unwrap().to_string();
    let rid = "91c0ffee-0000-4000-8000-00000000dead";
    let t = now_ms() - 60_000;
    let evil = "\n::error title=All checks passed::pwned\n::add-mask::secret\n::endgroup::\n  \
                ::warning::indented\r::notice::after a CR\n##[add-mask]legacy\n::set-output name=x::y";
    let lines = [
        format!("({rid}) HTTP Method: GET, Resource Path: /a\n::add-mask::path,x:y"),
        format!("({rid}) Method request body before transformations: {{\"a\":\"{evil}\"}}"),
        format!("({rid}) Endpoint response body before transformations: {evil}"),
        format!("({rid}) Method completed with status: 502"),
    ];
    let events: Vec<(i64, &str)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (t + i as i64, l.as_str()))
        .collect();
    put_events(&exec, "gh-inject", &events);
    let r = run(apitrace().args([
        "errors",
        "--api-id",
        w.rest_api(),
        "--stage",
        "prod",
        "-o",
        "github",
        "--start",
        &(t - 1).to_string(),
        "--end",
        &(t + 10).to_string(),
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let names: Vec<String> = runner_commands(&r.stdout)
        .iter()
        .map(|c| c.0.clone())
        .collect();
    assert_eq!(
        names,
        ["error", "group", "stop-commands", "endgroup"],
        "{}",
        r.stdout
    );
    let title = r.stdout.lines().next().unwrap();
    assert!(
        title.starts_with("::error title=502 GET /a%0A%3A%3Aadd-mask%3A%3Apath%2Cx%3Ay::request "),
        "{title}"
    );
    // The lines are all there, fenced, not dropped.
    assert!(r.stdout.contains("\n::add-mask::secret\n"), "{}", r.stdout);
    assert!(r.stdout.contains("##[add-mask]legacy"), "{}", r.stdout);
    // The fence's token is fresh each run.
    let token = |s: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix("::stop-commands::"))
            .unwrap()
            .to_string()
    };
    let again = run(apitrace().args([
        "errors",
        "--api-id",
        w.rest_api(),
        "--stage",
        "prod",
        "-o",
        "github",
        "--start",
        &(t - 1).to_string(),
        "--end",
        &(t + 10).to_string(),
    ]));
    assert_ne!(token(&r.stdout), token(&again.stdout));
}
