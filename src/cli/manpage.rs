//! `apitrace man`: the manual pages, generated from the clap command so that they always
//! match `--help`: `apitrace(1)` with the sections a reader looks for (TIME, ENVIRONMENT,
//! FILES, EXIT STATUS, EXAMPLES, SEE ALSO) and one `apitrace-COMMAND(1)` page per
//! subcommand (its options, its TIME forms where it takes a window, SEE ALSO apitrace(1)).
//!
//! clap_mangen renders the title, NAME, SYNOPSIS, DESCRIPTION, OPTIONS and COMMANDS
//! sections; the rest is written here with its `roff` builder, so every line is escaped
//! the same way. Pages are built into memory and written by the caller (stdout or
//! `--dir`), so a closed pipe is an ordinary write error, never a panic in a generator.

use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

/// One page: its file name (`apitrace-get.1`) and its roff text.
pub struct Page {
    pub file_name: String,
    pub text: Vec<u8>,
}

/// The subcommands that get a page of their own (not `help`, not hidden ones).
fn subcommands(cmd: &clap::Command) -> Vec<clap::Command> {
    cmd.get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
        .cloned()
        .collect()
}

/// The clap command, built (so subcommands carry their `apitrace-NAME` display names).
fn built() -> clap::Command {
    let mut cmd = crate::cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// Every page: `apitrace.1` first, then one per subcommand in `--help` order.
pub fn all() -> Vec<Page> {
    let cmd = built();
    let mut pages = vec![top(&cmd)];
    for sub in subcommands(&cmd) {
        pages.push(sub_page(&cmd, sub));
    }
    pages
}

/// The page for `name` (`apitrace` or a subcommand), or the list of valid names.
pub fn one(name: Option<&str>) -> Result<Page, Vec<String>> {
    let cmd = built();
    let Some(name) = name.filter(|n| *n != "apitrace") else {
        return Ok(top(&cmd));
    };
    let name = name.strip_prefix("apitrace-").unwrap_or(name);
    let subs = subcommands(&cmd);
    match subs.iter().find(|c| c.get_name() == name) {
        Some(sub) => Ok(sub_page(&cmd, sub.clone())),
        None => Err(subs.iter().map(|c| c.get_name().to_string()).collect()),
    }
}

fn render(man: &Man, sections: impl FnOnce(&Man, &mut Vec<u8>) -> std::io::Result<()>) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = sections(man, &mut out);
    ascii_roff(&String::from_utf8_lossy(&out)).into_bytes()
}

/// Non-ASCII characters (`…`, `→` in the help text) as roff's `\[uXXXX]` escapes: groff
/// without preconv and mandoc both read those, and warn about raw UTF-8.
fn ascii_roff(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", c as u32));
        }
    }
    out
}

fn top(cmd: &clap::Command) -> Page {
    let man = Man::new(cmd.clone().after_help(""));
    let text = render(&man, |m, out| {
        m.render_title(out)?;
        m.render_name_section(out)?;
        m.render_synopsis_section(out)?;
        m.render_description_section(out)?;
        m.render_options_section(out)?;
        m.render_subcommands_section(out)?;
        let mut r = Roff::default();
        time_section(&mut r);
        environment_section(&mut r);
        files_section(&mut r);
        exit_status_section(&mut r);
        examples_section(&mut r);
        see_also(&mut r, cmd, None);
        r.to_writer(out)?;
        m.render_version_section(out)
    });
    Page {
        file_name: man.get_filename(),
        text,
    }
}

fn sub_page(top: &clap::Command, sub: clap::Command) -> Page {
    let takes_time = sub.get_arguments().any(|a| a.get_id() == "start");
    let name = sub.get_name().to_string();
    let man = Man::new(sub.after_help(""))
        .title(format!("apitrace-{name}"))
        .source(format!("apitrace {}", env!("CARGO_PKG_VERSION")));
    let text = render(&man, |m, out| {
        m.render_title(out)?;
        m.render_name_section(out)?;
        m.render_synopsis_section(out)?;
        m.render_description_section(out)?;
        m.render_options_section(out)?;
        let mut r = Roff::default();
        if takes_time {
            time_section(&mut r);
        }
        let examples: Vec<&(&str, &str)> = EXAMPLES
            .iter()
            .filter(|(_, c)| command_of(c) == name)
            .collect();
        if !examples.is_empty() {
            r.control("SH", ["EXAMPLES"]);
            for (what, cmdline) in examples {
                example(&mut r, what, cmdline);
            }
        }
        r.control("SH", ["EXIT STATUS"]);
        r.text([
            roman("As for "),
            bold("apitrace"),
            roman(
                "(1): 0 success, 1 runtime error or a failed log group, 2 usage error, \
                   129 SIGHUP, 130 interrupted, 143 SIGTERM.",
            ),
        ]);
        see_also(&mut r, top, Some(&name));
        r.to_writer(out)?;
        m.render_version_section(out)
    });
    Page {
        file_name: format!("apitrace-{name}.1"),
        text,
    }
}

/// `apitrace get …` → `get`.
fn command_of(cmdline: &str) -> &str {
    cmdline.split_whitespace().nth(1).unwrap_or("")
}

