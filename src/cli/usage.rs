//! clap's usage errors in apitrace's own shape: `apitrace: error: …` on one line and
//! `apitrace: hint: …`, exit 2, like every other error (ripgrep and fd print their flag
//! errors in their own prefix too). clap's text is kept (it names the flag and the value);
//! what it prints on several lines (missing arguments, possible values, a tip, the usage)
//! is folded into the message or the hint.
//!
//! On top of clap's tip, the mistakes a shell user actually makes get a hint of their own:
//! an unquoted TIME with a space (`--start 2h ago`), a span written as a negative number
//! (`--start -2h`, read by clap as a flag), and flags of other tools (`--since 1h`).

use std::ffi::OsString;

use crate::ui::error::Hinted;

/// Translate a clap error (not help or version output) for the arguments `args`
/// (without the program name).
pub fn translate(err: &clap::Error, args: &[OsString]) -> Hinted {
    let rendered = err.render().to_string();
    let (message, clap_hint, usage) = fold(&rendered);
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let hint = own_hint(&message, &args)
        .or(clap_hint)
        .unwrap_or_else(|| match usage {
            Some(u) => format!("usage: {u}; see --help"),
            None => "see --help".to_string(),
        });
    Hinted::usage(message, hint)
}

/// clap's rendered error → (one-line message, its tip or possible values, its usage line).
fn fold(rendered: &str) -> (String, Option<String>, Option<String>) {
    let mut message = String::new();
    let mut hint = None;
    let mut usage = None;
    let mut in_message = true;
    for line in rendered.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("error: ") {
            message = rest.trim_end_matches(':').to_string();
            if rest.ends_with(':') {
                message.push(':');
            }
        } else if let Some(rest) = t.strip_prefix("tip: ") {
            hint = Some(rest.to_string());
            in_message = false;
        } else if let Some(rest) = t.strip_prefix("[possible values: ") {
            hint = Some(format!("possible values: {}", rest.trim_end_matches(']')));
            in_message = false;
        } else if let Some(rest) = t.strip_prefix("Usage: ") {
            usage = Some(rest.to_string());
            in_message = false;
        } else if t.starts_with("For more information") {
            in_message = false;
        } else if t.is_empty() {
            if !message.is_empty() {
                in_message = false;
            }
        } else if in_message && !message.is_empty() {
            // The list under "the following required arguments were not provided:".
            let sep = if message.ends_with(':') { " " } else { ", " };
            message.push_str(sep);
            message.push_str(t);
        }
    }
    (message, hint, usage)
}

const TIME_FLAGS: &[&str] = &["--start", "-s", "--end", "-e"];

/// Words that follow a span in English (`2h ago`, `2 hours ago`).
const TIME_WORDS: &[&str] = &[
    "ago", "s", "sec", "secs", "second", "seconds", "m", "min", "mins", "minute", "minutes", "h",
    "hr", "hrs", "hour", "hours", "d", "day", "days", "w", "week", "weeks",
];

