//! The README's help text, completions, the man page, and the output flags of issue #8.

use crate::support::*;

#[test]
fn readme_help_is_in_sync_with_the_binary() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for sub in [
        "get", "trace", "errors", "summary", "compare", "groups", "apis", "query",
    ] {
        let r = run(apitrace().args([sub, "--help"]).env("COLUMNS", "100"));
        assert_eq!(r.code, 0);
        let block = format!(
            "### `apitrace {sub} --help`\n\n```text\n{}\n```\n",
            r.stdout.trim_end()
        );
        assert!(
            readme.contains(&block),
            "README's `{sub} --help` is stale: run scripts/update-readme-help.sh"
        );
    }
}

#[test]
fn completions_and_man_page() {
    for (shell, needle) in [
        ("bash", "_apitrace()"),
        ("zsh", "#compdef apitrace"),
        ("fish", "complete -c apitrace"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[apitrace]"),
    ] {
        let r = run(apitrace().args(["completions", shell]));
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains(needle), "{shell}");
        assert!(
            r.stdout.contains("since-deploy"),
            "{shell}: flags are completed"
        );
    }
    let r = run(apitrace().arg("man"));
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH apitrace"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    assert!(r.stdout.contains("trace") && r.stdout.contains("errors"));
    let r = run(apitrace().args(["man", "nope"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no manual page 'nope'"), "{}", r.stderr);
    let r = run(apitrace().args(["completions", "tcsh"]));
    assert_eq!(r.code, 2);
}

#[test]
fn grep_highlight_and_time_flags() {
    let w = World::shared();
    let base = |extra: &[&str]| w.rest(&["get", "-q"]).window().args(extra).ok().stdout;
    let starts = base(&["--grep", r"^REPORT RequestId", "-G", "-S"]);
    assert!(!starts.is_empty());
    assert!(
        starts.lines().all(|l| l.starts_with("REPORT RequestId")),
        "{starts}"
    );
    let reports = w
        .events()
        .iter()
        .filter(|e| {
            e["message"]
                .as_str()
                .unwrap()
                .starts_with("REPORT RequestId")
                && !e["old"].as_bool().unwrap()
        })
        .filter(|e| w.rest_groups().iter().any(|g| e["log_group"] == g.as_str()))
        .count();
    assert_eq!(starts.lines().count(), reports);

    let hl = base(&[
        "--only",
        "access",
        "--color",
        "always",
        "--highlight",
        "GET",
    ]);
    assert!(
        hl.contains("\x1b[1;33mGET") || hl.contains("\x1b[33;1mGET") || hl.contains("33mGET"),
        "{}",
        &hl[..300]
    );

    let t = base(&[
        "--only",
        "access",
        "-G",
        "-S",
        "--timestamp",
        "--timestamp-format",
        "%H:%M:%S%.3f",
    ]);
    let re = regex::Regex::new(r"^\d\d:\d\d:\d\d\.\d{3} \{").unwrap();
    assert!(
        t.lines().all(|l| re.is_match(l)),
        "{}",
        t.lines().next().unwrap()
    );
    let local = w
        .rest(&[
            "get",
            "-q",
            "--only",
            "access",
            "-G",
            "-S",
            "--timestamp",
            "--local",
        ])
        .env("TZ", "Asia/Kolkata")
        .window()
        .run();
    assert!(
        local.stdout.lines().next().unwrap().contains("+05:30 "),
        "{}",
        local.stdout.lines().next().unwrap()
    );

    let bad = run(apitrace().args(["get", "--api-id", "a", "--stage", "b", "--grep", "("]));
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("invalid --grep regex"),
        "{}",
        bad.stderr
    );
    let bad = run(apitrace().args([
        "get",
        "--api-id",
        "a",
        "--stage",
        "b",
        "--timestamp-format",
        "%Q",
    ]));
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn the_config_file_sets_defaults_and_flags_win() {
    let w = World::shared();
    let dir = std::env::temp_dir().join(format!("apitrace-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    let cmd = |extra: &[&str]| {
        Cmd::new(&["apis", "-o", "json"])
            .env("APITRACE_CONFIG", &file)
            .env_remove("AWS_REGION")
            .args(extra)
            .run()
    };
    std::fs::write(&file, "# test\nregion = \"us-east-1\"\n").unwrap();
    let r = cmd(&[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(w.rest_api()), "the file's region is used");
    std::fs::write(&file, "region = \"eu-west-1\"\n").unwrap();
    let r = cmd(&[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains(w.rest_api()), "eu-west-1 has other APIs");
    let r = cmd(&["--region", "us-east-1"]);
    assert!(
        r.stdout.contains(w.rest_api()),
        "the flag wins over the file"
    );
    let r = cmd(&["--no-config"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("no AWS region is configured"),
        "{}",
        r.stderr
    );
    std::fs::write(&file, "colour = \"always\"\n").unwrap();
    let r = cmd(&[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("config.toml:1: unknown key `colour`"),
        "{}",
        r.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `apitrace man --dir` writes the whole set, and each page renders without a warning
/// (groff, from Debian's groff-base, which man-db needs and this machine kind has).
#[test]
fn every_man_page_renders_without_warnings() {
    let dir = std::env::temp_dir().join(format!("apitrace-man-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let r = run(apitrace().arg("man").arg("--dir").arg(&dir));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let listed: Vec<&str> = r.stdout.lines().collect();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(listed.len(), names.len(), "{}", r.stdout);
    for cmd in [
        "", "-get", "-trace", "-errors", "-summary", "-groups", "-apis",
    ] {
        assert!(names.contains(&format!("apitrace{cmd}.1")), "{names:?}");
    }
    for name in &names {
        let page = std::fs::read_to_string(dir.join(name)).unwrap();
        let out = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(dir.join(name))
            .output()
            .expect("groff is needed to check the man pages (Debian: apt-get install groff-base)");
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && warnings.is_empty(),
            "{name}: {warnings}"
        );
        // Every apitrace page it refers to under SEE ALSO is in the set.
        let see_also = page
            .split(".SH \"SEE ALSO\"\n")
            .nth(1)
            .and_then(|s| s.lines().next())
            .unwrap_or_else(|| panic!("{name} has no SEE ALSO"));
        for r in see_also.split(", ") {
            let r = r
                .replace("\\fB", "")
                .replace("\\fR", "")
                .replace("\\-", "-");
            if let Some(stem) = r.strip_suffix("(1)").filter(|s| s.starts_with("apitrace")) {
                assert!(names.contains(&format!("{stem}.1")), "{name} refers to {r}");
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The README's "Commands and options" section and the binary agree: every flag of `get
/// --help` is documented there, every flag it names exists, and the completions example
/// is the one `--help` gives.
#[test]
fn readme_options_match_the_binary() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("## Commands and options")
        .nth(1)
        .and_then(|s| s.split("## Full `--help`").next())
        .expect("README has a Commands and options section");
    let flags = |text: &str| -> std::collections::BTreeSet<String> {
        let mut v = std::collections::BTreeSet::new();
        for (i, _) in text.match_indices("--") {
            let rest = &text[i + 2..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                .collect();
            let before = text[..i].chars().last();
            if name.len() > 1 && !name.ends_with('-') && before != Some('-') {
                v.insert(format!("--{name}"));
            }
        }
        v
    };
    let help = |sub: &str| run(apitrace().args([sub, "--help"])).stdout;
    let get = flags(&help("get"));
    let documented = flags(section);
    let missing: Vec<_> = get
        .iter()
        .filter(|f| !["--help", "--version"].contains(&f.as_str()))
        .filter(|f| !documented.contains(*f))
        .collect();
    assert!(
        missing.is_empty(),
        "flags of `get --help` missing from the README's table: {missing:?}"
    );
    let mut all = std::collections::BTreeSet::new();
    for sub in [
        "get",
        "trace",
        "errors",
        "summary",
        "compare",
        "groups",
        "apis",
        "query",
        "man",
        "completions",
    ] {
        all.extend(flags(&help(sub)));
    }
    let unknown: Vec<_> = documented.iter().filter(|f| !all.contains(*f)).collect();
    assert!(
        unknown.is_empty(),
        "the README names flags that do not exist: {unknown:?}"
    );
    let top = run(apitrace().arg("--help")).stdout;
    let example = top
        .split("apitrace completions bash >")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .map(|s| s.trim_end_matches(['`', ')', '.']))
        .expect("`apitrace --help` gives a completions example");
    assert!(
        readme.contains(&format!("apitrace completions bash > {example}")),
        "README and --help disagree on where completions go ({example})"
    );
}