fn paragraph(r: &mut Roff, tag: &str, body: &str) {
    r.control("TP", []);
    r.text([bold(tag)]);
    r.text([roman(body)]);
}

fn example(r: &mut Roff, what: &str, cmdline: &str) {
    r.control("TP", []);
    r.text([roman(what)]);
    r.control("nf", []);
    r.text([bold(cmdline)]);
    r.control("fi", []);
}

fn time_section(r: &mut Roff) {
    r.control("SH", ["TIME"]);
    r.text([roman(
        "--start and --end take a TIME, converted once to epoch milliseconds. \
         Dates and times without an offset are UTC.",
    )]);
    for (tag, body) in [
        (
            "now, today, yesterday",
            "This instant; 00:00 UTC today; 00:00 UTC yesterday.",
        ),
        (
            "2h, '2h ago', 90m, 1d2h, 30s, '2 hours ago', '1 week', -15m",
            "A span before now (quote forms that contain a space).",
        ),
        (
            "2026-11-29T10:00:00Z, 2026-11-29T10:00:00.250+01:00",
            "RFC 3339 with an offset.",
        ),
        (
            "2026-11-29, '2026-11-29 10:00[:00[.fff]]', 2026-11-29T10:00[:00]",
            "A date, or a date and time, in UTC.",
        ),
        (
            "1764410400, 1764410400000",
            "Epoch seconds (10 digits) or epoch milliseconds (13 digits).",
        ),
    ] {
        paragraph(r, tag, body);
    }
}

fn environment_section(r: &mut Roff) {
    r.control("SH", ["ENVIRONMENT"]);
    for (tag, body) in [
        (
            "AWS_PROFILE",
            "The AWS profile, as --profile (the flag wins).",
        ),
        (
            "AWS_REGION, AWS_DEFAULT_REGION",
            "The region, as --region; else the profile's region.",
        ),
        (
            "AWS_ENDPOINT_URL",
            "Send every AWS call to this endpoint (an emulator, a proxy), as --endpoint-url.",
        ),
        (
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN",
            "Credentials; also read: AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, SSO and \
             credential_process profiles, web identity, container and instance credentials.",
        ),
        (
            "HTTPS_PROXY, NO_PROXY",
            "Proxy settings for every AWS call.",
        ),
        (
            "APITRACE_CONFIG",
            "The config file to read instead of the default (see FILES).",
        ),
        (
            "XDG_CONFIG_HOME",
            "Where the default config file lives ($XDG_CONFIG_HOME/apitrace/config.toml).",
        ),
        (
            "NO_COLOR",
            "When set and not empty, no colour unless --color always.",
        ),
        ("CI", "When set and not empty, no progress line on stderr."),
        ("RUST_LOG", "When set and not empty, the same as --debug."),
    ] {
        paragraph(r, tag, body);
    }
}

fn files_section(r: &mut Roff) {
    r.control("SH", ["FILES"]);
    paragraph(
        r,
        "~/.config/apitrace/config.toml (Windows: %APPDATA%\\apitrace\\config.toml)",
        "Defaults for flags, one 'key = value' per line (strings in double quotes, numbers \
         and booleans bare, # comments), keys named as the long flags: profile, region, \
         color, concurrency, max-tps, engine, local, and so on. A flag on the command line \
         wins; AWS_PROFILE and AWS_REGION win over the file's profile and region. \
         --no-config ignores the file. query.NAME = \"…\" saves a Logs Insights query for \
         `apitrace query @NAME`.",
    );
    paragraph(
        r,
        "~/.aws/config, ~/.aws/credentials",
        "The usual AWS configuration and credentials files.",
    );
}

fn exit_status_section(r: &mut Roff) {
    r.control("SH", ["EXIT STATUS"]);
    for (tag, body) in [
        (
            "0",
            "Success, with or without events; also when the reader closed the pipe \
             (| head).",
        ),
        (
            "1",
            "A runtime error (credentials, API or stage not found, no log group exists, stdout \
             closed), or \
             some log group failed while the others printed; trace: no line mentions the \
             request; errors --fail-on-errors: a failing request was found.",
        ),
        (
            "2",
            "A usage error: unknown flag, bad TIME, start after end, bad region name, a number \
             out of its bounds, an empty --api-id or --stage, a bad config file or value.",
        ),
        ("129", "The terminal went away (SIGHUP)."),
        ("130", "Interrupted (Ctrl-C, SIGINT)."),
        (
            "143",
            "Terminated (SIGTERM: CI cancellation, timeout). Running Logs Insights queries \
             are stopped and what was printed is flushed first, as on Ctrl-C.",
        ),
    ] {
        paragraph(r, tag, body);
    }
}

