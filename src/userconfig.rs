//! The optional config file: defaults for flags, where users keep them.
//!
//! `$APITRACE_CONFIG`, else `$XDG_CONFIG_HOME/apitrace/config.toml`, else
//! `~/.config/apitrace/config.toml`; `--no-config` skips it. A small subset of TOML: one
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
//! local = true            # print times in the local time zone
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::error::Hinted;

/// Keys of the file and the id of the flag each one sets.
const KEYS: [(&str, &str); 7] = [
    ("profile", "profile"),
    ("region", "region"),
    ("color", "color"),
    ("concurrency", "concurrency"),
    ("max-tps", "max_tps"),
    ("engine", "engine"),
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
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("apitrace").join("config.toml"))
}

/// `(flag id, value)` pairs from the file; a missing file is no settings.
pub fn load(path: &Path) -> Result<Vec<(&'static str, String)>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        // The default file is optional; a file named by APITRACE_CONFIG is not.
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && std::env::var_os("APITRACE_CONFIG").is_some_and(|p| Path::new(&p) == path) =>
        {
            bail!(Hinted::usage(
                format!(
                    "APITRACE_CONFIG names {}, which does not exist",
                    path.display()
                ),
                "create the file, unset APITRACE_CONFIG, or pass --no-config"
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => bail!(Hinted::usage(
            format!("cannot read the config file {}: {e}", path.display()),
            "fix its permissions, or pass --no-config"
        )),
    };
    parse(&text).map_err(|(line, msg)| {
        Hinted::usage(
            format!("{}:{line}: {msg}", path.display()),
            format!(
                "the keys are {}; values are \"strings\", numbers or true/false (or pass --no-config)",
                KEYS.map(|k| k.0).join(", ")
            ),
        )
        .into()
    })
}

fn parse(text: &str) -> Result<Vec<(&'static str, String)>, (usize, String)> {
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
        let Some(&(_, flag)) = KEYS.iter().find(|(name, _)| *name == key) else {
            return Err((n + 1, format!("unknown key `{}`", k.trim())));
        };
        let v = v.trim();
        let value = if let Some(s) = v.strip_prefix('"') {
            match s.strip_suffix('"') {
                Some(inner) if !inner.contains('"') => inner.to_string(),
                _ => return Err((n + 1, format!("unterminated string `{v}`"))),
            }
        } else if v == "true" || v == "false" || v.parse::<f64>().is_ok() {
            v.to_string()
        } else {
            return Err((
                n + 1,
                format!("`{v}` is not a string, number or boolean (quote strings)"),
            ));
        };
        out.push((flag, value));
    }
    Ok(out)
}

/// A `#` outside a string starts a comment.
fn strip_comment(line: &str) -> &str {
    let mut in_str = false;
    for (i, c) in line.char_indices() {
        match c {
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
    fn parses_the_subset() {
        let got = parse(
            "# defaults\nprofile = \"prod # ro\"  # a comment\nregion=\"eu-west-1\"\nmax_tps = 5\nlocal = true\n\n",
        )
        .unwrap();
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
