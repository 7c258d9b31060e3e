//! The optional config file: defaults for flags, where users keep them.
//!
//! `$APITRACE_CONFIG`, else `$XDG_CONFIG_HOME/apitrace/config.toml`, else
//! `~/.config/apitrace/config.toml` (`%APPDATA%\apitrace\config.toml` on Windows);
//! `--no-config` skips it. A small subset of TOML: one
//! `key = value` per line, strings in double quotes, numbers and booleans bare, `#`
//! comments. Every key becomes the default of the flag of the same name, so a flag on
//! the command line still wins; `profile` and `region` apply only when `AWS_PROFILE` /
//! `AWS_REGION` are not set (the environment beats the file, as in the AWS CLI).
//!
//! ```toml
//! profile = "prod-readonly"
//! region = "eu-west-1"
//! color = "always"        # auto | always | never
//! concurrency = 8
//! max-tps = 5
//! engine = "filter"       # auto | filter | insights
//! max-scan = "500MB"      # the most --engine auto lets Logs Insights scan
//! local = true            # print times in the local time zone
//! ```

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::ui::error::Hinted;

/// Keys of the file and the id of the flag each one sets.
const KEYS: [(&str, &str); 8] = [
    ("profile", "profile"),
    ("region", "region"),
    ("color", "color"),
    ("concurrency", "concurrency"),
    ("max-tps", "max_tps"),
    ("engine", "engine"),
    ("max-scan", "max_scan"),
    ("local", "local"),
];

/// The file to read, if any.
pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("APITRACE_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(user_config_dir)?;
    Some(base.join("apitrace").join("config.toml"))
}

/// Where per-user config lives when `XDG_CONFIG_HOME` is not set: `~/.config`.
#[cfg(not(windows))]
fn user_config_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config"))
}

/// Where per-user config lives on Windows: `%APPDATA%` (the roaming profile directory).
#[cfg(windows)]
fn user_config_dir() -> Option<PathBuf> {
    std::env::var_os("APPDATA")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

/// The largest config file read (a handful of `key = value` lines fit in a few hundred
/// bytes; this only stops `/dev/zero` or a huge file from being read into memory).
const MAX_BYTES: u64 = 64 << 10;

/// `(flag id, value)` pairs from the file; a missing file is no settings. Only a regular
/// file of at most [`MAX_BYTES`] is read: a FIFO is never waited on, a device never read.
pub fn load(path: &Path) -> Result<Vec<(&'static str, String)>> {
    let cannot = |e: &dyn std::fmt::Display| -> anyhow::Error {
        Hinted::usage(
            format!("cannot read the config file {}: {e}", path.display()),
            "point APITRACE_CONFIG at a readable file, fix its permissions, or pass --no-config",
        )
        .into()
    };
    let text = match read_regular(path) {
        Ok(t) => t,
        // The default file is optional; a file named by APITRACE_CONFIG is not.
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && std::env::var_os("APITRACE_CONFIG").is_some_and(|p| Path::new(&p) == path) =>
        {
            return Err(Hinted::usage(
                format!(
                    "APITRACE_CONFIG names {}, which does not exist",
                    path.display()
                ),
                "create the file, unset APITRACE_CONFIG, or pass --no-config",
            )
            .into());
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(cannot(&e)),
    };
    let (saved, flags): (Vec<Setting>, Vec<Setting>) = located(path, &text)?
        .into_iter()
        .partition(|s| s.flag == SAVED_QUERY);
    let _ = SAVED.set(saved.into_iter().map(|s| (s.key, s.value)).collect());
    Ok(flags.into_iter().map(|s| (s.flag, s.value)).collect())
}

/// The file's text, if it is a regular file of at most [`MAX_BYTES`] in UTF-8. Opened
/// without blocking (a FIFO with no writer would block `open` forever), checked on the
/// open handle, and read only up to the cap.
fn read_regular(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a FIFO, device or directory)",
        ));
    }
    if meta.len() > MAX_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("larger than {} KiB", MAX_BYTES >> 10),
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("larger than {} KiB", MAX_BYTES >> 10),
        ));
    }
    String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidData, "not UTF-8 text"))
}

/// One `key = value` of the file, with where it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub flag: &'static str,
    pub value: String,
    pub line: usize,
    pub key: String,
}