/// A hint for the mistakes clap cannot know about, from the offending argument.
fn own_hint(message: &str, args: &[String]) -> Option<String> {
    let offending = message
        .strip_prefix("unexpected argument '")
        .and_then(|r| r.split_once('\'').map(|(a, _)| a))?;
    // `--start 2h ago`: the shell split the TIME.
    for (i, a) in args.iter().enumerate() {
        if TIME_FLAGS.contains(&a.as_str())
            && let (Some(value), Some(next)) = (args.get(i + 1), args.get(i + 2))
            && next == offending
            && TIME_WORDS.contains(&next.to_ascii_lowercase().as_str())
        {
            return Some(format!(
                "a TIME with a space must be quoted: {a} '{value} {next}' (or {a} {value})"
            ));
        }
    }
    // `--start -2h`: clap reads `-2h` as short flags.
    for (i, a) in args.iter().enumerate() {
        if TIME_FLAGS.contains(&a.as_str())
            && let Some(value) = args.get(i + 1)
            && value.starts_with('-')
            && value.starts_with(offending)
            && value[1..].starts_with(|c: char| c.is_ascii_digit())
        {
            let span = &value[1..];
            return Some(format!(
                "a span is always before now: {a} {span} (or {a}={value})"
            ));
        }
    }
    // Flags of other log tools (`--since 1h`, `--since=1h`).
    let flag = offending.split('=').next().unwrap_or(offending);
    let value = args.iter().enumerate().find_map(|(i, a)| {
        if let Some(v) = a.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
            return Some(v.to_string());
        }
        (a == flag)
            .then(|| args.get(i + 1))
            .flatten()
            .filter(|v| !v.starts_with('-'))
            .cloned()
    });
    let value = value.map_or_else(|| " TIME".to_string(), |v| format!(" '{v}'"));
    match flag {
        "--since" | "--from" | "--after" | "--last" | "--tail" => Some(format!(
            "the window starts with --start{value} (--since-deploy starts it at the stage's \
             last deployment)"
        )),
        "--until" | "--to" | "--before" => Some(format!("the window ends with --end{value}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(args: &[&str]) -> Hinted {
        let argv: Vec<OsString> = std::iter::once("apitrace")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        let e = crate::cli::command()
            .try_get_matches_from(&argv)
            .expect_err("a usage error");
        translate(&e, &argv[1..])
    }

    fn hint(h: &Hinted) -> &str {
        h.hint.as_deref().unwrap_or("")
    }

    const STAGE: [&str; 5] = ["get", "--api-id", "a", "--stage", "p"];

    fn with(extra: &[&'static str]) -> Vec<&'static str> {
        STAGE.iter().chain(extra).copied().collect()
    }

    #[test]
    fn unquoted_time_suggests_quoting() {
        let h = err(&with(&["--start", "2h", "ago"]));
        assert_eq!(h.message, "unexpected argument 'ago' found");
        assert_eq!(
            hint(&h),
            "a TIME with a space must be quoted: --start '2h ago' (or --start 2h)"
        );
        assert_eq!(h.code, crate::ui::error::EXIT_USAGE);
        let h = err(&with(&["-s", "2", "hours", "ago"]));
        assert!(hint(&h).contains("-s '2 hours'"), "{}", hint(&h));
    }

    #[test]
    fn negative_span_suggests_the_positive_one() {
        let h = err(&with(&["--start", "-2h"]));
        assert_eq!(
            hint(&h),
            "a span is always before now: --start 2h (or --start=-2h)"
        );
        // What the hint suggests parses.
        crate::cli::command()
            .try_get_matches_from(["apitrace"].iter().chain(&with(&["--start=-2h"])))
            .unwrap();
    }

    #[test]
    fn other_tools_flags_point_to_start_and_end() {
        let h = err(&with(&["--since", "1h"]));
        assert!(
            hint(&h).starts_with("the window starts with --start '1h'"),
            "{}",
            hint(&h)
        );
        let h = err(&with(&["--since=1h"]));
        assert!(
            hint(&h).starts_with("the window starts with --start '1h'"),
            "{}",
            hint(&h)
        );
        let h = err(&with(&["--until", "now"]));
        assert_eq!(hint(&h), "the window ends with --end 'now'");
    }

    #[test]
    fn clap_text_is_folded_into_one_line_and_a_hint() {
        let h = err(&["get", "--api-id", "a"]);
        assert_eq!(
            h.message,
            "the following required arguments were not provided: --stage <STAGE>"
        );
        assert!(hint(&h).starts_with("usage: apitrace get"), "{}", hint(&h));
        let h = err(&with(&["-o", "yaml"]));
        assert_eq!(h.message, "invalid value 'yaml' for '--output <FORMAT>'");
        assert_eq!(hint(&h), "possible values: text, json");
        let h = err(&with(&["--bogus"]));
        assert_eq!(h.message, "unexpected argument '--bogus' found");
        let h = err(&["nope"]);
        assert_eq!(h.message, "unrecognized subcommand 'nope'");
        assert!(!h.message.contains('\n') && !hint(&h).contains('\n'));
    }
}