/// (what it does, the command line); each also appears on its subcommand's page.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "The last two hours of a stage: execution log, access log and every function, merged:",
        "apitrace get --api-id abc123 --stage prod --start '2h ago'",
    ),
    (
        "Every line that mentions one request id:",
        "apitrace get --api-id abc123 --stage prod --request-id 5b7e4a10-0c1c-4bd2-9a7e-2f3c1d0e9b11",
    ),
    (
        "JSON Lines for jq:",
        "apitrace get --api-id abc123 --stage prod -o json | jq -r .message",
    ),
    (
        "Follow the stage as new lines arrive (Ctrl-C to stop):",
        "apitrace get --api-id abc123 --stage prod --watch",
    ),
    (
        "Follow one request into its authorizer and Lambda invocations:",
        "apitrace trace 5b7e4a10-0c1c-4bd2-9a7e-2f3c1d0e9b11 --api-id abc123 --stage prod",
    ),
    (
        "After a deploy: every failing request since it, traced; exit 1 if any:",
        "apitrace errors --api-id abc123 --stage prod --since-deploy --fail-on-errors",
    ),
    (
        "The traffic since the deploy by status, route and function:",
        "apitrace summary --api-id abc123 --stage prod --since-deploy",
    ),
    (
        "Which log groups will be read, and why:",
        "apitrace groups --api-id abc123 --stage prod",
    ),
    (
        "Start from the API's name, or from the URL that failed:",
        "apitrace trace 5b7e4a10-0c1c-4bd2-9a7e-2f3c1d0e9b11 --url https://api.example.com/v1/orders/42",
    ),
    (
        "Your own Logs Insights query across the stage's log groups:",
        "apitrace query 'fields @timestamp, @message | filter @message like /Timeout/' --api shop-rest --stage prod",
    ),
    (
        "The APIs of a region and their stages:",
        "apitrace apis --region eu-west-1",
    ),
    (
        "Install the manual pages:",
        "apitrace man --dir ~/.local/share/man/man1",
    ),
];

fn examples_section(r: &mut Roff) {
    r.control("SH", ["EXAMPLES"]);
    for (what, cmdline) in EXAMPLES {
        example(r, what, cmdline);
    }
}

fn see_also(r: &mut Roff, top: &clap::Command, this: Option<&str>) {
    r.control("SH", ["SEE ALSO"]);
    let mut refs: Vec<String> = Vec::new();
    if this.is_some() {
        refs.push("apitrace(1)".into());
    }
    for sub in subcommands(top) {
        if Some(sub.get_name()) != this {
            refs.push(format!("apitrace-{}(1)", sub.get_name()));
        }
    }
    refs.push("aws(1)".into());
    let mut inlines = Vec::new();
    for (i, r) in refs.iter().enumerate() {
        if i > 0 {
            inlines.push(roman(", "));
        }
        let (name, sec) = r.split_once('(').unwrap_or((r, ""));
        inlines.push(bold(name));
        inlines.push(roman(format!("({sec}")));
    }
    r.text(inlines);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(p: &Page) -> String {
        String::from_utf8(p.text.clone()).unwrap()
    }

    #[test]
    fn the_top_page_has_every_section_and_names_every_subcommand_page() {
        let pages = all();
        let top = text(&pages[0]);
        assert_eq!(pages[0].file_name, "apitrace.1");
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "TIME",
            "ENVIRONMENT",
            "FILES",
            "\"EXIT STATUS\"",
            "EXAMPLES",
            "\"SEE ALSO\"",
        ] {
            assert!(
                top.contains(&format!(".SH {section}\n")),
                "{section}:\n{top}"
            );
        }
        let mut names: Vec<&str> = pages[1..].iter().map(|p| p.file_name.as_str()).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "apitrace-apis.1",
                "apitrace-completions.1",
                "apitrace-errors.1",
                "apitrace-get.1",
                "apitrace-groups.1",
                "apitrace-man.1",
                "apitrace-query.1",
                "apitrace-summary.1",
                "apitrace-trace.1",
            ]
        );
        // Every page the top page refers to exists.
        for p in &pages[1..] {
            let stem = p.file_name.trim_end_matches(".1").replace('-', "\\-");
            assert!(top.contains(&format!("\\fB{stem}\\fR(1)")), "{stem}");
        }
    }

    #[test]
    fn a_subcommand_page_has_its_options_time_examples_and_see_also() {
        let get = text(&one(Some("get")).ok().unwrap());
        assert!(get.contains(".TH apitrace-get 1"), "{get}");
        for needle in [
            "since\\-deploy",
            "request\\-id",
            ".SH TIME",
            ".SH EXAMPLES",
            "2h ago",
        ] {
            assert!(get.contains(needle), "{needle}:\n{get}");
        }
        assert!(get.contains("\\fBapitrace\\fR(1)"));
        let apis = text(&one(Some("apitrace-apis")).ok().unwrap());
        assert!(!apis.contains(".SH TIME"), "apis takes no window");
        assert!(
            one(Some("nope"))
                .err()
                .unwrap()
                .contains(&"get".to_string())
        );
        assert!(text(&one(None).ok().unwrap()).contains(".TH apitrace 1"));
    }

    #[test]
    fn pages_are_ascii_with_unicode_escapes() {
        assert_eq!(
            ascii_roff("a \u{2026} b \u{2192}"),
            "a \\[u2026] b \\[u2192]"
        );
        for p in all() {
            assert!(p.text.is_ascii(), "{}", p.file_name);
        }
    }
}