/// Parse `text` (read from `path`) into settings, and check each value as the flag it
/// sets would (its type and bounds), so a bad value is reported at its file, line and
/// key, not as a flag the user never typed.
fn located(path: &Path, text: &str) -> Result<Vec<Setting>> {
    let at = |line: usize, msg: String, hint: String| -> anyhow::Error {
        Hinted::usage(format!("{}:{line}: {msg}", path.display()), hint).into()
    };
    let settings = parse(text).map_err(|(line, msg)| {
        at(
            line,
            msg,
            format!(
                "the keys are {}; values are \"strings\", numbers or true/false (or pass --no-config)",
                KEYS.map(|k| k.0).join(", ")
            ),
        )
    })?;
    let cmd = crate::cli::command();
    for s in &settings {
        if let Err(why) = check_value(&cmd, s) {
            return Err(at(
                s.line,
                format!("{}: {why}", s.key),
                "fix the value in the file (or pass --no-config)".to_string(),
            ));
        }
    }
    Ok(settings)
}

/// Check a setting's value with the value parser of the flag it sets (on the first
/// subcommand that has the flag), and with the bounds checked later for that flag.
fn check_value(cmd: &clap::Command, s: &Setting) -> Result<(), String> {
    let arg = cmd
        .get_subcommands()
        .flat_map(|sub| sub.get_arguments())
        .find(|a| a.get_id() == s.flag);
    let Some(arg) = arg else { return Ok(()) };
    if !arg.get_action().takes_values() {
        return match s.value.as_str() {
            "true" | "false" => Ok(()),
            v => Err(format!("expected true or false, found `{v}`")),
        };
    }
    // The flag's own value parser, alone in a throwaway command.
    let probe = clap::Arg::new("value")
        .long("value")
        .value_parser(arg.get_value_parser().clone());
    clap::Command::new("apitrace")
        .arg(probe)
        .try_get_matches_from(["apitrace".to_string(), format!("--value={}", s.value)])
        .map_err(|e| {
            // clap's message names the flag (`invalid value 'x' for '--max-tps <N>': …`):
            // keep only what is wrong with the value.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("").trim();
            let why = first
                .split_once("': ")
                .map(|(_, why)| why.to_string())
                .or_else(|| {
                    text.lines()
                        .map(str::trim)
                        .find_map(|l| l.strip_prefix("[possible values: "))
                        .map(|v| format!("the values are {}", v.trim_end_matches(']')))
                });
            match why {
                Some(why) => format!("invalid value `{}`: {why}", s.value),
                None => format!("invalid value `{}`", s.value),
            }
        })?;
    if s.flag == "max_tps" {
        let v: f64 = s
            .value
            .parse()
            .map_err(|_| format!("`{}` is not a number", s.value))?;
        crate::cli::check_tps(Some(v)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn parse(text: &str) -> Result<Vec<Setting>, (usize, String)> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            return Err((n + 1, format!("expected `key = value`, found `{line}`")));
        };
        let key = k.trim().replace('_', "-");
        let v = v.trim();
        // `query.NAME = "…"`: a saved Logs Insights query for `apitrace query @NAME`.
        if let Some(name) = k.trim().strip_prefix("query.") {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err((
                    n + 1,
                    format!(
                        "`{}`: a saved query's name is letters, digits, - and _",
                        k.trim()
                    ),
                ));
            }
            let Some(value) = v.strip_prefix('"').and_then(unescape) else {
                return Err((
                    n + 1,
                    format!("`{}`: the query must be a \"string\"", k.trim()),
                ));
            };
            out.push(Setting {
                flag: SAVED_QUERY,
                value,
                line: n + 1,
                key: name.to_string(),
            });
            continue;
        }
        let Some(&(_, flag)) = KEYS.iter().find(|(name, _)| *name == key) else {
            return Err((n + 1, format!("unknown key `{}`", k.trim())));
        };
        let value = if let Some(s) = v.strip_prefix('"') {
            match unescape(s) {
                Some(inner) => inner,
                None => return Err((n + 1, format!("unterminated string `{v}`"))),
            }
        } else if v == "true" || v == "false" || v.parse::<f64>().is_ok() {
            v.to_string()
        } else {
            return Err((
                n + 1,
                format!("`{v}` is not a string, number or boolean (quote strings)"),
            ));
        };
        out.push(Setting {
            flag,
            value,
            line: n + 1,
            key: k.trim().to_string(),
        });
    }
    Ok(out)
}

/// The rest of a double-quoted string after its opening quote, up to its closing quote
/// (which must end the value), with TOML's basic escapes (`\"`, `\\`, `\n`, `\t`).
/// `None` when it is not closed, has text after it, or an unknown escape.
fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return chars.as_str().trim().is_empty().then_some(out),
            '\\' => out.push(match chars.next()? {
                '"' => '"',
                '\\' => '\\',
                'n' => '\n',
                't' => '\t',
                _ => return None,
            }),
            c => out.push(c),
        }
    }
    None
}

/// The `flag` of a saved query's [`Setting`] (`query.NAME`); it sets no flag.
const SAVED_QUERY: &str = "query.";

/// Saved queries of the config file read this run (`query.NAME = "…"`).
static SAVED: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();

/// The saved query `name`, and the names there are (for a message when it is not one).
pub fn saved_query(name: &str) -> Result<String, Vec<String>> {
    let saved = SAVED.get().map(Vec::as_slice).unwrap_or_default();
    saved
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, q)| q.clone())
        .ok_or_else(|| saved.iter().map(|(n, _)| n.clone()).collect())
}

/// A `#` outside a string starts a comment.
fn strip_comment(line: &str) -> &str {
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_str => escaped = true,
            '"' => in_str = !in_str,
            '#' if !in_str => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Make the file's values the defaults of the matching flags of every subcommand.
pub fn apply(mut cmd: clap::Command, settings: &[(&'static str, String)]) -> clap::Command {
    let env_set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty());
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for (flag, value) in settings {
        if (*flag == "profile" && env_set("AWS_PROFILE"))
            || (*flag == "region" && (env_set("AWS_REGION") || env_set("AWS_DEFAULT_REGION")))
        {
            continue;
        }
        for name in &names {
            let value = value.clone();
            cmd = cmd.mut_subcommand(name, |sub| {
                if !sub.get_arguments().any(|a| a.get_id() == *flag) {
                    return sub;
                }
                sub.mut_arg(*flag, |a| {
                    if value == "true" && !a.get_action().takes_values() {
                        a.default_value("true")
                    } else if value == "false" && !a.get_action().takes_values() {
                        a
                    } else {
                        // clap keeps defaults as `&'static str`; a handful, once per run.
                        a.default_value(&*Box::leak(value.into_boxed_str()))
                    }
                })
            });
        }
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_queries_and_escaped_strings() {
        let text = "engine = \"filter\" # a comment\n\
                    query.slow = \"fields @duration | filter @message like \\\"REPORT\\\" # not a comment\"\n\
                    query.by_route = \"stats count(*) by @log\"\n";
        let got = parse(text).unwrap();
        assert_eq!(got[0].value, "filter");
        assert_eq!((got[1].flag, got[1].key.as_str()), (SAVED_QUERY, "slow"));
        assert_eq!(
            got[1].value,
            "fields @duration | filter @message like \"REPORT\" # not a comment"
        );
        assert_eq!(got[2].key, "by_route");
        assert!(parse("query. = \"x\"").is_err());
        assert!(parse("query.a b = \"x\"").is_err());
        assert!(parse("query.n = 3").is_err());
        assert!(parse("engine = \"filter\" extra").is_err());
        assert!(parse("engine = \"a\\qb\"").is_err());
    }

    #[test]
    fn parses_the_subset() {
        let got: Vec<(&str, String)> = parse(
            "# defaults\nprofile = \"prod # ro\"  # a comment\nregion=\"eu-west-1\"\nmax_tps = 5\nlocal = true\n\n",
        )
        .unwrap()
        .into_iter()
        .map(|s| (s.flag, s.value))
        .collect();
        assert_eq!(
            got,
            vec![
                ("profile", "prod # ro".to_string()),
                ("region", "eu-west-1".to_string()),
                ("max_tps", "5".to_string()),
                ("local", "true".to_string()),
            ]
        );
        assert_eq!(parse("colour = \"always\"").unwrap_err().0, 1);
        assert!(
            parse("color = always")
                .unwrap_err()
                .1
                .contains("quote strings")
        );
        assert!(parse("\n\nprofile").unwrap_err().0 == 3);
        assert!(parse("region = \"eu").is_err());
    }

    #[test]
    fn settings_become_defaults_and_flags_still_win() {
        use clap::FromArgMatches;
        let settings = vec![
            ("color", "always".to_string()),
            ("concurrency", "3".to_string()),
            ("local", "true".to_string()),
        ];
        let cmd = apply(crate::cli::command(), &settings);
        let m = cmd
            .clone()
            .try_get_matches_from(["apitrace", "get", "--log-group", "g"])
            .unwrap();
        let crate::cli::Command::Get(g) = crate::cli::Cli::from_arg_matches(&m).unwrap().command
        else {
            panic!()
        };
        assert_eq!(g.out.color, crate::cli::ColorWhen::Always);
        assert_eq!(g.rate.concurrency, 3);
        assert!(g.out.local);
        let m = cmd
            .try_get_matches_from([
                "apitrace",
                "get",
                "--log-group",
                "g",
                "--color",
                "never",
                "--concurrency",
                "9",
            ])
            .unwrap();
        let crate::cli::Command::Get(g) = crate::cli::Cli::from_arg_matches(&m).unwrap().command
        else {
            panic!()
        };
        assert_eq!(g.out.color, crate::cli::ColorWhen::Never);
        assert_eq!(g.rate.concurrency, 9);
    }
}
